//! `/health` (liveness: no database) and `/ready` (database reachable and migrated).

use actix_web::{HttpResponse, get, web};
use bms_types::health::{HealthResponse, ReadyResponse};

use crate::app::AppState;
use crate::db::{pending_migration_count, run_db};

/// Liveness: the process answers. Never touches the database.
#[utoipa::path(tag = "health", responses((status = 200, description = "Alive", body = HealthResponse)))]
#[get("/health")]
pub async fn health() -> web::Json<HealthResponse> {
    web::Json(HealthResponse { status: "ok".to_owned(), version: env!("CARGO_PKG_VERSION").to_owned() })
}

/// Readiness: a connection can be opened and every migration is applied.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "Ready", body = ReadyResponse),
        (status = 503, description = "Database unreachable or migrations pending", body = ReadyResponse),
    )
)]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let pending = run_db(&state.pool, |conn| {
        pending_migration_count(conn).map_err(|error| crate::error::ApiError::internal(error.to_string()))
    })
    .await;
    match pending {
        Ok(0) => {
            HttpResponse::Ok().json(ReadyResponse { status: "ready".into(), database: true, pending_migrations: 0 })
        }
        Ok(count) => HttpResponse::ServiceUnavailable().json(ReadyResponse {
            status: "not_ready".into(),
            database: true,
            pending_migrations: u32::try_from(count).unwrap_or(u32::MAX),
        }),
        Err(error) => {
            log::warn!("readiness check failed: {error}");
            HttpResponse::ServiceUnavailable().json(ReadyResponse {
                status: "not_ready".into(),
                database: false,
                pending_migrations: 0,
            })
        }
    }
}
