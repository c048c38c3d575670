fn main() {
    vigie::adapters::crash::install_panic_notice();
    leptos::mount::mount_to_body(vigie::App);
}
