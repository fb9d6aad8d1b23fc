//! The one error envelope every endpoint answers with, and the stable error codes the SPA
//! decodes to show a message in the person's language.

use serde::{Deserialize, Serialize};

use crate::wire_enum::wire_enum;

wire_enum! {
    /// Stable, machine-readable error codes. Adding a variant is backwards compatible;
    /// renaming one is a breaking API change.
    ErrorCode {
        /// One or more fields broke a validation rule; `details` names each field and rule.
        ValidationFailed => "validation_failed",
        /// The request body is not well-formed JSON.
        MalformedJson => "malformed_json",
        /// No credentials were given, or they were not of an accepted kind.
        AuthenticationRequired => "authentication_required",
        /// Username or password wrong, account locked or inactive (deliberately indistinguishable).
        InvalidCredentials => "invalid_credentials",
        /// The bearer token or API key is malformed, unknown, revoked or of the wrong type.
        TokenInvalid => "token_invalid",
        /// The access token has expired; refresh it.
        TokenExpired => "token_expired",
        /// The session passed its idle timeout or absolute lifetime; log in again.
        SessionExpired => "session_expired",
        /// The session was revoked (logout, password change, deactivation, refresh-token reuse).
        SessionRevoked => "session_revoked",
        /// The account must change its password before anything else is allowed.
        PasswordChangeRequired => "password_change_required",
        /// Authenticated, but the role or API-key scope does not allow this action.
        Forbidden => "forbidden",
        /// No such route or resource.
        NotFound => "not_found",
        /// The route exists but not for this HTTP method.
        MethodNotAllowed => "method_not_allowed",
        /// The change conflicts with existing data (e.g. a duplicate unique name).
        Conflict => "conflict",
        /// The request body exceeds the configured limit.
        PayloadTooLarge => "payload_too_large",
        /// The body's content (sniffed from its bytes) is of a type not accepted here.
        UnsupportedMediaType => "unsupported_media_type",
        /// An unexpected server-side failure; details are in the server log.
        InternalError => "internal_error",
        /// A dependency (usually the database) is not available.
        ServiceUnavailable => "service_unavailable",
    }
}

/// One broken rule on one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldViolation {
    /// Dotted path of the offending field, e.g. `password` or `items[3].result`.
    pub field: String,
    /// The rule that failed, e.g. `required`, `min_length`, `unknown_field`, `common_password`.
    pub rule: String,
    /// Human-readable explanation in English (the SPA localises from `rule`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiErrorBody {
    /// The error itself.
    pub error: ErrorDetail,
}

/// Code, message and per-field details of an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable machine-readable code.
    pub code: ErrorCode,
    /// Human-readable summary in English.
    pub message: String,
    /// Field-level violations (empty unless `code` is `validation_failed`).
    #[serde(default)]
    pub details: Vec<FieldViolation>,
}
