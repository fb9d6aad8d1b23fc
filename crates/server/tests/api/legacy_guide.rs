//! The old system's deployment guide works as written: its `.env` blocks, copied verbatim
//! into `deploy/tests/fixtures/`, start the real binary; every variable in them works or is
//! reported once as not used; the old Flask database at the guide's path is refused, not
//! migrated over; the nightly backup and the pre-migration copies are pruned to N.

use std::path::{Path, PathBuf};

use bms_types::health::HealthResponse;
use sha2::{Digest, Sha256};

use crate::helpers::process::{ServerProcess, bms, output_text};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/tests/fixtures").join(name)
}

fn legacy_database() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/legacy/backup_mgmt.db")
}

fn check_config(dir: &Path, envs: &[(&str, &str)]) -> String {
    let mut command = bms(dir);
    command.arg("check-config");
    for (name, value) in envs {
        command.env(name, value);
    }
    let output = command.output().expect("run check-config");
    assert!(output.status.success(), "check-config failed: {}", output_text(&output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Starts `bms serve` on the verbatim file as `./.env`; only the paths that cannot exist on
/// a test machine and the port are overridden through the environment (which wins over the
/// file, as with python-dotenv).
async fn serve_verbatim(block: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::copy(fixture(block), dir.path().join(".env")).expect("copy the verbatim block");
    let database = dir.path().join("data").join("backup_mgmt.db");
    let logs = dir.path().join("logs");
    let mut server = ServerProcess::start_with(
        dir.path(),
        &[
            ("DATABASE_PATH", database.to_str().expect("utf-8")),
            ("LOG_DIR", logs.to_str().expect("utf-8")),
            ("HOST", "127.0.0.1"),
        ],
    );
    let health: HealthResponse =
        server.send_json(crate::helpers::http_client().get(format!("{}/health", server.base_url()))).await;
    assert_eq!(health.status, "ok");
    assert!(database.is_file(), "the database was not created");
    server.kill();
    let log_text = server.log();
    let file_log = std::fs::read_to_string(logs.join("bms.log")).expect("LOG_DIR/bms.log written");
    assert!(file_log.contains("listening on"), "{file_log}");
    (dir, log_text)
}

fn assert_reported_once(log: &str, variable: &str, needle: &str) {
    let lines: Vec<&str> = log.lines().filter(|line| line.contains(&format!("{variable}: "))).collect();
    assert_eq!(lines.len(), 1, "{variable} must be reported exactly once:\n{log}");
    assert!(lines[0].contains(needle), "{variable}: expected `{needle}` in `{}`", lines[0]);
}

#[tokio::test]
async fn the_old_guides_linux_env_block_starts_bms_and_reports_what_it_does_not_use() {
    let dir = tempfile::tempdir().expect("dir");
    let described = check_config(dir.path(), &[("BMS_ENV_FILE", fixture("legacy-linux.env").to_str().expect("utf-8"))]);
    for line in [
        "BMS_ENV=production",
        "DATABASE_PATH=/var/lib/backup-mgmt/backup_mgmt.db",
        "LOG_DIR=/var/log/backup-mgmt",
        "HOST=127.0.0.1",
        "PORT=5000",
        "MAIL_SERVER=smtp.gmail.com (the default e-mail channel)",
        "MAIL_USE_TLS=true",
        "MAIL_USERNAME=your-email@gmail.com",
        "MAIL_PASSWORD=******** (set)",
        // No MAIL_DEFAULT_SENDER in the guide: the account's address is the sender.
        "MAIL_DEFAULT_SENDER=your-email@gmail.com",
        "VEEAM_API_URL=http://veeam-server:9398 (connector not yet active)",
        "VEEAM_API_TOKEN=******** (set)",
        "SESSION_COOKIE_SECURE=true",
    ] {
        assert!(described.lines().any(|l| l == line), "missing `{line}` in:\n{described}");
    }
    assert!(!described.contains("your-app-password") && !described.contains("your-token-here"), "{described}");

    let (_dir, log) = serve_verbatim("legacy-linux.env").await;
    assert_reported_once(&log, "FLASK_APP", "not used by bms");
    assert_reported_once(&log, "SESSION_COOKIE_HTTPONLY", "not used by bms");
    assert_reported_once(&log, "SESSION_COOKIE_SECURE", "no effect yet");
    assert_reported_once(&log, "ENABLE_CSRF_PROTECTION", "no effect yet");
    assert!(
        log.contains("MAIL_SERVER smtp.gmail.com is the default e-mail channel"),
        "the MAIL_* settings must become the default channel:\n{log}"
    );
    assert_reported_once(&log, "VEEAM_API_URL", "Veeam connector is not yet active");
    assert!(!log.contains("your-app-password") && !log.contains("your-token-here"), "a secret reached the log");
}

#[tokio::test]
async fn the_old_guides_windows_env_block_keeps_its_unquoted_backslashes_and_starts_bms() {
    let dir = tempfile::tempdir().expect("dir");
    let described =
        check_config(dir.path(), &[("BMS_ENV_FILE", fixture("legacy-windows.env").to_str().expect("utf-8"))]);
    for line in [
        r"DATABASE_PATH=C:\ProgramData\BackupManagementSystem\data\backup_mgmt.db",
        r"LOG_DIR=C:\ProgramData\BackupManagementSystem\logs",
        "HOST=0.0.0.0",
        "MAIL_DEFAULT_SENDER=your-email@gmail.com",
    ] {
        assert!(described.lines().any(|l| l == line), "missing `{line}` in:\n{described}");
    }
    let (_dir, log) = serve_verbatim("legacy-windows.env").await;
    assert_reported_once(&log, "FLASK_APP", "not used by bms");
}

#[test]
fn the_guides_gunicorn_settings_are_reported_with_what_replaces_them() {
    let dir = tempfile::tempdir().expect("dir");
    let mut env = std::fs::read_to_string(fixture("legacy-linux.env")).expect("linux block");
    env.push_str(&std::fs::read_to_string(fixture("legacy-gunicorn.env")).expect("gunicorn block"));
    env.push_str("TYPO_VARIABLE=1\n");
    std::fs::write(dir.path().join(".env"), env).expect("write");
    let described = check_config(dir.path(), &[]);
    for (variable, needle) in [
        ("GUNICORN_WORKERS", "use WORKERS"),
        ("GUNICORN_THREADS", "WORKERS sets the number of threads"),
        ("GUNICORN_TIMEOUT", "no worker timeout"),
        ("GUNICORN_KEEPALIVE", "5 s"),
        ("TYPO_VARIABLE", "not a bms setting (line 42 of .env)"),
    ] {
        let line = described.lines().find(|line| line.starts_with(&format!("# {variable}: "))).unwrap_or_else(|| {
            panic!("{variable} not reported:\n{described}");
        });
        assert!(line.contains(needle), "{line}");
    }
    // WORKERS itself works.
    assert!(check_config(dir.path(), &[("WORKERS", "3")]).lines().any(|l| l == "WORKERS=3"));
}

#[test]
fn a_missing_env_file_that_was_asked_for_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("dir");
    let output = bms(dir.path()).args(["--env-file", "nowhere.env", "check-config"]).output().expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(output_text(&output).contains("--env-file: cannot read nowhere.env"), "{}", output_text(&output));
    std::fs::write(dir.path().join("bad.env"), "SECRET_KEY='unterminated\n").expect("write");
    let output = bms(dir.path()).env("BMS_ENV_FILE", "bad.env").arg("check-config").output().expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        output_text(&output).contains("BMS_ENV_FILE: bad.env: line 1: unterminated '-quoted value"),
        "{}",
        output_text(&output)
    );
}

fn sha256(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).expect("read")))
}

#[test]
fn the_old_flask_database_at_the_guides_path_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().expect("dir");
    let database = dir.path().join("backup_mgmt.db");
    std::fs::copy(legacy_database(), &database).expect("copy the old system's database");
    let before = sha256(&database);
    for args in [&["serve"][..], &["migrate"], &["audit", "verify"]] {
        let output = bms(dir.path())
            .args(args)
            .env("DATABASE_PATH", &database)
            .env("PORT", "0")
            .env("SECRET_KEY", "k".repeat(40))
            .output()
            .expect("run");
        assert!(!output.status.success(), "{args:?} accepted the old database");
        assert!(
            output_text(&output).contains("is the old Backup Management System's (Flask) database"),
            "{args:?}: {}",
            output_text(&output)
        );
    }
    assert_eq!(sha256(&database), before, "the old database was modified");
    assert!(!dir.path().join("backups").exists(), "no pre-migration copy of a foreign database");
}

fn names_in(dir: &Path, filter: impl Fn(&str) -> bool) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| filter(name))
        .collect();
    names.sort();
    names
}

#[test]
fn nightly_backups_into_a_folder_keep_exactly_n_copies() {
    let dir = tempfile::tempdir().expect("dir");
    let run = |args: &[&str]| {
        let output = bms(dir.path()).args(args).output().expect("run");
        assert!(output.status.success(), "{args:?}: {}", output_text(&output));
        output_text(&output)
    };
    run(&["migrate"]);
    let backups = dir.path().join("nightly");
    // Someone else's file in the folder is never touched.
    std::fs::create_dir_all(&backups).expect("dir");
    std::fs::write(backups.join("manual-copy.db"), b"keep me").expect("write");
    let mut written = Vec::new();
    for round in 0..4 {
        let out = run(&["db", "backup", "--dir", "nightly", "--keep", "2"]);
        let path = out
            .lines()
            .find_map(|line| line.strip_prefix("backup written to "))
            .unwrap_or_else(|| panic!("round {round}: {out}"))
            .to_owned();
        written.push(Path::new(&path).file_name().expect("name").to_string_lossy().into_owned());
        if round >= 2 {
            assert!(out.contains("deleted the old backup"), "round {round}: {out}");
        }
    }
    let left = names_in(&backups, |name| name.starts_with("bms-backup-"));
    // Compared as sets: two backups made in the same second are `…Z.db` and `…Z-2.db`,
    // which sort the other way round.
    let mut newest = written[2..].to_vec();
    newest.sort();
    let mut remaining = left.clone();
    remaining.sort();
    assert_eq!(remaining, newest, "the two newest remain");
    assert!(backups.join("manual-copy.db").is_file());
    for name in &left {
        let check = run(&["db", "check", backups.join(name).to_str().expect("utf-8")]);
        assert!(check.contains("integrity ok"), "{check}");
    }
    // --keep needs --dir; FILE and --dir exclude each other.
    for args in
        [&["db", "backup", "x.db", "--keep", "2"][..], &["db", "backup", "x.db", "--dir", "d"], &["db", "backup"]]
    {
        let output = bms(dir.path()).args(args).output().expect("run");
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", output_text(&output));
    }
}

#[test]
fn pre_migration_copies_are_pruned_to_migration_backup_keep() {
    let dir = tempfile::tempdir().expect("dir");
    let run = |args: &[&str]| {
        let output = bms(dir.path()).args(args).env("MIGRATION_BACKUP_KEEP", "2").output().expect("run");
        assert!(output.status.success(), "{args:?}: {}", output_text(&output));
        output_text(&output)
    };
    run(&["migrate"]);
    let backups = dir.path().join("data").join("backups");
    std::fs::create_dir_all(&backups).expect("dir");
    std::fs::write(backups.join("bms-backup-20200101T000000Z.db"), b"nightly copy").expect("write");
    for _ in 0..4 {
        run(&["migrate", "--revert", "1"]);
        run(&["migrate"]);
    }
    let before_copies = names_in(&backups, |name| name.contains("-before-"));
    assert_eq!(before_copies.len(), 2, "{before_copies:?}");
    assert!(backups.join("bms-backup-20200101T000000Z.db").is_file(), "a nightly copy was pruned by migrate");
}
