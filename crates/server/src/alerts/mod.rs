//! Alerts: the model (alert rows and their timeline), the configuration the engine reads
//! (rule settings with overrides, routes, maintenance windows — loaded together as a
//! `Context`), and `reconcile`, which applies the lifecycle decisions of `rules` for a set
//! of conditions and queues the notifications of each change in the same transaction
//! (the outbox that `notify` delivers from).

pub mod conditions;
pub mod engine;
pub mod handlers;
pub mod media_checks;
pub mod queries;
pub mod rules;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use bms_types::alerts::{
    AlertDto, AlertEventKind, AlertRuleKind, AlertStatus, NotificationEvent, QuietHoursDto, Severity, SilenceScope,
    WeeklyRecurrenceDto,
};
use bms_types::jobs::RuleVerdictDto;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{
    alert_events, alert_rule_overrides, alert_rules, alerts, job_tags, maintenance_windows, notification_queue,
    notification_routes,
};
use rules::{DailySpan, Decision, OpenAlert, ResolvedAlert, RouteMatch, RuleOverride, RuleSetting, Window};

/// Bumped whenever rules, routes or windows change, so engines reload their `Context`.
static CONFIG_GENERATION: AtomicU64 = AtomicU64::new(1);

/// Marks the alerting configuration as changed.
pub fn configuration_changed() {
    CONFIG_GENERATION.fetch_add(1, Ordering::SeqCst);
}

/// The current configuration generation.
pub fn configuration_generation() -> u64 {
    CONFIG_GENERATION.load(Ordering::SeqCst)
}

/// A stored alert.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = alerts)]
pub struct AlertRow {
    pub id: i64,
    pub dedup_key: String,
    pub rule_kind: String,
    pub severity: String,
    pub status: String,
    pub job_id: Option<i64>,
    pub copy_id: Option<i64>,
    pub api_key_id: Option<i64>,
    pub subject: Option<String>,
    pub summary: String,
    pub summary_ja: String,
    pub evidence: Option<String>,
    pub occurrence: String,
    pub fired_at: DateTime<Utc>,
    pub last_occurred_at: DateTime<Utc>,
    pub occurrences: i64,
    pub silenced: bool,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledge_note: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    pub resolve_note: Option<String>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub last_notified_at: Option<DateTime<Utc>>,
}

impl AlertRow {
    /// The rule kind (rows are only written from the enum).
    pub fn kind(&self) -> AlertRuleKind {
        AlertRuleKind::parse(&self.rule_kind).unwrap_or(AlertRuleKind::RunFailed)
    }

    /// The severity.
    pub fn severity(&self) -> Severity {
        Severity::parse(&self.severity).unwrap_or(Severity::Warning)
    }

    /// The status.
    pub fn status(&self) -> AlertStatus {
        AlertStatus::parse(&self.status).unwrap_or(AlertStatus::Firing)
    }

    /// The wire form.
    pub fn to_dto(&self, job_name: Option<String>) -> AlertDto {
        AlertDto {
            id: self.id,
            rule: self.kind(),
            severity: self.severity(),
            status: self.status(),
            job_id: self.job_id,
            job_name,
            copy_id: self.copy_id,
            api_key_id: self.api_key_id,
            subject: self.subject.clone(),
            summary: self.summary.clone(),
            evidence: self.evidence.as_deref().and_then(|text| serde_json::from_str::<RuleVerdictDto>(text).ok()),
            fired_at: self.fired_at,
            last_occurred_at: self.last_occurred_at,
            occurrences: self.occurrences,
            silenced: self.silenced,
            acknowledged_by: self.acknowledged_by.clone(),
            acknowledged_at: self.acknowledged_at,
            acknowledge_note: self.acknowledge_note.clone(),
            resolved_at: self.resolved_at,
            resolved_by: self.resolved_by.clone(),
            resolve_note: self.resolve_note.clone(),
            escalated_at: self.escalated_at,
            last_notified_at: self.last_notified_at,
        }
    }
}

/// Appends a step to an alert's timeline.
pub fn record_event(
    conn: &mut DbConn,
    alert_id: i64,
    at: DateTime<Utc>,
    kind: AlertEventKind,
    actor: Option<&str>,
    detail: &str,
) -> QueryResult<()> {
    diesel::insert_into(alert_events::table)
        .values((
            alert_events::alert_id.eq(alert_id),
            alert_events::at.eq(at),
            alert_events::kind.eq(kind.as_str()),
            alert_events::actor.eq(actor),
            alert_events::detail.eq(detail),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A route as the engine and the dispatcher use it.
#[derive(Debug, Clone)]
pub struct Route {
    pub id: i64,
    pub name: String,
    pub enabled: bool,
    pub matcher: RouteMatch,
    pub channel_ids: Vec<i64>,
    pub notify_staff: bool,
    pub escalate_after: Option<Duration>,
    pub escalation_channel_ids: Vec<i64>,
    pub renotify_every: Option<Duration>,
    pub group_wait: Duration,
    pub group_interval: Duration,
    pub quiet_hours: Option<DailySpan>,
    pub managed_by_env: bool,
    pub last_batch_at: Option<DateTime<Utc>>,
}

/// The stored route row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notification_routes)]
pub struct RouteRow {
    pub id: i64,
    pub name: String,
    pub enabled: bool,
    pub severities: String,
    pub rule_kinds: String,
    pub tags: String,
    pub job_ids: String,
    pub channel_ids: String,
    pub notify_staff: bool,
    pub escalate_after_minutes: Option<i64>,
    pub escalation_channel_ids: String,
    pub renotify_hours: Option<i64>,
    pub group_wait_seconds: i64,
    pub group_interval_seconds: i64,
    pub quiet_hours: Option<String>,
    pub managed_by_env: bool,
    pub last_batch_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Parses a JSON list column (written by bms only; unreadable means empty).
pub fn json_list<T: serde::de::DeserializeOwned>(text: &str) -> Vec<T> {
    serde_json::from_str(text).unwrap_or_default()
}

/// A daily span from its wire form (validated on the way in).
pub fn daily_span(start: &str, end: &str, timezone: &str) -> Option<DailySpan> {
    Some(DailySpan { start: rules::parse_hhmm(start)?, end: rules::parse_hhmm(end)?, timezone: timezone.parse().ok()? })
}

impl RouteRow {
    /// The quiet hours as stored.
    pub fn quiet_hours_dto(&self) -> Option<QuietHoursDto> {
        self.quiet_hours.as_deref().and_then(|text| serde_json::from_str(text).ok())
    }

    /// The engine's view.
    pub fn to_route(&self) -> Route {
        let quiet = self.quiet_hours_dto().and_then(|q| daily_span(&q.start, &q.end, &q.timezone));
        Route {
            id: self.id,
            name: self.name.clone(),
            enabled: self.enabled,
            matcher: RouteMatch {
                severities: json_list(&self.severities),
                rule_kinds: json_list(&self.rule_kinds),
                tags: json_list(&self.tags),
                job_ids: json_list(&self.job_ids),
            },
            channel_ids: json_list(&self.channel_ids),
            notify_staff: self.notify_staff,
            escalate_after: self.escalate_after_minutes.map(Duration::minutes),
            escalation_channel_ids: json_list(&self.escalation_channel_ids),
            renotify_every: self.renotify_hours.map(Duration::hours),
            group_wait: Duration::seconds(self.group_wait_seconds),
            group_interval: Duration::seconds(self.group_interval_seconds),
            quiet_hours: quiet,
            managed_by_env: self.managed_by_env,
            last_batch_at: self.last_batch_at,
        }
    }
}

/// Loads every route.
pub fn load_routes(conn: &mut DbConn) -> QueryResult<Vec<Route>> {
    let rows: Vec<RouteRow> =
        notification_routes::table.select(RouteRow::as_select()).order(notification_routes::id).load(conn)?;
    Ok(rows.iter().map(RouteRow::to_route).collect())
}

/// The stored maintenance window row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = maintenance_windows)]
pub struct WindowRow {
    pub id: i64,
    pub scope: String,
    pub tags: String,
    pub job_ids: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: String,
    pub weekly: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl WindowRow {
    /// The weekly recurrence as stored.
    pub fn weekly_dto(&self) -> Option<WeeklyRecurrenceDto> {
        self.weekly.as_deref().and_then(|text| serde_json::from_str(text).ok())
    }

    /// The rules' view.
    pub fn to_window(&self) -> Window {
        Window {
            scope: SilenceScope::parse(&self.scope).unwrap_or(SilenceScope::All),
            tags: json_list(&self.tags),
            job_ids: json_list(&self.job_ids),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            weekly: self
                .weekly_dto()
                .and_then(|w| daily_span(&w.start, &w.end, &w.timezone).map(|span| (w.days.clone(), span))),
        }
    }
}

/// Global rule settings and their overrides.
#[derive(Debug, Clone, Default)]
pub struct RuleSettings {
    global: HashMap<AlertRuleKind, RuleSetting>,
    overrides: HashMap<AlertRuleKind, Vec<RuleOverride>>,
}

impl RuleSettings {
    /// Loads them.
    pub fn load(conn: &mut DbConn) -> QueryResult<Self> {
        let mut settings = Self::default();
        let rows: Vec<(String, bool, String, Option<i64>)> = alert_rules::table
            .select((alert_rules::kind, alert_rules::enabled, alert_rules::severity, alert_rules::threshold))
            .load(conn)?;
        for (kind, enabled, severity, threshold) in rows {
            if let (Some(kind), Some(severity)) = (AlertRuleKind::parse(&kind), Severity::parse(&severity)) {
                settings.global.insert(kind, RuleSetting { enabled, severity, threshold });
            }
        }
        type OverrideRow = (i64, String, Option<i64>, Option<String>, Option<bool>, Option<String>, Option<i64>);
        let rows: Vec<OverrideRow> = alert_rule_overrides::table
            .select((
                alert_rule_overrides::id,
                alert_rule_overrides::kind,
                alert_rule_overrides::job_id,
                alert_rule_overrides::tag,
                alert_rule_overrides::enabled,
                alert_rule_overrides::severity,
                alert_rule_overrides::threshold,
            ))
            .order(alert_rule_overrides::id)
            .load(conn)?;
        for (id, kind, job_id, tag, enabled, severity, threshold) in rows {
            if let Some(kind) = AlertRuleKind::parse(&kind) {
                settings.overrides.entry(kind).or_default().push(RuleOverride {
                    id,
                    job_id,
                    tag,
                    enabled,
                    severity: severity.as_deref().and_then(Severity::parse),
                    threshold,
                });
            }
        }
        Ok(settings)
    }

    /// The rule's global setting (stored, else its defaults).
    pub fn global(&self, kind: AlertRuleKind) -> RuleSetting {
        self.global.get(&kind).copied().unwrap_or_else(|| {
            let spec = rules::spec(kind);
            RuleSetting { enabled: spec.enabled, severity: spec.severity, threshold: spec.threshold }
        })
    }

    /// The rule's overrides, oldest first.
    pub fn overrides(&self, kind: AlertRuleKind) -> &[RuleOverride] {
        self.overrides.get(&kind).map_or(&[][..], Vec::as_slice)
    }

    /// The setting for one job.
    pub fn for_job(&self, kind: AlertRuleKind, job_id: i64, tags: &[String]) -> RuleSetting {
        rules::effective_setting(self.global(kind), self.overrides(kind), job_id, tags)
    }
}

/// Everything the engine reads besides the alerts themselves.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Rule settings.
    pub rules: RuleSettings,
    /// Routes.
    pub routes: Vec<Route>,
    /// Windows not yet ended.
    pub windows: Vec<Window>,
    /// How long after a resolution a returning condition reopens the alert.
    pub cooldown: Duration,
}

impl Context {
    /// Loads it.
    pub fn load(conn: &mut DbConn, now: DateTime<Utc>, cooldown: Duration) -> QueryResult<Self> {
        let windows: Vec<WindowRow> = maintenance_windows::table
            .filter(maintenance_windows::ends_at.gt(now))
            .select(WindowRow::as_select())
            .load(conn)?;
        Ok(Self {
            rules: RuleSettings::load(conn)?,
            routes: load_routes(conn)?,
            windows: windows.iter().map(WindowRow::to_window).collect(),
            cooldown,
        })
    }
}

/// A job's tags.
pub fn tags_of(conn: &mut DbConn, job_id: i64) -> QueryResult<Vec<String>> {
    job_tags::table.filter(job_tags::job_id.eq(job_id)).select(job_tags::tag).order(job_tags::tag).load(conn)
}

/// A condition that holds, with the severity that applies.
#[derive(Debug, Clone)]
pub struct Found {
    /// The condition.
    pub condition: conditions::Condition,
    /// Its severity.
    pub severity: Severity,
    /// The API key it is about.
    pub api_key_id: Option<i64>,
}

/// The enabled routes that take `event` about an alert of `kind` and `severity` about `job`.
pub fn matching_routes<'a>(
    context: &'a Context,
    kind: AlertRuleKind,
    severity: Severity,
    job: Option<(i64, &[String])>,
    event: NotificationEvent,
) -> Vec<&'a Route> {
    context
        .routes
        .iter()
        .filter(|route| route.enabled && route.matcher.matches(kind, severity, job))
        .filter(|route| event != NotificationEvent::Escalation || !route.escalation_channel_ids.is_empty())
        .collect()
}

/// Queues `event` about `alert` on every enabled route that matches it, and marks the
/// alert notified. Returns how many routes took it.
pub fn enqueue(
    conn: &mut DbConn,
    context: &Context,
    alert: &AlertRow,
    tags: &[String],
    event: NotificationEvent,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let job = alert.job_id.map(|id| (id, tags));
    queue_on_matching_routes(conn, context, (alert.id, alert.kind(), alert.severity()), job, event, now)
}

/// `enqueue` for an alert known by its id, kind and severity (a new one, not yet reloaded).
fn queue_on_matching_routes(
    conn: &mut DbConn,
    context: &Context,
    (alert_id, kind, severity): (i64, AlertRuleKind, Severity),
    job: Option<(i64, &[String])>,
    event: NotificationEvent,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let routes = matching_routes(context, kind, severity, job, event);
    for route in &routes {
        queue_for(conn, route, alert_id, severity, event, now)?;
    }
    if !routes.is_empty() {
        diesel::update(alerts::table.find(alert_id)).set(alerts::last_notified_at.eq(now)).execute(conn)?;
    }
    Ok(routes.len())
}

/// Queues one notification of `event` about `alert` on `route` (held by its quiet hours).
pub fn queue(
    conn: &mut DbConn,
    route: &Route,
    alert: &AlertRow,
    event: NotificationEvent,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    queue_for(conn, route, alert.id, alert.severity(), event, now)
}

fn queue_for(
    conn: &mut DbConn,
    route: &Route,
    alert_id: i64,
    severity: Severity,
    event: NotificationEvent,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(notification_queue::table)
        .values((
            notification_queue::route_id.eq(route.id),
            notification_queue::alert_id.eq(alert_id),
            notification_queue::event.eq(event.as_str()),
            notification_queue::created_at.eq(now),
            notification_queue::not_before.eq(rules::not_before(route.quiet_hours.as_ref(), severity, now)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The latest resolved alert of each of `keys` (one query).
fn latest_resolved(conn: &mut DbConn, keys: &[&str]) -> QueryResult<HashMap<String, ResolvedAlert>> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, String, String, Option<DateTime<Utc>>)> = alerts::table
        .filter(alerts::dedup_key.eq_any(keys))
        .filter(alerts::status.eq(AlertStatus::Resolved.as_str()))
        .order(alerts::id.asc())
        .select((alerts::id, alerts::dedup_key, alerts::occurrence, alerts::resolved_at))
        .load(conn)?;
    // Ascending ids: the last one per key wins.
    Ok(rows
        .into_iter()
        .filter_map(|(id, key, occurrence, at)| {
            at.map(|resolved_at| (key, ResolvedAlert { id, occurrence, resolved_at }))
        })
        .collect())
}

/// What `reconcile` changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Changes {
    /// Alerts opened (or reopened).
    pub fired: usize,
    /// Alerts resolved.
    pub resolved: usize,
    /// Notifications queued.
    pub queued: usize,
}

/// Applies the lifecycle to `found` (the conditions that hold now) against `open` (the
/// open alerts of the same subject: a job's, or a system rule's), inside the caller's
/// write transaction. `job` is the job and its tags, for routing and silences.
pub fn reconcile(
    conn: &mut DbConn,
    context: &Context,
    job: Option<(i64, &[String])>,
    found: &[Found],
    open: &[AlertRow],
    now: DateTime<Utc>,
) -> QueryResult<Changes> {
    let mut changes = Changes::default();
    let tags: &[String] = job.map_or(&[], |(_, tags)| tags);
    let without_open: Vec<&str> = found
        .iter()
        .map(|item| item.condition.key.as_str())
        .filter(|key| !open.iter().any(|alert| alert.dedup_key == *key))
        .collect();
    let resolved = latest_resolved(conn, &without_open)?;
    for item in found {
        let condition = &item.condition;
        let open_alert = open.iter().find(|alert| alert.dedup_key == condition.key);
        // A condition without its own occurrence only continues an open alert.
        let occurrence = condition.occurrence.clone().or_else(|| open_alert.map(|alert| alert.occurrence.clone()));
        let Some(occurrence) = occurrence else { continue };
        let last_resolved = if open_alert.is_none() { resolved.get(&condition.key) } else { None };
        let decision = rules::decide(
            Some(&occurrence),
            open_alert.map(|alert| OpenAlert { id: alert.id, occurrence: alert.occurrence.clone() }).as_ref(),
            last_resolved,
            now,
            context.cooldown,
        );
        match decision {
            Decision::Open => {
                let silenced = rules::silenced(&context.windows, job, now);
                let evidence = condition.evidence.as_ref().and_then(|e| serde_json::to_string(e).ok());
                let id: i64 = diesel::insert_into(alerts::table)
                    .values((
                        alerts::dedup_key.eq(&condition.key),
                        alerts::rule_kind.eq(condition.kind.as_str()),
                        alerts::severity.eq(item.severity.as_str()),
                        alerts::status.eq(AlertStatus::Firing.as_str()),
                        alerts::job_id.eq(job.map(|(id, _)| id)),
                        alerts::copy_id.eq(condition.copy_id),
                        alerts::api_key_id.eq(item.api_key_id),
                        alerts::subject.eq(&condition.subject),
                        alerts::summary.eq(&condition.summary_en),
                        alerts::summary_ja.eq(&condition.summary_ja),
                        alerts::evidence.eq(evidence),
                        alerts::occurrence.eq(&occurrence),
                        alerts::fired_at.eq(now),
                        alerts::last_occurred_at.eq(now),
                        alerts::silenced.eq(silenced),
                    ))
                    .returning(alerts::id)
                    .get_result(conn)?;
                changes.fired += 1;
                if silenced {
                    record_event(
                        conn,
                        id,
                        now,
                        AlertEventKind::Silenced,
                        None,
                        "inside a maintenance window: not sent",
                    )?;
                } else {
                    record_event(conn, id, now, AlertEventKind::Fired, None, &condition.summary_en)?;
                    let alert = (id, condition.kind, item.severity);
                    changes.queued +=
                        queue_on_matching_routes(conn, context, alert, job, NotificationEvent::Fired, now)?;
                }
            }
            Decision::Reopen(id) => {
                diesel::update(alerts::table.find(id))
                    .set((
                        alerts::status.eq(AlertStatus::Firing.as_str()),
                        alerts::occurrence.eq(&occurrence),
                        alerts::last_occurred_at.eq(now),
                        alerts::occurrences.eq(alerts::occurrences + 1),
                        alerts::resolved_at.eq(None::<DateTime<Utc>>),
                        alerts::resolved_by.eq(None::<String>),
                        alerts::resolve_note.eq(None::<String>),
                        alerts::acknowledged_at.eq(None::<DateTime<Utc>>),
                        alerts::acknowledged_by.eq(None::<String>),
                        alerts::acknowledge_note.eq(None::<String>),
                    ))
                    .execute(conn)?;
                changes.fired += 1;
                record_event(
                    conn,
                    id,
                    now,
                    AlertEventKind::Refired,
                    None,
                    "back within the cooldown after it was resolved (flapping): reopened, no new message",
                )?;
            }
            Decision::Recur(id) => {
                diesel::update(alerts::table.find(id))
                    .set((
                        alerts::occurrence.eq(&occurrence),
                        alerts::last_occurred_at.eq(now),
                        alerts::occurrences.eq(alerts::occurrences + 1),
                        alerts::summary.eq(&condition.summary_en),
                        alerts::summary_ja.eq(&condition.summary_ja),
                    ))
                    .execute(conn)?;
            }
            Decision::Resolve(_) | Decision::Nothing => {}
        }
    }
    for alert in open {
        if found.iter().any(|item| item.condition.key == alert.dedup_key) {
            continue;
        }
        changes.resolved += 1;
        resolve(conn, context, alert, tags, None, None, now)?;
    }
    Ok(changes)
}

/// Resolves an open alert (by `actor` with a note, or automatically) and queues the
/// recovery message when its firing was sent.
pub fn resolve(
    conn: &mut DbConn,
    context: &Context,
    alert: &AlertRow,
    tags: &[String],
    actor: Option<&str>,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(alerts::table.find(alert.id))
        .set((
            alerts::status.eq(AlertStatus::Resolved.as_str()),
            alerts::resolved_at.eq(now),
            alerts::resolved_by.eq(actor),
            alerts::resolve_note.eq(note),
        ))
        .execute(conn)?;
    let detail = match (actor, note) {
        (None, _) => "the condition cleared".to_owned(),
        (Some(_), Some(note)) => note.to_owned(),
        (Some(_), None) => String::new(),
    };
    record_event(conn, alert.id, now, AlertEventKind::Resolved, actor, &detail)?;
    if alert.silenced || alert.last_notified_at.is_none() {
        return Ok(0);
    }
    enqueue(conn, context, alert, tags, NotificationEvent::Resolved, now)
}

/// Open alerts with these dedup-key prefixes (a job's, or a system rule's).
pub fn open_alerts_of_job(conn: &mut DbConn, job_id: i64) -> QueryResult<Vec<AlertRow>> {
    alerts::table
        .filter(alerts::job_id.eq(job_id))
        .filter(alerts::status.ne(AlertStatus::Resolved.as_str()))
        .select(AlertRow::as_select())
        .load(conn)
}

/// Open alerts of one rule kind (system rules).
pub fn open_alerts_of_kind(conn: &mut DbConn, kind: AlertRuleKind) -> QueryResult<Vec<AlertRow>> {
    alerts::table
        .filter(alerts::rule_kind.eq(kind.as_str()))
        .filter(alerts::status.ne(AlertStatus::Resolved.as_str()))
        .select(AlertRow::as_select())
        .load(conn)
}
