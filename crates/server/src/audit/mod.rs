//! The tamper-evident audit log: who did what, from where, with what outcome. Each row
//! is written in the same transaction as the change it describes and is chained to its
//! predecessor by SHA-256, so editing, deleting or reordering rows is detectable.

pub mod handlers;
pub mod queries;

use crate::db::DbConn;
use bms_types::audit::{ActorKind, AuditEntryDto, AuditOutcome};
use chrono::{DateTime, SecondsFormat, Utc};
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::access::Actor;
use crate::db::schema::{audit_chain_head, audit_log};

/// The `prev_hash` of the first row.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    /// Dotted action name, e.g. `user.create`.
    pub action: &'static str,
    /// Resource kind, e.g. `user`.
    pub resource_type: Option<&'static str>,
    /// Resource id.
    pub resource_id: Option<String>,
    /// Outcome.
    pub outcome: AuditOutcome,
    /// Context; never secrets.
    pub details: serde_json::Value,
}

impl AuditEvent {
    /// A successful action on a resource.
    pub fn success(action: &'static str, resource_type: &'static str, resource_id: impl ToString) -> Self {
        Self {
            action,
            resource_type: Some(resource_type),
            resource_id: Some(resource_id.to_string()),
            outcome: AuditOutcome::Success,
            details: serde_json::Value::Object(serde_json::Map::new()),
        }
    }

    /// A refused or failed action.
    pub fn failure(action: &'static str) -> Self {
        Self {
            action,
            resource_type: None,
            resource_id: None,
            outcome: AuditOutcome::Failure,
            details: serde_json::Value::Object(serde_json::Map::new()),
        }
    }

    /// Attaches context.
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }

    /// Names the resource.
    pub fn on(mut self, resource_type: &'static str, resource_id: impl ToString) -> Self {
        self.resource_type = Some(resource_type);
        self.resource_id = Some(resource_id.to_string());
        self
    }
}

/// A stored row. It holds the stored text, not enums: the hash covers exactly that text,
/// and a row edited to an unknown value must still load so that verification can name it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_kind: String,
    pub actor_user_id: Option<i64>,
    pub actor_api_key_id: Option<i64>,
    pub actor_name: Option<String>,
    pub client_ip: Option<String>,
    pub action: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub outcome: String,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The exact content a row's hash covers, serialised as JSON in this field order.
#[derive(Serialize)]
struct HashedContent<'a> {
    id: i64,
    occurred_at: String,
    actor_kind: &'a str,
    actor_user_id: Option<i64>,
    actor_api_key_id: Option<i64>,
    actor_name: Option<&'a str>,
    client_ip: Option<&'a str>,
    action: &'a str,
    resource_type: Option<&'a str>,
    resource_id: Option<&'a str>,
    outcome: &'a str,
    details: &'a str,
}

impl AuditRow {
    fn content_hash(&self, prev_hash: &str) -> String {
        let content = HashedContent {
            id: self.id,
            occurred_at: self.occurred_at.to_rfc3339_opts(SecondsFormat::Micros, true),
            actor_kind: &self.actor_kind,
            actor_user_id: self.actor_user_id,
            actor_api_key_id: self.actor_api_key_id,
            actor_name: self.actor_name.as_deref(),
            client_ip: self.client_ip.as_deref(),
            action: &self.action,
            resource_type: self.resource_type.as_deref(),
            resource_id: self.resource_id.as_deref(),
            outcome: &self.outcome,
            details: &self.details,
        };
        // Serialising plain strings and integers cannot fail.
        let json = serde_json::to_vec(&content).unwrap_or_default();
        let mut hasher = Sha256::new();
        hasher.update(prev_hash.as_bytes());
        hasher.update(&json);
        hex::encode(hasher.finalize())
    }

    /// Converts to the wire type.
    pub fn into_dto(self) -> AuditEntryDto {
        AuditEntryDto {
            id: self.id,
            occurred_at: self.occurred_at,
            actor_kind: ActorKind::parse(&self.actor_kind).unwrap_or(ActorKind::Anonymous),
            actor_user_id: self.actor_user_id,
            actor_api_key_id: self.actor_api_key_id,
            actor_name: self.actor_name,
            client_ip: self.client_ip,
            action: self.action,
            resource_type: self.resource_type,
            resource_id: self.resource_id,
            outcome: AuditOutcome::parse(&self.outcome).unwrap_or(AuditOutcome::Failure),
            details: serde_json::from_str(&self.details).unwrap_or(serde_json::Value::Null),
            hash: self.hash,
        }
    }
}

/// The id and hash of the newest entry ever appended (the `audit_chain_head` row).
fn chain_head(conn: &mut DbConn) -> QueryResult<(i64, String)> {
    audit_chain_head::table.find(1).select((audit_chain_head::last_id, audit_chain_head::last_hash)).first(conn)
}

/// Appends an entry. Call inside the write transaction of the change it records (an
/// IMMEDIATE transaction, so no other writer can append between reading the last hash
/// and inserting).
pub fn record(conn: &mut DbConn, now: DateTime<Utc>, actor: &Actor, event: AuditEvent) -> QueryResult<i64> {
    let (last_id, prev_hash) = chain_head(conn)?;
    let next_id = last_id + 1;
    let mut row = AuditRow {
        id: next_id,
        occurred_at: now,
        actor_kind: actor.kind.as_str().to_owned(),
        actor_user_id: actor.user_id,
        actor_api_key_id: actor.api_key_id,
        actor_name: actor.name.clone(),
        client_ip: actor.client_ip.clone(),
        action: event.action.to_owned(),
        resource_type: event.resource_type.map(str::to_owned),
        resource_id: event.resource_id,
        outcome: event.outcome.as_str().to_owned(),
        details: event.details.to_string(),
        prev_hash: String::new(),
        hash: String::new(),
    };
    row.hash = row.content_hash(&prev_hash);
    row.prev_hash = prev_hash;
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(row.id),
            audit_log::occurred_at.eq(row.occurred_at),
            audit_log::actor_kind.eq(&row.actor_kind),
            audit_log::actor_user_id.eq(row.actor_user_id),
            audit_log::actor_api_key_id.eq(row.actor_api_key_id),
            audit_log::actor_name.eq(&row.actor_name),
            audit_log::client_ip.eq(&row.client_ip),
            audit_log::action.eq(&row.action),
            audit_log::resource_type.eq(&row.resource_type),
            audit_log::resource_id.eq(&row.resource_id),
            audit_log::outcome.eq(&row.outcome),
            audit_log::details.eq(&row.details),
            audit_log::prev_hash.eq(&row.prev_hash),
            audit_log::hash.eq(&row.hash),
        ))
        .execute(conn)?;
    diesel::update(audit_chain_head::table.find(1))
        .set((audit_chain_head::last_id.eq(row.id), audit_chain_head::last_hash.eq(&row.hash)))
        .execute(conn)?;
    Ok(row.id)
}

/// Outcome of a chain verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Rows examined.
    pub rows_checked: u64,
    /// First row whose chain breaks: its hash or link is wrong, a row before it is
    /// missing, or (for a truncated tail) the id of the first missing row.
    pub first_broken_id: Option<i64>,
}

/// Walks the whole chain in id order, in batches, and reports the first break.
pub fn verify_chain(conn: &mut DbConn) -> QueryResult<ChainReport> {
    const BATCH: i64 = 1000;
    let mut expected_prev = GENESIS_HASH.to_owned();
    let mut last_id = 0i64;
    let mut rows_checked = 0u64;
    loop {
        let batch: Vec<AuditRow> = audit_log::table
            .filter(audit_log::id.gt(last_id))
            .order(audit_log::id.asc())
            .limit(BATCH)
            .select(AuditRow::as_select())
            .load(conn)?;
        if batch.is_empty() {
            break;
        }
        for row in &batch {
            rows_checked += 1;
            let intact =
                row.id == last_id + 1 && row.prev_hash == expected_prev && row.content_hash(&expected_prev) == row.hash;
            if !intact {
                return Ok(ChainReport { rows_checked, first_broken_id: Some(row.id.min(last_id + 1)) });
            }
            expected_prev.clone_from(&row.hash);
            last_id = row.id;
        }
    }
    // Rows deleted from the end leave the head pointing past the last remaining row.
    let (head_id, head_hash) = chain_head(conn)?;
    let first_broken_id = if head_id > last_id {
        Some(last_id + 1)
    } else if head_id == last_id && head_hash != expected_prev {
        Some(last_id)
    } else {
        None
    };
    Ok(ChainReport { rows_checked, first_broken_id })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db;

    fn migrated_connection() -> (tempfile::TempDir, DbConn) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("audit.db");
        let mut conn = DbConn::establish(&path.to_string_lossy()).expect("open");
        db::run_pending_migrations(&mut conn).expect("migrate");
        (dir, conn)
    }

    fn append(conn: &mut DbConn, count: usize) {
        let now = Utc::now();
        for index in 0..count {
            let event = AuditEvent::success("test.event", "thing", index).with_details(serde_json::json!({"n": index}));
            record(conn, now, &Actor::system("test"), event).expect("record");
        }
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let (_dir, mut conn) = migrated_connection();
        append(&mut conn, 5);
        assert_eq!(verify_chain(&mut conn).expect("verify"), ChainReport { rows_checked: 5, first_broken_id: None });
    }

    #[test]
    fn editing_a_row_breaks_the_chain_at_that_row() {
        let (_dir, mut conn) = migrated_connection();
        append(&mut conn, 5);
        diesel::sql_query("UPDATE audit_log SET details = '{\"n\":99}' WHERE id = 3")
            .execute(&mut conn)
            .expect("tamper");
        assert_eq!(verify_chain(&mut conn).expect("verify").first_broken_id, Some(3));
    }

    #[test]
    fn deleting_a_middle_row_or_the_tail_is_detected() {
        let (_dir, mut conn) = migrated_connection();
        append(&mut conn, 5);
        diesel::sql_query("DELETE FROM audit_log WHERE id = 2").execute(&mut conn).expect("tamper");
        assert_eq!(verify_chain(&mut conn).expect("verify").first_broken_id, Some(2));

        let (_dir2, mut conn2) = migrated_connection();
        append(&mut conn2, 5);
        diesel::sql_query("DELETE FROM audit_log WHERE id >= 4").execute(&mut conn2).expect("tamper");
        assert_eq!(verify_chain(&mut conn2).expect("verify").first_broken_id, Some(4));
        // Appending after a truncation must not paper over it.
        append(&mut conn2, 1);
        assert!(verify_chain(&mut conn2).expect("verify").first_broken_id.is_some());
    }

    #[test]
    fn recomputing_one_hash_still_breaks_the_next_link() {
        let (_dir, mut conn) = migrated_connection();
        append(&mut conn, 4);
        let mut row: AuditRow = audit_log::table.find(2).select(AuditRow::as_select()).first(&mut conn).expect("row");
        row.details = "{\"forged\":true}".into();
        let forged = row.content_hash(&row.prev_hash);
        diesel::update(audit_log::table.find(2))
            .set((audit_log::details.eq(&row.details), audit_log::hash.eq(&forged)))
            .execute(&mut conn)
            .expect("tamper");
        assert_eq!(verify_chain(&mut conn).expect("verify").first_broken_id, Some(3));
    }
}
