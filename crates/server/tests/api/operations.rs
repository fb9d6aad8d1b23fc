//! Operations of the real `bms` binary: online backup during ingest, restore (refused while
//! serving, keeps the replaced file), the automatic backup before migrations and the
//! rollback with it, graceful SIGTERM, SIGHUP log reopening, and systemd notifications.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::cli::{bms, start_server_logged};

/// The password of `ops`, the administrator `prepare` creates.
pub const PASSWORD: &str = "Operations-Pass-2026!";
const SECRET: &str = "operations-test-secret-key-0123456789";

/// Writes a `.env` with a fixed secret and creates the administrator `ops` with the CLI.
pub fn prepare(dir: &Path) {
    std::fs::write(dir.join(".env"), format!("SECRET_KEY={SECRET}\n")).expect(".env");
    let mut create = bms(dir)
        .args(["create-admin", "--username", "ops", "--email", "ops@example.com", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("create-admin");
    create.stdin.take().expect("stdin").write_all(format!("{PASSWORD}\n").as_bytes()).expect("write");
    assert!(create.wait().expect("wait").success());
}

fn run(dir: &Path, args: &[&str]) -> Output {
    bms(dir).args(args).output().expect("run bms")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn external_ids(database: &Path) -> HashSet<String> {
    let mut conn = SqliteConnection::establish(&database.to_string_lossy()).expect("open");
    bms_server::db::schema::executions::table
        .select(bms_server::db::schema::executions::external_id)
        .load::<Option<String>>(&mut conn)
        .expect("rows")
        .into_iter()
        .flatten()
        .collect()
}

/// Kills the server if a test fails before stopping it (a leftover server would keep the
/// test's output pipe open).
struct Server(Option<Child>);

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn serve(dir: &Path, envs: &[(&str, &str)]) -> (Server, u16, Arc<Mutex<String>>) {
    let (child, port, log) = start_server_logged(dir, envs);
    (Server(Some(child)), port, log)
}

async fn stop(mut server: Server) -> std::process::ExitStatus {
    let mut server = server.0.take().expect("running");
    let pid = server.id().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("kill").success());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = server.try_wait().expect("wait") {
            return status;
        }
        assert!(Instant::now() < deadline, "bms did not stop within 15 s of SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// An access token for `ops`.
pub async fn login(client: &reqwest::Client, base: &str) -> String {
    let reply: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "ops", "password": PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    reply["access_token"].as_str().expect("token").to_owned()
}

/// Logs in as `ops`, creates a job and an ingest key; returns (job id, key).
pub async fn job_and_key(client: &reqwest::Client, base: &str) -> (i64, String) {
    let token = login(client, base).await;
    let job: Value = client
        .post(format!("{base}/api/v1/jobs"))
        .bearer_auth(&token)
        .json(&json!({"name": "backed up", "job_type": "file", "backup_tool": "custom"}))
        .send()
        .await
        .expect("job")
        .json()
        .await
        .expect("json");
    let key: Value = client
        .post(format!("{base}/api/v1/api-keys"))
        .bearer_auth(&token)
        .json(&json!({"name": "ingest", "scopes": ["ingest"]}))
        .send()
        .await
        .expect("key")
        .json()
        .await
        .expect("json");
    (job["id"].as_i64().expect("id"), key["key"].as_str().expect("key").to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn online_backup_during_ingest_holds_every_earlier_result_and_restore_and_rollback_work() {
    let dir = tempfile::tempdir().expect("dir");
    prepare(dir.path());
    let database = dir.path().join("data/bms.db");
    let (server, port, log) = serve(dir.path(), &[]);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let (job_id, key) = job_and_key(&client, &base).await;

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
    assert!(backup.status.success(), "{}", text(&backup));
    assert!(text(&backup).contains("integrity ok"), "{}", text(&backup));
    assert!(acknowledged.lock().expect("lock").len() > during, "ingest went on after the backup");

    let check = run(dir.path(), &["db", "check", &backup_file.to_string_lossy()]);
    assert!(check.status.success(), "{}", text(&check));
    let in_backup = external_ids(&backup_file);
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
    assert!(text(&refused).contains("in use by a running bms"), "{}", text(&refused));

    // SIGTERM: graceful stop, exit 0, no acknowledged result lost.
    let status = stop(server).await;
    assert!(status.success(), "exit status {status:?}");
    assert!(log.lock().expect("log").contains("SIGTERM received"), "{}", log.lock().expect("log"));
    let everything: HashSet<String> = acknowledged.lock().expect("lock").iter().cloned().collect();
    assert!(everything.is_subset(&external_ids(&database)), "a result acknowledged before SIGTERM is missing");

    // Restore: the live file is replaced by the backup; the replaced one is kept.
    let restored = run(dir.path(), &["db", "restore", &backup_file.to_string_lossy()]);
    assert!(restored.status.success(), "{}", text(&restored));
    assert_eq!(external_ids(&database), in_backup);
    let kept = std::fs::read_dir(dir.path().join("data"))
        .expect("data dir")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.to_string_lossy().contains("bms.db.replaced-"))
        .expect("the replaced database is kept");
    assert!(everything.is_subset(&external_ids(&kept)));

    // Upgrade and rollback: an older schema (one migration fewer) is backed up
    // automatically before the newer binary migrates it; restoring that backup rolls back.
    let reverted = run(dir.path(), &["migrate", "--revert", "1"]);
    assert!(reverted.status.success(), "{}", text(&reverted));
    assert!(text(&reverted).contains("reverted 20261204000001"), "{}", text(&reverted));
    let (server, _, _) = serve(dir.path(), &[]);
    assert!(stop(server).await.success());
    let backups: Vec<_> = std::fs::read_dir(dir.path().join("data/backups"))
        .expect("backups dir")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    let automatic = &backups[0];
    assert!(automatic.to_string_lossy().contains("-before-20261204000001"), "{}", automatic.display());
    let check = run(dir.path(), &["db", "check", &automatic.to_string_lossy()]);
    assert!(text(&check).contains("2 migrations"), "{}", text(&check));
    let current = run(dir.path(), &["db", "check"]);
    assert!(text(&current).contains("3 migrations"), "{}", text(&current));
    let rollback = run(dir.path(), &["db", "restore", &automatic.to_string_lossy()]);
    assert!(rollback.status.success(), "{}", text(&rollback));
    assert!(text(&run(dir.path(), &["db", "check"])).contains("2 migrations"));
    // ...and forward again: the users survived the whole round trip.
    let migrated = run(dir.path(), &["migrate"]);
    assert!(migrated.status.success(), "{}", text(&migrated));
    let final_check = text(&run(dir.path(), &["db", "check"]));
    assert!(final_check.contains("3 migrations") && final_check.contains("1 users"), "{final_check}");
}

#[tokio::test]
async fn sighup_reopens_the_log_file_for_logrotate() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join(".env"), format!("SECRET_KEY={SECRET}\n")).expect(".env");
    let logs = dir.path().join("logs");
    let (server, port, _) = serve(dir.path(), &[("LOG_DIR", &logs.to_string_lossy())]);
    let live = logs.join("bms.log");
    // stderr is written before the file: wait for the file to catch up.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !std::fs::read_to_string(&live).unwrap_or_default().contains("listening on") {
        assert!(Instant::now() < deadline, "the log file never got the start line");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    std::fs::rename(&live, logs.join("bms.log.1")).expect("rotate");
    let pid = server.0.as_ref().expect("running").id().to_string();
    assert!(std::process::Command::new("kill").args(["-HUP", &pid]).status().expect("kill").success());
    let client = reqwest::Client::new();
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
    assert!(stop(server).await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn systemd_hears_ready_when_listening_and_stopping_on_sigterm() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join(".env"), format!("SECRET_KEY={SECRET}\n")).expect(".env");
    let socket_path = dir.path().join("notify.sock");
    let socket = std::os::unix::net::UnixDatagram::bind(&socket_path).expect("bind");
    socket.set_read_timeout(Some(Duration::from_secs(15))).expect("timeout");
    let (server, port, _) = serve(dir.path(), &[("NOTIFY_SOCKET", &socket_path.to_string_lossy())]);
    let mut buffer = [0u8; 256];
    let size = socket.recv(&mut buffer).expect("READY=1");
    assert_eq!(String::from_utf8_lossy(&buffer[..size]).trim(), "READY=1");
    // Ready means listening: the port answers now.
    let health = reqwest::get(format!("http://127.0.0.1:{port}/health")).await.expect("health");
    assert_eq!(health.status(), reqwest::StatusCode::OK);
    let stopping = tokio::spawn(stop(server));
    let size = socket.recv(&mut buffer).expect("STOPPING=1");
    assert_eq!(String::from_utf8_lossy(&buffer[..size]).trim(), "STOPPING=1");
    assert!(stopping.await.expect("join").success());
}
