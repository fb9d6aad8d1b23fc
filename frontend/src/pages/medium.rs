//! One medium: its fields and QR code, the open loan, the moves its state allows today
//! (only those: the DTO's `allowed_actions` come from the shared state machine, and a
//! refusal the server still makes is shown by its rule), the custody timeline (also as
//! CSV), and the backup runs written to it.

use bms_types::executions::ExecutionResult;
use bms_types::media::{
    CustodyChain, CustodyRecordDto, DisposeMediumRequest, LendMediumRequest, MediaAction, MediaCondition, MediumDto,
    MediumExecutionDto, MoveMediumRequest, ReturnMediumRequest,
};
use bms_types::permissions::Permission;
use chrono::Days;
use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::app::use_session;
use crate::components::{
    Empty, EnumBadge, Fetch, Field, FormError, FormState, SelectField, Submit, action_error, data_table, detail,
    enum_options, loaded, save_blob, wire_names,
};
use crate::format;
use crate::i18n::{enum_label, t, tr};
use crate::pages::media::{MediumForm, kind_label};
use crate::pages::with_id;
use crate::validate;

/// A rule code's text (`rule.medium_lent`…), or the code itself.
fn rule_text(rule: &str) -> String {
    let key = format!("rule.{rule}");
    let text = t(&key);
    if text == key { rule.to_owned() } else { text }
}

/// Who may start a move: operators, and administrators alone for retiring and destroying.
fn permission_for(action: MediaAction) -> Permission {
    match action {
        MediaAction::Retire | MediaAction::Destroy => Permission::Administer,
        _ => Permission::Operate,
    }
}

/// `/media/:id`.
#[component]
pub fn MediumPage() -> impl IntoView {
    with_id(|id| view! { <MediumDetail medium_id=id/> })
}

#[component]
fn MediumDetail(medium_id: i64) -> impl IntoView {
    let session = use_session();
    // The role does not change while a page is shown (signing out leaves it).
    let operator = session.can_operate();
    let reload = Trigger::new();
    // The custody chain carries the medium itself; the QR code comes along (a missing
    // image does not fail the page).
    let chain = Fetch::new(move || {
        reload.track();
        async move {
            let (chain, qr) = futures::join!(api::media_custody(medium_id), api::medium_qr_svg(medium_id));
            chain.map(|chain| (chain, qr.ok()))
        }
    });
    let acting = RwSignal::new(None::<MediaAction>);
    let editing = RwSignal::new(false);
    let export = Submit::new(move |label: &String| {
        let name = format!("{label}-custody.csv");
        async move {
            let file = api::media_custody_csv(medium_id).await?;
            save_blob(&file, &name);
            Ok::<_, ApiError>(())
        }
    });
    let done = Callback::new(move |()| {
        acting.set(None);
        editing.set(false);
        reload.notify();
    });
    view! {
        <section>
            {move || loaded(chain.get(), move |(chain, qr): (CustodyChain, Option<String>)| {
                let medium = chain.medium.clone();
                let (label, overdue) = (medium.label.clone(), medium.overdue);
                let state = medium.state.as_str();
                let actions = medium
                    .allowed_actions
                    .iter()
                    .copied()
                    .filter(|action| session.can(permission_for(*action)))
                    .map(|action| view! {
                        <button type="button" class:secondary=move || acting.get() != Some(action)
                            data-testid=format!("medium-action-{}", action.as_str())
                            on:click=move |_| { editing.set(false); acting.set(Some(action)); }>
                            {move || enum_label("media_action", action.as_str())}
                        </button>
                    })
                    .collect_view();
                let (edit_medium, acted_on, shown) = (medium.clone(), medium.clone(), medium.clone());
                let no_actions = medium.allowed_actions.is_empty();
                view! {
                    <div class="page-head">
                        <h1>
                            {label.clone()} " "
                            <span data-testid="medium-state" data-state=state><EnumBadge kind="media_state" value=state/></span>
                            {overdue.then(|| view! { " " <span class="badge overdue">{tr("media.overdue")}</span> })}
                        </h1>
                        <div class="page-actions">
                            <a href=format!("/media/labels?ids={medium_id}") class="button secondary">{tr("media.print_label")}</a>
                            {move || (operator && !editing.get()).then(|| view! {
                                <button type="button" class="secondary" on:click=move |_| { acting.set(None); editing.set(true); }>{tr("common.edit")}</button>
                            })}
                            <button type="button" class="secondary" on:click=move |_| reload.notify()>{tr("common.refresh")}</button>
                            <a href="/media" class="button secondary">{tr("media.back")}</a>
                        </div>
                    </div>
                    {move || editing.get().then(|| view! {
                        <MediumForm medium=Some(edit_medium.clone()) on_saved=Callback::new(move |_| done.run(()))
                            on_cancel=Callback::new(move |()| editing.set(false))/>
                    })}
                    <div class="columns">
                        <MediumFields medium=shown qr=qr/>
                        <section class="panel" data-testid="medium-actions">
                            <h2>{tr("media.actions")}</h2>
                            {if no_actions {
                                view! { <Empty key="media.no_actions"/> }.into_any()
                            } else {
                                view! { <div class="button-row">{actions}</div> }.into_any()
                            }}
                            {move || acting.get().map(|action| view! {
                                <ActionForm action=action medium=acted_on.clone() done=done cancel=Callback::new(move |()| acting.set(None))/>
                            })}
                        </section>
                    </div>
                    <section class="panel">
                        <div class="page-head">
                            <h2>{tr("media.custody")}</h2>
                            <button type="button" class="secondary" data-testid="custody-csv" disabled=move || export.pending().get()
                                on:click={
                                    let label = label.clone();
                                    move |_| { export.dispatch_local(label.clone()); }
                                }>
                                {tr("media.custody_csv")}
                            </button>
                        </div>
                        {action_error(export)}
                        <Custody records=chain.records/>
                    </section>
                    <section class="panel">
                        <h2>{tr("media.runs")}</h2>
                        <Runs runs=chain.executions/>
                    </section>
                }
            })}
        </section>
    }
}

#[component]
fn MediumFields(medium: MediumDto, qr: Option<String>) -> impl IntoView {
    let loan = medium.loan.clone().map(|loan| {
        view! {
            <div class="notice" class:bad=medium.overdue data-testid="medium-loan">
                <strong>{tr("media.loan")}</strong> ": " {loan.borrower.clone()}
                {(!loan.purpose.is_empty()).then(|| view! { " — " {loan.purpose.clone()} })}
                <br/>
                {tr("media.lent_at")} " " {format::datetime(loan.lent_at)} " · "
                {tr("media.expected_return")} " " {loan.expected_return.to_string()}
            </div>
        }
    });
    let qr_image = qr.map(|svg| {
        // A data URL: the SVG came with the bearer token, so a plain `src` could not load it.
        let source = format!("data:image/svg+xml;charset=utf-8,{}", String::from(js_sys::encode_uri_component(&svg)));
        view! { <img class="qr" src=source alt=t("media.qr") data-testid="medium-qr"/> }
    });
    view! {
        <section class="panel" data-testid="medium-fields">
            {loan}
            <div class="with-figure">
                <dl class="details">
                    {detail("media.barcode", medium.barcode.clone().unwrap_or_default())}
                    {detail("media.kind", kind_label(&medium))}
                    {detail("media.capacity", medium.capacity_bytes.map(format::bytes).unwrap_or_default())}
                    {detail("media.serial", medium.serial.clone())}
                    {detail("media.purchase_date", format::maybe_date(medium.purchase_date))}
                    {detail("media.encrypted", t(if medium.encrypted { "common.yes" } else { "common.no" }))}
                    {detail("media.retention_until", format::maybe_date(medium.retention_until))}
                    {detail("media.location", medium.location.clone())}
                    {detail("media.custodian", medium.custodian.clone())}
                    {detail("media.copy_id", medium.copy_id.map(|id| format!("#{id}")).unwrap_or_default())}
                    <dt>{tr("media.rotation_set")}</dt>
                    <dd>
                        {medium.rotation_id.map(|id| view! {
                            <a href=format!("/media/rotations/{id}")>{medium.rotation_set.clone().unwrap_or_else(|| format!("#{id}"))}</a>
                        })}
                    </dd>
                    {detail("media.updated_at", format::datetime(medium.updated_at))}
                </dl>
                <figure class="qr-figure">{qr_image}</figure>
            </div>
            {(!medium.notes.is_empty()).then(|| view! { <p class="prose">{medium.notes.clone()}</p> })}
        </section>
    }
}

/// A request for one of the media endpoints: `move`, `lend`, `return`, `retire` or
/// `destroy`, already serialised.
type Change = (&'static str, Result<String, ApiError>);

/// The fields an action's form may name (a refusal naming another field, or none, is shown
/// above the buttons).
const ACTION_FIELDS: &[&str] = &[
    "location",
    "custodian",
    "handed_over_by",
    "received_by",
    "occurred_at",
    "note",
    "retention_until",
    "borrower",
    "purpose",
    "expected_return",
    "condition",
    "method",
    "certificate_ref",
];

/// The form of one move: its own fields, a note, and the server's refusal by rule.
#[component]
fn ActionForm(action: MediaAction, medium: MediumDto, done: Callback<()>, cancel: Callback<()>) -> impl IntoView {
    use MediaAction as A;
    let medium_id = medium.id;
    let blank = || RwSignal::new(String::new());
    let (location, custodian, handed, received, occurred, note) =
        (blank(), blank(), blank(), blank(), blank(), blank());
    let retention = RwSignal::new(medium.retention_until.map(|day| day.to_string()).unwrap_or_default());
    let (borrower, purpose, method, certificate) = (blank(), blank(), blank(), blank());
    let two_weeks = format::today().checked_add_days(Days::new(14)).map(|day| day.to_string()).unwrap_or_default();
    let expected = RwSignal::new(two_weeks);
    let condition = RwSignal::new(MediaCondition::Good.as_str().to_owned());
    let change = Submit::new(move |(endpoint, body): &Change| {
        let (endpoint, body) = (*endpoint, body.clone());
        async move {
            let medium = api::medium_change(medium_id, endpoint, body).await?;
            done.run(());
            Ok::<_, ApiError>(medium)
        }
    });
    let form = FormState::new(change);
    let is_move = matches!(action, A::Write | A::Store | A::SendOffsite | A::Release | A::Relocate);
    let message = |check: Option<validate::Check>| check.map(|check| check.message());
    let borrower_check = Signal::derive(move || {
        (action == A::Lend).then(|| message(validate::required_text(&borrower.get(), 200))).flatten()
    });
    let expected_check =
        Signal::derive(move || (action == A::Lend).then(|| message(validate::date(&expected.get()))).flatten());
    let method_check = Signal::derive(move || {
        (action == A::Destroy).then(|| message(validate::required_text(&method.get(), 200))).flatten()
    });
    let certificate_check = Signal::derive(move || {
        (action == A::Destroy).then(|| message(validate::required_text(&certificate.get(), 200))).flatten()
    });
    let retention_check = Signal::derive(move || message(validate::optional_date(&retention.get())));
    let occurred_check = Signal::derive(move || {
        let value = occurred.get();
        (!value.trim().is_empty() && format::parse_local(&value).is_none()).then(|| t("check.datetime"))
    });
    let note_check = Signal::derive(move || message(validate::max_length(&note.get(), 1000)));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.attempt();
        let checks = [
            borrower_check,
            expected_check,
            method_check,
            certificate_check,
            retention_check,
            occurred_check,
            note_check,
        ];
        if checks.iter().any(|check| check.get_untracked().is_some()) {
            return;
        }
        let text = |signal: RwSignal<String>| validate::optional_text(&signal.get_untracked());
        let request: Change = match action {
            A::Lend => (
                "lend",
                api::to_json(&LendMediumRequest {
                    borrower: borrower.get_untracked().trim().to_owned(),
                    purpose: text(purpose),
                    expected_return: format::parse_date(&expected.get_untracked()).unwrap_or_else(format::today),
                    handed_over_by: text(handed),
                    note: text(note),
                }),
            ),
            A::Return => (
                "return",
                api::to_json(&ReturnMediumRequest {
                    condition: MediaCondition::parse(&condition.get_untracked()).unwrap_or(MediaCondition::Unchecked),
                    received_by: text(received),
                    location: text(location),
                    note: text(note),
                }),
            ),
            A::Retire | A::Destroy => (
                action.as_str(),
                api::to_json(&DisposeMediumRequest {
                    method: text(method),
                    certificate_ref: text(certificate),
                    note: text(note),
                }),
            ),
            _ => (
                "move",
                api::to_json(&MoveMediumRequest {
                    action,
                    location: text(location),
                    custodian: text(custodian),
                    handed_over_by: text(handed),
                    received_by: text(received),
                    occurred_at: format::parse_local(&occurred.get_untracked()),
                    note: text(note),
                    retention_until: matches!(action, A::Store | A::SendOffsite)
                        .then(|| format::parse_date(&retention.get_untracked()))
                        .flatten(),
                }),
            ),
        };
        change.dispatch_local(request);
    };
    let hint = format!("media.action_hint_{}", action.as_str());
    let destroying = action == A::Destroy;
    let method_label = if destroying { "media.method" } else { "media.retire_reason" };
    view! {
        <form class="panel inset" id="medium-action-form" data-action=action.as_str() on:submit=submit novalidate=true>
            <h3>{move || enum_label("media_action", action.as_str())}</h3>
            <p class="hint">{move || t(&hint)}</p>
            <div class="form-grid">
                {(action == A::Lend).then(|| view! {
                    <Field label="media.borrower" name="borrower" value=borrower form=form check=borrower_check required=true/>
                    <Field label="media.purpose" name="purpose" value=purpose form=form/>
                    <Field label="media.expected_return" name="expected_return" value=expected form=form check=expected_check kind="date" required=true/>
                })}
                {(action == A::Return).then(|| view! {
                    <SelectField label="media.condition" name="condition" value=condition form=form
                        options=enum_options("media_condition", wire_names(MediaCondition::ALL, MediaCondition::as_str))/>
                })}
                {matches!(action, A::Retire | A::Destroy).then(|| view! {
                    <Field label=method_label name="method" value=method form=form check=method_check required=destroying/>
                })}
                {(action == A::Destroy).then(|| view! {
                    <Field label="media.certificate_ref" name="certificate_ref" value=certificate form=form check=certificate_check required=true/>
                })}
                {(is_move || action == A::Return).then(|| view! {
                    <Field label="media.new_location" name="location" value=location form=form hint="media.kept_when_empty"/>
                })}
                {is_move.then(|| view! {
                    <Field label="media.new_custodian" name="custodian" value=custodian form=form hint="media.kept_when_empty"/>
                })}
                {(is_move || action == A::Lend).then(|| view! {
                    <Field label="media.handed_over_by" name="handed_over_by" value=handed form=form/>
                })}
                {(is_move || action == A::Return).then(|| view! {
                    <Field label="media.received_by" name="received_by" value=received form=form/>
                })}
                {matches!(action, A::Store | A::SendOffsite).then(|| view! {
                    <Field label="media.retention_until" name="retention_until" value=retention form=form check=retention_check kind="date"/>
                })}
                {is_move.then(|| view! {
                    <Field label="media.occurred_at" name="occurred_at" value=occurred form=form check=occurred_check kind="datetime-local" hint="media.occurred_hint"/>
                })}
                <Field label="media.note" name="note" value=note form=form check=note_check/>
            </div>
            <FormError form=form placed=ACTION_FIELDS/>
            <div class="button-row">
                <button type="submit" class:danger=destroying disabled=move || form.busy()>
                    {move || enum_label("media_action", action.as_str())}
                </button>
                <button type="button" class="secondary" on:click=move |_| cancel.run(())>{tr("common.cancel")}</button>
            </div>
        </form>
    }
}

/// The custody timeline, oldest first.
#[component]
fn Custody(records: Vec<CustodyRecordDto>) -> impl IntoView {
    if records.is_empty() {
        return view! { <Empty key="media.no_custody"/> }.into_any();
    }
    let items = records
        .into_iter()
        .map(|record| {
            let action = record.action.as_str();
            let change = |from: &str, to: &str| match (from.is_empty(), from == to) {
                (_, true) => None,
                (true, false) => Some(to.to_owned()),
                (false, false) => Some(format!("{from} → {to}")),
            };
            let mut facts = Vec::new();
            if let Some(text) = change(&record.from_location, &record.to_location) {
                facts.push(format!("{}: {text}", t("media.location")));
            }
            if let Some(text) = change(&record.from_custodian, &record.to_custodian) {
                facts.push(format!("{}: {text}", t("media.custodian")));
            }
            for (key, who) in [
                ("media.handed_over_by", &record.handed_over_by),
                ("media.received_by", &record.received_by),
                ("media.recorded_by", &record.recorded_by),
            ] {
                if !who.is_empty() {
                    facts.push(format!("{}: {who}", t(key)));
                }
            }
            view! {
                <li data-action=action data-to-state=record.to_state.as_str()>
                    <span class="muted">{format::datetime(record.occurred_at)}</span> " "
                    <EnumBadge kind="media_action" value=action/> " "
                    {record.from_state.map(|from| view! { <EnumBadge kind="media_state" value=from.as_str()/> " → " })}
                    <EnumBadge kind="media_state" value=record.to_state.as_str()/>
                    {(!facts.is_empty()).then(|| view! { <div class="muted">{facts.join(" · ")}</div> })}
                    {(!record.note.is_empty()).then(|| view! { <div>{record.note.clone()}</div> })}
                </li>
            }
        })
        .collect_view();
    view! { <ol class="timeline" data-testid="custody-timeline">{items}</ol> }.into_any()
}

/// The backup runs that named this medium, with why a write was questionable.
#[component]
fn Runs(runs: Vec<MediumExecutionDto>) -> impl IntoView {
    if runs.is_empty() {
        return view! { <Empty key="media.no_runs"/> }.into_any();
    }
    let rows = runs
        .into_iter()
        .map(|run| {
            let result = ExecutionResult::parse(&run.result).map(ExecutionResult::as_str);
            let warning = run.warning.clone();
            view! {
                <tr data-execution-id=run.execution_id.to_string()>
                    <td>"#" {run.execution_id}</td>
                    <td><a href=format!("/jobs/{}", run.job_id)>{run.job_name.clone()}</a></td>
                    <td>{result.map(|result| view! { <EnumBadge kind="result" value=result/> })}</td>
                    <td>{format::maybe_datetime(run.finished_at)}</td>
                    <td class="bad">{move || warning.as_deref().map(rule_text)}</td>
                </tr>
            }
        })
        .collect_view()
        .into_any();
    data_table(
        "medium-runs",
        &["common.id", "executions.job", "executions.result", "executions.finished", "media.warning"],
        rows,
    )
    .into_any()
}
