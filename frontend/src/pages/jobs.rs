//! The job list: search, filters (initialised from the URL, so dashboard links land
//! filtered), state and compliance badges, pagination.

use bms_types::jobs::{BackupTool, ComplianceStatusDto, JobStateDto, JobType, ListJobsQuery};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query;
use leptos_router::params::Params;

use crate::api;
use crate::app::use_session;
use crate::components::{ComplianceBadge, Fetch, SelectField, StateBadge, enum_options, paged_table, wire_names};
use crate::format;
use crate::i18n::{enum_tr, tr};

/// The filters a link may set in the URL (`/jobs?state=late`).
#[derive(Params, Clone, Debug, Default, PartialEq)]
pub struct JobListUrl {
    /// Search text.
    pub q: Option<String>,
    /// A state's wire name.
    pub state: Option<String>,
    /// A compliance status's wire name.
    pub compliance_status: Option<String>,
    /// A backup tool's wire name.
    pub backup_tool: Option<String>,
    /// A job type's wire name.
    pub job_type: Option<String>,
}

/// Jobs with filters.
#[component]
pub fn JobListPage() -> impl IntoView {
    let session = use_session();
    let url = use_query::<JobListUrl>().get_untracked().unwrap_or_default();
    let search = RwSignal::new(url.q.unwrap_or_default());
    let state = RwSignal::new(url.state.unwrap_or_default());
    let compliance = RwSignal::new(url.compliance_status.unwrap_or_default());
    let tool = RwSignal::new(url.backup_tool.unwrap_or_default());
    let job_type = RwSignal::new(url.job_type.unwrap_or_default());
    // Every filter below sets the page back to 1 as it changes (see `components::lists`).
    let page = RwSignal::new(1u32);
    let jobs = Fetch::new(move || {
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
                        on:input=move |ev| {
                            search.set(event_target_value(&ev));
                            page.set(1);
                        }
                    />
                </div>
                <SelectField label="jobs.state" name="state" value=state blank="common.any" resets_page=page
                    options=enum_options("state", wire_names(JobStateDto::ALL, JobStateDto::as_str))/>
                <SelectField label="jobs.compliance" name="compliance_status" value=compliance blank="common.any" resets_page=page
                    options=enum_options("compliance", wire_names(ComplianceStatusDto::ALL, ComplianceStatusDto::as_str))/>
                <SelectField label="jobs.backup_tool" name="backup_tool" value=tool blank="common.any" resets_page=page
                    options=enum_options("tool", wire_names(BackupTool::ALL, BackupTool::as_str))/>
                <SelectField label="jobs.job_type" name="job_type" value=job_type blank="common.any" resets_page=page
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
