//! API keys for scripts and other tools.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::wire_enum::wire_enum;

wire_enum! {
    /// What an API key may do.
    ApiKeyScope {
        /// Read operational data (jobs, executions, compliance, dashboard).
        Read => "read",
        /// Report backup results.
        Ingest => "ingest",
        /// Open maintenance windows (a backup script announcing a planned outage).
        Maintenance => "maintenance",
    }
}

/// An API key as listed (never the secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyDto {
    /// Numeric id.
    pub id: i64,
    /// Purpose, e.g. `fileserver01 restic wrapper`.
    pub name: String,
    /// The visible start of the key (e.g. `bms_3f9a1c2e`), to recognise it in configs.
    pub prefix: String,
    /// Granted scopes.
    pub scopes: Vec<ApiKeyScope>,
    /// Id of the user who created it.
    pub created_by: Option<i64>,
    /// Username of the user who created it.
    pub created_by_username: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// The key stops working at this time (absent: no expiry).
    pub expires_at: Option<DateTime<Utc>>,
    /// Last successful authentication with this key.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Revocation time (absent while the key is valid).
    pub revoked_at: Option<DateTime<Utc>>,
    /// Jobs the key may report results for (empty: any job).
    pub job_ids: Vec<i64>,
}

/// Create an API key (admin, operator).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    /// Purpose of the key, 1–100 characters.
    pub name: String,
    /// At least one scope.
    pub scopes: Vec<ApiKeyScope>,
    /// Optional expiry; must be in the future.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Restrict the key to these jobs (absent or empty: any job). A key for one server
    /// then cannot report for another.
    #[serde(default)]
    pub job_ids: Option<Vec<i64>>,
}

/// A new API key. `key` is shown only in this response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiKeyResponse {
    /// The stored key metadata.
    pub api_key: ApiKeyDto,
    /// The secret, `bms_...`; send as `Authorization: Bearer <key>` or `X-API-Key: <key>`.
    pub key: String,
}

/// One page of API keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyList {
    /// The keys on this page.
    pub data: Vec<ApiKeyDto>,
    /// Pagination.
    pub meta: crate::PageMeta,
}

/// Filters for the API-key list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ListApiKeysQuery {
    /// 1-based page (default 1).
    pub page: Option<u32>,
    /// Items per page, 1–200 (default 50).
    pub per_page: Option<u32>,
    /// Include revoked keys (default false).
    pub include_revoked: Option<bool>,
}
