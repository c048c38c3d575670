//! Setup links: a coordinator shares `https://app/#setup=<base64url JSON>` and the phone
//! fills in its connection settings. The fragment is never sent to a server; the app clears
//! it from the address bar after import.

use base64::Engine;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::outbox::backend::{validate_base_url, Backend, UrlError};

/// What a setup link carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupLink {
    /// Backend to use.
    pub backend: Backend,
    /// Suggested author name, if any.
    #[serde(default)]
    pub author: Option<String>,
    /// Days a delivered record's receipt is kept on the phone, if the deployment sets it.
    #[serde(default)]
    pub keep_receipts_days: Option<u32>,
    /// The coordination's number for alerts by SMS, if the deployment has one.
    #[serde(default)]
    pub sms_number: Option<String>,
}

/// Why a setup link is refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum SetupLinkError {
    /// Not base64url or not JSON of the right shape.
    #[error("the setup link is damaged")]
    Malformed,
    /// The backend address is not acceptable.
    #[error("the setup link's address is refused: {0}")]
    BadUrl(#[from] UrlError),
}

/// Extracts and validates the setup payload from a URL fragment (`#setup=…`), if present.
pub fn parse_fragment(fragment: &str) -> Option<Result<SetupLink, SetupLinkError>> {
    let data = fragment.trim_start_matches('#').strip_prefix("setup=")?;
    Some(decode(data))
}

fn decode(data: &str) -> Result<SetupLink, SetupLinkError> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(data.trim_end_matches('='))
        .map_err(|_| SetupLinkError::Malformed)?;
    // Through `str` rather than `from_slice`: the app parses JSON from text everywhere else,
    // and a second reader type would compile a second copy of the parser into the wasm.
    let text = std::str::from_utf8(&bytes).map_err(|_| SetupLinkError::Malformed)?;
    let mut link: SetupLink = serde_json::from_str(text).map_err(|_| SetupLinkError::Malformed)?;
    match &mut link.backend {
        Backend::None => {}
        Backend::GenericJson { base, .. } | Backend::CouchDb { base, .. } => {
            *base = validate_base_url(base)?
        }
    }
    Ok(link)
}

/// Where records would go: the mode, the server's host and the database.
fn destination(backend: &Backend) -> Option<(&'static str, String, &str)> {
    let host = backend.host()?;
    Some(match backend {
        Backend::CouchDb { db, .. } => ("couch_db", host, db.as_str()),
        _ => ("generic_json", host, ""),
    })
}

/// Whether applying `link` over `current` must first be confirmed by the user: it sends the
/// phone's records somewhere else (another host, mode or database), or stops sending them
/// (`mode: "none"`). A first setup on a phone with nothing unsent, or a new token for the
/// same server, is applied at once. A crafted link must never redirect queued reports
/// silently.
pub fn needs_confirmation(current: &Backend, link: &SetupLink, unsent: usize) -> bool {
    let (before, after) = (destination(current), destination(&link.backend));
    if before == after {
        return false;
    }
    before.is_some() || unsent > 0
}

/// Builds the fragment for `link` (used by the server to print a link, and by tests).
pub fn encode(link: &SetupLink) -> String {
    let json = serde_json::to_vec(link).unwrap_or_default();
    format!(
        "setup={}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(backend: Backend) -> SetupLink {
        SetupLink {
            backend,
            author: None,
            keep_receipts_days: None,
            sms_number: None,
        }
    }

    fn generic(base: &str, token: &str) -> Backend {
        Backend::GenericJson {
            base: base.into(),
            token: Some(token.into()),
        }
    }

    /// A crafted link silently redirected a phone's queued reports to another server.
    #[test]
    fn a_link_that_moves_or_stops_delivery_is_confirmed_first() {
        let ours = generic("https://vigie.example.org/api", "t1");
        // Another server, another path on it counts as the same host only if the host is.
        let theirs = link(generic("https://evil.example.net/api", "x"));
        assert!(needs_confirmation(&ours, &theirs, 0));
        assert!(needs_confirmation(&ours, &theirs, 3));
        // Stopping delivery is a change too.
        assert!(needs_confirmation(&ours, &link(Backend::None), 0));
        // A new token for the same server is not.
        let rotated = link(generic("https://vigie.example.org/api", "t2"));
        assert!(!needs_confirmation(&ours, &rotated, 5));
        // A first setup: confirmed only when unsent records would go there.
        assert!(!needs_confirmation(&Backend::None, &theirs, 0));
        assert!(needs_confirmation(&Backend::None, &theirs, 2));
        assert_eq!(
            generic("https://Vigie.Example.org:8443/api", "t")
                .host()
                .as_deref(),
            Some("vigie.example.org:8443")
        );
    }

    #[test]
    fn round_trip() {
        let link = SetupLink {
            backend: Backend::GenericJson {
                base: "http://127.0.0.1:8080/api".into(),
                token: Some("s3cret".into()),
            },
            author: Some("Aminata".into()),
            keep_receipts_days: Some(30),
            sms_number: Some("+22376000000".into()),
        };
        let frag = format!("#{}", encode(&link));
        assert_eq!(parse_fragment(&frag), Some(Ok(link)));
    }

    #[test]
    fn other_fragments_are_ignored_and_bad_ones_refused() {
        assert_eq!(parse_fragment("#top"), None);
        assert_eq!(parse_fragment(""), None);
        assert_eq!(
            parse_fragment("#setup=!!!"),
            Some(Err(SetupLinkError::Malformed))
        );
        let remote_http = SetupLink {
            backend: Backend::GenericJson {
                base: "http://evil.example".into(),
                token: None,
            },
            author: None,
            keep_receipts_days: None,
            sms_number: None,
        };
        assert_eq!(
            parse_fragment(&encode(&remote_http)),
            Some(Err(SetupLinkError::BadUrl(UrlError::InsecureRemote)))
        );
    }
}
