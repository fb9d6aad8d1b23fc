//! List screens: pagination, the paged table and plain tables, details lists, and date
//! filters.
//!
//! A list's page number and its filters are separate signals, and every filter input sets
//! the page back to 1 in the same event handler that changes the filter. The list's
//! resource then reruns once, for page 1 of the new filter; resetting the page in an effect
//! instead would first send a request for the old page with the new filter.

use bms_types::PageMeta;
use leptos::prelude::*;

use crate::api::ApiError;
use crate::i18n::{t_with, tr};

use super::status::{Empty, loaded};

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
                on:click=move |_| page.set(current.saturating_sub(1).max(1))
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
                on:click=move |_| page.set(current + 1)
            >
                {tr("pagination.next")}
            </button>
        </nav>
    }
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
        view! {
            {data_table(class, headers, items.into_iter().map(row).collect_view().into_any())}
            <Pagination meta=meta page=page/>
        }
        .into_any()
    })
}

/// A table: the header row (catalog keys; `""` for an unlabelled column) and the rows.
pub fn data_table(class: &'static str, headers: &'static [&'static str], rows: AnyView) -> AnyView {
    let head = headers
        .iter()
        .map(
            |key| if key.is_empty() { view! { <th></th> }.into_any() } else { view! { <th>{tr(key)}</th> }.into_any() },
        )
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class=class>
                <thead><tr>{head}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// One label and value of a details list (`<dl class="details">`).
pub fn detail(label: &'static str, value: String) -> impl IntoView {
    view! { <dt>{tr(label)}</dt><dd>{value}</dd> }
}

/// A labelled date input for list filters; a change sends the list back to page 1.
#[component]
pub fn DateFilter(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    page: RwSignal<u32>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{tr(label)}</label>
            <input
                id=id
                type="date"
                prop:value=move || value.get()
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    page.set(1);
                }
            />
        </div>
    }
}
