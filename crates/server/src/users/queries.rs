//! The user list: search (through `db::search`), role and activity filters, the page.

use bms_types::users::{ListUsersQuery, UserList};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::pagination::PageWindow;
use crate::db::schema::users;
use crate::error::ApiError;
use crate::users::User;

/// One page of accounts matching `query`, by username.
pub fn list_users(
    conn: &mut DbConn,
    query: &ListUsersQuery,
    window: PageWindow,
    now: DateTime<Utc>,
) -> Result<UserList, ApiError> {
    let filtered = || {
        let mut statement = users::table.into_boxed();
        if let Some(text) = query.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pattern = crate::db::search::contains_pattern(text);
            statement = statement.filter(
                users::username
                    .like(pattern.clone())
                    .escape(crate::db::search::LIKE_ESCAPE)
                    .or(users::email.like(pattern.clone()).escape(crate::db::search::LIKE_ESCAPE))
                    .or(users::full_name.like(pattern).escape(crate::db::search::LIKE_ESCAPE)),
            );
        }
        if let Some(role) = query.role {
            statement = statement.filter(users::role.eq(role.as_str()));
        }
        if let Some(active) = query.is_active {
            statement = statement.filter(users::is_active.eq(active));
        }
        statement
    };
    let (rows, meta) = window.load(
        conn,
        |conn| filtered().count().get_result(conn),
        |conn, limit, offset| {
            filtered().order(users::username.asc()).limit(limit).offset(offset).select(User::as_select()).load(conn)
        },
    )?;
    let data = rows.iter().map(|user| user.to_dto(now)).collect::<Result<Vec<_>, _>>()?;
    Ok(UserList { data, meta })
}
