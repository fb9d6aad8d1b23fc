//! `/api/v1/api-keys`: create, list, inspect and revoke API keys.

use actix_web::{HttpResponse, delete, get, post, web};
use bms_types::ApiErrorBody;
use bms_types::api_keys::{ApiKeyDto, ApiKeyList, CreateApiKeyRequest, CreatedApiKeyResponse, ListApiKeysQuery};
use bms_types::users::Role;

use crate::access::{AnyApiKey, Authorized, Operators, Principal};
use crate::api_keys::queries;
use crate::api_keys::{self, ApiKey, NewKey, with_creators};
use crate::app::AppState;
use crate::db::pagination::PageWindow;
use crate::db::run_db;
use crate::error::{ApiError, violation};
use crate::request::{NoParams, PathId, ValidJson, ValidQuery};

/// The user id whose keys an operator may see; `None` for admins (all keys).
fn owner_scope(auth: &Authorized<Operators>) -> Result<Option<i64>, ApiError> {
    let user = auth.user().ok_or_else(|| ApiError::forbidden("API keys are managed by users."))?;
    Ok((user.role != Role::Admin).then_some(user.id))
}

/// List API keys (admins: all; operators: their own).
#[utoipa::path(
    tag = "api_keys",
    params(ListApiKeysQuery),
    responses(
        (status = 200, description = "A page of keys", body = ApiKeyList),
        (status = 403, description = "Role not allowed", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/api-keys")]
pub async fn list_api_keys(
    state: web::Data<AppState>,
    auth: Authorized<Operators>,
    ValidQuery(query): ValidQuery<ListApiKeysQuery>,
) -> Result<web::Json<ApiKeyList>, ApiError> {
    let window = PageWindow::new(query.page, query.per_page)?;
    let owner = owner_scope(&auth)?;
    let include_revoked = query.include_revoked.unwrap_or(false);
    let list = run_db(&state.pool, move |conn| queries::list_keys(conn, owner, include_revoked, window)).await?;
    Ok(web::Json(list))
}

/// Create an API key. The secret is in this response only.
#[utoipa::path(
    tag = "api_keys",
    request_body = CreateApiKeyRequest,
    responses(
        (status = 201, description = "Created", body = CreatedApiKeyResponse),
        (status = 400, description = "Invalid input", body = ApiErrorBody),
        (status = 403, description = "Role not allowed", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/api-keys")]
pub async fn create_api_key(
    state: web::Data<AppState>,
    auth: Authorized<Operators>,
    ValidJson(request): ValidJson<CreateApiKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let name = request.name.trim().to_owned();
    let mut violations = Vec::new();
    if name.is_empty() || name.chars().count() > 100 {
        violations.push(violation("name", "length", "must be 1 to 100 characters long"));
    }
    if request.scopes.is_empty() {
        violations.push(violation("scopes", "required", "must grant at least one scope"));
    }
    if request.expires_at.is_some_and(|expiry| expiry <= now) {
        violations.push(violation("expires_at", "future", "must be in the future"));
    }
    crate::error::Violations::from(violations).finish(())?;
    let creator = auth.user().ok_or_else(|| ApiError::forbidden("API keys are managed by users."))?.id;
    let mut scopes = request.scopes;
    scopes.sort_by_key(|scope| scope.as_str());
    scopes.dedup();
    let mut job_ids = request.job_ids.unwrap_or_default();
    job_ids.sort_unstable();
    job_ids.dedup();
    let new = NewKey { name, scopes, expires_at: request.expires_at, created_by: creator, job_ids };
    let actor = auth.actor();
    let (api_key, key) = run_db(&state.pool, move |conn| api_keys::create_key(conn, now, &actor, &new)).await?;
    Ok(HttpResponse::Created().json(CreatedApiKeyResponse { api_key, key }))
}

/// The calling API key's own metadata, so a script can check its key works.
#[utoipa::path(
    tag = "api_keys",
    responses(
        (status = 200, description = "The calling key", body = ApiKeyDto),
        (status = 401, description = "Missing, invalid, expired or revoked key", body = ApiErrorBody),
        (status = 403, description = "Called with a user session", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/api-keys/current")]
pub async fn current_api_key(
    _: ValidQuery<NoParams>,
    state: web::Data<AppState>,
    auth: Authorized<AnyApiKey>,
) -> Result<web::Json<ApiKeyDto>, ApiError> {
    let Principal::ApiKey(key) = &auth.principal else {
        return Err(ApiError::forbidden("This endpoint describes the calling API key."));
    };
    let id = key.id;
    let dto = run_db(&state.pool, move |conn| {
        let key = ApiKey::find(conn, id)?;
        with_creators(conn, vec![key])?.pop().ok_or_else(|| ApiError::not_found("API key"))
    })
    .await?;
    Ok(web::Json(dto))
}

/// Get one API key.
#[utoipa::path(
    tag = "api_keys",
    params(("id" = i64, Path, description = "API key id")),
    responses(
        (status = 200, description = "The key", body = ApiKeyDto),
        (status = 404, description = "No such key (or not yours)", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/api-keys/{id}")]
pub async fn get_api_key(
    _: ValidQuery<NoParams>,
    state: web::Data<AppState>,
    auth: Authorized<Operators>,
    PathId(id): PathId,
) -> Result<web::Json<ApiKeyDto>, ApiError> {
    let owner = owner_scope(&auth)?;
    let dto = run_db(&state.pool, move |conn| {
        let key = visible_key(conn, id, owner)?;
        with_creators(conn, vec![key])?.pop().ok_or_else(|| ApiError::not_found("API key"))
    })
    .await?;
    Ok(web::Json(dto))
}

/// Revoke an API key; it stops working at once.
#[utoipa::path(
    tag = "api_keys",
    params(("id" = i64, Path, description = "API key id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such key (or not yours)", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[delete("/api-keys/{id}")]
pub async fn revoke_api_key(
    state: web::Data<AppState>,
    cache: web::Data<api_keys::ApiKeyCache>,
    auth: Authorized<Operators>,
    PathId(id): PathId,
) -> Result<HttpResponse, ApiError> {
    let owner = owner_scope(&auth)?;
    let now = state.clock.now();
    let actor = auth.actor();
    run_db(&state.pool, move |conn| {
        visible_key(conn, id, owner)?;
        api_keys::revoke_key(conn, now, &actor, id)
    })
    .await?;
    cache.invalidate();
    Ok(HttpResponse::NoContent().finish())
}

/// A key the caller may see: operators get `not_found` for other people's keys, so ids
/// of keys they do not own reveal nothing.
fn visible_key(conn: &mut diesel::SqliteConnection, id: i64, owner: Option<i64>) -> Result<ApiKey, ApiError> {
    let key = ApiKey::find(conn, id)?;
    match owner {
        Some(owner) if key.created_by != Some(owner) => Err(ApiError::not_found("API key")),
        _ => Ok(key),
    }
}
