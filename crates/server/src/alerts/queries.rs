//! Alert lists and counts: a filtered page newest first with the job names, one alert
//! with its timeline, and the open alerts by severity (the dashboard tile, `/metrics`).

use std::collections::HashMap;

use bms_types::alerts::{
    AlertDetailDto, AlertDto, AlertEventDto, AlertEventKind, AlertList, AlertStatus, AlertSummaryDto, ListAlertsQuery,
    Severity, SeverityCounts,
};
use chrono::{DateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::alerts::AlertRow;
use crate::db::DbConn;
use crate::db::pagination::PageWindow;
use crate::db::schema::{alert_events, alerts, jobs};
use crate::error::ApiError;

fn with_job_names(conn: &mut DbConn, rows: &[AlertRow]) -> QueryResult<Vec<AlertDto>> {
    let ids: Vec<i64> = rows.iter().filter_map(|row| row.job_id).collect();
    let names: HashMap<i64, String> = jobs::table
        .filter(jobs::id.eq_any(&ids))
        .select((jobs::id, jobs::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    Ok(rows.iter().map(|row| row.to_dto(row.job_id.and_then(|id| names.get(&id).cloned()))).collect())
}

/// One page of alerts, newest first.
pub fn list(conn: &mut DbConn, query: &ListAlertsQuery, window: PageWindow) -> Result<AlertList, ApiError> {
    let filtered = || {
        let mut statement = alerts::table.into_boxed();
        if let Some(status) = query.status {
            statement = statement.filter(alerts::status.eq(status.as_str()));
        }
        match query.open {
            Some(true) => statement = statement.filter(alerts::status.ne(AlertStatus::Resolved.as_str())),
            Some(false) => statement = statement.filter(alerts::status.eq(AlertStatus::Resolved.as_str())),
            None => {}
        }
        if let Some(severity) = query.severity {
            statement = statement.filter(alerts::severity.eq(severity.as_str()));
        }
        if let Some(rule) = query.rule {
            statement = statement.filter(alerts::rule_kind.eq(rule.as_str()));
        }
        if let Some(job) = query.job_id {
            statement = statement.filter(alerts::job_id.eq(job));
        }
        statement
    };
    let (rows, meta) = window.load(
        conn,
        |conn| filtered().count().get_result(conn),
        |conn, limit, offset| {
            filtered().order(alerts::id.desc()).limit(limit).offset(offset).select(AlertRow::as_select()).load(conn)
        },
    )?;
    Ok(AlertList { data: with_job_names(conn, &rows)?, meta })
}

/// One alert.
pub fn find(conn: &mut DbConn, id: i64) -> Result<AlertRow, ApiError> {
    alerts::table
        .find(id)
        .select(AlertRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("Alert"))
}

/// One alert as the API shows it.
pub fn dto(conn: &mut DbConn, id: i64) -> Result<AlertDto, ApiError> {
    let row = find(conn, id)?;
    Ok(with_job_names(conn, std::slice::from_ref(&row))?.remove(0))
}

/// One alert with its timeline.
pub fn detail(conn: &mut DbConn, id: i64) -> Result<AlertDetailDto, ApiError> {
    let alert = dto(conn, id)?;
    let events: Vec<(DateTime<Utc>, String, Option<String>, String)> = alert_events::table
        .filter(alert_events::alert_id.eq(id))
        .order(alert_events::id)
        .select((alert_events::at, alert_events::kind, alert_events::actor, alert_events::detail))
        .load(conn)?;
    let timeline = events
        .into_iter()
        .filter_map(|(at, kind, actor, detail)| {
            Some(AlertEventDto { at, kind: AlertEventKind::parse(&kind)?, actor, detail })
        })
        .collect();
    Ok(AlertDetailDto { alert, timeline })
}

/// Open alerts by status and severity.
pub fn summary(conn: &mut DbConn) -> QueryResult<AlertSummaryDto> {
    let rows: Vec<(String, String, i64)> = alerts::table
        .filter(alerts::status.ne(AlertStatus::Resolved.as_str()))
        .group_by((alerts::status, alerts::severity))
        .select((alerts::status, alerts::severity, count_star()))
        .load(conn)?;
    let mut summary = AlertSummaryDto::default();
    for (status, severity, count) in rows {
        let counts: &mut SeverityCounts =
            if status == AlertStatus::Firing.as_str() { &mut summary.firing } else { &mut summary.acknowledged };
        let count = count.unsigned_abs();
        match Severity::parse(&severity) {
            Some(Severity::Critical) => counts.critical += count,
            Some(Severity::Warning) => counts.warning += count,
            Some(Severity::Info) | None => counts.info += count,
        }
    }
    Ok(summary)
}
