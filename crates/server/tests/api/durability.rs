//! Durability: a result acknowledged with 2xx survives SIGKILL of the server in the middle
//! of concurrent ingest. Runs the real `bms` binary as a separate process.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::cli::start_server;
use crate::operations::{job_and_key, login, prepare};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_result_survives_a_sigkill_during_concurrent_ingest() {
    let dir = tempfile::tempdir().expect("dir");
    prepare(dir.path());
    let (mut server, port, _) = start_server(dir.path());
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let (job_id, key) = job_and_key(&client, &base).await;

    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut workers = Vec::new();
    for worker in 0..32 {
        let (client, base, key, acknowledged) = (client.clone(), base.clone(), key.clone(), Arc::clone(&acknowledged));
        workers.push(tokio::spawn(async move {
            for n in 0..5_000 {
                if Instant::now() > deadline {
                    break;
                }
                let external_id = format!("w{worker}-{n}");
                let sent = client
                    .post(format!("{base}/api/v1/executions"))
                    .bearer_auth(&key)
                    .json(&json!({"job_id": job_id, "result": "success", "external_id": external_id}))
                    .send()
                    .await;
                match sent {
                    Ok(response) if response.status() == reqwest::StatusCode::CREATED => {
                        acknowledged.lock().expect("lock").push(external_id);
                    }
                    // Anything else (refused connection after the kill) ends this worker.
                    _ => break,
                }
            }
        }));
    }
    // Let ingest run, then kill the server without warning.
    while acknowledged.lock().expect("lock").len() < 500 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill().expect("SIGKILL");
    server.wait().expect("reaped");
    for worker in workers {
        worker.await.expect("worker");
    }
    let acknowledged: HashSet<String> = acknowledged.lock().expect("lock").iter().cloned().collect();
    assert!(acknowledged.len() >= 500, "the kill came during ingest ({} acknowledged)", acknowledged.len());

    let (mut restarted, port, _) = start_server(dir.path());
    let ready: Value =
        client.get(format!("http://127.0.0.1:{port}/ready")).send().await.expect("ready").json().await.expect("json");
    assert_eq!(ready["status"], "ready");
    let stored: HashSet<String> = {
        let pool = bms_server::db::connect(&dir.path().join("data/bms.db")).expect("pool");
        let mut conn = pool.get().expect("conn");
        bms_server::db::schema::executions::table
            .select(bms_server::db::schema::executions::external_id)
            .load::<Option<String>>(&mut conn)
            .expect("rows")
            .into_iter()
            .flatten()
            .collect()
    };
    let lost: Vec<&String> = acknowledged.difference(&stored).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged results lost, e.g. {:?}",
        lost.len(),
        lost.iter().take(5).collect::<Vec<_>>()
    );
    let token = login(&client, &format!("http://127.0.0.1:{port}")).await;
    let listed: Value = client
        .get(format!("http://127.0.0.1:{port}/api/v1/executions?job_id={job_id}&per_page=1"))
        .bearer_auth(token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert!(listed["meta"]["total"].as_u64().expect("total") >= acknowledged.len() as u64);
    let _ = restarted.kill();
    let _ = restarted.wait();
}
