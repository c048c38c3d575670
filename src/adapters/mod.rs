//! Browser adapters: one module per browser API, each with its own typed error.
//!
//! They compile on the host (so clippy and `cargo test` see them) but only run in a
//! browser; their tests are wasm-bindgen tests in `tests/`.

pub mod connectivity;
pub mod service_worker;
pub mod storage;
