//! Geolocation: one position from `navigator.geolocation`, for the optional GPS question.
//! Never required: every failure is a typed error the form answers with "continue without".
//! Always bounded in time: the browser is given a timeout, and a guard timer answers for
//! it if it never calls back (some keep a permission prompt or a cold GPS open for ever).

use std::cell::RefCell;
use std::rc::Rc;

use thiserror::Error;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};

/// A point, WGS 84.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Position {
    pub lat: f64,
    pub lon: f64,
    /// Radius of uncertainty in metres, when the browser gives it.
    pub accuracy_m: Option<f64>,
}

/// Why there is no position.
#[derive(Debug, Error, PartialEq)]
pub enum GeoError {
    /// The browser has no geolocation (or no window).
    #[error("geolocation unavailable")]
    Unavailable,
    /// The request could not be made.
    #[error("geolocation request failed: {0}")]
    Request(String),
    /// Refused by the user, timed out, or no fix.
    #[error("no position")]
    NoFix,
    /// The browser answered something without coordinates.
    #[error("malformed position")]
    Malformed,
}

/// How to ask.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GeoOptions {
    /// Longest wait for a fix, in ms; the guard answers `NoFix` a second after it.
    pub timeout_ms: u32,
    /// A position this recent (ms) may be reused: a phone that just had a fix answers at once.
    pub maximum_age_ms: u32,
}

impl Default for GeoOptions {
    fn default() -> Self {
        GeoOptions {
            timeout_ms: 20_000,
            maximum_age_ms: 60_000,
        }
    }
}

/// The caller's callback, taken by whichever browser callback runs first.
type Once = Rc<RefCell<Option<Box<dyn FnOnce(Result<Position, GeoError>)>>>>;

fn finish(cell: &Once, outcome: Result<Position, GeoError>) {
    // Released before calling, so the callback may ask again.
    let f = cell.borrow_mut().take();
    if let Some(f) = f {
        f(outcome);
    }
}

/// Asks for the current position; `done` is called exactly once with the outcome, within
/// `options.timeout_ms` and a second.
pub fn current_position(
    options: GeoOptions,
    done: impl FnOnce(Result<Position, GeoError>) + 'static,
) {
    let Some(window) = web_sys::window() else {
        return done(Err(GeoError::Unavailable));
    };
    let geo = match window.navigator().geolocation() {
        Ok(geo) => geo,
        Err(_) => return done(Err(GeoError::Unavailable)),
    };
    let done: Once = Rc::new(RefCell::new(Some(Box::new(done))));
    let (on_ok, on_err, on_throw, on_guard) = (done.clone(), done.clone(), done.clone(), done);
    let ok = Closure::once_into_js(move |pos: JsValue| finish(&on_ok, read(&pos)));
    let err = Closure::once_into_js(move |_: JsValue| finish(&on_err, Err(GeoError::NoFix)));
    let guard = Closure::once_into_js(move || finish(&on_guard, Err(GeoError::NoFix)));
    let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
        guard.unchecked_ref(),
        options
            .timeout_ms
            .saturating_add(1_000)
            .min(i32::MAX as u32) as i32,
    );
    let opts = web_sys::PositionOptions::new();
    opts.set_timeout(options.timeout_ms);
    opts.set_maximum_age(options.maximum_age_ms);
    if let Err(e) = geo.get_current_position_with_error_callback_and_options(
        ok.unchecked_ref(),
        Some(err.unchecked_ref()),
        &opts,
    ) {
        finish(&on_throw, Err(GeoError::Request(super::js_text(&e))));
    }
}

/// Reads a `GeolocationPosition` without trusting its shape.
fn read(pos: &JsValue) -> Result<Position, GeoError> {
    let coords = js_sys::Reflect::get(pos, &"coords".into()).map_err(|_| GeoError::Malformed)?;
    let num = |k: &str| {
        js_sys::Reflect::get(&coords, &k.into())
            .ok()
            .and_then(|v| v.as_f64())
    };
    match (num("latitude"), num("longitude")) {
        (Some(lat), Some(lon)) => Ok(Position {
            lat,
            lon,
            accuracy_m: num("accuracy"),
        }),
        _ => Err(GeoError::Malformed),
    }
}
