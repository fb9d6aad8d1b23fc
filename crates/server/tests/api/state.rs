//! Job state over time (new → late → missed → up, failed, flips) and the 3-2-1-1-0
//! verdict as results arrive, copies change and time passes.

use bms_types::dashboard::DashboardSummary;
use bms_types::executions::ExecutionDto;
use bms_types::jobs::{
    ComplianceStatusDto, ComplianceVerdictDto, JobStateDto, RuleOutcomeDto, RuleVerdictDto, StateFlipDto,
};
use chrono::Duration;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, spawn_app, utc};

fn rule<'a>(verdict: &'a ComplianceVerdictDto, name: &str) -> &'a RuleVerdictDto {
    verdict.rules.iter().find(|r| r.rule == name).expect("rule present")
}

async fn compliance_of(app: &TestApp, token: &str, job_id: i64) -> ComplianceVerdictDto {
    app.get(&format!("/api/v1/jobs/{job_id}/compliance"), Some(token)).await.json_as()
}

#[tokio::test]
async fn a_silent_job_goes_late_then_missed_and_recovers_with_a_result() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    // Clock: 09:00 UTC. Daily at 12:00 UTC with 30 minutes grace.
    let job = app.create_job(&admin, json!({"name": "nightly", "job_type": "vm", "backup_tool": "veeam", "cron_expression": "0 12 * * *", "timezone": "UTC", "grace_minutes": 30})).await;
    let id = job.id;
    assert_eq!(app.job_status(id).await.state, JobStateDto::New);
    app.clock.advance(Duration::minutes(3 * 60 + 10)); // 12:10
    assert_eq!(app.job_status(id).await.state, JobStateDto::Late);
    app.clock.advance(Duration::minutes(25)); // 12:35
    let admin = app.admin().await;
    let missed = app.job_status(id).await;
    assert_eq!((missed.state, missed.state_since), (JobStateDto::Missed, utc("2026-11-30T12:35:00Z")));
    let attention = app.get("/api/v1/dashboard/summary", Some(&admin)).await;
    assert_eq!(attention.json_as::<DashboardSummary>().attention[0].job_id, id);

    app.post(
        "/api/v1/executions",
        Some(&admin),
        &json!({"job_id": id, "result": "success", "started_at": "2026-11-30T12:31:00Z"}),
    )
    .await;
    let up = app.job_status(id).await;
    assert_eq!((up.state, up.next_expected_at), (JobStateDto::Up, Some(utc("2026-12-01T12:00:00Z"))));

    app.post(
        "/api/v1/executions",
        Some(&admin),
        &json!({"job_id": id, "result": "failed", "error_message": "VSS error"}),
    )
    .await;
    assert_eq!(app.job_status(id).await.state, JobStateDto::Failed);

    let flips = app.get(&format!("/api/v1/jobs/{id}/state-changes"), Some(&admin)).await;
    let sequence: Vec<(Option<JobStateDto>, JobStateDto)> =
        flips.json_as::<Vec<StateFlipDto>>().iter().rev().map(|f| (f.from_state, f.to_state)).collect();
    use JobStateDto::{Failed, Late, Missed, New, Up};
    assert_eq!(
        sequence,
        vec![(None, New), (Some(New), Late), (Some(Late), Missed), (Some(Missed), Up), (Some(Up), Failed)]
    );

    app.request(Method::PATCH, &format!("/api/v1/jobs/{id}"), Some(&admin), Some(&json!({"is_active": false}))).await;
    assert_eq!(app.job_status(id).await.state, JobStateDto::Paused);
}

#[tokio::test]
async fn a_run_longer_than_its_maximum_is_overdue() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let job = app
        .create_job(
            &admin,
            json!({"name": "long", "job_type": "database", "backup_tool": "custom", "max_duration_minutes": 60}),
        )
        .await;
    let (token, id) = (job.ping_token, job.id);
    app.client.get(format!("{}/ping/{token}/start", app.address)).send().await.expect("sent");
    app.clock.advance(Duration::minutes(59));
    assert_eq!(app.job_status(id).await.state, JobStateDto::Running);
    app.clock.advance(Duration::minutes(2));
    assert_eq!(app.job_status(id).await.state, JobStateDto::OverdueRunning);
}

#[tokio::test]
async fn the_verdict_follows_results_copies_and_time_with_evidence() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let job = app.create_job(&admin, json!({"name": "erp", "job_type": "database", "backup_tool": "veeam", "cron_expression": "0 1 * * *", "timezone": "UTC"})).await;
    let id = job.id;
    let disk = app.add_copy(&admin, id, json!({"copy_type": "primary", "media_type": "disk"})).await;
    let cloud =
        app.add_copy(&admin, id, json!({"copy_type": "offsite", "media_type": "cloud", "immutable": true})).await;
    let tape = app.add_copy(&admin, id, json!({"copy_type": "offline", "media_type": "tape", "offsite": true})).await;

    let verdict = compliance_of(&app, &admin, id).await;
    assert_eq!(verdict.status, ComplianceStatusDto::NonCompliant);
    assert_eq!((rule(&verdict, "copies").reason.as_str(), rule(&verdict, "copies").found), ("stale_copies", 0));

    let mut runs = Vec::new();
    for copy in [disk, cloud, tape] {
        let reply = app
            .post("/api/v1/executions", Some(&admin), &json!({"job_id": id, "copy_id": copy, "result": "success"}))
            .await;
        runs.push(reply.json_as::<ExecutionDto>().id);
    }
    let verdict = compliance_of(&app, &admin, id).await;
    // With the default requirement (every 90 days), never restore-tested fails the "0".
    assert_eq!(
        verdict.status,
        ComplianceStatusDto::NonCompliant,
        "all copies current, never restore-tested: {verdict:?}"
    );
    assert_eq!(rule(&verdict, "copies").outcome, RuleOutcomeDto::Pass);
    assert_eq!(rule(&verdict, "copies").copy_ids, [disk, cloud, tape]);
    assert_eq!(rule(&verdict, "copies").execution_ids, runs);
    assert_eq!(rule(&verdict, "media_types").found, 3);
    assert_eq!(rule(&verdict, "offsite").copy_ids, [cloud, tape]);
    assert_eq!(rule(&verdict, "offline_or_immutable").copy_ids, [cloud, tape]);
    assert_eq!(
        (rule(&verdict, "zero_errors").outcome, rule(&verdict, "zero_errors").reason.as_str()),
        (RuleOutcomeDto::Fail, "never_tested")
    );
    assert_eq!(app.job_status(id).await.compliance_status, ComplianceStatusDto::NonCompliant);

    let failed =
        app.post("/api/v1/executions", Some(&admin), &json!({"job_id": id, "copy_id": tape, "result": "failed"})).await;
    let failed = failed.json_as::<ExecutionDto>();
    let verdict = compliance_of(&app, &admin, id).await;
    assert_eq!(verdict.status, ComplianceStatusDto::NonCompliant);
    assert_eq!(rule(&verdict, "zero_errors").reason, "latest_run_failed");
    assert_eq!(rule(&verdict, "zero_errors").execution_ids, [failed.id]);
    assert_eq!(rule(&verdict, "copies").outcome, RuleOutcomeDto::Pass, "the tape's earlier success is still fresh");

    // A day and more later (25 h window for a daily job with 1 h grace): all stale.
    app.clock.advance(Duration::hours(26));
    let admin = app.admin().await;
    let verdict = compliance_of(&app, &admin, id).await;
    assert_eq!(rule(&verdict, "copies").reason, "stale_copies");
    assert_eq!(rule(&verdict, "offsite").reason, "offsite_copy_stale");

    // Per-job override: one current copy on one medium, nothing offsite, is enough.
    app.post("/api/v1/executions", Some(&admin), &json!({"job_id": id, "copy_id": tape, "result": "success"})).await;
    app.request(
        Method::PATCH,
        &format!("/api/v1/jobs/{id}"),
        Some(&admin),
        Some(&json!({"compliance_overrides": {"min_copies": 1, "min_media_types": 1, "min_offsite": 0, "min_offline_or_immutable": 1}})),
    )
    .await;
    let verdict = compliance_of(&app, &admin, id).await;
    assert_eq!(verdict.status, ComplianceStatusDto::NonCompliant, "only the never-tested \"0\" fails: {verdict:?}");
    assert!(verdict.rules.iter().filter(|r| r.rule != "zero_errors").all(|r| r.outcome == RuleOutcomeDto::Pass));
    assert_eq!(rule(&verdict, "copies").required, 1);
    // Without a restore-test requirement for this job, never tested only warns.
    let none = json!({"interval_days": 0});
    app.request(Method::PUT, &format!("/api/v1/jobs/{id}/restore-requirement"), Some(&admin), Some(&none)).await;
    let verdict = compliance_of(&app, &admin, id).await;
    assert_eq!(verdict.status, ComplianceStatusDto::Warning, "{verdict:?}");
}
