//! What a person sees if the app ever panics.
//!
//! The release build aborts on panic, so the wasm instance is dead afterwards and nothing in
//! it can run again: no view, no event handler. The notice is therefore static markup in
//! `index.html` (`#crash`, hidden, French then English, with a plain link that restarts the
//! app from the service worker's cache); the panic hook only un-hides it. Drafts are saved
//! 400 ms after typing stops and queued records are in storage, so a restart loses nothing
//! that had been saved.

use thiserror::Error;

/// Why the notice could not be shown.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum CrashNoticeError {
    /// No window or document (not in a page).
    #[error("no document")]
    NoDocument,
    /// The page has no `#crash` element.
    #[error("no #crash element in the page")]
    NoElement,
    /// The browser refused to change the element.
    #[error("the notice could not be shown")]
    Refused,
}

/// Logs panics to the console (with their message and place) and shows the notice. The
/// message and place are what a report needs: a release build's stack names nothing.
pub fn install_panic_notice() {
    std::panic::set_hook(Box::new(|info| {
        leptos::logging::error!("{info}");
        // Nothing more can be done if the page lacks the notice.
        let _ = show_crash_notice();
    }));
}

/// Un-hides the static `#crash` notice.
pub fn show_crash_notice() -> Result<(), CrashNoticeError> {
    let element = web_sys::window()
        .and_then(|w| w.document())
        .ok_or(CrashNoticeError::NoDocument)?
        .get_element_by_id("crash")
        .ok_or(CrashNoticeError::NoElement)?;
    element
        .remove_attribute("hidden")
        .map_err(|_| CrashNoticeError::Refused)
}
