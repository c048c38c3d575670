//! One flush at a time across tabs: the Web Locks API, or a lease in storage where the
//! browser lacks it.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect};
use thiserror::Error;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use gloo_storage::{LocalStorage, Storage};
use vigie_core::record::Millis;

/// Lease key used where Web Locks are missing.
use vigie_core::keys::FLUSH_LEASE as LEASE_KEY;
/// A lease older than this is a crashed tab's; take it over.
const LEASE_MS: f64 = 120_000.0;

/// What can go wrong taking the lock.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LockError {
    /// `navigator.locks.request` threw or rejected.
    #[error("lock request failed: {0}")]
    RequestFailed(String),
}

fn lock_manager() -> Option<Object> {
    let navigator = web_sys::window()?.navigator();
    let locks = Reflect::get(&navigator, &JsValue::from_str("locks")).ok()?;
    locks.dyn_into::<Object>().ok()
}

/// Runs `work` if no other tab (nor the service worker) holds lock `name`; returns
/// `Ok(None)` if one does.
pub async fn run_exclusive<T, F, Fut>(name: &str, work: F) -> Result<Option<T>, LockError>
where
    T: 'static,
    F: FnOnce() -> Fut + 'static,
    Fut: Future<Output = T> + 'static,
{
    match lock_manager() {
        Some(locks) => with_web_lock(&locks, name, true, work).await,
        None => Ok(with_lease(work).await),
    }
}

/// Runs `work` holding lock `name`, waiting for whoever holds it. Where Web Locks are
/// missing (very old browsers, which also lack the service worker's flush) it runs at once.
pub async fn run_waiting<T, F, Fut>(name: &str, work: F) -> Result<T, LockError>
where
    T: 'static,
    F: FnOnce() -> Fut + 'static,
    Fut: Future<Output = T> + 'static,
{
    match lock_manager() {
        Some(locks) => with_web_lock(&locks, name, false, work)
            .await?
            .ok_or_else(|| LockError::RequestFailed("the lock was not granted".into())),
        None => Ok(work().await),
    }
}

async fn with_web_lock<T, F, Fut>(
    locks: &Object,
    name: &str,
    if_available: bool,
    work: F,
) -> Result<Option<T>, LockError>
where
    T: 'static,
    F: FnOnce() -> Fut + 'static,
    Fut: Future<Output = T> + 'static,
{
    let out: Rc<RefCell<Option<T>>> = Rc::new(RefCell::new(None));
    let slot = out.clone();
    let mut work = Some(work);
    let callback = Closure::<dyn FnMut(JsValue) -> Promise>::new(move |lock: JsValue| {
        let job = if lock.is_null() { None } else { work.take() };
        let slot = slot.clone();
        future_to_promise(async move {
            if let Some(job) = job {
                let value = job().await;
                *slot.borrow_mut() = Some(value);
            }
            Ok(JsValue::UNDEFINED)
        })
    });
    let options = Object::new();
    Reflect::set(
        &options,
        &JsValue::from_str("ifAvailable"),
        &JsValue::from_bool(if_available),
    )
    .map_err(|e| LockError::RequestFailed(super::js_text(&e)))?;
    let request: Function = Reflect::get(locks, &JsValue::from_str("request"))
        .and_then(|f| f.dyn_into::<Function>())
        .map_err(|e| LockError::RequestFailed(super::js_text(&e)))?;
    let promise = request
        .call3(
            locks,
            &JsValue::from_str(name),
            &options,
            callback.as_ref().unchecked_ref(),
        )
        .map_err(|e| LockError::RequestFailed(super::js_text(&e)))?;
    JsFuture::from(Promise::from(promise))
        .await
        .map_err(|e| LockError::RequestFailed(super::js_text(&e)))?;
    drop(callback);
    let value = out.borrow_mut().take();
    Ok(value)
}

async fn with_lease<T, F, Fut>(work: F) -> Option<T>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = T>,
{
    // A lease is not data to keep: localStorage directly, without the app store's durable
    // copies.
    let now = js_sys::Date::now();
    let held: Option<Millis> = LocalStorage::get(LEASE_KEY).ok();
    if held.is_some_and(|t| now - (t as f64) < LEASE_MS) {
        return None;
    }
    LocalStorage::set(LEASE_KEY, now as Millis).ok()?;
    let value = work().await;
    LocalStorage::delete(LEASE_KEY);
    Some(value)
}
