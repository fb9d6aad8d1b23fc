//! `/api/v1/executions`: report results (single and batch) and list them.

use actix_web::{HttpResponse, get, post, web};
use bms_types::executions::ExecutionSource;
use bms_types::executions::{
    BatchExecutionRequest, BatchExecutionResponse, CreateExecutionRequest, ExecutionDto, ExecutionList,
    ListExecutionsQuery,
};
use bms_types::{ApiErrorBody, FieldViolation};
use diesel::prelude::*;

use crate::access::{Authorized, Ingesters, Principal, Readers};
use crate::app::AppState;
use crate::db::pagination::PageWindow;
use crate::db::run_db;
use crate::db::schema::executions;
use crate::error::ApiError;
use crate::executions::queries;
use crate::metrics::ProcessMetrics;
use crate::request::{NoParams, PathId, ValidJson, ValidQuery};
use crate::tracking::execution::Execution;
use crate::tracking::ingest::{MAX_BATCH, Reporter, validate_item};
use crate::tracking::writer::{IngestWriter, WriteOp};

async fn ingest(
    state: &AppState,
    writer: &IngestWriter,
    metrics: &ProcessMetrics,
    principal: &Principal,
    items: Vec<CreateExecutionRequest>,
    field_prefix: fn(usize) -> String,
) -> Result<Vec<(Execution, bool)>, ApiError> {
    let now = state.clock.now();
    let violations: Vec<FieldViolation> =
        items.iter().enumerate().flat_map(|(index, item)| validate_item(&field_prefix(index), item, now)).collect();
    crate::error::Violations::from(violations).finish(())?;
    let written =
        writer.submit(WriteOp::Report { items, reporter: Reporter::of(principal), field_prefix, now }).await?;
    // One counter update per source, not per row: batches carry up to 1,000 rows.
    let mut created_by_source: Vec<(ExecutionSource, u64)> = Vec::new();
    for (row, _) in written.iter().filter(|(_, created)| *created) {
        match created_by_source.iter_mut().find(|(source, _)| *source == row.source) {
            Some((_, count)) => *count += 1,
            None => created_by_source.push((row.source, 1)),
        }
    }
    for (source, count) in created_by_source {
        metrics.count_ingested(source.as_str(), count);
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
    writer: web::Data<IngestWriter>,
    metrics: web::Data<ProcessMetrics>,
    auth: Authorized<Ingesters>,
    ValidJson(item): ValidJson<CreateExecutionRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut written = ingest(&state, &writer, &metrics, &auth.principal, vec![item], |_| String::new()).await?;
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
    writer: web::Data<IngestWriter>,
    metrics: web::Data<ProcessMetrics>,
    auth: Authorized<Ingesters>,
    ValidJson(batch): ValidJson<BatchExecutionRequest>,
) -> Result<HttpResponse, ApiError> {
    if batch.items.is_empty() || batch.items.len() > MAX_BATCH {
        return Err(ApiError::invalid_field("items", "size", format!("must hold 1 to {MAX_BATCH} results")));
    }
    let written =
        ingest(&state, &writer, &metrics, &auth.principal, batch.items, |index| format!("items[{index}].")).await?;
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
    run_db(&state.pool, move |conn| queries::list_executions(conn, &query, window)).await
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
