//! HTTP through `fetch`, with an AbortController timeout. Never throws: every failure comes
//! back as an [`HttpResult`] the outbox core classifies.

use std::future::Future;

use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, Headers, RequestCache, RequestCredentials, RequestInit, RequestMode, Response,
};

use vigie_core::outbox::backend::{HttpRequest, HttpResult};
use vigie_core::outbox::Transport;

/// Default time limit of one request, body included (the core's, as the browser takes it).
pub const DEFAULT_TIMEOUT_MS: i32 = vigie_core::outbox::DEFAULT_TIMEOUT_MS as i32;

/// The outbox's transport in the browser.
#[derive(Clone, Copy, Debug)]
pub struct FetchTransport {
    /// Time limit per request.
    pub timeout_ms: i32,
}

impl Default for FetchTransport {
    fn default() -> Self {
        FetchTransport {
            timeout_ms: DEFAULT_TIMEOUT_MS,
        }
    }
}

impl Transport for FetchTransport {
    fn send(&mut self, request: HttpRequest) -> impl Future<Output = HttpResult> {
        fetch(request, self.timeout_ms)
    }
}

/// Sends `request`; the result says what happened, including timeouts and refusals.
pub async fn fetch(request: HttpRequest, timeout_ms: i32) -> HttpResult {
    let Some(window) = web_sys::window() else {
        return HttpResult::Network("no window".into());
    };
    let controller = match AbortController::new() {
        Ok(c) => c,
        Err(e) => return HttpResult::Network(super::js_text(&e)),
    };
    let headers = match Headers::new() {
        Ok(h) => h,
        Err(e) => return HttpResult::Network(super::js_text(&e)),
    };
    for (name, value) in &request.headers {
        if let Err(e) = headers.append(name, value) {
            return HttpResult::Network(super::js_text(&e));
        }
    }
    let init = RequestInit::new();
    init.set_method(request.method);
    init.set_headers(&headers);
    if request.method != "GET" {
        init.set_body(&JsValue::from_str(&request.body));
    }
    init.set_mode(RequestMode::Cors);
    // Credentials go in our own Authorization header; never send cookies to a backend.
    init.set_credentials(RequestCredentials::Omit);
    init.set_cache(RequestCache::NoStore);
    init.set_signal(Some(&controller.signal()));

    let timed_out = std::rc::Rc::new(std::cell::Cell::new(false));
    let on_timeout = {
        let controller = controller.clone();
        let timed_out = timed_out.clone();
        Closure::once(move || {
            timed_out.set(true);
            controller.abort();
        })
    };
    let timer = window
        .set_timeout_with_callback_and_timeout_and_arguments_0(
            on_timeout.as_ref().unchecked_ref(),
            timeout_ms,
        )
        .ok();

    let result = send(&window, &request.url, &init).await;
    if let Some(t) = timer {
        window.clear_timeout_with_handle(t);
    }
    drop(on_timeout);
    match result {
        Err(_) if timed_out.get() => HttpResult::Timeout,
        Err(e) => HttpResult::Network(e),
        Ok(r) => r,
    }
}

async fn send(
    window: &web_sys::Window,
    url: &str,
    init: &RequestInit,
) -> Result<HttpResult, String> {
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(url, init))
        .await
        .map_err(|e| super::js_text(&e))?
        .dyn_into()
        .map_err(|e| super::js_text(&e))?;
    let status = response.status();
    let retry_after = response.headers().get("Retry-After").ok().flatten();
    let text = response.text().map_err(|e| super::js_text(&e))?;
    let body = JsFuture::from(text).await.map_err(|e| super::js_text(&e))?;
    Ok(HttpResult::Response {
        status,
        body: body.as_string().unwrap_or_default(),
        retry_after,
    })
}
