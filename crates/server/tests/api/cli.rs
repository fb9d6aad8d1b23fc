//! The `bms` binary as a process: version, secrets, config checking, migrations,
//! create-admin, and the first-start banner of `bms serve`.

use std::io::Write;
use std::process::Stdio;

use crate::helpers::process::{ServerProcess, bms};

#[test]
fn version_and_gen_secret_work_without_configuration() {
    let dir = tempfile::tempdir().expect("dir");
    let version = bms(dir.path()).arg("--version").output().expect("run");
    assert_eq!(String::from_utf8_lossy(&version.stdout).trim(), format!("bms {}", env!("CARGO_PKG_VERSION")));
    let secret = bms(dir.path()).arg("gen-secret").output().expect("run");
    let secret = String::from_utf8_lossy(&secret.stdout).trim().to_owned();
    assert_eq!(secret.len(), 64);
    assert!(secret.chars().all(|c| c.is_ascii_hexdigit()));
}

#[test]
fn check_config_masks_secrets_and_fails_on_invalid_values() {
    let dir = tempfile::tempdir().expect("dir");
    let ok = bms(dir.path())
        .arg("check-config")
        .env("SECRET_KEY", "a-very-secret-value-of-enough-length-123")
        .env("MAIL_SERVER", "smtp.example.com")
        .env("MAIL_DEFAULT_SENDER", "bms@example.com")
        .env("MAIL_USERNAME", "bms")
        .env("MAIL_PASSWORD", "mail-password-xyz")
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "{stdout}");
    assert!(stdout.contains("PORT=5000") && stdout.contains("DATABASE_PATH=./data/bms.db"));
    assert!(!stdout.contains("a-very-secret-value") && !stdout.contains("mail-password-xyz"), "{stdout}");
    assert!(stdout.contains("SECRET_KEY=******** (set)"));

    let bad = bms(dir.path()).arg("check-config").env("PORT", "eighty").output().expect("run");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("PORT: must be a whole number from 0 to 65535"));

    let dotenv_dir = tempfile::tempdir().expect("dir");
    std::fs::write(dotenv_dir.path().join(".env"), "FLASK_ENV=production\nSECRET_KEY=short\n").expect("write .env");
    let from_dotenv = bms(dotenv_dir.path()).arg("check-config").output().expect("run");
    assert_eq!(from_dotenv.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&from_dotenv.stderr)
            .contains("SECRET_KEY: must be at least 32 characters in production")
    );
}

#[test]
fn migrate_applies_and_reverts() {
    let dir = tempfile::tempdir().expect("dir");
    let run = |args: &[&str]| {
        let output = bms(dir.path()).args(args).output().expect("run");
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let first = run(&["migrate"]);
    let all = ["20261130000001", "20261130000002", "20261204000001", "20261205000001", "20261206000001"];
    assert!(all.iter().all(|version| first.contains(&format!("applied {version}"))), "{first}");
    assert!(run(&["migrate"]).contains("nothing applied"));
    let reverted = run(&["migrate", "--revert", "5"]);
    assert!(all.iter().all(|version| reverted.contains(&format!("reverted {version}"))), "{reverted}");
    let again = run(&["migrate"]);
    assert!(all.iter().all(|version| again.contains(&format!("applied {version}"))), "{again}");
}

#[test]
fn create_admin_reads_the_password_from_stdin_and_enforces_the_policy() {
    let dir = tempfile::tempdir().expect("dir");
    let create = |password: &str| {
        let mut child = bms(dir.path())
            .args(["create-admin", "--username", "ops", "--email", "ops@example.com", "--password-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        child.stdin.take().expect("stdin").write_all(format!("{password}\n").as_bytes()).expect("write");
        child.wait_with_output().expect("wait")
    };
    let weak = create("password");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("min_length"));
    let ok = create("Operations-Admin-2026");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("created administrator `ops`"));
    let again = create("Operations-Admin-2026");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already taken"));
}

#[test]
fn first_start_creates_the_admin_once_and_stores_a_private_secret() {
    let dir = tempfile::tempdir().expect("dir");
    let mut server = ServerProcess::start(dir.path());
    let log = server.log();
    let password = log
        .lines()
        .find_map(|line| line.trim().strip_prefix("password: "))
        .expect("the banner shows the password")
        .to_owned();
    assert!(log.contains("generated a new secret key"));
    assert!(
        !log.contains(&std::fs::read_to_string(dir.path().join("data/secret_key")).expect("key").trim().to_owned())
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("data/secret_key")).expect("key").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(dir.path().join("data/bms.db").exists());

    let health = std::net::TcpStream::connect(("127.0.0.1", server.port())).and_then(|mut stream| {
        stream.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
        let mut response = String::new();
        std::io::Read::read_to_string(&mut stream, &mut response)?;
        Ok(response)
    });
    assert!(health.expect("health").contains("\"status\":\"ok\""));
    server.kill();

    server.restart();
    let log = server.log();
    assert!(!log.contains("FIRST START") && !log.contains(&password), "the banner appears only once");
    assert!(log.contains("using the secret key stored in"));
}

#[test]
fn bms_env_file_names_the_configuration_file_and_a_missing_one_is_an_error() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("bms.env");
    std::fs::write(&file, "PORT=6123\nSECRET_KEY=env-file-secret-key-0123456789abcdef\n").expect("write");
    let ok = bms(dir.path()).arg("check-config").env("BMS_ENV_FILE", &file).output().expect("run");
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success() && stdout.contains("PORT=6123"), "{stdout}");
    // The process environment wins over the file.
    let overridden =
        bms(dir.path()).arg("check-config").env("BMS_ENV_FILE", &file).env("PORT", "6124").output().expect("run");
    assert!(String::from_utf8_lossy(&overridden.stdout).contains("PORT=6124"));
    let missing =
        bms(dir.path()).arg("check-config").env("BMS_ENV_FILE", dir.path().join("nope.env")).output().expect("run");
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("BMS_ENV_FILE"));
}
