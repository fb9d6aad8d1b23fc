//! Alerts: the list (open / firing / acknowledged / resolved tabs, severity and rule
//! filters, bulk acknowledgement) and one alert (its fields, the 3-2-1-1-0 evidence behind
//! it, its timeline, acknowledge and resolve with a note; a restore alert links to the
//! record form for its job).

use bms_types::alerts::{
    AlertDetailDto, AlertDto, AlertRuleKind, AlertStatus, BulkAcknowledgeRequest, ListAlertsQuery, Severity,
};
use bms_types::jobs::RuleVerdictDto;
use bms_types::permissions::Permission;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params, use_query};
use leptos_router::params::Params;

use crate::api::{self, ApiError};
use crate::app::{NotFound, use_session};
use crate::components::{
    Empty, EnumBadge, Fetch, OutcomeBadge, Pagination, SelectField, Submit, TextAreaField, action_error, enum_options,
    loaded, wire_names,
};
use crate::format;
use crate::i18n::{enum_label, t, t_with, tr};

/// The list's tabs: `open` is firing and acknowledged together.
const TABS: [&str; 4] = ["open", "firing", "acknowledged", "resolved"];

/// The filters a link may set in the URL (`/alerts?tab=resolved&severity=critical`).
#[derive(Params, Clone, Debug, Default, PartialEq)]
pub struct AlertListUrl {
    /// `open`, `firing`, `acknowledged` or `resolved`.
    pub tab: Option<String>,
    /// A severity's wire name.
    pub severity: Option<String>,
    /// A rule kind's wire name.
    pub rule: Option<String>,
    /// Only this job's alerts.
    pub job_id: Option<i64>,
}

/// A note field's text, `None` when blank.
fn note(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// The alerts screen.
#[component]
pub fn AlertsPage() -> impl IntoView {
    let session = use_session();
    let url = use_query::<AlertListUrl>().get_untracked().unwrap_or_default();
    let tab = RwSignal::new(url.tab.filter(|tab| TABS.contains(&tab.as_str())).unwrap_or_else(|| "open".to_owned()));
    let severity = RwSignal::new(url.severity.unwrap_or_default());
    let rule = RwSignal::new(url.rule.unwrap_or_default());
    let job = RwSignal::new(url.job_id);
    // Every filter below sets the page back to 1 as it changes (see `components::lists`).
    let page = RwSignal::new(1u32);
    let selected = RwSignal::new(Vec::<i64>::new());
    let bulk_note = RwSignal::new(String::new());
    let acknowledge = Submit::new(move |ids: &Vec<i64>| {
        let request = BulkAcknowledgeRequest { ids: ids.clone(), note: note(&bulk_note.get_untracked()) };
        async move {
            let result = api::acknowledge_alerts(&request).await?;
            selected.set(Vec::new());
            bulk_note.set(String::new());
            Ok(result)
        }
    });
    let alerts = Fetch::new(move || {
        acknowledge.version().track();
        let tab = tab.get();
        let query = ListAlertsQuery {
            page: Some(page.get()),
            per_page: Some(50),
            status: AlertStatus::parse(&tab),
            open: (tab == "open").then_some(true),
            severity: Severity::parse(&severity.get()),
            rule: AlertRuleKind::parse(&rule.get()),
            job_id: job.get(),
        };
        async move { api::list_alerts(&query).await }
    });
    let can_operate = move || session.can_operate();
    view! {
        <section>
            <div class="page-head">
                <h1>{tr("alerts.title")}</h1>
                <div class="page-actions">
                    <A href="/alerts/rules" attr:class="button secondary" attr:data-testid="alerts-rules-link">{tr("nav.alert_rules")}</A>
                    <A href="/maintenance" attr:class="button secondary">{tr("nav.maintenance")}</A>
                    <button type="button" class="secondary" on:click=move |_| alerts.refetch()>{tr("common.refresh")}</button>
                </div>
            </div>
            <div class="tabs" role="tablist" aria-label=tr("alerts.status")>
                {TABS
                    .into_iter()
                    .map(|name| {
                        view! {
                            <button
                                type="button"
                                role="tab"
                                data-testid=format!("alerts-tab-{name}")
                                aria-selected=move || if tab.get() == name { "true" } else { "false" }
                                class:secondary=move || tab.get() != name
                                on:click=move |_| {
                                    tab.set(name.to_owned());
                                    page.set(1);
                                    selected.set(Vec::new());
                                }
                            >
                                {move || t(&format!("alerts.tab_{name}"))}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            <form class="filters" on:submit=|ev| ev.prevent_default()>
                <SelectField label="alerts.severity" name="severity" value=severity blank="common.any" resets_page=page
                    options=enum_options("severity", wire_names(Severity::ALL, Severity::as_str))/>
                <SelectField label="alerts.rule" name="rule" value=rule blank="common.any" resets_page=page
                    options=enum_options("alert_rule", wire_names(AlertRuleKind::ALL, AlertRuleKind::as_str))/>
                {move || job.get().map(|id| view! {
                    <div class="field">
                        <span>{move || t_with("alerts.for_job", &[("id", id.to_string())])}</span>
                        <button type="button" class="link" on:click=move |_| { job.set(None); page.set(1); }>{tr("alerts.all_jobs")}</button>
                    </div>
                })}
            </form>
            {move || acknowledge.value().and_then(Result::ok).map(|result| view! {
                <div class="notice ok" role="status" data-testid="alerts-bulk-result">
                    {move || t_with("alerts.bulk_done", &[
                        ("acknowledged", result.acknowledged.len().to_string()),
                        ("skipped", result.skipped.len().to_string()),
                    ])}
                </div>
            })}
            {action_error(acknowledge)}
            <Show when=can_operate>
                <div class="bulk-bar">
                    <input
                        type="text"
                        aria-label=tr("alerts.note")
                        placeholder=tr("alerts.note_optional")
                        data-testid="alerts-bulk-note"
                        prop:value=move || bulk_note.get()
                        on:input=move |ev| bulk_note.set(event_target_value(&ev))
                    />
                    <button
                        type="button"
                        data-testid="alerts-acknowledge-selected"
                        disabled=move || selected.with(Vec::is_empty) || acknowledge.pending().get()
                        on:click=move |_| { acknowledge.dispatch_local(selected.get_untracked()); }
                    >
                        {move || t_with("alerts.acknowledge_selected", &[("count", selected.with(Vec::len).to_string())])}
                    </button>
                </div>
            </Show>
            {move || loaded(alerts.get(), move |list| {
                if list.data.is_empty() {
                    return view! { <Empty key="alerts.empty"/> }.into_any();
                }
                let meta = list.meta;
                view! {
                    <AlertTable alerts=list.data selected=Some(selected).filter(|_| can_operate()) show_job=true/>
                    <Pagination meta=meta page=page/>
                }
                .into_any()
            })}
        </section>
    }
}

/// Alerts as a table; with `selected`, firing alerts get a checkbox (bulk acknowledge).
#[component]
pub fn AlertTable(alerts: Vec<AlertDto>, selected: Option<RwSignal<Vec<i64>>>, show_job: bool) -> impl IntoView {
    let firing: Vec<i64> = alerts.iter().filter(|alert| alert.status == AlertStatus::Firing).map(|a| a.id).collect();
    let select_all = selected.map(|selected| {
        let all = firing.clone();
        let every_one = all.clone();
        view! {
            <th>
                <input
                    type="checkbox"
                    aria-label=tr("alerts.select_all")
                    data-testid="alerts-select-all"
                    disabled=all.is_empty()
                    prop:checked=move || !every_one.is_empty() && selected.with(|chosen| every_one.iter().all(|id| chosen.contains(id)))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        selected.update(|chosen| {
                            chosen.retain(|id| !all.contains(id));
                            if on {
                                chosen.extend(all.iter().copied());
                            }
                        });
                    }
                />
            </th>
        }
    });
    let rows = alerts
        .into_iter()
        .map(|alert| {
            let id = alert.id;
            let status = alert.status.as_str();
            let check = selected.map(|selected| {
                let box_view = (alert.status == AlertStatus::Firing).then(|| {
                    view! {
                        <input
                            type="checkbox"
                            aria-label=tr("alerts.select")
                            data-testid="alert-select"
                            prop:checked=move || selected.with(|chosen| chosen.contains(&id))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                selected.update(|chosen| {
                                    chosen.retain(|other| *other != id);
                                    if on {
                                        chosen.push(id);
                                    }
                                });
                            }
                        />
                    }
                });
                view! { <td>{box_view}</td> }
            });
            let job = show_job.then(|| {
                let link = match (alert.job_id, alert.job_name.clone()) {
                    (Some(job_id), Some(name)) => view! { <A href=format!("/jobs/{job_id}")>{name}</A> }.into_any(),
                    (Some(job_id), None) => view! { <span>"#" {job_id}</span> }.into_any(),
                    _ => view! { <span class="muted">"—"</span> }.into_any(),
                };
                view! { <td>{link}</td> }
            });
            let rule = alert.rule.as_str();
            view! {
                <tr data-alert-id=id.to_string() data-status=status>
                    {check}
                    <td><EnumBadge kind="severity" value=alert.severity.as_str()/></td>
                    <td>{move || enum_label("alert_rule", rule)}</td>
                    {job}
                    <td class="message">
                        <A href=format!("/alerts/{id}")>{alert.summary.clone()}</A>
                        {alert.silenced.then(|| view! { " " <span class="badge">{tr("alerts.silenced")}</span> })}
                    </td>
                    <td>{format::datetime(alert.fired_at)}</td>
                    <td><EnumBadge kind="alert_status" value=status/></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="alerts" data-testid="alerts-table">
                <thead>
                    <tr>
                        {select_all}
                        <th>{tr("alerts.severity")}</th>
                        <th>{tr("alerts.rule")}</th>
                        {show_job.then(|| view! { <th>{tr("alerts.job")}</th> })}
                        <th>{tr("alerts.summary")}</th>
                        <th>{tr("alerts.fired_at")}</th>
                        <th>{tr("alerts.status")}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// The route's `:id`.
#[derive(Params, Clone, Debug, PartialEq)]
pub struct AlertPath {
    /// The alert's id.
    pub id: i64,
}

/// One alert (`/alerts/:id`); an id that is not a number names no page.
#[component]
pub fn AlertDetailPage() -> impl IntoView {
    let path = use_params::<AlertPath>();
    move || match path.get() {
        Ok(AlertPath { id }) => view! { <AlertDetail alert_id=id/> }.into_any(),
        Err(_) => view! { <NotFound/> }.into_any(),
    }
}

#[component]
fn AlertDetail(alert_id: i64) -> impl IntoView {
    let session = use_session();
    let note_text = RwSignal::new(String::new());
    let act = Submit::new(move |action: &&'static str| {
        let action = *action;
        let text = note(&note_text.get_untracked());
        async move {
            let alert = api::alert_action(alert_id, action, text).await?;
            note_text.set(String::new());
            Ok::<_, ApiError>(alert)
        }
    });
    let resource = Fetch::new(move || {
        act.version().track();
        api::get_alert(alert_id)
    });
    view! {
        <section>
            {move || loaded(resource.get(), move |detail: AlertDetailDto| {
                let alert = detail.alert.clone();
                let status = alert.status;
                let actions = (session.can_operate() && status != AlertStatus::Resolved).then(|| view! {
                    <section class="panel" data-testid="alert-actions">
                        <h2>{tr("alerts.actions")}</h2>
                        {action_error(act)}
                        <TextAreaField label="alerts.note_optional" name="note" value=note_text testid="alert-note" rows=2/>
                        <div class="button-row">
                            {(status == AlertStatus::Firing).then(|| view! {
                                <button type="button" data-testid="alert-acknowledge" disabled=move || act.pending().get()
                                    on:click=move |_| { act.dispatch_local("acknowledge"); }>
                                    {tr("alerts.acknowledge")}
                                </button>
                            })}
                            <button type="button" class="secondary" data-testid="alert-resolve" disabled=move || act.pending().get()
                                on:click=move |_| { act.dispatch_local("resolve"); }>
                                {tr("alerts.resolve")}
                            </button>
                        </div>
                    </section>
                });
                view! {
                    <AlertHeader alert=alert.clone() reload=Callback::new(move |()| resource.refetch())/>
                    {actions}
                    {alert.evidence.clone().map(|evidence| view! { <Evidence evidence=evidence/> })}
                    <Timeline detail=detail/>
                }
            })}
        </section>
    }
}

#[component]
fn AlertHeader(alert: AlertDto, reload: Callback<()>) -> impl IntoView {
    let id = alert.id;
    let rule = alert.rule.as_str();
    let job = match (alert.job_id, alert.job_name.clone()) {
        (Some(job_id), name) => {
            let name = name.unwrap_or_else(|| format!("#{job_id}"));
            view! { <A href=format!("/jobs/{job_id}")>{name}</A> }.into_any()
        }
        _ => view! { <span>"—"</span> }.into_any(),
    };
    let subject = alert.subject.clone().map(|subject| {
        let label = if alert.rule == AlertRuleKind::ComplianceWorse {
            let key = format!("rule3210.{subject}");
            Signal::derive(move || {
                let text = t(&key);
                if text == key { subject.clone() } else { text }
            })
        } else {
            Signal::derive(move || subject.clone())
        };
        view! { <dt>{tr("alerts.subject")}</dt><dd>{label}</dd> }
    });
    let person = |who: Option<String>, at: Option<chrono::DateTime<chrono::Utc>>, note: Option<String>| {
        let mut text = format::maybe_datetime(at);
        if let Some(who) = who {
            text = format!("{text} · {who}");
        }
        if let Some(note) = note {
            text = format!("{text} — {note}");
        }
        text
    };
    // One click from a restore alert to recording the test it asks for.
    let restore_kind = matches!(
        alert.rule,
        AlertRuleKind::RestoreTestFailed | AlertRuleKind::RestoreTestOverdue | AlertRuleKind::RestoreTestDueSoon
    );
    let record_restore = alert.job_id.filter(|_| restore_kind && use_session().can(Permission::Report)).map(|job_id| {
        view! {
            <A href=format!("/restore-tests/new?job_id={job_id}") attr:class="button" attr:data-testid="alert-record-restore">
                {tr("restore.record")}
            </A>
        }
    });
    let acknowledged = alert
        .acknowledged_at
        .map(|_| person(alert.acknowledged_by.clone(), alert.acknowledged_at, alert.acknowledge_note.clone()));
    let resolved_by = alert.resolved_by.clone();
    let resolved = alert
        .resolved_at
        .map(|_| (person(resolved_by.clone(), alert.resolved_at, alert.resolve_note.clone()), resolved_by.is_none()));
    view! {
        <div class="page-head">
            <h1>
                {tr("alerts.alert")} " #" {id} " "
                <EnumBadge kind="severity" value=alert.severity.as_str()/> " "
                <span data-testid="alert-status" data-status=alert.status.as_str()><EnumBadge kind="alert_status" value=alert.status.as_str()/></span>
            </h1>
            <div class="page-actions">
                {record_restore}
                <A href=format!("/notifications/deliveries?alert_id={id}") attr:class="button secondary">{tr("alerts.deliveries")}</A>
                <button type="button" class="secondary" on:click=move |_| reload.run(())>{tr("common.refresh")}</button>
                <A href="/alerts" attr:class="button secondary">{tr("alerts.back")}</A>
            </div>
        </div>
        <section class="panel" data-testid="alert-fields">
            <p><strong>{alert.summary.clone()}</strong></p>
            <dl class="details grid">
                <dt>{tr("alerts.rule")}</dt><dd>{move || enum_label("alert_rule", rule)}</dd>
                <dt>{tr("alerts.job")}</dt><dd>{job}</dd>
                {subject}
                {alert.copy_id.map(|copy| view! { <dt>{tr("alerts.copy")}</dt><dd>"#" {copy}</dd> })}
                {alert.api_key_id.map(|key| view! { <dt>{tr("alerts.api_key")}</dt><dd>"#" {key}</dd> })}
                <dt>{tr("alerts.fired_at")}</dt><dd>{format::datetime(alert.fired_at)}</dd>
                <dt>{tr("alerts.last_occurred")}</dt><dd>{format::datetime(alert.last_occurred_at)}</dd>
                <dt>{tr("alerts.occurrences")}</dt><dd>{alert.occurrences}</dd>
                <dt>{tr("alerts.silenced")}</dt><dd>{move || t(if alert.silenced { "common.yes" } else { "common.no" })}</dd>
                {acknowledged.map(|text| view! { <dt>{tr("alerts.acknowledged")}</dt><dd>{text}</dd> })}
                {resolved.map(|(text, automatic)| view! {
                    <dt>{tr("alerts.resolved")}</dt>
                    <dd>{text} {automatic.then(|| view! { " " <span class="muted">{tr("alerts.resolved_automatically")}</span> })}</dd>
                })}
                <dt>{tr("alerts.escalated_at")}</dt><dd>{format::maybe_datetime(alert.escalated_at)}</dd>
                <dt>{tr("alerts.last_notified")}</dt><dd>{format::maybe_datetime(alert.last_notified_at)}</dd>
            </dl>
        </section>
    }
}

#[component]
fn Evidence(evidence: RuleVerdictDto) -> impl IntoView {
    let name = evidence.rule.clone();
    let reason = evidence.reason.clone();
    let (found, required) = (evidence.found, evidence.required);
    let copies = evidence.copy_ids.iter().map(|id| format!("#{id}")).collect::<Vec<_>>().join(", ");
    let runs = evidence.execution_ids.iter().map(|id| format!("#{id}")).collect::<Vec<_>>().join(", ");
    view! {
        <section class="panel" data-testid="alert-evidence">
            <h2>{tr("alerts.evidence")}</h2>
            <div class="rule-head">
                <OutcomeBadge outcome=evidence.outcome/>
                <strong>{move || t(&format!("rule3210.{name}"))}</strong>
                <span class="muted">
                    {move || t_with("compliance.found", &[("found", found.to_string()), ("required", required.to_string())])}
                </span>
            </div>
            <p>{move || t(&format!("reason.{reason}"))}</p>
            {(!copies.is_empty()).then(|| view! { <p class="evidence">{tr("compliance.evidence_copies")} ": " {copies}</p> })}
            {(!runs.is_empty()).then(|| view! { <p class="evidence">{tr("compliance.evidence_runs")} ": " {runs}</p> })}
        </section>
    }
}

#[component]
fn Timeline(detail: AlertDetailDto) -> impl IntoView {
    let events = detail
        .timeline
        .into_iter()
        .map(|event| {
            let kind = event.kind.as_str();
            view! {
                <li data-kind=kind>
                    <span class="muted">{format::datetime(event.at)}</span> " "
                    <EnumBadge kind="alert_event" value=kind/>
                    {event.actor.map(|actor| view! { " " <strong>{actor}</strong> })}
                    {(!event.detail.is_empty()).then(|| view! { " " <span>{event.detail}</span> })}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="panel">
            <h2>{tr("alerts.timeline")}</h2>
            <ol class="timeline" data-testid="alert-timeline">{events}</ol>
        </section>
    }
}
