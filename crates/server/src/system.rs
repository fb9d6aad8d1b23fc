//! `/api/v1/system/tasks`: the scheduler's tasks with their next run and last outcome, and
//! which process holds the scheduler's lease.

use actix_web::{get, web};
use bms_types::ApiErrorBody;
use bms_types::system::TaskList;

use crate::access::{Authorized, Readers};
use crate::app::AppState;
use crate::db::run_db;
use crate::error::ApiError;
use crate::request::{NoParams, ValidQuery};
use crate::scheduler::Scheduler;

/// Every periodic task: schedule, next run, last start / finish / duration / outcome /
/// error, run and failure counts; and the lease.
#[utoipa::path(
    tag = "system",
    responses(
        (status = 200, description = "The tasks", body = TaskList),
        (status = 401, description = "Not authenticated", body = ApiErrorBody),
        (status = 403, description = "Not allowed", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/system/tasks")]
pub async fn list_tasks(
    _: ValidQuery<NoParams>,
    state: web::Data<AppState>,
    scheduler: web::Data<Scheduler>,
    _auth: Authorized<Readers>,
) -> Result<web::Json<TaskList>, ApiError> {
    let now = state.clock.now();
    let scheduler = scheduler.into_inner();
    Ok(web::Json(run_db(&state.pool, move |conn| Ok(scheduler.list(conn, now)?)).await?))
}
