//! API keys for scripts and tools: created by admins and operators, shown once, stored
//! as SHA-256 hashes, recognisable by a visible prefix, scoped, optionally expiring,
//! revocable. Operators see and revoke only their own keys; admins all.

pub mod handlers;

use bms_types::api_keys::{ApiKeyDto, ApiKeyScope};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use serde_json::json;

use crate::audit::{self, Actor, AuditEvent};
use crate::auth::extract::API_KEY_PREFIX;
use crate::auth::tokens::new_opaque_token;
use crate::db::schema::{api_key_jobs, api_keys, jobs, users};
use crate::error::ApiError;

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
    pub fn find(conn: &mut SqliteConnection, id: i64) -> Result<ApiKey, ApiError> {
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
pub fn with_creators(conn: &mut SqliteConnection, keys: Vec<ApiKey>) -> QueryResult<Vec<ApiKeyDto>> {
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
    conn: &mut SqliteConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    new: &NewKey,
) -> Result<(ApiKeyDto, String), ApiError> {
    let (secret, key_hash) = new_opaque_token(API_KEY_PREFIX);
    let prefix: String = secret.chars().take(VISIBLE_PREFIX_LENGTH).collect();
    let scopes = new.scopes.iter().map(|scope| scope.as_str()).collect::<Vec<_>>().join(",");
    conn.immediate_transaction(|conn| {
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
pub fn revoke_key(conn: &mut SqliteConnection, now: DateTime<Utc>, actor: &Actor, id: i64) -> Result<(), ApiError> {
    conn.immediate_transaction(|conn| {
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
