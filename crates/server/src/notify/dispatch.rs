//! The delivery side of the outbox. `make_batches` turns a route's queued alert changes,
//! once its group window has passed (and at most once per group interval), into rendered
//! deliveries — one per channel, and for e-mail one per language of its recipients — in one
//! transaction that also marks the queue rows taken. `deliver_due` sends due deliveries
//! and records each attempt; a failure is retried with exponential backoff until `dead`.
//! Only the scheduler's lease holder runs the worker, so two processes never both send.
//! A delivery is marked delivered after the receiver accepted it: a crash in between sends
//! it again after restart (at least once; the `Idempotency-Key` header lets receivers
//! drop the repeat), and a delivered one is never sent again.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration as StdDuration, Instant};

use bms_types::alerts::{AlertEventKind, ChannelKind, DeliveryStatus, MessageLanguage, NotificationEvent};
use bms_types::users::Role;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};

use crate::alerts::rules::{batch_due, retry_delay};
use crate::alerts::{AlertRow, Route, load_routes, record_event};
use crate::clock::SharedClock;
use crate::db::schema::{
    alerts, deliveries, delivery_attempts, job_tags, jobs, notification_channels, notification_queue,
    notification_routes, route_subscriptions, users,
};
use crate::db::{DbConn, DbPool, write_transaction};
use crate::error::ApiError;
use crate::notify::render::{self, AlertLine};
use crate::notify::send::{self, Outcome, Payload};
use crate::notify::{ChannelRow, DeliverySettings};

/// Labels of a delivery attempt.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DeliveryLabels {
    /// `email`, `teams`, `slack`, `webhook`.
    pub channel_kind: String,
    /// `delivered`, `failed` (will retry), `dead`.
    pub outcome: String,
}

/// Delivery counters and the latency from the alert change to acceptance.
#[derive(Clone)]
pub struct NotifyMetrics {
    /// Attempts by channel kind and outcome.
    pub attempts: Family<DeliveryLabels, Counter>,
    /// Seconds from the delivery's creation (the alert change committed) to acceptance.
    pub latency: Histogram,
}

impl Default for NotifyMetrics {
    fn default() -> Self {
        // 10 ms to ~90 min.
        Self { attempts: Family::default(), latency: Histogram::new(exponential_buckets(0.01, 2.0, 20)) }
    }
}

impl std::fmt::Debug for NotifyMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NotifyMetrics")
    }
}

/// A stored delivery.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = deliveries)]
pub struct DeliveryRow {
    pub id: i64,
    pub channel_id: i64,
    pub route_id: Option<i64>,
    pub event: String,
    pub alert_ids: String,
    pub recipients: String,
    pub subject: String,
    pub payload: String,
    pub idempotency_key: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// One message to store.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub channel_id: i64,
    pub route_id: Option<i64>,
    pub event: NotificationEvent,
    pub alert_ids: Vec<i64>,
    pub recipients: Vec<String>,
    pub subject: String,
    pub payload: Payload,
    pub idempotency_key: String,
}

/// Stores a delivery, due now.
pub fn insert_delivery(conn: &mut DbConn, delivery: &NewDelivery, now: DateTime<Utc>) -> Result<i64, ApiError> {
    Ok(diesel::insert_into(deliveries::table)
        .values((
            deliveries::channel_id.eq(delivery.channel_id),
            deliveries::route_id.eq(delivery.route_id),
            deliveries::event.eq(delivery.event.as_str()),
            deliveries::alert_ids.eq(serde_json::to_string(&delivery.alert_ids).map_err(ApiError::internal)?),
            deliveries::recipients.eq(serde_json::to_string(&delivery.recipients).map_err(ApiError::internal)?),
            deliveries::subject.eq(&delivery.subject),
            deliveries::payload.eq(serde_json::to_string(&delivery.payload).map_err(ApiError::internal)?),
            deliveries::idempotency_key.eq(&delivery.idempotency_key),
            deliveries::status.eq(DeliveryStatus::Pending.as_str()),
            deliveries::next_attempt_at.eq(now),
            deliveries::created_at.eq(now),
        ))
        .returning(deliveries::id)
        .get_result(conn)?)
}

fn mail_domain(from: &str) -> String {
    let address = from.rsplit('<').next().unwrap_or(from).trim_end_matches('>');
    address.rsplit_once('@').map_or_else(|| "bms.invalid".to_owned(), |(_, domain)| domain.trim().to_owned())
}

/// Renders one channel's deliveries for `alerts` (e-mail: one per recipient language).
#[allow(clippy::too_many_arguments)]
pub fn render_for_channel(
    channel: &ChannelRow,
    route_id: Option<i64>,
    event: NotificationEvent,
    alerts: &[AlertLine],
    tag: Option<&str>,
    people: &[(String, MessageLanguage)],
    public_url: &str,
) -> Vec<NewDelivery> {
    let alert_ids: Vec<i64> = alerts.iter().map(|line| line.id).collect();
    let key = || hex::encode(rand::random::<[u8; 16]>());
    match channel.kind() {
        ChannelKind::Email => {
            let settings = channel.settings();
            let Some(email) = settings.email else { return Vec::new() };
            let mut by_language: BTreeMap<&'static str, (MessageLanguage, Vec<String>)> = BTreeMap::new();
            let mut add = |address: &str, language: MessageLanguage| {
                let entry = by_language.entry(language.as_str()).or_insert((language, Vec::new()));
                if !entry.1.iter().any(|known| known.eq_ignore_ascii_case(address)) {
                    entry.1.push(address.to_owned());
                }
            };
            for address in &email.to_addresses {
                add(address, channel.language());
            }
            for (address, language) in people {
                add(address, *language);
            }
            let domain = mail_domain(&email.from_address);
            by_language
                .into_values()
                .map(|(language, recipients)| {
                    let rendered = render::email(event, alerts, tag, language, public_url);
                    let idempotency_key = key();
                    // One alert: its messages thread under the first ("fired") one.
                    let root = match alerts {
                        [one] => Some(format!("bms-alert-{}-c{}-{}@{domain}", one.id, channel.id, language.as_str())),
                        _ => None,
                    };
                    let (message_id, in_reply_to) = match (&root, event) {
                        (Some(root), NotificationEvent::Fired) => (root.clone(), None),
                        (root, _) => (format!("bms-{idempotency_key}@{domain}"), root.clone()),
                    };
                    NewDelivery {
                        channel_id: channel.id,
                        route_id,
                        event,
                        alert_ids: alert_ids.clone(),
                        recipients,
                        subject: rendered.subject,
                        payload: Payload::Email { text: rendered.text, html: rendered.html, message_id, in_reply_to },
                        idempotency_key,
                    }
                })
                .collect()
        }
        kind => {
            let language = channel.language();
            let idempotency_key = key();
            let body = match kind {
                ChannelKind::Teams => render::teams(event, alerts, tag, language, public_url),
                ChannelKind::Slack => render::slack(event, alerts, tag, language, public_url),
                _ => render::webhook(event, alerts, tag, language, public_url, &idempotency_key),
            };
            vec![NewDelivery {
                channel_id: channel.id,
                route_id,
                event,
                alert_ids,
                recipients: Vec::new(),
                subject: render::subject(event, alerts, tag, language),
                payload: Payload::Json { body: body.to_string() },
                idempotency_key,
            }]
        }
    }
}

fn parse_language(text: &str) -> MessageLanguage {
    MessageLanguage::parse(text).unwrap_or(MessageLanguage::Ja)
}

/// The people a route e-mails besides fixed addresses: staff (when it asks) and its
/// subscribers, each with their language.
fn people_of(conn: &mut DbConn, route: &Route) -> QueryResult<Vec<(String, MessageLanguage)>> {
    let mut people: Vec<(String, String)> = Vec::new();
    if route.notify_staff {
        people.extend(
            users::table
                .filter(users::is_active.eq(true))
                .filter(users::role.eq_any([Role::Admin.as_str(), Role::Operator.as_str()]))
                .filter(users::email.ne(""))
                .filter(users::alert_email_opt_out.eq(false))
                .select((users::email, users::message_language))
                .load::<(String, String)>(conn)?,
        );
    }
    people.extend(
        route_subscriptions::table
            .inner_join(users::table)
            .filter(route_subscriptions::route_id.eq(route.id))
            .filter(users::is_active.eq(true))
            .filter(users::email.ne(""))
            .select((users::email, users::message_language))
            .load::<(String, String)>(conn)?,
    );
    Ok(people.into_iter().map(|(email, language)| (email, parse_language(&language))).collect())
}

fn alert_lines(conn: &mut DbConn, ids: &[i64]) -> QueryResult<(Vec<AlertLine>, Vec<Option<i64>>)> {
    let mut rows: Vec<AlertRow> = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(5_000) {
        rows.extend(alerts::table.filter(alerts::id.eq_any(chunk)).select(AlertRow::as_select()).load(conn)?);
    }
    rows.sort_by_key(|row| row.id);
    let job_ids: Vec<i64> = rows.iter().filter_map(|row| row.job_id).collect();
    let mut names: HashMap<i64, String> = HashMap::new();
    for chunk in job_ids.chunks(5_000) {
        names.extend(
            jobs::table.filter(jobs::id.eq_any(chunk)).select((jobs::id, jobs::name)).load::<(i64, String)>(conn)?,
        );
    }
    let lines = rows
        .iter()
        .map(|row| AlertLine {
            id: row.id,
            severity: row.severity(),
            rule: row.kind(),
            status: row.status(),
            job_id: row.job_id,
            job_name: row.job_id.and_then(|id| names.get(&id).cloned()),
            summary_en: row.summary.clone(),
            summary_ja: row.summary_ja.clone(),
            fired_at: row.fired_at,
        })
        .collect();
    Ok((lines, rows.iter().map(|row| row.job_id).collect()))
}

/// A tag every job of the group shares (for the subject), if any.
fn common_tag(conn: &mut DbConn, job_ids: &[Option<i64>]) -> QueryResult<Option<String>> {
    let ids: Vec<i64> = job_ids.iter().flatten().copied().collect();
    if ids.len() < 2 || ids.len() != job_ids.len() {
        return Ok(None);
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for chunk in ids.chunks(5_000) {
        for tag in job_tags::table.filter(job_tags::job_id.eq_any(chunk)).select(job_tags::tag).load::<String>(conn)? {
            *counts.entry(tag.to_lowercase()).or_default() += 1;
        }
    }
    Ok(counts.into_iter().find(|(_, count)| *count == ids.len()).map(|(tag, _)| tag))
}

const EVENTS: [NotificationEvent; 4] =
    [NotificationEvent::Fired, NotificationEvent::Resolved, NotificationEvent::Reminder, NotificationEvent::Escalation];

/// Turns every route's due queue rows into deliveries; returns the deliveries made.
pub fn make_batches(conn: &mut DbConn, settings: &DeliverySettings, now: DateTime<Utc>) -> Result<usize, ApiError> {
    type Waiting = (i64, i64, i64, String, DateTime<Utc>);
    let waiting: Vec<Waiting> = notification_queue::table
        .filter(notification_queue::batched_at.is_null())
        .filter(notification_queue::not_before.le(now))
        .select((
            notification_queue::id,
            notification_queue::route_id,
            notification_queue::alert_id,
            notification_queue::event,
            notification_queue::created_at,
        ))
        .order(notification_queue::id)
        .load(conn)?;
    if waiting.is_empty() {
        return Ok(0);
    }
    write_transaction(conn, |conn| {
        let routes: HashMap<i64, Route> = load_routes(conn)?.into_iter().map(|route| (route.id, route)).collect();
        let channels: HashMap<i64, ChannelRow> = notification_channels::table
            .select(ChannelRow::as_select())
            .load::<ChannelRow>(conn)?
            .into_iter()
            .map(|row| (row.id, row))
            .collect();
        let env_mail =
            channels.values().find(|row| row.managed_by_env && row.enabled && row.kind() == ChannelKind::Email);
        let mut by_route: BTreeMap<i64, Vec<&Waiting>> = BTreeMap::new();
        for row in &waiting {
            by_route.entry(row.1).or_default().push(row);
        }
        let mut made = 0;
        for (route_id, rows) in by_route {
            let Some(route) = routes.get(&route_id) else { continue };
            let oldest = rows.iter().map(|row| row.4).min().unwrap_or(now);
            if !batch_due(oldest, route.last_batch_at, route.group_wait, route.group_interval, now) {
                continue;
            }
            let people = people_of(conn, route)?;
            for event in EVENTS {
                let mut ids: Vec<i64> = rows.iter().filter(|row| row.3 == event.as_str()).map(|row| row.2).collect();
                ids.sort_unstable();
                ids.dedup();
                if ids.is_empty() {
                    continue;
                }
                let (lines, job_ids) = alert_lines(conn, &ids)?;
                let tag = common_tag(conn, &job_ids)?;
                let targets = if event == NotificationEvent::Escalation {
                    &route.escalation_channel_ids
                } else {
                    &route.channel_ids
                };
                let mut chosen: Vec<&ChannelRow> =
                    targets.iter().filter_map(|id| channels.get(id)).filter(|row| row.enabled).collect();
                // Staff and subscribers need an e-mail channel: the route's, else the MAIL_* one.
                if !people.is_empty()
                    && !chosen.iter().any(|row| row.kind() == ChannelKind::Email)
                    && let Some(mail) = env_mail
                {
                    chosen.push(mail);
                }
                for channel in chosen {
                    let people = if channel.kind() == ChannelKind::Email { people.as_slice() } else { &[] };
                    for delivery in render_for_channel(
                        channel,
                        Some(route.id),
                        event,
                        &lines,
                        tag.as_deref(),
                        people,
                        &settings.alerting.public_url,
                    ) {
                        if delivery.recipients.is_empty() && channel.kind() == ChannelKind::Email {
                            continue;
                        }
                        insert_delivery(conn, &delivery, now)?;
                        made += 1;
                    }
                }
            }
            let ids: Vec<i64> = rows.iter().map(|row| row.0).collect();
            for chunk in ids.chunks(5_000) {
                diesel::update(notification_queue::table.filter(notification_queue::id.eq_any(chunk)))
                    .set(notification_queue::batched_at.eq(now))
                    .execute(conn)?;
            }
            diesel::update(notification_routes::table.find(route.id))
                .set(notification_routes::last_batch_at.eq(now))
                .execute(conn)?;
        }
        Ok(made)
    })
}

/// Sends one delivery now (no database access).
pub fn attempt(
    delivery: &DeliveryRow,
    channel: &ChannelRow,
    settings: &DeliverySettings,
    client: &reqwest::blocking::Client,
    now: DateTime<Utc>,
) -> Outcome {
    if !channel.enabled {
        return Outcome { ok: false, status: None, error: Some("the channel is disabled".into()) };
    }
    let secrets = match channel.secrets(&settings.secret_box) {
        Ok(secrets) => secrets,
        Err(error) => return Outcome { ok: false, status: None, error: Some(error) },
    };
    let payload: Payload = match serde_json::from_str(&delivery.payload) {
        Ok(payload) => payload,
        Err(_) => return Outcome { ok: false, status: None, error: Some("the stored message is not valid".into()) },
    };
    match channel.kind() {
        ChannelKind::Email => {
            let Some(email) = channel.settings().email else {
                return Outcome { ok: false, status: None, error: Some("the channel has no e-mail settings".into()) };
            };
            let recipients: Vec<String> = crate::alerts::json_list(&delivery.recipients);
            let timeout = StdDuration::from_secs(settings.alerting.timeout_seconds);
            send::email(&email, secrets.password.as_deref(), &recipients, &delivery.subject, &payload, timeout)
        }
        kind => {
            let (Some(url), Payload::Json { body }) = (secrets.url.as_deref(), &payload) else {
                return Outcome { ok: false, status: None, error: Some("the channel has no URL".into()) };
            };
            let signing = if kind == ChannelKind::Webhook { secrets.signing_secret.as_deref() } else { None };
            send::post_json(client, url, &secrets.headers, body, &delivery.idempotency_key, signing, now.timestamp())
        }
    }
}

/// Records an attempt and moves the delivery on (delivered, retrying, dead).
pub fn record_attempt(
    conn: &mut DbConn,
    delivery: &DeliveryRow,
    channel: &ChannelRow,
    outcome: &Outcome,
    duration_ms: i64,
    settings: &DeliverySettings,
    now: DateTime<Utc>,
) -> Result<DeliveryStatus, ApiError> {
    write_transaction(conn, |conn| {
        diesel::insert_into(delivery_attempts::table)
            .values((
                delivery_attempts::delivery_id.eq(delivery.id),
                delivery_attempts::at.eq(now),
                delivery_attempts::ok.eq(outcome.ok),
                delivery_attempts::status.eq(&outcome.status),
                delivery_attempts::error.eq(&outcome.error),
                delivery_attempts::duration_ms.eq(duration_ms),
            ))
            .execute(conn)?;
        let attempts = delivery.attempts + 1;
        let alerting = &settings.alerting;
        let (status, next) = if outcome.ok {
            (DeliveryStatus::Delivered, None)
        } else if attempts >= alerting.max_attempts {
            (DeliveryStatus::Dead, None)
        } else {
            let delay = retry_delay(
                attempts,
                Duration::seconds(alerting.retry_base_seconds),
                Duration::seconds(alerting.retry_max_seconds),
            );
            (DeliveryStatus::Retrying, Some(now + delay))
        };
        diesel::update(deliveries::table.find(delivery.id))
            .set((
                deliveries::status.eq(status.as_str()),
                deliveries::attempts.eq(attempts),
                deliveries::next_attempt_at.eq(next),
                deliveries::delivered_at.eq(outcome.ok.then_some(now)),
            ))
            .execute(conn)?;
        let via = format!("{} ({})", channel.name, channel.kind().as_str());
        let (kind, detail) = match status {
            DeliveryStatus::Delivered => (AlertEventKind::Notified, format!("{} via {via}", delivery.event)),
            DeliveryStatus::Dead => (
                AlertEventKind::DeliveryFailed,
                format!(
                    "via {via}: {} — gave up after {attempts} attempts",
                    outcome.error.as_deref().unwrap_or("failed")
                ),
            ),
            _ => (
                AlertEventKind::DeliveryFailed,
                format!("via {via}: {} — attempt {attempts}, retrying", outcome.error.as_deref().unwrap_or("failed")),
            ),
        };
        let alert_ids: Vec<i64> = crate::alerts::json_list(&delivery.alert_ids);
        for alert_id in alert_ids {
            record_event(conn, alert_id, now, kind, None, &detail)?;
        }
        Ok(status)
    })
}

/// Sends every due delivery (at most `limit`); returns how many were attempted.
pub fn deliver_due(
    pool: &DbPool,
    settings: &DeliverySettings,
    client: &reqwest::blocking::Client,
    clock: &SharedClock,
    metrics: &NotifyMetrics,
    limit: i64,
) -> Result<usize, ApiError> {
    let mut conn = pool.get()?;
    let now = clock.now();
    let due: Vec<DeliveryRow> = deliveries::table
        .filter(deliveries::status.eq_any([DeliveryStatus::Pending.as_str(), DeliveryStatus::Retrying.as_str()]))
        .filter(deliveries::next_attempt_at.le(now))
        .order((deliveries::next_attempt_at, deliveries::id))
        .limit(limit)
        .select(DeliveryRow::as_select())
        .load(&mut conn)?;
    for delivery in &due {
        let Some(channel) = notification_channels::table
            .find(delivery.channel_id)
            .select(ChannelRow::as_select())
            .first::<ChannelRow>(&mut conn)
            .optional()?
        else {
            continue;
        };
        let started = Instant::now();
        let outcome = attempt(delivery, &channel, settings, client, clock.now());
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let finished = clock.now();
        if !outcome.ok {
            log::warn!(
                "notification {} via channel {} ({}) failed: {}",
                delivery.id,
                channel.name,
                channel.kind().as_str(),
                outcome.error.as_deref().unwrap_or("unknown error")
            );
        }
        let status = record_attempt(&mut conn, delivery, &channel, &outcome, duration_ms, settings, finished)?;
        let label = match status {
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Dead => "dead",
            _ => "failed",
        };
        metrics
            .attempts
            .get_or_create(&DeliveryLabels {
                channel_kind: channel.kind().as_str().to_owned(),
                outcome: label.to_owned(),
            })
            .inc();
        if status == DeliveryStatus::Delivered {
            let seconds = (finished - delivery.created_at).num_milliseconds().max(0) as f64 / 1000.0;
            metrics.latency.observe(seconds);
        }
    }
    Ok(due.len())
}

/// The delivery worker.
#[derive(Clone)]
pub struct Worker {
    pool: DbPool,
    clock: SharedClock,
    settings: DeliverySettings,
    metrics: NotifyMetrics,
    holds_lease: Arc<AtomicBool>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker").finish_non_exhaustive()
    }
}

impl Worker {
    /// A worker that runs while `holds_lease` says this process holds the scheduler lease.
    pub fn new(
        pool: DbPool,
        clock: SharedClock,
        settings: DeliverySettings,
        metrics: NotifyMetrics,
        holds_lease: Arc<AtomicBool>,
    ) -> Self {
        Self { pool, clock, settings, metrics, holds_lease }
    }

    /// One pass: batch what is due, then send what is due.
    pub fn pass(&self, client: &reqwest::blocking::Client) -> Result<usize, ApiError> {
        let mut conn = self.pool.get()?;
        make_batches(&mut conn, &self.settings, self.clock.now())?;
        drop(conn);
        deliver_due(&self.pool, &self.settings, client, &self.clock, &self.metrics, 50)
    }

    /// Starts the worker thread: a pass every 200 ms while holding the lease.
    pub fn start(self) {
        let spawned = std::thread::Builder::new().name("bms-notify".into()).spawn(move || {
            let client = match send::http_client(StdDuration::from_secs(self.settings.alerting.timeout_seconds)) {
                Ok(client) => client,
                Err(error) => {
                    log::error!("notifications disabled: {error}");
                    return;
                }
            };
            loop {
                if self.holds_lease.load(Ordering::SeqCst)
                    && let Err(error) = self.pass(&client)
                {
                    log::error!("notification delivery: {error}");
                }
                std::thread::sleep(StdDuration::from_millis(200));
            }
        });
        if let Err(error) = spawned {
            log::error!("could not start the notification worker: {error}");
        }
    }
}
