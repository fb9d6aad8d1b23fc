//! Job state over time (new → late → missed → up, failed, flips) and the 3-2-1-1-0
//! verdict as results arrive, copies change and time passes.

use chrono::Duration;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::spawn_app;

fn rule<'a>(verdict: &'a Value, name: &str) -> &'a Value {
    verdict["rules"].as_array().and_then(|rules| rules.iter().find(|r| r["rule"] == name)).expect("rule present")
}

#[tokio::test]
async fn a_silent_job_goes_late_then_missed_and_recovers_with_a_result() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    // Clock: 09:00 UTC. Daily at 12:00 UTC with 30 minutes grace.
    let job = app.create_job(&admin, json!({"name": "nightly", "job_type": "vm", "backup_tool": "veeam", "cron_expression": "0 12 * * *", "timezone": "UTC", "grace_minutes": 30})).await;
    let id = job["id"].as_i64().expect("id");
    assert_eq!(app.job_status(id).await["state"], "new");
    app.clock.advance(Duration::minutes(3 * 60 + 10)); // 12:10
    assert_eq!(app.job_status(id).await["state"], "late");
    app.clock.advance(Duration::minutes(25)); // 12:35
    let admin = app.admin().await;
    let missed = app.job_status(id).await;
    assert_eq!(
        (missed["state"].as_str(), missed["state_since"].as_str()),
        (Some("missed"), Some("2026-11-30T12:35:00Z"))
    );
    let attention = app.get("/api/v1/dashboard/summary", Some(&admin)).await;
    assert_eq!(attention.body["attention"][0]["job_id"], id);

    app.post(
        "/api/v1/executions",
        Some(&admin),
        &json!({"job_id": id, "result": "success", "started_at": "2026-11-30T12:31:00Z"}),
    )
    .await;
    let up = app.job_status(id).await;
    assert_eq!((up["state"].as_str(), up["next_expected_at"].as_str()), (Some("up"), Some("2026-12-01T12:00:00Z")));

    app.post(
        "/api/v1/executions",
        Some(&admin),
        &json!({"job_id": id, "result": "failed", "error_message": "VSS error"}),
    )
    .await;
    assert_eq!(app.job_status(id).await["state"], "failed");

    let flips = app.get(&format!("/api/v1/jobs/{id}/state-changes"), Some(&admin)).await;
    let sequence: Vec<(Option<&str>, &str)> = flips
        .body
        .as_array()
        .expect("flips")
        .iter()
        .rev()
        .map(|f| (f["from_state"].as_str(), f["to_state"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        sequence,
        vec![
            (None, "new"),
            (Some("new"), "late"),
            (Some("late"), "missed"),
            (Some("missed"), "up"),
            (Some("up"), "failed")
        ]
    );

    app.request(Method::PATCH, &format!("/api/v1/jobs/{id}"), Some(&admin), Some(&json!({"is_active": false}))).await;
    assert_eq!(app.job_status(id).await["state"], "paused");
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
    let token = job["ping_token"].as_str().expect("token").to_owned();
    let id = job["id"].as_i64().expect("id");
    app.client.get(format!("{}/ping/{token}/start", app.address)).send().await.expect("sent");
    app.clock.advance(Duration::minutes(59));
    assert_eq!(app.job_status(id).await["state"], "running");
    app.clock.advance(Duration::minutes(2));
    assert_eq!(app.job_status(id).await["state"], "overdue_running");
}

#[tokio::test]
async fn the_verdict_follows_results_copies_and_time_with_evidence() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let job = app.create_job(&admin, json!({"name": "erp", "job_type": "database", "backup_tool": "veeam", "cron_expression": "0 1 * * *", "timezone": "UTC"})).await;
    let id = job["id"].as_i64().expect("id");
    let disk = app.add_copy(&admin, id, json!({"copy_type": "primary", "media_type": "disk"})).await;
    let cloud =
        app.add_copy(&admin, id, json!({"copy_type": "offsite", "media_type": "cloud", "immutable": true})).await;
    let tape = app.add_copy(&admin, id, json!({"copy_type": "offline", "media_type": "tape", "offsite": true})).await;

    let verdict = app.get(&format!("/api/v1/jobs/{id}/compliance"), Some(&admin)).await.body;
    assert_eq!(verdict["status"], "non_compliant");
    assert_eq!(
        (rule(&verdict, "copies")["reason"].as_str(), rule(&verdict, "copies")["found"].as_u64()),
        (Some("stale_copies"), Some(0))
    );

    let mut runs = Vec::new();
    for copy in [disk, cloud, tape] {
        let reply = app
            .post("/api/v1/executions", Some(&admin), &json!({"job_id": id, "copy_id": copy, "result": "success"}))
            .await;
        runs.push(reply.body["id"].as_i64().expect("id"));
    }
    let verdict = app.get(&format!("/api/v1/jobs/{id}/compliance"), Some(&admin)).await.body;
    assert_eq!(verdict["status"], "warning", "all copies current, never restore-tested: {verdict}");
    assert_eq!(rule(&verdict, "copies")["outcome"], "pass");
    assert_eq!(rule(&verdict, "copies")["copy_ids"], json!([disk, cloud, tape]));
    assert_eq!(rule(&verdict, "copies")["execution_ids"], json!(runs));
    assert_eq!(rule(&verdict, "media_types")["found"], 3);
    assert_eq!(rule(&verdict, "offsite")["copy_ids"], json!([cloud, tape]));
    assert_eq!(rule(&verdict, "offline_or_immutable")["copy_ids"], json!([cloud, tape]));
    assert_eq!(
        (rule(&verdict, "zero_errors")["outcome"].as_str(), rule(&verdict, "zero_errors")["reason"].as_str()),
        (Some("warning"), Some("not_yet_verified"))
    );
    assert_eq!(app.job_status(id).await["compliance_status"], "warning");

    let failed =
        app.post("/api/v1/executions", Some(&admin), &json!({"job_id": id, "copy_id": tape, "result": "failed"})).await;
    let verdict = app.get(&format!("/api/v1/jobs/{id}/compliance"), Some(&admin)).await.body;
    assert_eq!(verdict["status"], "non_compliant");
    assert_eq!(rule(&verdict, "zero_errors")["reason"], "latest_run_failed");
    assert_eq!(rule(&verdict, "zero_errors")["execution_ids"], json!([failed.body["id"]]));
    assert_eq!(rule(&verdict, "copies")["outcome"], "pass", "the tape's earlier success is still fresh");

    // A day and more later (25 h window for a daily job with 1 h grace): all stale.
    app.clock.advance(Duration::hours(26));
    let admin = app.admin().await;
    let verdict = app.get(&format!("/api/v1/jobs/{id}/compliance"), Some(&admin)).await.body;
    assert_eq!(rule(&verdict, "copies")["reason"], "stale_copies");
    assert_eq!(rule(&verdict, "offsite")["reason"], "offsite_copy_stale");

    // Per-job override: one current copy on one medium, nothing offsite, is enough.
    app.post("/api/v1/executions", Some(&admin), &json!({"job_id": id, "copy_id": tape, "result": "success"})).await;
    app.request(
        Method::PATCH,
        &format!("/api/v1/jobs/{id}"),
        Some(&admin),
        Some(&json!({"compliance_overrides": {"min_copies": 1, "min_media_types": 1, "min_offsite": 0, "min_offline_or_immutable": 1}})),
    )
    .await;
    let verdict = app.get(&format!("/api/v1/jobs/{id}/compliance"), Some(&admin)).await.body;
    assert_eq!(verdict["status"], "warning", "{verdict}");
    assert_eq!(rule(&verdict, "copies")["required"], 1);
}
