//! Pure core: no browser API, tested on the host with `cargo test`.

pub mod admin;
pub mod backend;
pub mod cases;
pub mod drafts;
pub mod forms;
pub mod i18n;
pub mod keys;
pub mod lock;
pub mod outbox;
pub mod plans;
pub mod prefs;
pub mod protocol;
pub mod record;
pub mod referrals;
pub mod scope;
pub mod setup_link;
pub mod sms;
pub mod translation;
