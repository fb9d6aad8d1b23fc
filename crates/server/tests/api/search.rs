//! Text search matches literally in every list that has it: `\`, `_` and `%` in the query
//! mean themselves (one helper, `db::search::contains_pattern`, serves users and jobs; user
//! search once left `\` unescaped, so `a\b` found `ab`).

use bms_types::jobs::JobList;
use bms_types::users::UserList;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;

/// The query string form of `text` (percent-encoded).
fn query(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

const NAMES: [&str; 5] = ["a\\b", "a_b", "a%b", "ab", "axb"];

#[tokio::test]
async fn user_search_treats_backslash_underscore_and_percent_literally() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for (index, full_name) in NAMES.iter().enumerate() {
        let reply = app
            .post(
                "/api/v1/users",
                Some(&admin),
                &json!({"username": format!("searcher{index}"), "email": format!("s{index}@example.com"),
                        "role": "viewer", "full_name": full_name}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    }
    for text in ["a\\b", "a_b", "a%b"] {
        let reply = app.get(&format!("/api/v1/users?q={}", query(text)), Some(&admin)).await;
        assert_eq!(reply.status, StatusCode::OK);
        let list: UserList = serde_json::from_value(reply.body).expect("a user list");
        let found: Vec<&str> = list.data.iter().map(|user| user.full_name.as_str()).collect();
        assert_eq!(found, [text], "searching {text:?}");
        assert_eq!(list.meta.total, 1);
    }
}

#[tokio::test]
async fn job_search_treats_backslash_underscore_and_percent_literally() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for name in NAMES {
        app.create_job(&admin, json!({"name": format!("job {name}"), "backup_tool": "restic", "job_type": "file"}))
            .await;
    }
    for text in ["a\\b", "a_b", "a%b"] {
        let reply = app.get(&format!("/api/v1/jobs?q={}", query(text)), Some(&admin)).await;
        assert_eq!(reply.status, StatusCode::OK);
        let list: JobList = serde_json::from_value(reply.body).expect("a job list");
        let found: Vec<&str> = list.data.iter().map(|job| job.name.as_str()).collect();
        assert_eq!(found, [format!("job {text}").as_str()], "searching {text:?}");
        assert_eq!(list.meta.total, 1);
    }
}
