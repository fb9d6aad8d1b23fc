//! The HTTP face of results: reporting (one, or a batch of up to 1,000), listing, and the
//! Healthchecks-compatible ping URLs. What a report means is decided in `tracking::ingest`.

pub mod handlers;
pub mod ping;
pub mod queries;
