//! The one in-process scheduler for periodic work. Each task has a name, an interval or a
//! cron schedule, and a row in `scheduler_tasks` with its next run and how its last run
//! went, so that a run missed while bms was stopped happens **once** at the next start
//! (the next run is computed from the time the run finished, never replayed period by
//! period). Exactly one process runs the tasks: the holder of the `scheduler_lease` row,
//! which it renews while it lives; another process takes it over once it has expired.
//!
//! The timing rules (`is_due`, `next_run`, `lease_decision`) are pure functions with an
//! injected time; the loop around them is thin.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use bms_types::system::{LeaseDto, TaskDto, TaskList, TaskOutcome};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::clock::SharedClock;
use crate::db::schema::{scheduler_lease, scheduler_tasks};
use crate::db::{DbConn, DbPool, write_transaction};
use crate::tracking::schedule::CronSchedule;

/// When a task runs.
#[derive(Debug, Clone)]
pub enum TaskSchedule {
    /// Every so often, counted from the end of the previous run.
    Every(Duration),
    /// At the times of a cron expression in its time zone (with its text, for display).
    Cron(Box<CronSchedule>, String),
}

impl TaskSchedule {
    /// The next run after a run that finished at `finished`.
    pub fn next_run(&self, finished: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Self::Every(interval) => finished + *interval,
            // A pattern that never fires again (validated away at registration) falls back
            // to a day later rather than running in a loop.
            Self::Cron(schedule, _) => schedule.next_after(finished).unwrap_or(finished + Duration::days(1)),
        }
    }

    /// `every 60s`, or the cron expression and its zone.
    pub fn describe(&self) -> String {
        match self {
            Self::Every(interval) => format!("every {}s", interval.num_seconds()),
            Self::Cron(_, text) => text.clone(),
        }
    }
}

/// What a task does when it runs; an `Err` is recorded as the run's failure.
pub type TaskFn = Arc<dyn Fn(DateTime<Utc>) -> Result<(), String> + Send + Sync>;

/// A periodic task.
#[derive(Clone)]
pub struct Task {
    /// Stable name (the key of its row).
    pub name: &'static str,
    /// What it does, for the admin page.
    pub description: &'static str,
    /// When it runs.
    pub schedule: TaskSchedule,
    /// The work.
    pub run: TaskFn,
}

impl std::fmt::Debug for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Task").field("name", &self.name).field("schedule", &self.schedule).finish_non_exhaustive()
    }
}

/// Whether a task whose next run is `next_run_at` runs at `now`. A task without a row yet
/// (new, or a new installation) runs at once.
pub fn is_due(next_run_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    next_run_at.is_none_or(|at| at <= now)
}

/// How long a lease lasts unless renewed; a holder renews it when less than half is left.
pub const LEASE_SECONDS: i64 = 30;

/// What a process should do about the lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseDecision {
    /// Take it (nobody holds it, or the holder let it expire).
    Take,
    /// Renew it (held by us, past half its time).
    Renew,
    /// Keep it as it is (held by us, plenty of time left).
    Keep,
    /// Leave it (another live process holds it).
    Yield,
}

/// The decision for `me` given the current lease row.
pub fn lease_decision(current: Option<(&str, DateTime<Utc>)>, me: &str, now: DateTime<Utc>) -> LeaseDecision {
    match current {
        None => LeaseDecision::Take,
        Some((holder, expires)) if holder == me => {
            if expires - now < Duration::seconds(LEASE_SECONDS / 2) {
                LeaseDecision::Renew
            } else {
                LeaseDecision::Keep
            }
        }
        Some((_, expires)) if expires <= now => LeaseDecision::Take,
        Some(_) => LeaseDecision::Yield,
    }
}

/// Takes or renews the lease for `me` when it may; returns whether `me` holds it now.
/// Decided and written in one write transaction, so two processes never both win.
pub fn hold_lease(conn: &mut DbConn, me: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    write_transaction(conn, |conn| {
        let current: Option<(String, DateTime<Utc>)> = scheduler_lease::table
            .find(1)
            .select((scheduler_lease::holder, scheduler_lease::expires_at))
            .first(conn)
            .optional()?;
        let decision = lease_decision(current.as_ref().map(|(holder, at)| (holder.as_str(), *at)), me, now);
        let expires = now + Duration::seconds(LEASE_SECONDS);
        match decision {
            LeaseDecision::Take | LeaseDecision::Renew => {
                diesel::replace_into(scheduler_lease::table)
                    .values((
                        scheduler_lease::id.eq(1),
                        scheduler_lease::holder.eq(me),
                        scheduler_lease::expires_at.eq(expires),
                    ))
                    .execute(conn)?;
                if decision == LeaseDecision::Take {
                    log::info!("scheduler: this process ({me}) now runs the periodic tasks");
                }
                Ok(true)
            }
            LeaseDecision::Keep => Ok(true),
            LeaseDecision::Yield => Ok(false),
        }
    })
}

/// Gives the lease up (at shutdown), so another process need not wait for it to expire.
pub fn release_lease(conn: &mut DbConn, me: &str) -> QueryResult<()> {
    diesel::delete(scheduler_lease::table.filter(scheduler_lease::holder.eq(me))).execute(conn).map(|_| ())
}

fn next_run_at(conn: &mut DbConn, name: &str) -> QueryResult<Option<DateTime<Utc>>> {
    scheduler_tasks::table.find(name).select(scheduler_tasks::next_run_at).first(conn).optional()
}

/// Runs `task` if it is due and records the run; returns whether it ran.
pub fn run_if_due(conn: &mut DbConn, task: &Task, clock: &SharedClock) -> QueryResult<bool> {
    let now = clock.now();
    if !is_due(next_run_at(conn, task.name)?, now) {
        return Ok(false);
    }
    // Record the start first: if bms dies during the run, the page shows a run that
    // started and never finished.
    diesel::insert_into(scheduler_tasks::table)
        .values((
            scheduler_tasks::name.eq(task.name),
            scheduler_tasks::next_run_at.eq(now),
            scheduler_tasks::last_started_at.eq(now),
        ))
        .on_conflict(scheduler_tasks::name)
        .do_update()
        .set(scheduler_tasks::last_started_at.eq(now))
        .execute(conn)?;
    let started = std::time::Instant::now();
    let outcome = (task.run)(now);
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let finished = clock.now();
    let (result, error) = match outcome {
        Ok(()) => (TaskOutcome::Success, None),
        Err(error) => {
            log::error!("scheduled task {} failed: {error}", task.name);
            (TaskOutcome::Failure, Some(error))
        }
    };
    let failed = i64::from(result == TaskOutcome::Failure);
    diesel::update(scheduler_tasks::table.find(task.name))
        .set((
            scheduler_tasks::next_run_at.eq(task.schedule.next_run(finished)),
            scheduler_tasks::last_finished_at.eq(finished),
            scheduler_tasks::last_duration_ms.eq(duration_ms),
            scheduler_tasks::last_outcome.eq(result.as_str()),
            scheduler_tasks::last_error.eq(error),
            scheduler_tasks::runs.eq(scheduler_tasks::runs + 1),
            scheduler_tasks::failures.eq(scheduler_tasks::failures + failed),
        ))
        .execute(conn)?;
    Ok(true)
}

/// A running scheduler: its lease holder name and its tasks (for the admin page).
#[derive(Debug, Clone)]
pub struct Scheduler {
    /// This process's name in the lease.
    pub holder: String,
    /// The registered tasks.
    pub tasks: Vec<Task>,
    /// Whether this process held the lease at its last tick (the notification worker runs
    /// only then, so two processes never both send).
    pub holds_lease: Arc<std::sync::atomic::AtomicBool>,
}

impl Scheduler {
    /// A scheduler for `tasks`, named after this host and process.
    pub fn new(tasks: Vec<Task>) -> Self {
        let host = std::env::var("HOSTNAME").ok().filter(|name| !name.is_empty()).unwrap_or_else(|| "bms".to_owned());
        let nonce: u32 = rand::random();
        Self::named(format!("{host}:{}:{nonce:08x}", std::process::id()), tasks)
    }

    /// A scheduler with a given lease name.
    pub fn named(holder: impl Into<String>, tasks: Vec<Task>) -> Self {
        Self { holder: holder.into(), tasks, holds_lease: Arc::default() }
    }

    /// Adds tasks (before `start`).
    pub fn add_tasks(&mut self, tasks: Vec<Task>) {
        self.tasks.extend(tasks);
    }

    /// Starts the loop on its own thread: every `tick`, hold the lease or leave it, and run
    /// the tasks that are due while holding it.
    pub fn start(&self, pool: DbPool, clock: SharedClock, tick: StdDuration) {
        let scheduler = self.clone();
        let spawned = std::thread::Builder::new().name("bms-scheduler".into()).spawn(move || {
            loop {
                scheduler.tick(&pool, &clock);
                std::thread::sleep(tick);
            }
        });
        if let Err(error) = spawned {
            log::error!("could not start the scheduler: {error}");
        }
    }

    /// One pass: lease, then every due task in order, on one pooled connection.
    pub fn tick(&self, pool: &DbPool, clock: &SharedClock) {
        let mut conn = match pool.get() {
            Ok(conn) => conn,
            Err(error) => {
                log::error!("scheduler: no database connection: {error}");
                return;
            }
        };
        let held = hold_lease(&mut conn, &self.holder, clock.now());
        self.holds_lease.store(matches!(held, Ok(true)), std::sync::atomic::Ordering::SeqCst);
        match held {
            Ok(true) => {
                for task in &self.tasks {
                    if let Err(error) = run_if_due(&mut conn, task, clock) {
                        log::error!("scheduler: could not run {}: {error}", task.name);
                    }
                }
            }
            Ok(false) => {}
            Err(error) => log::error!("scheduler: lease check failed: {error}"),
        }
    }

    /// Every task with its stored state, and the lease.
    pub fn list(&self, conn: &mut DbConn, now: DateTime<Utc>) -> QueryResult<TaskList> {
        type Row = (
            String,
            DateTime<Utc>,
            Option<DateTime<Utc>>,
            Option<DateTime<Utc>>,
            Option<i64>,
            Option<String>,
            Option<String>,
            i64,
            i64,
        );
        let rows: Vec<Row> = scheduler_tasks::table
            .select((
                scheduler_tasks::name,
                scheduler_tasks::next_run_at,
                scheduler_tasks::last_started_at,
                scheduler_tasks::last_finished_at,
                scheduler_tasks::last_duration_ms,
                scheduler_tasks::last_outcome,
                scheduler_tasks::last_error,
                scheduler_tasks::runs,
                scheduler_tasks::failures,
            ))
            .load(conn)?;
        let mut data: Vec<TaskDto> = self
            .tasks
            .iter()
            .map(|task| {
                let row = rows.iter().find(|row| row.0 == task.name);
                TaskDto {
                    name: task.name.to_owned(),
                    description: task.description.to_owned(),
                    schedule: task.schedule.describe(),
                    next_run_at: row.map_or(now, |row| row.1),
                    last_started_at: row.and_then(|row| row.2),
                    last_finished_at: row.and_then(|row| row.3),
                    last_duration_ms: row.and_then(|row| row.4),
                    last_outcome: row.and_then(|row| row.5.as_deref()).and_then(TaskOutcome::parse),
                    last_error: row.and_then(|row| row.6.clone()),
                    runs: row.map_or(0, |row| row.7),
                    failures: row.map_or(0, |row| row.8),
                }
            })
            .collect();
        data.sort_by(|a, b| a.name.cmp(&b.name));
        let lease = scheduler_lease::table
            .find(1)
            .select((scheduler_lease::holder, scheduler_lease::expires_at))
            .first::<(String, DateTime<Utc>)>(conn)
            .optional()?
            .map(|(holder, expires_at)| LeaseDto { held_by_this_process: holder == self.holder, holder, expires_at });
        Ok(TaskList { data, lease })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::clock::{Clock, ManualClock};

    fn at(hour: u32, minute: u32, second: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 4, hour, minute, second).single().expect("time")
    }

    #[test]
    fn due_and_next_run_catch_up_once_after_downtime() {
        let every_minute = TaskSchedule::Every(Duration::minutes(1));
        assert!(is_due(None, at(10, 0, 0)), "a new task runs at once");
        assert!(!is_due(Some(at(10, 1, 0)), at(10, 0, 30)));
        assert!(is_due(Some(at(10, 1, 0)), at(10, 1, 0)));
        // Down from 10:01 to 13:00: 179 runs were missed; the one run at 13:00 schedules the
        // next a minute after it finished, not at 10:02.
        assert!(is_due(Some(at(10, 1, 0)), at(13, 0, 0)));
        assert_eq!(every_minute.next_run(at(13, 0, 2)), at(13, 1, 2));
        let nightly = TaskSchedule::Cron(
            Box::new(CronSchedule::parse("30 2 * * *", "UTC").expect("cron")),
            "30 2 * * * UTC".into(),
        );
        assert_eq!(nightly.next_run(at(13, 0, 0)), Utc.with_ymd_and_hms(2026, 12, 5, 2, 30, 0).single().expect("t"));
        assert_eq!(nightly.describe(), "30 2 * * * UTC");
        assert_eq!(every_minute.describe(), "every 60s");
    }

    #[test]
    fn the_lease_is_taken_when_free_or_expired_renewed_by_its_holder_and_left_otherwise() {
        let now = at(10, 0, 0);
        type Case<'a> = (Option<(&'a str, DateTime<Utc>)>, LeaseDecision);
        let table: &[Case<'_>] = &[
            (None, LeaseDecision::Take),
            (Some(("me", now + Duration::seconds(25))), LeaseDecision::Keep),
            (Some(("me", now + Duration::seconds(10))), LeaseDecision::Renew),
            (Some(("me", now - Duration::seconds(1))), LeaseDecision::Renew),
            (Some(("other", now + Duration::seconds(1))), LeaseDecision::Yield),
            (Some(("other", now)), LeaseDecision::Take),
            (Some(("other", now - Duration::seconds(5))), LeaseDecision::Take),
        ];
        for (current, expected) in table {
            assert_eq!(lease_decision(*current, "me", now), *expected, "{current:?}");
        }
    }

    fn migrated_pool() -> (tempfile::TempDir, DbPool) {
        let dir = tempfile::tempdir().expect("dir");
        let pool = crate::db::connect(&dir.path().join("s.db")).expect("pool");
        crate::db::run_pending_migrations(&mut pool.get().expect("conn")).expect("migrate");
        (dir, pool)
    }

    #[test]
    fn two_processes_on_one_database_run_each_task_once_and_the_second_takes_over() {
        let (_dir, pool) = migrated_pool();
        let clock = Arc::new(ManualClock::starting_at(at(10, 0, 0)));
        let shared: SharedClock = clock.clone();
        let counter = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = Arc::clone(&counter);
        let task = Task {
            name: "count",
            description: "counts its runs",
            schedule: TaskSchedule::Every(Duration::seconds(10)),
            run: Arc::new(move |_| {
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok(())
            }),
        };
        let first = Scheduler::named("first", vec![task.clone()]);
        let second = Scheduler::named("second", vec![task]);
        let runs = || counter.load(std::sync::atomic::Ordering::SeqCst);
        // Both tick every second for a minute: the task (every 10 s) runs 6 times, not 12.
        for _ in 0..60 {
            first.tick(&pool, &shared);
            second.tick(&pool, &shared);
            clock.advance(Duration::seconds(1));
        }
        assert_eq!(runs(), 6);
        assert!(first.holds_lease.load(std::sync::atomic::Ordering::SeqCst));
        assert!(!second.holds_lease.load(std::sync::atomic::Ordering::SeqCst));
        let list = first.list(&mut pool.get().expect("conn"), clock.now()).expect("list");
        assert_eq!(list.lease.as_ref().map(|lease| lease.holder.as_str()), Some("first"));
        assert_eq!(list.data[0].runs, 6);
        assert_eq!(list.data[0].last_outcome, Some(TaskOutcome::Success));
        // The first one dies (stops ticking): after its lease expires the second runs the task.
        for _ in 0..60 {
            second.tick(&pool, &shared);
            clock.advance(Duration::seconds(1));
        }
        let list = second.list(&mut pool.get().expect("conn"), clock.now()).expect("list");
        assert_eq!(list.lease.as_ref().map(|lease| lease.holder.as_str()), Some("second"));
        assert!(list.lease.as_ref().is_some_and(|lease| lease.held_by_this_process));
        // The first renewed its lease last at 10:00:48 (until 10:01:18): the second takes
        // over then and runs the task at :18, :28, :38, :48, :58 — nothing ran in between.
        assert_eq!(runs(), 11);
    }

    #[test]
    fn a_failing_run_is_recorded_and_the_task_runs_again_later() {
        let (_dir, pool) = migrated_pool();
        let clock = Arc::new(ManualClock::starting_at(at(10, 0, 0)));
        let shared: SharedClock = clock.clone();
        let scheduler = Scheduler::named(
            "me",
            vec![Task {
                name: "broken",
                description: "always fails",
                schedule: TaskSchedule::Every(Duration::minutes(5)),
                run: Arc::new(|_| Err("disk full".into())),
            }],
        );
        scheduler.tick(&pool, &shared);
        let list = scheduler.list(&mut pool.get().expect("conn"), clock.now()).expect("list");
        let task = &list.data[0];
        assert_eq!((task.runs, task.failures), (1, 1));
        assert_eq!(task.last_outcome, Some(TaskOutcome::Failure));
        assert_eq!(task.last_error.as_deref(), Some("disk full"));
        assert_eq!(task.next_run_at, at(10, 5, 0));
        // After a restart (a new scheduler on the same database) the persisted next run
        // holds: nothing runs before 10:05, then exactly once.
        let restarted = Scheduler::named("me-again", scheduler.tasks.clone());
        clock.advance(Duration::minutes(1));
        restarted.tick(&pool, &shared);
        clock.advance(Duration::hours(3));
        restarted.tick(&pool, &shared);
        restarted.tick(&pool, &shared);
        let list = restarted.list(&mut pool.get().expect("conn"), clock.now()).expect("list");
        assert_eq!(list.data[0].runs, 2, "one catch-up run after three hours down, not 36");
    }
}
