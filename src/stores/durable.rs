//! A copy in IndexedDB of the few `localStorage` values a phone cannot lose (see
//! [`vigie_core::keys::DURABLE`]): Chromium writes `localStorage` to disk seconds after the
//! page, so a browser kill right after saving the settings made the phone forget its
//! backend and stop sending plans and forms without a word.
//!
//! Every write of such a key through [`crate::stores::local::LocalStore`] counts one more
//! write in `localStorage` (under [`DURABLE_SEQ`]) and puts the value and its count in
//! IndexedDB's `meta` store. At start, before anything reads `localStorage`, [`restore`]
//! puts back the copies that have more writes than `localStorage` remembers. The start
//! does not wait for it more than [`RESTORE_WAIT_MS`] (a database blocked by another tab
//! must not keep the app off the screen).

/// How long the start waits for [`restore`].
pub const RESTORE_WAIT_MS: i32 = 2_000;

use thiserror::Error;

use crate::browser::idb::{self, Found, Op, Read, Start};
use vigie_core::keys::{
    durable_copy, reconcile, Reconcile, DURABLE, DURABLE_COPY_PREFIX, DURABLE_SEQ,
};

/// What can go wrong restoring the copies.
#[derive(Debug, Error)]
pub enum DurableError {
    /// IndexedDB could not be read or written.
    #[error("durable copy: {0}")]
    Idb(#[from] idb::IdbError),
}

/// One key's copy: how many writes it had seen, and its text (`None`: removed). Stored as
/// `seq|text`, or `seq` alone for a removal (plain text: serde for two fields costs the
/// wasm more than this).
struct Copy {
    seq: u64,
    raw: Option<String>,
}

impl Copy {
    fn encode(&self) -> String {
        match &self.raw {
            Some(raw) => format!("{}|{raw}", self.seq),
            None => self.seq.to_string(),
        }
    }

    fn decode(text: &str) -> Option<Copy> {
        let (seq, raw) = match text.split_once('|') {
            Some((seq, raw)) => (seq, Some(raw.to_owned())),
            None => (text, None),
        };
        Some(Copy {
            seq: seq.parse().ok()?,
            raw,
        })
    }
}

fn local() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The write counts `localStorage` remembers, in [`DURABLE`]'s order (`3,0,1,0,2`).
fn counts(ls: &web_sys::Storage) -> [u64; DURABLE.len()] {
    let mut out = [0; DURABLE.len()];
    if let Some(text) = ls.get_item(DURABLE_SEQ).ok().flatten() {
        for (slot, n) in out.iter_mut().zip(text.split(',')) {
            *slot = n.trim().parse().unwrap_or(0);
        }
    }
    out
}

fn save_counts(ls: &web_sys::Storage, seqs: &[u64; DURABLE.len()]) {
    let text = seqs.map(|n| n.to_string()).join(",");
    // A full disk refuses the count: the copy then wins at the next start, holding the
    // same value.
    let _ = ls.set_item(DURABLE_SEQ, &text);
}

fn put_op(key: &str, copy: &Copy) -> Op {
    Op::Put {
        store: idb::META,
        key: durable_copy(key),
        value: copy.encode(),
    }
}

/// Called by the store after `key` was written (`Some(text)`) or removed (`None`): counts the
/// write and copies it to IndexedDB (in a task; the copy lands a few milliseconds later).
pub fn written(key: &str, raw: Option<&str>) {
    let Some(at) = DURABLE.iter().position(|k| *k == key) else {
        return;
    };
    let Some(ls) = local() else { return };
    let mut seqs = counts(&ls);
    seqs[at] += 1;
    save_counts(&ls, &seqs);
    let copy = Copy {
        seq: seqs[at],
        raw: raw.map(str::to_owned),
    };
    let op = put_op(key, &copy);
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = idb::write(&[op]).await {
            leptos::logging::warn!("durable copy: {e}");
        }
    });
}

/// Puts back into `localStorage` what a browser kill took from it, and copies what has no
/// copy yet. Returns the keys put back.
pub async fn restore() -> Result<Vec<&'static str>, DurableError> {
    let Some(ls) = local() else {
        return Ok(Vec::new());
    };
    let found = idb::read_many(&[Read::Range {
        store: idb::META,
        start: Start::At(DURABLE_COPY_PREFIX),
        limit: Some(DURABLE.len() as u32),
    }])
    .await?;
    let rows = match found.into_iter().next() {
        Some(Found::Rows(rows)) => rows,
        _ => Vec::new(),
    };
    let mut seqs = counts(&ls);
    let mut restored = Vec::new();
    let mut to_copy = Vec::new();
    for (at, key) in DURABLE.iter().enumerate() {
        let copy = rows
            .iter()
            .find(|(k, _)| k.strip_prefix(DURABLE_COPY_PREFIX) == Some(key))
            .and_then(|(_, v)| Copy::decode(v));
        match reconcile(seqs[at], copy.as_ref().map(|c| c.seq)) {
            Reconcile::Nothing => {}
            Reconcile::TakeCopy => {
                let Some(copy) = copy else { continue };
                let put = match &copy.raw {
                    Some(text) => ls.set_item(key, text),
                    None => ls.remove_item(key),
                };
                if put.is_ok() {
                    seqs[at] = copy.seq;
                    restored.push(*key);
                }
            }
            Reconcile::WriteCopy => {
                let raw = ls.get_item(key).ok().flatten();
                if raw.is_none() && seqs[at] == 0 && copy.is_none() {
                    continue;
                }
                // One more than either side has seen, so that both agree afterwards.
                seqs[at] = seqs[at].max(copy.map_or(0, |c| c.seq)) + 1;
                to_copy.push(put_op(key, &Copy { seq: seqs[at], raw }));
            }
        }
    }
    if !restored.is_empty() || !to_copy.is_empty() {
        save_counts(&ls, &seqs);
    }
    if !to_copy.is_empty() {
        idb::write(&to_copy).await?;
    }
    Ok(restored)
}
