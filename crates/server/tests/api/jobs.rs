//! Jobs and copies: CRUD, filters, sorting, schedule preview, derived freshness.

use bms_types::PageMeta;
use bms_types::executions::ExecutionList;
use bms_types::jobs::{CopyDto, JobDto, JobList, JobStateDto, MediaType, SchedulePreview};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{spawn_app, utc};

#[tokio::test]
async fn a_job_is_created_read_updated_and_deleted_with_audit() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let job = app
        .create_job(
            &admin,
            json!({
                "name": "fs01 nightly", "job_type": "file", "backup_tool": "restic", "target_server": "fs01",
                "target_path": "/srv", "owner": "infra", "tags": ["prod", "linux", "prod"], "retention_days": 30,
                "external_ref": "restic-fs01", "cron_expression": "0 2 * * *", "timezone": "Asia/Tokyo",
                "grace_minutes": 90, "max_duration_minutes": 240,
                "compliance_overrides": {"min_copies": 2}
            }),
        )
        .await;
    let id = job.id;
    assert_eq!(job.tags, ["linux", "prod"]);
    assert_eq!(job.compliance_overrides.min_copies, Some(2));
    assert_eq!(job.ping_token.len(), 32);
    let status = job.status.expect("a new job is evaluated at once");
    assert_eq!(status.state, JobStateDto::New);
    // 09:00 UTC on 30 Nov is 18:00 in Tokyo; the next 02:00 Tokyo is 17:00 UTC.
    assert_eq!(status.next_expected_at, Some(utc("2026-11-30T17:00:00Z")));

    let patched = app
        .request(
            Method::PATCH,
            &format!("/api/v1/jobs/{id}"),
            Some(&admin),
            Some(&json!({"cron_expression": null, "name": "fs01 manual"})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{:?}", patched.body);
    let patched = patched.json_as::<JobDto>();
    assert_eq!(patched.cron_expression, None);
    assert_eq!(patched.name, "fs01 manual");
    assert_eq!(patched.external_ref.as_deref(), Some("restic-fs01"), "absent fields stay unchanged");
    assert_eq!(patched.status.and_then(|status| status.next_expected_at), None, "manual jobs expect nothing");

    let audit = app.audit_entries(&admin, "job.update").await;
    assert_eq!(audit[0].details["name"], "fs01 manual");

    let duplicate = app
        .post("/api/v1/jobs", Some(&admin), &json!({"name": "FS01 MANUAL", "job_type": "file", "backup_tool": "borg"}))
        .await;
    assert_eq!(duplicate.code(), "conflict");
    let same_ref = app
        .post(
            "/api/v1/jobs",
            Some(&admin),
            &json!({"name": "other", "job_type": "file", "backup_tool": "borg", "external_ref": "restic-fs01"}),
        )
        .await;
    assert_eq!(same_ref.code(), "conflict");

    app.post("/api/v1/executions", Some(&admin), &json!({"job_id": id, "result": "success"})).await;
    let deleted = app.request(Method::DELETE, &format!("/api/v1/jobs/{id}"), Some(&admin), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&format!("/api/v1/jobs/{id}"), Some(&admin)).await.status, StatusCode::NOT_FOUND);
    let executions = app.get(&format!("/api/v1/executions?job_id={id}"), Some(&admin)).await;
    assert_eq!(executions.json_as::<ExecutionList>().meta.total, 0);
    assert_eq!(app.audit_entries(&admin, "job.delete").await[0].details["name"], "fs01 manual");
}

#[tokio::test]
async fn the_job_list_filters_sorts_and_paginates() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let specs = [
        ("alpha", "veeam", "vm", "alice", vec!["prod"]),
        ("bravo", "restic", "file", "bob", vec!["prod", "linux"]),
        ("charlie", "restic", "database", "alice", vec!["dev"]),
        ("delta", "wsb", "system_image", "carol", vec![]),
    ];
    for (name, tool, job_type, owner, tags) in &specs {
        app.create_job(&admin, json!({"name": name, "backup_tool": tool, "job_type": job_type, "owner": owner, "tags": tags, "target_server": format!("{name}-srv")})).await;
    }
    let names = |reply: &crate::helpers::Reply| -> Vec<String> {
        reply.json_as::<JobList>().data.into_iter().map(|job| job.name).collect()
    };
    assert_eq!(names(&app.get("/api/v1/jobs?backup_tool=restic", Some(&admin)).await), ["bravo", "charlie"]);
    assert_eq!(names(&app.get("/api/v1/jobs?tag=prod", Some(&admin)).await), ["alpha", "bravo"]);
    assert_eq!(names(&app.get("/api/v1/jobs?owner=alice&job_type=database", Some(&admin)).await), ["charlie"]);
    assert_eq!(names(&app.get("/api/v1/jobs?q=delta-srv", Some(&admin)).await), ["delta"]);
    assert_eq!(names(&app.get("/api/v1/jobs?sort=-name&per_page=2&page=2", Some(&admin)).await), ["bravo", "alpha"]);
    assert_eq!(names(&app.get("/api/v1/jobs?state=new", Some(&admin)).await).len(), 4);
    assert!(names(&app.get("/api/v1/jobs?state=up", Some(&admin)).await).is_empty());
    assert_eq!(names(&app.get("/api/v1/jobs?compliance_status=non_compliant", Some(&admin)).await).len(), 4);
    let page = app.get("/api/v1/jobs?per_page=3", Some(&admin)).await.json_as::<JobList>();
    assert_eq!(page.meta, PageMeta { page: 1, per_page: 3, total: 4, total_pages: 2 });
    // Sorting by status columns: bravo reports a success, so it is `up` and ran last.
    let bravo = page.data[1].id;
    app.post("/api/v1/executions", Some(&admin), &json!({"job_id": bravo, "result": "success"})).await;
    app.evaluate_all();
    assert_eq!(names(&app.get("/api/v1/jobs?sort=state", Some(&admin)).await), ["alpha", "charlie", "delta", "bravo"]);
    assert_eq!(names(&app.get("/api/v1/jobs?sort=-last_run_at&per_page=1", Some(&admin)).await), ["bravo"]);
    assert_eq!(names(&app.get("/api/v1/jobs?state=up", Some(&admin)).await), ["bravo"]);
    // Pausing a job shows in its state.
    let alpha = page.data[0].id;
    app.request(Method::PATCH, &format!("/api/v1/jobs/{alpha}"), Some(&admin), Some(&json!({"is_active": false})))
        .await;
    assert_eq!(names(&app.get("/api/v1/jobs?state=paused", Some(&admin)).await), ["alpha"]);
}

#[tokio::test]
async fn copies_have_full_crud_and_a_freshness_window_derived_from_the_schedule() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let job = app.create_job(&admin, json!({"name": "db", "job_type": "database", "backup_tool": "custom", "cron_expression": "0 1 * * 1-5", "timezone": "UTC", "grace_minutes": 60})).await;
    let id = job.id;
    let offsite =
        app.add_copy(&admin, id, json!({"copy_type": "offsite", "media_type": "cloud", "location": "AWS Tokyo"})).await;
    let copies = app.get(&format!("/api/v1/jobs/{id}/copies"), Some(&admin)).await.json_as::<Vec<CopyDto>>();
    let copy = &copies[0];
    assert_eq!((copy.offsite, copy.offline), (true, false), "offsite copies default to offsite");
    // Weekdays only: the longest gap is Friday→Monday (72 h) plus 1 h grace.
    assert_eq!(copy.effective_freshness_hours, 73);

    let updated = app
        .request(
            Method::PATCH,
            &format!("/api/v1/jobs/{id}/copies/{offsite}"),
            Some(&admin),
            Some(&json!({"immutable": true, "freshness_hours": 30, "media_type": "nas"})),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{:?}", updated.body);
    let updated = updated.json_as::<CopyDto>();
    assert_eq!((updated.immutable, updated.effective_freshness_hours), (true, 30));
    assert_eq!(updated.media_type, MediaType::Nas);
    let cleared = app
        .request(
            Method::PATCH,
            &format!("/api/v1/jobs/{id}/copies/{offsite}"),
            Some(&admin),
            Some(&json!({"freshness_hours": null})),
        )
        .await;
    assert_eq!(cleared.json_as::<CopyDto>().effective_freshness_hours, 73);

    let other = app.create_job(&admin, json!({"name": "other", "job_type": "file", "backup_tool": "borg"})).await;
    let wrong_job = app.get(&format!("/api/v1/jobs/{}/copies", other.id), Some(&admin)).await;
    assert_eq!(wrong_job.json_as::<Vec<CopyDto>>(), Vec::new());
    let cross = app
        .request(
            Method::PATCH,
            &format!("/api/v1/jobs/{}/copies/{offsite}", other.id),
            Some(&admin),
            Some(&json!({"immutable": false})),
        )
        .await;
    assert_eq!(cross.status, StatusCode::NOT_FOUND, "a copy is only reachable through its own job");

    let deleted = app.request(Method::DELETE, &format!("/api/v1/jobs/{id}/copies/{offsite}"), Some(&admin), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&format!("/api/v1/jobs/{id}/copies"), Some(&admin)).await.json_as::<Vec<CopyDto>>(), Vec::new());
    for action in ["copy.create", "copy.update", "copy.delete"] {
        assert!(!app.audit_entries(&admin, action).await.is_empty(), "{action} audited");
    }
}

#[tokio::test]
async fn the_schedule_preview_lists_the_next_five_runs_in_the_zone() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let reply = app
        .get("/api/v1/jobs/schedule-preview?cron_expression=30%202%20*%20*%20*&timezone=Asia/Tokyo", Some(&admin))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let preview = reply.json_as::<SchedulePreview>();
    assert_eq!(preview.next_runs[0], utc("2026-11-30T17:30:00Z"));
    assert_eq!(preview.next_runs_local[0], "2026-12-01T02:30:00+09:00");
    assert_eq!(preview.next_runs.len(), 5);
    let bad = app.get("/api/v1/jobs/schedule-preview?cron_expression=every%20day", Some(&admin)).await;
    assert_eq!(bad.violation(), ("cron_expression".to_owned(), "cron".to_owned()));
}
