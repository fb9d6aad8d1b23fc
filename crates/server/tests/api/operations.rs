//! Operations of the real `bms` binary: online backup during ingest, restore (refused while
//! serving, keeps the replaced file), the automatic backup before migrations and the
//! rollback with it, graceful SIGTERM, SIGHUP log reopening, and systemd notifications.

use std::collections::HashSet;
use std::path::Path;
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::process::{ServerProcess, bms, output_text, prepare, stored_external_ids, write_secret_env};

fn run(dir: &Path, args: &[&str]) -> Output {
    bms(dir).args(args).output().expect("run bms")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn online_backup_during_ingest_holds_every_earlier_result_and_restore_and_rollback_work() {
    let dir = tempfile::tempdir().expect("dir");
    prepare(dir.path());
    let database = dir.path().join("data/bms.db");
    let mut server = ServerProcess::start(dir.path());
    let base = server.base_url();
    let client = crate::helpers::http_client();
    let (job_id, key) = server.job_and_ingest_key(&client).await;

    // Ingest runs on 8 connections for the whole backup.
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let running = Arc::new(AtomicBool::new(true));
    let mut workers = Vec::new();
    for worker in 0..8 {
        let (client, base, key) = (client.clone(), base.clone(), key.clone());
        let (acknowledged, running) = (Arc::clone(&acknowledged), Arc::clone(&running));
        workers.push(tokio::spawn(async move {
            let mut n = 0;
            while running.load(Ordering::Relaxed) {
                let external_id = format!("w{worker}-{n}");
                n += 1;
                let response = client
                    .post(format!("{base}/api/v1/executions"))
                    .header("X-API-Key", &key)
                    .json(&json!({"job_id": job_id, "result": "success", "external_id": external_id}))
                    .send()
                    .await
                    .expect("ingest");
                assert_eq!(response.status(), reqwest::StatusCode::CREATED);
                acknowledged.lock().expect("lock").push(external_id);
            }
        }));
    }
    while acknowledged.lock().expect("lock").len() < 300 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before_backup: HashSet<String> = acknowledged.lock().expect("lock").iter().cloned().collect();
    let backup_file = dir.path().join("backup.db");
    let backup = {
        let (dir, file) = (dir.path().to_path_buf(), backup_file.clone());
        tokio::task::spawn_blocking(move || run(&dir, &["db", "backup", &file.to_string_lossy()])).await.expect("join")
    };
    let during = acknowledged.lock().expect("lock").len();
    tokio::time::sleep(Duration::from_millis(300)).await;
    running.store(false, Ordering::Relaxed);
    for worker in workers {
        worker.await.expect("worker");
    }
    assert!(backup.status.success(), "{}", output_text(&backup));
    assert!(output_text(&backup).contains("integrity ok"), "{}", output_text(&backup));
    assert!(acknowledged.lock().expect("lock").len() > during, "ingest went on after the backup");

    let check = run(dir.path(), &["db", "check", &backup_file.to_string_lossy()]);
    assert!(check.status.success(), "{}", output_text(&check));
    let in_backup = stored_external_ids(&backup_file);
    let missing: Vec<&String> = before_backup.difference(&in_backup).collect();
    assert!(
        missing.is_empty(),
        "{} results acknowledged before the backup are missing: {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );

    // Restore is refused while the server holds the database, and changes nothing.
    let refused = run(dir.path(), &["db", "restore", &backup_file.to_string_lossy()]);
    assert!(!refused.status.success());
    assert!(output_text(&refused).contains("in use by a running bms"), "{}", output_text(&refused));

    // SIGTERM: graceful stop, exit 0, no acknowledged result lost.
    let status = server.stop().await;
    assert!(status.success(), "exit status {status:?}");
    assert!(server.log().contains("SIGTERM received"), "{}", server.log());
    let everything: HashSet<String> = acknowledged.lock().expect("lock").iter().cloned().collect();
    assert!(everything.is_subset(&stored_external_ids(&database)), "a result acknowledged before SIGTERM is missing");

    // Restore: the live file is replaced by the backup; the replaced one is kept.
    let restored = run(dir.path(), &["db", "restore", &backup_file.to_string_lossy()]);
    assert!(restored.status.success(), "{}", output_text(&restored));
    assert_eq!(stored_external_ids(&database), in_backup);
    let kept = std::fs::read_dir(dir.path().join("data"))
        .expect("data dir")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.to_string_lossy().contains("bms.db.replaced-"))
        .expect("the replaced database is kept");
    assert!(everything.is_subset(&stored_external_ids(&kept)));

    // Upgrade and rollback: an older schema (one migration fewer) is backed up
    // automatically before the newer binary migrates it; restoring that backup rolls back.
    let reverted = run(dir.path(), &["migrate", "--revert", "1"]);
    assert!(reverted.status.success(), "{}", output_text(&reverted));
    assert!(output_text(&reverted).contains("reverted 20261206000001"), "{}", output_text(&reverted));
    server.restart();
    assert!(server.stop().await.success());
    let backups: Vec<_> = std::fs::read_dir(dir.path().join("data/backups"))
        .expect("backups dir")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    let automatic = &backups[0];
    assert!(automatic.to_string_lossy().contains("-before-20261206000001"), "{}", automatic.display());
    let check = run(dir.path(), &["db", "check", &automatic.to_string_lossy()]);
    assert!(output_text(&check).contains("4 migrations"), "{}", output_text(&check));
    let current = run(dir.path(), &["db", "check"]);
    assert!(output_text(&current).contains("5 migrations"), "{}", output_text(&current));
    let rollback = run(dir.path(), &["db", "restore", &automatic.to_string_lossy()]);
    assert!(rollback.status.success(), "{}", output_text(&rollback));
    assert!(output_text(&run(dir.path(), &["db", "check"])).contains("4 migrations"));
    // ...and forward again: the users survived the whole round trip.
    let migrated = run(dir.path(), &["migrate"]);
    assert!(migrated.status.success(), "{}", output_text(&migrated));
    let final_check = output_text(&run(dir.path(), &["db", "check"]));
    assert!(final_check.contains("5 migrations") && final_check.contains("1 users"), "{final_check}");
}

#[tokio::test]
async fn sighup_reopens_the_log_file_for_logrotate() {
    let dir = tempfile::tempdir().expect("dir");
    write_secret_env(dir.path());
    let logs = dir.path().join("logs");
    let mut server = ServerProcess::start_with(dir.path(), &[("LOG_DIR", &logs.to_string_lossy())]);
    let port = server.port();
    let live = logs.join("bms.log");
    // stderr is written before the file: wait for the file to catch up.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !std::fs::read_to_string(&live).unwrap_or_default().contains("listening on") {
        assert!(Instant::now() < deadline, "the log file never got the start line");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    std::fs::rename(&live, logs.join("bms.log.1")).expect("rotate");
    server.signal("HUP");
    let client = crate::helpers::http_client();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        client.get(format!("http://127.0.0.1:{port}/health")).send().await.expect("health");
        let fresh = std::fs::read_to_string(&live).unwrap_or_default();
        if fresh.contains("reopened the log file") && fresh.contains("GET /health") {
            break;
        }
        assert!(Instant::now() < deadline, "no new log file after SIGHUP: {fresh:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!std::fs::read_to_string(logs.join("bms.log.1")).expect("rotated").contains("reopened"));
    assert!(server.stop().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn systemd_hears_ready_when_listening_and_stopping_on_sigterm() {
    let dir = tempfile::tempdir().expect("dir");
    write_secret_env(dir.path());
    let socket_path = dir.path().join("notify.sock");
    let socket = std::os::unix::net::UnixDatagram::bind(&socket_path).expect("bind");
    socket.set_read_timeout(Some(Duration::from_secs(15))).expect("timeout");
    let mut server = ServerProcess::start_with(dir.path(), &[("NOTIFY_SOCKET", &socket_path.to_string_lossy())]);
    let port = server.port();
    let mut buffer = [0u8; 256];
    let size = socket.recv(&mut buffer).expect("READY=1");
    assert_eq!(String::from_utf8_lossy(&buffer[..size]).trim(), "READY=1");
    // Ready means listening: the port answers now.
    let health = reqwest::get(format!("http://127.0.0.1:{port}/health")).await.expect("health");
    assert_eq!(health.status(), reqwest::StatusCode::OK);
    let stopping = tokio::spawn(async move { server.stop().await });
    let size = socket.recv(&mut buffer).expect("STOPPING=1");
    assert_eq!(String::from_utf8_lossy(&buffer[..size]).trim(), "STOPPING=1");
    assert!(stopping.await.expect("join").success());
}
