//! `/api/v1/notifications/channels` (secrets write-only, a test message per channel),
//! `/api/v1/notifications/routes`, `/api/v1/notifications/deliveries` (the delivery log)
//! and `/api/v1/me/notifications` (language, opt-out, subscriptions). Changes are audited.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use actix_web::{HttpResponse, delete, get, post, put, web};
use bms_types::ApiErrorBody;
use bms_types::alerts::{
    ChannelDto, ChannelKind, ChannelList, ChannelRequest, DeliveryAttemptDto, DeliveryDto, DeliveryList,
    DeliveryStatus, EmailSecurity, ListDeliveriesQuery, MessageLanguage, NotificationEvent, NotificationPreferencesDto,
    RouteDto, RouteList, RouteRequest,
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

use crate::access::{AdminOnly, Authorized, CurrentUser, Readers};
use crate::alerts::{RouteRow, configuration_changed, daily_span, json_list};
use crate::app::AppState;
use crate::audit::{self, AuditEvent};
use crate::db::pagination::PageWindow;
use crate::db::schema::{
    deliveries, delivery_attempts, jobs, notification_channels, notification_routes, route_subscriptions, users,
};
use crate::db::{DbConn, run_db, write_transaction};
use crate::error::{ApiError, Violations, violation};
use crate::notify::dispatch::{DeliveryRow, insert_delivery, render_for_channel};
use crate::notify::{ChannelRow, ChannelSecrets, ChannelSettings, DeliverySettings, seal_secrets};
use crate::request::{NoParams, PathId, ValidJson, ValidQuery};

fn is_private_host(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(name) => *name == "localhost",
        url::Host::Ipv4(ip) => ip.is_loopback() || ip.is_private() || ip.is_link_local(),
        url::Host::Ipv6(ip) => ip.is_loopback() || IpAddr::V6(*ip).to_canonical().is_loopback(),
    }
}

fn check_url(violations: &mut Violations, url: &str) {
    let Ok(parsed) = url::Url::parse(url) else {
        violations.add("url", "url", "must be an absolute URL such as https://example.webhook.office.com/...");
        return;
    };
    let host = parsed.host();
    match (parsed.scheme(), &host) {
        (_, None) => violations.add("url", "url", "must name a host"),
        ("https", _) => {}
        ("http", Some(host)) if is_private_host(host) => {}
        ("http", _) => {
            violations.add("url", "scheme", "must be https:// (http:// only for a private or loopback address)")
        }
        _ => violations.add("url", "scheme", "must be https:// (http:// only for a private or loopback address)"),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        violations.add("url", "no_credentials", "must not carry a user name or password; use headers");
    }
    if parsed.port() == Some(0) {
        violations.add("url", "port", "port must be from 1 to 65535");
    }
}

const RESERVED_HEADERS: [&str; 7] = [
    "content-type",
    "content-length",
    "host",
    "idempotency-key",
    "x-bms-signature",
    "x-bms-timestamp",
    "transfer-encoding",
];

fn is_mailbox(text: &str) -> bool {
    text.parse::<lettre::message::Mailbox>().is_ok()
}

/// Validates a channel request against the stored channel (on update) and returns what to store.
fn channel_values(
    request: &ChannelRequest,
    existing: Option<(&ChannelRow, ChannelSecrets)>,
) -> Result<(String, ChannelSettings, ChannelSecrets), ApiError> {
    let mut violations = Violations::new();
    let name = request.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        violations.add("name", "length", "must be 1 to 100 characters long");
    }
    if let Some((row, _)) = &existing
        && row.kind() != request.kind
    {
        violations.add("kind", "immutable", "a channel's kind cannot change; create a new channel");
    }
    let mut secrets = existing.as_ref().map(|(_, secrets)| secrets.clone()).unwrap_or_default();
    let mut settings = ChannelSettings::default();
    let is_email = request.kind == ChannelKind::Email;
    if !is_email && (request.email.is_some() || request.password.is_some()) {
        violations.add("email", "not_allowed", "e-mail settings belong to e-mail channels only");
    }
    if is_email && request.url.is_some() {
        violations.add("url", "not_allowed", "an e-mail channel has no URL");
    }
    if request.kind != ChannelKind::Webhook && (request.signing_secret.is_some() || request.headers.is_some()) {
        violations.add("signing_secret", "not_allowed", "signing secrets and headers belong to webhook channels only");
    }
    if is_email {
        match &request.email {
            None => violations.add("email", "required", "an e-mail channel needs its SMTP settings"),
            Some(email) => {
                let host = email.host.trim();
                if host.is_empty() || host.chars().any(char::is_whitespace) || host.len() > 253 {
                    violations.add("email.host", "host", "must be a host name or address");
                }
                if email.port == 0 {
                    violations.add("email.port", "range", "must be from 1 to 65535");
                }
                if !is_mailbox(&email.from_address) {
                    violations.add(
                        "email.from_address",
                        "email",
                        "must be an e-mail address, optionally `Name <address>`",
                    );
                }
                for (index, address) in email.to_addresses.iter().enumerate() {
                    if !email_address::EmailAddress::is_valid(address.trim()) {
                        violations.add(format!("email.to_addresses[{index}]"), "email", "must be an e-mail address");
                    }
                }
                if email.to_addresses.len() > 100 {
                    violations.add("email.to_addresses", "max_items", "at most 100 addresses");
                }
                if let Some(pem) = &email.ca_certificate_pem
                    && !pem.contains("-----BEGIN CERTIFICATE-----")
                {
                    violations.add(
                        "email.ca_certificate_pem",
                        "pem",
                        "must be a PEM certificate (-----BEGIN CERTIFICATE-----)",
                    );
                }
                if email.security == EmailSecurity::None && email.username.is_some() {
                    violations.add(
                        "email.security",
                        "tls_for_auth",
                        "a password is never sent without TLS: use starttls or tls",
                    );
                }
                let mut email = email.clone();
                email.host = host.to_owned();
                email.to_addresses = email.to_addresses.iter().map(|a| a.trim().to_owned()).collect();
                settings.email = Some(email);
            }
        }
        if let Some(password) = &request.password {
            secrets.password = (!password.is_empty()).then(|| password.clone());
        }
    } else {
        match &request.url {
            Some(url) => {
                check_url(&mut violations, url.trim());
                secrets.url = Some(url.trim().to_owned());
            }
            None if secrets.url.is_none() => violations.add("url", "required", "a webhook channel needs its URL"),
            None => {}
        }
    }
    if let Some(secret) = &request.signing_secret {
        if secret.is_empty() {
            secrets.signing_secret = None;
        } else if secret.chars().count() < 16 || secret.len() > 512 {
            violations.add("signing_secret", "length", "must be 16 to 512 characters long");
        } else {
            secrets.signing_secret = Some(secret.clone());
        }
    }
    if let Some(headers) = &request.headers {
        let mut clean = BTreeMap::new();
        for (name, value) in headers {
            let field = format!("headers.{name}");
            let lower = name.to_ascii_lowercase();
            if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                violations.add(field, "header_name", "is not a valid HTTP header name");
            } else if RESERVED_HEADERS.contains(&lower.as_str()) {
                violations.add(field, "reserved", "is set by bms itself");
            } else if reqwest::header::HeaderValue::from_str(value).is_err() {
                violations.add(field, "header_value", "is not a valid HTTP header value");
            } else {
                clean.insert(name.clone(), value.clone());
            }
        }
        if headers.len() > 20 {
            violations.add("headers", "max_items", "at most 20 headers");
        }
        secrets.headers = clean;
    }
    settings.header_names = secrets.headers.keys().cloned().collect();
    settings.secrets_set = secrets.names();
    violations.finish((name, settings, secrets))
}

fn unique_name_error(error: diesel::result::Error, what: &str) -> ApiError {
    match error {
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
            ApiError::validation(vec![violation("name", "unique", format!("another {what} has this name"))])
        }
        other => other.into(),
    }
}

fn find_channel(conn: &mut DbConn, id: i64) -> Result<ChannelRow, ApiError> {
    notification_channels::table
        .find(id)
        .select(ChannelRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("Channel"))
}

/// Every notification channel (secrets shown only as set / not set).
#[utoipa::path(
    tag = "notifications",
    responses((status = 200, description = "Channels by name", body = ChannelList)),
    security(("bearer" = []))
)]
#[get("/notifications/channels")]
pub async fn list_channels(
    state: web::Data<AppState>,
    _auth: Authorized<Readers>,
    _params: ValidQuery<NoParams>,
) -> Result<web::Json<ChannelList>, ApiError> {
    let rows = run_db(&state.pool, |conn| {
        notification_channels::table
            .order(notification_channels::name)
            .select(ChannelRow::as_select())
            .load::<ChannelRow>(conn)
            .map_err(ApiError::from)
    })
    .await?;
    Ok(web::Json(ChannelList { data: rows.iter().map(ChannelRow::to_dto).collect() }))
}

/// Create a channel.
#[utoipa::path(
    tag = "notifications",
    request_body = ChannelRequest,
    responses(
        (status = 201, description = "Created", body = ChannelDto),
        (status = 400, description = "Invalid settings", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/notifications/channels")]
pub async fn create_channel(
    state: web::Data<AppState>,
    delivery: web::Data<DeliverySettings>,
    auth: Authorized<AdminOnly>,
    ValidJson(request): ValidJson<ChannelRequest>,
) -> Result<HttpResponse, ApiError> {
    let (name, settings, secrets) = channel_values(&request, None)?;
    let (now, actor) = (state.clock.now(), auth.actor());
    let sealed = seal_secrets(&delivery.secret_box, &secrets).map_err(ApiError::internal)?;
    let row = run_db(&state.pool, move |conn| {
        write_transaction(conn, |conn| {
            let id: i64 = diesel::insert_into(notification_channels::table)
                .values((
                    notification_channels::name.eq(&name),
                    notification_channels::kind.eq(request.kind.as_str()),
                    notification_channels::language.eq(request.language.unwrap_or(MessageLanguage::Ja).as_str()),
                    notification_channels::enabled.eq(request.enabled.unwrap_or(true)),
                    notification_channels::settings.eq(serde_json::to_string(&settings).map_err(ApiError::internal)?),
                    notification_channels::secrets.eq(sealed),
                    notification_channels::created_at.eq(now),
                    notification_channels::updated_at.eq(now),
                ))
                .returning(notification_channels::id)
                .get_result(conn)
                .map_err(|error| unique_name_error(error, "channel"))?;
            audit::record(
                conn,
                now,
                &actor,
                AuditEvent::success("notification_channel.create", "notification_channel", id).with_details(json!({
                    "name": name, "kind": request.kind, "secrets_set": settings.secrets_set,
                })),
            )?;
            find_channel(conn, id)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(row.to_dto()))
}

/// Change a channel; absent secrets keep their stored values, empty ones clear them.
#[utoipa::path(
    tag = "notifications",
    params(("id" = i64, Path, description = "Channel id")),
    request_body = ChannelRequest,
    responses(
        (status = 200, description = "Changed", body = ChannelDto),
        (status = 400, description = "Invalid settings", body = ApiErrorBody),
        (status = 404, description = "No such channel", body = ApiErrorBody),
        (status = 409, description = "Defined by the MAIL_* settings", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[put("/notifications/channels/{id}")]
pub async fn update_channel(
    state: web::Data<AppState>,
    delivery: web::Data<DeliverySettings>,
    auth: Authorized<AdminOnly>,
    PathId(id): PathId,
    ValidJson(request): ValidJson<ChannelRequest>,
) -> Result<web::Json<ChannelDto>, ApiError> {
    let (now, actor) = (state.clock.now(), auth.actor());
    let row = run_db(&state.pool, move |conn| {
        write_transaction(conn, |conn| {
            let existing = find_channel(conn, id)?;
            if existing.managed_by_env {
                return Err(ApiError::conflict(
                    "This channel comes from the MAIL_* settings: change them and restart bms.",
                ));
            }
            let stored = existing.secrets(&delivery.secret_box).map_err(ApiError::internal)?;
            let (name, settings, secrets) = channel_values(&request, Some((&existing, stored)))?;
            let sealed = seal_secrets(&delivery.secret_box, &secrets).map_err(ApiError::internal)?;
            diesel::update(notification_channels::table.find(id))
                .set((
                    notification_channels::name.eq(&name),
                    notification_channels::language.eq(request.language.unwrap_or(existing.language()).as_str()),
                    notification_channels::enabled.eq(request.enabled.unwrap_or(existing.enabled)),
                    notification_channels::settings.eq(serde_json::to_string(&settings).map_err(ApiError::internal)?),
                    notification_channels::secrets.eq(sealed),
                    notification_channels::updated_at.eq(now),
                ))
                .execute(conn)
                .map_err(|error| unique_name_error(error, "channel"))?;
            audit::record(
                conn,
                now,
                &actor,
                AuditEvent::success("notification_channel.update", "notification_channel", id)
                    .with_details(json!({ "name": name, "secrets_set": settings.secrets_set })),
            )?;
            find_channel(conn, id)
        })
    })
    .await?;
    Ok(web::Json(row.to_dto()))
}

/// Delete a channel (its deliveries go with it; routes stop using it).
#[utoipa::path(
    tag = "notifications",
    params(("id" = i64, Path, description = "Channel id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such channel", body = ApiErrorBody),
        (status = 409, description = "Defined by the MAIL_* settings", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[delete("/notifications/channels/{id}")]
pub async fn delete_channel(
    state: web::Data<AppState>,
    auth: Authorized<AdminOnly>,
    PathId(id): PathId,
) -> Result<HttpResponse, ApiError> {
    let (now, actor) = (state.clock.now(), auth.actor());
    run_db(&state.pool, move |conn| {
        write_transaction(conn, |conn| {
            let existing = find_channel(conn, id)?;
            if existing.managed_by_env {
                return Err(ApiError::conflict(
                    "This channel comes from the MAIL_* settings: unset MAIL_SERVER to remove it.",
                ));
            }
            diesel::delete(notification_channels::table.find(id)).execute(conn)?;
            audit::record(
                conn,
                now,
                &actor,
                AuditEvent::success("notification_channel.delete", "notification_channel", id)
                    .with_details(json!({ "name": existing.name })),
            )?;
            Ok::<_, ApiError>(())
        })
    })
    .await?;
    configuration_changed();
    Ok(HttpResponse::NoContent().finish())
}

fn delivery_dtos(conn: &mut DbConn, rows: &[DeliveryRow]) -> QueryResult<Vec<DeliveryDto>> {
    let channel_ids: Vec<i64> = rows.iter().map(|row| row.channel_id).collect();
    let channels: HashMap<i64, (String, String)> = notification_channels::table
        .filter(notification_channels::id.eq_any(&channel_ids))
        .select((notification_channels::id, notification_channels::name, notification_channels::kind))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, name, kind)| (id, (name, kind)))
        .collect();
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    type Attempt = (i64, DateTime<Utc>, bool, Option<String>, Option<String>, i64);
    let attempts: Vec<Attempt> = delivery_attempts::table
        .filter(delivery_attempts::delivery_id.eq_any(&ids))
        .order(delivery_attempts::id)
        .select((
            delivery_attempts::delivery_id,
            delivery_attempts::at,
            delivery_attempts::ok,
            delivery_attempts::status,
            delivery_attempts::error,
            delivery_attempts::duration_ms,
        ))
        .load(conn)?;
    Ok(rows
        .iter()
        .map(|row| {
            let (name, kind) = channels.get(&row.channel_id).cloned().unwrap_or_default();
            DeliveryDto {
                id: row.id,
                channel_id: row.channel_id,
                channel_name: name,
                channel_kind: ChannelKind::parse(&kind).unwrap_or(ChannelKind::Webhook),
                event: NotificationEvent::parse(&row.event).unwrap_or(NotificationEvent::Test),
                route_id: row.route_id,
                alert_ids: json_list(&row.alert_ids),
                subject: row.subject.clone(),
                recipients: json_list(&row.recipients),
                status: DeliveryStatus::parse(&row.status).unwrap_or(DeliveryStatus::Pending),
                attempts: row.attempts,
                next_attempt_at: row.next_attempt_at,
                created_at: row.created_at,
                delivered_at: row.delivered_at,
                attempt_log: attempts
                    .iter()
                    .filter(|attempt| attempt.0 == row.id)
                    .map(|(_, at, ok, status, error, duration_ms)| DeliveryAttemptDto {
                        at: *at,
                        ok: *ok,
                        status: status.clone(),
                        error: error.clone(),
                        duration_ms: *duration_ms,
                    })
                    .collect(),
            }
        })
        .collect())
}

/// Queue a test message on a channel; the delivery log shows how it went.
#[utoipa::path(
    tag = "notifications",
    params(("id" = i64, Path, description = "Channel id")),
    responses(
        (status = 202, description = "Queued", body = DeliveryDto),
        (status = 404, description = "No such channel", body = ApiErrorBody),
        (status = 409, description = "The channel is disabled", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/notifications/channels/{id}/test")]
pub async fn test_channel(
    state: web::Data<AppState>,
    delivery: web::Data<DeliverySettings>,
    auth: Authorized<AdminOnly>,
    PathId(id): PathId,
) -> Result<HttpResponse, ApiError> {
    let (now, actor) = (state.clock.now(), auth.actor());
    let user_id = auth.user().map(|user| user.id);
    let public_url = delivery.alerting.public_url.clone();
    let dto = run_db(&state.pool, move |conn| {
        write_transaction(conn, |conn| {
            let channel = find_channel(conn, id)?;
            if !channel.enabled {
                return Err(ApiError::conflict("The channel is disabled."));
            }
            // An e-mail test goes to the channel's addresses, else to the admin asking.
            let me: Vec<(String, String)> = users::table
                .filter(users::id.eq(user_id.unwrap_or(-1)))
                .filter(users::email.ne(""))
                .select((users::email, users::message_language))
                .load(conn)?;
            let has_fixed = channel.settings().email.is_some_and(|email| !email.to_addresses.is_empty());
            let people: Vec<(String, MessageLanguage)> = if has_fixed {
                Vec::new()
            } else {
                me.into_iter()
                    .map(|(email, language)| (email, MessageLanguage::parse(&language).unwrap_or(MessageLanguage::Ja)))
                    .collect()
            };
            let made = render_for_channel(&channel, None, NotificationEvent::Test, &[], None, &people, &public_url);
            let Some(first) = made.first() else {
                return Err(ApiError::validation(vec![violation(
                    "email.to_addresses",
                    "required",
                    "the channel has no recipients and your account has no e-mail address",
                )]));
            };
            let delivery_id = insert_delivery(conn, first, now)?;
            audit::record(
                conn,
                now,
                &actor,
                AuditEvent::success("notification_channel.test", "notification_channel", id),
            )?;
            let row =
                deliveries::table.find(delivery_id).select(DeliveryRow::as_select()).first::<DeliveryRow>(conn)?;
            Ok::<_, ApiError>(delivery_dtos(conn, &[row])?.remove(0))
        })
    })
    .await?;
    Ok(HttpResponse::Accepted().json(dto))
}

/// The delivery log, newest first.
#[utoipa::path(
    tag = "notifications",
    params(ListDeliveriesQuery),
    responses((status = 200, description = "A page of deliveries with their attempts", body = DeliveryList)),
    security(("bearer" = []))
)]
#[get("/notifications/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    _auth: Authorized<Readers>,
    ValidQuery(query): ValidQuery<ListDeliveriesQuery>,
) -> Result<web::Json<DeliveryList>, ApiError> {
    let window = PageWindow::new(query.page, query.per_page)?;
    let list = run_db(&state.pool, move |conn| {
        let filtered = || {
            let mut statement = deliveries::table.into_boxed();
            if let Some(status) = query.status {
                statement = statement.filter(deliveries::status.eq(status.as_str()));
            }
            if let Some(channel) = query.channel_id {
                statement = statement.filter(deliveries::channel_id.eq(channel));
            }
            if let Some(alert) = query.alert_id {
                // alert_ids is a JSON array of numbers: match the number as a whole element.
                statement = statement.filter(
                    deliveries::alert_ids
                        .eq(format!("[{alert}]"))
                        .or(deliveries::alert_ids.like(format!("[{alert},%")))
                        .or(deliveries::alert_ids.like(format!("%,{alert},%")))
                        .or(deliveries::alert_ids.like(format!("%,{alert}]"))),
                );
            }
            statement
        };
        let (rows, meta) = window.load(
            conn,
            |conn| filtered().count().get_result(conn),
            |conn, limit, offset| {
                filtered()
                    .order(deliveries::id.desc())
                    .limit(limit)
                    .offset(offset)
                    .select(DeliveryRow::as_select())
                    .load(conn)
            },
        )?;
        Ok::<_, ApiError>(DeliveryList { data: delivery_dtos(conn, &rows)?, meta })
    })
    .await?;
    Ok(web::Json(list))
}

fn subscriber_counts(conn: &mut DbConn) -> QueryResult<HashMap<i64, i64>> {
    use diesel::dsl::count_star;
    Ok(route_subscriptions::table
        .group_by(route_subscriptions::route_id)
        .select((route_subscriptions::route_id, count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect())
}

fn route_dto(row: &RouteRow, subscribers: i64) -> RouteDto {
    RouteDto {
        id: row.id,
        name: row.name.clone(),
        enabled: row.enabled,
        severities: json_list(&row.severities),
        rule_kinds: json_list(&row.rule_kinds),
        tags: json_list(&row.tags),
        job_ids: json_list(&row.job_ids),
        channel_ids: json_list(&row.channel_ids),
        notify_staff: row.notify_staff,
        escalate_after_minutes: row.escalate_after_minutes,
        escalation_channel_ids: json_list(&row.escalation_channel_ids),
        renotify_hours: row.renotify_hours,
        group_wait_seconds: row.group_wait_seconds,
        group_interval_seconds: row.group_interval_seconds,
        quiet_hours: row.quiet_hours_dto(),
        managed_by_env: row.managed_by_env,
        subscriber_count: subscribers,
    }
}

fn find_route(conn: &mut DbConn, id: i64) -> Result<RouteDto, ApiError> {
    let row: RouteRow = notification_routes::table
        .find(id)
        .select(RouteRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("Route"))?;
    let counts = subscriber_counts(conn)?;
    Ok(route_dto(&row, counts.get(&id).copied().unwrap_or(0)))
}

/// Every route.
#[utoipa::path(
    tag = "notifications",
    responses((status = 200, description = "Routes by name", body = RouteList)),
    security(("bearer" = []))
)]
#[get("/notifications/routes")]
pub async fn list_routes(
    state: web::Data<AppState>,
    _auth: Authorized<Readers>,
    _params: ValidQuery<NoParams>,
) -> Result<web::Json<RouteList>, ApiError> {
    let list = run_db(&state.pool, |conn| {
        let rows: Vec<RouteRow> =
            notification_routes::table.order(notification_routes::name).select(RouteRow::as_select()).load(conn)?;
        let counts = subscriber_counts(conn)?;
        Ok::<_, ApiError>(RouteList {
            data: rows.iter().map(|row| route_dto(row, counts.get(&row.id).copied().unwrap_or(0))).collect(),
        })
    })
    .await?;
    Ok(web::Json(list))
}

/// A validated route, ready to store.
struct RouteValues {
    name: String,
    request: RouteRequest,
    group_wait: i64,
    group_interval: i64,
    quiet: Option<String>,
}

fn route_values(conn: &mut DbConn, request: RouteRequest) -> Result<RouteValues, ApiError> {
    let mut violations = Violations::new();
    let name = request.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        violations.add("name", "length", "must be 1 to 100 characters long");
    }
    let known_channels: Vec<i64> = notification_channels::table.select(notification_channels::id).load(conn)?;
    for (field, ids) in
        [("channel_ids", &request.channel_ids), ("escalation_channel_ids", &request.escalation_channel_ids)]
    {
        if let Some(missing) = ids.iter().find(|id| !known_channels.contains(id)) {
            violations.add(field, "exists", format!("no channel has id {missing}"));
        }
    }
    if request.channel_ids.is_empty() && !request.notify_staff {
        violations.add("channel_ids", "required", "a route sends to at least one channel (or to staff)");
    }
    let known_jobs: Vec<i64> = jobs::table.filter(jobs::id.eq_any(&request.job_ids)).select(jobs::id).load(conn)?;
    if let Some(missing) = request.job_ids.iter().find(|id| !known_jobs.contains(id)) {
        violations.add("job_ids", "exists", format!("no job has id {missing}"));
    }
    match request.escalate_after_minutes {
        Some(minutes) if !(1..=10_080).contains(&minutes) => {
            violations.add("escalate_after_minutes", "range", "must be from 1 to 10080 (a week)");
        }
        Some(_) if request.escalation_channel_ids.is_empty() => {
            violations.add("escalation_channel_ids", "required", "escalation needs at least one channel");
        }
        None if !request.escalation_channel_ids.is_empty() => {
            violations.add("escalate_after_minutes", "required", "escalation channels need escalate_after_minutes");
        }
        _ => {}
    }
    if request.renotify_hours.is_some_and(|hours| !(1..=168).contains(&hours)) {
        violations.add("renotify_hours", "range", "must be from 1 to 168 (a week)");
    }
    let group_wait = request.group_wait_seconds.unwrap_or(30);
    if !(0..=3_600).contains(&group_wait) {
        violations.add("group_wait_seconds", "range", "must be from 0 to 3600");
    }
    let group_interval = request.group_interval_seconds.unwrap_or(300);
    if !(0..=86_400).contains(&group_interval) {
        violations.add("group_interval_seconds", "range", "must be from 0 to 86400");
    }
    if request.tags.iter().any(|tag| tag.trim().is_empty()) {
        violations.add("tags", "not_blank", "tags must not be blank");
    }
    let quiet = match &request.quiet_hours {
        None => None,
        Some(quiet) => {
            if crate::alerts::rules::parse_hhmm(&quiet.start).is_none() {
                violations.add("quiet_hours.start", "time", "must be a time HH:MM");
            }
            if crate::alerts::rules::parse_hhmm(&quiet.end).is_none() {
                violations.add("quiet_hours.end", "time", "must be a time HH:MM");
            }
            if quiet.timezone.parse::<chrono_tz::Tz>().is_err() {
                violations.add("quiet_hours.timezone", "timezone", "must be an IANA time zone such as Asia/Tokyo");
            }
            if quiet.start == quiet.end {
                violations.add("quiet_hours.end", "after_start", "must differ from quiet_hours.start");
            }
            daily_span(&quiet.start, &quiet.end, &quiet.timezone).and_then(|_| serde_json::to_string(quiet).ok())
        }
    };
    violations.finish(RouteValues { name, request, group_wait, group_interval, quiet })
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(ApiError::internal)
}

fn store_route(conn: &mut DbConn, id: Option<i64>, values: &RouteValues, now: DateTime<Utc>) -> Result<i64, ApiError> {
    let request = &values.request;
    let tags: Vec<String> = request.tags.iter().map(|tag| tag.trim().to_owned()).collect();
    let columns = (
        notification_routes::name.eq(&values.name),
        notification_routes::enabled.eq(request.enabled.unwrap_or(true)),
        notification_routes::severities.eq(to_json(&request.severities)?),
        notification_routes::rule_kinds.eq(to_json(&request.rule_kinds)?),
        notification_routes::tags.eq(to_json(&tags)?),
        notification_routes::job_ids.eq(to_json(&request.job_ids)?),
        notification_routes::channel_ids.eq(to_json(&request.channel_ids)?),
        notification_routes::notify_staff.eq(request.notify_staff),
        notification_routes::escalate_after_minutes.eq(request.escalate_after_minutes),
        notification_routes::escalation_channel_ids.eq(to_json(&request.escalation_channel_ids)?),
        notification_routes::renotify_hours.eq(request.renotify_hours),
        notification_routes::group_wait_seconds.eq(values.group_wait),
        notification_routes::group_interval_seconds.eq(values.group_interval),
        notification_routes::quiet_hours.eq(&values.quiet),
        notification_routes::updated_at.eq(now),
    );
    let stored = match id {
        Some(id) => diesel::update(notification_routes::table.find(id)).set(columns).execute(conn).map(|_| id),
        None => diesel::insert_into(notification_routes::table)
            .values((columns, notification_routes::created_at.eq(now)))
            .returning(notification_routes::id)
            .get_result(conn),
    };
    stored.map_err(|error| unique_name_error(error, "route"))
}

/// Create a route.
#[utoipa::path(
    tag = "notifications",
    request_body = RouteRequest,
    responses(
        (status = 201, description = "Created", body = RouteDto),
        (status = 400, description = "Invalid route", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/notifications/routes")]
pub async fn create_route(
    state: web::Data<AppState>,
    auth: Authorized<AdminOnly>,
    ValidJson(request): ValidJson<RouteRequest>,
) -> Result<HttpResponse, ApiError> {
    let (now, actor) = (state.clock.now(), auth.actor());
    let route = run_db(&state.pool, move |conn| {
        write_transaction(conn, |conn| {
            let values = route_values(conn, request)?;
            let id = store_route(conn, None, &values, now)?;
            audit::record(
                conn,
                now,
                &actor,
                AuditEvent::success("notification_route.create", "notification_route", id)
                    .with_details(json!({ "name": values.name, "channel_ids": values.request.channel_ids })),
            )?;
            find_route(conn, id)
        })
    })
    .await?;
    configuration_changed();
    Ok(HttpResponse::Created().json(route))
}

/// Change a route.
#[utoipa::path(
    tag = "notifications",
    params(("id" = i64, Path, description = "Route id")),
    request_body = RouteRequest,
    responses(
        (status = 200, description = "Changed", body = RouteDto),
        (status = 400, description = "Invalid route", body = ApiErrorBody),
        (status = 404, description = "No such route", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[put("/notifications/routes/{id}")]
pub async fn update_route(
    state: web::Data<AppState>,
    auth: Authorized<AdminOnly>,
    PathId(id): PathId,
    ValidJson(request): ValidJson<RouteRequest>,
) -> Result<web::Json<RouteDto>, ApiError> {
    let (now, actor) = (state.clock.now(), auth.actor());
    let route = run_db(&state.pool, move |conn| {
        write_transaction(conn, |conn| {
            find_route(conn, id)?;
            let values = route_values(conn, request)?;
            store_route(conn, Some(id), &values, now)?;
            audit::record(
                conn,
                now,
                &actor,
                AuditEvent::success("notification_route.update", "notification_route", id)
                    .with_details(json!({ "name": values.name, "channel_ids": values.request.channel_ids })),
            )?;
            find_route(conn, id)
        })
    })
    .await?;
    configuration_changed();
    Ok(web::Json(route))
}

/// Delete a route.
#[utoipa::path(
    tag = "notifications",
    params(("id" = i64, Path, description = "Route id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such route", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[delete("/notifications/routes/{id}")]
pub async fn delete_route(
    state: web::Data<AppState>,
    auth: Authorized<AdminOnly>,
    PathId(id): PathId,
) -> Result<HttpResponse, ApiError> {
    let (now, actor) = (state.clock.now(), auth.actor());
    run_db(&state.pool, move |conn| {
        write_transaction(conn, |conn| {
            if diesel::delete(notification_routes::table.find(id)).execute(conn)? == 0 {
                return Err(ApiError::not_found("Route"));
            }
            audit::record(
                conn,
                now,
                &actor,
                AuditEvent::success("notification_route.delete", "notification_route", id),
            )?;
            Ok::<_, ApiError>(())
        })
    })
    .await?;
    configuration_changed();
    Ok(HttpResponse::NoContent().finish())
}

fn preferences(conn: &mut DbConn, user_id: i64) -> Result<NotificationPreferencesDto, ApiError> {
    let (language, opt_out): (String, bool) =
        users::table.find(user_id).select((users::message_language, users::alert_email_opt_out)).first(conn)?;
    let routes: Vec<i64> = route_subscriptions::table
        .filter(route_subscriptions::user_id.eq(user_id))
        .select(route_subscriptions::route_id)
        .order(route_subscriptions::route_id)
        .load(conn)?;
    Ok(NotificationPreferencesDto {
        language: MessageLanguage::parse(&language).unwrap_or(MessageLanguage::Ja),
        email_opt_out: opt_out,
        subscribed_route_ids: routes,
    })
}

/// The signed-in user's notification preferences.
#[utoipa::path(
    tag = "notifications",
    responses((status = 200, description = "Preferences", body = NotificationPreferencesDto)),
    security(("bearer" = []))
)]
#[get("/me/notifications")]
pub async fn my_notifications(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<web::Json<NotificationPreferencesDto>, ApiError> {
    let user_id = current.user.id;
    Ok(web::Json(run_db(&state.pool, move |conn| preferences(conn, user_id)).await?))
}

/// Change the signed-in user's language, opt-out and route subscriptions.
#[utoipa::path(
    tag = "notifications",
    request_body = NotificationPreferencesDto,
    responses(
        (status = 200, description = "Preferences", body = NotificationPreferencesDto),
        (status = 400, description = "Unknown route", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[put("/me/notifications")]
pub async fn update_my_notifications(
    state: web::Data<AppState>,
    current: CurrentUser,
    ValidJson(request): ValidJson<NotificationPreferencesDto>,
) -> Result<web::Json<NotificationPreferencesDto>, ApiError> {
    let (now, actor, user_id) = (state.clock.now(), current.actor(), current.user.id);
    let dto = run_db(&state.pool, move |conn| {
        write_transaction(conn, |conn| {
            let mut routes = request.subscribed_route_ids.clone();
            routes.sort_unstable();
            routes.dedup();
            let known: Vec<i64> =
                notification_routes::table.filter(notification_routes::id.eq_any(&routes)).select(notification_routes::id).load(conn)?;
            if let Some(missing) = routes.iter().find(|id| !known.contains(id)) {
                return Err(ApiError::validation(vec![violation(
                    "subscribed_route_ids",
                    "exists",
                    format!("no route has id {missing}"),
                )]));
            }
            diesel::update(users::table.find(user_id))
                .set((users::message_language.eq(request.language.as_str()), users::alert_email_opt_out.eq(request.email_opt_out)))
                .execute(conn)?;
            diesel::delete(route_subscriptions::table.filter(route_subscriptions::user_id.eq(user_id))).execute(conn)?;
            for route in &routes {
                diesel::insert_into(route_subscriptions::table)
                    .values((route_subscriptions::route_id.eq(route), route_subscriptions::user_id.eq(user_id)))
                    .execute(conn)?;
            }
            audit::record(
                conn,
                now,
                &actor,
                AuditEvent::success("user.notification_preferences", "user", user_id).with_details(json!({
                    "language": request.language, "email_opt_out": request.email_opt_out, "subscribed_route_ids": routes,
                })),
            )?;
            preferences(conn, user_id)
        })
    })
    .await?;
    Ok(web::Json(dto))
}
