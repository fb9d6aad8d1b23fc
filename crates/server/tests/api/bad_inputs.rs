//! A table of bad inputs per endpoint: each must answer 4xx with the expected code and,
//! for validation errors, the field and rule — never a 5xx.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::spawn_app;

struct Case {
    method: Method,
    path: String,
    body: Option<Value>,
    status: u16,
    code: &'static str,
    field_rule: Option<(&'static str, &'static str)>,
}

fn case(
    method: Method,
    path: &str,
    body: Option<Value>,
    status: u16,
    code: &'static str,
    field_rule: Option<(&'static str, &'static str)>,
) -> Case {
    Case { method, path: path.to_owned(), body, status, code, field_rule }
}

#[tokio::test]
async fn bad_inputs_are_rejected_with_the_field_and_rule() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let user = app.create_user(&admin, "wendy", "viewer").await;
    let (key, _) = app.create_api_key(&admin, "k", &["read"]).await;
    let users = "/api/v1/users";
    let user_path = format!("/api/v1/users/{user}");
    let v = "validation_failed";
    let cases = vec![
        // login
        case(Method::POST, "/api/v1/auth/login", Some(json!({})), 400, v, Some(("username", "required"))),
        case(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"username": "a"})),
            400,
            v,
            Some(("password", "required")),
        ),
        case(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"username": 1, "password": "x"})),
            400,
            v,
            Some(("username", "invalid_type")),
        ),
        case(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"username": "a", "password": "x", "otp": 1})),
            400,
            v,
            Some(("otp", "unknown_field")),
        ),
        case(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"username": " ", "password": "x"})),
            400,
            v,
            Some(("username", "required")),
        ),
        case(Method::POST, "/api/v1/auth/login", Some(json!([1, 2])), 400, v, Some(("body", "invalid_type"))),
        case(Method::POST, "/api/v1/auth/login", Some(json!("text")), 400, v, Some(("body", "invalid_type"))),
        // refresh
        case(
            Method::POST,
            "/api/v1/auth/refresh",
            Some(json!({"token": "x"})),
            400,
            v,
            Some(("token", "unknown_field")),
        ),
        case(
            Method::POST,
            "/api/v1/auth/refresh",
            Some(json!({"refresh_token": null})),
            400,
            v,
            Some(("refresh_token", "invalid_type")),
        ),
        // change password
        case(
            Method::POST,
            "/api/v1/auth/change-password",
            Some(json!({"new_password": "x"})),
            400,
            v,
            Some(("current_password", "required")),
        ),
        // create user
        case(
            Method::POST,
            users,
            Some(json!({"username": "ab", "email": "a@example.com", "role": "viewer"})),
            400,
            v,
            Some(("username", "length")),
        ),
        case(
            Method::POST,
            users,
            Some(json!({"username": "a b!", "email": "a@example.com", "role": "viewer"})),
            400,
            v,
            Some(("username", "charset")),
        ),
        case(
            Method::POST,
            users,
            Some(json!({"username": "abc", "email": "not-mail", "role": "viewer"})),
            400,
            v,
            Some(("email", "email")),
        ),
        case(
            Method::POST,
            users,
            Some(json!({"username": "abc", "email": "a@example.com", "role": "superuser"})),
            400,
            v,
            Some(("role", "invalid_value")),
        ),
        case(
            Method::POST,
            users,
            Some(json!({"username": "abc", "email": "a@example.com"})),
            400,
            v,
            Some(("role", "required")),
        ),
        case(
            Method::POST,
            users,
            Some(json!({"username": "abc", "email": "a@example.com", "role": "viewer", "password": "abc12345678901"})),
            400,
            v,
            Some(("password", "contains_username")),
        ),
        case(
            Method::POST,
            users,
            Some(json!({"username": "abc", "email": "a@example.com", "role": "viewer", "full_name": "x".repeat(201)})),
            400,
            v,
            Some(("full_name", "max_length")),
        ),
        case(
            Method::POST,
            users,
            Some(json!({"username": "abc", "email": "a@example.com", "role": "viewer", "is_admin": true})),
            400,
            v,
            Some(("is_admin", "unknown_field")),
        ),
        // update user
        case(Method::PATCH, &user_path, Some(json!({"email": "nope"})), 400, v, Some(("email", "email"))),
        case(
            Method::PATCH,
            &user_path,
            Some(json!({"username": "renamed"})),
            400,
            v,
            Some(("username", "unknown_field")),
        ),
        case(Method::PATCH, &user_path, Some(json!({"role": 3})), 400, v, Some(("role", "invalid_type"))),
        case(Method::PATCH, "/api/v1/users/999999", Some(json!({})), 404, "not_found", None),
        // path ids
        case(Method::GET, "/api/v1/users/abc", None, 400, v, Some(("id", "positive_integer"))),
        case(Method::GET, "/api/v1/users/0", None, 400, v, Some(("id", "positive_integer"))),
        case(Method::GET, "/api/v1/users/-4", None, 400, v, Some(("id", "positive_integer"))),
        case(Method::GET, "/api/v1/users/99999999999999999999", None, 400, v, Some(("id", "positive_integer"))),
        case(Method::POST, "/api/v1/users/424242/unlock", Some(json!({})), 404, "not_found", None),
        case(Method::DELETE, "/api/v1/api-keys/424242", None, 404, "not_found", None),
        // reset password
        case(
            Method::POST,
            &format!("{user_path}/reset-password"),
            Some(json!({"new_password": "short"})),
            400,
            v,
            Some(("new_password", "min_length")),
        ),
        case(
            Method::POST,
            &format!("{user_path}/reset-password"),
            Some(json!({"password": "x"})),
            400,
            v,
            Some(("password", "unknown_field")),
        ),
        // list queries
        case(Method::GET, "/api/v1/users?page=0", None, 400, v, Some(("page", "min"))),
        case(Method::GET, "/api/v1/users?per_page=500", None, 400, v, Some(("per_page", "range"))),
        case(Method::GET, "/api/v1/users?page=abc", None, 400, v, Some(("page", "invalid_format"))),
        case(Method::GET, "/api/v1/users?sort=name", None, 400, v, Some(("sort", "unknown_field"))),
        case(Method::GET, "/api/v1/users?role=root", None, 400, v, Some(("role", "invalid_value"))),
        case(Method::GET, "/api/v1/users?is_active=maybe", None, 400, v, Some(("is_active", "invalid_format"))),
        case(Method::GET, "/api/v1/audit-log?from=yesterday", None, 400, v, Some(("from", "invalid_format"))),
        case(Method::GET, "/api/v1/audit-log?outcome=meh", None, 400, v, Some(("outcome", "invalid_value"))),
        case(
            Method::GET,
            "/api/v1/api-keys?include_revoked=2",
            None,
            400,
            v,
            Some(("include_revoked", "invalid_format")),
        ),
        // API keys
        case(
            Method::POST,
            "/api/v1/api-keys",
            Some(json!({"name": "", "scopes": ["read"]})),
            400,
            v,
            Some(("name", "length")),
        ),
        case(
            Method::POST,
            "/api/v1/api-keys",
            Some(json!({"name": "n", "scopes": []})),
            400,
            v,
            Some(("scopes", "required")),
        ),
        case(
            Method::POST,
            "/api/v1/api-keys",
            Some(json!({"name": "n", "scopes": ["admin"]})),
            400,
            v,
            Some(("scopes[0]", "invalid_value")),
        ),
        case(
            Method::POST,
            "/api/v1/api-keys",
            Some(json!({"name": "n", "scopes": ["read"], "expires_at": "2020-01-01T00:00:00Z"})),
            400,
            v,
            Some(("expires_at", "future")),
        ),
        case(
            Method::POST,
            "/api/v1/api-keys",
            Some(json!({"name": "n", "scopes": ["read"], "expires_at": "tomorrow"})),
            400,
            v,
            Some(("expires_at", "invalid_format")),
        ),
        case(Method::GET, &format!("/api/v1/api-keys/{key}x"), None, 400, v, Some(("id", "positive_integer"))),
    ];
    let mut failures = Vec::new();
    for case in &cases {
        let reply = app.request(case.method.clone(), &case.path, Some(&admin), case.body.as_ref()).await;
        assert!(!reply.status.is_server_error(), "{} {} gave {}", case.method, case.path, reply.status);
        let got_violation = reply.violation();
        let expected_violation = case.field_rule.map(|(f, r)| (f.to_owned(), r.to_owned()));
        if reply.status.as_u16() != case.status
            || reply.code() != case.code
            || expected_violation.as_ref().is_some_and(|expected| *expected != got_violation)
        {
            failures.push(format!(
                "{} {} {:?}: expected {} {} {:?}, got {} {}",
                case.method, case.path, case.body, case.status, case.code, expected_violation, reply.status, reply.body
            ));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
    assert_eq!(StatusCode::OK, app.get("/ready", None).await.status);
}
