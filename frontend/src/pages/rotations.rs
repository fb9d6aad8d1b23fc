//! Media rotation: the schemes (grandfather-father-son, Tower of Hanoi, round robin) with
//! their parameters, created and deleted by administrators; a scheme's calendar (the set
//! to use each day, when it is needed again, its media) and which media are in which set.

use bms_types::alerts::Weekday;
use bms_types::media::{
    AssignRotationSetRequest, ListMediaQuery, MediumDto, RotationCalendarQuery, RotationDto, RotationRequest,
};
use bms_types::rotation::{MAX_HANOI_SETS, MAX_PERIOD_DAYS, MAX_SETS, RotationScheme};
use chrono::Datelike;
use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::app::use_session;
use crate::components::{
    CheckField, DateFilter, Empty, EnumBadge, Fetch, Field, FormError, FormState, SelectField, Submit, action_error,
    confirm, data_table, enum_options, loaded, wire_names,
};
use crate::format;
use crate::i18n::{enum_label, t, t_with, tr};
use crate::pages::with_id;
use crate::validate;

/// The scheme kinds, as `RotationScheme` tags them on the wire.
const KINDS: [&str; 3] = ["gfs", "tower_of_hanoi", "round_robin"];

/// "GFS: 5 daily, 4 weekly (Fri), 12 monthly", in the person's language.
pub fn scheme_summary(scheme: &RotationScheme) -> String {
    match scheme {
        RotationScheme::Gfs { daily, weekly, monthly, weekly_day, skip_weekends } => {
            let mut text = t_with(
                "rotation.summary_gfs",
                &[
                    ("daily", daily.to_string()),
                    ("weekly", weekly.to_string()),
                    ("monthly", monthly.to_string()),
                    ("day", enum_label("weekday", weekly_day.as_str())),
                ],
            );
            if *skip_weekends {
                text = format!("{text} · {}", t("rotation.skip_weekends"));
            }
            text
        }
        RotationScheme::TowerOfHanoi { sets } => t_with("rotation.summary_hanoi", &[("sets", sets.to_string())]),
        RotationScheme::RoundRobin { sets, period_days } => {
            t_with("rotation.summary_round_robin", &[("sets", sets.to_string()), ("days", period_days.to_string())])
        }
    }
}

/// The rotation schemes.
#[component]
pub fn RotationsPage() -> impl IntoView {
    // The role does not change while a page is shown (signing out leaves it).
    let admin = use_session().is_admin();
    let creating = RwSignal::new(false);
    let changed = Trigger::new();
    let delete = Submit::new(|id: &i64| api::delete_rotation(*id));
    let rotations = Fetch::new(move || {
        changed.track();
        delete.version().track();
        api::list_rotations()
    });
    view! {
        <section>
            <div class="page-head">
                <h1>{tr("rotation.title")}</h1>
                <a href="/media" class="button secondary">{tr("media.back")}</a>
            </div>
            <p class="muted">{tr("rotation.intro")}</p>
            {action_error(delete)}
            {move || match (admin, creating.get()) {
                (false, _) => ().into_any(),
                (true, false) => view! {
                    <button type="button" id="new-rotation" on:click=move |_| creating.set(true)>{tr("rotation.new")}</button>
                }.into_any(),
                (true, true) => view! {
                    <RotationForm
                        on_saved=Callback::new(move |()| { creating.set(false); changed.notify(); })
                        on_cancel=Callback::new(move |()| creating.set(false))/>
                }.into_any(),
            }}
            {move || loaded(rotations.get(), move |list| {
                if list.data.is_empty() {
                    return view! { <Empty key="rotation.empty"/> }.into_any();
                }
                let rows = list.data.into_iter().map(|rotation| {
                    let (id, name) = (rotation.id, rotation.name.clone());
                    let summary = scheme_summary(&rotation.scheme);
                    let ask_delete = move |_| {
                        if confirm(&t_with("rotation.confirm_delete", &[("name", name.clone())])) {
                            delete.dispatch_local(id);
                        }
                    };
                    view! {
                        <tr data-rotation-id=id.to_string()>
                            <td><a href=format!("/media/rotations/{id}")>{rotation.name.clone()}</a></td>
                            <td>{summary}</td>
                            <td>{rotation.start_date.to_string()}</td>
                            <td>{rotation.copy_id.map(|copy| format!("#{copy}")).unwrap_or_default()}</td>
                            <td>{rotation.sets.join(" ")}</td>
                            <td class="actions">
                                {admin.then(|| view! {
                                    <button type="button" class="danger" on:click=ask_delete.clone()>{tr("common.delete")}</button>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view().into_any();
                data_table("rotations", &["rotation.name", "rotation.scheme", "rotation.start_date", "media.copy_id", "rotation.sets", ""], rows)
            })}
        </section>
    }
}

/// The fields the rotation form shows.
const ROTATION_FIELDS: &[&str] =
    &["name", "kind", "daily", "weekly", "monthly", "weekly_day", "sets", "period_days", "start_date", "copy_id"];

/// A new rotation (`None`) or the whole of one, replaced.
#[component]
fn RotationForm(on_saved: Callback<()>, on_cancel: Callback<()>) -> impl IntoView {
    let number = |value: u32| RwSignal::new(value.to_string());
    // A common starting point: GFS with a week of daily sets, four weekly, a year of monthly.
    let kind = RwSignal::new("gfs".to_owned());
    let (daily, weekly, monthly, sets, period_days) = (number(5), number(4), number(12), number(4), number(7));
    let weekly_day = RwSignal::new(Weekday::Fri.as_str().to_owned());
    let skip_weekends = RwSignal::new(true);
    let name = RwSignal::new(String::new());
    let start = RwSignal::new(format::today().to_string());
    let copy = RwSignal::new(String::new());
    let save = Submit::new(move |request: &RotationRequest| {
        let request = request.clone();
        async move {
            let saved = api::create_rotation(&request).await?;
            on_saved.run(());
            Ok::<_, ApiError>(saved)
        }
    });
    let form = FormState::new(save);
    let message = |check: Option<validate::Check>| check.map(|check| check.message());
    // The scheme's own bounds (`bms_types::rotation`), checked for the fields of the chosen kind.
    let count_check = move |value: RwSignal<String>, of_kind: &'static str, min: i64, max: u32| {
        Signal::derive(move || {
            (kind.get() == of_kind).then(|| message(validate::number(&value.get(), min, i64::from(max)))).flatten()
        })
    };
    let daily_check = Signal::derive(move || {
        if kind.get() != "gfs" {
            return None;
        }
        message(validate::number(&daily.get(), 0, i64::from(MAX_SETS))).or_else(|| {
            let total: u32 =
                [daily, weekly, monthly].iter().filter_map(|value| value.get().trim().parse::<u32>().ok()).sum();
            (total == 0).then(|| t("rotation.check_min_total"))
        })
    });
    let weekly_check = count_check(weekly, "gfs", 0, MAX_SETS);
    let monthly_check = count_check(monthly, "gfs", 0, MAX_SETS);
    let hanoi_check = count_check(sets, "tower_of_hanoi", 1, MAX_HANOI_SETS);
    let pool_check = count_check(sets, "round_robin", 1, MAX_SETS);
    let period_check = count_check(period_days, "round_robin", 1, MAX_PERIOD_DAYS);
    let sets_check = Signal::derive(move || hanoi_check.get().or_else(|| pool_check.get()));
    let name_check = Signal::derive(move || message(validate::required_text(&name.get(), 100)));
    let start_check = Signal::derive(move || message(validate::date(&start.get())));
    let copy_check = Signal::derive(move || message(validate::optional_number(&copy.get(), 1, i64::MAX)));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.attempt();
        let checks =
            [name_check, daily_check, weekly_check, monthly_check, sets_check, period_check, start_check, copy_check];
        if checks.iter().any(|check| check.get_untracked().is_some()) {
            return;
        }
        let count = |value: RwSignal<String>| value.get_untracked().trim().parse::<u32>().unwrap_or_default();
        let scheme = match kind.get_untracked().as_str() {
            "tower_of_hanoi" => RotationScheme::TowerOfHanoi { sets: count(sets) },
            "round_robin" => RotationScheme::RoundRobin { sets: count(sets), period_days: count(period_days) },
            _ => RotationScheme::Gfs {
                daily: count(daily),
                weekly: count(weekly),
                monthly: count(monthly),
                weekly_day: Weekday::parse(&weekly_day.get_untracked()).unwrap_or(Weekday::Fri),
                skip_weekends: skip_weekends.get_untracked(),
            },
        };
        let Some(start_date) = format::parse_date(&start.get_untracked()) else { return };
        save.dispatch_local(RotationRequest {
            name: name.get_untracked().trim().to_owned(),
            scheme,
            start_date,
            copy_id: validate::parse_optional(&copy.get_untracked()),
        });
    };
    view! {
        <form class="panel inset" id="rotation-form" on:submit=submit novalidate=true>
            <h2>{tr("rotation.new")}</h2>
            <div class="form-grid">
                <Field label="rotation.name" name="name" value=name form=form check=name_check required=true/>
                <SelectField label="rotation.scheme" name="kind" value=kind form=form options=enum_options("rotation_kind", KINDS.to_vec())/>
                <Field label="rotation.start_date" name="start_date" value=start form=form check=start_check kind="date" required=true/>
                <Field label="media.copy_id" name="copy_id" value=copy form=form check=copy_check kind="number" hint="rotation.copy_hint"/>
            </div>
            <fieldset>
                <legend>{move || enum_label("rotation_kind", &kind.get())}</legend>
                <p class="hint">{move || t(&format!("rotation.explain_{}", kind.get()))}</p>
                <div class="form-grid">
                    {move || match kind.get().as_str() {
                        "gfs" => view! {
                            <Field label="rotation.daily" name="daily" value=daily form=form check=daily_check kind="number"/>
                            <Field label="rotation.weekly" name="weekly" value=weekly form=form check=weekly_check kind="number"/>
                            <Field label="rotation.monthly" name="monthly" value=monthly form=form check=monthly_check kind="number"/>
                            <SelectField label="rotation.weekly_day" name="weekly_day" value=weekly_day form=form
                                options=enum_options("weekday", wire_names(Weekday::ALL, Weekday::as_str))/>
                            <CheckField label="rotation.skip_weekends" name="skip_weekends" value=skip_weekends/>
                        }.into_any(),
                        "round_robin" => view! {
                            <Field label="rotation.set_count" name="sets" value=sets form=form check=sets_check kind="number"/>
                            <Field label="rotation.period_days" name="period_days" value=period_days form=form check=period_check kind="number"/>
                        }.into_any(),
                        _ => view! {
                            <Field label="rotation.set_count" name="sets" value=sets form=form check=sets_check kind="number"/>
                        }.into_any(),
                    }}
                </div>
            </fieldset>
            <FormError form=form placed=ROTATION_FIELDS/>
            <div class="button-row">
                <button type="submit" disabled=move || form.busy()>{tr("common.create")}</button>
                <button type="button" class="secondary" on:click=move |_| on_cancel.run(())>{tr("common.cancel")}</button>
            </div>
        </form>
    }
}

/// `/media/rotations/:id`.
#[component]
pub fn RotationPage() -> impl IntoView {
    with_id(|id| view! { <RotationDetail rotation_id=id/> })
}

#[component]
fn RotationDetail(rotation_id: i64) -> impl IntoView {
    let from = RwSignal::new(format::today().to_string());
    let days = RwSignal::new("28".to_owned());
    let unpaged = RwSignal::new(1u32);
    let assign = Submit::new(move |request: &AssignRotationSetRequest| {
        let request = request.clone();
        async move { api::assign_rotation_set(rotation_id, &request).await }
    });
    // The calendar, and every medium for the assignment form and the sets' members (the
    // inventory has no rotation filter; 200 is the most one page holds).
    let calendar = Fetch::new(move || {
        assign.version().track();
        let query = RotationCalendarQuery { from: format::parse_date(&from.get()), days: days.get().parse().ok() };
        let media = ListMediaQuery { per_page: Some(200), ..Default::default() };
        async move {
            let (calendar, media) =
                futures::join!(api::rotation_calendar(rotation_id, &query), api::list_media(&media));
            Ok::<_, ApiError>((calendar?, media?.data))
        }
    });
    let spans = Signal::derive(|| {
        ["14", "28", "56", "91"]
            .iter()
            .map(|n| ((*n).to_owned(), t_with("restore.days", &[("days", (*n).to_owned())])))
            .collect()
    });
    view! {
        <section>
            {move || loaded(calendar.get(), move |(calendar, media)| {
                let rotation = calendar.rotation.clone();
                let name = rotation.name.clone();
                let summary = format!(
                    "{} · {}",
                    scheme_summary(&rotation.scheme),
                    t_with("rotation.starts", &[("date", rotation.start_date.to_string())])
                );
                let rows = calendar.days.into_iter().map(|day| {
                    let weekday = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][day.date.weekday().num_days_from_monday() as usize];
                    view! {
                        <tr data-date=day.date.to_string() data-set=day.set.clone()>
                            <td>{day.date.to_string()} " " <span class="muted">{enum_label("weekday", weekday)}</span></td>
                            <td><strong>{day.set.clone()}</strong></td>
                            <td><EnumBadge kind="tier" value=day.tier.as_str()/></td>
                            <td>{format::maybe_date(day.next_use)}</td>
                            <td>{day.media.join(", ")}</td>
                        </tr>
                    }
                }).collect_view().into_any();
                view! {
                    <div class="page-head">
                        <h1>{name}</h1>
                        <a href="/media/rotations" class="button secondary">{tr("rotation.back")}</a>
                    </div>
                    <p>{summary}</p>

                    <section class="panel">
                        <h2>{tr("rotation.calendar")}</h2>
                        <div class="filters">
                            <DateFilter id="f-from" label="rotation.from" value=from page=unpaged/>
                            <SelectField label="rotation.days" name="days" value=days options=spans/>
                        </div>
                        {data_table("rotation-calendar", &["rotation.date", "rotation.set", "rotation.tier", "rotation.next_use", "rotation.media"], rows)}
                    </section>
                    <Members rotation=rotation media=media assign=assign/>
                }.into_any()
            })}
        </section>
    }
}

/// The media in the rotation's sets, and (administrators) putting media into a set.
#[component]
fn Members(
    rotation: RotationDto,
    media: Vec<MediumDto>,
    assign: Submit<AssignRotationSetRequest, MediumDto>,
) -> impl IntoView {
    // The role does not change while a page is shown (signing out leaves it).
    let admin = use_session().is_admin();
    let rotation_id = rotation.id;
    let medium = RwSignal::new(String::new());
    let set = RwSignal::new(rotation.sets.first().cloned().unwrap_or_default());
    let set_options = Signal::derive({
        let sets = rotation.sets.clone();
        move || sets.iter().map(|set| (set.clone(), set.clone())).collect()
    });
    let options: Vec<(String, String)> = media
        .iter()
        .map(|m| (m.id.to_string(), format!("{} ({})", m.label, m.rotation_set.clone().unwrap_or_default())))
        .collect();
    let medium_options = Signal::derive(move || options.clone());
    let members: Vec<MediumDto> = media.into_iter().filter(|m| m.rotation_id == Some(rotation_id)).collect();
    let put = move |_| {
        if let Ok(medium_id) = medium.get_untracked().parse() {
            assign.dispatch_local(AssignRotationSetRequest { medium_id, set: Some(set.get_untracked()) });
        }
    };
    let member_table = if members.is_empty() {
        view! { <Empty key="rotation.no_members"/> }.into_any()
    } else {
        let rows = members.into_iter().map(|m| {
                    let id = m.id;
                    view! {
                        <tr data-medium-id=id.to_string()>
                            <td><strong>{m.rotation_set.clone().unwrap_or_default()}</strong></td>
                            <td><a href=format!("/media/{id}")>{m.label.clone()}</a></td>
                            <td><EnumBadge kind="media_state" value=m.state.as_str()/></td>
                            <td>{m.location.clone()}</td>
                            <td class="actions">
                                {admin.then(|| view! {
                                    <button type="button" class="secondary"
                                        on:click=move |_| { assign.dispatch_local(AssignRotationSetRequest { medium_id: id, set: None }); }>
                                        {tr("rotation.unassign")}
                                    </button>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view().into_any();
        data_table("rotation-members", &["rotation.set", "media.label", "media.state", "media.location", ""], rows)
    };
    view! {
        <section class="panel" data-testid="rotation-members">
            <h2>{tr("rotation.members")}</h2>
            {action_error(assign)}
            {member_table}
            {admin.then(|| view! {
                <div class="filters">
                    <SelectField label="rotation.medium" name="medium_id" value=medium blank="rotation.choose_medium" options=medium_options/>
                    <SelectField label="rotation.set" name="set" value=set options=set_options/>
                    <div class="field">
                        <button type="button" data-testid="rotation-assign" disabled=move || medium.with(String::is_empty) || assign.pending().get() on:click=put>
                            {tr("rotation.assign")}
                        </button>
                    </div>
                </div>
            })}
        </section>
    }
}
