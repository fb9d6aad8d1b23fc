//! Durability: a result acknowledged with 2xx survives SIGKILL of the server in the middle
//! of concurrent ingest. Runs the real `bms` binary as a separate process.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bms_types::executions::ExecutionList;
use bms_types::health::ReadyResponse;
use serde_json::json;

use crate::helpers::process::{ServerProcess, prepare, stored_external_ids};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_result_survives_a_sigkill_during_concurrent_ingest() {
    let dir = tempfile::tempdir().expect("dir");
    prepare(dir.path());
    let mut server = ServerProcess::start(dir.path());
    let base = server.base_url();
    let client = crate::helpers::http_client();
    let (job_id, key) = server.job_and_ingest_key(&client).await;

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
    server.kill();
    for worker in workers {
        worker.await.expect("worker");
    }
    let acknowledged: HashSet<String> = acknowledged.lock().expect("lock").iter().cloned().collect();
    assert!(acknowledged.len() >= 500, "the kill came during ingest ({} acknowledged)", acknowledged.len());

    server.restart();
    let base = server.base_url();
    let ready: ReadyResponse = server.send_json(client.get(format!("{base}/ready"))).await;
    assert_eq!(ready.status, "ready");
    let stored = stored_external_ids(&dir.path().join("data/bms.db"));
    let lost: Vec<&String> = acknowledged.difference(&stored).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged results lost, e.g. {:?}",
        lost.len(),
        lost.iter().take(5).collect::<Vec<_>>()
    );
    let token = server.ops_token(&client).await;
    let listed: ExecutionList = server
        .send_json(client.get(format!("{base}/api/v1/executions?job_id={job_id}&per_page=1")).bearer_auth(token))
        .await;
    assert!(listed.meta.total >= acknowledged.len() as u64);
}
