//! Browser adapters: one module per browser API, each with its own typed error.
//!
//! They compile on the host (so clippy and `cargo test` see them) but only run in a
//! browser; their tests are wasm-bindgen tests in `tests/`.

pub mod connectivity;
pub mod crash;
pub mod download;
pub mod geolocation;
pub mod http;
pub mod locks;
pub mod outbox_store;
pub mod service_worker;
pub mod storage;
