//! Turns a job's stored facts into its state and 3-2-1-1-0 verdict (through the pure
//! functions in `schedule` and `compliance::engine`) and keeps `job_status`, the flip
//! history and the daily compliance history up to date. A background evaluator runs it
//! for jobs that just received results and, periodically, for every job.

use std::collections::HashSet;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration as StdDuration, Instant};

use bms_types::jobs::{
    ComplianceStatusDto, ComplianceVerdictDto, JobStateDto, JobStatusDto, RuleOutcomeDto, RuleVerdictDto,
};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use crate::clock::SharedClock;
use crate::compliance::engine::{
    CompliancePolicy, ComplianceStatus, ComplianceVerdict, CopyFacts, RuleOutcome, evaluate_compliance,
};
use crate::config::TrackingSettings;
use crate::db::DbPool;
use crate::db::schema::{compliance_daily, executions, job_state_flips, job_status, jobs};
use crate::error::ApiError;
use crate::jobs::model::{Copy, Job};
use crate::jobs::schedule::{FinishedRun, JobState, ScheduleFacts, StateVerdict, derive_state};

/// Results that finish a run.
pub const FINISHED_RESULTS: [&str; 3] = ["success", "warning", "failed"];
/// Results that count as a successful backup.
pub const SUCCESSFUL_RESULTS: [&str; 2] = ["success", "warning"];

/// What evaluation needs besides the database.
#[derive(Debug, Clone)]
pub struct EvaluationSettings {
    /// Global thresholds and defaults.
    pub tracking: TrackingSettings,
    /// Zone whose calendar days the daily history uses.
    pub timezone: Tz,
}

impl EvaluationSettings {
    /// The job's policy: global thresholds with its overrides.
    pub fn policy_for(&self, job: &Job) -> CompliancePolicy {
        let pick = |own: Option<i32>, global: u32| own.and_then(|v| u32::try_from(v).ok()).unwrap_or(global);
        CompliancePolicy {
            min_copies: pick(job.min_copies, self.tracking.min_copies),
            min_media_types: pick(job.min_media_types, self.tracking.min_media_types),
            min_offsite: pick(job.min_offsite, self.tracking.min_offsite),
            min_offline_or_immutable: pick(job.min_offline, self.tracking.min_offline_or_immutable),
            restore_test_interval: None,
        }
    }

    /// A copy's freshness window: its own, else the schedule's longest gap plus grace and
    /// maximum duration, else (manual jobs) the configured default.
    pub fn freshness_window(&self, job: &Job, copy: &Copy, now: DateTime<Utc>) -> Duration {
        if let Some(hours) = copy.freshness_hours {
            return Duration::hours(i64::from(hours));
        }
        match job.schedule().and_then(|schedule| schedule.longest_gap(now, 14)) {
            Some(gap) => gap + job.grace() + job.max_duration().unwrap_or_else(Duration::zero),
            None => Duration::hours(self.tracking.manual_freshness_hours),
        }
    }

    /// The calendar day of an instant in the configured zone.
    pub fn day_of(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.timezone).format("%Y-%m-%d").to_string()
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
    pub last_finished: Option<(String, Option<DateTime<Utc>>, DateTime<Utc>)>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub running_since: Option<DateTime<Utc>>,
}

type RunRow = (i64, String, Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// Reads a job's facts.
pub fn load_facts(conn: &mut SqliteConnection, job: Job) -> QueryResult<JobFacts> {
    let finished_of_job = || {
        executions::table
            .filter(executions::job_id.eq(job.id))
            .filter(executions::finished_at.is_not_null())
            .order(executions::finished_at.desc())
            .select((executions::id, executions::result, executions::started_at, executions::finished_at))
    };
    let last_finished: Option<RunRow> =
        finished_of_job().filter(executions::result.eq_any(FINISHED_RESULTS)).first(conn).optional()?;
    let last_success: Option<RunRow> =
        finished_of_job().filter(executions::result.eq_any(SUCCESSFUL_RESULTS)).first(conn).optional()?;
    let last_finished_start = last_finished.as_ref().and_then(|(_, _, started, finished)| started.or(*finished));
    let mut open_runs = executions::table
        .filter(executions::job_id.eq(job.id))
        .filter(executions::result.eq("running"))
        .select(executions::started_at)
        .order(executions::started_at.asc())
        .into_boxed();
    if let Some(since) = last_finished_start {
        // Starts older than the latest finished run were abandoned (or closed without rid).
        open_runs = open_runs.filter(executions::started_at.gt(since));
    }
    let running_since: Option<Option<DateTime<Utc>>> = open_runs.first(conn).optional()?;

    let mut copies = Vec::new();
    for copy in Copy::of_job(conn, job.id)? {
        let of_copy = || {
            executions::table
                .filter(executions::job_id.eq(job.id))
                .filter(executions::copy_id.eq(copy.id))
                .filter(executions::finished_at.is_not_null())
                .order(executions::finished_at.desc())
                .select((executions::id, executions::result, executions::finished_at))
        };
        let success: Option<(i64, String, Option<DateTime<Utc>>)> =
            of_copy().filter(executions::result.eq_any(SUCCESSFUL_RESULTS)).first(conn).optional()?;
        let latest: Option<(i64, String, Option<DateTime<Utc>>)> =
            of_copy().filter(executions::result.eq_any(FINISHED_RESULTS)).first(conn).optional()?;
        let runs = CopyRuns {
            last_success: success.and_then(|(id, _, at)| at.map(|at| (id, at))),
            latest: latest.map(|(id, result, _)| (id, result == "failed")),
        };
        copies.push((copy, runs));
    }
    Ok(JobFacts {
        last_finished: last_finished.and_then(|(_, result, started, finished)| finished.map(|f| (result, started, f))),
        last_success_at: last_success.and_then(|(_, _, _, finished)| finished),
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
                failed: result == "failed",
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
            media_type: copy.media_type.clone(),
            offsite: copy.is_offsite,
            offline: copy.is_offline,
            immutable: copy.is_immutable,
            freshness_window: settings.freshness_window(&facts.job, copy, now),
            last_success: runs.last_success,
            latest_run: runs.latest,
        })
        .collect();
    let verdict = evaluate_compliance(&copy_facts, None, &settings.policy_for(&facts.job), now);
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
    pub state: String,
    pub state_since: DateTime<Utc>,
    pub next_expected_at: Option<DateTime<Utc>>,
    pub last_result: Option<String>,
    pub last_run_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub compliance_status: String,
    pub compliance: String,
    pub evaluated_at: DateTime<Utc>,
}

impl StatusRow {
    /// The wire form.
    pub fn to_dto(&self) -> Result<JobStatusDto, ApiError> {
        Ok(JobStatusDto {
            state: JobStateDto::parse(&self.state).ok_or_else(|| ApiError::internal("invalid stored state"))?,
            state_since: self.state_since,
            next_expected_at: self.next_expected_at,
            last_result: self.last_result.clone(),
            last_run_at: self.last_run_at,
            last_success_at: self.last_success_at,
            compliance_status: ComplianceStatusDto::parse(&self.compliance_status)
                .ok_or_else(|| ApiError::internal("invalid stored compliance status"))?,
            evaluated_at: self.evaluated_at,
        })
    }
}

/// Re-evaluates one job and stores what changed: the status row, a flip when the state
/// changed, and today's compliance-history row. Returns the new state.
pub fn refresh_job(
    conn: &mut SqliteConnection,
    job_id: i64,
    now: DateTime<Utc>,
    settings: &EvaluationSettings,
) -> Result<Option<JobState>, ApiError> {
    let Some(job) = jobs::table.find(job_id).select(Job::as_select()).first(conn).optional()? else {
        return Ok(None);
    };
    let facts = load_facts(conn, job)?;
    let (state, verdict) = evaluate(&facts, settings, now);
    let mut rules = verdict_dto(&verdict, now);
    let previous: Option<StatusRow> =
        job_status::table.find(job_id).select(StatusRow::as_select()).first(conn).optional()?;
    // The stored JSON's timestamp is the time of the last change, so unchanged verdicts
    // compare equal and cause no write.
    if let Some(previous) = &previous
        && let Ok(stored) = serde_json::from_str::<ComplianceVerdictDto>(&previous.compliance)
        && stored.status == rules.status
        && stored.rules == rules.rules
    {
        rules.evaluated_at = stored.evaluated_at;
    }
    let compliance_json = serde_json::to_string(&rules).map_err(ApiError::internal)?;
    let state_str = state.state.as_str();
    let last_result = facts.last_finished.as_ref().map(|(result, _, _)| result.clone());
    let last_run_at = facts.last_finished.as_ref().map(|(_, _, finished)| *finished);
    let unchanged = previous.as_ref().is_some_and(|p| {
        p.state == state_str
            && p.next_expected_at == state.next_expected_at
            && p.last_result == last_result
            && p.last_run_at == last_run_at
            && p.last_success_at == facts.last_success_at
            && p.compliance == compliance_json
    });
    let status = verdict.status.as_str();
    if !unchanged {
        let state_since = match &previous {
            Some(p) if p.state == state_str => p.state_since,
            _ => now,
        };
        let values = (
            job_status::job_id.eq(job_id),
            job_status::state.eq(state_str),
            job_status::state_since.eq(state_since),
            job_status::next_expected_at.eq(state.next_expected_at),
            job_status::last_result.eq(&last_result),
            job_status::last_run_at.eq(last_run_at),
            job_status::last_success_at.eq(facts.last_success_at),
            job_status::compliance_status.eq(status),
            job_status::compliance.eq(&compliance_json),
            job_status::evaluated_at.eq(now),
        );
        diesel::replace_into(job_status::table).values(values).execute(conn)?;
        if previous.as_ref().is_none_or(|p| p.state != state_str) {
            diesel::insert_into(job_state_flips::table)
                .values((
                    job_state_flips::job_id.eq(job_id),
                    job_state_flips::from_state.eq(previous.as_ref().map(|p| p.state.clone())),
                    job_state_flips::to_state.eq(state_str),
                    job_state_flips::flipped_at.eq(now),
                ))
                .execute(conn)?;
        }
    }
    let day = settings.day_of(now);
    let recorded: Option<String> =
        compliance_daily::table.find((job_id, &day)).select(compliance_daily::status).first(conn).optional()?;
    if recorded.as_deref() != Some(status) {
        diesel::replace_into(compliance_daily::table)
            .values((
                compliance_daily::job_id.eq(job_id),
                compliance_daily::day.eq(&day),
                compliance_daily::status.eq(status),
            ))
            .execute(conn)?;
    }
    Ok(Some(state.state))
}

/// Re-evaluates the given jobs, a chunk per transaction so the write lock is held briefly.
pub fn refresh_jobs(
    pool: &DbPool,
    job_ids: &[i64],
    now: DateTime<Utc>,
    settings: &EvaluationSettings,
) -> Result<(), ApiError> {
    let mut conn = pool.get()?;
    for chunk in job_ids.chunks(200) {
        conn.immediate_transaction(|conn| {
            for job_id in chunk {
                refresh_job(conn, *job_id, now, settings)?;
            }
            Ok::<_, ApiError>(())
        })?;
    }
    Ok(())
}

/// Re-evaluates every job (the periodic sweep that notices late and missed runs).
pub fn refresh_all(pool: &DbPool, now: DateTime<Utc>, settings: &EvaluationSettings) -> Result<usize, ApiError> {
    let ids: Vec<i64> = {
        let mut conn = pool.get()?;
        jobs::table.select(jobs::id).order(jobs::id).load(&mut conn)?
    };
    refresh_jobs(pool, &ids, now, settings)?;
    Ok(ids.len())
}

/// Handle to the background evaluator.
#[derive(Debug, Clone)]
pub struct Evaluator {
    sender: Sender<i64>,
}

impl Evaluator {
    /// Asks for a job to be re-evaluated soon (after results or a change).
    pub fn mark_dirty(&self, job_id: i64) {
        // The evaluator only stops with the process; a send error means shutdown.
        let _ = self.sender.send(job_id);
    }

    /// Starts the evaluator thread: dirty jobs within about a quarter second, every job
    /// every `evaluation_interval_seconds`.
    pub fn spawn(pool: DbPool, clock: SharedClock, settings: EvaluationSettings) -> Self {
        let (sender, receiver) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("bms-evaluator".into())
            .spawn(move || run_evaluator(&pool, &clock, &settings, &receiver));
        if let Err(error) = spawned {
            log::error!("could not start the job evaluator: {error}");
        }
        Self { sender }
    }
}

fn run_evaluator(pool: &DbPool, clock: &SharedClock, settings: &EvaluationSettings, receiver: &Receiver<i64>) {
    let sweep_every = StdDuration::from_secs(settings.tracking.evaluation_interval_seconds);
    let mut last_sweep = Instant::now() - sweep_every;
    loop {
        if last_sweep.elapsed() >= sweep_every {
            match refresh_all(pool, clock.now(), settings) {
                Ok(count) => log::debug!("re-evaluated {count} jobs"),
                Err(error) => log::error!("periodic job evaluation failed: {error}"),
            }
            last_sweep = Instant::now();
        }
        let first = match receiver.recv_timeout(StdDuration::from_millis(500)) {
            Ok(job_id) => job_id,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        // Coalesce a burst of results into one pass.
        std::thread::sleep(StdDuration::from_millis(100));
        let mut dirty: HashSet<i64> = HashSet::from([first]);
        dirty.extend(receiver.try_iter());
        let ids: Vec<i64> = dirty.into_iter().collect();
        if let Err(error) = refresh_jobs(pool, &ids, clock.now(), settings) {
            log::error!("job evaluation failed: {error}");
        }
    }
}
