//! Vigie: offline field reporting for violence-prevention work in Mali.
//!
//! Layers, from the inside out:
//! - `vigie_core` (the `core/` crate): pure logic, no browser API, shared with the
//!   receiver and tested on the host;
//! - [`adapters`]: one module per browser API, each with a typed error;
//! - [`state`]: the app's signals and the one place they meet the adapters;
//! - [`views`]: Leptos components.

pub mod adapters;
pub mod form_session;
pub mod forms;
pub mod pin;
pub mod plans;
pub mod state;
pub mod sync;
pub mod views;

pub use views::App;
