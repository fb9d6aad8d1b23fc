//! Login, must-change-password, token refresh/rotation/reuse, timeouts, lockout, logout.

use bms_types::auth::TokenResponse;
use bms_types::users::UserDto;
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{STRONG_PASSWORD, spawn_app, utc};

#[tokio::test]
async fn the_first_admin_can_only_change_the_password_until_it_is_changed() {
    let app = spawn_app().await;
    let login = app.login("admin", &app.first_admin_password).await;
    assert_eq!(login.status, StatusCode::OK);
    let login = login.json_as::<TokenResponse>();
    assert!(login.user.must_change_password);
    let token = login.access_token;

    let users = app.get("/api/v1/users", Some(&token)).await;
    assert_eq!((users.status, users.code()), (StatusCode::FORBIDDEN, "password_change_required"));
    let me = app.get("/api/v1/auth/me", Some(&token)).await;
    assert_eq!((me.status, me.json_as::<UserDto>().username.as_str()), (StatusCode::OK, "admin"));

    let changed = app
        .post(
            "/api/v1/auth/change-password",
            Some(&token),
            &json!({"current_password": app.first_admin_password, "new_password": STRONG_PASSWORD}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    let changed = changed.json_as::<TokenResponse>();
    assert!(!changed.user.must_change_password);
    let new_token = &changed.access_token;
    assert_eq!(app.get("/api/v1/users", Some(new_token)).await.status, StatusCode::OK);
    // The session the change was made from was revoked with all others.
    assert_eq!(app.get("/api/v1/auth/me", Some(&token)).await.code(), "session_revoked");
    // The old one-time password no longer works.
    assert_eq!(app.login("admin", &app.first_admin_password).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn login_failures_are_indistinguishable() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.create_user(&admin, "alice", "viewer").await;
    let unknown = app.login("nobody", STRONG_PASSWORD).await;
    let wrong = app.login("alice", "wrong-password-123").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.body, wrong.body);
    assert_eq!(unknown.code(), "invalid_credentials");
}

#[tokio::test]
async fn usernames_are_case_insensitive_at_login() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.create_user(&admin, "Carol", "viewer").await;
    assert_eq!(app.login("carol", STRONG_PASSWORD).await.status, StatusCode::OK);
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_session() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.create_user(&admin, "bob", "operator").await;
    let login = app.login("bob", STRONG_PASSWORD).await;
    let first_refresh = login.json_as::<TokenResponse>().refresh_token;

    let rotated = app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": first_refresh})).await;
    assert_eq!(rotated.status, StatusCode::OK);
    let TokenResponse { refresh_token: second_refresh, access_token: second_access, .. } = rotated.json_as();
    assert_ne!(second_refresh, first_refresh);
    assert_eq!(app.get("/api/v1/auth/me", Some(&second_access)).await.status, StatusCode::OK);

    // Replaying the first (rotated) token: detected, session revoked.
    let replay = app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": first_refresh})).await;
    assert_eq!((replay.status, replay.code()), (StatusCode::UNAUTHORIZED, "session_revoked"));
    let legit = app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": second_refresh})).await;
    assert_eq!(legit.code(), "session_revoked");
    assert_eq!(app.get("/api/v1/auth/me", Some(&second_access)).await.code(), "session_revoked");
    let reuse_events = app.audit_entries(&admin, "auth.refresh_token_reuse").await;
    assert_eq!(reuse_events.len(), 1);
    assert_eq!(reuse_events[0].actor_name.as_deref(), Some("bob"));

    let unknown = app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": "bmsr_nope"})).await;
    assert_eq!((unknown.status, unknown.code()), (StatusCode::UNAUTHORIZED, "token_invalid"));
}

#[tokio::test]
async fn access_tokens_expire_after_fifteen_minutes() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.clock.advance(Duration::minutes(14));
    assert_eq!(app.get("/api/v1/auth/me", Some(&admin)).await.status, StatusCode::OK);
    app.clock.advance(Duration::minutes(1));
    let expired = app.get("/api/v1/auth/me", Some(&admin)).await;
    assert_eq!((expired.status, expired.code()), (StatusCode::UNAUTHORIZED, "token_expired"));
}

#[tokio::test]
async fn a_session_idle_for_thirty_minutes_cannot_be_refreshed() {
    let app = spawn_app().await;
    app.admin_token().await;
    let login = app.login("admin", STRONG_PASSWORD).await;
    let refresh = login.json_as::<TokenResponse>().refresh_token;
    app.clock.advance(Duration::minutes(29));
    let ok = app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": refresh})).await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    let refresh = ok.json_as::<TokenResponse>().refresh_token;
    app.clock.advance(Duration::minutes(31));
    let idle = app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": refresh})).await;
    assert_eq!((idle.status, idle.code()), (StatusCode::UNAUTHORIZED, "session_expired"));
}

#[tokio::test]
async fn a_session_ends_after_twelve_hours_even_when_active() {
    let app = spawn_app().await;
    app.admin_token().await;
    let mut refresh = app.login("admin", STRONG_PASSWORD).await.json_as::<TokenResponse>().refresh_token;
    // Refresh every 20 minutes: 35 refreshes take the session to 11h40m.
    for _ in 0..35 {
        app.clock.advance(Duration::minutes(20));
        let reply = app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": refresh})).await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        refresh = reply.json_as::<TokenResponse>().refresh_token;
    }
    app.clock.advance(Duration::minutes(20));
    let ended = app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": refresh})).await;
    assert_eq!((ended.status, ended.code()), (StatusCode::UNAUTHORIZED, "session_expired"));
}

#[tokio::test]
async fn five_failures_lock_the_account_for_fifteen_minutes() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let dave = app.create_user(&admin, "dave", "viewer").await;
    for _ in 0..4 {
        assert_eq!(app.login("dave", "wrong-password-123").await.status, StatusCode::UNAUTHORIZED);
    }
    let user = app.get(&format!("/api/v1/users/{dave}"), Some(&admin)).await.json_as::<UserDto>();
    assert_eq!(user.failed_login_count, 4);
    assert_eq!(user.locked_until, None);

    app.login("dave", "wrong-password-123").await;
    let user = app.get(&format!("/api/v1/users/{dave}"), Some(&admin)).await.json_as::<UserDto>();
    assert_eq!(user.locked_until, Some(utc("2026-11-30T09:15:00Z")));
    assert_eq!(app.audit_entries(&admin, "auth.lockout").await.len(), 1);

    // Locked: even the right password is refused, with the same answer as a wrong one.
    let locked = app.login("dave", STRONG_PASSWORD).await;
    assert_eq!((locked.status, locked.code()), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
    app.clock.advance(Duration::minutes(14));
    assert_eq!(app.login("dave", STRONG_PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    app.clock.advance(Duration::minutes(1));
    assert_eq!(app.login("dave", STRONG_PASSWORD).await.status, StatusCode::OK);
    let admin = app.access_token("admin", STRONG_PASSWORD).await;
    let user = app.get(&format!("/api/v1/users/{dave}"), Some(&admin)).await.json_as::<UserDto>();
    assert_eq!(user.failed_login_count, 0);
}

#[tokio::test]
async fn an_expired_lock_starts_a_fresh_count() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.create_user(&admin, "erin", "viewer").await;
    for _ in 0..5 {
        app.login("erin", "wrong-password-123").await;
    }
    app.clock.advance(Duration::minutes(16));
    // One failure after the lock expired must not re-lock the account.
    app.login("erin", "wrong-password-123").await;
    assert_eq!(app.login("erin", STRONG_PASSWORD).await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_admin_can_unlock_a_locked_account() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let frank = app.create_user(&admin, "frank", "viewer").await;
    for _ in 0..5 {
        app.login("frank", "wrong-password-123").await;
    }
    assert_eq!(app.login("frank", STRONG_PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    let unlocked = app.post(&format!("/api/v1/users/{frank}/unlock"), Some(&admin), &json!({})).await;
    assert_eq!(unlocked.status, StatusCode::OK);
    assert_eq!(unlocked.json_as::<UserDto>().locked_until, None);
    assert_eq!(app.login("frank", STRONG_PASSWORD).await.status, StatusCode::OK);
}

#[tokio::test]
async fn logout_revokes_the_session_only() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let other_session = app.access_token("admin", STRONG_PASSWORD).await;
    let logout = app.post("/api/v1/auth/logout", Some(&admin), &json!({})).await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/auth/me", Some(&admin)).await.code(), "session_revoked");
    assert_eq!(app.get("/api/v1/auth/me", Some(&other_session)).await.status, StatusCode::OK);
    assert_eq!(app.audit_entries(&other_session, "auth.logout").await.len(), 1);
}

#[tokio::test]
async fn changing_the_password_revokes_sessions_on_other_devices() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.create_user(&admin, "gina", "operator").await;
    let laptop = app.access_token("gina", STRONG_PASSWORD).await;
    let phone = app.access_token("gina", STRONG_PASSWORD).await;
    let changed = app
        .post(
            "/api/v1/auth/change-password",
            Some(&laptop),
            &json!({"current_password": STRONG_PASSWORD, "new_password": "Another-Long-Pass-42"}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    assert!(!changed.json_as::<TokenResponse>().user.must_change_password);
    assert_eq!(app.get("/api/v1/auth/me", Some(&phone)).await.code(), "session_revoked");
    assert_eq!(app.login("gina", "Another-Long-Pass-42").await.status, StatusCode::OK);
    let audit = app.audit_entries(&admin, "auth.password_change").await;
    assert_eq!(audit[0].details["sessions_revoked"], 2);
}

#[tokio::test]
async fn the_password_policy_names_the_rule_that_failed() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let cases = [
        ("short", "min_length"),
        ("admin-rules-forever", "contains_username"),
        ("ADMINISTRATOR1", "contains_username"),
        ("password1234", "common_password"),
        (STRONG_PASSWORD, "unchanged"),
    ];
    for (new_password, rule) in cases {
        let reply = app
            .post(
                "/api/v1/auth/change-password",
                Some(&admin),
                &json!({"current_password": STRONG_PASSWORD, "new_password": new_password}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{new_password}");
        assert_eq!(reply.violation(), ("new_password".to_owned(), rule.to_owned()), "{new_password}");
    }
    let wrong_current = app
        .post(
            "/api/v1/auth/change-password",
            Some(&admin),
            &json!({"current_password": "not-the-password", "new_password": "Perfectly-Fine-Pass-9"}),
        )
        .await;
    assert_eq!(wrong_current.violation(), ("current_password".to_owned(), "incorrect".to_owned()));
}

#[tokio::test]
async fn the_minimum_password_length_is_configurable() {
    let app = crate::helpers::spawn_app_with(&[("PASSWORD_MIN_LENGTH", "20")]).await;
    let admin = app.admin_token().await;
    let reply = app
        .post(
            "/api/v1/users",
            Some(&admin),
            &json!({"username": "hank", "email": "h@example.com", "role": "viewer", "password": "Nineteen-chars-abc1"}),
        )
        .await;
    assert_eq!(reply.violation(), ("password".to_owned(), "min_length".to_owned()));
}

#[tokio::test]
async fn wrong_current_passwords_count_towards_lockout_and_the_lock_ends_the_session() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let erin = app.create_user(&admin, "erin", "operator").await;
    // A stolen access token must not guess the password faster than the sign-in form.
    let token = app.access_token("erin", STRONG_PASSWORD).await;
    let wrong = json!({"current_password": "not-her-password-1", "new_password": "A-Whole-New-Passphrase-9"});
    for _ in 0..4 {
        let reply = app.post("/api/v1/auth/change-password", Some(&token), &wrong).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(reply.violation(), ("current_password".to_owned(), "incorrect".to_owned()));
    }
    // Sign-in failures and change-password failures share one count.
    assert_eq!(app.login("erin", "wrong-password-123").await.status, StatusCode::UNAUTHORIZED);
    let user = app.get(&format!("/api/v1/users/{erin}"), Some(&admin)).await;
    assert_eq!(user.json_as::<UserDto>().locked_until, Some(utc("2026-11-30T09:15:00Z")), "{:?}", user.body);

    let other_session = app.access_token("admin", STRONG_PASSWORD).await;
    let gone = app.get("/api/v1/auth/me", Some(&token)).await;
    assert_eq!((gone.status, gone.code()), (StatusCode::UNAUTHORIZED, "session_revoked"), "the lock ended her session");
    assert_eq!(app.login("erin", STRONG_PASSWORD).await.status, StatusCode::UNAUTHORIZED, "locked");
    let lockouts = app.audit_entries(&other_session, "auth.lockout").await;
    assert_eq!(lockouts.len(), 1);
    assert_eq!(lockouts[0].details["sessions_revoked"], 1);
}

#[tokio::test]
async fn the_fifth_wrong_current_password_locks_and_answers_session_revoked() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.create_user(&admin, "fay", "viewer").await;
    let token = app.access_token("fay", STRONG_PASSWORD).await;
    let wrong = json!({"current_password": "not-her-password-1", "new_password": "A-Whole-New-Passphrase-9"});
    for _ in 0..4 {
        assert_eq!(
            app.post("/api/v1/auth/change-password", Some(&token), &wrong).await.status,
            StatusCode::BAD_REQUEST
        );
    }
    let fifth = app.post("/api/v1/auth/change-password", Some(&token), &wrong).await;
    assert_eq!((fifth.status, fifth.code()), (StatusCode::UNAUTHORIZED, "session_revoked"), "{:?}", fifth.body);
    assert_eq!(app.get("/api/v1/auth/me", Some(&token)).await.status, StatusCode::UNAUTHORIZED);
}
