//! The form that records a restore test: the job and the copy restored from, what was
//! tested and how it ended, times and figures, issues and notes, and evidence files. The
//! files are uploaded one by one right after the test is created (the API takes each as a
//! raw body), and each upload's answer is shown with the SHA-256 the server computed.

use bms_types::restore::{AttachmentDto, CreateRestoreTestRequest, RestoreTestDto, RestoreTestResult, RestoreTestType};
use chrono::Utc;
use leptos::prelude::*;
use leptos_router::hooks::use_query;
use leptos_router::params::Params;

use crate::api::{self, ApiError};
use crate::components::{
    Fetch, Field, FormError, FormState, SelectField, Submit, TextAreaField, chosen_files, data_table, enum_options,
    wire_names,
};
use crate::format;
use crate::i18n::{self, t, t_with, tr};
use crate::pages::restore_tests::{job_options, record_href};
use crate::validate;

/// `/restore-tests/new?job_id=N` preselects the job (links from an alert, a job, the calendar).
#[derive(Params, Clone, Debug, Default, PartialEq)]
pub struct RecordUrl {
    /// The job.
    pub job_id: Option<String>,
}

/// The fields the form shows (a refusal naming another field is shown above the buttons).
const FIELDS: &[&str] = &[
    "job_id",
    "copy_id",
    "test_type",
    "result",
    "started_at",
    "finished_at",
    "target_environment",
    "bytes_restored",
    "files_restored",
    "rto_achieved_minutes",
    "issues_found",
    "notes",
];

/// What recording answered: the test, then each chosen file's upload.
#[derive(Clone)]
struct Recorded {
    test: RestoreTestDto,
    uploads: Vec<(String, Result<AttachmentDto, ApiError>)>,
}

/// A translated check as a signal, for `Field`.
fn check(rule: impl Fn() -> Option<validate::Check> + Send + Sync + 'static) -> Signal<Option<String>> {
    Signal::derive(move || rule().map(|check| check.message()))
}

/// The record form (`/restore-tests/new`).
#[component]
pub fn RecordRestoreTestPage() -> impl IntoView {
    let url = use_query::<RecordUrl>().get_untracked().unwrap_or_default();
    let job = RwSignal::new(url.job_id.unwrap_or_default());
    let copy = RwSignal::new(String::new());
    let test_type = RwSignal::new(RestoreTestType::FileRestore.as_str().to_owned());
    let result = RwSignal::new(RestoreTestResult::Passed.as_str().to_owned());
    let started = RwSignal::new(String::new());
    let finished = RwSignal::new(format::local_input(Utc::now()));
    let environment = RwSignal::new(String::new());
    let bytes = RwSignal::new(String::new());
    let files = RwSignal::new(String::new());
    let rto = RwSignal::new(String::new());
    let issues = RwSignal::new(String::new());
    let notes = RwSignal::new(String::new());
    let file_input = NodeRef::<leptos::html::Input>::new();
    let record = Submit::new(move |request: &CreateRestoreTestRequest| {
        let request = request.clone();
        // Read now: the input is gone once the answer replaces the form.
        let chosen = chosen_files(file_input);
        async move {
            let test = api::create_restore_test(&request).await?;
            let mut uploads = Vec::new();
            for file in chosen {
                let name = file.name();
                let answer = api::upload_attachment(test.id, &name, &file).await;
                uploads.push((name, answer));
            }
            Ok::<_, ApiError>(Recorded { test, uploads })
        }
    });
    let form = FormState::new(record);
    let copies = Fetch::new(move || {
        let job_id = job.get().parse::<i64>().ok();
        async move {
            match job_id {
                Some(id) => api::list_copies(id).await,
                None => Ok(Vec::new()),
            }
        }
    });
    let job_copies = move || copies.get().and_then(Result::ok).unwrap_or_default();
    let copy_options = Signal::derive(move || {
        job_copies().iter().map(|copy| (copy.id.to_string(), format::copy_label(copy))).collect()
    });

    let job_check = check(move || validate::required(&job.get()));
    let started_check = Signal::derive(move || {
        let value = started.get();
        (!value.trim().is_empty() && format::parse_local(&value).is_none()).then(|| t("check.datetime"))
    });
    let finished_check =
        Signal::derive(move || format::parse_local(&finished.get()).is_none().then(|| t("check.datetime")));
    let environment_check = check(move || validate::max_length(&environment.get(), 200));
    let bytes_check = check(move || validate::optional_number(&bytes.get(), 0, i64::MAX));
    let files_check = check(move || validate::optional_number(&files.get(), 0, i64::MAX));
    let rto_check = check(move || validate::optional_number(&rto.get(), 0, 10_000_000));
    // The server's rule too: a pass with issues names them.
    let issues_check = Signal::derive(move || {
        let text = issues.get();
        if result.get() == RestoreTestResult::PassedWithIssues.as_str() && text.trim().is_empty() {
            return Some(t("restore.check_issues"));
        }
        validate::max_length(&text, 4000).map(|check| check.message())
    });
    let notes_check = check(move || validate::max_length(&notes.get(), 4000));

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.attempt();
        let checks = [
            job_check,
            started_check,
            finished_check,
            environment_check,
            bytes_check,
            files_check,
            rto_check,
            issues_check,
            notes_check,
        ];
        if checks.iter().any(|check| check.get_untracked().is_some()) {
            return;
        }
        let (Some(test_type), Some(result)) =
            (RestoreTestType::parse(&test_type.get_untracked()), RestoreTestResult::parse(&result.get_untracked()))
        else {
            return;
        };
        // A copy chosen for an earlier job is not sent.
        let copy_id = copy.get_untracked().parse::<i64>().ok().filter(|id| job_copies().iter().any(|c| c.id == *id));
        let request = CreateRestoreTestRequest {
            job_id: job.get_untracked().parse().ok(),
            job_name: None,
            copy_id,
            test_type,
            result,
            started_at: format::parse_local(&started.get_untracked()),
            finished_at: format::parse_local(&finished.get_untracked()),
            target_environment: validate::optional_text(&environment.get_untracked()),
            bytes_restored: validate::parse_optional(&bytes.get_untracked()),
            files_restored: validate::parse_optional(&files.get_untracked()),
            rto_achieved_minutes: validate::parse_optional(&rto.get_untracked()),
            issues_found: validate::optional_text(&issues.get_untracked()),
            notes: validate::optional_text(&notes.get_untracked()),
        };
        record.dispatch_local(request);
    };
    let recorded = move || record.value().and_then(Result::ok);
    view! {
        <section>
            <div class="page-head">
                <h1>{tr("restore.new_title")}</h1>
                <a href="/restore-tests" class="button secondary">{tr("restore.back")}</a>
            </div>
            <Show
                when=move || recorded().is_none()
                fallback=move || recorded().map(|answer| view! { <RecordedPanel recorded=answer again=Callback::new(move |()| record.clear())/> })
            >
                <form class="panel" id="restore-form" on:submit=submit novalidate=true>
                    <div class="form-grid">
                        <SelectField label="restore.job" name="job_id" value=job form=form blank="restore.choose_job" options=job_options()/>
                        <SelectField label="restore.copy" name="copy_id" value=copy form=form blank="restore.no_copy" options=copy_options/>
                        <SelectField label="restore.test_type" name="test_type" value=test_type form=form
                            options=enum_options("restore_type", wire_names(RestoreTestType::ALL, RestoreTestType::as_str))/>
                        <SelectField label="restore.result" name="result" value=result form=form
                            options=enum_options("restore_result", wire_names(RestoreTestResult::ALL, RestoreTestResult::as_str))/>
                        <Field label="restore.started_at" name="started_at" value=started form=form check=started_check kind="datetime-local" hint="restore.started_hint"/>
                        <Field label="restore.finished_at" name="finished_at" value=finished form=form check=finished_check kind="datetime-local" required=true/>
                        <Field label="restore.target_environment" name="target_environment" value=environment form=form check=environment_check placeholder="lab VLAN 30"/>
                        <Field label="restore.bytes_restored" name="bytes_restored" value=bytes form=form check=bytes_check kind="number"/>
                        <Field label="restore.files_restored" name="files_restored" value=files form=form check=files_check kind="number"/>
                        <Field label="restore.rto_achieved" name="rto_achieved_minutes" value=rto form=form check=rto_check kind="number" hint="restore.rto_hint"/>
                    </div>
                    <TextAreaField label="restore.issues_found" name="issues_found" value=issues form=form check=issues_check hint="restore.issues_hint"/>
                    <TextAreaField label="restore.notes" name="notes" value=notes form=form check=notes_check/>
                    <div class="field">
                        <label for="f-attachments">{tr("restore.attachments")}</label>
                        <input id="f-attachments" type="file" multiple=true node_ref=file_input/>
                        <small class="hint">{tr("restore.attachments_hint")}</small>
                    </div>
                    <FormError form=form placed=FIELDS/>
                    <div class="button-row">
                        <button type="submit" disabled=move || form.busy()>{tr("restore.record")}</button>
                    </div>
                </form>
            </Show>
        </section>
    }
}

/// The answer: the test recorded, and each file's upload with its SHA-256 (or why not).
#[component]
fn RecordedPanel(recorded: Recorded, again: Callback<()>) -> impl IntoView {
    let test = recorded.test;
    let (id, job_id) = (test.id, test.job_id);
    let job_name = test.job_name.clone();
    let rows = recorded
        .uploads
        .into_iter()
        .map(|(name, answer)| {
            let (state, outcome) = match answer {
                Ok(file) => (
                    "stored",
                    view! {
                        <td>{format::bytes(file.size_bytes)}</td>
                        <td><code class="hash" data-testid="upload-sha256">{file.sha256}</code></td>
                    }
                    .into_any(),
                ),
                Err(error) => (
                    "failed",
                    view! { <td></td><td class="bad" data-testid="upload-error">{move || i18n::error_message(&error)}</td> }.into_any(),
                ),
            };
            view! { <tr data-testid="upload" data-state=state><td>{name}</td>{outcome}</tr> }
        })
        .collect_view()
        .into_any();
    view! {
        <section class="panel" data-testid="restore-recorded">
            <div class="notice ok" role="status">
                {move || t_with("restore.recorded", &[("id", id.to_string()), ("job", job_name.clone())])}
            </div>
            {data_table("uploads", &["restore.file", "restore.size", "restore.sha256"], rows)}
            <div class="button-row">
                <a href=format!("/restore-tests/{id}") class="button" data-testid="restore-recorded-link">{tr("restore.open_test")}</a>
                <a href=format!("/jobs/{job_id}") class="button secondary">{tr("restore.open_job")}</a>
                <a href=record_href(Some(job_id)) class="button secondary" on:click=move |_| again.run(())>{tr("restore.record_another")}</a>
            </div>
        </section>
    }
}
