//! Restore tests: the records (people through the UI, automated checks through the ingest
//! API and ping URLs), their evidence files, each job's requirement and restore status,
//! and the calendar of due tests. Recording a test re-evaluates the job in the same
//! transaction, so the "0" rule and the alerts that follow it see the test at once.

pub mod attachments;
pub mod handlers;
pub mod queries;

use bms_types::FieldViolation;
use bms_types::restore::{CreateRestoreTestRequest, RestoreTestResult, RestoreTestType};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

use crate::access::{Actor, Principal};
use crate::audit::{self, AuditEvent};
use crate::db::DbConn;
use crate::db::schema::{job_copies, jobs, restore_tests};
use crate::error::{ApiError, Violations, violation};
use crate::tracking::evaluator::{EvaluationSettings, refresh_job};
use crate::tracking::ingest::Reporter;

/// Longest free text (issues, notes).
const TEXT_MAX: usize = 4_000;

/// A stored restore test.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = restore_tests)]
pub struct RestoreTestRow {
    pub id: i64,
    pub job_id: i64,
    pub copy_id: Option<i64>,
    pub test_type: RestoreTestType,
    pub result: RestoreTestResult,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: DateTime<Utc>,
    pub tester: String,
    pub recorded_via: String,
    pub user_id: Option<i64>,
    pub api_key_id: Option<i64>,
    pub target_environment: String,
    pub bytes_restored: Option<i64>,
    pub files_restored: Option<i64>,
    pub rto_achieved_minutes: Option<i64>,
    pub rto_target_minutes: Option<i64>,
    pub issues_found: String,
    pub notes: String,
    pub created_at: DateTime<Utc>,
}

/// Who records a test.
#[derive(Debug, Clone)]
pub struct Recorder {
    /// Shown as the tester.
    pub name: String,
    /// `user`, `api_key` or `ping`.
    pub via: &'static str,
    /// The user or key, and the jobs it may report for (the ingest rules' reporter).
    pub reporter: Reporter,
}

impl Recorder {
    /// The recorder behind an authenticated caller.
    pub fn of(principal: &Principal) -> Self {
        let (name, via) = match principal {
            Principal::User(user) => (user.username.clone(), "user"),
            Principal::ApiKey(key) => (format!("API key {}", key.name), "api_key"),
        };
        Self { name, via, reporter: Reporter::of(principal) }
    }
}

/// A request checked field by field (what needs no database).
fn validate(request: &CreateRestoreTestRequest, now: DateTime<Utc>) -> Vec<FieldViolation> {
    let mut violations = Vec::new();
    if request.job_id.is_some() == request.job_name.is_some() {
        violations.push(violation("job_id", "one_job_identifier", "give exactly one of job_id, job_name"));
    }
    let finished = request.finished_at.unwrap_or(now);
    if finished > now + chrono::Duration::minutes(5) {
        violations.push(violation("finished_at", "not_future", "must not be in the future"));
    }
    if let Some(started) = request.started_at
        && started > finished
    {
        violations.push(violation("started_at", "before_finished", "must not be after finished_at"));
    }
    for (field, value) in [
        ("bytes_restored", request.bytes_restored),
        ("files_restored", request.files_restored),
        ("rto_achieved_minutes", request.rto_achieved_minutes),
    ] {
        if value.is_some_and(|v| v < 0) {
            violations.push(violation(field, "min", "must not be negative"));
        }
    }
    for (field, value, max) in [
        ("target_environment", request.target_environment.as_deref(), 200),
        ("issues_found", request.issues_found.as_deref(), TEXT_MAX),
        ("notes", request.notes.as_deref(), TEXT_MAX),
        ("job_name", request.job_name.as_deref(), 200),
    ] {
        if value.is_some_and(|text| text.chars().count() > max) {
            violations.push(violation(field, "max_length", format!("must be at most {max} characters long")));
        }
    }
    if request.result == RestoreTestResult::PassedWithIssues
        && request.issues_found.as_deref().is_none_or(|text| text.trim().is_empty())
    {
        violations.push(violation("issues_found", "required", "say which issues were found"));
    }
    violations
}

/// Records a restore test, audits it and re-evaluates the job — one transaction, run by
/// the caller inside `write_transaction`. Returns the new test's id.
pub fn record(
    conn: &mut DbConn,
    request: &CreateRestoreTestRequest,
    recorder: &Recorder,
    actor: &Actor,
    settings: &EvaluationSettings,
    now: DateTime<Utc>,
) -> Result<i64, ApiError> {
    let mut violations = Violations::from(validate(request, now));
    let job_id = match (request.job_id, request.job_name.as_deref()) {
        (Some(id), _) => jobs::table.find(id).select(jobs::id).first::<i64>(conn).optional()?.map(|id| ("job_id", id)),
        (None, Some(name)) => jobs::table
            .filter(jobs::name.eq(name.trim()))
            .select(jobs::id)
            .first::<i64>(conn)
            .optional()?
            .map(|id| ("job_name", id)),
        (None, None) => None,
    };
    let job_id = match job_id {
        Some((_, id)) => Some(id),
        None if request.job_id.is_some() || request.job_name.is_some() => {
            let field = if request.job_id.is_some() { "job_id" } else { "job_name" };
            violations.add(field, "exists", "no such job");
            None
        }
        None => None,
    };
    if let (Some(job_id), Some(copy_id)) = (job_id, request.copy_id) {
        let belongs = job_copies::table
            .filter(job_copies::id.eq(copy_id))
            .filter(job_copies::job_id.eq(job_id))
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if !belongs {
            violations.add("copy_id", "belongs_to_job", "is not a copy of this job");
        }
    }
    let job_id = violations.finish(job_id)?.ok_or_else(|| ApiError::not_found("Job"))?;
    if !recorder.reporter.may_report_for(job_id) {
        return Err(ApiError::forbidden(format!("This API key may not report results for job {job_id}.")));
    }
    let requirement = crate::compliance::restore::RestoreRequirement::load(conn, job_id)?;
    let finished_at = request.finished_at.unwrap_or(now);
    let rto_achieved = request
        .rto_achieved_minutes
        .or_else(|| request.started_at.map(|started| (finished_at - started).num_minutes()));
    let clean = |text: &Option<String>| text.as_deref().map(str::trim).unwrap_or_default().to_owned();
    let id: i64 = diesel::insert_into(restore_tests::table)
        .values((
            restore_tests::job_id.eq(job_id),
            restore_tests::copy_id.eq(request.copy_id),
            restore_tests::test_type.eq(request.test_type),
            restore_tests::result.eq(request.result),
            restore_tests::started_at.eq(request.started_at),
            restore_tests::finished_at.eq(finished_at),
            restore_tests::tester.eq(&recorder.name),
            restore_tests::recorded_via.eq(recorder.via),
            restore_tests::user_id.eq(recorder.reporter.user_id),
            restore_tests::api_key_id.eq(recorder.reporter.api_key_id),
            restore_tests::target_environment.eq(clean(&request.target_environment)),
            restore_tests::bytes_restored.eq(request.bytes_restored),
            restore_tests::files_restored.eq(request.files_restored),
            restore_tests::rto_achieved_minutes.eq(rto_achieved),
            restore_tests::rto_target_minutes.eq(requirement.rto_target_minutes.map(i64::from)),
            restore_tests::issues_found.eq(clean(&request.issues_found)),
            restore_tests::notes.eq(clean(&request.notes)),
            restore_tests::created_at.eq(now),
        ))
        .returning(restore_tests::id)
        .get_result(conn)?;
    audit::record(
        conn,
        now,
        actor,
        AuditEvent::success("restore_test.create", "restore_test", id).with_details(json!({
            "job_id": job_id,
            "test_type": request.test_type,
            "result": request.result,
            "via": recorder.via,
        })),
    )?;
    refresh_job(conn, job_id, now, settings)?;
    Ok(id)
}
