//! User administration: create, list, update, roles, (de)activation, reset, delete.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{STRONG_PASSWORD, spawn_app};

#[tokio::test]
async fn creating_a_user_without_password_returns_a_temporary_one_that_must_be_changed() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let reply = app
        .post(
            "/api/v1/users",
            Some(&admin),
            &json!({"username": "ivan", "email": "ivan@example.com", "role": "operator", "full_name": "Ivan I.", "department": "Infra"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let temporary = reply.body["temporary_password"].as_str().expect("temporary password");
    assert_eq!(temporary.len(), 20);
    assert_eq!(reply.body["user"]["must_change_password"], true);
    assert_eq!(reply.body["user"]["department"], "Infra");
    assert!(reply.body["user"].get("password_hash").is_none());
    let login = app.login("ivan", temporary).await;
    assert_eq!(login.body["user"]["must_change_password"], true);

    let audit = app.audit_entries(&admin, "user.create").await;
    let entry = audit.iter().find(|e| e["details"]["username"] == "ivan").expect("audit row");
    assert_eq!(entry["actor_name"], "admin");
    assert_eq!(entry["resource_id"], reply.body["user"]["id"].to_string());
    assert!(!entry.to_string().contains(temporary), "the audit log must not contain the password");
}

#[tokio::test]
async fn duplicate_usernames_conflict_case_insensitively() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.create_user(&admin, "judy", "viewer").await;
    let reply = app
        .post("/api/v1/users", Some(&admin), &json!({"username": "JUDY", "email": "j2@example.com", "role": "viewer"}))
        .await;
    assert_eq!((reply.status, reply.code()), (StatusCode::CONFLICT, "conflict"));
}

#[tokio::test]
async fn the_user_list_filters_and_paginates() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for (name, role) in [("kim", "viewer"), ("lee", "viewer"), ("max", "auditor"), ("ned", "operator")] {
        app.create_user(&admin, name, role).await;
    }
    let viewers = app.get("/api/v1/users?role=viewer", Some(&admin)).await;
    let names: Vec<&str> =
        viewers.body["data"].as_array().expect("data").iter().filter_map(|u| u["username"].as_str()).collect();
    assert_eq!(names, ["kim", "lee"]);
    assert_eq!(viewers.body["meta"]["total"], 2);

    let page = app.get("/api/v1/users?per_page=2&page=2", Some(&admin)).await;
    assert_eq!(page.body["meta"], json!({"page": 2, "per_page": 2, "total": 5, "total_pages": 3}));
    let names: Vec<&str> =
        page.body["data"].as_array().expect("data").iter().filter_map(|u| u["username"].as_str()).collect();
    assert_eq!(names, ["lee", "max"]);

    let search = app.get("/api/v1/users?q=NED%40example", Some(&admin)).await;
    assert_eq!(search.body["meta"]["total"], 1);
    let wildcard = app.get("/api/v1/users?q=%25", Some(&admin)).await;
    assert_eq!(wildcard.body["meta"]["total"], 0, "% is matched literally");
}

#[tokio::test]
async fn a_role_change_applies_at_once_and_ends_the_users_sessions() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = app.create_user(&admin, "olga", "viewer").await;
    let token = app.access_token("olga", STRONG_PASSWORD).await;
    let updated = app
        .request(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(&admin),
            Some(&json!({"role": "admin", "department": "SRE"})),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK);
    assert_eq!((updated.body["role"].as_str(), updated.body["department"].as_str()), (Some("admin"), Some("SRE")));
    assert_eq!(app.get("/api/v1/auth/me", Some(&token)).await.code(), "session_revoked");
    let token = app.access_token("olga", STRONG_PASSWORD).await;
    assert_eq!(app.get("/api/v1/users", Some(&token)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn deactivation_ends_sessions_and_blocks_login_until_reactivated() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = app.create_user(&admin, "pete", "operator").await;
    let token = app.access_token("pete", STRONG_PASSWORD).await;
    let reply = app.post(&format!("/api/v1/users/{id}/deactivate"), Some(&admin), &json!({})).await;
    assert_eq!((reply.status, reply.body["is_active"].as_bool()), (StatusCode::OK, Some(false)));
    assert_eq!(app.get("/api/v1/auth/me", Some(&token)).await.code(), "session_revoked");
    assert_eq!(app.login("pete", STRONG_PASSWORD).await.code(), "invalid_credentials");
    let reply = app.post(&format!("/api/v1/users/{id}/activate"), Some(&admin), &json!({})).await;
    assert_eq!(reply.body["is_active"], true);
    assert_eq!(app.login("pete", STRONG_PASSWORD).await.status, StatusCode::OK);
    let audit = app.audit_entries(&admin, "user.deactivate").await;
    assert_eq!(audit[0]["details"]["sessions_revoked"], 1);
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_removed_demoted_or_deactivated() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let admin_id = app.get("/api/v1/auth/me", Some(&admin)).await.body["id"].as_i64().expect("id");
    let second = app.create_user(&admin, "quinn", "admin").await;
    let quinn = app.access_token("quinn", STRONG_PASSWORD).await;
    // Two admins: quinn may demote the first.
    let demote = app
        .request(Method::PATCH, &format!("/api/v1/users/{admin_id}"), Some(&quinn), Some(&json!({"role": "viewer"})))
        .await;
    assert_eq!(demote.status, StatusCode::OK);
    // Now quinn is the last admin.
    for (method, path, body) in [
        (Method::PATCH, format!("/api/v1/users/{second}"), Some(json!({"role": "operator"}))),
        (Method::POST, format!("/api/v1/users/{second}/deactivate"), Some(json!({}))),
        (Method::DELETE, format!("/api/v1/users/{second}"), None),
    ] {
        let reply = app.request(method.clone(), &path, Some(&quinn), body.as_ref()).await;
        assert_eq!((reply.status, reply.code()), (StatusCode::CONFLICT, "conflict"), "{method} {path}");
    }
}

#[tokio::test]
async fn an_admin_reset_forces_a_change_and_ends_sessions() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = app.create_user(&admin, "rita", "viewer").await;
    let token = app.access_token("rita", STRONG_PASSWORD).await;
    let reset = app.post(&format!("/api/v1/users/{id}/reset-password"), Some(&admin), &json!({})).await;
    assert_eq!(reset.status, StatusCode::OK);
    let temporary = reset.body["temporary_password"].as_str().expect("temporary").to_owned();
    assert_eq!(reset.body["user"]["must_change_password"], true);
    assert_eq!(app.get("/api/v1/auth/me", Some(&token)).await.code(), "session_revoked");
    assert_eq!(app.login("rita", STRONG_PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    let new_token = app.access_token("rita", &temporary).await;
    assert_eq!(app.get("/api/v1/audit-log", Some(&new_token)).await.code(), "password_change_required");

    let chosen = app
        .post(
            &format!("/api/v1/users/{id}/reset-password"),
            Some(&admin),
            &json!({"new_password": "Chosen-By-Admin-77"}),
        )
        .await;
    assert!(chosen.body["temporary_password"].is_null());
    assert_eq!(app.login("rita", "Chosen-By-Admin-77").await.body["user"]["must_change_password"], true);
}

#[tokio::test]
async fn deleting_a_user_keeps_their_audit_history() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = app.create_user(&admin, "sam", "operator").await;
    let sam = app.access_token("sam", STRONG_PASSWORD).await;
    app.create_api_key(&sam, "sam's key", &["read"]).await;
    let deleted = app.request(Method::DELETE, &format!("/api/v1/users/{id}"), Some(&admin), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&format!("/api/v1/users/{id}"), Some(&admin)).await.status, StatusCode::NOT_FOUND);
    let created = app.audit_entries(&admin, "api_key.create").await;
    assert_eq!(created[0]["actor_user_id"], id);
    assert_eq!(created[0]["actor_name"], "sam");
    let verify = app.get("/api/v1/audit-log/verify", Some(&admin)).await;
    assert_eq!(verify.body["valid"], true);
    let self_delete = app.request(Method::DELETE, "/api/v1/users/1", Some(&admin), None).await;
    assert_eq!(self_delete.code(), "conflict");
}
