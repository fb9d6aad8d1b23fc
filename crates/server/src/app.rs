//! The state every handler can reach, with nothing domain-specific in it: the database
//! pool, the configuration, the clock and the token keys (Lemmy's context, crates.io's
//! `App`). It sits below every domain and imports none, so the dependencies point one
//! way. A domain's own services (the ingest writer, the evaluation settings, caches,
//! metrics) are registered as their own `web::Data<T>` in `http::Application::build` and
//! extracted by the handlers that need them.

use std::sync::Arc;

use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::DbPool;
use crate::tokens::JwtKeys;

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
}
