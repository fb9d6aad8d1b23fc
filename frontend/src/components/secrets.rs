//! A secret shown once (a new API key, a temporary password) and the copy-to-clipboard
//! button next to it.

use leptos::prelude::*;

use crate::i18n::{t, t_with};

/// Copies `text` to the clipboard and says so. Browsers offer the clipboard API only on
/// HTTPS and localhost; elsewhere (plain HTTP on a LAN address) calling it would throw, so
/// the button says to copy by hand instead (the text is shown selectable next to it).
#[component]
pub fn CopyButton(#[prop(into)] text: Signal<String>) -> impl IntoView {
    let copy = Action::new_local(move |value: &String| {
        let navigator = web_sys::window().map(|window| window.navigator());
        let promise = navigator
            .filter(|navigator| {
                js_sys::Reflect::get(navigator, &"clipboard".into()).is_ok_and(|value| !value.is_undefined())
            })
            .map(|navigator| navigator.clipboard().write_text(value));
        async move {
            match promise {
                Some(promise) => wasm_bindgen_futures::JsFuture::from(promise).await.is_ok(),
                None => false,
            }
        }
    });
    let label = move || match copy.value().get() {
        None => "common.copy",
        Some(true) => "common.copied",
        Some(false) => "common.copy_manual",
    };
    view! {
        <button type="button" class="secondary" on:click=move |_| { copy.dispatch_local(text.get_untracked()); }>
            {move || t(label())}
        </button>
    }
}

/// A secret shown once (a new API key, a temporary password) with a copy button.
#[component]
pub fn SecretNotice(
    /// Catalog key of the sentence above the secret.
    message: &'static str,
    /// Its placeholder name, filled with `label`.
    param: &'static str,
    /// What the secret belongs to (key name, username).
    label: String,
    /// The secret.
    secret: String,
    /// Element id of the secret (tests read it).
    code_id: &'static str,
) -> impl IntoView {
    let shown = secret.clone();
    view! {
        <div class="notice secret" role="status">
            <p>{move || t_with(message, &[(param, label.clone())])}</p>
            <code id=code_id>{shown}</code>
            <CopyButton text=secret/>
        </div>
    }
}
