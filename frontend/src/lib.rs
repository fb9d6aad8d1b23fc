//! bms web UI: a Leptos client-side-rendered SPA, typed by `bms-types`, talking to the bms
//! REST API (all HTTP lives in `api`).

pub mod api;
pub mod app;
pub mod charts;
pub mod components;
pub mod format;
pub mod i18n;
pub mod pages;
pub mod validate;

/// Mounts the application on `<body>`.
pub fn start() {
    // A panic shows its message in the browser console instead of a bare "unreachable".
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
