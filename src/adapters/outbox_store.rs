//! The outbox on local storage: one key per record (`vigie/outbox/<uuid>`) and a small index
//! of ids (`vigie/outbox/index`), so a save rewrites one record, never the whole queue.

use uuid::Uuid;

use crate::adapters::storage::{LocalStore, StorageError};
use vigie_core::keys::{self, OUTBOX_INDEX as OUTBOX_INDEX_KEY, OUTBOX_RECORD_PREFIX};
use vigie_core::outbox::{OutboxEntry, OutboxStore};
use vigie_core::record::Envelope;

/// Key of one record.
pub fn record_key(id: &Uuid) -> String {
    keys::outbox_record(id)
}

/// An entry that could not be decoded: kept as it is, shown as unreadable, exportable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    /// Record id (from its key).
    pub id: Uuid,
    /// Storage key.
    pub key: String,
    /// The raw text, for export.
    pub raw: String,
    /// Why it could not be read.
    pub reason: String,
}

/// Outbox entries in local storage.
#[derive(Clone, Copy, Debug)]
pub struct LocalOutbox {
    store: LocalStore,
}

impl LocalOutbox {
    /// Opens the outbox on `store`.
    pub fn new(store: LocalStore) -> LocalOutbox {
        LocalOutbox { store }
    }

    fn index(&self) -> Result<Vec<Uuid>, StorageError> {
        match self.store.get::<Vec<Uuid>>(OUTBOX_INDEX_KEY) {
            Ok(Some(ids)) => Ok(ids),
            // A damaged or missing index (an older build kept it under another key) is
            // rebuilt from the record keys themselves: they are the truth.
            Ok(None) | Err(StorageError::Decode { .. }) => self.rebuild_index(),
            Err(e) => Err(e),
        }
    }

    fn rebuild_index(&self) -> Result<Vec<Uuid>, StorageError> {
        let ids: Vec<Uuid> = self
            .store
            .keys_with_prefix(OUTBOX_RECORD_PREFIX)?
            .iter()
            .filter_map(|k| keys::outbox_record_id(k))
            .collect();
        self.store.set(OUTBOX_INDEX_KEY, &ids)?;
        Ok(ids)
    }

    /// Queues a new record. On error (storage full) nothing changed and the caller keeps the
    /// data on screen.
    pub fn enqueue(&mut self, envelope: Envelope) -> Result<(), StorageError> {
        self.save(&OutboxEntry::queued(envelope))
    }

    /// Every readable entry, and the unreadable ones apart. Also repairs the index: a record
    /// written just before a crash, whose id never reached the index, is found again.
    pub fn load_all(&self) -> Result<(Vec<OutboxEntry>, Vec<Unreadable>), StorageError> {
        let mut ids = self.index()?;
        let on_disk = self.store.keys_with_prefix(OUTBOX_RECORD_PREFIX)?;
        let orphans: Vec<Uuid> = on_disk
            .iter()
            .filter_map(|k| keys::outbox_record_id(k))
            .filter(|id| !ids.contains(id))
            .collect();
        if !orphans.is_empty() {
            ids.extend(orphans);
            self.store.set(OUTBOX_INDEX_KEY, &ids)?;
        }
        let mut good = Vec::new();
        let mut bad = Vec::new();
        for id in ids {
            match self.load(&id) {
                Ok(Some(e)) => good.push(e),
                Ok(None) => {}
                Err(e) => bad.push(Unreadable {
                    id,
                    key: record_key(&id),
                    raw: self
                        .store
                        .get_raw(&record_key(&id))
                        .ok()
                        .flatten()
                        .unwrap_or_default(),
                    reason: e.to_string(),
                }),
            }
        }
        good.sort_by_key(|e| std::cmp::Reverse(e.envelope.created_at));
        Ok((good, bad))
    }

    /// Deletes one record (after the user confirmed).
    pub fn delete(&mut self, id: &Uuid) -> Result<(), StorageError> {
        let ids: Vec<Uuid> = self.index()?.into_iter().filter(|i| i != id).collect();
        self.store.set(OUTBOX_INDEX_KEY, &ids)?;
        self.store.remove(&record_key(id));
        Ok(())
    }

    /// Bytes the outbox uses in storage.
    pub fn used_bytes(&self) -> Result<usize, StorageError> {
        self.store.used_bytes(OUTBOX_RECORD_PREFIX)
    }
}

impl OutboxStore for LocalOutbox {
    type Error = StorageError;

    fn ids(&self) -> Result<Vec<Uuid>, StorageError> {
        self.index()
    }

    fn load(&self, id: &Uuid) -> Result<Option<OutboxEntry>, StorageError> {
        let key = record_key(id);
        let Some(raw) = self.store.get::<serde_json::Value>(&key)? else {
            return Ok(None);
        };
        let mut value = raw;
        // The envelope inside may be of an older schema: upgrade it on the way in.
        let envelope = value
            .get_mut("envelope")
            .map(serde_json::Value::take)
            .ok_or_else(|| StorageError::Decode {
                key: key.clone(),
                reason: "no envelope".into(),
            })?;
        let envelope = Envelope::decode(envelope).map_err(|e| StorageError::Decode {
            key: key.clone(),
            reason: e.to_string(),
        })?;
        let state = serde_json::from_value(
            value
                .get_mut("state")
                .map(serde_json::Value::take)
                .unwrap_or_default(),
        )
        .map_err(|e| StorageError::Decode {
            key: key.clone(),
            reason: e.to_string(),
        })?;
        Ok(Some(OutboxEntry { envelope, state }))
    }

    fn save(&mut self, entry: &OutboxEntry) -> Result<(), StorageError> {
        // Record first, then index: a crash between the two leaves a record the index
        // rebuild finds, never an index entry pointing at nothing written.
        self.store.set(&record_key(&entry.envelope.id), entry)?;
        let mut ids = self.index()?;
        if !ids.contains(&entry.envelope.id) {
            ids.push(entry.envelope.id);
            if let Err(e) = self.store.set(OUTBOX_INDEX_KEY, &ids) {
                self.store.remove(&record_key(&entry.envelope.id));
                return Err(e);
            }
        }
        Ok(())
    }
}
