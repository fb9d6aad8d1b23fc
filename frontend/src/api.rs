//! Every HTTP call the SPA makes, in one place: the token store (access token in memory,
//! refresh token in `localStorage` so a reload or a wall screen keeps its session), silent
//! refresh, and one typed function per endpoint.

use std::cell::RefCell;
use std::rc::Rc;

use bms_types::alerts::{
    AlertDetailDto, AlertDto, AlertList, AlertNoteRequest, AlertRuleDto, AlertRuleKind, AlertRuleList, AlertSummaryDto,
    BulkAcknowledgeRequest, BulkAcknowledgeResult, ChannelDto, ChannelList, ChannelRequest,
    CreateAlertRuleOverrideRequest, CreateMaintenanceWindowRequest, DeliveryDto, DeliveryList, ListAlertsQuery,
    ListDeliveriesQuery, ListMaintenanceWindowsQuery, MaintenanceWindowDto, MaintenanceWindowList,
    NotificationPreferencesDto, RouteDto, RouteList, RouteRequest, UpdateAlertRuleRequest,
};
use bms_types::api_keys::{ApiKeyList, CreateApiKeyRequest, CreatedApiKeyResponse, ListApiKeysQuery};
use bms_types::audit::{AuditEntryList, AuditVerifyResponse, ListAuditQuery};
use bms_types::auth::{ChangePasswordRequest, LoginRequest, RefreshRequest, TokenResponse};
use bms_types::dashboard::{DashboardSeries, DashboardSummary};
use bms_types::executions::{ExecutionList, ListExecutionsQuery};
use bms_types::jobs::{
    ComplianceVerdictDto, CopyDto, CreateCopyRequest, CreateJobRequest, JobDto, JobList, ListJobsQuery,
    SchedulePreview, SchedulePreviewQuery, UpdateCopyRequest, UpdateJobRequest,
};
use bms_types::media::{
    AssignRotationSetRequest, CreateMediumRequest, CustodyChain, ListMediaQuery, MediaImportQuery, MediaImportResult,
    MediaList, MediumDto, RotationCalendarDto, RotationCalendarQuery, RotationDto, RotationList, RotationRequest,
    UpdateMediumRequest,
};
use bms_types::restore::{
    AttachmentDto, CreateRestoreTestRequest, ListRestoreTestsQuery, RestoreCalendar, RestoreCalendarQuery,
    RestoreRequirementDto, RestoreRequirementRequest, RestoreStatusDto, RestoreTestDto, RestoreTestList,
};
use bms_types::system::TaskList;
use bms_types::users::{
    CreateUserRequest, CreatedUserResponse, ListUsersQuery, ResetPasswordRequest, ResetPasswordResponse,
    UpdateUserRequest, UserDto, UserList,
};
use bms_types::{ApiErrorBody, ErrorCode, FieldViolation};
use futures::lock::Mutex;
use gloo_net::http::{Method, RequestBuilder};
use serde::Serialize;
use serde::de::{DeserializeOwned, IgnoredAny};
use wasm_bindgen::{JsCast, JsValue};

/// Where the refresh token survives reloads.
const REFRESH_TOKEN_KEY: &str = "bms.refresh_token";
/// Refresh this long before the access token expires, so no request is sent with a token
/// that dies in flight.
const REFRESH_MARGIN_MS: f64 = 60_000.0;

/// Why a request failed, in terms the UI can translate.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status; 0 when the server could not be reached.
    pub status: u16,
    /// The API's error code, when the body was the error envelope.
    pub code: Option<ErrorCode>,
    /// The server's English message (or the network error).
    pub message: String,
    /// Field violations of a `validation_failed` answer.
    pub details: Vec<FieldViolation>,
}

impl ApiError {
    /// A failure before any answer (or an answer that could not be read).
    pub(crate) fn network(message: impl ToString) -> Self {
        Self { status: 0, code: None, message: message.to_string(), details: Vec::new() }
    }

    /// Decodes an error answer; a body that is not the envelope still yields the status.
    pub fn from_body(status: u16, body: &str) -> Self {
        match serde_json::from_str::<ApiErrorBody>(body) {
            Ok(envelope) => Self {
                status,
                code: Some(envelope.error.code),
                message: envelope.error.message,
                details: envelope.error.details,
            },
            Err(_) => Self { status, code: None, message: body.chars().take(200).collect(), details: Vec::new() },
        }
    }

    /// The first violation reported on `field`.
    pub fn violation(&self, field: &str) -> Option<&FieldViolation> {
        self.details.iter().find(|detail| detail.field == field)
    }
}

/// Why the session ended, shown on the login page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    /// The user signed out.
    LoggedOut,
    /// No user activity for the idle timeout.
    Idle,
    /// The server refused the session (expired, revoked, password changed elsewhere).
    Expired,
}

struct Tokens {
    access: String,
    /// `Date.now()` milliseconds at which the access token expires.
    access_expires_ms: f64,
    refresh: String,
}

type SessionEndCallback = Rc<dyn Fn(SessionEnd)>;

thread_local! {
    static TOKENS: RefCell<Option<Tokens>> = const { RefCell::new(None) };
    static ON_SESSION_END: RefCell<Option<SessionEndCallback>> = RefCell::new(None);
    // One refresh at a time: refresh tokens rotate, and presenting a used one revokes the
    // whole session, so concurrent requests must never refresh in parallel.
    static REFRESH_LOCK: Rc<Mutex<()>> = Rc::new(Mutex::new(()));
    static IDLE_TIMEOUT_MS: std::cell::Cell<f64> = const { std::cell::Cell::new(30.0 * 60_000.0) };
}

/// The server's idle timeout, from the last token answer.
pub fn idle_timeout_ms() -> f64 {
    IDLE_TIMEOUT_MS.with(std::cell::Cell::get)
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|window| window.local_storage().ok().flatten())
}

/// Reads a remembered value (language, wall-screen mode...).
pub fn stored(key: &str) -> Option<String> {
    storage().and_then(|storage| storage.get_item(key).ok().flatten())
}

/// Remembers a value; failures (private mode, quota) only lose the preference.
pub fn store(key: &str, value: &str) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(key, value);
    }
}

fn forget(key: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(key);
    }
}

/// Registers what happens when the session ends without the user asking (refresh refused).
pub fn on_session_end(callback: impl Fn(SessionEnd) + 'static) {
    ON_SESSION_END.with(|slot| *slot.borrow_mut() = Some(Rc::new(callback)));
}

fn keep_tokens(response: &TokenResponse) {
    let access_expires_ms = now_ms() + response.expires_in as f64 * 1000.0;
    store(REFRESH_TOKEN_KEY, &response.refresh_token);
    IDLE_TIMEOUT_MS.with(|cell| cell.set(response.idle_timeout_seconds as f64 * 1000.0));
    TOKENS.with(|tokens| {
        *tokens.borrow_mut() = Some(Tokens {
            access: response.access_token.clone(),
            access_expires_ms,
            refresh: response.refresh_token.clone(),
        });
    });
}

fn drop_tokens() {
    forget(REFRESH_TOKEN_KEY);
    TOKENS.with(|tokens| *tokens.borrow_mut() = None);
}

/// Ends the local session and tells the app why. Only the first end counts: requests
/// still in flight that fail because of it must not replace the reason.
pub fn end_session(reason: SessionEnd) {
    let had_session = TOKENS.with(|tokens| tokens.borrow_mut().take().is_some());
    forget(REFRESH_TOKEN_KEY);
    if !had_session {
        return;
    }
    let callback = ON_SESSION_END.with(|slot| slot.borrow().clone());
    if let Some(callback) = callback {
        callback(reason);
    }
}

/// An empty JSON object body.
#[derive(Serialize)]
struct Empty {}

fn url(path: &str) -> String {
    format!("/api/v1{path}")
}

fn with_query(path: &str, query: &impl Serialize) -> String {
    match serde_urlencoded::to_string(query) {
        Ok(encoded) if !encoded.is_empty() => format!("{}?{encoded}", url(path)),
        _ => url(path),
    }
}

/// A request body and its content type: JSON or CSV text, or a file the person chose
/// (sent as it is, never read into WASM memory).
#[derive(Clone)]
pub struct Body {
    content_type: &'static str,
    value: JsValue,
}

impl Body {
    fn json(text: String) -> Self {
        Self { content_type: "application/json", value: JsValue::from(text) }
    }
}

async fn send_raw(
    method: Method,
    full_url: &str,
    bearer: Option<&str>,
    body: Option<&Body>,
) -> Result<gloo_net::http::Response, ApiError> {
    let mut builder = RequestBuilder::new(full_url).method(method).header("Accept", "application/json");
    if let Some(token) = bearer {
        builder = builder.header("Authorization", &format!("Bearer {token}"));
    }
    let request = match body {
        Some(body) => builder.header("Content-Type", body.content_type).body(body.value.clone()),
        None => builder.build(),
    }
    .map_err(ApiError::network)?;
    request.send().await.map_err(ApiError::network)
}

/// The status and the body's text.
async fn status_and_text(response: gloo_net::http::Response) -> (u16, String) {
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

/// An unauthenticated JSON request (sign-in, refresh).
async fn send_text(
    method: Method,
    full_url: &str,
    bearer: Option<&str>,
    body: String,
) -> Result<(u16, String), ApiError> {
    Ok(status_and_text(send_raw(method, full_url, bearer, Some(&Body::json(body))).await?).await)
}

fn json(body: &impl Serialize) -> Result<String, ApiError> {
    serde_json::to_string(body).map_err(ApiError::network)
}

fn decode<T: DeserializeOwned>(status: u16, text: &str) -> Result<T, ApiError> {
    if (200..300).contains(&status) {
        // 204 answers carry no body; `()` decodes from `null`.
        let text = if text.trim().is_empty() { "null" } else { text };
        serde_json::from_str(text).map_err(|error| ApiError {
            status,
            code: None,
            message: format!("unexpected answer: {error}"),
            details: Vec::new(),
        })
    } else {
        Err(ApiError::from_body(status, text))
    }
}

/// Exchanges the refresh token for a new pair. Returns the signed-in user.
async fn refresh_tokens() -> Result<UserDto, ApiError> {
    let lock = REFRESH_LOCK.with(Rc::clone);
    let _guard = lock.lock().await;
    let refresh =
        TOKENS.with(|tokens| tokens.borrow().as_ref().map(|t| t.refresh.clone())).or_else(|| stored(REFRESH_TOKEN_KEY));
    let Some(refresh) = refresh else {
        return Err(ApiError {
            status: 401,
            code: Some(ErrorCode::AuthenticationRequired),
            message: "not signed in".into(),
            details: Vec::new(),
        });
    };
    let body = json(&RefreshRequest { refresh_token: refresh })?;
    let (status, text) = send_text(Method::POST, &url("/auth/refresh"), None, body).await?;
    let response: TokenResponse = decode(status, &text)?;
    keep_tokens(&response);
    Ok(response.user)
}

/// A usable access token, refreshed first when it is about to expire.
async fn access_token() -> Result<String, ApiError> {
    let current = TOKENS.with(|tokens| tokens.borrow().as_ref().map(|t| (t.access.clone(), t.access_expires_ms)));
    match current {
        Some((access, expires)) if expires - now_ms() > REFRESH_MARGIN_MS => Ok(access),
        _ => {
            refresh_or_end().await?;
            TOKENS
                .with(|tokens| tokens.borrow().as_ref().map(|t| t.access.clone()))
                .ok_or_else(|| ApiError::network("no access token after refresh"))
        }
    }
}

async fn refresh_or_end() -> Result<UserDto, ApiError> {
    match refresh_tokens().await {
        Ok(user) => Ok(user),
        Err(error) if error.status == 401 => {
            end_session(SessionEnd::Expired);
            Err(error)
        }
        Err(error) => Err(error),
    }
}

/// An authenticated request; a 401 for an expired token is retried once after a refresh.
/// Not generic on purpose: one compiled copy of this state machine serves every endpoint
/// (a generic version was instantiated per response type and cost ~40 KB of WASM).
async fn request_response(
    method: Method,
    full_url: String,
    body: Option<Body>,
) -> Result<gloo_net::http::Response, ApiError> {
    let token = access_token().await?;
    let response = send_raw(method.clone(), &full_url, Some(&token), body.as_ref()).await?;
    if response.status() != 401 {
        return Ok(response);
    }
    let (status, text) = status_and_text(response).await;
    let error = ApiError::from_body(status, &text);
    if error.code == Some(ErrorCode::TokenExpired) {
        refresh_or_end().await?;
        let token = access_token().await?;
        return send_raw(method, &full_url, Some(&token), body.as_ref()).await;
    }
    if matches!(error.code, Some(ErrorCode::SessionExpired | ErrorCode::SessionRevoked)) {
        end_session(SessionEnd::Expired);
    }
    Err(error)
}

async fn request_text(method: Method, full_url: String, body: Option<Body>) -> Result<(u16, String), ApiError> {
    Ok(status_and_text(request_response(method, full_url, body).await?).await)
}

async fn request<T: DeserializeOwned>(method: Method, full_url: String, body: Option<Body>) -> Result<T, ApiError> {
    let (status, text) = request_text(method, full_url, body).await?;
    decode(status, &text)
}

async fn get<T: DeserializeOwned>(full_url: String) -> Result<T, ApiError> {
    request(Method::GET, full_url, None).await
}

async fn send_json<T: DeserializeOwned>(method: Method, path: &str, body: &impl Serialize) -> Result<T, ApiError> {
    request(method, url(path), Some(Body::json(json(body)?))).await
}

// ---- authentication ----

/// Signs in and keeps the tokens.
pub async fn login(username: String, password: String) -> Result<UserDto, ApiError> {
    let body = json(&LoginRequest { username, password })?;
    let (status, text) = send_text(Method::POST, &url("/auth/login"), None, body).await?;
    let response: TokenResponse = decode(status, &text)?;
    keep_tokens(&response);
    Ok(response.user)
}

/// Resumes a remembered session after a reload; `None` when there is none.
pub async fn resume() -> Result<Option<UserDto>, ApiError> {
    if stored(REFRESH_TOKEN_KEY).is_none() {
        return Ok(None);
    }
    match refresh_tokens().await {
        Ok(user) => Ok(Some(user)),
        Err(error) if error.status == 401 => {
            drop_tokens();
            Ok(None)
        }
        Err(error) => Err(error),
    }
}

/// Forgets the tokens at once (so nothing else uses or refreshes them), then signs out on
/// the server with the last access token (best effort: the server's idle and lifetime
/// limits end the session anyway).
pub async fn logout(reason: SessionEnd) {
    let access = TOKENS.with(|tokens| tokens.borrow().as_ref().map(|t| t.access.clone()));
    end_session(reason);
    if let (Some(access), Ok(body)) = (access, json(&Empty {})) {
        let _ = send_text(Method::POST, &url("/auth/logout"), Some(&access), body).await;
    }
}

/// Changes the password; the server revokes every session and returns a fresh pair.
pub async fn change_password(current_password: String, new_password: String) -> Result<UserDto, ApiError> {
    let response: TokenResponse =
        send_json(Method::POST, "/auth/change-password", &ChangePasswordRequest { current_password, new_password })
            .await?;
    keep_tokens(&response);
    Ok(response.user)
}

// ---- dashboard ----

/// Tiles and the attention list.
pub async fn dashboard_summary() -> Result<DashboardSummary, ApiError> {
    get(url("/dashboard/summary")).await
}

/// Daily chart points.
pub async fn dashboard_series(days: u32) -> Result<DashboardSeries, ApiError> {
    get(format!("{}?days={days}", url("/dashboard/series"))).await
}

// ---- jobs and copies ----

/// One page of jobs.
pub async fn list_jobs(query: &ListJobsQuery) -> Result<JobList, ApiError> {
    get(with_query("/jobs", query)).await
}

/// One job.
pub async fn get_job(id: i64) -> Result<JobDto, ApiError> {
    get(url(&format!("/jobs/{id}"))).await
}

/// Creates a job.
pub async fn create_job(request: &CreateJobRequest) -> Result<JobDto, ApiError> {
    send_json(Method::POST, "/jobs", request).await
}

/// Changes a job.
pub async fn update_job(id: i64, request: &UpdateJobRequest) -> Result<JobDto, ApiError> {
    send_json(Method::PATCH, &format!("/jobs/{id}"), request).await
}

/// Deletes a job and its history.
pub async fn delete_job(id: i64) -> Result<(), ApiError> {
    request::<IgnoredAny>(Method::DELETE, url(&format!("/jobs/{id}")), None).await.map(drop)
}

/// The next run times of a cron expression.
pub async fn schedule_preview(query: &SchedulePreviewQuery) -> Result<SchedulePreview, ApiError> {
    get(with_query("/jobs/schedule-preview", query)).await
}

/// The 3-2-1-1-0 verdict with its evidence.
pub async fn job_compliance(id: i64) -> Result<ComplianceVerdictDto, ApiError> {
    get(url(&format!("/jobs/{id}/compliance"))).await
}

/// A job's copies.
pub async fn list_copies(job_id: i64) -> Result<Vec<CopyDto>, ApiError> {
    get(url(&format!("/jobs/{job_id}/copies"))).await
}

/// Adds a copy.
pub async fn create_copy(job_id: i64, request: &CreateCopyRequest) -> Result<CopyDto, ApiError> {
    send_json(Method::POST, &format!("/jobs/{job_id}/copies"), request).await
}

/// Changes a copy.
pub async fn update_copy(job_id: i64, copy_id: i64, request: &UpdateCopyRequest) -> Result<CopyDto, ApiError> {
    send_json(Method::PATCH, &format!("/jobs/{job_id}/copies/{copy_id}"), request).await
}

/// Removes a copy.
pub async fn delete_copy(job_id: i64, copy_id: i64) -> Result<(), ApiError> {
    request::<IgnoredAny>(Method::DELETE, url(&format!("/jobs/{job_id}/copies/{copy_id}")), None).await.map(drop)
}

// ---- executions ----

/// One page of results, all jobs or one (`query.job_id`).
pub async fn list_executions(query: &ListExecutionsQuery) -> Result<ExecutionList, ApiError> {
    get(with_query("/executions", query)).await
}

// ---- users ----

/// One page of users.
pub async fn list_users(query: &ListUsersQuery) -> Result<UserList, ApiError> {
    get(with_query("/users", query)).await
}

/// Creates a user; the answer carries a temporary password when none was given.
pub async fn create_user(request: &CreateUserRequest) -> Result<CreatedUserResponse, ApiError> {
    send_json(Method::POST, "/users", request).await
}

/// Changes a user's profile or role.
pub async fn update_user(id: i64, request: &UpdateUserRequest) -> Result<UserDto, ApiError> {
    send_json(Method::PATCH, &format!("/users/{id}"), request).await
}

/// One of the user actions without a body: `deactivate`, `activate`, `unlock`.
pub async fn user_action(id: i64, action: &str) -> Result<UserDto, ApiError> {
    send_json(Method::POST, &format!("/users/{id}/{action}"), &Empty {}).await
}

/// Sets a temporary password the user must change.
pub async fn reset_password(id: i64) -> Result<ResetPasswordResponse, ApiError> {
    send_json(Method::POST, &format!("/users/{id}/reset-password"), &ResetPasswordRequest::default()).await
}

// ---- API keys ----

/// One page of API keys.
pub async fn list_api_keys(query: &ListApiKeysQuery) -> Result<ApiKeyList, ApiError> {
    get(with_query("/api-keys", query)).await
}

/// Creates a key; the secret is in the answer and nowhere else.
pub async fn create_api_key(request: &CreateApiKeyRequest) -> Result<CreatedApiKeyResponse, ApiError> {
    send_json(Method::POST, "/api-keys", request).await
}

/// Revokes a key.
pub async fn revoke_api_key(id: i64) -> Result<(), ApiError> {
    request::<IgnoredAny>(Method::DELETE, url(&format!("/api-keys/{id}")), None).await.map(drop)
}

// ---- audit ----

/// One page of the audit log.
pub async fn list_audit(query: &ListAuditQuery) -> Result<AuditEntryList, ApiError> {
    get(with_query("/audit-log", query)).await
}

/// Verifies the hash chain.
pub async fn verify_audit() -> Result<AuditVerifyResponse, ApiError> {
    get(url("/audit-log/verify")).await
}

// ---- alerts ----

/// One page of alerts.
pub async fn list_alerts(query: &ListAlertsQuery) -> Result<AlertList, ApiError> {
    get(with_query("/alerts", query)).await
}

/// Open alerts by severity (the dashboard tile).
pub async fn alerts_summary() -> Result<AlertSummaryDto, ApiError> {
    get(url("/alerts/summary")).await
}

/// One alert with its timeline.
pub async fn get_alert(id: i64) -> Result<AlertDetailDto, ApiError> {
    get(url(&format!("/alerts/{id}"))).await
}

/// `acknowledge` or `resolve` one alert, with an optional note.
pub async fn alert_action(id: i64, action: &str, note: Option<String>) -> Result<AlertDto, ApiError> {
    send_json(Method::POST, &format!("/alerts/{id}/{action}"), &AlertNoteRequest { note }).await
}

/// Acknowledges many firing alerts at once.
pub async fn acknowledge_alerts(request: &BulkAcknowledgeRequest) -> Result<BulkAcknowledgeResult, ApiError> {
    send_json(Method::POST, "/alerts/acknowledge", request).await
}

// ---- alert rules ----

/// Every rule kind with its setting and overrides.
pub async fn list_alert_rules() -> Result<AlertRuleList, ApiError> {
    get(url("/alerts/rules")).await
}

/// Changes a rule's own setting (administrators).
pub async fn update_alert_rule(
    kind: AlertRuleKind,
    request: &UpdateAlertRuleRequest,
) -> Result<AlertRuleDto, ApiError> {
    send_json(Method::PUT, &format!("/alerts/rules/{}", kind.as_str()), request).await
}

/// Overrides a rule for one job or one tag (administrators); answers the rule.
pub async fn create_rule_override(
    kind: AlertRuleKind,
    request: &CreateAlertRuleOverrideRequest,
) -> Result<AlertRuleDto, ApiError> {
    send_json(Method::POST, &format!("/alerts/rules/{}/overrides", kind.as_str()), request).await
}

/// Deletes an override (administrators).
pub async fn delete_rule_override(id: i64) -> Result<(), ApiError> {
    request::<IgnoredAny>(Method::DELETE, url(&format!("/alerts/rules/overrides/{id}")), None).await.map(drop)
}

// ---- notifications ----

/// Every channel (secrets only as "set").
pub async fn list_channels() -> Result<ChannelList, ApiError> {
    get(url("/notifications/channels")).await
}

/// Creates a channel (`None`) or changes one.
pub async fn save_channel(id: Option<i64>, request: &ChannelRequest) -> Result<ChannelDto, ApiError> {
    match id {
        None => send_json(Method::POST, "/notifications/channels", request).await,
        Some(id) => send_json(Method::PUT, &format!("/notifications/channels/{id}"), request).await,
    }
}

/// Deletes a channel.
pub async fn delete_channel(id: i64) -> Result<(), ApiError> {
    request::<IgnoredAny>(Method::DELETE, url(&format!("/notifications/channels/{id}")), None).await.map(drop)
}

/// Queues a test message; the delivery log shows how it went.
pub async fn test_channel(id: i64) -> Result<DeliveryDto, ApiError> {
    send_json(Method::POST, &format!("/notifications/channels/{id}/test"), &Empty {}).await
}

/// Every route.
pub async fn list_routes() -> Result<RouteList, ApiError> {
    get(url("/notifications/routes")).await
}

/// Creates a route (`None`) or changes one.
pub async fn save_route(id: Option<i64>, request: &RouteRequest) -> Result<RouteDto, ApiError> {
    match id {
        None => send_json(Method::POST, "/notifications/routes", request).await,
        Some(id) => send_json(Method::PUT, &format!("/notifications/routes/{id}"), request).await,
    }
}

/// Deletes a route.
pub async fn delete_route(id: i64) -> Result<(), ApiError> {
    request::<IgnoredAny>(Method::DELETE, url(&format!("/notifications/routes/{id}")), None).await.map(drop)
}

/// One page of the delivery log.
pub async fn list_deliveries(query: &ListDeliveriesQuery) -> Result<DeliveryList, ApiError> {
    get(with_query("/notifications/deliveries", query)).await
}

/// The signed-in user's notification preferences.
pub async fn my_notifications() -> Result<NotificationPreferencesDto, ApiError> {
    get(url("/me/notifications")).await
}

/// Saves the signed-in user's notification preferences.
pub async fn save_my_notifications(
    preferences: &NotificationPreferencesDto,
) -> Result<NotificationPreferencesDto, ApiError> {
    send_json(Method::PUT, "/me/notifications", preferences).await
}

// ---- maintenance windows ----

/// Maintenance windows (not yet ended, or all).
pub async fn list_maintenance_windows(query: &ListMaintenanceWindowsQuery) -> Result<MaintenanceWindowList, ApiError> {
    get(with_query("/maintenance-windows", query)).await
}

/// Opens a maintenance window.
pub async fn create_maintenance_window(
    request: &CreateMaintenanceWindowRequest,
) -> Result<MaintenanceWindowDto, ApiError> {
    send_json(Method::POST, "/maintenance-windows", request).await
}

/// Ends a maintenance window now.
pub async fn end_maintenance_window(id: i64) -> Result<(), ApiError> {
    request::<IgnoredAny>(Method::DELETE, url(&format!("/maintenance-windows/{id}")), None).await.map(drop)
}

// ---- system ----

/// The scheduler's tasks and its lease.
pub async fn system_tasks() -> Result<TaskList, ApiError> {
    get(url("/system/tasks")).await
}

// ---- files (evidence, QR codes, label sheets, CSV exports) ----

/// A successful answer as it is (a file), or the error it carried.
async fn fetch_file(path: &str) -> Result<gloo_net::http::Response, ApiError> {
    let response = request_response(Method::GET, url(path), None).await?;
    if response.ok() {
        return Ok(response);
    }
    let (status, text) = status_and_text(response).await;
    Err(ApiError::from_body(status, &text))
}

/// A text file (an SVG, an HTML sheet, a CSV) fetched with the bearer token.
async fn fetch_text(path: &str) -> Result<String, ApiError> {
    fetch_file(path).await?.text().await.map_err(ApiError::network)
}

/// Any file fetched with the bearer token, as a browser `Blob`: the bytes never pass
/// through WASM memory.
async fn fetch_blob(path: &str) -> Result<web_sys::Blob, ApiError> {
    let raw = web_sys::Response::from(fetch_file(path).await?);
    let promise = raw.blob().map_err(|error| ApiError::network(format!("{error:?}")))?;
    let value =
        wasm_bindgen_futures::JsFuture::from(promise).await.map_err(|error| ApiError::network(format!("{error:?}")))?;
    value.dyn_into().map_err(|_| ApiError::network("not a file"))
}

// ---- restore tests ----

/// One page of restore tests.
pub async fn list_restore_tests(query: &ListRestoreTestsQuery) -> Result<RestoreTestList, ApiError> {
    get(with_query("/restore-tests", query)).await
}

/// Records a restore test.
pub async fn create_restore_test(request: &CreateRestoreTestRequest) -> Result<RestoreTestDto, ApiError> {
    send_json(Method::POST, "/restore-tests", request).await
}

/// Overdue and upcoming restore tests, `days` ahead.
pub async fn restore_calendar(days: u32) -> Result<RestoreCalendar, ApiError> {
    get(with_query("/restore-tests/calendar", &RestoreCalendarQuery { days: Some(days) })).await
}

/// One restore test with its attachments.
pub async fn get_restore_test(id: i64) -> Result<RestoreTestDto, ApiError> {
    get(url(&format!("/restore-tests/{id}"))).await
}

#[derive(Serialize)]
struct FileName<'a> {
    filename: &'a str,
}

/// Attaches an evidence file (the browser's `File`, sent as the raw body).
pub async fn upload_attachment(test_id: i64, filename: &str, file: &web_sys::Blob) -> Result<AttachmentDto, ApiError> {
    let body = Body { content_type: "application/octet-stream", value: file.clone().into() };
    let full_url = with_query(&format!("/restore-tests/{test_id}/attachments"), &FileName { filename });
    request(Method::POST, full_url, Some(body)).await
}

/// An evidence file (admins, operators, auditors), to save with `components::save_blob`.
pub async fn download_attachment(test_id: i64, attachment_id: i64) -> Result<web_sys::Blob, ApiError> {
    fetch_blob(&format!("/restore-tests/{test_id}/attachments/{attachment_id}")).await
}

/// A job's restore-test requirement.
pub async fn restore_requirement(job_id: i64) -> Result<RestoreRequirementDto, ApiError> {
    get(url(&format!("/jobs/{job_id}/restore-requirement"))).await
}

/// Replaces a job's restore-test requirement.
pub async fn save_restore_requirement(
    job_id: i64,
    request: &RestoreRequirementRequest,
) -> Result<RestoreRequirementDto, ApiError> {
    send_json(Method::PUT, &format!("/jobs/{job_id}/restore-requirement"), request).await
}

/// Where a job stands on restore verification.
pub async fn restore_status(job_id: i64) -> Result<RestoreStatusDto, ApiError> {
    get(url(&format!("/jobs/{job_id}/restore-status"))).await
}

// ---- media ----

/// One page of the media inventory.
pub async fn list_media(query: &ListMediaQuery) -> Result<MediaList, ApiError> {
    get(with_query("/media", query)).await
}

/// One medium.
pub async fn get_medium(id: i64) -> Result<MediumDto, ApiError> {
    get(url(&format!("/media/{id}"))).await
}

/// Adds a medium.
pub async fn create_medium(request: &CreateMediumRequest) -> Result<MediumDto, ApiError> {
    send_json(Method::POST, "/media", request).await
}

/// Changes a medium's descriptive fields.
pub async fn update_medium(id: i64, request: &UpdateMediumRequest) -> Result<MediumDto, ApiError> {
    send_json(Method::PATCH, &format!("/media/{id}"), request).await
}

/// A state change of a medium: `move`, `lend`, `return`, `retire` or `destroy`, with its
/// request already serialised (one function for the five requests).
pub async fn medium_change(
    id: i64,
    endpoint: &'static str,
    body: Result<String, ApiError>,
) -> Result<MediumDto, ApiError> {
    request(Method::POST, url(&format!("/media/{id}/{endpoint}")), Some(Body::json(body?))).await
}

/// The JSON of a request (for `medium_change`).
pub fn to_json(body: &impl Serialize) -> Result<String, ApiError> {
    json(body)
}

/// A medium's custody chain and the runs written to it.
pub async fn media_custody(id: i64) -> Result<CustodyChain, ApiError> {
    get(url(&format!("/media/{id}/custody"))).await
}

/// The custody chain as CSV, to save with `components::save_blob`.
pub async fn media_custody_csv(id: i64) -> Result<web_sys::Blob, ApiError> {
    fetch_blob(&format!("/media/{id}/custody.csv")).await
}

/// A medium's QR code (SVG text).
pub async fn medium_qr_svg(id: i64) -> Result<String, ApiError> {
    fetch_text(&format!("/media/{id}/qr.svg")).await
}

/// The printable A4 label sheet of some media (an HTML document).
pub async fn media_labels_html(ids: &[i64]) -> Result<String, ApiError> {
    let ids = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    fetch_text(&format!("/media/labels?ids={ids}")).await
}

/// Checks (`dry_run`) or imports a CSV file of media.
pub async fn import_media(csv: String, dry_run: bool) -> Result<MediaImportResult, ApiError> {
    let body = Body { content_type: "text/csv", value: JsValue::from(csv) };
    request(Method::POST, with_query("/media/import", &MediaImportQuery { dry_run: Some(dry_run) }), Some(body)).await
}

// ---- rotation ----

/// Every rotation scheme.
pub async fn list_rotations() -> Result<RotationList, ApiError> {
    get(url("/media/rotations")).await
}

/// Creates a rotation.
pub async fn create_rotation(request: &RotationRequest) -> Result<RotationDto, ApiError> {
    send_json(Method::POST, "/media/rotations", request).await
}

/// Deletes a rotation.
pub async fn delete_rotation(id: i64) -> Result<(), ApiError> {
    request::<IgnoredAny>(Method::DELETE, url(&format!("/media/rotations/{id}")), None).await.map(drop)
}

/// A rotation's sets day by day.
pub async fn rotation_calendar(id: i64, query: &RotationCalendarQuery) -> Result<RotationCalendarDto, ApiError> {
    get(with_query(&format!("/media/rotations/{id}/calendar"), query)).await
}

/// Puts a medium into one of a rotation's sets (or takes it out).
pub async fn assign_rotation_set(id: i64, request: &AssignRotationSetRequest) -> Result<MediumDto, ApiError> {
    send_json(Method::POST, &format!("/media/rotations/{id}/assign"), request).await
}
