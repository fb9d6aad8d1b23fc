//! The sign-in flow over the accounts (`users`) and the session store (`sessions`): login
//! with lockout, refresh-token rotation with reuse detection, password change. Each state
//! change and its audit row commit in one IMMEDIATE transaction.

use bms_types::ErrorCode;
use bms_types::auth::TokenResponse;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde_json::json;

use crate::access::Actor;
use crate::app::AppState;
use crate::audit::{self, AuditEvent};
use crate::config::AuthSettings;
use crate::db::DbConn;
use crate::db::schema::{refresh_tokens, sessions, users};
use crate::error::ApiError;
use crate::sessions::{REFRESH_TOKEN_PREFIX, Session, revoke_all_sessions, revoke_session};
use crate::tokens::{JwtKeys, hash_token, issue_access_token, new_opaque_token};
use crate::users::User;
use crate::users::password::{self, verify_against_dummy, verify_password};

/// What a session operation needs to know about its surroundings.
#[derive(Debug, Clone)]
pub struct SessionContext<'a> {
    /// Token signing keys.
    pub keys: &'a JwtKeys,
    /// Lifetimes and lockout rules.
    pub settings: &'a AuthSettings,
    /// The injected "now".
    pub now: DateTime<Utc>,
    /// Caller address.
    pub client_ip: Option<String>,
    /// Caller user agent.
    pub user_agent: Option<String>,
}

/// Creates a session with its first refresh token and returns the token pair.
pub fn start_session(conn: &mut DbConn, ctx: &SessionContext<'_>, user: &User) -> Result<TokenResponse, ApiError> {
    let expires_at = ctx.now + Duration::hours(ctx.settings.session_max_hours);
    let session_id: i64 = diesel::insert_into(sessions::table)
        .values((
            sessions::user_id.eq(user.id),
            sessions::created_at.eq(ctx.now),
            sessions::last_seen_at.eq(ctx.now),
            sessions::expires_at.eq(expires_at),
            sessions::client_ip.eq(&ctx.client_ip),
            sessions::user_agent.eq(&ctx.user_agent),
        ))
        .returning(sessions::id)
        .get_result(conn)?;
    token_pair(conn, ctx, user, session_id, expires_at)
}

fn token_pair(
    conn: &mut DbConn,
    ctx: &SessionContext<'_>,
    user: &User,
    session_id: i64,
    session_expires_at: DateTime<Utc>,
) -> Result<TokenResponse, ApiError> {
    let (refresh_token, refresh_hash) = new_opaque_token(REFRESH_TOKEN_PREFIX);
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::session_id.eq(session_id),
            refresh_tokens::token_hash.eq(&refresh_hash),
            refresh_tokens::created_at.eq(ctx.now),
        ))
        .execute(conn)?;
    let ttl = Duration::minutes(ctx.settings.access_token_minutes);
    let access_token = issue_access_token(ctx.keys, user.id, session_id, user.role, ctx.now, ttl)?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer".to_owned(),
        expires_in: ttl.num_seconds(),
        refresh_token,
        session_expires_at,
        idle_timeout_seconds: ctx.settings.session_idle_minutes * 60,
        user: user.to_dto(ctx.now)?,
    })
}

/// The single answer to every failed login, so the response never reveals whether the
/// username exists, the account is locked, or it is inactive.
pub fn invalid_credentials() -> ApiError {
    ApiError::new(ErrorCode::InvalidCredentials, "Invalid username or password.")
}

/// Checks a username and password, applying lockout, and opens a session on success.
/// Failures are committed (counter, lock, audit row) before the error is returned.
pub fn login(
    conn: &mut DbConn,
    ctx: &SessionContext<'_>,
    username: &str,
    password: &str,
) -> Result<TokenResponse, ApiError> {
    // Argon2 runs before the write lock is taken, so slow hashing never blocks writers.
    let candidate = User::find_by_username(conn, username)?;
    let password_ok = match &candidate {
        Some(user) => verify_password(password, &user.password_hash),
        None => {
            verify_against_dummy(password);
            false
        }
    };
    let Some(candidate) = candidate else {
        let actor = Actor::anonymous(ctx.client_ip.clone(), Some(username));
        crate::db::write_transaction(conn, |conn| {
            audit::record(
                conn,
                ctx.now,
                &actor,
                AuditEvent::failure("auth.login").with_details(json!({"reason": "unknown_user"})),
            )
        })?;
        return Err(invalid_credentials());
    };

    let outcome = crate::db::write_transaction(conn, |conn| -> Result<Option<TokenResponse>, ApiError> {
        let user = User::find(conn, candidate.id)?;
        let actor = Actor::user(user.id, &user.username, ctx.client_ip.clone());
        let fail = |conn: &mut DbConn, reason: &str| {
            audit::record(
                conn,
                ctx.now,
                &actor,
                AuditEvent::failure("auth.login").on("user", user.id).with_details(json!({"reason": reason})),
            )
        };
        if user.locked_until.is_some_and(|until| until > ctx.now) {
            fail(conn, "locked")?;
            return Ok(None);
        }
        if !user.is_active {
            fail(conn, "inactive")?;
            return Ok(None);
        }
        if !password_ok {
            fail(conn, "wrong_password")?;
            count_password_failure(conn, ctx, &user, &actor)?;
            return Ok(None);
        }
        diesel::update(users::table.find(user.id))
            .set((
                users::failed_login_count.eq(0),
                users::locked_until.eq(None::<DateTime<Utc>>),
                users::last_login_at.eq(Some(ctx.now)),
            ))
            .execute(conn)?;
        let user = User::find(conn, user.id)?;
        let tokens = start_session(conn, ctx, &user)?;
        audit::record(conn, ctx.now, &actor, AuditEvent::success("auth.login", "user", user.id))?;
        Ok(Some(tokens))
    })?;
    outcome.ok_or_else(invalid_credentials)
}

/// Exchanges a refresh token for a new pair. A token that was already rotated means it
/// was stolen or replayed: the whole session is revoked (and that revocation committed)
/// before the error is returned.
pub fn refresh(conn: &mut DbConn, ctx: &SessionContext<'_>, presented: &str) -> Result<TokenResponse, ApiError> {
    let token_hash = hash_token(presented);
    let idle = Duration::minutes(ctx.settings.session_idle_minutes);
    // The inner Result is the answer; the outer one aborts the transaction. A rejected
    // refresh commits (the reuse revocation must stick) and is returned as the inner error.
    crate::db::write_transaction(conn, |conn| -> Result<Result<TokenResponse, ApiError>, ApiError> {
        let found: Option<(i64, Option<DateTime<Utc>>, Session)> = refresh_tokens::table
            .inner_join(sessions::table)
            .filter(refresh_tokens::token_hash.eq(&token_hash))
            .select((refresh_tokens::id, refresh_tokens::rotated_at, Session::as_select()))
            .first(conn)
            .optional()?;
        let Some((token_id, rotated_at, session)) = found else {
            return Ok(Err(ApiError::new(ErrorCode::TokenInvalid, "The refresh token is not valid.")));
        };
        let user = User::find(conn, session.user_id)?;
        if rotated_at.is_some() {
            let newly_revoked = revoke_session(conn, session.id, "refresh_token_reuse", ctx.now)?;
            if newly_revoked {
                let actor = Actor::user(user.id, &user.username, ctx.client_ip.clone());
                audit::record(
                    conn,
                    ctx.now,
                    &actor,
                    AuditEvent::failure("auth.refresh_token_reuse")
                        .on("session", session.id)
                        .with_details(json!({"action_taken": "session_revoked"})),
                )?;
            }
            return Ok(Err(ApiError::new(
                ErrorCode::SessionRevoked,
                "This refresh token was already used; the session has been revoked. Log in again.",
            )));
        }
        if let Err(error) = session.ensure_usable(ctx.now, idle) {
            return Ok(Err(error));
        }
        if !user.is_active {
            return Ok(Err(ApiError::new(ErrorCode::SessionRevoked, "The account is deactivated.")));
        }
        diesel::update(refresh_tokens::table.find(token_id))
            .set(refresh_tokens::rotated_at.eq(Some(ctx.now)))
            .execute(conn)?;
        diesel::update(sessions::table.find(session.id)).set(sessions::last_seen_at.eq(ctx.now)).execute(conn)?;
        Ok(Ok(token_pair(conn, ctx, &user, session.id, session.expires_at)?))
    })?
}

/// Counts a wrong password against `user` (sign-in or password change alike, so a stolen
/// access token cannot guess the password faster than the sign-in form); at the limit the
/// account locks and its sessions end. Returns when the lock ends, if it locked.
fn count_password_failure(
    conn: &mut DbConn,
    ctx: &SessionContext<'_>,
    user: &User,
    actor: &Actor,
) -> Result<Option<DateTime<Utc>>, ApiError> {
    // An expired lock starts a fresh count.
    let previous_failures = if user.locked_until.is_some() { 0 } else { user.failed_login_count };
    let failures = previous_failures + 1;
    let locks = failures >= ctx.settings.login_max_attempts;
    let locked_until = locks.then(|| ctx.now + Duration::minutes(ctx.settings.lockout_minutes));
    diesel::update(users::table.find(user.id))
        .set((users::failed_login_count.eq(if locks { 0 } else { failures }), users::locked_until.eq(locked_until)))
        .execute(conn)?;
    if let Some(until) = locked_until {
        let revoked = revoke_all_sessions(conn, user.id, "locked", ctx.now)?;
        audit::record(
            conn,
            ctx.now,
            actor,
            AuditEvent::success("auth.lockout", "user", user.id)
                .with_details(json!({"failed_attempts": failures, "locked_until": until, "sessions_revoked": revoked})),
        )?;
    }
    Ok(locked_until)
}

/// Changes the caller's own password: checks the current one and the policy, revokes
/// every session of the account (other devices included) and opens a fresh one.
pub fn change_password(
    conn: &mut DbConn,
    ctx: &SessionContext<'_>,
    user_id: i64,
    current_password: &str,
    new_password: &str,
) -> Result<TokenResponse, ApiError> {
    let user = User::find(conn, user_id)?;
    let actor = Actor::user(user.id, &user.username, ctx.client_ip.clone());
    if !verify_password(current_password, &user.password_hash) {
        let locked = crate::db::write_transaction(conn, |conn| {
            audit::record(
                conn,
                ctx.now,
                &actor,
                AuditEvent::failure("auth.password_change")
                    .on("user", user.id)
                    .with_details(json!({"reason": "wrong_current_password"})),
            )?;
            // Re-read inside the transaction: concurrent attempts must all count.
            let user = User::find(conn, user.id)?;
            count_password_failure(conn, ctx, &user, &actor)
        })?;
        if locked.is_some() {
            return Err(ApiError::new(
                ErrorCode::SessionRevoked,
                "Too many wrong passwords: the account is locked and its sessions have ended.",
            ));
        }
        return Err(ApiError::invalid_field("current_password", "incorrect", "the current password is not correct"));
    }
    let mut violations =
        password::policy_violations("new_password", new_password, &user.username, ctx.settings.password_min_length);
    if new_password == current_password {
        violations.push(crate::error::violation("new_password", "unchanged", "must differ from the current password"));
    }
    crate::error::Violations::from(violations).finish(())?;
    let new_hash = password::hash_password(new_password)?;
    crate::db::write_transaction(conn, |conn| {
        diesel::update(users::table.find(user.id))
            .set((
                users::password_hash.eq(&new_hash),
                users::must_change_password.eq(false),
                users::password_changed_at.eq(ctx.now),
                users::updated_at.eq(ctx.now),
            ))
            .execute(conn)?;
        let revoked = revoke_all_sessions(conn, user.id, "password_changed", ctx.now)?;
        let user = User::find(conn, user.id)?;
        let tokens = start_session(conn, ctx, &user)?;
        audit::record(
            conn,
            ctx.now,
            &actor,
            AuditEvent::success("auth.password_change", "user", user.id)
                .with_details(json!({"sessions_revoked": revoked})),
        )?;
        Ok(tokens)
    })
}

impl<'a> SessionContext<'a> {
    /// The context of a request from `client_ip` with `user_agent`.
    pub fn for_request(state: &'a AppState, client_ip: Option<String>, user_agent: Option<String>) -> Self {
        SessionContext { keys: &state.jwt, settings: &state.config.auth, now: state.clock.now(), client_ip, user_agent }
    }
}
