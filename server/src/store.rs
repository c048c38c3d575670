//! The receiver's state: the SQLite store of submissions (idempotent on the record id,
//! committed before any receipt), the tokens, and the published forms.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension};
use vigie_core::record::Envelope;

use crate::auth::ExtraToken;
use crate::db::{self, DbError};
use crate::published::FormsFolder;

/// Shared receiver state.
#[derive(Clone)]
pub struct Receiver {
    db: Arc<Mutex<Connection>>,
    pub(crate) extra: Arc<[ExtraToken]>,
    forms: Arc<FormsFolder>,
}

/// Result of storing one record.
#[derive(Debug, PartialEq, Eq)]
pub enum Stored {
    /// New row, received at this time (ms).
    New(i64),
    /// Same id, same content: a retry of the record first received at this time.
    Duplicate(i64),
    /// Same id, different content.
    Conflict,
}

impl Receiver {
    /// Opens (or creates) `data_dir/vigie.sqlite3`; `extra` are command-line tokens;
    /// `forms` is what `/api/forms` serves.
    pub fn open(
        data_dir: &Path,
        extra: Vec<ExtraToken>,
        forms: FormsFolder,
    ) -> Result<Receiver, DbError> {
        Ok(Receiver {
            db: Arc::new(Mutex::new(db::open(data_dir)?)),
            extra: extra.into(),
            forms: Arc::new(forms),
        })
    }

    /// Runs `f` with the connection.
    pub fn with_db<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let db = self.db.lock().map_err(|_| DbError::Poisoned)?;
        f(&db)
    }

    /// The published form definitions.
    pub fn forms(&self) -> &FormsFolder {
        &self.forms
    }

    /// Stores `record` unless it is there; `token_label` names the token it came with.
    pub fn store(&self, record: &Envelope, token_label: &str) -> Result<Stored, DbError> {
        let id = record.id.to_string();
        let text = serde_json::to_string(record).map_err(|e| DbError::Encode(e.to_string()))?;
        self.with_db(|db| {
            let existing: Option<(String, i64)> = db
                .query_row(
                    "SELECT envelope, received_at FROM submissions WHERE id = ?1",
                    [&id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((old, at)) = existing {
                let same = serde_json::from_str::<serde_json::Value>(&old)
                    .ok()
                    .and_then(|v| Envelope::decode(v).ok())
                    .is_some_and(|o| o == *record);
                return Ok(if same {
                    Stored::Duplicate(at)
                } else {
                    Stored::Conflict
                });
            }
            let now = db::now_ms();
            db.execute(
                "INSERT INTO submissions (id, envelope, received_at, device_id, author, kind, token_label)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    id,
                    text,
                    now,
                    record.device_id,
                    record.author.name,
                    record.kind,
                    token_label
                ],
            )?;
            Ok(Stored::New(now))
        })
    }

    /// Ids stored, oldest first.
    pub fn ids(&self) -> Result<Vec<String>, DbError> {
        self.with_db(|db| {
            let mut stmt = db.prepare("SELECT id FROM submissions ORDER BY received_at, id")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(id: &str, payload: serde_json::Value) -> Envelope {
        Envelope::from_wire(
            &json!({"id": id, "kind": "note", "form_id": "note", "form_version": "1",
            "created_at": 1, "updated_at": 1, "device_id": "d", "author": {"name": "Awa"},
            "payload": payload, "schema_version": 2}),
        )
        .unwrap()
    }

    #[test]
    fn storing_is_idempotent_and_detects_conflicts() {
        let dir = std::env::temp_dir().join(format!("vigie-recv-{}", std::process::id()));
        let recv = Receiver::open(&dir, Vec::new(), FormsFolder::open(None).unwrap()).unwrap();
        let id = "7d444840-9dc0-11d1-b245-5ffdce74fad2";
        let Stored::New(at) = recv.store(&record(id, json!({})), "t").unwrap() else {
            panic!("first store is new")
        };
        assert_eq!(
            recv.store(&record(id, json!({})), "t").unwrap(),
            Stored::Duplicate(at)
        );
        let other = record(id, json!({"x": 1}));
        assert_eq!(recv.store(&other, "t").unwrap(), Stored::Conflict);
        assert_eq!(recv.ids().unwrap(), vec![id.to_owned()]);
        std::fs::remove_dir_all(dir).ok();
    }
}
