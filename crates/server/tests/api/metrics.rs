//! `GET /metrics`: parsed by the official Prometheus Python client's OpenMetrics parser
//! (so the output is valid for a real scraper), values checked against what the test did;
//! access by token or loopback only.

use std::io::Write;
use std::process::{Command, Stdio};

use bms_server::clock::Clock;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{spawn_app, spawn_app_with};

/// One sample as the parser sees it.
#[derive(Debug, serde::Deserialize)]
struct Sample {
    name: String,
    labels: std::collections::HashMap<String, String>,
    value: f64,
}

/// Parses OpenMetrics text with `prometheus_client.openmetrics.parser` (strict: it
/// rejects anything a Prometheus server would).
fn parse(text: &str) -> Vec<Sample> {
    let script = "import sys, json\n\
from prometheus_client.openmetrics.parser import text_string_to_metric_families\n\
samples = [{'name': s.name, 'labels': s.labels, 'value': s.value}\n\
           for family in text_string_to_metric_families(sys.stdin.read()) for s in family.samples]\n\
print(json.dumps(samples))\n";
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 (scripts/ensure-tools.sh installs prometheus-client)");
    child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write");
    let output = child.wait_with_output().expect("parser");
    assert!(
        output.status.success(),
        "the OpenMetrics parser rejected the output: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("parser output")
}

fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|sample| {
            sample.name == name && labels.iter().all(|(k, v)| sample.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|sample| sample.value)
}

#[tokio::test]
async fn metrics_are_valid_openmetrics_and_report_jobs_results_and_requests() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let job = app
        .create_job(
            &token,
            json!({"name": "nas nightly", "job_type": "file", "backup_tool": "restic", "cron_expression": "0 2 * * *"}),
        )
        .await;
    let job_id = job.id;
    app.add_copy(&token, job_id, json!({"copy_type": "primary", "media_type": "disk"})).await;
    // First a ping (no size), then the API result with size and times: the API result is
    // the last success, so its size and duration are the job's.
    let ping = app.client.get(format!("{}/ping/{}", app.address, job.ping_token)).send().await.expect("ping");
    assert_eq!(ping.status(), StatusCode::OK);
    let finished = app.clock.now();
    let started = finished - chrono::Duration::minutes(10);
    let stored = app
        .post(
            "/api/v1/executions",
            Some(&token),
            &json!({"job_id": job_id, "result": "success", "started_at": started, "finished_at": finished, "size_bytes": 1234}),
        )
        .await;
    assert_eq!(stored.status, StatusCode::CREATED, "{:?}", stored.body);
    app.evaluate_all();

    let response = app.client.get(format!("{}/metrics", app.address)).send().await.expect("metrics");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().expect("type").starts_with("application/openmetrics-text"));
    let samples = parse(&response.text().await.expect("body"));

    let job_labels = [("job_id", "1"), ("job", "nas nightly")];
    assert_eq!(value(&samples, "bms_job_last_size_bytes", &job_labels), Some(1234.0));
    assert_eq!(value(&samples, "bms_job_last_duration_seconds", &job_labels), Some(600.0));
    assert_eq!(
        value(&samples, "bms_job_last_success_timestamp_seconds", &job_labels),
        Some(finished.timestamp() as f64)
    );
    assert_eq!(value(&samples, "bms_jobs", &[("state", "up")]), Some(1.0));
    assert_eq!(value(&samples, "bms_jobs", &[("state", "late")]), Some(0.0));
    assert_eq!(value(&samples, "bms_job_state", &[("job", "nas nightly"), ("status", "up")]), Some(1.0));
    let statuses: Vec<f64> = ["compliant", "warning", "non_compliant"]
        .iter()
        .filter_map(|status| value(&samples, "bms_job_compliance", &[("job", "nas nightly"), ("status", status)]))
        .collect();
    assert_eq!(statuses.len(), 3, "one series per status");
    assert_eq!(statuses.iter().sum::<f64>(), 1.0, "exactly one current status");
    assert_eq!(
        value(&samples, "bms_job_compliance", &[("job", "nas nightly"), ("status", "non_compliant")]),
        Some(1.0),
        "one copy of three"
    );
    assert_eq!(value(&samples, "bms_ingested_results_total", &[("source", "api")]), Some(1.0));
    assert_eq!(value(&samples, "bms_ingested_results_total", &[("source", "ping")]), Some(1.0));
    assert_eq!(
        value(&samples, "bms_http_requests_total", &[("method", "POST"), ("route", "/api/v1/jobs"), ("status", "201")]),
        Some(1.0)
    );
    assert_eq!(
        value(
            &samples,
            "bms_http_request_duration_seconds_count",
            &[("method", "POST"), ("route", "/api/v1/executions")]
        ),
        Some(1.0)
    );
    assert!(
        samples.iter().any(|s| s.name == "bms_http_requests_total"
            && s.labels.get("route").map(String::as_str) == Some("/ping/{token}")),
        "routes are templates, never raw paths with secrets"
    );
    assert!(!samples.iter().any(|s| s.labels.values().any(|v| v.contains(&job.ping_token))));
    assert!(value(&samples, "bms_database_size_bytes", &[]).is_some_and(|bytes| bytes > 100_000.0));
}

#[tokio::test]
async fn metrics_report_open_alerts_notification_outcomes_and_scheduler_runs() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let hook = crate::alerts::Receiver::start(&[500]);
    let channel = app
        .post(
            "/api/v1/notifications/channels",
            Some(&token),
            &json!({"name": "hook", "kind": "webhook", "url": hook.url}),
        )
        .await;
    let route = json!({"name": "all", "channel_ids": [channel.body["id"]], "group_wait_seconds": 0, "group_interval_seconds": 0});
    assert_eq!(app.post("/api/v1/notifications/routes", Some(&token), &route).await.status, StatusCode::CREATED);
    let (_, first) = app.firing_alert(&token, "job-one").await;
    app.firing_alert(&token, "job-two").await;
    let ack = app.post(&format!("/api/v1/alerts/{first}/acknowledge"), Some(&token), &json!({})).await;
    assert_eq!(ack.status, StatusCode::OK);
    // The first attempt gets a 500, the retry (a minute later) a 200.
    hook.wait_for(1).await;
    app.clock.advance(chrono::Duration::seconds(61));
    let token = app.admin().await;
    hook.wait_for(2).await;
    let mut samples = Vec::new();
    for _ in 0..100 {
        let response = app.client.get(format!("{}/metrics", app.address)).send().await.expect("metrics");
        samples = parse(&response.text().await.expect("body"));
        if value(&samples, "bms_notification_attempts_total", &[("channel_kind", "webhook"), ("outcome", "delivered")])
            .is_some()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let attempts = |outcome| {
        value(&samples, "bms_notification_attempts_total", &[("channel_kind", "webhook"), ("outcome", outcome)])
    };
    assert_eq!(attempts("failed"), Some(1.0));
    assert!(attempts("delivered").is_some_and(|n| n >= 1.0));
    assert!(value(&samples, "bms_notification_delivery_latency_seconds_count", &[]).is_some_and(|n| n >= 1.0));
    assert_eq!(value(&samples, "bms_open_alerts", &[("status", "firing"), ("severity", "warning")]), Some(1.0));
    assert_eq!(value(&samples, "bms_open_alerts", &[("status", "acknowledged"), ("severity", "warning")]), Some(1.0));
    assert_eq!(value(&samples, "bms_open_alerts", &[("status", "firing"), ("severity", "critical")]), Some(0.0));
    assert!(value(&samples, "bms_scheduler_task_runs", &[("task", "evaluate_jobs")]).is_some_and(|n| n >= 1.0));
    assert_eq!(value(&samples, "bms_scheduler_task_failures", &[("task", "alerts_follow_up")]), Some(0.0));
    drop(token);
}

#[tokio::test]
async fn metrics_need_the_token_when_one_is_set_and_a_loopback_client_otherwise() {
    let app = spawn_app_with(&[("METRICS_TOKEN", "scrape-me-0123456789")]).await;
    let url = format!("{}/metrics", app.address);
    let anonymous = app.client.get(&url).send().await.expect("metrics");
    assert_eq!(anonymous.status(), StatusCode::FORBIDDEN);
    let body: Value = anonymous.json().await.expect("json");
    assert_eq!(body["error"]["code"], "forbidden");
    let wrong = app.client.get(&url).bearer_auth("scrape-me-wrong").send().await.expect("metrics");
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let right = app.client.get(&url).bearer_auth("scrape-me-0123456789").send().await.expect("metrics");
    assert_eq!(right.status(), StatusCode::OK);

    // No token: a client behind a trusted proxy is not loopback, whatever the proxy's address.
    let open = spawn_app_with(&[("TRUSTED_PROXIES", "127.0.0.1")]).await;
    let url = format!("{}/metrics", open.address);
    assert_eq!(open.client.get(&url).send().await.expect("metrics").status(), StatusCode::OK);
    let remote = open.client.get(&url).header("X-Forwarded-For", "203.0.113.9").send().await.expect("metrics");
    assert_eq!(remote.status(), StatusCode::FORBIDDEN);
}
