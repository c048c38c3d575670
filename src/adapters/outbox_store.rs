//! The outbox on IndexedDB: one record per id in the `outbox` store, written in strict
//! transactions. A save touches only the records it names; a record and its draft leave or
//! arrive together; an entry that cannot be decoded is kept as it is and shown apart.

use thiserror::Error;
use uuid::Uuid;

use super::idb::{self, IdbError, Op, DRAFTS, OUTBOX};
use vigie_core::i18n::Msg;
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
    let discreet = value.get("discreet").and_then(serde_json::Value::as_bool) == Some(true);
    Ok(OutboxEntry {
        envelope,
        state,
        discreet,
    })
}

fn put(entry: &OutboxEntry) -> Result<Op, OutboxStoreError> {
    Ok(Op::Put {
        store: OUTBOX,
        key: entry.envelope.id.to_string(),
        value: serde_json::to_string(entry).map_err(|e| OutboxStoreError::Encode(e.to_string()))?,
    })
}

/// The outbox in IndexedDB.
#[derive(Clone, Copy, Debug, Default)]
pub struct IdbOutbox;

impl IdbOutbox {
    /// Queues a new record. `Ok` only once it is on disk; on error nothing changed and the
    /// caller keeps the data on screen.
    pub async fn enqueue(&self, entry: &OutboxEntry) -> Result<(), OutboxStoreError> {
        idb::write(&[put(entry)?]).await?;
        Ok(())
    }

    /// Queues a finalised record and removes its draft in one transaction: a kill leaves
    /// either the draft or the record, never both and never neither.
    pub async fn enqueue_from_draft(&self, entry: &OutboxEntry) -> Result<(), OutboxStoreError> {
        let draft = Op::Delete {
            store: DRAFTS,
            key: entry.envelope.id.to_string(),
        };
        idb::write(&[put(entry)?, draft]).await?;
        Ok(())
    }

    /// Every readable entry (newest first) and the unreadable ones apart.
    pub async fn load_split(&self) -> Result<(Vec<OutboxEntry>, Vec<Unreadable>), IdbError> {
        let mut good = Vec::new();
        let mut bad = Vec::new();
        for (key, raw) in idb::get_all(OUTBOX).await? {
            match decode(&key, &raw) {
                Ok(e) => good.push(e),
                Err(u) => bad.push(u),
            }
        }
        good.sort_by_key(|e| std::cmp::Reverse(e.envelope.created_at));
        Ok((good, bad))
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
        Ok(idb::get_all(OUTBOX)
            .await?
            .into_iter()
            .map(|(key, raw)| decode(&key, &raw).map_err(OutboxStoreError::Damaged))
            .collect())
    }

    async fn save(&mut self, entries: &[OutboxEntry]) -> Result<(), OutboxStoreError> {
        let ops = entries.iter().map(put).collect::<Result<Vec<_>, _>>()?;
        match idb::write(&ops).await {
            // The disk is full and cannot even take the receipts: the backend has those
            // records, so they leave the phone rather than be sent again for ever.
            Err(IdbError::QuotaExceeded)
                if entries
                    .iter()
                    .any(|e| matches!(e.state, DeliveryState::Delivered(_))) =>
            {
                let ops = entries
                    .iter()
                    .map(|e| match e.state {
                        DeliveryState::Delivered(_) => Ok(Op::Delete {
                            store: OUTBOX,
                            key: e.envelope.id.to_string(),
                        }),
                        _ => put(e),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(idb::write(&ops).await?)
            }
            other => Ok(other?),
        }
    }
}
