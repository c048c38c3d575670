//! Geolocation: one position from `navigator.geolocation`, for the optional GPS question.
//! Never required: every failure is a typed error the form answers with "continue without".

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

/// The caller's callback, taken by whichever browser callback runs first.
type Once = Rc<RefCell<Option<Box<dyn FnOnce(Result<Position, GeoError>)>>>>;

fn finish(cell: &Once, outcome: Result<Position, GeoError>) {
    // Released before calling, so the callback may ask again.
    let f = cell.borrow_mut().take();
    if let Some(f) = f {
        f(outcome);
    }
}

/// Asks for the current position; `done` is called exactly once with the outcome.
pub fn current_position(done: impl FnOnce(Result<Position, GeoError>) + 'static) {
    let geo = match web_sys::window().map(|w| w.navigator().geolocation()) {
        Some(Ok(geo)) => geo,
        _ => return done(Err(GeoError::Unavailable)),
    };
    let done: Once = Rc::new(RefCell::new(Some(Box::new(done))));
    let (on_ok, on_err, on_throw) = (done.clone(), done.clone(), done);
    let ok = Closure::once_into_js(move |pos: JsValue| finish(&on_ok, read(&pos)));
    let err = Closure::once_into_js(move |_: JsValue| finish(&on_err, Err(GeoError::NoFix)));
    if let Err(e) =
        geo.get_current_position_with_error_callback(ok.unchecked_ref(), Some(err.unchecked_ref()))
    {
        finish(&on_throw, Err(GeoError::Request(format!("{e:?}"))));
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
