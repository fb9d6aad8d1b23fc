//! The 3-2-1-1-0 rule, in one place: a pure function from a job's copies (with their
//! latest runs) and restore-test facts to a verdict, each rule with its reason code and
//! the copies or runs that prove it. Nothing else in bms decides compliance.

use chrono::{DateTime, Duration, Utc};

/// Thresholds; global defaults from configuration, overridable per job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompliancePolicy {
    /// "3": current copies required (the primary counts).
    pub min_copies: u32,
    /// "2": distinct media types among the current copies.
    pub min_media_types: u32,
    /// "1": current offsite copies.
    pub min_offsite: u32,
    /// "1": current offline (air-gapped) or immutable copies.
    pub min_offline_or_immutable: u32,
    /// "0": how recent the latest counting restore test must be; `None`: no requirement
    /// (an untested job then only warns "not yet verified").
    pub restore_test_interval: Option<Duration>,
}

impl Default for CompliancePolicy {
    fn default() -> Self {
        Self {
            min_copies: 3,
            min_media_types: 2,
            min_offsite: 1,
            min_offline_or_immutable: 1,
            restore_test_interval: None,
        }
    }
}

/// What the engine knows about one copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyFacts {
    /// Copy id.
    pub copy_id: i64,
    /// Media type (`disk`, `tape`, ...).
    pub media_type: String,
    /// Stored away from the primary site.
    pub offsite: bool,
    /// Air-gapped.
    pub offline: bool,
    /// WORM / object lock.
    pub immutable: bool,
    /// How old its last successful backup may be.
    pub freshness_window: Duration,
    /// Latest successful (or warning) run: (execution id, finished at).
    pub last_success: Option<(i64, DateTime<Utc>)>,
    /// Latest finished run of any result: (execution id, failed?).
    pub latest_run: Option<(i64, bool)>,
}

/// How a restore test ended, as the engine sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestoreResult {
    /// Restored and verified.
    Passed,
    /// Restored with issues: a warning.
    PassedWithIssues,
    /// Failed.
    Failed,
}

/// The latest restore test of a type that counts for the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestoreTestFact {
    /// Restore test id.
    pub id: i64,
    /// When it finished.
    pub finished_at: DateTime<Utc>,
    /// How it ended.
    pub result: RestoreResult,
}

/// Facts about restore tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RestoreFacts {
    /// The latest counting test.
    pub latest: Option<RestoreTestFact>,
    /// Since when the job is tracked (its creation): a job never tested is due one
    /// interval after it (`None`: due now).
    pub since: Option<DateTime<Utc>>,
}

/// A test due within this many days makes the "0" rule warn.
pub const RESTORE_DUE_SOON_DAYS: i64 = 7;

/// Where a job stands on restore verification: the restore half of the "0" rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestoreStanding {
    /// Pass, warning or fail.
    pub outcome: RuleOutcome,
    /// `restore_verified`, `restore_passed_with_issues`, `restore_test_due_soon`,
    /// `restore_test_overdue`, `restore_test_failed`, `never_tested` (a requirement and no
    /// test) or `not_yet_verified` (no requirement and no test).
    pub reason: &'static str,
    /// When the next test is due (`None` without a requirement).
    pub due_at: Option<DateTime<Utc>>,
    /// The test the verdict rests on.
    pub test_id: Option<i64>,
}

/// The restore standing at `now` given the facts and the required interval (`None`: no
/// requirement). A failed test fails whatever the interval; without a requirement an
/// untested job only warns. A job with a requirement and no test fails (`never_tested`);
/// its first test is due one interval after `facts.since` (now when unknown), which is
/// when the overdue alert starts.
pub fn restore_standing(facts: RestoreFacts, interval: Option<Duration>, now: DateTime<Utc>) -> RestoreStanding {
    let latest = facts.latest;
    let standing = |outcome, reason, due_at, test: Option<RestoreTestFact>| RestoreStanding {
        outcome,
        reason,
        due_at,
        test_id: test.map(|test| test.id),
    };
    let Some(test) = latest else {
        return match interval {
            Some(interval) => standing(
                RuleOutcome::Fail,
                "never_tested",
                Some(facts.since.map_or(now, |since| since + interval)),
                None,
            ),
            None => standing(RuleOutcome::Warning, "not_yet_verified", None, None),
        };
    };
    let due_at = interval.map(|interval| test.finished_at + interval);
    if test.result == RestoreResult::Failed {
        return standing(RuleOutcome::Fail, "restore_test_failed", due_at, Some(test));
    }
    match due_at {
        Some(due) if now > due => standing(RuleOutcome::Fail, "restore_test_overdue", due_at, Some(test)),
        _ if test.result == RestoreResult::PassedWithIssues => {
            standing(RuleOutcome::Warning, "restore_passed_with_issues", due_at, Some(test))
        }
        Some(due) if due - now <= Duration::days(RESTORE_DUE_SOON_DAYS) => {
            standing(RuleOutcome::Warning, "restore_test_due_soon", due_at, Some(test))
        }
        _ => standing(RuleOutcome::Pass, "restore_verified", due_at, Some(test)),
    }
}

/// Outcome of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RuleOutcome {
    /// Satisfied.
    Pass,
    /// Not proven, not broken (e.g. never restore-tested).
    Warning,
    /// Broken.
    Fail,
}

/// The five rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// 3 current copies.
    Copies,
    /// 2 media types.
    MediaTypes,
    /// 1 offsite.
    Offsite,
    /// 1 offline or immutable.
    OfflineOrImmutable,
    /// 0 errors.
    ZeroErrors,
}

impl Rule {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Copies => "copies",
            Self::MediaTypes => "media_types",
            Self::Offsite => "offsite",
            Self::OfflineOrImmutable => "offline_or_immutable",
            Self::ZeroErrors => "zero_errors",
        }
    }
}

/// One rule's verdict with its evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleVerdict {
    /// Which rule.
    pub rule: Rule,
    /// Pass, warning or fail.
    pub outcome: RuleOutcome,
    /// Stable reason code, e.g. `enough_current_copies`, `stale_copies`.
    pub reason: &'static str,
    /// What was required.
    pub required: u32,
    /// What was found.
    pub found: u32,
    /// Copies that prove the verdict (for a pass: the qualifying copies; for a fail: the
    /// copies at fault, e.g. stale or failed ones).
    pub copy_ids: Vec<i64>,
    /// Executions that prove the verdict.
    pub execution_ids: Vec<i64>,
    /// Restore tests that prove the verdict (the "0" rule).
    pub restore_test_ids: Vec<i64>,
}

/// Overall status: the wire enum itself (one definition, in `bms-types`).
pub use bms_types::jobs::ComplianceStatusDto as ComplianceStatus;

/// The whole verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplianceVerdict {
    /// Overall status.
    pub status: ComplianceStatus,
    /// The five rules, in 3-2-1-1-0 order.
    pub rules: Vec<RuleVerdict>,
    /// Copies that had a success but are outside their freshness window now (for the
    /// "copy went stale" alert).
    pub stale_copy_ids: Vec<i64>,
    /// The restore half of the "0" rule on its own (the rule's reason shows a failed run
    /// first), for the restore-test alerts.
    pub restore: RestoreStanding,
}

/// Evaluates the 3-2-1-1-0 rule at `now`.
pub fn evaluate_compliance(
    copies: &[CopyFacts],
    restore: Option<&RestoreFacts>,
    policy: &CompliancePolicy,
    now: DateTime<Utc>,
) -> ComplianceVerdict {
    let split = CopySplit::of(copies, now);
    let rules = vec![
        copies_rule(copies, &split, policy),
        media_types_rule(&split, policy),
        flag_rule(
            &split,
            FlagRule {
                rule: Rule::Offsite,
                required: policy.min_offsite,
                flag: |copy: &CopyFacts| copy.offsite,
                pass: "current_offsite_copy",
                stale: "offsite_copy_stale",
                none: "no_offsite_copy",
            },
        ),
        flag_rule(
            &split,
            FlagRule {
                rule: Rule::OfflineOrImmutable,
                required: policy.min_offline_or_immutable,
                flag: |copy: &CopyFacts| copy.offline || copy.immutable,
                pass: "current_offline_or_immutable_copy",
                stale: "offline_or_immutable_copy_stale",
                none: "no_offline_or_immutable_copy",
            },
        ),
        zero_errors_rule(copies, restore, policy, now),
    ];
    let restore = restore_standing(restore.copied().unwrap_or_default(), policy.restore_test_interval, now);
    let worst = rules.iter().map(|rule| rule.outcome).max().unwrap_or(RuleOutcome::Pass);
    let status = match worst {
        RuleOutcome::Pass => ComplianceStatus::Compliant,
        RuleOutcome::Warning => ComplianceStatus::Warning,
        RuleOutcome::Fail => ComplianceStatus::NonCompliant,
    };
    let stale_copy_ids =
        split.stale.iter().filter(|copy| copy.last_success.is_some()).map(|copy| copy.copy_id).collect();
    ComplianceVerdict { status, rules, stale_copy_ids, restore }
}

/// The copies whose last success is inside their freshness window, and the others.
struct CopySplit<'a> {
    current: Vec<&'a CopyFacts>,
    stale: Vec<&'a CopyFacts>,
}

impl<'a> CopySplit<'a> {
    fn of(copies: &'a [CopyFacts], now: DateTime<Utc>) -> Self {
        let (current, stale) =
            copies.iter().partition(|copy| copy.last_success.is_some_and(|(_, at)| now - at <= copy.freshness_window));
        Self { current, stale }
    }
}

fn copy_ids(list: &[&CopyFacts]) -> Vec<i64> {
    list.iter().map(|copy| copy.copy_id).collect()
}

fn success_runs(list: &[&CopyFacts]) -> Vec<i64> {
    list.iter().filter_map(|copy| copy.last_success.map(|(id, _)| id)).collect()
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// "3": enough current copies.
fn copies_rule(copies: &[CopyFacts], split: &CopySplit<'_>, policy: &CompliancePolicy) -> RuleVerdict {
    let found = count(split.current.len());
    let (outcome, reason, evidence) = if found >= policy.min_copies {
        (RuleOutcome::Pass, "enough_current_copies", &split.current)
    } else if copies.len() >= policy.min_copies as usize {
        (RuleOutcome::Fail, "stale_copies", &split.stale)
    } else {
        (RuleOutcome::Fail, "too_few_copies", &split.current)
    };
    RuleVerdict {
        rule: Rule::Copies,
        outcome,
        reason,
        required: policy.min_copies,
        found,
        copy_ids: copy_ids(evidence),
        execution_ids: success_runs(evidence),
        restore_test_ids: Vec::new(),
    }
}

/// "2": current copies on enough distinct media types.
fn media_types_rule(split: &CopySplit<'_>, policy: &CompliancePolicy) -> RuleVerdict {
    let mut media: Vec<&str> = split.current.iter().map(|copy| copy.media_type.as_str()).collect();
    media.sort_unstable();
    media.dedup();
    let found = count(media.len());
    let pass = found >= policy.min_media_types;
    RuleVerdict {
        rule: Rule::MediaTypes,
        outcome: if pass { RuleOutcome::Pass } else { RuleOutcome::Fail },
        reason: if pass { "enough_media_types" } else { "too_few_media_types" },
        required: policy.min_media_types,
        found,
        copy_ids: copy_ids(&split.current),
        execution_ids: success_runs(&split.current),
        restore_test_ids: Vec::new(),
    }
}

/// A rule that counts current copies with a flag (the offsite "1", the offline "1").
struct FlagRule<F> {
    rule: Rule,
    required: u32,
    flag: F,
    pass: &'static str,
    stale: &'static str,
    none: &'static str,
}

fn flag_rule<F: Fn(&CopyFacts) -> bool>(split: &CopySplit<'_>, spec: FlagRule<F>) -> RuleVerdict {
    let qualifying: Vec<&CopyFacts> = split.current.iter().copied().filter(|copy| (spec.flag)(copy)).collect();
    let found = count(qualifying.len());
    let stale_flagged: Vec<&CopyFacts> = split.stale.iter().copied().filter(|copy| (spec.flag)(copy)).collect();
    let (outcome, reason, evidence) = if found >= spec.required {
        (RuleOutcome::Pass, spec.pass, qualifying)
    } else if !stale_flagged.is_empty() {
        (RuleOutcome::Fail, spec.stale, stale_flagged)
    } else {
        (RuleOutcome::Fail, spec.none, Vec::new())
    };
    RuleVerdict {
        rule: spec.rule,
        outcome,
        reason,
        required: spec.required,
        found,
        copy_ids: copy_ids(&evidence),
        execution_ids: success_runs(&evidence),
        restore_test_ids: Vec::new(),
    }
}

/// "0": no copy's latest run failed, and restores are verified (`restore_standing`).
fn zero_errors_rule(
    copies: &[CopyFacts],
    restore: Option<&RestoreFacts>,
    policy: &CompliancePolicy,
    now: DateTime<Utc>,
) -> RuleVerdict {
    let failed: Vec<&CopyFacts> =
        copies.iter().filter(|copy| copy.latest_run.is_some_and(|(_, failed)| failed)).collect();
    let failed_runs: Vec<i64> = failed.iter().filter_map(|copy| copy.latest_run.map(|(id, _)| id)).collect();
    let standing = restore_standing(restore.copied().unwrap_or_default(), policy.restore_test_interval, now);
    let (outcome, reason) =
        if failed.is_empty() { (standing.outcome, standing.reason) } else { (RuleOutcome::Fail, "latest_run_failed") };
    RuleVerdict {
        rule: Rule::ZeroErrors,
        outcome,
        reason,
        required: 0,
        found: count(failed.len()),
        copy_ids: copy_ids(&failed),
        execution_ids: failed_runs,
        restore_test_ids: standing.test_id.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).single().expect("time")
    }

    /// A copy whose last success was `age_hours` ago, freshness 26 h, latest run ok.
    fn copy(id: i64, media: &str, age_hours: i64) -> CopyFacts {
        CopyFacts {
            copy_id: id,
            media_type: media.to_owned(),
            offsite: false,
            offline: false,
            immutable: false,
            freshness_window: Duration::hours(26),
            last_success: Some((id * 100, now() - Duration::hours(age_hours))),
            latest_run: Some((id * 100, false)),
        }
    }

    /// The compliant base case: disk primary, NAS secondary, offsite immutable cloud,
    /// offline tape — all fresh — and a recent passed restore test.
    fn base() -> Vec<CopyFacts> {
        let mut cloud = copy(3, "cloud", 5);
        cloud.offsite = true;
        cloud.immutable = true;
        let mut tape = copy(4, "tape", 20);
        tape.offline = true;
        tape.offsite = true;
        vec![copy(1, "disk", 2), copy(2, "nas", 3), cloud, tape]
    }

    fn tested(id: i64, days_ago: i64, result: RestoreResult) -> RestoreFacts {
        RestoreFacts {
            latest: Some(RestoreTestFact { id, finished_at: now() - Duration::days(days_ago), result }),
            since: None,
        }
    }

    fn verified() -> RestoreFacts {
        tested(77, 10, RestoreResult::Passed)
    }

    fn policy() -> CompliancePolicy {
        CompliancePolicy { restore_test_interval: Some(Duration::days(90)), ..CompliancePolicy::default() }
    }

    fn outcome_of(verdict: &ComplianceVerdict, rule: Rule) -> (RuleOutcome, &'static str) {
        let found = verdict.rules.iter().find(|r| r.rule == rule).expect("rule present");
        (found.outcome, found.reason)
    }

    struct Case {
        name: &'static str,
        copies: Vec<CopyFacts>,
        restore: Option<RestoreFacts>,
        policy: CompliancePolicy,
        status: ComplianceStatus,
        rule: Rule,
        outcome: RuleOutcome,
        reason: &'static str,
    }

    fn cases() -> Vec<Case> {
        let with = |change: &dyn Fn(&mut Vec<CopyFacts>)| {
            let mut copies = base();
            change(&mut copies);
            copies
        };
        use ComplianceStatus::{Compliant, NonCompliant};
        use RuleOutcome::{Fail, Pass};
        vec![
            Case {
                name: "compliant base case",
                copies: base(),
                restore: Some(verified()),
                policy: policy(),
                status: Compliant,
                rule: Rule::Copies,
                outcome: Pass,
                reason: "enough_current_copies",
            },
            Case {
                name: "only two copies exist",
                copies: with(&|c| c.truncate(2)),
                restore: Some(verified()),
                policy: policy(),
                status: NonCompliant,
                rule: Rule::Copies,
                outcome: Fail,
                reason: "too_few_copies",
            },
            Case {
                name: "two copies stale leaves two current",
                copies: with(&|c| {
                    c[0].last_success = Some((1, now() - Duration::hours(30)));
                    c[1].last_success = None;
                }),
                restore: Some(verified()),
                policy: policy(),
                status: NonCompliant,
                rule: Rule::Copies,
                outcome: Fail,
                reason: "stale_copies",
            },
            Case {
                name: "one media type only",
                copies: with(&|c| {
                    for copy in c.iter_mut() {
                        copy.media_type = "disk".into();
                    }
                }),
                restore: Some(verified()),
                policy: policy(),
                status: NonCompliant,
                rule: Rule::MediaTypes,
                outcome: Fail,
                reason: "too_few_media_types",
            },
            Case {
                name: "mixed media counted among current copies only",
                copies: with(&|c| {
                    c[0].media_type = "tape".into();
                    c[1].media_type = "tape".into();
                    c[2].media_type = "tape".into();
                    c[3].media_type = "usb".into();
                    c[3].last_success = None;
                }),
                restore: Some(verified()),
                policy: policy(),
                status: NonCompliant,
                rule: Rule::MediaTypes,
                outcome: Fail,
                reason: "too_few_media_types",
            },
            Case {
                name: "no offsite copy",
                copies: with(&|c| {
                    for copy in c.iter_mut() {
                        copy.offsite = false;
                    }
                }),
                restore: Some(verified()),
                policy: policy(),
                status: NonCompliant,
                rule: Rule::Offsite,
                outcome: Fail,
                reason: "no_offsite_copy",
            },
            Case {
                name: "offsite copies exist but are stale",
                copies: with(&|c| {
                    c[2].last_success = None;
                    c[3].last_success = Some((4, now() - Duration::days(3)));
                }),
                restore: Some(verified()),
                policy: policy(),
                status: NonCompliant,
                rule: Rule::Offsite,
                outcome: Fail,
                reason: "offsite_copy_stale",
            },
            Case {
                name: "neither offline nor immutable",
                copies: with(&|c| {
                    for copy in c.iter_mut() {
                        copy.offline = false;
                        copy.immutable = false;
                    }
                }),
                restore: Some(verified()),
                policy: policy(),
                status: NonCompliant,
                rule: Rule::OfflineOrImmutable,
                outcome: Fail,
                reason: "no_offline_or_immutable_copy",
            },
            Case {
                name: "immutable alone satisfies the offline rule",
                copies: with(&|c| c[3].offline = false),
                restore: Some(verified()),
                policy: policy(),
                status: Compliant,
                rule: Rule::OfflineOrImmutable,
                outcome: Pass,
                reason: "current_offline_or_immutable_copy",
            },
            Case {
                name: "offline alone satisfies the offline rule",
                copies: with(&|c| c[2].immutable = false),
                restore: Some(verified()),
                policy: policy(),
                status: Compliant,
                rule: Rule::OfflineOrImmutable,
                outcome: Pass,
                reason: "current_offline_or_immutable_copy",
            },
            Case {
                name: "latest run of one copy failed",
                copies: with(&|c| c[1].latest_run = Some((999, true))),
                restore: Some(verified()),
                policy: policy(),
                status: NonCompliant,
                rule: Rule::ZeroErrors,
                outcome: Fail,
                reason: "latest_run_failed",
            },
            Case {
                name: "no requirement and never tested: a warning, not a pass",
                copies: base(),
                restore: None,
                policy: CompliancePolicy::default(),
                status: ComplianceStatus::Warning,
                rule: Rule::ZeroErrors,
                outcome: RuleOutcome::Warning,
                reason: "not_yet_verified",
            },
            Case {
                name: "a requirement and never tested: fail",
                copies: base(),
                restore: None,
                policy: policy(),
                status: NonCompliant,
                rule: Rule::ZeroErrors,
                outcome: Fail,
                reason: "never_tested",
            },
            Case {
                name: "restore test older than the interval: overdue",
                copies: base(),
                restore: Some(tested(5, 91, RestoreResult::Passed)),
                policy: policy(),
                status: NonCompliant,
                rule: Rule::ZeroErrors,
                outcome: Fail,
                reason: "restore_test_overdue",
            },
            Case {
                name: "due within 7 days: warning",
                copies: base(),
                restore: Some(tested(5, 84, RestoreResult::Passed)),
                policy: policy(),
                status: ComplianceStatus::Warning,
                rule: Rule::ZeroErrors,
                outcome: RuleOutcome::Warning,
                reason: "restore_test_due_soon",
            },
            Case {
                name: "due in 8 days: pass",
                copies: base(),
                restore: Some(tested(5, 82, RestoreResult::Passed)),
                policy: policy(),
                status: Compliant,
                rule: Rule::ZeroErrors,
                outcome: Pass,
                reason: "restore_verified",
            },
            Case {
                name: "passed with issues: warning",
                copies: base(),
                restore: Some(tested(5, 3, RestoreResult::PassedWithIssues)),
                policy: policy(),
                status: ComplianceStatus::Warning,
                rule: Rule::ZeroErrors,
                outcome: RuleOutcome::Warning,
                reason: "restore_passed_with_issues",
            },
            Case {
                name: "passed with issues but overdue: overdue wins",
                copies: base(),
                restore: Some(tested(5, 100, RestoreResult::PassedWithIssues)),
                policy: policy(),
                status: NonCompliant,
                rule: Rule::ZeroErrors,
                outcome: Fail,
                reason: "restore_test_overdue",
            },
            Case {
                name: "restore test failed",
                copies: base(),
                restore: Some(tested(6, 1, RestoreResult::Failed)),
                policy: policy(),
                status: NonCompliant,
                rule: Rule::ZeroErrors,
                outcome: Fail,
                reason: "restore_test_failed",
            },
            Case {
                name: "requirement absent, a passed test: pass however old",
                copies: base(),
                restore: Some(tested(5, 400, RestoreResult::Passed)),
                policy: CompliancePolicy::default(),
                status: Compliant,
                rule: Rule::ZeroErrors,
                outcome: Pass,
                reason: "restore_verified",
            },
            Case {
                name: "requirement absent, a failed test: fail",
                copies: base(),
                restore: Some(tested(5, 2, RestoreResult::Failed)),
                policy: CompliancePolicy::default(),
                status: NonCompliant,
                rule: Rule::ZeroErrors,
                outcome: Fail,
                reason: "restore_test_failed",
            },
            Case {
                name: "per-job override: two copies are enough",
                copies: with(&|c| {
                    c.remove(1);
                    c.remove(0);
                }),
                restore: Some(verified()),
                policy: CompliancePolicy { min_copies: 2, ..policy() },
                status: Compliant,
                rule: Rule::Copies,
                outcome: Pass,
                reason: "enough_current_copies",
            },
            Case {
                name: "per-job override: no offsite needed",
                copies: with(&|c| {
                    for copy in c.iter_mut() {
                        copy.offsite = false;
                    }
                }),
                restore: Some(verified()),
                policy: CompliancePolicy { min_offsite: 0, ..policy() },
                status: Compliant,
                rule: Rule::Offsite,
                outcome: Pass,
                reason: "current_offsite_copy",
            },
            Case {
                name: "no copies at all",
                copies: Vec::new(),
                restore: None,
                policy: policy(),
                status: NonCompliant,
                rule: Rule::Copies,
                outcome: Fail,
                reason: "too_few_copies",
            },
        ]
    }

    #[test]
    fn the_3_2_1_1_0_table() {
        for case in cases() {
            let verdict = evaluate_compliance(&case.copies, case.restore.as_ref(), &case.policy, now());
            assert_eq!(verdict.status, case.status, "{}: {verdict:?}", case.name);
            assert_eq!(outcome_of(&verdict, case.rule), (case.outcome, case.reason), "{}", case.name);
            assert_eq!(verdict.rules.len(), 5, "{}", case.name);
        }
    }

    #[test]
    fn evidence_names_the_copies_and_runs() {
        let verdict = evaluate_compliance(&base(), Some(&verified()), &policy(), now());
        let copies = &verdict.rules[0];
        assert_eq!((copies.found, copies.copy_ids.clone()), (4, vec![1, 2, 3, 4]));
        assert_eq!(copies.execution_ids, vec![100, 200, 300, 400]);
        let offsite = &verdict.rules[2];
        assert_eq!(offsite.copy_ids, vec![3, 4]);
        assert_eq!(verdict.status, ComplianceStatus::Compliant);
        assert_eq!(verdict.rules[4].restore_test_ids, vec![77], "the \"0\" names the test");
        assert!(verdict.rules[4].execution_ids.is_empty());

        let mut stale = base();
        stale[0].last_success = Some((100, now() - Duration::hours(27)));
        stale[1].last_success = Some((200, now() - Duration::hours(40)));
        let verdict = evaluate_compliance(&stale, Some(&verified()), &policy(), now());
        assert_eq!(verdict.rules[0].reason, "stale_copies");
        assert_eq!(verdict.rules[0].copy_ids, vec![1, 2], "the stale copies are the evidence");
    }

    #[test]
    fn the_due_date_is_the_test_plus_the_interval() {
        let ninety = Some(Duration::days(90));
        let standing = restore_standing(verified(), ninety, now());
        assert_eq!(standing.due_at, Some(now() - Duration::days(10) + Duration::days(90)));
        assert_eq!(standing.test_id, Some(77));
        let never = restore_standing(RestoreFacts::default(), ninety, now());
        assert_eq!((never.outcome, never.due_at), (RuleOutcome::Fail, Some(now())));
        let created = now() - Duration::days(30);
        let new_job = restore_standing(RestoreFacts { latest: None, since: Some(created) }, ninety, now());
        assert_eq!((new_job.reason, new_job.due_at), ("never_tested", Some(created + Duration::days(90))));
        assert_eq!(restore_standing(RestoreFacts::default(), None, now()).due_at, None);
        // Exactly at the due instant it is still in time; a second later it is overdue.
        let at_due = now() - Duration::days(90);
        let fact = RestoreFacts {
            latest: Some(RestoreTestFact { id: 1, finished_at: at_due, result: RestoreResult::Passed }),
            since: None,
        };
        assert_eq!(restore_standing(fact, ninety, now()).reason, "restore_test_due_soon");
        let late = restore_standing(fact, ninety, now() + Duration::seconds(1));
        assert_eq!(late.reason, "restore_test_overdue");
    }

    #[test]
    fn freshness_is_per_copy() {
        let mut copies = base();
        copies[3].freshness_window = Duration::days(7);
        copies[3].last_success = Some((400, now() - Duration::days(6)));
        let verdict = evaluate_compliance(&copies, Some(&verified()), &policy(), now());
        assert_eq!(verdict.status, ComplianceStatus::Compliant);
    }
}
