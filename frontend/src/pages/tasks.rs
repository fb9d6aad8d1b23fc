//! The scheduler's periodic tasks (all roles read it): schedule, next and last run,
//! outcome, counts, and which process holds the lease that runs them.

use bms_types::system::TaskDto;
use leptos::prelude::*;

use crate::api;
use crate::components::{Empty, EnumBadge, Fetch, loaded};
use crate::format;
use crate::i18n::{t_with, tr};

/// The tasks screen.
#[component]
pub fn TasksPage() -> impl IntoView {
    let tasks = Fetch::new(api::system_tasks);
    view! {
        <section>
            <div class="page-head">
                <h1>{tr("tasks.title")}</h1>
                <button type="button" class="secondary" on:click=move |_| tasks.refetch()>{tr("common.refresh")}</button>
            </div>
            {move || loaded(tasks.get(), |list| {
                let lease = match list.lease {
                    Some(lease) => {
                        let here = lease.held_by_this_process;
                        view! {
                            <p class="notice" data-testid="task-lease">
                                {move || t_with("tasks.lease", &[("holder", lease.holder.clone()), ("until", format::datetime(lease.expires_at))])}
                                {here.then(|| view! { " " <span class="badge">{tr("tasks.this_process")}</span> })}
                            </p>
                        }.into_any()
                    }
                    None => view! { <p class="notice" data-testid="task-lease">{tr("tasks.no_lease")}</p> }.into_any(),
                };
                let table = if list.data.is_empty() {
                    view! { <Empty key="tasks.empty"/> }.into_any()
                } else {
                    let rows = list.data.into_iter().map(|task| view! { <TaskRow task=task/> }).collect_view();
                    view! {
                        <div class="table-wrap">
                            <table class="tasks" data-testid="tasks-table">
                                <thead>
                                    <tr>
                                        <th>{tr("tasks.name")}</th>
                                        <th>{tr("tasks.schedule")}</th>
                                        <th>{tr("tasks.next_run")}</th>
                                        <th>{tr("tasks.last_started")}</th>
                                        <th>{tr("tasks.last_finished")}</th>
                                        <th>{tr("tasks.duration")}</th>
                                        <th>{tr("tasks.outcome")}</th>
                                        <th>{tr("tasks.last_error")}</th>
                                        <th>{tr("tasks.runs")}</th>
                                    </tr>
                                </thead>
                                <tbody>{rows}</tbody>
                            </table>
                        </div>
                    }.into_any()
                };
                view! { {lease} {table} }
            })}
        </section>
    }
}

#[component]
fn TaskRow(task: TaskDto) -> impl IntoView {
    let duration = task
        .last_duration_ms
        .map_or_else(|| "—".to_owned(), |ms| if ms < 1000 { format!("{ms} ms") } else { format::duration(ms / 1000) });
    let (runs, failures) = (task.runs, task.failures);
    view! {
        <tr data-task=task.name.clone()>
            <td><code>{task.name.clone()}</code><br/><span class="muted">{task.description.clone()}</span></td>
            <td><code>{task.schedule.clone()}</code></td>
            <td>{format::datetime(task.next_run_at)}</td>
            <td>{format::maybe_datetime(task.last_started_at)}</td>
            <td>{format::maybe_datetime(task.last_finished_at)}</td>
            <td>{duration}</td>
            <td>{task.last_outcome.map(|outcome| view! { <EnumBadge kind="task_outcome" value=outcome.as_str()/> })}</td>
            <td class="message">{task.last_error.clone().unwrap_or_default()}</td>
            <td class:bad={failures > 0}>{move || t_with("tasks.runs_failures", &[("runs", runs.to_string()), ("failures", failures.to_string())])}</td>
        </tr>
    }
}
