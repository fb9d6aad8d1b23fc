//! Turns a job's stored facts into its state and 3-2-1-1-0 verdict (through the pure
//! functions in `schedule` and `compliance::engine`) and keeps `job_status`, the flip
//! history and the daily compliance history up to date. A background evaluator runs it
//! for jobs that just received results and, periodically, for every job.

use std::collections::HashSet;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration as StdDuration;

use crate::db::DbConn;
use bms_types::executions::ExecutionResult;
use bms_types::jobs::{ComplianceStatusDto, ComplianceVerdictDto, JobStatusDto, RuleOutcomeDto, RuleVerdictDto};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;

use crate::clock::SharedClock;
use crate::compliance::engine::{
    CompliancePolicy, ComplianceStatus, ComplianceVerdict, CopyFacts, RestoreFacts, RuleOutcome, evaluate_compliance,
};
use crate::compliance::restore::{RestoreRequirement, latest_counting_test};
use crate::config::TrackingSettings;
use crate::db::DbPool;
use crate::db::schema::{compliance_daily, executions, job_state_flips, job_status, job_tags, jobs};
use crate::error::ApiError;
use crate::tracking::model::{Copy, Job};
use crate::tracking::schedule::{CronSchedule, FinishedRun, JobState, ScheduleFacts, StateVerdict, derive_state};
use crate::tracking::writer::{IngestWriter, WriteOp};

/// Results that finish a run.
pub const FINISHED_RESULTS: [ExecutionResult; 3] =
    [ExecutionResult::Success, ExecutionResult::Warning, ExecutionResult::Failed];
/// Results that count as a successful backup.
pub const SUCCESSFUL_RESULTS: [ExecutionResult; 2] = [ExecutionResult::Success, ExecutionResult::Warning];

/// Told, inside the write transaction that stores it, about every changed job status
/// (the alert engine: its alert changes and queued notifications commit with the status,
/// or not at all). Defined here so that tracking does not import alerting.
pub trait StatusObserver: Send + Sync {
    /// `previous` is the stored row before this update (`None`: the job's first).
    fn status_stored(&self, conn: &mut DbConn, previous: Option<&StatusRow>, update: &StatusUpdate) -> QueryResult<()>;
}

/// The observer, if any, as a cloneable field of the settings.
#[derive(Clone, Default)]
pub struct StatusHook(Option<std::sync::Arc<dyn StatusObserver>>);

impl StatusHook {
    /// A hook calling `observer`.
    pub fn new(observer: std::sync::Arc<dyn StatusObserver>) -> Self {
        Self(Some(observer))
    }
}

impl std::fmt::Debug for StatusHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "StatusHook(set)" } else { "StatusHook(none)" })
    }
}

/// What evaluation needs besides the database.
#[derive(Debug, Clone)]
pub struct EvaluationSettings {
    /// Global thresholds and defaults.
    pub tracking: TrackingSettings,
    /// Zone whose calendar days the daily history uses.
    pub timezone: Tz,
    /// Who is told about status changes (the alert engine).
    pub observer: StatusHook,
}

impl EvaluationSettings {
    /// The settings the configuration gives (no observer yet).
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self { tracking: config.tracking.clone(), timezone: config.default_timezone, observer: StatusHook::default() }
    }
}

impl EvaluationSettings {
    /// The job's policy: global thresholds with its overrides and restore requirement.
    pub fn policy_for(&self, job: &Job, restore: &RestoreRequirement) -> CompliancePolicy {
        let pick = |own: Option<i32>, global: u32| own.and_then(|v| u32::try_from(v).ok()).unwrap_or(global);
        CompliancePolicy {
            min_copies: pick(job.min_copies, self.tracking.min_copies),
            min_media_types: pick(job.min_media_types, self.tracking.min_media_types),
            min_offsite: pick(job.min_offsite, self.tracking.min_offsite),
            min_offline_or_immutable: pick(job.min_offline, self.tracking.min_offline_or_immutable),
            restore_test_interval: restore.interval(self.tracking.restore_interval_days),
        }
    }

    /// The freshness window of the job's copies that set none: the schedule's longest gap
    /// (over the next week and a bit) plus grace and maximum duration, or for manual jobs
    /// the configured default. Computed once per job, not per copy: cron searches are the
    /// most expensive part of an evaluation.
    pub fn default_freshness(&self, job: &Job, schedule: Option<&CronSchedule>, now: DateTime<Utc>) -> Duration {
        match schedule.and_then(|schedule| schedule.longest_gap(now, 8)) {
            Some(gap) => gap + job.grace() + job.max_duration().unwrap_or_else(Duration::zero),
            None => Duration::hours(self.tracking.manual_freshness_hours),
        }
    }
}

/// A copy's freshness window: its own, else the job's default.
pub fn copy_freshness(copy: &Copy, job_default: Duration) -> Duration {
    copy.freshness_hours.map_or(job_default, |hours| Duration::hours(i64::from(hours)))
}

impl EvaluationSettings {
    /// The calendar day of an instant in the configured zone.
    pub fn day_of(&self, at: DateTime<Utc>) -> String {
        self.local_date(at).format("%Y-%m-%d").to_string()
    }

    /// The date of an instant in the configured zone.
    pub fn local_date(&self, at: DateTime<Utc>) -> chrono::NaiveDate {
        at.with_timezone(&self.timezone).date_naive()
    }
}

/// Latest runs of one copy.
#[derive(Debug, Clone, Copy, Default)]
pub struct CopyRuns {
    /// Latest successful run: (execution id, finished at).
    pub last_success: Option<(i64, DateTime<Utc>)>,
    /// Latest finished run: (execution id, failed?).
    pub latest: Option<(i64, bool)>,
}

/// Everything evaluation reads about one job.
#[derive(Debug, Clone)]
pub struct JobFacts {
    pub job: Job,
    pub copies: Vec<(Copy, CopyRuns)>,
    /// Latest finished run: (result, started, finished).
    pub last_finished: Option<(ExecutionResult, Option<DateTime<Utc>>, DateTime<Utc>)>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub running_since: Option<DateTime<Utc>>,
    /// The job's restore-test requirement and its latest counting test.
    pub restore_requirement: RestoreRequirement,
    pub restore: RestoreFacts,
}

/// Reads a job's facts: the latest-run columns the ingest writer maintains on the job
/// and its copies, plus the open runs (a small partial index), never the full history.
pub fn load_facts(conn: &mut DbConn, job: Job) -> QueryResult<JobFacts> {
    let last_finished_start = job.last_run_started_at.or(job.last_run_at);
    let mut open_runs = executions::table
        .filter(executions::job_id.eq(job.id))
        .filter(executions::result.eq(ExecutionResult::Running))
        .select(executions::started_at)
        .order(executions::started_at.asc())
        .into_boxed();
    if let Some(since) = last_finished_start {
        // Starts older than the latest finished run were abandoned (or closed without rid).
        open_runs = open_runs.filter(executions::started_at.gt(since));
    }
    let running_since: Option<Option<DateTime<Utc>>> = open_runs.first(conn).optional()?;
    let copies = Copy::of_job(conn, job.id)?
        .into_iter()
        .map(|copy| {
            let runs = CopyRuns {
                last_success: copy.last_success_id.zip(copy.last_success_at),
                latest: copy.last_run_id.map(|id| (id, copy.last_run_failed.unwrap_or(false))),
            };
            (copy, runs)
        })
        .collect();
    let restore_requirement = RestoreRequirement::load(conn, job.id)?;
    let restore = RestoreFacts {
        latest: latest_counting_test(conn, job.id, &restore_requirement.counting_types)?,
        since: Some(job.created_at),
    };
    Ok(JobFacts {
        restore_requirement,
        restore,
        last_finished: job
            .last_run_result
            .zip(job.last_run_at)
            .map(|(result, at)| (result, job.last_run_started_at, at)),
        last_success_at: job.last_success_at,
        running_since: running_since.flatten(),
        copies,
        job,
    })
}

/// Derives state and compliance from facts.
pub fn evaluate(
    facts: &JobFacts,
    settings: &EvaluationSettings,
    now: DateTime<Utc>,
) -> (StateVerdict, ComplianceVerdict) {
    let schedule = facts.job.schedule();
    let default_freshness = settings.default_freshness(&facts.job, schedule.as_ref(), now);
    let state = derive_state(
        &ScheduleFacts {
            active: facts.job.is_active,
            schedule: schedule.as_ref(),
            grace: facts.job.grace(),
            max_duration: facts.job.max_duration(),
            created_at: facts.job.created_at,
            last_finished: facts.last_finished.as_ref().map(|(result, started, finished)| FinishedRun {
                started_at: started.unwrap_or(*finished),
                finished_at: *finished,
                failed: *result == ExecutionResult::Failed,
            }),
            running_since: facts.running_since,
        },
        now,
    );
    let copy_facts: Vec<CopyFacts> = facts
        .copies
        .iter()
        .map(|(copy, runs)| CopyFacts {
            copy_id: copy.id,
            media_type: copy.media_type.as_str().to_owned(),
            offsite: copy.is_offsite,
            offline: copy.is_offline,
            immutable: copy.is_immutable,
            freshness_window: copy_freshness(copy, default_freshness),
            last_success: runs.last_success,
            latest_run: runs.latest,
        })
        .collect();
    let policy = settings.policy_for(&facts.job, &facts.restore_requirement);
    let verdict = evaluate_compliance(&copy_facts, Some(&facts.restore), &policy, now);
    (state, verdict)
}

/// The wire form of a verdict.
pub fn verdict_dto(verdict: &ComplianceVerdict, evaluated_at: DateTime<Utc>) -> ComplianceVerdictDto {
    ComplianceVerdictDto {
        status: status_dto(verdict.status),
        rules: verdict
            .rules
            .iter()
            .map(|rule| RuleVerdictDto {
                rule: rule.rule.as_str().to_owned(),
                outcome: match rule.outcome {
                    RuleOutcome::Pass => RuleOutcomeDto::Pass,
                    RuleOutcome::Warning => RuleOutcomeDto::Warning,
                    RuleOutcome::Fail => RuleOutcomeDto::Fail,
                },
                reason: rule.reason.to_owned(),
                required: rule.required,
                found: rule.found,
                copy_ids: rule.copy_ids.clone(),
                execution_ids: rule.execution_ids.clone(),
                restore_test_ids: rule.restore_test_ids.clone(),
            })
            .collect(),
        evaluated_at,
    }
}

fn status_dto(status: ComplianceStatus) -> ComplianceStatusDto {
    match status {
        ComplianceStatus::Compliant => ComplianceStatusDto::Compliant,
        ComplianceStatus::Warning => ComplianceStatusDto::Warning,
        ComplianceStatus::NonCompliant => ComplianceStatusDto::NonCompliant,
    }
}

/// A stored status row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = job_status)]
pub struct StatusRow {
    pub job_id: i64,
    pub state: JobState,
    pub state_since: DateTime<Utc>,
    pub next_expected_at: Option<DateTime<Utc>>,
    pub last_result: Option<ExecutionResult>,
    pub last_run_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub compliance_status: ComplianceStatus,
    pub compliance: String,
    pub evaluated_at: DateTime<Utc>,
}

impl StatusRow {
    /// The wire form.
    pub fn to_dto(&self) -> Result<JobStatusDto, ApiError> {
        Ok(JobStatusDto {
            state: self.state,
            state_since: self.state_since,
            next_expected_at: self.next_expected_at,
            last_result: self.last_result.map(|result| result.as_str().to_owned()),
            last_run_at: self.last_run_at,
            last_success_at: self.last_success_at,
            compliance_status: self.compliance_status,
            evaluated_at: self.evaluated_at,
        })
    }
}

/// What an evaluation wants stored, computed from a read snapshot so that the slow part
/// (reading facts, cron searches, building the verdict) never holds the write lock.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusUpdate {
    pub job_id: i64,
    pub state: JobState,
    pub next_expected_at: Option<DateTime<Utc>>,
    pub last_result: Option<ExecutionResult>,
    pub last_run_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub compliance_status: ComplianceStatus,
    /// The rules with their evidence, as JSON (the status has its own column), so an
    /// unchanged verdict is an equal string and costs no write.
    pub compliance_json: String,
    /// The same rules, for the observer (so it need not parse the JSON back).
    pub rules: Vec<RuleVerdictDto>,
    pub evaluated_at: DateTime<Utc>,
    /// Today's calendar day in the configured zone.
    pub day: String,
    /// The latest finished run's id.
    pub last_run_id: Option<i64>,
    /// Copies that had a success and left their freshness window: (copy, last success run).
    pub stale_copies: Vec<(i64, i64)>,
    /// The job's name and tags, read with the facts (for the observer, which runs under
    /// the write lock and should read as little as possible there).
    pub job_name: String,
    /// The job's tags.
    pub tags: Vec<String>,
    /// Failed runs in a row, counting back from the latest (0 unless the latest failed).
    pub consecutive_failures: i64,
    /// The restore half of the "0" rule: reason, the test it rests on, next due date.
    pub restore_reason: &'static str,
    /// The latest counting restore test.
    pub restore_test_id: Option<i64>,
    /// When the next restore test is due (`None`: no requirement).
    pub restore_due_at: Option<DateTime<Utc>>,
}

/// Failed runs in a row, counting back from the job's latest finished run (at most 100).
pub fn consecutive_failures(conn: &mut DbConn, job_id: i64) -> QueryResult<i64> {
    let results: Vec<ExecutionResult> = executions::table
        .filter(executions::job_id.eq(job_id))
        .filter(executions::result.eq_any(FINISHED_RESULTS))
        .order(executions::id.desc())
        .select(executions::result)
        .limit(100)
        .load(conn)?;
    Ok(i64::try_from(results.iter().take_while(|result| **result == ExecutionResult::Failed).count()).unwrap_or(0))
}

/// Evaluates one job and returns its update, or `None` when nothing changed (or the job
/// is gone). Reads only.
pub fn compute_update(
    conn: &mut DbConn,
    job_id: i64,
    now: DateTime<Utc>,
    settings: &EvaluationSettings,
) -> Result<Option<StatusUpdate>, ApiError> {
    let Some(job) = jobs::table.find(job_id).select(Job::as_select()).first(conn).optional()? else {
        return Ok(None);
    };
    let facts = load_facts(conn, job)?;
    let (state, verdict) = evaluate(&facts, settings, now);
    let rules = verdict_dto(&verdict, now).rules;
    let previous: Option<StatusRow> =
        job_status::table.find(job_id).select(StatusRow::as_select()).first(conn).optional()?;
    let update = StatusUpdate {
        job_id,
        state: state.state,
        next_expected_at: state.next_expected_at,
        last_result: facts.last_finished.as_ref().map(|(result, _, _)| *result),
        last_run_at: facts.last_finished.as_ref().map(|(_, _, finished)| *finished),
        last_success_at: facts.last_success_at,
        compliance_status: verdict.status,
        compliance_json: serde_json::to_string(&rules).map_err(ApiError::internal)?,
        rules,
        evaluated_at: now,
        day: settings.day_of(now),
        last_run_id: facts.job.last_run_id,
        stale_copies: facts
            .copies
            .iter()
            .filter(|(copy, _)| verdict.stale_copy_ids.contains(&copy.id))
            .filter_map(|(copy, runs)| runs.last_success.map(|(run, _)| (copy.id, run)))
            .collect(),
        job_name: facts.job.name.clone(),
        tags: job_tags::table
            .filter(job_tags::job_id.eq(job_id))
            .select(job_tags::tag)
            .order(job_tags::tag)
            .load(conn)?,
        consecutive_failures: if facts.job.last_run_result == Some(ExecutionResult::Failed) {
            consecutive_failures(conn, job_id)?
        } else {
            0
        },
        restore_reason: verdict.restore.reason,
        restore_test_id: verdict.restore.test_id,
        restore_due_at: verdict.restore.due_at,
    };
    let day_recorded: Option<String> =
        compliance_daily::table.find((job_id, &update.day)).select(compliance_daily::status).first(conn).optional()?;
    let unchanged = previous.as_ref().is_some_and(|p| same_status(p, &update))
        && day_recorded.as_deref() == Some(update.compliance_status.as_str());
    Ok((!unchanged).then_some(update))
}

fn same_status(stored: &StatusRow, update: &StatusUpdate) -> bool {
    stored.state == update.state
        && stored.next_expected_at == update.next_expected_at
        && stored.last_result == update.last_result
        && stored.last_run_at == update.last_run_at
        && stored.last_success_at == update.last_success_at
        && stored.compliance == update.compliance_json
}

/// Stores an update inside the caller's write transaction: the status row, a flip when
/// the state changed, and today's compliance-history row. The current row is re-read
/// here, under the write lock, so flips are exact even if the update was computed from
/// a slightly older snapshot.
pub fn apply_update(conn: &mut DbConn, update: &StatusUpdate, observer: &StatusHook) -> QueryResult<()> {
    if jobs::table.find(update.job_id).select(jobs::id).first::<i64>(conn).optional()?.is_none() {
        return Ok(());
    }
    let current: Option<StatusRow> =
        job_status::table.find(update.job_id).select(StatusRow::as_select()).first(conn).optional()?;
    let state = update.state;
    if !current.as_ref().is_some_and(|row| same_status(row, update)) {
        let state_since = match &current {
            Some(row) if row.state == state => row.state_since,
            _ => update.evaluated_at,
        };
        diesel::replace_into(job_status::table)
            .values((
                job_status::job_id.eq(update.job_id),
                job_status::state.eq(state),
                job_status::state_since.eq(state_since),
                job_status::next_expected_at.eq(update.next_expected_at),
                job_status::last_result.eq(&update.last_result),
                job_status::last_run_at.eq(update.last_run_at),
                job_status::last_success_at.eq(update.last_success_at),
                job_status::compliance_status.eq(update.compliance_status),
                job_status::compliance.eq(&update.compliance_json),
                job_status::evaluated_at.eq(update.evaluated_at),
            ))
            .execute(conn)?;
        if current.as_ref().is_none_or(|row| row.state != state) {
            diesel::insert_into(job_state_flips::table)
                .values((
                    job_state_flips::job_id.eq(update.job_id),
                    job_state_flips::from_state.eq(current.as_ref().map(|row| row.state)),
                    job_state_flips::to_state.eq(state),
                    job_state_flips::flipped_at.eq(update.evaluated_at),
                ))
                .execute(conn)?;
        }
        if let Some(observer) = &observer.0 {
            observer.status_stored(conn, current.as_ref(), update)?;
        }
    }
    diesel::replace_into(compliance_daily::table)
        .values((
            compliance_daily::job_id.eq(update.job_id),
            compliance_daily::day.eq(&update.day),
            compliance_daily::status.eq(update.compliance_status.as_str()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Evaluates and stores one job in the caller's write transaction (job changes made
/// through the API, tests). Returns the new state when something was written.
pub fn refresh_job(
    conn: &mut DbConn,
    job_id: i64,
    now: DateTime<Utc>,
    settings: &EvaluationSettings,
) -> Result<Option<JobState>, ApiError> {
    let update = compute_update(conn, job_id, now, settings)?;
    if let Some(update) = &update {
        apply_update(conn, update, &settings.observer)?;
    }
    Ok(update.map(|update| update.state))
}

/// Computes the updates of many jobs from one read snapshot per chunk.
pub fn compute_updates(
    pool: &DbPool,
    job_ids: &[i64],
    now: DateTime<Utc>,
    settings: &EvaluationSettings,
) -> Result<Vec<StatusUpdate>, ApiError> {
    let mut conn = pool.get()?;
    let mut updates = Vec::new();
    for chunk in job_ids.chunks(500) {
        conn.transaction(|conn| {
            for job_id in chunk {
                updates.extend(compute_update(conn, *job_id, now, settings)?);
            }
            Ok::<_, ApiError>(())
        })?;
    }
    Ok(updates)
}

/// Re-evaluates every job and stores the changes directly (tests and tools; the running
/// server routes its writes through the ingest writer instead).
pub fn refresh_all(pool: &DbPool, now: DateTime<Utc>, settings: &EvaluationSettings) -> Result<usize, ApiError> {
    let ids = all_job_ids(pool)?;
    let updates = compute_updates(pool, &ids, now, settings)?;
    let mut conn = pool.get()?;
    for chunk in updates.chunks(500) {
        crate::db::write_transaction(&mut conn, |conn| {
            chunk.iter().try_for_each(|update| apply_update(conn, update, &settings.observer))
        })?;
    }
    Ok(ids.len())
}

fn all_job_ids(pool: &DbPool) -> Result<Vec<i64>, ApiError> {
    let mut conn = pool.get()?;
    Ok(jobs::table.select(jobs::id).order(jobs::id).load(&mut conn)?)
}

/// Handle to the background evaluator.
#[derive(Debug, Clone)]
pub struct Evaluator {
    sender: Sender<i64>,
}

/// The evaluator's side of the channel, until `start` runs it.
#[derive(Debug)]
pub struct EvaluatorInbox {
    receiver: Receiver<i64>,
}

impl Evaluator {
    /// Creates the handle and its inbox. The writer gets the handle (to report jobs that
    /// received results); the inbox is started once the writer exists, because the
    /// evaluator stores its results through the writer: one writer, no lock waits.
    pub fn channel() -> (Self, EvaluatorInbox) {
        let (sender, receiver) = mpsc::channel();
        (Self { sender }, EvaluatorInbox { receiver })
    }

    /// Asks for a job to be re-evaluated soon (after results or a change).
    pub fn mark_dirty(&self, job_id: i64) {
        // The evaluator only stops with the process; a send error means shutdown.
        let _ = self.sender.send(job_id);
    }
}

impl EvaluatorInbox {
    /// Starts the evaluator thread: dirty jobs within about a second. (Every job, every
    /// `evaluation_interval_seconds`, is the scheduler's `evaluate_jobs` task: `sweep`.)
    pub fn start(self, pool: DbPool, clock: SharedClock, settings: EvaluationSettings, writer: IngestWriter) {
        let spawned = std::thread::Builder::new()
            .name("bms-evaluator".into())
            .spawn(move || run_evaluator(&pool, &clock, &settings, &writer, &self.receiver));
        if let Err(error) = spawned {
            log::error!("could not start the job evaluator: {error}");
        }
    }
}

/// Re-evaluates every job at `now` and stores the changes through the writer (the
/// scheduler's periodic sweep: late and missed runs are noticed without any result coming in).
pub fn sweep(
    pool: &DbPool,
    now: DateTime<Utc>,
    settings: &EvaluationSettings,
    writer: &IngestWriter,
) -> Result<(), String> {
    let updates = all_job_ids(pool)
        .and_then(|ids| compute_updates(pool, &ids, now, settings))
        .map_err(|error| error.to_string())?;
    for chunk in updates.chunks(500) {
        writer.submit_blocking(WriteOp::Status(chunk.to_vec())).map_err(|error| error.to_string())?;
    }
    Ok(())
}

fn store(writer: &IngestWriter, updates: Vec<StatusUpdate>) {
    for chunk in updates.chunks(500) {
        if let Err(error) = writer.submit_blocking(WriteOp::Status(chunk.to_vec())) {
            log::error!("storing job evaluations failed: {error}");
        }
    }
}

fn run_evaluator(
    pool: &DbPool,
    clock: &SharedClock,
    settings: &EvaluationSettings,
    writer: &IngestWriter,
    receiver: &Receiver<i64>,
) {
    loop {
        let first = match receiver.recv_timeout(StdDuration::from_millis(500)) {
            Ok(job_id) => job_id,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        // Coalesce a burst of results into one pass: a job that keeps reporting is
        // evaluated about once per window, not once per result. Short, because a failed
        // run's notification waits for it.
        std::thread::sleep(StdDuration::from_millis(200));
        let mut dirty: HashSet<i64> = HashSet::from([first]);
        dirty.extend(receiver.try_iter());
        let ids: Vec<i64> = dirty.into_iter().collect();
        match compute_updates(pool, &ids, clock.now(), settings) {
            Ok(updates) => store(writer, updates),
            Err(error) => log::error!("job evaluation failed: {error}"),
        }
    }
}
