//! One job: its definition and state, the 3-2-1-1-0 checklist with the evidence behind each
//! verdict, its copies (add, edit, delete), its restore tests and offline media
//! (`job_restore`), its execution history, and how to report results (ping URL, curl and
//! PowerShell snippets).

use std::time::Duration;

use bms_types::alerts::{AlertStatus, ListAlertsQuery};
use bms_types::executions::{ExecutionResult, ListExecutionsQuery};
use bms_types::jobs::{
    ComplianceVerdictDto, CopyDto, CopyType, CreateCopyRequest, JobDto, MediaType, UpdateCopyRequest,
};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params};
use leptos_router::params::Params;

use crate::api;
use crate::app::{NotFound, use_session};
use crate::components::{
    CheckField, ComplianceBadge, CopyButton, Empty, EnumBadge, Fetch, Field, FormError, FormState, Loading,
    OutcomeBadge, Pagination, SelectField, StateBadge, Submit, action_error, confirm, enum_options, every, loaded,
    wire_names,
};
use crate::format;
use crate::i18n::{enum_tr, t, t_with, tr};
use crate::pages::executions::ExecutionTable;
use crate::pages::job_restore::JobPage;
use crate::validate;

/// The route's `:id`.
#[derive(Params, Clone, Debug, PartialEq)]
pub struct JobPath {
    /// The job's id.
    pub id: i64,
}

/// The job page (`/jobs/:id`); an id that is not a number names no page.
#[component]
pub fn JobDetailPage() -> impl IntoView {
    let path = use_params::<JobPath>();
    move || match path.get() {
        Ok(JobPath { id }) => view! { <JobDetail job_id=id/> }.into_any(),
        Err(_) => view! { <NotFound/> }.into_any(),
    }
}

/// A change to the job's copies.
#[derive(Clone)]
enum CopyChange {
    Add(CreateCopyRequest),
    Edit(i64, UpdateCopyRequest),
    Remove(i64),
}

type CopyAction = Submit<CopyChange, ()>;

/// What the copy form is doing: `Some(None)` adds a copy, `Some(Some(copy))` edits one.
type Editing = RwSignal<Option<Option<CopyDto>>>;

#[component]
fn JobDetail(job_id: i64) -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    // Kept here rather than in the copies table, so a reload does not close a form that is
    // being filled in.
    let editing: Editing = RwSignal::new(None);
    let change_copies: CopyAction = Submit::new(move |change: &CopyChange| {
        let change = change.clone();
        async move {
            match change {
                CopyChange::Add(request) => api::create_copy(job_id, &request).await.map(drop)?,
                CopyChange::Edit(copy_id, request) => api::update_copy(job_id, copy_id, &request).await.map(drop)?,
                CopyChange::Remove(copy_id) => api::delete_copy(job_id, copy_id).await?,
            }
            editing.set(None);
            Ok(())
        }
    });
    let delete_job = Submit::new(move |_: &()| {
        let navigate = navigate.clone();
        async move {
            api::delete_job(job_id).await?;
            navigate("/jobs", Default::default());
            Ok(())
        }
    });
    // Everything on the page reloads every 30 s, on "Refresh", and after a copy change.
    let reload = Trigger::new();
    every(Duration::from_secs(30), move || reload.notify());
    let changes = Signal::derive(move || {
        reload.track();
        change_copies.version().track();
    });
    let job = Fetch::new(move || {
        changes.track();
        api::get_job(job_id)
    });
    let compliance = Fetch::new(move || {
        changes.track();
        api::job_compliance(job_id)
    });
    let copies = Fetch::new(move || {
        changes.track();
        api::list_copies(job_id)
    });
    provide_context(JobPage { job_id, changes, copies });
    view! {
        <section>
            {move || loaded(job.get(), |job| view! { <JobHeader job=job reload=reload delete=delete_job/> })}
            <div class="columns">
                <section class="panel">
                    <h2>{tr("compliance.title")}</h2>
                    {move || {
                        let copies = copies.get().and_then(Result::ok).unwrap_or_default();
                        loaded(compliance.get(), move |verdict| view! { <Checklist verdict=verdict copies=copies/> })
                    }}
                </section>
                {move || loaded(job.get(), |job| view! { <ReportPanel job=job/> })}
            </div>
            <section class="panel">
                <h2>{tr("copies.title")}</h2>
                {action_error(change_copies)}
                {move || loaded(copies.get(), move |list| view! { <Copies copies=list editing=editing change=change_copies/> })}
                <Show when=move || session.can_operate() && editing.with(Option::is_none)>
                    <button type="button" id="add-copy" on:click=move |_| open_copy_form(editing, change_copies, None)>
                        {tr("copies.add")}
                    </button>
                </Show>
                {move || editing.get().map(|copy| view! { <CopyForm copy=copy editing=editing change=change_copies/> })}
            </section>
            <RestoreAndMedia/>
            <JobAlerts job_id=job_id changes=changes/>
            <History job_id=job_id changes=changes/>
        </section>
    }
}

/// The restore and offline-media sections (`JobPage` in context). Their code comes with the
/// restore screens' module (`pages::job_restore_sections`), fetched once the page shows; the
/// future runs in this component's owner, so the sections find the context and unmount with it.
#[component]
fn RestoreAndMedia() -> impl IntoView {
    let ready = RwSignal::new(false);
    let sections = StoredValue::new_local(None::<AnyView>);
    leptos::task::spawn_local(ScopedFuture::new(async move {
        let view = crate::pages::job_restore_sections().await;
        // The page may have gone while the module loaded.
        if sections.try_set_value(Some(view)).is_none() {
            ready.try_set(true);
        }
    }));
    move || {
        if ready.get() {
            sections.try_update_value(Option::take).flatten().unwrap_or_else(|| ().into_any())
        } else {
            view! { <Loading/> }.into_any()
        }
    }
}

/// Opens the copy form without a complaint left over from an earlier one.
fn open_copy_form(editing: Editing, change: CopyAction, copy: Option<CopyDto>) {
    change.clear();
    editing.set(Some(copy));
}

#[component]
fn JobHeader(job: JobDto, reload: Trigger, delete: Submit<(), ()>) -> impl IntoView {
    let session = use_session();
    let id = job.id;
    let name = job.name.clone();
    let ask_delete = move |_| {
        if confirm(&t_with("jobs.confirm_delete", &[("name", name.clone())])) {
            delete.dispatch_local(());
        }
    };
    let status = job.status.clone();
    let job_type = job.job_type.as_str();
    let tool = job.backup_tool.as_str();
    view! {
        <div class="page-head">
            <h1>
                {job.name.clone()} " "
                {status.as_ref().map(|s| view! { <StateBadge state=s.state/> " " <ComplianceBadge status=s.compliance_status/> })}
            </h1>
            <div class="page-actions">
                <button type="button" class="secondary" on:click=move |_| reload.notify()>{tr("common.refresh")}</button>
                <Show when=move || session.can_operate()>
                    <A href=format!("/jobs/{id}/edit") attr:class="button">{tr("common.edit")}</A>
                </Show>
                <Show when=move || session.is_admin()>
                    <button type="button" class="danger" on:click=ask_delete.clone()>{tr("common.delete")}</button>
                </Show>
            </div>
        </div>
        {action_error(delete)}
        <section class="panel">
            <dl class="details grid">
                <dt>{tr("jobs.job_type")}</dt><dd>{enum_tr("job_type", job_type)}</dd>
                <dt>{tr("jobs.backup_tool")}</dt><dd>{enum_tr("tool", tool)}</dd>
                <dt>{tr("jobs.target_server")}</dt><dd>{job.target_server.clone()}</dd>
                <dt>{tr("jobs.target_path")}</dt><dd>{job.target_path.clone()}</dd>
                <dt>{tr("jobs.owner")}</dt><dd>{job.owner.clone()}</dd>
                <dt>{tr("jobs.tags")}</dt><dd>{job.tags.join(", ")}</dd>
                <dt>{tr("jobs.schedule")}</dt>
                <dd>
                    {job.cron_expression.clone().map_or_else(|| t("jobs.manual"), |cron| format!("{cron} ({})", job.timezone))}
                </dd>
                <dt>{tr("jobs.grace_minutes")}</dt><dd>{job.grace_minutes}</dd>
                <dt>{tr("jobs.last_run")}</dt><dd>{format::maybe_datetime(status.as_ref().and_then(|s| s.last_run_at))}</dd>
                <dt>{tr("jobs.last_success")}</dt><dd>{format::maybe_datetime(status.as_ref().and_then(|s| s.last_success_at))}</dd>
                <dt>{tr("jobs.next_expected")}</dt><dd>{format::maybe_datetime(status.as_ref().and_then(|s| s.next_expected_at))}</dd>
                <dt>{tr("jobs.since")}</dt><dd>{format::maybe_datetime(status.as_ref().map(|s| s.state_since))}</dd>
            </dl>
            {(!job.description.is_empty()).then(|| view! { <p>{job.description.clone()}</p> })}
        </section>
    }
}

#[component]
fn Checklist(verdict: ComplianceVerdictDto, copies: Vec<CopyDto>) -> impl IntoView {
    let status = verdict.status;
    let evaluated = verdict.evaluated_at;
    let rules = verdict
        .rules
        .into_iter()
        .map(|rule| {
            let name = rule.rule.clone();
            let reason = rule.reason.clone();
            let evidence_copies: Vec<String> = rule
                .copy_ids
                .iter()
                .map(|id| copies.iter().find(|copy| copy.id == *id).map_or_else(|| format!("#{id}"), format::copy_label))
                .collect();
            let executions = rule.execution_ids.clone();
            let restore_tests = rule.restore_test_ids.clone();
            view! {
                <li class=format!("rule outcome-{}", rule.outcome.as_str()) data-rule=name.clone()>
                    <div class="rule-head">
                        <OutcomeBadge outcome=rule.outcome/>
                        <strong>{let name = name.clone(); move || t(&format!("rule3210.{name}"))}</strong>
                        <span class="muted">
                            {move || t_with("compliance.found", &[("found", rule.found.to_string()), ("required", rule.required.to_string())])}
                        </span>
                    </div>
                    <p>{move || t(&format!("reason.{reason}"))}</p>
                    {(!evidence_copies.is_empty()).then(|| view! {
                        <p class="evidence">{tr("compliance.evidence_copies")} ": " {evidence_copies.join("; ")}</p>
                    })}
                    {(!executions.is_empty()).then(|| view! {
                        <p class="evidence">
                            {tr("compliance.evidence_runs")} ": "
                            {executions.iter().map(|id| format!("#{id}")).collect::<Vec<_>>().join(", ")}
                        </p>
                    })}
                    {(!restore_tests.is_empty()).then(|| view! {
                        <p class="evidence">
                            {tr("compliance.evidence_restore_tests")} ": "
                            {restore_tests.iter().map(|id| {
                                let id = *id;
                                view! { <A href=format!("/restore-tests/{id}")>"#" {id}</A> " " }
                            }).collect_view()}
                        </p>
                    })}
                </li>
            }
        })
        .collect_view();
    view! {
        <p><ComplianceBadge status=status/> " " <span class="muted">{move || t_with("compliance.evaluated", &[("time", format::datetime(evaluated))])}</span></p>
        <ol class="checklist">{rules}</ol>
    }
}

#[component]
fn ReportPanel(job: JobDto) -> impl IntoView {
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    let ping = format!("{origin}/ping/{}", job.ping_token);
    // Rebuilt on a language switch: the comments are part of the UI.
    let id = job.id;
    let ping_for_curl = ping.clone();
    let curl = move || {
        let ping = &ping_for_curl;
        format!(
            "# {}\ncurl -fsS -m 10 --retry 5 {ping}\n# {}\ncurl -fsS -m 10 --retry 5 {ping}/start\n# {}\nyour-backup-command; curl -fsS -m 10 --retry 5 {ping}/$?",
            t("report.comment_success"),
            t("report.comment_start"),
            t("report.comment_exit"),
        )
    };
    let ping_for_powershell = ping.clone();
    let powershell = move || {
        let ping = &ping_for_powershell;
        format!(
            "# {}\nInvoke-RestMethod -Method Post -TimeoutSec 10 -Uri \"{ping}\"\n# {}\n$body = @{{ job_id = {id}; result = \"success\"; finished_at = (Get-Date).ToUniversalTime().ToString(\"o\") }} | ConvertTo-Json\nInvoke-RestMethod -Method Post -Uri \"{origin}/api/v1/executions\" -Headers @{{ \"X-API-Key\" = $env:BMS_API_KEY }} -ContentType \"application/json\" -Body $body",
            t("report.comment_success"),
            t("report.comment_api_key"),
        )
    };
    let ping_value = ping.clone();
    let curl_value = Signal::derive(curl.clone());
    let powershell_value = Signal::derive(powershell.clone());
    view! {
        <section class="panel report">
            <h2>{tr("report.title")}</h2>
            <p>{tr("report.intro")}</p>
            <div class="field">
                <label for="ping-url">{tr("report.ping_url")}</label>
                <div class="copy-row">
                    <input id="ping-url" readonly=true value=ping/>
                    <CopyButton text=ping_value/>
                </div>
            </div>
            <h3>"curl"</h3>
            <pre id="snippet-curl">{curl}</pre>
            <CopyButton text=curl_value/>
            <h3>"PowerShell"</h3>
            <pre id="snippet-powershell">{powershell}</pre>
            <CopyButton text=powershell_value/>
            <p class="muted">{tr("report.secret")}</p>
        </section>
    }
}

#[component]
fn Copies(copies: Vec<CopyDto>, editing: Editing, change: CopyAction) -> impl IntoView {
    let session = use_session();
    let rows = copies
        .into_iter()
        .map(|copy| {
            let edit_copy = copy.clone();
            let copy_id = copy.id;
            let flags: Vec<&'static str> = [
                (copy.offsite, "copies.offsite"),
                (copy.offline, "copies.offline"),
                (copy.immutable, "copies.immutable"),
                (copy.encrypted, "copies.encrypted"),
            ]
            .into_iter()
            .filter_map(|(on, key)| on.then_some(key))
            .collect();
            let remove = move |_| {
                if confirm(&t("copies.confirm_delete")) {
                    change.dispatch_local(CopyChange::Remove(copy_id));
                }
            };
            let copy_type = copy.copy_type.as_str();
            let media = copy.media_type.as_str();
            view! {
                <tr>
                    <td>"#" {copy.id}</td>
                    <td>{enum_tr("copy_type", copy_type)}</td>
                    <td>{enum_tr("media", media)}</td>
                    <td>{copy.location.clone()}</td>
                    <td>{move || flags.iter().map(|key| t(key)).collect::<Vec<_>>().join(", ")}</td>
                    <td>{format::maybe_datetime(copy.last_success_at)}</td>
                    <td class="actions">
                        <Show when=move || session.can_operate()>
                            <button type="button" class="secondary" on:click={
                                let edit_copy = edit_copy.clone();
                                move |_| open_copy_form(editing, change, Some(edit_copy.clone()))
                            }>{tr("common.edit")}</button>
                        </Show>
                        <Show when=move || session.is_admin()>
                            <button type="button" class="danger" on:click=remove>{tr("common.delete")}</button>
                        </Show>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table>
                <thead>
                    <tr>
                        <th>"ID"</th>
                        <th>{tr("copies.copy_type")}</th>
                        <th>{tr("copies.media_type")}</th>
                        <th>{tr("copies.location")}</th>
                        <th>{tr("copies.properties")}</th>
                        <th>{tr("jobs.last_success")}</th>
                        <th></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn CopyForm(copy: Option<CopyDto>, editing: Editing, change: CopyAction) -> impl IntoView {
    let form = FormState::new(change);
    let existing = copy.as_ref().map(|c| c.id);
    let copy_type = RwSignal::new(copy.as_ref().map_or("primary", |c| c.copy_type.as_str()).to_owned());
    let media = RwSignal::new(copy.as_ref().map_or("disk", |c| c.media_type.as_str()).to_owned());
    let location = RwSignal::new(copy.as_ref().map(|c| c.location.clone()).unwrap_or_default());
    let storage_path = RwSignal::new(copy.as_ref().map(|c| c.storage_path.clone()).unwrap_or_default());
    let offsite = RwSignal::new(copy.as_ref().is_some_and(|c| c.offsite));
    let offline = RwSignal::new(copy.as_ref().is_some_and(|c| c.offline));
    let immutable = RwSignal::new(copy.as_ref().is_some_and(|c| c.immutable));
    let encrypted = RwSignal::new(copy.as_ref().is_some_and(|c| c.encrypted));
    let freshness =
        RwSignal::new(copy.as_ref().and_then(|c| c.freshness_hours).map(|h| h.to_string()).unwrap_or_default());
    let location_check = Signal::derive(move || validate::max_length(&location.get(), 500).map(|c| c.message()));
    let path_check = Signal::derive(move || validate::max_length(&storage_path.get(), 500).map(|c| c.message()));
    let freshness_check =
        Signal::derive(move || validate::optional_number(&freshness.get(), 1, 8784).map(|c| c.message()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.attempt();
        if [location_check, path_check, freshness_check].iter().any(|c| c.get_untracked().is_some()) {
            return;
        }
        let (Some(copy_type), Some(media_type)) =
            (CopyType::parse(&copy_type.get_untracked()), MediaType::parse(&media.get_untracked()))
        else {
            return;
        };
        let hours = validate::parse_optional(&freshness.get_untracked()).map(|h| h as i32);
        let request = match existing {
            None => CopyChange::Add(CreateCopyRequest {
                copy_type,
                media_type,
                location: Some(location.get_untracked()),
                storage_path: Some(storage_path.get_untracked()),
                offsite: Some(offsite.get_untracked()),
                offline: Some(offline.get_untracked()),
                immutable: Some(immutable.get_untracked()),
                encrypted: Some(encrypted.get_untracked()),
                freshness_hours: hours,
            }),
            Some(copy_id) => CopyChange::Edit(
                copy_id,
                UpdateCopyRequest {
                    copy_type: Some(copy_type),
                    media_type: Some(media_type),
                    location: Some(location.get_untracked()),
                    storage_path: Some(storage_path.get_untracked()),
                    offsite: Some(offsite.get_untracked()),
                    offline: Some(offline.get_untracked()),
                    immutable: Some(immutable.get_untracked()),
                    encrypted: Some(encrypted.get_untracked()),
                    freshness_hours: Some(hours),
                },
            ),
        };
        change.dispatch_local(request);
    };
    view! {
        <form class="panel inset" id="copy-form" on:submit=submit novalidate=true>
            <h3>{move || if existing.is_some() { t("copies.edit") } else { t("copies.add") }}</h3>
            <div class="form-grid">
                <SelectField label="copies.copy_type" name="copy_type" value=copy_type form=form
                    options=enum_options("copy_type", wire_names(CopyType::ALL, CopyType::as_str))/>
                <SelectField label="copies.media_type" name="media_type" value=media form=form
                    options=enum_options("media", wire_names(MediaType::ALL, MediaType::as_str))/>
                <Field label="copies.location" name="location" value=location form=form check=location_check placeholder="Tokyo DC / Osaka DR"/>
                <Field label="copies.storage_path" name="storage_path" value=storage_path form=form check=path_check/>
                <Field label="copies.freshness_hours" name="freshness_hours" value=freshness form=form check=freshness_check kind="number" hint="copies.freshness_hint"/>
            </div>
            <div class="checks">
                <CheckField label="copies.offsite" name="offsite" value=offsite/>
                <CheckField label="copies.offline" name="offline" value=offline/>
                <CheckField label="copies.immutable" name="immutable" value=immutable/>
                <CheckField label="copies.encrypted" name="encrypted" value=encrypted/>
            </div>
            <FormError form=form/>
            <div class="button-row">
                <button type="submit" disabled=move || form.busy()>{tr("common.save")}</button>
                <button type="button" class="secondary" on:click=move |_| editing.set(None)>{tr("common.cancel")}</button>
            </div>
        </form>
    }
}

#[component]
fn History(job_id: i64, changes: Signal<()>) -> impl IntoView {
    let result = RwSignal::new(String::new());
    // The result filter sets the page back to 1 as it changes (see `components::lists`).
    let page = RwSignal::new(1u32);
    let runs = Fetch::new(move || {
        changes.track();
        let query = ListExecutionsQuery {
            page: Some(page.get()),
            per_page: Some(20),
            job_id: Some(job_id),
            result: ExecutionResult::parse(&result.get()),
            ..Default::default()
        };
        async move { api::list_executions(&query).await }
    });
    view! {
        <section class="panel">
            <h2>{tr("executions.history")}</h2>
            <div class="filters">
                <SelectField label="executions.result" name="result" value=result blank="common.any" resets_page=page
                    options=enum_options("result", wire_names(ExecutionResult::ALL, ExecutionResult::as_str))/>
            </div>
            {move || loaded(runs.get(), |list| {
                if list.data.is_empty() {
                    return view! { <Empty key="executions.empty"/> }.into_any();
                }
                let meta = list.meta;
                view! {
                    <ExecutionTable runs=list.data show_job=false/>
                    <Pagination meta=meta page=page/>
                }
                    .into_any()
            })}
        </section>
    }
}

/// The job's open alerts (firing and acknowledged), linking to each.
#[component]
fn JobAlerts(job_id: i64, changes: Signal<()>) -> impl IntoView {
    let alerts = Fetch::new(move || {
        changes.track();
        let query =
            ListAlertsQuery { job_id: Some(job_id), open: Some(true), per_page: Some(20), ..Default::default() };
        async move { api::list_alerts(&query).await }
    });
    view! {
        <section class="panel" data-testid="job-alerts">
            <h2>{tr("alerts.open_for_job")}</h2>
            {move || loaded(alerts.get(), |list| {
                let open: Vec<_> = list.data.into_iter().filter(|alert| alert.status != AlertStatus::Resolved).collect();
                if open.is_empty() {
                    return view! { <Empty key="alerts.none_open"/> }.into_any();
                }
                view! {
                    <ul class="alert-list">
                        {open.into_iter().map(|alert| {
                            let status = alert.status.as_str();
                            view! {
                                <li data-alert-id=alert.id.to_string() data-status=status>
                                    <EnumBadge kind="severity" value=alert.severity.as_str()/> " "
                                    <EnumBadge kind="alert_status" value=status/> " "
                                    <A href=format!("/alerts/{}", alert.id)>{alert.summary.clone()}</A> " "
                                    <span class="muted">{format::datetime(alert.fired_at)}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <A href=format!("/alerts?job_id={job_id}")>{tr("alerts.all_for_job")}</A>
                }.into_any()
            })}
        </section>
    }
}
