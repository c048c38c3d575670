//! The app's stores: where its data is kept, built on the browser APIs (`crate::browser`)
//! with the core's rules. Views never call them; controllers do.

pub mod drafts;
pub mod durable;
pub mod local;
pub mod migrate;
pub mod outbox;
pub mod plans;
