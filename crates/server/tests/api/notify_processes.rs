//! Process-level notification and scheduler tests with the real `bms` binary: queued
//! notifications survive `kill -9` and are delivered once after the restart; two `bms`
//! processes on one database run each scheduled task once, and the second takes over
//! when the first is killed.

use std::time::{Duration, Instant};

use bms_types::system::TaskList;
use serde_json::{Value, json};

use crate::alerts::Receiver;
use crate::helpers::http_client;
use crate::helpers::process::{ServerProcess, prepare};

async fn call(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> Value {
    let mut request = client.request(method, url).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{status}: {body}");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_notifications_survive_kill_9_and_are_delivered_exactly_once_after_restart() {
    let dir = tempfile::tempdir().expect("dir");
    prepare(dir.path());
    let hook = Receiver::start(&[]);
    let mut server = ServerProcess::start(dir.path());
    let client = http_client();
    let token = server.ops_token(&client).await;
    let base = server.base_url();
    let post = reqwest::Method::POST;
    let channel = call(
        &client,
        post.clone(),
        format!("{base}/api/v1/notifications/channels"),
        &token,
        Some(json!({"name": "hook", "kind": "webhook", "url": hook.url})),
    )
    .await;
    // A 5-second group window: the alerts are committed and their notifications queued,
    // but nothing is sent yet when the process is killed.
    call(
        &client,
        post.clone(),
        format!("{base}/api/v1/notifications/routes"),
        &token,
        Some(json!({"name": "all", "channel_ids": [channel["id"]], "group_wait_seconds": 5})),
    )
    .await;
    let mut jobs = Vec::new();
    for n in 0..3 {
        let job = call(
            &client,
            post.clone(),
            format!("{base}/api/v1/jobs"),
            &token,
            Some(json!({"name": format!("job-{n}"), "job_type": "file", "backup_tool": "restic"})),
        )
        .await;
        jobs.push(job["id"].as_i64().expect("id"));
    }
    let started = Instant::now();
    for job in &jobs {
        call(
            &client,
            post.clone(),
            format!("{base}/api/v1/executions"),
            &token,
            Some(json!({"job_id": job, "result": "failed"})),
        )
        .await;
    }
    loop {
        let list = call(&client, reqwest::Method::GET, format!("{base}/api/v1/alerts?open=true"), &token, None).await;
        if list["meta"]["total"] == 3 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(4), "the alerts did not fire before the window: {list}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.kill();
    assert_eq!(hook.count(), 0, "killed inside the group window: nothing was sent");

    server.restart();
    // The killed process's scheduler lease must expire first (30 s): then the restarted
    // process takes it and its worker sends what was queued.
    let got = hook.wait_for_within(1, Duration::from_secs(45)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(hook.count(), 1, "one message for the three alerts, sent once: {:?}", hook.all());
    let ids: Vec<i64> =
        got[0].json()["alerts"].as_array().expect("alerts").iter().filter_map(|a| a["id"].as_i64()).collect();
    assert_eq!(ids.len(), 3);
    let token = server.ops_token(&client).await;
    let log = call(
        &client,
        reqwest::Method::GET,
        format!("{}/api/v1/notifications/deliveries", server.base_url()),
        &token,
        None,
    )
    .await;
    assert_eq!(log["meta"]["total"], 1);
    assert_eq!(log["data"][0]["status"], "delivered");
    assert_eq!(log["data"][0]["attempts"], 1);
    assert!(server.stop().await.success());
}

async fn tasks(client: &reqwest::Client, server: &ServerProcess, token: &str) -> TaskList {
    let body =
        call(client, reqwest::Method::GET, format!("{}/api/v1/system/tasks", server.base_url()), token, None).await;
    serde_json::from_value(body).expect("task list")
}

fn runs(list: &TaskList, name: &str) -> i64 {
    list.data.iter().find(|task| task.name == name).map_or(0, |task| task.runs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_database_run_each_task_once_and_the_second_takes_over_after_a_kill() {
    let dir = tempfile::tempdir().expect("dir");
    prepare(dir.path());
    let fast = [("STATE_EVALUATION_SECONDS", "5")];
    let mut first = ServerProcess::start_with(dir.path(), &fast);
    let mut second = ServerProcess::start_with(dir.path(), &fast);
    let client = http_client();
    let token = first.ops_token(&client).await;
    // Wait until one of them holds the lease.
    let holder_is_first = loop {
        let list = tasks(&client, &first, &token).await;
        if let Some(lease) = list.lease {
            break lease.held_by_this_process;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let (holder, other) = if holder_is_first { (&mut first, &mut second) } else { (&mut second, &mut first) };
    let other_view = tasks(&client, other, &token).await;
    assert!(other_view.lease.as_ref().is_some_and(|lease| !lease.held_by_this_process), "exactly one holder");

    let before = runs(&tasks(&client, holder, &token).await, "evaluate_jobs");
    tokio::time::sleep(Duration::from_millis(10_500)).await;
    let after = runs(&tasks(&client, holder, &token).await, "evaluate_jobs");
    // Every 5 s for 10.5 s by one process: 2 (3 at a boundary); two processes would make 4–5.
    assert!((2..=3).contains(&(after - before)), "evaluate_jobs ran {} times in 10.5 s", after - before);

    holder.kill();
    let killed_at = Instant::now();
    loop {
        let list = tasks(&client, other, &token).await;
        if list.lease.as_ref().is_some_and(|lease| lease.held_by_this_process) {
            break;
        }
        assert!(killed_at.elapsed() < Duration::from_secs(45), "no takeover after the lease expired: {list:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let taken_over = runs(&tasks(&client, other, &token).await, "evaluate_jobs");
    tokio::time::sleep(Duration::from_millis(5_500)).await;
    assert!(runs(&tasks(&client, other, &token).await, "evaluate_jobs") > taken_over, "the survivor runs the tasks");
    assert!(other.stop().await.success());
}
