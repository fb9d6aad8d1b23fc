//! Alerts and notifications end to end over HTTP: results ingested through the API fire
//! alerts, real local HTTP receivers (Teams, Slack, webhook) get the messages, the
//! webhook signature verifies with the documented Python snippet, retries and `dead`,
//! grouping of a storm, maintenance windows (from a `maintenance` API key), acknowledge
//! and resolve, and bad input that stores nothing.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use bms_types::alerts::{
    AlertDetailDto, AlertDto, AlertEventKind, AlertList, AlertStatus, BulkAcknowledgeResult, ChannelDto, ChannelList,
    DeliveryList, DeliveryStatus, MaintenanceWindowDto,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

/// One request a receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("JSON body")
    }
}

/// A real HTTP server on 127.0.0.1:0 that records every request and answers the queued
/// statuses (then 200).
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    pub got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub fn start(statuses: &[u16]) -> Self {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let queued = Arc::new(Mutex::new(statuses.iter().rev().copied().collect::<Vec<_>>()));
        let (state_got, state_queued) = (Arc::clone(&got), queued);
        let server = HttpServer::new(move || {
            let (got, queued) = (Arc::clone(&state_got), Arc::clone(&state_queued));
            App::new().default_service(web::to(move |request: HttpRequest, body: web::Bytes| {
                let (got, queued) = (Arc::clone(&got), Arc::clone(&queued));
                async move {
                    got.lock().expect("lock").push(Received {
                        path: request.path().to_owned(),
                        headers: request
                            .headers()
                            .iter()
                            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                            .collect(),
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                    let status = queued.lock().expect("lock").pop().unwrap_or(200);
                    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).expect("status")).finish()
                }
            }))
        })
        .workers(1)
        .bind(("127.0.0.1", 0))
        .expect("bind");
        let port = server.addrs()[0].port();
        tokio::spawn(server.run());
        Self { url: format!("http://127.0.0.1:{port}"), got }
    }

    pub fn count(&self) -> usize {
        self.got.lock().expect("lock").len()
    }

    pub fn all(&self) -> Vec<Received> {
        self.got.lock().expect("lock").clone()
    }

    /// Waits (up to 10 s) until at least `n` requests arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        self.wait_for_within(n, Duration::from_secs(10)).await
    }

    /// Waits up to `limit` until at least `n` requests arrived.
    pub async fn wait_for_within(&self, n: usize, limit: Duration) -> Vec<Received> {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if self.count() >= n {
                return self.all();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the receiver got {} requests, expected {n}: {:?}", self.count(), self.all());
    }
}

async fn channel(app: &TestApp, admin: &str, body: Value) -> i64 {
    let reply = app.post("/api/v1/notifications/channels", Some(admin), &body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.json_as::<ChannelDto>().id
}

async fn route(app: &TestApp, admin: &str, body: Value) -> i64 {
    let reply = app.post("/api/v1/notifications/routes", Some(admin), &body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.body["id"].as_i64().expect("id")
}

async fn ingest(app: &TestApp, token: &str, job: i64, result: &str) {
    let reply = app.post("/api/v1/executions", Some(token), &json!({"job_id": job, "result": result})).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
}

async fn alert(app: &TestApp, token: &str, id: i64) -> AlertDetailDto {
    let reply = app.get(&format!("/api/v1/alerts/{id}"), Some(token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply.json_as()
}

async fn wait_status(app: &TestApp, token: &str, id: i64, status: AlertStatus) -> AlertDetailDto {
    for _ in 0..200 {
        let detail = alert(app, token, id).await;
        if detail.alert.status == status {
            return detail;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("alert {id} never became {status}: {:?}", alert(app, token, id).await);
}

const VERIFY_SNIPPET: &str = include_str!("../fixtures/verify_webhook_signature.py");

/// Verifies a received webhook with the documented snippet (docs/NOTIFICATIONS.md).
fn verify_with_snippet(secret: &str, received: &Received) -> bool {
    let output = std::process::Command::new("python3")
        .arg("-c")
        .arg(format!("{VERIFY_SNIPPET}\nimport sys\nsys.exit(0 if verify(sys.argv[1].encode(), sys.argv[2], sys.argv[3], sys.stdin.buffer.read()) else 1)"))
        .arg(secret)
        .arg(received.header("X-Bms-Timestamp").unwrap_or(""))
        .arg(received.header("X-Bms-Signature").unwrap_or(""))
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().expect("stdin").write_all(received.body.as_bytes())?;
            child.wait()
        })
        .expect("python3");
    output.success()
}

#[tokio::test]
async fn a_failed_run_fires_one_signed_webhook_dedups_repeats_and_the_recovery_resolves_it() {
    let app = spawn_app_with(&[("BMS_PUBLIC_URL", "https://bms.example.com/")]).await;
    let admin = app.admin_token().await;
    let hook = Receiver::start(&[]);
    let secret = "a-signing-secret-of-32-characters";
    let webhook = channel(
        &app,
        &admin,
        json!({"name": "hook", "kind": "webhook", "url": format!("{}/hook", hook.url), "signing_secret": secret,
               "headers": {"X-Team": "ops"}, "language": "en"}),
    )
    .await;
    route(
        &app,
        &admin,
        json!({"name": "all", "channel_ids": [webhook], "group_wait_seconds": 0, "group_interval_seconds": 0}),
    )
    .await;
    let (job, id) = app.firing_alert(&admin, "nas-01-daily").await;

    let got = hook.wait_for(1).await;
    let message = &got[0];
    assert_eq!(message.path, "/hook");
    assert_eq!(message.header("X-Team"), Some("ops"), "custom headers are sent");
    assert!(message.header("Idempotency-Key").is_some_and(|key| key.len() == 32));
    assert!(verify_with_snippet(secret, message), "the documented snippet verifies the signature");
    assert!(!verify_with_snippet("another-secret-of-32-characters!", message), "a wrong secret does not verify");
    let body = message.json();
    assert_eq!(body["event"], "fired");
    assert_eq!(body["alerts"][0]["id"], id);
    assert_eq!(body["alerts"][0]["rule"], "run_failed");
    assert_eq!(body["alerts"][0]["severity"], "warning");
    assert_eq!(body["alerts"][0]["job_name"], "nas-01-daily");
    assert_eq!(body["alerts"][0]["summary"], "Job nas-01-daily: the latest run failed");
    assert_eq!(body["alerts"][0]["url"], format!("https://bms.example.com/alerts/{id}"));
    assert_eq!(body["idempotency_key"], message.header("Idempotency-Key").unwrap_or_default());

    // Another failure while open (a minute later): the same alert counts it; nothing new is sent.
    app.clock.advance(chrono::Duration::minutes(1));
    ingest(&app, &admin, job, "failed").await;
    for _ in 0..100 {
        if alert(&app, &admin, id).await.alert.occurrences == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(alert(&app, &admin, id).await.alert.occurrences, 2);
    let open: AlertList = app.get(&format!("/api/v1/alerts?job_id={job}&open=true"), Some(&admin)).await.json_as();
    assert_eq!(open.data.len(), 1, "one open alert per dedup key");
    assert_eq!(hook.count(), 1);

    // The job succeeds again: resolved automatically, and the recovery is sent.
    app.clock.advance(chrono::Duration::minutes(1));
    ingest(&app, &admin, job, "success").await;
    let detail = wait_status(&app, &admin, id, AlertStatus::Resolved).await;
    assert_eq!(detail.alert.resolved_by, None, "resolved automatically");
    let got = hook.wait_for(2).await;
    assert_eq!(got[1].json()["event"], "resolved");
    let kinds: Vec<AlertEventKind> = alert(&app, &admin, id).await.timeline.iter().map(|event| event.kind).collect();
    assert_eq!(
        kinds,
        vec![AlertEventKind::Fired, AlertEventKind::Notified, AlertEventKind::Resolved, AlertEventKind::Notified]
    );
    let log: DeliveryList =
        app.get(&format!("/api/v1/notifications/deliveries?alert_id={id}"), Some(&admin)).await.json_as();
    assert_eq!(log.data.len(), 2);
    assert!(log.data.iter().all(|d| d.status == DeliveryStatus::Delivered && d.attempts == 1));
    assert_eq!(log.data[0].attempt_log[0].status.as_deref(), Some("200"));
    assert_eq!(hook.count(), 2, "a delivered notification is never sent again");
}

#[tokio::test]
async fn teams_deliveries_retry_with_backoff_after_500s_and_slack_ones_go_dead_after_the_last_attempt() {
    let app = spawn_app_with(&[
        ("NOTIFY_MAX_ATTEMPTS", "3"),
        ("NOTIFY_RETRY_BASE_SECONDS", "60"),
        ("BMS_PUBLIC_URL", "http://bms.example.com:8080"),
    ])
    .await;
    let admin = app.admin_token().await;
    let teams = Receiver::start(&[500, 500]);
    let slack = Receiver::start(&[500, 503, 500, 500]);
    let teams_id =
        channel(&app, &admin, json!({"name": "teams", "kind": "teams", "url": format!("{}/teams", teams.url)})).await;
    let slack_id = channel(
        &app,
        &admin,
        json!({"name": "slack", "kind": "slack", "url": format!("{}/slack", slack.url), "language": "en"}),
    )
    .await;
    route(
        &app,
        &admin,
        json!({"name": "both", "channel_ids": [teams_id, slack_id], "group_wait_seconds": 0, "group_interval_seconds": 0}),
    )
    .await;
    let (_, id) = app.firing_alert(&admin, "vm-02").await;
    teams.wait_for(1).await;
    slack.wait_for(1).await;
    // The clock stands still in tests: nothing is retried before the backoff has passed.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!((teams.count(), slack.count()), (1, 1));
    app.clock.advance(chrono::Duration::seconds(60));
    teams.wait_for(2).await;
    slack.wait_for(2).await;
    app.clock.advance(chrono::Duration::seconds(120));
    let got = teams.wait_for(3).await;
    slack.wait_for(3).await;

    let card = got[2].json();
    assert_eq!(card["type"], "message");
    assert_eq!(card["attachments"][0]["contentType"], "application/vnd.microsoft.card.adaptive");
    let content = &card["attachments"][0]["content"];
    assert_eq!((content["type"].as_str(), content["version"].as_str()), (Some("AdaptiveCard"), Some("1.4")));
    assert_eq!(content["body"][0]["text"], "[bms] 警告: ジョブ vm-02: 最新の実行が失敗しました", "Japanese by default");
    assert_eq!(content["actions"][0]["url"], format!("http://bms.example.com:8080/alerts/{id}"));
    let blocks = slack.all()[0].json();
    assert_eq!(blocks["text"], "[bms] WARNING: Job vm-02: the latest run failed");
    assert_eq!(blocks["blocks"][0]["type"], "header");
    assert_eq!(blocks["blocks"][2]["elements"][0]["url"], format!("http://bms.example.com:8080/alerts/{id}"));

    let wait_delivery = |status: DeliveryStatus, channel: i64| {
        let app = &app;
        let admin = admin.clone();
        async move {
            for _ in 0..200 {
                let log: DeliveryList = app
                    .get(
                        &format!("/api/v1/notifications/deliveries?channel_id={channel}&status={status}"),
                        Some(&admin),
                    )
                    .await
                    .json_as();
                if let Some(found) = log.data.into_iter().next() {
                    return found;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("no {status} delivery on channel {channel}");
        }
    };
    let delivered = wait_delivery(DeliveryStatus::Delivered, teams_id).await;
    let statuses: Vec<Option<&str>> = delivered.attempt_log.iter().map(|a| a.status.as_deref()).collect();
    assert_eq!(statuses, vec![Some("500"), Some("500"), Some("200")]);
    assert_eq!(
        (delivered.attempt_log[1].at - delivered.attempt_log[0].at).num_seconds(),
        60,
        "1st retry after the base delay"
    );
    assert_eq!((delivered.attempt_log[2].at - delivered.attempt_log[1].at).num_seconds(), 120, "then doubled");
    let dead = wait_delivery(DeliveryStatus::Dead, slack_id).await;
    assert_eq!(dead.attempts, 3);
    assert_eq!(dead.next_attempt_at, None);
    assert!(dead.attempt_log.iter().all(|a| !a.ok));
    assert!(dead.attempt_log[1].error.as_deref().is_some_and(|e| e.contains("HTTP 503")));
    app.clock.advance(chrono::Duration::hours(12));
    let admin = app.admin().await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(slack.count(), 3, "a dead delivery is not tried again");
    let timeline = alert(&app, &admin, id).await.timeline;
    assert!(
        timeline
            .iter()
            .any(|e| e.kind == AlertEventKind::DeliveryFailed && e.detail.contains("gave up after 3 attempts"))
    );
    assert!(timeline.iter().any(|e| e.kind == AlertEventKind::Notified && e.detail.contains("teams (teams)")));
}

#[tokio::test]
async fn a_storm_inside_the_group_window_is_one_message_with_the_list() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let hook = Receiver::start(&[]);
    let id = channel(&app, &admin, json!({"name": "hook", "kind": "webhook", "url": hook.url, "language": "en"})).await;
    route(&app, &admin, json!({"name": "nas", "channel_ids": [id], "tags": ["nas-01"], "group_wait_seconds": 30}))
        .await;
    let mut items = Vec::new();
    for n in 0..40 {
        let job = app
            .create_job(&admin, json!({"name": format!("nas-job-{n:02}"), "job_type": "file", "backup_tool": "restic", "tags": ["nas-01"]}))
            .await;
        items.push(json!({"job_id": job.id, "result": "failed"}));
    }
    let reply = app.post("/api/v1/executions/batch", Some(&admin), &json!({"items": items})).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    for _ in 0..200 {
        let list: AlertList = app.get("/api/v1/alerts?rule=run_failed&per_page=100", Some(&admin)).await.json_as();
        if list.data.len() == 40 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let list: AlertList = app.get("/api/v1/alerts?rule=run_failed&per_page=100", Some(&admin)).await.json_as();
    assert_eq!(list.data.len(), 40, "every alert is recorded");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(hook.count(), 0, "nothing before the group window has passed");
    app.clock.advance(chrono::Duration::seconds(30));
    let got = hook.wait_for(1).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(hook.count(), 1, "one message for the whole group");
    let body = got[0].json();
    assert_eq!(body["alerts"].as_array().map(Vec::len), Some(40));
    assert_eq!(body["title"], "[bms] WARNING: 40 alerts fired — run failed (tag nas-01)");
}

#[tokio::test]
async fn alerts_inside_a_maintenance_window_opened_by_a_script_are_recorded_silenced_and_not_sent() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let hook = Receiver::start(&[]);
    let id = channel(&app, &admin, json!({"name": "hook", "kind": "webhook", "url": hook.url})).await;
    route(
        &app,
        &admin,
        json!({"name": "all", "channel_ids": [id], "group_wait_seconds": 0, "group_interval_seconds": 0}),
    )
    .await;
    let (_, key) = app.create_api_key(&admin, "nas-maintenance", &["maintenance"]).await;
    let window = json!({"scope": "tags", "tags": ["nas-02"], "duration_minutes": 120, "reason": "NAS firmware update"});
    let reply = app.post("/api/v1/maintenance-windows", Some(&key), &window).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    let opened: MaintenanceWindowDto = reply.json_as();
    assert_eq!(opened.created_by, "api-key:nas-maintenance");
    assert!(opened.active_now);
    assert_eq!((opened.ends_at - opened.starts_at).num_minutes(), 120);
    // An ingest key may not open windows; a maintenance key may not ingest.
    let (_, ingest_key) = app.create_api_key(&admin, "ingest", &["ingest"]).await;
    assert_eq!(app.post("/api/v1/maintenance-windows", Some(&ingest_key), &window).await.status, StatusCode::FORBIDDEN);

    let job = app
        .create_job(
            &admin,
            json!({"name": "nas-02-daily", "job_type": "file", "backup_tool": "restic", "tags": ["nas-02"]}),
        )
        .await;
    ingest(&app, &admin, job.id, "failed").await;
    let silenced = app.wait_for_alert(&admin, job.id, "run_failed").await;
    let detail = alert(&app, &admin, silenced).await;
    assert!(detail.alert.silenced);
    assert_eq!(detail.timeline[0].kind, AlertEventKind::Silenced);
    // A job outside the window still notifies.
    let (_, loud) = app.firing_alert(&admin, "other-job").await;
    let got = hook.wait_for(1).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].json()["alerts"][0]["id"], loud, "only the alert outside the window was sent");

    // The window ends by itself; the still-firing alert is then sent (the follow-up task).
    app.clock.advance(chrono::Duration::minutes(121));
    let admin = app.admin().await;
    let got = hook.wait_for(2).await;
    assert_eq!(got[1].json()["alerts"][0]["id"], silenced);
    assert!(!alert(&app, &admin, silenced).await.alert.silenced);
    let audit = app.get("/api/v1/audit-log?action=maintenance_window.create", Some(&admin)).await;
    assert_eq!(audit.body["data"].as_array().map(Vec::len), Some(1), "{:?}", audit.body);
}

#[tokio::test]
async fn operators_acknowledge_and_resolve_with_notes_and_bulk_acknowledge_skips_what_is_not_firing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let operator = app.user_token(&admin, "ops-1", "operator").await;
    let (_, first) = app.firing_alert(&admin, "job-a").await;
    let (_, second) = app.firing_alert(&admin, "job-b").await;
    let reply =
        app.post(&format!("/api/v1/alerts/{first}/acknowledge"), Some(&operator), &json!({"note": "on it"})).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let acknowledged: AlertDto = reply.json_as();
    assert_eq!(acknowledged.status, AlertStatus::Acknowledged);
    assert_eq!(acknowledged.acknowledged_by.as_deref(), Some("ops-1"));
    assert_eq!(acknowledged.acknowledge_note.as_deref(), Some("on it"));
    let again = app.post(&format!("/api/v1/alerts/{first}/acknowledge"), Some(&operator), &json!({})).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let bulk = app.post("/api/v1/alerts/acknowledge", Some(&operator), &json!({"ids": [first, second, 999_999]})).await;
    let result: BulkAcknowledgeResult = bulk.json_as();
    assert_eq!((result.acknowledged, result.skipped), (vec![second], vec![first, 999_999]));
    let resolved =
        app.post(&format!("/api/v1/alerts/{second}/resolve"), Some(&operator), &json!({"note": "fixed the NAS"})).await;
    assert_eq!(resolved.status, StatusCode::OK, "{:?}", resolved.body);
    let detail = alert(&app, &admin, second).await;
    assert_eq!(detail.alert.resolved_by.as_deref(), Some("ops-1"));
    let kinds: Vec<(AlertEventKind, Option<String>)> =
        detail.timeline.iter().map(|e| (e.kind, e.actor.clone())).collect();
    assert_eq!(
        kinds,
        vec![
            (AlertEventKind::Fired, None),
            (AlertEventKind::Acknowledged, Some("ops-1".into())),
            (AlertEventKind::Resolved, Some("ops-1".into()))
        ]
    );
    // Resolved by hand while the job still fails: it stays resolved for this failed run.
    tokio::time::sleep(Duration::from_millis(700)).await;
    app.evaluate_all();
    assert_eq!(alert(&app, &admin, second).await.alert.status, AlertStatus::Resolved);
    let summary = app.get("/api/v1/alerts/summary", Some(&admin)).await;
    assert_eq!(summary.body["acknowledged"]["warning"], 1, "{:?}", summary.body);
    assert_eq!(summary.body["firing"]["warning"], 0);
    let audit = app.get("/api/v1/audit-log?action=alert.acknowledge", Some(&admin)).await;
    assert_eq!(audit.body["data"].as_array().map(Vec::len), Some(2));
    let long = "x".repeat(2_001);
    let refused = app.post(&format!("/api/v1/alerts/{first}/resolve"), Some(&operator), &json!({"note": long})).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.body["error"]["details"][0]["field"], "note");
}

#[tokio::test]
async fn channel_secrets_are_write_only_and_encrypted_at_rest_and_bad_settings_store_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let secret_url = "https://example.webhook.office.com/webhookb2/very-secret-token-4711";
    let id = channel(&app, &admin, json!({"name": "teams", "kind": "teams", "url": secret_url})).await;
    let listed = app.get("/api/v1/notifications/channels", Some(&admin)).await;
    assert!(!listed.body.to_string().contains("very-secret-token"), "secrets are never returned");
    let list: ChannelList = listed.json_as();
    assert_eq!(list.data[0].secrets_set, vec!["url"]);
    // An update without the URL keeps it.
    let reply = app
        .request(
            reqwest::Method::PUT,
            &format!("/api/v1/notifications/channels/{id}"),
            Some(&admin),
            Some(&json!({"name": "teams-ops", "kind": "teams"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.json_as::<ChannelDto>().secrets_set, vec!["url"]);
    // Not in the database file in clear.
    drop(app.pool.get().expect("conn"));
    let mut stored = std::fs::read(&app.db_path).expect("db");
    stored.extend(std::fs::read(app.db_path.with_extension("db-wal")).unwrap_or_default());
    assert!(!String::from_utf8_lossy(&stored).contains("very-secret-token"), "stored encrypted");

    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"name": "x", "kind": "webhook", "url": "ftp://example.com/hook"}), "url", "scheme"),
        (json!({"name": "x", "kind": "webhook", "url": "http://example.com/hook"}), "url", "scheme"),
        (json!({"name": "x", "kind": "slack"}), "url", "required"),
        (
            json!({"name": "x", "kind": "webhook", "url": "https://h/x", "signing_secret": "short"}),
            "signing_secret",
            "length",
        ),
        (
            json!({"name": "x", "kind": "webhook", "url": "https://h/x", "headers": {"X-Bms-Signature": "1"}}),
            "headers.X-Bms-Signature",
            "reserved",
        ),
        (
            json!({"name": "x", "kind": "email", "email": {"host": "smtp", "port": 0, "security": "starttls", "from_address": "bms@example.com"}}),
            "email.port",
            "range",
        ),
        (
            json!({"name": "x", "kind": "email", "email": {"host": "smtp", "port": 587, "security": "starttls", "from_address": "bms@example.com", "to_addresses": ["ok@example.com", "not an address"]}}),
            "email.to_addresses[1]",
            "email",
        ),
        (json!({"name": "x", "kind": "email"}), "email", "required"),
        (json!({"name": "teams-ops", "kind": "teams", "url": "https://h/x"}), "name", "unique"),
    ];
    for (body, field, rule) in cases {
        let reply = app.post("/api/v1/notifications/channels", Some(&admin), &body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}: {:?}", reply.body);
        let details = reply.body["error"]["details"].as_array().cloned().unwrap_or_default();
        assert!(details.iter().any(|d| d["field"] == field && d["rule"] == rule), "{body}: {details:?}");
    }
    let unknown_kind =
        app.post("/api/v1/notifications/channels", Some(&admin), &json!({"name": "x", "kind": "pager"})).await;
    assert_eq!(unknown_kind.status, StatusCode::BAD_REQUEST);
    let list: ChannelList = app.get("/api/v1/notifications/channels", Some(&admin)).await.json_as();
    assert_eq!(list.data.len(), 1, "nothing stored by a refused request");

    let route_cases: Vec<(Value, &str, &str)> = vec![
        (json!({"name": "r", "channel_ids": [999]}), "channel_ids", "exists"),
        (json!({"name": "r", "channel_ids": [id], "escalate_after_minutes": 30}), "escalation_channel_ids", "required"),
        (json!({"name": "r", "channel_ids": [id], "group_wait_seconds": 7200}), "group_wait_seconds", "range"),
        (
            json!({"name": "r", "channel_ids": [id], "quiet_hours": {"start": "22:00", "end": "7:00", "timezone": "Asia/Tokyo"}}),
            "quiet_hours.end",
            "time",
        ),
        (
            json!({"name": "r", "channel_ids": [id], "quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "Mars/Base"}}),
            "quiet_hours.timezone",
            "timezone",
        ),
    ];
    for (body, field, rule) in route_cases {
        let reply = app.post("/api/v1/notifications/routes", Some(&admin), &body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}: {:?}", reply.body);
        let details = reply.body["error"]["details"].as_array().cloned().unwrap_or_default();
        assert!(details.iter().any(|d| d["field"] == field && d["rule"] == rule), "{body}: {details:?}");
    }
    let unknown_rule = app
        .post(
            "/api/v1/notifications/routes",
            Some(&admin),
            &json!({"name": "r", "channel_ids": [id], "rule_kinds": ["nas_on_fire"]}),
        )
        .await;
    assert_eq!(unknown_rule.status, StatusCode::BAD_REQUEST);
    assert!(unknown_rule.body.to_string().contains("rule_kinds"), "{:?}", unknown_rule.body);
    let routes = app.get("/api/v1/notifications/routes", Some(&admin)).await;
    assert_eq!(routes.body["data"].as_array().map(Vec::len), Some(0), "nothing stored");

    let window_cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"scope": "all", "starts_at": "2026-12-01T10:00:00Z", "ends_at": "2026-12-01T09:00:00Z", "reason": "r"}),
            "ends_at",
            "after_start",
        ),
        (json!({"scope": "tags", "duration_minutes": 10, "reason": "r"}), "tags", "required"),
        (json!({"scope": "all", "reason": "r"}), "ends_at", "required"),
        (json!({"scope": "all", "duration_minutes": 10, "reason": ""}), "reason", "length"),
        (json!({"scope": "jobs", "job_ids": [4242], "duration_minutes": 10, "reason": "r"}), "job_ids", "exists"),
        (
            json!({"scope": "all", "duration_minutes": 10, "reason": "r", "weekly": {"days": [], "start": "01:00", "end": "05:00", "timezone": "UTC"}}),
            "weekly.days",
            "required",
        ),
    ];
    for (body, field, rule) in window_cases {
        let reply = app.post("/api/v1/maintenance-windows", Some(&admin), &body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}: {:?}", reply.body);
        let details = reply.body["error"]["details"].as_array().cloned().unwrap_or_default();
        assert!(details.iter().any(|d| d["field"] == field && d["rule"] == rule), "{body}: {details:?}");
    }
    let windows = app.get("/api/v1/maintenance-windows?include_ended=true", Some(&admin)).await;
    assert_eq!(windows.body["data"].as_array().map(Vec::len), Some(0), "nothing stored");
    let rule = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/alerts/rules/consecutive_failures",
            Some(&admin),
            Some(&json!({"enabled": true, "severity": "critical", "threshold": 1})),
        )
        .await;
    assert_eq!(rule.status, StatusCode::BAD_REQUEST);
    assert_eq!(rule.body["error"]["details"][0]["field"], "threshold");
    let unknown = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/alerts/rules/nas_on_fire",
            Some(&admin),
            Some(&json!({"enabled": true, "severity": "critical"})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown.body["error"]["details"][0]["field"], "kind");
}

#[tokio::test]
async fn a_webhook_that_cannot_be_reached_fails_without_its_secret_url_in_the_error_and_redirects_are_not_followed() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let unreachable = channel(
        &app,
        &admin,
        json!({"name": "gone", "kind": "webhook", "url": "http://127.0.0.1:9/hooks/secret-token-0815"}),
    )
    .await;
    let redirecting = Receiver::start(&[302]);
    let moved =
        channel(&app, &admin, json!({"name": "moved", "kind": "slack", "url": format!("{}/moved", redirecting.url)}))
            .await;
    route(
        &app,
        &admin,
        json!({"name": "all", "channel_ids": [unreachable, moved], "group_wait_seconds": 0, "group_interval_seconds": 0}),
    )
    .await;
    app.firing_alert(&admin, "job-x").await;
    redirecting.wait_for(1).await;
    let mut log = Value::Null;
    for _ in 0..200 {
        log = app.get("/api/v1/notifications/deliveries", Some(&admin)).await.body;
        let tried = log["data"].as_array().map_or(0, |all| all.iter().filter(|d| d["attempts"] == 1).count());
        if tried == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let by_channel = |id: i64| {
        log["data"].as_array().and_then(|all| all.iter().find(|d| d["channel_id"] == id)).cloned().expect("delivery")
    };
    let failed = by_channel(unreachable);
    assert_eq!(failed["status"], "retrying");
    let error = failed["attempt_log"][0]["error"].as_str().expect("error");
    assert!(!error.contains("secret-token-0815") && !error.contains("/hooks/"), "the URL leaked: {error}");
    let redirected = by_channel(moved);
    assert_eq!(redirected["attempt_log"][0]["status"], "302", "a redirect is a failure, not followed");
    assert_eq!(redirecting.count(), 1);
}

#[tokio::test]
async fn unacknowledged_alerts_escalate_and_are_re_notified_until_someone_acknowledges_them() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let team = Receiver::start(&[]);
    let managers = Receiver::start(&[]);
    let team_id = channel(&app, &admin, json!({"name": "team", "kind": "webhook", "url": team.url})).await;
    let managers_id = channel(&app, &admin, json!({"name": "managers", "kind": "webhook", "url": managers.url})).await;
    route(
        &app,
        &admin,
        json!({"name": "escalating", "channel_ids": [team_id], "escalate_after_minutes": 30,
               "escalation_channel_ids": [managers_id], "renotify_hours": 1,
               "group_wait_seconds": 0, "group_interval_seconds": 0}),
    )
    .await;
    let (_, id) = app.firing_alert(&admin, "db-01").await;
    assert_eq!(team.wait_for(1).await[0].json()["event"], "fired");
    // 31 minutes unacknowledged: the escalation target hears of it (the follow-up task).
    app.clock.advance(chrono::Duration::minutes(31));
    let escalated = managers.wait_for(1).await;
    assert_eq!(escalated[0].json()["event"], "escalation");
    assert_eq!(escalated[0].json()["alerts"][0]["id"], id);
    assert_eq!(team.count(), 1, "the escalation goes to the escalation channel only");
    // An hour after it fired: "still failing" to the route's channel.
    app.clock.advance(chrono::Duration::minutes(30));
    let reminded = team.wait_for(2).await;
    assert_eq!(reminded[1].json()["event"], "reminder");
    let admin = app.admin().await;
    let timeline = alert(&app, &admin, id).await.timeline;
    let kinds: Vec<AlertEventKind> = timeline.iter().map(|event| event.kind).collect();
    assert!(kinds.contains(&AlertEventKind::Escalated) && kinds.contains(&AlertEventKind::Reminded), "{kinds:?}");
    assert!(alert(&app, &admin, id).await.alert.escalated_at.is_some());
    // Acknowledged: no more reminders, no second escalation.
    let reply = app.post(&format!("/api/v1/alerts/{id}/acknowledge"), Some(&admin), &json!({})).await;
    assert_eq!(reply.status, StatusCode::OK);
    app.clock.advance(chrono::Duration::hours(3));
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!((team.count(), managers.count()), (2, 1), "nothing after the acknowledgement");
}
