//! The alert engine: told of every stored job status (it is the tracking evaluator's
//! `StatusObserver`, so its alert changes and queued notifications commit with the status),
//! and the periodic work on the scheduler — reminders, escalation, the end of maintenance
//! windows, alerts of deleted jobs, the system rules (API keys expiring, free space on
//! the database volume) and the media rules (`media_checks`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bms_types::alerts::{AlertEventKind, AlertRuleKind, AlertStatus, NotificationEvent};
use bms_types::jobs::{RuleOutcomeDto, RuleVerdictDto};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::alerts::conditions::{Condition, JobView, job_conditions};
use crate::alerts::{
    AlertRow, Context, Found, enqueue, open_alerts_of_job, open_alerts_of_kind, queue, reconcile, record_event,
    resolve, rules,
};
use crate::db::schema::{alerts, api_keys, job_tags};
use crate::db::{DbConn, DbPool, write_transaction};
use crate::tracking::evaluator::{StatusObserver, StatusRow, StatusUpdate};

/// How long a cached `Context` is trusted when nothing in this process changed it (another
/// process may have).
const CONTEXT_TTL_SECONDS: i64 = 30;

/// A loaded context: its configuration generation and when it was loaded.
type CachedContext = (u64, DateTime<Utc>, Arc<Context>);

/// The engine.
pub struct AlertEngine {
    cooldown: Duration,
    cache: Mutex<Option<CachedContext>>,
}

impl std::fmt::Debug for AlertEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlertEngine").field("cooldown", &self.cooldown).finish_non_exhaustive()
    }
}

impl AlertEngine {
    /// An engine with this flapping cooldown.
    pub fn new(cooldown: Duration) -> Self {
        Self { cooldown, cache: Mutex::new(None) }
    }

    /// The configuration, cached until it changes.
    pub fn context(&self, conn: &mut DbConn, now: DateTime<Utc>) -> QueryResult<Arc<Context>> {
        let generation = crate::alerts::configuration_generation();
        if let Ok(cache) = self.cache.lock()
            && let Some((cached_generation, loaded_at, context)) = cache.as_ref()
            && *cached_generation == generation
            && now - *loaded_at < Duration::seconds(CONTEXT_TTL_SECONDS)
            && *loaded_at <= now
        {
            return Ok(Arc::clone(context));
        }
        let context = Arc::new(Context::load(conn, now, self.cooldown)?);
        if let Ok(mut cache) = self.cache.lock() {
            *cache = Some((generation, now, Arc::clone(&context)));
        }
        Ok(context)
    }
}

impl StatusObserver for AlertEngine {
    fn status_stored(&self, conn: &mut DbConn, previous: Option<&StatusRow>, update: &StatusUpdate) -> QueryResult<()> {
        let now = update.evaluated_at;
        let context = self.context(conn, now)?;
        let tags = &update.tags;
        let rules_now = &update.rules;
        // The previous verdict matters only for a rule failing now (did it get worse?): the
        // stored JSON is parsed only then.
        let rules_before: Option<Vec<RuleVerdictDto>> =
            if rules_now.iter().any(|rule| rule.outcome == RuleOutcomeDto::Fail) {
                previous.map(|row| serde_json::from_str(&row.compliance).unwrap_or_default())
            } else {
                None
            };
        let view = JobView {
            job_id: update.job_id,
            job_name: &update.job_name,
            state: update.state,
            last_result: update.last_result,
            last_run_id: update.last_run_id,
            next_expected_at: update.next_expected_at,
            consecutive_failures: update.consecutive_failures,
            rules_now,
            rules_before: rules_before.as_deref(),
            stale_copies: &update.stale_copies,
            evaluated_at: now,
            restore_reason: update.restore_reason,
            restore_test_id: update.restore_test_id,
            restore_due_at: update.restore_due_at,
        };
        let setting = |kind| context.rules.for_job(kind, update.job_id, tags);
        let conditions = job_conditions(&view, &|kind| {
            let setting = setting(kind);
            setting.enabled.then_some(setting.threshold)
        });
        let found: Vec<Found> = conditions
            .into_iter()
            .map(|condition| Found { severity: setting(condition.kind).severity, condition, api_key_id: None })
            .collect();
        // The common case (a healthy job with nothing open) costs this one indexed query.
        let open = open_alerts_of_job(conn, update.job_id)?;
        if found.is_empty() && open.is_empty() {
            return Ok(());
        }
        reconcile(conn, &context, Some((update.job_id, tags)), &found, &open, now).map(|_| ())
    }
}

fn all_tags(conn: &mut DbConn) -> QueryResult<HashMap<i64, Vec<String>>> {
    let rows: Vec<(i64, String)> = job_tags::table.select((job_tags::job_id, job_tags::tag)).load(conn)?;
    let mut map: HashMap<i64, Vec<String>> = HashMap::new();
    for (job, tag) in rows {
        map.entry(job).or_default().push(tag);
    }
    Ok(map)
}

/// What the follow-up pass did (for tests and the task log).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FollowUp {
    /// Reminders queued.
    pub reminders: usize,
    /// Alerts escalated.
    pub escalated: usize,
    /// Silenced alerts sent because their window ended.
    pub unsilenced: usize,
    /// Alerts of deleted jobs resolved.
    pub orphans: usize,
}

/// Reminders, escalations, ended windows and deleted jobs, in one write transaction.
pub fn follow_up(conn: &mut DbConn, engine: &AlertEngine, now: DateTime<Utc>) -> QueryResult<FollowUp> {
    write_transaction(conn, |conn| {
        let context = engine.context(conn, now)?;
        let tags = all_tags(conn)?;
        let mut done = FollowUp::default();
        let firing: Vec<AlertRow> = alerts::table
            .filter(alerts::status.eq(AlertStatus::Firing.as_str()))
            .select(AlertRow::as_select())
            .order(alerts::id)
            .load(conn)?;
        let empty = Vec::new();
        for alert in &firing {
            let alert_tags = alert.job_id.and_then(|id| tags.get(&id)).unwrap_or(&empty);
            let job = alert.job_id.map(|id| (id, alert_tags.as_slice()));
            if alert.job_id.is_none() && rules::spec(alert.kind()).per_job {
                resolve(conn, &context, alert, alert_tags, None, Some("the job was deleted"), now)?;
                done.orphans += 1;
                continue;
            }
            if alert.silenced {
                if !rules::silenced(&context.windows, job, now) {
                    diesel::update(alerts::table.find(alert.id)).set(alerts::silenced.eq(false)).execute(conn)?;
                    record_event(
                        conn,
                        alert.id,
                        now,
                        AlertEventKind::Fired,
                        None,
                        "the maintenance window ended: sent",
                    )?;
                    let refreshed = AlertRow { silenced: false, ..alert.clone() };
                    enqueue(conn, &context, &refreshed, alert_tags, NotificationEvent::Fired, now)?;
                    done.unsilenced += 1;
                }
                continue;
            }
            for route in context
                .routes
                .iter()
                .filter(|route| route.enabled && route.matcher.matches(alert.kind(), alert.severity(), job))
            {
                if let Some(after) = route.escalate_after
                    && alert.escalated_at.is_none()
                    && !route.escalation_channel_ids.is_empty()
                    && rules::escalation_due(alert.fired_at, after, now)
                {
                    queue(conn, route, alert, NotificationEvent::Escalation, now)?;
                    diesel::update(alerts::table.find(alert.id)).set(alerts::escalated_at.eq(now)).execute(conn)?;
                    record_event(
                        conn,
                        alert.id,
                        now,
                        AlertEventKind::Escalated,
                        None,
                        &format!("unacknowledged for {} minutes: route {}", after.num_minutes(), route.name),
                    )?;
                    done.escalated += 1;
                }
                if let Some(every) = route.renotify_every
                    && rules::reminder_due(alert.last_notified_at, alert.fired_at, every, now)
                {
                    queue(conn, route, alert, NotificationEvent::Reminder, now)?;
                    diesel::update(alerts::table.find(alert.id)).set(alerts::last_notified_at.eq(now)).execute(conn)?;
                    record_event(
                        conn,
                        alert.id,
                        now,
                        AlertEventKind::Reminded,
                        None,
                        &format!("route {}", route.name),
                    )?;
                    done.reminders += 1;
                }
            }
        }
        Ok(done)
    })
}

/// Free and total bytes of the volume holding `path`.
pub fn volume_space(path: &std::path::Path) -> std::io::Result<(u64, u64)> {
    Ok((fs4::available_space(path)?, fs4::total_space(path)?))
}

/// The system rules: API keys expiring within the threshold, free space on the database
/// volume below the threshold percent.
pub fn system_checks(
    conn: &mut DbConn,
    engine: &AlertEngine,
    database_dir: &std::path::Path,
    now: DateTime<Utc>,
) -> Result<(), String> {
    let space =
        volume_space(database_dir).map_err(|error| format!("free space of {}: {error}", database_dir.display()))?;
    write_transaction(conn, |conn| {
        let context = engine.context(conn, now)?;
        // API keys.
        let setting = context.rules.global(AlertRuleKind::ApiKeyExpiring);
        let mut found = Vec::new();
        if setting.enabled {
            let days = setting.threshold.unwrap_or(14);
            let keys: Vec<(i64, String, Option<DateTime<Utc>>)> = api_keys::table
                .filter(api_keys::revoked_at.is_null())
                .filter(api_keys::expires_at.le(now + Duration::days(days)))
                .filter(api_keys::expires_at.gt(now - Duration::days(7)))
                .select((api_keys::id, api_keys::name, api_keys::expires_at))
                .load(conn)?;
            for (id, name, expires) in keys {
                let at = expires.map_or_else(String::new, |at| at.format("%Y-%m-%d %H:%M UTC").to_string());
                found.push(Found {
                    condition: Condition {
                        kind: AlertRuleKind::ApiKeyExpiring,
                        key: format!("api_key_expiring:key:{id}"),
                        occurrence: Some(format!("expires:{at}")),
                        copy_id: None,
                        subject: None,
                        summary_en: format!("API key {name} expires at {at}"),
                        summary_ja: format!("API キー {name} の有効期限は {at} です"),
                        evidence: None,
                    },
                    severity: setting.severity,
                    api_key_id: Some(id),
                });
            }
        }
        let open = open_alerts_of_kind(conn, AlertRuleKind::ApiKeyExpiring)?;
        reconcile(conn, &context, None, &found, &open, now)?;
        // Disk space.
        let setting = context.rules.global(AlertRuleKind::DiskSpaceLow);
        let (free, total) = space;
        let percent_free = free.saturating_mul(100).checked_div(total).map_or(100, |p| i64::try_from(p).unwrap_or(100));
        let mut found = Vec::new();
        if setting.enabled && percent_free < setting.threshold.unwrap_or(10) {
            let gib = free as f64 / 1_073_741_824.0;
            let place = database_dir.display();
            found.push(Found {
                condition: Condition {
                    kind: AlertRuleKind::DiskSpaceLow,
                    key: "disk_space_low:database".into(),
                    occurrence: Some("low".into()),
                    copy_id: None,
                    subject: None,
                    summary_en: format!("{percent_free}% free ({gib:.1} GiB) on the database volume ({place})"),
                    summary_ja: format!(
                        "データベースのボリューム ({place}) の空き容量が {percent_free}% ({gib:.1} GiB) です"
                    ),
                    evidence: None,
                },
                severity: setting.severity,
                api_key_id: None,
            });
        }
        let open = open_alerts_of_kind(conn, AlertRuleKind::DiskSpaceLow)?;
        reconcile(conn, &context, None, &found, &open, now)?;
        Ok::<_, diesel::result::Error>(())
    })
    .map_err(|error| error.to_string())
}

/// The scheduler tasks of alerting.
pub fn tasks(
    pool: &DbPool,
    engine: &Arc<AlertEngine>,
    database_dir: PathBuf,
    timezone: chrono_tz::Tz,
) -> Vec<crate::scheduler::Task> {
    let (follow_pool, follow_engine) = (pool.clone(), Arc::clone(engine));
    let (system_pool, system_engine) = (pool.clone(), Arc::clone(engine));
    let (media_pool, media_engine) = (pool.clone(), Arc::clone(engine));
    vec![
        crate::scheduler::Task {
            name: "alerts_media_checks",
            description: "Alerts on overdue media loans, backups written to unsafe media and rotation sets not on site",
            schedule: crate::scheduler::TaskSchedule::Every(Duration::minutes(5)),
            run: Arc::new(move |now| {
                let mut conn = media_pool.get().map_err(|error| error.to_string())?;
                let today = now.with_timezone(&timezone).date_naive();
                crate::alerts::media_checks::media_checks(&mut conn, &media_engine, today, now)
            }),
        },
        crate::scheduler::Task {
            name: "alerts_follow_up",
            description: "Re-notifies open unacknowledged alerts, escalates, sends alerts whose maintenance window ended",
            schedule: crate::scheduler::TaskSchedule::Every(Duration::seconds(30)),
            run: Arc::new(move |now| {
                let mut conn = follow_pool.get().map_err(|error| error.to_string())?;
                follow_up(&mut conn, &follow_engine, now).map(|_| ()).map_err(|error| error.to_string())
            }),
        },
        crate::scheduler::Task {
            name: "alerts_system_checks",
            description: "Alerts on API keys about to expire and low free space on the database volume",
            schedule: crate::scheduler::TaskSchedule::Every(Duration::minutes(5)),
            run: Arc::new(move |now| {
                let mut conn = system_pool.get().map_err(|error| error.to_string())?;
                system_checks(&mut conn, &system_engine, &database_dir, now)
            }),
        },
    ]
}
