//! `/api/v1/executions`: report results (single and batch) and list them.

use std::collections::HashMap;

use actix_web::{HttpResponse, get, post, web};
use bms_types::executions::{
    BatchExecutionRequest, BatchExecutionResponse, CreateExecutionRequest, ExecutionDto, ExecutionList,
    ExecutionResult, ExecutionSource, ListExecutionsQuery,
};
use bms_types::{ApiErrorBody, FieldViolation, PageMeta};
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use crate::auth::extract::{Authorized, Ingesters, Principal, Readers};
use crate::db::run_db;
use crate::db::schema::{executions, jobs};
use crate::error::{ApiError, violation};
use crate::executions::Execution;
use crate::executions::writer::{NewExecution, WriteOp};
use crate::http::extract::{NoParams, PathId, ValidJson, ValidQuery};
use crate::http::{AppState, PageWindow};
use crate::jobs::model::{Copy, primary_copy_id};

/// Most results in one batch.
pub const MAX_BATCH: usize = 1000;
const MAX_TEXT: usize = 10_000;

/// Checks one item; field names carry `prefix` (e.g. `items[3].`).
fn validate_item(
    prefix: &str,
    item: &CreateExecutionRequest,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<FieldViolation> {
    let field = |name: &str| format!("{prefix}{name}");
    let mut violations = Vec::new();
    let identifiers = [item.job_id.is_some(), item.job_name.is_some(), item.job_external_ref.is_some()];
    if identifiers.iter().filter(|given| **given).count() != 1 {
        violations.push(violation(
            field("job_id"),
            "one_job_identifier",
            "give exactly one of job_id, job_name, job_external_ref",
        ));
    }
    if !matches!(item.result, ExecutionResult::Success | ExecutionResult::Warning | ExecutionResult::Failed) {
        violations.push(violation(field("result"), "finished_result", "must be success, warning or failed"));
    }
    if item.source == Some(ExecutionSource::Ping) {
        violations.push(violation(field("source"), "not_ping", "`ping` is reserved for ping URLs"));
    }
    if let (Some(start), Some(end)) = (item.started_at, item.finished_at)
        && start > end
    {
        violations.push(violation(field("started_at"), "before_finished_at", "must not be after finished_at"));
    }
    let future_limit = now + chrono::Duration::minutes(10);
    for (name, value) in [("started_at", item.started_at), ("finished_at", item.finished_at)] {
        if value.is_some_and(|at| at > future_limit) {
            violations.push(violation(field(name), "not_future", "must not be in the future"));
        }
    }
    for (name, value) in [("size_bytes", item.size_bytes), ("file_count", item.file_count)] {
        if value.is_some_and(|v| v < 0) {
            violations.push(violation(field(name), "min", "must not be negative"));
        }
    }
    for (name, value, max) in [
        ("error_message", item.error_message.as_deref(), MAX_TEXT),
        ("tool_version", item.tool_version.as_deref(), 100),
        ("external_id", item.external_id.as_deref(), 200),
        ("job_name", item.job_name.as_deref(), 200),
        ("job_external_ref", item.job_external_ref.as_deref(), 200),
    ] {
        if value.is_some_and(|v| v.chars().count() > max) {
            violations.push(violation(field(name), "max_length", format!("must be at most {max} characters long")));
        }
    }
    if item.external_id.as_deref().is_some_and(|id| id.trim().is_empty()) {
        violations.push(violation(field("external_id"), "not_blank", "must not be blank"));
    }
    violations
}

/// Resolves each item's job and copy, checks API-key job restrictions, and builds the rows.
/// Runs inside the writer's transaction, so resolution and insert see the same data and
/// a result costs no extra database round trip.
pub fn resolve_items(
    conn: &mut SqliteConnection,
    items: &[CreateExecutionRequest],
    field_prefix: &dyn Fn(usize) -> String,
    principal: &Principal,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<NewExecution>, ApiError> {
    let mut violations = Vec::new();
    let mut resolved = Vec::with_capacity(items.len());
    let mut copies: HashMap<i64, Vec<Copy>> = HashMap::new();
    for (index, item) in items.iter().enumerate() {
        let prefix = field_prefix(index);
        let (field, found) = if let Some(id) = item.job_id {
            ("job_id", jobs::table.find(id).select(jobs::id).first::<i64>(conn).optional()?)
        } else if let Some(name) = &item.job_name {
            ("job_name", jobs::table.filter(jobs::name.eq(name.trim())).select(jobs::id).first::<i64>(conn).optional()?)
        } else {
            let reference = item.job_external_ref.clone().unwrap_or_default();
            (
                "job_external_ref",
                jobs::table.filter(jobs::external_ref.eq(reference)).select(jobs::id).first::<i64>(conn).optional()?,
            )
        };
        let Some(job_id) = found else {
            violations.push(violation(format!("{prefix}{field}"), "exists", "no such job"));
            continue;
        };
        if let Principal::ApiKey(key) = principal
            && !key.job_ids.is_empty()
            && !key.job_ids.contains(&job_id)
        {
            return Err(ApiError::forbidden(format!("This API key may not report results for job {job_id}.")));
        }
        let job_copies = match copies.entry(job_id) {
            std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::hash_map::Entry::Vacant(entry) => entry.insert(Copy::of_job(conn, job_id)?),
        };
        let copy_id = match item.copy_id {
            Some(copy_id) if job_copies.iter().any(|copy| copy.id == copy_id) => Some(copy_id),
            Some(_) => {
                violations.push(violation(format!("{prefix}copy_id"), "belongs_to_job", "is not a copy of this job"));
                continue;
            }
            None => primary_copy_id(job_copies),
        };
        let (api_key_id, user_id) = match principal {
            Principal::ApiKey(key) => (Some(key.id), None),
            Principal::User(user) => (None, Some(user.id)),
        };
        resolved.push(NewExecution {
            job_id,
            copy_id,
            result: item.result.as_str(),
            started_at: item.started_at,
            finished_at: Some(item.finished_at.unwrap_or(now)),
            size_bytes: item.size_bytes,
            file_count: item.file_count,
            error_message: item.error_message.clone(),
            tool_version: item.tool_version.clone(),
            source: item.source.unwrap_or(ExecutionSource::Api).as_str(),
            external_id: item.external_id.as_deref().map(str::trim).map(str::to_owned),
            run_id: None,
            log: None,
            api_key_id,
            user_id,
            received_at: now,
        });
    }
    if violations.is_empty() { Ok(resolved) } else { Err(ApiError::validation(violations)) }
}

async fn ingest(
    state: &web::Data<AppState>,
    principal: Principal,
    items: Vec<CreateExecutionRequest>,
    field_prefix: fn(usize) -> String,
) -> Result<Vec<(Execution, bool)>, ApiError> {
    let now = state.clock.now();
    let violations: Vec<FieldViolation> =
        items.iter().enumerate().flat_map(|(index, item)| validate_item(&field_prefix(index), item, now)).collect();
    if !violations.is_empty() {
        return Err(ApiError::validation(violations));
    }
    let written =
        state.writer.submit(WriteOp::Report { items, principal: Box::new(principal), field_prefix, now }).await?;
    // One counter update per source, not per row: batches carry up to 1,000 rows.
    let mut created_by_source: Vec<(&str, u64)> = Vec::new();
    for (row, _) in written.iter().filter(|(_, created)| *created) {
        match created_by_source.iter_mut().find(|(source, _)| *source == row.source) {
            Some((_, count)) => *count += 1,
            None => created_by_source.push((&row.source, 1)),
        }
    }
    for (source, count) in created_by_source {
        state.metrics.count_ingested(source, count);
    }
    Ok(written)
}

/// Report one backup result. Idempotent with `external_id`: the same id for the same
/// job answers 200 with the stored result instead of storing it twice.
#[utoipa::path(
    tag = "executions",
    request_body = CreateExecutionRequest,
    responses(
        (status = 201, description = "Stored (committed to disk)", body = ExecutionDto),
        (status = 200, description = "Already stored under this external_id", body = ExecutionDto),
        (status = 400, description = "Invalid input or unknown job", body = ApiErrorBody),
        (status = 403, description = "Not allowed (role, scope, or job restriction of the key)", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/executions")]
pub async fn create_execution(
    state: web::Data<AppState>,
    auth: Authorized<Ingesters>,
    ValidJson(item): ValidJson<CreateExecutionRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut written = ingest(&state, auth.principal, vec![item], |_| String::new()).await?;
    let (row, created) = written.pop().ok_or_else(|| ApiError::internal("the writer returned no row"))?;
    let status = if created { actix_web::http::StatusCode::CREATED } else { actix_web::http::StatusCode::OK };
    Ok(HttpResponse::build(status).json(row.to_dto()?))
}

/// Report up to 1,000 results at once: all are stored, or none (the error names the
/// index and field of each bad item).
#[utoipa::path(
    tag = "executions",
    request_body = BatchExecutionRequest,
    responses(
        (status = 201, description = "All stored (committed to disk)", body = BatchExecutionResponse),
        (status = 400, description = "At least one invalid item; nothing stored", body = ApiErrorBody),
        (status = 403, description = "Not allowed", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/executions/batch")]
pub async fn create_executions_batch(
    state: web::Data<AppState>,
    auth: Authorized<Ingesters>,
    ValidJson(batch): ValidJson<BatchExecutionRequest>,
) -> Result<HttpResponse, ApiError> {
    if batch.items.is_empty() || batch.items.len() > MAX_BATCH {
        return Err(ApiError::invalid_field("items", "size", format!("must hold 1 to {MAX_BATCH} results")));
    }
    let written = ingest(&state, auth.principal, batch.items, |index| format!("items[{index}].")).await?;
    let created = u32::try_from(written.iter().filter(|(_, created)| *created).count()).unwrap_or(u32::MAX);
    let data = written.iter().map(|(row, _)| row.to_dto()).collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Created().json(BatchExecutionResponse { data, created }))
}

/// List results, newest first, with filters.
#[utoipa::path(
    tag = "executions",
    params(ListExecutionsQuery),
    responses(
        (status = 200, description = "A page of results", body = ExecutionList),
        (status = 400, description = "Invalid filter", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/executions")]
pub async fn list_executions(
    state: web::Data<AppState>,
    _auth: Authorized<Readers>,
    ValidQuery(query): ValidQuery<ListExecutionsQuery>,
) -> Result<web::Json<ExecutionList>, ApiError> {
    Ok(web::Json(list(&state, query).await?))
}

/// Lists executions matching a query (shared with the per-job history).
pub async fn list(state: &web::Data<AppState>, query: ListExecutionsQuery) -> Result<ExecutionList, ApiError> {
    let window = PageWindow::new(query.page, query.per_page)?;
    run_db(&state.pool, move |conn| {
        let filtered = || {
            let mut statement = executions::table.into_boxed();
            if let Some(job_id) = query.job_id {
                statement = statement.filter(executions::job_id.eq(job_id));
            }
            if let Some(copy_id) = query.copy_id {
                statement = statement.filter(executions::copy_id.eq(copy_id));
            }
            if let Some(result) = query.result {
                statement = statement.filter(executions::result.eq(result.as_str()));
            }
            if let Some(source) = query.source {
                statement = statement.filter(executions::source.eq(source.as_str()));
            }
            if let Some(from) = query.from {
                statement = statement.filter(executions::finished_at.ge(from));
            }
            if let Some(to) = query.to {
                statement = statement.filter(executions::finished_at.lt(to));
            }
            statement
        };
        let total: i64 = filtered().count().get_result(conn)?;
        let rows: Vec<Execution> = filtered()
            .order(executions::id.desc())
            .limit(window.limit())
            .offset(window.offset())
            .select(Execution::as_select())
            .load(conn)?;
        Ok(ExecutionList {
            data: rows.iter().map(Execution::to_dto).collect::<Result<_, _>>()?,
            meta: PageMeta::new(window.page, window.per_page, total.unsigned_abs()),
        })
    })
    .await
}

/// Get one result.
#[utoipa::path(
    tag = "executions",
    params(("id" = i64, Path, description = "Execution id")),
    responses(
        (status = 200, description = "The result", body = ExecutionDto),
        (status = 404, description = "No such result", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/executions/{id}")]
pub async fn get_execution(
    _: ValidQuery<NoParams>,
    state: web::Data<AppState>,
    _auth: Authorized<Readers>,
    PathId(id): PathId,
) -> Result<web::Json<ExecutionDto>, ApiError> {
    let row = run_db(&state.pool, move |conn| {
        executions::table
            .find(id)
            .select(Execution::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::not_found("Execution"))
    })
    .await?;
    Ok(web::Json(row.to_dto()?))
}
