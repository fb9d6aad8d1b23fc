//! The OpenAPI 3.1 document: the base (info, tags, security schemes) here; the paths and
//! schemas are collected from the registered handlers by utoipa-actix-web.

use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "bms — Backup Management System API",
        description = "Tracks backup jobs of every tool, their results, schedules and 3-2-1-1-0 compliance.\n\n\
Authenticate people with `POST /api/v1/auth/login` and send the access token as `Authorization: Bearer <token>`. \
Scripts use API keys (`bms_...`) as `Authorization: Bearer <key>` or `X-API-Key: <key>`. \
Every error is `{\"error\": {\"code\", \"message\", \"details\"}}`.",
        license(name = "MIT OR Apache-2.0")
    ),
    tags(
        (name = "health", description = "Liveness and readiness probes"),
        (name = "auth", description = "Login, token refresh, logout, password change"),
        (name = "users", description = "User administration (admin)"),
        (name = "api_keys", description = "API keys for scripts and tools"),
        (name = "audit", description = "Tamper-evident audit log (admin, auditor)"),
        (name = "jobs", description = "Backup jobs, their copies, state and 3-2-1-1-0 compliance"),
        (name = "executions", description = "Backup results: durable ingest (single and batch) and history"),
        (name = "ping", description = "Healthchecks-compatible ping URLs for scripts"),
        (name = "dashboard", description = "Summary and chart series"),
        (name = "system", description = "The scheduler's periodic tasks and its lease"),
    )
)]
struct BaseDocument;

/// The document before paths are collected.
pub fn base_document() -> utoipa::openapi::OpenApi {
    BaseDocument::openapi()
}

/// Adds security schemes and the version once paths and schemas are in.
pub fn finish(mut document: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    document.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let components = document.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT access token, or an API key `bms_...`")
                .build(),
        ),
    );
    components.add_security_scheme("api_key", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))));
    document
}
