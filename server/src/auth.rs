//! Who may call what: device tokens (`Authorization: Bearer …`) for `/api`, coordinator
//! tokens (HTTP Basic, the token as password) for `/coord`, as axum extractors so that no
//! handler can forget the check.

use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use vigie_core::protocol::ErrorCode;

use crate::api::ApiError;
use crate::store::Receiver;
use crate::tokens::{self, Holder, Role};
use vigie_core::scope::Scope;

/// A token given on the command line (`--token`, `--coordinator-token`): accepted like a
/// stored one, kept only as a hash in memory, forgotten when the process ends.
#[derive(Clone)]
pub struct ExtraToken {
    hash: String,
    label: String,
    role: Role,
}

impl ExtraToken {
    /// `token` for `role`, labelled for the logs and the stored rows.
    pub fn new(token: &str, label: &str, role: Role) -> ExtraToken {
        ExtraToken {
            hash: tokens::hash(token),
            label: label.to_owned(),
            role,
        }
    }
}

impl Receiver {
    /// Who holds the token `given` for `role`, if it is valid (command line or stored).
    /// Command-line tokens are national.
    pub fn token_holder(&self, given: &str, role: Role) -> Option<Holder> {
        if given.is_empty() {
            return None;
        }
        let h = tokens::hash(given);
        if let Some(t) = self.extra.iter().find(|t| t.role == role && t.hash == h) {
            return Some(Holder {
                label: t.label.clone(),
                scope: Scope::National,
            });
        }
        match self.with_db(|db| tokens::check(db, given, role)) {
            Ok(label) => label,
            Err(e) => {
                tracing::error!(error = %e, "token check failed");
                None
            }
        }
    }
}

/// A request carrying a valid device token: who holds it, and where they may act.
pub struct DeviceToken(pub Holder);

/// A request from an SMS gateway (a token with the `sms-gateway` role): holds its label.
pub struct SmsGateway(pub String);

/// The holder of the bearer token of `parts` for `role`.
async fn bearer(parts: &Parts, recv: &Receiver, role: Role) -> Result<Holder, ApiError> {
    let given = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let recv = recv.clone();
    let given = given.trim().to_owned();
    tokio::task::spawn_blocking(move || recv.token_holder(&given, role))
        .await
        .ok()
        .flatten()
        .ok_or_else(|| {
            let what = match role {
                Role::SmsGateway => "missing, unknown or revoked SMS gateway token",
                _ => "missing, unknown or revoked device token",
            };
            ApiError::new(ErrorCode::Unauthorized, what)
        })
}

impl FromRequestParts<Receiver> for DeviceToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, recv: &Receiver) -> Result<Self, ApiError> {
        bearer(parts, recv, Role::Device).await.map(DeviceToken)
    }
}

impl FromRequestParts<Receiver> for SmsGateway {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, recv: &Receiver) -> Result<Self, ApiError> {
        bearer(parts, recv, Role::SmsGateway)
            .await
            .map(|h| SmsGateway(h.label))
    }
}

/// The coordinator token from `Authorization: Basic base64(user:token)`.
pub fn basic_password(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    Some(text.split_once(':')?.1.to_owned())
}

/// A request from a signed-in coordinator.
pub struct Coordinator;

/// The sign-in prompt a browser shows for the coordinator pages.
pub struct SignIn(pub Html<String>);

impl IntoResponse for SignIn {
    fn into_response(self) -> Response {
        let mut res = (StatusCode::UNAUTHORIZED, self.0).into_response();
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"Vigie coordination\", charset=\"UTF-8\""),
        );
        res
    }
}

impl FromRequestParts<Receiver> for Coordinator {
    type Rejection = SignIn;

    async fn from_request_parts(parts: &mut Parts, recv: &Receiver) -> Result<Self, SignIn> {
        let given = basic_password(&parts.headers).unwrap_or_default();
        let recv = recv.clone();
        let ok = tokio::task::spawn_blocking(move || {
            recv.token_holder(&given, Role::Coordinator).is_some()
        })
        .await
        .unwrap_or(false);
        if ok {
            Ok(Coordinator)
        } else {
            Err(SignIn(Html(crate::coord::sign_in_page())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_read() {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic Y29vcmQ6c2VjcmV0"),
        );
        assert_eq!(basic_password(&h).as_deref(), Some("secret"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer x"));
        assert_eq!(basic_password(&h), None);
    }
}
