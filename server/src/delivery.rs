//! The tasks that send what is queued: notifications about cases (`crate::notify`) and
//! records forwarded to OpenRosa servers (`crate::forward`), one queue in two lanes with a
//! task each: a round whenever something is queued and every few seconds, for retries and
//! for the cases that waited too long. Failures are retried later with backoff; nothing
//! here ever holds up a receipt to a phone.

use std::time::Duration;

use crate::forward::{self, Outcome};
use crate::notify::send::{self, HttpClient};
use crate::notify::Channel;
use crate::store::Receiver;

/// How often the queue and the overdue cases are looked at when nothing wakes the task.
const TICK: Duration = Duration::from_secs(5);

/// Notifications sent at once.
const BATCH: usize = 32;

/// The queue's two lanes, each with its own task: a slow or failing OpenRosa server never
/// holds up a notification about a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lane {
    /// Notifications about cases (`kind` `notice`).
    Notices,
    /// Records forwarded to OpenRosa servers (`kind` `forward`).
    Forwards,
}

impl Lane {
    fn kind(self) -> &'static str {
        match self {
            Lane::Notices => "notice",
            Lane::Forwards => "forward",
        }
    }
}

/// Sends what is due in `lane` (for notices, after telling of the cases that waited too
/// long); returns how many were done with.
pub async fn round(recv: &Receiver, client: &HttpClient, lane: Lane) -> usize {
    let now = crate::db::now_ms();
    if lane == Lane::Notices {
        let r = recv.clone();
        let overdue = tokio::task::spawn_blocking(move || r.notice_overdue(now)).await;
        if let Ok(Err(e)) = overdue {
            tracing::error!(error = %e, "overdue cases not looked at");
        }
    }
    let r = recv.clone();
    let due = match tokio::task::spawn_blocking(move || {
        r.with_db(|db| crate::notify::due(db, now, BATCH, lane.kind()))
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
            let outcome = match &q.channel {
                Channel::Openrosa { target } => match recv.forwarding().target(target) {
                    Some(t) => forward::send(&client, t, &q).await,
                    None => Outcome::Retry(format!("no --forward target is named {target}")),
                },
                _ => match send::one(recv.targets(), &client, &q).await {
                    Ok(()) => Outcome::Sent,
                    Err(why) => Outcome::Retry(why),
                },
            };
            (q, outcome)
        });
    }
    let mut done = Vec::new();
    while let Some(Ok(tried)) = tries.join_next().await {
        done.push(tried);
    }
    let sent = done
        .iter()
        .filter(|(_, o)| !matches!(o, Outcome::Retry(_) | Outcome::Hold(_)))
        .count();
    // One transaction for the round's outcomes: one disk sync, not one per row.
    let now = crate::db::now_ms();
    let r = recv.clone();
    let written = tokio::task::spawn_blocking(move || {
        r.with_db(|db| {
            let tx = db.unchecked_transaction()?;
            for (q, outcome) in &done {
                match outcome {
                    Outcome::Retry(why) => tracing::warn!(recipient = %q.recipient, key = %q.key, error = %why, "not sent, will retry"),
                    Outcome::Hold(why) => tracing::error!(target = %q.recipient, error = %why, "forwarding target refused the credentials: held until restart"),
                    Outcome::Conflict(why) => tracing::warn!(target = %q.recipient, key = %q.key, error = %why, "another submission under this id"),
                    _ => {}
                }
                match (&q.channel, outcome) {
                    (Channel::Openrosa { .. }, _) => forward::record_outcome(&tx, q, outcome, now)?,
                    (_, Outcome::Retry(why)) => crate::notify::failed(&tx, q, why, now)?,
                    _ => crate::notify::sent(&tx, q.id, now)?,
                }
            }
            tx.commit()?;
            Ok(())
        })
    })
    .await;
    if let Ok(Err(e)) = written {
        tracing::error!(error = %e, "delivery state not written");
    }
    sent
}

/// Runs for the server's life, one task per lane: a round whenever something is queued,
/// and every few seconds for retries and overdue cases.
pub fn run(recv: Receiver) {
    for lane in [Lane::Notices, Lane::Forwards] {
        let recv = recv.clone();
        tokio::spawn(async move {
            let client = send::client();
            loop {
                let sent = round(&recv, &client, lane).await;
                if sent == BATCH {
                    continue;
                }
                tokio::select! {
                    _ = recv.woken(lane == Lane::Forwards) => {}
                    _ = tokio::time::sleep(TICK) => {}
                }
            }
        });
    }
}
