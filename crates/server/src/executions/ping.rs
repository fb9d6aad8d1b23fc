//! Ping URLs, compatible with Healthchecks clients: `/ping/{token}` (success),
//! `/ping/{token}/start`, `/ping/{token}/fail`, `/ping/{token}/{exit_code}` (0 success,
//! 1–255 failure) and `/ping/{token}/log` (recorded, no effect on state); HEAD, GET or
//! POST; a POST body is kept (first 10 KB) as the run's log; `?rid=<uuid>` pairs a start
//! with its end; `?medium=<label>` names the offline medium written. The answer is `OK`
//! once the event is committed.

use actix_web::{HttpRequest, HttpResponse, get, head, post, web};
use bms_types::executions::{ExecutionResult, ExecutionSource};
use diesel::prelude::*;

use crate::app::AppState;
use crate::db::run_db;
use crate::db::schema::jobs;
use crate::error::ApiError;
use crate::metrics::ProcessMetrics;
use crate::tracking::model::{Copy, primary_copy_id};
use crate::tracking::writer::{IngestWriter, NewExecution, WriteOp};

/// Longest log kept from a ping body.
pub const MAX_PING_BODY: usize = 10 * 1024;

/// What a ping reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signal {
    Success,
    Start,
    Fail,
    ExitCode(u8),
    Log,
}

fn parse_signal(segment: Option<&str>) -> Result<Signal, ApiError> {
    match segment {
        None => Ok(Signal::Success),
        Some("start") => Ok(Signal::Start),
        Some("fail") => Ok(Signal::Fail),
        Some("log") => Ok(Signal::Log),
        Some(code) => code.parse::<u8>().map(Signal::ExitCode).map_err(|_| {
            ApiError::invalid_field("signal", "ping_signal", "must be start, fail, log, or an exit code from 0 to 255")
        }),
    }
}

/// A query parameter's value.
fn query_value(req: &HttpRequest, name: &str) -> Option<String> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

fn run_id(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    match query_value(req, "rid") {
        None => Ok(None),
        Some(value) => uuid::Uuid::parse_str(&value)
            .map(|uuid| Some(uuid.hyphenated().to_string()))
            .map_err(|_| ApiError::invalid_field("rid", "uuid", "must be a UUID")),
    }
}

/// Keeps the first 10 KB of a body as text, cut at a character boundary.
fn body_log(body: &[u8]) -> Option<String> {
    if body.is_empty() {
        return None;
    }
    let text = String::from_utf8_lossy(&body[..body.len().min(MAX_PING_BODY)]).into_owned();
    let text = text.trim_end_matches('\u{FFFD}').to_owned();
    Some(text)
}

/// The job a ping token belongs to, or 404.
pub fn job_of_token(conn: &mut crate::db::DbConn, token: &str) -> Result<i64, ApiError> {
    jobs::table
        .filter(jobs::ping_token.eq(token))
        .select(jobs::id)
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("Ping URL"))
}

async fn record_ping(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: PingBody,
    token: String,
    signal: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let signal = parse_signal(signal.as_deref())?;
    let run_id = run_id(&req)?;
    let medium = query_value(&req, "medium");
    let now = state.clock.now();
    let (job_id, copy_id, medium) = run_db(&state.pool, move |conn| {
        let job_id = job_of_token(conn, &token)?;
        let medium = match medium {
            None => None,
            Some(label) => Some(
                crate::tracking::ingest::resolve_medium(conn, &label, now)?
                    .ok_or_else(|| ApiError::invalid_field("medium", "exists", "no medium has this label"))?,
            ),
        };
        Ok((job_id, primary_copy_id(&Copy::of_job(conn, job_id)?), medium))
    })
    .await?;
    let (medium_id, medium_warning) = medium.map_or((None, None), |(id, warning)| (Some(id), warning));
    let (result, error_message) = match signal {
        Signal::Success | Signal::ExitCode(0) => (ExecutionResult::Success, None),
        Signal::Fail => (ExecutionResult::Failed, Some("reported failure via ping".to_owned())),
        Signal::ExitCode(code) => (ExecutionResult::Failed, Some(format!("exit code {code}"))),
        Signal::Start => (ExecutionResult::Running, None),
        Signal::Log => (ExecutionResult::Log, None),
    };
    let row = NewExecution {
        job_id,
        copy_id,
        result,
        started_at: (signal == Signal::Start).then_some(now),
        finished_at: (signal != Signal::Start).then_some(now),
        size_bytes: None,
        file_count: None,
        error_message,
        tool_version: None,
        source: ExecutionSource::Ping,
        external_id: None,
        run_id,
        log: body_log(&body.0),
        api_key_id: None,
        user_id: None,
        received_at: now,
        medium_id,
        medium_warning,
    };
    let op = match signal {
        Signal::Start | Signal::Log => WriteOp::Insert(vec![row]),
        _ => WriteOp::FinishRun(Box::new(row)),
    };
    crate::request::service::<IngestWriter>(&req)?.submit(op).await?;
    crate::request::service::<ProcessMetrics>(&req)?.count_ingested("ping", 1);
    Ok(HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("OK"))
}

/// The raw request body (a log for POST pings). A newtype so that OpenAPI generation
/// does not mistake it for a JSON body.
#[derive(Debug)]
pub struct PingBody(pub web::Bytes);

impl actix_web::FromRequest for PingBody {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move { bytes.await.map(PingBody) })
    }
}

/// Declares one ping handler per HTTP method (OpenAPI needs a distinct operation id for
/// each), all sharing `record_ping`.
macro_rules! ping_handlers {
    ($($method:ident: $plain:ident, $with_signal:ident;)+) => {$(
        /// Report success; the body (POST) is kept as the run's log.
        #[utoipa::path(
            tag = "ping",
            params(
                ("token" = String, Path, description = "The job's ping token"),
                ("rid" = Option<String>, Query, description = "Run id (UUID) pairing a start with its end"),
                ("medium" = Option<String>, Query, description = "Label of the offline medium the run was written to"),
            ),
            responses(
                (status = 200, description = "`OK`: recorded and committed", body = String, content_type = "text/plain"),
                (status = 400, description = "Invalid rid or unknown medium", body = bms_types::ApiErrorBody),
                (status = 404, description = "Unknown ping token", body = bms_types::ApiErrorBody),
            )
        )]
        #[$method("/ping/{token}")]
        pub async fn $plain(
            state: web::Data<AppState>,
            req: HttpRequest,
            body: PingBody,
            path: web::Path<String>,
        ) -> Result<HttpResponse, ApiError> {
            record_ping(state, req, body, path.into_inner(), None).await
        }

        /// Report a signal: `start`, `fail`, `log`, or an exit code (0 = success, 1–255 = failure).
        #[utoipa::path(
            tag = "ping",
            params(
                ("token" = String, Path, description = "The job's ping token"),
                ("signal" = String, Path, description = "`start`, `fail`, `log`, or an exit code 0–255"),
                ("rid" = Option<String>, Query, description = "Run id (UUID) pairing a start with its end"),
                ("medium" = Option<String>, Query, description = "Label of the offline medium the run was written to"),
            ),
            responses(
                (status = 200, description = "`OK`: recorded and committed", body = String, content_type = "text/plain"),
                (status = 400, description = "Invalid signal, rid or unknown medium", body = bms_types::ApiErrorBody),
                (status = 404, description = "Unknown ping token", body = bms_types::ApiErrorBody),
            )
        )]
        #[$method("/ping/{token}/{signal}")]
        pub async fn $with_signal(
            state: web::Data<AppState>,
            req: HttpRequest,
            body: PingBody,
            path: web::Path<(String, String)>,
        ) -> Result<HttpResponse, ApiError> {
            let (token, signal) = path.into_inner();
            record_ping(state, req, body, token, Some(signal)).await
        }
    )+};
}

ping_handlers! {
    get: ping_get, ping_signal_get;
    post: ping_post, ping_signal_post;
    head: ping_head, ping_signal_head;
}
