//! Result ingest: single, idempotent, batch (all or nothing), API-key scopes and job
//! restrictions, and Healthchecks-style ping URLs with every signal and `rid`.

use bms_types::ApiErrorBody;
use bms_types::api_keys::CreatedApiKeyResponse;
use bms_types::executions::{BatchExecutionResponse, ExecutionDto, ExecutionList, ExecutionResult, ExecutionSource};
use bms_types::jobs::JobStateDto;
use diesel::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, utc};

fn stored_count(app: &TestApp) -> i64 {
    let mut conn = app.pool.get().expect("conn");
    bms_server::db::schema::executions::table.count().get_result(&mut conn).expect("count")
}

async fn job_with_copies(app: &TestApp, token: &str, name: &str) -> (i64, String, Vec<i64>) {
    let job = app.create_job(token, json!({"name": name, "job_type": "file", "backup_tool": "restic", "external_ref": format!("ref-{name}"), "cron_expression": "0 12 * * *", "timezone": "UTC"})).await;
    let id = job.id;
    let primary = app.add_copy(token, id, json!({"copy_type": "primary", "media_type": "disk"})).await;
    let offsite =
        app.add_copy(token, id, json!({"copy_type": "offsite", "media_type": "cloud", "immutable": true})).await;
    (id, job.ping_token, vec![primary, offsite])
}

#[tokio::test]
async fn a_result_is_stored_by_job_id_name_or_external_ref_and_attributed_to_the_primary_copy() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, _, copies) = job_with_copies(&app, &admin, "web01").await;
    let by_id = app
        .post(
            "/api/v1/executions",
            Some(&admin),
            &json!({"job_id": id, "result": "success", "started_at": "2026-11-30T08:00:00Z", "finished_at": "2026-11-30T08:20:00Z", "size_bytes": 1234, "file_count": 10, "tool_version": "0.17"}),
        )
        .await;
    assert_eq!(by_id.status, StatusCode::CREATED, "{:?}", by_id.body);
    let by_id = by_id.json_as::<ExecutionDto>();
    assert_eq!(by_id.copy_id, Some(copies[0]));
    assert_eq!((by_id.duration_seconds, by_id.source), (Some(1200), ExecutionSource::Api));
    let by_name = app
        .post(
            "/api/v1/executions",
            Some(&admin),
            &json!({"job_name": "web01", "result": "warning", "copy_id": copies[1]}),
        )
        .await;
    assert_eq!((by_name.status, by_name.json_as::<ExecutionDto>().copy_id), (StatusCode::CREATED, Some(copies[1])));
    let by_ref = app
        .post(
            "/api/v1/executions",
            Some(&admin),
            &json!({"job_external_ref": "ref-web01", "result": "failed", "error_message": "disk full"}),
        )
        .await;
    assert_eq!(by_ref.status, StatusCode::CREATED);
    assert_eq!(
        by_ref.json_as::<ExecutionDto>().finished_at,
        Some(utc("2026-11-30T09:00:00Z")),
        "finished_at defaults to now"
    );
    assert_eq!(stored_count(&app), 3, "each acknowledged result is in the database");

    let history = app.get(&format!("/api/v1/jobs/{id}/executions?result=failed"), Some(&admin)).await;
    let history = history.json_as::<ExecutionList>();
    assert_eq!(history.meta.total, 1);
    assert_eq!(history.data[0].error_message.as_deref(), Some("disk full"));
    let one = app.get(&format!("/api/v1/executions/{}", by_id.id), Some(&admin)).await;
    assert_eq!(one.json_as::<ExecutionDto>().size_bytes, Some(1234));
    let window = app.get("/api/v1/executions?from=2026-11-30T08:10:00Z&to=2026-11-30T08:30:00Z", Some(&admin)).await;
    assert_eq!(window.json_as::<ExecutionList>().meta.total, 1);
}

#[tokio::test]
async fn the_same_external_id_is_stored_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, _, _) = job_with_copies(&app, &admin, "idem").await;
    let body = json!({"job_id": id, "result": "success", "external_id": "session-42"});
    let first = app.post("/api/v1/executions", Some(&admin), &body).await;
    let second = app.post("/api/v1/executions", Some(&admin), &body).await;
    assert_eq!((first.status, second.status), (StatusCode::CREATED, StatusCode::OK));
    let first = first.json_as::<ExecutionDto>();
    assert_eq!(first.id, second.json_as::<ExecutionDto>().id);
    assert_eq!(stored_count(&app), 1);
    let batch = app
        .post("/api/v1/executions/batch", Some(&admin), &json!({"items": [body.clone(), {"job_id": id, "result": "failed", "external_id": "session-43"}, {"job_id": id, "result": "failed", "external_id": "session-43"}]}))
        .await;
    assert_eq!(batch.status, StatusCode::CREATED, "{:?}", batch.body);
    let batch = batch.json_as::<BatchExecutionResponse>();
    assert_eq!(batch.created, 1);
    assert_eq!(batch.data[0].id, first.id);
    assert_eq!(batch.data[1].id, batch.data[2].id);
    assert_eq!(stored_count(&app), 2);
}

#[tokio::test]
async fn a_batch_with_one_bad_item_is_rejected_whole_naming_the_item() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, _, _) = job_with_copies(&app, &admin, "batchy").await;
    let good = |n: usize| json!({"job_id": id, "result": "success", "external_id": format!("run-{n}")});
    let mut items: Vec<Value> = (0..5).map(good).collect();
    items[3] = json!({"job_id": id, "result": "exploded"});
    let reply = app.post("/api/v1/executions/batch", Some(&admin), &json!({"items": items})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.violation(), ("items[3].result".to_owned(), "invalid_value".to_owned()));

    let mut items: Vec<Value> = (0..5).map(good).collect();
    items[1] = json!({"job_name": "no-such-job", "result": "success"});
    items[4] = json!({"job_id": id, "result": "success", "size_bytes": -5});
    let reply = app.post("/api/v1/executions/batch", Some(&admin), &json!({"items": items})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let details: Vec<(String, String)> =
        reply.json_as::<ApiErrorBody>().error.details.into_iter().map(|d| (d.field, d.rule)).collect();
    assert_eq!(details, vec![("items[4].size_bytes".to_owned(), "min".to_owned())], "field rules are checked first");
    let mut items: Vec<Value> = (0..5).map(good).collect();
    items[1] = json!({"job_name": "no-such-job", "result": "success"});
    let reply = app.post("/api/v1/executions/batch", Some(&admin), &json!({"items": items})).await;
    assert_eq!(reply.violation(), ("items[1].job_name".to_owned(), "exists".to_owned()));
    assert_eq!(stored_count(&app), 0, "nothing from a rejected batch is stored");

    let too_many: Vec<Value> = (0..1001).map(good).collect();
    let reply = app.post("/api/v1/executions/batch", Some(&admin), &json!({"items": too_many})).await;
    assert_eq!(reply.violation(), ("items".to_owned(), "size".to_owned()));
    let full: Vec<Value> = (0..1000).map(good).collect();
    let reply = app.post("/api/v1/executions/batch", Some(&admin), &json!({"items": full})).await;
    assert_eq!((reply.status, reply.json_as::<BatchExecutionResponse>().created), (StatusCode::CREATED, 1000));
    assert_eq!(stored_count(&app), 1000);
}

#[tokio::test]
async fn ingest_keys_can_be_restricted_to_jobs() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (fs01, _, _) = job_with_copies(&app, &admin, "fs01").await;
    let (fs02, _, _) = job_with_copies(&app, &admin, "fs02").await;
    let key = app
        .post("/api/v1/api-keys", Some(&admin), &json!({"name": "fs01 only", "scopes": ["ingest"], "job_ids": [fs01]}))
        .await;
    let key = key.json_as::<CreatedApiKeyResponse>();
    assert_eq!(key.api_key.job_ids, [fs01]);
    let secret = key.key.as_str();
    let own = app.post("/api/v1/executions", Some(secret), &json!({"job_id": fs01, "result": "success"})).await;
    assert_eq!(own.status, StatusCode::CREATED);
    let other = app.post("/api/v1/executions", Some(secret), &json!({"job_id": fs02, "result": "success"})).await;
    assert_eq!((other.status, other.code()), (StatusCode::FORBIDDEN, "forbidden"));
    let mixed = app
        .post(
            "/api/v1/executions/batch",
            Some(secret),
            &json!({"items": [{"job_id": fs01, "result": "success"}, {"job_name": "fs02", "result": "success"}]}),
        )
        .await;
    assert_eq!(mixed.status, StatusCode::FORBIDDEN);
    assert_eq!(stored_count(&app), 1);

    let (_, read_key) = app.create_api_key(&admin, "reader", &["read"]).await;
    let refused = app.post("/api/v1/executions", Some(&read_key), &json!({"job_id": fs01, "result": "success"})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/jobs", Some(&read_key)).await.status, StatusCode::OK);
    assert_eq!(app.get("/api/v1/jobs", Some(secret)).await.status, StatusCode::FORBIDDEN);
    let unknown_job =
        app.post("/api/v1/api-keys", Some(&admin), &json!({"name": "x", "scopes": ["ingest"], "job_ids": [999]})).await;
    assert_eq!(unknown_job.violation(), ("job_ids".to_owned(), "exists".to_owned()));
}

async fn ping(app: &TestApp, method: Method, path: &str, body: Option<&str>) -> (StatusCode, String) {
    let mut request = app.client.request(method, format!("{}{path}", app.address));
    if let Some(body) = body {
        request = request.body(body.to_owned());
    }
    let response = request.send().await.expect("sent");
    let status = response.status();
    (status, response.text().await.expect("text"))
}

#[tokio::test]
async fn ping_urls_record_every_signal_like_healthchecks() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, token, copies) = job_with_copies(&app, &admin, "pinged").await;

    assert_eq!(ping(&app, Method::GET, &format!("/ping/{token}"), None).await, (StatusCode::OK, "OK".to_owned()));
    assert_eq!(ping(&app, Method::HEAD, &format!("/ping/{token}/0"), None).await.0, StatusCode::OK);
    let (status, _) = ping(&app, Method::POST, &format!("/ping/{token}/fail"), Some("rsync: connection refused")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.job_status(id).await.state, JobStateDto::Failed);
    ping(&app, Method::POST, &format!("/ping/{token}/log"), Some("still retrying")).await;
    assert_eq!(app.job_status(id).await.state, JobStateDto::Failed, "log pings do not change state");
    ping(&app, Method::GET, &format!("/ping/{token}/2"), None).await;

    let history = app.get(&format!("/api/v1/jobs/{id}/executions"), Some(&admin)).await;
    let rows = history.json_as::<ExecutionList>().data;
    let summary: Vec<(ExecutionResult, Option<&str>)> =
        rows.iter().map(|r| (r.result, r.error_message.as_deref())).collect();
    assert_eq!(
        summary,
        vec![
            (ExecutionResult::Failed, Some("exit code 2")),
            (ExecutionResult::Log, None),
            (ExecutionResult::Failed, Some("reported failure via ping")),
            (ExecutionResult::Success, None),
            (ExecutionResult::Success, None),
        ]
    );
    assert_eq!(rows[2].log.as_deref(), Some("rsync: connection refused"));
    assert!(rows.iter().all(|r| r.source == ExecutionSource::Ping && r.copy_id == Some(copies[0])));

    // Overlapping runs paired by rid get their own durations.
    let (first, second) = ("3f0c2a9e-1b7d-4e5f-8a6b-0c1d2e3f4a5b", "7b9e4c1d-2a3f-4b5c-9d8e-1f2a3b4c5d6e");
    ping(&app, Method::GET, &format!("/ping/{token}/start?rid={first}"), None).await;
    app.clock.advance(chrono::Duration::minutes(5));
    ping(&app, Method::GET, &format!("/ping/{token}/start?rid={second}"), None).await;
    assert_eq!(app.job_status(id).await.state, JobStateDto::Running);
    app.clock.advance(chrono::Duration::minutes(5));
    ping(&app, Method::GET, &format!("/ping/{token}?rid={first}"), None).await;
    app.clock.advance(chrono::Duration::minutes(10));
    let admin = app.admin().await;
    ping(&app, Method::POST, &format!("/ping/{token}/0?rid={second}"), Some("done")).await;
    let history = app.get(&format!("/api/v1/jobs/{id}/executions?per_page=2"), Some(&admin)).await;
    let history = history.json_as::<ExecutionList>();
    let durations: Vec<(Option<&str>, Option<i64>)> =
        history.data.iter().map(|r| (r.run_id.as_deref(), r.duration_seconds)).collect();
    assert_eq!(durations, vec![(Some(second), Some(900)), (Some(first), Some(600))]);
    assert_eq!(app.job_status(id).await.state, JobStateDto::Up);

    // A start without rid is closed by the next plain ping.
    ping(&app, Method::GET, &format!("/ping/{token}/start"), None).await;
    app.clock.advance(chrono::Duration::seconds(42));
    let admin = app.admin().await;
    ping(&app, Method::GET, &format!("/ping/{token}"), None).await;
    let latest = app.get(&format!("/api/v1/jobs/{id}/executions?per_page=1"), Some(&admin)).await;
    assert_eq!(latest.json_as::<ExecutionList>().data[0].duration_seconds, Some(42));

    let long_body = "x".repeat(20_000);
    ping(&app, Method::POST, &format!("/ping/{token}/log"), Some(&long_body)).await;
    let latest = app.get(&format!("/api/v1/jobs/{id}/executions?per_page=1"), Some(&admin)).await;
    assert_eq!(latest.json_as::<ExecutionList>().data[0].log.as_deref().map(str::len), Some(10 * 1024));

    assert_eq!(ping(&app, Method::GET, "/ping/0000000000000000000000000000dead", None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(ping(&app, Method::GET, &format!("/ping/{token}/256"), None).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(
        ping(&app, Method::GET, &format!("/ping/{token}/start?rid=not-a-uuid"), None).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(ping(&app, Method::PUT, &format!("/ping/{token}"), None).await.0, StatusCode::METHOD_NOT_ALLOWED);
}
