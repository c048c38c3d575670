//! The outbox: records waiting to reach the backend, and the flush that delivers them
//! exactly once. Pure: storage, HTTP and time come in through the traits below.

pub mod backend;
pub mod policy;
pub mod receipts;
pub mod state;

use std::future::Future;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::record::{Envelope, Millis};
use backend::{Backend, HttpRequest, HttpResult, Outcome};
use policy::RetryPolicy;
use state::{DeliveryState, Event, Receipt};

/// Most characters of the server's answer kept with a receipt.
pub const MAX_RECEIPT_TEXT: usize = 120;

/// Default time limit of one request, body included, in ms: 2G uploads of a batch are slow.
pub const DEFAULT_TIMEOUT_MS: u32 = 45_000;

/// Midnight UTC (Mali's time, all year) of the day of `t`.
fn start_of_day(t: Millis) -> Millis {
    t - t.rem_euclid(86_400_000)
}

/// One record in the outbox with where it stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// The record (payload emptied once delivered).
    pub envelope: Envelope,
    /// Delivery state.
    pub state: DeliveryState,
    /// Once delivered, keep only the day it was written: the form it was filled with and
    /// the time of day could tell whoever picks the phone up what it was about (a GBV
    /// report). Set at queue time from the form's `discreet_receipt_when`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub discreet: bool,
    /// Sent before older records that are not (a red or orange alert). Set at queue time
    /// from the form's `urgent_when`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub urgent: bool,
}

impl OutboxEntry {
    /// A freshly queued record.
    pub fn queued(envelope: Envelope) -> OutboxEntry {
        OutboxEntry {
            envelope,
            state: DeliveryState::Queued,
            discreet: false,
            urgent: false,
        }
    }

    /// A freshly queued record with the flags its form's rules gave it (see
    /// [`OutboxEntry::discreet`] and [`OutboxEntry::urgent`]).
    pub fn queued_with(envelope: Envelope, discreet: bool, urgent: bool) -> OutboxEntry {
        OutboxEntry {
            discreet,
            urgent,
            ..OutboxEntry::queued(envelope)
        }
    }

    /// The key of this record's receipt in the receipts store: sorted newest first (the
    /// time is subtracted from a constant and zero-padded), then by id. The service worker
    /// (`public/sw-outbox.js`) builds the same key.
    pub fn receipt_key(&self) -> String {
        receipt_key(self.envelope.created_at, &self.envelope.id)
    }

    /// A delivered record whose receipt shows only "Rapport envoyé" and its day: one that
    /// kept no form. The receipt itself carries no flag saying it was discreet.
    pub fn is_discreet_receipt(&self) -> bool {
        matches!(self.state, DeliveryState::Delivered(_)) && self.envelope.form_id.is_empty()
    }

    /// Applies `event`. On delivery the payload leaves the device and the receipt stays,
    /// its server text dropped if it would make the entry grow: a record of a few words
    /// still grows by its receipt's fields, so the store, on a full disk, removes a
    /// delivered entry rather than fail to record its receipt (the phone would re-send it
    /// for ever).
    pub fn apply(&mut self, event: &Event, policy: &RetryPolicy) {
        let was_delivered = matches!(self.state, DeliveryState::Delivered(_));
        // Measured only when a receipt may replace the record: every flush applies
        // `Restarted` to every entry, which must not serialise them all.
        let delivering = !was_delivered && matches!(event, Event::Acknowledged(_));
        let before = if delivering { self.stored_len() } else { 0 };
        self.state = self.state.apply(event, policy);
        if delivering {
            if let DeliveryState::Delivered(receipt) = &mut self.state {
                // Sent records leave the phone: what stays is what "Mes rapports" shows
                // (form, times, state, level and commune), not who wrote it on which
                // device nor what it said.
                self.envelope.payload = receipt_summary(&self.envelope.payload);
                self.envelope.author = crate::record::Author::default();
                self.envelope.device_id.clear();
                if self.discreet {
                    // Only what the outbox needs: the id (a replay is still known) and the
                    // day. No form, no time, no level or urgency, no flag, no server text
                    // (it holds the server's time of receipt), no place.
                    self.envelope.payload = Value::Null;
                    self.envelope.kind.clear();
                    self.envelope.form_id.clear();
                    self.envelope.form_version.clear();
                    self.envelope.created_at = start_of_day(self.envelope.created_at);
                    self.envelope.updated_at = self.envelope.created_at;
                    self.discreet = false;
                    self.urgent = false;
                    receipt.at = start_of_day(receipt.at);
                    receipt.server.clear();
                }
                receipt.server.truncate(
                    receipt
                        .server
                        .char_indices()
                        .nth(MAX_RECEIPT_TEXT)
                        .map_or(receipt.server.len(), |(i, _)| i),
                );
            }
            if matches!(self.state, DeliveryState::Delivered(_)) && self.stored_len() > before {
                if let DeliveryState::Delivered(receipt) = &mut self.state {
                    receipt.server.clear();
                }
            }
        }
    }

    /// Length of the stored form.
    pub fn stored_len(&self) -> usize {
        serde_json::to_string(self).map_or(0, |s| s.len())
    }
}

/// The answers a delivered record's receipt keeps so that "Mes rapports" still tells
/// incidents apart: its alert level, and the region, cercle and commune of its places (not
/// the village, not a word of the account). `public/sw-outbox.js` keeps the same.
pub fn receipt_summary(payload: &Value) -> Value {
    const PLACE: [&str; 4] = ["region", "cercle", "commune", "commune_other"];
    let Some(answers) = payload.as_object() else {
        return Value::Null;
    };
    let mut kept = serde_json::Map::new();
    for (key, value) in answers {
        match value {
            Value::String(_) if key == "alert_level" => {
                kept.insert(key.clone(), value.clone());
            }
            Value::Object(place) if place.contains_key("region") => {
                let parts: serde_json::Map<String, Value> = PLACE
                    .iter()
                    .filter_map(|k| Some(((*k).to_owned(), place.get(*k)?.clone())))
                    .collect();
                kept.insert(key.clone(), Value::Object(parts));
            }
            _ => {}
        }
    }
    if kept.is_empty() {
        Value::Null
    } else {
        Value::Object(kept)
    }
}

/// The largest time a receipt key can hold (year 33658); later times sort as this one.
pub const RECEIPT_KEY_EPOCH: Millis = 999_999_999_999_999;

/// The receipts-store key of a record created at `created_at` (see
/// [`OutboxEntry::receipt_key`]).
pub fn receipt_key(created_at: Millis, id: &Uuid) -> String {
    format!("{}-{id}", receipt_key_prefix(created_at))
}

/// The part of a receipt key that orders it: every receipt created at or before
/// `created_at` has a key at or after this one.
pub fn receipt_key_prefix(created_at: Millis) -> String {
    format!(
        "{:015}",
        RECEIPT_KEY_EPOCH - created_at.clamp(0, RECEIPT_KEY_EPOCH)
    )
}

/// Durable storage of outbox entries, one per id. Asynchronous: the browser's store
/// (IndexedDB) answers later, and a write counts only once it is on disk.
pub trait OutboxStore {
    /// Error type of the store.
    type Error: std::fmt::Display;
    /// Every entry: each one decoded, or the error that one gave (an undecodable entry is
    /// reported, never dropped). `Err` when the store cannot be read at all.
    fn load_all(
        &self,
    ) -> impl Future<Output = Result<Vec<Result<OutboxEntry, Self::Error>>, Self::Error>>;
    /// Writes `entries` durably, all or none; `Ok` only once they are on disk.
    fn save(&mut self, entries: &[OutboxEntry]) -> impl Future<Output = Result<(), Self::Error>>;
}

/// Applies `event` to every entry as the store holds it now, and writes back those that
/// changed. Never to copies held in memory: another tab may have delivered a record since
/// (its in-memory copy still says queued). Run it under the flush lock.
/// `only`: the one record it concerns, else every record.
pub async fn apply_to_stored<S: OutboxStore>(
    store: &mut S,
    event: &Event,
    policy: &RetryPolicy,
    only: Option<Uuid>,
) -> Result<usize, S::Error> {
    let mut changed = Vec::new();
    let all = store.load_all().await?.into_iter().flatten();
    for mut entry in all.filter(|e| only.is_none_or(|id| e.envelope.id == id)) {
        let before = entry.state.clone();
        entry.apply(event, policy);
        if entry.state != before {
            changed.push(entry);
        }
    }
    if !changed.is_empty() {
        store.save(&changed).await?;
    }
    Ok(changed.len())
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
            // Few round trips on a slow link (500 notes in 5 requests); the byte limit
            // keeps each request within what the receivers accept.
            batch_size: 100,
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

/// The event an attempt's `outcome` is for a record, seen at `now` with the draw `jitter`.
pub fn event_for(outcome: Outcome, now: Millis, jitter: f64) -> Event {
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

/// Puts due entries in the order they are sent: urgent records (red and orange alerts)
/// first, then oldest first, then by id.
pub fn sending_order(due: &mut [OutboxEntry]) {
    due.sort_unstable_by_key(|e| (!e.urgent, e.envelope.created_at, e.envelope.id));
}

/// Splits due entries into request-sized batches: at most `batch_size` records and
/// `max_batch_bytes` bytes of UTF-8 JSON each (a larger record still goes alone).
pub fn batches(entries: Vec<OutboxEntry>, opts: &FlushOptions) -> Vec<Vec<OutboxEntry>> {
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
    let all = match store.load_all().await {
        Ok(all) => all,
        Err(e) => {
            report.store_errors.push(e.to_string());
            return report;
        }
    };
    let now = clock.now();
    let mut due = Vec::new();
    let mut blocked = false;
    for found in all {
        match found {
            Ok(mut entry) => {
                blocked |= matches!(entry.state, DeliveryState::NeedsAuth { .. });
                // Only one flush runs at a time, so "Sending" on disk is a crash's leftover.
                entry.apply(&Event::Restarted, &opts.policy);
                if entry.state.is_due(now, &opts.policy) {
                    due.push(entry);
                }
            }
            Err(e) => report.store_errors.push(e.to_string()),
        }
    }
    if blocked {
        // Credentials were refused: sending more would only be refused too. The user must
        // enter new ones (Event::CredentialsChanged) first.
        report.needs_auth = true;
        return report;
    }
    sending_order(&mut due);
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
        }
        // One write for the whole answer: a crash leaves every record of the batch as it
        // was before (sent again, harmless) or every one updated.
        if let Err(e) = store.save(&batch).await {
            report.store_errors.push(e.to_string());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::state::RetryReason;
    use crate::record::Author;
    use serde_json::json;
    use std::collections::HashMap;

    fn now<F: Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        match f
            .as_mut()
            .poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
        {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("the in-memory store answers at once"),
        }
    }

    #[derive(Default)]
    struct Mem(HashMap<Uuid, OutboxEntry>);

    impl OutboxStore for Mem {
        type Error = String;
        fn load_all(
            &self,
        ) -> impl Future<Output = Result<Vec<Result<OutboxEntry, String>>, String>> {
            std::future::ready(Ok(self.0.values().cloned().map(Ok).collect()))
        }
        fn save(&mut self, entries: &[OutboxEntry]) -> impl Future<Output = Result<(), String>> {
            for e in entries {
                self.0.insert(e.envelope.id, e.clone());
            }
            std::future::ready(Ok(()))
        }
    }

    fn note(n: u128, text: &str) -> OutboxEntry {
        OutboxEntry::queued(Envelope::new(
            Uuid::from_u128(n),
            "note",
            ("note", "1"),
            1,
            "d",
            Author::default(),
            json!({ "texte": text }),
        ))
    }

    fn delivered(server: &str) -> Event {
        Event::Acknowledged(Receipt {
            at: 5,
            status: 201,
            server: server.into(),
        })
    }

    #[test]
    fn a_receipt_never_takes_more_room_than_the_record() {
        let p = RetryPolicy::default();
        let long_answer = "x".repeat(2_000);
        let short_report =
            "Tension au marché de Kadiolo entre éleveurs et cultivateurs, deux blessés.";
        for text in [short_report, &"Tension au marché".repeat(40)] {
            let mut e = note(1, text);
            let queued = e.stored_len();
            e.apply(&Event::SendStarted, &p);
            e.apply(&delivered(&long_answer), &p);
            assert!(matches!(e.state, DeliveryState::Delivered(_)));
            assert_eq!(e.envelope.payload, Value::Null, "the payload is purged");
            assert_eq!(e.envelope.author, Author::default(), "and who wrote it");
            assert!(e.envelope.device_id.is_empty());
            assert!(e.stored_len() <= queued, "{} > {queued}", e.stored_len());
        }
    }

    #[test]
    fn a_receipt_keeps_the_level_and_commune_but_no_word_of_the_account() {
        let p = RetryPolicy::default();
        let mut e = note(1, "");
        e.envelope.payload = json!({
            "alert_level": "rouge",
            "description": "Deux blessés au marché",
            "location": {"region": "ML03", "cercle": "ML0302", "commune": "ML030204",
                "village": "Marché de Kadiolo", "gps": {"lat": 10.5, "lon": -5.7}},
            "category": ["PHY"],
        });
        e.apply(&Event::SendStarted, &p);
        e.apply(&delivered("ok"), &p);
        assert_eq!(
            e.envelope.payload,
            json!({"alert_level": "rouge", "location":
                {"region": "ML03", "cercle": "ML0302", "commune": "ML030204"}})
        );
        // A discreet one keeps none of it.
        let mut d = note(2, "");
        d.discreet = true;
        d.envelope.payload = json!({"alert_level": "orange", "location": {"region": "ML03"}});
        d.apply(&Event::SendStarted, &p);
        d.apply(&delivered("ok"), &p);
        assert_eq!(d.envelope.payload, Value::Null);
        assert_eq!(receipt_summary(&json!("text")), Value::Null);
    }

    #[test]
    fn a_discreet_receipt_keeps_only_the_day() {
        let p = RetryPolicy::default();
        // 2026-11-23 16:37:05 UTC.
        let at = 1_795_451_825_000;
        let mut e = note(1, "VBG à Kadiolo");
        e.envelope.created_at = at;
        e.envelope.updated_at = at + 60_000;
        e.discreet = true;
        e.urgent = true;
        let queued = e.clone();
        e.apply(&Event::SendStarted, &p);
        e.apply(&Event::Restarted, &p);
        assert_eq!(
            e.envelope, queued.envelope,
            "nothing is dropped before delivery"
        );
        assert!(!e.is_discreet_receipt());
        e.apply(&Event::SendStarted, &p);
        e.apply(
            &Event::Acknowledged(Receipt {
                at: at + 3_723_456,
                status: 201,
                server: r#"{"received_at": 1795455548000}"#.into(),
            }),
            &p,
        );
        assert!(e.is_discreet_receipt());
        let DeliveryState::Delivered(r) = &e.state else {
            panic!("delivered")
        };
        assert_eq!(r.at, 1_795_392_000_000, "delivered that day, no time");
        assert!(r.server.is_empty(), "nor the server's time of receipt");
        assert!(!e.urgent && !e.discreet, "no level, no urgency, no flag");
        assert!(e.envelope.form_id.is_empty() && e.envelope.kind.is_empty());
        assert!(e.envelope.form_version.is_empty());
        assert_eq!(
            e.envelope.created_at, 1_795_392_000_000,
            "midnight of that day"
        );
        assert_eq!(e.envelope.updated_at, e.envelope.created_at);
        assert_eq!(
            e.envelope.id, queued.envelope.id,
            "the id stays: a replay is still known"
        );
        // An ordinary receipt keeps the form and the times.
        let mut plain = queued.clone();
        plain.discreet = false;
        plain.apply(&Event::SendStarted, &p);
        plain.apply(&delivered("ok"), &p);
        assert_eq!(plain.envelope.form_id, "note");
        assert_eq!(plain.envelope.created_at, at);
        assert!(!plain.is_discreet_receipt());
        // Stored and read back, it is still told apart by its missing form alone.
        let text = serde_json::to_string(&e).unwrap();
        assert!(
            !text.contains("discreet") && !text.contains("urgent"),
            "{text}"
        );
        assert!(!text.contains("received_at"), "{text}");
        let back = serde_json::from_str::<OutboxEntry>(&text).unwrap();
        assert_eq!(back, e);
        assert!(back.is_discreet_receipt());
    }

    #[test]
    fn receipt_keys_sort_newest_first() {
        let id = Uuid::from_u128(7);
        // The service worker's test checks the same values (js-tests/sw-outbox.test.mjs).
        assert_eq!(
            receipt_key(1_795_451_825_000, &id),
            "998204548174999-00000000-0000-0000-0000-000000000007"
        );
        assert!(receipt_key(1_795_451_825_001, &id) < receipt_key(1_795_451_825_000, &id));
        assert!(receipt_key(5, &Uuid::from_u128(1)) < receipt_key(4, &Uuid::from_u128(0)));
        assert_eq!(&receipt_key(-5, &id)[..15], "999999999999999");
        // Every receipt created at or before an instant sorts at or after its prefix.
        assert!(receipt_key(100, &id).as_str() >= receipt_key_prefix(100).as_str());
        assert!(receipt_key(99, &id).as_str() > receipt_key_prefix(100).as_str());
        assert!(receipt_key(101, &id).as_str() < receipt_key_prefix(100).as_str());
    }

    /// Bug: "Envoyer maintenant" in a second tab applied the event to that tab's copies in
    /// memory and saved them, putting a record another tab had delivered back in the queue.
    #[test]
    fn events_apply_to_what_the_store_holds_now() {
        let p = RetryPolicy::default();
        let mut store = Mem::default();
        let mut waiting = note(1, "a");
        waiting.apply(&Event::SendStarted, &p);
        waiting.apply(
            &Event::Failed {
                reason: RetryReason::Timeout,
                now: 0,
                jitter: 0.5,
                retry_after_ms: None,
            },
            &p,
        );
        // A stale copy of this record, as a second tab holds it in memory.
        let stale = waiting.clone();
        now(store.save(&[waiting.clone(), note(2, "b")])).unwrap();
        // Meanwhile the tab holding the lock delivers it.
        let mut done = waiting;
        done.apply(&Event::SendNow, &p);
        done.apply(&Event::SendStarted, &p);
        done.apply(&delivered("ok"), &p);
        now(store.save(&[done])).unwrap();
        assert!(matches!(stale.state, DeliveryState::RetryWait { .. }));
        let changed = now(apply_to_stored(&mut store, &Event::SendNow, &p, None)).unwrap();
        assert_eq!(
            changed, 0,
            "a queued record and a delivered one: nothing to do"
        );
        let kept = &store.0[&Uuid::from_u128(1)];
        assert!(matches!(kept.state, DeliveryState::Delivered(_)));
        assert_eq!(kept.envelope.payload, Value::Null);
    }
}
