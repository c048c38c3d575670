//! Drafts on IndexedDB: one per id in the `drafts` store, each autosave a strict write. A
//! draft that cannot be decoded is kept and listed apart, never silently hidden.

use uuid::Uuid;

use super::outbox::Unreadable;
use crate::browser::idb::{self, IdbError, Op, DRAFTS};
use crate::browser::vault;
use vigie_core::drafts::Draft;

/// Every readable draft (most recently changed first) and the unreadable ones apart.
pub async fn load_all() -> Result<(Vec<Draft>, Vec<Unreadable>), IdbError> {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for (key, opened) in vault::open_rows(idb::get_all(DRAFTS).await?, true).await {
        let unreadable = |raw: String, reason: String| Unreadable {
            id: Uuid::parse_str(&key).unwrap_or_default(),
            raw,
            reason,
        };
        match opened {
            Ok(text) => match serde_json::from_str::<Draft>(&text) {
                Ok(d) => good.push(d),
                Err(e) => bad.push(unreadable(text, e.to_string())),
            },
            Err((e, raw)) => bad.push(unreadable(raw, e.to_string())),
        }
    }
    good.sort_unstable_by_key(|d| std::cmp::Reverse((d.updated_at, d.id)));
    Ok((good, bad))
}

/// Writes `draft`; `Ok` once it is on disk, with the length of its stored text (before
/// sealing), which sizes the pad of its next exit copy.
pub async fn save(draft: &Draft) -> Result<usize, IdbError> {
    let value = serde_json::to_string(draft).map_err(|e| IdbError::WriteFailed(e.to_string()))?;
    let len = value.len();
    idb::write(&[Op::Put {
        store: DRAFTS,
        key: draft.id.to_string(),
        value,
    }])
    .await?;
    Ok(len)
}

/// Removes draft `id`.
pub async fn delete(id: &Uuid) -> Result<(), IdbError> {
    idb::write(&[Op::Delete {
        store: DRAFTS,
        key: id.to_string(),
    }])
    .await
}
