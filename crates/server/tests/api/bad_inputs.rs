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
    assert_cases(&app, &admin, &cases).await;
}

async fn assert_cases(app: &crate::helpers::TestApp, token: &str, cases: &[Case]) {
    let mut failures = Vec::new();
    for case in cases {
        let reply = app.request(case.method.clone(), &case.path, Some(token), case.body.as_ref()).await;
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

#[tokio::test]
async fn bad_tracking_inputs_are_rejected_with_the_field_and_rule() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let job = app.create_job(&admin, json!({"name": "target", "job_type": "file", "backup_tool": "restic"})).await;
    let id = job.id;
    let copy = app.add_copy(&admin, id, json!({"copy_type": "primary", "media_type": "disk"})).await;
    let other = app.create_job(&admin, json!({"name": "other", "job_type": "file", "backup_tool": "restic"})).await;
    let other_copy = app.add_copy(&admin, other.id, json!({"copy_type": "primary", "media_type": "nas"})).await;
    let v = "validation_failed";
    let jobs = "/api/v1/jobs";
    let job_path = format!("/api/v1/jobs/{id}");
    let copies = format!("/api/v1/jobs/{id}/copies");
    let copy_path = format!("/api/v1/jobs/{id}/copies/{copy}");
    let base = |extra: Value| {
        let mut body = json!({"name": "n", "job_type": "file", "backup_tool": "borg"});
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        Some(body)
    };
    let e = "/api/v1/executions";
    let cases = vec![
        case(Method::POST, jobs, base(json!({"name": " "})), 400, v, Some(("name", "required"))),
        case(Method::POST, jobs, base(json!({"job_type": "tape"})), 400, v, Some(("job_type", "invalid_value"))),
        case(
            Method::POST,
            jobs,
            base(json!({"backup_tool": "bacula"})),
            400,
            v,
            Some(("backup_tool", "invalid_value")),
        ),
        case(
            Method::POST,
            jobs,
            base(json!({"cron_expression": "every night"})),
            400,
            v,
            Some(("cron_expression", "cron")),
        ),
        case(
            Method::POST,
            jobs,
            base(json!({"cron_expression": "0 2 * * * *"})),
            400,
            v,
            Some(("cron_expression", "cron")),
        ),
        case(
            Method::POST,
            jobs,
            base(json!({"cron_expression": "0 2 31 2 *"})),
            400,
            v,
            Some(("cron_expression", "cron")),
        ),
        case(Method::POST, jobs, base(json!({"timezone": "Tokyo"})), 400, v, Some(("timezone", "iana_timezone"))),
        case(Method::POST, jobs, base(json!({"grace_minutes": -1})), 400, v, Some(("grace_minutes", "range"))),
        case(
            Method::POST,
            jobs,
            base(json!({"max_duration_minutes": 0})),
            400,
            v,
            Some(("max_duration_minutes", "range")),
        ),
        case(Method::POST, jobs, base(json!({"retention_days": 0})), 400, v, Some(("retention_days", "range"))),
        case(Method::POST, jobs, base(json!({"tags": ["a,b"]})), 400, v, Some(("tags", "tag_format"))),
        case(
            Method::POST,
            jobs,
            base(json!({"compliance_overrides": {"min_copies": 0}})),
            400,
            v,
            Some(("compliance_overrides.min_copies", "range")),
        ),
        case(
            Method::POST,
            jobs,
            base(json!({"compliance_overrides": {"min_copy": 2}})),
            400,
            v,
            Some(("compliance_overrides.min_copy", "unknown_field")),
        ),
        case(Method::POST, jobs, base(json!({"schedule": "daily"})), 400, v, Some(("schedule", "unknown_field"))),
        case(Method::POST, jobs, base(json!({"name": "TARGET"})), 409, "conflict", None),
        case(Method::PATCH, &job_path, Some(json!({"grace_minutes": 99999})), 400, v, Some(("grace_minutes", "range"))),
        case(
            Method::PATCH,
            &job_path,
            Some(json!({"ping_token": "mine"})),
            400,
            v,
            Some(("ping_token", "unknown_field")),
        ),
        case(Method::PATCH, "/api/v1/jobs/987654", Some(json!({})), 404, "not_found", None),
        case(Method::GET, "/api/v1/jobs?sort=size", None, 400, v, Some(("sort", "sort_key"))),
        case(Method::GET, "/api/v1/jobs?state=sleepy", None, 400, v, Some(("state", "invalid_value"))),
        case(
            Method::GET,
            "/api/v1/jobs?compliance_status=ok",
            None,
            400,
            v,
            Some(("compliance_status", "invalid_value")),
        ),
        case(Method::GET, "/api/v1/jobs/schedule-preview", None, 400, v, Some(("cron_expression", "required"))),
        case(
            Method::GET,
            "/api/v1/jobs/schedule-preview?cron_expression=0%202%20*%20*%20*&timezone=Nowhere",
            None,
            400,
            v,
            Some(("timezone", "iana_timezone")),
        ),
        case(
            Method::POST,
            &copies,
            Some(json!({"copy_type": "primary", "media_type": "floppy"})),
            400,
            v,
            Some(("media_type", "invalid_value")),
        ),
        case(
            Method::POST,
            &copies,
            Some(json!({"copy_type": "tertiary", "media_type": "disk"})),
            400,
            v,
            Some(("copy_type", "invalid_value")),
        ),
        case(
            Method::POST,
            &copies,
            Some(json!({"copy_type": "primary", "media_type": "disk", "freshness_hours": 0})),
            400,
            v,
            Some(("freshness_hours", "range")),
        ),
        case(
            Method::POST,
            "/api/v1/jobs/987654/copies",
            Some(json!({"copy_type": "primary", "media_type": "disk"})),
            404,
            "not_found",
            None,
        ),
        case(Method::PATCH, &copy_path, Some(json!({"offsite": "yes"})), 400, v, Some(("offsite", "invalid_type"))),
        case(Method::PATCH, &format!("/api/v1/jobs/{id}/copies/{other_copy}"), Some(json!({})), 404, "not_found", None),
        case(
            Method::PATCH,
            &format!("/api/v1/jobs/{id}/copies/x"),
            Some(json!({})),
            400,
            v,
            Some(("copy_id", "positive_integer")),
        ),
        case(Method::POST, e, Some(json!({"result": "success"})), 400, v, Some(("job_id", "one_job_identifier"))),
        case(
            Method::POST,
            e,
            Some(json!({"job_id": id, "job_name": "target", "result": "success"})),
            400,
            v,
            Some(("job_id", "one_job_identifier")),
        ),
        case(Method::POST, e, Some(json!({"job_id": id})), 400, v, Some(("result", "required"))),
        case(
            Method::POST,
            e,
            Some(json!({"job_id": id, "result": "running"})),
            400,
            v,
            Some(("result", "finished_result")),
        ),
        case(
            Method::POST,
            e,
            Some(json!({"job_id": id, "result": "success", "source": "ping"})),
            400,
            v,
            Some(("source", "not_ping")),
        ),
        case(
            Method::POST,
            e,
            Some(
                json!({"job_id": id, "result": "success", "started_at": "2026-11-30T08:00:00Z", "finished_at": "2026-11-30T07:00:00Z"}),
            ),
            400,
            v,
            Some(("started_at", "before_finished_at")),
        ),
        case(
            Method::POST,
            e,
            Some(json!({"job_id": id, "result": "success", "finished_at": "2027-01-01T00:00:00Z"})),
            400,
            v,
            Some(("finished_at", "not_future")),
        ),
        case(
            Method::POST,
            e,
            Some(json!({"job_id": id, "result": "success", "file_count": -1})),
            400,
            v,
            Some(("file_count", "min")),
        ),
        case(
            Method::POST,
            e,
            Some(json!({"job_id": id, "result": "success", "external_id": "  "})),
            400,
            v,
            Some(("external_id", "not_blank")),
        ),
        case(
            Method::POST,
            e,
            Some(json!({"job_id": id, "result": "success", "error_message": "x".repeat(10_001)})),
            400,
            v,
            Some(("error_message", "max_length")),
        ),
        case(Method::POST, e, Some(json!({"job_id": 987654, "result": "success"})), 400, v, Some(("job_id", "exists"))),
        case(
            Method::POST,
            e,
            Some(json!({"job_external_ref": "nope", "result": "success"})),
            400,
            v,
            Some(("job_external_ref", "exists")),
        ),
        case(
            Method::POST,
            e,
            Some(json!({"job_id": id, "copy_id": other_copy, "result": "success"})),
            400,
            v,
            Some(("copy_id", "belongs_to_job")),
        ),
        case(
            Method::POST,
            e,
            Some(json!({"job_id": id, "result": "success", "size_bytes": 1.5})),
            400,
            v,
            Some(("size_bytes", "invalid_type")),
        ),
        case(Method::POST, "/api/v1/executions/batch", Some(json!({"items": []})), 400, v, Some(("items", "size"))),
        case(
            Method::POST,
            "/api/v1/executions/batch",
            Some(json!({"item": []})),
            400,
            v,
            Some(("item", "unknown_field")),
        ),
        case(Method::GET, "/api/v1/executions?result=great", None, 400, v, Some(("result", "invalid_value"))),
        case(Method::GET, "/api/v1/executions?job_id=abc", None, 400, v, Some(("job_id", "invalid_format"))),
        case(Method::GET, "/api/v1/executions/0", None, 400, v, Some(("id", "positive_integer"))),
        case(Method::GET, "/api/v1/executions/987654", None, 404, "not_found", None),
        case(Method::GET, "/api/v1/dashboard/series?days=1", None, 400, v, Some(("days", "one_of"))),
        case(Method::GET, "/api/v1/dashboard/summary?days=7", None, 400, v, Some(("days", "unknown_field"))),
        // restore tests and media
        case(Method::GET, "/api/v1/restore-tests?result=maybe", None, 400, v, Some(("result", "invalid_value"))),
        case(Method::GET, "/api/v1/restore-tests?per_page=0", None, 400, v, Some(("per_page", "range"))),
        case(Method::GET, "/api/v1/restore-tests/calendar?days=400", None, 400, v, Some(("days", "range"))),
        case(Method::GET, "/api/v1/restore-tests/abc", None, 400, v, Some(("id", "positive_integer"))),
        case(Method::GET, "/api/v1/restore-tests/1/attachments/0", None, 400, v, Some(("item_id", "positive_integer"))),
        case(Method::GET, "/api/v1/restore-tests/987654", None, 404, "not_found", None),
        case(
            Method::POST,
            "/api/v1/restore-tests/987654/attachments?filename=a.log",
            Some(json!({})),
            404,
            "not_found",
            None,
        ),
        case(
            Method::POST,
            "/api/v1/restore-tests/1/attachments",
            Some(json!({})),
            400,
            v,
            Some(("filename", "required")),
        ),
        case(Method::GET, "/api/v1/jobs/987654/restore-status", None, 404, "not_found", None),
        case(Method::GET, "/api/v1/media?state=lost", None, 400, v, Some(("state", "invalid_value"))),
        case(Method::GET, "/api/v1/media/987654", None, 404, "not_found", None),
        case(Method::POST, "/api/v1/media/987654/move", Some(json!({"action": "store"})), 404, "not_found", None),
        case(
            Method::POST,
            "/api/v1/media",
            Some(json!({"label": "x", "media_kind": "lto", "colour": "red"})),
            400,
            v,
            Some(("colour", "unknown_field")),
        ),
        case(
            Method::POST,
            "/api/v1/media/987654/lend",
            Some(json!({"borrower": ""})),
            400,
            v,
            Some(("expected_return", "required")),
        ),
        case(Method::GET, "/api/v1/media/rotations/987654/calendar", None, 404, "not_found", None),
        case(
            Method::GET,
            "/api/v1/media/rotations/1/calendar?from=2026-02-30",
            None,
            400,
            v,
            Some(("from", "invalid_format")),
        ),
        case(
            Method::POST,
            "/api/v1/media/rotations",
            Some(
                json!({"name": "r", "scheme": {"kind": "gfs", "daily": 0, "weekly": 0, "monthly": 0, "weekly_day": "fri", "skip_weekends": false}, "start_date": "2026-12-01"}),
            ),
            400,
            v,
            Some(("daily", "min_total")),
        ),
        case(
            Method::POST,
            "/api/v1/media/rotations",
            Some(json!({"name": "r", "scheme": {"kind": "zigzag"}, "start_date": "2026-12-01"})),
            400,
            v,
            None,
        ),
    ];
    assert_cases(&app, &admin, &cases).await;
}
