//! Browser APIs: one module per API, each with its own typed error. The app's stores built
//! on them are in `crate::stores`.
//!
//! They compile on the host (so clippy and `cargo test` see them) but only run in a
//! browser; their tests are wasm-bindgen tests in `tests/`.

pub mod clock;
pub mod connectivity;
pub mod crash;
pub mod download;
pub mod geolocation;
pub mod http;
pub mod idb;
pub mod install;
pub mod key_files;
pub mod locks;
pub mod passkey;
pub mod service_worker;
pub mod vault;

use wasm_bindgen::{JsCast, JsValue};

/// What a JavaScript error or rejection says, as text: the one place every adapter turns a
/// `JsValue` it did not expect into words for its typed error (`Name: message` for an
/// `Error` or `DOMException`, the string itself, else a debug rendering).
pub fn js_text(v: &JsValue) -> String {
    if let Some(e) = v.dyn_ref::<js_sys::Error>() {
        return format!("{}: {}", String::from(e.name()), String::from(e.message()));
    }
    if let Some(e) = v.dyn_ref::<web_sys::DomException>() {
        return format!("{}: {}", e.name(), e.message());
    }
    v.as_string().unwrap_or_else(|| format!("{v:?}"))
}
