//! Reading media: the wire form (with the open loan, whether it is overdue and the legal
//! next actions today), the filtered inventory, a medium's custody chain with the runs
//! written to it, and the chain as CSV.

use std::collections::HashMap;

use bms_types::media::{
    CustodyChain, CustodyRecordDto, ListMediaQuery, LoanDto, MediaAction, MediaList, MediaState, MediumDto,
    MediumExecutionDto, TransitionContext,
};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::pagination::PageWindow;
use crate::db::schema::{executions, jobs, media, media_custody, media_loans};
use crate::db::search::{LIKE_ESCAPE, contains_pattern};
use crate::error::ApiError;
use crate::media::{LoanRow, MediumRow};

fn loan_dto(loan: &LoanRow) -> LoanDto {
    LoanDto {
        id: loan.id,
        medium_id: loan.medium_id,
        borrower: loan.borrower.clone(),
        purpose: loan.purpose.clone(),
        lent_at: loan.lent_at,
        expected_return: loan.expected_return,
        returned_at: loan.returned_at,
        return_condition: loan.return_condition,
    }
}

/// The wire form of rows (one query for their open loans).
pub fn dtos(conn: &mut DbConn, rows: Vec<MediumRow>, today: NaiveDate) -> QueryResult<Vec<MediumDto>> {
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let loans: HashMap<i64, LoanRow> = media_loans::table
        .filter(media_loans::medium_id.eq_any(&ids))
        .filter(media_loans::returned_at.is_null())
        .select(LoanRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|loan| (loan.medium_id, loan))
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| {
            let loan = loans.get(&row.id);
            let context = TransitionContext {
                retention_until: row.retention_until,
                today,
                lent_from: loan.map(|loan| loan.lent_from),
            };
            MediumDto {
                allowed_actions: row.state.allowed_actions(&context),
                overdue: loan.is_some_and(|loan| loan.expected_return < today),
                loan: loan.map(loan_dto),
                id: row.id,
                label: row.label,
                barcode: row.barcode,
                media_kind: row.media_kind,
                lto_generation: row.lto_generation,
                capacity_bytes: row.capacity_bytes,
                serial: row.serial,
                purchase_date: row.purchase_date,
                encrypted: row.encrypted,
                retention_until: row.retention_until,
                state: row.state,
                location: row.location,
                custodian: row.custodian,
                notes: row.notes,
                copy_id: row.copy_id,
                rotation_id: row.rotation_id,
                rotation_set: row.rotation_set,
                created_at: row.created_at,
                updated_at: row.updated_at,
            }
        })
        .collect())
}

/// One medium's wire form, or 404.
pub fn dto(conn: &mut DbConn, id: i64, today: NaiveDate) -> Result<MediumDto, ApiError> {
    let row = MediumRow::find(conn, id)?;
    dtos(conn, vec![row], today)?.pop().ok_or_else(|| ApiError::not_found("Medium"))
}

/// A filtered page of the inventory, by label.
pub fn list(
    conn: &mut DbConn,
    query: &ListMediaQuery,
    window: PageWindow,
    today: NaiveDate,
) -> Result<MediaList, ApiError> {
    let filtered = || {
        let mut statement = media::table.into_boxed();
        if let Some(state) = query.state {
            statement = statement.filter(media::state.eq(state));
        }
        if let Some(kind) = query.media_kind {
            statement = statement.filter(media::media_kind.eq(kind));
        }
        if let Some(copy) = query.copy_id {
            statement = statement.filter(media::copy_id.eq(copy));
        }
        if let Some(location) = query.location.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
            statement = statement.filter(media::location.like(contains_pattern(location)).escape(LIKE_ESCAPE));
        }
        if let Some(text) = query.q.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
            let pattern = contains_pattern(text);
            statement = statement.filter(
                media::label
                    .like(pattern.clone())
                    .escape(LIKE_ESCAPE)
                    .or(media::barcode.like(pattern.clone()).escape(LIKE_ESCAPE))
                    .or(media::serial.like(pattern).escape(LIKE_ESCAPE)),
            );
        }
        if let Some(overdue) = query.overdue {
            let late = media_loans::table
                .filter(media_loans::returned_at.is_null())
                .filter(media_loans::expected_return.lt(today))
                .select(media_loans::medium_id);
            statement = if overdue {
                statement.filter(media::id.eq_any(late))
            } else {
                statement.filter(media::id.ne_all(late))
            };
        }
        statement
    };
    let (rows, meta) = window.load(
        conn,
        |conn| filtered().count().get_result(conn),
        |conn, limit, offset| {
            filtered().order(media::label).limit(limit).offset(offset).select(MediumRow::as_select()).load(conn)
        },
    )?;
    Ok(MediaList { data: dtos(conn, rows, today)?, meta })
}

type CustodyRow = (
    i64,
    i64,
    MediaAction,
    Option<MediaState>,
    MediaState,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    DateTime<Utc>,
    String,
);

/// Every custody record of a medium, oldest first.
pub fn custody_records(conn: &mut DbConn, medium_id: i64) -> QueryResult<Vec<CustodyRecordDto>> {
    let rows: Vec<CustodyRow> = media_custody::table
        .filter(media_custody::medium_id.eq(medium_id))
        .order(media_custody::id)
        .select((
            media_custody::id,
            media_custody::medium_id,
            media_custody::action,
            media_custody::from_state,
            media_custody::to_state,
            media_custody::from_location,
            media_custody::to_location,
            media_custody::from_custodian,
            media_custody::to_custodian,
            media_custody::handed_over_by,
            media_custody::received_by,
            media_custody::recorded_by,
            media_custody::occurred_at,
            media_custody::note,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| CustodyRecordDto {
            id: row.0,
            medium_id: row.1,
            action: row.2,
            from_state: row.3,
            to_state: row.4,
            from_location: row.5,
            to_location: row.6,
            from_custodian: row.7,
            to_custodian: row.8,
            handed_over_by: row.9,
            received_by: row.10,
            recorded_by: row.11,
            occurred_at: row.12,
            note: row.13,
        })
        .collect())
}

/// A medium, its custody chain and the latest runs written to it.
pub fn custody_chain(conn: &mut DbConn, medium_id: i64, today: NaiveDate) -> Result<CustodyChain, ApiError> {
    let medium = dto(conn, medium_id, today)?;
    let records = custody_records(conn, medium_id)?;
    type Run = (i64, i64, String, String, Option<DateTime<Utc>>, Option<String>);
    let runs: Vec<Run> = executions::table
        .inner_join(jobs::table)
        .filter(executions::medium_id.eq(medium_id))
        .order(executions::id.desc())
        .limit(100)
        .select((
            executions::id,
            executions::job_id,
            jobs::name,
            executions::result,
            executions::finished_at,
            executions::medium_warning,
        ))
        .load(conn)?;
    let executions = runs
        .into_iter()
        .map(|(execution_id, job_id, job_name, result, finished_at, warning)| MediumExecutionDto {
            execution_id,
            job_id,
            job_name,
            result,
            finished_at,
            warning,
        })
        .collect();
    Ok(CustodyChain { medium, records, executions })
}

/// The custody chain as CSV (UTF-8 with a BOM, so that Excel opens Japanese text right).
pub fn custody_csv(label: &str, records: &[CustodyRecordDto]) -> Result<Vec<u8>, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::from("\u{feff}".as_bytes()));
    writer
        .write_record([
            "medium",
            "record",
            "occurred_at",
            "action",
            "from_state",
            "to_state",
            "from_location",
            "to_location",
            "from_custodian",
            "to_custodian",
            "handed_over_by",
            "received_by",
            "recorded_by",
            "note",
        ])
        .map_err(ApiError::internal)?;
    for record in records {
        writer
            .write_record([
                label,
                &record.id.to_string(),
                &record.occurred_at.to_rfc3339(),
                record.action.as_str(),
                record.from_state.map_or("", MediaState::as_str),
                record.to_state.as_str(),
                &record.from_location,
                &record.to_location,
                &record.from_custodian,
                &record.to_custodian,
                &record.handed_over_by,
                &record.received_by,
                &record.recorded_by,
                &record.note,
            ])
            .map_err(ApiError::internal)?;
    }
    writer.into_inner().map_err(|error| ApiError::internal(error.to_string()))
}
