//! An item edit not saved yet, kept in IndexedDB until it is saved or abandoned.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::stores::plans as plan_store;

/// What is typed in an item editor and not saved yet: written to IndexedDB (strict
/// durability) 400 ms after the last change, which the editor then says ("Brouillon
/// enregistré"), and kept until the item is saved, deleted or the changes abandoned.
#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct Unsaved {
    #[serde(skip)]
    pub(super) key: String,
    #[serde(skip)]
    pub(super) generation: u32,
    /// The id of an item being added, kept so that coming back continues the same item.
    pub(super) item_id: String,
    pub(super) values: BTreeMap<String, String>,
}

impl Unsaved {
    pub(super) async fn load(key: String) -> Option<Unsaved> {
        let text = plan_store::read_unsaved(&key).await?;
        let found: Unsaved = serde_json::from_str(&text).ok()?;
        Some(Unsaved { key, ..found })
    }

    pub(super) fn keep(
        pending: StoredValue<Unsaved>,
        values: RwSignal<BTreeMap<&'static str, String>>,
        kept: RwSignal<bool>,
    ) {
        pending.update_value(|u| {
            u.values = values.with_untracked(|v| {
                v.iter()
                    .map(|(k, x)| ((*k).to_owned(), x.clone()))
                    .collect()
            });
            u.generation = u.generation.wrapping_add(1);
        });
        kept.set(false);
        let mine = pending.with_value(|u| u.generation);
        set_timeout(
            move || {
                let Some(u) = pending.try_get_value().filter(|u| u.generation == mine) else {
                    return;
                };
                leptos::task::spawn_local(async move {
                    let Ok(value) = serde_json::to_string(&u) else {
                        return;
                    };
                    match plan_store::keep_unsaved(&u.key, value).await {
                        Ok(()) => {
                            let _ = kept.try_set(true);
                        }
                        Err(e) => leptos::logging::warn!("unsaved plan edit: {e}"),
                    }
                });
            },
            std::time::Duration::from_millis(400),
        );
    }

    pub(super) fn forget(&self) {
        let key = self.key.clone();
        leptos::task::spawn_local(async move {
            if let Err(e) = plan_store::forget_unsaved(&key).await {
                leptos::logging::warn!("unsaved plan edit: {e}");
            }
        });
    }
}
