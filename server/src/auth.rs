//! Who may call what: device tokens (`Authorization: Bearer …`) for `/api`, coordinator
//! tokens (HTTP Basic, the token as password) for `/coord`, as axum extractors so that no
//! handler can forget the check.

use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts, HeaderMap};
use base64::Engine;
use vigie_core::protocol::ErrorCode;

use crate::error::ApiError;
use crate::store::Receiver;
use crate::tokens::{self, Holder, Role};
use vigie_core::scope::Scope;

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
                gbv: true,
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

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
