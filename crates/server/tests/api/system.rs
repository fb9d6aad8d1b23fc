//! The scheduler as the API shows it: the periodic job evaluation runs at start on the
//! scheduler, is recorded with its outcome and next run, and this process holds the lease.

use std::time::Duration;

use bms_types::system::{TaskList, TaskOutcome};
use reqwest::StatusCode;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_job_evaluation_runs_on_the_scheduler_and_reports_its_last_run() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mut list = None;
    for _ in 0..100 {
        let reply = app.get("/api/v1/system/tasks", Some(&admin)).await;
        assert_eq!(reply.status, StatusCode::OK);
        let tasks: TaskList = reply.json_as();
        if tasks.data.iter().any(|task| task.runs > 0) {
            list = Some(tasks);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let list = list.expect("the evaluation task ran within 10 s of start");
    let task = list.data.iter().find(|task| task.name == "evaluate_jobs").expect("evaluate_jobs is listed");
    assert_eq!(task.schedule, "every 60s");
    assert_eq!(task.runs, 1);
    assert_eq!(task.failures, 0);
    assert_eq!(task.last_outcome, Some(TaskOutcome::Success));
    assert_eq!(task.last_error, None);
    let finished = task.last_finished_at.expect("finished");
    assert!(task.last_started_at.is_some_and(|started| started <= finished));
    // The next run is one interval after the end of the last (the clock is the test's).
    assert_eq!(task.next_run_at, finished + chrono::Duration::seconds(60));
    let lease = list.lease.expect("a lease");
    assert!(lease.held_by_this_process, "{lease:?}");
    assert!(lease.expires_at > finished);
}
