//! The HTTP application: shared state, route registration (which also builds the OpenAPI
//! document, so registered routes and documented routes cannot drift apart), middleware,
//! and the `Application` that binds a listener (port 0 in tests).

pub mod extract;
pub mod middleware;
pub mod openapi;
pub mod spa;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use bms_types::pagination::{DEFAULT_PER_PAGE, MAX_PER_PAGE};
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::extract::ApiKeyCache;
use crate::auth::tokens::JwtKeys;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::DbPool;
use crate::error::{ApiError, violation};
use crate::executions::writer::IngestWriter;
use crate::jobs::status::{EvaluationSettings, Evaluator};
use crate::{api_keys, audit, auth, dashboard, executions, health, jobs, users};

/// What every handler can reach.
pub struct AppState {
    /// Database pool.
    pub pool: DbPool,
    /// Configuration.
    pub config: Arc<Config>,
    /// The source of "now".
    pub clock: SharedClock,
    /// Token keys derived from the secret.
    pub jwt: JwtKeys,
    /// The group-commit writer for results.
    pub writer: IngestWriter,
    /// Re-evaluates jobs after changes.
    pub evaluator: Evaluator,
    /// Thresholds and calendar for evaluation.
    pub evaluation: EvaluationSettings,
    /// Recently verified API keys.
    pub api_key_cache: ApiKeyCache,
    /// The last dashboard summary.
    pub summary_cache: crate::dashboard::SummaryCache,
    /// Request and ingest counters for `/metrics`.
    pub metrics: crate::metrics::ProcessMetrics,
}

impl AppState {
    /// What a session operation needs, for a request from `client_ip` with `user_agent`.
    pub fn session_context(
        &self,
        client_ip: Option<String>,
        user_agent: Option<String>,
    ) -> crate::auth::sessions::SessionContext<'_> {
        crate::auth::sessions::SessionContext {
            keys: &self.jwt,
            settings: &self.config.auth,
            now: self.clock.now(),
            client_ip,
            user_agent,
        }
    }
}

/// Validated pagination parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageWindow {
    /// 1-based page.
    pub page: u32,
    /// Items per page.
    pub per_page: u32,
}

impl PageWindow {
    /// Applies defaults and checks ranges, naming the parameter on error.
    pub fn new(page: Option<u32>, per_page: Option<u32>) -> Result<Self, ApiError> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        let mut violations = Vec::new();
        if page == 0 {
            violations.push(violation("page", "min", "must be at least 1"));
        }
        if per_page == 0 || per_page > MAX_PER_PAGE {
            violations.push(violation("per_page", "range", format!("must be from 1 to {MAX_PER_PAGE}")));
        }
        if violations.is_empty() { Ok(Self { page, per_page }) } else { Err(ApiError::validation(violations)) }
    }

    /// SQL LIMIT.
    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }

    /// SQL OFFSET.
    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }
}

/// Registers every documented route. Used both by the server and by `openapi_document`.
pub fn register_routes(config: &mut ServiceConfig) {
    config
        .service(health::health)
        .service(health::ready)
        .service(executions::ping::ping_get)
        .service(executions::ping::ping_post)
        .service(executions::ping::ping_head)
        .service(executions::ping::ping_signal_get)
        .service(executions::ping::ping_signal_post)
        .service(executions::ping::ping_signal_head)
        .service(
            utoipa_actix_web::scope("/api/v1")
                .service(auth::handlers::login)
                .service(auth::handlers::refresh)
                .service(auth::handlers::logout)
                .service(auth::handlers::me)
                .service(auth::handlers::change_password)
                .service(users::handlers::list_users)
                .service(users::handlers::create_user)
                .service(users::handlers::get_user)
                .service(users::handlers::update_user)
                .service(users::handlers::delete_user)
                .service(users::handlers::deactivate_user)
                .service(users::handlers::activate_user)
                .service(users::handlers::unlock_user)
                .service(users::handlers::reset_user_password)
                // `current` before `{id}`: actix matches in registration order.
                .service(api_keys::handlers::current_api_key)
                .service(api_keys::handlers::list_api_keys)
                .service(api_keys::handlers::create_api_key)
                .service(api_keys::handlers::get_api_key)
                .service(api_keys::handlers::revoke_api_key)
                .service(audit::handlers::list_audit_log)
                .service(audit::handlers::verify_audit_log)
                // `schedule-preview` before `{id}`.
                .service(jobs::handlers::schedule_preview)
                .service(jobs::handlers::list_jobs)
                .service(jobs::handlers::create_job)
                .service(jobs::handlers::get_job)
                .service(jobs::handlers::update_job)
                .service(jobs::handlers::delete_job)
                .service(jobs::handlers::list_copies)
                .service(jobs::handlers::create_copy)
                .service(jobs::handlers::update_copy)
                .service(jobs::handlers::delete_copy)
                .service(jobs::handlers::job_compliance)
                .service(jobs::handlers::job_executions)
                .service(jobs::handlers::job_state_changes)
                // `batch` before `{id}`.
                .service(executions::handlers::create_executions_batch)
                .service(executions::handlers::create_execution)
                .service(executions::handlers::list_executions)
                .service(executions::handlers::get_execution)
                .service(dashboard::handlers::summary)
                .service(dashboard::handlers::series),
        );
}

/// The OpenAPI document of every registered route.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, document) =
        App::new().into_utoipa_app().openapi(openapi::base_document()).configure(register_routes).split_for_parts();
    openapi::finish(document)
}

/// A bound, not yet running server.
pub struct Application {
    server: Server,
    port: u16,
}

impl Application {
    /// Binds `HOST:PORT` (port 0 picks a free one) and prepares the server.
    pub fn build(config: Arc<Config>, pool: DbPool, clock: SharedClock) -> std::io::Result<Self> {
        let listener = TcpListener::bind((config.host.as_str(), config.port))?;
        let port = listener.local_addr()?.port();
        let secret = config.secret().map(|secret| secret.expose().to_owned()).ok_or_else(|| {
            std::io::Error::other("no secret key: call config::ensure_secret_key before building the application")
        })?;
        crate::metrics::started();
        let evaluation = EvaluationSettings { tracking: config.tracking.clone(), timezone: config.default_timezone };
        let (evaluator, inbox) = Evaluator::channel();
        let writer = IngestWriter::spawn(pool.clone(), evaluation.clone(), evaluator.clone());
        inbox.start(pool.clone(), Arc::clone(&clock), evaluation.clone(), writer.clone());
        let state = web::Data::new(AppState {
            pool,
            config: Arc::clone(&config),
            clock,
            jwt: JwtKeys::from_secret(&secret).map_err(std::io::Error::other)?,
            writer,
            evaluator,
            evaluation,
            api_key_cache: ApiKeyCache::default(),
            summary_cache: crate::dashboard::SummaryCache::default(),
            metrics: crate::metrics::ProcessMetrics::default(),
        });
        let document = openapi_document();
        let known_routes = web::Data::new(middleware::KnownRoutes::from_document(&document));
        let server = HttpServer::new(move || {
            let docs_enabled = state.config.api_docs_enabled;
            let cors = middleware::cors(&state.config.cors_allowed_origins);
            let (app, _) = App::new()
                .into_utoipa_app()
                .openapi(openapi::base_document())
                .configure(register_routes)
                .split_for_parts();
            let mut app = app
                .app_data(state.clone())
                .app_data(known_routes.clone())
                .app_data(web::PayloadConfig::new(state.config.max_body_bytes));
            // Operational, not part of the documented API (see README).
            app = app.route("/metrics", web::get().to(crate::metrics::metrics));
            if docs_enabled {
                app = app.service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", document.clone()));
            }
            app.default_service(web::to(spa::serve))
                .wrap(cors)
                .wrap(actix_web::middleware::from_fn(middleware::security_headers))
                .wrap(actix_web::middleware::from_fn(middleware::error_envelope))
                .wrap(actix_web::middleware::from_fn(middleware::catch_panic))
                .wrap(actix_web::middleware::from_fn(crate::metrics::record))
                .wrap(actix_web::middleware::Logger::new("%a \"%r\" %s %b %Dms"))
        })
        .workers(config.workers)
        .listen(listener)?
        .shutdown_timeout(30)
        // Signals are handled by `shutdown::install` (systemd notifications, SIGHUP).
        .disable_signals()
        .run();
        Ok(Self { server, port })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs until the server stops (SIGTERM/Ctrl-C finish in-flight requests first).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    /// A handle to stop the server from elsewhere.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }
}

#[cfg(test)]
mod tests {
    use super::PageWindow;

    #[test]
    fn page_window_defaults_and_bounds() {
        assert_eq!(PageWindow::new(None, None).expect("defaults"), PageWindow { page: 1, per_page: 50 });
        assert_eq!(PageWindow::new(Some(3), Some(20)).expect("valid").offset(), 40);
        assert!(PageWindow::new(Some(0), None).is_err());
        assert!(PageWindow::new(None, Some(201)).is_err());
    }
}
