//! The job page's restore and media sections: where the job stands on restore tests (the
//! restore half of the "0" rule: outcome and reason, due date, latest test), its
//! requirement with an edit form for operators, and the media of its offline copies. Built
//! by the restore group's module (`pages::job_restore_sections`), not the job group's.

use bms_types::jobs::{CopyDto, CopyType};
use bms_types::media::ListMediaQuery;
use bms_types::permissions::Permission;
use bms_types::restore::{RestoreRequirementDto, RestoreRequirementRequest, RestoreStatusDto, RestoreTestType};
use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::app::use_session;
use crate::components::{
    Empty, EnumBadge, Fetch, Field, FormError, FormState, MultiCheck, OutcomeBadge, Submit, detail, enum_options,
    loaded, wire_names,
};
use crate::format;
use crate::i18n::{enum_label, t, t_with, tr};
use crate::pages::media::MediaTable;
use crate::pages::restore_tests::record_href;
use crate::validate;

/// What the job page hands its restore and media sections (through context: they are
/// built by the restore group's module, see `pages::job_restore_sections`).
#[derive(Clone, Copy)]
pub struct JobPage {
    /// The job.
    pub job_id: i64,
    /// Ticks on the page's reloads and copy changes.
    pub changes: Signal<()>,
    /// The job's copies, as the page loaded them.
    pub copies: Fetch<Vec<CopyDto>>,
}

/// The job page's restore and offline-media sections.
#[component]
pub fn JobRestoreSections() -> impl IntoView {
    use_context::<JobPage>().map(|page| {
        view! {
            <RestoreSection job_id=page.job_id changes=page.changes/>
            <OfflineMedia copies=page.copies changes=page.changes/>
        }
    })
}

/// The restore section of the job page.
#[component]
fn RestoreSection(job_id: i64, changes: Signal<()>) -> impl IntoView {
    let session = use_session();
    let editing = RwSignal::new(false);
    let saved = Trigger::new();
    let status = Fetch::new(move || {
        changes.track();
        saved.track();
        api::restore_status(job_id)
    });
    view! {
        <section class="panel" data-testid="job-restore">
            <div class="page-head">
                <h2>{tr("restore.section")}</h2>
                <div class="page-actions">
                    {session.can(Permission::Report).then(|| view! {
                        <a href=record_href(Some(job_id)) class="button" data-testid="job-record-restore">{tr("restore.record")}</a>
                    })}
                    <a href=format!("/restore-tests?job_id={job_id}") class="button secondary">{tr("restore.all_for_job")}</a>
                </div>
            </div>
            {move || loaded(status.get(), move |status| {
                let requirement = status.requirement.clone();
                view! {
                    <Standing status=status/>
                    {move || if editing.get() {
                        view! {
                            <RequirementForm requirement=requirement.clone()
                                on_saved=Callback::new(move |()| { editing.set(false); saved.notify(); })
                                on_cancel=Callback::new(move |()| editing.set(false))/>
                        }.into_any()
                    } else {
                        view! {
                            {session.can_operate().then(|| view! {
                                <button type="button" class="secondary" data-testid="restore-requirement-edit" on:click=move |_| editing.set(true)>
                                    {tr("restore.edit_requirement")}
                                </button>
                            })}
                        }.into_any()
                    }}
                }
            })}
        </section>
    }
}

/// `30 days (this job)`, `90 days (default)`, or "no requirement".
fn interval_text(requirement: &RestoreRequirementDto) -> String {
    match requirement.effective_interval_days {
        None => t("restore.no_requirement"),
        Some(days) => {
            let own =
                if requirement.interval_days.is_some() { "restore.own_interval" } else { "restore.default_interval" };
            format!("{} ({})", t_with("restore.days", &[("days", days.to_string())]), t(own))
        }
    }
}

#[component]
fn Standing(status: RestoreStatusDto) -> impl IntoView {
    let (reason, reason_code) = (status.reason.clone(), status.reason.clone());
    let requirement = status.requirement.clone();
    let latest = status.latest_test.clone().map(|test| {
        view! {
            <a href=format!("/restore-tests/{}", test.id)>"#" {test.id}</a> " "
            <EnumBadge kind="restore_result" value=test.result.as_str()/> " "
            {enum_label("restore_type", test.test_type.as_str())} " · " {format::datetime(test.finished_at)}
        }
    });
    let types = if requirement.counting_types.is_empty() {
        t("restore.every_type")
    } else {
        requirement
            .counting_types
            .iter()
            .map(|kind| enum_label("restore_type", kind.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    view! {
        <p class="rule-head" data-testid="restore-status" data-outcome=status.outcome.as_str() data-reason=reason_code>
            <OutcomeBadge outcome=status.outcome/>
            <span data-testid="restore-reason">{move || t(&format!("reason.{reason}"))}</span>
        </p>
        <dl class="details grid">
            {detail("restore.due_at", format::maybe_datetime(status.due_at))}
            <dt>{tr("restore.latest")}</dt>
            <dd>{match latest {
                Some(latest) => latest.into_any(),
                None => view! { <span class="muted">{tr("restore.never")}</span> }.into_any(),
            }}</dd>
            {detail("restore.interval", interval_text(&requirement))}
            {detail(
                "restore.rto_target",
                requirement.rto_target_minutes.map_or_else(|| "—".to_owned(), |m| t_with("restore.minutes", &[("minutes", m.to_string())])),
            )}
            {detail("restore.counting_types", types)}
        </dl>
    }
}

/// The fields the requirement form shows.
const REQUIREMENT_FIELDS: &[&str] = &["interval_days", "rto_target_minutes", "counting_types"];

#[component]
fn RequirementForm(
    requirement: RestoreRequirementDto,
    on_saved: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let job_id = requirement.job_id;
    let interval = RwSignal::new(requirement.interval_days.map(|days| days.to_string()).unwrap_or_default());
    let rto = RwSignal::new(requirement.rto_target_minutes.map(|m| m.to_string()).unwrap_or_default());
    let types =
        RwSignal::new(requirement.counting_types.iter().map(|kind| kind.as_str().to_owned()).collect::<Vec<_>>());
    let save = Submit::new(move |request: &RestoreRequirementRequest| {
        let request = request.clone();
        async move {
            let saved = api::save_restore_requirement(job_id, &request).await?;
            on_saved.run(());
            Ok::<_, ApiError>(saved)
        }
    });
    let form = FormState::new(save);
    let interval_check =
        Signal::derive(move || validate::optional_number(&interval.get(), 0, 3650).map(|c| c.message()));
    let rto_check = Signal::derive(move || validate::optional_number(&rto.get(), 1, 100_000).map(|c| c.message()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.attempt();
        if interval_check.get_untracked().is_some() || rto_check.get_untracked().is_some() {
            return;
        }
        let number = |value: RwSignal<String>| {
            validate::parse_optional(&value.get_untracked()).and_then(|n| u32::try_from(n).ok())
        };
        save.dispatch_local(RestoreRequirementRequest {
            interval_days: number(interval),
            rto_target_minutes: number(rto),
            counting_types: Some(
                types.get_untracked().iter().filter_map(|kind| RestoreTestType::parse(kind)).collect(),
            ),
        });
    };
    view! {
        <form class="panel inset" id="restore-requirement-form" on:submit=submit novalidate=true>
            <h3>{tr("restore.edit_requirement")}</h3>
            <div class="form-grid">
                <Field label="restore.interval_days" name="interval_days" value=interval form=form check=interval_check kind="number" hint="restore.interval_hint"/>
                <Field label="restore.rto_target_minutes" name="rto_target_minutes" value=rto form=form check=rto_check kind="number"/>
            </div>
            <MultiCheck label="restore.counting_types" name="counting_types" value=types form=form hint="restore.counting_hint"
                options=enum_options("restore_type", wire_names(RestoreTestType::ALL, RestoreTestType::as_str))/>
            <FormError form=form placed=REQUIREMENT_FIELDS/>
            <div class="button-row">
                <button type="submit" disabled=move || form.busy()>{tr("common.save")}</button>
                <button type="button" class="secondary" on:click=move |_| on_cancel.run(())>{tr("common.cancel")}</button>
            </div>
        </form>
    }
}

/// The media of the job's offline copies, with their states.
#[component]
fn OfflineMedia(copies: Fetch<Vec<CopyDto>>, changes: Signal<()>) -> impl IntoView {
    let media = Fetch::new(move || {
        changes.track();
        let offline: Vec<CopyDto> = copies
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .filter(|copy| copy.offline || copy.copy_type == CopyType::Offline)
            .collect();
        async move {
            let mut found = Vec::new();
            for copy in offline {
                let query = ListMediaQuery { copy_id: Some(copy.id), per_page: Some(200), ..Default::default() };
                found.push((copy, api::list_media(&query).await?.data));
            }
            Ok::<_, ApiError>(found)
        }
    });
    view! {
        <section class="panel" data-testid="job-media">
            <h2>{tr("media.of_offline_copies")}</h2>
            {move || loaded(media.get(), |found| {
                if found.is_empty() {
                    return view! { <Empty key="media.no_offline_copies"/> }.into_any();
                }
                found
                    .into_iter()
                    .map(|(copy, media)| view! {
                        <h3>{format::copy_label(&copy)}</h3>
                        {if media.is_empty() {
                            view! { <Empty key="media.none_for_copy"/> }.into_any()
                        } else {
                            view! { <MediaTable media=media/> }.into_any()
                        }}
                    })
                    .collect_view()
                    .into_any()
            })}
        </section>
    }
}
