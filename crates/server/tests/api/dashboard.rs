//! The dashboard against hand-computed fixtures: rates are exact and within 0–100.

use bms_types::dashboard::{ComplianceSummary, DashboardSeries, DashboardSummary, ResultCounts};
use bms_types::jobs::JobStateDto;
use chrono::{Duration, NaiveDate};
use serde_json::json;

use crate::helpers::spawn_app;

fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a date")
}

#[tokio::test]
async fn summary_and_series_match_hand_computed_figures() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    // Clock: 2026-11-30 09:00 UTC = 18:00 in Tokyo (DEFAULT_TIMEZONE).
    let mut ids = Vec::new();
    for name in ["a", "b", "c", "d"] {
        let job = app.create_job(&admin, json!({"name": name, "job_type": "file", "backup_tool": "borg"})).await;
        ids.push(job.id);
    }
    let at = |hours_ago: i64| {
        (chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 30, 9, 0, 0).single().expect("t")
            - Duration::hours(hours_ago))
        .to_rfc3339()
    };
    // Today (Tokyo): 3 success, 1 failed. 3 days ago: 1 warning, 1 failed. 20 days ago:
    // 4 success. 40 days ago: 5 failed (outside 30 days). Spread over the jobs.
    let mut items = Vec::new();
    let mut push = |job: i64, result: &str, hours_ago: i64| {
        items.push(json!({"job_id": job, "result": result, "finished_at": at(hours_ago)}))
    };
    for job in &ids[..3] {
        push(*job, "success", 1);
    }
    push(ids[3], "failed", 2);
    push(ids[0], "warning", 72);
    push(ids[1], "failed", 72);
    for job in &ids {
        push(*job, "success", 480);
    }
    for n in 0..5 {
        push(ids[n % 4], "failed", 960);
    }
    let reply = app.post("/api/v1/executions/batch", Some(&admin), &json!({"items": items})).await;
    assert_eq!(reply.status, reqwest::StatusCode::CREATED, "{:?}", reply.body);
    app.evaluate_all();

    let summary = app.get("/api/v1/dashboard/summary", Some(&admin)).await.json_as::<DashboardSummary>();
    assert_eq!(summary.total_jobs, 4);
    assert_eq!(summary.last_24h, ResultCounts { success: 3, warning: 0, failed: 1 });
    // 7 days: (3 + 1) / (3 + 1 + 1 + 1) = 66.7 %; 30 days: (3 + 1 + 4) / 10 = 80 %.
    assert_eq!(summary.success_rate_7d, Some(66.7));
    assert_eq!(summary.success_rate_30d, Some(80.0));
    // The latest run of job d (the 2-hours-ago failure... ) decides each state:
    // a, b, c: latest is today's success → up; d: latest is today's failure → failed.
    let state_count = |state: JobStateDto| summary.jobs_by_state.iter().find(|s| s.state == state).map(|s| s.count);
    assert_eq!(state_count(JobStateDto::Up), Some(3));
    assert_eq!(state_count(JobStateDto::Failed), Some(1));
    assert_eq!(summary.attention.len(), 1);
    assert_eq!(summary.attention[0].job_id, ids[3]);
    // No copies: every job is non-compliant; the rate is 0, not absent.
    assert_eq!(
        summary.compliance,
        ComplianceSummary { compliant: 0, warning: 0, non_compliant: 4, compliance_rate: Some(0.0) }
    );

    let series = app.get("/api/v1/dashboard/series?days=7", Some(&admin)).await.json_as::<DashboardSeries>();
    let points = &series.points;
    assert_eq!(points.len(), 7);
    assert_eq!(points[6].day, day(2026, 11, 30));
    assert_eq!(points[6].results, ResultCounts { success: 3, warning: 0, failed: 1 });
    assert_eq!(points[6].success_rate, Some(75.0));
    assert_eq!(points[6].compliance_rate, Some(0.0));
    assert_eq!(points[3].day, day(2026, 11, 27));
    assert_eq!(points[3].success_rate, Some(50.0));
    assert_eq!(points[0].success_rate, None, "no runs: no rate rather than a made-up one");
    for point in points {
        if let Some(rate) = point.success_rate {
            assert!((0.0..=100.0).contains(&rate));
        }
    }
    let month = app.get("/api/v1/dashboard/series?days=30", Some(&admin)).await.json_as::<DashboardSeries>();
    let total: u64 = month.points.iter().map(|p| p.results.success).sum();
    assert_eq!(total, 7);
    assert_eq!(
        app.get("/api/v1/dashboard/series?days=8", Some(&admin)).await.violation(),
        ("days".to_owned(), "one_of".to_owned())
    );
}

#[tokio::test]
async fn the_summary_is_reused_for_the_configured_seconds() {
    let app = crate::helpers::spawn_app_with(&[("DASHBOARD_CACHE_SECONDS", "60")]).await;
    let admin = app.admin_token().await;
    let first = app.get("/api/v1/dashboard/summary", Some(&admin)).await.json_as::<DashboardSummary>();
    app.create_job(&admin, json!({"name": "late addition", "job_type": "file", "backup_tool": "borg"})).await;
    let second = app.get("/api/v1/dashboard/summary", Some(&admin)).await.json_as::<DashboardSummary>();
    assert_eq!(first, second, "served from the cache");
    assert_eq!(second.total_jobs, 0);

    let fresh = spawn_app().await;
    let admin = fresh.admin_token().await;
    fresh.get("/api/v1/dashboard/summary", Some(&admin)).await;
    fresh.create_job(&admin, json!({"name": "counted", "job_type": "file", "backup_tool": "borg"})).await;
    assert_eq!(fresh.get("/api/v1/dashboard/summary", Some(&admin)).await.json_as::<DashboardSummary>().total_jobs, 1);
}
