//! Helpers shared by the browser-tier tests (each test file is its own crate and includes
//! this module).
#![allow(dead_code)]

/// Waits `ms` milliseconds on the page's timer.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .expect("window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .expect("setTimeout");
    });
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .expect("timer");
}

/// Starts Leptos' task executor (mounting anything does), which the controllers use.
pub fn start_executor() {
    leptos::mount::mount_to_body(|| ());
}
