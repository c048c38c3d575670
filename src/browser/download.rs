//! Saving a text file on the device (export of a record), through a Blob and a link.

use thiserror::Error;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};

/// What can go wrong when saving a file.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DownloadError {
    /// A browser call failed.
    #[error("download failed: {0}")]
    Browser(String),
}

fn err(v: JsValue) -> DownloadError {
    DownloadError::Browser(format!("{v:?}"))
}

/// Offers `text` as a JSON file named `name`; logs failures (nothing is lost: the record stays).
pub fn save_text(name: &str, text: &str) {
    if let Err(e) = try_save(name, text) {
        leptos::logging::warn!("{e}");
    }
}

fn try_save(name: &str, text: &str) -> Result<(), DownloadError> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| DownloadError::Browser("no document".into()))?;
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let bag = BlobPropertyBag::new();
    bag.set_type("application/json");
    let blob = Blob::new_with_str_sequence_and_options(&parts, &bag).map_err(err)?;
    let url = Url::create_object_url_with_blob(&blob).map_err(err)?;
    let a: HtmlAnchorElement = document
        .create_element("a")
        .map_err(err)?
        .dyn_into()
        .map_err(|e| err(e.into()))?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    Url::revoke_object_url(&url).map_err(err)
}
