//! Offline media: the inventory, moves through the checked state machine
//! (`bms_types::media::transition`), each move a custody record and an audit row in one
//! transaction, loans, CSV import (`import`), QR labels (`labels`) and rotation schemes
//! (`rotation`).

pub mod handlers;
pub mod import;
pub mod labels;
pub mod queries;
pub mod rotation;

use bms_types::media::{
    CreateMediumRequest, MediaAction, MediaCondition, MediaKind, MediaState, TransitionContext, transition,
};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde_json::json;

use crate::access::Actor;
use crate::audit::{self, AuditEvent};
use crate::db::DbConn;
use crate::db::schema::{job_copies, media, media_custody, media_loans};
use crate::error::{ApiError, Violations};

/// A stored medium.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = media)]
pub struct MediumRow {
    pub id: i64,
    pub label: String,
    pub barcode: Option<String>,
    pub media_kind: MediaKind,
    pub lto_generation: Option<i32>,
    pub capacity_bytes: Option<i64>,
    pub serial: String,
    pub purchase_date: Option<NaiveDate>,
    pub encrypted: bool,
    pub retention_until: Option<NaiveDate>,
    pub state: MediaState,
    pub location: String,
    pub custodian: String,
    pub notes: String,
    pub copy_id: Option<i64>,
    pub rotation_id: Option<i64>,
    pub rotation_set: Option<String>,
    pub disposed_at: Option<DateTime<Utc>>,
    pub disposed_by: Option<String>,
    pub disposal_method: Option<String>,
    pub certificate_ref: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl MediumRow {
    /// One medium, or 404.
    pub fn find(conn: &mut DbConn, id: i64) -> Result<Self, ApiError> {
        media::table
            .find(id)
            .select(Self::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::not_found("Medium"))
    }
}

/// An open loan.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = media_loans)]
pub struct LoanRow {
    pub id: i64,
    pub medium_id: i64,
    pub borrower: String,
    pub purpose: String,
    pub lent_from: MediaState,
    pub lent_at: DateTime<Utc>,
    pub expected_return: NaiveDate,
    pub returned_at: Option<DateTime<Utc>>,
    pub return_condition: Option<MediaCondition>,
    pub lent_by: String,
    pub returned_by: Option<String>,
}

impl LoanRow {
    /// The medium's open loan.
    pub fn open_of(conn: &mut DbConn, medium_id: i64) -> QueryResult<Option<Self>> {
        media_loans::table
            .filter(media_loans::medium_id.eq(medium_id))
            .filter(media_loans::returned_at.is_null())
            .select(Self::as_select())
            .first(conn)
            .optional()
    }
}

/// The text limits of a medium's fields.
const LABEL_MAX: usize = 64;
const TEXT_MAX: usize = 200;
const NOTES_MAX: usize = 4_000;
/// Longest custody note.
pub const NOTE_MAX: usize = 1_000;

/// Whether a label is 1–64 letters, digits, `-`, `_` or `.`.
pub fn valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.chars().count() <= LABEL_MAX
        && label.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A medium to create, checked.
#[derive(Debug, Clone)]
pub struct NewMedium {
    pub label: String,
    pub barcode: Option<String>,
    pub media_kind: MediaKind,
    pub lto_generation: Option<i32>,
    pub capacity_bytes: Option<i64>,
    pub serial: String,
    pub purchase_date: Option<NaiveDate>,
    pub encrypted: bool,
    pub retention_until: Option<NaiveDate>,
    pub state: MediaState,
    pub location: String,
    pub custodian: String,
    pub notes: String,
    pub copy_id: Option<i64>,
}

fn trimmed(text: &Option<String>) -> Option<String> {
    text.as_deref().map(str::trim).filter(|text| !text.is_empty()).map(str::to_owned)
}

/// Checks a create request (what needs no database); `field` names each field (the API
/// uses the plain name, the CSV import `line[N].column`).
pub fn check_new(
    request: &CreateMediumRequest,
    today: NaiveDate,
    violations: &mut Violations,
    field: &dyn Fn(&str) -> String,
) -> Option<NewMedium> {
    let label = request.label.trim().to_owned();
    if !valid_label(&label) {
        violations.add(field("label"), "label_format", "must be 1 to 64 letters, digits, `-`, `_` or `.`");
    }
    let Some(media_kind) = request.media_kind else {
        violations.add(field("media_kind"), "required", "give the kind: lto, external_hdd, usb, rdx, optical, other");
        return None;
    };
    let barcode = trimmed(&request.barcode);
    check_fields(
        &FieldValues {
            barcode: barcode.as_deref(),
            media_kind,
            lto_generation: request.lto_generation,
            capacity_bytes: request.capacity_bytes,
            serial: request.serial.as_deref(),
            purchase_date: request.purchase_date,
            notes: request.notes.as_deref(),
        },
        today,
        violations,
        field,
    );
    for (name, value) in [("location", &request.location), ("custodian", &request.custodian)] {
        if value.as_deref().is_some_and(|text| text.chars().count() > TEXT_MAX) {
            violations.add(field(name), "max_length", format!("must be at most {TEXT_MAX} characters"));
        }
    }
    let state = request.state.unwrap_or(MediaState::Available);
    if !matches!(state, MediaState::Available | MediaState::Stored | MediaState::Offsite) {
        violations.add(field("state"), "initial_state", "a new medium is available, stored or offsite");
    }
    Some(NewMedium {
        label,
        barcode,
        media_kind,
        lto_generation: request.lto_generation,
        capacity_bytes: request.capacity_bytes,
        serial: trimmed(&request.serial).unwrap_or_default(),
        purchase_date: request.purchase_date,
        encrypted: request.encrypted.unwrap_or(false),
        retention_until: request.retention_until,
        state,
        location: trimmed(&request.location).unwrap_or_default(),
        custodian: trimmed(&request.custodian).unwrap_or_default(),
        notes: trimmed(&request.notes).unwrap_or_default(),
        copy_id: request.copy_id,
    })
}

/// The descriptive fields both create and update check.
pub struct FieldValues<'a> {
    pub barcode: Option<&'a str>,
    pub media_kind: MediaKind,
    pub lto_generation: Option<i32>,
    pub capacity_bytes: Option<i64>,
    pub serial: Option<&'a str>,
    pub purchase_date: Option<NaiveDate>,
    pub notes: Option<&'a str>,
}

/// Checks the descriptive fields.
pub fn check_fields(
    values: &FieldValues<'_>,
    today: NaiveDate,
    violations: &mut Violations,
    field: &dyn Fn(&str) -> String,
) {
    if values.barcode.is_some_and(|code| code.chars().count() > LABEL_MAX) {
        violations.add(field("barcode"), "max_length", format!("must be at most {LABEL_MAX} characters"));
    }
    match (values.media_kind, values.lto_generation) {
        (MediaKind::Lto, Some(generation)) if !(1..=12).contains(&generation) => {
            violations.add(field("lto_generation"), "range", "must be from 1 to 12");
        }
        (kind, Some(_)) if kind != MediaKind::Lto => {
            violations.add(field("lto_generation"), "lto_only", "only LTO tapes have a generation");
        }
        _ => {}
    }
    if values.capacity_bytes.is_some_and(|bytes| bytes <= 0) {
        violations.add(field("capacity_bytes"), "min", "must be more than 0");
    }
    if values.serial.is_some_and(|text| text.chars().count() > TEXT_MAX / 2) {
        violations.add(field("serial"), "max_length", "must be at most 100 characters");
    }
    if values.purchase_date.is_some_and(|date| date > today) {
        violations.add(field("purchase_date"), "not_future", "must not be in the future");
    }
    if values.notes.is_some_and(|text| text.chars().count() > NOTES_MAX) {
        violations.add(field("notes"), "max_length", format!("must be at most {NOTES_MAX} characters"));
    }
}

/// Checks what needs the database: label and barcode free, the copy an offline copy.
pub fn check_unique(
    conn: &mut DbConn,
    new: &NewMedium,
    except: Option<i64>,
    violations: &mut Violations,
    field: &dyn Fn(&str) -> String,
) -> QueryResult<()> {
    let taken = |conn: &mut DbConn, column: &str, value: &str| -> QueryResult<bool> {
        let mut query = media::table.select(media::id).into_boxed();
        query = if column == "label" {
            query.filter(media::label.eq(value.to_owned()))
        } else {
            query.filter(media::barcode.eq(value.to_owned()))
        };
        if let Some(id) = except {
            query = query.filter(media::id.ne(id));
        }
        Ok(query.first::<i64>(conn).optional()?.is_some())
    };
    if taken(conn, "label", &new.label)? {
        violations.add(field("label"), "unique", "another medium has this label");
    }
    if let Some(barcode) = &new.barcode
        && taken(conn, "barcode", barcode)?
    {
        violations.add(field("barcode"), "unique", "another medium has this barcode");
    }
    if let Some(copy_id) = new.copy_id {
        check_offline_copy(conn, copy_id, violations, &field("copy_id"))?;
    }
    Ok(())
}

/// A medium serves an offline copy.
pub fn check_offline_copy(
    conn: &mut DbConn,
    copy_id: i64,
    violations: &mut Violations,
    field: &str,
) -> QueryResult<()> {
    let offline: Option<bool> =
        job_copies::table.find(copy_id).select(job_copies::is_offline).first(conn).optional()?;
    match offline {
        None => violations.add(field, "exists", "no such copy"),
        Some(false) => violations.add(field, "offline_copy", "media belong to offline copies only"),
        Some(true) => {}
    }
    Ok(())
}

/// Inserts a checked medium with its first custody record (`register`). No audit row:
/// the caller audits (one row per medium through the API, one per file on import).
pub fn insert(conn: &mut DbConn, new: &NewMedium, recorded_by: &str, now: DateTime<Utc>) -> QueryResult<i64> {
    let id: i64 = diesel::insert_into(media::table)
        .values((
            media::label.eq(&new.label),
            media::barcode.eq(&new.barcode),
            media::media_kind.eq(new.media_kind),
            media::lto_generation.eq(new.lto_generation),
            media::capacity_bytes.eq(new.capacity_bytes),
            media::serial.eq(&new.serial),
            media::purchase_date.eq(new.purchase_date),
            media::encrypted.eq(new.encrypted),
            media::retention_until.eq(new.retention_until),
            media::state.eq(new.state),
            media::location.eq(&new.location),
            media::custodian.eq(&new.custodian),
            media::notes.eq(&new.notes),
            media::copy_id.eq(new.copy_id),
            media::created_at.eq(now),
            media::updated_at.eq(now),
        ))
        .returning(media::id)
        .get_result(conn)?;
    diesel::insert_into(media_custody::table)
        .values((
            media_custody::medium_id.eq(id),
            media_custody::action.eq(MediaAction::Register),
            media_custody::from_state.eq(None::<MediaState>),
            media_custody::to_state.eq(new.state),
            media_custody::from_location.eq(""),
            media_custody::to_location.eq(&new.location),
            media_custody::from_custodian.eq(""),
            media_custody::to_custodian.eq(&new.custodian),
            media_custody::recorded_by.eq(recorded_by),
            media_custody::occurred_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

/// A move to apply.
#[derive(Debug, Clone, Default)]
pub struct Move {
    /// New location (kept when `None`).
    pub location: Option<String>,
    /// New custodian (kept when `None`).
    pub custodian: Option<String>,
    /// Who handed it over.
    pub handed_over_by: String,
    /// Who received it.
    pub received_by: String,
    /// When (default now).
    pub occurred_at: Option<DateTime<Utc>>,
    /// Note.
    pub note: String,
    /// New retention date (store / send off site).
    pub retention_until: Option<NaiveDate>,
    /// For `lend`: the loan.
    pub loan: Option<NewLoan>,
    /// For `return`: the condition.
    pub condition: Option<MediaCondition>,
    /// For `destroy`: method and certificate.
    pub disposal: Option<(String, String)>,
}

/// A loan to open.
#[derive(Debug, Clone)]
pub struct NewLoan {
    pub borrower: String,
    pub purpose: String,
    pub expected_return: NaiveDate,
}

/// Applies `action` to a medium inside the caller's write transaction: the state machine
/// decides (an illegal move is 409 naming the rule), then the medium, the custody record,
/// the loan and the audit row are written together.
pub fn apply_move(
    conn: &mut DbConn,
    medium_id: i64,
    action: MediaAction,
    change: &Move,
    actor: &Actor,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let medium = MediumRow::find(conn, medium_id)?;
    let loan = LoanRow::open_of(conn, medium_id)?;
    let context = TransitionContext {
        retention_until: change.retention_until.or(medium.retention_until),
        today,
        lent_from: loan.as_ref().map(|loan| loan.lent_from),
    };
    // Retention set by this very move (store with a date) does not block it; only the
    // date already on the medium guards release and destruction.
    let guard = TransitionContext { retention_until: medium.retention_until, ..context };
    let next = transition(medium.state, action, &guard).map_err(|refusal| {
        ApiError::conflict_rule("action", refusal.rule, bms_types::media::refusal_message(refusal.rule))
    })?;
    let recorder = actor.name.clone().unwrap_or_default();
    let location = change.location.clone().unwrap_or_else(|| medium.location.clone());
    let custodian = match (&change.loan, &change.custodian) {
        (Some(new_loan), _) => new_loan.borrower.clone(),
        (None, Some(custodian)) => custodian.clone(),
        (None, None) => medium.custodian.clone(),
    };
    let occurred_at = change.occurred_at.unwrap_or(now);
    let retention = if action == MediaAction::Release { None } else { context.retention_until };
    diesel::update(media::table.find(medium_id))
        .set((
            media::state.eq(next),
            media::location.eq(&location),
            media::custodian.eq(&custodian),
            media::retention_until.eq(retention),
            media::updated_at.eq(now),
        ))
        .execute(conn)?;
    let mut note = change.note.clone();
    if let Some((method, certificate)) = &change.disposal {
        diesel::update(media::table.find(medium_id))
            .set((
                media::disposed_at.eq(occurred_at),
                media::disposed_by.eq(&recorder),
                media::disposal_method.eq(method),
                media::certificate_ref.eq(certificate),
            ))
            .execute(conn)?;
        note = format!(
            "method: {method}; certificate: {certificate}{}",
            if note.is_empty() { String::new() } else { format!("; {note}") }
        );
    }
    if let Some(new_loan) = &change.loan {
        diesel::insert_into(media_loans::table)
            .values((
                media_loans::medium_id.eq(medium_id),
                media_loans::borrower.eq(&new_loan.borrower),
                media_loans::purpose.eq(&new_loan.purpose),
                media_loans::lent_from.eq(medium.state),
                media_loans::lent_at.eq(occurred_at),
                media_loans::expected_return.eq(new_loan.expected_return),
                media_loans::lent_by.eq(&recorder),
            ))
            .execute(conn)?;
    }
    if let (MediaAction::Return, Some(open)) = (action, &loan) {
        diesel::update(media_loans::table.find(open.id))
            .set((
                media_loans::returned_at.eq(occurred_at),
                media_loans::return_condition.eq(change.condition),
                media_loans::returned_by.eq(&recorder),
            ))
            .execute(conn)?;
    }
    diesel::insert_into(media_custody::table)
        .values((
            media_custody::medium_id.eq(medium_id),
            media_custody::action.eq(action),
            media_custody::from_state.eq(Some(medium.state)),
            media_custody::to_state.eq(next),
            media_custody::from_location.eq(&medium.location),
            media_custody::to_location.eq(&location),
            media_custody::from_custodian.eq(&medium.custodian),
            media_custody::to_custodian.eq(&custodian),
            media_custody::handed_over_by.eq(&change.handed_over_by),
            media_custody::received_by.eq(&change.received_by),
            media_custody::recorded_by.eq(&recorder),
            media_custody::occurred_at.eq(occurred_at),
            media_custody::note.eq(&note),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        now,
        actor,
        AuditEvent::success(audit_action(action), "medium", medium_id).with_details(json!({
            "label": medium.label,
            "from": medium.state,
            "to": next,
            "location": location,
            "custodian": custodian,
            "condition": change.condition,
        })),
    )?;
    Ok(())
}

fn audit_action(action: MediaAction) -> &'static str {
    match action {
        MediaAction::Register => "medium.create",
        MediaAction::Write => "medium.write",
        MediaAction::Store => "medium.store",
        MediaAction::SendOffsite => "medium.send_offsite",
        MediaAction::Lend => "medium.lend",
        MediaAction::Return => "medium.return",
        MediaAction::Release => "medium.release",
        MediaAction::Relocate => "medium.relocate",
        MediaAction::Retire => "medium.retire",
        MediaAction::Destroy => "medium.destroy",
    }
}
