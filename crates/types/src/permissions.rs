//! What each role may do, defined once: the server's access policies, the SPA's route
//! guards and its buttons all read this table (docs/ROLES.md is the full matrix).

use crate::api_keys::ApiKeyScope;
use crate::users::Role;

/// A kind of action guarded by role (and, for scripts, by API-key scope).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Manage users; delete jobs.
    Administer,
    /// Read the audit log.
    ReadAudit,
    /// Change jobs, copies and API keys.
    Operate,
    /// Read operational data (jobs, results, compliance, dashboard).
    Read,
    /// Report backup results and restore-test results.
    Report,
    /// Read restore-test evidence files (attachments).
    ReadEvidence,
    /// Open and close maintenance windows (silences).
    Silence,
}

impl Permission {
    /// The roles that have it.
    pub const fn roles(self) -> &'static [Role] {
        match self {
            Self::Administer => &[Role::Admin],
            Self::ReadAudit => &[Role::Admin, Role::Auditor],
            Self::ReadEvidence => &[Role::Admin, Role::Operator, Role::Auditor],
            Self::Operate | Self::Report | Self::Silence => &[Role::Admin, Role::Operator],
            Self::Read => &[Role::Admin, Role::Operator, Role::Viewer, Role::Auditor],
        }
    }

    /// The API-key scopes that grant it (a key needs one of them).
    pub const fn scopes(self) -> &'static [ApiKeyScope] {
        match self {
            Self::Read => &[ApiKeyScope::Read],
            Self::Report => &[ApiKeyScope::Ingest],
            Self::Silence => &[ApiKeyScope::Maintenance],
            Self::Administer | Self::ReadAudit | Self::ReadEvidence | Self::Operate => &[],
        }
    }
}

impl Role {
    /// Whether this role has `permission`.
    pub fn has(self, permission: Permission) -> bool {
        permission.roles().contains(&self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_matrix_matches_roles_md() {
        use Role::*;
        let table = [
            (Permission::Administer, [true, false, false, false]),
            (Permission::ReadAudit, [true, false, false, true]),
            (Permission::Operate, [true, true, false, false]),
            (Permission::Report, [true, true, false, false]),
            (Permission::Silence, [true, true, false, false]),
            (Permission::Read, [true, true, true, true]),
            (Permission::ReadEvidence, [true, true, false, true]),
        ];
        for (permission, expected) in table {
            let actual = [Admin, Operator, Viewer, Auditor].map(|role| role.has(permission));
            assert_eq!(actual, expected, "{permission:?}");
        }
    }
}
