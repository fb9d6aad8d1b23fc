//! Forms: their state (derived from the `Submit` that sends them), labelled fields that
//! show both as-you-type checks and the server's field errors, and the "New …" create form.

use leptos::prelude::*;

use crate::api::ApiError;
use crate::i18n::{self, enum_label, tr};

use super::fetch::{Submit, SubmitState};
use super::status::ErrorBox;

/// A form's state, derived from the `Submit` that sends it: whether it is in flight, the
/// server's last refusal (field violations leave a field once it is edited), and whether
/// the person has tried to submit since the last successful save (so untouched empty
/// fields show their errors).
#[derive(Clone, Copy)]
pub struct FormState {
    busy: Signal<bool>,
    answers: Signal<usize>,
    refusal: Signal<Option<ApiError>>,
    /// The number of answers when submit was last pressed.
    attempted_at: RwSignal<Option<usize>>,
    /// Fields edited since the answer with this number.
    edited: RwSignal<(usize, Vec<&'static str>)>,
}

impl FormState {
    /// The state of the form that `submit` sends.
    pub fn new<I, O>(submit: Submit<I, O>) -> Self {
        Self::of(submit.state())
    }

    fn of(submit: SubmitState) -> Self {
        Self {
            busy: submit.pending().into(),
            answers: submit.version().into(),
            refusal: Signal::derive(move || submit.error()),
            attempted_at: RwSignal::new(None),
            edited: RwSignal::new((0, Vec::new())),
        }
    }

    /// Records a submit attempt (call before the client-side checks).
    pub fn attempt(&self) {
        self.attempted_at.set(Some(self.answers.get_untracked()));
    }

    /// Submit was pressed, and no save has succeeded since.
    pub fn attempted(&self) -> bool {
        match self.attempted_at.get() {
            None => false,
            Some(at) => at == self.answers.get() || self.refusal.with(Option::is_some),
        }
    }

    /// A request is in flight.
    pub fn busy(&self) -> bool {
        self.busy.get()
    }

    /// The server's message for `field` in the person's language (until the field is edited).
    pub fn server_error(&self, field: &str) -> Option<String> {
        let edited = self.edited.with(|(at, fields)| *at == self.answers.get() && fields.contains(&field));
        if edited {
            return None;
        }
        self.refusal.with(|error| {
            error.as_ref().and_then(|error| error.violation(field)).map(|v| i18n::violation_message(i18n::current(), v))
        })
    }

    /// The server's refusal when it names no field (shown above the buttons).
    pub fn general_error(&self) -> Option<ApiError> {
        self.refusal.get().filter(|error| error.details.is_empty() || error.code.is_none())
    }

    /// The server's refusal when it names a field the form does not show (an item of a list,
    /// say `email.to_addresses[2]`): shown above the buttons so it is not lost.
    pub fn unplaced(&self, placed: &'static [&'static str]) -> Option<ApiError> {
        self.refusal.get().filter(|error| error.details.iter().any(|detail| !placed.contains(&detail.field.as_str())))
    }

    /// Forgets the server's complaint about `field` once the person edits it.
    pub fn clear_field(&self, field: &'static str) {
        let answers = self.answers.get_untracked();
        let known = self.edited.with_untracked(|(at, fields)| *at == answers && fields.contains(&field));
        if !known {
            self.edited.update(|(at, fields)| {
                if *at != answers {
                    *at = answers;
                    fields.clear();
                }
                fields.push(field);
            });
        }
    }
}

/// The form's general error (one that names no field shown on the form).
#[component]
pub fn FormError(
    form: FormState,
    /// The fields the form shows: a refusal naming any other field is shown here too
    /// (empty: not checked).
    #[prop(optional)]
    placed: &'static [&'static str],
) -> impl IntoView {
    move || {
        form.general_error()
            .or_else(|| if placed.is_empty() { None } else { form.unplaced(placed) })
            .map(|error| view! { <ErrorBox error=error/> })
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
    /// Runs after each edit (with the bound value already updated).
    #[prop(optional)]
    on_edit: Option<Callback<()>>,
) -> impl IntoView {
    let touched = RwSignal::new(false);
    let id = format!("f-{}", name.replace('.', "-"));
    let error_id = format!("{id}-error");
    let message = Signal::derive(move || {
        let client = check.and_then(|check| check.get()).filter(|_| touched.get() || form.attempted());
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
                    if let Some(on_edit) = on_edit {
                        on_edit.run(());
                    }
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

/// The wire spellings of a `wire_enum!` type, for `enum_options`.
pub fn wire_names<E: Copy>(all: &'static [E], as_str: fn(E) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|item| as_str(*item)).collect()
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
    /// As a list filter: the list's page, sent back to 1 in the same update as the value
    /// (so the list asks for page 1 of the new selection, and only that).
    #[prop(optional)]
    resets_page: Option<RwSignal<u32>>,
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
                    if let Some(page) = resets_page {
                        page.set(1);
                    }
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
    /// As a list filter: the list's page, sent back to 1 in the same update as the value.
    #[prop(optional)]
    resets_page: Option<RwSignal<u32>>,
) -> impl IntoView {
    let id = format!("f-{name}");
    view! {
        <div class="field check">
            <input
                id=id.clone()
                name=name
                type="checkbox"
                prop:checked=move || value.get()
                on:change=move |ev| {
                    value.set(event_target_checked(&ev));
                    if let Some(page) = resets_page {
                        page.set(1);
                    }
                }
            />
            <label for=id>{tr(label)}</label>
        </div>
    }
}

/// A labelled multi-line text input (e-mail recipients, a PEM certificate, a note).
#[component]
pub fn TextAreaField(
    /// Catalog key of the label.
    label: &'static str,
    /// The API field name (also the element id suffix).
    name: &'static str,
    /// The bound value.
    value: RwSignal<String>,
    /// The form this field belongs to.
    #[prop(optional)]
    form: Option<FormState>,
    /// Catalog key of a hint under the field.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// Placeholder text (not translated: examples).
    #[prop(optional)]
    placeholder: &'static str,
    /// Visible lines.
    #[prop(default = 3)]
    rows: u32,
    /// A `data-testid` for browser tests.
    #[prop(optional)]
    testid: &'static str,
    /// The as-you-type check, already translated (shown once a submit was attempted).
    #[prop(optional, into)]
    check: Option<Signal<Option<String>>>,
) -> impl IntoView {
    let id = format!("f-{}", name.replace('.', "-"));
    let message = Signal::derive(move || {
        let form = form?;
        check.and_then(|check| check.get()).filter(|_| form.attempted()).or_else(|| form.server_error(name))
    });
    view! {
        <div class="field" class:invalid=move || message.with(Option::is_some)>
            <label for=id.clone()>{tr(label)}</label>
            <textarea
                id=id
                name=name
                rows=rows
                placeholder=placeholder
                data-testid=testid
                prop:value=move || value.get()
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    if let Some(form) = form {
                        form.clear_field(name);
                    }
                }
            ></textarea>
            {hint.map(|hint| view! { <small class="hint">{tr(hint)}</small> })}
            <small class="field-error" aria-live="polite">{move || message.get().unwrap_or_default()}</small>
        </div>
    }
}

/// A fieldset of checkboxes choosing several values (`(value, label)` options).
#[component]
pub fn MultiCheck(
    /// Catalog key of the legend.
    label: &'static str,
    /// The API field name (element ids are `f-{name}-{value}`).
    name: &'static str,
    /// The chosen values.
    value: RwSignal<Vec<String>>,
    /// `(value, label)` pairs.
    options: Signal<Vec<(String, String)>>,
    /// The form, when the field is part of one.
    #[prop(optional)]
    form: Option<FormState>,
    /// Catalog key of a hint under the boxes.
    #[prop(optional)]
    hint: Option<&'static str>,
) -> impl IntoView {
    let message = Signal::derive(move || form.and_then(|form| form.server_error(name)));
    view! {
        <fieldset class="multi-check" class:invalid=move || message.with(Option::is_some) data-field=name>
            <legend>{tr(label)}</legend>
            <div class="checks">
                {move || {
                    options
                        .get()
                        .into_iter()
                        .map(|(option, text)| {
                            let id = format!("f-{name}-{option}");
                            let key = option.clone();
                            let probe = option.clone();
                            let checked = move || value.with(|chosen| chosen.contains(&probe));
                            view! {
                                <label class="inline" for=id.clone()>
                                    <input
                                        id=id.clone()
                                        type="checkbox"
                                        value=option
                                        prop:checked=checked
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            value.update(|chosen| {
                                                chosen.retain(|item| *item != key);
                                                if on {
                                                    chosen.push(key.clone());
                                                }
                                            });
                                            if let Some(form) = form {
                                                form.clear_field(name);
                                            }
                                        }
                                    />
                                    {text}
                                </label>
                            }
                        })
                        .collect_view()
                }}
            </div>
            {hint.map(|hint| view! { <small class="hint">{tr(hint)}</small> })}
            <small class="field-error" aria-live="polite">{move || message.get().unwrap_or_default()}</small>
        </fieldset>
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
    /// The fields the form shows (see `FormError`).
    #[prop(optional)]
    placed: &'static [&'static str],
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
                <FormError form=form placed=placed/>
                <div class="button-row">
                    <button type="submit" disabled=move || form.busy()>{tr("common.create")}</button>
                    <button type="button" class="secondary" on:click=move |_| open.set(false)>{tr("common.cancel")}</button>
                </div>
            </form>
        </Show>
    }
}
