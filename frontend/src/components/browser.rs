//! Small helpers around the browser: the confirm dialog, intervals tied to a component's
//! lifetime, and debouncing.

use std::time::Duration;

use leptos::leptos_dom::helpers::TimeoutHandle;
use leptos::prelude::*;

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
