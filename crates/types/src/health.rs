//! Liveness and readiness probe bodies.

use serde::{Deserialize, Serialize};

/// Liveness answer: the process is up. Never touches the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthResponse {
    /// Always `ok`.
    pub status: String,
    /// The bms version.
    pub version: String,
}

/// Readiness answer: the database is reachable and fully migrated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadyResponse {
    /// `ready` or `not_ready`.
    pub status: String,
    /// `true` when a connection could be opened and queried.
    pub database: bool,
    /// Number of embedded migrations not yet applied (0 when ready).
    pub pending_migrations: u32,
}
