//! The pure rules of alerting, with the time passed in: the rule registry and its
//! defaults, which setting applies to a job (job override, then tag override, then the
//! rule), the lifecycle decision for one dedup key (open, reopen inside the cooldown,
//! recur, resolve), re-notification and escalation timing, grouping windows, quiet hours
//! and maintenance windows. No database, no clock: every function is table-tested.

use bms_types::alerts::{AlertRuleKind, Severity, SilenceScope, Weekday};
use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// A rule kind's built-in defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleSpec {
    /// The kind.
    pub kind: AlertRuleKind,
    /// Enabled unless configured otherwise.
    pub enabled: bool,
    /// Severity unless configured otherwise.
    pub severity: Severity,
    /// Its number, for kinds that have one.
    pub threshold: Option<i64>,
    /// The accepted range of the number.
    pub threshold_range: (i64, i64),
    /// What the number means.
    pub threshold_meaning: Option<&'static str>,
    /// Whether the kind is about a job (evaluated with the job) or the system (a task).
    pub per_job: bool,
}

/// The registry: every rule kind with its defaults. Later features add their kinds here.
pub fn spec(kind: AlertRuleKind) -> RuleSpec {
    use AlertRuleKind as K;
    let base = RuleSpec {
        kind,
        enabled: true,
        severity: Severity::Warning,
        threshold: None,
        threshold_range: (0, 0),
        threshold_meaning: None,
        per_job: true,
    };
    match kind {
        K::RunFailed => base,
        K::ConsecutiveFailures => RuleSpec {
            severity: Severity::Critical,
            threshold: Some(3),
            threshold_range: (2, 100),
            threshold_meaning: Some("failed runs in a row"),
            ..base
        },
        K::Late => RuleSpec { severity: Severity::Info, ..base },
        K::Missed => RuleSpec { severity: Severity::Critical, ..base },
        K::RunningTooLong | K::ComplianceWorse | K::CopyStale => base,
        K::ApiKeyExpiring => RuleSpec {
            threshold: Some(14),
            threshold_range: (1, 365),
            threshold_meaning: Some("days before the key expires"),
            per_job: false,
            ..base
        },
        K::DiskSpaceLow => RuleSpec {
            severity: Severity::Critical,
            threshold: Some(10),
            threshold_range: (1, 99),
            threshold_meaning: Some("percent free on the database volume"),
            per_job: false,
            ..base
        },
        K::RestoreTestFailed => RuleSpec { severity: Severity::Critical, ..base },
        K::RestoreTestOverdue => base,
        K::RestoreTestDueSoon => RuleSpec { severity: Severity::Info, ..base },
        K::MediaLoanOverdue | K::MediaUnsafeWrite => RuleSpec { per_job: false, ..base },
        K::RotationDue => RuleSpec { severity: Severity::Info, per_job: false, ..base },
    }
}

/// The setting that applies: the rule's, possibly changed by an override.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleSetting {
    /// Raises alerts.
    pub enabled: bool,
    /// Their severity.
    pub severity: Severity,
    /// Its number.
    pub threshold: Option<i64>,
}

/// An override for one job or one tag; absent fields keep the rule's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleOverride {
    /// Its id.
    pub id: i64,
    /// The job, or
    pub job_id: Option<i64>,
    /// the tag.
    pub tag: Option<String>,
    /// Enabled.
    pub enabled: Option<bool>,
    /// Severity.
    pub severity: Option<Severity>,
    /// Threshold.
    pub threshold: Option<i64>,
}

/// The setting for a job with `tags`: its own override wins over a tag's (the first tag
/// override in the list), which wins over the rule.
pub fn effective_setting(rule: RuleSetting, overrides: &[RuleOverride], job_id: i64, tags: &[String]) -> RuleSetting {
    let chosen = overrides.iter().find(|o| o.job_id == Some(job_id)).or_else(|| {
        overrides.iter().find(|o| o.tag.as_ref().is_some_and(|tag| tags.iter().any(|t| t.eq_ignore_ascii_case(tag))))
    });
    match chosen {
        None => rule,
        Some(o) => RuleSetting {
            enabled: o.enabled.unwrap_or(rule.enabled),
            severity: o.severity.unwrap_or(rule.severity),
            threshold: o.threshold.or(rule.threshold),
        },
    }
}

/// The open alert for a key, as far as the lifecycle cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenAlert {
    /// Its id.
    pub id: i64,
    /// What the condition was about when it last occurred.
    pub occurrence: String,
}

/// The key's latest resolved alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedAlert {
    /// Its id.
    pub id: i64,
    /// Its occurrence.
    pub occurrence: String,
    /// When it was resolved.
    pub resolved_at: DateTime<Utc>,
}

/// What to do with one dedup key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Nothing changes.
    Nothing,
    /// Open a new alert.
    Open,
    /// Reopen this resolved alert: the condition came back inside the cooldown (flapping);
    /// no new "fired" message.
    Reopen(i64),
    /// The open alert's condition occurred again (another failed run): count it.
    Recur(i64),
    /// The condition cleared: resolve the open alert.
    Resolve(i64),
}

/// The lifecycle of one key. `active` is the condition's current occurrence, if it holds.
/// An alert resolved (by hand or not) is not reopened for the occurrence it was about.
pub fn decide(
    active: Option<&str>,
    open: Option<&OpenAlert>,
    last_resolved: Option<&ResolvedAlert>,
    now: DateTime<Utc>,
    cooldown: Duration,
) -> Decision {
    match (active, open) {
        (Some(occurrence), Some(open)) if open.occurrence != occurrence => Decision::Recur(open.id),
        (Some(_), Some(_)) | (None, None) => Decision::Nothing,
        (Some(occurrence), None) => match last_resolved {
            Some(resolved) if resolved.occurrence == occurrence => Decision::Nothing,
            Some(resolved) if now - resolved.resolved_at < cooldown => Decision::Reopen(resolved.id),
            _ => Decision::Open,
        },
        (None, Some(open)) => Decision::Resolve(open.id),
    }
}

/// Whether a firing, unacknowledged alert last notified at `last_notified` is due for a
/// "still failing" reminder.
pub fn reminder_due(
    last_notified: Option<DateTime<Utc>>,
    fired_at: DateTime<Utc>,
    every: Duration,
    now: DateTime<Utc>,
) -> bool {
    now - last_notified.unwrap_or(fired_at) >= every
}

/// Whether a firing, unacknowledged, not yet escalated alert is due for escalation.
pub fn escalation_due(fired_at: DateTime<Utc>, after: Duration, now: DateTime<Utc>) -> bool {
    now - fired_at >= after
}

/// Whether a route's waiting notifications go out now: the oldest has waited the group
/// window, and the previous message went out at least a group interval ago.
pub fn batch_due(
    oldest_waiting: DateTime<Utc>,
    last_batch_at: Option<DateTime<Utc>>,
    group_wait: Duration,
    group_interval: Duration,
    now: DateTime<Utc>,
) -> bool {
    now - oldest_waiting >= group_wait && last_batch_at.is_none_or(|last| now - last >= group_interval)
}

/// A daily time span in a zone (`end` before `start` spans midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailySpan {
    /// Start.
    pub start: NaiveTime,
    /// End.
    pub end: NaiveTime,
    /// Zone.
    pub timezone: Tz,
}

/// Parses `HH:MM`.
pub fn parse_hhmm(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M").ok().filter(|_| text.len() == 5)
}

impl DailySpan {
    /// The end of the span containing `now`, or `None` when `now` is outside it.
    pub fn ends_after(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = now.with_timezone(&self.timezone);
        let time = local.time();
        let day = local.date_naive();
        let end_on = |date: chrono::NaiveDate| {
            self.timezone.from_local_datetime(&date.and_time(self.end)).earliest().map(|at| at.with_timezone(&Utc))
        };
        if self.start <= self.end {
            (time >= self.start && time < self.end).then(|| end_on(day)).flatten()
        } else if time >= self.start {
            end_on(day.succ_opt()?)
        } else if time < self.end {
            end_on(day)
        } else {
            None
        }
    }
}

/// When a notification of `severity` queued at `now` may go out under quiet hours:
/// `now`, or the end of the quiet hours (critical ignores them).
pub fn not_before(quiet: Option<&DailySpan>, severity: Severity, now: DateTime<Utc>) -> DateTime<Utc> {
    match quiet {
        Some(span) if severity != Severity::Critical => span.ends_after(now).unwrap_or(now),
        _ => now,
    }
}

/// A maintenance window as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// What it covers.
    pub scope: SilenceScope,
    /// Tags (scope `tags`).
    pub tags: Vec<String>,
    /// Jobs (scope `jobs`).
    pub job_ids: Vec<i64>,
    /// Valid from.
    pub starts_at: DateTime<Utc>,
    /// Valid until.
    pub ends_at: DateTime<Utc>,
    /// Weekly recurrence: the days a span starts on, and the span.
    pub weekly: Option<(Vec<Weekday>, DailySpan)>,
}

fn weekday_of(day: chrono::Weekday) -> Weekday {
    match day {
        chrono::Weekday::Mon => Weekday::Mon,
        chrono::Weekday::Tue => Weekday::Tue,
        chrono::Weekday::Wed => Weekday::Wed,
        chrono::Weekday::Thu => Weekday::Thu,
        chrono::Weekday::Fri => Weekday::Fri,
        chrono::Weekday::Sat => Weekday::Sat,
        chrono::Weekday::Sun => Weekday::Sun,
    }
}

impl Window {
    /// Whether it silences at `now`.
    pub fn active_at(&self, now: DateTime<Utc>) -> bool {
        if now < self.starts_at || now >= self.ends_at {
            return false;
        }
        let Some((days, span)) = &self.weekly else {
            return true;
        };
        let local = now.with_timezone(&span.timezone);
        let time = local.time();
        let today = weekday_of(local.weekday());
        let yesterday = weekday_of(local.weekday().pred());
        if span.start <= span.end {
            days.contains(&today) && time >= span.start && time < span.end
        } else {
            // Over midnight: the evening part belongs to today, the morning to yesterday.
            (days.contains(&today) && time >= span.start) || (days.contains(&yesterday) && time < span.end)
        }
    }

    /// Whether it covers an alert about `job` (with its tags); system alerts (no job) are
    /// covered only by scope `all`.
    pub fn covers(&self, job: Option<(i64, &[String])>) -> bool {
        match (self.scope, job) {
            (SilenceScope::All, _) => true,
            (SilenceScope::Jobs, Some((id, _))) => self.job_ids.contains(&id),
            (SilenceScope::Tags, Some((_, tags))) => {
                self.tags.iter().any(|tag| tags.iter().any(|t| t.eq_ignore_ascii_case(tag)))
            }
            (_, None) => false,
        }
    }
}

/// Whether any window silences an alert about `job` at `now`.
pub fn silenced(windows: &[Window], job: Option<(i64, &[String])>, now: DateTime<Utc>) -> bool {
    windows.iter().any(|window| window.active_at(now) && window.covers(job))
}

/// A route's match, as the rules see it (empty lists match anything).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteMatch {
    /// Severities.
    pub severities: Vec<Severity>,
    /// Rule kinds.
    pub rule_kinds: Vec<AlertRuleKind>,
    /// Tags.
    pub tags: Vec<String>,
    /// Jobs.
    pub job_ids: Vec<i64>,
}

impl RouteMatch {
    /// Whether an alert of `kind` and `severity` about `job` goes this way.
    pub fn matches(&self, kind: AlertRuleKind, severity: Severity, job: Option<(i64, &[String])>) -> bool {
        let severity_ok = self.severities.is_empty() || self.severities.contains(&severity);
        let kind_ok = self.rule_kinds.is_empty() || self.rule_kinds.contains(&kind);
        let job_ok = self.job_ids.is_empty() || job.is_some_and(|(id, _)| self.job_ids.contains(&id));
        let tag_ok = self.tags.is_empty()
            || job
                .is_some_and(|(_, tags)| self.tags.iter().any(|tag| tags.iter().any(|t| t.eq_ignore_ascii_case(tag))));
        severity_ok && kind_ok && job_ok && tag_ok
    }
}

/// Retry delay after the `attempt`-th failed attempt (1-based): `base` doubling up to `max`.
pub fn retry_delay(attempt: i64, base: Duration, max: Duration) -> Duration {
    let exponent = u32::try_from(attempt.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    let factor = 2_i64.saturating_pow(exponent);
    let seconds = base.num_seconds().saturating_mul(factor);
    Duration::seconds(seconds.min(max.num_seconds()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, hour, minute, 0).single().expect("time")
    }

    fn open(id: i64, occurrence: &str) -> OpenAlert {
        OpenAlert { id, occurrence: occurrence.into() }
    }

    fn resolved(id: i64, occurrence: &str, at: DateTime<Utc>) -> ResolvedAlert {
        ResolvedAlert { id, occurrence: occurrence.into(), resolved_at: at }
    }

    #[test]
    fn lifecycle_dedups_recurs_resolves_and_reopens_only_inside_the_cooldown() {
        let now = at(4, 12, 0);
        let cooldown = Duration::minutes(10);
        type Case<'a> = (&'a str, Option<&'a str>, Option<OpenAlert>, Option<ResolvedAlert>, Decision);
        let table: Vec<Case<'_>> = vec![
            ("new condition opens", Some("run:7"), None, None, Decision::Open),
            ("same occurrence while open: dedup", Some("run:7"), Some(open(1, "run:7")), None, Decision::Nothing),
            ("another failed run while open: recur", Some("run:8"), Some(open(1, "run:7")), None, Decision::Recur(1)),
            ("condition cleared: resolve", None, Some(open(1, "run:8")), None, Decision::Resolve(1)),
            ("nothing open, nothing active", None, None, Some(resolved(1, "run:8", now)), Decision::Nothing),
            (
                "flapping: back within the cooldown reopens",
                Some("run:9"),
                None,
                Some(resolved(1, "run:8", now - Duration::minutes(3))),
                Decision::Reopen(1),
            ),
            (
                "back after the cooldown opens a new alert",
                Some("run:9"),
                None,
                Some(resolved(1, "run:8", now - Duration::minutes(10))),
                Decision::Open,
            ),
            (
                "resolved by hand, same occurrence: stays resolved",
                Some("run:8"),
                None,
                Some(resolved(1, "run:8", now - Duration::hours(5))),
                Decision::Nothing,
            ),
        ];
        for (name, active, open, last, expected) in table {
            assert_eq!(decide(active, open.as_ref(), last.as_ref(), now, cooldown), expected, "{name}");
        }
    }

    #[test]
    fn a_job_override_wins_over_a_tag_override_which_wins_over_the_rule() {
        let rule = RuleSetting { enabled: true, severity: Severity::Warning, threshold: Some(3) };
        let tag = RuleOverride {
            id: 1,
            job_id: None,
            tag: Some("NAS-01".into()),
            enabled: None,
            severity: Some(Severity::Critical),
            threshold: None,
        };
        let job = RuleOverride {
            id: 2,
            job_id: Some(7),
            tag: None,
            enabled: Some(false),
            severity: None,
            threshold: Some(5),
        };
        let tags = vec!["nas-01".to_owned()];
        let overrides = vec![tag.clone(), job];
        assert_eq!(effective_setting(rule, &[], 7, &tags), rule);
        assert_eq!(
            effective_setting(rule, std::slice::from_ref(&tag), 7, &tags),
            RuleSetting { severity: Severity::Critical, ..rule }
        );
        assert_eq!(
            effective_setting(rule, &overrides, 7, &tags),
            RuleSetting { enabled: false, severity: Severity::Warning, threshold: Some(5) }
        );
        assert_eq!(effective_setting(rule, &overrides, 8, &[]), rule, "other jobs keep the rule");
    }

    #[test]
    fn reminders_escalation_and_retry_timing() {
        let fired = at(4, 8, 0);
        let every = Duration::hours(4);
        assert!(!reminder_due(None, fired, every, at(4, 11, 59)));
        assert!(reminder_due(None, fired, every, at(4, 12, 0)));
        assert!(!reminder_due(Some(at(4, 12, 0)), fired, every, at(4, 15, 0)));
        assert!(reminder_due(Some(at(4, 12, 0)), fired, every, at(4, 16, 0)));
        assert!(!escalation_due(fired, Duration::minutes(30), at(4, 8, 29)));
        assert!(escalation_due(fired, Duration::minutes(30), at(4, 8, 30)));
        let (base, max) = (Duration::minutes(1), Duration::hours(6));
        let delays: Vec<i64> = (1..=11).map(|n| retry_delay(n, base, max).num_minutes()).collect();
        assert_eq!(delays, vec![1, 2, 4, 8, 16, 32, 64, 128, 256, 360, 360]);
    }

    #[test]
    fn grouping_waits_the_window_then_one_message_per_interval() {
        let wait = Duration::seconds(30);
        let interval = Duration::minutes(5);
        let first = at(4, 12, 0);
        // A storm starting at 12:00: nothing before 12:00:30, then one message.
        assert!(!batch_due(first, None, wait, interval, first + Duration::seconds(29)));
        assert!(batch_due(first, None, wait, interval, first + Duration::seconds(30)));
        // More alerts at 12:01 wait for the interval after the 12:00:30 message.
        let sent = first + Duration::seconds(30);
        let later = at(4, 12, 1);
        assert!(!batch_due(later, Some(sent), wait, interval, at(4, 12, 5)));
        assert!(batch_due(later, Some(sent), wait, interval, sent + interval));
        // Group window 0: at once.
        assert!(batch_due(first, None, Duration::zero(), interval, first));
    }

    #[test]
    fn quiet_hours_hold_non_critical_until_they_end() {
        let tokyo: Tz = "Asia/Tokyo".parse().expect("zone");
        let span =
            DailySpan { start: parse_hhmm("22:00").expect("t"), end: parse_hhmm("07:00").expect("t"), timezone: tokyo };
        // 23:30 in Tokyo is 14:30 UTC; quiet until 07:00 Tokyo = 22:00 UTC.
        assert_eq!(not_before(Some(&span), Severity::Warning, at(4, 14, 30)), at(4, 22, 0));
        assert_eq!(not_before(Some(&span), Severity::Critical, at(4, 14, 30)), at(4, 14, 30));
        // 06:00 Tokyo (21:00 UTC the day before): quiet until 07:00 Tokyo.
        assert_eq!(not_before(Some(&span), Severity::Info, at(4, 21, 0)), at(4, 22, 0));
        // Noon in Tokyo: not quiet.
        assert_eq!(not_before(Some(&span), Severity::Info, at(4, 3, 0)), at(4, 3, 0));
        assert_eq!(not_before(None, Severity::Info, at(4, 3, 0)), at(4, 3, 0));
        assert!(parse_hhmm("7:00").is_none() && parse_hhmm("24:00").is_none() && parse_hhmm("07:60").is_none());
    }

    #[test]
    fn maintenance_windows_cover_their_scope_inside_their_time_and_weekly_spans() {
        let tags = vec!["nas-01".to_owned()];
        let job = Some((7_i64, tags.as_slice()));
        let base = Window {
            scope: SilenceScope::Tags,
            tags: vec!["NAS-01".into()],
            job_ids: vec![],
            starts_at: at(4, 0, 0),
            ends_at: at(5, 0, 0),
            weekly: None,
        };
        assert!(silenced(std::slice::from_ref(&base), job, at(4, 12, 0)));
        assert!(!silenced(std::slice::from_ref(&base), job, at(5, 0, 0)), "ends by itself");
        assert!(!silenced(std::slice::from_ref(&base), Some((8, &[])), at(4, 12, 0)), "other tags");
        assert!(!silenced(std::slice::from_ref(&base), None, at(4, 12, 0)), "system alerts need scope all");
        let all = Window { scope: SilenceScope::All, ..base.clone() };
        assert!(all.covers(None));
        let jobs = Window { scope: SilenceScope::Jobs, job_ids: vec![7], ..base.clone() };
        assert!(jobs.covers(job) && !jobs.covers(Some((8, &[]))));
        // Every Saturday 23:00–03:00 UTC, valid through December.
        let weekly = Window {
            scope: SilenceScope::All,
            starts_at: at(1, 0, 0),
            ends_at: at(31, 0, 0),
            weekly: Some((
                vec![Weekday::Sat],
                DailySpan {
                    start: parse_hhmm("23:00").expect("t"),
                    end: parse_hhmm("03:00").expect("t"),
                    timezone: chrono_tz::UTC,
                },
            )),
            ..base
        };
        // 2026-12-05 is a Saturday.
        assert!(weekly.active_at(at(5, 23, 30)));
        assert!(weekly.active_at(at(6, 2, 59)), "the morning after belongs to Saturday's span");
        assert!(!weekly.active_at(at(6, 3, 0)));
        assert!(!weekly.active_at(at(6, 23, 30)), "Sunday evening is not covered");
    }

    #[test]
    fn routes_match_on_severity_kind_tag_and_job() {
        let tags = vec!["nas-01".to_owned()];
        let route = RouteMatch {
            severities: vec![Severity::Critical, Severity::Warning],
            rule_kinds: vec![],
            tags: vec!["nas-01".into()],
            job_ids: vec![],
        };
        assert!(route.matches(AlertRuleKind::RunFailed, Severity::Warning, Some((1, &tags))));
        assert!(!route.matches(AlertRuleKind::RunFailed, Severity::Info, Some((1, &tags))));
        assert!(!route.matches(AlertRuleKind::RunFailed, Severity::Warning, Some((1, &[]))));
        assert!(!route.matches(AlertRuleKind::DiskSpaceLow, Severity::Critical, None));
        assert!(RouteMatch::default().matches(AlertRuleKind::DiskSpaceLow, Severity::Info, None));
        let only_missed =
            RouteMatch { rule_kinds: vec![AlertRuleKind::Missed], job_ids: vec![3], ..Default::default() };
        assert!(only_missed.matches(AlertRuleKind::Missed, Severity::Info, Some((3, &[]))));
        assert!(!only_missed.matches(AlertRuleKind::Late, Severity::Info, Some((3, &[]))));
        assert!(!only_missed.matches(AlertRuleKind::Missed, Severity::Info, Some((4, &[]))));
    }
}
