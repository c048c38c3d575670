//! The outbox: records waiting to reach the backend, and the flush that delivers them
//! exactly once. Pure: storage, HTTP and time come in through the traits below.

pub mod backend;
pub mod policy;
pub mod state;

use std::future::Future;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::record::{Envelope, Millis};
use backend::{Backend, HttpRequest, HttpResult, Outcome};
use policy::RetryPolicy;
use state::{DeliveryState, Event, Receipt};

/// One record in the outbox with where it stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// The record (payload emptied once delivered).
    pub envelope: Envelope,
    /// Delivery state.
    pub state: DeliveryState,
}

impl OutboxEntry {
    /// A freshly queued record.
    pub fn queued(envelope: Envelope) -> OutboxEntry {
        OutboxEntry {
            envelope,
            state: DeliveryState::Queued,
        }
    }

    fn apply(&mut self, event: &Event, policy: &RetryPolicy) {
        self.state = self.state.apply(event, policy);
        if matches!(self.state, DeliveryState::Delivered(_)) {
            // Sent payloads leave the device; the receipt stays.
            self.envelope.payload = Value::Null;
        }
    }
}

/// Durable storage of outbox entries, one per id.
pub trait OutboxStore {
    /// Error type of the store.
    type Error: std::fmt::Display;
    /// Ids of every entry.
    fn ids(&self) -> Result<Vec<Uuid>, Self::Error>;
    /// One entry; `Ok(None)` if absent.
    fn load(&self, id: &Uuid) -> Result<Option<OutboxEntry>, Self::Error>;
    /// Writes one entry durably.
    fn save(&mut self, entry: &OutboxEntry) -> Result<(), Self::Error>;
}

/// Moves one request to the backend.
pub trait Transport {
    /// Sends `request`; never fails, the failure is in the result.
    fn send(&mut self, request: HttpRequest) -> impl Future<Output = HttpResult>;
}

/// Time and randomness.
pub trait Clock {
    /// Now, in ms since the epoch.
    fn now(&self) -> Millis;
    /// Uniform draw in [0, 1) for jitter.
    fn jitter(&mut self) -> f64;
}

/// Limits of one flush.
#[derive(Clone, Copy, Debug)]
pub struct FlushOptions {
    /// Records per request at most.
    pub batch_size: usize,
    /// Bytes per request body at most (a single larger record still goes alone).
    pub max_batch_bytes: usize,
    /// Retry timing.
    pub policy: RetryPolicy,
}

impl Default for FlushOptions {
    fn default() -> Self {
        FlushOptions {
            batch_size: 20,
            max_batch_bytes: 256 * 1024,
            policy: RetryPolicy::default(),
        }
    }
}

/// What a flush did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlushReport {
    /// Records sent (attempted) this flush.
    pub attempted: usize,
    /// Of which delivered.
    pub delivered: usize,
    /// Of which waiting to retry.
    pub retrying: usize,
    /// Of which rejected by the backend.
    pub rejected: usize,
    /// Credentials were refused; flushing stopped.
    pub needs_auth: bool,
    /// Entries that could not be read or written (they stay as they were on disk).
    pub store_errors: Vec<String>,
}

fn event_for(outcome: Outcome, now: Millis, jitter: f64) -> Event {
    match outcome {
        Outcome::Delivered { status, server } => Event::Acknowledged(Receipt {
            at: now,
            status,
            server,
        }),
        Outcome::Retry {
            reason,
            retry_after_ms,
        } => Event::Failed {
            reason,
            now,
            jitter,
            retry_after_ms,
        },
        Outcome::NeedsAuth { status } => Event::AuthRefused { status },
        Outcome::Rejected { status, reason } => Event::Refused { status, reason },
    }
}

/// Splits due entries into request-sized batches.
fn batches(entries: Vec<OutboxEntry>, opts: &FlushOptions) -> Vec<Vec<OutboxEntry>> {
    let mut out: Vec<Vec<OutboxEntry>> = Vec::new();
    let mut bytes = 0;
    for e in entries {
        let size = serde_json::to_string(&e.envelope).map_or(0, |s| s.len());
        let full = out.last().is_none_or(|b| {
            b.len() >= opts.batch_size.max(1) || bytes + size > opts.max_batch_bytes
        });
        if full {
            out.push(Vec::new());
            bytes = 0;
        }
        bytes += size;
        if let Some(b) = out.last_mut() {
            b.push(e);
        }
    }
    out
}

/// Sends every due record, persisting each outcome as it arrives. The caller guarantees
/// that only one flush runs at a time (Web Lock); `progress(done, total)` is called after
/// each request.
pub async fn flush<S: OutboxStore, T: Transport, C: Clock>(
    store: &mut S,
    transport: &mut T,
    clock: &mut C,
    backend: &Backend,
    opts: FlushOptions,
    mut progress: impl FnMut(usize, usize),
) -> FlushReport {
    let mut report = FlushReport::default();
    if !backend.is_configured() {
        return report;
    }
    let ids = match store.ids() {
        Ok(ids) => ids,
        Err(e) => {
            report.store_errors.push(e.to_string());
            return report;
        }
    };
    let now = clock.now();
    let mut due = Vec::new();
    let mut blocked = false;
    for id in ids {
        match store.load(&id) {
            Ok(Some(mut entry)) => {
                blocked |= matches!(entry.state, DeliveryState::NeedsAuth { .. });
                // Only one flush runs at a time, so "Sending" on disk is a crash's leftover.
                entry.apply(&Event::Restarted, &opts.policy);
                if entry.state.is_due(now, &opts.policy) {
                    due.push(entry);
                }
            }
            Ok(None) => {}
            Err(e) => report.store_errors.push(e.to_string()),
        }
    }
    if blocked {
        // Credentials were refused: sending more would only be refused too. The user must
        // enter new ones (Event::CredentialsChanged) first.
        report.needs_auth = true;
        return report;
    }
    due.sort_by_key(|e| (e.envelope.created_at, e.envelope.id));
    let total = due.len();
    let mut queue: std::collections::VecDeque<Vec<OutboxEntry>> = batches(due, &opts).into();
    while let Some(mut batch) = queue.pop_front() {
        let ids: Vec<Uuid> = batch.iter().map(|e| e.envelope.id).collect();
        let Some(request) = backend.request(&batch.iter().map(|e| &e.envelope).collect::<Vec<_>>())
        else {
            break;
        };
        for e in &mut batch {
            e.apply(&Event::SendStarted, &opts.policy);
        }
        let result = transport.send(request).await;
        if batch.len() > 1 && matches!(result, HttpResult::Response { status: 413, .. }) {
            // The batch is too large, not necessarily any record: send them one by one.
            for e in batch.into_iter().rev() {
                queue.push_front(vec![e]);
            }
            continue;
        }
        let outcomes = backend.interpret(&ids, &result);
        let now = clock.now();
        for (entry, outcome) in batch.iter_mut().zip(outcomes) {
            let event = event_for(outcome, now, clock.jitter());
            entry.apply(&event, &opts.policy);
            report.attempted += 1;
            match entry.state {
                DeliveryState::Delivered(_) => report.delivered += 1,
                DeliveryState::RetryWait { .. } => report.retrying += 1,
                DeliveryState::Rejected { .. } => report.rejected += 1,
                DeliveryState::NeedsAuth { .. } => report.needs_auth = true,
                _ => {}
            }
            if let Err(e) = store.save(entry) {
                report.store_errors.push(e.to_string());
            }
        }
        progress(report.attempted, total);
        if report.needs_auth {
            break;
        }
    }
    report
}

/// Counts per state, for the outbox page and the header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    /// Queued, sending or waiting to retry.
    pub waiting: usize,
    /// Blocked on credentials.
    pub needs_auth: usize,
    /// Delivered (receipts kept).
    pub delivered: usize,
    /// Refused by the backend.
    pub rejected: usize,
}

impl OutboxCounts {
    /// Tallies `states`.
    pub fn of<'a>(states: impl IntoIterator<Item = &'a DeliveryState>) -> OutboxCounts {
        let mut c = OutboxCounts::default();
        for s in states {
            match s {
                DeliveryState::Delivered(_) => c.delivered += 1,
                DeliveryState::Rejected { .. } => c.rejected += 1,
                DeliveryState::NeedsAuth { .. } => c.needs_auth += 1,
                _ => c.waiting += 1,
            }
        }
        c
    }

    /// Records not yet at the backend.
    pub fn unsent(&self) -> usize {
        self.waiting + self.needs_auth + self.rejected
    }
}
