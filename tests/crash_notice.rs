//! Browser tier: the notice shown when the app panics (static markup, un-hidden by the hook).
#![cfg(target_arch = "wasm32")]

use vigie::browser::crash::{show_crash_notice, CrashNoticeError};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn the_hidden_notice_is_shown_and_a_missing_one_is_reported() {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("document");
    assert_eq!(show_crash_notice(), Err(CrashNoticeError::NoElement));

    let notice = document.create_element("div").expect("div");
    notice.set_id("crash");
    notice.set_attribute("hidden", "").expect("hidden");
    document
        .body()
        .expect("body")
        .append_child(&notice)
        .expect("append");
    assert!(notice.has_attribute("hidden"));

    assert_eq!(show_crash_notice(), Ok(()));
    assert!(!notice.has_attribute("hidden"));
    notice.remove();
}
