//! Create and edit a job. The cron field previews the next five runs in the job's time
//! zone (asked of the server, which owns the schedule logic) as the person types.

use std::time::Duration;

use bms_types::jobs::{
    BackupTool, ComplianceOverrides, CreateJobRequest, JobDto, JobType, SchedulePreviewQuery, UpdateJobRequest,
};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params};

use crate::api::{self, ApiError};
use crate::app::NotFound;
use crate::components::{
    CheckField, Debounce, ErrorBox, Fetch, Field, FormError, FormState, Loading, SelectField, Submit, enum_options,
    loaded, wire_names,
};
use crate::i18n::{self, t, tr};
use crate::pages::job_detail::JobPath;
use crate::{format, validate};

/// The form's values as typed.
#[derive(Clone, Copy)]
struct JobFields {
    name: RwSignal<String>,
    description: RwSignal<String>,
    job_type: RwSignal<String>,
    backup_tool: RwSignal<String>,
    target_server: RwSignal<String>,
    target_path: RwSignal<String>,
    owner: RwSignal<String>,
    tags: RwSignal<String>,
    cron: RwSignal<String>,
    timezone: RwSignal<String>,
    grace: RwSignal<String>,
    max_duration: RwSignal<String>,
    retention: RwSignal<String>,
    is_active: RwSignal<bool>,
    min_copies: RwSignal<String>,
    min_media: RwSignal<String>,
    min_offsite: RwSignal<String>,
    min_offline: RwSignal<String>,
}

fn text(value: Option<impl ToString>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

impl JobFields {
    fn new(job: Option<&JobDto>) -> Self {
        let overrides = job.map(|j| j.compliance_overrides.clone()).unwrap_or_default();
        Self {
            name: RwSignal::new(text(job.map(|j| &j.name))),
            description: RwSignal::new(text(job.map(|j| &j.description))),
            job_type: RwSignal::new(job.map_or("file", |j| j.job_type.as_str()).to_owned()),
            backup_tool: RwSignal::new(job.map_or("custom", |j| j.backup_tool.as_str()).to_owned()),
            target_server: RwSignal::new(text(job.map(|j| &j.target_server))),
            target_path: RwSignal::new(text(job.map(|j| &j.target_path))),
            owner: RwSignal::new(text(job.map(|j| &j.owner))),
            tags: RwSignal::new(job.map(|j| j.tags.join(", ")).unwrap_or_default()),
            cron: RwSignal::new(text(job.and_then(|j| j.cron_expression.as_ref()))),
            timezone: RwSignal::new(job.map_or_else(format::local_zone_name, |j| j.timezone.clone())),
            grace: RwSignal::new(job.map_or_else(|| "60".to_owned(), |j| j.grace_minutes.to_string())),
            max_duration: RwSignal::new(text(job.and_then(|j| j.max_duration_minutes))),
            retention: RwSignal::new(text(job.and_then(|j| j.retention_days))),
            is_active: RwSignal::new(job.is_none_or(|j| j.is_active)),
            min_copies: RwSignal::new(text(overrides.min_copies)),
            min_media: RwSignal::new(text(overrides.min_media_types)),
            min_offsite: RwSignal::new(text(overrides.min_offsite)),
            min_offline: RwSignal::new(text(overrides.min_offline_or_immutable)),
        }
    }

    fn overrides(&self) -> ComplianceOverrides {
        let read = |signal: RwSignal<String>| validate::parse_optional(&signal.get_untracked()).map(|v| v as u32);
        ComplianceOverrides {
            min_copies: read(self.min_copies),
            min_media_types: read(self.min_media),
            min_offsite: read(self.min_offsite),
            min_offline_or_immutable: read(self.min_offline),
        }
    }

    fn optional(signal: RwSignal<String>) -> Option<String> {
        Some(signal.get_untracked().trim().to_owned()).filter(|value| !value.is_empty())
    }

    fn number(signal: RwSignal<String>) -> Option<i32> {
        validate::parse_optional(&signal.get_untracked()).map(|value| value as i32)
    }

    fn create_request(&self) -> Option<CreateJobRequest> {
        Some(CreateJobRequest {
            name: self.name.get_untracked().trim().to_owned(),
            description: Some(self.description.get_untracked()),
            job_type: JobType::parse(&self.job_type.get_untracked())?,
            backup_tool: BackupTool::parse(&self.backup_tool.get_untracked())?,
            target_server: Some(self.target_server.get_untracked()),
            target_path: Some(self.target_path.get_untracked()),
            owner: Some(self.owner.get_untracked()),
            tags: Some(validate::split_tags(&self.tags.get_untracked())),
            is_active: Some(self.is_active.get_untracked()),
            retention_days: Self::number(self.retention),
            external_ref: None,
            cron_expression: Self::optional(self.cron),
            timezone: Self::optional(self.timezone),
            grace_minutes: Self::number(self.grace),
            max_duration_minutes: Self::number(self.max_duration),
            compliance_overrides: Some(self.overrides()),
        })
    }

    fn update_request(&self) -> Option<UpdateJobRequest> {
        let create = self.create_request()?;
        Some(UpdateJobRequest {
            name: Some(create.name),
            description: create.description,
            job_type: Some(create.job_type),
            backup_tool: Some(create.backup_tool),
            target_server: create.target_server,
            target_path: create.target_path,
            owner: create.owner,
            tags: create.tags,
            is_active: create.is_active,
            // `Some(None)` clears a value the person emptied.
            retention_days: Some(create.retention_days),
            external_ref: None,
            cron_expression: Some(create.cron_expression),
            timezone: create.timezone,
            grace_minutes: create.grace_minutes,
            max_duration_minutes: Some(create.max_duration_minutes),
            compliance_overrides: create.compliance_overrides,
        })
    }
}

/// What the form sends.
#[derive(Clone)]
enum JobSave {
    Create(CreateJobRequest),
    Update(i64, UpdateJobRequest),
}

/// `/jobs/new`.
#[component]
pub fn NewJobPage() -> impl IntoView {
    view! { <JobForm job=None/> }
}

/// `/jobs/:id/edit`; an id that is not a number names no page.
#[component]
pub fn EditJobPage() -> impl IntoView {
    let path = use_params::<JobPath>();
    move || match path.get() {
        Ok(JobPath { id }) => {
            let job = Fetch::new(move || api::get_job(id));
            (move || loaded(job.get(), |job| view! { <JobForm job=Some(job)/> })).into_any()
        }
        Err(_) => view! { <NotFound/> }.into_any(),
    }
}

fn checked(check: impl Fn() -> Option<validate::Check> + Send + Sync + 'static) -> Signal<Option<String>> {
    Signal::derive(move || check().map(|c| c.message()))
}

#[component]
fn JobForm(job: Option<JobDto>) -> impl IntoView {
    let navigate = use_navigate();
    let existing = job.as_ref().map(|j| j.id);
    let fields = JobFields::new(job.as_ref());
    let save = Submit::new(move |request: &JobSave| {
        let request = request.clone();
        let navigate = navigate.clone();
        async move {
            let job = match request {
                JobSave::Create(request) => api::create_job(&request).await?,
                JobSave::Update(id, request) => api::update_job(id, &request).await?,
            };
            navigate(&format!("/jobs/{}", job.id), Default::default());
            Ok(job)
        }
    });
    let form = FormState::new(save);
    let f = fields;
    let checks = [
        ("name", checked(move || validate::required_text(&f.name.get(), 200))),
        ("description", checked(move || validate::max_length(&f.description.get(), 2000))),
        ("target_server", checked(move || validate::max_length(&f.target_server.get(), 500))),
        ("target_path", checked(move || validate::max_length(&f.target_path.get(), 500))),
        ("owner", checked(move || validate::max_length(&f.owner.get(), 500))),
        ("tags", checked(move || validate::tags(&f.tags.get()))),
        ("cron_expression", checked(move || validate::cron(&f.cron.get()))),
        ("timezone", checked(move || validate::required(&f.timezone.get()))),
        ("grace_minutes", checked(move || validate::number(&f.grace.get(), 0, 10_080))),
        ("max_duration_minutes", checked(move || validate::optional_number(&f.max_duration.get(), 1, 43_200))),
        ("retention_days", checked(move || validate::optional_number(&f.retention.get(), 1, 36_500))),
        ("compliance_overrides.min_copies", checked(move || validate::optional_number(&f.min_copies.get(), 1, 20))),
        ("compliance_overrides.min_media_types", checked(move || validate::optional_number(&f.min_media.get(), 1, 20))),
        ("compliance_overrides.min_offsite", checked(move || validate::optional_number(&f.min_offsite.get(), 0, 20))),
        (
            "compliance_overrides.min_offline_or_immutable",
            checked(move || validate::optional_number(&f.min_offline.get(), 0, 20)),
        ),
    ];
    // The schedule preview follows the cron and time zone fields 400 ms after the last edit.
    let settled = RwSignal::new((f.cron.get_untracked(), f.timezone.get_untracked()));
    let debounce = Debounce::new(Duration::from_millis(400));
    let settle = Callback::new(move |()| {
        debounce.call(move || settled.set((f.cron.get_untracked(), f.timezone.get_untracked())));
    });
    let check = move |name: &str| {
        checks.iter().find(|(field, _)| *field == name).map_or_else(|| Signal::derive(|| None), |(_, check)| *check)
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.attempt();
        if checks.iter().any(|(_, check)| check.get_untracked().is_some()) {
            return;
        }
        let request = match existing {
            None => fields.create_request().map(JobSave::Create),
            Some(id) => fields.update_request().map(|request| JobSave::Update(id, request)),
        };
        if let Some(request) = request {
            save.dispatch_local(request);
        }
    };
    view! {
        <section class="panel">
            <h1>{move || if existing.is_some() { t("jobs.edit_title") } else { t("jobs.new_title") }}</h1>
            <form id="job-form" on:submit=submit novalidate=true>
                <div class="form-grid">
                    <Field label="jobs.name" name="name" value=f.name form=form check=check("name") required=true/>
                    <SelectField label="jobs.job_type" name="job_type" value=f.job_type form=form
                        options=enum_options("job_type", wire_names(JobType::ALL, JobType::as_str))/>
                    <SelectField label="jobs.backup_tool" name="backup_tool" value=f.backup_tool form=form
                        options=enum_options("tool", wire_names(BackupTool::ALL, BackupTool::as_str))/>
                    <Field label="jobs.target_server" name="target_server" value=f.target_server form=form check=check("target_server") placeholder="fileserver01"/>
                    <Field label="jobs.target_path" name="target_path" value=f.target_path form=form check=check("target_path") placeholder="D:\\Shares"/>
                    <Field label="jobs.owner" name="owner" value=f.owner form=form check=check("owner")/>
                    <Field label="jobs.tags" name="tags" value=f.tags form=form check=check("tags") hint="jobs.tags_hint"/>
                    <Field label="jobs.description" name="description" value=f.description form=form check=check("description")/>
                </div>
                <fieldset>
                    <legend>{tr("jobs.schedule")}</legend>
                    <div class="form-grid">
                        <Field label="jobs.cron" name="cron_expression" value=f.cron form=form check=check("cron_expression") hint="jobs.cron_hint" placeholder="0 2 * * *" on_edit=settle/>
                        <Field label="jobs.timezone" name="timezone" value=f.timezone form=form check=check("timezone") placeholder="Asia/Tokyo" on_edit=settle/>
                        <Field label="jobs.grace_minutes" name="grace_minutes" value=f.grace form=form check=check("grace_minutes") kind="number"/>
                        <Field label="jobs.max_duration" name="max_duration_minutes" value=f.max_duration form=form check=check("max_duration_minutes") kind="number"/>
                    </div>
                    <CronPreview settled=settled/>
                </fieldset>
                <details>
                    <summary>{tr("jobs.advanced")}</summary>
                    <div class="form-grid">
                        <Field label="jobs.retention_days" name="retention_days" value=f.retention form=form check=check("retention_days") kind="number"/>
                        <Field label="jobs.min_copies" name="compliance_overrides.min_copies" value=f.min_copies form=form check=check("compliance_overrides.min_copies") kind="number" hint="jobs.override_hint"/>
                        <Field label="jobs.min_media" name="compliance_overrides.min_media_types" value=f.min_media form=form check=check("compliance_overrides.min_media_types") kind="number"/>
                        <Field label="jobs.min_offsite" name="compliance_overrides.min_offsite" value=f.min_offsite form=form check=check("compliance_overrides.min_offsite") kind="number"/>
                        <Field label="jobs.min_offline" name="compliance_overrides.min_offline_or_immutable" value=f.min_offline form=form check=check("compliance_overrides.min_offline_or_immutable") kind="number"/>
                    </div>
                </details>
                <CheckField label="jobs.is_active" name="is_active" value=f.is_active/>
                <FormError form=form/>
                <div class="button-row">
                    <button type="submit" disabled=move || form.busy()>{tr("common.save")}</button>
                </div>
            </form>
        </section>
    }
}

/// The next five runs of the cron expression, asked 400 ms after the last keystroke in the
/// cron or time zone field (`settled` is what they held then; see `JobForm`).
#[component]
fn CronPreview(settled: RwSignal<(String, String)>) -> impl IntoView {
    let preview = Fetch::new(move || {
        let (cron, timezone) = settled.get();
        async move {
            if cron.trim().is_empty() || validate::cron(&cron).is_some() {
                return Ok::<_, ApiError>(None);
            }
            let query = SchedulePreviewQuery {
                cron_expression: cron.trim().to_owned(),
                timezone: Some(timezone.trim().to_owned()).filter(|tz| !tz.is_empty()),
            };
            api::schedule_preview(&query).await.map(Some)
        }
    });
    view! {
        <div class="cron-preview" aria-live="polite" id="cron-preview">
            {move || match preview.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Ok(None)) => view! { <p class="muted">{tr("jobs.manual_hint")}</p> }.into_any(),
                Some(Ok(Some(preview))) => {
                    let zone = settled.with_untracked(|(_, zone)| zone.clone());
                    view! {
                        <p>{move || i18n::t_with("jobs.next_runs", &[("zone", zone.clone())])}</p>
                        <ol>
                            {preview
                                .next_runs_local
                                .iter()
                                .zip(&preview.next_runs)
                                .map(|(local, utc)| view! { <li>{readable_local(local)} <span class="muted">" (" {format::datetime(*utc)} ")"</span></li> })
                                .collect_view()}
                        </ol>
                    }
                        .into_any()
                }
                Some(Err(error)) => match error.details.first() {
                    Some(violation) => {
                        let violation = violation.clone();
                        view! { <p class="field-error">{move || i18n::violation_message(i18n::current(), &violation)}</p> }.into_any()
                    }
                    None => view! { <ErrorBox error=error/> }.into_any(),
                },
            }}
        </div>
    }
}

/// `2026-12-01T02:00:00+09:00` (the server's RFC 3339 in the job's zone) as
/// `2026-12-01 02:00 +09:00`.
fn readable_local(rfc3339: &str) -> String {
    match (rfc3339.get(..16), rfc3339.get(19..)) {
        (Some(minutes), Some(offset)) => format!("{} {offset}", minutes.replacen('T', " ", 1)),
        _ => rfc3339.to_owned(),
    }
}
