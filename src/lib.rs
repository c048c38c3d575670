//! Vigie: offline field reporting for violence-prevention work in Mali.
//!
//! Layers, from the inside out:
//! - `vigie_core` (the `core/` crate): pure logic, no browser API, shared with the
//!   receiver and tested on the host;
//! - [`browser`]: one module per browser API, each with a typed error;
//! - [`stores`]: where the app's data is kept, on those APIs;
//! - [`controllers`]: the outbox, forms and drafts, plans and the PIN lock, each provided
//!   as a context; with [`state`] (language, connectivity, banners), what views read;
//! - [`views`]: Leptos components.

pub mod browser;
pub mod controllers;
pub mod state;
pub mod stores;
pub mod views;

pub use views::App;
