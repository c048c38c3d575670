//! Browser tier: the geolocation adapter is bounded in time. A browser that never answers
//! (a permission prompt left open, a cold GPS) used to leave the form's button waiting for
//! ever; now the browser is given a timeout and a guard answers "no position" after it.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Object, Reflect};
use vigie::browser::geolocation::{current_position, GeoError, GeoOptions};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod browser;
use browser::sleep;

/// Replaces `navigator.geolocation` with an object whose `getCurrentPosition` runs `body`
/// (arguments `ok`, `err`, `opts`); the options it was given are kept in `window.lastGeoOptions`.
fn fake_geolocation(body: &str) {
    let navigator = web_sys::window().expect("window").navigator();
    let fake = Object::new();
    let get = Function::new_with_args(
        "ok, err, opts",
        &format!("window.lastGeoOptions = opts; {body}"),
    );
    Reflect::set(&fake, &"getCurrentPosition".into(), &get).expect("set");
    let descriptor = Object::new();
    Reflect::set(&descriptor, &"value".into(), &fake).expect("value");
    Reflect::set(&descriptor, &"configurable".into(), &JsValue::TRUE).expect("configurable");
    Object::define_property(&navigator, &"geolocation".into(), &descriptor);
}

async fn outcome(options: GeoOptions) -> Result<vigie::browser::geolocation::Position, GeoError> {
    let slot: Rc<RefCell<Option<Result<_, GeoError>>>> = Rc::new(RefCell::new(None));
    let calls = Rc::new(RefCell::new(0));
    let (s, c) = (slot.clone(), calls.clone());
    current_position(options, move |r| {
        *c.borrow_mut() += 1;
        *s.borrow_mut() = Some(r);
    });
    for _ in 0..100 {
        let answered = slot.borrow_mut().take();
        if let Some(r) = answered {
            // Give a late browser callback a chance to (wrongly) call again.
            sleep(options.timeout_ms as i32 + 1_200).await;
            assert_eq!(*calls.borrow(), 1, "the callback runs exactly once");
            return r;
        }
        sleep(50).await;
    }
    panic!("no answer within 5 s");
}

#[wasm_bindgen_test]
async fn a_browser_that_never_answers_gets_no_position_in_time() {
    fake_geolocation("");
    let options = GeoOptions {
        timeout_ms: 300,
        maximum_age_ms: 0,
    };
    assert_eq!(outcome(options).await, Err(GeoError::NoFix));
    let given = Reflect::get(
        &web_sys::window().expect("window"),
        &"lastGeoOptions".into(),
    )
    .expect("options");
    let timeout = Reflect::get(&given, &"timeout".into()).expect("timeout");
    assert_eq!(
        timeout.as_f64(),
        Some(300.0),
        "the browser is told the timeout"
    );
}

#[wasm_bindgen_test]
async fn a_position_and_a_refusal_each_answer_once() {
    fake_geolocation("ok({coords: {latitude: 12.64, longitude: -8.0, accuracy: 30}})");
    let pos = outcome(GeoOptions {
        timeout_ms: 200,
        maximum_age_ms: 0,
    })
    .await
    .expect("a fix");
    assert_eq!(
        (pos.lat, pos.lon, pos.accuracy_m),
        (12.64, -8.0, Some(30.0))
    );
    fake_geolocation("err({code: 1})");
    assert_eq!(
        outcome(GeoOptions {
            timeout_ms: 200,
            maximum_age_ms: 0
        })
        .await,
        Err(GeoError::NoFix)
    );
    fake_geolocation("ok({nothing: true})");
    assert_eq!(
        outcome(GeoOptions {
            timeout_ms: 200,
            maximum_age_ms: 0
        })
        .await,
        Err(GeoError::Malformed)
    );
}
