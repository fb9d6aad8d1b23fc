//! What a report means: the checks of one reported result, and its resolution (job by id,
//! name or external reference; copy; the reporter's job restrictions) into rows, inside the
//! writer's transaction. Callers describe who reports with a `Reporter`, not with the HTTP
//! layer's principal.

use std::collections::HashMap;

use bms_types::FieldViolation;
use bms_types::executions::{CreateExecutionRequest, ExecutionResult, ExecutionSource};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{jobs, media};
use crate::error::{ApiError, violation};
use crate::tracking::model::{Copy, primary_copy_id};
use crate::tracking::writer::NewExecution;

/// Who reports, and for which jobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reporter {
    /// The API key that reports, if a key does.
    pub api_key_id: Option<i64>,
    /// The user who reports, if a person does.
    pub user_id: Option<i64>,
    /// The only jobs it may report for; `None` = any job.
    pub allowed_jobs: Option<Vec<i64>>,
}

impl Reporter {
    /// The reporter behind an authenticated caller: a person reports for any job, a key
    /// for the jobs it is restricted to (none listed: any).
    pub fn of(principal: &crate::access::Principal) -> Self {
        match principal {
            crate::access::Principal::ApiKey(key) => Self {
                api_key_id: Some(key.id),
                user_id: None,
                allowed_jobs: (!key.job_ids.is_empty()).then(|| key.job_ids.clone()),
            },
            crate::access::Principal::User(user) => {
                Self { api_key_id: None, user_id: Some(user.id), allowed_jobs: None }
            }
        }
    }

    /// Whether results of `job_id` may come from this reporter.
    pub fn may_report_for(&self, job_id: i64) -> bool {
        self.allowed_jobs.as_ref().is_none_or(|jobs| jobs.contains(&job_id))
    }
}

/// Most results in one batch.
pub const MAX_BATCH: usize = 1000;
const MAX_TEXT: usize = 10_000;

/// Checks one item; field names carry `prefix` (e.g. `items[3].`).
pub fn validate_item(
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
        ("medium", item.medium.as_deref(), 64),
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

/// The medium a run names, by label (case-insensitive), with the warning its write earns
/// on the run's day (UTC): `None` when no medium has the label.
pub fn resolve_medium(
    conn: &mut DbConn,
    label: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> QueryResult<Option<(i64, Option<String>)>> {
    let found: Option<(i64, bms_types::media::MediaState, Option<chrono::NaiveDate>)> = media::table
        .filter(media::label.eq(label.trim()))
        .select((media::id, media::state, media::retention_until))
        .first(conn)
        .optional()?;
    Ok(found.map(|(id, state, retention)| {
        (id, bms_types::media::write_warning(state, retention, at.date_naive()).map(str::to_owned))
    }))
}

/// Resolves each item's job and copy, checks API-key job restrictions, and builds the rows.
/// Runs inside the writer's transaction, so resolution and insert see the same data and
/// a result costs no extra database round trip.
pub fn resolve_items(
    conn: &mut DbConn,
    items: &[CreateExecutionRequest],
    field_prefix: &dyn Fn(usize) -> String,
    reporter: &Reporter,
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
        if !reporter.may_report_for(job_id) {
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
        let finished_at = item.finished_at.unwrap_or(now);
        let (medium_id, medium_warning) = match item.medium.as_deref() {
            None => (None, None),
            Some(label) => match resolve_medium(conn, label, finished_at)? {
                Some((id, warning)) => (Some(id), warning),
                None => {
                    violations.push(violation(format!("{prefix}medium"), "exists", "no medium has this label"));
                    continue;
                }
            },
        };
        resolved.push(NewExecution {
            job_id,
            copy_id,
            result: item.result,
            started_at: item.started_at,
            finished_at: Some(finished_at),
            size_bytes: item.size_bytes,
            file_count: item.file_count,
            error_message: item.error_message.clone(),
            tool_version: item.tool_version.clone(),
            source: item.source.unwrap_or(ExecutionSource::Api),
            external_id: item.external_id.as_deref().map(str::trim).map(str::to_owned),
            run_id: None,
            log: None,
            api_key_id: reporter.api_key_id,
            user_id: reporter.user_id,
            received_at: now,
            medium_id,
            medium_warning,
        });
    }
    crate::error::Violations::from(violations).finish(resolved)
}
