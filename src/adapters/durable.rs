//! A copy in IndexedDB of the few `localStorage` values a phone cannot lose (see
//! [`vigie_core::keys::DURABLE`]): Chromium writes `localStorage` to disk seconds after the
//! page, so a browser kill right after saving the settings made the phone forget its
//! backend and stop sending plans and forms without a word.
//!
//! Every write of such a key through [`crate::adapters::storage::LocalStore`] counts one more
//! write in `localStorage` (under [`DURABLE_SEQ`]) and puts the value and its count in
//! IndexedDB's `meta` store. At start, before anything reads `localStorage`, [`restore`]
//! puts back the copies that have more writes than `localStorage` remembers.

use std::collections::BTreeMap;

use futures::future::{select, Either};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::idb::{self, Found, Op, Read, Start};
use vigie_core::keys::{
    durable_copy, reconcile, Reconcile, DURABLE, DURABLE_COPY_PREFIX, DURABLE_SEQ,
};

/// How long the start waits for IndexedDB before going on with `localStorage` alone (a
/// database blocked by another tab must not keep the app off the screen).
const RESTORE_WAIT_MS: i32 = 2_000;

/// What can go wrong restoring the copies.
#[derive(Debug, Error)]
pub enum DurableError {
    /// IndexedDB could not be read or written.
    #[error("durable copy: {0}")]
    Idb(#[from] idb::IdbError),
    /// IndexedDB did not answer in time.
    #[error("durable copy: IndexedDB did not answer within {RESTORE_WAIT_MS} ms")]
    TimedOut,
}

/// One key's copy: how many writes it had seen, and its text (`None`: removed).
#[derive(Debug, Serialize, Deserialize)]
struct Copy {
    seq: u64,
    raw: Option<String>,
}

fn local() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn counts(ls: &web_sys::Storage) -> BTreeMap<String, u64> {
    ls.get_item(DURABLE_SEQ)
        .ok()
        .flatten()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

fn put_op(key: &str, copy: &Copy) -> Option<Op> {
    Some(Op::Put {
        store: idb::META,
        key: durable_copy(key),
        value: serde_json::to_string(copy).ok()?,
    })
}

/// Called by the store after `key` was written (`Some(text)`) or removed (`None`): counts the
/// write and copies it to IndexedDB (in a task; the copy lands a few milliseconds later).
pub fn written(key: &str, raw: Option<&str>) {
    if !DURABLE.contains(&key) {
        return;
    }
    let Some(ls) = local() else { return };
    let mut seqs = counts(&ls);
    let seq = seqs.get(key).copied().unwrap_or(0) + 1;
    seqs.insert(key.to_owned(), seq);
    if let Ok(text) = serde_json::to_string(&seqs) {
        // A full disk refuses the count: the copy then wins at the next start, holding
        // this same value.
        let _ = ls.set_item(DURABLE_SEQ, &text);
    }
    let copy = Copy {
        seq,
        raw: raw.map(str::to_owned),
    };
    let Some(op) = put_op(key, &copy) else { return };
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = idb::write(&[op]).await {
            leptos::logging::warn!("durable copy: {e}");
        }
    });
}

/// Puts back into `localStorage` what a browser kill took from it, and copies what has no
/// copy yet. Returns the keys put back. Gives up after [`RESTORE_WAIT_MS`].
pub async fn restore() -> Result<Vec<&'static str>, DurableError> {
    let work = Box::pin(restore_now());
    let timer = Box::pin(super::clock::sleep(RESTORE_WAIT_MS));
    match select(work, timer).await {
        Either::Left((done, _)) => done,
        Either::Right(_) => Err(DurableError::TimedOut),
    }
}

async fn restore_now() -> Result<Vec<&'static str>, DurableError> {
    let Some(ls) = local() else {
        return Ok(Vec::new());
    };
    let found = idb::read_many(&[Read::Range {
        store: idb::META,
        start: Start::At(DURABLE_COPY_PREFIX),
        limit: Some(DURABLE.len() as u32),
    }])
    .await?;
    let mut copies: BTreeMap<String, Copy> = BTreeMap::new();
    if let Some(Found::Rows(rows)) = found.into_iter().next() {
        for (key, value) in rows {
            let Some(name) = key.strip_prefix(DURABLE_COPY_PREFIX) else {
                continue;
            };
            match serde_json::from_str::<Copy>(&value) {
                Ok(c) => {
                    copies.insert(name.to_owned(), c);
                }
                Err(e) => leptos::logging::warn!("durable copy of {name}: {e}"),
            }
        }
    }
    let mut seqs = counts(&ls);
    let mut restored = Vec::new();
    let mut to_copy = Vec::new();
    for key in DURABLE {
        let local_seq = seqs.get(key).copied().unwrap_or(0);
        let copy = copies.remove(key);
        match reconcile(local_seq, copy.as_ref().map(|c| c.seq)) {
            Reconcile::Nothing => {}
            Reconcile::TakeCopy => {
                let Some(copy) = copy else { continue };
                let put = match &copy.raw {
                    Some(text) => ls.set_item(key, text),
                    None => ls.remove_item(key),
                };
                if put.is_ok() {
                    seqs.insert(key.to_owned(), copy.seq);
                    restored.push(key);
                }
            }
            Reconcile::WriteCopy => {
                let raw = ls.get_item(key).ok().flatten();
                if raw.is_none() && local_seq == 0 && copy.is_none() {
                    continue;
                }
                // One more than either side has seen, so that both agree afterwards.
                let seq = local_seq.max(copy.map_or(0, |c| c.seq)) + 1;
                seqs.insert(key.to_owned(), seq);
                to_copy.extend(put_op(key, &Copy { seq, raw }));
            }
        }
    }
    if !restored.is_empty() || !to_copy.is_empty() {
        if let Ok(text) = serde_json::to_string(&seqs) {
            let _ = ls.set_item(DURABLE_SEQ, &text);
        }
    }
    if !to_copy.is_empty() {
        idb::write(&to_copy).await?;
    }
    Ok(restored)
}
