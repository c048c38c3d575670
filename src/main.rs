use std::cell::Cell;
use std::rc::Rc;

fn main() {
    vigie::browser::crash::install_panic_notice();
    // The mount runs in a task after the wasm's instantiation (see `views::start`), once
    // what a browser kill took from `localStorage` is back (see `stores::durable`), or
    // after a while without it.
    let started = Rc::new(Cell::new(false));
    let start = move |started: &Cell<bool>| {
        if !started.replace(true) {
            leptos::prelude::set_timeout(vigie::views::start, std::time::Duration::ZERO);
        }
    };
    let waited = started.clone();
    leptos::prelude::set_timeout(
        move || {
            if !waited.get() {
                leptos::logging::warn!("durable copy: IndexedDB did not answer in time");
            }
            start(&waited);
        },
        std::time::Duration::from_millis(vigie::stores::durable::RESTORE_WAIT_MS as u64),
    );
    wasm_bindgen_futures::spawn_local(async move {
        match vigie::stores::durable::restore().await {
            Ok(keys) if !keys.is_empty() => {
                leptos::logging::log!("restored after a kill: {keys:?}")
            }
            Ok(_) => {}
            Err(e) => leptos::logging::warn!("{e}"),
        }
        start(&started);
    });
}
