//! Durable ingest with group commit. One writer thread owns all result writes: it takes
//! every request queued while the previous commit was running, applies each in its own
//! savepoint (so one bad request cannot sink the others), commits them together — one
//! fsync for many results — and only then answers each caller. A 2xx therefore always
//! means "on disk", and there is no in-memory queue that a crash could lose after an
//! answer was given.

use std::collections::{BTreeMap, HashSet};

use crate::db::DbConn;
use bms_types::executions::{ExecutionResult, ExecutionSource};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use tokio::sync::{mpsc, oneshot};

use crate::db::DbPool;
use crate::db::schema::{executions, job_copies, jobs};
use crate::error::ApiError;
use crate::tracking::evaluator::{
    EvaluationSettings, Evaluator, FINISHED_RESULTS, SUCCESSFUL_RESULTS, StatusUpdate, apply_update,
};
use crate::tracking::execution::Execution;

/// Requests taken into one commit at most.
const MAX_GROUP: usize = 256;
/// Queued requests before callers wait for room.
const QUEUE_CAPACITY: usize = 4096;

/// A result to store.
#[derive(Debug, Clone)]
pub struct NewExecution {
    pub job_id: i64,
    pub copy_id: Option<i64>,
    pub result: ExecutionResult,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub size_bytes: Option<i64>,
    pub file_count: Option<i64>,
    pub error_message: Option<String>,
    pub tool_version: Option<String>,
    pub source: ExecutionSource,
    pub external_id: Option<String>,
    pub run_id: Option<String>,
    pub log: Option<String>,
    pub api_key_id: Option<i64>,
    pub user_id: Option<i64>,
    pub received_at: DateTime<Utc>,
    /// The offline medium named by the report, and why writing to it was questionable.
    pub medium_id: Option<i64>,
    /// `medium_lent`, `retention_active`... (`bms_types::media::write_warning`).
    pub medium_warning: Option<String>,
}

/// One write request.
#[derive(Debug, Clone)]
pub enum WriteOp {
    /// Store results, all or none; a result whose `external_id` is already stored for
    /// the job is not stored again (the stored row is returned instead).
    Insert(Vec<NewExecution>),
    /// Close the matching open run (by `run_id`, else the job's latest open run) with the
    /// given result, or store it as a new finished run when there is none.
    FinishRun(Box<NewExecution>),
    /// Resolve reported results (job, copy, key restrictions) and store them, all or none.
    Report {
        items: Vec<bms_types::executions::CreateExecutionRequest>,
        reporter: crate::tracking::ingest::Reporter,
        field_prefix: fn(usize) -> String,
        now: DateTime<Utc>,
    },
    /// Store job evaluations (from the evaluator, which computes them without the lock).
    Status(Vec<StatusUpdate>),
}

/// A stored row and whether this request created it.
pub type Written = (Execution, bool);

struct Request {
    op: WriteOp,
    reply: oneshot::Sender<Result<Vec<Written>, ApiError>>,
}

/// Handle to the writer thread.
#[derive(Debug, Clone)]
pub struct IngestWriter {
    sender: mpsc::Sender<Request>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request").field("op", &self.op).finish_non_exhaustive()
    }
}

impl IngestWriter {
    /// Starts the writer thread.
    pub fn spawn(pool: DbPool, settings: EvaluationSettings, evaluator: Evaluator) -> Self {
        let (sender, receiver) = mpsc::channel(QUEUE_CAPACITY);
        let spawned = std::thread::Builder::new()
            .name("bms-ingest-writer".into())
            .spawn(move || run_writer(&pool, &settings, &evaluator, receiver));
        if let Err(error) = spawned {
            log::error!("could not start the ingest writer: {error}");
        }
        Self { sender }
    }

    /// Like `submit`, for plain threads (the evaluator).
    pub fn submit_blocking(&self, op: WriteOp) -> Result<Vec<Written>, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.sender.blocking_send(Request { op, reply }).map_err(|_| {
            ApiError::new(bms_types::ErrorCode::ServiceUnavailable, "The ingest writer is not running.")
        })?;
        answer
            .blocking_recv()
            .map_err(|_| ApiError::new(bms_types::ErrorCode::ServiceUnavailable, "The ingest writer stopped."))?
    }

    /// Queues a write and waits until it is committed (or failed).
    pub async fn submit(&self, op: WriteOp) -> Result<Vec<Written>, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.sender.send(Request { op, reply }).await.map_err(|_| {
            ApiError::new(bms_types::ErrorCode::ServiceUnavailable, "The ingest writer is not running.")
        })?;
        answer
            .await
            .map_err(|_| ApiError::new(bms_types::ErrorCode::ServiceUnavailable, "The ingest writer stopped."))?
    }
}

fn run_writer(
    pool: &DbPool,
    settings: &EvaluationSettings,
    evaluator: &Evaluator,
    mut receiver: mpsc::Receiver<Request>,
) {
    while let Some(first) = receiver.blocking_recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match receiver.try_recv() {
                Ok(request) => group.push(request),
                Err(_) => break,
            }
        }
        let outcome = pool.get().map_err(ApiError::from).and_then(|mut conn| commit_group(&mut conn, settings, &group));
        match outcome {
            Ok(results) => {
                let mut dirty = HashSet::new();
                for (request, result) in group.into_iter().zip(results) {
                    if let Ok(rows) = &result {
                        dirty.extend(rows.iter().filter(|(_, created)| *created).map(|(row, _)| row.job_id));
                    }
                    let _ = request.reply.send(result);
                }
                for job_id in dirty {
                    evaluator.mark_dirty(job_id);
                }
            }
            Err(error) => {
                log::error!("ingest commit failed: {error}");
                for request in group {
                    let _ =
                        request.reply.send(Err(ApiError::internal(format!("the result could not be stored: {error}"))));
                }
            }
        }
    }
}

/// Applies every request in its own savepoint inside one IMMEDIATE transaction.
fn commit_group(
    conn: &mut DbConn,
    settings: &EvaluationSettings,
    group: &[Request],
) -> Result<Vec<Result<Vec<Written>, ApiError>>, ApiError> {
    crate::db::write_transaction(conn, |conn| {
        let mut results = Vec::with_capacity(group.len());
        let mut daily: BTreeMap<(String, &'static str), i64> = BTreeMap::new();
        let mut hourly: BTreeMap<(String, &'static str), i64> = BTreeMap::new();
        for request in group {
            let applied = conn.transaction(|conn| apply(conn, &request.op, settings));
            if let Ok(rows) = &applied {
                for (row, created) in rows {
                    if *created
                        && let Some(finished) = row.finished_at
                        && let Some(result) = FINISHED_RESULTS.iter().find(|r| **r == row.result)
                    {
                        *daily.entry((settings.day_of(finished), result.as_str())).or_default() += 1;
                        *hourly.entry((hour_of(finished), result.as_str())).or_default() += 1;
                    }
                }
            }
            results.push(applied);
        }
        for ((day, result), count) in daily {
            use crate::db::schema::execution_daily_counts::dsl;
            diesel::insert_into(dsl::execution_daily_counts)
                .values((dsl::day.eq(&day), dsl::result.eq(result), dsl::count.eq(count)))
                .on_conflict((dsl::day, dsl::result))
                .do_update()
                .set(dsl::count.eq(dsl::count + excluded(dsl::count)))
                .execute(conn)?;
        }
        for ((hour, result), count) in hourly {
            use crate::db::schema::execution_hourly_counts::dsl;
            diesel::insert_into(dsl::execution_hourly_counts)
                .values((dsl::hour.eq(&hour), dsl::result.eq(result), dsl::count.eq(count)))
                .on_conflict((dsl::hour, dsl::result))
                .do_update()
                .set(dsl::count.eq(dsl::count + excluded(dsl::count)))
                .execute(conn)?;
        }
        Ok(results)
    })
}

/// The UTC hour bucket of an instant, `YYYY-MM-DD HH`.
pub fn hour_of(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H").to_string()
}

fn apply(conn: &mut DbConn, op: &WriteOp, settings: &EvaluationSettings) -> Result<Vec<Written>, ApiError> {
    match op {
        WriteOp::Insert(items) => items.iter().map(|item| insert_once(conn, item)).collect(),
        WriteOp::FinishRun(item) => Ok(vec![finish_run(conn, item)?]),
        WriteOp::Report { items, reporter, field_prefix, now } => {
            let rows = crate::tracking::ingest::resolve_items(conn, items, field_prefix, reporter, *now)?;
            rows.iter().map(|item| insert_once(conn, item)).collect()
        }
        WriteOp::Status(updates) => {
            for update in updates {
                apply_update(conn, update, &settings.observer)?;
            }
            Ok(Vec::new())
        }
    }
}

fn insert_once(conn: &mut DbConn, item: &NewExecution) -> Result<Written, ApiError> {
    if item.external_id.is_none() {
        return Ok((insert(conn, item)?, true));
    }
    // ON CONFLICT DO NOTHING covers only uniqueness (here the job's external_id), so
    // the common case costs one statement and a repeat costs one more read.
    if let Some(row) = insert_or_skip(conn, item)? {
        record_latest(conn, &row)?;
        return Ok((row, true));
    }
    let existing: Execution = executions::table
        .filter(executions::job_id.eq(item.job_id))
        .filter(executions::external_id.eq(&item.external_id))
        .select(Execution::as_select())
        .first(conn)?;
    Ok((existing, false))
}

fn insert(conn: &mut DbConn, item: &NewExecution) -> QueryResult<Execution> {
    let row = insert_or_skip(conn, item)?.ok_or(diesel::result::Error::NotFound)?;
    record_latest(conn, &row)?;
    Ok(row)
}

/// Inserts the row unless it repeats a stored `external_id` of the same job.
fn insert_or_skip(conn: &mut DbConn, item: &NewExecution) -> QueryResult<Option<Execution>> {
    diesel::insert_into(executions::table)
        .values((
            executions::job_id.eq(item.job_id),
            executions::copy_id.eq(item.copy_id),
            executions::result.eq(item.result),
            executions::started_at.eq(item.started_at),
            executions::finished_at.eq(item.finished_at),
            executions::size_bytes.eq(item.size_bytes),
            executions::file_count.eq(item.file_count),
            executions::error_message.eq(&item.error_message),
            executions::tool_version.eq(&item.tool_version),
            executions::source.eq(item.source),
            executions::external_id.eq(&item.external_id),
            executions::run_id.eq(&item.run_id),
            executions::log.eq(&item.log),
            executions::api_key_id.eq(item.api_key_id),
            executions::user_id.eq(item.user_id),
            executions::received_at.eq(item.received_at),
            executions::medium_id.eq(item.medium_id),
            executions::medium_warning.eq(&item.medium_warning),
        ))
        .on_conflict_do_nothing()
        .returning(Execution::as_returning())
        .get_result(conn)
        .optional()
}

/// Keeps the latest-run facts on the job and its copy current (only moving forward in
/// time, so results reported late do not hide newer ones).
fn record_latest(conn: &mut DbConn, row: &Execution) -> QueryResult<()> {
    let Some(finished) = row.finished_at else {
        return Ok(());
    };
    if !FINISHED_RESULTS.contains(&row.result) {
        return Ok(());
    }
    let successful = SUCCESSFUL_RESULTS.contains(&row.result);
    diesel::update(jobs::table.find(row.job_id).filter(jobs::last_run_at.is_null().or(jobs::last_run_at.le(finished))))
        .set((
            jobs::last_run_id.eq(row.id),
            jobs::last_run_result.eq(&row.result),
            jobs::last_run_started_at.eq(row.started_at),
            jobs::last_run_at.eq(finished),
        ))
        .execute(conn)?;
    if successful {
        diesel::update(
            jobs::table.find(row.job_id).filter(jobs::last_success_at.is_null().or(jobs::last_success_at.le(finished))),
        )
        .set(jobs::last_success_at.eq(finished))
        .execute(conn)?;
    }
    if let Some(copy_id) = row.copy_id {
        diesel::update(
            job_copies::table
                .find(copy_id)
                .filter(job_copies::last_run_at.is_null().or(job_copies::last_run_at.le(finished))),
        )
        .set((
            job_copies::last_run_id.eq(row.id),
            job_copies::last_run_at.eq(finished),
            job_copies::last_run_failed.eq(!successful),
        ))
        .execute(conn)?;
        if successful {
            diesel::update(
                job_copies::table
                    .find(copy_id)
                    .filter(job_copies::last_success_at.is_null().or(job_copies::last_success_at.le(finished))),
            )
            .set((job_copies::last_success_id.eq(row.id), job_copies::last_success_at.eq(finished)))
            .execute(conn)?;
        }
    }
    Ok(())
}

fn finish_run(conn: &mut DbConn, item: &NewExecution) -> Result<Written, ApiError> {
    let mut open = executions::table
        .filter(executions::job_id.eq(item.job_id))
        .filter(executions::result.eq(ExecutionResult::Running))
        .select(Execution::as_select())
        .order(executions::id.desc())
        .into_boxed();
    open = match &item.run_id {
        Some(run_id) => open.filter(executions::run_id.eq(run_id.clone())),
        None => open,
    };
    let Some(started) = open.first(conn).optional()? else {
        return Ok((insert(conn, item)?, true));
    };
    let log = match (&started.log, &item.log) {
        (Some(before), Some(now)) => Some(format!("{before}\n{now}")),
        (before, now) => now.clone().or_else(|| before.clone()),
    };
    let updated = diesel::update(executions::table.find(started.id))
        .set((
            executions::result.eq(item.result),
            executions::finished_at.eq(item.finished_at),
            executions::error_message.eq(&item.error_message),
            executions::log.eq(log),
            executions::medium_id.eq(item.medium_id.or(started.medium_id)),
            executions::medium_warning.eq(item.medium_warning.clone().or(started.medium_warning.clone())),
        ))
        .returning(Execution::as_returning())
        .get_result(conn)?;
    record_latest(conn, &updated)?;
    Ok((updated, true))
}
