fn main() {
    vigie::adapters::crash::install_panic_notice();
    // The mount runs in a task of its own: the wasm's instantiation and the first render
    // are shorter tasks rather than one long one, so a tap in between is not kept waiting.
    leptos::prelude::set_timeout(
        || leptos::mount::mount_to_body(vigie::App),
        std::time::Duration::ZERO,
    );
}
