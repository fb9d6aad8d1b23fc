//! What the "0" rule reads about restore tests: a job's requirement (interval, RTO target,
//! the test types that count) and its latest counting test. Queries only; the restore-test
//! records themselves are written by the `restore` domain.

use bms_types::restore::{RestoreRequirementDto, RestoreTestResult, RestoreTestType};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::compliance::engine::{RestoreResult, RestoreTestFact};
use crate::db::DbConn;
use crate::db::schema::{restore_requirements, restore_tests};

/// A job's requirement as stored (no row: every field absent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestoreRequirement {
    /// Days between tests; `Some(0)`: none for this job; `None`: the global default.
    pub interval_days: Option<u32>,
    /// RTO target in minutes.
    pub rto_target_minutes: Option<u32>,
    /// Test types that count (empty: every type).
    pub counting_types: Vec<RestoreTestType>,
}

impl RestoreRequirement {
    /// The job's requirement.
    pub fn load(conn: &mut DbConn, job_id: i64) -> QueryResult<Self> {
        let row: Option<(Option<i32>, Option<i32>, String)> = restore_requirements::table
            .find(job_id)
            .select((
                restore_requirements::interval_days,
                restore_requirements::rto_target_minutes,
                restore_requirements::counting_types,
            ))
            .first(conn)
            .optional()?;
        Ok(row.map_or_else(Self::default, |(interval, rto, types)| Self {
            interval_days: interval.and_then(|days| u32::try_from(days).ok()),
            rto_target_minutes: rto.and_then(|minutes| u32::try_from(minutes).ok()),
            // Written only by `store`, from validated enums; an unreadable list counts every type.
            counting_types: serde_json::from_str(&types).unwrap_or_default(),
        }))
    }

    /// Replaces the job's requirement (inside the caller's transaction).
    pub fn store(&self, conn: &mut DbConn, job_id: i64, now: DateTime<Utc>) -> QueryResult<()> {
        let types = serde_json::to_string(&self.counting_types).unwrap_or_else(|_| "[]".to_owned());
        let interval = self.interval_days.and_then(|days| i32::try_from(days).ok());
        let rto = self.rto_target_minutes.and_then(|minutes| i32::try_from(minutes).ok());
        diesel::insert_into(restore_requirements::table)
            .values((
                restore_requirements::job_id.eq(job_id),
                restore_requirements::interval_days.eq(interval),
                restore_requirements::rto_target_minutes.eq(rto),
                restore_requirements::counting_types.eq(&types),
                restore_requirements::updated_at.eq(now),
            ))
            .on_conflict(restore_requirements::job_id)
            .do_update()
            .set((
                restore_requirements::interval_days.eq(interval),
                restore_requirements::rto_target_minutes.eq(rto),
                restore_requirements::counting_types.eq(&types),
                restore_requirements::updated_at.eq(now),
            ))
            .execute(conn)
            .map(|_| ())
    }

    /// Days between tests in force: the job's own, else `global_days`; 0 means none.
    pub fn effective_interval_days(&self, global_days: u32) -> Option<u32> {
        Some(self.interval_days.unwrap_or(global_days)).filter(|days| *days > 0)
    }

    /// The interval in force as a duration.
    pub fn interval(&self, global_days: u32) -> Option<Duration> {
        self.effective_interval_days(global_days).map(|days| Duration::days(i64::from(days)))
    }

    /// The wire form.
    pub fn to_dto(&self, job_id: i64, global_days: u32) -> RestoreRequirementDto {
        RestoreRequirementDto {
            job_id,
            interval_days: self.interval_days,
            effective_interval_days: self.effective_interval_days(global_days),
            rto_target_minutes: self.rto_target_minutes,
            counting_types: self.counting_types.clone(),
        }
    }
}

/// The engine's view of a stored result.
pub fn engine_result(result: RestoreTestResult) -> RestoreResult {
    match result {
        RestoreTestResult::Passed => RestoreResult::Passed,
        RestoreTestResult::PassedWithIssues => RestoreResult::PassedWithIssues,
        RestoreTestResult::Failed => RestoreResult::Failed,
    }
}

/// The job's latest test of a counting type (by finish time, then id).
pub fn latest_counting_test(
    conn: &mut DbConn,
    job_id: i64,
    counting_types: &[RestoreTestType],
) -> QueryResult<Option<RestoreTestFact>> {
    let mut query = restore_tests::table
        .filter(restore_tests::job_id.eq(job_id))
        .select((restore_tests::id, restore_tests::finished_at, restore_tests::result))
        .order((restore_tests::finished_at.desc(), restore_tests::id.desc()))
        .into_boxed();
    if !counting_types.is_empty() {
        query = query.filter(restore_tests::test_type.eq_any(counting_types.iter().map(|kind| kind.as_str())));
    }
    let found: Option<(i64, DateTime<Utc>, RestoreTestResult)> = query.first(conn).optional()?;
    Ok(found.map(|(id, finished_at, result)| RestoreTestFact { id, finished_at, result: engine_result(result) }))
}
