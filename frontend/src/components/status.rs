//! What a screen shows while it loads, when a list is empty, when a request failed, and when
//! the person's role may not use it.

use leptos::prelude::*;

use crate::api::ApiError;
use crate::i18n::{self, tr};

use super::fetch::Submit;

/// Shown while something loads.
#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="loading" role="status" aria-live="polite">{tr("common.loading")}</p> }
}

/// Shown when a list has nothing in it.
#[component]
pub fn Empty(key: &'static str) -> impl IntoView {
    view! { <p class="empty">{tr(key)}</p> }
}

/// What went wrong, in the person's language, with the status for support.
#[component]
pub fn ErrorBox(error: ApiError) -> impl IntoView {
    let status = error.status;
    view! {
        <div class="error-box" role="alert">
            <strong>{move || i18n::error_message(&error)}</strong>
            {(status > 0).then(|| view! { <span class="muted">" (HTTP " {status} ")"</span> })}
        </div>
    }
}

/// Renders a loaded value, or the loading / error state.
pub fn loaded<T: 'static, V: IntoView + 'static>(
    state: Option<Result<T, ApiError>>,
    render: impl FnOnce(T) -> V,
) -> AnyView {
    match state {
        None => view! { <Loading/> }.into_any(),
        Some(Err(error)) => view! { <ErrorBox error=error/> }.into_any(),
        Some(Ok(value)) => render(value).into_any(),
    }
}

/// The error box for a request's last answer, when it was a failure.
pub fn action_error<I, O>(submit: Submit<I, O>) -> impl IntoView {
    let submit = submit.state();
    move || submit.error().map(|error| view! { <ErrorBox error=error/> })
}

/// The page shown for a screen the person's role may not use.
#[component]
pub fn Forbidden() -> impl IntoView {
    view! {
        <section class="panel">
            <h1>{tr("forbidden.title")}</h1>
            <div class="error-box" role="alert">{tr("error.forbidden")} " (HTTP 403)"</div>
        </section>
    }
}
