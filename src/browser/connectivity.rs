//! Connectivity: `navigator.onLine` and the window's `online` / `offline` events.
//!
//! `onLine == true` only means a network interface is up, not that the backend answers;
//! the outbox treats it as a hint to try, never as proof.

use leptos::ev;
use leptos::prelude::*;

/// A signal that follows the browser's online state for the lifetime of the app.
///
/// ```no_run
/// use leptos::prelude::*;
/// use vigie::browser::connectivity::watch_online;
///
/// let online = watch_online();
/// let _label = view! { <span>{move || if online.get() { "online" } else { "offline" }}</span> };
/// ```
pub fn watch_online() -> ReadSignal<bool> {
    let (online, set_online) = signal(is_online());
    // The handles live as long as the app; dropping them does not remove the listener.
    let _on = window_event_listener(ev::online, move |_| set_online.set(true));
    let _off = window_event_listener(ev::offline, move |_| set_online.set(false));
    online
}

/// The browser's current belief; `true` where the API is missing, so that we still try.
pub fn is_online() -> bool {
    web_sys::window()
        .map(|w| w.navigator().on_line())
        .unwrap_or(true)
}

/// Whether the page is visible (the app in front); `true` where the API is missing.
pub fn is_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
}
