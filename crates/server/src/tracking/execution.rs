//! A stored backup result (an execution row) and its wire form.

use bms_types::executions::{ExecutionDto, ExecutionResult, ExecutionSource};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::executions;
use crate::error::ApiError;

/// A stored result.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = executions)]
pub struct Execution {
    pub id: i64,
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
    pub medium_id: Option<i64>,
    pub medium_warning: Option<String>,
}

impl Execution {
    /// The wire form.
    pub fn to_dto(&self) -> Result<ExecutionDto, ApiError> {
        Ok(ExecutionDto {
            id: self.id,
            job_id: self.job_id,
            copy_id: self.copy_id,
            result: self.result,
            started_at: self.started_at,
            finished_at: self.finished_at,
            duration_seconds: match (self.started_at, self.finished_at) {
                (Some(start), Some(end)) => Some((end - start).num_seconds()),
                _ => None,
            },
            size_bytes: self.size_bytes,
            file_count: self.file_count,
            error_message: self.error_message.clone(),
            tool_version: self.tool_version.clone(),
            source: self.source,
            external_id: self.external_id.clone(),
            run_id: self.run_id.clone(),
            log: self.log.clone(),
            received_at: self.received_at,
            medium_id: self.medium_id,
            medium_warning: self.medium_warning.clone(),
        })
    }
}
