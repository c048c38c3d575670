//! The controllers: what the views read and ask. Each owns one part of the app's state,
//! provides it as a Leptos context, and is the only place the core meets the stores and
//! browser APIs for it.

pub mod case_news;
pub mod form_session;
pub mod forms;
pub mod lock;
pub mod outbox;
pub mod plans;
