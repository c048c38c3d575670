//! Where records, plans and published data go: the configured backend, its address rules,
//! and the HTTP exchange as plain data (the browser adapter only moves bytes). What a
//! record's answer means is the outbox's business (`outbox::backend`).

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

/// Where records go. Stored as `{"mode": "generic_json", …}`; decoded through
/// [`RawBackend`] (serde's internally-tagged decoder is large in wasm).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case", try_from = "RawBackend")]
pub enum Backend {
    /// Nothing configured: records wait on the device.
    #[default]
    None,
    /// `POST {base}/submissions` (and `/submissions/batch`), bearer token optional.
    GenericJson {
        /// Base URL, e.g. `https://vigie.example.org/api`.
        base: String,
        /// Bearer token, if the receiver requires one.
        #[serde(default)]
        token: Option<String>,
    },
    /// CouchDB API: `POST {base}/{db}/_bulk_docs`, basic auth optional.
    CouchDb {
        /// Server URL, e.g. `https://couch.example.org`.
        base: String,
        /// Database name.
        db: String,
        /// User name.
        #[serde(default)]
        user: Option<String>,
        /// Password.
        #[serde(default)]
        password: Option<String>,
    },
}

/// Every field any [`Backend`] mode stores, for decoding.
#[derive(Deserialize)]
pub struct RawBackend {
    mode: String,
    #[serde(default)]
    base: Option<String>,
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    db: Option<String>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

impl TryFrom<RawBackend> for Backend {
    type Error = String;

    fn try_from(r: RawBackend) -> Result<Self, String> {
        let need = |v: Option<String>, field: &str| {
            v.ok_or_else(|| format!("mode '{}' needs '{field}'", r.mode))
        };
        Ok(match r.mode.as_str() {
            "none" => Backend::None,
            "generic_json" => Backend::GenericJson {
                base: need(r.base.clone(), "base")?,
                token: r.token.clone(),
            },
            "couch_db" => Backend::CouchDb {
                base: need(r.base.clone(), "base")?,
                db: need(r.db.clone(), "db")?,
                user: r.user.clone(),
                password: r.password.clone(),
            },
            other => return Err(format!("unknown backend mode '{other}'")),
        })
    }
}

/// Why a base URL is refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum UrlError {
    /// Empty.
    #[error("the address is empty")]
    Empty,
    /// Not http(s).
    #[error("the address must start with https://")]
    Scheme,
    /// Plain http to a remote machine would expose reports on the way.
    #[error("plain http is only allowed for this machine (localhost)")]
    InsecureRemote,
    /// `user:pass@host`, a query or a fragment: secrets and noise do not belong in URLs.
    #[error("the address must not contain credentials, '?' or '#'")]
    Forbidden,
    /// Spaces or no host.
    #[error("the address is not valid")]
    Invalid,
}

/// Checks a base URL and returns it without a trailing slash.
pub fn validate_base_url(input: &str) -> Result<String, UrlError> {
    let url = input.trim();
    if url.is_empty() {
        return Err(UrlError::Empty);
    }
    let (secure, rest) = if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("http://") {
        (false, r)
    } else {
        return Err(UrlError::Scheme);
    };
    if url.chars().any(char::is_whitespace) {
        return Err(UrlError::Invalid);
    }
    if url.contains(['?', '#']) {
        return Err(UrlError::Forbidden);
    }
    let authority = rest.split('/').next().unwrap_or("");
    if authority.contains('@') {
        return Err(UrlError::Forbidden);
    }
    let host = if authority.starts_with('[') {
        authority
            .split(']')
            .next()
            .map(|h| format!("{h}]"))
            .unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or("").to_owned()
    };
    if host.is_empty() {
        return Err(UrlError::Invalid);
    }
    // A real loopback address, parsed: `127.evil.example` and `127.0.0.1.evil.example` are
    // remote names that merely start like one.
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host == "[::1]"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !secure && !loopback {
        return Err(UrlError::InsecureRemote);
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// An HTTP request to make. Credentials travel in headers, never in the URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    /// Method.
    pub method: &'static str,
    /// Full URL.
    pub url: String,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// JSON body.
    pub body: String,
}

/// What came back (or did not).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpResult {
    /// An answer.
    Response {
        /// Status.
        status: u16,
        /// Body text (may be HTML from a captive portal).
        body: String,
        /// Retry-After header, if any.
        retry_after: Option<String>,
    },
    /// No answer: offline, DNS, reset, CORS refusal.
    Network(String),
    /// No answer in time.
    Timeout,
}

/// What "Tester la connexion" found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeResult {
    /// The server answers and accepts our credentials.
    Ok,
    /// No answer: no network, wrong host, or the server refuses this app (CORS).
    Unreachable,
    /// The server answers but the address is not a receiver (404).
    WrongUrl,
    /// Credentials refused.
    BadCredentials,
    /// The server answers with an error of its own.
    ServerError,
    /// Something answered that is not a receiver (a Wi-Fi login page, say).
    Unexpected,
}

impl Backend {
    /// A harmless request that tells whether the backend is usable: it stores nothing.
    pub fn probe_request(&self) -> Option<HttpRequest> {
        let url = match self {
            Backend::None => return None,
            Backend::GenericJson { base, .. } => format!("{base}/submissions"),
            Backend::CouchDb { base, db, .. } => format!("{base}/{db}"),
        };
        Some(HttpRequest {
            method: "GET",
            url,
            headers: self.authorization().into_iter().collect(),
            body: String::new(),
        })
    }

    /// Reads the probe's answer.
    pub fn interpret_probe(result: &HttpResult) -> ProbeResult {
        match result {
            HttpResult::Network(_) | HttpResult::Timeout => ProbeResult::Unreachable,
            HttpResult::Response { status, body, .. } => match status {
                200..=299 if serde_json::from_str::<Value>(body).is_ok() => ProbeResult::Ok,
                200..=299 => ProbeResult::Unexpected,
                // A write-only webhook may refuse GET: it answered, and did not refuse us.
                405 => ProbeResult::Ok,
                401 | 403 => ProbeResult::BadCredentials,
                404 => ProbeResult::WrongUrl,
                500..=599 => ProbeResult::ServerError,
                _ => ProbeResult::Unexpected,
            },
        }
    }

    /// The server records go to, as the user is shown it (`host[:port]`, lower-cased);
    /// `None` without a backend.
    pub fn host(&self) -> Option<String> {
        match self {
            Backend::None => None,
            Backend::GenericJson { base, .. } | Backend::CouchDb { base, .. } => {
                let rest = base.split_once("://").map_or(base.as_str(), |(_, r)| r);
                Some(rest.split('/').next().unwrap_or("").to_ascii_lowercase())
            }
        }
    }

    /// Whether records can be sent at all.
    pub fn is_configured(&self) -> bool {
        !matches!(self, Backend::None)
    }

    /// The `Authorization` header of every request to this backend, if it has credentials.
    pub fn authorization(&self) -> Option<(String, String)> {
        match self {
            Backend::None => None,
            Backend::GenericJson { token, .. } => token
                .as_deref()
                .filter(|t| !t.is_empty())
                .map(|t| ("Authorization".into(), format!("Bearer {t}"))),
            Backend::CouchDb { user, password, .. } => {
                let u = user.as_deref().filter(|u| !u.is_empty())?;
                let pair = format!("{u}:{}", password.as_deref().unwrap_or(""));
                let b64 = base64::engine::general_purpose::STANDARD.encode(pair);
                Some(("Authorization".into(), format!("Basic {b64}")))
            }
        }
    }
}
