//! Moves what earlier builds kept in localStorage (outbox records and drafts) into
//! IndexedDB, once. The copy is one strict transaction that also writes the mark saying it
//! happened, so a kill during it leaves everything in localStorage and nothing half-copied;
//! the old keys are removed only after that commit, and removed again at the next start if
//! a kill came in between. Entries are copied as their stored text: a damaged one stays
//! damaged (and shown apart), an old schema is upgraded when read.

use super::idb::{self, IdbError, Op, DRAFTS, META, OUTBOX};
use super::storage::LocalStore;
use vigie_core::keys;

/// The mark in the `meta` store.
pub const MIGRATED_MARK: &str = "migrated_local_storage";
/// Where schema-1 builds kept the outbox index (inside the records' namespace).
const OLD_INDEX: &str = "vigie/outbox/index";

/// Legacy keys still in localStorage, with their ids and texts.
fn legacy(store: &LocalStore) -> Vec<(String, &'static str, String, String)> {
    let mut found = Vec::new();
    for (prefix, target) in [
        (keys::OUTBOX_RECORD_PREFIX, OUTBOX),
        (keys::DRAFT_PREFIX, DRAFTS),
    ] {
        for key in store.keys_with_prefix(prefix).unwrap_or_default() {
            let Some(id) = key
                .strip_prefix(prefix)
                .and_then(|s| uuid::Uuid::parse_str(s).ok())
            else {
                continue;
            };
            if let Ok(Some(raw)) = store.get_raw(&key) {
                found.push((key, target, id.to_string(), raw));
            }
        }
    }
    found
}

/// Runs the migration if needed; the number of entries moved.
pub async fn from_local_storage(store: &LocalStore) -> Result<usize, IdbError> {
    let done = idb::get(META, MIGRATED_MARK).await?.is_some();
    let found = legacy(store);
    let moved = if done {
        0
    } else {
        let mut ops: Vec<Op> = found
            .iter()
            .map(|(_, target, id, raw)| Op::Put {
                store: target,
                key: id.clone(),
                value: raw.clone(),
            })
            .collect();
        ops.push(Op::Put {
            store: META,
            key: MIGRATED_MARK.into(),
            value: "1".into(),
        });
        idb::write(&ops).await?;
        found.len()
    };
    // Committed (now or at an earlier start): the old copies can go.
    for (key, ..) in &found {
        store.remove(key);
    }
    store.remove(keys::OUTBOX_INDEX);
    store.remove(OLD_INDEX);
    Ok(moved)
}
