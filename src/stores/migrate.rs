//! Moves what earlier builds kept in localStorage (outbox records and drafts) into
//! IndexedDB. The copy is one strict transaction that also writes the mark saying it
//! happened, so a kill during it leaves everything in localStorage and nothing half-copied;
//! the old keys are removed only after that commit, and removed again at the next start if
//! a kill came in between. Entries are copied as their stored text: a damaged one stays
//! damaged (and shown apart), an old schema is upgraded when read.
//!
//! The same path brings back a draft kept on `pagehide` (Chromium aborts IndexedDB
//! transactions of an unloading page, so that copy goes to localStorage under the draft
//! key, sealed with a pad made under the draft's own key): it replaces the stored draft
//! when it is newer.

use super::local::LocalStore;
use crate::browser::idb::{self, IdbError, Op, DRAFTS, META, OUTBOX, RECEIPTS};
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

fn updated_at(draft_text: &str) -> i64 {
    serde_json::from_str::<serde_json::Value>(draft_text)
        .ok()
        .and_then(|v| v.get("updated_at").and_then(serde_json::Value::as_i64))
        .unwrap_or(i64::MIN)
}

/// Runs the migration if needed; the number of entries moved.
pub async fn from_local_storage(store: &LocalStore) -> Result<usize, IdbError> {
    let mut found = Vec::new();
    for (key, target, id, raw) in legacy(store) {
        if target != DRAFTS || !crate::browser::vault::is_exit_copy(&raw) {
            found.push((key, target, id, raw));
            continue;
        }
        // A copy sealed as the page was left: opened with the draft's own key. One whose
        // key is gone (the draft was finished and sent since) opens for no one: dropped.
        match crate::browser::vault::open_exit_copy(&id, &raw).await {
            Ok(text) => found.push((key, target, id, text)),
            Err(crate::browser::vault::VaultError::KeyGone) => store.remove(&key),
            Err(e) => leptos::logging::warn!("a draft kept on exit: {e}"),
        }
    }
    if found.is_empty() {
        return Ok(0);
    }
    let done = idb::get(META, MIGRATED_MARK).await?.is_some();
    // After the first move, a key still here is either a leftover of a kill between the
    // commit and the clean-up (its id is in IndexedDB already: never overwrite newer data)
    // or a record an old build in a stale tab wrote since (a new id: move it too).
    let present: Vec<(String, String)> = if done {
        let mut ids = Vec::new();
        for target in [OUTBOX, DRAFTS] {
            for (key, _) in idb::get_all(target).await? {
                ids.push((target.to_owned(), key));
            }
        }
        // A record delivered since has its receipt in the receipts store, keyed by time
        // then id: it is there too.
        for (key, _) in idb::get_all(RECEIPTS).await? {
            if let Some((_, id)) = key.split_once('-') {
                ids.push((OUTBOX.to_owned(), id.to_owned()));
            }
        }
        ids
    } else {
        Vec::new()
    };
    let mut newer_drafts = Vec::new();
    if done {
        for (_, target, id, raw) in found.iter().filter(|f| f.1 == DRAFTS) {
            if let Some(stored) = idb::get(target, id).await? {
                // Stored sealed: its time is read from the opened draft. One that cannot
                // be opened is not replaced.
                let stored = match crate::browser::vault::open(id, stored, true).await {
                    Ok(text) => text,
                    Err(_) => continue,
                };
                if updated_at(raw) > updated_at(&stored) {
                    newer_drafts.push(id.clone());
                }
            }
        }
    }
    let mut ops: Vec<Op> = found
        .iter()
        .filter(|(_, target, id, _)| {
            !present.contains(&((*target).to_owned(), id.clone())) || newer_drafts.contains(id)
        })
        .map(|(_, target, id, raw)| Op::Put {
            store: target,
            key: id.clone(),
            value: raw.clone(),
        })
        .collect();
    let moved = ops.len();
    if !done {
        ops.push(Op::Put {
            store: META,
            key: MIGRATED_MARK.into(),
            value: "1".into(),
        });
    }
    idb::write(&ops).await?;
    // Committed: the old copies can go.
    for (key, ..) in &found {
        store.remove(key);
    }
    store.remove(keys::OUTBOX_INDEX);
    store.remove(OLD_INDEX);
    Ok(moved)
}
