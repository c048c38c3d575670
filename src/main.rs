fn main() {
    vigie::adapters::crash::install_panic_notice();
    // index.html's static first screen goes before the app takes its place: one copy of
    // each link and heading in the document, never a hidden twin.
    if let Some(boot) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("boot"))
    {
        boot.remove();
    }
    leptos::mount::mount_to_body(vigie::App);
}
