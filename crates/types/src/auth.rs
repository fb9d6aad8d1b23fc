//! Login, token refresh, logout and password change.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::users::UserDto;

/// Username + password login.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Login name (case-insensitive).
    pub username: String,
    /// Password.
    pub password: String,
}

/// Exchange a refresh token for a new token pair. The old refresh token becomes invalid;
/// presenting it again revokes the whole session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from the last login or refresh.
    pub refresh_token: String,
}

/// A token pair for a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    /// Short-lived JWT; send as `Authorization: Bearer <token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Opaque single-use token to obtain the next pair.
    pub refresh_token: String,
    /// The session ends at this time whatever happens (absolute lifetime).
    pub session_expires_at: DateTime<Utc>,
    /// The session ends if not refreshed for this many seconds (idle timeout).
    pub idle_timeout_seconds: i64,
    /// The logged-in account.
    pub user: UserDto,
}

/// Change one's own password.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The password in use now.
    pub current_password: String,
    /// The new password; must satisfy the password policy.
    pub new_password: String,
}
