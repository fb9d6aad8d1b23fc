//! `/api/v1/audit-log`: browse and verify the audit log (admins and auditors).

use actix_web::{get, web};
use bms_types::ApiErrorBody;
use bms_types::audit::{AuditEntryList, AuditVerifyResponse, ListAuditQuery};

use crate::access::{AuditReaders, Authorized};
use crate::app::AppState;
use crate::audit::queries;
use crate::audit::verify_chain;
use crate::db::pagination::PageWindow;
use crate::db::run_db;
use crate::error::ApiError;
use crate::request::{NoParams, ValidQuery};

/// List audit entries, newest first.
#[utoipa::path(
    tag = "audit",
    params(ListAuditQuery),
    responses(
        (status = 200, description = "A page of entries", body = AuditEntryList),
        (status = 400, description = "Invalid filter", body = ApiErrorBody),
        (status = 403, description = "Not an administrator or auditor", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/audit-log")]
pub async fn list_audit_log(
    state: web::Data<AppState>,
    _auth: Authorized<AuditReaders>,
    ValidQuery(query): ValidQuery<ListAuditQuery>,
) -> Result<web::Json<AuditEntryList>, ApiError> {
    let window = PageWindow::new(query.page, query.per_page)?;
    let list = run_db(&state.pool, move |conn| queries::list_entries(conn, &query, window)).await?;
    Ok(web::Json(list))
}

/// Verify the hash chain of the whole audit log.
#[utoipa::path(
    tag = "audit",
    responses(
        (status = 200, description = "Verification result", body = AuditVerifyResponse),
        (status = 403, description = "Not an administrator or auditor", body = ApiErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/audit-log/verify")]
pub async fn verify_audit_log(
    _: ValidQuery<NoParams>,
    state: web::Data<AppState>,
    _auth: Authorized<AuditReaders>,
) -> Result<web::Json<AuditVerifyResponse>, ApiError> {
    let report = run_db(&state.pool, |conn| Ok(verify_chain(conn)?)).await?;
    Ok(web::Json(AuditVerifyResponse {
        valid: report.first_broken_id.is_none(),
        rows_checked: report.rows_checked,
        first_broken_id: report.first_broken_id,
    }))
}
