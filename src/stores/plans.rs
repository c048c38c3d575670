//! The action plans in IndexedDB (store `plans`, by plan id): one [`PlanCopy`] per plan.
//! Every change is a read-modify-write under one Web Lock, so an edit and a sync answer
//! arriving together, or two tabs, never overwrite each other.

use thiserror::Error;
use uuid::Uuid;

use crate::browser::idb::{self, IdbError, Op, PLANS};
use crate::browser::locks;
use crate::browser::vault;
use vigie_core::i18n::Msg;
use vigie_core::plans::sync::PlanCopy;
use vigie_core::plans::PlanError;

/// Held for each read-modify-write of a stored plan.
const WRITE_LOCK: &str = "vigie-plans-write";

/// Why a plan edit was not saved.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PlanEditError {
    /// The edit itself is refused (unknown field, too long).
    #[error("{0}")]
    Refused(#[from] PlanError),
    /// The phone's storage refused the write.
    #[error("storage: {0}")]
    Storage(#[from] IdbError),
    /// No such plan on this phone.
    #[error("no such plan")]
    Missing,
}

impl PlanEditError {
    /// What to tell the user.
    pub fn user_message(&self) -> Msg {
        match self {
            PlanEditError::Refused(PlanError::TooLarge(_)) => Msg::PlanTooLarge,
            PlanEditError::Refused(_) | PlanEditError::Missing => Msg::PlanEditRefused,
            PlanEditError::Storage(IdbError::QuotaExceeded) => Msg::StorageFull,
            PlanEditError::Storage(_) => Msg::StorageWriteFailed,
        }
    }
}

fn encode(copy: &PlanCopy) -> Result<Op, IdbError> {
    Ok(Op::Put {
        store: PLANS,
        key: copy.mine.id.to_string(),
        value: serde_json::to_string(copy).map_err(|e| IdbError::WriteFailed(e.to_string()))?,
    })
}

/// A stored plan text opened (sealed with the PIN's key when one is set); `None` when it
/// cannot be (locked): never shown or changed half-read.
async fn opened(key: &str, text: String) -> Option<String> {
    match vault::open(key, text, true).await {
        Ok(t) => Some(t),
        Err(e) => {
            leptos::logging::warn!("plan {key}: {e}");
            None
        }
    }
}

pub async fn read(id: Uuid) -> Result<Option<PlanCopy>, IdbError> {
    let key = id.to_string();
    let Some(text) = idb::get(PLANS, &key).await? else {
        return Ok(None);
    };
    Ok(opened(&key, text)
        .await
        .and_then(|text| serde_json::from_str(&text).ok()))
}

pub async fn read_all() -> Result<Vec<PlanCopy>, IdbError> {
    let mut out = Vec::new();
    for (key, text) in idb::get_all(PLANS).await? {
        if let Some(copy) = opened(&key, text)
            .await
            .and_then(|text| serde_json::from_str(&text).ok())
        {
            out.push(copy);
        }
    }
    Ok(out)
}

/// Applies `change` to the stored copy of `id` (or to `fresh` if none is stored) under the
/// write lock, and stores the result; returns it.
pub async fn update(
    id: Uuid,
    fresh: Option<PlanCopy>,
    change: impl FnOnce(&mut PlanCopy) -> Result<(), PlanEditError> + 'static,
) -> Result<PlanCopy, PlanEditError> {
    update_forgetting(id, fresh, change, None).await
}

/// [`update`], dropping the unsaved editor text under `forget` in the same transaction: a
/// kill right after the save cannot bring back as "unsaved" what was saved.
pub async fn update_forgetting(
    id: Uuid,
    fresh: Option<PlanCopy>,
    change: impl FnOnce(&mut PlanCopy) -> Result<(), PlanEditError> + 'static,
    forget: Option<String>,
) -> Result<PlanCopy, PlanEditError> {
    // One compiled body for every kind of change (a generic one was copied per caller).
    update_boxed(id, fresh, Box::new(change), forget).await
}

/// A change to one stored plan.
type Change = Box<dyn FnOnce(&mut PlanCopy) -> Result<(), PlanEditError>>;

async fn update_boxed(
    id: Uuid,
    fresh: Option<PlanCopy>,
    change: Change,
    forget: Option<String>,
) -> Result<PlanCopy, PlanEditError> {
    locks::run_waiting(WRITE_LOCK, move || async move {
        let mut copy = match read(id).await? {
            Some(c) => c,
            None => fresh.ok_or(PlanEditError::Missing)?,
        };
        change(&mut copy)?;
        let mut ops = vec![encode(&copy)?];
        if let Some(key) = forget {
            ops.push(Op::Delete {
                store: idb::META,
                key,
            });
        }
        idb::write(&ops).await?;
        Ok(copy)
    })
    .await
    .map_err(|e| PlanEditError::Storage(IdbError::Unavailable(e.to_string())))?
}

/// What was typed in a plan item's editor and not saved, under `key`
/// ([`vigie_core::keys::plan_edit`]), in the `meta` store.
pub async fn read_unsaved(key: &str) -> Option<String> {
    let text = idb::get(idb::META, key).await.ok().flatten()?;
    opened(key, text).await
}

/// Keeps unsaved editor text; `Ok` once on disk.
pub async fn keep_unsaved(key: &str, value: String) -> Result<(), IdbError> {
    idb::write(&[Op::Put {
        store: idb::META,
        key: key.to_owned(),
        value,
    }])
    .await
}

/// Drops unsaved editor text (saved, deleted or abandoned).
pub async fn forget_unsaved(key: &str) -> Result<(), IdbError> {
    idb::write(&[Op::Delete {
        store: idb::META,
        key: key.to_owned(),
    }])
    .await
}
