//! The task that sends the queued notifications (`crate::notify`): a round whenever one is
//! queued and every few seconds, for retries and for the cases that waited too long.
//! Failures are retried later with backoff; nothing here ever holds up a receipt to a
//! phone: it runs on its own task.

use std::time::Duration;

use crate::notify::send::{self, HttpClient};
use crate::store::Receiver;

/// How often the queue and the overdue cases are looked at when nothing wakes the task.
const TICK: Duration = Duration::from_secs(5);

/// Notifications sent at once.
const BATCH: usize = 16;

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
    let due = match tokio::task::spawn_blocking(move || {
        r.with_db(|db| crate::notify::due(db, now, BATCH))
    })
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
            let outcome = send::one(recv.targets(), &client, &q).await;
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
                Ok(()) => crate::notify::sent(db, q.id, now),
                Err(why) => {
                    tracing::warn!(recipient = %q.recipient, key = %q.key, error = %why, "notification not sent, will retry");
                    crate::notify::failed(db, &q, why, now)
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
        let client = send::client();
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
