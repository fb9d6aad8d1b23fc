//! `/api/v1/audit-log`: browse and verify the audit log (admins and auditors).

use actix_web::{get, web};
use bms_types::ApiErrorBody;
use bms_types::audit::{AuditEntryList, AuditVerifyResponse, ListAuditQuery};
use diesel::prelude::*;

use crate::access::{AuditReaders, Authorized};
use crate::app::AppState;
use crate::audit::{AuditRow, actor_kind_as_str, outcome_str, verify_chain};
use crate::db::pagination::PageWindow;
use crate::db::run_db;
use crate::db::schema::audit_log;
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
    let list = run_db(&state.pool, move |conn| {
        let filtered = || {
            let mut statement = audit_log::table.into_boxed();
            if let Some(action) = &query.action {
                statement = statement.filter(audit_log::action.eq(action.clone()));
            }
            if let Some(kind) = query.actor_kind {
                statement = statement.filter(audit_log::actor_kind.eq(actor_kind_as_str(kind)));
            }
            if let Some(user_id) = query.actor_user_id {
                statement = statement.filter(audit_log::actor_user_id.eq(user_id));
            }
            if let Some(key_id) = query.actor_api_key_id {
                statement = statement.filter(audit_log::actor_api_key_id.eq(key_id));
            }
            if let Some(resource_type) = &query.resource_type {
                statement = statement.filter(audit_log::resource_type.eq(resource_type.clone()));
            }
            if let Some(resource_id) = &query.resource_id {
                statement = statement.filter(audit_log::resource_id.eq(resource_id.clone()));
            }
            if let Some(outcome) = query.outcome {
                statement = statement.filter(audit_log::outcome.eq(outcome_str(outcome)));
            }
            if let Some(from) = query.from {
                statement = statement.filter(audit_log::occurred_at.ge(from));
            }
            if let Some(to) = query.to {
                statement = statement.filter(audit_log::occurred_at.lt(to));
            }
            statement
        };
        let (rows, meta) = window.load(
            conn,
            |conn| filtered().count().get_result(conn),
            |conn, limit, offset| {
                filtered()
                    .order(audit_log::id.desc())
                    .limit(limit)
                    .offset(offset)
                    .select(AuditRow::as_select())
                    .load(conn)
            },
        )?;
        Ok(AuditEntryList { data: rows.into_iter().map(AuditRow::into_dto).collect(), meta })
    })
    .await?;
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
