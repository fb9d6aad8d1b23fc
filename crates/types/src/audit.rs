//! The tamper-evident audit log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::wire_enum::wire_enum;

wire_enum! {
    /// Who performed an audited action.
    ActorKind {
        /// A logged-in person.
        User => "user",
        /// A script or tool using an API key.
        ApiKey => "api_key",
        /// bms itself (first start, scheduler, CLI).
        System => "system",
        /// Nobody authenticated (e.g. a failed login).
        Anonymous => "anonymous",
    }
}

wire_enum! {
    /// Whether the audited action succeeded.
    AuditOutcome {
        /// The action took effect.
        Success => "success",
        /// The action was refused or failed.
        Failure => "failure",
    }
}

/// One audit-log row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntryDto {
    /// Sequence number; the hash chain follows it.
    pub id: i64,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Kind of actor.
    pub actor_kind: ActorKind,
    /// User id, when a user acted.
    pub actor_user_id: Option<i64>,
    /// API key id, when a key acted.
    pub actor_api_key_id: Option<i64>,
    /// Username or key name at the time (kept if the account is later deleted).
    pub actor_name: Option<String>,
    /// Client IP (from `X-Forwarded-For` only behind a trusted proxy).
    pub client_ip: Option<String>,
    /// What was done, e.g. `auth.login`, `user.create`, `api_key.revoke`.
    pub action: String,
    /// Kind of resource affected, e.g. `user`.
    pub resource_type: Option<String>,
    /// Id of the resource affected.
    pub resource_id: Option<String>,
    /// Outcome.
    pub outcome: AuditOutcome,
    /// Structured context (never secrets).
    pub details: serde_json::Value,
    /// SHA-256 (hex) of the previous row's hash and this row's content.
    pub hash: String,
}

/// One page of audit entries, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntryList {
    /// The entries on this page.
    pub data: Vec<AuditEntryDto>,
    /// Pagination.
    pub meta: crate::PageMeta,
}

/// Result of checking the hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditVerifyResponse {
    /// `true` when every row's hash matches its content and predecessor.
    pub valid: bool,
    /// Rows examined.
    pub rows_checked: u64,
    /// Id of the first row whose chain breaks, if any.
    pub first_broken_id: Option<i64>,
}

/// Filters for the audit log.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ListAuditQuery {
    /// 1-based page (default 1).
    pub page: Option<u32>,
    /// Items per page, 1–200 (default 50).
    pub per_page: Option<u32>,
    /// Exact action, e.g. `auth.login`.
    pub action: Option<String>,
    /// Kind of actor.
    pub actor_kind: Option<ActorKind>,
    /// Acting user id.
    pub actor_user_id: Option<i64>,
    /// Acting API key id.
    pub actor_api_key_id: Option<i64>,
    /// Resource kind, e.g. `user`.
    pub resource_type: Option<String>,
    /// Resource id.
    pub resource_id: Option<String>,
    /// Outcome.
    pub outcome: Option<AuditOutcome>,
    /// Only entries at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Only entries before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
}
