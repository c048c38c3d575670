//! One try of a queued notification: a signed JSON webhook or an e-mail through the SMTP
//! relay, bounded in time. The task that runs them is `crate::delivery`.

use std::time::Duration;

use axum::body::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::Full;
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use sha2::Sha256;

use super::config::{Channel, Smtp, Targets};
use super::Queued;

/// The longest a single try may take.
const TRY_TIMEOUT: Duration = Duration::from_secs(10);

/// The HMAC-SHA256 of `body` under `secret`, as `sha256=<hex>` (the `X-Vigie-Signature`
/// header).
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    // HMAC takes a key of any length.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// The client webhooks are posted with (plain HTTP, connections kept).
pub type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// A new client.
pub fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

async fn webhook(
    client: &HttpClient,
    url: &str,
    secret_env: &str,
    q: &Queued,
) -> Result<(), String> {
    let secret = std::env::var(secret_env)
        .map_err(|_| format!("the environment variable {secret_env} is not set"))?;
    let request = hyper::Request::post(url)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header("x-vigie-key", &q.key)
        .header("idempotency-key", &q.key)
        .header(
            "x-vigie-signature",
            signature(secret.as_bytes(), q.body.as_bytes()),
        )
        .body(Full::new(Bytes::from(q.body.clone())))
        .map_err(|e| e.to_string())?;
    let answer = tokio::time::timeout(TRY_TIMEOUT, client.request(request))
        .await
        .map_err(|_| "no answer within 10 s".to_owned())?
        .map_err(|e| format!("cannot reach {url}: {e}"))?;
    let status = answer.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", status.as_u16()))
    }
}

fn email(smtp: &Smtp, to: &[String], q: &Queued) -> Result<(), String> {
    use lettre::message::header::ContentType;
    use lettre::{Message, SmtpTransport, Transport};
    let body: serde_json::Value = serde_json::from_str(&q.body).map_err(|e| e.to_string())?;
    let subject = body["text"].as_str().unwrap_or("Vigie").to_owned();
    let subject = subject.split(" — ").next().unwrap_or("Vigie").to_owned();
    let mut text = subject.clone();
    if let Some(url) = body["url"].as_str() {
        text.push_str(&format!(
            "\n\n{} {url}\n",
            vigie_core::i18n::CoordMsg::NotifyOpen.text(vigie_core::i18n::Lang::Fr)
        ));
    }
    let from = smtp.from.parse().map_err(|e| format!("from: {e}"))?;
    let mut message = Message::builder()
        .from(from)
        .subject(subject)
        // The idempotency key, for a mailbox that drops what it has seen.
        .message_id(Some(format!("<{}@vigie>", q.key)))
        .header(ContentType::TEXT_PLAIN);
    for address in to {
        message = message.to(address.parse().map_err(|e| format!("{address}: {e}"))?);
    }
    let message = message.body(text).map_err(|e| e.to_string())?;
    let relay = SmtpTransport::builder_dangerous(&smtp.host)
        .port(smtp.port)
        .timeout(Some(TRY_TIMEOUT))
        .build();
    relay.send(&message).map(drop).map_err(|e| e.to_string())
}

/// One try of `q`, with the relay of `targets` for e-mail.
pub async fn one(targets: &Targets, client: &HttpClient, q: &Queued) -> Result<(), String> {
    match &q.channel {
        Channel::Webhook { url, secret_env } => webhook(client, url, secret_env, q).await,
        Channel::Email { to } => {
            let Some(smtp) = targets.smtp.clone() else {
                return Err("no smtp relay configured".into());
            };
            let (to, q) = (to.clone(), q.clone());
            tokio::task::spawn_blocking(move || email(&smtp, &to, &q))
                .await
                .map_err(|e| e.to_string())?
        }
        Channel::Openrosa { .. } => Err("a forwarded record is sent by crate::forward".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_rfc_4231_hmac_sha256() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
