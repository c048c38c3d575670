//! Pure core: no browser API, tested on the host with `cargo test`.

pub mod i18n;
pub mod prefs;
