//! The user's preferences kept on the device, and the storage keys Vigie owns.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;
use crate::outbox::backend::Backend;
use crate::record::Author;

/// Every key Vigie writes starts with this prefix, so it never collides with another app on
/// the same origin and can be listed or exported as a whole.
pub const KEY_PREFIX: &str = "vigie";

/// Storage key of the preferences document.
pub const PREFS_KEY: &str = "vigie/prefs";

/// Storage key of the outbox index (the list of record ids waiting to be sent).
pub const OUTBOX_INDEX_KEY: &str = "vigie/outbox/index";

/// Storage key of the connection settings (backend, identity).
pub const SETTINGS_KEY: &str = "vigie/settings";

/// Where records go and who sends them, as set in Settings or by a setup link.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Backend mode and its parameters.
    pub backend: Backend,
    /// This installation's id, generated at first start.
    pub device_id: String,
    /// Who fills records in on this device.
    pub author: Author,
    /// Time limit of one request in ms (`None`: the default, 45 s). Raised for very slow
    /// links; tests lower it.
    pub request_timeout_ms: Option<u32>,
}

/// Preferences chosen on this device.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Preferences {
    /// Interface language.
    pub lang: Lang,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_fields_fall_back_to_defaults() {
        let prefs: Preferences = serde_json::from_str("{}").unwrap();
        assert_eq!(prefs.lang, Lang::Fr);
    }

    #[test]
    fn unknown_fields_from_a_newer_version_are_ignored() {
        let prefs: Preferences = serde_json::from_str(r#"{"lang":"en","theme":"dark"}"#).unwrap();
        assert_eq!(prefs.lang, Lang::En);
    }

    #[test]
    fn keys_share_the_prefix() {
        for key in [PREFS_KEY, OUTBOX_INDEX_KEY, SETTINGS_KEY] {
            assert!(key.starts_with(&format!("{KEY_PREFIX}/")));
        }
    }
}
