//! Sending the queued notifications: a signed JSON webhook or an e-mail through the SMTP
//! relay, each try bounded in time; a failure is retried later with backoff. Nothing here
//! ever blocks a receipt to a phone: it runs on its own task.

use std::time::Duration;

use axum::body::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::Full;
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use sha2::Sha256;

use super::config::{Channel, Smtp};
use super::Queued;
use crate::store::Receiver;

/// The longest a single try may take.
const TRY_TIMEOUT: Duration = Duration::from_secs(10);

/// How often the queue and the overdue cases are looked at when nothing wakes the task.
const TICK: Duration = Duration::from_secs(5);

/// Notifications sent at once.
const BATCH: usize = 16;

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

type HttpClient = Client<HttpConnector, Full<Bytes>>;

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

async fn one(recv: &Receiver, client: &HttpClient, q: &Queued) -> Result<(), String> {
    match &q.channel {
        Channel::Webhook { url, secret_env } => webhook(client, url, secret_env, q).await,
        Channel::Email { to } => {
            let Some(smtp) = recv.targets().smtp.clone() else {
                return Err("no smtp relay configured".into());
            };
            let (to, q) = (to.clone(), q.clone());
            tokio::task::spawn_blocking(move || email(&smtp, &to, &q))
                .await
                .map_err(|e| e.to_string())?
        }
    }
}

/// Tells of the cases that waited too long, then sends what is due; returns how many were
/// sent.
pub async fn round(recv: &Receiver, client: &HttpClient) -> usize {
    let now = crate::db::now_ms();
    let r = recv.clone();
    let overdue = tokio::task::spawn_blocking(move || r.notice_overdue(now)).await;
    if let Ok(Err(e)) = overdue {
        tracing::error!(error = %e, "overdue cases not looked at");
    }
    let r = recv.clone();
    let due = match tokio::task::spawn_blocking(move || r.with_db(|db| super::due(db, now, BATCH)))
        .await
    {
        Ok(Ok(due)) => due,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "notification queue unreadable");
            return 0;
        }
        Err(_) => return 0,
    };
    let mut tries = tokio::task::JoinSet::new();
    for q in due {
        let (recv, client) = (recv.clone(), client.clone());
        tries.spawn(async move {
            let outcome = one(&recv, &client, &q).await;
            (q, outcome)
        });
    }
    let mut sent = 0;
    while let Some(Ok((q, outcome))) = tries.join_next().await {
        let now = crate::db::now_ms();
        let r = recv.clone();
        let ok = outcome.is_ok();
        let written = tokio::task::spawn_blocking(move || {
            r.with_db(|db| match &outcome {
                Ok(()) => super::sent(db, q.id, now),
                Err(why) => {
                    tracing::warn!(recipient = %q.recipient, key = %q.key, error = %why, "notification not sent, will retry");
                    super::failed(db, &q, why, now)
                }
            })
        })
        .await;
        if let Ok(Err(e)) = written {
            tracing::error!(error = %e, "notification state not written");
        }
        sent += usize::from(ok);
    }
    sent
}

/// Runs for the server's life: a round whenever a notification is queued, and every few
/// seconds for retries and overdue cases.
pub fn run(recv: Receiver) {
    tokio::spawn(async move {
        let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
        loop {
            let sent = round(&recv, &client).await;
            if sent == BATCH {
                continue;
            }
            tokio::select! {
                _ = recv.woken() => {}
                _ = tokio::time::sleep(TICK) => {}
            }
        }
    });
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
