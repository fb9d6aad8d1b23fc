//! The result list: filters by job, copy, result, source and time, newest first.

use bms_types::executions::{ExecutionList, ListExecutionsQuery};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::pagination::PageWindow;
use crate::db::schema::executions;
use crate::error::ApiError;
use crate::tracking::execution::Execution;

/// One page of results matching `query`, newest first.
pub fn list_executions(
    conn: &mut DbConn,
    query: &ListExecutionsQuery,
    window: PageWindow,
) -> Result<ExecutionList, ApiError> {
    let filtered = || {
        let mut statement = executions::table.into_boxed();
        if let Some(job_id) = query.job_id {
            statement = statement.filter(executions::job_id.eq(job_id));
        }
        if let Some(copy_id) = query.copy_id {
            statement = statement.filter(executions::copy_id.eq(copy_id));
        }
        if let Some(result) = query.result {
            statement = statement.filter(executions::result.eq(result.as_str()));
        }
        if let Some(source) = query.source {
            statement = statement.filter(executions::source.eq(source.as_str()));
        }
        if let Some(from) = query.from {
            statement = statement.filter(executions::finished_at.ge(from));
        }
        if let Some(to) = query.to {
            statement = statement.filter(executions::finished_at.lt(to));
        }
        statement
    };
    let (rows, meta) = window.load(
        conn,
        |conn| filtered().count().get_result(conn),
        |conn, limit, offset| {
            filtered()
                .order(executions::id.desc())
                .limit(limit)
                .offset(offset)
                .select(Execution::as_select())
                .load(conn)
        },
    )?;
    Ok(ExecutionList { data: rows.iter().map(Execution::to_dto).collect::<Result<_, _>>()?, meta })
}
