//! Alerts, alert rules, notification channels, routes, maintenance windows and the
//! delivery log: the wire types of `/api/v1/alerts`, `/api/v1/notifications/*` and
//! `/api/v1/maintenance-windows`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::jobs::RuleVerdictDto;
use crate::wire_enum::wire_enum;

wire_enum! {
    /// How urgent an alert is.
    Severity {
        /// Someone must act now (ignores quiet hours).
        Critical => "critical",
        /// Needs attention soon.
        Warning => "warning",
        /// For the record.
        Info => "info",
    }
}

wire_enum! {
    /// The kinds of alert rule (a registry that later features extend).
    AlertRuleKind {
        /// The latest run failed.
        RunFailed => "run_failed",
        /// The last N runs all failed (N = threshold).
        ConsecutiveFailures => "consecutive_failures",
        /// The expected run is late (inside its grace period).
        Late => "late",
        /// The expected run never came.
        Missed => "missed",
        /// A run exceeds the job's maximum duration.
        RunningTooLong => "running_too_long",
        /// A 3-2-1-1-0 rule went from passing (or not proven) to failing.
        ComplianceWorse => "compliance_worse",
        /// A copy's last success left its freshness window.
        CopyStale => "copy_stale",
        /// An API key expires within N days (N = threshold).
        ApiKeyExpiring => "api_key_expiring",
        /// Free space on the database volume is below N percent (N = threshold).
        DiskSpaceLow => "disk_space_low",
        /// The job's latest counting restore test failed.
        RestoreTestFailed => "restore_test_failed",
        /// The job's restore test is overdue (or it was never tested one interval after it was created).
        RestoreTestOverdue => "restore_test_overdue",
        /// The job's restore test is due within 7 days.
        RestoreTestDueSoon => "restore_test_due_soon",
        /// A lent medium is past its expected return.
        MediaLoanOverdue => "media_loan_overdue",
        /// A backup run was written to a medium that is lent, retired, destroyed or under retention.
        MediaUnsafeWrite => "media_unsafe_write",
        /// A rotation set is due within a day while its media are off site or lent.
        RotationDue => "rotation_due",
    }
}

wire_enum! {
    /// Where an alert is in its life.
    AlertStatus {
        /// Open, nobody has taken it.
        Firing => "firing",
        /// Open, someone has taken it (re-notification and escalation stop).
        Acknowledged => "acknowledged",
        /// Closed: the condition cleared, or someone resolved it.
        Resolved => "resolved",
    }
}

wire_enum! {
    /// A step on an alert's timeline.
    AlertEventKind {
        /// The alert opened.
        Fired => "fired",
        /// It fired again inside the cooldown after it was resolved (flapping): reopened.
        Refired => "refired",
        /// It fired inside a maintenance window: recorded, nothing sent.
        Silenced => "silenced",
        /// A notification about it was delivered.
        Notified => "notified",
        /// A delivery attempt failed (it is retried until `dead`).
        DeliveryFailed => "delivery_failed",
        /// Someone acknowledged it.
        Acknowledged => "acknowledged",
        /// "Still failing": re-notified while open and unacknowledged.
        Reminded => "reminded",
        /// Unacknowledged too long: the route's escalation channels were notified.
        Escalated => "escalated",
        /// It was resolved (automatically or by someone).
        Resolved => "resolved",
    }
}

wire_enum! {
    /// A notification channel's kind.
    ChannelKind {
        /// E-mail over SMTP.
        Email => "email",
        /// Microsoft Teams Workflows (Power Automate) webhook with an Adaptive Card.
        Teams => "teams",
        /// Slack incoming webhook with Block Kit.
        Slack => "slack",
        /// Generic JSON webhook, signed with HMAC-SHA256.
        Webhook => "webhook",
    }
}

wire_enum! {
    /// How an e-mail channel talks to its SMTP server.
    EmailSecurity {
        /// Plain connection upgraded with STARTTLS (required).
        Starttls => "starttls",
        /// TLS from the first byte (SMTPS, usually port 465).
        Tls => "tls",
        /// No encryption (a relay on localhost).
        None => "none",
    }
}

wire_enum! {
    /// Language of notification messages.
    MessageLanguage {
        /// Japanese.
        Ja => "ja",
        /// English.
        En => "en",
    }
}

wire_enum! {
    /// What a notification is about.
    NotificationEvent {
        /// Alerts opened.
        Fired => "fired",
        /// Alerts resolved.
        Resolved => "resolved",
        /// Alerts still open and unacknowledged ("still failing").
        Reminder => "reminder",
        /// Alerts unacknowledged too long (to the escalation channels).
        Escalation => "escalation",
        /// A test message from the channel page.
        Test => "test",
    }
}

wire_enum! {
    /// Where a delivery stands.
    DeliveryStatus {
        /// Not tried yet.
        Pending => "pending",
        /// Failed at least once; tried again at `next_attempt_at`.
        Retrying => "retrying",
        /// Accepted by the receiver.
        Delivered => "delivered",
        /// Gave up after the last attempt.
        Dead => "dead",
    }
}

wire_enum! {
    /// What a maintenance window covers.
    SilenceScope {
        /// Every alert.
        All => "all",
        /// Alerts of jobs with one of `tags`.
        Tags => "tags",
        /// Alerts of the jobs in `job_ids`.
        Jobs => "jobs",
    }
}

wire_enum! {
    /// Day of the week of a recurring window.
    Weekday {
        /// Monday.
        Mon => "mon",
        /// Tuesday.
        Tue => "tue",
        /// Wednesday.
        Wed => "wed",
        /// Thursday.
        Thu => "thu",
        /// Friday.
        Fri => "fri",
        /// Saturday.
        Sat => "sat",
        /// Sunday.
        Sun => "sun",
    }
}

/// Open alerts counted by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeverityCounts {
    /// Critical.
    pub critical: u64,
    /// Warning.
    pub warning: u64,
    /// Info.
    pub info: u64,
}

/// `GET /api/v1/alerts/summary`: open alerts by severity (the dashboard tile).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertSummaryDto {
    /// Firing (unacknowledged).
    pub firing: SeverityCounts,
    /// Acknowledged, not yet resolved.
    pub acknowledged: SeverityCounts,
}

/// An alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertDto {
    /// Numeric id.
    pub id: i64,
    /// The rule that raised it.
    pub rule: AlertRuleKind,
    /// Its severity (the rule's, or the job's or tag's override).
    pub severity: Severity,
    /// Where it is in its life.
    pub status: AlertStatus,
    /// The job it is about, if any.
    pub job_id: Option<i64>,
    /// That job's name (absent once the job is deleted).
    pub job_name: Option<String>,
    /// The copy it is about (stale copy).
    pub copy_id: Option<i64>,
    /// The API key it is about (expiring key).
    pub api_key_id: Option<i64>,
    /// What within the job: the 3-2-1-1-0 rule for `compliance_worse`.
    pub subject: Option<String>,
    /// One line in English, e.g. "Job nas-01-daily: the latest run failed".
    pub summary: String,
    /// The rule's evidence for `compliance_worse` (reason, required, found, copies, runs).
    pub evidence: Option<RuleVerdictDto>,
    /// When it opened.
    pub fired_at: DateTime<Utc>,
    /// When the condition last occurred again (a new failed run while open, say).
    pub last_occurred_at: DateTime<Utc>,
    /// How often the condition occurred while this alert was open.
    pub occurrences: i64,
    /// Fired inside a maintenance window: recorded, not sent.
    pub silenced: bool,
    /// Who acknowledged it.
    pub acknowledged_by: Option<String>,
    /// When.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Their note.
    pub acknowledge_note: Option<String>,
    /// When it was resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Who resolved it (absent: automatically, the condition cleared).
    pub resolved_by: Option<String>,
    /// Their note.
    pub resolve_note: Option<String>,
    /// When the route's escalation target was notified.
    pub escalated_at: Option<DateTime<Utc>>,
    /// When a notification about it was last queued.
    pub last_notified_at: Option<DateTime<Utc>>,
}

/// A page of alerts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertList {
    /// The alerts on this page, newest first.
    pub data: Vec<AlertDto>,
    /// Pagination.
    pub meta: crate::PageMeta,
}

/// One step on an alert's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertEventDto {
    /// When.
    pub at: DateTime<Utc>,
    /// What happened.
    pub kind: AlertEventKind,
    /// Who did it (a username), when a person did.
    pub actor: Option<String>,
    /// Details: the channel notified, the error, the note.
    pub detail: String,
}

/// `GET /api/v1/alerts/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertDetailDto {
    /// The alert.
    pub alert: AlertDto,
    /// Everything that happened to it, oldest first.
    pub timeline: Vec<AlertEventDto>,
}

/// Body of acknowledge and resolve.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AlertNoteRequest {
    /// Optional note (at most 2,000 characters).
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST /api/v1/alerts/acknowledge`: acknowledge many at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BulkAcknowledgeRequest {
    /// Alert ids (1 to 500).
    pub ids: Vec<i64>,
    /// Optional note for all of them.
    #[serde(default)]
    pub note: Option<String>,
}

/// The result of a bulk acknowledgement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkAcknowledgeResult {
    /// Acknowledged now.
    pub acknowledged: Vec<i64>,
    /// Not firing (already acknowledged, resolved, or unknown): left as they were.
    pub skipped: Vec<i64>,
}

/// A rule's global setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertRuleDto {
    /// The rule.
    pub kind: AlertRuleKind,
    /// Whether it raises alerts.
    pub enabled: bool,
    /// Severity of its alerts.
    pub severity: Severity,
    /// Its number, when it has one (failures in a row, days before expiry, percent free).
    pub threshold: Option<i64>,
    /// What the number means, in English (absent: the rule has none).
    pub threshold_meaning: Option<String>,
    /// Per-job and per-tag overrides.
    pub overrides: Vec<AlertRuleOverrideDto>,
}

/// `PUT /api/v1/alerts/rules/{kind}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateAlertRuleRequest {
    /// Whether it raises alerts.
    pub enabled: bool,
    /// Severity of its alerts.
    pub severity: Severity,
    /// Its number (required for rules that have one, refused for the others).
    #[serde(default)]
    pub threshold: Option<i64>,
}

/// An override of a rule for one job or one tag (a job override wins over a tag's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertRuleOverrideDto {
    /// Numeric id.
    pub id: i64,
    /// The rule.
    pub kind: AlertRuleKind,
    /// The job it applies to (or `tag`).
    pub job_id: Option<i64>,
    /// The tag it applies to (or `job_id`).
    pub tag: Option<String>,
    /// Enabled or disabled for this scope (absent: as the rule).
    pub enabled: Option<bool>,
    /// Severity for this scope (absent: as the rule).
    pub severity: Option<Severity>,
    /// Threshold for this scope (absent: as the rule).
    pub threshold: Option<i64>,
}

/// `POST /api/v1/alerts/rules/{kind}/overrides`: exactly one of `job_id` and `tag`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateAlertRuleOverrideRequest {
    /// The job.
    #[serde(default)]
    pub job_id: Option<i64>,
    /// Or the tag.
    #[serde(default)]
    pub tag: Option<String>,
    /// Enabled or disabled for this scope.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Severity for this scope.
    #[serde(default)]
    pub severity: Option<Severity>,
    /// Threshold for this scope.
    #[serde(default)]
    pub threshold: Option<i64>,
}

/// The non-secret settings of an e-mail channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EmailSettingsDto {
    /// SMTP server host name.
    pub host: String,
    /// Port (1–65535).
    pub port: u16,
    /// STARTTLS, implicit TLS or none.
    pub security: EmailSecurity,
    /// SMTP AUTH user (absent: no AUTH).
    #[serde(default)]
    pub username: Option<String>,
    /// The From address.
    pub from_address: String,
    /// Fixed recipients (besides staff and subscribers when a route asks for them).
    #[serde(default)]
    pub to_addresses: Vec<String>,
    /// A PEM CA certificate to trust for this server (an internal CA or a self-signed
    /// relay); absent: the system's roots.
    #[serde(default)]
    pub ca_certificate_pem: Option<String>,
}

/// A notification channel as listed: secrets are never returned, only whether they are set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelDto {
    /// Numeric id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Kind.
    pub kind: ChannelKind,
    /// Language of its messages.
    pub language: MessageLanguage,
    /// Whether it sends.
    pub enabled: bool,
    /// Defined by the `MAIL_*` variables (edit them, not the channel).
    pub managed_by_env: bool,
    /// E-mail settings (kind `email`).
    pub email: Option<EmailSettingsDto>,
    /// For webhooks: the names of the custom headers (their values are secret).
    pub header_names: Vec<String>,
    /// Which secrets are set: `password`, `url`, `signing_secret`, `headers`.
    pub secrets_set: Vec<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// `POST /api/v1/notifications/channels` and `PUT .../{id}`. Secrets are write-only: on
/// update an absent secret keeps the stored one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChannelRequest {
    /// Unique name (1–100 characters).
    pub name: String,
    /// Kind (cannot change on update).
    pub kind: ChannelKind,
    /// Language of its messages (default `ja`).
    #[serde(default)]
    pub language: Option<MessageLanguage>,
    /// Whether it sends (default true).
    #[serde(default)]
    pub enabled: Option<bool>,
    /// E-mail settings (required for kind `email`, refused otherwise).
    #[serde(default)]
    pub email: Option<EmailSettingsDto>,
    /// SMTP password (secret; e-mail only).
    #[serde(default)]
    pub password: Option<String>,
    /// Webhook URL (secret; `https://`, or `http://` for a private address; Teams, Slack, webhook).
    #[serde(default)]
    pub url: Option<String>,
    /// HMAC-SHA256 signing secret (secret; webhook only; at least 16 characters).
    #[serde(default)]
    pub signing_secret: Option<String>,
    /// Custom request headers (secret values; webhook only).
    #[serde(default)]
    pub headers: Option<BTreeMap<String, String>>,
}

/// A page of channels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelList {
    /// Every channel, by name.
    pub data: Vec<ChannelDto>,
}

/// Quiet hours of a route: non-critical notifications wait until they end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuietHoursDto {
    /// Start, `HH:MM`.
    pub start: String,
    /// End, `HH:MM` (before `start`: over midnight).
    pub end: String,
    /// IANA time zone, e.g. `Asia/Tokyo`.
    pub timezone: String,
}

/// A route: which alerts go to which channels, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RouteDto {
    /// Numeric id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Whether it routes.
    pub enabled: bool,
    /// Matches these severities (empty: all).
    pub severities: Vec<Severity>,
    /// Matches these rule kinds (empty: all).
    pub rule_kinds: Vec<AlertRuleKind>,
    /// Matches jobs with one of these tags (empty: any).
    pub tags: Vec<String>,
    /// Matches these jobs (empty: any).
    pub job_ids: Vec<i64>,
    /// Sends to these channels.
    pub channel_ids: Vec<i64>,
    /// Also e-mails every active admin and operator with an address (unless they opted out).
    pub notify_staff: bool,
    /// Unacknowledged this long → notify `escalation_channel_ids` (absent: no escalation).
    pub escalate_after_minutes: Option<i64>,
    /// The escalation target.
    pub escalation_channel_ids: Vec<i64>,
    /// "Still failing" every this many hours while open and unacknowledged (absent: never).
    pub renotify_hours: Option<i64>,
    /// Alerts firing within this many seconds go out as one message (0: at once).
    pub group_wait_seconds: i64,
    /// At most one follow-up message per this many seconds.
    pub group_interval_seconds: i64,
    /// Quiet hours (critical ignores them).
    pub quiet_hours: Option<QuietHoursDto>,
    /// The default route made from the `MAIL_*` variables.
    pub managed_by_env: bool,
    /// Users subscribed to it by e-mail.
    pub subscriber_count: i64,
}

/// `POST /api/v1/notifications/routes` and `PUT .../{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RouteRequest {
    /// Unique name (1–100 characters).
    pub name: String,
    /// Whether it routes (default true).
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Severities (empty: all).
    #[serde(default)]
    pub severities: Vec<Severity>,
    /// Rule kinds (empty: all).
    #[serde(default)]
    pub rule_kinds: Vec<AlertRuleKind>,
    /// Tags (empty: any).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Jobs (empty: any).
    #[serde(default)]
    pub job_ids: Vec<i64>,
    /// Channels (existing ids).
    #[serde(default)]
    pub channel_ids: Vec<i64>,
    /// E-mail staff too (needs an e-mail channel on the route or the `MAIL_*` one).
    #[serde(default)]
    pub notify_staff: bool,
    /// Escalate after this many minutes (1–10,080).
    #[serde(default)]
    pub escalate_after_minutes: Option<i64>,
    /// Escalation channels (required with `escalate_after_minutes`).
    #[serde(default)]
    pub escalation_channel_ids: Vec<i64>,
    /// Re-notify every this many hours (1–168).
    #[serde(default)]
    pub renotify_hours: Option<i64>,
    /// Group window in seconds (0–3,600; default 30).
    #[serde(default)]
    pub group_wait_seconds: Option<i64>,
    /// Follow-up interval in seconds (0–86,400; default 300).
    #[serde(default)]
    pub group_interval_seconds: Option<i64>,
    /// Quiet hours.
    #[serde(default)]
    pub quiet_hours: Option<QuietHoursDto>,
}

/// Every route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RouteList {
    /// Routes by name.
    pub data: Vec<RouteDto>,
}

/// A weekly recurrence inside a window's validity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WeeklyRecurrenceDto {
    /// Days it starts on.
    pub days: Vec<Weekday>,
    /// Start, `HH:MM`.
    pub start: String,
    /// End, `HH:MM` (before `start`: ends the next day).
    pub end: String,
    /// IANA time zone.
    pub timezone: String,
}

/// A maintenance window (silence).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaintenanceWindowDto {
    /// Numeric id.
    pub id: i64,
    /// What it covers.
    pub scope: SilenceScope,
    /// Tags (scope `tags`).
    pub tags: Vec<String>,
    /// Jobs (scope `jobs`).
    pub job_ids: Vec<i64>,
    /// Valid from.
    pub starts_at: DateTime<Utc>,
    /// Valid until (it expires by itself).
    pub ends_at: DateTime<Utc>,
    /// Why.
    pub reason: String,
    /// Who opened it: a username or `api-key:<name>`.
    pub created_by: String,
    /// Weekly recurrence (absent: the whole validity).
    pub weekly: Option<WeeklyRecurrenceDto>,
    /// Whether it silences right now.
    pub active_now: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// `POST /api/v1/maintenance-windows`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateMaintenanceWindowRequest {
    /// What it covers.
    pub scope: SilenceScope,
    /// Tags (required for scope `tags`).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Jobs (required for scope `jobs`).
    #[serde(default)]
    pub job_ids: Vec<i64>,
    /// Start (default: now).
    #[serde(default)]
    pub starts_at: Option<DateTime<Utc>>,
    /// End (after the start; at most a year later). Or `duration_minutes`.
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    /// Length from the start, for scripts (1–525,600).
    #[serde(default)]
    pub duration_minutes: Option<i64>,
    /// Why (1–500 characters).
    pub reason: String,
    /// Weekly recurrence.
    #[serde(default)]
    pub weekly: Option<WeeklyRecurrenceDto>,
}

/// Maintenance windows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaintenanceWindowList {
    /// Windows not yet ended (or every window with `include_ended`), by start.
    pub data: Vec<MaintenanceWindowDto>,
}

/// One attempt to deliver a notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryAttemptDto {
    /// When.
    pub at: DateTime<Utc>,
    /// Accepted?
    pub ok: bool,
    /// The HTTP status or the SMTP reply code.
    pub status: Option<String>,
    /// The error (never a secret URL).
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: i64,
}

/// A notification (one message to one channel) and its attempts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryDto {
    /// Numeric id.
    pub id: i64,
    /// The channel.
    pub channel_id: i64,
    /// Its name.
    pub channel_name: String,
    /// Its kind.
    pub channel_kind: ChannelKind,
    /// What it is about.
    pub event: NotificationEvent,
    /// The route that sent it (absent for a test message).
    pub route_id: Option<i64>,
    /// The alerts in it.
    pub alert_ids: Vec<i64>,
    /// Subject / title.
    pub subject: String,
    /// E-mail recipients.
    pub recipients: Vec<String>,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts so far.
    pub attempts: i64,
    /// Next attempt (pending or retrying).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Created (the alert change committed).
    pub created_at: DateTime<Utc>,
    /// Accepted by the receiver.
    pub delivered_at: Option<DateTime<Utc>>,
    /// The attempts, oldest first (in the detail and the log).
    pub attempt_log: Vec<DeliveryAttemptDto>,
}

/// A page of the delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryList {
    /// Newest first.
    pub data: Vec<DeliveryDto>,
    /// Pagination.
    pub meta: crate::PageMeta,
}

/// The signed-in user's notification preferences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NotificationPreferencesDto {
    /// Language of the e-mails sent to this user.
    pub language: MessageLanguage,
    /// No staff e-mails (the default route) for this user.
    pub email_opt_out: bool,
    /// Routes this user receives by e-mail.
    pub subscribed_route_ids: Vec<i64>,
}

/// `GET /api/v1/alerts/rules`: every rule kind with its setting and overrides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertRuleList {
    /// Every rule kind, in registry order.
    pub data: Vec<AlertRuleDto>,
}

/// Filters of `GET /api/v1/alerts`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ListAlertsQuery {
    /// 1-based page (default 1).
    pub page: Option<u32>,
    /// Items per page, 1–200 (default 50).
    pub per_page: Option<u32>,
    /// Only this status.
    pub status: Option<AlertStatus>,
    /// Only open alerts (firing or acknowledged) when true, only resolved when false.
    pub open: Option<bool>,
    /// Only this severity.
    pub severity: Option<Severity>,
    /// Only this rule kind.
    pub rule: Option<AlertRuleKind>,
    /// Only this job's alerts.
    pub job_id: Option<i64>,
}

/// Filters of `GET /api/v1/notifications/deliveries`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ListDeliveriesQuery {
    /// 1-based page (default 1).
    pub page: Option<u32>,
    /// Items per page, 1–200 (default 50).
    pub per_page: Option<u32>,
    /// Only this status.
    pub status: Option<DeliveryStatus>,
    /// Only this channel.
    pub channel_id: Option<i64>,
    /// Only deliveries about this alert.
    pub alert_id: Option<i64>,
}

/// Filters of `GET /api/v1/maintenance-windows`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ListMaintenanceWindowsQuery {
    /// Also windows that have ended (default false).
    pub include_ended: Option<bool>,
}
