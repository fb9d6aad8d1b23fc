//! `spawn_app` and typed helpers shared by the API tests; `process` runs the real binary.

pub mod process;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use bms_server::clock::ManualClock;
use bms_server::config::Config;
use bms_server::db::{self, DbPool};
use bms_server::http::Application;
use bms_server::tracking::evaluator::EvaluationSettings;
use bms_types::api_keys::CreatedApiKeyResponse;
use bms_types::audit::{AuditEntryDto, AuditEntryList};
use bms_types::auth::TokenResponse;
use bms_types::jobs::{CopyDto, JobDto, JobStatusDto};
use bms_types::users::CreatedUserResponse;
use chrono::{DateTime, TimeZone, Utc};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// The password every helper-created user gets.
pub const STRONG_PASSWORD: &str = "Tr1cky-Backup-Passphrase!";

/// A running server with its own database and clock.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub clock: ManualClock,
    pub first_admin_password: String,
    pub db_path: PathBuf,
    pub pool: DbPool,
    pub evaluation: EvaluationSettings,
    _dir: tempfile::TempDir,
}

/// A response reduced to what tests assert on.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The body decoded into the `bms-types` DTO `T`, exactly (see `decode_exactly`).
    pub fn json_as<T: DeserializeOwned + Serialize>(&self) -> T {
        decode_exactly_with(&self.body, &format!("{} answer", self.status))
    }

    /// The error code of an error envelope.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("<no error code>")
    }

    /// `(field, rule)` of the first violation.
    pub fn violation(&self) -> (String, String) {
        let detail = &self.body["error"]["details"][0];
        (detail["field"].as_str().unwrap_or("").to_owned(), detail["rule"].as_str().unwrap_or("").to_owned())
    }
}

/// Decodes `body` into the DTO `T` and checks that `T` serialises back to the very same
/// JSON. Plain serde would drop a field the DTO does not know and accept a timestamp in any
/// offset; with the round trip, a body that is not exactly a `T` (a renamed or extra field,
/// a value not in its wire form) fails, and asserting on the struct checks the wire.
pub fn decode_exactly<T: DeserializeOwned + Serialize>(body: &Value) -> T {
    decode_exactly_with(body, "body")
}

fn decode_exactly_with<T: DeserializeOwned + Serialize>(body: &Value, what: &str) -> T {
    let name = std::any::type_name::<T>();
    let decoded: T = serde_json::from_value(body.clone())
        .unwrap_or_else(|error| panic!("the {what} is not a {name}: {error}\n{body}"));
    let again = serde_json::to_value(&decoded).expect("a DTO serialises");
    assert!(again == *body, "the {what} is not exactly a {name}:\n   sent: {body}\nas {name}: {again}");
    decoded
}

/// An RFC 3339 timestamp, for comparing with the DTOs' `DateTime<Utc>` fields.
pub fn utc(timestamp: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(timestamp).expect("an RFC 3339 timestamp").with_timezone(&Utc)
}

/// Starts a server with default test configuration.
/// An HTTP client for the tests (with the process's rustls provider installed first:
/// reqwest is built without a default one, as in the server).
pub fn http_client() -> reqwest::Client {
    bms_server::notify::install_crypto_provider();
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts a server; `overrides` are environment-style variables.
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let db_path = dir.path().join("bms.db");
    let mut vars: HashMap<String, String> = HashMap::from([
        ("DATABASE_PATH".into(), db_path.to_string_lossy().into_owned()),
        ("PORT".into(), "0".into()),
        ("SECRET_KEY".into(), "test-secret-key-that-is-long-enough-for-prod".into()),
        // Tests move a manual clock and expect every summary to be computed afresh.
        ("DASHBOARD_CACHE_SECONDS".into(), "0".into()),
    ]);
    for (name, value) in overrides {
        vars.insert((*name).to_owned(), (*value).to_owned());
    }
    let config = Config::from_lookup(|name| vars.get(name).cloned()).expect("test config is valid");
    let pool = db::connect(&db_path).expect("pool");
    let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).single().expect("time"));
    let first_admin_password = {
        let mut conn = pool.get().expect("connection");
        db::run_pending_migrations(&mut conn).expect("migrations");
        bms_server::users::ensure_first_admin(&mut conn, bms_server::clock::Clock::now(&clock))
            .expect("first admin")
            .expect("empty database gets a first admin")
    };
    let application =
        Application::build(Arc::new(config), pool.clone(), Arc::new(clock.clone())).expect("server builds");
    let evaluation = application.evaluation();
    let address = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped());
    TestApp { address, client: http_client(), clock, first_admin_password, db_path, pool, evaluation, _dir: dir }
}

impl TestApp {
    /// Sends a request with an optional bearer token and JSON body.
    pub async fn request(&self, method: Method, path: &str, token: Option<&str>, body: Option<&Value>) -> Reply {
        let mut request = self.client.request(method, format!("{}{}", self.address, path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        into_reply(request.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.request(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.request(Method::POST, path, token, Some(body)).await
    }

    /// Sends raw bytes as a POST body.
    pub async fn post_raw(&self, path: &str, token: Option<&str>, body: Vec<u8>) -> Reply {
        let mut request = self.client.post(format!("{}{}", self.address, path)).body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request = request.header("content-type", "application/json");
        into_reply(request.send().await.expect("request sent")).await
    }

    /// Logs in; returns the token response body.
    pub async fn login(&self, username: &str, password: &str) -> Reply {
        self.post("/api/v1/auth/login", None, &json!({"username": username, "password": password})).await
    }

    /// Logs in and returns the access token, asserting success.
    pub async fn access_token(&self, username: &str, password: &str) -> String {
        let reply = self.login(username, password).await;
        assert_eq!(reply.status, StatusCode::OK, "login of {username} failed: {:?}", reply.body);
        reply.json_as::<TokenResponse>().access_token
    }

    /// Logs in as the first admin, changes the one-time password to `STRONG_PASSWORD`,
    /// and returns a usable access token.
    pub async fn admin_token(&self) -> String {
        let first = self.login("admin", &self.first_admin_password).await;
        if first.status != StatusCode::OK {
            return self.access_token("admin", STRONG_PASSWORD).await;
        }
        let token = first.json_as::<TokenResponse>().access_token;
        let changed = self
            .post(
                "/api/v1/auth/change-password",
                Some(&token),
                &json!({"current_password": self.first_admin_password, "new_password": STRONG_PASSWORD}),
            )
            .await;
        assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
        changed.json_as::<TokenResponse>().access_token
    }

    /// Creates an active user with `STRONG_PASSWORD` (no forced change); returns its id.
    pub async fn create_user(&self, admin_token: &str, username: &str, role: &str) -> i64 {
        let reply = self
            .post(
                "/api/v1/users",
                Some(admin_token),
                &json!({
                    "username": username, "email": format!("{username}@example.com"), "role": role,
                    "password": STRONG_PASSWORD, "must_change_password": false,
                }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        reply.json_as::<CreatedUserResponse>().user.id
    }

    /// Creates a user of `role` and returns an access token for it.
    pub async fn user_token(&self, admin_token: &str, username: &str, role: &str) -> String {
        self.create_user(admin_token, username, role).await;
        self.access_token(username, STRONG_PASSWORD).await
    }

    /// Creates an API key with the given scopes; returns `(id, secret)`.
    pub async fn create_api_key(&self, token: &str, name: &str, scopes: &[&str]) -> (i64, String) {
        let reply = self.post("/api/v1/api-keys", Some(token), &json!({"name": name, "scopes": scopes})).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        let created = reply.json_as::<CreatedApiKeyResponse>();
        (created.api_key.id, created.key)
    }

    /// Creates a job from a JSON body; returns the stored job.
    pub async fn create_job(&self, token: &str, body: Value) -> JobDto {
        let reply = self.post("/api/v1/jobs", Some(token), &body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        reply.json_as()
    }

    /// Makes a job whose latest run failed and waits until its `run_failed` alert fires;
    /// returns `(job id, alert id)`.
    pub async fn firing_alert(&self, token: &str, name: &str) -> (i64, i64) {
        let job = self.create_job(token, json!({"name": name, "job_type": "file", "backup_tool": "restic"})).await;
        let reply = self.post("/api/v1/executions", Some(token), &json!({"job_id": job.id, "result": "failed"})).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        let alert = self.wait_for_alert(token, job.id, "run_failed").await;
        (job.id, alert)
    }

    /// Waits (up to 10 s) for an open alert of `rule` on `job_id`; returns its id.
    pub async fn wait_for_alert(&self, token: &str, job_id: i64, rule: &str) -> i64 {
        for _ in 0..200 {
            let list = self.get(&format!("/api/v1/alerts?job_id={job_id}&rule={rule}&open=true"), Some(token)).await;
            assert_eq!(list.status, StatusCode::OK, "{:?}", list.body);
            if let Some(id) = list.body["data"][0]["id"].as_i64() {
                return id;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no {rule} alert fired for job {job_id}");
    }

    /// Adds a copy; returns its id.
    pub async fn add_copy(&self, token: &str, job_id: i64, body: Value) -> i64 {
        let reply = self.post(&format!("/api/v1/jobs/{job_id}/copies"), Some(token), &body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        reply.json_as::<CopyDto>().id
    }

    /// Runs the periodic evaluation now (as the background sweep would at this clock time).
    pub fn evaluate_all(&self) {
        let now = bms_server::clock::Clock::now(&self.clock);
        bms_server::tracking::evaluator::refresh_all(&self.pool, now, &self.evaluation).expect("evaluation");
    }

    /// A fresh admin access token (after `admin_token` set the password); tests that move
    /// the clock past the 15-minute token lifetime take a new one.
    pub async fn admin(&self) -> String {
        self.access_token("admin", STRONG_PASSWORD).await
    }

    /// The job's stored status after a fresh evaluation at the current clock time.
    pub async fn job_status(&self, job_id: i64) -> JobStatusDto {
        self.evaluate_all();
        let token = self.admin().await;
        let reply = self.get(&format!("/api/v1/jobs/{job_id}"), Some(&token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        reply.json_as::<JobDto>().status.expect("an evaluated job has a status")
    }

    /// Audit entries (newest first) for an action.
    pub async fn audit_entries(&self, admin_token: &str, action: &str) -> Vec<AuditEntryDto> {
        let reply = self.get(&format!("/api/v1/audit-log?action={action}&per_page=200"), Some(admin_token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        reply.json_as::<AuditEntryList>().data
    }
}

async fn into_reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Reply { status, headers, body }
}

#[test]
fn decoding_refuses_a_body_that_is_not_exactly_the_dto() {
    use bms_types::health::HealthResponse;
    let exact = json!({"status": "ok", "version": "1.0.0"});
    assert_eq!(decode_exactly::<HealthResponse>(&exact).version, "1.0.0");
    let renamed = json!({"status": "ok", "app_version": "1.0.0"});
    let extra = json!({"status": "ok", "version": "1.0.0", "uptime": 3});
    for body in [renamed, extra] {
        assert!(std::panic::catch_unwind(|| decode_exactly::<HealthResponse>(&body)).is_err(), "{body}");
    }
    // A timestamp in another offset names the same instant but is not the wire form.
    let offset = json!({"next_runs": ["2026-11-30T18:30:00+01:00"], "next_runs_local": []});
    let result = std::panic::catch_unwind(|| decode_exactly::<bms_types::jobs::SchedulePreview>(&offset));
    assert!(result.is_err());
}
