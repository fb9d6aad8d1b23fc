//! Restore tests: the list (by job, result, type and date), one test with its evidence
//! files (downloaded with the bearer token by those who may read evidence), and the
//! calendar of tests due, overdue first, each with a way to record the next one.

use bms_types::jobs::ListJobsQuery;
use bms_types::permissions::Permission;
use bms_types::restore::{
    AttachmentDto, ListRestoreTestsQuery, RestoreCalendarEntry, RestoreTestDto, RestoreTestResult, RestoreTestType,
};
use leptos::prelude::*;
use leptos_router::hooks::use_query;
use leptos_router::params::Params;

use crate::api::{self, ApiError};
use crate::app::use_session;
use crate::components::{
    DateFilter, Empty, EnumBadge, Fetch, SelectField, Submit, action_error, data_table, detail, enum_options, loaded,
    paged_table, save_blob, wire_names,
};
use crate::format;
use crate::i18n::{enum_label, enum_tr, t, t_with, tr};
use crate::pages::with_id;

/// The filters a link may set in the URL (`/restore-tests?job_id=3`).
#[derive(Params, Clone, Debug, Default, PartialEq)]
pub struct RestoreListUrl {
    /// One job's tests only.
    pub job_id: Option<String>,
    /// A result's wire name.
    pub result: Option<String>,
}

/// Every job as a select option (id, name), for the list filter and the record form.
pub fn job_options() -> Signal<Vec<(String, String)>> {
    let jobs = Fetch::new(|| {
        let query = ListJobsQuery { per_page: Some(200), sort: Some("name".to_owned()), ..Default::default() };
        async move { api::list_jobs(&query).await }
    });
    Signal::derive(move || {
        jobs.get()
            .and_then(Result::ok)
            .map(|list| list.data.into_iter().map(|job| (job.id.to_string(), job.name)).collect())
            .unwrap_or_default()
    })
}

/// The record form's address, for one job or none.
pub fn record_href(job_id: Option<i64>) -> String {
    job_id.map_or_else(|| "/restore-tests/new".to_owned(), |id| format!("/restore-tests/new?job_id={id}"))
}

/// `42 min / 60 min · met`: the achieved RTO against the target.
fn rto_summary(achieved: Option<i64>, target: Option<i64>, met: Option<bool>) -> String {
    let minutes = |value: Option<i64>| {
        value.map_or_else(|| "—".to_owned(), |value| t_with("restore.minutes", &[("minutes", value.to_string())]))
    };
    let verdict = match met {
        Some(true) => format!(" · {}", t("restore.rto_met")),
        Some(false) => format!(" · {}", t("restore.rto_missed")),
        None => String::new(),
    };
    format!("{} / {}{verdict}", minutes(achieved), minutes(target))
}

/// The restore-test list.
#[component]
pub fn RestoreTestsPage() -> impl IntoView {
    let session = use_session();
    let url = use_query::<RestoreListUrl>().get_untracked().unwrap_or_default();
    let job = RwSignal::new(url.job_id.unwrap_or_default());
    let result = RwSignal::new(url.result.unwrap_or_default());
    let test_type = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    // Every filter below sets the page back to 1 as it changes (see `components::lists`).
    let page = RwSignal::new(1u32);
    let tests = Fetch::new(move || {
        let query = ListRestoreTestsQuery {
            page: Some(page.get()),
            per_page: Some(50),
            job_id: job.get().parse().ok(),
            result: RestoreTestResult::parse(&result.get()),
            test_type: RestoreTestType::parse(&test_type.get()),
            from: format::local_day_start(&from.get(), 0),
            to: format::local_day_start(&to.get(), 1),
        };
        async move { api::list_restore_tests(&query).await }
    });
    view! {
        <section>
            <div class="page-head">
                <h1>{tr("restore.title")}</h1>
                <div class="page-actions">
                    <a href="/restore-tests/calendar" class="button secondary" data-testid="restore-calendar-link">
                        {tr("restore.calendar")}
                    </a>
                    {session.can(Permission::Report).then(|| view! {
                        <a href=move || record_href(job.get().parse().ok()) class="button" data-testid="restore-new">
                            {tr("restore.record")}
                        </a>
                    })}
                </div>
            </div>
            <form class="filters" on:submit=|ev| ev.prevent_default()>
                <SelectField label="restore.job" name="job_id" value=job blank="common.any" resets_page=page options=job_options()/>
                <SelectField label="restore.result" name="result" value=result blank="common.any" resets_page=page
                    options=enum_options("restore_result", wire_names(RestoreTestResult::ALL, RestoreTestResult::as_str))/>
                <SelectField label="restore.test_type" name="test_type" value=test_type blank="common.any" resets_page=page
                    options=enum_options("restore_type", wire_names(RestoreTestType::ALL, RestoreTestType::as_str))/>
                <DateFilter id="f-from" label="executions.from" value=from page=page/>
                <DateFilter id="f-to" label="executions.to" value=to page=page/>
            </form>
            {move || {
                paged_table(
                    tests.get().map(|answer| answer.map(|list| (list.data, list.meta))),
                    page,
                    "restore.empty",
                    "restore-tests",
                    &["common.id", "restore.finished_at", "restore.job", "restore.test_type", "restore.result", "restore.rto", "restore.tester", "restore.attachments"],
                    restore_row,
                )
            }}
        </section>
    }
}

fn restore_row(test: RestoreTestDto) -> impl IntoView {
    let id = test.id;
    let (achieved, target, met) = (test.rto_achieved_minutes, test.rto_target_minutes, test.rto_met);
    view! {
        <tr data-restore-test-id=id.to_string() data-result=test.result.as_str()>
            <td><a href=format!("/restore-tests/{id}")>"#" {id}</a></td>
            <td>{format::datetime(test.finished_at)}</td>
            <td><a href=format!("/jobs/{}", test.job_id)>{test.job_name.clone()}</a></td>
            <td>{enum_tr("restore_type", test.test_type.as_str())}</td>
            <td><EnumBadge kind="restore_result" value=test.result.as_str()/></td>
            <td>{move || rto_summary(achieved, target, met)}</td>
            <td>{test.tester.clone()}</td>
            <td>{test.attachments.len()}</td>
        </tr>
    }
}

/// One restore test (`/restore-tests/:id`).
#[component]
pub fn RestoreTestPage() -> impl IntoView {
    with_id(|id| view! { <RestoreTestDetail test_id=id/> })
}

#[component]
fn RestoreTestDetail(test_id: i64) -> impl IntoView {
    let test = Fetch::new(move || api::get_restore_test(test_id));
    view! { <section>{move || loaded(test.get(), |test| view! { <RestoreTestView test=test/> })}</section> }
}

#[component]
fn RestoreTestView(test: RestoreTestDto) -> impl IntoView {
    let session = use_session();
    let job_id = test.job_id;
    let (achieved, target, met) = (test.rto_achieved_minutes, test.rto_target_minutes, test.rto_met);
    let optional = |value: Option<i64>| value.map_or_else(|| "—".to_owned(), |value| value.to_string());
    let text_block = |label: &'static str, text: String| {
        (!text.is_empty()).then(|| view! { <h3>{tr(label)}</h3><p class="prose">{text}</p> })
    };
    let test_id = test.id;
    let attachments = test.attachments.clone();
    view! {
        <div class="page-head">
            <h1>
                {tr("restore.test")} " #" {test.id} " "
                <span data-testid="restore-result" data-result=test.result.as_str()><EnumBadge kind="restore_result" value=test.result.as_str()/></span>
            </h1>
            <div class="page-actions">
                {session.can(Permission::Report).then(|| view! {
                    <a href=record_href(Some(job_id)) class="button">{tr("restore.record_another")}</a>
                })}
                <a href="/restore-tests" class="button secondary">{tr("restore.back")}</a>
            </div>
        </div>
        <section class="panel">
            <dl class="details grid" data-testid="restore-fields">
                <dt>{tr("restore.job")}</dt><dd><a href=format!("/jobs/{job_id}")>{test.job_name.clone()}</a></dd>
                {detail("restore.copy", test.copy_id.map_or_else(|| "—".to_owned(), |id| format!("#{id}")))}
                {detail("restore.test_type", enum_label("restore_type", test.test_type.as_str()))}
                {detail("restore.started_at", format::maybe_datetime(test.started_at))}
                {detail("restore.finished_at", format::datetime(test.finished_at))}
                {detail("restore.target_environment", test.target_environment.clone())}
                {detail("restore.bytes_restored", test.bytes_restored.map(format::bytes).unwrap_or_else(|| "—".to_owned()))}
                {detail("restore.files_restored", optional(test.files_restored))}
                <dt>{tr("restore.rto")}</dt><dd>{move || rto_summary(achieved, target, met)}</dd>
                {detail("restore.tester", format!("{} ({})", test.tester, test.recorded_via))}
                {detail("restore.recorded_at", format::datetime(test.created_at))}
            </dl>
            {text_block("restore.issues_found", test.issues_found.clone())}
            {text_block("restore.notes", test.notes.clone())}
        </section>
        <section class="panel">
            <h2>{tr("restore.attachments")}</h2>
            <Attachments test_id=test_id attachments=attachments/>
        </section>
    }
}

/// The evidence files, each with its SHA-256; a download button for those who may read evidence.
#[component]
pub fn Attachments(test_id: i64, attachments: Vec<AttachmentDto>) -> impl IntoView {
    let evidence = use_session().can(Permission::ReadEvidence);
    let download = Submit::new(move |(id, name): &(i64, String)| {
        let (id, name) = (*id, name.clone());
        async move {
            let file = api::download_attachment(test_id, id).await?;
            save_blob(&file, &name);
            Ok::<_, ApiError>(())
        }
    });
    if attachments.is_empty() {
        return view! { <Empty key="restore.no_attachments"/> }.into_any();
    }
    let rows = attachments
        .into_iter()
        .map(|file| {
            let name = file.filename.clone();
            view! {
                <tr data-testid="attachment">
                    <td>{file.filename.clone()}</td>
                    <td>{file.content_type.clone()}</td>
                    <td>{format::bytes(file.size_bytes)}</td>
                    <td><code class="hash" data-testid="attachment-sha256">{file.sha256.clone()}</code></td>
                    <td>{file.uploaded_by.clone()} " · " {format::datetime(file.uploaded_at)}</td>
                    <td class="actions">
                        {evidence.then(|| view! {
                            <button type="button" class="secondary" data-testid="attachment-download" disabled=move || download.pending().get()
                                on:click={
                                    let name = name.clone();
                                    move |_| { download.dispatch_local((file.id, name.clone())); }
                                }>
                                {tr("restore.download")}
                            </button>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view()
        .into_any();
    view! {
        {action_error(download)}
        {data_table("attachments", &["restore.file", "restore.content_type", "restore.size", "restore.sha256", "restore.uploaded", ""], rows)}
    }
    .into_any()
}

/// The restore-test calendar: overdue first, then by due date.
#[component]
pub fn RestoreCalendarPage() -> impl IntoView {
    let days = RwSignal::new("90".to_owned());
    let horizons = Signal::derive(|| {
        ["30", "90", "180", "366"]
            .iter()
            .map(|n| ((*n).to_owned(), t_with("restore.days", &[("days", (*n).to_owned())])))
            .collect()
    });
    let calendar = Fetch::new(move || {
        let days = days.get().parse().unwrap_or(90);
        async move { api::restore_calendar(days).await }
    });
    view! {
        <section>
            <div class="page-head">
                <h1>{tr("restore.calendar_title")}</h1>
                <div class="page-actions">
                    <button type="button" class="secondary" on:click=move |_| calendar.refetch()>{tr("common.refresh")}</button>
                    <a href="/restore-tests" class="button secondary">{tr("restore.back")}</a>
                </div>
            </div>
            <p class="muted">{tr("restore.calendar_intro")}</p>
            <div class="filters">
                <SelectField label="restore.horizon" name="days" value=days options=horizons/>
            </div>
            {move || loaded(calendar.get(), |calendar| {
                if calendar.data.is_empty() {
                    return view! { <Empty key="restore.calendar_empty"/> }.into_any();
                }
                let rows = calendar.data.into_iter().map(calendar_row).collect_view().into_any();
                data_table("restore-calendar", &["restore.job", "restore.due_on", "restore.due_status", "restore.latest", ""], rows)
            })}
        </section>
    }
}

fn calendar_row(entry: RestoreCalendarEntry) -> impl IntoView {
    let session = use_session();
    let job_id = entry.job_id;
    // The server sends `overdue`, `due_soon` or `scheduled`; the badge needs a static name.
    let status = match entry.status.as_str() {
        "overdue" => "overdue",
        "due_soon" => "due_soon",
        _ => "scheduled",
    };
    let latest = entry.latest_test_id.map(|id| {
        view! {
            <a href=format!("/restore-tests/{id}")>"#" {id}</a> " "
            {entry.latest_result.map(|result| view! { <EnumBadge kind="restore_result" value=result.as_str()/> })}
        }
    });
    view! {
        <tr data-job-id=job_id.to_string() data-status=status>
            <td><a href=format!("/jobs/{job_id}")>{entry.job_name.clone()}</a></td>
            <td>{entry.due_on.to_string()}</td>
            <td><EnumBadge kind="restore_due" value=status/></td>
            <td>{latest}</td>
            <td class="actions">
                {session.can(Permission::Report).then(|| view! {
                    <a href=record_href(Some(job_id)) class="button" data-testid="calendar-record">{tr("restore.record")}</a>
                })}
            </td>
        </tr>
    }
}
