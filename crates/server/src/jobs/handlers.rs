//! `/api/v1/jobs`: jobs, their copies, live compliance with evidence, history, and a
//! schedule preview.

use crate::db::DbConn;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use bms_types::ApiErrorBody;
use bms_types::executions::{ExecutionList, ListExecutionsQuery};
use bms_types::jobs::{
    ComplianceVerdictDto, CopyDto, CreateCopyRequest, CreateJobRequest, JobDto, JobList, JobStateDto, ListJobsQuery,
    SchedulePreview, SchedulePreviewQuery, StateFlipDto, UpdateCopyRequest, UpdateJobRequest,
};
use diesel::prelude::*;

use crate::access::{AdminOnly, Authorized, Operators, Readers};
use crate::app::AppState;
use crate::db::pagination::PageWindow;
use crate::db::run_db;
use crate::db::schema::job_state_flips;
use crate::error::{ApiError, violation};
use crate::jobs::queries::{self, JobSort, job_dtos};
use crate::request::{CopyPath, NoParams, PathId, ValidJson, ValidQuery};
use crate::tracking::evaluator::{EvaluationSettings, copy_freshness, evaluate, load_facts, refresh_job, verdict_dto};
use crate::tracking::model::{self, Copy, CopyFields, Job, JobFields, tags_of, validate_job};
use crate::tracking::schedule::CronSchedule;

fn job_dto(conn: &mut DbConn, id: i64) -> Result<JobDto, ApiError> {
    let job = Job::find(conn, id)?;
    job_dtos(conn, vec![job])?.pop().ok_or_else(|| ApiError::not_found("Job"))
}

/// Re-evaluates a job right after a change so the answer already shows its status.
fn refresh_now(
    conn: &mut DbConn,
    job_id: i64,
    now: chrono::DateTime<chrono::Utc>,
    settings: &EvaluationSettings,
) -> Result<(), ApiError> {
    crate::db::write_transaction(conn, |conn| refresh_job(conn, job_id, now, settings).map(|_| ()))
}

/// List jobs with filters, sorting and pagination.
#[utoipa::path(
    tag = "jobs",
    params(ListJobsQuery),
    responses(
        (status = 200, description = "A page of jobs", body = JobList),
        (status = 400, description = "Invalid filter", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/jobs")]
pub async fn list_jobs(
    state: web::Data<AppState>,
    _auth: Authorized<Readers>,
    ValidQuery(query): ValidQuery<ListJobsQuery>,
) -> Result<web::Json<JobList>, ApiError> {
    let window = PageWindow::new(query.page, query.per_page)?;
    let sort = JobSort::parse(query.sort.as_deref())?;
    let list = run_db(&state.pool, move |conn| queries::list_jobs(conn, &query, sort, window)).await?;
    Ok(web::Json(list))
}

/// Create a job.
#[utoipa::path(
    tag = "jobs",
    request_body = CreateJobRequest,
    responses(
        (status = 201, description = "Created", body = JobDto),
        (status = 400, description = "Invalid input", body = ApiErrorBody),
        (status = 409, description = "Name or external reference taken", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/jobs")]
pub async fn create_job(
    state: web::Data<AppState>,
    evaluation: web::Data<EvaluationSettings>,
    auth: Authorized<Operators>,
    ValidJson(request): ValidJson<CreateJobRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = JobFields::from_create(request, &state.config.tracking, state.config.default_timezone.name());
    let violations = validate_job(&mut fields);
    crate::error::Violations::from(violations).finish(())?;
    let now = state.clock.now();
    let actor = auth.actor();
    let settings = evaluation.get_ref().clone();
    let job = run_db(&state.pool, move |conn| {
        let id = model::create_job(conn, now, &actor, &fields)?;
        refresh_now(conn, id, now, &settings)?;
        job_dto(conn, id)
    })
    .await?;
    Ok(HttpResponse::Created().json(job))
}

/// Get a job with its status.
#[utoipa::path(
    tag = "jobs",
    params(("id" = i64, Path, description = "Job id")),
    responses(
        (status = 200, description = "The job", body = JobDto),
        (status = 404, description = "No such job", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/jobs/{id}")]
pub async fn get_job(
    _: ValidQuery<NoParams>,
    state: web::Data<AppState>,
    _auth: Authorized<Readers>,
    PathId(id): PathId,
) -> Result<web::Json<JobDto>, ApiError> {
    Ok(web::Json(run_db(&state.pool, move |conn| job_dto(conn, id)).await?))
}

/// Change a job.
#[utoipa::path(
    tag = "jobs",
    params(("id" = i64, Path, description = "Job id")),
    request_body = UpdateJobRequest,
    responses(
        (status = 200, description = "Updated", body = JobDto),
        (status = 400, description = "Invalid input", body = ApiErrorBody),
        (status = 404, description = "No such job", body = ApiErrorBody),
        (status = 409, description = "Name or external reference taken", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[patch("/jobs/{id}")]
pub async fn update_job(
    state: web::Data<AppState>,
    evaluation: web::Data<EvaluationSettings>,
    auth: Authorized<Operators>,
    PathId(id): PathId,
    ValidJson(patch): ValidJson<UpdateJobRequest>,
) -> Result<web::Json<JobDto>, ApiError> {
    let now = state.clock.now();
    let actor = auth.actor();
    let settings = evaluation.get_ref().clone();
    let changed = serde_json::to_value(&patch).map_err(ApiError::internal)?;
    let job = run_db(&state.pool, move |conn| {
        let job = Job::find(conn, id)?;
        let tags = tags_of(conn, &[id])?.remove(&id).unwrap_or_default();
        let mut fields = JobFields::patched(&job, tags, patch)?;
        let violations = validate_job(&mut fields);
        crate::error::Violations::from(violations).finish(())?;
        let changed = strip_absent(changed);
        model::update_job(conn, now, &actor, id, &fields, changed)?;
        refresh_now(conn, id, now, &settings)?;
        job_dto(conn, id)
    })
    .await?;
    Ok(web::Json(job))
}

/// Keeps only the fields a PATCH body set, for the audit details.
fn strip_absent(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => map.into_iter().filter(|(_, v)| !v.is_null()).collect(),
        other => other,
    }
}

/// Delete a job with its copies and history (admin only).
#[utoipa::path(
    tag = "jobs",
    params(("id" = i64, Path, description = "Job id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such job", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[delete("/jobs/{id}")]
pub async fn delete_job(
    state: web::Data<AppState>,
    auth: Authorized<AdminOnly>,
    PathId(id): PathId,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let actor = auth.actor();
    run_db(&state.pool, move |conn| model::delete_job(conn, now, &actor, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Copies with their effective freshness window and last success.
fn copy_dtos(
    conn: &mut DbConn,
    job_id: i64,
    state: &EvaluationSettings,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<CopyDto>, ApiError> {
    let job = Job::find(conn, job_id)?;
    let facts = load_facts(conn, job)?;
    let job_default = state.default_freshness(&facts.job, facts.job.schedule().as_ref(), now);
    facts
        .copies
        .iter()
        .map(|(copy, runs)| copy.to_dto(copy_freshness(copy, job_default), runs.last_success.map(|(_, at)| at)))
        .collect()
}

/// List a job's copies.
#[utoipa::path(
    tag = "jobs",
    params(("id" = i64, Path, description = "Job id")),
    responses(
        (status = 200, description = "The copies", body = Vec<CopyDto>),
        (status = 404, description = "No such job", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/jobs/{id}/copies")]
pub async fn list_copies(
    _: ValidQuery<NoParams>,
    state: web::Data<AppState>,
    evaluation: web::Data<EvaluationSettings>,
    _auth: Authorized<Readers>,
    PathId(id): PathId,
) -> Result<web::Json<Vec<CopyDto>>, ApiError> {
    let now = state.clock.now();
    let settings = evaluation.get_ref().clone();
    Ok(web::Json(run_db(&state.pool, move |conn| copy_dtos(conn, id, &settings, now)).await?))
}

/// Add a copy to a job.
#[utoipa::path(
    tag = "jobs",
    params(("id" = i64, Path, description = "Job id")),
    request_body = CreateCopyRequest,
    responses(
        (status = 201, description = "Created", body = CopyDto),
        (status = 400, description = "Invalid input", body = ApiErrorBody),
        (status = 404, description = "No such job", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/jobs/{id}/copies")]
pub async fn create_copy(
    state: web::Data<AppState>,
    evaluation: web::Data<EvaluationSettings>,
    auth: Authorized<Operators>,
    PathId(job_id): PathId,
    ValidJson(request): ValidJson<CreateCopyRequest>,
) -> Result<HttpResponse, ApiError> {
    let fields = CopyFields::from_create(request);
    let violations = fields.validate();
    crate::error::Violations::from(violations).finish(())?;
    let now = state.clock.now();
    let actor = auth.actor();
    let settings = evaluation.get_ref().clone();
    let copy = run_db(&state.pool, move |conn| {
        let id = model::create_copy(conn, now, &actor, job_id, &fields)?;
        refresh_now(conn, job_id, now, &settings)?;
        copy_dtos(conn, job_id, &settings, now)?
            .into_iter()
            .find(|copy| copy.id == id)
            .ok_or_else(|| ApiError::not_found("Copy"))
    })
    .await?;
    Ok(HttpResponse::Created().json(copy))
}

/// Change a copy.
#[utoipa::path(
    tag = "jobs",
    params(("id" = i64, Path, description = "Job id"), ("copy_id" = i64, Path, description = "Copy id")),
    request_body = UpdateCopyRequest,
    responses(
        (status = 200, description = "Updated", body = CopyDto),
        (status = 400, description = "Invalid input", body = ApiErrorBody),
        (status = 404, description = "No such job or copy", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[patch("/jobs/{id}/copies/{copy_id}")]
pub async fn update_copy(
    state: web::Data<AppState>,
    evaluation: web::Data<EvaluationSettings>,
    auth: Authorized<Operators>,
    path: CopyPath,
    ValidJson(patch): ValidJson<UpdateCopyRequest>,
) -> Result<web::Json<CopyDto>, ApiError> {
    let now = state.clock.now();
    let actor = auth.actor();
    let settings = evaluation.get_ref().clone();
    let copy = run_db(&state.pool, move |conn| {
        let copy = Copy::find(conn, path.job_id, path.copy_id)?;
        let fields = CopyFields::patched(&copy, patch)?;
        let violations = fields.validate();
        crate::error::Violations::from(violations).finish(())?;
        model::update_copy(conn, now, &actor, path.job_id, path.copy_id, &fields)?;
        refresh_now(conn, path.job_id, now, &settings)?;
        copy_dtos(conn, path.job_id, &settings, now)?
            .into_iter()
            .find(|copy| copy.id == path.copy_id)
            .ok_or_else(|| ApiError::not_found("Copy"))
    })
    .await?;
    Ok(web::Json(copy))
}

/// Remove a copy (admin only); its past results stay, unattributed.
#[utoipa::path(
    tag = "jobs",
    params(("id" = i64, Path, description = "Job id"), ("copy_id" = i64, Path, description = "Copy id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such job or copy", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[delete("/jobs/{id}/copies/{copy_id}")]
pub async fn delete_copy(
    state: web::Data<AppState>,
    evaluation: web::Data<EvaluationSettings>,
    auth: Authorized<AdminOnly>,
    path: CopyPath,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let actor = auth.actor();
    let settings = evaluation.get_ref().clone();
    run_db(&state.pool, move |conn| {
        model::delete_copy(conn, now, &actor, path.job_id, path.copy_id)?;
        refresh_now(conn, path.job_id, now, &settings)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The job's 3-2-1-1-0 verdict evaluated now, with the evidence for every rule.
#[utoipa::path(
    tag = "jobs",
    params(("id" = i64, Path, description = "Job id")),
    responses(
        (status = 200, description = "The verdict", body = ComplianceVerdictDto),
        (status = 404, description = "No such job", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/jobs/{id}/compliance")]
pub async fn job_compliance(
    _: ValidQuery<NoParams>,
    state: web::Data<AppState>,
    evaluation: web::Data<EvaluationSettings>,
    _auth: Authorized<Readers>,
    PathId(id): PathId,
) -> Result<web::Json<ComplianceVerdictDto>, ApiError> {
    let now = state.clock.now();
    let settings = evaluation.get_ref().clone();
    let verdict = run_db(&state.pool, move |conn| {
        let job = Job::find(conn, id)?;
        let facts = load_facts(conn, job)?;
        let (_, verdict) = evaluate(&facts, &settings, now);
        Ok(verdict_dto(&verdict, now))
    })
    .await?;
    Ok(web::Json(verdict))
}

/// Filters for a job's history (the job comes from the path).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct JobHistoryQuery {
    /// 1-based page (default 1).
    pub page: Option<u32>,
    /// Items per page, 1–200 (default 50).
    pub per_page: Option<u32>,
    /// Only this copy.
    pub copy_id: Option<i64>,
    /// Only this result.
    pub result: Option<bms_types::executions::ExecutionResult>,
    /// Finished at or after (RFC 3339).
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    /// Finished before (RFC 3339).
    pub to: Option<chrono::DateTime<chrono::Utc>>,
}

/// A job's results, newest first.
#[utoipa::path(
    tag = "jobs",
    params(("id" = i64, Path, description = "Job id"), JobHistoryQuery),
    responses(
        (status = 200, description = "A page of results", body = ExecutionList),
        (status = 404, description = "No such job", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/jobs/{id}/executions")]
pub async fn job_executions(
    state: web::Data<AppState>,
    _auth: Authorized<Readers>,
    PathId(id): PathId,
    ValidQuery(query): ValidQuery<JobHistoryQuery>,
) -> Result<web::Json<ExecutionList>, ApiError> {
    run_db(&state.pool, move |conn| Job::find(conn, id).map(|_| ())).await?;
    let query = ListExecutionsQuery {
        page: query.page,
        per_page: query.per_page,
        job_id: Some(id),
        copy_id: query.copy_id,
        result: query.result,
        source: None,
        from: query.from,
        to: query.to,
    };
    Ok(web::Json(crate::executions::handlers::list(&state, query).await?))
}

/// A job's state changes, newest first (the latest 200).
#[utoipa::path(
    tag = "jobs",
    params(("id" = i64, Path, description = "Job id")),
    responses(
        (status = 200, description = "State changes", body = Vec<StateFlipDto>),
        (status = 404, description = "No such job", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/jobs/{id}/state-changes")]
pub async fn job_state_changes(
    _: ValidQuery<NoParams>,
    state: web::Data<AppState>,
    _auth: Authorized<Readers>,
    PathId(id): PathId,
) -> Result<web::Json<Vec<StateFlipDto>>, ApiError> {
    let flips = run_db(&state.pool, move |conn| {
        Job::find(conn, id)?;
        let rows: Vec<(Option<String>, String, chrono::DateTime<chrono::Utc>)> = job_state_flips::table
            .filter(job_state_flips::job_id.eq(id))
            .order(job_state_flips::id.desc())
            .limit(200)
            .select((job_state_flips::from_state, job_state_flips::to_state, job_state_flips::flipped_at))
            .load(conn)?;
        rows.into_iter()
            .map(|(from, to, at)| {
                Ok(StateFlipDto {
                    from_state: from.as_deref().and_then(JobStateDto::parse),
                    to_state: JobStateDto::parse(&to).ok_or_else(|| ApiError::internal("invalid stored state"))?,
                    flipped_at: at,
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()
    })
    .await?;
    Ok(web::Json(flips))
}

/// The next 5 run times of a cron expression in a time zone (for the job form).
#[utoipa::path(
    tag = "jobs",
    params(SchedulePreviewQuery),
    responses(
        (status = 200, description = "The next runs", body = SchedulePreview),
        (status = 400, description = "Invalid expression or time zone", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/jobs/schedule-preview")]
pub async fn schedule_preview(
    state: web::Data<AppState>,
    _auth: Authorized<Readers>,
    ValidQuery(query): ValidQuery<SchedulePreviewQuery>,
) -> Result<web::Json<SchedulePreview>, ApiError> {
    let timezone = query.timezone.unwrap_or_else(|| state.config.default_timezone.name().to_owned());
    let schedule = CronSchedule::validate(&query.cron_expression, &timezone).map_err(|error| match error {
        crate::tracking::schedule::ScheduleError::InvalidTimezone => {
            ApiError::invalid_field("timezone", "iana_timezone", "must be an IANA time zone such as Asia/Tokyo")
        }
        crate::tracking::schedule::ScheduleError::InvalidCron(reason) => ApiError::validation(vec![violation(
            "cron_expression",
            "cron",
            format!("not a valid 5-field cron expression: {reason}"),
        )]),
    })?;
    let tz: chrono_tz::Tz =
        timezone.parse().map_err(|_| ApiError::invalid_field("timezone", "iana_timezone", "unknown"))?;
    let next_runs = schedule.upcoming(state.clock.now(), 5);
    let next_runs_local = next_runs.iter().map(|at| at.with_timezone(&tz).to_rfc3339()).collect();
    Ok(web::Json(SchedulePreview { next_runs, next_runs_local }))
}
