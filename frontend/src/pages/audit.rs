//! The audit log (admins and auditors): filters, entries with their details, and a check
//! of the hash chain.

use bms_types::audit::{AuditOutcome, ListAuditQuery};
use leptos::prelude::*;

use crate::api;
use crate::components::{DateFilter, ErrorBox, Fetch, SelectField, Submit, paged_table};
use crate::format;
use crate::i18n::{t, t_with, tr};

/// The audit log screen.
#[component]
pub fn AuditPage() -> impl IntoView {
    let action = RwSignal::new(String::new());
    let resource = RwSignal::new(String::new());
    let outcome = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    // Every filter below sets the page back to 1 as it changes (see `components::lists`).
    let page = RwSignal::new(1u32);
    let entries = Fetch::new(move || {
        let query = ListAuditQuery {
            page: Some(page.get()),
            per_page: Some(50),
            action: Some(action.get().trim().to_owned()).filter(|a| !a.is_empty()),
            resource_type: Some(resource.get().trim().to_owned()).filter(|r| !r.is_empty()),
            outcome: match outcome.get().as_str() {
                "success" => Some(AuditOutcome::Success),
                "failure" => Some(AuditOutcome::Failure),
                _ => None,
            },
            from: format::local_day_start(&from.get(), 0),
            to: format::local_day_start(&to.get(), 1),
            ..Default::default()
        };
        async move { api::list_audit(&query).await }
    });
    let verify = Submit::new(|_: &()| api::verify_audit());
    let outcomes = Signal::derive(|| {
        vec![
            ("success".to_owned(), t("enum.audit_outcome.success")),
            ("failure".to_owned(), t("enum.audit_outcome.failure")),
        ]
    });
    let text_filter = move |id: &'static str, label: &'static str, value: RwSignal<String>, example: &'static str| {
        view! {
            <div class="field">
                <label for=id>{tr(label)}</label>
                <input
                    id=id
                    type="search"
                    placeholder=example
                    prop:value=move || value.get()
                    on:input=move |ev| {
                        value.set(event_target_value(&ev));
                        page.set(1);
                    }
                />
            </div>
        }
    };
    view! {
        <section>
            <div class="page-head">
                <h1>{tr("audit.title")}</h1>
                <div class="page-actions">
                    <button type="button" class="secondary" id="verify-audit" on:click=move |_| { verify.dispatch_local(()); }>{tr("audit.verify")}</button>
                </div>
            </div>
            // The last check's answer (hidden while a new check runs).
            {move || verify.value().filter(|_| !verify.pending().get()).map(|result| match result {
                Ok(report) if report.valid => view! {
                    <div class="notice ok" role="status">{move || t_with("audit.valid", &[("rows", report.rows_checked.to_string())])}</div>
                }.into_any(),
                Ok(report) => view! {
                    <div class="error-box" role="alert">
                        {move || t_with("audit.broken", &[("id", report.first_broken_id.map(|id| id.to_string()).unwrap_or_default())])}
                    </div>
                }.into_any(),
                Err(error) => view! { <ErrorBox error=error/> }.into_any(),
            })}
            <form class="filters" on:submit=|ev| ev.prevent_default()>
                {text_filter("f-action", "audit.action", action, "job.create")}
                {text_filter("f-resource", "audit.resource", resource, "job")}
                <SelectField label="audit.outcome" name="outcome" value=outcome blank="common.any" options=outcomes resets_page=page/>
                <DateFilter id="f-audit-from" label="executions.from" value=from page=page/>
                <DateFilter id="f-audit-to" label="executions.to" value=to page=page/>
            </form>
            {move || {
                paged_table(
                    entries.get().map(|r| r.map(|list| (list.data, list.meta))),
                    page,
                    "audit.empty",
                    "audit",
                    &["common.id", "audit.time", "audit.actor", "audit.action", "audit.resource", "audit.outcome", "audit.client_ip", "audit.details"],
                    |entry| {
                                    let outcome = match entry.outcome {
                                        AuditOutcome::Success => "success",
                                        AuditOutcome::Failure => "failure",
                                    };
                                    let resource = match (&entry.resource_type, &entry.resource_id) {
                                        (Some(kind), Some(id)) => format!("{kind} #{id}"),
                                        (Some(kind), None) => kind.clone(),
                                        _ => String::new(),
                                    };
                                    view! {
                                        <tr>
                                            <td>{entry.id}</td>
                                            <td>{format::datetime(entry.occurred_at)}</td>
                                            <td>{entry.actor_name.clone().unwrap_or_default()}</td>
                                            <td><code>{entry.action.clone()}</code></td>
                                            <td>{resource}</td>
                                            <td><span class=format!("badge audit-{outcome}")>{move || t(&format!("enum.audit_outcome.{outcome}"))}</span></td>
                                            <td>{entry.client_ip.clone().unwrap_or_default()}</td>
                                            <td class="message"><code>{entry.details.to_string()}</code></td>
                                        </tr>
                                    }
                                },
                )
            }}
        </section>
    }
}
