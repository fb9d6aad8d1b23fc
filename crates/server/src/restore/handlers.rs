//! `/api/v1/restore-tests` (record, list, detail, calendar, evidence files),
//! `/api/v1/jobs/{id}/restore-requirement` and `/restore-status`, and the restore ping
//! URLs `/ping/{token}/restore[/{outcome}]` for automated checks.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use bms_types::ApiErrorBody;
use bms_types::restore::{
    AttachmentDto, CreateRestoreTestRequest, ListRestoreTestsQuery, RestoreCalendar, RestoreCalendarQuery,
    RestoreRequirementDto, RestoreRequirementRequest, RestoreStatusDto, RestoreTestDto, RestoreTestList,
    RestoreTestResult, RestoreTestType,
};
use diesel::prelude::*;
use serde_json::json;

use crate::access::{Actor, Authorized, EvidenceReaders, Ingesters, Operators, Readers};
use crate::app::AppState;
use crate::audit::{self, AuditEvent};
use crate::compliance::restore::RestoreRequirement;
use crate::db::pagination::PageWindow;
use crate::db::schema::{jobs, restore_attachments};
use crate::db::{run_db, write_transaction};
use crate::error::{ApiError, Violations};
use crate::executions::ping::PingBody;
use crate::request::{ItemPath, PathId, ValidJson, ValidQuery};
use crate::restore::attachments::{self, AttachmentRow, MAX_PER_TEST};
use crate::restore::{Recorder, queries, record};
use crate::tracking::evaluator::{EvaluationSettings, refresh_job};

/// List restore tests, newest first.
#[utoipa::path(
    tag = "restore-tests",
    params(ListRestoreTestsQuery),
    responses(
        (status = 200, description = "A page of restore tests", body = RestoreTestList),
        (status = 400, description = "Invalid filter", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/restore-tests")]
pub async fn list_restore_tests(
    state: web::Data<AppState>,
    _auth: Authorized<Readers>,
    ValidQuery(query): ValidQuery<ListRestoreTestsQuery>,
) -> Result<web::Json<RestoreTestList>, ApiError> {
    let window = PageWindow::new(query.page, query.per_page)?;
    Ok(web::Json(run_db(&state.pool, move |conn| queries::list(conn, &query, window)).await?))
}

/// Record a restore test (operators, or an automated check with an `ingest` key). The job
/// is re-evaluated in the same transaction: the answer's job already shows the new "0".
#[utoipa::path(
    tag = "restore-tests",
    request_body = CreateRestoreTestRequest,
    responses(
        (status = 201, description = "Recorded and committed", body = RestoreTestDto),
        (status = 400, description = "Invalid input (names each field and rule)", body = ApiErrorBody),
        (status = 403, description = "The key may not report for this job", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/restore-tests")]
pub async fn create_restore_test(
    state: web::Data<AppState>,
    evaluation: web::Data<EvaluationSettings>,
    auth: Authorized<Ingesters>,
    ValidJson(request): ValidJson<CreateRestoreTestRequest>,
) -> Result<HttpResponse, ApiError> {
    let (now, actor, recorder) = (state.clock.now(), auth.actor(), Recorder::of(&auth.principal));
    let settings = evaluation.get_ref().clone();
    let test = run_db(&state.pool, move |conn| {
        let id = write_transaction(conn, |conn| record(conn, &request, &recorder, &actor, &settings, now))?;
        queries::dto(conn, id)
    })
    .await?;
    Ok(HttpResponse::Created().json(test))
}

/// Upcoming and overdue restore tests of every active job with a requirement.
#[utoipa::path(
    tag = "restore-tests",
    params(RestoreCalendarQuery),
    responses(
        (status = 200, description = "Overdue first, then by due date", body = RestoreCalendar),
        (status = 400, description = "Invalid window", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/restore-tests/calendar")]
pub async fn restore_calendar(
    state: web::Data<AppState>,
    evaluation: web::Data<EvaluationSettings>,
    _auth: Authorized<Readers>,
    ValidQuery(query): ValidQuery<RestoreCalendarQuery>,
) -> Result<web::Json<RestoreCalendar>, ApiError> {
    let days = query.days.unwrap_or(90);
    if !(1..=366).contains(&days) {
        return Err(ApiError::invalid_field("days", "range", "must be from 1 to 366"));
    }
    let (now, settings) = (state.clock.now(), evaluation.get_ref().clone());
    Ok(web::Json(run_db(&state.pool, move |conn| queries::calendar(conn, &settings, days, now)).await?))
}

/// One restore test with its attachments.
#[utoipa::path(
    tag = "restore-tests",
    params(("id" = i64, Path, description = "Restore test id")),
    responses(
        (status = 200, description = "The test", body = RestoreTestDto),
        (status = 404, description = "No such test", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/restore-tests/{id}")]
pub async fn get_restore_test(
    state: web::Data<AppState>,
    _auth: Authorized<Readers>,
    PathId(id): PathId,
) -> Result<web::Json<RestoreTestDto>, ApiError> {
    Ok(web::Json(run_db(&state.pool, move |conn| queries::dto(conn, id)).await?))
}

/// Upload query.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The file's name (path segments are dropped).
    pub filename: String,
}

/// Attach an evidence file (the raw body; its type is sniffed from the bytes: text, PNG,
/// JPEG, GIF, WebP, PDF, ZIP or gzip). `curl --data-binary @restore.log
/// '.../attachments?filename=restore.log'`.
#[utoipa::path(
    tag = "restore-tests",
    params(("id" = i64, Path, description = "Restore test id"), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file"),
    responses(
        (status = 201, description = "Stored (on disk and recorded)", body = AttachmentDto),
        (status = 400, description = "No file name, or empty", body = ApiErrorBody),
        (status = 404, description = "No such test", body = ApiErrorBody),
        (status = 409, description = "The test has the most attachments allowed", body = ApiErrorBody),
        (status = 413, description = "Larger than ATTACHMENT_MAX_BYTES", body = ApiErrorBody),
        (status = 415, description = "Not an accepted type", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/restore-tests/{id}/attachments")]
pub async fn upload_attachment(
    state: web::Data<AppState>,
    auth: Authorized<Ingesters>,
    PathId(id): PathId,
    ValidQuery(query): ValidQuery<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let filename = attachments::clean_filename(&query.filename)?;
    let bytes = crate::request::read_limited(
        payload,
        state.config.attachment_max_bytes,
        bms_types::ErrorCode::ValidationFailed,
    )
    .await?;
    let content_type = attachments::sniff(&bytes)?;
    let (now, actor, recorder) = (state.clock.now(), auth.actor(), Recorder::of(&auth.principal));
    let dir = state.config.attachment_dir.clone();
    let dto = run_db(&state.pool, move |conn| {
        let test = queries::find(conn, id)?;
        if !recorder.reporter.may_report_for(test.job_id) {
            return Err(ApiError::forbidden("This API key may not report for this job."));
        }
        let sha256 = attachments::sha256_hex(&bytes);
        // On disk first, then the row: a committed row always names a complete file.
        let storage_name = attachments::write_file(&dir, &bytes).map_err(ApiError::internal)?;
        let stored = write_transaction(conn, |conn| {
            let count: i64 = restore_attachments::table
                .filter(restore_attachments::restore_test_id.eq(id))
                .count()
                .get_result(conn)?;
            if count >= MAX_PER_TEST {
                return Err(ApiError::conflict_rule(
                    "file",
                    "max_attachments",
                    format!("a restore test has at most {MAX_PER_TEST} attachments"),
                ));
            }
            let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
            let attachment_id: i64 = diesel::insert_into(restore_attachments::table)
                .values((
                    restore_attachments::restore_test_id.eq(id),
                    restore_attachments::filename.eq(&filename),
                    restore_attachments::content_type.eq(content_type),
                    restore_attachments::size_bytes.eq(size),
                    restore_attachments::sha256.eq(&sha256),
                    restore_attachments::storage_name.eq(&storage_name),
                    restore_attachments::uploaded_by.eq(&recorder.name),
                    restore_attachments::uploaded_at.eq(now),
                ))
                .returning(restore_attachments::id)
                .get_result(conn)?;
            audit::record(
                conn,
                now,
                &actor,
                AuditEvent::success("restore_test.attach", "restore_test", id).with_details(json!({
                    "attachment_id": attachment_id,
                    "filename": filename,
                    "content_type": content_type,
                    "size_bytes": size,
                    "sha256": sha256,
                })),
            )?;
            AttachmentRow::find(conn, id, attachment_id)
        });
        if stored.is_err() {
            let _ = std::fs::remove_file(attachments::path_of(&dir, &storage_name));
        }
        Ok(stored?.to_dto())
    })
    .await?;
    Ok(HttpResponse::Created().json(dto))
}

/// Download an evidence file (admins, operators, auditors). Its SHA-256 is checked first;
/// a changed or missing file answers 409 and is never served.
#[utoipa::path(
    tag = "restore-tests",
    params(
        ("id" = i64, Path, description = "Restore test id"),
        ("item_id" = i64, Path, description = "Attachment id"),
    ),
    responses(
        (status = 200, description = "The file, as an attachment, with `X-Checksum-SHA256`", content_type = "application/octet-stream"),
        (status = 404, description = "No such attachment", body = ApiErrorBody),
        (status = 409, description = "The stored file no longer matches its SHA-256", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/restore-tests/{id}/attachments/{item_id}")]
pub async fn download_attachment(
    state: web::Data<AppState>,
    auth: Authorized<EvidenceReaders>,
    path: ItemPath,
) -> Result<HttpResponse, ApiError> {
    let (dir, now, actor) = (state.config.attachment_dir.clone(), state.clock.now(), auth.actor());
    let (row, bytes) = run_db(&state.pool, move |conn| {
        let row = AttachmentRow::find(conn, path.id, path.item_id)?;
        match attachments::read_verified(&dir, &row) {
            Ok(bytes) => Ok((row, bytes)),
            Err(error) => {
                // A tampered evidence file is a security event: on the audit chain.
                write_transaction(conn, |conn| {
                    audit::record(
                        conn,
                        now,
                        &actor,
                        AuditEvent::failure("restore_test.attachment_integrity").with_details(json!({
                            "restore_test_id": row.restore_test_id,
                            "attachment_id": row.id,
                        })),
                    )
                })?;
                Err(error)
            }
        }
    })
    .await?;
    let disposition = header::ContentDisposition {
        disposition: header::DispositionType::Attachment,
        parameters: vec![header::DispositionParam::Filename(row.filename.clone())],
    };
    Ok(HttpResponse::Ok()
        .content_type(row.content_type.as_str())
        .insert_header(disposition)
        .insert_header(("X-Checksum-SHA256", row.sha256.as_str()))
        .body(bytes))
}

/// A job's restore-test requirement (with the interval in force).
#[utoipa::path(
    tag = "restore-tests",
    params(("id" = i64, Path, description = "Job id")),
    responses(
        (status = 200, description = "The requirement", body = RestoreRequirementDto),
        (status = 404, description = "No such job", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/jobs/{id}/restore-requirement")]
pub async fn get_restore_requirement(
    state: web::Data<AppState>,
    evaluation: web::Data<EvaluationSettings>,
    _auth: Authorized<Readers>,
    PathId(id): PathId,
) -> Result<web::Json<RestoreRequirementDto>, ApiError> {
    let global = evaluation.tracking.restore_interval_days;
    Ok(web::Json(
        run_db(&state.pool, move |conn| {
            job_exists(conn, id)?;
            Ok(RestoreRequirement::load(conn, id)?.to_dto(id, global))
        })
        .await?,
    ))
}

fn job_exists(conn: &mut crate::db::DbConn, id: i64) -> Result<(), ApiError> {
    jobs::table.find(id).select(jobs::id).first::<i64>(conn).optional()?.ok_or_else(|| ApiError::not_found("Job"))?;
    Ok(())
}

/// Set a job's restore-test requirement (operators); the job is re-evaluated at once.
#[utoipa::path(
    tag = "restore-tests",
    params(("id" = i64, Path, description = "Job id")),
    request_body = RestoreRequirementRequest,
    responses(
        (status = 200, description = "Stored", body = RestoreRequirementDto),
        (status = 400, description = "Invalid input", body = ApiErrorBody),
        (status = 404, description = "No such job", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[put("/jobs/{id}/restore-requirement")]
pub async fn put_restore_requirement(
    state: web::Data<AppState>,
    evaluation: web::Data<EvaluationSettings>,
    auth: Authorized<Operators>,
    PathId(id): PathId,
    ValidJson(request): ValidJson<RestoreRequirementRequest>,
) -> Result<web::Json<RestoreRequirementDto>, ApiError> {
    let mut violations = Violations::new();
    if request.interval_days.is_some_and(|days| days > 3650) {
        violations.add("interval_days", "range", "must be from 0 (no requirement) to 3650");
    }
    if request.rto_target_minutes.is_some_and(|minutes| !(1..=100_000).contains(&minutes)) {
        violations.add("rto_target_minutes", "range", "must be from 1 to 100000");
    }
    let mut counting_types = request.counting_types.clone().unwrap_or_default();
    counting_types.sort_by_key(|kind| RestoreTestType::ALL.iter().position(|k| k == kind));
    counting_types.dedup();
    let requirement = violations.finish(RestoreRequirement {
        interval_days: request.interval_days,
        rto_target_minutes: request.rto_target_minutes,
        counting_types,
    })?;
    let (now, actor, settings) = (state.clock.now(), auth.actor(), evaluation.get_ref().clone());
    let global = settings.tracking.restore_interval_days;
    let dto = run_db(&state.pool, move |conn| {
        write_transaction(conn, |conn| {
            job_exists(conn, id)?;
            requirement.store(conn, id, now)?;
            audit::record(
                conn,
                now,
                &actor,
                AuditEvent::success("job.restore_requirement", "job", id).with_details(json!({
                    "interval_days": requirement.interval_days,
                    "rto_target_minutes": requirement.rto_target_minutes,
                    "counting_types": requirement.counting_types,
                })),
            )?;
            refresh_job(conn, id, now, &settings)?;
            Ok(requirement.to_dto(id, global))
        })
    })
    .await?;
    Ok(web::Json(dto))
}

/// Where a job stands on restore verification: latest counting test, due date, outcome.
#[utoipa::path(
    tag = "restore-tests",
    params(("id" = i64, Path, description = "Job id")),
    responses(
        (status = 200, description = "The job's restore status", body = RestoreStatusDto),
        (status = 404, description = "No such job", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/jobs/{id}/restore-status")]
pub async fn restore_status(
    state: web::Data<AppState>,
    evaluation: web::Data<EvaluationSettings>,
    _auth: Authorized<Readers>,
    PathId(id): PathId,
) -> Result<web::Json<RestoreStatusDto>, ApiError> {
    let (now, settings) = (state.clock.now(), evaluation.get_ref().clone());
    Ok(web::Json(run_db(&state.pool, move |conn| queries::status(conn, id, &settings, now)).await?))
}

/// Query of a restore ping.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RestorePingQuery {
    /// Test type (default `integrity_check`).
    #[serde(rename = "type")]
    #[param(rename = "type", value_type = Option<RestoreTestType>)]
    pub test_type: Option<RestoreTestType>,
}

/// What a restore ping's last segment means.
fn ping_result(outcome: Option<&str>) -> Result<RestoreTestResult, ApiError> {
    match outcome {
        None | Some("0") => Ok(RestoreTestResult::Passed),
        Some("fail") => Ok(RestoreTestResult::Failed),
        Some("issues") => Ok(RestoreTestResult::PassedWithIssues),
        Some(code) if code.parse::<u8>().is_ok() => Ok(RestoreTestResult::Failed),
        Some(_) => Err(ApiError::invalid_field(
            "outcome",
            "restore_ping_outcome",
            "must be fail, issues, or an exit code from 0 to 255",
        )),
    }
}

async fn record_restore_ping(
    state: web::Data<AppState>,
    evaluation: web::Data<EvaluationSettings>,
    req: HttpRequest,
    body: PingBody,
    token: String,
    outcome: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let result = ping_result(outcome.as_deref())?;
    let query = web::Query::<RestorePingQuery>::from_query(req.query_string())
        .map_err(|error| ApiError::invalid_field("type", "restore_test_type", error.to_string()))?
        .into_inner();
    let now = state.clock.now();
    let settings = evaluation.get_ref().clone();
    let log = String::from_utf8_lossy(&body.0[..body.0.len().min(4_000)]).into_owned();
    let issues = match (result, outcome.as_deref()) {
        (RestoreTestResult::Passed, _) => None,
        (_, Some(code)) if log.trim().is_empty() => Some(format!("reported `{code}` via the restore ping URL")),
        _ => Some(log.clone()),
    };
    run_db(&state.pool, move |conn| {
        let job_id = crate::executions::ping::job_of_token(conn, &token)?;
        let request = CreateRestoreTestRequest {
            job_id: Some(job_id),
            job_name: None,
            copy_id: None,
            test_type: query.test_type.unwrap_or(RestoreTestType::IntegrityCheck),
            result,
            started_at: None,
            finished_at: Some(now),
            target_environment: None,
            bytes_restored: None,
            files_restored: None,
            rto_achieved_minutes: None,
            issues_found: issues,
            notes: (result == RestoreTestResult::Passed && !log.trim().is_empty()).then_some(log),
        };
        let recorder = Recorder {
            name: "ping URL".to_owned(),
            via: "ping",
            reporter: crate::tracking::ingest::Reporter { api_key_id: None, user_id: None, allowed_jobs: None },
        };
        let actor = Actor::anonymous(None, Some("restore ping"));
        write_transaction(conn, |conn| record(conn, &request, &recorder, &actor, &settings, now))
    })
    .await?;
    Ok(HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("OK"))
}

/// Report a passed restore check (e.g. after `restic check`); the body (POST) is kept as notes.
#[utoipa::path(
    tag = "ping",
    params(("token" = String, Path, description = "The job's ping token"), RestorePingQuery),
    responses(
        (status = 200, description = "`OK`: recorded and committed", body = String, content_type = "text/plain"),
        (status = 400, description = "Invalid type", body = ApiErrorBody),
        (status = 404, description = "Unknown ping token", body = ApiErrorBody),
    )
)]
#[post("/ping/{token}/restore")]
pub async fn restore_ping(
    state: web::Data<AppState>,
    evaluation: web::Data<EvaluationSettings>,
    req: HttpRequest,
    body: PingBody,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    record_restore_ping(state, evaluation, req, body, path.into_inner(), None).await
}

/// Report a restore check's outcome: `fail`, `issues` (passed with issues) or an exit code
/// (0 passed, 1–255 failed); the body (POST) is kept as the issues found.
#[utoipa::path(
    tag = "ping",
    params(
        ("token" = String, Path, description = "The job's ping token"),
        ("outcome" = String, Path, description = "`fail`, `issues`, or an exit code 0–255"),
        RestorePingQuery,
    ),
    responses(
        (status = 200, description = "`OK`: recorded and committed", body = String, content_type = "text/plain"),
        (status = 400, description = "Invalid outcome or type", body = ApiErrorBody),
        (status = 404, description = "Unknown ping token", body = ApiErrorBody),
    )
)]
#[post("/ping/{token}/restore/{outcome}")]
pub async fn restore_ping_outcome(
    state: web::Data<AppState>,
    evaluation: web::Data<EvaluationSettings>,
    req: HttpRequest,
    body: PingBody,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (token, outcome) = path.into_inner();
    record_restore_ping(state, evaluation, req, body, token, Some(outcome)).await
}
