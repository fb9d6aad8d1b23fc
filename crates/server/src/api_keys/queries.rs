//! The API-key list: an operator's own keys (or all, for admins), revoked ones on request.

use bms_types::api_keys::ApiKeyList;
use diesel::prelude::*;

use crate::api_keys::{ApiKey, with_creators};
use crate::db::DbConn;
use crate::db::pagination::PageWindow;
use crate::db::schema::api_keys as keys_table;
use crate::error::ApiError;

/// One page of keys, newest first; `owner` limits them to one creator.
pub fn list_keys(
    conn: &mut DbConn,
    owner: Option<i64>,
    include_revoked: bool,
    window: PageWindow,
) -> Result<ApiKeyList, ApiError> {
    let filtered = || {
        let mut statement = keys_table::table.into_boxed();
        if let Some(owner) = owner {
            statement = statement.filter(keys_table::created_by.eq(owner));
        }
        if !include_revoked {
            statement = statement.filter(keys_table::revoked_at.is_null());
        }
        statement
    };
    let (rows, meta) = window.load(
        conn,
        |conn| filtered().count().get_result(conn),
        |conn, limit, offset| {
            filtered().order(keys_table::id.desc()).limit(limit).offset(offset).select(ApiKey::as_select()).load(conn)
        },
    )?;
    Ok(ApiKeyList { data: with_creators(conn, rows)?, meta })
}
