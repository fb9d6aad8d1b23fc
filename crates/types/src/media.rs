//! Offline media (tapes, USB and RDX disks): the inventory, the checked state machine both
//! the server (which enforces it) and the SPA (which offers only legal actions) apply,
//! custody records, loans and rotation — the wire types of `/api/v1/media*`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::rotation::{RotationScheme, Tier};
use crate::wire_enum::wire_enum;

wire_enum! {
    /// Where a medium is in its life.
    MediaState {
        /// Blank or released: may be written.
        Available => "available",
        /// Being written by backups.
        InUse => "in_use",
        /// In the on-site vault.
        Stored => "stored",
        /// In the off-site vault or with the courier.
        Offsite => "offsite",
        /// Lent to someone.
        Lent => "lent",
        /// Out of service (kept until destroyed).
        Retired => "retired",
        /// Destroyed, with a method and certificate.
        Destroyed => "destroyed",
    }
}

wire_enum! {
    /// Physical kind of medium.
    MediaKind {
        /// LTO tape (the generation is its own field).
        Lto => "lto",
        /// External hard disk.
        ExternalHdd => "external_hdd",
        /// USB stick.
        Usb => "usb",
        /// RDX cartridge.
        Rdx => "rdx",
        /// Optical disc.
        Optical => "optical",
        /// Anything else.
        Other => "other",
    }
}

wire_enum! {
    /// A move of a medium (each is a custody record).
    MediaAction {
        /// The medium entered the inventory (the first custody record; not a move).
        Register => "register",
        /// Start writing backups to it: available → in use.
        Write => "write",
        /// Put it in the on-site vault: in use / off-site → stored.
        Store => "store",
        /// Send it off site: in use / stored → off-site.
        SendOffsite => "send_offsite",
        /// Lend it: available / stored / off-site → lent.
        Lend => "lend",
        /// Take it back: lent → where it was before.
        Return => "return",
        /// Release it for reuse once its retention has passed: in use / stored / off-site → available.
        Release => "release",
        /// Change location or custodian without changing state.
        Relocate => "relocate",
        /// Take it out of service.
        Retire => "retire",
        /// Destroy it (method and certificate recorded).
        Destroy => "destroy",
    }
}

wire_enum! {
    /// Condition of a returned medium.
    MediaCondition {
        /// As lent.
        Good => "good",
        /// Damaged (consider retiring it).
        Damaged => "damaged",
        /// Not checked.
        Unchecked => "unchecked",
    }
}

/// What a transition needs besides the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionContext {
    /// The medium's retention date (data on it must be kept until then).
    pub retention_until: Option<NaiveDate>,
    /// Today, in the server's zone.
    pub today: NaiveDate,
    /// For `return`: the state the loan started from.
    pub lent_from: Option<MediaState>,
}

/// Why a move is refused: a stable rule code (the API's 409 names it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionRefusal {
    /// Rule code, e.g. `medium_lent`, `retention_active`.
    pub rule: &'static str,
}

impl std::fmt::Display for TransitionRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.rule)
    }
}

fn refuse(rule: &'static str) -> Result<MediaState, TransitionRefusal> {
    Err(TransitionRefusal { rule })
}

/// The medium state machine: the state after `action`, or the rule that refuses it.
///
/// Terminal states answer first (`medium_destroyed`, then `medium_retired` for everything
/// but `destroy`), then a lent medium refuses everything but `return` (`medium_lent`), then
/// each action's own table. Retention guards reuse and destruction: `release` and `destroy`
/// are refused with `retention_active` while `retention_until` is after today.
pub fn transition(
    state: MediaState,
    action: MediaAction,
    context: &TransitionContext,
) -> Result<MediaState, TransitionRefusal> {
    use MediaAction as A;
    use MediaState as S;
    let retained = context.retention_until.is_some_and(|until| until > context.today);
    match (state, action) {
        (_, A::Register) => refuse("not_a_move"),
        (S::Destroyed, _) => refuse("medium_destroyed"),
        (S::Retired, A::Destroy) if retained => refuse("retention_active"),
        (S::Retired, A::Destroy) => Ok(S::Destroyed),
        (S::Retired, _) => refuse("medium_retired"),
        (S::Lent, A::Return) => Ok(context.lent_from.filter(|from| *from != S::Lent).unwrap_or(S::Stored)),
        (S::Lent, _) => refuse("medium_lent"),
        (_, A::Return) => refuse("not_lent"),
        (S::Available, A::Write) => Ok(S::InUse),
        (S::InUse, A::Write) => refuse("already_in_use"),
        (_, A::Write) => refuse("not_available"),
        (S::InUse | S::Offsite, A::Store) => Ok(S::Stored),
        (S::Stored, A::Store) => refuse("already_stored"),
        (_, A::Store) => refuse("not_written"),
        (S::InUse | S::Stored, A::SendOffsite) => Ok(S::Offsite),
        (S::Offsite, A::SendOffsite) => refuse("already_offsite"),
        (_, A::SendOffsite) => refuse("not_written"),
        (S::InUse, A::Lend) => refuse("medium_in_use"),
        (_, A::Lend) => Ok(S::Lent),
        (S::Available, A::Release) => refuse("already_available"),
        (_, A::Release) if retained => refuse("retention_active"),
        (_, A::Release) => Ok(S::Available),
        (other, A::Relocate) => Ok(other),
        (_, A::Retire) => Ok(S::Retired),
        (S::InUse, A::Destroy) => refuse("medium_in_use"),
        (_, A::Destroy) if retained => refuse("retention_active"),
        (_, A::Destroy) => Ok(S::Destroyed),
    }
}

/// Why a backup written to a medium in `state` on `day` is questionable, if it is: the
/// medium is lent, retired or destroyed, or it is stored with data still under retention
/// (the write overwrote data that must be kept). The run is stored regardless — bms never
/// drops a result — and the warning raises an alert.
pub fn write_warning(state: MediaState, retention_until: Option<NaiveDate>, day: NaiveDate) -> Option<&'static str> {
    match state {
        MediaState::Lent => Some("medium_lent"),
        MediaState::Retired => Some("medium_retired"),
        MediaState::Destroyed => Some("medium_destroyed"),
        MediaState::Stored | MediaState::Offsite if retention_until.is_some_and(|until| until > day) => {
            Some("retention_active")
        }
        _ => None,
    }
}

/// An English sentence for a refusal rule (the SPA translates the rule code itself).
pub fn refusal_message(rule: &str) -> &'static str {
    match rule {
        "not_a_move" => "registering is not a move",
        "medium_destroyed" => "the medium is destroyed",
        "medium_retired" => "the medium is retired: it can only be destroyed",
        "medium_lent" => "the medium is lent: take it back first",
        "not_lent" => "the medium is not lent",
        "already_in_use" => "the medium is already being written",
        "not_available" => "only an available medium can be written: release it first",
        "already_stored" => "the medium is already in the vault",
        "not_written" => "only a written medium can be stored or sent off site",
        "already_offsite" => "the medium is already off site",
        "medium_in_use" => "the medium is being written: store it first",
        "already_available" => "the medium is already available",
        "retention_active" => "the data on the medium is under retention until its retention date",
        _ => "the move is not allowed",
    }
}

impl MediaState {
    /// The actions that are legal from this state today (the SPA's buttons).
    pub fn allowed_actions(self, context: &TransitionContext) -> Vec<MediaAction> {
        MediaAction::ALL.iter().copied().filter(|action| transition(self, *action, context).is_ok()).collect()
    }
}

/// A medium in the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MediumDto {
    /// Medium id.
    pub id: i64,
    /// Label (unique, case-insensitive), e.g. `TAPE-0042`.
    pub label: String,
    /// Barcode (unique when given).
    pub barcode: Option<String>,
    /// Kind.
    pub media_kind: MediaKind,
    /// LTO generation (1–12) for tapes.
    pub lto_generation: Option<i32>,
    /// Capacity in bytes.
    pub capacity_bytes: Option<i64>,
    /// Serial number.
    pub serial: String,
    /// Purchase date.
    pub purchase_date: Option<NaiveDate>,
    /// Encrypted.
    pub encrypted: bool,
    /// Data on it must be kept until this date.
    pub retention_until: Option<NaiveDate>,
    /// Current state.
    pub state: MediaState,
    /// Where it is.
    pub location: String,
    /// Who has it.
    pub custodian: String,
    /// Notes.
    pub notes: String,
    /// The offline copy whose media pool it belongs to.
    pub copy_id: Option<i64>,
    /// The rotation scheme it belongs to, and its set label in it.
    pub rotation_id: Option<i64>,
    /// Its set in the rotation (e.g. `A`, `W2`).
    pub rotation_set: Option<String>,
    /// The open loan, if lent.
    pub loan: Option<LoanDto>,
    /// Whether the open loan is past its expected return.
    pub overdue: bool,
    /// Legal next actions today.
    pub allowed_actions: Vec<MediaAction>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// Creates a medium (in state `available`, or the given initial state).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateMediumRequest {
    /// Label: 1–64 characters of letters, digits, `-`, `_`, `.`.
    pub label: String,
    /// Barcode (at most 64 characters).
    #[serde(default)]
    pub barcode: Option<String>,
    /// Kind.
    pub media_kind: Option<MediaKind>,
    /// LTO generation (1–12), only for `lto`.
    #[serde(default)]
    pub lto_generation: Option<i32>,
    /// Capacity in bytes (> 0).
    #[serde(default)]
    pub capacity_bytes: Option<i64>,
    /// Serial (at most 100 characters).
    #[serde(default)]
    pub serial: Option<String>,
    /// Purchase date (not in the future).
    #[serde(default)]
    pub purchase_date: Option<NaiveDate>,
    /// Encrypted (default false).
    #[serde(default)]
    pub encrypted: Option<bool>,
    /// Retention date.
    #[serde(default)]
    pub retention_until: Option<NaiveDate>,
    /// Initial state: `available` (default), `stored` or `offsite` (for importing existing media).
    #[serde(default)]
    pub state: Option<MediaState>,
    /// Location (at most 200 characters).
    #[serde(default)]
    pub location: Option<String>,
    /// Custodian (at most 200 characters).
    #[serde(default)]
    pub custodian: Option<String>,
    /// Notes (at most 4,000 characters).
    #[serde(default)]
    pub notes: Option<String>,
    /// The offline copy it serves (must be an offline copy).
    #[serde(default)]
    pub copy_id: Option<i64>,
}

/// Changes a medium's descriptive fields (state changes go through moves).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateMediumRequest {
    /// New label.
    #[serde(default)]
    pub label: Option<String>,
    /// New barcode (`null` clears).
    #[serde(default, with = "crate::double_option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub barcode: Option<Option<String>>,
    /// Kind.
    #[serde(default)]
    pub media_kind: Option<MediaKind>,
    /// LTO generation (`null` clears).
    #[serde(default, with = "crate::double_option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i32>))]
    pub lto_generation: Option<Option<i32>>,
    /// Capacity (`null` clears).
    #[serde(default, with = "crate::double_option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub capacity_bytes: Option<Option<i64>>,
    /// Serial.
    #[serde(default)]
    pub serial: Option<String>,
    /// Purchase date (`null` clears).
    #[serde(default, with = "crate::double_option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<NaiveDate>))]
    pub purchase_date: Option<Option<NaiveDate>>,
    /// Encrypted.
    #[serde(default)]
    pub encrypted: Option<bool>,
    /// Retention date (`null` clears).
    #[serde(default, with = "crate::double_option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<NaiveDate>))]
    pub retention_until: Option<Option<NaiveDate>>,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// Offline copy (`null` unlinks).
    #[serde(default, with = "crate::double_option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub copy_id: Option<Option<i64>>,
}

/// A move (`write`, `store`, `send_offsite`, `release`, `relocate`); lending, returning,
/// retiring and destroying have their own requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MoveMediumRequest {
    /// The move.
    pub action: MediaAction,
    /// New location (kept when absent).
    #[serde(default)]
    pub location: Option<String>,
    /// New custodian (kept when absent).
    #[serde(default)]
    pub custodian: Option<String>,
    /// Who handed it over.
    #[serde(default)]
    pub handed_over_by: Option<String>,
    /// Who received it.
    #[serde(default)]
    pub received_by: Option<String>,
    /// When it happened (default now; not in the future).
    #[serde(default)]
    pub occurred_at: Option<DateTime<Utc>>,
    /// Note (at most 1,000 characters).
    #[serde(default)]
    pub note: Option<String>,
    /// Only with `store` / `send_offsite`: set the retention date at the same time.
    #[serde(default)]
    pub retention_until: Option<NaiveDate>,
}

/// Lends a medium.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LendMediumRequest {
    /// Who borrows it (1–200 characters).
    pub borrower: String,
    /// What for (at most 1,000 characters).
    #[serde(default)]
    pub purpose: Option<String>,
    /// Expected return date (today or later).
    pub expected_return: NaiveDate,
    /// Who handed it over (default: the signed-in user).
    #[serde(default)]
    pub handed_over_by: Option<String>,
    /// Note.
    #[serde(default)]
    pub note: Option<String>,
}

/// Takes a lent medium back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReturnMediumRequest {
    /// Its condition.
    pub condition: MediaCondition,
    /// Who received it (default: the signed-in user).
    #[serde(default)]
    pub received_by: Option<String>,
    /// Where it goes (kept when absent).
    #[serde(default)]
    pub location: Option<String>,
    /// Note.
    #[serde(default)]
    pub note: Option<String>,
}

/// Retires or destroys a medium (admins).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DisposeMediumRequest {
    /// For `destroy`: how (e.g. "degausser + shredding"), 1–200 characters; for retire: optional reason.
    #[serde(default)]
    pub method: Option<String>,
    /// For `destroy`: the destruction certificate's reference (1–200 characters).
    #[serde(default)]
    pub certificate_ref: Option<String>,
    /// Note.
    #[serde(default)]
    pub note: Option<String>,
}

/// One custody record: a move of a medium.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustodyRecordDto {
    /// Record id.
    pub id: i64,
    /// The medium.
    pub medium_id: i64,
    /// The move.
    pub action: MediaAction,
    /// State before (`None` for the record that created the medium).
    pub from_state: Option<MediaState>,
    /// State after.
    pub to_state: MediaState,
    /// Location before.
    pub from_location: String,
    /// Location after.
    pub to_location: String,
    /// Custodian before.
    pub from_custodian: String,
    /// Custodian after.
    pub to_custodian: String,
    /// Who handed it over.
    pub handed_over_by: String,
    /// Who received it.
    pub received_by: String,
    /// Who recorded it in bms.
    pub recorded_by: String,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Note (for destruction: method and certificate).
    pub note: String,
}

/// A medium's custody chain, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustodyChain {
    /// The medium.
    pub medium: MediumDto,
    /// Every move.
    pub records: Vec<CustodyRecordDto>,
    /// Backup runs written to it (newest first, at most 100).
    pub executions: Vec<MediumExecutionDto>,
}

/// A backup run that named this medium.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MediumExecutionDto {
    /// Execution id.
    pub execution_id: i64,
    /// Job.
    pub job_id: i64,
    /// Job name.
    pub job_name: String,
    /// Result.
    pub result: String,
    /// Finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// Why the write was questionable (`medium_lent`, `medium_retired`,
    /// `retention_active`...), if it was.
    pub warning: Option<String>,
}

/// A loan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoanDto {
    /// Loan id.
    pub id: i64,
    /// The medium.
    pub medium_id: i64,
    /// Borrower.
    pub borrower: String,
    /// Purpose.
    pub purpose: String,
    /// Lent at.
    pub lent_at: DateTime<Utc>,
    /// Expected back.
    pub expected_return: NaiveDate,
    /// Returned at.
    pub returned_at: Option<DateTime<Utc>>,
    /// Condition on return.
    pub return_condition: Option<MediaCondition>,
}

/// Inventory filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ListMediaQuery {
    /// 1-based page.
    pub page: Option<u32>,
    /// Items per page (1–200).
    pub per_page: Option<u32>,
    /// Label, barcode or serial contains.
    pub q: Option<String>,
    /// Only this state.
    pub state: Option<MediaState>,
    /// Only this kind.
    pub media_kind: Option<MediaKind>,
    /// Location contains.
    pub location: Option<String>,
    /// Only lent media past their expected return.
    pub overdue: Option<bool>,
    /// Only media of this copy.
    pub copy_id: Option<i64>,
}

/// A page of media, by label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MediaList {
    /// Media.
    pub data: Vec<MediumDto>,
    /// Paging.
    pub meta: crate::PageMeta,
}

/// Result of a CSV import. A file with any bad row is refused whole (400; each detail's
/// field is `line[N].column`, N the 1-based line of the file, the header being line 1),
/// and nothing is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MediaImportResult {
    /// Whether this was a dry run (nothing stored).
    pub dry_run: bool,
    /// Data rows read.
    pub rows: u32,
    /// Media created (0 on a dry run).
    pub created: u32,
    /// Labels of the media created (or that would be, on a dry run).
    pub labels: Vec<String>,
}

/// Import options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct MediaImportQuery {
    /// Validate only, store nothing.
    pub dry_run: Option<bool>,
}

/// A rotation scheme, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RotationDto {
    /// Rotation id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// The scheme and its parameters.
    pub scheme: RotationScheme,
    /// First day of the rotation.
    pub start_date: NaiveDate,
    /// The offline copy it feeds, if any.
    pub copy_id: Option<i64>,
    /// Every set label the scheme uses.
    pub sets: Vec<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// Creates or replaces a rotation scheme (admins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RotationRequest {
    /// Name (1–100 characters, unique).
    pub name: String,
    /// The scheme.
    pub scheme: RotationScheme,
    /// First day.
    pub start_date: NaiveDate,
    /// The offline copy it feeds.
    #[serde(default)]
    pub copy_id: Option<i64>,
}

/// All rotation schemes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RotationList {
    /// Schemes, by name.
    pub data: Vec<RotationDto>,
}

/// Assigns a medium to a rotation set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AssignRotationSetRequest {
    /// The medium.
    pub medium_id: i64,
    /// The set (one of the scheme's `sets`); `null` removes it from the rotation.
    pub set: Option<String>,
}

/// One day of a rotation calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RotationDayDto {
    /// The day.
    pub date: NaiveDate,
    /// The set to use.
    pub set: String,
    /// Its tier.
    pub tier: Tier,
    /// When the set is used next (it must be back on site by then).
    pub next_use: Option<NaiveDate>,
    /// Labels of the media assigned to the set.
    pub media: Vec<String>,
}

/// A rotation calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RotationCalendarDto {
    /// The rotation.
    pub rotation: RotationDto,
    /// Its days.
    pub days: Vec<RotationDayDto>,
}

/// Calendar window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct RotationCalendarQuery {
    /// First day (default today).
    pub from: Option<NaiveDate>,
    /// Days (1–400, default 28).
    pub days: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    /// Every (state, action) pair, written out: the expected next state or refusal rule.
    #[test]
    fn the_state_machine_table() {
        use MediaAction as A;
        use MediaState as S;
        let free = TransitionContext { retention_until: None, today: day("2026-12-06"), lent_from: None };
        let expected: [(S, [Result<S, &str>; 9]); 7] = [
            // write, store, send_offsite, lend, return, release, relocate, retire, destroy
            (
                S::Available,
                [
                    Ok(S::InUse),
                    Err("not_written"),
                    Err("not_written"),
                    Ok(S::Lent),
                    Err("not_lent"),
                    Err("already_available"),
                    Ok(S::Available),
                    Ok(S::Retired),
                    Ok(S::Destroyed),
                ],
            ),
            (
                S::InUse,
                [
                    Err("already_in_use"),
                    Ok(S::Stored),
                    Ok(S::Offsite),
                    Err("medium_in_use"),
                    Err("not_lent"),
                    Ok(S::Available),
                    Ok(S::InUse),
                    Ok(S::Retired),
                    Err("medium_in_use"),
                ],
            ),
            (
                S::Stored,
                [
                    Err("not_available"),
                    Err("already_stored"),
                    Ok(S::Offsite),
                    Ok(S::Lent),
                    Err("not_lent"),
                    Ok(S::Available),
                    Ok(S::Stored),
                    Ok(S::Retired),
                    Ok(S::Destroyed),
                ],
            ),
            (
                S::Offsite,
                [
                    Err("not_available"),
                    Ok(S::Stored),
                    Err("already_offsite"),
                    Ok(S::Lent),
                    Err("not_lent"),
                    Ok(S::Available),
                    Ok(S::Offsite),
                    Ok(S::Retired),
                    Ok(S::Destroyed),
                ],
            ),
            (
                S::Lent,
                [
                    Err("medium_lent"),
                    Err("medium_lent"),
                    Err("medium_lent"),
                    Err("medium_lent"),
                    Ok(S::Stored),
                    Err("medium_lent"),
                    Err("medium_lent"),
                    Err("medium_lent"),
                    Err("medium_lent"),
                ],
            ),
            (
                S::Retired,
                [
                    Err("medium_retired"),
                    Err("medium_retired"),
                    Err("medium_retired"),
                    Err("medium_retired"),
                    Err("medium_retired"),
                    Err("medium_retired"),
                    Err("medium_retired"),
                    Err("medium_retired"),
                    Ok(S::Destroyed),
                ],
            ),
            (S::Destroyed, [Err("medium_destroyed"); 9]),
        ];
        let actions =
            [A::Write, A::Store, A::SendOffsite, A::Lend, A::Return, A::Release, A::Relocate, A::Retire, A::Destroy];
        assert_eq!(actions.len() + 1, MediaAction::ALL.len(), "every action but register is in the table");
        for state in MediaState::ALL {
            assert_eq!(transition(*state, A::Register, &free).map_err(|r| r.rule), Err("not_a_move"));
        }
        assert_eq!(expected.len(), MediaState::ALL.len());
        for (state, row) in expected {
            for (action, want) in actions.iter().zip(row) {
                let got = transition(state, *action, &free).map_err(|refusal| refusal.rule);
                assert_eq!(got, want, "{state} --{action}-->");
            }
        }
    }

    #[test]
    fn retention_guards_reuse_and_destruction_but_not_storage() {
        use MediaAction as A;
        use MediaState as S;
        let kept =
            TransitionContext { retention_until: Some(day("2027-01-01")), today: day("2026-12-06"), lent_from: None };
        for state in [S::InUse, S::Stored, S::Offsite] {
            assert_eq!(transition(state, A::Release, &kept).map_err(|r| r.rule), Err("retention_active"), "{state}");
        }
        for state in [S::Available, S::Stored, S::Offsite, S::Retired] {
            assert_eq!(transition(state, A::Destroy, &kept).map_err(|r| r.rule), Err("retention_active"), "{state}");
        }
        assert_eq!(transition(S::InUse, A::Store, &kept), Ok(S::Stored));
        assert_eq!(transition(S::Stored, A::Lend, &kept), Ok(S::Lent));
        // Data is kept *until* the retention date: from that day on it may be reused.
        let last_day = TransitionContext { today: day("2027-01-01"), ..kept };
        assert_eq!(transition(S::Stored, A::Release, &last_day), Ok(S::Available));
    }

    #[test]
    fn a_return_goes_back_where_the_loan_started() {
        let context =
            |from| TransitionContext { retention_until: None, today: day("2026-12-06"), lent_from: Some(from) };
        assert_eq!(
            transition(MediaState::Lent, MediaAction::Return, &context(MediaState::Offsite)),
            Ok(MediaState::Offsite)
        );
        assert_eq!(
            transition(MediaState::Lent, MediaAction::Return, &context(MediaState::Available)),
            Ok(MediaState::Available)
        );
    }

    #[test]
    fn writes_to_lent_retired_or_retained_media_are_flagged() {
        let today = day("2026-12-06");
        let later = Some(day("2027-06-01"));
        assert_eq!(write_warning(MediaState::Lent, None, today), Some("medium_lent"));
        assert_eq!(write_warning(MediaState::Retired, None, today), Some("medium_retired"));
        assert_eq!(write_warning(MediaState::Destroyed, None, today), Some("medium_destroyed"));
        assert_eq!(write_warning(MediaState::Stored, later, today), Some("retention_active"));
        assert_eq!(write_warning(MediaState::Offsite, later, today), Some("retention_active"));
        assert_eq!(write_warning(MediaState::Stored, Some(today), today), None, "retention over");
        assert_eq!(write_warning(MediaState::InUse, later, today), None, "being written: appending is fine");
        assert_eq!(write_warning(MediaState::Available, None, today), None);
    }

    #[test]
    fn allowed_actions_are_the_legal_ones() {
        let free = TransitionContext { retention_until: None, today: day("2026-12-06"), lent_from: None };
        assert_eq!(MediaState::Lent.allowed_actions(&free), vec![MediaAction::Return]);
        assert_eq!(MediaState::Retired.allowed_actions(&free), vec![MediaAction::Destroy]);
        assert!(MediaState::Destroyed.allowed_actions(&free).is_empty());
    }
}
