//! Maintenance windows (silences): the list with what is silencing right now, a form to
//! open one (everything, some tags or some jobs; once or weekly) and "end now".

use bms_types::alerts::{
    CreateMaintenanceWindowRequest, ListMaintenanceWindowsQuery, MaintenanceWindowDto, SilenceScope, Weekday,
    WeeklyRecurrenceDto,
};
use bms_types::permissions::Permission;
use chrono::Utc;
use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::app::use_session;
use crate::components::{
    CheckField, CreateForm, Empty, Fetch, Field, FormState, MultiCheck, SelectField, Submit, action_error, confirm,
    enum_options, loaded, wire_names,
};
use crate::format::{self, local_input, parse_local};
use crate::i18n::{enum_label, t, tr};
use crate::validate;

/// The fields the window form shows.
const WINDOW_FIELDS: &[&str] = &[
    "scope",
    "tags",
    "job_ids",
    "starts_at",
    "ends_at",
    "duration_minutes",
    "reason",
    "weekly.days",
    "weekly.start",
    "weekly.end",
    "weekly.timezone",
];

/// The maintenance screen.
#[component]
pub fn MaintenancePage() -> impl IntoView {
    let session = use_session();
    let include_ended = RwSignal::new(false);
    let end = Submit::new(|id: &i64| api::end_maintenance_window(*id));
    let created = Trigger::new();
    let windows = Fetch::new(move || {
        end.version().track();
        created.track();
        let query = ListMaintenanceWindowsQuery { include_ended: include_ended.get().then_some(true) };
        async move { api::list_maintenance_windows(&query).await }
    });
    view! {
        <section>
            <div class="page-head">
                <h1>{tr("maintenance.title")}</h1>
                <button type="button" class="secondary" on:click=move |_| windows.refetch()>{tr("common.refresh")}</button>
            </div>
            <p class="muted">{tr("maintenance.intro")}</p>
            {action_error(end)}
            <Show when=move || session.can(Permission::Silence)>
                <CreateWindow on_created=Callback::new(move |()| created.notify())/>
            </Show>
            <div class="filters">
                <CheckField label="maintenance.include_ended" name="include_ended" value=include_ended/>
            </div>
            {move || loaded(windows.get(), move |list| {
                if list.data.is_empty() {
                    return view! { <Empty key="maintenance.empty"/> }.into_any();
                }
                let rows = list.data.into_iter().map(|window| view! { <WindowRow window=window end=end/> }).collect_view();
                view! {
                    <div class="table-wrap">
                        <table class="maintenance" data-testid="maintenance-table">
                            <thead>
                                <tr>
                                    <th>{tr("maintenance.scope")}</th>
                                    <th>{tr("maintenance.starts_at")}</th>
                                    <th>{tr("maintenance.ends_at")}</th>
                                    <th>{tr("maintenance.weekly")}</th>
                                    <th>{tr("maintenance.reason")}</th>
                                    <th>{tr("maintenance.created_by")}</th>
                                    <th>{tr("maintenance.state")}</th>
                                    <th></th>
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }.into_any()
            })}
        </section>
    }
}

#[component]
fn WindowRow(window: MaintenanceWindowDto, end: Submit<i64, ()>) -> impl IntoView {
    let session = use_session();
    let id = window.id;
    let scope = window.scope.as_str();
    let targets = match window.scope {
        SilenceScope::All => String::new(),
        SilenceScope::Tags => window.tags.join(", "),
        SilenceScope::Jobs => window.job_ids.iter().map(|id| format!("#{id}")).collect::<Vec<_>>().join(", "),
    };
    let weekly = window.weekly.clone().map(|weekly| {
        move || {
            let days = weekly.days.iter().map(|day| enum_label("weekday", day.as_str())).collect::<Vec<_>>().join(" ");
            format!("{days} {}–{} ({})", weekly.start, weekly.end, weekly.timezone)
        }
    });
    let ended = window.ends_at <= Utc::now();
    let ask_end = move |_| {
        if confirm(&t("maintenance.confirm_end")) {
            end.dispatch_local(id);
        }
    };
    view! {
        <tr data-window-id=id.to_string() data-active=if window.active_now { "true" } else { "false" }>
            <td>{move || enum_label("silence_scope", scope)} {(!targets.is_empty()).then(|| view! { ": " {targets.clone()} })}</td>
            <td>{format::datetime(window.starts_at)}</td>
            <td>{format::datetime(window.ends_at)}</td>
            <td>{weekly}</td>
            <td class="message">{window.reason.clone()}</td>
            <td>{window.created_by.clone()}</td>
            <td>
                {if window.active_now {
                    view! { <span class="badge window-active" data-testid="window-active">{tr("maintenance.active_now")}</span> }.into_any()
                } else if ended {
                    view! { <span class="badge">{tr("maintenance.ended")}</span> }.into_any()
                } else {
                    view! { <span class="badge window-scheduled">{tr("maintenance.scheduled")}</span> }.into_any()
                }}
            </td>
            <td class="actions">
                <Show when=move || !ended && session.can(Permission::Silence)>
                    <button type="button" class="danger" data-testid="window-end" on:click=ask_end>{tr("maintenance.end_now")}</button>
                </Show>
            </td>
        </tr>
    }
}

#[component]
fn CreateWindow(on_created: Callback<()>) -> impl IntoView {
    let open = RwSignal::new(false);
    let scope = RwSignal::new("all".to_owned());
    let tags = RwSignal::new(String::new());
    let job_ids = RwSignal::new(String::new());
    // Prefilled with the time the form was made; left as it is, it means "now" (so a form
    // filled in slowly does not start the window in the past).
    let initial_start = local_input(Utc::now());
    let starts = RwSignal::new(initial_start.clone());
    let ends = RwSignal::new(String::new());
    let duration = RwSignal::new("60".to_owned());
    let reason = RwSignal::new(String::new());
    let weekly = RwSignal::new(false);
    let days = RwSignal::new(Vec::<String>::new());
    let weekly_start = RwSignal::new("22:00".to_owned());
    let weekly_end = RwSignal::new("06:00".to_owned());
    let weekly_zone = RwSignal::new(format::local_zone_name());
    let create = Submit::new(move |request: &CreateMaintenanceWindowRequest| {
        let request = request.clone();
        async move {
            let window = api::create_maintenance_window(&request).await?;
            reason.set(String::new());
            open.set(false);
            on_created.run(());
            Ok::<_, ApiError>(window)
        }
    });
    let form = FormState::new(create);
    let reason_check = Signal::derive(move || validate::required_text(&reason.get(), 500).map(|c| c.message()));
    let tags_check = Signal::derive(move || {
        (scope.get() == "tags")
            .then(|| validate::required(&tags.get()).or_else(|| validate::tags(&tags.get())))
            .flatten()
            .map(|c| c.message())
    });
    let jobs_check = Signal::derive(move || {
        (scope.get() == "jobs")
            .then(|| validate::required(&job_ids.get()).or_else(|| validate::ids(&job_ids.get())))
            .flatten()
            .map(|c| c.message())
    });
    let start_check = Signal::derive(move || {
        let value = starts.get();
        (!value.trim().is_empty() && parse_local(&value).is_none()).then(|| t("check.datetime"))
    });
    let end_check = Signal::derive(move || {
        let value = ends.get();
        (!value.trim().is_empty() && parse_local(&value).is_none()).then(|| t("check.datetime"))
    });
    let duration_check = Signal::derive(move || {
        ends.with(|e| e.trim().is_empty())
            .then(|| validate::number(&duration.get(), 1, 525_600))
            .flatten()
            .map(|c| c.message())
    });
    let weekly_start_check = Signal::derive(move || {
        weekly
            .get()
            .then(|| validate::required(&weekly_start.get()).or_else(|| validate::optional_time(&weekly_start.get())))
            .flatten()
            .map(|c| c.message())
    });
    let weekly_end_check = Signal::derive(move || {
        weekly
            .get()
            .then(|| validate::required(&weekly_end.get()).or_else(|| validate::optional_time(&weekly_end.get())))
            .flatten()
            .map(|c| c.message())
    });
    let submit = move |_: leptos::ev::SubmitEvent| {
        form.attempt();
        let checks = [
            reason_check,
            tags_check,
            jobs_check,
            start_check,
            end_check,
            duration_check,
            weekly_start_check,
            weekly_end_check,
        ];
        if checks.iter().any(|check| check.get_untracked().is_some()) {
            return;
        }
        let Some(silence_scope) = SilenceScope::parse(&scope.get_untracked()) else { return };
        let ends_at = parse_local(&ends.get_untracked());
        let request = CreateMaintenanceWindowRequest {
            scope: silence_scope,
            tags: if silence_scope == SilenceScope::Tags {
                validate::split_tags(&tags.get_untracked())
            } else {
                Vec::new()
            },
            job_ids: if silence_scope == SilenceScope::Jobs {
                validate::split_ids(&job_ids.get_untracked()).unwrap_or_default()
            } else {
                Vec::new()
            },
            starts_at: Some(starts.get_untracked())
                .filter(|start| *start != initial_start)
                .and_then(|s| parse_local(&s)),
            ends_at,
            duration_minutes: if ends_at.is_none() {
                validate::parse_optional(&duration.get_untracked())
            } else {
                None
            },
            reason: reason.get_untracked().trim().to_owned(),
            weekly: weekly.get_untracked().then(|| WeeklyRecurrenceDto {
                days: days.get_untracked().iter().filter_map(|day| Weekday::parse(day)).collect(),
                start: weekly_start.get_untracked().trim().to_owned(),
                end: weekly_end.get_untracked().trim().to_owned(),
                timezone: weekly_zone.get_untracked().trim().to_owned(),
            }),
        };
        create.dispatch_local(request);
    };
    view! {
        <CreateForm open=open button_id="new-window" form_id="window-form" title="maintenance.new" form=form placed=WINDOW_FIELDS on_submit=Callback::new(submit)>
            <div class="form-grid">
                <SelectField label="maintenance.scope" name="scope" value=scope form=form
                    options=enum_options("silence_scope", wire_names(SilenceScope::ALL, SilenceScope::as_str))/>
                <Show when=move || scope.get() == "tags">
                    <Field label="maintenance.tags" name="tags" value=tags form=form check=tags_check placeholder="prod, db"/>
                </Show>
                <Show when=move || scope.get() == "jobs">
                    <Field label="maintenance.job_ids" name="job_ids" value=job_ids form=form check=jobs_check placeholder="12, 15"/>
                </Show>
                <Field label="maintenance.starts_at" name="starts_at" value=starts form=form check=start_check kind="datetime-local" hint="maintenance.starts_hint"/>
                <Field label="maintenance.ends_at" name="ends_at" value=ends form=form check=end_check kind="datetime-local" hint="maintenance.ends_hint"/>
                <Field label="maintenance.duration_minutes" name="duration_minutes" value=duration form=form check=duration_check kind="number"/>
            </div>
            <Field label="maintenance.reason" name="reason" value=reason form=form check=reason_check required=true/>
            <CheckField label="maintenance.weekly_repeat" name="weekly" value=weekly/>
            <Show when=move || weekly.get()>
                <fieldset>
                    <legend>{tr("maintenance.weekly")}</legend>
                    <MultiCheck label="maintenance.days" name="weekly.days" value=days form=form
                        options=enum_options("weekday", wire_names(Weekday::ALL, Weekday::as_str))/>
                    <div class="form-grid">
                        <Field label="maintenance.weekly_start" name="weekly.start" value=weekly_start form=form check=weekly_start_check placeholder="22:00"/>
                        <Field label="maintenance.weekly_end" name="weekly.end" value=weekly_end form=form check=weekly_end_check placeholder="06:00"/>
                        <Field label="maintenance.timezone" name="weekly.timezone" value=weekly_zone form=form placeholder="Asia/Tokyo"/>
                    </div>
                    <small class="hint">{tr("maintenance.weekly_hint")}</small>
                </fieldset>
            </Show>
        </CreateForm>
    }
}
