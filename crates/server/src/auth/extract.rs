//! Who is calling, and may they? `CurrentUser` and `Authorized<P>` resolve the bearer
//! token or API key on every request (sessions are checked in the database, so logout,
//! password change and deactivation take effect immediately) and enforce the role or
//! scope policy `P` before the handler runs. Roles are never checked in handler bodies.

use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::http::header::{AUTHORIZATION, HeaderMap};
use actix_web::{FromRequest, HttpRequest, web};
use bms_types::ErrorCode;
use bms_types::api_keys::ApiKeyScope;
use bms_types::users::Role;
use chrono::Duration;
use diesel::prelude::*;
use futures_util::future::LocalBoxFuture;

use crate::api_keys::ApiKey;
use crate::audit::Actor;
use crate::auth::tokens::{decode_access_token, hash_token};
use crate::db::run_db;
use crate::db::schema::{api_key_jobs, api_keys, sessions, users};
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::extract::client_ip;
use crate::users::User;

/// Every API key starts with this, which also tells keys and JWTs apart.
pub const API_KEY_PREFIX: &str = "bms_";

/// How stale `last_seen_at` / `last_used_at` may get before a request refreshes it; keeps
/// read-only traffic from turning into one write per request.
const TOUCH_INTERVAL_SECONDS: i64 = 60;

/// A logged-in user, from a valid access token of a live session.
#[derive(Debug, Clone)]
pub struct AuthenticatedUser {
    /// User id.
    pub id: i64,
    /// Username.
    pub username: String,
    /// Current role (from the database, not the token).
    pub role: Role,
    /// The session the token belongs to.
    pub session_id: i64,
    /// The account must change its password before anything else.
    pub must_change_password: bool,
}

/// A script or tool authenticated by an API key.
#[derive(Debug, Clone)]
pub struct AuthenticatedKey {
    /// Key id.
    pub id: i64,
    /// Key name.
    pub name: String,
    /// Granted scopes.
    pub scopes: Vec<ApiKeyScope>,
    /// Jobs the key may report for (empty: any job).
    pub job_ids: Vec<i64>,
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub enum Principal {
    /// A person with a session.
    User(AuthenticatedUser),
    /// A script with an API key.
    ApiKey(AuthenticatedKey),
}

/// Which roles and API-key scopes an endpoint admits.
pub trait AccessPolicy: 'static {
    /// Roles admitted.
    const ROLES: &'static [Role];
    /// API-key scopes admitted (a key needs one of them).
    const SCOPES: &'static [ApiKeyScope] = &[];
}

/// Administrators only.
#[derive(Debug)]
pub struct AdminOnly;
impl AccessPolicy for AdminOnly {
    const ROLES: &'static [Role] = &[Role::Admin];
}

/// Those who read the audit log.
#[derive(Debug)]
pub struct AuditReaders;
impl AccessPolicy for AuditReaders {
    const ROLES: &'static [Role] = &[Role::Admin, Role::Auditor];
}

/// Those who manage API keys and (later) operational data.
#[derive(Debug)]
pub struct Operators;
impl AccessPolicy for Operators {
    const ROLES: &'static [Role] = &[Role::Admin, Role::Operator];
}

/// Everyone who may read operational data: every role and `read` keys.
#[derive(Debug)]
pub struct Readers;
impl AccessPolicy for Readers {
    const ROLES: &'static [Role] = &[Role::Admin, Role::Operator, Role::Viewer, Role::Auditor];
    const SCOPES: &'static [ApiKeyScope] = &[ApiKeyScope::Read];
}

/// Those who report backup results: operators, admins and `ingest` keys.
#[derive(Debug)]
pub struct Ingesters;
impl AccessPolicy for Ingesters {
    const ROLES: &'static [Role] = &[Role::Admin, Role::Operator];
    const SCOPES: &'static [ApiKeyScope] = &[ApiKeyScope::Ingest];
}

/// Any valid API key, whatever its scopes (the key's own metadata).
#[derive(Debug)]
pub struct AnyApiKey;
impl AccessPolicy for AnyApiKey {
    const ROLES: &'static [Role] = &[];
    const SCOPES: &'static [ApiKeyScope] = &[ApiKeyScope::Read, ApiKeyScope::Ingest];
}

/// A caller admitted by policy `P`.
#[derive(Debug)]
pub struct Authorized<P: AccessPolicy> {
    /// The caller.
    pub principal: Principal,
    /// The caller's address, for the audit log.
    pub client_ip: Option<String>,
    policy: PhantomData<P>,
}

impl<P: AccessPolicy> Authorized<P> {
    /// The caller as recorded in the audit log.
    pub fn actor(&self) -> Actor {
        actor_of(&self.principal, self.client_ip.clone())
    }

    /// The user, when the caller is one.
    pub fn user(&self) -> Option<&AuthenticatedUser> {
        match &self.principal {
            Principal::User(user) => Some(user),
            Principal::ApiKey(_) => None,
        }
    }
}

/// Any logged-in user, including one who must still change their password (for `me`,
/// change-password and logout). API keys are refused.
#[derive(Debug)]
pub struct CurrentUser {
    /// The user.
    pub user: AuthenticatedUser,
    /// The caller's address.
    pub client_ip: Option<String>,
}

impl CurrentUser {
    /// The caller as recorded in the audit log.
    pub fn actor(&self) -> Actor {
        Actor::user(self.user.id, &self.user.username, self.client_ip.clone())
    }
}

fn actor_of(principal: &Principal, client_ip: Option<String>) -> Actor {
    match principal {
        Principal::User(user) => Actor::user(user.id, &user.username, client_ip),
        Principal::ApiKey(key) => Actor::api_key(key.id, &key.name, client_ip),
    }
}

impl<P: AccessPolicy> FromRequest for Authorized<P> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let credential = read_credential(req.headers());
        let client_ip = client_ip(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let principal = authenticate(&state, credential?).await?;
            let admitted = match &principal {
                Principal::User(user) => {
                    if user.must_change_password {
                        return Err(ApiError::new(
                            ErrorCode::PasswordChangeRequired,
                            "You must change your password before continuing.",
                        ));
                    }
                    P::ROLES.contains(&user.role)
                }
                Principal::ApiKey(key) => key.scopes.iter().any(|scope| P::SCOPES.contains(scope)),
            };
            if !admitted {
                return Err(ApiError::forbidden(match &principal {
                    Principal::User(_) => "Your role does not allow this action.",
                    Principal::ApiKey(_) => "This API key's scopes do not allow this action.",
                }));
            }
            Ok(Self { principal, client_ip, policy: PhantomData })
        })
    }
}

impl FromRequest for CurrentUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let credential = read_credential(req.headers());
        let client_ip = client_ip(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            match authenticate(&state, credential?).await? {
                Principal::User(user) => Ok(Self { user, client_ip }),
                Principal::ApiKey(_) => Err(ApiError::forbidden("This endpoint needs a user session, not an API key.")),
            }
        })
    }
}

/// The presented secret, before it is checked.
#[derive(Debug)]
enum Credential {
    AccessToken(String),
    ApiKey(String),
}

fn read_credential(headers: &HeaderMap) -> Result<Credential, ApiError> {
    let missing = || ApiError::new(ErrorCode::AuthenticationRequired, "Authentication is required.");
    let secret = if let Some(value) = headers.get(AUTHORIZATION) {
        let value = value.to_str().map_err(|_| missing())?.trim();
        let (scheme, token) = value.split_once(' ').ok_or_else(missing)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(ApiError::new(
                ErrorCode::AuthenticationRequired,
                "Use `Authorization: Bearer <token>` or the `X-API-Key` header.",
            ));
        }
        token.trim().to_owned()
    } else if let Some(value) = headers.get("x-api-key") {
        value.to_str().map_err(|_| missing())?.trim().to_owned()
    } else {
        return Err(missing());
    };
    if secret.is_empty() {
        return Err(missing());
    }
    Ok(if secret.starts_with(API_KEY_PREFIX) { Credential::ApiKey(secret) } else { Credential::AccessToken(secret) })
}

async fn authenticate(state: &web::Data<AppState>, credential: Credential) -> Result<Principal, ApiError> {
    let now = state.clock.now();
    match credential {
        Credential::AccessToken(token) => {
            let claims = decode_access_token(&state.jwt, &token, now)?;
            let user_id: i64 = claims
                .sub
                .parse()
                .map_err(|_| ApiError::new(ErrorCode::TokenInvalid, "The access token is not valid."))?;
            let idle = Duration::minutes(state.config.auth.session_idle_minutes);
            let session_id = claims.sid;
            run_db(&state.pool, move |conn| {
                let (session, user): (crate::auth::sessions::Session, User) = sessions::table
                    .inner_join(users::table)
                    .filter(sessions::id.eq(session_id))
                    .filter(users::id.eq(user_id))
                    .select((crate::auth::sessions::Session::as_select(), User::as_select()))
                    .first(conn)
                    .optional()?
                    .ok_or_else(|| ApiError::new(ErrorCode::SessionRevoked, "The session no longer exists."))?;
                session.ensure_usable(now, idle)?;
                if !user.is_active {
                    return Err(ApiError::new(ErrorCode::SessionRevoked, "The account is deactivated."));
                }
                if now - session.last_seen_at > Duration::seconds(TOUCH_INTERVAL_SECONDS) {
                    diesel::update(sessions::table.find(session.id))
                        .set(sessions::last_seen_at.eq(now))
                        .execute(conn)?;
                }
                Ok(Principal::User(AuthenticatedUser {
                    id: user.id,
                    role: user.role()?,
                    username: user.username,
                    session_id: session.id,
                    must_change_password: user.must_change_password,
                }))
            })
            .await
        }
        Credential::ApiKey(secret) => {
            let key_hash = hash_token(&secret);
            if let Some(principal) = state.api_key_cache.get(&key_hash, now) {
                return Ok(Principal::ApiKey(principal));
            }
            let cache = state.api_key_cache.clone();
            run_db(&state.pool, move |conn| {
                let invalid = || ApiError::new(ErrorCode::TokenInvalid, "The API key is not valid.");
                let key: ApiKey = api_keys::table
                    .filter(api_keys::key_hash.eq(&key_hash))
                    .select(ApiKey::as_select())
                    .first(conn)
                    .optional()?
                    .ok_or_else(invalid)?;
                if key.revoked_at.is_some() {
                    return Err(ApiError::new(ErrorCode::TokenInvalid, "The API key has been revoked."));
                }
                if key.expires_at.is_some_and(|expiry| expiry <= now) {
                    return Err(ApiError::new(ErrorCode::TokenInvalid, "The API key has expired."));
                }
                let stale = key.last_used_at.is_none_or(|used| now - used > Duration::seconds(TOUCH_INTERVAL_SECONDS));
                if stale {
                    diesel::update(api_keys::table.find(key.id)).set(api_keys::last_used_at.eq(now)).execute(conn)?;
                }
                let job_ids = api_key_jobs::table
                    .filter(api_key_jobs::api_key_id.eq(key.id))
                    .select(api_key_jobs::job_id)
                    .load(conn)?;
                let principal = AuthenticatedKey { id: key.id, scopes: key.scopes(), name: key.name, job_ids };
                cache.put(key_hash, principal.clone(), key.expires_at, now);
                Ok(Principal::ApiKey(principal))
            })
            .await
        }
    }
}

/// Recently verified API keys, so a script posting results does not cost a database
/// round trip per request. Entries live `API_KEY_CACHE_SECONDS` at most (the
/// `last_used_at` refresh interval), and revoking any key clears the cache at once, so a
/// revoked key stops working immediately.
#[derive(Debug, Clone, Default)]
pub struct ApiKeyCache {
    entries: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, CachedKey>>>,
}

#[derive(Debug, Clone)]
struct CachedKey {
    principal: AuthenticatedKey,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
    verified_at: chrono::DateTime<chrono::Utc>,
}

const API_KEY_CACHE_SECONDS: i64 = TOUCH_INTERVAL_SECONDS;

impl ApiKeyCache {
    fn get(&self, key_hash: &str, now: chrono::DateTime<chrono::Utc>) -> Option<AuthenticatedKey> {
        let entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = entries.get(key_hash)?;
        let fresh = now - entry.verified_at < Duration::seconds(API_KEY_CACHE_SECONDS) && now >= entry.verified_at;
        let unexpired = entry.expires_at.is_none_or(|expiry| expiry > now);
        (fresh && unexpired).then(|| entry.principal.clone())
    }

    fn put(
        &self,
        key_hash: String,
        principal: AuthenticatedKey,
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
        now: chrono::DateTime<chrono::Utc>,
    ) {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() > 10_000 {
            entries.clear();
        }
        entries.insert(key_hash, CachedKey { principal, expires_at, verified_at: now });
    }

    /// Forgets every cached key (after a revocation).
    pub fn invalidate(&self) {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                HeaderName::from_bytes(name.as_bytes()).expect("name"),
                HeaderValue::from_str(value).expect("value"),
            );
        }
        map
    }

    #[test]
    fn credentials_are_read_from_bearer_or_x_api_key() {
        assert!(
            matches!(read_credential(&headers(&[("authorization", "Bearer abc")])), Ok(Credential::AccessToken(t)) if t == "abc")
        );
        assert!(
            matches!(read_credential(&headers(&[("authorization", "bearer bms_x")])), Ok(Credential::ApiKey(t)) if t == "bms_x")
        );
        assert!(
            matches!(read_credential(&headers(&[("x-api-key", "bms_y")])), Ok(Credential::ApiKey(t)) if t == "bms_y")
        );
        for bad in [vec![], vec![("authorization", "Basic dXNlcjpwdw==")], vec![("authorization", "Bearer ")]] {
            let error = read_credential(&headers(&bad)).expect_err("refused");
            assert_eq!(error.code(), ErrorCode::AuthenticationRequired);
        }
    }
}
