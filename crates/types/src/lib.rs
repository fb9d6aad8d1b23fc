//! Wire types shared by the bms server and its SPA: request/response DTOs, enums and the
//! error-code enum. Serde only — no database or web-framework types — so that the crate
//! compiles for `wasm32-unknown-unknown`. OpenAPI schemas derive behind the `openapi` feature.

pub mod alerts;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod dashboard;
mod double_option;
pub mod error;
pub mod executions;
pub mod health;
pub mod jobs;
pub mod media;
pub mod pagination;
pub mod permissions;
pub mod restore;
pub mod rotation;
pub mod rules;
pub mod system;
pub mod users;
mod wire_enum;

pub use error::{ApiErrorBody, ErrorCode, ErrorDetail, FieldViolation};
pub use pagination::PageMeta;
