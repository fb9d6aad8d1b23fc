//! Offline media: the inventory (filters, the table shared with the job page, a selection
//! to print labels from), the medium form (new, or the descriptive fields of one), the CSV
//! import (a dry run first, then the import; a refused file as a table of its bad cells),
//! and the printable label sheet.

use bms_types::media::{CreateMediumRequest, ListMediaQuery, MediaKind, MediaState, MediumDto, UpdateMediumRequest};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query};
use leptos_router::params::Params;

use crate::api::{self, ApiError};
use crate::app::use_session;
use crate::components::{
    CheckField, Empty, EnumBadge, ErrorBox, Fetch, Field, FormError, FormState, Pagination, SelectField, Submit,
    TextAreaField, chosen_files, data_table, enum_options, loaded, wire_names,
};
use crate::format;
use crate::i18n::{self, enum_label, t, t_with, tr};
use crate::validate;

/// `LTO-9`, or the kind's label.
pub fn kind_label(medium: &MediumDto) -> String {
    match (medium.media_kind, medium.lto_generation) {
        (MediaKind::Lto, Some(generation)) => format!("LTO-{generation}"),
        (kind, _) => enum_label("media_kind", kind.as_str()),
    }
}

/// Media as a table; with `selected`, each row gets a checkbox (labels to print).
#[component]
pub fn MediaTable(media: Vec<MediumDto>, #[prop(optional)] selected: Option<RwSignal<Vec<i64>>>) -> impl IntoView {
    const HEADERS: &[&str] = &[
        "media.label",
        "media.kind",
        "media.state",
        "media.location",
        "media.custodian",
        "media.retention_until",
        "media.rotation_set",
    ];
    const SELECTABLE: &[&str] = &[
        "",
        "media.label",
        "media.kind",
        "media.state",
        "media.location",
        "media.custodian",
        "media.retention_until",
        "media.rotation_set",
    ];
    let rows = media
        .into_iter()
        .map(|medium| {
            let (id, label, kind) = (medium.id, medium.label.clone(), kind_label(&medium));
            let state = medium.state.as_str();
            let check = selected.map(|selected| {
                view! {
                    <td>
                        <input
                            type="checkbox"
                            aria-label=tr("media.select")
                            data-testid="medium-select"
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
                    </td>
                }
            });
            view! {
                <tr data-medium-id=id.to_string() data-state=state>
                    {check}
                    <td>
                        <a href=format!("/media/{id}")>{label}</a>
                        {medium.barcode.clone().map(|code| view! { " " <span class="muted">{code}</span> })}
                    </td>
                    <td>{kind}</td>
                    <td>
                        <EnumBadge kind="media_state" value=state/>
                        {medium.overdue.then(|| view! { " " <span class="badge overdue">{tr("media.overdue")}</span> })}
                    </td>
                    <td>{medium.location.clone()}</td>
                    <td>{medium.custodian.clone()}</td>
                    <td>{format::maybe_date(medium.retention_until)}</td>
                    <td>{medium.rotation_set.clone().unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view()
        .into_any();
    data_table("media", if selected.is_some() { SELECTABLE } else { HEADERS }, rows)
}

/// The inventory.
#[component]
pub fn MediaPage() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let search = RwSignal::new(String::new());
    let state = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let location = RwSignal::new(String::new());
    let overdue = RwSignal::new(false);
    // Every filter below sets the page back to 1 as it changes (see `components::lists`).
    let page = RwSignal::new(1u32);
    let selected = RwSignal::new(Vec::<i64>::new());
    let creating = RwSignal::new(false);
    let changed = Trigger::new();
    let media = Fetch::new(move || {
        changed.track();
        let query = ListMediaQuery {
            page: Some(page.get()),
            per_page: Some(50),
            q: validate::optional_text(&search.get()),
            state: MediaState::parse(&state.get()),
            media_kind: MediaKind::parse(&kind.get()),
            location: validate::optional_text(&location.get()),
            overdue: overdue.get().then_some(true),
            copy_id: None,
        };
        async move { api::list_media(&query).await }
    });
    let print = move |_| {
        let ids = selected.get_untracked().iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        navigate(&format!("/media/labels?ids={ids}"), Default::default());
    };
    let text_filter = move |id: &'static str, label: &'static str, value: RwSignal<String>| {
        view! {
            <div class="field">
                <label for=id>{tr(label)}</label>
                <input id=id type="search" prop:value=move || value.get()
                    on:input=move |ev| { value.set(event_target_value(&ev)); page.set(1); }/>
            </div>
        }
    };
    view! {
        <section>
            <div class="page-head">
                <h1>{tr("media.title")}</h1>
                <div class="page-actions">
                    <button type="button" data-testid="media-print-selected" disabled=move || selected.with(Vec::is_empty) on:click=print>
                        {move || t_with("media.print_selected", &[("count", selected.with(Vec::len).to_string())])}
                    </button>
                    <a href="/media/rotations" class="button secondary">{tr("rotation.title")}</a>
                </div>
            </div>
            {session.can_operate().then(|| view! {
                <div class="button-row">
                    {move || if creating.get() {
                        view! {
                            <MediumForm medium=None
                                on_saved=Callback::new(move |_| { creating.set(false); changed.notify(); })
                                on_cancel=Callback::new(move |()| creating.set(false))/>
                        }.into_any()
                    } else {
                        view! { <button type="button" id="new-medium" on:click=move |_| creating.set(true)>{tr("media.new")}</button> }.into_any()
                    }}
                </div>
                <ImportMedia on_imported=Callback::new(move |()| changed.notify())/>
            })}
            <form class="filters" role="search" on:submit=|ev| ev.prevent_default()>
                {text_filter("f-q", "common.search", search)}
                <SelectField label="media.state" name="state" value=state blank="common.any" resets_page=page
                    options=enum_options("media_state", wire_names(MediaState::ALL, MediaState::as_str))/>
                <SelectField label="media.kind" name="media_kind" value=kind blank="common.any" resets_page=page
                    options=enum_options("media_kind", wire_names(MediaKind::ALL, MediaKind::as_str))/>
                {text_filter("f-location", "media.location", location)}
                <CheckField label="media.overdue_only" name="overdue" value=overdue resets_page=page/>
            </form>
            {move || loaded(media.get(), move |list| {
                if list.data.is_empty() {
                    return view! { <Empty key="media.empty"/> }.into_any();
                }
                let meta = list.meta;
                view! { <MediaTable media=list.data selected=selected/><Pagination meta=meta page=page/> }.into_any()
            })}
        </section>
    }
}

/// A medium to create, or the changed descriptive fields of one.
#[derive(Clone)]
enum MediumSave {
    Create(CreateMediumRequest),
    Update(i64, UpdateMediumRequest),
}

/// The fields the medium form shows.
const MEDIUM_FIELDS: &[&str] = &[
    "label",
    "barcode",
    "media_kind",
    "lto_generation",
    "capacity_bytes",
    "serial",
    "purchase_date",
    "retention_until",
    "state",
    "location",
    "custodian",
    "notes",
    "copy_id",
];

/// The medium form: a new medium (`None`), or the descriptive fields of one (its state,
/// location and custodian change through moves, on its page).
#[component]
pub fn MediumForm(medium: Option<MediumDto>, on_saved: Callback<MediumDto>, on_cancel: Callback<()>) -> impl IntoView {
    let existing = medium.as_ref().map(|medium| medium.id);
    let text = |value: Option<String>| RwSignal::new(value.unwrap_or_default());
    let m = medium.as_ref();
    let label = text(m.map(|m| m.label.clone()));
    let barcode = text(m.and_then(|m| m.barcode.clone()));
    let kind = RwSignal::new(m.map_or("lto", |m| m.media_kind.as_str()).to_owned());
    let generation = text(m.and_then(|m| m.lto_generation).map(|g| g.to_string()));
    let capacity = text(m.and_then(|m| m.capacity_bytes).map(|b| b.to_string()));
    let serial = text(m.map(|m| m.serial.clone()));
    let purchased = text(m.and_then(|m| m.purchase_date).map(|d| d.to_string()));
    let encrypted = RwSignal::new(m.is_some_and(|m| m.encrypted));
    let retention = text(m.and_then(|m| m.retention_until).map(|d| d.to_string()));
    let state = RwSignal::new(MediaState::Available.as_str().to_owned());
    let location = text(None);
    let custodian = text(None);
    let notes = text(m.map(|m| m.notes.clone()));
    let copy = text(m.and_then(|m| m.copy_id).map(|id| id.to_string()));
    let save = Submit::new(move |change: &MediumSave| {
        let change = change.clone();
        async move {
            let medium = match change {
                MediumSave::Create(request) => api::create_medium(&request).await?,
                MediumSave::Update(id, request) => api::update_medium(id, &request).await?,
            };
            on_saved.run(medium.clone());
            Ok::<_, ApiError>(medium)
        }
    });
    let form = FormState::new(save);
    let message = |check: Option<validate::Check>| check.map(|check| check.message());
    let label_check = Signal::derive(move || message(validate::required_text(&label.get(), 64)));
    let generation_check = Signal::derive(move || {
        (kind.get() == MediaKind::Lto.as_str())
            .then(|| message(validate::optional_number(&generation.get(), 1, 12)))
            .flatten()
    });
    let capacity_check = Signal::derive(move || message(validate::capacity(&capacity.get())));
    let purchased_check = Signal::derive(move || message(validate::optional_date(&purchased.get())));
    let retention_check = Signal::derive(move || message(validate::optional_date(&retention.get())));
    let copy_check = Signal::derive(move || message(validate::optional_number(&copy.get(), 1, i64::MAX)));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.attempt();
        let checks = [label_check, generation_check, capacity_check, purchased_check, retention_check, copy_check];
        if checks.iter().any(|check| check.get_untracked().is_some()) {
            return;
        }
        let Some(media_kind) = MediaKind::parse(&kind.get_untracked()) else { return };
        let lto_generation = (media_kind == MediaKind::Lto)
            .then(|| validate::parse_optional(&generation.get_untracked()).and_then(|g| i32::try_from(g).ok()))
            .flatten();
        let capacity_bytes = validate::parse_capacity(&capacity.get_untracked());
        let purchase_date = format::parse_date(&purchased.get_untracked());
        let retention_until = format::parse_date(&retention.get_untracked());
        let copy_id = validate::parse_optional(&copy.get_untracked());
        let change = match existing {
            None => MediumSave::Create(CreateMediumRequest {
                label: label.get_untracked().trim().to_owned(),
                barcode: validate::optional_text(&barcode.get_untracked()),
                media_kind: Some(media_kind),
                lto_generation,
                capacity_bytes,
                serial: validate::optional_text(&serial.get_untracked()),
                purchase_date,
                encrypted: Some(encrypted.get_untracked()),
                retention_until,
                state: MediaState::parse(&state.get_untracked()),
                location: validate::optional_text(&location.get_untracked()),
                custodian: validate::optional_text(&custodian.get_untracked()),
                notes: validate::optional_text(&notes.get_untracked()),
                copy_id,
            }),
            // Every field is sent: an emptied one is cleared (`null`), not kept.
            Some(id) => MediumSave::Update(
                id,
                UpdateMediumRequest {
                    label: Some(label.get_untracked().trim().to_owned()),
                    barcode: Some(validate::optional_text(&barcode.get_untracked())),
                    media_kind: Some(media_kind),
                    lto_generation: Some(lto_generation),
                    capacity_bytes: Some(capacity_bytes),
                    serial: Some(serial.get_untracked().trim().to_owned()),
                    purchase_date: Some(purchase_date),
                    encrypted: Some(encrypted.get_untracked()),
                    retention_until: Some(retention_until),
                    notes: Some(notes.get_untracked().trim().to_owned()),
                    copy_id: Some(copy_id),
                },
            ),
        };
        save.dispatch_local(change);
    };
    // A new medium starts available, or already stored / off site (existing media).
    let initial_states = enum_options("media_state", vec!["available", "stored", "offsite"]);
    view! {
        <form class="panel inset" id="medium-form" on:submit=submit novalidate=true>
            <h2>{tr(if existing.is_some() { "media.edit" } else { "media.new" })}</h2>
            <div class="form-grid">
                <Field label="media.label" name="label" value=label form=form check=label_check required=true placeholder="TAPE-0042"/>
                <Field label="media.barcode" name="barcode" value=barcode form=form/>
                <SelectField label="media.kind" name="media_kind" value=kind form=form
                    options=enum_options("media_kind", wire_names(MediaKind::ALL, MediaKind::as_str))/>
                {move || (kind.get() == MediaKind::Lto.as_str()).then(|| view! {
                    <Field label="media.lto_generation" name="lto_generation" value=generation form=form check=generation_check kind="number"/>
                })}
                <Field label="media.capacity" name="capacity_bytes" value=capacity form=form check=capacity_check placeholder="18 TB" hint="media.capacity_hint"/>
                <Field label="media.serial" name="serial" value=serial form=form/>
                <Field label="media.purchase_date" name="purchase_date" value=purchased form=form check=purchased_check kind="date"/>
                <Field label="media.retention_until" name="retention_until" value=retention form=form check=retention_check kind="date"/>
                <Field label="media.copy_id" name="copy_id" value=copy form=form check=copy_check kind="number" hint="media.copy_hint"/>
                {existing.is_none().then(|| view! {
                    <SelectField label="media.initial_state" name="state" value=state form=form options=initial_states/>
                    <Field label="media.location" name="location" value=location form=form/>
                    <Field label="media.custodian" name="custodian" value=custodian form=form/>
                })}
            </div>
            <CheckField label="media.encrypted" name="encrypted" value=encrypted/>
            <TextAreaField label="media.notes" name="notes" value=notes form=form/>
            <FormError form=form placed=MEDIUM_FIELDS/>
            <div class="button-row">
                <button type="submit" disabled=move || form.busy()>{tr(if existing.is_some() { "common.save" } else { "common.create" })}</button>
                <button type="button" class="secondary" on:click=move |_| on_cancel.run(())>{tr("common.cancel")}</button>
            </div>
        </form>
    }
}

/// `line[12].barcode` → (`12`, `barcode`); a field without a line stays whole.
fn import_cell(field: &str) -> (String, String) {
    field
        .strip_prefix("line[")
        .and_then(|rest| rest.split_once(']'))
        .map(|(line, column)| (line.to_owned(), column.trim_start_matches('.').to_owned()))
        .unwrap_or_else(|| (String::new(), field.to_owned()))
}

/// A refused import: the bad cells as a table (line, column, rule, message), or the error.
fn import_refusal(error: ApiError) -> AnyView {
    if error.details.is_empty() || error.code.is_none() {
        return view! { <ErrorBox error=error/> }.into_any();
    }
    let count = error.details.len();
    let rows = error
        .details
        .into_iter()
        .map(|detail| {
            let (line, column) = import_cell(&detail.field);
            let message = i18n::violation_message(i18n::current(), &detail);
            view! {
                <tr data-testid="import-error">
                    <td>{line}</td>
                    <td>{column}</td>
                    <td><code>{detail.rule}</code></td>
                    <td>{message}</td>
                </tr>
            }
        })
        .collect_view()
        .into_any();
    view! {
        <div class="error-box" role="alert">{move || t_with("media.import_refused", &[("count", count.to_string())])}</div>
        {data_table("import-errors", &["media.import_line", "media.import_column", "media.import_rule", "media.import_message"], rows)}
    }
    .into_any()
}

/// The CSV import: check the file (a dry run), then import the same text.
#[component]
fn ImportMedia(on_imported: Callback<()>) -> impl IntoView {
    let open = RwSignal::new(false);
    let csv = RwSignal::new(String::new());
    // The text the last dry run accepted: only that may be imported.
    let checked = RwSignal::new(None::<String>);
    let run = Submit::new(move |dry_run: &bool| {
        let (dry_run, text) = (*dry_run, csv.get_untracked());
        async move {
            let result = api::import_media(text.clone(), dry_run).await?;
            if dry_run {
                checked.set(Some(text));
            } else {
                checked.set(None);
                on_imported.run(());
            }
            Ok::<_, ApiError>(result)
        }
    });
    let file_input = NodeRef::<leptos::html::Input>::new();
    let load_file = move |_| {
        if let Some(file) = chosen_files(file_input).into_iter().next() {
            leptos::task::spawn_local(async move {
                if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    csv.set(text.as_string().unwrap_or_default());
                }
            });
        }
    };
    let may_import =
        move || checked.with(|checked| checked.as_deref() == Some(csv.get().as_str())) && !run.pending().get();
    view! {
        {move || if !open.get() {
            view! { <button type="button" class="secondary" id="import-media" on:click=move |_| open.set(true)>{tr("media.import")}</button> }.into_any()
        } else { view! {
            <section class="panel inset" data-testid="media-import">
                <h2>{tr("media.import")}</h2>
                <p class="hint">{tr("media.import_intro")}</p>
                <p><code>"label,barcode,media_kind,lto_generation,capacity,serial,purchase_date,encrypted,retention_until,state,location,custodian,notes"</code></p>
                <div class="field">
                    <label for="f-import-file">{tr("media.import_file")}</label>
                    <input id="f-import-file" type="file" accept=".csv,text/csv" node_ref=file_input on:change=load_file/>
                </div>
                <TextAreaField label="media.import_csv" name="csv" value=csv rows=8 testid="media-import-csv"/>
                <div class="button-row">
                    <button type="button" data-testid="media-import-check" disabled=move || run.pending().get() || csv.with(|text| text.trim().is_empty())
                        on:click=move |_| { run.dispatch_local(true); }>
                        {tr("media.import_check")}
                    </button>
                    <button type="button" data-testid="media-import-run" disabled=move || !may_import() on:click=move |_| { run.dispatch_local(false); }>
                        {tr("media.import_run")}
                    </button>
                    <button type="button" class="secondary" on:click=move |_| open.set(false)>{tr("common.cancel")}</button>
                </div>
                {move || run.value().map(|answer| match answer {
                    Ok(result) => {
                        let key = if result.dry_run { "media.import_checked" } else { "media.import_done" };
                        let labels = result.labels.join(", ");
                        view! {
                            <div class="notice ok" role="status" data-testid="media-import-result">
                                {move || t_with(key, &[("rows", result.rows.to_string()), ("created", result.created.to_string())])}
                                <br/><span class="muted">{labels}</span>
                            </div>
                        }.into_any()
                    }
                    Err(error) => import_refusal(error),
                })}
            </section>
        }.into_any() }}
    }
}

/// `/media/labels?ids=1,2,3`.
#[derive(Params, Clone, Debug, Default, PartialEq)]
pub struct LabelsUrl {
    /// Comma-separated medium ids.
    pub ids: Option<String>,
}

/// The printable label sheet, fetched with the token and shown in an `iframe` (its own
/// document, so its A4 layout and print styles do not mix with the app's).
#[component]
pub fn LabelsPage() -> impl IntoView {
    let url = use_query::<LabelsUrl>();
    let ids = Memo::new(move |_| {
        url.get().ok().and_then(|url| url.ids).and_then(|ids| validate::split_ids(&ids)).unwrap_or_default()
    });
    let sheet = Fetch::new(move || {
        let ids = ids.get();
        async move { api::media_labels_html(&ids).await }
    });
    let frame = NodeRef::<leptos::html::Iframe>::new();
    let print = move |_| {
        if let Some(window) = frame.get_untracked().and_then(|frame| frame.content_window()) {
            let _ = window.print();
        }
    };
    view! {
        <section>
            <div class="page-head no-print">
                <h1>{tr("media.labels_title")}</h1>
                <div class="page-actions">
                    <button type="button" data-testid="labels-print" disabled=move || ids.with(Vec::is_empty) on:click=print>{tr("media.print")}</button>
                    <a href="/media" class="button secondary">{tr("media.back")}</a>
                </div>
            </div>
            {move || {
                if ids.with(Vec::is_empty) {
                    return view! { <Empty key="media.labels_none"/> }.into_any();
                }
                loaded(sheet.get(), move |html| view! {
                    <iframe class="label-sheet" data-testid="label-sheet" title=t("media.labels_title") srcdoc=html node_ref=frame></iframe>
                })
            }}
        </section>
    }
}
