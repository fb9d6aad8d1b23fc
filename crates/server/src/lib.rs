//! bms server library: configuration, database, HTTP API, authentication, audit log.
//! The `bms` binary (`main.rs`) only parses the command line and calls `cli::run`.

pub mod access;
pub mod alerts;
pub mod api_keys;
pub mod app;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod compliance;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod envfile;
pub mod error;
pub mod executions;
pub mod files;
pub mod health;
pub mod http;
pub mod jobs;
pub mod logging;
pub mod media;
pub mod metrics;
pub mod notify;
pub mod request;
pub mod restore;
pub mod scheduler;
pub mod security_headers;
pub mod sessions;
pub mod shutdown;
pub mod system;
pub mod tokens;
pub mod tracking;
pub mod users;
