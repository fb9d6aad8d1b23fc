//! One module per screen.

pub mod api_keys;
pub mod audit;
pub mod dashboard;
pub mod executions;
pub mod job_detail;
pub mod job_form;
pub mod jobs;
pub mod login;
pub mod users;
