//! The bms benchmark: seeds a database (default 10,000 jobs with 3 copies each and
//! 1,000,000 executions), starts the real server on it, and measures over HTTP with many
//! concurrent clients: durable single-result ingest, batch ingest, the dashboard summary
//! and a 50-row job list. Figures and their interpretation are in docs/BENCHMARKS.md.
//!
//! Run: `cargo run --release -p bms-server --example bench -- [--jobs N] [--executions N]
//! [--clients N] [--seconds N]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use bms_server::clock::{Clock, SystemClock};
use bms_server::config::Config;
use bms_server::db;
use bms_server::http::Application;
use bms_server::tracking::evaluator::{EvaluationSettings, refresh_all};
use chrono::{Duration as ChronoDuration, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::{Value, json};

struct Options {
    jobs: usize,
    executions: usize,
    clients: usize,
    seconds: u64,
    /// Seed (and evaluate) only, for `scripts/bench.sh`, which then serves the database
    /// with the real `bms` binary and loads it with wrk.
    seed_only: bool,
}

fn options() -> Options {
    let mut options = Options { jobs: 10_000, executions: 1_000_000, clients: 32, seconds: 10, seed_only: false };
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(position) = args.iter().position(|arg| arg == "--seed-only") {
        options.seed_only = true;
        args.remove(position);
    }
    for pair in args.chunks(2) {
        let value =
            pair.get(1).and_then(|v| v.parse::<usize>().ok()).unwrap_or_else(|| panic!("bad value for {}", pair[0]));
        match pair[0].as_str() {
            "--jobs" => options.jobs = value,
            "--executions" => options.executions = value,
            "--clients" => options.clients = value,
            "--seconds" => options.seconds = value as u64,
            other => panic!("unknown option {other}"),
        }
    }
    options
}

fn timestamp(at: chrono::DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S%.6f+00:00").to_string()
}

/// Fills the database with direct SQL (seeding is not what is measured).
fn seed(pool: &db::DbPool, options: &Options) {
    let started = Instant::now();
    let mut conn = pool.get().expect("connection");
    // Seeding only: durability settings are restored before the server starts.
    conn.batch_execute("PRAGMA synchronous = OFF;").expect("pragma");
    let now = Utc::now();
    let created = timestamp(now - ChronoDuration::days(100));
    let media = ["disk", "nas", "tape", "cloud", "external_hdd", "usb", "optical"];
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        for chunk_start in (0..options.jobs).step_by(500) {
            let mut jobs_sql = String::from(
                "INSERT INTO jobs (id, name, job_type, backup_tool, target_server, owner, cron_expression, timezone, grace_minutes, ping_token, created_at, updated_at) VALUES ",
            );
            let mut copies_sql = String::from(
                "INSERT INTO job_copies (id, job_id, copy_type, media_type, is_offsite, is_offline, is_immutable, created_at, updated_at) VALUES ",
            );
            let end = (chunk_start + 500).min(options.jobs);
            for job in chunk_start..end {
                let id = job + 1;
                if job > chunk_start {
                    jobs_sql.push(',');
                    copies_sql.push(',');
                }
                jobs_sql.push_str(&format!(
                    "({id}, 'job-{id:05}', 'file', 'restic', 'srv{}', 'team{}', '{} {} * * *', 'Asia/Tokyo', 60, 'tok{id:029}', '{created}', '{created}')",
                    id % 300,
                    id % 12,
                    id % 60,
                    id % 24
                ));
                for (n, (copy_type, offsite, offline)) in
                    [("primary", 0, 0), ("offsite", 1, 0), ("offline", 0, 1)].iter().enumerate()
                {
                    if n > 0 {
                        copies_sql.push(',');
                    }
                    copies_sql.push_str(&format!(
                        "({}, {id}, '{copy_type}', '{}', {offsite}, {offline}, {}, '{created}', '{created}')",
                        id * 3 + n,
                        media[(id + n) % media.len()],
                        i32::from(n == 1)
                    ));
                }
            }
            diesel::sql_query(jobs_sql).execute(conn)?;
            diesel::sql_query(copies_sql).execute(conn)?;
        }
        let per_job = options.executions / options.jobs.max(1);
        let mut inserted = 0usize;
        let mut batch = String::new();
        let mut rows_in_batch = 0;
        for job in 0..options.jobs {
            let id = job + 1;
            for n in 0..per_job {
                let finished = now - ChronoDuration::minutes(((per_job - n) * 90 * 24 * 60 / per_job) as i64) - ChronoDuration::seconds(id as i64 % 3600);
                let started_at = finished - ChronoDuration::minutes(20);
                let result = match (id + n) % 50 {
                    0 => "failed",
                    1 | 2 => "warning",
                    _ => "success",
                };
                if rows_in_batch == 0 {
                    batch.push_str("INSERT INTO executions (job_id, copy_id, result, started_at, finished_at, size_bytes, source, received_at) VALUES ");
                } else {
                    batch.push(',');
                }
                batch.push_str(&format!(
                    "({id}, {}, '{result}', '{}', '{}', {}, 'api', '{}')",
                    id * 3 + n % 3,
                    timestamp(started_at),
                    timestamp(finished),
                    1_000_000 + n * 10,
                    timestamp(finished)
                ));
                rows_in_batch += 1;
                inserted += 1;
                if rows_in_batch == 1000 {
                    diesel::sql_query(std::mem::take(&mut batch)).execute(conn)?;
                    rows_in_batch = 0;
                }
            }
        }
        if rows_in_batch > 0 {
            diesel::sql_query(batch).execute(conn)?;
        }
        // The latest-run facts the ingest writer maintains on copies and jobs.
        conn.batch_execute(
            "UPDATE job_copies SET
                last_success_at = (SELECT MAX(finished_at) FROM executions e WHERE e.job_id = job_copies.job_id
                                   AND e.copy_id = job_copies.id AND e.result IN ('success', 'warning')),
                last_run_at = (SELECT MAX(finished_at) FROM executions e WHERE e.job_id = job_copies.job_id
                               AND e.copy_id = job_copies.id AND e.result IN ('success', 'warning', 'failed'));
             UPDATE job_copies SET
                last_success_id = (SELECT id FROM executions e WHERE e.job_id = job_copies.job_id
                                   AND e.copy_id = job_copies.id AND e.finished_at = job_copies.last_success_at LIMIT 1),
                last_run_id = (SELECT id FROM executions e WHERE e.job_id = job_copies.job_id
                               AND e.copy_id = job_copies.id AND e.finished_at = job_copies.last_run_at LIMIT 1);
             UPDATE job_copies SET last_run_failed = (SELECT result = 'failed' FROM executions WHERE id = job_copies.last_run_id);
             UPDATE jobs SET
                last_run_at = (SELECT MAX(last_run_at) FROM job_copies c WHERE c.job_id = jobs.id),
                last_success_at = (SELECT MAX(last_success_at) FROM job_copies c WHERE c.job_id = jobs.id);
             UPDATE jobs SET last_run_id = (SELECT last_run_id FROM job_copies c WHERE c.job_id = jobs.id AND c.last_run_at = jobs.last_run_at LIMIT 1);
             UPDATE jobs SET
                last_run_result = (SELECT result FROM executions WHERE id = jobs.last_run_id),
                last_run_started_at = (SELECT started_at FROM executions WHERE id = jobs.last_run_id);",
        )?;
        // Daily counters as the ingest writer maintains them (days in Asia/Tokyo).
        diesel::sql_query(
            "INSERT INTO execution_daily_counts (day, result, count) \
             SELECT date(substr(finished_at, 1, 19), '+9 hours'), result, COUNT(*) FROM executions GROUP BY 1, 2",
        )
        .execute(conn)?;
        diesel::sql_query(
            "INSERT INTO execution_hourly_counts (hour, result, count) \
             SELECT substr(finished_at, 1, 13), result, COUNT(*) FROM executions GROUP BY 1, 2",
        )
        .execute(conn)?;
        println!("seeded {} jobs, {} copies, {inserted} executions in {:.1}s", options.jobs, options.jobs * 3, started.elapsed().as_secs_f64());
        Ok(())
    })
    .expect("seeding");
    conn.batch_execute("PRAGMA synchronous = FULL; ANALYZE;").expect("pragma");
}

/// The admin password of a `--seed-only` database.
const BENCH_ADMIN_PASSWORD: &str = "Benchmark-Pass-Word-1";

struct Measurement {
    requests: usize,
    items: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
    errors: usize,
}

impl Measurement {
    fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let index = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[index]
    }

    fn report(&self, name: &str) {
        println!(
            "{name:<28} {:>8} req  {:>9.0} req/s  {:>9.0} items/s  p50 {:>7.2} ms  p99 {:>7.2} ms  errors {}",
            self.requests,
            self.requests as f64 / self.elapsed.as_secs_f64(),
            self.items as f64 / self.elapsed.as_secs_f64(),
            self.percentile(0.50).as_secs_f64() * 1000.0,
            self.percentile(0.99).as_secs_f64() * 1000.0,
            self.errors
        );
    }
}

/// Runs `clients` concurrent loops for `seconds`, each calling `request(client, n)`.
/// Reads the whole answer (so the keep-alive connection is reused) and reports success.
async fn completed(sent: reqwest::Result<reqwest::Response>, expected: reqwest::StatusCode) -> bool {
    match sent {
        Ok(response) => response.status() == expected && response.bytes().await.is_ok(),
        Err(_) => false,
    }
}

async fn load<F, Fut>(clients: usize, seconds: u64, items_per_request: usize, request: F) -> Measurement
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let request = Arc::new(request);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..clients {
        let request = Arc::clone(&request);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            let mut n = 0;
            while Instant::now() < deadline {
                let begin = Instant::now();
                if request(client, n).await {
                    latencies.push(begin.elapsed());
                } else {
                    errors += 1;
                }
                n += 1;
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (mut own, own_errors) = task.await.expect("task");
        latencies.append(&mut own);
        errors += own_errors;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    Measurement { requests: latencies.len(), items: latencies.len() * items_per_request, elapsed, latencies, errors }
}

/// `BENCH_ONLY=single,list` runs only those scenarios (for profiling one at a time).
fn wanted(scenario: &str) -> bool {
    std::env::var("BENCH_ONLY").map_or(true, |only| only.split(',').any(|s| s.trim() == scenario))
}

fn main() {
    let options = options();
    let dir = tempfile::tempdir().expect("temp dir");
    // BENCH_DB keeps the seeded database for inspection (e.g. EXPLAIN QUERY PLAN).
    let db_path = std::env::var_os("BENCH_DB").map_or_else(|| dir.path().join("bench.db"), std::path::PathBuf::from);
    let pool = db::connect(&db_path).expect("pool");
    let admin_password = {
        let mut conn = pool.get().expect("connection");
        db::run_pending_migrations(&mut conn).expect("migrations");
        bms_server::users::ensure_first_admin(&mut conn, SystemClock.now()).expect("admin").expect("password")
    };
    seed(&pool, &options);
    let settings = EvaluationSettings {
        tracking: bms_server::config::TrackingSettings::default(),
        timezone: chrono_tz::Asia::Tokyo,
        observer: Default::default(),
    };
    let started = Instant::now();
    refresh_all(&pool, SystemClock.now(), &settings).expect("evaluation");
    println!("evaluated {} jobs in {:.1}s", options.jobs, started.elapsed().as_secs_f64());
    let size = std::fs::metadata(&db_path).map(|m| m.len()).unwrap_or(0);
    println!("database size {:.0} MiB", size as f64 / 1024.0 / 1024.0);
    if options.seed_only {
        // The seeded database is for benchmarks only: give the admin a known password.
        let mut conn = pool.get().expect("connection");
        let hash = bms_server::users::password::hash_password(BENCH_ADMIN_PASSWORD).expect("hash");
        diesel::update(bms_server::db::schema::users::table)
            .set((
                bms_server::db::schema::users::password_hash.eq(hash),
                bms_server::db::schema::users::must_change_password.eq(false),
            ))
            .execute(&mut conn)
            .expect("admin password");
        println!("admin password: {BENCH_ADMIN_PASSWORD}");
        return;
    }

    let vars = [
        ("DATABASE_PATH", db_path.to_string_lossy().into_owned()),
        ("PORT", "0".to_owned()),
        ("SECRET_KEY", "benchmark-secret-key-0123456789abcdef".to_owned()),
        // Long enough that the periodic sweep does not run during the measurements.
        ("STATE_EVALUATION_SECONDS", "3600".to_owned()),
    ];
    let config =
        Config::from_lookup(|name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone())).expect("config");
    let (port_sender, port_receiver) = std::sync::mpsc::channel();
    let server_pool = pool.clone();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let app = Application::build(Arc::new(config), server_pool, Arc::new(SystemClock)).expect("server");
            port_sender.send(app.port()).expect("port");
            app.run_until_stopped().await.expect("server ran");
        });
    });
    let port = port_receiver.recv().expect("port");
    let base = format!("http://127.0.0.1:{port}");

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(async move {
        let client = reqwest::Client::builder().pool_max_idle_per_host(options.clients * 2).build().expect("client");
        let login: Value = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"username": "admin", "password": admin_password}))
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("json");
        let token = login["access_token"].as_str().expect("token").to_owned();
        let changed: Value = client
            .post(format!("{base}/api/v1/auth/change-password"))
            .bearer_auth(&token)
            .json(&json!({"current_password": admin_password, "new_password": "Benchmark-Pass-Word-1"}))
            .send()
            .await
            .expect("change")
            .json()
            .await
            .expect("json");
        let token = changed["access_token"].as_str().expect("token").to_owned();
        let key = |scope: &'static str| {
            let (client, base, token) = (client.clone(), base.clone(), token.clone());
            async move {
                let created: Value = client
                    .post(format!("{base}/api/v1/api-keys"))
                    .bearer_auth(&token)
                    .json(&json!({"name": format!("bench {scope}"), "scopes": [scope]}))
                    .send()
                    .await
                    .expect("key")
                    .json()
                    .await
                    .expect("json");
                created["key"].as_str().expect("secret").to_owned()
            }
        };
        let ingest_key = Arc::new(key("ingest").await);
        let read_key = Arc::new(key("read").await);
        let jobs = options.jobs;
        println!("\n{} concurrent clients, {} s per scenario, server and load generator share the machine\n", options.clients, options.seconds);

        if wanted("summary") {
        let (c, b, k) = (client.clone(), base.clone(), Arc::clone(&read_key));
        let summary = load(options.clients, options.seconds, 1, move |_, _| {
            let (c, b, k) = (c.clone(), b.clone(), Arc::clone(&k));
            async move {
                completed(c.get(format!("{b}/api/v1/dashboard/summary")).bearer_auth(k.as_str()).send().await, reqwest::StatusCode::OK).await
            }
        })
        .await;
        summary.report("dashboard summary");
        }

        if wanted("list") {
        let (c, b, k) = (client.clone(), base.clone(), Arc::clone(&read_key));
        let pages = jobs / 50;
        let list = load(options.clients, options.seconds, 1, move |worker, n| {
            let (c, b, k) = (c.clone(), b.clone(), Arc::clone(&k));
            async move {
                let page = (worker * 13 + n) % pages.max(1) + 1;
                let sent = c.get(format!("{b}/api/v1/jobs?per_page=50&page={page}")).bearer_auth(k.as_str()).send().await;
                completed(sent, reqwest::StatusCode::OK).await
            }
        })
        .await;
        list.report("job list (50 rows)");
        }
        if wanted("single") {
        let (c, b, k) = (client.clone(), base.clone(), Arc::clone(&ingest_key));
        let single = load(options.clients, options.seconds, 1, move |worker, n| {
            let (c, b, k) = (c.clone(), b.clone(), Arc::clone(&k));
            async move {
                let job_id = (worker * 7919 + n * 104_729) % jobs + 1;
                let sent = c
                    .post(format!("{b}/api/v1/executions"))
                    .bearer_auth(k.as_str())
                    .json(&json!({"job_id": job_id, "result": "success", "size_bytes": 123_456, "external_id": format!("s-{worker}-{n}")}))
                    .send()
                    .await;
                completed(sent, reqwest::StatusCode::CREATED).await
            }
        })
        .await;
        single.report("ingest single (durable)");
        }

        if wanted("batch") {
        let (c, b, k) = (client.clone(), base.clone(), Arc::clone(&ingest_key));
        let batched = load(options.clients, options.seconds, 100, move |worker, n| {
            let (c, b, k) = (c.clone(), b.clone(), Arc::clone(&k));
            async move {
                let items: Vec<Value> = (0..100)
                    .map(|i| json!({"job_id": (worker * 31 + n * 100 + i) % jobs + 1, "result": "success", "external_id": format!("b-{worker}-{n}-{i}")}))
                    .collect();
                let sent = c
                    .post(format!("{b}/api/v1/executions/batch"))
                    .bearer_auth(k.as_str())
                    .json(&json!({"items": items}))
                    .send()
                    .await;
                completed(sent, reqwest::StatusCode::CREATED).await
            }
        })
        .await;
        batched.report("ingest batch of 100");
        }

    });
}
