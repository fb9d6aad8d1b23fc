//! E-mail against a real SMTP server (aiosmtpd, tests/fixtures/smtp_server.py) with
//! STARTTLS on a self-signed certificate and AUTH: the old guide's `MAIL_*` variables
//! alone make the default channel and route; admins and operators get the alert in their
//! language (an opted-out admin does not); the received message is parsed and its headers
//! and decoded Japanese body asserted; the recovery threads under the first message.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::spawn_app_with;

struct SmtpServer {
    child: Child,
    port: u16,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_smtp(dir: &Path) -> SmtpServer {
    let status = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
        // A self-signed server certificate, not a CA (webpki refuses a CA as the end entity).
        .args(["-addext", "basicConstraints=critical,CA:FALSE", "-addext", "extendedKeyUsage=serverAuth"])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .stderr(Stdio::null())
        .status()
        .expect("openssl");
    assert!(status.success());
    std::fs::create_dir_all(dir.join("mail")).expect("mail dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/smtp_server.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(port.to_string())
        .arg(dir.join("cert.pem"))
        .arg(dir.join("key.pem"))
        .args(["bms@example.com", "smtp-password-1"])
        .arg(dir.join("mail"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("aiosmtpd (pip install aiosmtpd)");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().expect("stdout")), &mut line)
        .expect("port line");
    assert_eq!(line.trim(), port.to_string(), "the SMTP server did not start");
    SmtpServer { child, port }
}

/// Parses every received message with Python's `email` package.
fn received(dir: &Path) -> Vec<Value> {
    let mut files: Vec<_> = std::fs::read_dir(dir.join("mail"))
        .expect("mail dir")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
        .collect();
    files.sort_by_key(|path| path.file_stem().and_then(|s| s.to_str()).and_then(|s| s.parse::<u32>().ok()));
    files
        .iter()
        .map(|path| {
            let parser = r#"
import email, email.policy, json, sys
raw = open(sys.argv[1], 'rb').read()
msg = email.message_from_bytes(raw, policy=email.policy.default)
parts = {p.get_content_type(): p.get_content() for p in msg.walk() if not p.is_multipart()}
facts = json.load(open(sys.argv[1][:-4] + '.json'))
raw_subject = [l for l in raw.decode('ascii', 'replace').splitlines() if l.lower().startswith('subject:')][0]
print(json.dumps({'subject': str(msg['Subject']), 'raw_subject': raw_subject, 'from': str(msg['From']),
    'to': str(msg['To']), 'message_id': str(msg['Message-ID']), 'in_reply_to': msg['In-Reply-To'] and str(msg['In-Reply-To']),
    'content_type': msg.get_content_type(), 'parts': parts, 'session': facts}))
"#;
            let output = Command::new("python3").arg("-c").arg(parser).arg(path).output().expect("python3");
            assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
            serde_json::from_slice(&output.stdout).expect("json")
        })
        .collect()
}

async fn wait_mail(dir: &Path, n: usize) -> Vec<Value> {
    for _ in 0..200 {
        let count = std::fs::read_dir(dir.join("mail"))
            .map(|entries| {
                entries.filter_map(Result::ok).filter(|e| e.path().extension().is_some_and(|x| x == "json")).count()
            })
            .unwrap_or(0);
        if count >= n {
            return received(dir);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("expected {n} messages, got {:?}", received(dir));
}

fn by_recipient<'a>(messages: &'a [Value], to: &str) -> Vec<&'a Value> {
    messages.iter().filter(|m| m["to"].as_str().is_some_and(|t| t.contains(to))).collect()
}

#[tokio::test]
async fn the_mail_settings_alone_email_staff_over_starttls_with_auth_in_their_language_and_thread_the_recovery() {
    let dir = tempfile::tempdir().expect("dir");
    let smtp = start_smtp(dir.path());
    let port = smtp.port.to_string();
    let ca = dir.path().join("cert.pem");
    let app = spawn_app_with(&[
        ("MAIL_SERVER", "127.0.0.1"),
        ("MAIL_PORT", &port),
        ("MAIL_USE_TLS", "true"),
        ("MAIL_USERNAME", "bms@example.com"),
        ("MAIL_PASSWORD", "smtp-password-1"),
        ("MAIL_CA_FILE", ca.to_str().expect("utf-8")),
        ("BMS_PUBLIC_URL", "https://bms.example.com"),
    ])
    .await;
    let admin = app.admin_token().await;
    // The admin opts out; a Japanese and an English operator stay in.
    let reply = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/me/notifications",
            Some(&admin),
            Some(&json!({"language": "ja", "email_opt_out": true, "subscribed_route_ids": []})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    app.create_user(&admin, "sato", "operator").await;
    let smith = app.user_token(&admin, "smith", "operator").await;
    let reply = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/me/notifications",
            Some(&smith),
            Some(&json!({"language": "en", "email_opt_out": false, "subscribed_route_ids": []})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    // A viewer (not staff) subscribes to the default route.
    let tanaka = app.user_token(&admin, "tanaka", "viewer").await;
    let routes = app.get("/api/v1/notifications/routes", Some(&tanaka)).await;
    let default_route = routes.body["data"][0]["id"].clone();
    assert_eq!(routes.body["data"][0]["managed_by_env"], true);
    let reply = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/me/notifications",
            Some(&tanaka),
            Some(&json!({"language": "ja", "email_opt_out": false, "subscribed_route_ids": [default_route]})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let channels = app.get("/api/v1/notifications/channels", Some(&admin)).await;
    assert_eq!(channels.body["data"][0]["managed_by_env"], true, "{:?}", channels.body);
    assert_eq!(channels.body["data"][0]["secrets_set"], json!(["password"]));

    let (job, id) = app.firing_alert(&admin, "nas-01-daily").await;
    // The default route groups for 30 s.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(received(dir.path()).is_empty());
    app.clock.advance(chrono::Duration::seconds(30));
    let messages = wait_mail(dir.path(), 2).await;
    assert_eq!(messages.len(), 2, "one message per language, none to the opted-out admin: {messages:?}");
    let ja = by_recipient(&messages, "sato@example.com")[0];
    assert_eq!(ja["subject"], "[bms] 警告: ジョブ nas-01-daily: 最新の実行が失敗しました");
    assert!(ja["raw_subject"].as_str().is_some_and(|s| s.contains("=?utf-8?")), "RFC 2047: {}", ja["raw_subject"]);
    assert_eq!(ja["from"], "bms@example.com");
    assert_eq!(ja["content_type"], "multipart/alternative");
    let text = ja["parts"]["text/plain"].as_str().expect("text part");
    assert!(text.contains("ジョブ nas-01-daily: 最新の実行が失敗しました"), "{text}");
    assert!(text.contains(&format!("https://bms.example.com/alerts/{id}")), "{text}");
    assert!(ja["parts"]["text/html"].as_str().is_some_and(|h| h.contains("lang=\"ja\"")));
    assert_eq!(ja["session"]["tls"], true, "STARTTLS was used");
    assert_eq!(ja["session"]["authenticated_as"], "bms@example.com", "AUTH was used");
    let mut recipients: Vec<&str> =
        ja["session"]["rcpt_tos"].as_array().expect("rcpt").iter().filter_map(Value::as_str).collect();
    recipients.sort_unstable();
    assert_eq!(recipients, vec!["sato@example.com", "tanaka@example.com"], "staff and the subscriber, in Japanese");
    assert!(!by_recipient(&messages, "admin").iter().any(|_| true), "the admin opted out");
    let en = by_recipient(&messages, "smith@example.com")[0];
    assert_eq!(en["subject"], "[bms] WARNING: Job nas-01-daily: the latest run failed");

    // The job recovers: the recovery replies to the first message.
    app.clock.advance(chrono::Duration::minutes(1));
    let token = app.admin().await;
    let reply = app.post("/api/v1/executions", Some(&token), &json!({"job_id": job, "result": "success"})).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    for _ in 0..200 {
        if app.get(&format!("/api/v1/alerts/{id}"), Some(&token)).await.body["alert"]["status"] == "resolved" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.clock.advance(chrono::Duration::minutes(5));
    let messages = wait_mail(dir.path(), 4).await;
    let ja_thread = by_recipient(&messages, "tanaka@example.com");
    assert_eq!(ja_thread.len(), 2);
    assert_eq!(ja_thread[1]["subject"], "[bms] 解決: ジョブ nas-01-daily: 最新の実行が失敗しました");
    assert_eq!(ja_thread[1]["in_reply_to"], ja_thread[0]["message_id"], "threads under the first message");
    let log = app.get(&format!("/api/v1/notifications/deliveries?alert_id={id}"), Some(&token)).await;
    let statuses: Vec<&str> =
        log.body["data"].as_array().expect("data").iter().filter_map(|d| d["status"].as_str()).collect();
    assert_eq!(statuses, vec!["delivered"; 4]);
    assert!(
        log.body["data"][0]["attempt_log"][0]["status"].as_str().is_some_and(|s| s.starts_with("250")),
        "the SMTP reply is recorded: {:?}",
        log.body["data"][0]
    );
}
