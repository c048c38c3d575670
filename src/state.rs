//! App-wide state: the signals views read, and the single place where they are synchronised
//! with browser adapters (storage, connectivity, service worker).

use leptos::prelude::*;

use crate::browser::{connectivity, service_worker};
use crate::controllers::outbox::Outbox;
use crate::stores::local::{LocalStore, StorageError};
use vigie_core::i18n::{Lang, Msg};
use vigie_core::keys::PREFS as PREFS_KEY;
use vigie_core::prefs::Preferences;
use vigie_core::setup_link::{self, SetupLink};

/// Signals shared by every view, provided as context by [`AppState::provide`].
#[derive(Clone, Copy)]
pub struct AppState {
    /// Interface language; persisted on change.
    pub lang: RwSignal<Lang>,
    /// Whether the browser believes it is online.
    pub online: ReadSignal<bool>,
    /// Records not yet at the backend (waiting, blocked, refused or damaged).
    pub pending: Signal<usize>,
    /// Of which refused by the backend (waiting for the user, not for the network).
    pub refused: Signal<usize>,
    /// Whether the outbox has been read since start (until then `pending` is not known).
    pub outbox_loaded: ReadSignal<bool>,
    /// The service worker's update and error state.
    pub worker: service_worker::ServiceWorkerStatus,
    /// A storage problem the user must know about, shown as a banner.
    pub storage_problem: RwSignal<Option<Msg>>,
    /// A one-off piece of news for the user (setup link imported, …).
    pub notice: RwSignal<Option<Msg>>,
    /// A setup link that would send records elsewhere (or stop sending), waiting for the
    /// user's confirmation.
    pub pending_setup: RwSignal<Option<SetupLink>>,
}

impl AppState {
    /// Loads what is stored, starts the adapters, provides the state as context.
    pub fn provide() -> AppState {
        let store = LocalStore::open();
        let storage_problem = RwSignal::new(None);
        // A translation received earlier, checked again (storage is outside).
        if let Some(t) = store
            .as_ref()
            .ok()
            .and_then(|s| s.get_raw(vigie_core::keys::TRANSLATION).ok().flatten())
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|v| vigie_core::translation::parse(&v).ok())
        {
            vigie_core::translation::install(t);
        }
        let prefs = match &store {
            Ok(store) => load_prefs(store, storage_problem),
            Err(e) => {
                storage_problem.set(Some(e.user_message()));
                Preferences::default()
            }
        };
        let outbox = Outbox::provide(store.clone().ok());
        // Shown until the user saves settings again (which also clears the flag).
        let settings_problem = Memo::new(move |_| {
            match (
                outbox.settings_unreadable().get(),
                outbox.settings_fallback().get(),
            ) {
                (false, _) => None,
                (true, false) => Some(Msg::SettingsUnreadable),
                (true, true) => Some(Msg::SettingsUnreadableKeptSending),
            }
        });
        show_while(storage_problem, settings_problem.into());
        // An outbox that cannot be read (a full disk at start) is said, not shown empty.
        show_while(storage_problem, outbox.problem().into());
        crate::controllers::forms::Forms::provide(store.clone().ok(), outbox);
        crate::controllers::plans::Plans::provide(outbox);
        crate::controllers::case_news::CaseNewsBoard::provide(store.clone().ok(), outbox);
        let state = AppState {
            lang: RwSignal::new(prefs.lang),
            online: connectivity::watch_online(),
            pending: Signal::derive(move || outbox.counts().unsent()),
            refused: Signal::derive(move || outbox.counts().rejected),
            outbox_loaded: outbox.loaded(),
            worker: service_worker::register(),
            storage_problem,
            notice: RwSignal::new(None),
            pending_setup: RwSignal::new(None),
        };
        import_setup_link(outbox, state.notice, state.pending_setup);
        // A link opened while the app is already on this address only changes the hash.
        let _ = window_event_listener(leptos::ev::hashchange, move |_| {
            import_setup_link(outbox, state.notice, state.pending_setup)
        });
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

/// Shows `problem` in `banner` while it lasts, unless the banner already says something
/// else; clears it when it is over.
fn show_while(banner: RwSignal<Option<Msg>>, problem: Signal<Option<Msg>>) {
    let shown = StoredValue::new(None::<Msg>);
    Effect::new(move |_| {
        let now = problem.get();
        let current = banner.get_untracked();
        let mine = shown.get_value();
        if now.is_some() && (current.is_none() || current == mine) {
            banner.set(now);
            shown.set_value(now);
        } else if now.is_none() && mine.is_some() && current == mine {
            banner.set(None);
            shown.set_value(None);
        }
    });
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

/// Reads a `#setup=…` link and removes it from the address bar (it may hold a token). Once
/// the outbox is read, it is applied, or held for the user's confirmation when it would
/// send records elsewhere or stop sending them.
fn import_setup_link(
    outbox: Outbox,
    notice: RwSignal<Option<Msg>>,
    pending: RwSignal<Option<SetupLink>>,
) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(hash) = window.location().hash() else {
        return;
    };
    let Some(parsed) = setup_link::parse_fragment(&hash) else {
        return;
    };
    if let Ok(history) = window.history() {
        let path = window.location().pathname().unwrap_or_else(|_| "/".into());
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
    }
    let link = match parsed {
        Ok(link) => link,
        Err(_) => {
            notice.set(Some(Msg::SetupRefused));
            return;
        }
    };
    let link = StoredValue::new(Some(link));
    Effect::new(move |_| {
        if !outbox.loaded().get() {
            return;
        }
        let Some(link) = link.try_update_value(Option::take).flatten() else {
            return;
        };
        let unsent = outbox.counts().unsent();
        let current = outbox.settings().get_untracked().backend;
        if setup_link::needs_confirmation(&current, &link, unsent) {
            pending.set(Some(link));
        } else {
            notice.set(Some(apply_setup(outbox, link)));
        }
    });
}

/// Saves what a setup link carries; the message to show.
pub fn apply_setup(outbox: Outbox, link: SetupLink) -> Msg {
    let mut settings = outbox.settings().get_untracked();
    settings.backend = link.backend;
    if let Some(name) = link.author {
        settings.author.name = name;
    }
    if link.keep_receipts_days.is_some() {
        settings.keep_receipts_days = link.keep_receipts_days;
    }
    if link.sms_number.is_some() {
        settings.sms_number = link.sms_number;
    }
    match outbox.save_settings(settings) {
        Ok(()) => Msg::SetupImported,
        Err(e) => e.user_message(),
    }
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
