//! API keys for scripts and tools: created by admins and operators, shown once, stored
//! as SHA-256 hashes, recognisable by a visible prefix, scoped, optionally expiring,
//! revocable. Operators see and revoke only their own keys; admins all. The check of a
//! presented key (`authenticate`, with its short-lived cache) lives here too.

pub mod handlers;
pub mod queries;

use bms_types::ErrorCode;
use bms_types::api_keys::{ApiKeyDto, ApiKeyScope};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde_json::json;

use crate::access::{API_KEY_PREFIX, Actor, AuthenticatedKey, TOUCH_INTERVAL_SECONDS};
use crate::audit::{self, AuditEvent};
use crate::db::schema::{api_key_jobs, api_keys, jobs, users};
use crate::db::{DbConn, DbPool, run_db};
use crate::error::ApiError;
use crate::tokens::{hash_token, new_opaque_token};

/// Characters of the key kept visible (`bms_` plus 8 hex digits).
const VISIBLE_PREFIX_LENGTH: usize = 12;

/// A stored key.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub scopes: String,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiKey {
    /// The granted scopes (stored comma-separated; unknown entries are ignored).
    pub fn scopes(&self) -> Vec<ApiKeyScope> {
        self.scopes.split(',').filter_map(ApiKeyScope::parse).collect()
    }

    /// Loads by id; `not_found` when absent.
    pub fn find(conn: &mut DbConn, id: i64) -> Result<ApiKey, ApiError> {
        api_keys::table
            .find(id)
            .select(ApiKey::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::not_found("API key"))
    }

    /// The wire form, with the creator's username.
    pub fn to_dto(&self, creator_username: Option<String>, job_ids: Vec<i64>) -> ApiKeyDto {
        ApiKeyDto {
            id: self.id,
            name: self.name.clone(),
            prefix: self.prefix.clone(),
            scopes: self.scopes(),
            created_by: self.created_by,
            created_by_username: creator_username,
            created_at: self.created_at,
            expires_at: self.expires_at,
            last_used_at: self.last_used_at,
            revoked_at: self.revoked_at,
            job_ids,
        }
    }
}

/// Looks up the creators' usernames and job restrictions for a set of keys.
pub fn with_creators(conn: &mut DbConn, keys: Vec<ApiKey>) -> QueryResult<Vec<ApiKeyDto>> {
    let creator_ids: Vec<i64> = keys.iter().filter_map(|key| key.created_by).collect();
    let names: std::collections::HashMap<i64, String> = users::table
        .filter(users::id.eq_any(creator_ids))
        .select((users::id, users::username))
        .load(conn)?
        .into_iter()
        .collect();
    let key_ids: Vec<i64> = keys.iter().map(|key| key.id).collect();
    let restrictions: Vec<(i64, i64)> = api_key_jobs::table
        .filter(api_key_jobs::api_key_id.eq_any(key_ids))
        .order((api_key_jobs::api_key_id, api_key_jobs::job_id))
        .select((api_key_jobs::api_key_id, api_key_jobs::job_id))
        .load(conn)?;
    Ok(keys
        .iter()
        .map(|key| {
            let jobs = restrictions.iter().filter(|(key_id, _)| *key_id == key.id).map(|(_, job)| *job).collect();
            key.to_dto(key.created_by.and_then(|id| names.get(&id).cloned()), jobs)
        })
        .collect())
}

/// A validated request for a new key.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub name: String,
    pub scopes: Vec<ApiKeyScope>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_by: i64,
    pub job_ids: Vec<i64>,
}

/// Creates a key; returns it with the secret, which is never stored.
pub fn create_key(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    new: &NewKey,
) -> Result<(ApiKeyDto, String), ApiError> {
    let (secret, key_hash) = new_opaque_token(API_KEY_PREFIX);
    let prefix: String = secret.chars().take(VISIBLE_PREFIX_LENGTH).collect();
    let scopes = new.scopes.iter().map(|scope| scope.as_str()).collect::<Vec<_>>().join(",");
    crate::db::write_transaction(conn, |conn| {
        let id: i64 = diesel::insert_into(api_keys::table)
            .values((
                api_keys::name.eq(&new.name),
                api_keys::prefix.eq(&prefix),
                api_keys::key_hash.eq(&key_hash),
                api_keys::scopes.eq(&scopes),
                api_keys::created_by.eq(Some(new.created_by)),
                api_keys::created_at.eq(now),
                api_keys::expires_at.eq(new.expires_at),
            ))
            .returning(api_keys::id)
            .get_result(conn)?;
        let existing: Vec<i64> = jobs::table.filter(jobs::id.eq_any(&new.job_ids)).select(jobs::id).load(conn)?;
        if let Some(missing) = new.job_ids.iter().find(|id| !existing.contains(id)) {
            return Err(ApiError::invalid_field("job_ids", "exists", format!("job {missing} does not exist")));
        }
        let rows: Vec<_> =
            new.job_ids.iter().map(|job| (api_key_jobs::api_key_id.eq(id), api_key_jobs::job_id.eq(*job))).collect();
        diesel::insert_into(api_key_jobs::table).values(rows).execute(conn)?;
        audit::record(
            conn,
            now,
            actor,
            AuditEvent::success("api_key.create", "api_key", id).with_details(
                json!({"name": new.name, "prefix": prefix, "scopes": scopes, "expires_at": new.expires_at}),
            ),
        )?;
        let key = ApiKey::find(conn, id)?;
        let dto = with_creators(conn, vec![key])?.pop().ok_or_else(|| ApiError::internal("created key vanished"))?;
        Ok((dto, secret.clone()))
    })
}

/// Revokes a key (idempotent: revoking twice keeps the first time).
pub fn revoke_key(conn: &mut DbConn, now: DateTime<Utc>, actor: &Actor, id: i64) -> Result<(), ApiError> {
    crate::db::write_transaction(conn, |conn| {
        let key = ApiKey::find(conn, id)?;
        if key.revoked_at.is_none() {
            diesel::update(api_keys::table.find(id)).set(api_keys::revoked_at.eq(Some(now))).execute(conn)?;
        }
        audit::record(
            conn,
            now,
            actor,
            AuditEvent::success("api_key.revoke", "api_key", id).with_details(
                json!({"name": key.name, "prefix": key.prefix, "already_revoked": key.revoked_at.is_some()}),
            ),
        )?;
        Ok(())
    })
}

/// The key behind `secret`, if it is neither revoked nor expired: from the cache, else from
/// its row (refreshing `last_used_at` at most once a minute).
pub async fn authenticate(
    pool: &DbPool,
    cache: &ApiKeyCache,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<AuthenticatedKey, ApiError> {
    let key_hash = hash_token(secret);
    if let Some(principal) = cache.get(&key_hash, now) {
        return Ok(principal);
    }
    let cache = cache.clone();
    run_db(pool, move |conn| {
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
        let job_ids =
            api_key_jobs::table.filter(api_key_jobs::api_key_id.eq(key.id)).select(api_key_jobs::job_id).load(conn)?;
        let principal = AuthenticatedKey { id: key.id, scopes: key.scopes(), name: key.name, job_ids };
        cache.put(key_hash, principal.clone(), key.expires_at, now);
        Ok(principal)
    })
    .await
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
