fn main() {
    vigie::adapters::crash::install_panic_notice();
    // The mount runs in a task after the wasm's instantiation (see `views::start`), once
    // what a browser kill took from `localStorage` is back (see `adapters::durable`).
    wasm_bindgen_futures::spawn_local(async {
        match vigie::adapters::durable::restore().await {
            Ok(keys) if !keys.is_empty() => {
                leptos::logging::log!("restored after a kill: {keys:?}")
            }
            Ok(_) => {}
            Err(e) => leptos::logging::warn!("{e}"),
        }
        leptos::prelude::set_timeout(vigie::views::start, std::time::Duration::ZERO);
    });
}
