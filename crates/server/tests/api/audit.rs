//! The audit log: every mutation recorded with actor and IP, filters, chain verification.

use bms_types::audit::{ActorKind, AuditEntryList, AuditVerifyResponse};
use diesel::prelude::*;
use reqwest::StatusCode;

use crate::helpers::process::bms;
use crate::helpers::{STRONG_PASSWORD, spawn_app, spawn_app_with};

#[tokio::test]
async fn auth_events_and_mutations_are_recorded_with_actor_and_outcome() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.login("admin", "wrong-password-123").await;
    app.login("ghost", "whatever-password").await;
    app.create_user(&admin, "uma", "viewer").await;

    let failures = app.get("/api/v1/audit-log?action=auth.login&outcome=failure", Some(&admin)).await;
    let rows = failures.json_as::<AuditEntryList>().data;
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].actor_kind, rows[0].actor_name.as_deref()), (ActorKind::Anonymous, Some("ghost")));
    // `details` is free-form context in the DTO too.
    assert_eq!(rows[0].details["reason"], "unknown_user");
    assert_eq!((rows[1].actor_kind, rows[1].details["reason"].as_str()), (ActorKind::User, Some("wrong_password")));
    assert_eq!(rows[1].client_ip.as_deref(), Some("127.0.0.1"));

    let first_start = app.audit_entries(&admin, "user.create").await;
    assert!(
        first_start
            .iter()
            .any(|row| row.actor_kind == ActorKind::System && row.actor_name.as_deref() == Some("first-start"))
    );

    let by_resource = app.get("/api/v1/audit-log?resource_type=user&resource_id=1", Some(&admin)).await;
    assert!(by_resource.json_as::<AuditEntryList>().meta.total >= 3);
    let window = app.get("/api/v1/audit-log?from=2026-12-01T00:00:00Z", Some(&admin)).await;
    assert_eq!(window.json_as::<AuditEntryList>().meta.total, 0);
}

#[tokio::test]
async fn tampering_is_reported_by_the_api_and_the_cli() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.create_user(&admin, "vera", "auditor").await;
    let auditor = app.access_token("vera", STRONG_PASSWORD).await;
    let intact = app.get("/api/v1/audit-log/verify", Some(&auditor)).await.json_as::<AuditVerifyResponse>();
    assert!(intact.valid);
    let rows = intact.rows_checked;
    assert!(rows >= 4, "{rows}");

    {
        let mut conn = app.pool.get().expect("conn");
        diesel::sql_query("UPDATE audit_log SET actor_name = 'someone-else' WHERE id = 2")
            .execute(&mut conn)
            .expect("tamper");
    }
    let broken = app.get("/api/v1/audit-log/verify", Some(&auditor)).await.json_as::<AuditVerifyResponse>();
    assert_eq!((broken.valid, broken.first_broken_id), (false, Some(2)));

    let output = bms(app.db_path.parent().expect("the database's folder"))
        .args(["audit", "verify"])
        .env("DATABASE_PATH", &app.db_path)
        .env("SECRET_KEY", "irrelevant-for-verify")
        .output()
        .expect("run bms");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).contains("BROKEN at row 2"));
}

#[tokio::test]
async fn forwarded_for_is_used_only_behind_a_trusted_proxy() {
    let trusted = spawn_app_with(&[("TRUSTED_PROXIES", "127.0.0.1")]).await;
    let admin = trusted.admin_token().await;
    trusted
        .client
        .post(format!("{}/api/v1/auth/login", trusted.address))
        .header("X-Forwarded-For", "6.6.6.6, 198.51.100.7")
        .json(&serde_json::json!({"username": "admin", "password": "bad-password-xyz"}))
        .send()
        .await
        .expect("sent");
    let rows = trusted.get("/api/v1/audit-log?action=auth.login&outcome=failure", Some(&admin)).await;
    assert_eq!(rows.json_as::<AuditEntryList>().data[0].client_ip.as_deref(), Some("198.51.100.7"));

    let untrusted = spawn_app().await;
    let admin = untrusted.admin_token().await;
    untrusted
        .client
        .post(format!("{}/api/v1/auth/login", untrusted.address))
        .header("X-Forwarded-For", "198.51.100.7")
        .json(&serde_json::json!({"username": "admin", "password": "bad-password-xyz"}))
        .send()
        .await
        .expect("sent");
    let rows = untrusted.get("/api/v1/audit-log?action=auth.login&outcome=failure", Some(&admin)).await;
    assert_eq!(rows.status, StatusCode::OK);
    assert_eq!(rows.json_as::<AuditEntryList>().data[0].client_ip.as_deref(), Some("127.0.0.1"));
}
