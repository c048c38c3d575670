//! The outbox on IndexedDB: one record per id in the `outbox` store, written in strict
//! transactions. A save touches only the records it names; a record and its draft leave or
//! arrive together; an entry that cannot be decoded is kept as it is and shown apart.
//! Delivered records move to the `receipts` store in the same transaction as their
//! receipt, so what is read to save, flush or start is only what is still to send;
//! receipts are read a page at a time and, once old, become counts per month.

use thiserror::Error;
use uuid::Uuid;

use crate::browser::idb::{self, Found, IdbError, Op, Read, Start, DRAFTS, META, OUTBOX, RECEIPTS};
use crate::browser::{clock, vault};
use vigie_core::i18n::Msg;
use vigie_core::outbox::receipts::{self, MonthCounts};
use vigie_core::outbox::state::DeliveryState;
use vigie_core::outbox::{OutboxEntry, OutboxStore};
use vigie_core::record::Envelope;

/// An entry that could not be decoded: kept as it is, shown as damaged, exportable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    /// Record id (from its key; nil if the key is not an id).
    pub id: Uuid,
    /// The raw text, for export.
    pub raw: String,
    /// Why it could not be read (for developers; the user reads a plain message).
    pub reason: String,
}

/// Why the outbox store failed.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum OutboxStoreError {
    /// IndexedDB refused.
    #[error(transparent)]
    Storage(#[from] IdbError),
    /// One entry is damaged; the others are fine.
    #[error("record {} cannot be read: {}", .0.id, .0.reason)]
    Damaged(Unreadable),
    /// A record could not be written as JSON.
    #[error("cannot encode record: {0}")]
    Encode(String),
}

impl OutboxStoreError {
    /// What to tell the user, from the catalogue.
    pub fn user_message(&self) -> Msg {
        match self {
            OutboxStoreError::Storage(IdbError::QuotaExceeded) => Msg::StorageFull,
            OutboxStoreError::Storage(IdbError::Unavailable(_)) => Msg::StorageUnavailable,
            _ => Msg::StorageWriteFailed,
        }
    }
}

/// Decodes one stored entry; the envelope may be of an older schema and is upgraded.
pub fn decode(key: &str, raw: &str) -> Result<OutboxEntry, Unreadable> {
    let damaged = |reason: String| Unreadable {
        id: Uuid::parse_str(key).unwrap_or_default(),
        raw: raw.to_owned(),
        reason,
    };
    let mut value: serde_json::Value =
        serde_json::from_str(raw).map_err(|e| damaged(e.to_string()))?;
    let envelope = value
        .get_mut("envelope")
        .map(serde_json::Value::take)
        .ok_or_else(|| damaged("no envelope".into()))?;
    let envelope = Envelope::decode(envelope).map_err(|e| damaged(e.to_string()))?;
    let state = serde_json::from_value(
        value
            .get_mut("state")
            .map(serde_json::Value::take)
            .unwrap_or_default(),
    )
    .map_err(|e| damaged(e.to_string()))?;
    let flag = |name: &str| value.get(name).and_then(serde_json::Value::as_bool) == Some(true);
    Ok(OutboxEntry {
        envelope,
        state,
        discreet: flag("discreet"),
        urgent: flag("urgent"),
    })
}

/// The `meta` key of the receipts compacted into counts per month.
pub const RECEIPT_MONTHS: &str = "receipt_months";

/// Receipts read per round of compaction (bounds memory on a phone back after months).
const COMPACT_ROUND: u32 = 500;

fn encode(entry: &OutboxEntry) -> Result<String, OutboxStoreError> {
    serde_json::to_string(entry).map_err(|e| OutboxStoreError::Encode(e.to_string()))
}

/// The writes that store `entry`: a record still to send stays in `outbox`; a delivered one
/// moves to `receipts` (both in the caller's one transaction).
fn put(entry: &OutboxEntry, ops: &mut Vec<Op>) -> Result<(), OutboxStoreError> {
    let id = entry.envelope.id.to_string();
    if matches!(entry.state, DeliveryState::Delivered(_)) {
        ops.push(Op::Put {
            store: RECEIPTS,
            key: entry.receipt_key(),
            value: encode(entry)?,
        });
        ops.push(Op::Delete {
            store: OUTBOX,
            key: id,
        });
    } else {
        ops.push(Op::Put {
            store: OUTBOX,
            key: id,
            value: encode(entry)?,
        });
    }
    Ok(())
}

fn puts(entries: &[OutboxEntry]) -> Result<Vec<Op>, OutboxStoreError> {
    let mut ops = Vec::with_capacity(entries.len() * 2);
    for e in entries {
        put(e, &mut ops)?;
    }
    Ok(ops)
}

/// What the `outbox` store holds: records to send (newest first), receipts an older build
/// left there (to be moved), and the entries that cannot be read.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Records not yet delivered, newest first.
    pub pending: Vec<OutboxEntry>,
    /// Delivered records still in the `outbox` store (written by an older build).
    pub stray_receipts: Vec<OutboxEntry>,
    /// Damaged entries.
    pub unreadable: Vec<Unreadable>,
}

/// Decodes stored rows, opening sealed ones first (see `vault`): one that cannot be
/// opened is unreadable, never a record without its answers.
async fn decode_rows(rows: Vec<(String, String)>) -> Vec<Result<OutboxEntry, Unreadable>> {
    let opened = vault::open_rows(rows, false).await;
    let mut decoded = Vec::with_capacity(opened.len());
    for (i, (key, opened)) in opened.into_iter().enumerate() {
        // A slice at a time, so that a tap is not held up by thousands of records.
        if i > 0 && i % clock::ROWS_PER_SLICE == 0 {
            clock::yield_to_input().await;
        }
        decoded.push(match opened {
            Ok(text) => decode(&key, &text),
            Err((e, raw)) => Err(Unreadable {
                id: Uuid::parse_str(&key).unwrap_or_default(),
                raw,
                reason: e.to_string(),
            }),
        });
    }
    decoded
}

impl Loaded {
    async fn sort_out(rows: Vec<(String, String)>) -> Loaded {
        let mut loaded = Loaded::default();
        for decoded in decode_rows(rows).await {
            match decoded {
                Ok(e) if matches!(e.state, DeliveryState::Delivered(_)) => {
                    loaded.stray_receipts.push(e)
                }
                Ok(e) => loaded.pending.push(e),
                Err(u) => loaded.unreadable.push(u),
            }
        }
        loaded
            .pending
            .sort_unstable_by_key(|e| std::cmp::Reverse((e.envelope.created_at, e.envelope.id)));
        loaded
    }
}

/// The outbox as its views show it, read at one instant (see [`IdbOutbox::view`]).
#[derive(Debug, Default)]
pub struct View {
    /// The `outbox` store, sorted out.
    pub loaded: Loaded,
    /// How many receipts are kept whole.
    pub receipt_total: usize,
    /// The newest receipts.
    pub receipts: Vec<OutboxEntry>,
}

/// Decodes receipts; a damaged one is skipped (the record is at the backend) and left as
/// it is.
async fn decode_receipts(rows: Vec<(String, String)>) -> Vec<OutboxEntry> {
    decode_rows(rows)
        .await
        .into_iter()
        .filter_map(|decoded| match decoded {
            Ok(e) => Some(e),
            Err(u) => {
                leptos::logging::warn!("receipt {}: {}", u.id, u.reason);
                None
            }
        })
        .collect()
}

/// The outbox in IndexedDB.
#[derive(Clone, Copy, Debug, Default)]
pub struct IdbOutbox;

impl IdbOutbox {
    /// Queues a new record. `Ok` only once it is on disk; on error nothing changed and the
    /// caller keeps the data on screen.
    pub async fn enqueue(&self, entry: &OutboxEntry) -> Result<(), OutboxStoreError> {
        idb::write(&puts(std::slice::from_ref(entry))?).await?;
        Ok(())
    }

    /// Queues a finalised record and removes its draft in one transaction: a kill leaves
    /// either the draft or the record, never both and never neither.
    pub async fn enqueue_from_draft(&self, entry: &OutboxEntry) -> Result<(), OutboxStoreError> {
        let mut ops = puts(std::slice::from_ref(entry))?;
        ops.push(Op::Delete {
            store: DRAFTS,
            key: entry.envelope.id.to_string(),
        });
        idb::write(&ops).await?;
        Ok(())
    }

    /// Every entry of the `outbox` store, sorted out.
    pub async fn load(&self) -> Result<Loaded, IdbError> {
        Ok(Loaded::sort_out(idb::get_all(OUTBOX).await?).await)
    }

    /// What the outbox's views show, read in one transaction so that the parts agree: the
    /// records to send, the number of receipts and the newest `shown` of them. (Read apart,
    /// a flush committing in between made a record both "en attente" and "envoyé".)
    pub async fn view(&self, shown: u32) -> Result<View, IdbError> {
        let reads = [
            Read::Range {
                store: OUTBOX,
                start: Start::First,
                limit: None,
            },
            Read::Count(RECEIPTS),
            Read::Range {
                store: RECEIPTS,
                start: Start::First,
                limit: Some(shown),
            },
        ];
        let mut found = idb::read_many(&reads).await?.into_iter();
        let (Some(Found::Rows(outbox)), Some(Found::Count(receipt_total)), Some(Found::Rows(rows))) =
            (found.next(), found.next(), found.next())
        else {
            return Err(IdbError::ReadFailed("unexpected answer".into()));
        };
        Ok(View {
            loaded: Loaded::sort_out(outbox).await,
            receipt_total,
            receipts: decode_receipts(rows).await,
        })
    }

    /// Up to `limit` receipts, newest first, after the one whose key is `after`. A damaged
    /// receipt is skipped (the record is at the backend) and left as it is.
    pub async fn receipts(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<OutboxEntry>, IdbError> {
        let start = after.map_or(Start::First, Start::After);
        Ok(decode_receipts(idb::get_page(RECEIPTS, start, limit).await?).await)
    }

    /// How many receipts the phone keeps whole.
    pub async fn receipt_count(&self) -> Result<usize, IdbError> {
        idb::count(RECEIPTS).await
    }

    /// The receipts compacted so far, counted per month.
    pub async fn month_counts(&self) -> Result<MonthCounts, IdbError> {
        Ok(receipts::parse_counts(
            idb::get(META, RECEIPT_MONTHS).await?.as_deref(),
        ))
    }

    /// Turns the receipts of records created before `cutoff` into counts per month, a round
    /// of at most [`COMPACT_ROUND`] at a time, each round one transaction (the counts and
    /// the removals together). Only the `receipts` store is touched: a record still to
    /// send, or refused, is never counted away. Returns the counts.
    pub async fn compact(
        &self,
        cutoff: vigie_core::record::Millis,
    ) -> Result<MonthCounts, IdbError> {
        // Strictly before: a receipt of exactly `cutoff` is kept.
        let from = vigie_core::outbox::receipt_key_prefix(cutoff.saturating_sub(1));
        let mut counts = self.month_counts().await?;
        loop {
            let old = idb::get_page(RECEIPTS, Start::At(&from), COMPACT_ROUND).await?;
            if old.is_empty() {
                return Ok(counts);
            }
            let round = old.len();
            let decoded: Vec<OutboxEntry> = old
                .iter()
                .filter_map(|(key, raw)| decode(key, raw).ok())
                .collect();
            receipts::tally(&mut counts, &decoded);
            let mut ops: Vec<Op> = old
                .into_iter()
                .map(|(key, _)| Op::Delete {
                    store: RECEIPTS,
                    key,
                })
                .collect();
            ops.push(Op::Put {
                store: META,
                key: RECEIPT_MONTHS.into(),
                value: serde_json::to_string(&counts).unwrap_or_else(|_| "{}".into()),
            });
            idb::write(&ops).await?;
            if round < COMPACT_ROUND as usize {
                return Ok(counts);
            }
        }
    }

    /// Takes a refused record back into a draft to correct it: the draft written and the
    /// record removed in one transaction (a kill leaves one or the other).
    pub async fn reopen(&self, draft: &vigie_core::drafts::Draft) -> Result<(), OutboxStoreError> {
        let value =
            serde_json::to_string(draft).map_err(|e| OutboxStoreError::Encode(e.to_string()))?;
        idb::write(&[
            Op::Put {
                store: DRAFTS,
                key: draft.id.to_string(),
                value,
            },
            Op::Delete {
                store: OUTBOX,
                key: draft.id.to_string(),
            },
        ])
        .await?;
        Ok(())
    }

    /// Deletes one record (after the user confirmed): one operation, nothing to repair.
    pub async fn delete(&self, id: &Uuid) -> Result<(), OutboxStoreError> {
        idb::write(&[Op::Delete {
            store: OUTBOX,
            key: id.to_string(),
        }])
        .await?;
        Ok(())
    }
}

impl OutboxStore for IdbOutbox {
    type Error = OutboxStoreError;

    async fn load_all(
        &self,
    ) -> Result<Vec<Result<OutboxEntry, OutboxStoreError>>, OutboxStoreError> {
        Ok(decode_rows(idb::get_all(OUTBOX).await?)
            .await
            .into_iter()
            .map(|decoded| decoded.map_err(OutboxStoreError::Damaged))
            .collect())
    }

    async fn save(&mut self, entries: &[OutboxEntry]) -> Result<(), OutboxStoreError> {
        match idb::write(&puts(entries)?).await {
            // The disk is full and cannot even take the receipts: the backend has those
            // records, so they leave the phone rather than be sent again for ever.
            Err(IdbError::QuotaExceeded)
                if entries
                    .iter()
                    .any(|e| matches!(e.state, DeliveryState::Delivered(_))) =>
            {
                let mut ops = Vec::new();
                for e in entries {
                    match e.state {
                        DeliveryState::Delivered(_) => ops.push(Op::Delete {
                            store: OUTBOX,
                            key: e.envelope.id.to_string(),
                        }),
                        _ => put(e, &mut ops)?,
                    }
                }
                Ok(idb::write(&ops).await?)
            }
            other => Ok(other?),
        }
    }
}
