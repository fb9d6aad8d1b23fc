//! Schedule expectations and job state: a pure function from a job's expectation (cron
//! in an IANA time zone, or manual), grace period, maximum duration and its latest runs
//! to its state. No database, no clock: `now` is an argument, so every tricky case (DST,
//! monthly jobs, twice-daily jobs, runs overlapping the next slot) is a unit test.
//!
//! The rules:
//! - inactive → `paused`;
//! - a run started and not finished → `running`, or `overdue_running` past the maximum
//!   duration;
//! - the latest finished run failed → `failed`;
//! - otherwise, for cron jobs, the next slot after the latest run's *start* is expected
//!   (a run that starts up to `EARLY_TOLERANCE` before a slot counts for that slot). A run
//!   that overran the next slot therefore does not count for it: that slot's backup did not
//!   start. Before the expected slot → `up` (or `new` with no run yet); within the grace
//!   period after it → `late`; past the grace period → `missed`;
//! - manual jobs are never late: `new` until their first run, then `up`/`failed`.

use std::str::FromStr;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds};

/// How long before a slot a run may start and still count for it (clock skew, tools that
/// start a little early). Capped by the grace period.
pub const EARLY_TOLERANCE: Duration = Duration::minutes(5);

/// A job's state: the wire enum itself (one definition, in `bms-types`).
pub use bms_types::jobs::JobStateDto as JobState;

/// A parsed cron expression with its time zone.
#[derive(Debug, Clone)]
pub struct CronSchedule {
    cron: Cron,
    timezone: Tz,
}

/// Why a cron expression or time zone was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleError {
    /// The expression does not parse as a 5-field cron expression.
    InvalidCron(String),
    /// Not an IANA time zone name.
    InvalidTimezone,
}

impl CronSchedule {
    /// Parses a standard 5-field cron expression (minute hour day-of-month month
    /// day-of-week) in an IANA time zone.
    pub fn parse(expression: &str, timezone: &str) -> Result<Self, ScheduleError> {
        let timezone = Tz::from_str(timezone).map_err(|_| ScheduleError::InvalidTimezone)?;
        if expression.split_whitespace().count() != 5 {
            return Err(ScheduleError::InvalidCron(
                "expected 5 fields: minute hour day-of-month month day-of-week".into(),
            ));
        }
        let cron = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .build()
            .parse(expression)
            .map_err(|error| ScheduleError::InvalidCron(error.to_string()))?;
        Ok(Self { cron, timezone })
    }

    /// `parse`, and also refuses a pattern that never fires (e.g. 31 February), which
    /// would leave a job "new" forever. For input validation; evaluation uses `parse`.
    pub fn validate(expression: &str, timezone: &str) -> Result<Self, ScheduleError> {
        let schedule = Self::parse(expression, timezone)?;
        let probe = Utc::now().with_timezone(&schedule.timezone);
        schedule
            .cron
            .find_next_occurrence(&probe, false)
            .map_err(|_| ScheduleError::InvalidCron("the expression never matches".into()))?;
        Ok(schedule)
    }

    /// The first slot strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // croner keeps the sub-second part of its start; slots are whole minutes.
        let after = after.trunc_subsecs(0);
        self.cron.find_next_occurrence(&after.with_timezone(&self.timezone), false).ok().map(|t| t.with_timezone(&Utc))
    }

    /// The next `count` slots strictly after `after`.
    pub fn upcoming(&self, after: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
        let mut slots = Vec::with_capacity(count);
        let mut cursor = after;
        while slots.len() < count {
            match self.next_after(cursor) {
                Some(slot) => {
                    slots.push(slot);
                    cursor = slot;
                }
                None => break,
            }
        }
        slots
    }

    /// The longest gap between consecutive slots over the next `sample` slots: the period
    /// a copy's freshness window defaults to (weekday-only jobs get the weekend gap).
    pub fn longest_gap(&self, from: DateTime<Utc>, sample: usize) -> Option<Duration> {
        let slots = self.upcoming(from, sample + 1);
        slots.windows(2).map(|pair| pair[1] - pair[0]).max()
    }
}

/// What the state depends on.
#[derive(Debug, Clone)]
pub struct ScheduleFacts<'a> {
    /// Inactive jobs are paused.
    pub active: bool,
    /// `None` for manual jobs.
    pub schedule: Option<&'a CronSchedule>,
    /// How long after a slot the run may arrive before the job is missed.
    pub grace: Duration,
    /// Running longer than this is `overdue_running`.
    pub max_duration: Option<Duration>,
    /// When the job was created (the reference before any run).
    pub created_at: DateTime<Utc>,
    /// The latest finished run (success, warning or failed).
    pub last_finished: Option<FinishedRun>,
    /// Start of the oldest run still open after the latest finished one.
    pub running_since: Option<DateTime<Utc>>,
}

/// A finished run as the state needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FinishedRun {
    /// When it started (its finish time when the start is unknown).
    pub started_at: DateTime<Utc>,
    /// When it finished.
    pub finished_at: DateTime<Utc>,
    /// Whether it failed.
    pub failed: bool,
}

/// The derived state and the times that explain it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateVerdict {
    /// The state.
    pub state: JobState,
    /// The slot the next run is expected for (cron jobs only).
    pub next_expected_at: Option<DateTime<Utc>>,
    /// When the job turns (or turned) from late to missed.
    pub deadline_at: Option<DateTime<Utc>>,
}

/// Derives a job's state at `now`.
pub fn derive_state(facts: &ScheduleFacts<'_>, now: DateTime<Utc>) -> StateVerdict {
    let expected = facts.schedule.and_then(|schedule| expected_slot(schedule, facts));
    let next_expected_at = expected;
    let deadline_at = expected.map(|slot| slot + facts.grace);
    let verdict = |state| StateVerdict { state, next_expected_at, deadline_at };
    if !facts.active {
        return verdict(JobState::Paused);
    }
    if let Some(since) = facts.running_since {
        let overdue = facts.max_duration.is_some_and(|max| now - since > max);
        return verdict(if overdue { JobState::OverdueRunning } else { JobState::Running });
    }
    if facts.last_finished.is_some_and(|run| run.failed) {
        return verdict(JobState::Failed);
    }
    match expected {
        // Manual job, or a cron that never fires again.
        None => verdict(if facts.last_finished.is_some() { JobState::Up } else { JobState::New }),
        Some(slot) if now < slot => verdict(if facts.last_finished.is_some() { JobState::Up } else { JobState::New }),
        Some(slot) if now < slot + facts.grace => verdict(JobState::Late),
        Some(_) => verdict(JobState::Missed),
    }
}

/// The first slot not yet covered by a run.
fn expected_slot(schedule: &CronSchedule, facts: &ScheduleFacts<'_>) -> Option<DateTime<Utc>> {
    let reference = facts.last_finished.map_or(facts.created_at, |run| run.started_at.min(run.finished_at));
    let tolerance = EARLY_TOLERANCE.min(facts.grace);
    let first = schedule.next_after(reference)?;
    // A run that started shortly before its slot counts for that slot.
    let slot = if facts.last_finished.is_some() && first - reference <= tolerance {
        schedule.next_after(first)?
    } else {
        first
    };
    Some(slot)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).single().expect("valid time")
    }

    fn run(started: DateTime<Utc>, finished: DateTime<Utc>, failed: bool) -> Option<FinishedRun> {
        Some(FinishedRun { started_at: started, finished_at: finished, failed })
    }

    fn facts<'a>(schedule: Option<&'a CronSchedule>, last: Option<FinishedRun>) -> ScheduleFacts<'a> {
        ScheduleFacts {
            active: true,
            schedule,
            grace: Duration::hours(1),
            max_duration: Some(Duration::hours(4)),
            created_at: utc(2026, 1, 1, 0, 0),
            last_finished: last,
            running_since: None,
        }
    }

    fn daily_0200_tokyo() -> CronSchedule {
        CronSchedule::parse("0 2 * * *", "Asia/Tokyo").expect("valid")
    }

    #[test]
    fn invalid_expressions_and_zones_are_refused() {
        assert!(matches!(CronSchedule::parse("0 2 * *", "UTC"), Err(ScheduleError::InvalidCron(_))));
        assert!(matches!(CronSchedule::parse("0 0 2 * * *", "UTC"), Err(ScheduleError::InvalidCron(_))));
        assert!(matches!(CronSchedule::parse("61 2 * * *", "UTC"), Err(ScheduleError::InvalidCron(_))));
        assert!(matches!(CronSchedule::validate("0 2 31 2 *", "UTC"), Err(ScheduleError::InvalidCron(_))));
        assert_eq!(CronSchedule::parse("0 2 * * *", "Mars/Base").err(), Some(ScheduleError::InvalidTimezone));
        assert!(CronSchedule::parse("30 1 * * 1-5", "Europe/Berlin").is_ok());
    }

    #[test]
    fn a_new_job_is_new_until_its_first_slot_then_late_then_missed() {
        let schedule = daily_0200_tokyo();
        let mut f = facts(Some(&schedule), None);
        f.created_at = utc(2026, 3, 1, 10, 0); // 19:00 Tokyo; first slot 02:00 Tokyo = 17:00 UTC
        assert_eq!(derive_state(&f, utc(2026, 3, 1, 16, 59)).state, JobState::New);
        assert_eq!(derive_state(&f, utc(2026, 3, 1, 17, 30)).state, JobState::Late);
        let missed = derive_state(&f, utc(2026, 3, 1, 18, 1));
        assert_eq!(missed.state, JobState::Missed);
        assert_eq!(missed.deadline_at, Some(utc(2026, 3, 1, 18, 0)));
    }

    #[test]
    fn a_daily_job_is_up_until_the_next_slot_and_missed_after_grace() {
        let schedule = daily_0200_tokyo();
        // Ran 02:00-02:20 Tokyo on 3 March (17:00-17:20 UTC on 2 March).
        let f = facts(Some(&schedule), run(utc(2026, 3, 2, 17, 0), utc(2026, 3, 2, 17, 20), false));
        let up = derive_state(&f, utc(2026, 3, 3, 16, 59));
        assert_eq!((up.state, up.next_expected_at), (JobState::Up, Some(utc(2026, 3, 3, 17, 0))));
        assert_eq!(derive_state(&f, utc(2026, 3, 3, 17, 59)).state, JobState::Late);
        assert_eq!(derive_state(&f, utc(2026, 3, 3, 18, 0)).state, JobState::Missed);
    }

    #[test]
    fn a_run_starting_slightly_early_counts_for_its_slot() {
        let schedule = CronSchedule::parse("0 2 * * *", "UTC").expect("valid");
        let f = facts(Some(&schedule), run(utc(2026, 3, 3, 1, 58), utc(2026, 3, 3, 2, 30), false));
        let verdict = derive_state(&f, utc(2026, 3, 3, 3, 30));
        assert_eq!((verdict.state, verdict.next_expected_at), (JobState::Up, Some(utc(2026, 3, 4, 2, 0))));
    }

    #[test]
    fn a_job_running_twice_a_day_expects_each_slot() {
        let schedule = CronSchedule::parse("0 2,14 * * *", "UTC").expect("valid");
        let f = facts(Some(&schedule), run(utc(2026, 3, 3, 2, 0), utc(2026, 3, 3, 2, 40), false));
        assert_eq!(derive_state(&f, utc(2026, 3, 3, 13, 0)).next_expected_at, Some(utc(2026, 3, 3, 14, 0)));
        assert_eq!(derive_state(&f, utc(2026, 3, 3, 14, 30)).state, JobState::Late);
        assert_eq!(derive_state(&f, utc(2026, 3, 3, 15, 5)).state, JobState::Missed);
        let after_afternoon = facts(Some(&schedule), run(utc(2026, 3, 3, 14, 0), utc(2026, 3, 3, 14, 20), false));
        assert_eq!(derive_state(&after_afternoon, utc(2026, 3, 3, 20, 0)).state, JobState::Up);
    }

    #[test]
    fn a_monthly_job_is_expected_on_the_first_of_next_month() {
        let schedule = CronSchedule::parse("0 3 1 * *", "Asia/Tokyo").expect("valid");
        // Ran 1 Feb 03:00 Tokyo (31 Jan 18:00 UTC).
        let f = facts(Some(&schedule), run(utc(2026, 1, 31, 18, 0), utc(2026, 1, 31, 19, 0), false));
        let mid_february = derive_state(&f, utc(2026, 2, 20, 0, 0));
        assert_eq!((mid_february.state, mid_february.next_expected_at), (JobState::Up, Some(utc(2026, 2, 28, 18, 0))));
        assert_eq!(derive_state(&f, utc(2026, 2, 28, 19, 30)).state, JobState::Missed);
    }

    #[test]
    fn spring_forward_does_not_lose_the_slot_that_falls_in_the_gap() {
        // Europe/Berlin skips 02:00-03:00 on 29 March 2026; a 02:30 job must still be
        // expected that day rather than silently skipped.
        let schedule = CronSchedule::parse("30 2 * * *", "Europe/Berlin").expect("valid");
        let f = facts(Some(&schedule), run(utc(2026, 3, 28, 1, 30), utc(2026, 3, 28, 1, 50), false));
        let verdict = derive_state(&f, utc(2026, 3, 29, 0, 0));
        let expected = verdict.next_expected_at.expect("a slot");
        assert!(
            expected >= utc(2026, 3, 29, 0, 30) && expected <= utc(2026, 3, 29, 1, 30),
            "the 29 March slot is expected within the DST gap hour, got {expected}"
        );
    }

    #[test]
    fn fall_back_does_not_expect_the_repeated_hour_twice() {
        // Europe/Berlin repeats 02:00-03:00 on 25 October 2026. A 02:30 job that ran at the
        // first 02:30 (00:30 UTC) is not late at the second 02:30 (01:30 UTC).
        let schedule = CronSchedule::parse("30 2 * * *", "Europe/Berlin").expect("valid");
        let f = facts(Some(&schedule), run(utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 0, 45), false));
        let verdict = derive_state(&f, utc(2026, 10, 25, 2, 0));
        assert_eq!(verdict.state, JobState::Up);
        assert_eq!(verdict.next_expected_at, Some(utc(2026, 10, 26, 1, 30)));
    }

    #[test]
    fn a_run_that_overruns_the_next_slot_does_not_count_for_it() {
        let schedule = CronSchedule::parse("0 2 * * *", "UTC").expect("valid");
        // Started 3 March 02:00, finished 4 March 02:30: the 4 March slot never started.
        let f = facts(Some(&schedule), run(utc(2026, 3, 3, 2, 0), utc(2026, 3, 4, 2, 30), false));
        assert_eq!(derive_state(&f, utc(2026, 3, 4, 2, 40)).state, JobState::Late);
        assert_eq!(derive_state(&f, utc(2026, 3, 4, 3, 1)).state, JobState::Missed);
    }

    #[test]
    fn running_and_overdue_running() {
        let schedule = CronSchedule::parse("0 2 * * *", "UTC").expect("valid");
        let mut f = facts(Some(&schedule), run(utc(2026, 3, 2, 2, 0), utc(2026, 3, 2, 2, 30), false));
        f.running_since = Some(utc(2026, 3, 3, 2, 0));
        assert_eq!(derive_state(&f, utc(2026, 3, 3, 5, 59)).state, JobState::Running);
        assert_eq!(derive_state(&f, utc(2026, 3, 3, 6, 1)).state, JobState::OverdueRunning);
        f.max_duration = None;
        assert_eq!(derive_state(&f, utc(2026, 3, 3, 9, 0)).state, JobState::Running);
    }

    #[test]
    fn a_failed_last_run_is_failed_until_a_new_run_succeeds_and_paused_wins() {
        let schedule = CronSchedule::parse("0 2 * * *", "UTC").expect("valid");
        let mut f = facts(Some(&schedule), run(utc(2026, 3, 3, 2, 0), utc(2026, 3, 3, 2, 10), true));
        assert_eq!(derive_state(&f, utc(2026, 3, 3, 3, 0)).state, JobState::Failed);
        f.running_since = Some(utc(2026, 3, 4, 2, 0));
        assert_eq!(derive_state(&f, utc(2026, 3, 4, 2, 5)).state, JobState::Running);
        f.active = false;
        assert_eq!(derive_state(&f, utc(2026, 3, 4, 2, 5)).state, JobState::Paused);
    }

    #[test]
    fn manual_jobs_are_never_late() {
        let f = facts(None, None);
        assert_eq!(derive_state(&f, utc(2030, 1, 1, 0, 0)).state, JobState::New);
        let f = facts(None, run(utc(2026, 1, 2, 0, 0), utc(2026, 1, 2, 1, 0), false));
        let verdict = derive_state(&f, utc(2030, 1, 1, 0, 0));
        assert_eq!((verdict.state, verdict.next_expected_at), (JobState::Up, None));
    }

    #[test]
    fn slots_are_whole_minutes_whatever_the_reference() {
        let schedule = CronSchedule::parse("0 2 * * *", "UTC").expect("valid");
        let reference = utc(2026, 3, 3, 10, 0) + Duration::milliseconds(280);
        assert_eq!(schedule.next_after(reference), Some(utc(2026, 3, 4, 2, 0)));
    }

    #[test]
    fn the_longest_gap_of_a_weekday_job_is_the_weekend() {
        let schedule = CronSchedule::parse("0 2 * * 1-5", "UTC").expect("valid");
        assert_eq!(schedule.longest_gap(utc(2026, 3, 2, 0, 0), 10), Some(Duration::days(3)));
        let upcoming = schedule.upcoming(utc(2026, 3, 6, 3, 0), 2); // Friday after the run
        assert_eq!(upcoming, vec![utc(2026, 3, 9, 2, 0), utc(2026, 3, 10, 2, 0)]);
    }
}
