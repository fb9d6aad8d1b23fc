//! `/api/v1/users`: account administration (admin only).

use actix_web::{HttpResponse, delete, get, patch, post, web};
use bms_types::ApiErrorBody;
use bms_types::users::{
    CreateUserRequest, CreatedUserResponse, ListUsersQuery, ResetPasswordRequest, ResetPasswordResponse,
    UpdateUserRequest, UserDto, UserList,
};

use crate::access::{AdminOnly, Authorized};
use crate::app::AppState;
use crate::db::pagination::PageWindow;
use crate::db::run_db;
use crate::error::ApiError;
use crate::request::{NoParams, PathId, ValidJson, ValidQuery};
use crate::users::password;
use crate::users::queries;
use crate::users::{self as accounts, NewAccount, User, validate_profile};

/// List users.
#[utoipa::path(
    tag = "users",
    params(ListUsersQuery),
    responses(
        (status = 200, description = "A page of users", body = UserList),
        (status = 400, description = "Invalid filter", body = ApiErrorBody),
        (status = 401, description = "Not authenticated", body = ApiErrorBody),
        (status = 403, description = "Not an administrator", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    _auth: Authorized<AdminOnly>,
    ValidQuery(query): ValidQuery<ListUsersQuery>,
) -> Result<web::Json<UserList>, ApiError> {
    let window = PageWindow::new(query.page, query.per_page)?;
    let now = state.clock.now();
    let list = run_db(&state.pool, move |conn| queries::list_users(conn, &query, window, now)).await?;
    Ok(web::Json(list))
}

/// Create a user. Without `password`, a temporary one is generated and returned once.
#[utoipa::path(
    tag = "users",
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "Created", body = CreatedUserResponse),
        (status = 400, description = "Invalid input", body = ApiErrorBody),
        (status = 403, description = "Not an administrator", body = ApiErrorBody),
        (status = 409, description = "Username taken", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    auth: Authorized<AdminOnly>,
    ValidJson(request): ValidJson<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let username = request.username.trim().to_owned();
    let email = request.email.trim().to_owned();
    let mut violations =
        validate_profile(Some(&username), Some(&email), request.full_name.as_deref(), request.department.as_deref());
    if let Some(given) = &request.password {
        violations.extend(password::policy_violations(
            "password",
            given,
            &username,
            state.config.auth.password_min_length,
        ));
    }
    violations.finish(())?;
    let temporary_password = request.password.is_none().then(password::generate_password);
    let account = NewAccount {
        username,
        email,
        full_name: request.full_name.unwrap_or_default().trim().to_owned(),
        department: request.department.unwrap_or_default().trim().to_owned(),
        role: request.role,
        password: request.password.or_else(|| temporary_password.clone()).unwrap_or_default(),
        must_change_password: request.must_change_password.unwrap_or(true) || temporary_password.is_some(),
    };
    let now = state.clock.now();
    let actor = auth.actor();
    let user =
        run_db(&state.pool, move |conn| accounts::create_account(conn, now, &actor, &account)?.to_dto(now)).await?;
    Ok(HttpResponse::Created().json(CreatedUserResponse { user, temporary_password }))
}

/// Get one user.
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = UserDto),
        (status = 403, description = "Not an administrator", body = ApiErrorBody),
        (status = 404, description = "No such user", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/users/{id}")]
pub async fn get_user(
    _: ValidQuery<NoParams>,
    state: web::Data<AppState>,
    _auth: Authorized<AdminOnly>,
    PathId(id): PathId,
) -> Result<web::Json<UserDto>, ApiError> {
    let now = state.clock.now();
    let user = run_db(&state.pool, move |conn| User::find(conn, id)?.to_dto(now)).await?;
    Ok(web::Json(user))
}

/// Update profile fields or the role. A role change ends the user's sessions.
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "Updated", body = UserDto),
        (status = 400, description = "Invalid input", body = ApiErrorBody),
        (status = 404, description = "No such user", body = ApiErrorBody),
        (status = 409, description = "Would demote the last administrator", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    auth: Authorized<AdminOnly>,
    PathId(id): PathId,
    ValidJson(mut changes): ValidJson<UpdateUserRequest>,
) -> Result<web::Json<UserDto>, ApiError> {
    changes.email = changes.email.map(|email| email.trim().to_owned());
    let violations =
        validate_profile(None, changes.email.as_deref(), changes.full_name.as_deref(), changes.department.as_deref());
    violations.finish(())?;
    let now = state.clock.now();
    let actor = auth.actor();
    let user =
        run_db(&state.pool, move |conn| accounts::update_account(conn, now, &actor, id, &changes)?.to_dto(now)).await?;
    Ok(web::Json(user))
}

/// Delete a user (not yourself, not the last administrator).
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such user", body = ApiErrorBody),
        (status = 409, description = "Own account or last administrator", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[delete("/users/{id}")]
pub async fn delete_user(
    state: web::Data<AppState>,
    auth: Authorized<AdminOnly>,
    PathId(id): PathId,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let actor = auth.actor();
    run_db(&state.pool, move |conn| accounts::delete_account(conn, now, &actor, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Deactivate a user: they cannot log in and all their sessions end.
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "Deactivated", body = UserDto),
        (status = 404, description = "No such user", body = ApiErrorBody),
        (status = 409, description = "Own account or last administrator", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/users/{id}/deactivate")]
pub async fn deactivate_user(
    state: web::Data<AppState>,
    auth: Authorized<AdminOnly>,
    PathId(id): PathId,
) -> Result<web::Json<UserDto>, ApiError> {
    set_active(state, auth, id, false).await
}

/// Reactivate a user.
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "Activated", body = UserDto),
        (status = 404, description = "No such user", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/users/{id}/activate")]
pub async fn activate_user(
    state: web::Data<AppState>,
    auth: Authorized<AdminOnly>,
    PathId(id): PathId,
) -> Result<web::Json<UserDto>, ApiError> {
    set_active(state, auth, id, true).await
}

async fn set_active(
    state: web::Data<AppState>,
    auth: Authorized<AdminOnly>,
    id: i64,
    active: bool,
) -> Result<web::Json<UserDto>, ApiError> {
    let now = state.clock.now();
    let actor = auth.actor();
    let user =
        run_db(&state.pool, move |conn| accounts::set_active(conn, now, &actor, id, active)?.to_dto(now)).await?;
    Ok(web::Json(user))
}

/// Clear a lockout.
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "Unlocked", body = UserDto),
        (status = 404, description = "No such user", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/users/{id}/unlock")]
pub async fn unlock_user(
    state: web::Data<AppState>,
    auth: Authorized<AdminOnly>,
    PathId(id): PathId,
) -> Result<web::Json<UserDto>, ApiError> {
    let now = state.clock.now();
    let actor = auth.actor();
    let user = run_db(&state.pool, move |conn| accounts::unlock(conn, now, &actor, id)?.to_dto(now)).await?;
    Ok(web::Json(user))
}

/// Reset a user's password; they must change it at next login. Without `new_password`,
/// a temporary one is generated and returned once.
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    request_body = ResetPasswordRequest,
    responses(
        (status = 200, description = "Reset", body = ResetPasswordResponse),
        (status = 400, description = "Password breaks the policy", body = ApiErrorBody),
        (status = 404, description = "No such user", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/users/{id}/reset-password")]
pub async fn reset_user_password(
    state: web::Data<AppState>,
    auth: Authorized<AdminOnly>,
    PathId(id): PathId,
    ValidJson(request): ValidJson<ResetPasswordRequest>,
) -> Result<web::Json<ResetPasswordResponse>, ApiError> {
    let now = state.clock.now();
    let actor = auth.actor();
    let min_length = state.config.auth.password_min_length;
    let response = run_db(&state.pool, move |conn| {
        let target = User::find(conn, id)?;
        if let Some(given) = &request.new_password {
            let violations = password::policy_violations("new_password", given, &target.username, min_length);
            crate::error::Violations::from(violations).finish(())?;
        }
        let temporary_password = request.new_password.is_none().then(password::generate_password);
        let new_password = request.new_password.or_else(|| temporary_password.clone()).unwrap_or_default();
        let user = accounts::reset_password(conn, now, &actor, id, &new_password)?.to_dto(now)?;
        Ok(ResetPasswordResponse { user, temporary_password })
    })
    .await?;
    Ok(web::Json(response))
}
