//! Small helpers around the browser: the confirm dialog, intervals tied to a component's
//! lifetime, debouncing, and saving a downloaded file.

use std::time::Duration;

use leptos::leptos_dom::helpers::TimeoutHandle;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Asks the browser's confirm dialog.
pub fn confirm(message: &str) -> bool {
    web_sys::window().and_then(|window| window.confirm_with_message(message).ok()).unwrap_or(false)
}

/// Runs `tick` every `period` while the calling component is mounted.
pub fn every(period: Duration, tick: impl Fn() + 'static) {
    let timer = set_interval_with_handle(tick, period);
    on_cleanup(move || {
        if let Ok(timer) = timer {
            timer.clear();
        }
    });
}

/// Runs the last of a burst of calls once `delay` has passed without another one (an input
/// that asks the server as the person types). Pending calls are dropped with the component.
#[derive(Clone, Copy)]
pub struct Debounce {
    delay: Duration,
    pending: StoredValue<Option<TimeoutHandle>>,
}

impl Debounce {
    /// A debouncer owned by the calling component.
    pub fn new(delay: Duration) -> Self {
        let pending = StoredValue::new(None::<TimeoutHandle>);
        on_cleanup(move || {
            if let Some(Some(handle)) = pending.try_get_value() {
                handle.clear();
            }
        });
        Self { delay, pending }
    }

    /// Schedules `run`, cancelling the call scheduled before it.
    pub fn call(&self, run: impl FnOnce() + 'static) {
        if let Some(handle) = self.pending.get_value() {
            handle.clear();
        }
        self.pending.set_value(set_timeout_with_handle(run, self.delay).ok());
    }
}

/// Saves a file the page fetched itself (with the bearer token, so a plain link would not
/// do) under `filename`, through a temporary object URL and a `download` link.
pub fn save_blob(blob: &web_sys::Blob, filename: &str) {
    let Ok(url) = web_sys::Url::create_object_url_with_blob(blob) else { return };
    let link =
        document().create_element("a").ok().and_then(|element| element.dyn_into::<web_sys::HtmlAnchorElement>().ok());
    if let Some(link) = link {
        link.set_href(&url);
        link.set_download(filename);
        link.click();
    }
    // Revoked later, not at once: the browser reads the URL after the click returns.
    set_timeout(move || drop(web_sys::Url::revoke_object_url(&url)), Duration::from_secs(60));
}

/// The files chosen in a file input.
pub fn chosen_files(input: NodeRef<leptos::html::Input>) -> Vec<web_sys::File> {
    let Some(list) = input.get_untracked().and_then(|input| input.files()) else { return Vec::new() };
    (0..list.length()).filter_map(|index| list.get(index)).collect()
}
