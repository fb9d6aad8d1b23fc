//! User accounts and roles.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::wire_enum::wire_enum;

wire_enum! {
    /// What a person may do. See docs/ROLES.md for the full matrix.
    Role {
        /// Everything, including user management.
        Admin => "admin",
        /// Day-to-day work: jobs, copies, results, media, API keys for scripts.
        Operator => "operator",
        /// Read-only access to operational data.
        Viewer => "viewer",
        /// Read-only access including the audit log.
        Auditor => "auditor",
    }
}

/// A user account as the API shows it (never the password hash).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserDto {
    /// Numeric id.
    pub id: i64,
    /// Login name (unique, case-insensitive).
    pub username: String,
    /// Contact address for notifications.
    pub email: String,
    /// Display name.
    pub full_name: String,
    /// Organisational unit.
    pub department: String,
    /// Role.
    pub role: Role,
    /// Inactive accounts cannot log in and their sessions are revoked.
    pub is_active: bool,
    /// The account must change its password before doing anything else.
    pub must_change_password: bool,
    /// Consecutive failed logins since the last success.
    pub failed_login_count: i32,
    /// The account is locked until this time (absent when not locked).
    pub locked_until: Option<DateTime<Utc>>,
    /// Last successful login.
    pub last_login_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last modification time.
    pub updated_at: DateTime<Utc>,
}

/// Create a user (admin only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    /// 3–64 characters: letters, digits, `.`, `_`, `-`.
    pub username: String,
    /// A valid e-mail address.
    pub email: String,
    /// Display name (optional, up to 200 characters).
    #[serde(default)]
    pub full_name: Option<String>,
    /// Department (optional, up to 200 characters).
    #[serde(default)]
    pub department: Option<String>,
    /// Role of the new account.
    pub role: Role,
    /// Initial password. When absent a temporary one is generated and returned once.
    #[serde(default)]
    pub password: Option<String>,
    /// Force a password change at first login (default `true`).
    #[serde(default)]
    pub must_change_password: Option<bool>,
}

/// Change profile fields or the role of a user (admin only). Absent fields stay unchanged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    /// New e-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// New display name.
    #[serde(default)]
    pub full_name: Option<String>,
    /// New department.
    #[serde(default)]
    pub department: Option<String>,
    /// New role.
    #[serde(default)]
    pub role: Option<Role>,
}

/// A created user, with the generated temporary password when one was generated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedUserResponse {
    /// The new account.
    pub user: UserDto,
    /// Shown once: the generated password, when none was supplied.
    pub temporary_password: Option<String>,
}

/// Reset a user's password (admin only). The user must change it at next login.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    /// The new temporary password. When absent one is generated and returned once.
    #[serde(default)]
    pub new_password: Option<String>,
}

/// Result of an admin password reset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResetPasswordResponse {
    /// The account after the reset.
    pub user: UserDto,
    /// Shown once: the generated password, when none was supplied.
    pub temporary_password: Option<String>,
}

/// One page of users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserList {
    /// The users on this page.
    pub data: Vec<UserDto>,
    /// Pagination.
    pub meta: crate::PageMeta,
}

/// Filters for the user list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ListUsersQuery {
    /// 1-based page (default 1).
    pub page: Option<u32>,
    /// Items per page, 1–200 (default 50).
    pub per_page: Option<u32>,
    /// Text search in username, e-mail and full name.
    pub q: Option<String>,
    /// Only this role.
    pub role: Option<Role>,
    /// Only active (`true`) or inactive (`false`) accounts.
    pub is_active: Option<bool>,
}
