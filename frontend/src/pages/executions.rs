//! Every reported result across jobs, with filters; the table is shared with the job page
//! (a run written to an offline medium links to it, with the warning when the write was unsafe).

use bms_types::executions::{ExecutionDto, ExecutionResult, ExecutionSource, ListExecutionsQuery};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query;
use leptos_router::params::Params;

use crate::api;
use crate::components::{
    DateFilter, Empty, Fetch, Pagination, ResultBadge, SelectField, enum_options, loaded, wire_names,
};
use crate::format;
use crate::i18n::{enum_tr, t, tr};

/// A table of runs.
#[component]
pub fn ExecutionTable(runs: Vec<ExecutionDto>, show_job: bool) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="executions">
                <thead>
                    <tr>
                        <th>"ID"</th>
                        {show_job.then(|| view! { <th>{tr("executions.job")}</th> })}
                        <th>{tr("executions.result")}</th>
                        <th>{tr("executions.started")}</th>
                        <th>{tr("executions.finished")}</th>
                        <th>{tr("executions.duration")}</th>
                        <th>{tr("executions.size")}</th>
                        <th>{tr("executions.source")}</th>
                        <th>{tr("executions.message")}</th>
                    </tr>
                </thead>
                <tbody>
                    {runs
                        .into_iter()
                        .map(|run| {
                            let source = run.source.as_str();
                            view! {
                                <tr>
                                    <td>"#" {run.id}</td>
                                    {show_job.then(|| view! { <td><A href=format!("/jobs/{}", run.job_id)>"#" {run.job_id}</A></td> })}
                                    <td><ResultBadge result=run.result.as_str()/></td>
                                    <td>{format::maybe_datetime(run.started_at)}</td>
                                    <td>{format::maybe_datetime(run.finished_at.or(Some(run.received_at)))}</td>
                                    <td>{run.duration_seconds.map(format::duration).unwrap_or_default()}</td>
                                    <td>{run.size_bytes.map(format::bytes).unwrap_or_default()}</td>
                                    <td>{enum_tr("source", source)}</td>
                                    <td class="message">
                                        {run.error_message.clone().unwrap_or_default()}
                                        {run.medium_id.map(|id| view! { " " <A href=format!("/media/{id}") attr:class="muted">{tr("executions.medium")}</A> })}
                                        {run.medium_warning.clone().map(|rule| view! { " " <span class="badge overdue">{move || t(&format!("rule.{rule}"))}</span> })}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The filters a link may set in the URL (`/executions?job_id=3&result=failed`).
#[derive(Params, Clone, Debug, Default, PartialEq)]
pub struct ExecutionsUrl {
    /// A result's wire name.
    pub result: Option<String>,
    /// One job's runs only.
    pub job_id: Option<String>,
}

/// All results.
#[component]
pub fn ExecutionsPage() -> impl IntoView {
    let url = use_query::<ExecutionsUrl>().get_untracked().unwrap_or_default();
    let result = RwSignal::new(url.result.unwrap_or_default());
    let source = RwSignal::new(String::new());
    let job = RwSignal::new(url.job_id.unwrap_or_default());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    // Every filter below sets the page back to 1 as it changes (see `components::lists`).
    let page = RwSignal::new(1u32);
    let runs = Fetch::new(move || {
        let request = ListExecutionsQuery {
            page: Some(page.get()),
            per_page: Some(50),
            job_id: job.get().trim().parse().ok(),
            result: ExecutionResult::parse(&result.get()),
            source: ExecutionSource::parse(&source.get()),
            from: format::local_day_start(&from.get(), 0),
            to: format::local_day_start(&to.get(), 1),
            ..Default::default()
        };
        async move { api::list_executions(&request).await }
    });
    view! {
        <section>
            <div class="page-head"><h1>{tr("executions.title")}</h1></div>
            <form class="filters" on:submit=|ev| ev.prevent_default()>
                <SelectField label="executions.result" name="result" value=result blank="common.any" resets_page=page
                    options=enum_options("result", wire_names(ExecutionResult::ALL, ExecutionResult::as_str))/>
                <SelectField label="executions.source" name="source" value=source blank="common.any" resets_page=page
                    options=enum_options("source", wire_names(ExecutionSource::ALL, ExecutionSource::as_str))/>
                <div class="field">
                    <label for="f-job">{tr("executions.job_id")}</label>
                    <input id="f-job" type="number" min="1" prop:value=move || job.get() on:input=move |ev| { job.set(event_target_value(&ev)); page.set(1); }/>
                </div>
                <DateFilter id="f-from" label="executions.from" value=from page=page/>
                <DateFilter id="f-to" label="executions.to" value=to page=page/>
            </form>
            {move || loaded(runs.get(), |list| {
                if list.data.is_empty() {
                    return view! { <Empty key="executions.empty"/> }.into_any();
                }
                let meta = list.meta;
                view! { <ExecutionTable runs=list.data show_job=true/><Pagination meta=meta page=page/> }.into_any()
            })}
        </section>
    }
}
