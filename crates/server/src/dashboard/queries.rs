//! The dashboard's figures, computed from the stored aggregates. Everything that shows or
//! reports these figures (the dashboard endpoints now, the reports later) calls these
//! functions, so a report never disagrees with the screen.

use std::collections::BTreeMap;

use bms_types::dashboard::{
    AttentionItem, ComplianceSummary, DailyPoint, DashboardSeries, DashboardSummary, ResultCounts, StateCount,
};
use bms_types::jobs::{ComplianceStatusDto, JobStateDto};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::dashboard::{add_count, percentage, success_rate, tally};
use crate::db::DbConn;
use crate::db::schema::{compliance_daily, execution_daily_counts, execution_hourly_counts, job_status, jobs};
use crate::error::ApiError;
use crate::tracking::evaluator::EvaluationSettings;
use crate::tracking::writer::hour_of;

/// The states listed under "jobs needing attention".
const NEEDS_ATTENTION: [JobStateDto; 4] =
    [JobStateDto::Missed, JobStateDto::Failed, JobStateDto::OverdueRunning, JobStateDto::Late];

/// Jobs by state, compliance, last-24-hour results, success rates and jobs needing attention.
pub fn summary(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    settings: &EvaluationSettings,
) -> Result<DashboardSummary, ApiError> {
    let total_jobs: i64 = jobs::table.count().get_result(conn)?;
    // One pass over a covering index gives both breakdowns.
    let by_state_and_compliance: Vec<(String, String, i64)> = job_status::table
        .group_by((job_status::state, job_status::compliance_status))
        .select((job_status::state, job_status::compliance_status, count_star()))
        .load(conn)?;
    let count_where = |keep: &dyn Fn(&str, &str) -> bool| -> u64 {
        by_state_and_compliance.iter().filter(|(s, c, _)| keep(s, c)).map(|(_, _, n)| n.unsigned_abs()).sum()
    };
    let jobs_by_state = JobStateDto::ALL
        .iter()
        .map(|state| StateCount { state: *state, count: count_where(&|s, _| s == state.as_str()) })
        .collect();
    // A job is paused exactly when it is inactive, so the status table also answers
    // "how many are active" without reading the (wide) job rows.
    let paused = count_where(&|s, _| s == JobStateDto::Paused.as_str());
    let active_jobs = total_jobs.unsigned_abs().saturating_sub(paused);
    let compliance_count =
        |status: ComplianceStatusDto| count_where(&|s, c| s != JobStateDto::Paused.as_str() && c == status.as_str());
    let (compliant, warning, non_compliant) = (
        compliance_count(ComplianceStatusDto::Compliant),
        compliance_count(ComplianceStatusDto::Warning),
        compliance_count(ComplianceStatusDto::NonCompliant),
    );
    // Whole UTC hours: the current one and the 23 before it (23 to 24 hours), read from
    // the hourly counters rather than by scanning the executions.
    let last_24h_rows: Vec<(String, i64)> = execution_hourly_counts::table
        .filter(execution_hourly_counts::hour.ge(hour_of(now - Duration::hours(23))))
        .select((execution_hourly_counts::result, execution_hourly_counts::count))
        .load(conn)?;
    let today = settings.day_of(now);
    let since = |days: i64| settings.day_of(now - Duration::days(days - 1));
    let attention_rows: Vec<(i64, String, String, chrono::DateTime<chrono::Utc>, String)> = job_status::table
        .inner_join(jobs::table)
        .filter(job_status::state.eq_any(NEEDS_ATTENTION.map(JobStateDto::as_str)))
        .order((job_status::state_since.asc(), jobs::id.asc()))
        .limit(50)
        .select((jobs::id, jobs::name, job_status::state, job_status::state_since, job_status::compliance_status))
        .load(conn)?;
    let attention = attention_rows
        .into_iter()
        .filter_map(|(job_id, name, state, since, compliance)| {
            Some(AttentionItem {
                job_id,
                name,
                state: JobStateDto::parse(&state)?,
                state_since: since,
                compliance_status: ComplianceStatusDto::parse(&compliance)?,
            })
        })
        .collect();
    Ok(DashboardSummary {
        total_jobs: total_jobs.unsigned_abs(),
        active_jobs,
        jobs_by_state,
        compliance: ComplianceSummary {
            compliant,
            warning,
            non_compliant,
            compliance_rate: percentage(compliant, compliant + warning + non_compliant),
        },
        last_24h: tally(last_24h_rows),
        success_rate_7d: success_rate(&counts_between(conn, &since(7), &today)?),
        success_rate_30d: success_rate(&counts_between(conn, &since(30), &today)?),
        attention,
        generated_at: now,
    })
}

/// Daily results, success rate and compliance rate over the last `days` days.
pub fn series(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    settings: &EvaluationSettings,
    days: u32,
) -> Result<DashboardSeries, ApiError> {
    let today = now.with_timezone(&settings.timezone).date_naive();
    let first = today - Duration::days(i64::from(days) - 1);
    let first_key = first.format("%Y-%m-%d").to_string();
    let count_rows: Vec<(String, String, i64)> = execution_daily_counts::table
        .filter(execution_daily_counts::day.ge(&first_key))
        .select((execution_daily_counts::day, execution_daily_counts::result, execution_daily_counts::count))
        .load(conn)?;
    let mut results: BTreeMap<String, ResultCounts> = BTreeMap::new();
    for (day, result, count) in count_rows {
        add_count(results.entry(day).or_default(), &result, count.unsigned_abs());
    }
    let compliance_rows: Vec<(String, String, i64)> = compliance_daily::table
        .filter(compliance_daily::day.ge(&first_key))
        .group_by((compliance_daily::day, compliance_daily::status))
        .select((compliance_daily::day, compliance_daily::status, count_star()))
        .load(conn)?;
    let mut compliance: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for (day, status, count) in compliance_rows {
        let entry = compliance.entry(day).or_default();
        entry.1 += count.unsigned_abs();
        if status == ComplianceStatusDto::Compliant.as_str() {
            entry.0 += count.unsigned_abs();
        }
    }
    let points = (0..days)
        .map(|offset| {
            let day: NaiveDate = first + Duration::days(i64::from(offset));
            let key = day.format("%Y-%m-%d").to_string();
            let counts = results.remove(&key).unwrap_or_default();
            let (compliant, evaluated) = compliance.get(&key).copied().unwrap_or_default();
            DailyPoint {
                day,
                success_rate: success_rate(&counts),
                results: counts,
                compliance_rate: percentage(compliant, evaluated),
            }
        })
        .collect();
    Ok(DashboardSeries { days, points })
}

fn counts_between(conn: &mut DbConn, from_day: &str, to_day: &str) -> QueryResult<ResultCounts> {
    // At most (days × 3) small rows: summing here is cheaper than a SQL aggregate's
    // numeric conversion.
    let rows: Vec<(String, i64)> = execution_daily_counts::table
        .filter(execution_daily_counts::day.ge(from_day))
        .filter(execution_daily_counts::day.le(to_day))
        .select((execution_daily_counts::result, execution_daily_counts::count))
        .load(conn)?;
    Ok(tally(rows))
}
