//! Probes, the error envelope, security headers, CORS, API docs and the OpenAPI document.

use bms_types::health::{HealthResponse, ReadyResponse};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn health_answers_without_the_database_and_ready_checks_migrations() {
    let app = spawn_app().await;
    let health = app.get("/health", None).await;
    assert_eq!(
        health.json_as::<HealthResponse>(),
        HealthResponse { status: "ok".to_owned(), version: env!("CARGO_PKG_VERSION").to_owned() }
    );
    let ready = app.get("/ready", None).await;
    assert_eq!(
        ready.json_as::<ReadyResponse>(),
        ReadyResponse { status: "ready".to_owned(), database: true, pending_migrations: 0 }
    );

    {
        let mut conn = app.pool.get().expect("conn");
        bms_server::db::revert_migrations(&mut conn, 1).expect("revert");
    }
    let not_ready = app.get("/ready", None).await;
    assert_eq!(not_ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(not_ready.json_as::<ReadyResponse>().pending_migrations, 1);
    assert_eq!(app.get("/health", None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_routes_wrong_methods_bad_json_and_big_bodies_get_the_envelope() {
    let app = spawn_app().await;
    let missing = app.get("/api/v1/does-not-exist", None).await;
    assert_eq!((missing.status, missing.code()), (StatusCode::NOT_FOUND, "not_found"));

    let wrong_method = app.request(Method::PUT, "/api/v1/users", None, None).await;
    assert_eq!((wrong_method.status, wrong_method.code()), (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"));
    assert_eq!(wrong_method.headers.get("allow").and_then(|v| v.to_str().ok()), Some("GET, POST"));
    let wrong_method = app.request(Method::DELETE, "/api/v1/users/5/unlock", None, None).await;
    assert_eq!(wrong_method.headers.get("allow").and_then(|v| v.to_str().ok()), Some("POST"));

    let malformed = app.post_raw("/api/v1/auth/login", None, b"{\"username\": ".to_vec()).await;
    assert_eq!((malformed.status, malformed.code()), (StatusCode::BAD_REQUEST, "malformed_json"));

    let huge = app.post_raw("/api/v1/auth/login", None, vec![b' '; 2 * 1024 * 1024]).await;
    assert_eq!((huge.status, huge.code()), (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"));

    let small_limit = spawn_app_with(&[("MAX_BODY_BYTES", "2048")]).await;
    let body = json!({"username": "x".repeat(3000), "password": "y"});
    let over = small_limit.post("/api/v1/auth/login", None, &body).await;
    assert_eq!(over.code(), "payload_too_large");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in ["/health", "/api/v1/users", "/nope", "/api/docs/"] {
        let response = app.client.get(format!("{}{path}", app.address)).send().await.expect("sent");
        let headers = response.headers();
        assert_eq!(headers.get("x-content-type-options").map(|v| v.as_bytes()), Some(&b"nosniff"[..]), "{path}");
        assert_eq!(headers.get("x-frame-options").map(|v| v.as_bytes()), Some(&b"DENY"[..]), "{path}");
        assert_eq!(headers.get("referrer-policy").map(|v| v.as_bytes()), Some(&b"no-referrer"[..]), "{path}");
        let csp = headers.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        if path == "/api/docs/" {
            let script_src = csp.split(';').map(str::trim).find(|d| d.starts_with("script-src")).unwrap_or_default();
            assert!(script_src.starts_with("script-src 'self'") && !script_src.contains("unsafe-inline"), "{csp}");
        } else {
            assert!(csp.starts_with("default-src 'none'"), "{path}: {csp}");
        }
    }
    let api = app.get("/api/v1/users", None).await;
    assert_eq!(api.headers.get("cache-control").map(|v| v.as_bytes()), Some(&b"no-store"[..]));
}

#[tokio::test]
async fn cors_admits_same_origin_and_listed_origins_only() {
    let app = spawn_app_with(&[("CORS_ALLOWED_ORIGINS", "https://ops.example.com")]).await;
    let preflight = |origin: String| {
        app.client
            .request(Method::OPTIONS, format!("{}/api/v1/auth/login", app.address))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type")
            .send()
    };
    let listed = preflight("https://ops.example.com".into()).await.expect("sent");
    assert_eq!(
        listed.headers().get("access-control-allow-origin").map(|v| v.as_bytes()),
        Some(&b"https://ops.example.com"[..])
    );
    let other = preflight("https://evil.example".into()).await.expect("sent");
    assert!(other.headers().get("access-control-allow-origin").is_none());

    let same_origin = app
        .client
        .post(format!("{}/api/v1/auth/login", app.address))
        .header("Origin", app.address.clone())
        .json(&json!({"username": "admin", "password": app.first_admin_password}))
        .send()
        .await
        .expect("sent");
    assert_eq!(same_origin.status(), StatusCode::OK);
}

#[tokio::test]
async fn api_docs_are_served_in_development_and_hidden_in_production() {
    let dev = spawn_app().await;
    let page = dev.client.get(format!("{}/api/docs/", dev.address)).send().await.expect("sent");
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.expect("html").contains("swagger-ui"));
    let document = dev.get("/api/openapi.json", None).await;
    assert_eq!(document.body["openapi"], "3.1.0");

    let prod = spawn_app_with(&[("BMS_ENV", "production")]).await;
    assert_eq!(prod.get("/api/docs/", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(prod.get("/api/openapi.json", None).await.status, StatusCode::NOT_FOUND);
    let forced = spawn_app_with(&[("BMS_ENV", "production"), ("API_DOCS_ENABLED", "true")]).await;
    assert_eq!(forced.get("/api/openapi.json", None).await.status, StatusCode::OK);
}

/// The committed `openapi/openapi.json` must equal what the code generates. Regenerate
/// with `BMS_UPDATE_OPENAPI=1 cargo test -p bms-server --test api openapi`.
#[test]
fn the_committed_openapi_document_matches_the_code() {
    let generated = serde_json::to_string_pretty(&bms_server::http::openapi_document()).expect("json") + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi/openapi.json");
    if std::env::var_os("BMS_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).expect("write openapi.json");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(committed == generated, "openapi/openapi.json is out of date; regenerate it with BMS_UPDATE_OPENAPI=1");
}

/// Every operation declares its responses and every schema property is documented.
#[test]
fn every_operation_and_schema_field_is_documented() {
    let document = serde_json::to_value(bms_server::http::openapi_document()).expect("json");
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("item") {
            assert!(operation["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path}");
            assert!(operation["tags"].as_array().is_some_and(|t| !t.is_empty()), "{method} {path} has no tag");
        }
    }
    let mut undocumented = Vec::new();
    for (name, schema) in document["components"]["schemas"].as_object().expect("schemas") {
        if let Some(properties) = schema["properties"].as_object() {
            for (field, property) in properties {
                let described = property.get("description").is_some()
                    || property["allOf"]
                        .as_array()
                        .is_some_and(|all| all.iter().any(|s| s.get("description").is_some()))
                    || property["oneOf"]
                        .as_array()
                        .is_some_and(|all| all.iter().any(|s| s.get("description").is_some()));
                if !described {
                    undocumented.push(format!("{name}.{field}"));
                }
            }
        }
    }
    assert!(undocumented.is_empty(), "undocumented fields: {undocumented:?}");
}
