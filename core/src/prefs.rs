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

impl Settings {
    /// The same settings without what identifies or authenticates anyone (token, CouchDB
    /// user and password, the author's name): what may be stored in clear for the service
    /// worker when a PIN is set.
    pub fn without_secrets(&self) -> Settings {
        let backend = match &self.backend {
            Backend::None => Backend::None,
            Backend::GenericJson { base, .. } => Backend::GenericJson {
                base: base.clone(),
                token: None,
            },
            Backend::CouchDb { base, db, .. } => Backend::CouchDb {
                base: base.clone(),
                db: db.clone(),
                user: None,
                password: None,
            },
        };
        Settings {
            backend,
            author: Author {
                name: String::new(),
                role: self.author.role.clone(),
            },
            ..self.clone()
        }
    }
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
    fn without_secrets_keeps_where_but_not_who_or_how_to_sign_in() {
        let s = Settings {
            backend: Backend::GenericJson {
                base: "https://r.example.org/api".into(),
                token: Some("secret-token".into()),
            },
            device_id: "dev".into(),
            author: Author {
                name: "Awa Traoré".into(),
                role: "observatrice".into(),
            },
            ..Settings::default()
        };
        let text = serde_json::to_string(&s.without_secrets()).unwrap();
        assert!(
            !text.contains("secret-token") && !text.contains("Awa"),
            "{text}"
        );
        assert!(text.contains("r.example.org") && text.contains("dev"));
        let couch = Settings {
            backend: Backend::CouchDb {
                base: "https://c".into(),
                db: "v".into(),
                user: Some("u".into()),
                password: Some("p".into()),
            },
            ..Settings::default()
        };
        assert_eq!(
            couch.without_secrets().backend,
            Backend::CouchDb {
                base: "https://c".into(),
                db: "v".into(),
                user: None,
                password: None
            }
        );
    }

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
