//! `/api/v1/alerts` (list, detail, acknowledge, resolve, bulk acknowledge, summary),
//! `/api/v1/alerts/rules` (settings and per-job / per-tag overrides) and
//! `/api/v1/maintenance-windows`. Every change is audited.

use actix_web::{HttpResponse, delete, get, post, put, web};
use bms_types::ApiErrorBody;
use bms_types::alerts::{
    AlertDetailDto, AlertDto, AlertEventKind, AlertList, AlertNoteRequest, AlertRuleDto, AlertRuleKind, AlertRuleList,
    AlertRuleOverrideDto, AlertStatus, AlertSummaryDto, BulkAcknowledgeRequest, BulkAcknowledgeResult,
    CreateAlertRuleOverrideRequest, CreateMaintenanceWindowRequest, ListAlertsQuery, ListMaintenanceWindowsQuery,
    MaintenanceWindowDto, MaintenanceWindowList, SilenceScope, UpdateAlertRuleRequest,
};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde_json::json;

use crate::access::{AdminOnly, Authorized, Operators, Readers, Silencers};
use crate::alerts::engine::AlertEngine;
use crate::alerts::{RuleSettings, WindowRow, configuration_changed, queries, record_event, resolve, rules, tags_of};
use crate::app::AppState;
use crate::audit::{self, AuditEvent};
use crate::db::pagination::PageWindow;
use crate::db::schema::{alert_rule_overrides, alert_rules, alerts, jobs, maintenance_windows};
use crate::db::{DbConn, run_db, write_transaction};
use crate::error::{ApiError, Violations, violation};
use crate::request::{NoParams, PathId, ValidJson, ValidQuery};

const NOTE_MAX: usize = 2_000;

fn clean_note(note: Option<String>) -> Result<Option<String>, ApiError> {
    let note = note.map(|text| text.trim().to_owned()).filter(|text| !text.is_empty());
    if note.as_ref().is_some_and(|text| text.chars().count() > NOTE_MAX) {
        return Err(ApiError::validation(vec![violation(
            "note",
            "max_length",
            format!("must be at most {NOTE_MAX} characters"),
        )]));
    }
    Ok(note)
}

/// List alerts, newest first.
#[utoipa::path(
    tag = "alerts",
    params(ListAlertsQuery),
    responses(
        (status = 200, description = "A page of alerts", body = AlertList),
        (status = 400, description = "Invalid filter", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/alerts")]
pub async fn list_alerts(
    state: web::Data<AppState>,
    _auth: Authorized<Readers>,
    ValidQuery(query): ValidQuery<ListAlertsQuery>,
) -> Result<web::Json<AlertList>, ApiError> {
    let window = PageWindow::new(query.page, query.per_page)?;
    Ok(web::Json(run_db(&state.pool, move |conn| queries::list(conn, &query, window)).await?))
}

/// Open alerts by severity (the dashboard tile).
#[utoipa::path(
    tag = "alerts",
    responses((status = 200, description = "Open alerts by status and severity", body = AlertSummaryDto)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/alerts/summary")]
pub async fn alert_summary(
    state: web::Data<AppState>,
    _auth: Authorized<Readers>,
    _params: ValidQuery<NoParams>,
) -> Result<web::Json<AlertSummaryDto>, ApiError> {
    Ok(web::Json(run_db(&state.pool, |conn| queries::summary(conn).map_err(ApiError::from)).await?))
}

/// One alert with its timeline.
#[utoipa::path(
    tag = "alerts",
    params(("id" = i64, Path, description = "Alert id")),
    responses(
        (status = 200, description = "The alert and its timeline", body = AlertDetailDto),
        (status = 404, description = "No such alert", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/alerts/{id}")]
pub async fn get_alert(
    state: web::Data<AppState>,
    _auth: Authorized<Readers>,
    PathId(id): PathId,
) -> Result<web::Json<AlertDetailDto>, ApiError> {
    Ok(web::Json(run_db(&state.pool, move |conn| queries::detail(conn, id)).await?))
}

fn acknowledge_one(
    conn: &mut DbConn,
    id: i64,
    actor: &crate::access::Actor,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let name = actor.name.clone().unwrap_or_default();
    let changed = diesel::update(alerts::table.find(id).filter(alerts::status.eq(AlertStatus::Firing.as_str())))
        .set((
            alerts::status.eq(AlertStatus::Acknowledged.as_str()),
            alerts::acknowledged_by.eq(&name),
            alerts::acknowledged_at.eq(now),
            alerts::acknowledge_note.eq(note),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Ok(false);
    }
    record_event(conn, id, now, AlertEventKind::Acknowledged, Some(&name), note.unwrap_or(""))?;
    audit::record(
        conn,
        now,
        actor,
        AuditEvent::success("alert.acknowledge", "alert", id).with_details(json!({ "note": note })),
    )?;
    Ok(true)
}

/// Acknowledge a firing alert: re-notification and escalation stop.
#[utoipa::path(
    tag = "alerts",
    params(("id" = i64, Path, description = "Alert id")),
    request_body = AlertNoteRequest,
    responses(
        (status = 200, description = "Acknowledged", body = AlertDto),
        (status = 404, description = "No such alert", body = ApiErrorBody),
        (status = 409, description = "Not firing (already acknowledged or resolved)", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/alerts/{id}/acknowledge")]
pub async fn acknowledge_alert(
    state: web::Data<AppState>,
    auth: Authorized<Operators>,
    PathId(id): PathId,
    ValidJson(request): ValidJson<AlertNoteRequest>,
) -> Result<web::Json<AlertDto>, ApiError> {
    let note = clean_note(request.note)?;
    let (now, actor) = (state.clock.now(), auth.actor());
    let alert = run_db(&state.pool, move |conn| {
        write_transaction(conn, |conn| {
            queries::find(conn, id)?;
            if !acknowledge_one(conn, id, &actor, note.as_deref(), now)? {
                return Err(ApiError::conflict("Only a firing alert can be acknowledged."));
            }
            queries::dto(conn, id)
        })
    })
    .await?;
    Ok(web::Json(alert))
}

/// Acknowledge many firing alerts at once.
#[utoipa::path(
    tag = "alerts",
    request_body = BulkAcknowledgeRequest,
    responses(
        (status = 200, description = "Which were acknowledged and which skipped", body = BulkAcknowledgeResult),
        (status = 400, description = "Invalid input", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/alerts/acknowledge")]
pub async fn acknowledge_alerts(
    state: web::Data<AppState>,
    auth: Authorized<Operators>,
    ValidJson(request): ValidJson<BulkAcknowledgeRequest>,
) -> Result<web::Json<BulkAcknowledgeResult>, ApiError> {
    if request.ids.is_empty() || request.ids.len() > 500 {
        return Err(ApiError::validation(vec![violation("ids", "range", "must list 1 to 500 alert ids")]));
    }
    let note = clean_note(request.note)?;
    let (now, actor) = (state.clock.now(), auth.actor());
    let mut ids = request.ids;
    ids.sort_unstable();
    ids.dedup();
    let result = run_db(&state.pool, move |conn| {
        write_transaction(conn, |conn| {
            let mut result = BulkAcknowledgeResult::default();
            for id in ids {
                if acknowledge_one(conn, id, &actor, note.as_deref(), now)? {
                    result.acknowledged.push(id);
                } else {
                    result.skipped.push(id);
                }
            }
            Ok::<_, ApiError>(result)
        })
    })
    .await?;
    Ok(web::Json(result))
}

/// Resolve an open alert by hand (it reopens only for a new occurrence of its condition).
#[utoipa::path(
    tag = "alerts",
    params(("id" = i64, Path, description = "Alert id")),
    request_body = AlertNoteRequest,
    responses(
        (status = 200, description = "Resolved", body = AlertDto),
        (status = 404, description = "No such alert", body = ApiErrorBody),
        (status = 409, description = "Already resolved", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/alerts/{id}/resolve")]
pub async fn resolve_alert(
    state: web::Data<AppState>,
    engine: web::Data<AlertEngine>,
    auth: Authorized<Operators>,
    PathId(id): PathId,
    ValidJson(request): ValidJson<AlertNoteRequest>,
) -> Result<web::Json<AlertDto>, ApiError> {
    let note = clean_note(request.note)?;
    let (now, actor) = (state.clock.now(), auth.actor());
    let alert = run_db(&state.pool, move |conn| {
        write_transaction(conn, |conn| {
            let row = queries::find(conn, id)?;
            if row.status() == AlertStatus::Resolved {
                return Err(ApiError::conflict("The alert is already resolved."));
            }
            let context = engine.context(conn, now)?;
            let tags = match row.job_id {
                Some(job) => tags_of(conn, job)?,
                None => Vec::new(),
            };
            resolve(conn, &context, &row, &tags, actor.name.as_deref(), note.as_deref(), now)?;
            audit::record(
                conn,
                now,
                &actor,
                AuditEvent::success("alert.resolve", "alert", id).with_details(json!({ "note": note })),
            )?;
            queries::dto(conn, id)
        })
    })
    .await?;
    Ok(web::Json(alert))
}

fn rule_dto(settings: &RuleSettings, kind: AlertRuleKind) -> AlertRuleDto {
    let setting = settings.global(kind);
    AlertRuleDto {
        kind,
        enabled: setting.enabled,
        severity: setting.severity,
        threshold: setting.threshold,
        threshold_meaning: rules::spec(kind).threshold_meaning.map(str::to_owned),
        overrides: settings
            .overrides(kind)
            .iter()
            .map(|o| AlertRuleOverrideDto {
                id: o.id,
                kind,
                job_id: o.job_id,
                tag: o.tag.clone(),
                enabled: o.enabled,
                severity: o.severity,
                threshold: o.threshold,
            })
            .collect(),
    }
}

/// One rule as stored now.
fn stored_rule(conn: &mut DbConn, kind: AlertRuleKind) -> Result<AlertRuleDto, ApiError> {
    Ok(rule_dto(&RuleSettings::load(conn)?, kind))
}

/// Every alert rule with its setting and overrides.
#[utoipa::path(
    tag = "alerts",
    responses((status = 200, description = "The rules", body = AlertRuleList)),
    security(("bearer" = []))
)]
#[get("/alerts/rules")]
pub async fn list_alert_rules(
    state: web::Data<AppState>,
    _auth: Authorized<Readers>,
    _params: ValidQuery<NoParams>,
) -> Result<web::Json<AlertRuleList>, ApiError> {
    let list = run_db(&state.pool, |conn| {
        let settings = RuleSettings::load(conn)?;
        let data = AlertRuleKind::ALL.iter().map(|kind| rule_dto(&settings, *kind)).collect();
        Ok::<_, ApiError>(AlertRuleList { data })
    })
    .await?;
    Ok(web::Json(list))
}

fn parse_kind(text: &str) -> Result<AlertRuleKind, ApiError> {
    AlertRuleKind::parse(text).ok_or_else(|| {
        let known: Vec<&str> = AlertRuleKind::ALL.iter().map(|kind| kind.as_str()).collect();
        ApiError::validation(vec![violation("kind", "one_of", format!("must be one of {}", known.join(", ")))])
    })
}

fn check_threshold(violations: &mut Violations, kind: AlertRuleKind, threshold: Option<i64>, required: bool) {
    let spec = rules::spec(kind);
    match (spec.threshold_meaning, threshold) {
        (None, Some(_)) => violations.add("threshold", "not_allowed", format!("rule {kind} has no threshold")),
        (Some(_), None) if required => {
            violations.add("threshold", "required", format!("rule {kind} needs a threshold"))
        }
        (Some(meaning), Some(value)) if value < spec.threshold_range.0 || value > spec.threshold_range.1 => violations
            .add(
                "threshold",
                "range",
                format!("must be from {} to {} ({meaning})", spec.threshold_range.0, spec.threshold_range.1),
            ),
        _ => {}
    }
}

/// Change a rule's global setting.
#[utoipa::path(
    tag = "alerts",
    params(("kind" = String, Path, description = "Rule kind, e.g. run_failed")),
    request_body = UpdateAlertRuleRequest,
    responses(
        (status = 200, description = "The rule", body = AlertRuleDto),
        (status = 400, description = "Unknown kind or invalid threshold", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[put("/alerts/rules/{kind}")]
pub async fn update_alert_rule(
    state: web::Data<AppState>,
    auth: Authorized<AdminOnly>,
    path: web::Path<String>,
    ValidJson(request): ValidJson<UpdateAlertRuleRequest>,
) -> Result<web::Json<AlertRuleDto>, ApiError> {
    let kind = parse_kind(&path.into_inner())?;
    let mut violations = Violations::new();
    check_threshold(&mut violations, kind, request.threshold, true);
    violations.finish(())?;
    let (now, actor) = (state.clock.now(), auth.actor());
    let rule = run_db(&state.pool, move |conn| {
        write_transaction(conn, |conn| {
            diesel::replace_into(alert_rules::table)
                .values((
                    alert_rules::kind.eq(kind.as_str()),
                    alert_rules::enabled.eq(request.enabled),
                    alert_rules::severity.eq(request.severity.as_str()),
                    alert_rules::threshold.eq(request.threshold),
                    alert_rules::updated_at.eq(now),
                ))
                .execute(conn)?;
            audit::record(
                conn,
                now,
                &actor,
                AuditEvent::success("alert_rule.update", "alert_rule", kind).with_details(json!({
                    "enabled": request.enabled, "severity": request.severity, "threshold": request.threshold,
                })),
            )?;
            stored_rule(conn, kind)
        })
    })
    .await?;
    configuration_changed();
    Ok(web::Json(rule))
}

/// Override a rule for one job or one tag.
#[utoipa::path(
    tag = "alerts",
    params(("kind" = String, Path, description = "Rule kind")),
    request_body = CreateAlertRuleOverrideRequest,
    responses(
        (status = 201, description = "The rule with its overrides", body = AlertRuleDto),
        (status = 400, description = "Invalid input", body = ApiErrorBody),
        (status = 409, description = "The job or tag already has an override for this rule", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/alerts/rules/{kind}/overrides")]
pub async fn create_rule_override(
    state: web::Data<AppState>,
    auth: Authorized<AdminOnly>,
    path: web::Path<String>,
    ValidJson(request): ValidJson<CreateAlertRuleOverrideRequest>,
) -> Result<HttpResponse, ApiError> {
    let kind = parse_kind(&path.into_inner())?;
    let mut violations = Violations::new();
    let tag = request.tag.map(|tag| tag.trim().to_owned()).filter(|tag| !tag.is_empty());
    if request.job_id.is_some() == tag.is_some() {
        violations.add("job_id", "one_of", "give exactly one of job_id and tag");
    }
    if request.enabled.is_none() && request.severity.is_none() && request.threshold.is_none() {
        violations.add("enabled", "required", "an override changes at least one of enabled, severity, threshold");
    }
    check_threshold(&mut violations, kind, request.threshold, false);
    violations.finish(())?;
    let (now, actor) = (state.clock.now(), auth.actor());
    let rule = run_db(&state.pool, move |conn| {
        write_transaction(conn, |conn| {
            if let Some(job) = request.job_id
                && jobs::table.find(job).select(jobs::id).first::<i64>(conn).optional()?.is_none()
            {
                return Err(ApiError::validation(vec![violation("job_id", "exists", "no job has this id")]));
            }
            let inserted = diesel::insert_into(alert_rule_overrides::table)
                .values((
                    alert_rule_overrides::kind.eq(kind.as_str()),
                    alert_rule_overrides::job_id.eq(request.job_id),
                    alert_rule_overrides::tag.eq(&tag),
                    alert_rule_overrides::enabled.eq(request.enabled),
                    alert_rule_overrides::severity.eq(request.severity.map(|s| s.as_str())),
                    alert_rule_overrides::threshold.eq(request.threshold),
                    alert_rule_overrides::created_at.eq(now),
                ))
                .returning(alert_rule_overrides::id)
                .get_result::<i64>(conn);
            let id = match inserted {
                Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
                    return Err(ApiError::conflict("This job or tag already has an override for this rule."));
                }
                other => other?,
            };
            audit::record(
                conn,
                now,
                &actor,
                AuditEvent::success("alert_rule.override.create", "alert_rule_override", id)
                    .with_details(json!({ "kind": kind, "job_id": request.job_id, "tag": tag })),
            )?;
            stored_rule(conn, kind)
        })
    })
    .await?;
    configuration_changed();
    Ok(HttpResponse::Created().json(rule))
}

/// Remove an override.
#[utoipa::path(
    tag = "alerts",
    params(("id" = i64, Path, description = "Override id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such override", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[delete("/alerts/rules/overrides/{id}")]
pub async fn delete_rule_override(
    state: web::Data<AppState>,
    auth: Authorized<AdminOnly>,
    PathId(id): PathId,
) -> Result<HttpResponse, ApiError> {
    let (now, actor) = (state.clock.now(), auth.actor());
    run_db(&state.pool, move |conn| {
        write_transaction(conn, |conn| {
            if diesel::delete(alert_rule_overrides::table.find(id)).execute(conn)? == 0 {
                return Err(ApiError::not_found("Override"));
            }
            audit::record(
                conn,
                now,
                &actor,
                AuditEvent::success("alert_rule.override.delete", "alert_rule_override", id),
            )?;
            Ok::<_, ApiError>(())
        })
    })
    .await?;
    configuration_changed();
    Ok(HttpResponse::NoContent().finish())
}

fn window_dto(row: &WindowRow, now: DateTime<Utc>) -> MaintenanceWindowDto {
    MaintenanceWindowDto {
        id: row.id,
        scope: SilenceScope::parse(&row.scope).unwrap_or(SilenceScope::All),
        tags: crate::alerts::json_list(&row.tags),
        job_ids: crate::alerts::json_list(&row.job_ids),
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        reason: row.reason.clone(),
        created_by: row.created_by.clone(),
        weekly: row.weekly_dto(),
        active_now: row.to_window().active_at(now),
        created_at: row.created_at,
    }
}

/// Maintenance windows not yet ended (or all).
#[utoipa::path(
    tag = "maintenance",
    params(ListMaintenanceWindowsQuery),
    responses((status = 200, description = "Windows by start", body = MaintenanceWindowList)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/maintenance-windows")]
pub async fn list_windows(
    state: web::Data<AppState>,
    _auth: Authorized<Readers>,
    ValidQuery(query): ValidQuery<ListMaintenanceWindowsQuery>,
) -> Result<web::Json<MaintenanceWindowList>, ApiError> {
    let now = state.clock.now();
    let rows = run_db(&state.pool, move |conn| {
        let mut statement = maintenance_windows::table.into_boxed();
        if !query.include_ended.unwrap_or(false) {
            statement = statement.filter(maintenance_windows::ends_at.gt(now));
        }
        statement
            .order((maintenance_windows::starts_at, maintenance_windows::id))
            .select(WindowRow::as_select())
            .load::<WindowRow>(conn)
            .map_err(ApiError::from)
    })
    .await?;
    Ok(web::Json(MaintenanceWindowList { data: rows.iter().map(|row| window_dto(row, now)).collect() }))
}

/// A window's start, end and cleaned tags.
type WindowSpan = (DateTime<Utc>, DateTime<Utc>, Vec<String>);

fn validate_window(request: &CreateMaintenanceWindowRequest, now: DateTime<Utc>) -> Result<WindowSpan, ApiError> {
    let mut violations = Violations::new();
    let reason = request.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        violations.add("reason", "length", "must be 1 to 500 characters long");
    }
    let tags: Vec<String> =
        request.tags.iter().map(|tag| tag.trim().to_owned()).filter(|tag| !tag.is_empty()).collect();
    match request.scope {
        SilenceScope::Tags if tags.is_empty() => {
            violations.add("tags", "required", "scope tags needs at least one tag")
        }
        SilenceScope::Jobs if request.job_ids.is_empty() => {
            violations.add("job_ids", "required", "scope jobs needs at least one job id");
        }
        _ => {}
    }
    let starts = request.starts_at.unwrap_or(now);
    let ends = match (request.ends_at, request.duration_minutes) {
        (Some(_), Some(_)) => {
            violations.add("ends_at", "one_of", "give ends_at or duration_minutes, not both");
            starts
        }
        (None, None) => {
            violations.add("ends_at", "required", "give ends_at or duration_minutes");
            starts
        }
        (Some(ends), None) => ends,
        (None, Some(minutes)) if !(1..=525_600).contains(&minutes) => {
            violations.add("duration_minutes", "range", "must be from 1 to 525600 (a year)");
            starts
        }
        (None, Some(minutes)) => starts + Duration::minutes(minutes),
    };
    if request.ends_at.is_some() && ends <= starts {
        violations.add("ends_at", "after_start", "must be after starts_at");
    }
    if ends - starts > Duration::days(366) {
        violations.add("ends_at", "max_length", "a window lasts at most a year");
    }
    if ends <= now && request.ends_at.is_some() && ends > starts {
        violations.add("ends_at", "future", "must be in the future");
    }
    if let Some(weekly) = &request.weekly {
        if weekly.days.is_empty() {
            violations.add("weekly.days", "required", "name at least one day");
        }
        for (field, value) in [("weekly.start", &weekly.start), ("weekly.end", &weekly.end)] {
            if rules::parse_hhmm(value).is_none() {
                violations.add(field, "time", "must be a time HH:MM");
            }
        }
        if weekly.start == weekly.end {
            violations.add("weekly.end", "after_start", "must differ from weekly.start");
        }
        if weekly.timezone.parse::<chrono_tz::Tz>().is_err() {
            violations.add("weekly.timezone", "timezone", "must be an IANA time zone such as Asia/Tokyo");
        }
    }
    violations.finish((starts, ends, tags))
}

/// Open a maintenance window: alerts inside it are recorded (marked silenced), not sent.
/// A backup script can open one with a `maintenance` API key before a planned outage.
#[utoipa::path(
    tag = "maintenance",
    request_body = CreateMaintenanceWindowRequest,
    responses(
        (status = 201, description = "Opened", body = MaintenanceWindowDto),
        (status = 400, description = "Invalid input", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/maintenance-windows")]
pub async fn create_window(
    state: web::Data<AppState>,
    auth: Authorized<Silencers>,
    ValidJson(request): ValidJson<CreateMaintenanceWindowRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let (starts, ends, tags) = validate_window(&request, now)?;
    let actor = auth.actor();
    let created_by = match &auth.principal {
        crate::access::Principal::ApiKey(key) => format!("api-key:{}", key.name),
        crate::access::Principal::User(user) => user.username.clone(),
    };
    let row = run_db(&state.pool, move |conn| {
        write_transaction(conn, |conn| {
            let mut job_ids = request.job_ids.clone();
            job_ids.sort_unstable();
            job_ids.dedup();
            let known: Vec<i64> = jobs::table.filter(jobs::id.eq_any(&job_ids)).select(jobs::id).load(conn)?;
            if let Some(missing) = job_ids.iter().find(|id| !known.contains(id)) {
                return Err(ApiError::validation(vec![violation(
                    "job_ids",
                    "exists",
                    format!("no job has id {missing}"),
                )]));
            }
            let weekly = request.weekly.as_ref().map(serde_json::to_string).transpose().map_err(ApiError::internal)?;
            let id: i64 = diesel::insert_into(maintenance_windows::table)
                .values((
                    maintenance_windows::scope.eq(request.scope.as_str()),
                    maintenance_windows::tags.eq(serde_json::to_string(&tags).map_err(ApiError::internal)?),
                    maintenance_windows::job_ids.eq(serde_json::to_string(&job_ids).map_err(ApiError::internal)?),
                    maintenance_windows::starts_at.eq(starts),
                    maintenance_windows::ends_at.eq(ends),
                    maintenance_windows::reason.eq(request.reason.trim()),
                    maintenance_windows::weekly.eq(weekly),
                    maintenance_windows::created_by.eq(&created_by),
                    maintenance_windows::created_at.eq(now),
                ))
                .returning(maintenance_windows::id)
                .get_result(conn)?;
            audit::record(
                conn,
                now,
                &actor,
                AuditEvent::success("maintenance_window.create", "maintenance_window", id).with_details(json!({
                    "scope": request.scope, "tags": tags, "job_ids": job_ids, "starts_at": starts, "ends_at": ends,
                    "reason": request.reason.trim(),
                })),
            )?;
            maintenance_windows::table
                .find(id)
                .select(WindowRow::as_select())
                .first::<WindowRow>(conn)
                .map_err(ApiError::from)
        })
    })
    .await?;
    configuration_changed();
    Ok(HttpResponse::Created().json(window_dto(&row, now)))
}

/// End a maintenance window now.
#[utoipa::path(
    tag = "maintenance",
    params(("id" = i64, Path, description = "Window id")),
    responses(
        (status = 204, description = "Ended"),
        (status = 404, description = "No such window", body = ApiErrorBody),
        (status = 409, description = "Already ended", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[delete("/maintenance-windows/{id}")]
pub async fn end_window(
    state: web::Data<AppState>,
    auth: Authorized<Silencers>,
    PathId(id): PathId,
) -> Result<HttpResponse, ApiError> {
    let (now, actor) = (state.clock.now(), auth.actor());
    run_db(&state.pool, move |conn| {
        write_transaction(conn, |conn| {
            let ends: Option<DateTime<Utc>> =
                maintenance_windows::table.find(id).select(maintenance_windows::ends_at).first(conn).optional()?;
            match ends {
                None => return Err(ApiError::not_found("Maintenance window")),
                Some(ends) if ends <= now => return Err(ApiError::conflict("The window has already ended.")),
                Some(_) => {}
            }
            diesel::update(maintenance_windows::table.find(id))
                .set(maintenance_windows::ends_at.eq(now))
                .execute(conn)?;
            audit::record(conn, now, &actor, AuditEvent::success("maintenance_window.end", "maintenance_window", id))?;
            Ok::<_, ApiError>(())
        })
    })
    .await?;
    configuration_changed();
    Ok(HttpResponse::NoContent().finish())
}
