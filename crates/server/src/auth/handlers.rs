//! `/api/v1/auth`: login, refresh, logout, me, change password.

use actix_web::http::header::USER_AGENT;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use bms_types::ApiErrorBody;
use bms_types::auth::{ChangePasswordRequest, LoginRequest, RefreshRequest, TokenResponse};
use bms_types::users::UserDto;

use crate::access::CurrentUser;
use crate::app::AppState;
use crate::auth::login::{self as flow, SessionContext};
use crate::db::run_db;
use crate::error::ApiError;
use crate::request::{ClientIp, NoParams, ValidJson, ValidQuery};
use crate::sessions;
use crate::users::User;

fn user_agent(req: &HttpRequest) -> Option<String> {
    req.headers().get(USER_AGENT).and_then(|value| value.to_str().ok()).map(|value| value.chars().take(300).collect())
}

/// Log in with username and password.
///
/// Every failure (unknown user, wrong password, locked or inactive account) answers the
/// same `invalid_credentials`, so the response never reveals whether a username exists.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 400, description = "Invalid input", body = ApiErrorBody),
        (status = 401, description = "Invalid credentials", body = ApiErrorBody),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    ClientIp(client_ip): ClientIp,
    ValidJson(request): ValidJson<LoginRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    if request.username.trim().is_empty() {
        return Err(ApiError::invalid_field("username", "required", "must not be empty"));
    }
    if request.password.is_empty() {
        return Err(ApiError::invalid_field("password", "required", "must not be empty"));
    }
    if request.password.chars().count() > crate::users::password::MAX_PASSWORD_LENGTH {
        return Err(flow::invalid_credentials());
    }
    let agent = user_agent(&req);
    let state_for_db = state.clone();
    let tokens = run_db(&state.pool, move |conn| {
        let ctx = SessionContext::for_request(&state_for_db, client_ip, agent);
        flow::login(conn, &ctx, &request.username, &request.password)
    })
    .await?;
    Ok(web::Json(tokens))
}

/// Exchange a refresh token for a new token pair (rotation). Reusing an already rotated
/// refresh token revokes the whole session.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New token pair", body = TokenResponse),
        (status = 401, description = "Invalid, reused, idle-expired or revoked", body = ApiErrorBody),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    ClientIp(client_ip): ClientIp,
    ValidJson(request): ValidJson<RefreshRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let agent = user_agent(&req);
    let state_for_db = state.clone();
    let tokens = run_db(&state.pool, move |conn| {
        let ctx = SessionContext::for_request(&state_for_db, client_ip, agent);
        flow::refresh(conn, &ctx, request.refresh_token.trim())
    })
    .await?;
    Ok(web::Json(tokens))
}

/// End the current session.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, description = "Not authenticated", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, current: CurrentUser) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let actor = current.actor();
    let session_id = current.user.session_id;
    run_db(&state.pool, move |conn| sessions::logout(conn, now, &actor, session_id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The logged-in account (works while a password change is pending).
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, description = "The current user", body = UserDto),
        (status = 401, description = "Not authenticated", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/auth/me")]
pub async fn me(
    _: ValidQuery<NoParams>,
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<web::Json<UserDto>, ApiError> {
    let now = state.clock.now();
    let id = current.user.id;
    let user = run_db(&state.pool, move |conn| User::find(conn, id)?.to_dto(now)).await?;
    Ok(web::Json(user))
}

/// Change one's own password. Ends every session of the account and returns a new one.
#[utoipa::path(
    tag = "auth",
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, description = "Changed; a fresh session", body = TokenResponse),
        (status = 400, description = "Wrong current password or policy violation", body = ApiErrorBody),
        (status = 401, description = "Not authenticated, or the wrong current password locked the account (its sessions end)", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/auth/change-password")]
pub async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    current: CurrentUser,
    ValidJson(request): ValidJson<ChangePasswordRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let agent = user_agent(&req);
    let state_for_db = state.clone();
    let user_id = current.user.id;
    let client_ip = current.client_ip.clone();
    let tokens = run_db(&state.pool, move |conn| {
        let ctx = SessionContext::for_request(&state_for_db, client_ip, agent);
        flow::change_password(conn, &ctx, user_id, &request.current_password, &request.new_password)
    })
    .await?;
    Ok(web::Json(tokens))
}
