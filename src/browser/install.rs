//! "Installer sur l'écran d'accueil": Chromium offers `beforeinstallprompt` once the app is
//! installable; the event is kept so that a button can show the browser's own prompt later.
//! Where the browser offers nothing, the welcome shows how to do it from the menu.

use std::cell::RefCell;

use js_sys::{Function, Reflect};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

thread_local! {
    static DEFERRED: RefCell<Option<web_sys::Event>> = const { RefCell::new(None) };
}

/// Starts listening; the signal is true while the browser's install prompt can be shown.
pub fn watch() -> ReadSignal<bool> {
    let (available, set_available) = signal(false);
    let _ = window_event_listener_untyped("beforeinstallprompt", move |ev| {
        // Keep it for our button rather than letting the browser show its own banner.
        ev.prevent_default();
        DEFERRED.with(|d| *d.borrow_mut() = Some(ev));
        set_available.set(true);
    });
    let _ = window_event_listener_untyped("appinstalled", move |_| {
        DEFERRED.with(|d| d.borrow_mut().take());
        set_available.set(false);
    });
    available
}

/// Shows the browser's install prompt, if it offered one (it can be used once).
pub fn prompt() -> bool {
    let Some(ev) = DEFERRED.with(|d| d.borrow_mut().take()) else {
        return false;
    };
    Reflect::get(&ev, &JsValue::from_str("prompt"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .is_some_and(|f| f.call0(&ev).is_ok())
}
