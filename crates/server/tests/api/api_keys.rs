//! API keys: shown once, stored hashed, both header forms, expiry, revocation, ownership.

use bms_types::api_keys::{ApiKeyDto, ApiKeyList, ApiKeyScope, CreatedApiKeyResponse};
use chrono::Duration;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{spawn_app, utc};

#[tokio::test]
async fn a_key_is_shown_once_and_works_in_both_header_forms() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, key) = app.create_api_key(&admin, "fileserver01 restic", &["ingest", "read", "ingest"]).await;
    assert!(key.starts_with("bms_") && key.len() == 68);

    let listed = app.get("/api/v1/api-keys", Some(&admin)).await;
    let keys = listed.json_as::<ApiKeyList>();
    let entry = &keys.data[0];
    assert_eq!(entry.id, id);
    assert_eq!(entry.prefix, key[..12]);
    assert_eq!(entry.scopes, [ApiKeyScope::Ingest, ApiKeyScope::Read]);
    assert_eq!(entry.created_by_username.as_deref(), Some("admin"));
    assert_eq!(entry.last_used_at, None);
    assert!(!listed.body.to_string().contains(&key), "the secret is never listed");

    let bearer = app.get("/api/v1/api-keys/current", Some(&key)).await;
    assert_eq!((bearer.status, bearer.json_as::<ApiKeyDto>().name.as_str()), (StatusCode::OK, "fileserver01 restic"));
    let header = app
        .client
        .get(format!("{}/api/v1/api-keys/current", app.address))
        .header("X-API-Key", &key)
        .send()
        .await
        .expect("sent");
    assert_eq!(header.status(), StatusCode::OK);

    let shown = app.get(&format!("/api/v1/api-keys/{id}"), Some(&admin)).await;
    assert_eq!(shown.json_as::<ApiKeyDto>().last_used_at, Some(utc("2026-11-30T09:00:00Z")));

    // The database holds only a hash.
    let stored: String = {
        use diesel::prelude::*;
        let mut conn = app.pool.get().expect("conn");
        bms_server::db::schema::api_keys::table
            .select(bms_server::db::schema::api_keys::key_hash)
            .first(&mut conn)
            .expect("row")
    };
    assert_ne!(stored, key);
    assert_eq!(stored.len(), 64);
}

#[tokio::test]
async fn revoked_expired_and_unknown_keys_are_refused() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, key) = app.create_api_key(&admin, "temp", &["read"]).await;
    let revoke = app.request(Method::DELETE, &format!("/api/v1/api-keys/{id}"), Some(&admin), None).await;
    assert_eq!(revoke.status, StatusCode::NO_CONTENT);
    let refused = app.get("/api/v1/api-keys/current", Some(&key)).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::UNAUTHORIZED, "token_invalid"));
    assert_eq!(app.get("/api/v1/api-keys", Some(&admin)).await.json_as::<ApiKeyList>().meta.total, 0);
    let with_revoked = app.get("/api/v1/api-keys?include_revoked=true", Some(&admin)).await;
    assert_eq!(with_revoked.json_as::<ApiKeyList>().meta.total, 1);

    let expiring = app
        .post(
            "/api/v1/api-keys",
            Some(&admin),
            &json!({"name": "short", "scopes": ["read"], "expires_at": "2026-11-30T10:00:00Z"}),
        )
        .await;
    let expiring_key = expiring.json_as::<CreatedApiKeyResponse>().key;
    assert_eq!(app.get("/api/v1/api-keys/current", Some(&expiring_key)).await.status, StatusCode::OK);
    app.clock.advance(Duration::hours(1));
    assert_eq!(app.get("/api/v1/api-keys/current", Some(&expiring_key)).await.code(), "token_invalid");

    assert_eq!(app.get("/api/v1/api-keys/current", Some("bms_not-a-real-key")).await.code(), "token_invalid");
}

#[tokio::test]
async fn operators_see_and_revoke_only_their_own_keys() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let operator = app.user_token(&admin, "tom", "operator").await;
    let (admin_key, _) = app.create_api_key(&admin, "admin's", &["read"]).await;
    let (own_key, _) = app.create_api_key(&operator, "tom's", &["ingest"]).await;
    let listed = app.get("/api/v1/api-keys", Some(&operator)).await.json_as::<ApiKeyList>();
    assert_eq!(listed.meta.total, 1);
    assert_eq!(listed.data[0].id, own_key);
    assert_eq!(app.get(&format!("/api/v1/api-keys/{admin_key}"), Some(&operator)).await.status, StatusCode::NOT_FOUND);
    let revoke = app.request(Method::DELETE, &format!("/api/v1/api-keys/{admin_key}"), Some(&operator), None).await;
    assert_eq!(revoke.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/v1/api-keys", Some(&admin)).await.json_as::<ApiKeyList>().meta.total, 2);
    let own = app.request(Method::DELETE, &format!("/api/v1/api-keys/{own_key}"), Some(&operator), None).await;
    assert_eq!(own.status, StatusCode::NO_CONTENT);
    let audit = app.audit_entries(&admin, "api_key.revoke").await;
    assert_eq!((audit.len(), audit[0].actor_name.as_deref()), (1, Some("tom")));
}
