//! `GET /metrics` for Prometheus (OpenMetrics text, encoded by the `prometheus-client`
//! crate): HTTP request counts and latency histograms and ingest counters kept in memory,
//! plus job states, per-job last success / duration / size / compliance, the database
//! size, open alerts by severity and scheduler task runs / failures, read from the database
//! at scrape time, and notification attempts and delivery latency kept by the worker. Protected by `METRICS_TOKEN` when set;
//! otherwise only loopback clients may scrape (the nginx site does not proxy it).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use bms_types::ErrorCode;
use diesel::prelude::*;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::db::maintenance::with_suffix;
use crate::db::{DbConn, run_db};
use crate::error::ApiError;
use crate::request::client_ip;

/// Labels of a served request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// HTTP method.
    pub method: String,
    /// The route template (`/api/v1/jobs/{id}`), `spa` for the web UI, or `unmatched`;
    /// never the raw path, which would make one series per id.
    pub route: String,
    /// Status code.
    pub status: u16,
}

/// Labels of a latency observation.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// HTTP method.
    pub method: String,
    /// The route template.
    pub route: String,
}

/// Labels of ingested results.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceLabels {
    /// `api`, `ping`, `veeam`, `manual`.
    pub source: String,
}

/// The metrics that live in memory for the process's lifetime.
#[derive(Clone)]
pub struct ProcessMetrics {
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    ingested: Family<SourceLabels, Counter>,
}

impl Default for ProcessMetrics {
    fn default() -> Self {
        Self {
            requests: Family::default(),
            // 1 ms to ~16 s.
            latency: Family::new_with_constructor(|| Histogram::new(exponential_buckets(0.001, 2.0, 15))),
            ingested: Family::default(),
        }
    }
}

impl ProcessMetrics {
    /// Counts committed results by source.
    pub fn count_ingested(&self, source: &str, count: u64) {
        if count > 0 {
            self.ingested.get_or_create(&SourceLabels { source: source.to_owned() }).inc_by(count);
        }
    }
}

/// Records every request's count and latency by route template.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let metrics = req.app_data::<web::Data<ProcessMetrics>>().cloned();
    let response = next.call(req).await?;
    if let Some(metrics) = metrics {
        let route = match response.request().match_pattern() {
            Some(pattern) => pattern,
            None if crate::request::is_backend_path(response.request().path()) => "unmatched".to_owned(),
            None => "spa".to_owned(),
        };
        let status = response.status().as_u16();
        metrics.requests.get_or_create(&RequestLabels { method: method.clone(), route: route.clone(), status }).inc();
        metrics.latency.get_or_create(&RouteLabels { method, route }).observe(started.elapsed().as_secs_f64());
    }
    Ok(response)
}

struct StateCount {
    state: String,
    count: i64,
}

struct JobFacts {
    id: i64,
    name: String,
    state: Option<String>,
    compliance_status: Option<String>,
    last_success_at: Option<chrono::DateTime<chrono::Utc>>,
    last_duration_seconds: Option<i64>,
    last_size_bytes: Option<i64>,
}

struct Snapshot {
    states: Vec<StateCount>,
    jobs: Vec<JobFacts>,
    database_bytes: i64,
    alerts: bms_types::alerts::AlertSummaryDto,
    /// (task, runs, failures).
    tasks: Vec<(String, i64, i64)>,
}

fn snapshot(conn: &mut DbConn, database_path: &std::path::Path) -> Result<Snapshot, ApiError> {
    use crate::db::schema::{executions, job_copies, job_status, jobs};
    use diesel::dsl::{count_star, max};

    let states = job_status::table
        .group_by(job_status::state)
        .select((job_status::state, count_star()))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .map(|(state, count)| StateCount { state, count })
        .collect();
    type Status = (String, String, Option<chrono::DateTime<chrono::Utc>>);
    let rows: Vec<(i64, String, Option<Status>)> = jobs::table
        .left_join(job_status::table)
        .select((
            jobs::id,
            jobs::name,
            (job_status::state, job_status::compliance_status, job_status::last_success_at).nullable(),
        ))
        .order(jobs::id)
        .load(conn)?;
    // The last success of a job is the newest last-success among its copies (results
    // without a copy count for the primary copy), which is indexed by id.
    let last_success: HashMap<i64, i64> = job_copies::table
        .filter(job_copies::last_success_id.is_not_null())
        .group_by(job_copies::job_id)
        .select((job_copies::job_id, max(job_copies::last_success_id)))
        .load::<(i64, Option<i64>)>(conn)?
        .into_iter()
        .filter_map(|(job, execution)| Some((job, execution?)))
        .collect();
    type Run = (i64, Option<chrono::DateTime<chrono::Utc>>, Option<chrono::DateTime<chrono::Utc>>, Option<i64>);
    let mut runs: HashMap<i64, Run> = HashMap::with_capacity(last_success.len());
    let ids: Vec<i64> = last_success.values().copied().collect();
    // Bounded IN lists: SQLite allows 32,766 parameters, PostgreSQL 65,535.
    for chunk in ids.chunks(10_000) {
        let loaded: Vec<Run> = executions::table
            .filter(executions::id.eq_any(chunk))
            .select((executions::id, executions::started_at, executions::finished_at, executions::size_bytes))
            .load(conn)?;
        runs.extend(loaded.into_iter().map(|run| (run.0, run)));
    }
    let jobs = rows
        .into_iter()
        .map(|(id, name, status)| {
            let run = last_success.get(&id).and_then(|execution| runs.get(execution));
            let (state, compliance_status, last_success_at) = match status {
                Some((state, compliance, at)) => (Some(state), Some(compliance), at),
                None => (None, None, None),
            };
            JobFacts {
                id,
                name,
                state,
                compliance_status,
                last_success_at,
                // Computed here rather than with a date function of one SQL dialect.
                last_duration_seconds: run.and_then(|(_, started, finished, _)| {
                    Some((finished.as_ref()?.signed_duration_since(started.as_ref()?).num_milliseconds() + 500) / 1000)
                }),
                last_size_bytes: run.and_then(|(_, _, _, size)| *size),
            }
        })
        .collect();
    let file_size = |suffix: &str| std::fs::metadata(with_suffix(database_path, suffix)).map(|m| m.len()).unwrap_or(0);
    let database_bytes = i64::try_from(file_size("") + file_size("-wal")).unwrap_or(i64::MAX);
    let alerts = crate::alerts::queries::summary(conn)?;
    let tasks = {
        use crate::db::schema::scheduler_tasks;
        scheduler_tasks::table
            .select((scheduler_tasks::name, scheduler_tasks::runs, scheduler_tasks::failures))
            .order(scheduler_tasks::name)
            .load::<(String, i64, i64)>(conn)?
    };
    Ok(Snapshot { states, jobs, database_bytes, alerts, tasks })
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AlertLabels {
    status: String,
    severity: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TaskLabels {
    task: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    job_id: i64,
    job: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobStatusLabels {
    job_id: i64,
    job: String,
    status: String,
}

fn encode_all(
    metrics: &ProcessMetrics,
    notify: Option<&crate::notify::dispatch::NotifyMetrics>,
    snapshot: Snapshot,
) -> Result<String, std::fmt::Error> {
    let mut registry = Registry::with_prefix("bms");
    let open_alerts = Family::<AlertLabels, Gauge>::default();
    for (status, counts) in [("firing", snapshot.alerts.firing), ("acknowledged", snapshot.alerts.acknowledged)] {
        for (severity, count) in [("critical", counts.critical), ("warning", counts.warning), ("info", counts.info)] {
            open_alerts
                .get_or_create(&AlertLabels { status: status.to_owned(), severity: severity.to_owned() })
                .set(i64::try_from(count).unwrap_or(i64::MAX));
        }
    }
    registry.register("open_alerts", "Open alerts by status and severity", open_alerts);
    let task_runs = Family::<TaskLabels, Gauge>::default();
    let task_failures = Family::<TaskLabels, Gauge>::default();
    for (task, runs, failures) in &snapshot.tasks {
        task_runs.get_or_create(&TaskLabels { task: task.clone() }).set(*runs);
        task_failures.get_or_create(&TaskLabels { task: task.clone() }).set(*failures);
    }
    // Totals kept in the database (they survive restarts), hence gauges.
    registry.register("scheduler_task_runs", "Runs of each scheduled task since it was first registered", task_runs);
    registry.register("scheduler_task_failures", "Failed runs of each scheduled task", task_failures);
    if let Some(notify) = notify {
        registry.register(
            "notification_attempts",
            "Notification delivery attempts since start, by channel kind and outcome (delivered, failed, dead)",
            notify.attempts.clone(),
        );
        registry.register(
            "notification_delivery_latency_seconds",
            "From the alert change being committed to the receiver accepting the notification",
            notify.latency.clone(),
        );
    }
    let jobs_by_state = Family::<StateLabels, Gauge>::default();
    for state in crate::tracking::schedule::JobState::ALL {
        let count = snapshot.states.iter().find(|row| row.state == state.as_str()).map_or(0, |row| row.count);
        jobs_by_state.get_or_create(&StateLabels { state: state.as_str().to_owned() }).set(count);
    }
    registry.register("jobs", "Jobs by tracking state", jobs_by_state);
    let last_success = Family::<JobLabels, Gauge>::default();
    let last_duration = Family::<JobLabels, Gauge>::default();
    let last_size = Family::<JobLabels, Gauge>::default();
    let compliance = Family::<JobStatusLabels, Gauge>::default();
    let state = Family::<JobStatusLabels, Gauge>::default();
    for job in snapshot.jobs {
        let labels = JobLabels { job_id: job.id, job: job.name.clone() };
        if let Some(at) = job.last_success_at {
            last_success.get_or_create(&labels).set(at.timestamp());
        }
        if let Some(seconds) = job.last_duration_seconds {
            last_duration.get_or_create(&labels).set(seconds);
        }
        if let Some(bytes) = job.last_size_bytes {
            last_size.get_or_create(&labels).set(bytes);
        }
        // One series per possible value, 1 for the current one (a "state set").
        for status in crate::compliance::engine::ComplianceStatus::ALL.iter().map(|status| status.as_str()) {
            let current = job.compliance_status.as_deref() == Some(status);
            compliance
                .get_or_create(&JobStatusLabels { job_id: job.id, job: job.name.clone(), status: status.to_owned() })
                .set(i64::from(current));
        }
        if let Some(current) = job.state {
            state.get_or_create(&JobStatusLabels { job_id: job.id, job: job.name, status: current }).set(1);
        }
    }
    registry.register("job_last_success_timestamp_seconds", "Unix time of the job's last successful run", last_success);
    registry.register("job_last_duration_seconds", "Duration of the job's last successful run", last_duration);
    registry.register("job_last_size_bytes", "Size reported by the job's last successful run", last_size);
    registry.register("job_compliance", "3-2-1-1-0 status of each job (1 = current status)", compliance);
    registry.register("job_state", "Tracking state of each job (1 = current state)", state);
    let database = Gauge::<i64, std::sync::atomic::AtomicI64>::default();
    database.set(snapshot.database_bytes);
    registry.register("database_size_bytes", "SQLite database file plus write-ahead log", database);
    registry.register("ingested_results", "Results committed since start, by source", metrics.ingested.clone());
    registry.register("http_requests", "HTTP requests served, by route template and status", metrics.requests.clone());
    registry.register(
        "http_request_duration_seconds",
        "HTTP request latency by route template",
        metrics.latency.clone(),
    );
    let uptime = Gauge::<f64, AtomicU64>::default();
    uptime.set(crate::metrics::started().elapsed().as_secs_f64());
    registry.register("uptime_seconds", "Seconds since the process started", uptime);
    let mut text = String::new();
    encode(&mut text, &registry)?;
    Ok(text)
}

/// When the process started serving (the first call; `Application::build` makes it).
pub fn started() -> Instant {
    static STARTED: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *STARTED.get_or_init(Instant::now)
}

fn digest(value: &str) -> [u8; 32] {
    Sha256::digest(value.as_bytes()).into()
}

/// Whether this request may scrape: the bearer token when one is configured (compared
/// by digest, so timing says nothing about the token), else a loopback client.
fn allowed(req: &HttpRequest, state: &AppState) -> bool {
    match &state.config.metrics_token {
        Some(token) => req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .is_some_and(|given| digest(given) == digest(token.expose())),
        None => client_ip(req).and_then(|ip| ip.parse::<IpAddr>().ok()).is_some_and(|ip| ip.is_loopback()),
    }
}

/// `GET /metrics`.
pub async fn metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
    process: web::Data<ProcessMetrics>,
) -> Result<HttpResponse, ApiError> {
    let notify = req.app_data::<web::Data<crate::notify::dispatch::NotifyMetrics>>().cloned();
    if !allowed(&req, &state) {
        let message = if state.config.metrics_token.is_some() {
            "Send METRICS_TOKEN as `Authorization: Bearer <token>`."
        } else {
            "Without METRICS_TOKEN, /metrics answers loopback clients only."
        };
        return Err(ApiError::new(ErrorCode::Forbidden, message));
    }
    let database_path = state.config.database_path.clone();
    let snapshot = run_db(&state.pool, move |conn| snapshot(conn, &database_path)).await?;
    let text = encode_all(&process, notify.as_ref().map(|data| data.get_ref()), snapshot)
        .map_err(|_| ApiError::internal("metrics encoding failed"))?;
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(text))
}
