//! Which alert conditions hold for a job, from its newly evaluated status (pure). Each
//! condition has a dedup key (rule + job, + copy or 3-2-1-1-0 rule), an occurrence (what
//! it is about this time: the failed run, the expected time...) and its text in English
//! and Japanese.

use bms_types::alerts::AlertRuleKind;
use bms_types::executions::ExecutionResult;
use bms_types::jobs::{JobStateDto as JobState, RuleOutcomeDto, RuleVerdictDto};
use chrono::{DateTime, Utc};

/// A condition that holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The rule.
    pub kind: AlertRuleKind,
    /// One open alert per key.
    pub key: String,
    /// What it is about this time. `None`: it holds, but only as the continuation of an
    /// open alert (a 3-2-1-1-0 rule still failing): it never opens one by itself.
    pub occurrence: Option<String>,
    /// The copy, for stale copies.
    pub copy_id: Option<i64>,
    /// The 3-2-1-1-0 rule, for `compliance_worse`.
    pub subject: Option<String>,
    /// English text.
    pub summary_en: String,
    /// Japanese text.
    pub summary_ja: String,
    /// The 3-2-1-1-0 rule's verdict, for `compliance_worse`.
    pub evidence: Option<RuleVerdictDto>,
}

/// What the conditions of one job are computed from.
#[derive(Debug, Clone)]
pub struct JobView<'a> {
    /// The job.
    pub job_id: i64,
    /// Its name.
    pub job_name: &'a str,
    /// Its new state.
    pub state: JobState,
    /// Result of its latest finished run.
    pub last_result: Option<ExecutionResult>,
    /// Id of its latest finished run.
    pub last_run_id: Option<i64>,
    /// When the next run was expected (late, missed).
    pub next_expected_at: Option<DateTime<Utc>>,
    /// Failed runs in a row, counting back from the latest.
    pub consecutive_failures: i64,
    /// The 3-2-1-1-0 rules now.
    pub rules_now: &'a [RuleVerdictDto],
    /// The rules before this evaluation (`None`: the first evaluation).
    pub rules_before: Option<&'a [RuleVerdictDto]>,
    /// Copies that had a success and left their freshness window: (copy, its last successful run).
    pub stale_copies: &'a [(i64, i64)],
    /// When this evaluation ran.
    pub evaluated_at: DateTime<Utc>,
    /// The restore half of the "0" rule: its reason (`restore_test_failed`...).
    pub restore_reason: &'a str,
    /// The latest counting restore test.
    pub restore_test_id: Option<i64>,
    /// When the next restore test is due (`None`: no requirement).
    pub restore_due_at: Option<DateTime<Utc>>,
}

/// The dedup key of a job rule.
pub fn job_key(kind: AlertRuleKind, job_id: i64) -> String {
    format!("{}:job:{job_id}", kind.as_str())
}

fn stamp(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(|| "-".to_owned(), |at| at.format("%Y-%m-%d %H:%M UTC").to_string())
}

/// Japanese name of a 3-2-1-1-0 rule.
pub fn compliance_rule_ja(rule: &str) -> &'static str {
    match rule {
        "copies" => "コピー数 (3)",
        "media_types" => "媒体の種類 (2)",
        "offsite" => "オフサイト (1)",
        "offline_or_immutable" => "オフラインまたはイミュータブル (1)",
        "zero_errors" => "復元検証エラー 0 (0)",
        _ => "不明なルール",
    }
}

/// The conditions that hold, for the kinds in `enabled` (with each kind's threshold).
pub fn job_conditions(view: &JobView<'_>, enabled: &dyn Fn(AlertRuleKind) -> Option<Option<i64>>) -> Vec<Condition> {
    let mut out = Vec::new();
    let name = view.job_name;
    let mut push = |kind: AlertRuleKind, occurrence: Option<String>, en: String, ja: String| {
        out.push(Condition {
            kind,
            key: job_key(kind, view.job_id),
            occurrence,
            copy_id: None,
            subject: None,
            summary_en: format!("Job {name}: {en}"),
            summary_ja: format!("ジョブ {name}: {ja}"),
            evidence: None,
        });
    };
    if view.state == JobState::Paused {
        return out;
    }
    let failed = view.last_result == Some(ExecutionResult::Failed);
    let run = view.last_run_id.map(|id| format!("run:{id}"));
    if failed && enabled(AlertRuleKind::RunFailed).is_some() {
        push(AlertRuleKind::RunFailed, run.clone(), "the latest run failed".into(), "最新の実行が失敗しました".into());
    }
    if let Some(threshold) = enabled(AlertRuleKind::ConsecutiveFailures) {
        let needed = threshold.unwrap_or(3);
        if failed && view.consecutive_failures >= needed {
            let n = view.consecutive_failures;
            push(
                AlertRuleKind::ConsecutiveFailures,
                run.clone(),
                format!("{n} runs in a row failed"),
                format!("{n} 回連続で失敗しました"),
            );
        }
    }
    let expected = stamp(view.next_expected_at);
    let expected_occurrence = Some(format!("expected:{expected}"));
    if view.state == JobState::Late && enabled(AlertRuleKind::Late).is_some() {
        push(
            AlertRuleKind::Late,
            expected_occurrence.clone(),
            format!("the run expected at {expected} is late"),
            format!("{expected} に予定された実行が遅れています"),
        );
    }
    if view.state == JobState::Missed && enabled(AlertRuleKind::Missed).is_some() {
        push(
            AlertRuleKind::Missed,
            expected_occurrence,
            format!("the run expected at {expected} did not come"),
            format!("{expected} に予定された実行の結果が届いていません"),
        );
    }
    if view.state == JobState::OverdueRunning && enabled(AlertRuleKind::RunningTooLong).is_some() {
        push(
            AlertRuleKind::RunningTooLong,
            Some(format!("after:{}", view.last_run_id.unwrap_or(0))),
            "a run exceeds the maximum duration".into(),
            "実行が最大所要時間を超えています".into(),
        );
    }
    restore_conditions(view, enabled, &mut push);
    if enabled(AlertRuleKind::ComplianceWorse).is_some() {
        for rule in view.rules_now.iter().filter(|rule| rule.outcome == RuleOutcomeDto::Fail) {
            let failed_before = view
                .rules_before
                .map(|before| before.iter().any(|b| b.rule == rule.rule && b.outcome == RuleOutcomeDto::Fail));
            // Worse = was not failing before. The first evaluation of a job is no baseline.
            let got_worse = failed_before == Some(false);
            let (found, required, reason) = (rule.found, rule.required, &rule.reason);
            out.push(Condition {
                kind: AlertRuleKind::ComplianceWorse,
                key: format!("{}:{}", job_key(AlertRuleKind::ComplianceWorse, view.job_id), rule.rule),
                occurrence: got_worse.then(|| format!("worse:{}", view.evaluated_at.to_rfc3339())),
                copy_id: None,
                subject: Some(rule.rule.clone()),
                summary_en: format!(
                    "Job {name}: 3-2-1-1-0 rule {} now fails ({reason}: found {found}, required {required})",
                    rule.rule
                ),
                summary_ja: format!(
                    "ジョブ {name}: 3-2-1-1-0 のルール「{}」が不合格になりました ({reason}: {found} / 必要 {required})",
                    compliance_rule_ja(&rule.rule)
                ),
                evidence: Some(rule.clone()),
            });
        }
    }
    if enabled(AlertRuleKind::CopyStale).is_some() {
        for (copy_id, last_success) in view.stale_copies {
            out.push(Condition {
                kind: AlertRuleKind::CopyStale,
                key: format!("{}:copy:{copy_id}", job_key(AlertRuleKind::CopyStale, view.job_id)),
                occurrence: Some(format!("success:{last_success}")),
                copy_id: Some(*copy_id),
                subject: None,
                summary_en: format!(
                    "Job {name}: copy {copy_id} has no successful run inside its freshness window (last: run {last_success})"
                ),
                summary_ja: format!(
                    "ジョブ {name}: コピー {copy_id} の最新の成功 (実行 {last_success}) が鮮度の期限を過ぎました"
                ),
                evidence: None,
            });
        }
    }
    out
}

/// The restore-test rules: a failed latest test; a test overdue (or, for a job never
/// tested, one interval after it was created); a test due within the "0" rule's 7 days.
/// The occurrence is the test (or the due date), so a new test is a new occurrence.
fn restore_conditions(
    view: &JobView<'_>,
    enabled: &dyn Fn(AlertRuleKind) -> Option<Option<i64>>,
    push: &mut dyn FnMut(AlertRuleKind, Option<String>, String, String),
) {
    let test = view.restore_test_id.map_or_else(|| "none".to_owned(), |id| id.to_string());
    if view.restore_reason == "restore_test_failed" && enabled(AlertRuleKind::RestoreTestFailed).is_some() {
        push(
            AlertRuleKind::RestoreTestFailed,
            Some(format!("test:{test}")),
            format!("restore test {test} failed"),
            format!("復元テスト {test} が失敗しました"),
        );
        return;
    }
    let Some(due) = view.restore_due_at else { return };
    let when = stamp(Some(due));
    let occurrence = Some(format!("due:{when}:test:{test}"));
    if due < view.evaluated_at {
        if enabled(AlertRuleKind::RestoreTestOverdue).is_some() {
            let (en, ja) = if view.restore_test_id.is_none() {
                (
                    format!("never restore-tested (due {when})"),
                    format!("復元テストが一度も行われていません (期限 {when})"),
                )
            } else {
                (format!("the restore test was due {when}"), format!("復元テストの期限 {when} を過ぎています"))
            };
            push(AlertRuleKind::RestoreTestOverdue, occurrence, en, ja);
        }
    } else if due - view.evaluated_at <= chrono::Duration::days(crate::compliance::engine::RESTORE_DUE_SOON_DAYS)
        && enabled(AlertRuleKind::RestoreTestDueSoon).is_some()
    {
        push(
            AlertRuleKind::RestoreTestDueSoon,
            occurrence,
            format!("a restore test is due by {when}"),
            format!("復元テストの期限が近づいています ({when})"),
        );
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn rule(name: &str, outcome: RuleOutcomeDto) -> RuleVerdictDto {
        RuleVerdictDto {
            rule: name.into(),
            outcome,
            reason: "stale_copies".into(),
            required: 3,
            found: 1,
            copy_ids: vec![4],
            execution_ids: vec![],
            restore_test_ids: vec![],
        }
    }

    fn view<'a>(state: JobState, rules_now: &'a [RuleVerdictDto], before: Option<&'a [RuleVerdictDto]>) -> JobView<'a> {
        JobView {
            job_id: 7,
            job_name: "nas-01-daily",
            state,
            last_result: Some(ExecutionResult::Failed),
            last_run_id: Some(41),
            next_expected_at: Utc.with_ymd_and_hms(2026, 12, 4, 2, 0, 0).single(),
            consecutive_failures: 3,
            rules_now,
            rules_before: before,
            stale_copies: &[(4, 39)],
            evaluated_at: Utc.with_ymd_and_hms(2026, 12, 4, 3, 0, 0).single().expect("t"),
            restore_reason: "restore_verified",
            restore_test_id: Some(5),
            restore_due_at: Utc.with_ymd_and_hms(2027, 2, 1, 0, 0, 0).single(),
        }
    }

    #[test]
    fn restore_tests_raise_failed_overdue_and_due_soon() {
        let at = |y, m, d| Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).single();
        let restore_kinds = |view: &JobView<'_>| -> Vec<(&'static str, Option<String>)> {
            job_conditions(view, &all_enabled)
                .into_iter()
                .filter(|c| c.kind.as_str().starts_with("restore_"))
                .map(|c| (c.kind.as_str(), c.occurrence))
                .collect()
        };
        let ok = view(JobState::Up, &[], None);
        assert!(restore_kinds(&ok).is_empty(), "due in two months: nothing");
        let failed = JobView { restore_reason: "restore_test_failed", ..ok.clone() };
        assert_eq!(restore_kinds(&failed), vec![("restore_test_failed", Some("test:5".into()))]);
        let overdue = JobView { restore_reason: "restore_test_overdue", restore_due_at: at(2026, 12, 1), ..ok.clone() };
        assert_eq!(
            restore_kinds(&overdue),
            vec![("restore_test_overdue", Some("due:2026-12-01 00:00 UTC:test:5".into()))]
        );
        let soon = JobView { restore_reason: "restore_test_due_soon", restore_due_at: at(2026, 12, 9), ..ok.clone() };
        assert_eq!(restore_kinds(&soon)[0].0, "restore_test_due_soon");
        // Never tested: overdue only one interval after the job was created (its due date).
        let new_job = JobView {
            restore_reason: "never_tested",
            restore_test_id: None,
            restore_due_at: at(2027, 3, 1),
            ..ok.clone()
        };
        assert!(restore_kinds(&new_job).is_empty());
        let old_job = JobView { restore_due_at: at(2026, 11, 1), ..new_job.clone() };
        let found = job_conditions(&old_job, &all_enabled);
        let overdue = found.iter().find(|c| c.kind == AlertRuleKind::RestoreTestOverdue).expect("overdue");
        assert!(overdue.summary_en.contains("never restore-tested"), "{}", overdue.summary_en);
        assert!(overdue.summary_ja.contains("一度も"), "{}", overdue.summary_ja);
        // No requirement: no due date, no restore alert.
        let none = JobView { restore_reason: "not_yet_verified", restore_due_at: None, restore_test_id: None, ..ok };
        assert!(restore_kinds(&none).is_empty());
    }

    fn all_enabled(kind: AlertRuleKind) -> Option<Option<i64>> {
        Some(crate::alerts::rules::spec(kind).threshold)
    }

    fn kinds(conditions: &[Condition]) -> Vec<(&'static str, Option<&str>)> {
        conditions.iter().map(|c| (c.kind.as_str(), c.occurrence.as_deref())).collect()
    }

    #[test]
    fn a_failed_job_raises_run_failed_and_consecutive_failures_for_its_latest_run() {
        let conditions = job_conditions(&view(JobState::Failed, &[], Some(&[])), &all_enabled);
        assert_eq!(
            kinds(&conditions),
            vec![
                ("run_failed", Some("run:41")),
                ("consecutive_failures", Some("run:41")),
                ("copy_stale", Some("success:39"))
            ]
        );
        assert_eq!(conditions[0].key, "run_failed:job:7");
        assert_eq!(conditions[0].summary_en, "Job nas-01-daily: the latest run failed");
        assert_eq!(conditions[0].summary_ja, "ジョブ nas-01-daily: 最新の実行が失敗しました");
        assert_eq!(conditions[2].key, "copy_stale:job:7:copy:4");
        // Below the threshold, or a threshold raised per job: no consecutive_failures.
        let mut two = view(JobState::Failed, &[], Some(&[]));
        two.consecutive_failures = 2;
        assert!(!kinds(&job_conditions(&two, &all_enabled)).contains(&("consecutive_failures", Some("run:41"))));
        let raised = |kind| if kind == AlertRuleKind::ConsecutiveFailures { Some(Some(5)) } else { all_enabled(kind) };
        assert!(
            !kinds(&job_conditions(&view(JobState::Failed, &[], None), &raised))
                .iter()
                .any(|k| k.0 == "consecutive_failures")
        );
    }

    #[test]
    fn late_missed_overdue_and_paused_and_disabled_rules() {
        let late = job_conditions(&view(JobState::Late, &[], None), &|kind| {
            matches!(kind, AlertRuleKind::Late | AlertRuleKind::Missed).then_some(None)
        });
        assert_eq!(kinds(&late), vec![("late", Some("expected:2026-12-04 02:00 UTC"))]);
        let missed =
            job_conditions(&view(JobState::Missed, &[], None), &|kind| (kind == AlertRuleKind::Missed).then_some(None));
        assert_eq!(missed[0].summary_en, "Job nas-01-daily: the run expected at 2026-12-04 02:00 UTC did not come");
        assert!(job_conditions(&view(JobState::Paused, &[], None), &all_enabled).is_empty(), "paused: all clear");
        assert!(job_conditions(&view(JobState::Failed, &[], None), &|_| None).is_empty(), "all disabled");
    }

    #[test]
    fn compliance_worse_opens_only_on_the_edge_and_continues_while_failing() {
        let now = [rule("copies", RuleOutcomeDto::Fail), rule("offsite", RuleOutcomeDto::Pass)];
        let passing_before = [rule("copies", RuleOutcomeDto::Warning)];
        let failing_before = [rule("copies", RuleOutcomeDto::Fail)];
        let only = |kind| (kind == AlertRuleKind::ComplianceWorse).then_some(None);
        let edge = job_conditions(&view(JobState::Up, &now, Some(&passing_before)), &only);
        assert_eq!(edge.len(), 1);
        assert_eq!(edge[0].key, "compliance_worse:job:7:copies");
        assert_eq!(edge[0].occurrence.as_deref(), Some("worse:2026-12-04T03:00:00+00:00"));
        assert_eq!(edge[0].evidence.as_ref().map(|e| e.copy_ids.clone()), Some(vec![4]));
        assert!(edge[0].summary_ja.contains("コピー数 (3)"));
        let still = job_conditions(&view(JobState::Up, &now, Some(&failing_before)), &only);
        assert_eq!(still[0].occurrence, None, "still failing: keeps an open alert, opens none");
        let first = job_conditions(&view(JobState::Up, &now, None), &only);
        assert_eq!(first[0].occurrence, None, "the first evaluation is no baseline");
    }
}
