//! `/api/v1/dashboard`: summary and chart series.

use actix_web::{get, web};
use bms_types::ApiErrorBody;
use bms_types::dashboard::{DashboardSeries, DashboardSummary, SeriesQuery};

use crate::access::{Authorized, Readers};
use crate::app::AppState;
use crate::dashboard::queries;
use crate::db::run_db;
use crate::error::ApiError;
use crate::request::{NoParams, ValidQuery};
use crate::tracking::evaluator::EvaluationSettings;

/// Jobs by state, compliance, last-24-hour results, success rates and jobs needing attention.
#[utoipa::path(
    tag = "dashboard",
    responses((status = 200, description = "The summary", body = DashboardSummary)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/dashboard/summary")]
pub async fn summary(
    _: ValidQuery<NoParams>,
    state: web::Data<AppState>,
    evaluation: web::Data<EvaluationSettings>,
    cache: web::Data<crate::dashboard::SummaryCache>,
    _auth: Authorized<Readers>,
) -> Result<web::Json<DashboardSummary>, ApiError> {
    let ttl = std::time::Duration::from_secs(state.config.tracking.dashboard_cache_seconds);
    if let Some(cached) = cache.get(ttl) {
        return Ok(web::Json(cached));
    }
    let now = state.clock.now();
    let settings = evaluation.get_ref().clone();
    let summary = run_db(&state.pool, move |conn| queries::summary(conn, now, &settings)).await?;
    cache.put(summary.clone());
    Ok(web::Json(summary))
}

/// Daily results, success rate and compliance rate over 7, 30 or 90 days.
#[utoipa::path(
    tag = "dashboard",
    params(SeriesQuery),
    responses(
        (status = 200, description = "The series", body = DashboardSeries),
        (status = 400, description = "Invalid window", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/dashboard/series")]
pub async fn series(
    state: web::Data<AppState>,
    evaluation: web::Data<EvaluationSettings>,
    _auth: Authorized<Readers>,
    ValidQuery(query): ValidQuery<SeriesQuery>,
) -> Result<web::Json<DashboardSeries>, ApiError> {
    let days = query.days.unwrap_or(30);
    if ![7, 30, 90].contains(&days) {
        return Err(ApiError::invalid_field("days", "one_of", "must be 7, 30 or 90"));
    }
    let now = state.clock.now();
    let settings = evaluation.get_ref().clone();
    let series = run_db(&state.pool, move |conn| queries::series(conn, now, &settings, days)).await?;
    Ok(web::Json(series))
}
