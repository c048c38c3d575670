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
