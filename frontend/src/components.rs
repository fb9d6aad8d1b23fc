//! Building blocks shared by the screens: badges, the loading / empty / error states,
//! pagination, labelled form fields that show both as-you-type checks and the server's
//! field errors, and a copy-to-clipboard button.

use bms_types::PageMeta;
use bms_types::jobs::{ComplianceStatusDto, JobStateDto, RuleOutcomeDto};
use leptos::prelude::*;

use crate::api::ApiError;
use crate::i18n::{self, enum_label, enum_tr, t, t_with, tr};

/// A job's state as a coloured badge.
#[component]
pub fn StateBadge(state: JobStateDto) -> impl IntoView {
    let value = state.as_str();
    view! { <span class=format!("badge state-{value}")>{enum_tr("state", value)}</span> }
}

/// A compliance status as a coloured badge.
#[component]
pub fn ComplianceBadge(status: ComplianceStatusDto) -> impl IntoView {
    let value = status.as_str();
    view! { <span class=format!("badge compliance-{value}")>{enum_tr("compliance", value)}</span> }
}

/// A rule outcome as a coloured badge.
#[component]
pub fn OutcomeBadge(outcome: RuleOutcomeDto) -> impl IntoView {
    let value = outcome.as_str();
    view! { <span class=format!("badge outcome-{value}")>{enum_tr("outcome", value)}</span> }
}

/// A result (success, failed...) as a coloured badge.
#[component]
pub fn ResultBadge(result: &'static str) -> impl IntoView {
    view! { <span class=format!("badge result-{result}")>{enum_tr("result", result)}</span> }
}

/// Shown while something loads.
#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="loading" role="status" aria-live="polite">{tr("common.loading")}</p> }
}

/// Shown when a list has nothing in it.
#[component]
pub fn Empty(key: &'static str) -> impl IntoView {
    view! { <p class="empty">{tr(key)}</p> }
}

/// What went wrong, in the person's language, with the status for support.
#[component]
pub fn ErrorBox(error: ApiError) -> impl IntoView {
    let status = error.status;
    view! {
        <div class="error-box" role="alert">
            <strong>{move || i18n::error_message(&error)}</strong>
            {(status > 0).then(|| view! { <span class="muted">" (HTTP " {status} ")"</span> })}
        </div>
    }
}

/// Renders a loaded value, or the loading / error state.
pub fn loaded<T: 'static, V: IntoView + 'static>(
    state: Option<Result<T, ApiError>>,
    render: impl FnOnce(T) -> V,
) -> AnyView {
    match state {
        None => view! { <Loading/> }.into_any(),
        Some(Err(error)) => view! { <ErrorBox error=error/> }.into_any(),
        Some(Ok(value)) => render(value).into_any(),
    }
}

/// The page shown for a screen the person's role may not use.
#[component]
pub fn Forbidden() -> impl IntoView {
    view! {
        <section class="panel">
            <h1>{tr("forbidden.title")}</h1>
            <div class="error-box" role="alert">{tr("error.forbidden")} " (HTTP 403)"</div>
        </section>
    }
}

/// Previous / next and "page x of y (n items)".
#[component]
pub fn Pagination(meta: PageMeta, page: RwSignal<u32>) -> impl IntoView {
    let total_pages = meta.total_pages.max(1);
    let current = meta.page;
    view! {
        <nav class="pagination" aria-label=tr("pagination.label")>
            <button
                type="button"
                disabled=move || { current <= 1 }
                on:click=move |_| page.update(|p| *p = p.saturating_sub(1).max(1))
            >
                {tr("pagination.previous")}
            </button>
            <span>
                {move || {
                    t_with(
                        "pagination.status",
                        &[
                            ("page", current.to_string()),
                            ("pages", total_pages.to_string()),
                            ("total", meta.total.to_string()),
                        ],
                    )
                }}
            </span>
            <button
                type="button"
                disabled=move || { u64::from(current) >= total_pages }
                on:click=move |_| page.update(|p| *p += 1)
            >
                {tr("pagination.next")}
            </button>
        </nav>
    }
}

/// Per-form state: the last server error (with field violations), whether the person has
/// tried to submit (so untouched empty fields show their errors), and whether a request is
/// in flight.
#[derive(Clone, Copy)]
pub struct FormState {
    /// The server's last answer when it was an error.
    pub server: RwSignal<Option<ApiError>>,
    /// Set on the first submit attempt.
    pub attempted: RwSignal<bool>,
    /// A request is in flight.
    pub busy: RwSignal<bool>,
}

impl FormState {
    /// A fresh form.
    pub fn new() -> Self {
        Self { server: RwSignal::new(None), attempted: RwSignal::new(false), busy: RwSignal::new(false) }
    }

    /// The server's message for `field` in the person's language.
    pub fn server_error(&self, field: &str) -> Option<String> {
        self.server.with(|error| {
            error.as_ref().and_then(|error| error.violation(field)).map(|v| i18n::violation_message(i18n::current(), v))
        })
    }

    /// After a successful submit: no error, and untouched fields stop showing checks.
    pub fn succeeded(&self) {
        self.attempted.set(false);
        self.server.set(None);
    }

    /// Forgets the server's complaint about `field` once the person edits it.
    pub fn clear_field(&self, field: &str) {
        let has = self.server.with_untracked(|error| error.as_ref().is_some_and(|e| e.violation(field).is_some()));
        if has {
            self.server.update(|error| {
                if let Some(error) = error {
                    error.details.retain(|detail| detail.field != field);
                }
            });
        }
    }
}

impl Default for FormState {
    fn default() -> Self {
        Self::new()
    }
}

/// The form's general error (one that names no field shown on the form).
#[component]
pub fn FormError(form: FormState) -> impl IntoView {
    move || {
        form.server.get().filter(|error| error.details.is_empty() || error.code.is_none()).map(|error| {
            view! { <ErrorBox error=error/> }
        })
    }
}

/// A labelled text input. `check` is the as-you-type rule (shown once the field was edited
/// or a submit was attempted); the server's violation for `name` is shown otherwise.
#[component]
pub fn Field(
    /// Catalog key of the label.
    label: &'static str,
    /// The API field name (also the element id suffix).
    name: &'static str,
    /// The bound value.
    value: RwSignal<String>,
    /// The form this field belongs to.
    form: FormState,
    /// The as-you-type check, already translated.
    #[prop(optional, into)]
    check: Option<Signal<Option<String>>>,
    /// `text`, `password`, `email`, `number`...
    #[prop(default = "text")]
    kind: &'static str,
    /// Catalog key of a hint under the field.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// The browser's autocomplete token.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// Placeholder text (not translated: examples such as `0 2 * * *`).
    #[prop(optional)]
    placeholder: &'static str,
    /// Marks the field as required for assistive technology.
    #[prop(optional)]
    required: bool,
) -> impl IntoView {
    let touched = RwSignal::new(false);
    let id = format!("f-{}", name.replace('.', "-"));
    let error_id = format!("{id}-error");
    let message = Signal::derive(move || {
        let client = check.and_then(|check| check.get()).filter(|_| touched.get() || form.attempted.get());
        client.or_else(|| form.server_error(name))
    });
    view! {
        <div class="field" class:invalid=move || message.with(Option::is_some)>
            <label for=id.clone()>{tr(label)}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                placeholder=placeholder
                required=required
                aria-invalid=move || if message.with(Option::is_some) { "true" } else { "false" }
                aria-describedby=error_id.clone()
                prop:value=move || value.get()
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    touched.set(true);
                    form.clear_field(name);
                }
            />
            {hint.map(|hint| view! { <small class="hint">{tr(hint)}</small> })}
            <small class="field-error" id=error_id aria-live="polite">
                {move || message.get().unwrap_or_default()}
            </small>
        </div>
    }
}

/// Options for a select, relabelled on a language switch.
pub fn enum_options(kind: &'static str, values: Vec<&'static str>) -> Signal<Vec<(String, String)>> {
    Signal::derive(move || values.iter().map(|value| ((*value).to_owned(), enum_label(kind, value))).collect())
}

/// A labelled select; an empty `blank` key adds a first "any" option.
#[component]
pub fn SelectField(
    /// Catalog key of the label.
    label: &'static str,
    /// The API field name.
    name: &'static str,
    /// The bound value (the option's wire value).
    value: RwSignal<String>,
    /// `(value, label)` pairs.
    options: Signal<Vec<(String, String)>>,
    /// The form, when the field is part of one.
    #[prop(optional)]
    form: Option<FormState>,
    /// Catalog key of an extra first option with the empty value ("any").
    #[prop(optional)]
    blank: Option<&'static str>,
) -> impl IntoView {
    let id = format!("f-{name}");
    let message = Signal::derive(move || form.and_then(|form| form.server_error(name)));
    view! {
        <div class="field" class:invalid=move || message.with(Option::is_some)>
            <label for=id.clone()>{tr(label)}</label>
            <select
                id=id
                name=name
                on:change=move |ev| {
                    value.set(event_target_value(&ev));
                    if let Some(form) = form {
                        form.clear_field(name);
                    }
                }
            >
                {blank.map(|blank| view! { <option value="" selected=move || value.get().is_empty()>{tr(blank)}</option> })}
                {move || {
                    options
                        .get()
                        .into_iter()
                        .map(|(option, text)| {
                            let selected = value.get() == option;
                            view! { <option value=option selected=selected>{text}</option> }
                        })
                        .collect_view()
                }}
            </select>
            <small class="field-error" aria-live="polite">{move || message.get().unwrap_or_default()}</small>
        </div>
    }
}

/// A labelled checkbox.
#[component]
pub fn CheckField(
    /// Catalog key of the label.
    label: &'static str,
    /// The API field name.
    name: &'static str,
    /// The bound value.
    value: RwSignal<bool>,
) -> impl IntoView {
    let id = format!("f-{name}");
    view! {
        <div class="field check">
            <input
                id=id.clone()
                name=name
                type="checkbox"
                prop:checked=move || value.get()
                on:change=move |ev| value.set(event_target_checked(&ev))
            />
            <label for=id>{tr(label)}</label>
        </div>
    }
}

/// Copies `text` to the clipboard and says so. Browsers offer the clipboard API only on
/// HTTPS and localhost; elsewhere (plain HTTP on a LAN address) calling it would throw, so
/// the button says to copy by hand instead (the text is shown selectable next to it).
#[component]
pub fn CopyButton(#[prop(into)] text: Signal<String>) -> impl IntoView {
    let state = RwSignal::new("common.copy");
    let copy = move |_| {
        let value = text.get_untracked();
        let Some(navigator) = web_sys::window().map(|window| window.navigator()) else { return };
        let available = js_sys::Reflect::get(&navigator, &"clipboard".into()).is_ok_and(|value| !value.is_undefined());
        if !available {
            state.set("common.copy_manual");
            return;
        }
        let promise = navigator.clipboard().write_text(&value);
        leptos::task::spawn_local(async move {
            let copied = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
            state.set(if copied { "common.copied" } else { "common.copy_manual" });
        });
    };
    view! {
        <button type="button" class="secondary" on:click=copy>
            {move || t(state.get())}
        </button>
    }
}

/// The wire spellings of a `wire_enum!` type, for `enum_options`.
pub fn wire_names<E: Copy>(all: &'static [E], as_str: fn(E) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|item| as_str(*item)).collect()
}

/// A loaded page of items as a table: the loading and error states, the empty message,
/// the header row (catalog keys; `""` for an unlabelled column), one row per item and the
/// pagination.
pub fn paged_table<T: 'static, R: IntoView + 'static>(
    state: Option<Result<(Vec<T>, PageMeta), ApiError>>,
    page: RwSignal<u32>,
    empty_key: &'static str,
    class: &'static str,
    headers: &'static [&'static str],
    row: impl Fn(T) -> R + 'static,
) -> AnyView {
    loaded(state, move |(items, meta)| {
        if items.is_empty() {
            return view! { <Empty key=empty_key/> }.into_any();
        }
        let head =
            headers
                .iter()
                .map(|key| {
                    if key.is_empty() {
                        view! { <th></th> }.into_any()
                    } else {
                        view! { <th>{tr(key)}</th> }.into_any()
                    }
                })
                .collect_view();
        view! {
            <div class="table-wrap">
                <table class=class>
                    <thead><tr>{head}</tr></thead>
                    <tbody>{items.into_iter().map(row).collect_view()}</tbody>
                </table>
            </div>
            <Pagination meta=meta page=page/>
        }
        .into_any()
    })
}

/// A labelled date input for list filters.
#[component]
pub fn DateFilter(id: &'static str, label: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{tr(label)}</label>
            <input id=id type="date" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
        </div>
    }
}

/// A "New …" button that opens a create form: title, the fields (children), the form's
/// general error, Create and Cancel.
#[component]
pub fn CreateForm(
    /// Whether the form is shown instead of the button.
    open: RwSignal<bool>,
    /// Element id of the button.
    button_id: &'static str,
    /// Element id of the form.
    form_id: &'static str,
    /// Catalog key of the button and the form's title.
    title: &'static str,
    /// The form's state.
    form: FormState,
    /// Runs on submit (the default action is already prevented).
    on_submit: Callback<leptos::ev::SubmitEvent>,
    /// The fields.
    children: ChildrenFn,
) -> impl IntoView {
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        on_submit.run(ev);
    };
    view! {
        <Show
            when=move || open.get()
            fallback=move || view! { <button type="button" id=button_id on:click=move |_| open.set(true)>{tr(title)}</button> }
        >
            <form class="panel inset" id=form_id on:submit=submit novalidate=true>
                <h2>{tr(title)}</h2>
                {children()}
                <FormError form=form/>
                <div class="button-row">
                    <button type="submit" disabled=move || form.busy.get()>{tr("common.create")}</button>
                    <button type="button" class="secondary" on:click=move |_| open.set(false)>{tr("common.cancel")}</button>
                </div>
            </form>
        </Show>
    }
}

/// A secret shown once (a new API key, a temporary password) with a copy button.
#[component]
pub fn SecretNotice(
    /// Catalog key of the sentence above the secret.
    message: &'static str,
    /// Its placeholder name, filled with `label`.
    param: &'static str,
    /// What the secret belongs to (key name, username).
    label: String,
    /// The secret.
    secret: String,
    /// Element id of the secret (tests read it).
    code_id: &'static str,
) -> impl IntoView {
    let shown = secret.clone();
    view! {
        <div class="notice secret" role="status">
            <p>{move || t_with(message, &[(param, label.clone())])}</p>
            <code id=code_id>{shown}</code>
            <CopyButton text=secret/>
        </div>
    }
}

/// Asks the browser's confirm dialog.
pub fn confirm(message: &str) -> bool {
    web_sys::window().and_then(|window| window.confirm_with_message(message).ok()).unwrap_or(false)
}

/// Sends a change; on success reloads what depends on `version`, on failure shows the
/// error in `error`.
pub fn run_then_reload<T: 'static>(
    request: impl std::future::Future<Output = Result<T, ApiError>> + 'static,
    version: RwSignal<u32>,
    error: RwSignal<Option<ApiError>>,
) {
    leptos::task::spawn_local(async move {
        match request.await {
            Ok(_) => version.update(|v| *v += 1),
            Err(failure) => error.set(Some(failure)),
        }
    });
}

/// Runs `tick` every `period` while the calling component is mounted.
pub fn every(period: std::time::Duration, tick: impl Fn() + 'static) {
    let timer = set_interval_with_handle(tick, period);
    on_cleanup(move || {
        if let Ok(timer) = timer {
            timer.clear();
        }
    });
}
