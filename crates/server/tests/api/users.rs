//! User administration: create, list, update, roles, (de)activation, reset, delete.

use bms_types::PageMeta;
use bms_types::audit::AuditVerifyResponse;
use bms_types::auth::TokenResponse;
use bms_types::users::{CreatedUserResponse, ResetPasswordResponse, Role, UserDto, UserList};
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
    // Deliberately untyped: the hash must be absent from the wire, whatever the DTO says.
    assert!(reply.body["user"].get("password_hash").is_none());
    let created = reply.json_as::<CreatedUserResponse>();
    let temporary = created.temporary_password.as_deref().expect("temporary password");
    assert_eq!(temporary.len(), 20);
    assert!(created.user.must_change_password);
    assert_eq!(created.user.department, "Infra");
    let login = app.login("ivan", temporary).await;
    assert!(login.json_as::<TokenResponse>().user.must_change_password);

    let audit = app.audit_entries(&admin, "user.create").await;
    let entry = audit.iter().find(|e| e.details["username"] == "ivan").expect("audit row");
    assert_eq!(entry.actor_name.as_deref(), Some("admin"));
    assert_eq!(entry.resource_id, Some(created.user.id.to_string()));
    let entry_json = serde_json::to_string(entry).expect("json");
    assert!(!entry_json.contains(temporary), "the audit log must not contain the password");
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
    let viewers = app.get("/api/v1/users?role=viewer", Some(&admin)).await.json_as::<UserList>();
    let names: Vec<&str> = viewers.data.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names, ["kim", "lee"]);
    assert_eq!(viewers.meta.total, 2);

    let page = app.get("/api/v1/users?per_page=2&page=2", Some(&admin)).await.json_as::<UserList>();
    assert_eq!(page.meta, PageMeta { page: 2, per_page: 2, total: 5, total_pages: 3 });
    let names: Vec<&str> = page.data.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names, ["lee", "max"]);

    let search = app.get("/api/v1/users?q=NED%40example", Some(&admin)).await;
    assert_eq!(search.json_as::<UserList>().meta.total, 1);
    let wildcard = app.get("/api/v1/users?q=%25", Some(&admin)).await;
    assert_eq!(wildcard.json_as::<UserList>().meta.total, 0, "% is matched literally");
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
    let updated = updated.json_as::<UserDto>();
    assert_eq!((updated.role, updated.department.as_str()), (Role::Admin, "SRE"));
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
    assert_eq!((reply.status, reply.json_as::<UserDto>().is_active), (StatusCode::OK, false));
    assert_eq!(app.get("/api/v1/auth/me", Some(&token)).await.code(), "session_revoked");
    assert_eq!(app.login("pete", STRONG_PASSWORD).await.code(), "invalid_credentials");
    let reply = app.post(&format!("/api/v1/users/{id}/activate"), Some(&admin), &json!({})).await;
    assert!(reply.json_as::<UserDto>().is_active);
    assert_eq!(app.login("pete", STRONG_PASSWORD).await.status, StatusCode::OK);
    let audit = app.audit_entries(&admin, "user.deactivate").await;
    assert_eq!(audit[0].details["sessions_revoked"], 1);
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_removed_demoted_or_deactivated() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let admin_id = app.get("/api/v1/auth/me", Some(&admin)).await.json_as::<UserDto>().id;
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
    let reset = reset.json_as::<ResetPasswordResponse>();
    let temporary = reset.temporary_password.expect("temporary");
    assert!(reset.user.must_change_password);
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
    assert_eq!(chosen.json_as::<ResetPasswordResponse>().temporary_password, None);
    assert!(app.login("rita", "Chosen-By-Admin-77").await.json_as::<TokenResponse>().user.must_change_password);
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
    assert_eq!(created[0].actor_user_id, Some(id));
    assert_eq!(created[0].actor_name.as_deref(), Some("sam"));
    let verify = app.get("/api/v1/audit-log/verify", Some(&admin)).await;
    assert!(verify.json_as::<AuditVerifyResponse>().valid);
    let self_delete = app.request(Method::DELETE, "/api/v1/users/1", Some(&admin), None).await;
    assert_eq!(self_delete.code(), "conflict");
}
