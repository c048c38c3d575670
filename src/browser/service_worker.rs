//! Service-worker registration and the user-approved update flow.
//!
//! The worker never calls `skipWaiting()` by itself: a new version waits until the user taps
//! "Mettre à jour", which posts `SKIP_WAITING` to the waiting worker; the page reloads once
//! the new worker takes control.

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;
use thiserror::Error;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    ServiceWorker, ServiceWorkerContainer, ServiceWorkerRegistration, ServiceWorkerState,
};

/// Where the worker script is served.
pub const SCRIPT_URL: &str = "/sw.js";
/// How often an open app asks the server for a new worker (also on becoming visible).
pub const UPDATE_CHECK_MS: i32 = 30 * 60 * 1000;

/// What can go wrong with the service worker.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ServiceWorkerError {
    /// The browser has no service workers (old browser, insecure origin, disabled).
    #[error("service workers are not supported here")]
    Unsupported,
    /// `register()` was rejected (script failed to fetch, parse or install).
    #[error("service worker registration failed: {0}")]
    RegisterFailed(String),
    /// No registration could be found when one was expected.
    #[error("no service worker registration")]
    NoRegistration,
    /// Asking the waiting worker to take over failed.
    #[error("could not activate the new version: {0}")]
    ActivateFailed(String),
}

fn container() -> Result<ServiceWorkerContainer, ServiceWorkerError> {
    let window = web_sys::window().ok_or(ServiceWorkerError::Unsupported)?;
    let navigator = window.navigator();
    // `navigator.serviceWorker` is undefined outside secure contexts: test before use.
    let present = js_sys::Reflect::get(&navigator, &JsValue::from_str("serviceWorker"))
        .map(|v| !v.is_undefined())
        .unwrap_or(false);
    if present {
        Ok(navigator.service_worker())
    } else {
        Err(ServiceWorkerError::Unsupported)
    }
}

/// State of the worker as the page sees it.
#[derive(Clone, Copy)]
pub struct ServiceWorkerStatus {
    /// A new version is installed and waiting for the user's go-ahead.
    pub update_available: ReadSignal<bool>,
    /// The last error, if registration failed.
    pub error: ReadSignal<Option<ServiceWorkerError>>,
}

/// Registers the worker, watches for waiting updates and checks for new versions
/// periodically and whenever the app becomes visible.
pub fn register() -> ServiceWorkerStatus {
    let (update_available, set_update) = signal(false);
    let (error, set_error) = signal(None);
    match container() {
        Ok(container) => {
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = register_and_watch(container, set_update).await {
                    leptos::logging::warn!("service worker: {e}");
                    set_error.set(Some(e));
                }
            });
        }
        Err(e) => set_error.set(Some(e)),
    }
    ServiceWorkerStatus {
        update_available,
        error,
    }
}

async fn register_and_watch(
    container: ServiceWorkerContainer,
    set_update: WriteSignal<bool>,
) -> Result<(), ServiceWorkerError> {
    let reg: ServiceWorkerRegistration = JsFuture::from(container.register(SCRIPT_URL))
        .await
        .map_err(|e| ServiceWorkerError::RegisterFailed(super::js_text(&e)))?
        .dyn_into()
        .map_err(|e| ServiceWorkerError::RegisterFailed(super::js_text(&e)))?;

    // Only an update if a worker already controls this page; the very first install is not.
    let has_controller = {
        let container = container.clone();
        move || container.controller().is_some()
    };
    if reg.waiting().is_some() && has_controller() {
        set_update.set(true);
    }

    // A worker may already be installing when registration resolves (its `updatefound`
    // fired before we listened): watch it as well as any later one.
    if let Some(installing) = reg.installing() {
        watch_installing(installing, has_controller.clone(), set_update);
    }
    let reg_for_found = reg.clone();
    let on_update_found = Closure::<dyn FnMut()>::new(move || {
        if let Some(installing) = reg_for_found.installing() {
            watch_installing(installing, has_controller.clone(), set_update);
        }
    });
    reg.set_onupdatefound(Some(on_update_found.as_ref().unchecked_ref()));
    on_update_found.forget();

    schedule_update_checks(reg);
    Ok(())
}

fn watch_installing(
    worker: ServiceWorker,
    has_controller: impl Fn() -> bool + 'static,
    set_update: WriteSignal<bool>,
) {
    let watched = worker.clone();
    let on_state = Closure::<dyn FnMut()>::new(move || {
        if watched.state() == ServiceWorkerState::Installed && has_controller() {
            set_update.set(true);
        }
    });
    worker.set_onstatechange(Some(on_state.as_ref().unchecked_ref()));
    on_state.forget();
}

fn schedule_update_checks(reg: ServiceWorkerRegistration) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let check = {
        let reg = reg.clone();
        move || {
            // A failed check (offline) is normal; the next one will try again.
            if let Ok(promise) = reg.update() {
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = JsFuture::from(promise).await;
                });
            }
        }
    };
    let periodic = Closure::<dyn FnMut()>::new(check.clone());
    let _ = window.set_interval_with_callback_and_timeout_and_arguments_0(
        periodic.as_ref().unchecked_ref(),
        UPDATE_CHECK_MS,
    );
    periodic.forget();
    let _ = leptos::prelude::window_event_listener(leptos::ev::visibilitychange, move |_| {
        if super::connectivity::is_visible() {
            check();
        }
    });
}

/// Tells the waiting worker to take over; the page reloads when it has.
pub async fn apply_update() -> Result<(), ServiceWorkerError> {
    let container = container()?;
    // Reload once the new worker controls the page. Only here: the first install also
    // changes the controller (clients.claim) and must not reload a page being filled in.
    let reloaded = Rc::new(Cell::new(false));
    let on_controller_change = Closure::<dyn FnMut()>::new(move || {
        if !reloaded.replace(true) {
            if let Some(w) = web_sys::window() {
                let _ = w.location().reload();
            }
        }
    });
    container.set_oncontrollerchange(Some(on_controller_change.as_ref().unchecked_ref()));
    on_controller_change.forget();
    let reg: ServiceWorkerRegistration = JsFuture::from(container.get_registration())
        .await
        .map_err(|e| ServiceWorkerError::ActivateFailed(super::js_text(&e)))?
        .dyn_into()
        .map_err(|_| ServiceWorkerError::NoRegistration)?;
    let waiting = reg.waiting().ok_or(ServiceWorkerError::NoRegistration)?;
    waiting
        .post_message(&JsValue::from_str("SKIP_WAITING"))
        .map_err(|e| ServiceWorkerError::ActivateFailed(super::js_text(&e)))
}

/// Asks the browser for a one-shot Background Sync (tag `outbox`): the worker then flushes
/// the outbox when the network returns, even with every page of the app closed. Where the
/// browser has no Background Sync nothing happens; the page's own triggers still work.
pub fn request_background_sync() {
    let Ok(container) = container() else {
        return;
    };
    let Ok(ready) = container.ready() else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        let Ok(reg) = JsFuture::from(ready).await else {
            return;
        };
        // `registration.sync` is not in web-sys' stable API.
        let sync = js_sys::Reflect::get(&reg, &JsValue::from_str("sync")).unwrap_or_default();
        let register = js_sys::Reflect::get(&sync, &JsValue::from_str("register"))
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        if let Some(register) = register {
            if let Ok(p) = register.call1(&sync, &JsValue::from_str(SYNC_TAG)) {
                if let Err(e) = JsFuture::from(js_sys::Promise::from(p)).await {
                    leptos::logging::warn!("background sync: {}", super::js_text(&e));
                }
            }
        }
    });
}

/// The Background Sync tag the worker listens for.
pub const SYNC_TAG: &str = "outbox";

/// Calls `then` whenever the worker posts the message `kind` to this page (e.g.
/// `outbox-changed` after it delivered records while the page was open).
pub fn on_message(kind: &'static str, then: impl Fn() + 'static) {
    let Ok(container) = container() else {
        return;
    };
    let listener =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            if ev.data().as_string().as_deref() == Some(kind) {
                then();
            }
        });
    let _ =
        container.add_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
    listener.forget();
}
