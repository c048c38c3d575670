//! The notification targets file (`--notify`, docs/CASES.md): who is told of which cases,
//! through which channel. Checked at start; an invalid file stops the server with where
//! and what.

use serde::{Deserialize, Serialize};
use thiserror::Error;
use vigie_core::record::Millis;
use vigie_core::scope::Scope;

/// Why the targets file is refused.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// Not JSON of the expected shape.
    #[error("line {line}, column {column}: {message}")]
    Json {
        /// Line (from 1).
        line: usize,
        /// Column (from 1).
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A recipient that cannot be used.
    #[error("recipient {index} (\"{name}\"): {why}")]
    Recipient {
        /// Its position in `recipients` (from 1).
        index: usize,
        /// Its name.
        name: String,
        /// What is wrong.
        why: String,
    },
    /// The SMTP relay is missing or wrong.
    #[error("smtp: {0}")]
    Smtp(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    waiting_minutes: Option<f64>,
    #[serde(default)]
    public_url: String,
    #[serde(default)]
    smtp: Option<Smtp>,
    #[serde(default)]
    recipients: Vec<RecipientFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecipientFile {
    name: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    gbv: bool,
    #[serde(default)]
    webhook: Option<String>,
    #[serde(default)]
    secret_env: Option<String>,
    #[serde(default)]
    email: Option<Vec<String>>,
}

/// The SMTP relay e-mail goes through (plain SMTP on the local network: a relay such as
/// Postfix or msmtpd does the rest).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Smtp {
    /// Host name or address.
    pub host: String,
    /// Port (25 unless said).
    #[serde(default = "smtp_port")]
    pub port: u16,
    /// The sender address.
    pub from: String,
}

fn smtp_port() -> u16 {
    25
}

/// How a recipient is reached; stored with each notification, so a restart with another
/// file still sends what was queued where it was meant to go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Channel {
    /// A JSON `POST`, signed with HMAC-SHA256 of the body under the secret in the
    /// environment variable `secret_env`.
    Webhook {
        /// `http://host:port/path`.
        url: String,
        /// The environment variable holding the secret.
        secret_env: String,
    },
    /// An e-mail through the SMTP relay.
    Email {
        /// Addresses.
        to: Vec<String>,
    },
    /// A record forwarded to an OpenRosa server (`crate::forward`), by target name.
    Openrosa {
        /// The `--forward` target.
        target: String,
    },
}

/// One recipient.
#[derive(Clone, Debug)]
pub struct Recipient {
    /// Who (shown on the pages and in the log).
    pub name: String,
    /// The cases it is told of: those inside this scope.
    pub scope: Scope,
    /// Whether it may be told a case is about gender-based violence.
    pub gbv: bool,
    /// How.
    pub channel: Channel,
}

/// The whole configuration.
#[derive(Clone, Debug)]
pub struct Targets {
    /// After how long a case nobody took in charge is notified again (`None`: never).
    pub waiting_ms: Option<Millis>,
    /// The receiver's address as coordinators reach it, for links (`""`: no link).
    pub public_url: String,
    /// The relay, when any recipient is by e-mail.
    pub smtp: Option<Smtp>,
    /// Who is told.
    pub recipients: Vec<Recipient>,
}

/// Cases not taken in charge are told again after an hour unless the file says otherwise.
pub const DEFAULT_WAITING_MINUTES: f64 = 60.0;

impl Default for Targets {
    fn default() -> Targets {
        Targets {
            waiting_ms: Some((DEFAULT_WAITING_MINUTES * 60_000.0) as Millis),
            public_url: String::new(),
            smtp: None,
            recipients: Vec::new(),
        }
    }
}

/// Whether `url` is a plain-HTTP address with a host.
fn http_url(url: &str) -> Result<(), String> {
    let Some(rest) = url.strip_prefix("http://") else {
        return Err(format!(
            "'{url}' must start with http:// (for an https target, put a local proxy such as stunnel in front)"
        ));
    };
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() || host.contains(['@', ' ']) {
        return Err(format!("'{url}' has no usable host"));
    }
    url.parse::<hyper::Uri>()
        .map(drop)
        .map_err(|e| format!("'{url}': {e}"))
}

/// Reads and checks the targets file's text. `env` looks up environment variables (the
/// webhooks' secrets must be set when the server starts).
pub fn parse(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<Targets, ConfigError> {
    let file: File = serde_json::from_str(text).map_err(|e| ConfigError::Json {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let mut recipients = Vec::new();
    for (i, r) in file.recipients.into_iter().enumerate() {
        let fail = |why: String| ConfigError::Recipient {
            index: i + 1,
            name: r.name.clone(),
            why,
        };
        if r.name.trim().is_empty() {
            return Err(fail("the name is empty".into()));
        }
        let scope = Scope::parse(&r.scope).map_err(|e| fail(e.to_string()))?;
        let channel = match (r.webhook.as_deref(), r.email.as_deref()) {
            (Some(url), None) => {
                http_url(url).map_err(&fail)?;
                let Some(var) = r.secret_env.clone().filter(|v| !v.trim().is_empty()) else {
                    return Err(fail(
                        "a webhook needs secret_env, the environment variable holding its secret"
                            .into(),
                    ));
                };
                if env(&var).is_none_or(|s| s.is_empty()) {
                    return Err(fail(format!(
                        "the environment variable {var} (the webhook's secret) is not set"
                    )));
                }
                Channel::Webhook {
                    url: url.to_owned(),
                    secret_env: var,
                }
            }
            (None, Some(to)) => {
                if to.is_empty() {
                    return Err(fail("email lists no address".into()));
                }
                for address in to {
                    address
                        .parse::<lettre::Address>()
                        .map_err(|e| fail(format!("'{address}' is not an e-mail address: {e}")))?;
                }
                if r.secret_env.is_some() {
                    return Err(fail("secret_env is for webhooks".into()));
                }
                Channel::Email { to: to.to_vec() }
            }
            _ => return Err(fail("give either webhook or email".into())),
        };
        recipients.push(Recipient {
            name: r.name.trim().to_owned(),
            scope,
            gbv: r.gbv,
            channel,
        });
    }
    let by_email = recipients
        .iter()
        .any(|r| matches!(r.channel, Channel::Email { .. }));
    match &file.smtp {
        Some(smtp) => {
            if smtp.host.trim().is_empty() {
                return Err(ConfigError::Smtp("the host is empty".into()));
            }
            smtp.from
                .parse::<lettre::Address>()
                .map_err(|e| ConfigError::Smtp(format!("from '{}': {e}", smtp.from)))?;
        }
        None if by_email => {
            return Err(ConfigError::Smtp(
                "a recipient is by e-mail: give smtp {host, port, from}".into(),
            ))
        }
        None => {}
    }
    let waiting = file.waiting_minutes.unwrap_or(DEFAULT_WAITING_MINUTES);
    if !waiting.is_finite() || waiting < 0.0 {
        return Err(ConfigError::Json {
            line: 1,
            column: 1,
            message: "waiting_minutes must be a number of minutes, 0 or more".into(),
        });
    }
    Ok(Targets {
        // Fractions of a minute are allowed (tests use seconds); a year at most.
        waiting_ms: (waiting > 0.0).then(|| (waiting.min(525_600.0) * 60_000.0) as Millis),
        public_url: file.public_url.trim_end_matches('/').to_owned(),
        smtp: file.smtp,
        recipients,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        (name == "HOOK").then(|| "s3cret".to_owned())
    }

    #[test]
    fn a_good_file_gives_recipients_with_their_scope_and_channel() {
        let t = parse(
            r#"{"waiting_minutes": 30, "public_url": "http://10.0.0.2:8080/",
                "smtp": {"host": "127.0.0.1", "from": "vigie@example.org"},
                "recipients": [
                  {"name": "Sikasso", "scope": "ML03", "webhook": "http://127.0.0.1:9/h", "secret_env": "HOOK"},
                  {"name": "Nationale", "gbv": true, "email": ["a@example.org"]}]}"#,
            env,
        )
        .unwrap();
        assert_eq!(t.waiting_ms, Some(30 * 60_000));
        assert_eq!(t.public_url, "http://10.0.0.2:8080");
        assert_eq!(t.smtp.as_ref().map(|s| s.port), Some(25));
        assert!(t.recipients[0].scope.contains("ML030201"));
        assert!(!t.recipients[0].scope.contains("ML040101"));
        assert!(t.recipients[1].gbv && t.recipients[1].scope.contains("ML040101"));
    }

    #[test]
    fn each_mistake_is_named_with_where_it_is() {
        let bad = |text: &str| parse(text, env).unwrap_err().to_string();
        assert!(bad("{\n \"recipients\": [}").starts_with("line 2, column"));
        assert!(bad(r#"{"recipent": []}"#).contains("unknown field"));
        let e = bad(r#"{"recipients": [{"name": "A", "scope": "ML99", "email": ["a@b.org"]}]}"#);
        assert!(
            e.contains("recipient 1 (\"A\")") && e.contains("ML99"),
            "{e}"
        );
        let e = bad(
            r#"{"recipients": [{"name": "A", "webhook": "https://x/h", "secret_env": "HOOK"}]}"#,
        );
        assert!(e.contains("http://"), "{e}");
        let e = bad(
            r#"{"recipients": [{"name": "A", "webhook": "http://x/h", "secret_env": "NOPE"}]}"#,
        );
        assert!(e.contains("NOPE") && e.contains("not set"), "{e}");
        let e = bad(r#"{"recipients": [{"name": "A", "webhook": "http://x/h"}]}"#);
        assert!(e.contains("secret_env"), "{e}");
        let e = bad(r#"{"recipients": [{"name": "A", "email": ["not an address"]}]}"#);
        assert!(e.contains("not an e-mail address"), "{e}");
        let e = bad(r#"{"recipients": [{"name": "A", "email": ["a@b.org"]}]}"#);
        assert!(e.starts_with("smtp:"), "{e}");
        let e = bad(r#"{"recipients": [{"name": "A"}]}"#);
        assert!(e.contains("either webhook or email"), "{e}");
    }

    #[test]
    fn zero_minutes_turns_the_waiting_notice_off() {
        let t = parse(r#"{"waiting_minutes": 0}"#, env).unwrap();
        assert_eq!(t.waiting_ms, None);
        assert_eq!(Targets::default().waiting_ms, Some(3_600_000));
    }
}
