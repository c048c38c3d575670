fn main() {
    vigie::adapters::crash::install_panic_notice();
    // The mount runs in a task after the wasm's instantiation (see `views::start`).
    leptos::prelude::set_timeout(vigie::views::start, std::time::Duration::ZERO);
}
