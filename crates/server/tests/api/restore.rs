//! Restore tests over HTTP: the "0" rule reading them until a job is compliant with every
//! rule's evidence, the per-job requirement, automated checks (ingest keys, ping URLs),
//! evidence files (size, type sniffing, SHA-256 on download, readers only), the calendar
//! and the restore-test alerts.

use bms_types::dashboard::DashboardSummary;
use bms_types::jobs::{ComplianceStatusDto, ComplianceVerdictDto, RuleOutcomeDto, RuleVerdictDto};
use bms_types::restore::{
    AttachmentDto, RestoreCalendar, RestoreRequirementDto, RestoreStatusDto, RestoreTestDto, RestoreTestList,
    RestoreTestResult,
};
use chrono::Duration;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

async fn compliance(app: &TestApp, token: &str, job: i64) -> ComplianceVerdictDto {
    app.evaluate_all();
    let reply = app.get(&format!("/api/v1/jobs/{job}/compliance"), Some(token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply.json_as()
}

fn rule<'a>(verdict: &'a ComplianceVerdictDto, name: &str) -> &'a RuleVerdictDto {
    verdict.rules.iter().find(|rule| rule.rule == name).expect("rule present")
}

/// A daily job with three copies (disk, NAS-disk, offline offsite tape) and a successful
/// run on each: every rule but the "0" passes.
async fn protected_job(app: &TestApp, token: &str, name: &str) -> (i64, Vec<i64>) {
    let job = app
        .create_job(
            token,
            json!({"name": name, "job_type": "database", "backup_tool": "veeam", "cron_expression": "0 1 * * *", "timezone": "UTC"}),
        )
        .await;
    let mut copies = Vec::new();
    for copy in [
        json!({"copy_type": "primary", "media_type": "disk"}),
        json!({"copy_type": "secondary", "media_type": "disk"}),
        json!({"copy_type": "offline", "media_type": "tape", "offsite": true, "offline": true}),
    ] {
        let id = app.add_copy(token, job.id, copy).await;
        let reply = app
            .post("/api/v1/executions", Some(token), &json!({"job_id": job.id, "copy_id": id, "result": "success"}))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        copies.push(id);
    }
    (job.id, copies)
}

async fn record(app: &TestApp, token: &str, body: Value) -> RestoreTestDto {
    let reply = app.post("/api/v1/restore-tests", Some(token), &body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.json_as()
}

#[tokio::test]
async fn a_passed_restore_test_makes_a_protected_job_compliant_with_every_rules_evidence() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let operator = app.user_token(&admin, "ops", "operator").await;
    let (job, copies) = protected_job(&app, &admin, "erp-db").await;

    let before = compliance(&app, &admin, job).await;
    assert_eq!(before.status, ComplianceStatusDto::NonCompliant, "{before:?}");
    assert_eq!(
        (rule(&before, "zero_errors").outcome, rule(&before, "zero_errors").reason.as_str()),
        (RuleOutcomeDto::Fail, "never_tested")
    );
    for name in ["copies", "media_types", "offsite", "offline_or_immutable"] {
        assert_eq!(rule(&before, name).outcome, RuleOutcomeDto::Pass, "{name}: {before:?}");
    }

    let test = record(
        &app,
        &operator,
        json!({
            "job_id": job, "copy_id": copies[2], "test_type": "full_restore", "result": "passed",
            "started_at": "2026-11-30T08:00:00Z", "finished_at": "2026-11-30T08:45:00Z",
            "target_environment": "検証環境 VLAN 30", "bytes_restored": 1_073_741_824_i64, "files_restored": 5120,
            "notes": "全ファイル一致",
        }),
    )
    .await;
    assert_eq!((test.tester.as_str(), test.recorded_via.as_str()), ("ops", "user"));
    assert_eq!(
        (test.rto_achieved_minutes, test.copy_id, test.job_name.as_str()),
        (Some(45), Some(copies[2]), "erp-db")
    );

    let after = compliance(&app, &admin, job).await;
    assert_eq!(after.status, ComplianceStatusDto::Compliant, "{after:?}");
    let zero = rule(&after, "zero_errors");
    assert_eq!(
        (zero.outcome, zero.reason.as_str(), zero.restore_test_ids.clone()),
        (RuleOutcomeDto::Pass, "restore_verified", vec![test.id])
    );
    assert_eq!(rule(&after, "copies").copy_ids, copies);
    assert_eq!(rule(&after, "copies").execution_ids.len(), 3, "each copy's run is evidence");
    assert_eq!(rule(&after, "media_types").found, 2);
    assert_eq!(rule(&after, "offsite").copy_ids, [copies[2]]);
    assert_eq!(rule(&after, "offline_or_immutable").copy_ids, [copies[2]]);
    assert_eq!(app.job_status(job).await.compliance_status, ComplianceStatusDto::Compliant);
    let summary = app.get("/api/v1/dashboard/summary", Some(&admin)).await.json_as::<DashboardSummary>();
    assert_eq!(summary.compliance.compliant, 1, "the dashboard counts it: {summary:?}");

    // The interval (90 days) runs from the test: due soon in its last week, then overdue.
    let status: RestoreStatusDto = app.get(&format!("/api/v1/jobs/{job}/restore-status"), Some(&admin)).await.json_as();
    assert_eq!(status.due_at, Some(test.finished_at + Duration::days(90)));
    assert_eq!(status.latest_test.map(|t| t.id), Some(test.id));
    let from_test = test.finished_at - bms_server::clock::Clock::now(&app.clock);
    app.clock.advance(from_test + Duration::days(85));
    let admin = app.admin().await;
    // (The copies' runs are stale by now; only the "0" is looked at here.)
    let soon = compliance(&app, &admin, job).await;
    let zero = rule(&soon, "zero_errors");
    assert_eq!((zero.outcome, zero.reason.as_str()), (RuleOutcomeDto::Warning, "restore_test_due_soon"));
    app.wait_for_alert(&admin, job, "restore_test_due_soon").await;
    app.clock.advance(Duration::days(6));
    let admin = app.admin().await;
    let late = compliance(&app, &admin, job).await;
    let zero = rule(&late, "zero_errors");
    assert_eq!((zero.outcome, zero.reason.as_str()), (RuleOutcomeDto::Fail, "restore_test_overdue"));
    let overdue = app.wait_for_alert(&admin, job, "restore_test_overdue").await;
    let due_soon =
        app.get(&format!("/api/v1/alerts?job_id={job}&rule=restore_test_due_soon&open=true"), Some(&admin)).await;
    assert_eq!(due_soon.body["meta"]["total"], 0, "due soon resolved once overdue: {:?}", due_soon.body);

    // Fresh runs and a new passed test: compliant again, and the overdue alert resolved.
    for copy in &copies {
        let body = json!({"job_id": job, "copy_id": copy, "result": "success"});
        assert_eq!(app.post("/api/v1/executions", Some(&admin), &body).await.status, StatusCode::CREATED);
    }
    record(&app, &admin, json!({"job_name": "erp-db", "test_type": "file_restore", "result": "passed"})).await;
    assert_eq!(compliance(&app, &admin, job).await.status, ComplianceStatusDto::Compliant);
    let alert = app.get(&format!("/api/v1/alerts/{overdue}"), Some(&admin)).await;
    assert_eq!(alert.body["alert"]["status"], "resolved", "{:?}", alert.body);
}

#[tokio::test]
async fn a_failed_test_fails_the_rule_and_raises_its_alert_until_a_passed_one() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (job, _) = protected_job(&app, &admin, "mail").await;
    let failed = record(
        &app,
        &admin,
        json!({"job_id": job, "test_type": "application_check", "result": "failed", "issues_found": "DB would not mount"}),
    )
    .await;
    let verdict = compliance(&app, &admin, job).await;
    assert_eq!(rule(&verdict, "zero_errors").reason, "restore_test_failed");
    assert_eq!(rule(&verdict, "zero_errors").restore_test_ids, [failed.id]);
    let alert = app.wait_for_alert(&admin, job, "restore_test_failed").await;
    let detail = app.get(&format!("/api/v1/alerts/{alert}"), Some(&admin)).await;
    assert_eq!(detail.body["alert"]["severity"], "critical", "{:?}", detail.body);

    let issues = record(
        &app,
        &admin,
        json!({"job_id": job, "test_type": "application_check", "result": "passed_with_issues", "issues_found": "slow mount"}),
    )
    .await;
    let verdict = compliance(&app, &admin, job).await;
    assert_eq!(
        (verdict.status, rule(&verdict, "zero_errors").reason.as_str()),
        (ComplianceStatusDto::Warning, "restore_passed_with_issues")
    );
    assert_eq!(rule(&verdict, "zero_errors").restore_test_ids, [issues.id]);
    let detail = app.get(&format!("/api/v1/alerts/{alert}"), Some(&admin)).await;
    assert_eq!(detail.body["alert"]["status"], "resolved");
}

#[tokio::test]
async fn the_requirement_per_job_sets_interval_rto_and_the_types_that_count() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (job, _) = protected_job(&app, &admin, "files").await;
    let path = format!("/api/v1/jobs/{job}/restore-requirement");
    let default: RestoreRequirementDto = app.get(&path, Some(&admin)).await.json_as();
    assert_eq!((default.interval_days, default.effective_interval_days), (None, Some(90)));

    // No requirement: an untested job only warns.
    let none = app.request(Method::PUT, &path, Some(&admin), Some(&json!({"interval_days": 0}))).await;
    assert_eq!(none.json_as::<RestoreRequirementDto>().effective_interval_days, None);
    assert_eq!(rule(&compliance(&app, &admin, job).await, "zero_errors").reason, "not_yet_verified");

    let body = json!({"interval_days": 30, "rto_target_minutes": 60, "counting_types": ["full_restore", "dr_drill", "full_restore"]});
    let set = app.request(Method::PUT, &path, Some(&admin), Some(&body)).await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.body);
    let set: RestoreRequirementDto = set.json_as();
    assert_eq!(set.counting_types.len(), 2, "deduplicated: {set:?}");
    assert_eq!(app.audit_entries(&admin, "job.restore_requirement").await.len(), 2);

    // An integrity check does not count; a full restore does, and its RTO is judged.
    record(&app, &admin, json!({"job_id": job, "test_type": "integrity_check", "result": "passed"})).await;
    assert_eq!(rule(&compliance(&app, &admin, job).await, "zero_errors").reason, "never_tested");
    let slow = record(
        &app,
        &admin,
        json!({"job_id": job, "test_type": "full_restore", "result": "passed", "rto_achieved_minutes": 90}),
    )
    .await;
    assert_eq!((slow.rto_target_minutes, slow.rto_met), (Some(60), Some(false)));
    let verdict = compliance(&app, &admin, job).await;
    assert_eq!(rule(&verdict, "zero_errors").reason, "restore_verified");
    // 30 days later it is overdue (the global default would have given 90).
    app.clock.advance(Duration::days(31));
    let admin = app.admin().await;
    assert_eq!(rule(&compliance(&app, &admin, job).await, "zero_errors").reason, "restore_test_overdue");

    for (body, field, rule_name) in [
        (json!({"interval_days": 5000}), "interval_days", "range"),
        (json!({"rto_target_minutes": 0}), "rto_target_minutes", "range"),
        (json!({"counting_types": ["tape_check"]}), "counting_types", "unknown_variant"),
    ] {
        let reply = app.request(Method::PUT, &path, Some(&admin), Some(&body)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}: {:?}", reply.body);
        let (got_field, got_rule) = reply.violation();
        assert!(got_field.starts_with(field), "{body}: {:?}", reply.body);
        assert!(got_rule.contains(rule_name) || rule_name == "unknown_variant", "{body}: {:?}", reply.body);
    }
    let viewer = app.user_token(&admin, "viewer", "viewer").await;
    let refused = app.request(Method::PUT, &path, Some(&viewer), Some(&json!({"interval_days": 7}))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn automated_checks_report_with_an_ingest_key_and_the_restore_ping_url() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (job, _) = protected_job(&app, &admin, "restic-nas").await;
    let token = app.get(&format!("/api/v1/jobs/{job}"), Some(&admin)).await.body["ping_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let (_, key) = app.create_api_key(&admin, "restic-check", &["ingest"]).await;
    let by_key =
        record(&app, &key, json!({"job_name": "restic-nas", "test_type": "integrity_check", "result": "passed"})).await;
    assert_eq!((by_key.tester.as_str(), by_key.recorded_via.as_str()), ("API key restic-check", "api_key"));

    // A key restricted to another job may not report for this one.
    let other = app.create_job(&admin, json!({"name": "other", "job_type": "file", "backup_tool": "restic"})).await;
    let restricted = app
        .post(
            "/api/v1/api-keys",
            Some(&admin),
            &json!({"name": "only-other", "scopes": ["ingest"], "job_ids": [other.id]}),
        )
        .await;
    let restricted_key = restricted.body["key"].as_str().expect("key").to_owned();
    let refused = app
        .post(
            "/api/v1/restore-tests",
            Some(&restricted_key),
            &json!({"job_id": job, "test_type": "integrity_check", "result": "passed"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);

    // Ping URLs: passed, failed with the body as the issues found, a bad outcome, a bad token.
    let ping = |path: String, body: &'static str| {
        let client = app.client.clone();
        let url = format!("{}{path}", app.address);
        async move { client.post(url).body(body).send().await.expect("ping") }
    };
    let ok = ping(format!("/ping/{token}/restore?type=integrity_check"), "").await;
    assert_eq!((ok.status(), ok.text().await.expect("text").as_str()), (StatusCode::OK, "OK"));
    let fail = ping(format!("/ping/{token}/restore/fail?type=file_restore"), "checksum mismatch in 3 files").await;
    assert_eq!(fail.status(), StatusCode::OK);
    let code = ping(format!("/ping/{token}/restore/3"), "").await;
    assert_eq!(code.status(), StatusCode::OK);
    assert_eq!(ping(format!("/ping/{token}/restore/maybe"), "").await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(ping(format!("/ping/{token}/restore?type=tape"), "").await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(ping("/ping/not-a-token/restore".to_owned(), "").await.status(), StatusCode::NOT_FOUND);

    let list: RestoreTestList = app.get(&format!("/api/v1/restore-tests?job_id={job}"), Some(&admin)).await.json_as();
    let results: Vec<(RestoreTestResult, &str, &str)> =
        list.data.iter().map(|t| (t.result, t.test_type.as_str(), t.recorded_via.as_str())).collect();
    assert_eq!(list.meta.total, 4, "{results:?}");
    assert_eq!(list.data[0].issues_found, "reported `3` via the restore ping URL");
    assert_eq!(list.data[1].issues_found, "checksum mismatch in 3 files");
    assert_eq!(list.data[1].test_type.as_str(), "file_restore");
    assert!(results.contains(&(RestoreTestResult::Passed, "integrity_check", "ping")), "{results:?}");
    let failed_only: RestoreTestList =
        app.get(&format!("/api/v1/restore-tests?job_id={job}&result=failed"), Some(&admin)).await.json_as();
    assert_eq!(failed_only.meta.total, 2);
}

#[tokio::test]
async fn bad_restore_test_input_names_the_field_and_the_rule() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (job, _) = protected_job(&app, &admin, "web").await;
    let other = app.create_job(&admin, json!({"name": "other", "job_type": "file", "backup_tool": "restic"})).await;
    let other_copy = app.add_copy(&admin, other.id, json!({"copy_type": "primary", "media_type": "disk"})).await;
    let cases = [
        (
            json!({"job_id": job, "job_name": "web", "test_type": "full_restore", "result": "passed"}),
            "job_id",
            "one_job_identifier",
        ),
        (json!({"job_id": 999_999, "test_type": "full_restore", "result": "passed"}), "job_id", "exists"),
        (
            json!({"job_id": job, "test_type": "full_restore", "result": "passed_with_issues"}),
            "issues_found",
            "required",
        ),
        (
            json!({"job_id": job, "test_type": "full_restore", "result": "passed", "finished_at": "2099-01-01T00:00:00Z"}),
            "finished_at",
            "not_future",
        ),
        (
            json!({"job_id": job, "test_type": "full_restore", "result": "passed", "started_at": "2026-11-30T10:00:00Z", "finished_at": "2026-11-30T09:00:00Z"}),
            "started_at",
            "before_finished",
        ),
        (
            json!({"job_id": job, "copy_id": other_copy, "test_type": "full_restore", "result": "passed"}),
            "copy_id",
            "belongs_to_job",
        ),
        (
            json!({"job_id": job, "test_type": "full_restore", "result": "passed", "bytes_restored": -1}),
            "bytes_restored",
            "min",
        ),
        (
            json!({"job_id": job, "test_type": "full_restore", "result": "passed", "notes": "x".repeat(4001)}),
            "notes",
            "max_length",
        ),
    ];
    for (body, field, rule_name) in cases {
        let reply = app.post("/api/v1/restore-tests", Some(&admin), &body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}: {:?}", reply.body);
        assert_eq!(reply.violation(), (field.to_owned(), rule_name.to_owned()), "{body}");
    }
    let unknown = app
        .post(
            "/api/v1/restore-tests",
            Some(&admin),
            &json!({"job_id": job, "test_type": "tape_check", "result": "passed"}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let list: RestoreTestList = app.get("/api/v1/restore-tests", Some(&admin)).await.json_as();
    assert_eq!(list.meta.total, 0, "nothing stored by bad input");
}

fn upload_url(app: &TestApp, test: i64, name: &str) -> String {
    format!("{}/api/v1/restore-tests/{test}/attachments?filename={name}", app.address)
}

#[tokio::test]
async fn evidence_files_are_sniffed_hashed_checked_on_download_and_readable_by_auditors_only() {
    let app = spawn_app_with(&[("ATTACHMENT_MAX_BYTES", "4096")]).await;
    let admin = app.admin_token().await;
    let (job, _) = protected_job(&app, &admin, "fs").await;
    let test = record(&app, &admin, json!({"job_id": job, "test_type": "file_restore", "result": "passed"})).await;
    let log = "restore started\n復元完了: 1024 files\n".as_bytes().to_vec();
    let upload = |name: &str, bytes: Vec<u8>, content_type: &'static str| {
        let request = app
            .client
            .post(upload_url(&app, test.id, name))
            .bearer_auth(&admin)
            .header("content-type", content_type)
            .body(bytes);
        async move { request.send().await.expect("upload") }
    };
    // The client's claim (image/png) is ignored: the bytes are text.
    let stored = upload("C:\\logs\\restore.log", log.clone(), "image/png").await;
    assert_eq!(stored.status(), StatusCode::CREATED);
    let stored: AttachmentDto = stored.json().await.expect("dto");
    assert_eq!(stored.sha256, hex::encode(Sha256::digest(&log)));
    assert_eq!(
        (stored.filename.as_str(), stored.content_type.as_str(), stored.size_bytes),
        ("restore.log", "text/plain; charset=utf-8", log.len() as i64)
    );
    let png = [&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..], &[0u8; 64][..]].concat();
    let screenshot: AttachmentDto =
        upload("screen.png", png, "application/octet-stream").await.json().await.expect("dto");
    assert_eq!(screenshot.content_type, "image/png");

    let elf = [&[0x7F, b'E', b'L', b'F', 2, 1, 1, 0][..], &[0u8; 64][..]].concat();
    let refused = upload("tool", elf, "text/plain").await;
    assert_eq!(refused.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let body: Value = refused.json().await.expect("envelope");
    assert_eq!(
        (body["error"]["code"].as_str(), body["error"]["details"][0]["rule"].as_str()),
        (Some("unsupported_media_type"), Some("allowed_type"))
    );
    let too_big = upload("big.log", vec![b'a'; 5000], "text/plain").await;
    assert_eq!(too_big.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(upload("", b"x".to_vec(), "text/plain").await.status(), StatusCode::BAD_REQUEST);

    let detail: RestoreTestDto = app.get(&format!("/api/v1/restore-tests/{}", test.id), Some(&admin)).await.json_as();
    assert_eq!(detail.attachments.iter().map(|a| a.id).collect::<Vec<_>>(), [stored.id, screenshot.id]);
    assert_eq!(app.audit_entries(&admin, "restore_test.attach").await.len(), 2);

    let download_path = format!("/api/v1/restore-tests/{}/attachments/{}", test.id, stored.id);
    let auditor = app.user_token(&admin, "audit", "auditor").await;
    let viewer = app.user_token(&admin, "view", "viewer").await;
    let fetch = |token: String| {
        let request = app.client.get(format!("{}{download_path}", app.address)).bearer_auth(token);
        async move { request.send().await.expect("download") }
    };
    let got = fetch(auditor.clone()).await;
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.headers()["x-checksum-sha256"].to_str().ok(), Some(stored.sha256.as_str()));
    assert!(got.headers()["content-disposition"].to_str().expect("header").starts_with("attachment"));
    assert_eq!(got.bytes().await.expect("bytes").to_vec(), log);
    assert_eq!(fetch(viewer).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&format!("/api/v1/restore-tests/{}/attachments/{}", test.id + 1, stored.id), Some(&admin)).await.status,
        StatusCode::NOT_FOUND
    );

    // Someone edits the stored file: it is refused, never served, and the refusal audited.
    let dir = app.db_path.parent().expect("dir").join("attachments");
    let file = std::fs::read_dir(&dir)
        .expect("attachments dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|path| std::fs::read(path).is_ok_and(|bytes| bytes == log))
        .expect("stored file");
    std::fs::write(&file, b"restore started\nnothing restored\n").expect("tamper");
    let tampered = fetch(auditor).await;
    assert_eq!(tampered.status(), StatusCode::CONFLICT);
    let body: Value = tampered.json().await.expect("envelope");
    assert_eq!(body["error"]["details"][0]["rule"], "checksum_mismatch");
    let audit = app.audit_entries(&admin, "restore_test.attachment_integrity").await;
    assert_eq!(audit.len(), 1);
}

#[tokio::test]
async fn the_calendar_lists_overdue_jobs_first_then_by_due_date() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (soon, _) = protected_job(&app, &admin, "soon").await;
    let (later, _) = protected_job(&app, &admin, "later").await;
    let (never, _) = protected_job(&app, &admin, "never").await;
    let (exempt, _) = protected_job(&app, &admin, "exempt").await;
    let now = bms_server::clock::Clock::now(&app.clock);
    let at = |days: i64| (now - Duration::days(days)).to_rfc3339();
    record(
        &app,
        &admin,
        json!({"job_id": soon, "test_type": "full_restore", "result": "passed", "finished_at": at(86)}),
    )
    .await;
    let put = app
        .request(
            Method::PUT,
            &format!("/api/v1/jobs/{exempt}/restore-requirement"),
            Some(&admin),
            Some(&json!({"interval_days": 0})),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK);
    // The never-tested job is due one interval after it was created.
    app.clock.advance(Duration::days(91));
    let admin = app.admin().await;
    let now = bms_server::clock::Clock::now(&app.clock);
    let recent = (now - Duration::days(30)).to_rfc3339();
    record(
        &app,
        &admin,
        json!({"job_id": later, "test_type": "full_restore", "result": "passed", "finished_at": recent}),
    )
    .await;
    let calendar: RestoreCalendar = app.get("/api/v1/restore-tests/calendar?days=90", Some(&admin)).await.json_as();
    let rows: Vec<(i64, &str)> = calendar.data.iter().map(|entry| (entry.job_id, entry.status.as_str())).collect();
    assert_eq!(rows, vec![(soon, "overdue"), (never, "overdue"), (later, "scheduled")], "{calendar:?}");
    assert_eq!(calendar.data[1].latest_test_id, None);
    let short: RestoreCalendar = app.get("/api/v1/restore-tests/calendar?days=7", Some(&admin)).await.json_as();
    assert_eq!(short.data.len(), 2, "only overdue within a week");
    assert_eq!(app.get("/api/v1/restore-tests/calendar?days=0", Some(&admin)).await.status, StatusCode::BAD_REQUEST);
}
