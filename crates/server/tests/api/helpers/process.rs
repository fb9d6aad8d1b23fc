//! The real `bms` binary as a separate process, for the CLI, operations, durability and
//! deployment-guide tests: a clean environment, `bms serve` behind a guard that kills it on
//! drop, the port read from its log, SIGTERM with a bounded wait, and restarts on the same
//! directory.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use bms_types::api_keys::CreatedApiKeyResponse;
use bms_types::auth::TokenResponse;
use bms_types::jobs::JobDto;
use diesel::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::decode_exactly;

/// The password of `ops`, the administrator `prepare` creates.
pub const PASSWORD: &str = "Operations-Pass-2026!";
/// The `SECRET_KEY` `prepare` and `write_secret_env` put into `./.env`.
pub const SECRET: &str = "operations-test-secret-key-0123456789";

/// How long `bms serve` may take to print its "listening" line.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long `bms serve` may take to exit after SIGTERM.
const STOP_TIMEOUT: Duration = Duration::from_secs(15);

/// `bms` run in `dir` with nothing but `PATH` from the test's environment, so that no
/// variable or `.env` of the machine running the tests leaks into what is tested.
pub fn bms(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bms"));
    command.current_dir(dir).env_clear().env("PATH", std::env::var_os("PATH").unwrap_or_default());
    command
}

/// stdout followed by stderr of a finished command, for assertions and failure messages.
pub fn output_text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// Writes a `./.env` holding only the fixed `SECRET`.
pub fn write_secret_env(dir: &Path) {
    std::fs::write(dir.join(".env"), format!("SECRET_KEY={SECRET}\n")).expect(".env");
}

/// Writes `./.env` with the fixed secret and creates the administrator `ops` with the CLI.
pub fn prepare(dir: &Path) {
    write_secret_env(dir);
    let mut create = bms(dir)
        .args(["create-admin", "--username", "ops", "--email", "ops@example.com", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("create-admin");
    create.stdin.take().expect("stdin").write_all(format!("{PASSWORD}\n").as_bytes()).expect("write");
    assert!(create.wait().expect("wait").success());
}

/// The `external_id` of every stored execution, read straight from the database file.
pub fn stored_external_ids(database: &Path) -> HashSet<String> {
    let mut conn = SqliteConnection::establish(&database.to_string_lossy()).expect("open");
    bms_server::db::schema::executions::table
        .select(bms_server::db::schema::executions::external_id)
        .load::<Option<String>>(&mut conn)
        .expect("rows")
        .into_iter()
        .flatten()
        .collect()
}

/// A running `bms serve` (default command, no arguments). Killed and reaped on drop, so a
/// failing test never leaves a server behind that holds the test's output pipe open.
pub struct ServerProcess {
    child: Option<Child>,
    port: u16,
    log: Arc<Mutex<String>>,
    stdout: Arc<Mutex<String>>,
    dir: PathBuf,
    envs: Vec<(String, String)>,
}

impl ServerProcess {
    /// Starts `bms serve` in `dir` on port 0 and waits until it listens.
    pub fn start(dir: &Path) -> Self {
        Self::start_with(dir, &[])
    }

    /// `start` with extra environment variables (they win over `./.env`).
    pub fn start_with(dir: &Path, envs: &[(&str, &str)]) -> Self {
        let envs = envs.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect();
        let mut server =
            Self { child: None, port: 0, log: Arc::default(), stdout: Arc::default(), dir: dir.to_path_buf(), envs };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let mut command = bms(&self.dir);
        command.env("PORT", "0").stdout(Stdio::piped()).stderr(Stdio::piped());
        for (name, value) in &self.envs {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("spawn bms serve");
        let log = Arc::new(Mutex::new(String::new()));
        let stdout = Arc::new(Mutex::new(String::new()));
        let (port_sender, port_receiver) = mpsc::channel();
        // Both pipes are drained for the life of the process, so the server never blocks on
        // a full pipe; the port comes from the first "listening" line of the log.
        drain_lines(child.stderr.take().expect("stderr"), Arc::clone(&log), move |line| {
            if let Some(port) = listening_port(line) {
                let _ = port_sender.send(port);
            }
        });
        drain_lines(child.stdout.take().expect("stdout"), Arc::clone(&stdout), |_| {});
        // Held by the guard before waiting, so that a server that never listens is still killed.
        self.child = Some(child);
        self.log = log;
        self.stdout = stdout;
        // Disconnected (the log ended) means the process exited without listening.
        self.port = port_receiver.recv_timeout(START_TIMEOUT).unwrap_or_else(|_| {
            panic!("bms serve did not start within {START_TIMEOUT:?}:\n{}{}", self.stdout(), self.log())
        });
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Everything the current process wrote to stderr (its log) so far.
    pub fn log(&self) -> String {
        self.log.lock().expect("log").clone()
    }

    /// Everything the current process wrote to stdout so far.
    pub fn stdout(&self) -> String {
        self.stdout.lock().expect("stdout").clone()
    }

    fn pid(&self) -> String {
        self.child.as_ref().expect("bms serve is running").id().to_string()
    }

    /// Sends a signal by name (`HUP`, `TERM`, ...) to the running process.
    pub fn signal(&self, name: &str) {
        let sent = Command::new("kill").args([&format!("-{name}"), &self.pid()]).status().expect("run kill");
        assert!(sent.success(), "kill -{name} failed");
    }

    /// SIGTERM, then waits (at most 15 s) for the exit; returns its status.
    pub async fn stop(&mut self) -> ExitStatus {
        self.signal("TERM");
        let child = self.child.as_mut().expect("bms serve is running");
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                self.child = None;
                return status;
            }
            assert!(Instant::now() < deadline, "bms did not stop within {STOP_TIMEOUT:?} of SIGTERM");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL without warning, and reaps the process.
    pub fn kill(&mut self) {
        let mut child = self.child.take().expect("bms serve is running");
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
    }

    /// Starts `bms serve` again on the same directory with the same environment, after a
    /// `stop` or a `kill` (which of the two is the test's choice). The log starts afresh.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "restart needs the previous process stopped or killed");
        self.spawn();
    }

    /// An access token for `ops` (see `prepare`).
    pub async fn ops_token(&self, client: &reqwest::Client) -> String {
        let reply: TokenResponse = self
            .send_json(client.post(format!("{}/api/v1/auth/login", self.base_url())).json(&json!({
                "username": "ops", "password": PASSWORD
            })))
            .await;
        reply.access_token
    }

    /// Logs in as `ops`, creates a job and an ingest key; returns (job id, key).
    pub async fn job_and_ingest_key(&self, client: &reqwest::Client) -> (i64, String) {
        let token = self.ops_token(client).await;
        let base = self.base_url();
        let job: JobDto = self
            .send_json(
                client
                    .post(format!("{base}/api/v1/jobs"))
                    .bearer_auth(&token)
                    .json(&json!({"name": "backed up", "job_type": "file", "backup_tool": "custom"})),
            )
            .await;
        let key: CreatedApiKeyResponse = self
            .send_json(
                client
                    .post(format!("{base}/api/v1/api-keys"))
                    .bearer_auth(&token)
                    .json(&json!({"name": "ingest", "scopes": ["ingest"]})),
            )
            .await;
        (job.id, key.key)
    }

    /// Sends a request and decodes a 2xx answer into `T` (exactly: see `decode_exactly`).
    pub async fn send_json<T: DeserializeOwned + serde::Serialize>(&self, request: reqwest::RequestBuilder) -> T {
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let body: serde_json::Value = response.json().await.expect("a JSON body");
        assert!(status.is_success(), "{status}: {body}");
        decode_exactly(&body)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Appends every line of `pipe` to `sink` (in a thread of its own) and shows it to `watch`.
fn drain_lines(pipe: impl Read + Send + 'static, sink: Arc<Mutex<String>>, watch: impl Fn(&str) + Send + 'static) {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut line = String::new();
        while reader.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
            sink.lock().expect("pipe buffer").push_str(&line);
            watch(&line);
            line.clear();
        }
    });
}

/// The port of a `bms ... listening on http://127.0.0.1:<port> ...` log line.
fn listening_port(line: &str) -> Option<u16> {
    let rest = line.split("listening on http://127.0.0.1:").nth(1)?;
    rest.split_whitespace().next().and_then(|port| port.parse().ok())
}
