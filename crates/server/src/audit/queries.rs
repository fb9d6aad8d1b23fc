//! The audit-log list: filters by action, actor, resource, outcome and time, newest first.

use bms_types::audit::{AuditEntryList, ListAuditQuery};
use diesel::prelude::*;

use crate::audit::AuditRow;
use crate::db::DbConn;
use crate::db::pagination::PageWindow;
use crate::db::schema::audit_log;
use crate::error::ApiError;

/// One page of entries matching `query`, newest first.
pub fn list_entries(conn: &mut DbConn, query: &ListAuditQuery, window: PageWindow) -> Result<AuditEntryList, ApiError> {
    let filtered = || {
        let mut statement = audit_log::table.into_boxed();
        if let Some(action) = &query.action {
            statement = statement.filter(audit_log::action.eq(action.clone()));
        }
        if let Some(kind) = query.actor_kind {
            statement = statement.filter(audit_log::actor_kind.eq(kind.as_str()));
        }
        if let Some(user_id) = query.actor_user_id {
            statement = statement.filter(audit_log::actor_user_id.eq(user_id));
        }
        if let Some(key_id) = query.actor_api_key_id {
            statement = statement.filter(audit_log::actor_api_key_id.eq(key_id));
        }
        if let Some(resource_type) = &query.resource_type {
            statement = statement.filter(audit_log::resource_type.eq(resource_type.clone()));
        }
        if let Some(resource_id) = &query.resource_id {
            statement = statement.filter(audit_log::resource_id.eq(resource_id.clone()));
        }
        if let Some(outcome) = query.outcome {
            statement = statement.filter(audit_log::outcome.eq(outcome.as_str()));
        }
        if let Some(from) = query.from {
            statement = statement.filter(audit_log::occurred_at.ge(from));
        }
        if let Some(to) = query.to {
            statement = statement.filter(audit_log::occurred_at.lt(to));
        }
        statement
    };
    let (rows, meta) = window.load(
        conn,
        |conn| filtered().count().get_result(conn),
        |conn, limit, offset| {
            filtered().order(audit_log::id.desc()).limit(limit).offset(offset).select(AuditRow::as_select()).load(conn)
        },
    )?;
    Ok(AuditEntryList { data: rows.into_iter().map(AuditRow::into_dto).collect(), meta })
}
