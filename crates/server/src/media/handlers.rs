//! `/api/v1/media` (inventory, moves, lending, retirement, custody chain, QR codes and
//! label sheets, CSV import) and `/api/v1/media/rotations`. Operators move and lend media;
//! admins retire, destroy and configure rotations; every change is audited.

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use bms_types::ApiErrorBody;
use bms_types::media::{
    AssignRotationSetRequest, CreateMediumRequest, CustodyChain, DisposeMediumRequest, LendMediumRequest,
    ListMediaQuery, MediaAction, MediaImportQuery, MediaImportResult, MediaList, MediumDto, MoveMediumRequest,
    ReturnMediumRequest, RotationCalendarDto, RotationCalendarQuery, RotationDto, RotationList, RotationRequest,
    UpdateMediumRequest,
};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde_json::json;

use crate::access::{AdminOnly, Authorized, Operators, Readers};
use crate::app::AppState;
use crate::audit::{self, AuditEvent};
use crate::db::pagination::PageWindow;
use crate::db::schema::{media, media_rotations};
use crate::db::{DbConn, run_db, write_transaction};
use crate::error::{ApiError, Violations};
use crate::media::rotation::RotationRow;
use crate::media::{
    FieldValues, MediumRow, Move, NOTE_MAX, NewLoan, apply_move, check_fields, check_new, check_offline_copy,
    check_unique, import, insert, labels, queries, valid_label,
};
use crate::request::{PathId, ValidJson, ValidQuery};

/// Today in the configured zone (retention and return dates are calendar dates).
fn today(state: &AppState, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&state.config.default_timezone).date_naive()
}

fn plain(name: &str) -> String {
    name.to_owned()
}

/// List the inventory, by label.
#[utoipa::path(
    tag = "media",
    params(ListMediaQuery),
    responses(
        (status = 200, description = "A page of media", body = MediaList),
        (status = 400, description = "Invalid filter", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/media")]
pub async fn list_media(
    state: web::Data<AppState>,
    _auth: Authorized<Readers>,
    ValidQuery(query): ValidQuery<ListMediaQuery>,
) -> Result<web::Json<MediaList>, ApiError> {
    let window = PageWindow::new(query.page, query.per_page)?;
    let day = today(&state, state.clock.now());
    Ok(web::Json(run_db(&state.pool, move |conn| queries::list(conn, &query, window, day)).await?))
}

/// Add a medium (available, or stored / offsite when registering existing media).
#[utoipa::path(
    tag = "media",
    request_body = CreateMediumRequest,
    responses(
        (status = 201, description = "Created", body = MediumDto),
        (status = 400, description = "Invalid input, label or barcode taken", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/media")]
pub async fn create_medium(
    state: web::Data<AppState>,
    auth: Authorized<Operators>,
    ValidJson(request): ValidJson<CreateMediumRequest>,
) -> Result<HttpResponse, ApiError> {
    let (now, actor) = (state.clock.now(), auth.actor());
    let day = today(&state, now);
    let dto = run_db(&state.pool, move |conn| {
        write_transaction(conn, |conn| {
            let mut violations = Violations::new();
            let new = check_new(&request, day, &mut violations, &plain);
            if let Some(new) = &new {
                check_unique(conn, new, None, &mut violations, &plain)?;
            }
            let Some(new) = violations.finish(new)? else {
                return Err(ApiError::invalid_field("media_kind", "required", "give the kind"));
            };
            let id = insert(conn, &new, actor.name.as_deref().unwrap_or_default(), now)?;
            audit::record(
                conn,
                now,
                &actor,
                AuditEvent::success("medium.create", "medium", id)
                    .with_details(json!({ "label": new.label, "state": new.state, "media_kind": new.media_kind })),
            )?;
            queries::dto(conn, id, day)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(dto))
}

/// One medium.
#[utoipa::path(
    tag = "media",
    params(("id" = i64, Path, description = "Medium id")),
    responses(
        (status = 200, description = "The medium", body = MediumDto),
        (status = 404, description = "No such medium", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/media/{id}")]
pub async fn get_medium(
    state: web::Data<AppState>,
    _auth: Authorized<Readers>,
    PathId(id): PathId,
) -> Result<web::Json<MediumDto>, ApiError> {
    let day = today(&state, state.clock.now());
    Ok(web::Json(run_db(&state.pool, move |conn| queries::dto(conn, id, day)).await?))
}

/// Change a medium's descriptive fields (moves go through `move`, `lend`, ...).
#[utoipa::path(
    tag = "media",
    params(("id" = i64, Path, description = "Medium id")),
    request_body = UpdateMediumRequest,
    responses(
        (status = 200, description = "Updated", body = MediumDto),
        (status = 400, description = "Invalid input, label or barcode taken", body = ApiErrorBody),
        (status = 403, description = "Only admins shorten or clear a retention date", body = ApiErrorBody),
        (status = 404, description = "No such medium", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[patch("/media/{id}")]
pub async fn update_medium(
    state: web::Data<AppState>,
    auth: Authorized<Operators>,
    PathId(id): PathId,
    ValidJson(patch): ValidJson<UpdateMediumRequest>,
) -> Result<web::Json<MediumDto>, ApiError> {
    let (now, actor) = (state.clock.now(), auth.actor());
    let day = today(&state, now);
    let changed = serde_json::to_value(&patch).map_err(ApiError::internal)?;
    let is_admin = auth.user().is_some_and(|user| user.role == bms_types::users::Role::Admin);
    let dto = run_db(&state.pool, move |conn| {
        write_transaction(conn, |conn| {
            let row = MediumRow::find(conn, id)?;
            let mut violations = Violations::new();
            let label = patch.label.as_deref().map(str::trim).unwrap_or(&row.label).to_owned();
            if !valid_label(&label) {
                violations.add("label", "label_format", "must be 1 to 64 letters, digits, `-`, `_` or `.`");
            }
            let barcode = patch.barcode.clone().unwrap_or(row.barcode.clone()).filter(|code| !code.trim().is_empty());
            let kind = patch.media_kind.unwrap_or(row.media_kind);
            let generation = patch.lto_generation.unwrap_or(row.lto_generation);
            let capacity = patch.capacity_bytes.unwrap_or(row.capacity_bytes);
            let serial = patch.serial.clone().unwrap_or(row.serial.clone());
            let purchase = patch.purchase_date.unwrap_or(row.purchase_date);
            let notes = patch.notes.clone().unwrap_or(row.notes.clone());
            let copy_id = patch.copy_id.unwrap_or(row.copy_id);
            // Shortening or clearing a retention date would get round the retention guard
            // on release and destruction: only admins may (and it is audited).
            if let Some(new) = patch.retention_until
                && row.retention_until.is_some_and(|old| new.is_none_or(|new| new < old))
                && !is_admin
            {
                return Err(ApiError::forbidden("Only an administrator may shorten or clear a retention date."));
            }
            check_fields(
                &FieldValues {
                    barcode: barcode.as_deref(),
                    media_kind: kind,
                    lto_generation: generation,
                    capacity_bytes: capacity,
                    serial: Some(&serial),
                    purchase_date: purchase,
                    notes: Some(&notes),
                },
                day,
                &mut violations,
                &plain,
            );
            let probe = crate::media::NewMedium {
                label: label.clone(),
                barcode: barcode.clone(),
                media_kind: kind,
                lto_generation: generation,
                capacity_bytes: capacity,
                serial: serial.clone(),
                purchase_date: purchase,
                encrypted: patch.encrypted.unwrap_or(row.encrypted),
                retention_until: patch.retention_until.unwrap_or(row.retention_until),
                state: row.state,
                location: row.location.clone(),
                custodian: row.custodian.clone(),
                notes: notes.clone(),
                copy_id: if copy_id == row.copy_id { None } else { copy_id },
            };
            check_unique(conn, &probe, Some(id), &mut violations, &plain)?;
            violations.finish(())?;
            diesel::update(media::table.find(id))
                .set((
                    media::label.eq(&probe.label),
                    media::barcode.eq(&probe.barcode),
                    media::media_kind.eq(probe.media_kind),
                    media::lto_generation.eq(probe.lto_generation),
                    media::capacity_bytes.eq(probe.capacity_bytes),
                    media::serial.eq(&probe.serial),
                    media::purchase_date.eq(probe.purchase_date),
                    media::encrypted.eq(probe.encrypted),
                    media::retention_until.eq(probe.retention_until),
                    media::notes.eq(&probe.notes),
                    media::copy_id.eq(copy_id),
                    media::updated_at.eq(now),
                ))
                .execute(conn)?;
            audit::record(conn, now, &actor, AuditEvent::success("medium.update", "medium", id).with_details(changed))?;
            queries::dto(conn, id, day)
        })
    })
    .await?;
    Ok(web::Json(dto))
}

fn clean(text: Option<&str>, field: &str, max: usize, violations: &mut Violations) -> String {
    let text = text.map(str::trim).unwrap_or_default().to_owned();
    if text.chars().count() > max {
        violations.add(field, "max_length", format!("must be at most {max} characters"));
    }
    text
}

/// Runs a checked move and answers the medium after it.
async fn run_move(
    state: web::Data<AppState>,
    actor: crate::access::Actor,
    id: i64,
    action: MediaAction,
    change: Move,
) -> Result<web::Json<MediumDto>, ApiError> {
    let now = state.clock.now();
    let day = today(&state, now);
    if change.occurred_at.is_some_and(|at| at > now + chrono::Duration::minutes(5)) {
        return Err(ApiError::invalid_field("occurred_at", "not_future", "must not be in the future"));
    }
    let dto = run_db(&state.pool, move |conn| {
        write_transaction(conn, |conn| {
            apply_move(conn, id, action, &change, &actor, day, now)?;
            queries::dto(conn, id, day)
        })
    })
    .await?;
    Ok(web::Json(dto))
}

/// Move a medium: `write`, `store`, `send_offsite`, `release` or `relocate`. An illegal
/// move answers 409 naming the rule (`medium_lent`, `retention_active`, `not_available`...).
#[utoipa::path(
    tag = "media",
    params(("id" = i64, Path, description = "Medium id")),
    request_body = MoveMediumRequest,
    responses(
        (status = 200, description = "Moved; a custody record is written", body = MediumDto),
        (status = 400, description = "Invalid input (lend, return, retire and destroy have their own paths)", body = ApiErrorBody),
        (status = 404, description = "No such medium", body = ApiErrorBody),
        (status = 409, description = "Refused by the state machine: `details[0].rule` names the rule", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/media/{id}/move")]
pub async fn move_medium(
    state: web::Data<AppState>,
    auth: Authorized<Operators>,
    PathId(id): PathId,
    ValidJson(request): ValidJson<MoveMediumRequest>,
) -> Result<web::Json<MediumDto>, ApiError> {
    let mut violations = Violations::new();
    if !matches!(
        request.action,
        MediaAction::Write
            | MediaAction::Store
            | MediaAction::SendOffsite
            | MediaAction::Release
            | MediaAction::Relocate
    ) {
        violations.add("action", "move_action", "must be write, store, send_offsite, release or relocate");
    }
    if request.retention_until.is_some() && !matches!(request.action, MediaAction::Store | MediaAction::SendOffsite) {
        violations.add(
            "retention_until",
            "store_only",
            "a retention date is set when the medium is stored or sent off site",
        );
    }
    let change = Move {
        location: request.location.as_deref().map(|text| clean(Some(text), "location", 200, &mut violations)),
        custodian: request.custodian.as_deref().map(|text| clean(Some(text), "custodian", 200, &mut violations)),
        handed_over_by: clean(request.handed_over_by.as_deref(), "handed_over_by", 200, &mut violations),
        received_by: clean(request.received_by.as_deref(), "received_by", 200, &mut violations),
        note: clean(request.note.as_deref(), "note", NOTE_MAX, &mut violations),
        occurred_at: request.occurred_at,
        retention_until: request.retention_until,
        ..Move::default()
    };
    let change = violations.finish(change)?;
    run_move(state, auth.actor(), id, request.action, change).await
}

/// Lend a medium (available, stored or off site) to someone until a date.
#[utoipa::path(
    tag = "media",
    params(("id" = i64, Path, description = "Medium id")),
    request_body = LendMediumRequest,
    responses(
        (status = 200, description = "Lent; a custody record and a loan are written", body = MediumDto),
        (status = 400, description = "Invalid input", body = ApiErrorBody),
        (status = 404, description = "No such medium", body = ApiErrorBody),
        (status = 409, description = "Refused by the state machine (e.g. `medium_retired`)", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/media/{id}/lend")]
pub async fn lend_medium(
    state: web::Data<AppState>,
    auth: Authorized<Operators>,
    PathId(id): PathId,
    ValidJson(request): ValidJson<LendMediumRequest>,
) -> Result<web::Json<MediumDto>, ApiError> {
    let mut violations = Violations::new();
    let borrower = clean(Some(&request.borrower), "borrower", 200, &mut violations);
    if borrower.is_empty() {
        violations.add("borrower", "required", "say who borrows it");
    }
    let day = today(&state, state.clock.now());
    if request.expected_return < day {
        violations.add("expected_return", "not_past", "must be today or later");
    }
    let user = auth.actor().name.unwrap_or_default();
    let change = Move {
        handed_over_by: Some(clean(request.handed_over_by.as_deref(), "handed_over_by", 200, &mut violations))
            .filter(|name| !name.is_empty())
            .unwrap_or(user),
        received_by: borrower.clone(),
        note: clean(request.note.as_deref(), "note", NOTE_MAX, &mut violations),
        loan: Some(NewLoan {
            purpose: clean(request.purpose.as_deref(), "purpose", NOTE_MAX, &mut violations),
            borrower,
            expected_return: request.expected_return,
        }),
        ..Move::default()
    };
    let change = violations.finish(change)?;
    run_move(state, auth.actor(), id, MediaAction::Lend, change).await
}

/// Take a lent medium back, with its condition; it returns to where the loan started.
#[utoipa::path(
    tag = "media",
    params(("id" = i64, Path, description = "Medium id")),
    request_body = ReturnMediumRequest,
    responses(
        (status = 200, description = "Returned; the loan is closed", body = MediumDto),
        (status = 400, description = "Invalid input", body = ApiErrorBody),
        (status = 404, description = "No such medium", body = ApiErrorBody),
        (status = 409, description = "Not lent (`not_lent`)", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/media/{id}/return")]
pub async fn return_medium(
    state: web::Data<AppState>,
    auth: Authorized<Operators>,
    PathId(id): PathId,
    ValidJson(request): ValidJson<ReturnMediumRequest>,
) -> Result<web::Json<MediumDto>, ApiError> {
    let mut violations = Violations::new();
    let user = auth.actor().name.unwrap_or_default();
    let received = clean(request.received_by.as_deref(), "received_by", 200, &mut violations);
    let change = Move {
        location: request.location.as_deref().map(|text| clean(Some(text), "location", 200, &mut violations)),
        custodian: Some(if received.is_empty() { user.clone() } else { received.clone() }),
        received_by: if received.is_empty() { user } else { received },
        note: clean(request.note.as_deref(), "note", NOTE_MAX, &mut violations),
        condition: Some(request.condition),
        ..Move::default()
    };
    let change = violations.finish(change)?;
    run_move(state, auth.actor(), id, MediaAction::Return, change).await
}

/// Retire a medium (admins): out of service, kept until destroyed.
#[utoipa::path(
    tag = "media",
    params(("id" = i64, Path, description = "Medium id")),
    request_body = DisposeMediumRequest,
    responses(
        (status = 200, description = "Retired", body = MediumDto),
        (status = 400, description = "Invalid input", body = ApiErrorBody),
        (status = 404, description = "No such medium", body = ApiErrorBody),
        (status = 409, description = "Refused (`medium_lent`, `medium_destroyed`...)", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/media/{id}/retire")]
pub async fn retire_medium(
    state: web::Data<AppState>,
    auth: Authorized<AdminOnly>,
    PathId(id): PathId,
    ValidJson(request): ValidJson<DisposeMediumRequest>,
) -> Result<web::Json<MediumDto>, ApiError> {
    let mut violations = Violations::new();
    let reason = clean(request.method.as_deref(), "method", 200, &mut violations);
    let note = clean(request.note.as_deref(), "note", NOTE_MAX, &mut violations);
    let note = match (reason.is_empty(), note.is_empty()) {
        (true, _) => note,
        (false, true) => format!("reason: {reason}"),
        (false, false) => format!("reason: {reason}; {note}"),
    };
    let change = violations.finish(Move { note, ..Move::default() })?;
    run_move(state, auth.actor(), id, MediaAction::Retire, change).await
}

/// Destroy a medium (admins), recording the method and the destruction certificate.
#[utoipa::path(
    tag = "media",
    params(("id" = i64, Path, description = "Medium id")),
    request_body = DisposeMediumRequest,
    responses(
        (status = 200, description = "Destroyed", body = MediumDto),
        (status = 400, description = "Method or certificate missing", body = ApiErrorBody),
        (status = 404, description = "No such medium", body = ApiErrorBody),
        (status = 409, description = "Refused (`retention_active`, `medium_lent`, `medium_in_use`...)", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/media/{id}/destroy")]
pub async fn destroy_medium(
    state: web::Data<AppState>,
    auth: Authorized<AdminOnly>,
    PathId(id): PathId,
    ValidJson(request): ValidJson<DisposeMediumRequest>,
) -> Result<web::Json<MediumDto>, ApiError> {
    let mut violations = Violations::new();
    let method = clean(request.method.as_deref(), "method", 200, &mut violations);
    let certificate = clean(request.certificate_ref.as_deref(), "certificate_ref", 200, &mut violations);
    for (field, value) in [("method", &method), ("certificate_ref", &certificate)] {
        if value.is_empty() {
            violations.add(field, "required", "a destruction is recorded with its method and certificate");
        }
    }
    let note = clean(request.note.as_deref(), "note", NOTE_MAX, &mut violations);
    let change = violations.finish(Move { note, disposal: Some((method, certificate)), ..Move::default() })?;
    run_move(state, auth.actor(), id, MediaAction::Destroy, change).await
}

/// A medium's custody chain (every move, oldest first) and the runs written to it.
#[utoipa::path(
    tag = "media",
    params(("id" = i64, Path, description = "Medium id")),
    responses(
        (status = 200, description = "The chain", body = CustodyChain),
        (status = 404, description = "No such medium", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/media/{id}/custody")]
pub async fn custody_chain(
    state: web::Data<AppState>,
    _auth: Authorized<Readers>,
    PathId(id): PathId,
) -> Result<web::Json<CustodyChain>, ApiError> {
    let day = today(&state, state.clock.now());
    Ok(web::Json(run_db(&state.pool, move |conn| queries::custody_chain(conn, id, day)).await?))
}

/// The custody chain as CSV (UTF-8 with BOM).
#[utoipa::path(
    tag = "media",
    params(("id" = i64, Path, description = "Medium id")),
    responses(
        (status = 200, description = "CSV, one row per move", content_type = "text/csv"),
        (status = 404, description = "No such medium", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/media/{id}/custody.csv")]
pub async fn custody_csv(
    state: web::Data<AppState>,
    _auth: Authorized<Readers>,
    PathId(id): PathId,
) -> Result<HttpResponse, ApiError> {
    let (label, body) = run_db(&state.pool, move |conn| {
        let medium = MediumRow::find(conn, id)?;
        let records = queries::custody_records(conn, id)?;
        Ok((medium.label.clone(), queries::custody_csv(&medium.label, &records)?))
    })
    .await?;
    let disposition = header::ContentDisposition {
        disposition: header::DispositionType::Attachment,
        parameters: vec![header::DispositionParam::Filename(format!("custody-{label}.csv"))],
    };
    Ok(HttpResponse::Ok().content_type("text/csv; charset=utf-8").insert_header(disposition).body(body))
}

/// The medium's QR code (SVG): it opens the medium's page in the UI.
#[utoipa::path(
    tag = "media",
    params(("id" = i64, Path, description = "Medium id")),
    responses(
        (status = 200, description = "SVG", content_type = "image/svg+xml"),
        (status = 404, description = "No such medium", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/media/{id}/qr.svg")]
pub async fn medium_qr(
    state: web::Data<AppState>,
    _auth: Authorized<Readers>,
    PathId(id): PathId,
) -> Result<HttpResponse, ApiError> {
    run_db(&state.pool, move |conn| MediumRow::find(conn, id)).await?;
    let svg = labels::qr_svg(&labels::medium_url(&state.config.alerting.public_url, id))?;
    Ok(HttpResponse::Ok().content_type("image/svg+xml").body(svg))
}

/// Which labels to print.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LabelsQuery {
    /// Comma-separated medium ids (1–240), in print order.
    pub ids: String,
}

/// A printable A4 sheet of labels (HTML with a print stylesheet; 24 labels a page).
#[utoipa::path(
    tag = "media",
    params(LabelsQuery),
    responses(
        (status = 200, description = "HTML", content_type = "text/html"),
        (status = 400, description = "Invalid ids", body = ApiErrorBody),
        (status = 404, description = "A medium does not exist", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/media/labels")]
pub async fn label_sheet(
    state: web::Data<AppState>,
    _auth: Authorized<Readers>,
    ValidQuery(query): ValidQuery<LabelsQuery>,
) -> Result<HttpResponse, ApiError> {
    let ids: Option<Vec<i64>> =
        query.ids.split(',').map(|id| id.trim().parse::<i64>().ok().filter(|id| *id > 0)).collect();
    let ids = ids
        .filter(|ids| (1..=240).contains(&ids.len()))
        .ok_or_else(|| ApiError::invalid_field("ids", "id_list", "give 1 to 240 comma-separated medium ids"))?;
    let rows =
        run_db(&state.pool, move |conn| ids.iter().map(|id| MediumRow::find(conn, *id)).collect::<Result<Vec<_>, _>>())
            .await?;
    let html = labels::label_sheet(&rows, &state.config.alerting.public_url)?;
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(html))
}

/// Import media from CSV (the body; UTF-8, a BOM allowed). The whole file is checked
/// first; any bad row refuses the file (400, details `line[N].column`) and nothing is
/// stored. `?dry_run=true` checks only.
#[utoipa::path(
    tag = "media",
    params(MediaImportQuery),
    request_body(content = String, content_type = "text/csv", description = "Header line, then one medium per line"),
    responses(
        (status = 200, description = "Imported (or checked, on a dry run)", body = MediaImportResult),
        (status = 400, description = "Errors by line and column; nothing stored", body = ApiErrorBody),
        (status = 413, description = "Larger than MAX_BODY_BYTES", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/media/import")]
pub async fn import_media(
    state: web::Data<AppState>,
    auth: Authorized<Operators>,
    ValidQuery(query): ValidQuery<MediaImportQuery>,
    payload: web::Payload,
) -> Result<web::Json<MediaImportResult>, ApiError> {
    let body =
        crate::request::read_limited(payload, state.config.max_body_bytes, bms_types::ErrorCode::ValidationFailed)
            .await?;
    let dry_run = query.dry_run.unwrap_or(false);
    let (now, actor) = (state.clock.now(), auth.actor());
    let day = today(&state, now);
    let result = run_db(&state.pool, move |conn| {
        write_transaction(conn, |conn| {
            let media = import::parse(conn, &body, day)?;
            let labels: Vec<String> = media.iter().map(|new| new.label.clone()).collect();
            let rows = u32::try_from(media.len()).unwrap_or(u32::MAX);
            if !dry_run {
                let recorder = actor.name.clone().unwrap_or_default();
                for new in &media {
                    insert(conn, new, &recorder, now)?;
                }
                audit::record(
                    conn,
                    now,
                    &actor,
                    AuditEvent::success("medium.import", "medium", "csv")
                        .with_details(json!({ "created": rows, "labels": labels })),
                )?;
            }
            Ok::<_, ApiError>(MediaImportResult { dry_run, rows, created: if dry_run { 0 } else { rows }, labels })
        })
    })
    .await?;
    Ok(web::Json(result))
}

fn check_rotation(conn: &mut DbConn, request: &RotationRequest) -> Result<(String, String), ApiError> {
    let mut violations = Violations::new();
    let name = request.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        violations.add("name", "length", "must be 1 to 100 characters");
    }
    if let Err(error) = request.scheme.validate() {
        violations.extend([bms_types::FieldViolation::from(error)]);
    }
    if let Some(copy_id) = request.copy_id {
        check_offline_copy(conn, copy_id, &mut violations, "copy_id")?;
    }
    let scheme = serde_json::to_string(&request.scheme).map_err(ApiError::internal)?;
    violations.finish((name, scheme))
}

fn name_taken(error: diesel::result::Error) -> ApiError {
    match error {
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
            ApiError::conflict_rule("name", "unique", "another rotation has this name")
        }
        other => other.into(),
    }
}

/// Every rotation scheme.
#[utoipa::path(
    tag = "media",
    responses((status = 200, description = "Rotations by name", body = RotationList)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/media/rotations")]
pub async fn list_rotations(
    state: web::Data<AppState>,
    _auth: Authorized<Readers>,
) -> Result<web::Json<RotationList>, ApiError> {
    let data = run_db(&state.pool, |conn| RotationRow::all(conn)?.iter().map(RotationRow::to_dto).collect()).await?;
    Ok(web::Json(RotationList { data }))
}

/// Create a rotation scheme (admins).
#[utoipa::path(
    tag = "media",
    request_body = RotationRequest,
    responses(
        (status = 201, description = "Created", body = RotationDto),
        (status = 400, description = "Invalid scheme (names the field)", body = ApiErrorBody),
        (status = 409, description = "Name taken", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/media/rotations")]
pub async fn create_rotation(
    state: web::Data<AppState>,
    auth: Authorized<AdminOnly>,
    ValidJson(request): ValidJson<RotationRequest>,
) -> Result<HttpResponse, ApiError> {
    let (now, actor) = (state.clock.now(), auth.actor());
    let dto = run_db(&state.pool, move |conn| {
        write_transaction(conn, |conn| {
            let (name, scheme) = check_rotation(conn, &request)?;
            let id: i64 = diesel::insert_into(media_rotations::table)
                .values((
                    media_rotations::name.eq(&name),
                    media_rotations::scheme.eq(&scheme),
                    media_rotations::start_date.eq(request.start_date),
                    media_rotations::copy_id.eq(request.copy_id),
                    media_rotations::created_at.eq(now),
                    media_rotations::updated_at.eq(now),
                ))
                .returning(media_rotations::id)
                .get_result(conn)
                .map_err(name_taken)?;
            audit::record(
                conn,
                now,
                &actor,
                AuditEvent::success("rotation.create", "rotation", id)
                    .with_details(json!({ "name": name, "scheme": request.scheme })),
            )?;
            RotationRow::find(conn, id)?.to_dto()
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(dto))
}

/// Replace a rotation scheme (admins). Media keep their set labels; a label the new scheme
/// does not use leaves its media out of the calendar until reassigned.
#[utoipa::path(
    tag = "media",
    params(("id" = i64, Path, description = "Rotation id")),
    request_body = RotationRequest,
    responses(
        (status = 200, description = "Replaced", body = RotationDto),
        (status = 400, description = "Invalid scheme", body = ApiErrorBody),
        (status = 404, description = "No such rotation", body = ApiErrorBody),
        (status = 409, description = "Name taken", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[put("/media/rotations/{id}")]
pub async fn update_rotation(
    state: web::Data<AppState>,
    auth: Authorized<AdminOnly>,
    PathId(id): PathId,
    ValidJson(request): ValidJson<RotationRequest>,
) -> Result<web::Json<RotationDto>, ApiError> {
    let (now, actor) = (state.clock.now(), auth.actor());
    let dto = run_db(&state.pool, move |conn| {
        write_transaction(conn, |conn| {
            RotationRow::find(conn, id)?;
            let (name, scheme) = check_rotation(conn, &request)?;
            diesel::update(media_rotations::table.find(id))
                .set((
                    media_rotations::name.eq(&name),
                    media_rotations::scheme.eq(&scheme),
                    media_rotations::start_date.eq(request.start_date),
                    media_rotations::copy_id.eq(request.copy_id),
                    media_rotations::updated_at.eq(now),
                ))
                .execute(conn)
                .map_err(name_taken)?;
            audit::record(
                conn,
                now,
                &actor,
                AuditEvent::success("rotation.update", "rotation", id)
                    .with_details(json!({ "name": name, "scheme": request.scheme })),
            )?;
            RotationRow::find(conn, id)?.to_dto()
        })
    })
    .await?;
    Ok(web::Json(dto))
}

/// Delete a rotation scheme (admins); its media stay, without a set.
#[utoipa::path(
    tag = "media",
    params(("id" = i64, Path, description = "Rotation id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such rotation", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[delete("/media/rotations/{id}")]
pub async fn delete_rotation(
    state: web::Data<AppState>,
    auth: Authorized<AdminOnly>,
    PathId(id): PathId,
) -> Result<HttpResponse, ApiError> {
    let (now, actor) = (state.clock.now(), auth.actor());
    run_db(&state.pool, move |conn| {
        write_transaction(conn, |conn| {
            let row = RotationRow::find(conn, id)?;
            diesel::update(media::table.filter(media::rotation_id.eq(id)))
                .set((media::rotation_id.eq(None::<i64>), media::rotation_set.eq(None::<String>)))
                .execute(conn)?;
            diesel::delete(media_rotations::table.find(id)).execute(conn)?;
            audit::record(
                conn,
                now,
                &actor,
                AuditEvent::success("rotation.delete", "rotation", id).with_details(json!({ "name": row.name })),
            )?;
            Ok::<_, ApiError>(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A rotation's calendar: the set to use each day, when it is used next, its media.
#[utoipa::path(
    tag = "media",
    params(("id" = i64, Path, description = "Rotation id"), RotationCalendarQuery),
    responses(
        (status = 200, description = "The days", body = RotationCalendarDto),
        (status = 400, description = "Invalid window", body = ApiErrorBody),
        (status = 404, description = "No such rotation", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/media/rotations/{id}/calendar")]
pub async fn rotation_calendar(
    state: web::Data<AppState>,
    _auth: Authorized<Readers>,
    PathId(id): PathId,
    ValidQuery(query): ValidQuery<RotationCalendarQuery>,
) -> Result<web::Json<RotationCalendarDto>, ApiError> {
    let days = query.days.unwrap_or(28);
    if !(1..=400).contains(&days) {
        return Err(ApiError::invalid_field("days", "range", "must be from 1 to 400"));
    }
    let from = query.from.unwrap_or_else(|| today(&state, state.clock.now()));
    let dto = run_db(&state.pool, move |conn| {
        let row = RotationRow::find(conn, id)?;
        crate::media::rotation::calendar(conn, &row, from, days)
    })
    .await?;
    Ok(web::Json(dto))
}

/// Put a medium in one of the rotation's sets, or take it out (`set: null`) (admins).
#[utoipa::path(
    tag = "media",
    params(("id" = i64, Path, description = "Rotation id")),
    request_body = AssignRotationSetRequest,
    responses(
        (status = 200, description = "The medium", body = MediumDto),
        (status = 400, description = "The set is not one of the scheme's", body = ApiErrorBody),
        (status = 404, description = "No such rotation or medium", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/media/rotations/{id}/assign")]
pub async fn assign_rotation_set(
    state: web::Data<AppState>,
    auth: Authorized<AdminOnly>,
    PathId(id): PathId,
    ValidJson(request): ValidJson<AssignRotationSetRequest>,
) -> Result<web::Json<MediumDto>, ApiError> {
    let (now, actor) = (state.clock.now(), auth.actor());
    let day = today(&state, now);
    let dto = run_db(&state.pool, move |conn| {
        write_transaction(conn, |conn| {
            let rotation = RotationRow::find(conn, id)?;
            MediumRow::find(conn, request.medium_id)?;
            if let Some(set) = &request.set
                && !rotation.scheme()?.set_labels().contains(set)
            {
                return Err(ApiError::invalid_field("set", "rotation_set", "is not one of the scheme's sets"));
            }
            diesel::update(media::table.find(request.medium_id))
                .set((
                    media::rotation_id.eq(request.set.as_ref().map(|_| id)),
                    media::rotation_set.eq(&request.set),
                    media::updated_at.eq(now),
                ))
                .execute(conn)?;
            audit::record(
                conn,
                now,
                &actor,
                AuditEvent::success("medium.rotation_set", "medium", request.medium_id)
                    .with_details(json!({ "rotation_id": id, "set": request.set })),
            )?;
            queries::dto(conn, request.medium_id, day)
        })
    })
    .await?;
    Ok(web::Json(dto))
}
