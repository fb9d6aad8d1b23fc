//! The system's own background work: the scheduled tasks and who runs them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::wire_enum::wire_enum;

wire_enum! {
    /// How a task's last run ended.
    TaskOutcome {
        /// It finished without error.
        Success => "success",
        /// It returned an error (in `last_error`).
        Failure => "failure",
    }
}

/// One periodic task of the scheduler.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskDto {
    /// Stable name, e.g. `evaluate_jobs`.
    pub name: String,
    /// What it does.
    pub description: String,
    /// When it runs: `every 60s` or a cron expression with its time zone.
    pub schedule: String,
    /// When it runs next (a run missed while bms was stopped runs once at start).
    pub next_run_at: DateTime<Utc>,
    /// When its last run started.
    pub last_started_at: Option<DateTime<Utc>>,
    /// When its last run finished.
    pub last_finished_at: Option<DateTime<Utc>>,
    /// How long its last run took, in milliseconds.
    pub last_duration_ms: Option<i64>,
    /// How its last run ended.
    pub last_outcome: Option<TaskOutcome>,
    /// The error of its last run, if it failed.
    pub last_error: Option<String>,
    /// Runs since the task was first registered.
    pub runs: i64,
    /// Failed runs since the task was first registered.
    pub failures: i64,
}

/// Which process runs the tasks (one at a time, by a lease in the database).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeaseDto {
    /// The process holding the lease (`host:pid:random`).
    pub holder: String,
    /// Until when it holds it unless it renews it.
    pub expires_at: DateTime<Utc>,
    /// Whether the process answering this request is the holder.
    pub held_by_this_process: bool,
}

/// `GET /api/v1/system/tasks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskList {
    /// Every task, by name.
    pub data: Vec<TaskDto>,
    /// The current lease; `None` until a scheduler first took it.
    pub lease: Option<LeaseDto>,
}
