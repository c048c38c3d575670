//! App-wide state: the signals views read, and the single place where they are synchronised
//! with browser adapters (storage, connectivity, service worker).

use leptos::prelude::*;

use crate::adapters::{
    connectivity, service_worker,
    storage::{LocalStore, StorageError},
};
use crate::core::i18n::{Lang, Msg};
use crate::core::prefs::{Preferences, OUTBOX_INDEX_KEY, PREFS_KEY};

/// Signals shared by every view, provided as context by [`AppState::provide`].
#[derive(Clone, Copy)]
pub struct AppState {
    /// Interface language; persisted on change.
    pub lang: RwSignal<Lang>,
    /// Whether the browser believes it is online.
    pub online: ReadSignal<bool>,
    /// Records waiting in the outbox.
    pub pending: RwSignal<usize>,
    /// The service worker's update and error state.
    pub worker: service_worker::ServiceWorkerStatus,
    /// A storage problem the user must know about, shown as a banner.
    pub storage_problem: RwSignal<Option<Msg>>,
}

impl AppState {
    /// Loads what is stored, starts the adapters, provides the state as context.
    pub fn provide() -> AppState {
        let store = LocalStore::open();
        let storage_problem = RwSignal::new(None);
        let (prefs, pending) = match &store {
            Ok(store) => (load_prefs(store, storage_problem), load_pending(store)),
            Err(e) => {
                storage_problem.set(Some(e.user_message()));
                (Preferences::default(), 0)
            }
        };
        let state = AppState {
            lang: RwSignal::new(prefs.lang),
            online: connectivity::watch_online(),
            pending: RwSignal::new(pending),
            worker: service_worker::register(),
            storage_problem,
        };
        persist_language(state, store.ok());
        provide_context(state);
        state
    }

    /// The current text of `msg`, tracked reactively.
    pub fn t(&self, msg: Msg) -> &'static str {
        msg.text(self.lang.get())
    }
}

/// The state provided by the app shell.
pub fn use_app_state() -> AppState {
    expect_context::<AppState>()
}

fn load_prefs(store: &LocalStore, problem: RwSignal<Option<Msg>>) -> Preferences {
    match store.get::<Preferences>(PREFS_KEY) {
        Ok(prefs) => prefs.unwrap_or_default(),
        Err(e) => {
            // Unreadable preferences are only a language choice: keep defaults, say so.
            leptos::logging::warn!("preferences: {e}");
            problem.set(Some(e.user_message()));
            Preferences::default()
        }
    }
}

fn load_pending(store: &LocalStore) -> usize {
    store
        .get::<Vec<String>>(OUTBOX_INDEX_KEY)
        .ok()
        .flatten()
        .map_or(0, |ids| ids.len())
}

/// One effect keeps the stored preference and `<html lang>` in step with the signal.
fn persist_language(state: AppState, store: Option<LocalStore>) {
    Effect::new(move |previous: Option<Lang>| {
        let lang = state.lang.get();
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.set_attribute("lang", lang.code());
        }
        // The first run only reflects what was loaded; write on real changes.
        if previous.is_some_and(|p| p != lang) {
            let result = store
                .ok_or(StorageError::Unavailable("no store".into()))
                .and_then(|s| s.set(PREFS_KEY, &Preferences { lang }));
            if let Err(e) = result {
                state.storage_problem.set(Some(e.user_message()));
            }
        }
        lang
    });
}
