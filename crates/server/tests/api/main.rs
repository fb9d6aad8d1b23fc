//! Black-box API tests: each test starts the real server on port 0 with a fresh
//! temporary SQLite file and talks to it over HTTP.

mod alerts;
mod api_keys;
mod audit;
mod auth;
mod bad_inputs;
mod cli;
mod dashboard;
mod durability;
mod helpers;
mod http_core;
mod ingest;
mod jobs;
mod legacy_guide;
mod media;
mod metrics;
mod notify_email;
mod notify_processes;
mod operations;
mod restore;
mod role_matrix;
mod search;
mod state;
mod system;
mod users;
