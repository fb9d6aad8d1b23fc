//! Backup results ("executions") reported by tools, scripts, pings and pollers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::wire_enum::wire_enum;

wire_enum! {
    /// Outcome of a run as reported.
    ExecutionResult {
        /// Finished without problems.
        Success => "success",
        /// Finished with warnings (counts as a successful backup).
        Warning => "warning",
        /// Failed.
        Failed => "failed",
        /// Started, not finished yet (ping `/start`).
        Running => "running",
        /// A log message without effect on state (ping `/log`).
        Log => "log",
    }
}

wire_enum! {
    /// Where a result came from.
    ExecutionSource {
        /// The JSON API.
        Api => "api",
        /// A ping URL.
        Ping => "ping",
        /// The Veeam poller.
        Veeam => "veeam",
        /// Entered by a person.
        Manual => "manual",
    }
}

/// One reported result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExecutionDto {
    /// Numeric id.
    pub id: i64,
    /// The job.
    pub job_id: i64,
    /// The copy it wrote (absent: the job's primary copy).
    pub copy_id: Option<i64>,
    /// Outcome.
    pub result: ExecutionResult,
    /// Start time.
    pub started_at: Option<DateTime<Utc>>,
    /// Finish time.
    pub finished_at: Option<DateTime<Utc>>,
    /// Duration in seconds, when both times are known.
    pub duration_seconds: Option<i64>,
    /// Bytes written.
    pub size_bytes: Option<i64>,
    /// Files written.
    pub file_count: Option<i64>,
    /// Error text.
    pub error_message: Option<String>,
    /// Version of the backup tool.
    pub tool_version: Option<String>,
    /// Where it came from.
    pub source: ExecutionSource,
    /// The reporter's id for the run (idempotency key).
    pub external_id: Option<String>,
    /// Ping run id (`?rid=`) pairing a start with its end.
    pub run_id: Option<String>,
    /// Log text sent with a ping (up to 10 KB).
    pub log: Option<String>,
    /// When bms received it.
    pub received_at: DateTime<Utc>,
    /// The offline medium the run was written to, if named.
    #[serde(default)]
    pub medium_id: Option<i64>,
    /// Why writing to that medium was questionable (`medium_lent`, `retention_active`...).
    #[serde(default)]
    pub medium_warning: Option<String>,
}

/// Report one result. Identify the job by `job_id`, `job_name` or `job_external_ref`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateExecutionRequest {
    /// The job's id.
    #[serde(default)]
    pub job_id: Option<i64>,
    /// The job's name.
    #[serde(default)]
    pub job_name: Option<String>,
    /// The job's external reference (e.g. the Veeam job id).
    #[serde(default)]
    pub job_external_ref: Option<String>,
    /// The copy the run wrote (absent: the job's primary copy).
    #[serde(default)]
    pub copy_id: Option<i64>,
    /// `success`, `warning` or `failed`.
    pub result: ExecutionResult,
    /// Start time (RFC 3339).
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
    /// Finish time (RFC 3339; default: now).
    #[serde(default)]
    pub finished_at: Option<DateTime<Utc>>,
    /// Bytes written (≥ 0).
    #[serde(default)]
    pub size_bytes: Option<i64>,
    /// Files written (≥ 0).
    #[serde(default)]
    pub file_count: Option<i64>,
    /// Error text (up to 10,000 characters).
    #[serde(default)]
    pub error_message: Option<String>,
    /// Version of the backup tool.
    #[serde(default)]
    pub tool_version: Option<String>,
    /// `api` (default), `veeam` or `manual`.
    #[serde(default)]
    pub source: Option<ExecutionSource>,
    /// Idempotency key: the same value for the same job returns the existing result.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Label of the offline medium (tape, disk) the run was written to.
    #[serde(default)]
    pub medium: Option<String>,
}

/// Report up to 1,000 results at once; all are stored or none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BatchExecutionRequest {
    /// The results.
    pub items: Vec<CreateExecutionRequest>,
}

/// Stored results of a batch, in request order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchExecutionResponse {
    /// One per item, in order.
    pub data: Vec<ExecutionDto>,
    /// How many were new (the rest were idempotent repeats).
    pub created: u32,
}

/// Filters and paging for execution lists.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ListExecutionsQuery {
    /// 1-based page (default 1).
    pub page: Option<u32>,
    /// Items per page, 1–200 (default 50).
    pub per_page: Option<u32>,
    /// Only this job.
    pub job_id: Option<i64>,
    /// Only this copy.
    pub copy_id: Option<i64>,
    /// Only this result.
    pub result: Option<ExecutionResult>,
    /// Only this source.
    pub source: Option<ExecutionSource>,
    /// Finished at or after (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Finished before (RFC 3339).
    pub to: Option<DateTime<Utc>>,
}

/// One page of executions, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExecutionList {
    /// The executions on this page.
    pub data: Vec<ExecutionDto>,
    /// Pagination.
    pub meta: crate::PageMeta,
}
