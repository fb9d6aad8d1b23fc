//! The HTTP application: shared state, route registration (which also builds the OpenAPI
//! document, so registered routes and documented routes cannot drift apart), middleware,
//! and the `Application` that binds a listener (port 0 in tests).

pub mod middleware;
pub mod openapi;
pub mod spa;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use futures_util::future::LocalBoxFuture;
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_swagger_ui::SwaggerUi;

use crate::access::{Authenticator, Credential, Principal};
use crate::api_keys::ApiKeyCache;
use crate::app::AppState;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::DbPool;
use crate::error::ApiError;
use crate::tokens::{JwtKeys, decode_access_token};
use crate::tracking::evaluator::{EvaluationSettings, Evaluator};
use crate::tracking::writer::IngestWriter;
use crate::{alerts, api_keys, audit, auth, dashboard, executions, health, jobs, notify, sessions, users};

/// Checks credentials against their stores: access tokens against the session store,
/// API keys against theirs (with the cache that revocation clears).
struct StoreAuthenticator {
    state: web::Data<AppState>,
    api_key_cache: web::Data<ApiKeyCache>,
}

impl Authenticator for StoreAuthenticator {
    fn authenticate(&self, credential: Credential) -> LocalBoxFuture<'static, Result<Principal, ApiError>> {
        let state = self.state.clone();
        let cache = self.api_key_cache.clone();
        Box::pin(async move {
            let now = state.clock.now();
            match credential {
                Credential::AccessToken(token) => {
                    let claims = decode_access_token(&state.jwt, &token, now)?;
                    let user_id: i64 = claims.sub.parse().map_err(|_| {
                        ApiError::new(bms_types::ErrorCode::TokenInvalid, "The access token is not valid.")
                    })?;
                    let idle = chrono::Duration::minutes(state.config.auth.session_idle_minutes);
                    let session_id = claims.sid;
                    crate::db::run_db(&state.pool, move |conn| {
                        sessions::authenticate_access_token(conn, user_id, session_id, now, idle)
                    })
                    .await
                    .map(Principal::User)
                }
                Credential::ApiKey(secret) => {
                    api_keys::authenticate(&state.pool, &cache, &secret, now).await.map(Principal::ApiKey)
                }
            }
        })
    }
}

/// The periodic tasks the scheduler runs.
fn periodic_tasks(
    config: &Config,
    pool: &DbPool,
    evaluation: &EvaluationSettings,
    writer: &IngestWriter,
) -> Vec<crate::scheduler::Task> {
    let (pool, settings, writer) = (pool.clone(), evaluation.clone(), writer.clone());
    let interval = i64::try_from(config.tracking.evaluation_interval_seconds).unwrap_or(60);
    vec![crate::scheduler::Task {
        name: "evaluate_jobs",
        description: "Re-evaluates every job's state and 3-2-1-1-0 verdict (late and missed runs)",
        schedule: crate::scheduler::TaskSchedule::Every(chrono::Duration::seconds(interval)),
        run: Arc::new(move |now| crate::tracking::evaluator::sweep(&pool, now, &settings, &writer)),
    }]
}

/// Registers every documented route. Used both by the server and by `openapi_document`.
pub fn register_routes(config: &mut ServiceConfig) {
    config
        .service(health::health)
        .service(health::ready)
        // The restore pings before `/ping/{token}/{signal}`.
        .service(crate::restore::handlers::restore_ping)
        .service(crate::restore::handlers::restore_ping_outcome)
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
                .service(crate::restore::handlers::get_restore_requirement)
                .service(crate::restore::handlers::put_restore_requirement)
                .service(crate::restore::handlers::restore_status)
                // `calendar` before `{id}`.
                .service(crate::restore::handlers::restore_calendar)
                .service(crate::restore::handlers::list_restore_tests)
                .service(crate::restore::handlers::create_restore_test)
                .service(crate::restore::handlers::get_restore_test)
                .service(crate::restore::handlers::upload_attachment)
                .service(crate::restore::handlers::download_attachment)
                // `rotations`, `labels` and `import` before `{id}`.
                .service(crate::media::handlers::list_rotations)
                .service(crate::media::handlers::create_rotation)
                .service(crate::media::handlers::update_rotation)
                .service(crate::media::handlers::delete_rotation)
                .service(crate::media::handlers::rotation_calendar)
                .service(crate::media::handlers::assign_rotation_set)
                .service(crate::media::handlers::label_sheet)
                .service(crate::media::handlers::import_media)
                .service(crate::media::handlers::list_media)
                .service(crate::media::handlers::create_medium)
                .service(crate::media::handlers::get_medium)
                .service(crate::media::handlers::update_medium)
                .service(crate::media::handlers::move_medium)
                .service(crate::media::handlers::lend_medium)
                .service(crate::media::handlers::return_medium)
                .service(crate::media::handlers::retire_medium)
                .service(crate::media::handlers::destroy_medium)
                .service(crate::media::handlers::custody_chain)
                .service(crate::media::handlers::custody_csv)
                .service(crate::media::handlers::medium_qr)
                // `batch` before `{id}`.
                .service(executions::handlers::create_executions_batch)
                .service(executions::handlers::create_execution)
                .service(executions::handlers::list_executions)
                .service(executions::handlers::get_execution)
                .service(dashboard::handlers::summary)
                .service(dashboard::handlers::series)
                .service(crate::system::list_tasks)
                // `summary`, `acknowledge` and `rules` before `{id}`.
                .service(alerts::handlers::alert_summary)
                .service(alerts::handlers::acknowledge_alerts)
                .service(alerts::handlers::list_alert_rules)
                .service(alerts::handlers::update_alert_rule)
                .service(alerts::handlers::create_rule_override)
                .service(alerts::handlers::delete_rule_override)
                .service(alerts::handlers::list_alerts)
                .service(alerts::handlers::get_alert)
                .service(alerts::handlers::acknowledge_alert)
                .service(alerts::handlers::resolve_alert)
                .service(alerts::handlers::list_windows)
                .service(alerts::handlers::create_window)
                .service(alerts::handlers::end_window)
                .service(notify::handlers::list_channels)
                .service(notify::handlers::create_channel)
                .service(notify::handlers::update_channel)
                .service(notify::handlers::delete_channel)
                .service(notify::handlers::test_channel)
                .service(notify::handlers::list_routes)
                .service(notify::handlers::create_route)
                .service(notify::handlers::update_route)
                .service(notify::handlers::delete_route)
                .service(notify::handlers::list_deliveries)
                .service(notify::handlers::my_notifications)
                .service(notify::handlers::update_my_notifications),
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
    scheduler: web::Data<crate::scheduler::Scheduler>,
    evaluation: EvaluationSettings,
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
        notify::install_crypto_provider();
        let secret_box = notify::crypto::SecretBox::from_secret_key(&secret);
        {
            let mut conn = pool.get().map_err(std::io::Error::other)?;
            notify::sync_env_channel(&mut conn, config.mail.as_ref(), &secret_box, clock.now())
                .map_err(|error| std::io::Error::other(format!("the MAIL_* channel: {error}")))?;
        }
        if let Some(mail) = &config.mail {
            log::info!(
                "notifications: MAIL_SERVER {} is the default e-mail channel; critical and warning alerts are e-mailed to \
                 active admins and operators with an address (each can opt out)",
                mail.server
            );
        }
        let engine =
            Arc::new(alerts::engine::AlertEngine::new(chrono::Duration::minutes(config.alerting.cooldown_minutes)));
        let mut evaluation = EvaluationSettings::from_config(&config);
        evaluation.observer = crate::tracking::evaluator::StatusHook::new(Arc::clone(&engine) as _);
        let (evaluator, inbox) = Evaluator::channel();
        let writer = IngestWriter::spawn(pool.clone(), evaluation.clone(), evaluator);
        inbox.start(pool.clone(), Arc::clone(&clock), evaluation.clone(), writer.clone());
        let mut scheduler = crate::scheduler::Scheduler::new(periodic_tasks(&config, &pool, &evaluation, &writer));
        let database_dir = config
            .database_path
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .map_or_else(|| std::path::PathBuf::from("."), std::path::Path::to_path_buf);
        scheduler.add_tasks(alerts::engine::tasks(&pool, &engine, database_dir, config.default_timezone));
        scheduler.start(pool.clone(), Arc::clone(&clock), std::time::Duration::from_secs(1));
        let delivery_settings = notify::DeliverySettings { alerting: config.alerting.clone(), secret_box };
        let notify_metrics = notify::dispatch::NotifyMetrics::default();
        notify::dispatch::Worker::new(
            pool.clone(),
            Arc::clone(&clock),
            delivery_settings.clone(),
            notify_metrics.clone(),
            Arc::clone(&scheduler.holds_lease),
        )
        .start();
        let state = web::Data::new(AppState {
            pool,
            config: Arc::clone(&config),
            clock,
            jwt: JwtKeys::from_secret(&secret).map_err(std::io::Error::other)?,
        });
        // Each domain's services, extracted by the handlers that need them.
        let writer = web::Data::new(writer);
        let api_key_cache = web::Data::new(ApiKeyCache::default());
        let summary_cache = web::Data::new(crate::dashboard::SummaryCache::default());
        let metrics = web::Data::new(crate::metrics::ProcessMetrics::default());
        let config_data = web::Data::from(Arc::clone(&config));
        let scheduler = web::Data::new(scheduler);
        let scheduler_handle = scheduler.clone();
        let evaluation_data = web::Data::new(evaluation.clone());
        let engine_data = web::Data::from(engine);
        let delivery_data = web::Data::new(delivery_settings);
        let notify_metrics = web::Data::new(notify_metrics);
        let authenticator: web::Data<dyn Authenticator> =
            web::Data::from(
                Arc::new(StoreAuthenticator { state: state.clone(), api_key_cache: api_key_cache.clone() })
                    as Arc<dyn Authenticator>,
            );
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
                .app_data(config_data.clone())
                .app_data(authenticator.clone())
                .app_data(writer.clone())
                .app_data(api_key_cache.clone())
                .app_data(summary_cache.clone())
                .app_data(metrics.clone())
                .app_data(scheduler.clone())
                .app_data(evaluation_data.clone())
                .app_data(engine_data.clone())
                .app_data(delivery_data.clone())
                .app_data(notify_metrics.clone())
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
        Ok(Self { server, port, scheduler: scheduler_handle, evaluation })
    }

    /// The evaluation settings with the alert engine attached (tests evaluate through it).
    pub fn evaluation(&self) -> EvaluationSettings {
        self.evaluation.clone()
    }

    /// The scheduler (to release its lease at shutdown).
    pub fn scheduler(&self) -> web::Data<crate::scheduler::Scheduler> {
        self.scheduler.clone()
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
