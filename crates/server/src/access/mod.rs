//! Who is calling, and may they? `CurrentUser` and `Authorized<P>` read the credential
//! from the headers, have it checked by the `Authenticator` the application registered
//! (sessions and API keys check their own rows: `sessions::authenticate_access_token`,
//! `api_keys::authenticate`), and enforce the role or scope policy `P` before the handler
//! runs. Roles are never checked in handler bodies. This module sits below every domain:
//! it imports none of them, so any domain's handlers can use it.

use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::http::header::{AUTHORIZATION, HeaderMap};
use actix_web::{FromRequest, HttpRequest, web};
use bms_types::ErrorCode;
use bms_types::api_keys::ApiKeyScope;
use bms_types::audit::ActorKind;
use bms_types::permissions::Permission;
use bms_types::users::Role;
use futures_util::future::LocalBoxFuture;

use crate::error::ApiError;
use crate::request::client_ip;

/// Every API key starts with this, which also tells keys and JWTs apart.
pub const API_KEY_PREFIX: &str = "bms_";

/// How stale a session's `last_seen_at` or a key's `last_used_at` may get before a request
/// refreshes it (and how long a verified key is cached): keeps read-only traffic from
/// turning into one write per request.
pub const TOUCH_INTERVAL_SECONDS: i64 = 60;

/// Checks a presented credential against its store. The application registers one
/// (`web::Data<dyn Authenticator>`); the extractors only parse headers and apply policies.
pub trait Authenticator: Send + Sync + 'static {
    /// The caller behind `credential`, or why not.
    fn authenticate(&self, credential: Credential) -> LocalBoxFuture<'static, Result<Principal, ApiError>>;
}

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
    const ROLES: &'static [Role] = Permission::Administer.roles();
}

/// Those who read the audit log.
#[derive(Debug)]
pub struct AuditReaders;
impl AccessPolicy for AuditReaders {
    const ROLES: &'static [Role] = Permission::ReadAudit.roles();
}

/// Those who manage API keys and (later) operational data.
#[derive(Debug)]
pub struct Operators;
impl AccessPolicy for Operators {
    const ROLES: &'static [Role] = Permission::Operate.roles();
}

/// Everyone who may read operational data: every role and `read` keys.
#[derive(Debug)]
pub struct Readers;
impl AccessPolicy for Readers {
    const ROLES: &'static [Role] = Permission::Read.roles();
    const SCOPES: &'static [ApiKeyScope] = Permission::Read.scopes();
}

/// Those who report backup results: operators, admins and `ingest` keys.
#[derive(Debug)]
pub struct Ingesters;
impl AccessPolicy for Ingesters {
    const ROLES: &'static [Role] = Permission::Report.roles();
    const SCOPES: &'static [ApiKeyScope] = Permission::Report.scopes();
}

/// Those who read restore-test evidence files: admins, operators and auditors.
#[derive(Debug)]
pub struct EvidenceReaders;
impl AccessPolicy for EvidenceReaders {
    const ROLES: &'static [Role] = Permission::ReadEvidence.roles();
}

/// Those who open maintenance windows: operators, admins and `maintenance` keys.
#[derive(Debug)]
pub struct Silencers;
impl AccessPolicy for Silencers {
    const ROLES: &'static [Role] = Permission::Silence.roles();
    const SCOPES: &'static [ApiKeyScope] = Permission::Silence.scopes();
}

/// Any valid API key, whatever its scopes (the key's own metadata).
#[derive(Debug)]
pub struct AnyApiKey;
impl AccessPolicy for AnyApiKey {
    const ROLES: &'static [Role] = &[];
    const SCOPES: &'static [ApiKeyScope] = ApiKeyScope::ALL;
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

/// Who acted, as recorded in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Kind of actor.
    pub kind: ActorKind,
    /// The user, when a user acted.
    pub user_id: Option<i64>,
    /// The API key, when a key acted.
    pub api_key_id: Option<i64>,
    /// Username or key name at the time.
    pub name: Option<String>,
    /// Client address.
    pub client_ip: Option<String>,
}

impl Actor {
    /// bms itself (CLI, first start, background tasks).
    pub fn system(name: &str) -> Self {
        Self { kind: ActorKind::System, user_id: None, api_key_id: None, name: Some(name.to_owned()), client_ip: None }
    }

    /// An unauthenticated caller; `claimed_name` is what they typed, if anything.
    pub fn anonymous(client_ip: Option<String>, claimed_name: Option<&str>) -> Self {
        Self {
            kind: ActorKind::Anonymous,
            user_id: None,
            api_key_id: None,
            name: claimed_name.map(|name| name.chars().take(100).collect()),
            client_ip,
        }
    }

    /// A user.
    pub fn user(user_id: i64, username: &str, client_ip: Option<String>) -> Self {
        Self {
            kind: ActorKind::User,
            user_id: Some(user_id),
            api_key_id: None,
            name: Some(username.to_owned()),
            client_ip,
        }
    }

    /// An API key.
    pub fn api_key(key_id: i64, key_name: &str, client_ip: Option<String>) -> Self {
        Self {
            kind: ActorKind::ApiKey,
            user_id: None,
            api_key_id: Some(key_id),
            name: Some(key_name.to_owned()),
            client_ip,
        }
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
        let authenticator = req.app_data::<web::Data<dyn Authenticator>>().cloned();
        let credential = read_credential(req.headers());
        let client_ip = client_ip(req);
        Box::pin(async move {
            let authenticator = authenticator.ok_or_else(|| ApiError::internal("no authenticator registered"))?;
            let principal = authenticator.authenticate(credential?).await?;
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
        let authenticator = req.app_data::<web::Data<dyn Authenticator>>().cloned();
        let credential = read_credential(req.headers());
        let client_ip = client_ip(req);
        Box::pin(async move {
            let authenticator = authenticator.ok_or_else(|| ApiError::internal("no authenticator registered"))?;
            match authenticator.authenticate(credential?).await? {
                Principal::User(user) => Ok(Self { user, client_ip }),
                Principal::ApiKey(_) => Err(ApiError::forbidden("This endpoint needs a user session, not an API key.")),
            }
        })
    }
}

/// The presented secret, before it is checked.
#[derive(Debug)]
pub enum Credential {
    /// A JWT access token of a session.
    AccessToken(String),
    /// An API key (`bms_...`).
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
