//! The media rules, checked on the scheduler: loans past their expected return, backups
//! written to a medium that is lent, retired, destroyed or under retention (the latest run
//! that named the medium carries the warning), and rotation sets due today or tomorrow
//! whose media are off site or lent.

use std::collections::HashSet;

use bms_types::alerts::AlertRuleKind;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel::prelude::*;

use crate::alerts::conditions::Condition;
use crate::alerts::engine::AlertEngine;
use crate::alerts::{Found, open_alerts_of_kind, reconcile};
use crate::db::schema::{executions, jobs, media, media_loans};
use crate::db::{DbConn, write_transaction};
use crate::error::ApiError;

/// How far back a run's questionable write keeps its alert open without a newer run.
const UNSAFE_WRITE_WINDOW_DAYS: i64 = 30;

fn condition(kind: AlertRuleKind, key: String, occurrence: String, en: String, ja: String) -> Condition {
    Condition {
        kind,
        key,
        occurrence: Some(occurrence),
        copy_id: None,
        subject: None,
        summary_en: en,
        summary_ja: ja,
        evidence: None,
    }
}

/// Japanese for a write warning.
fn warning_ja(warning: &str) -> &'static str {
    match warning {
        "medium_lent" => "貸出中",
        "medium_retired" => "廃棄予定 (退役済み)",
        "medium_destroyed" => "破棄済み",
        "retention_active" => "保持期間中",
        _ => "不適切",
    }
}

fn loans_overdue(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Vec<Condition>> {
    let rows: Vec<(i64, String, i64, String, NaiveDate)> = media_loans::table
        .inner_join(media::table)
        .filter(media_loans::returned_at.is_null())
        .filter(media_loans::expected_return.lt(today))
        .select((media::id, media::label, media_loans::id, media_loans::borrower, media_loans::expected_return))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, label, loan, borrower, expected)| {
            condition(
                AlertRuleKind::MediaLoanOverdue,
                format!("media_loan_overdue:medium:{id}"),
                format!("loan:{loan}"),
                format!("Medium {label} lent to {borrower} was due back on {expected}"),
                format!("媒体 {label} ({borrower} に貸出中) の返却予定日 {expected} を過ぎています"),
            )
        })
        .collect())
}

/// A run that named a medium: (medium, run, warning, job name, medium label).
type MediumRun = (Option<i64>, i64, Option<String>, String, String);

fn unsafe_writes(conn: &mut DbConn, now: DateTime<Utc>) -> QueryResult<Vec<Condition>> {
    let rows: Vec<MediumRun> = executions::table
        .inner_join(jobs::table)
        .inner_join(media::table)
        .filter(executions::medium_id.is_not_null())
        .filter(executions::received_at.gt(now - Duration::days(UNSAFE_WRITE_WINDOW_DAYS)))
        .order(executions::id.desc())
        .select((executions::medium_id, executions::id, executions::medium_warning, jobs::name, media::label))
        .load(conn)?;
    let mut seen = HashSet::new();
    let mut found = Vec::new();
    for (medium, run, warning, job, label) in rows {
        // Only the latest run that named the medium counts: a later clean write clears it.
        let Some(medium) = medium.filter(|id| seen.insert(*id)) else { continue };
        if let Some(warning) = warning {
            found.push(condition(
                AlertRuleKind::MediaUnsafeWrite,
                format!("media_unsafe_write:medium:{medium}"),
                format!("run:{run}"),
                format!("Job {job}: run {run} was written to medium {label}, which is not safe to write ({warning})"),
                format!("ジョブ {job}: 実行 {run} の書き込み先の媒体 {label} は{}です", warning_ja(&warning)),
            ));
        }
    }
    Ok(found)
}

fn rotations_due(conn: &mut DbConn, today: NaiveDate) -> Result<Vec<Condition>, ApiError> {
    Ok(crate::media::rotation::due_sets_away(conn, today)?
        .into_iter()
        .map(|due| {
            let away: Vec<String> = due.away.iter().map(|(label, state)| format!("{label} ({state})")).collect();
            let away = away.join(", ");
            condition(
                AlertRuleKind::RotationDue,
                format!("rotation_due:rotation:{}:set:{}", due.rotation_id, due.set),
                format!("date:{}", due.date),
                format!(
                    "Rotation {}: set {} is due on {} but is not on site: {away}",
                    due.rotation_name, due.set, due.date
                ),
                format!(
                    "ローテーション {}: セット {} は {} に使用予定ですが、媒体が手元にありません: {away}",
                    due.rotation_name, due.set, due.date
                ),
            )
        })
        .collect())
}

/// Runs the three media rules at `now` (`today` in the configured zone).
pub fn media_checks(
    conn: &mut DbConn,
    engine: &AlertEngine,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), String> {
    write_transaction(conn, |conn| {
        let context = engine.context(conn, now)?;
        let kinds = [AlertRuleKind::MediaLoanOverdue, AlertRuleKind::MediaUnsafeWrite, AlertRuleKind::RotationDue];
        for kind in kinds {
            let setting = context.rules.global(kind);
            let conditions = if !setting.enabled {
                Vec::new()
            } else {
                match kind {
                    AlertRuleKind::MediaLoanOverdue => loans_overdue(conn, today)?,
                    AlertRuleKind::MediaUnsafeWrite => unsafe_writes(conn, now)?,
                    _ => rotations_due(conn, today)?,
                }
            };
            let found: Vec<Found> = conditions
                .into_iter()
                .map(|condition| Found { condition, severity: setting.severity, api_key_id: None })
                .collect();
            let open = open_alerts_of_kind(conn, kind)?;
            reconcile(conn, &context, None, &found, &open, now)?;
        }
        Ok::<_, ApiError>(())
    })
    .map_err(|error| error.to_string())
}
