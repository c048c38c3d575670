//! The user's preferences and connection settings kept on the device (their keys are in
//! [`crate::keys`]).

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;
use crate::outbox::backend::Backend;
use crate::record::Author;

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
    /// Days a delivered record's receipt is kept whole before it becomes a count per month
    /// (`None`: [`crate::outbox::receipts::DEFAULT_KEEP_DAYS`]); set by a setup link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep_receipts_days: Option<u32>,
    /// The coordination's number for alerts by SMS when there is no data network.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms_number: Option<String>,
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
}
