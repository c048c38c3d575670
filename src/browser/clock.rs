//! The device clock and randomness: the one place the app reads `Date` and `Math.random`,
//! so the core gets time and jitter through its `Clock` trait and views format local time
//! the same way everywhere. Phones' clocks are often wrong; nothing here pretends otherwise.

use vigie_core::outbox::Clock;
use vigie_core::record::Millis;

/// Now, device clock, in ms since the epoch.
pub fn now_ms() -> Millis {
    js_sys::Date::now() as Millis
}

/// Today on the device, `YYYY-MM-DD` (local time).
pub fn today() -> String {
    let d = js_sys::Date::new_0();
    format!(
        "{:04}-{:02}-{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date()
    )
}

/// `dd/mm hh:mm` in local time, for lists.
pub fn short_time(ms: Millis) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    format!(
        "{:02}/{:02} {:02}:{:02}",
        d.get_date(),
        d.get_month() + 1,
        d.get_hours(),
        d.get_minutes()
    )
}

/// `dd/mm/yyyy` of a UTC day (Mali's time), for receipts that keep only their day.
pub fn utc_day(ms: Millis) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    format!(
        "{:02}/{:02}/{:04}",
        d.get_utc_date(),
        d.get_utc_month() + 1,
        d.get_utc_full_year()
    )
}

/// The browser's clock and `Math.random`, for the outbox core.
pub struct BrowserClock;

impl Clock for BrowserClock {
    fn now(&self) -> Millis {
        now_ms()
    }
    fn jitter(&mut self) -> f64 {
        js_sys::Math::random()
    }
}

/// Rows handled between two [`yield_to_input`] calls in a long loop: about 10 ms of work on
/// a slow phone.
pub const ROWS_PER_SLICE: usize = 250;

/// Lets the browser handle a tap or a key press waiting behind a long loop (reading or
/// decoding thousands of stored records): resumes on the next task. Only while the page is
/// shown; a hidden page's timers are slowed to one a second, and nobody is tapping it.
pub async fn yield_to_input() {
    if !super::connectivity::is_visible() {
        return;
    }
    sleep(0).await;
}

/// Resolves after `ms` milliseconds (at once where there is no window).
pub async fn sleep(ms: i32) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if window
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .is_err()
        {
            let _ = resolve.call0(&wasm_bindgen::JsValue::UNDEFINED);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
