//! The session store: session rows, their idle and absolute timeouts, revocation and
//! logout, and the check of an access token against its live session (which makes logout,
//! password change and deactivation take effect on the next request). It knows users only
//! as rows of the `users` table it joins; the sign-in flow is in `auth::login`.

use bms_types::ErrorCode;
use bms_types::users::Role;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::access::{Actor, AuthenticatedUser, TOUCH_INTERVAL_SECONDS};
use crate::audit::{self, AuditEvent};
use crate::db::schema::{sessions, users};
use crate::db::{DbConn, write_transaction};
use crate::error::ApiError;

/// Prefix of refresh tokens (distinct from API keys' `bms_`).
pub const REFRESH_TOKEN_PREFIX: &str = "bmsr_";

/// A session row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: i64,
    pub user_id: i64,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Session {
    /// Refuses a revoked, expired or idle session.
    pub fn ensure_usable(&self, now: DateTime<Utc>, idle: Duration) -> Result<(), ApiError> {
        if self.revoked_at.is_some() {
            return Err(ApiError::new(ErrorCode::SessionRevoked, "The session has been revoked; log in again."));
        }
        if now >= self.expires_at {
            return Err(ApiError::new(
                ErrorCode::SessionExpired,
                "The session reached its maximum lifetime; log in again.",
            ));
        }
        if now - self.last_seen_at > idle {
            return Err(ApiError::new(
                ErrorCode::SessionExpired,
                "The session expired after inactivity; log in again.",
            ));
        }
        Ok(())
    }
}

/// Marks one session revoked; returns whether it was live before.
pub fn revoke_session(conn: &mut DbConn, session_id: i64, reason: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    let changed = diesel::update(sessions::table.find(session_id).filter(sessions::revoked_at.is_null()))
        .set((sessions::revoked_at.eq(Some(now)), sessions::revoked_reason.eq(Some(reason))))
        .execute(conn)?;
    Ok(changed > 0)
}

/// Revokes every live session of a user; returns how many.
pub fn revoke_all_sessions(conn: &mut DbConn, user_id: i64, reason: &str, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(sessions::table.filter(sessions::user_id.eq(user_id)).filter(sessions::revoked_at.is_null()))
        .set((sessions::revoked_at.eq(Some(now)), sessions::revoked_reason.eq(Some(reason))))
        .execute(conn)
}

/// Ends the caller's session.
pub fn logout(conn: &mut DbConn, now: DateTime<Utc>, actor: &Actor, session_id: i64) -> Result<(), ApiError> {
    write_transaction(conn, |conn| {
        revoke_session(conn, session_id, "logout", now)?;
        audit::record(conn, now, actor, AuditEvent::success("auth.logout", "session", session_id))?;
        Ok(())
    })
}

/// The user behind a verified access token (`user_id`, `session_id` from its claims), if
/// the session is live and the account active; refreshes `last_seen_at` at most once a
/// minute.
pub fn authenticate_access_token(
    conn: &mut DbConn,
    user_id: i64,
    session_id: i64,
    now: DateTime<Utc>,
    idle: Duration,
) -> Result<AuthenticatedUser, ApiError> {
    let (session, (username, role, is_active, must_change_password)): (Session, (String, Role, bool, bool)) =
        sessions::table
            .inner_join(users::table)
            .filter(sessions::id.eq(session_id))
            .filter(users::id.eq(user_id))
            .select((
                Session::as_select(),
                (users::username, users::role, users::is_active, users::must_change_password),
            ))
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::new(ErrorCode::SessionRevoked, "The session no longer exists."))?;
    session.ensure_usable(now, idle)?;
    if !is_active {
        return Err(ApiError::new(ErrorCode::SessionRevoked, "The account is deactivated."));
    }
    if now - session.last_seen_at > Duration::seconds(TOUCH_INTERVAL_SECONDS) {
        diesel::update(sessions::table.find(session.id)).set(sessions::last_seen_at.eq(now)).execute(conn)?;
    }
    Ok(AuthenticatedUser { id: user_id, role, username, session_id: session.id, must_change_password })
}
