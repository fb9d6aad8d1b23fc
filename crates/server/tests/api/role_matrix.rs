//! The role matrix: every route the server registers, called as anonymous, each role and
//! each API-key scope, with the exact expected status. A route without a row fails.
//! The same table is written out for people in docs/ROLES.md.

use std::collections::BTreeSet;

use bms_types::auth::TokenResponse;
use bms_types::executions::ExecutionDto;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{STRONG_PASSWORD, TestApp, spawn_app};

const CALLERS: [&str; 7] = ["anonymous", "admin", "operator", "viewer", "auditor", "read_key", "ingest_key"];

/// (method, path template, expected status per caller in `CALLERS` order).
fn matrix() -> Vec<(&'static str, &'static str, [u16; 7])> {
    const DENIED_TO_ALL_BUT_ADMIN_200: [u16; 7] = [401, 200, 403, 403, 403, 403, 403];
    const READERS: [u16; 7] = [401, 200, 200, 200, 200, 200, 403];
    const WRITERS: [u16; 7] = [401, 200, 200, 403, 403, 403, 403];
    vec![
        ("GET", "/health", [200; 7]),
        ("GET", "/ready", [200; 7]),
        ("POST", "/api/v1/auth/login", [200; 7]),
        ("POST", "/api/v1/auth/refresh", [200; 7]),
        ("POST", "/api/v1/auth/logout", [401, 204, 204, 204, 204, 403, 403]),
        ("GET", "/api/v1/auth/me", [401, 200, 200, 200, 200, 403, 403]),
        ("POST", "/api/v1/auth/change-password", [401, 200, 200, 200, 200, 403, 403]),
        ("GET", "/api/v1/users", DENIED_TO_ALL_BUT_ADMIN_200),
        ("POST", "/api/v1/users", [401, 201, 403, 403, 403, 403, 403]),
        ("GET", "/api/v1/users/{id}", DENIED_TO_ALL_BUT_ADMIN_200),
        ("PATCH", "/api/v1/users/{id}", DENIED_TO_ALL_BUT_ADMIN_200),
        ("DELETE", "/api/v1/users/{id}", [401, 204, 403, 403, 403, 403, 403]),
        ("POST", "/api/v1/users/{id}/deactivate", DENIED_TO_ALL_BUT_ADMIN_200),
        ("POST", "/api/v1/users/{id}/activate", DENIED_TO_ALL_BUT_ADMIN_200),
        ("POST", "/api/v1/users/{id}/unlock", DENIED_TO_ALL_BUT_ADMIN_200),
        ("POST", "/api/v1/users/{id}/reset-password", DENIED_TO_ALL_BUT_ADMIN_200),
        ("GET", "/api/v1/api-keys/current", [401, 403, 403, 403, 403, 200, 200]),
        ("GET", "/api/v1/api-keys", [401, 200, 200, 403, 403, 403, 403]),
        ("POST", "/api/v1/api-keys", [401, 201, 201, 403, 403, 403, 403]),
        // The key under test belongs to the admin: operators see only their own keys.
        ("GET", "/api/v1/api-keys/{id}", [401, 200, 404, 403, 403, 403, 403]),
        ("DELETE", "/api/v1/api-keys/{id}", [401, 204, 404, 403, 403, 403, 403]),
        ("GET", "/api/v1/audit-log", [401, 200, 403, 403, 200, 403, 403]),
        ("GET", "/api/v1/audit-log/verify", [401, 200, 403, 403, 200, 403, 403]),
        ("GET", "/api/v1/jobs", READERS),
        ("POST", "/api/v1/jobs", [401, 201, 201, 403, 403, 403, 403]),
        ("GET", "/api/v1/jobs/schedule-preview", READERS),
        ("GET", "/api/v1/jobs/{id}", READERS),
        ("PATCH", "/api/v1/jobs/{id}", WRITERS),
        ("DELETE", "/api/v1/jobs/{id}", [401, 204, 403, 403, 403, 403, 403]),
        ("GET", "/api/v1/jobs/{id}/copies", READERS),
        ("POST", "/api/v1/jobs/{id}/copies", [401, 201, 201, 403, 403, 403, 403]),
        ("PATCH", "/api/v1/jobs/{id}/copies/{copy_id}", WRITERS),
        ("DELETE", "/api/v1/jobs/{id}/copies/{copy_id}", [401, 204, 403, 403, 403, 403, 403]),
        ("GET", "/api/v1/jobs/{id}/compliance", READERS),
        ("GET", "/api/v1/jobs/{id}/executions", READERS),
        ("GET", "/api/v1/jobs/{id}/state-changes", READERS),
        ("POST", "/api/v1/executions", [401, 201, 201, 403, 403, 403, 201]),
        ("POST", "/api/v1/executions/batch", [401, 201, 201, 403, 403, 403, 201]),
        ("GET", "/api/v1/executions", READERS),
        ("GET", "/api/v1/executions/{id}", READERS),
        ("GET", "/api/v1/dashboard/summary", READERS),
        ("GET", "/api/v1/system/tasks", READERS),
        ("GET", "/api/v1/dashboard/series", READERS),
        ("GET", "/api/v1/alerts", READERS),
        ("GET", "/api/v1/alerts/summary", READERS),
        ("GET", "/api/v1/alerts/{id}", READERS),
        ("POST", "/api/v1/alerts/{id}/acknowledge", WRITERS),
        ("POST", "/api/v1/alerts/{id}/resolve", WRITERS),
        ("POST", "/api/v1/alerts/acknowledge", WRITERS),
        ("GET", "/api/v1/alerts/rules", READERS),
        ("PUT", "/api/v1/alerts/rules/{kind}", DENIED_TO_ALL_BUT_ADMIN_200),
        ("POST", "/api/v1/alerts/rules/{kind}/overrides", [401, 201, 403, 403, 403, 403, 403]),
        ("DELETE", "/api/v1/alerts/rules/overrides/{id}", [401, 204, 403, 403, 403, 403, 403]),
        // Maintenance windows: operators and `maintenance` keys open them (tests/api/alerts.rs).
        ("GET", "/api/v1/maintenance-windows", READERS),
        ("POST", "/api/v1/maintenance-windows", [401, 201, 201, 403, 403, 403, 403]),
        ("DELETE", "/api/v1/maintenance-windows/{id}", [401, 204, 204, 403, 403, 403, 403]),
        ("GET", "/api/v1/notifications/channels", READERS),
        ("POST", "/api/v1/notifications/channels", [401, 201, 403, 403, 403, 403, 403]),
        ("PUT", "/api/v1/notifications/channels/{id}", DENIED_TO_ALL_BUT_ADMIN_200),
        ("DELETE", "/api/v1/notifications/channels/{id}", [401, 204, 403, 403, 403, 403, 403]),
        ("POST", "/api/v1/notifications/channels/{id}/test", [401, 202, 403, 403, 403, 403, 403]),
        ("GET", "/api/v1/notifications/routes", READERS),
        ("POST", "/api/v1/notifications/routes", [401, 201, 403, 403, 403, 403, 403]),
        ("PUT", "/api/v1/notifications/routes/{id}", DENIED_TO_ALL_BUT_ADMIN_200),
        ("DELETE", "/api/v1/notifications/routes/{id}", [401, 204, 403, 403, 403, 403, 403]),
        ("GET", "/api/v1/notifications/deliveries", READERS),
        ("GET", "/api/v1/me/notifications", [401, 200, 200, 200, 200, 403, 403]),
        ("PUT", "/api/v1/me/notifications", [401, 200, 200, 200, 200, 403, 403]),
        ("GET", "/api/v1/jobs/{id}/restore-requirement", READERS),
        ("PUT", "/api/v1/jobs/{id}/restore-requirement", WRITERS),
        ("GET", "/api/v1/jobs/{id}/restore-status", READERS),
        ("GET", "/api/v1/restore-tests/calendar", READERS),
        ("GET", "/api/v1/restore-tests", READERS),
        ("POST", "/api/v1/restore-tests", [401, 201, 201, 403, 403, 403, 201]),
        ("GET", "/api/v1/restore-tests/{id}", READERS),
        ("POST", "/api/v1/restore-tests/{id}/attachments", [401, 201, 201, 403, 403, 403, 201]),
        // Evidence files: auditors read them, viewers and read keys do not.
        ("GET", "/api/v1/restore-tests/{id}/attachments/{item_id}", [401, 200, 200, 403, 200, 403, 403]),
        ("GET", "/api/v1/media/rotations", READERS),
        ("POST", "/api/v1/media/rotations", [401, 201, 403, 403, 403, 403, 403]),
        ("PUT", "/api/v1/media/rotations/{id}", DENIED_TO_ALL_BUT_ADMIN_200),
        ("DELETE", "/api/v1/media/rotations/{id}", [401, 204, 403, 403, 403, 403, 403]),
        ("GET", "/api/v1/media/rotations/{id}/calendar", READERS),
        ("POST", "/api/v1/media/rotations/{id}/assign", DENIED_TO_ALL_BUT_ADMIN_200),
        ("GET", "/api/v1/media/labels", READERS),
        ("POST", "/api/v1/media/import", WRITERS),
        ("GET", "/api/v1/media", READERS),
        ("POST", "/api/v1/media", [401, 201, 201, 403, 403, 403, 403]),
        ("GET", "/api/v1/media/{id}", READERS),
        ("PATCH", "/api/v1/media/{id}", WRITERS),
        ("POST", "/api/v1/media/{id}/move", WRITERS),
        ("POST", "/api/v1/media/{id}/lend", WRITERS),
        ("POST", "/api/v1/media/{id}/return", WRITERS),
        ("POST", "/api/v1/media/{id}/retire", DENIED_TO_ALL_BUT_ADMIN_200),
        ("POST", "/api/v1/media/{id}/destroy", DENIED_TO_ALL_BUT_ADMIN_200),
        ("GET", "/api/v1/media/{id}/custody", READERS),
        ("GET", "/api/v1/media/{id}/custody.csv", READERS),
        ("GET", "/api/v1/media/{id}/qr.svg", READERS),
        // Ping URLs authenticate by their unguessable token, whoever calls.
        ("POST", "/ping/{token}/restore", [200; 7]),
        ("POST", "/ping/{token}/restore/{outcome}", [200; 7]),
        ("GET", "/ping/{token}", [200; 7]),
        ("POST", "/ping/{token}", [200; 7]),
        ("HEAD", "/ping/{token}", [200; 7]),
        ("GET", "/ping/{token}/{signal}", [200; 7]),
        ("POST", "/ping/{token}/{signal}", [200; 7]),
        ("HEAD", "/ping/{token}/{signal}", [200; 7]),
    ]
}

/// Routes outside the OpenAPI document (the document itself and Swagger UI).
const UNDOCUMENTED_ROUTES: [(&str, &str, [u16; 7]); 2] =
    [("GET", "/api/openapi.json", [200; 7]), ("GET", "/api/docs/", [200; 7])];

struct Context {
    admin: String,
    counter: std::cell::Cell<u32>,
}

impl Context {
    fn unique(&self, prefix: &str) -> String {
        self.counter.set(self.counter.get() + 1);
        format!("{prefix}{}", self.counter.get())
    }
}

/// A credential for the caller; user callers get a fresh account so that routes which end
/// sessions or change passwords cannot disturb other rows.
async fn credential(app: &TestApp, ctx: &Context, caller: &str) -> Option<String> {
    match caller {
        "anonymous" => None,
        "read_key" => Some(app.create_api_key(&ctx.admin, &ctx.unique("rk"), &["read"]).await.1),
        "ingest_key" => Some(app.create_api_key(&ctx.admin, &ctx.unique("ik"), &["ingest"]).await.1),
        role => Some(app.user_token(&ctx.admin, &ctx.unique(&format!("{role}-")), role).await),
    }
}

/// The concrete path and body that make the call succeed for an admitted caller.
async fn prepare(app: &TestApp, ctx: &Context, method: &str, template: &str) -> (String, Option<Value>) {
    let path = if template.starts_with("/api/v1/users/{id}") {
        let victim = app.create_user(&ctx.admin, &ctx.unique("victim"), "viewer").await;
        template.replace("{id}", &victim.to_string())
    } else if template == "/api/v1/api-keys/{id}" {
        let (key, _) = app.create_api_key(&ctx.admin, &ctx.unique("key"), &["read"]).await;
        template.replace("{id}", &key.to_string())
    } else if template.starts_with("/api/v1/jobs/{id}") || template.starts_with("/ping/") {
        let job = app
            .create_job(&ctx.admin, json!({"name": ctx.unique("job"), "job_type": "file", "backup_tool": "restic"}))
            .await;
        let copy = app.add_copy(&ctx.admin, job.id, json!({"copy_type": "primary", "media_type": "disk"})).await;
        template
            .replace("{id}", &job.id.to_string())
            .replace("{copy_id}", &copy.to_string())
            .replace("{token}", &job.ping_token)
            .replace("{signal}", "start")
            .replace("{outcome}", "fail")
    } else if template == "/api/v1/executions/{id}" {
        let job = app
            .create_job(&ctx.admin, json!({"name": ctx.unique("job"), "job_type": "file", "backup_tool": "restic"}))
            .await;
        let reply =
            app.post("/api/v1/executions", Some(&ctx.admin), &json!({"job_id": job.id, "result": "success"})).await;
        template.replace("{id}", &reply.json_as::<ExecutionDto>().id.to_string())
    } else if template.starts_with("/api/v1/alerts/{id}") {
        let (_, alert) = app.firing_alert(&ctx.admin, &ctx.unique("failing")).await;
        template.replace("{id}", &alert.to_string())
    } else if template == "/api/v1/alerts/rules/{kind}" || template == "/api/v1/alerts/rules/{kind}/overrides" {
        template.replace("{kind}", "late")
    } else if template == "/api/v1/alerts/rules/overrides/{id}" {
        let body = json!({"tag": ctx.unique("tag"), "severity": "critical"});
        let reply = app.post("/api/v1/alerts/rules/missed/overrides", Some(&ctx.admin), &body).await;
        let id = reply.body["overrides"].as_array().and_then(|all| all.last()).and_then(|o| o["id"].as_i64());
        template.replace("{id}", &id.expect("override made").to_string())
    } else if template == "/api/v1/maintenance-windows/{id}" {
        let body = json!({"scope": "all", "duration_minutes": 60, "reason": "matrix"});
        let reply = app.post("/api/v1/maintenance-windows", Some(&ctx.admin), &body).await;
        template.replace("{id}", &reply.body["id"].as_i64().expect("window made").to_string())
    } else if template.starts_with("/api/v1/notifications/channels/{id}") {
        let reply = app.post("/api/v1/notifications/channels", Some(&ctx.admin), &matrix_channel(ctx)).await;
        template.replace("{id}", &reply.body["id"].as_i64().expect("channel made").to_string())
    } else if template == "/api/v1/notifications/routes/{id}" {
        let route = matrix_route(app, ctx).await;
        let reply = app.post("/api/v1/notifications/routes", Some(&ctx.admin), &route).await;
        template.replace("{id}", &reply.body["id"].as_i64().expect("route made").to_string())
    } else if template.starts_with("/api/v1/restore-tests/{id}") {
        let test = matrix_restore_test(app, ctx).await;
        let attachment = if template.ends_with("{item_id}") {
            let url = format!("{}/api/v1/restore-tests/{test}/attachments?filename=log.txt", app.address);
            let reply = app.client.post(url).bearer_auth(&ctx.admin).body("restore ok").send().await.expect("upload");
            reply.json::<Value>().await.expect("attachment")["id"].as_i64().expect("attachment id")
        } else {
            0
        };
        let path = template.replace("{id}", &test.to_string()).replace("{item_id}", &attachment.to_string());
        if template.ends_with("/attachments") { format!("{path}?filename=evidence.log") } else { path }
    } else if template.starts_with("/api/v1/media/rotations/{id}") {
        let body = matrix_rotation(ctx);
        let reply = app.post("/api/v1/media/rotations", Some(&ctx.admin), &body).await;
        template.replace("{id}", &reply.body["id"].as_i64().expect("rotation made").to_string())
    } else if template.starts_with("/api/v1/media/{id}") {
        let medium = matrix_medium(app, ctx).await;
        if template.ends_with("/return") {
            let lend = json!({"borrower": "Matrix", "expected_return": "2099-01-01"});
            let reply = app.post(&format!("/api/v1/media/{medium}/lend"), Some(&ctx.admin), &lend).await;
            assert_eq!(reply.status.as_u16(), 200, "{:?}", reply.body);
        }
        template.replace("{id}", &medium.to_string())
    } else if template == "/api/v1/media/labels" {
        format!("{template}?ids={}", matrix_medium(app, ctx).await)
    } else if template == "/api/v1/media/import" {
        format!("{template}?dry_run=true")
    } else if template == "/api/v1/jobs/schedule-preview" {
        format!("{template}?cron_expression=0%202%20*%20*%20*")
    } else {
        template.to_owned()
    };
    let body = match (method, template) {
        ("POST", "/api/v1/auth/login") => {
            let name = ctx.unique("login");
            app.create_user(&ctx.admin, &name, "viewer").await;
            Some(json!({"username": name, "password": STRONG_PASSWORD}))
        }
        ("POST", "/api/v1/auth/refresh") => {
            let name = ctx.unique("refresh");
            app.create_user(&ctx.admin, &name, "viewer").await;
            let login = app.login(&name, STRONG_PASSWORD).await;
            Some(json!({"refresh_token": login.json_as::<TokenResponse>().refresh_token}))
        }
        ("POST", "/api/v1/auth/change-password") => {
            Some(json!({"current_password": STRONG_PASSWORD, "new_password": "A-New-Strong-Pass-17"}))
        }
        ("POST", "/api/v1/users") => {
            let name = ctx.unique("new");
            Some(json!({"username": name, "email": format!("{name}@example.com"), "role": "viewer"}))
        }
        ("PATCH", "/api/v1/users/{id}") => Some(json!({"department": "Matrix"})),
        ("PATCH", "/api/v1/jobs/{id}") => Some(json!({"owner": "Matrix"})),
        ("PATCH", "/api/v1/media/{id}") => Some(json!({"notes": "Matrix"})),
        ("PUT", "/api/v1/jobs/{id}/restore-requirement") => Some(json!({"interval_days": 30})),
        ("POST", "/api/v1/restore-tests") => {
            let job = app
                .create_job(&ctx.admin, json!({"name": ctx.unique("job"), "job_type": "file", "backup_tool": "restic"}))
                .await;
            Some(json!({"job_id": job.id, "test_type": "full_restore", "result": "passed"}))
        }
        ("POST" | "PUT", "/api/v1/media/rotations" | "/api/v1/media/rotations/{id}") => Some(matrix_rotation(ctx)),
        ("POST", "/api/v1/media/rotations/{id}/assign") => {
            Some(json!({"medium_id": matrix_medium(app, ctx).await, "set": "A"}))
        }
        ("POST", "/api/v1/media") => Some(json!({"label": ctx.unique("TAPE-"), "media_kind": "lto"})),
        ("POST", "/api/v1/media/{id}/move") => Some(json!({"action": "relocate", "location": "Vault B"})),
        ("POST", "/api/v1/media/{id}/lend") => Some(json!({"borrower": "Matrix", "expected_return": "2099-01-01"})),
        ("POST", "/api/v1/media/{id}/return") => Some(json!({"condition": "good"})),
        ("POST", "/api/v1/media/{id}/destroy") => Some(json!({"method": "shredder", "certificate_ref": "C-1"})),
        ("PATCH", _) => Some(json!({"location": "Matrix"})),
        ("POST", "/api/v1/jobs") => {
            Some(json!({"name": ctx.unique("created"), "job_type": "vm", "backup_tool": "veeam"}))
        }
        ("POST", "/api/v1/jobs/{id}/copies") => Some(json!({"copy_type": "offsite", "media_type": "cloud"})),
        ("POST", "/api/v1/executions" | "/api/v1/executions/batch") => {
            let job = app
                .create_job(&ctx.admin, json!({"name": ctx.unique("job"), "job_type": "file", "backup_tool": "restic"}))
                .await;
            let item = json!({"job_id": job.id, "result": "success"});
            Some(if template.ends_with("batch") { json!({"items": [item]}) } else { item })
        }
        ("POST", template) if template.starts_with("/ping/") => None,
        ("POST", "/api/v1/api-keys") => Some(json!({"name": ctx.unique("made"), "scopes": ["read"]})),
        ("POST", "/api/v1/alerts/acknowledge") => {
            let (_, alert) = app.firing_alert(&ctx.admin, &ctx.unique("failing")).await;
            Some(json!({"ids": [alert]}))
        }
        ("PUT", "/api/v1/alerts/rules/{kind}") => Some(json!({"enabled": true, "severity": "info"})),
        ("POST", "/api/v1/alerts/rules/{kind}/overrides") => Some(json!({"tag": ctx.unique("tag"), "enabled": false})),
        ("POST", "/api/v1/maintenance-windows") => {
            Some(json!({"scope": "all", "duration_minutes": 30, "reason": "planned outage"}))
        }
        ("POST" | "PUT", "/api/v1/notifications/channels" | "/api/v1/notifications/channels/{id}") => {
            Some(matrix_channel(ctx))
        }
        ("POST" | "PUT", "/api/v1/notifications/routes" | "/api/v1/notifications/routes/{id}") => {
            Some(matrix_route(app, ctx).await)
        }
        ("PUT", "/api/v1/me/notifications") => {
            Some(json!({"language": "en", "email_opt_out": true, "subscribed_route_ids": []}))
        }
        ("POST", _) => Some(json!({})),
        _ => None,
    };
    (path, body)
}

async fn matrix_restore_test(app: &TestApp, ctx: &Context) -> i64 {
    let job = app
        .create_job(&ctx.admin, json!({"name": ctx.unique("job"), "job_type": "file", "backup_tool": "restic"}))
        .await;
    let body = json!({"job_id": job.id, "test_type": "integrity_check", "result": "passed"});
    let reply = app.post("/api/v1/restore-tests", Some(&ctx.admin), &body).await;
    reply.body["id"].as_i64().expect("restore test made")
}

async fn matrix_medium(app: &TestApp, ctx: &Context) -> i64 {
    let body = json!({"label": ctx.unique("TAPE-"), "media_kind": "lto", "lto_generation": 8});
    let reply = app.post("/api/v1/media", Some(&ctx.admin), &body).await;
    reply.body["id"].as_i64().expect("medium made")
}

fn matrix_rotation(ctx: &Context) -> Value {
    json!({"name": ctx.unique("rotation"), "scheme": {"kind": "tower_of_hanoi", "sets": 4}, "start_date": "2026-11-01"})
}

/// A webhook channel whose (refused) port makes its test message fail fast.
fn matrix_channel(ctx: &Context) -> Value {
    json!({"name": ctx.unique("channel"), "kind": "webhook", "url": "http://127.0.0.1:9/hook"})
}

async fn matrix_route(app: &TestApp, ctx: &Context) -> Value {
    let channel = app.post("/api/v1/notifications/channels", Some(&ctx.admin), &matrix_channel(ctx)).await;
    json!({"name": ctx.unique("route"), "channel_ids": [channel.body["id"]], "severities": ["critical"]})
}

#[tokio::test]
async fn every_route_answers_each_caller_with_the_expected_status() {
    let app = spawn_app().await;
    let ctx = Context { admin: app.admin_token().await, counter: std::cell::Cell::new(0) };

    // Every documented route has a row, and every row is a documented route.
    let document = serde_json::to_value(bms_server::http::openapi_document()).expect("json");
    let documented: BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object().expect("item").keys().map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect();
    let rows = matrix();
    let covered: BTreeSet<(String, String)> = rows.iter().map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned())).collect();
    let missing: Vec<_> = documented.difference(&covered).collect();
    let stale: Vec<_> = covered.difference(&documented).collect();
    assert!(missing.is_empty(), "routes without a role-matrix row: {missing:?}");
    assert!(stale.is_empty(), "role-matrix rows for routes that do not exist: {stale:?}");

    let mut mismatches = Vec::new();
    for (method, template, expected) in rows.iter().chain(UNDOCUMENTED_ROUTES.iter()) {
        for (caller, expected_status) in CALLERS.iter().zip(expected) {
            let token = credential(&app, &ctx, caller).await;
            let (path, body) = prepare(&app, &ctx, method, template).await;
            let method = Method::from_bytes(method.as_bytes()).expect("method");
            let reply = if *template == "/api/v1/media/import" {
                // The import reads CSV, not JSON.
                let csv = format!("label,media_kind\n{},lto\n", ctx.unique("IMPORTED-")).into_bytes();
                app.post_raw(&path, token.as_deref(), csv).await
            } else {
                app.request(method.clone(), &path, token.as_deref(), body.as_ref()).await
            };
            if reply.status.as_u16() != *expected_status {
                mismatches.push(format!(
                    "{method} {template} as {caller}: expected {expected_status}, got {} {}",
                    reply.status, reply.body
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "role matrix mismatches:\n{}", mismatches.join("\n"));
}
