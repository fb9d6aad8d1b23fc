//! Reading restore tests: the wire form with job names and attachments, the filtered
//! list, a job's restore status and the calendar of due tests (both from the same
//! `restore_standing` the "0" rule uses, so the calendar never disagrees with compliance).

use std::collections::HashMap;

use bms_types::jobs::RuleOutcomeDto;
use bms_types::restore::{
    ListRestoreTestsQuery, RestoreCalendar, RestoreCalendarEntry, RestoreStatusDto, RestoreTestDto, RestoreTestList,
};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::compliance::engine::{RESTORE_DUE_SOON_DAYS, RestoreFacts, RuleOutcome, restore_standing};
use crate::compliance::restore::{RestoreRequirement, latest_counting_test};
use crate::db::DbConn;
use crate::db::pagination::PageWindow;
use crate::db::schema::{jobs, restore_tests};
use crate::error::ApiError;
use crate::restore::RestoreTestRow;
use crate::restore::attachments::AttachmentRow;
use crate::tracking::evaluator::EvaluationSettings;

/// The wire form of rows (one query for job names, one for attachments).
pub fn dtos(conn: &mut DbConn, rows: Vec<RestoreTestRow>) -> Result<Vec<RestoreTestDto>, ApiError> {
    let job_ids: Vec<i64> = rows.iter().map(|row| row.job_id).collect();
    let names: HashMap<i64, String> =
        jobs::table.filter(jobs::id.eq_any(&job_ids)).select((jobs::id, jobs::name)).load(conn)?.into_iter().collect();
    let test_ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let mut files = AttachmentRow::of_tests(conn, &test_ids)?;
    Ok(rows
        .into_iter()
        .map(|row| RestoreTestDto {
            job_name: names.get(&row.job_id).cloned().unwrap_or_default(),
            attachments: files.remove(&row.id).unwrap_or_default().iter().map(AttachmentRow::to_dto).collect(),
            rto_met: row.rto_achieved_minutes.zip(row.rto_target_minutes).map(|(achieved, target)| achieved <= target),
            id: row.id,
            job_id: row.job_id,
            copy_id: row.copy_id,
            test_type: row.test_type,
            result: row.result,
            started_at: row.started_at,
            finished_at: row.finished_at,
            tester: row.tester,
            recorded_via: row.recorded_via,
            target_environment: row.target_environment,
            bytes_restored: row.bytes_restored,
            files_restored: row.files_restored,
            rto_achieved_minutes: row.rto_achieved_minutes,
            rto_target_minutes: row.rto_target_minutes,
            issues_found: row.issues_found,
            notes: row.notes,
            created_at: row.created_at,
        })
        .collect())
}

/// One test, or 404.
pub fn find(conn: &mut DbConn, id: i64) -> Result<RestoreTestRow, ApiError> {
    restore_tests::table
        .find(id)
        .select(RestoreTestRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("Restore test"))
}

/// One test's wire form, or 404.
pub fn dto(conn: &mut DbConn, id: i64) -> Result<RestoreTestDto, ApiError> {
    let row = find(conn, id)?;
    dtos(conn, vec![row])?.pop().ok_or_else(|| ApiError::not_found("Restore test"))
}

/// A filtered page, newest first.
pub fn list(conn: &mut DbConn, query: &ListRestoreTestsQuery, window: PageWindow) -> Result<RestoreTestList, ApiError> {
    let filtered = || {
        let mut statement = restore_tests::table.into_boxed();
        if let Some(job) = query.job_id {
            statement = statement.filter(restore_tests::job_id.eq(job));
        }
        if let Some(result) = query.result {
            statement = statement.filter(restore_tests::result.eq(result.as_str()));
        }
        if let Some(kind) = query.test_type {
            statement = statement.filter(restore_tests::test_type.eq(kind.as_str()));
        }
        if let Some(from) = query.from {
            statement = statement.filter(restore_tests::finished_at.ge(from));
        }
        if let Some(to) = query.to {
            statement = statement.filter(restore_tests::finished_at.lt(to));
        }
        statement
    };
    let (rows, meta) = window.load(
        conn,
        |conn| filtered().count().get_result(conn),
        |conn, limit, offset| {
            filtered()
                .order((restore_tests::finished_at.desc(), restore_tests::id.desc()))
                .limit(limit)
                .offset(offset)
                .select(RestoreTestRow::as_select())
                .load(conn)
        },
    )?;
    Ok(RestoreTestList { data: dtos(conn, rows)?, meta })
}

fn outcome_dto(outcome: RuleOutcome) -> RuleOutcomeDto {
    match outcome {
        RuleOutcome::Pass => RuleOutcomeDto::Pass,
        RuleOutcome::Warning => RuleOutcomeDto::Warning,
        RuleOutcome::Fail => RuleOutcomeDto::Fail,
    }
}

/// A job's restore status at `now`.
pub fn status(
    conn: &mut DbConn,
    job_id: i64,
    settings: &EvaluationSettings,
    now: DateTime<Utc>,
) -> Result<RestoreStatusDto, ApiError> {
    let (job_name, created_at): (String, DateTime<Utc>) = jobs::table
        .find(job_id)
        .select((jobs::name, jobs::created_at))
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("Job"))?;
    let requirement = RestoreRequirement::load(conn, job_id)?;
    let global = settings.tracking.restore_interval_days;
    let latest = latest_counting_test(conn, job_id, &requirement.counting_types)?;
    let standing =
        restore_standing(RestoreFacts { latest, since: Some(created_at) }, requirement.interval(global), now);
    let latest_test = match latest {
        Some(test) => Some(dto(conn, test.id)?),
        None => None,
    };
    Ok(RestoreStatusDto {
        job_id,
        job_name,
        requirement: requirement.to_dto(job_id, global),
        outcome: outcome_dto(standing.outcome),
        reason: standing.reason.to_owned(),
        latest_test,
        due_at: standing.due_at,
    })
}

/// Active jobs with a requirement that are due within `days` (overdue ones included; a
/// job never tested is due one interval after it was created), overdue first, then by due
/// date.
pub fn calendar(
    conn: &mut DbConn,
    settings: &EvaluationSettings,
    days: u32,
    now: DateTime<Utc>,
) -> Result<RestoreCalendar, ApiError> {
    let horizon = now + Duration::days(i64::from(days));
    let global = settings.tracking.restore_interval_days;
    let all_jobs: Vec<(i64, String, DateTime<Utc>)> = jobs::table
        .filter(jobs::is_active.eq(true))
        .select((jobs::id, jobs::name, jobs::created_at))
        .order(jobs::name)
        .load(conn)?;
    let mut entries = Vec::new();
    for (job_id, job_name, created_at) in all_jobs {
        let requirement = RestoreRequirement::load(conn, job_id)?;
        let Some(interval) = requirement.interval(global) else {
            continue;
        };
        let latest = latest_counting_test(conn, job_id, &requirement.counting_types)?;
        let standing = restore_standing(RestoreFacts { latest, since: Some(created_at) }, Some(interval), now);
        let due = standing.due_at.unwrap_or(now);
        if due > horizon {
            continue;
        }
        let status = if due < now {
            "overdue"
        } else if due - now <= Duration::days(RESTORE_DUE_SOON_DAYS) {
            "due_soon"
        } else {
            "scheduled"
        };
        let result = match latest {
            Some(test) => Some(find(conn, test.id)?.result),
            None => None,
        };
        entries.push(RestoreCalendarEntry {
            job_id,
            job_name,
            due_on: settings.local_date(due),
            due_at: Some(due),
            status: status.to_owned(),
            latest_test_id: latest.map(|test| test.id),
            latest_result: result,
        });
    }
    entries.sort_by(|a, b| {
        (a.status != "overdue")
            .cmp(&(b.status != "overdue"))
            .then(a.due_on.cmp(&b.due_on))
            .then(a.job_id.cmp(&b.job_id))
    });
    Ok(RestoreCalendar { data: entries })
}
