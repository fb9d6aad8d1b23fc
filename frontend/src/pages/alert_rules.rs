//! Alert rules (`/alerts/rules`): every rule kind with whether it raises alerts, its
//! severity and its number, and its per-job and per-tag overrides. Administrators change a
//! rule in a small form under its row, add an override and delete one; everyone else reads.

use bms_types::alerts::{
    AlertRuleDto, AlertRuleKind, AlertRuleOverrideDto, CreateAlertRuleOverrideRequest, Severity, UpdateAlertRuleRequest,
};
use bms_types::permissions::Permission;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::{self, ApiError};
use crate::app::use_session;
use crate::components::{
    CheckField, Empty, EnumBadge, Fetch, Field, FormError, FormState, SelectField, Submit, action_error, confirm,
    enum_options, loaded, wire_names,
};
use crate::i18n::{enum_label, t, t_with, tr};
use crate::pages::notifications::NotificationTabs;
use crate::validate::{self, Check};

/// The fields the rule form shows.
const RULE_FIELDS: &[&str] = &["enabled", "severity", "threshold"];
/// The fields the override form shows.
const OVERRIDE_FIELDS: &[&str] = &["job_id", "tag", "enabled", "severity", "threshold"];

/// Which form is open, under which rule's row.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Editing {
    /// The rule's own setting.
    Rule(AlertRuleKind),
    /// A new override of the rule.
    Override(AlertRuleKind),
}

/// The accepted range of a rule's number. The server's registry
/// (`crates/server/src/alerts/rules.rs`) decides; this only lets the form say so before
/// sending (a kind the SPA does not know yet is checked by the server alone).
fn threshold_range(kind: AlertRuleKind) -> (i64, i64) {
    match kind {
        AlertRuleKind::ConsecutiveFailures => (2, 100),
        AlertRuleKind::ApiKeyExpiring => (1, 365),
        AlertRuleKind::DiskSpaceLow => (1, 99),
        _ => (i64::MIN, i64::MAX),
    }
}

/// A form check without placeholders.
fn check(key: &'static str) -> Check {
    Check { key, params: Vec::new() }
}

/// A threshold field's check: a whole number in the rule's range (blank allowed unless
/// `required`).
fn threshold_check(kind: AlertRuleKind, value: &str, required: bool) -> Option<Check> {
    if required && let Some(check) = validate::required(value) {
        return Some(check);
    }
    let (min, max) = threshold_range(kind);
    if min == i64::MIN {
        let valid = value.trim().is_empty() || value.trim().parse::<i64>().is_ok();
        return (!valid).then(|| check("check.whole_number"));
    }
    validate::optional_number(value, min, max)
}

/// What a rule's number means, in the person's language (the server's English text for a
/// kind the catalogs do not know).
fn meaning(kind: AlertRuleKind, server: &str) -> String {
    let key = format!("alert_rules.meaning.{}", kind.as_str());
    let text = t(&key);
    if text == key { server.to_owned() } else { text }
}

/// What an override changes, e.g. "disabled · Critical · threshold 5".
fn override_changes(item: &AlertRuleOverrideDto) -> String {
    let mut parts = Vec::new();
    if let Some(enabled) = item.enabled {
        parts.push(t(if enabled { "alert_rules.enabled_on" } else { "alert_rules.enabled_off" }));
    }
    if let Some(severity) = item.severity {
        parts.push(enum_label("severity", severity.as_str()));
    }
    if let Some(threshold) = item.threshold {
        parts.push(t_with("alert_rules.threshold_is", &[("value", threshold.to_string())]));
    }
    parts.join(" · ")
}

/// The alert rules screen.
#[component]
pub fn AlertRulesPage() -> impl IntoView {
    let session = use_session();
    let editing = RwSignal::new(None::<Editing>);
    // The list reloads after a successful change only, so a refused form keeps what was typed.
    let saved = Trigger::new();
    let remove = Submit::new(move |id: &i64| {
        let id = *id;
        async move {
            api::delete_rule_override(id).await?;
            saved.notify();
            Ok::<_, ApiError>(())
        }
    });
    let rules = Fetch::new(move || {
        saved.track();
        api::list_alert_rules()
    });
    let is_admin = Signal::derive(move || session.can(Permission::Administer));
    view! {
        <section>
            <div class="page-head">
                <h1>{tr("alert_rules.title")}</h1>
                <div class="page-actions">
                    <A href="/alerts" attr:class="button secondary">{tr("nav.alerts")}</A>
                    <button type="button" class="secondary" on:click=move |_| rules.refetch()>{tr("common.refresh")}</button>
                </div>
            </div>
            <NotificationTabs/>
            <p class="muted">{tr("alert_rules.intro")}</p>
            <Show when=move || !is_admin.get()>
                <p class="muted" data-testid="rules-read-only">{tr("alert_rules.read_only")}</p>
            </Show>
            {action_error(remove)}
            {move || loaded(rules.get(), move |list| {
                if list.data.is_empty() {
                    return view! { <Empty key="alert_rules.empty"/> }.into_any();
                }
                let rows = list
                    .data
                    .into_iter()
                    .map(|rule| view! { <RuleRow rule=rule editing=editing saved=saved remove=remove is_admin=is_admin/> })
                    .collect_view();
                view! {
                    <div class="table-wrap">
                        <table class="alert-rules" data-testid="rules-table">
                            <thead>
                                <tr>
                                    <th>{tr("alerts.rule")}</th>
                                    <th>{tr("alert_rules.enabled")}</th>
                                    <th>{tr("alerts.severity")}</th>
                                    <th>{tr("alert_rules.threshold")}</th>
                                    <th>{tr("alert_rules.overrides")}</th>
                                    <th></th>
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }
                .into_any()
            })}
            <p class="muted">{tr("alert_rules.override_note")}</p>
        </section>
    }
}

/// One rule's row, its overrides, and the form open under it.
#[component]
fn RuleRow(
    rule: AlertRuleDto,
    editing: RwSignal<Option<Editing>>,
    saved: Trigger,
    remove: Submit<i64, ()>,
    is_admin: Signal<bool>,
) -> impl IntoView {
    let kind = rule.kind;
    let wire = kind.as_str();
    let threshold = rule.threshold_meaning.clone().map(|server| {
        let value = rule.threshold.map_or_else(|| "—".to_owned(), |value| value.to_string());
        view! {
            <strong data-testid="rule-threshold">{value}</strong>
            <br/>
            <small class="muted">{move || meaning(kind, &server)}</small>
        }
    });
    let overrides = rule
        .overrides
        .iter()
        .map(|item| {
            let id = item.id;
            let target = match (item.job_id, item.tag.clone()) {
                (Some(job), _) => view! {
                    <A href=format!("/jobs/{job}")>{move || t_with("alert_rules.for_job", &[("id", job.to_string())])}</A>
                }
                .into_any(),
                (None, Some(tag)) => {
                    view! { <span>{move || t_with("alert_rules.for_tag", &[("tag", tag.clone())])}</span> }.into_any()
                }
                (None, None) => view! { <span class="muted">"—"</span> }.into_any(),
            };
            let changes = item.clone();
            let label = item.job_id.map_or_else(|| item.tag.clone().unwrap_or_default(), |job| format!("#{job}"));
            let ask_delete = move |_| {
                if confirm(&t_with("alert_rules.confirm_delete", &[("target", label.clone())])) {
                    remove.dispatch_local(id);
                }
            };
            view! {
                <li data-override-id=id.to_string()>
                    {target} ": " {move || override_changes(&changes)}
                    <Show when=move || is_admin.get()>
                        " "
                        <button type="button" class="link danger" data-testid="override-delete"
                            disabled=move || remove.pending().get() on:click=ask_delete.clone()>
                            {tr("common.delete")}
                        </button>
                    </Show>
                </li>
            }
        })
        .collect_view();
    let no_overrides = rule.overrides.is_empty();
    let form_rule = rule.clone();
    let open = move |which: Editing| editing.set(Some(which));
    view! {
        <tr data-rule=wire data-enabled=if rule.enabled { "true" } else { "false" }>
            <td>{move || enum_label("alert_rule", wire)}</td>
            <td>
                {if rule.enabled {
                    view! { <span>{tr("alert_rules.enabled_on")}</span> }.into_any()
                } else {
                    view! { <span class="badge">{tr("alert_rules.enabled_off")}</span> }.into_any()
                }}
            </td>
            <td><EnumBadge kind="severity" value=rule.severity.as_str()/></td>
            <td>
                {match threshold {
                    Some(threshold) => threshold.into_any(),
                    None => view! { <span class="muted">"—"</span> }.into_any(),
                }}
            </td>
            <td>
                {if no_overrides {
                    view! { <span class="muted">{tr("alert_rules.no_overrides")}</span> }.into_any()
                } else {
                    view! { <ul class="checklist">{overrides}</ul> }.into_any()
                }}
            </td>
            <td class="actions">
                <Show when=move || is_admin.get() && editing.get().is_none()>
                    <button type="button" class="secondary" data-testid="rule-edit"
                        on:click=move |_| open(Editing::Rule(kind))>{tr("common.edit")}</button>
                    <button type="button" class="secondary" data-testid="override-add"
                        on:click=move |_| open(Editing::Override(kind))>{tr("alert_rules.add_override")}</button>
                </Show>
            </td>
        </tr>
        {move || {
            let which = editing.get().filter(|_| is_admin.get())?;
            let rule = form_rule.clone();
            let form = match which {
                Editing::Rule(of) if of == kind => view! { <RuleForm rule=rule editing=editing saved=saved/> }.into_any(),
                Editing::Override(of) if of == kind => {
                    view! { <OverrideForm rule=rule editing=editing saved=saved/> }.into_any()
                }
                _ => return None,
            };
            Some(view! { <tr class="editing" data-rule-form=wire><td colspan="6">{form}</td></tr> })
        }}
    }
}

/// Changes a rule's own setting.
#[component]
fn RuleForm(rule: AlertRuleDto, editing: RwSignal<Option<Editing>>, saved: Trigger) -> impl IntoView {
    let kind = rule.kind;
    let has_threshold = rule.threshold_meaning.is_some();
    let enabled = RwSignal::new(rule.enabled);
    let severity = RwSignal::new(rule.severity.as_str().to_owned());
    let threshold = RwSignal::new(rule.threshold.map(|value| value.to_string()).unwrap_or_default());
    let update = Submit::new(move |request: &UpdateAlertRuleRequest| {
        let request = request.clone();
        async move {
            let rule = api::update_alert_rule(kind, &request).await?;
            editing.set(None);
            saved.notify();
            Ok::<_, ApiError>(rule)
        }
    });
    let form = FormState::new(update);
    let threshold_error = Signal::derive(move || {
        has_threshold.then(|| threshold_check(kind, &threshold.get(), true)).flatten().map(|c| c.message())
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.attempt();
        if threshold_error.get_untracked().is_some() {
            return;
        }
        let Some(severity) = Severity::parse(&severity.get_untracked()) else { return };
        let request = UpdateAlertRuleRequest {
            enabled: enabled.get_untracked(),
            severity,
            threshold: if has_threshold { validate::parse_optional(&threshold.get_untracked()) } else { None },
        };
        update.dispatch_local(request);
    };
    let server_meaning = rule.threshold_meaning.clone().unwrap_or_default();
    view! {
        <form class="panel inset" id="rule-form" data-testid="rule-form" on:submit=submit novalidate=true>
            <h2>{move || t_with("alert_rules.edit_title", &[("rule", enum_label("alert_rule", kind.as_str()))])}</h2>
            <CheckField label="alert_rules.enabled" name="enabled" value=enabled/>
            <div class="form-grid">
                <SelectField label="alerts.severity" name="severity" value=severity form=form
                    options=enum_options("severity", wire_names(Severity::ALL, Severity::as_str))/>
                <Show when=move || has_threshold>
                    <div>
                        <Field label="alert_rules.threshold" name="threshold" value=threshold form=form
                            check=threshold_error kind="number" required=true/>
                        <small class="hint">{
                            let server = server_meaning.clone();
                            move || meaning(kind, &server)
                        }</small>
                    </div>
                </Show>
            </div>
            <FormError form=form placed=RULE_FIELDS/>
            <div class="button-row">
                <button type="submit" disabled=move || form.busy()>{tr("common.save")}</button>
                <button type="button" class="secondary" on:click=move |_| editing.set(None)>{tr("common.cancel")}</button>
            </div>
        </form>
    }
}

/// Adds an override of a rule for one job or one tag.
#[component]
fn OverrideForm(rule: AlertRuleDto, editing: RwSignal<Option<Editing>>, saved: Trigger) -> impl IntoView {
    let kind = rule.kind;
    let has_threshold = rule.threshold_meaning.is_some();
    let target = RwSignal::new("job".to_owned());
    let job_id = RwSignal::new(String::new());
    let tag = RwSignal::new(String::new());
    let enabled = RwSignal::new(String::new());
    let severity = RwSignal::new(String::new());
    let threshold = RwSignal::new(String::new());
    let add = Submit::new(move |request: &CreateAlertRuleOverrideRequest| {
        let request = request.clone();
        async move {
            let rule = api::create_rule_override(kind, &request).await?;
            editing.set(None);
            saved.notify();
            Ok::<_, ApiError>(rule)
        }
    });
    let form = FormState::new(add);
    let for_job = move || target.get() == "job";
    let job_error = Signal::derive(move || {
        for_job()
            .then(|| {
                let value = job_id.get();
                validate::required(&value).or_else(|| {
                    let valid = value.trim().parse::<i64>().is_ok_and(|id| id > 0);
                    (!valid).then(|| check("check.job_id"))
                })
            })
            .flatten()
            .map(|c| c.message())
    });
    let tag_error = Signal::derive(move || {
        (!for_job())
            .then(|| {
                let value = tag.get();
                validate::required(&value).or_else(|| {
                    let bad = value.contains(',') || value.trim().chars().count() > 50;
                    bad.then(|| check("check.tag"))
                })
            })
            .flatten()
            .map(|c| c.message())
    });
    let threshold_error = Signal::derive(move || {
        has_threshold.then(|| threshold_check(kind, &threshold.get(), false)).flatten().map(|c| c.message())
    });
    let nothing_changed = move || {
        enabled.with(String::is_empty)
            && severity.with(String::is_empty)
            && (!has_threshold || threshold.with(|value| value.trim().is_empty()))
    };
    let target_options = Signal::derive(|| {
        vec![("job".to_owned(), t("alert_rules.target_job")), ("tag".to_owned(), t("alert_rules.target_tag"))]
    });
    let enabled_options = Signal::derive(|| {
        vec![("true".to_owned(), t("alert_rules.enabled_on")), ("false".to_owned(), t("alert_rules.enabled_off"))]
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.attempt();
        if [job_error, tag_error, threshold_error].iter().any(|check| check.get_untracked().is_some())
            || nothing_changed()
        {
            return;
        }
        let job = for_job();
        let request = CreateAlertRuleOverrideRequest {
            job_id: if job { job_id.get_untracked().trim().parse().ok() } else { None },
            tag: if job { None } else { Some(tag.get_untracked().trim().to_owned()) },
            enabled: match enabled.get_untracked().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            severity: Severity::parse(&severity.get_untracked()),
            threshold: if has_threshold { validate::parse_optional(&threshold.get_untracked()) } else { None },
        };
        add.dispatch_local(request);
    };
    let server_meaning = rule.threshold_meaning.clone().unwrap_or_default();
    view! {
        <form class="panel inset" id="override-form" data-testid="override-form" on:submit=submit novalidate=true>
            <h2>{move || t_with("alert_rules.add_title", &[("rule", enum_label("alert_rule", kind.as_str()))])}</h2>
            <div class="form-grid">
                <SelectField label="alert_rules.target" name="target" value=target options=target_options/>
                <Show
                    when=for_job
                    fallback=move || view! {
                        <Field label="alert_rules.tag" name="tag" value=tag form=form check=tag_error placeholder="prod" required=true/>
                    }
                >
                    <Field label="alert_rules.job_id" name="job_id" value=job_id form=form check=job_error kind="number" placeholder="12" required=true/>
                </Show>
            </div>
            <div class="form-grid">
                <SelectField label="alert_rules.enabled" name="enabled" value=enabled form=form blank="alert_rules.as_rule" options=enabled_options/>
                <SelectField label="alerts.severity" name="severity" value=severity form=form blank="alert_rules.as_rule"
                    options=enum_options("severity", wire_names(Severity::ALL, Severity::as_str))/>
                <Show when=move || has_threshold>
                    <div>
                        <Field label="alert_rules.threshold" name="threshold" value=threshold form=form
                            check=threshold_error kind="number" hint="alert_rules.blank_as_rule"/>
                        <small class="hint">{
                            let server = server_meaning.clone();
                            move || meaning(kind, &server)
                        }</small>
                    </div>
                </Show>
            </div>
            <small class="field-error" aria-live="polite" data-testid="override-nothing">
                {move || (form.attempted() && nothing_changed()).then(|| t("check.override_changes"))}
            </small>
            <FormError form=form placed=OVERRIDE_FIELDS/>
            <div class="button-row">
                <button type="submit" disabled=move || form.busy()>{tr("common.create")}</button>
                <button type="button" class="secondary" on:click=move |_| editing.set(None)>{tr("common.cancel")}</button>
            </div>
        </form>
    }
}
