//! The morning check and the NOC wall screen: tiles, jobs needing attention, 30-day
//! charts, refreshed every 30 seconds with the time of the last update.

use std::time::Duration;

use bms_types::alerts::AlertSummaryDto;
use bms_types::dashboard::{DashboardSeries, DashboardSummary};
use bms_types::jobs::JobStateDto;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::{self, ApiError};
use crate::app::WALL_MODE_KEY;
use crate::charts::{LineChart, Series, StackedBars, StackedDay};
use crate::components::{ComplianceBadge, Empty, ErrorBox, Fetch, Loading, StateBadge, every};
use crate::format;
use crate::i18n::{t, t_with, tr};

const REFRESH: Duration = Duration::from_secs(30);
const SERIES_DAYS: u32 = 30;

/// One poll's answers and when they arrived.
type Poll = (Result<DashboardSummary, ApiError>, Result<DashboardSeries, ApiError>, DateTime<Utc>);

/// What the dashboard shows. A failed refresh keeps the last good figures on screen and shows
/// the error above them: a wall screen should not go blank because of one missed poll.
#[derive(Clone, Default, PartialEq)]
struct Board {
    summary: Option<Result<DashboardSummary, ApiError>>,
    series: Option<Result<DashboardSeries, ApiError>>,
    /// When the last poll that fully succeeded arrived.
    updated: Option<DateTime<Utc>>,
    /// Why the last poll failed, if it did.
    refresh_error: Option<ApiError>,
}

impl Board {
    /// The board after `poll`.
    fn after(previous: Option<&Board>, (summary, series, at): Poll) -> Board {
        let failed = summary.as_ref().err().or(series.as_ref().err()).cloned();
        match previous {
            Some(previous) if previous.summary.is_some() && failed.is_some() => {
                Board { refresh_error: failed, ..previous.clone() }
            }
            _ => Board {
                summary: Some(summary),
                series: Some(series),
                updated: if failed.is_none() { Some(at) } else { previous.and_then(|p| p.updated) },
                refresh_error: failed,
            },
        }
    }
}

/// The dashboard.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let wall_mode = RwSignal::new(api::stored(WALL_MODE_KEY).as_deref() == Some("1"));
    let poll = Fetch::new(|| async {
        let (summary, series) = futures::join!(api::dashboard_summary(), api::dashboard_series(SERIES_DAYS));
        // Both answers are kept, failed or not (see `Board::after`): the poll itself never fails.
        Ok::<Poll, ApiError>((summary, series, Utc::now()))
    });
    // Open alerts by severity: polled alongside, the last good answer stays on screen.
    let alert_poll = Fetch::new(api::alerts_summary);
    every(REFRESH, move || {
        poll.refetch();
        alert_poll.refetch();
    });
    let alerts = Memo::new(move |previous: Option<&Option<AlertSummaryDto>>| {
        alert_poll.get().and_then(Result::ok).or_else(|| previous.copied().flatten())
    });
    let board = Memo::new(move |previous: Option<&Board>| match poll.get().and_then(Result::ok) {
        Some(answers) => Board::after(previous, answers),
        None => previous.cloned().unwrap_or_default(),
    });
    let toggle_wall = move |_| {
        let on = !wall_mode.get_untracked();
        wall_mode.set(on);
        api::store(WALL_MODE_KEY, if on { "1" } else { "0" });
    };
    view! {
        <section class="dashboard">
            <div class="page-head">
                <h1>{tr("dashboard.title")}</h1>
                <div class="page-actions">
                    <span class="muted" aria-live="polite">
                        {move || {
                            board
                                .with(|board| board.updated)
                                .map(|at| t_with("dashboard.updated_at", &[("time", format::time_of_day(at))]))
                                .unwrap_or_default()
                        }}
                    </span>
                    <button type="button" class="secondary" on:click=move |_| {
                        poll.refetch();
                        alert_poll.refetch();
                    }>{tr("common.refresh")}</button>
                    <label class="inline">
                        <input type="checkbox" prop:checked=move || wall_mode.get() on:change=toggle_wall/>
                        {tr("dashboard.wall_mode")}
                    </label>
                </div>
            </div>
            {move || {
                board
                    .with(|board| board.refresh_error.clone().filter(|_| matches!(board.summary, Some(Ok(_)))))
                    .map(|error| view! { <ErrorBox error=error/> })
            }}
            {move || match board.with(|board| board.summary.clone()) {
                None => view! { <Loading/> }.into_any(),
                Some(Err(error)) => view! { <ErrorBox error=error/> }.into_any(),
                Some(Ok(summary)) => {
                    view! { <Tiles summary=summary.clone() alerts=alerts.into()/><Attention summary=summary/> }.into_any()
                }
            }}
            {move || match board.with(|board| board.series.clone()) {
                Some(Ok(series)) => view! { <Charts series=series/> }.into_any(),
                _ => ().into_any(),
            }}
        </section>
    }
}

fn state_count(summary: &DashboardSummary, state: JobStateDto) -> u64 {
    summary.jobs_by_state.iter().find(|count| count.state == state).map_or(0, |count| count.count)
}

/// Open alerts by severity (firing + acknowledged), linking to the alert list.
#[component]
fn AlertsTile(alerts: Signal<Option<AlertSummaryDto>>) -> impl IntoView {
    let counts = move || {
        alerts.get().map(|summary| {
            let (firing, acknowledged) = (summary.firing, summary.acknowledged);
            (
                firing.critical + acknowledged.critical,
                firing.warning + acknowledged.warning,
                firing.info + acknowledged.info,
                firing.critical + firing.warning + firing.info,
            )
        })
    };
    view! {
        <article class="tile" class:alert=move || counts().is_some_and(|(_, _, _, firing)| firing > 0) data-testid="alerts-tile">
            <h2><A href="/alerts">{tr("dashboard.open_alerts")}</A></h2>
            {move || match counts() {
                None => view! { <p class="big muted">"—"</p> }.into_any(),
                Some((critical, warning, info, firing)) => view! {
                    <p class="big">
                        <A href="/alerts?severity=critical" attr:class="bad" attr:data-severity="critical">{critical}</A>" / "
                        <A href="/alerts?severity=warning" attr:class="warn" attr:data-severity="warning">{warning}</A>" / "
                        <A href="/alerts?severity=info" attr:class="info" attr:data-severity="info">{info}</A>
                    </p>
                    <p class="muted">{move || t_with("dashboard.open_alerts_legend", &[("firing", firing.to_string())])}</p>
                }.into_any(),
            }}
        </article>
    }
}

#[component]
fn Tiles(summary: DashboardSummary, alerts: Signal<Option<AlertSummaryDto>>) -> impl IntoView {
    let problems = [JobStateDto::Failed, JobStateDto::Missed, JobStateDto::Late, JobStateDto::OverdueRunning]
        .iter()
        .map(|state| state_count(&summary, *state))
        .sum::<u64>();
    let states = JobStateDto::ALL
        .iter()
        .map(|state| {
            let count = state_count(&summary, *state);
            view! {
                <li>
                    <A href=format!("/jobs?state={}", state.as_str())><StateBadge state=*state/></A>
                    <span class="count">{count}</span>
                </li>
            }
        })
        .collect_view();
    let tile_class = if problems > 0 { "tile alert" } else { "tile" };
    let compliance = summary.compliance.clone();
    let compliant = compliance.compliant.to_string();
    let last = summary.last_24h.clone();
    view! {
        <div class="tiles">
            <article class="tile">
                <h2>{tr("dashboard.jobs")}</h2>
                <p class="big">{summary.active_jobs}<span class="muted">" / " {summary.total_jobs}</span></p>
                <p class="muted">{tr("dashboard.active_of_total")}</p>
            </article>
            <article class=tile_class>
                <h2>{tr("dashboard.needs_attention")}</h2>
                <p class="big">{problems}</p>
                <p class="muted">{tr("dashboard.problem_states")}</p>
            </article>
            <article class="tile" data-testid="compliance-tile" data-compliant=compliant>
                <h2>{tr("dashboard.compliance_rate")}</h2>
                <p class="big">{format::percent(compliance.compliance_rate)}</p>
                <p class="muted">
                    {move || {
                        t_with(
                            "dashboard.compliance_counts",
                            &[
                                ("compliant", compliance.compliant.to_string()),
                                ("warning", compliance.warning.to_string()),
                                ("non_compliant", compliance.non_compliant.to_string()),
                            ],
                        )
                    }}
                </p>
            </article>
            <article class="tile">
                <h2>{tr("dashboard.last_24h")}</h2>
                <p class="big">
                    <span class="ok">{last.success}</span>" / "
                    <span class="warn">{last.warning}</span>" / "
                    <span class="bad">{last.failed}</span>
                </p>
                <p class="muted">{tr("dashboard.last_24h_legend")}</p>
            </article>
            <article class="tile">
                <h2>{tr("dashboard.success_rate")}</h2>
                <p class="big">{format::percent(summary.success_rate_7d)}</p>
                <p class="muted">{move || t_with("dashboard.success_rate_30d", &[("rate", format::percent(summary.success_rate_30d))])}</p>
            </article>
            <AlertsTile alerts=alerts/>
        </div>
        <section class="panel">
            <h2>{tr("dashboard.by_state")}</h2>
            <ul class="state-counts">{states}</ul>
        </section>
    }
}

#[component]
fn Attention(summary: DashboardSummary) -> impl IntoView {
    let items = summary.attention;
    view! {
        <section class="panel">
            <h2>{tr("dashboard.attention")}</h2>
            {if items.is_empty() {
                view! { <Empty key="dashboard.attention_empty"/> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table>
                            <thead>
                                <tr>
                                    <th>{tr("jobs.name")}</th>
                                    <th>{tr("jobs.state")}</th>
                                    <th>{tr("jobs.since")}</th>
                                    <th>{tr("jobs.compliance")}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {items
                                    .into_iter()
                                    .map(|item| {
                                        view! {
                                            <tr>
                                                <td><A href=format!("/jobs/{}", item.job_id)>{item.name.clone()}</A></td>
                                                <td><StateBadge state=item.state/></td>
                                                <td>{format::datetime(item.state_since)}</td>
                                                <td><ComplianceBadge status=item.compliance_status/></td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                    .into_any()
            }}
        </section>
    }
}

#[component]
fn Charts(series: DashboardSeries) -> impl IntoView {
    let labels: Vec<String> = series.points.iter().map(|point| format::month_day(point.day)).collect();
    let success: Vec<Option<f64>> = series.points.iter().map(|point| point.success_rate).collect();
    let compliance: Vec<Option<f64>> = series.points.iter().map(|point| point.compliance_rate).collect();
    let days: Vec<StackedDay> = series
        .points
        .iter()
        .zip(&labels)
        .map(|(point, label)| StackedDay {
            label: label.clone(),
            counts: vec![point.results.success, point.results.warning, point.results.failed],
        })
        .collect();
    move || {
        view! {
            <div class="charts">
                <section class="panel">
                    <h2>{t("dashboard.trend_title")}</h2>
                    <LineChart
                        title=t("dashboard.trend_title")
                        labels=labels.clone()
                        series=vec![
                            Series { class: "ok", label: t("dashboard.daily_success_rate"), values: success.clone() },
                            Series { class: "info", label: t("dashboard.compliance_rate"), values: compliance.clone() },
                        ]
                    />
                </section>
                <section class="panel">
                    <h2>{t("dashboard.results_per_day")}</h2>
                    <StackedBars
                        title=t("dashboard.results_per_day")
                        layers=vec![
                            ("ok", t("enum.result.success")),
                            ("warn", t("enum.result.warning")),
                            ("bad", t("enum.result.failed")),
                        ]
                        days=days.clone()
                    />
                </section>
            </div>
        }
    }
}
