//! The job list: search, filters (initialised from the URL, so dashboard links land
//! filtered), state and compliance badges, pagination.

use bms_types::jobs::{BackupTool, ComplianceStatusDto, JobStateDto, JobType, ListJobsQuery};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api;
use crate::app::use_session;
use crate::components::{ComplianceBadge, SelectField, StateBadge, enum_options, paged_table, wire_names};
use crate::format;
use crate::i18n::{enum_tr, tr};

/// Jobs with filters.
#[component]
pub fn JobListPage() -> impl IntoView {
    let session = use_session();
    let query = use_query_map();
    let initial = move |key: &str| query.with_untracked(|q| q.get(key).unwrap_or_default());
    let search = RwSignal::new(initial("q"));
    let state = RwSignal::new(initial("state"));
    let compliance = RwSignal::new(initial("compliance_status"));
    let tool = RwSignal::new(initial("backup_tool"));
    let job_type = RwSignal::new(initial("job_type"));
    let page = RwSignal::new(1u32);
    // Any filter change starts again at page 1.
    Effect::watch(
        move || (search.get(), state.get(), compliance.get(), tool.get(), job_type.get()),
        move |_, _, _| page.set(1),
        false,
    );
    let jobs = LocalResource::new(move || {
        let request = ListJobsQuery {
            page: Some(page.get()),
            per_page: Some(25),
            q: Some(search.get()).filter(|q| !q.trim().is_empty()),
            state: JobStateDto::parse(&state.get()),
            compliance_status: ComplianceStatusDto::parse(&compliance.get()),
            backup_tool: BackupTool::parse(&tool.get()),
            job_type: JobType::parse(&job_type.get()),
            sort: Some("name".to_owned()),
            ..Default::default()
        };
        async move { api::list_jobs(&request).await }
    });
    view! {
        <section>
            <div class="page-head">
                <h1>{tr("jobs.title")}</h1>
                <Show when=move || session.can_operate()>
                    <A href="/jobs/new" attr:class="button" attr:id="new-job">{tr("jobs.new")}</A>
                </Show>
            </div>
            <form class="filters" role="search" on:submit=|ev| ev.prevent_default()>
                <div class="field">
                    <label for="f-q">{tr("common.search")}</label>
                    <input
                        id="f-q"
                        type="search"
                        placeholder=tr("jobs.search_placeholder")
                        prop:value=move || search.get()
                        on:input=move |ev| search.set(event_target_value(&ev))
                    />
                </div>
                <SelectField label="jobs.state" name="state" value=state blank="common.any"
                    options=enum_options("state", wire_names(JobStateDto::ALL, JobStateDto::as_str))/>
                <SelectField label="jobs.compliance" name="compliance_status" value=compliance blank="common.any"
                    options=enum_options("compliance", wire_names(ComplianceStatusDto::ALL, ComplianceStatusDto::as_str))/>
                <SelectField label="jobs.backup_tool" name="backup_tool" value=tool blank="common.any"
                    options=enum_options("tool", wire_names(BackupTool::ALL, BackupTool::as_str))/>
                <SelectField label="jobs.job_type" name="job_type" value=job_type blank="common.any"
                    options=enum_options("job_type", wire_names(JobType::ALL, JobType::as_str))/>
            </form>
            {move || {
                paged_table(
                    jobs.get().map(|r| r.map(|list| (list.data, list.meta))),
                    page,
                    "jobs.empty",
                    "jobs",
                    &["jobs.name", "jobs.state", "jobs.compliance", "jobs.backup_tool", "jobs.target_server", "jobs.last_run", "jobs.next_expected"],
                    |job| {
                                        let tool = job.backup_tool.as_str();
                                        let status = job.status.clone();
                                        view! {
                                            <tr>
                                                <td>
                                                    <A href=format!("/jobs/{}", job.id)>{job.name.clone()}</A>
                                                    {(!job.is_active).then(|| view! { <span class="muted">" · " {tr("jobs.inactive")}</span> })}
                                                </td>
                                                <td>{status.as_ref().map(|s| view! { <StateBadge state=s.state/> })}</td>
                                                <td>{status.as_ref().map(|s| view! { <ComplianceBadge status=s.compliance_status/> })}</td>
                                                <td>{enum_tr("tool", tool)}</td>
                                                <td>{job.target_server.clone()}</td>
                                                <td>{format::maybe_datetime(status.as_ref().and_then(|s| s.last_run_at))}</td>
                                                <td>{format::maybe_datetime(status.as_ref().and_then(|s| s.next_expected_at))}</td>
                                            </tr>
                                        }
                                    },
                )
            }}
        </section>
    }
}
