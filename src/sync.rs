//! The outbox as the app sees it: signals for the views, and the triggers that flush it
//! (start, `online`, becoming visible, the backoff timer, a new record, the user's tap).
//! The only module that joins the outbox core to the storage, HTTP and lock adapters.

use leptos::prelude::*;
use uuid::Uuid;
use wasm_bindgen::{closure::Closure, JsCast};

use crate::adapters::{
    connectivity,
    http::FetchTransport,
    locks,
    outbox_store::{LocalOutbox, Unreadable},
    storage::{LocalStore, StorageError},
};
use vigie_core::keys::SETTINGS as SETTINGS_KEY;
use vigie_core::outbox::backend::{Backend, ProbeResult};
use vigie_core::outbox::{
    flush, state::Event, Clock, FlushOptions, FlushReport, OutboxCounts, OutboxEntry, OutboxStore,
};
use vigie_core::prefs::Settings;
use vigie_core::record::{Envelope, Millis};

struct BrowserClock;

impl Clock for BrowserClock {
    fn now(&self) -> Millis {
        js_sys::Date::now() as Millis
    }
    fn jitter(&mut self) -> f64 {
        js_sys::Math::random()
    }
}

/// Outbox signals, provided as context.
#[derive(Clone, Copy)]
pub struct Outbox {
    /// Readable entries, newest first.
    pub entries: RwSignal<Vec<OutboxEntry>>,
    /// Entries that could not be decoded.
    pub unreadable: RwSignal<Vec<Unreadable>>,
    /// `(done, total)` while a flush runs.
    pub progress: RwSignal<Option<(usize, usize)>>,
    /// What the last flush did.
    pub last_report: RwSignal<Option<FlushReport>>,
    /// Connection settings.
    pub settings: RwSignal<Settings>,
    /// The stored settings could not be read; they are kept until the user saves new ones.
    pub settings_unreadable: RwSignal<bool>,
    store: StoredValue<Option<LocalStore>>,
    timer: StoredValue<Option<i32>>,
    refresh_queued: StoredValue<bool>,
}

impl Outbox {
    /// Loads the outbox and settings, installs the triggers, provides the context.
    pub fn provide(store: Option<LocalStore>) -> Outbox {
        // Unreadable settings (a damaged write, a newer build's format) are kept as they
        // are and reported: replacing them with defaults would lose the backend and the
        // token without a word. Only the user, saving in Settings, overwrites them.
        let (mut settings, unreadable) = match store.map(|s| s.get::<Settings>(SETTINGS_KEY)) {
            Some(Ok(Some(s))) => (s, false),
            Some(Ok(None)) | None => (Settings::default(), false),
            Some(Err(e)) => {
                leptos::logging::warn!("settings: {e}");
                (Settings::default(), true)
            }
        };
        if settings.device_id.is_empty() {
            settings.device_id = Uuid::new_v4().to_string();
            if let (Some(s), false) = (store, unreadable) {
                let _ = s.set(SETTINGS_KEY, &settings);
            }
        }
        let outbox = Outbox {
            entries: RwSignal::new(Vec::new()),
            unreadable: RwSignal::new(Vec::new()),
            progress: RwSignal::new(None),
            last_report: RwSignal::new(None),
            settings: RwSignal::new(settings),
            settings_unreadable: RwSignal::new(unreadable),
            store: StoredValue::new(store),
            timer: StoredValue::new(None),
            refresh_queued: StoredValue::new(false),
        };
        outbox.refresh();
        let _ = window_event_listener(leptos::ev::online, move |_| outbox.flush_soon());
        let _ = window_event_listener(leptos::ev::visibilitychange, move |_| {
            let visible = web_sys::window()
                .and_then(|w| w.document())
                .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Visible);
            if visible {
                outbox.flush_soon();
            }
        });
        // Another tab (the one holding the flush lock) changed the outbox: show it here too.
        let _ = window_event_listener(leptos::ev::storage, move |ev| {
            if ev
                .key()
                .is_none_or(|k| k.starts_with(vigie_core::keys::OUTBOX_RECORD_PREFIX))
            {
                outbox.refresh_later();
            }
        });
        provide_context(outbox);
        outbox.flush_soon();
        outbox
    }

    fn local(&self) -> Result<LocalOutbox, StorageError> {
        self.store
            .get_value()
            .map(LocalOutbox::new)
            .ok_or_else(|| StorageError::Unavailable("no storage".into()))
    }

    /// Counts per state.
    pub fn counts(&self) -> OutboxCounts {
        self.entries
            .with(|e| OutboxCounts::of(e.iter().map(|e| &e.state)))
    }

    /// Re-reads the outbox from storage.
    pub fn refresh(&self) {
        if let Ok((good, bad)) = self.local().and_then(|l| l.load_all()) {
            self.entries.set(good);
            self.unreadable.set(bad);
        }
    }

    /// Coalesces bursts of cross-tab changes (one per record) into one re-read.
    fn refresh_later(&self) {
        if self.refresh_queued.get_value() {
            return;
        }
        let Some(window) = web_sys::window() else {
            return;
        };
        self.refresh_queued.set_value(true);
        let this = *self;
        let wake = Closure::once_into_js(move || {
            this.refresh_queued.set_value(false);
            this.refresh();
        });
        let _ =
            window.set_timeout_with_callback_and_timeout_and_arguments_0(wake.unchecked_ref(), 150);
    }

    /// Puts a finalised record in the queue. Only after `Ok` may the UI say "saved".
    pub fn enqueue(&self, envelope: Envelope) -> Result<(), StorageError> {
        let first = self.entries.with_untracked(Vec::is_empty);
        self.local()?.enqueue(envelope)?;
        if first {
            crate::adapters::storage::request_persistence();
        }
        self.refresh();
        self.flush_soon();
        Ok(())
    }

    /// The user's "Envoyer maintenant": forget backoff delays and flush.
    pub fn send_now(&self) {
        self.apply_to_all(&Event::SendNow);
        self.flush_soon();
    }

    fn apply_to_all(&self, event: &Event) {
        let Ok(mut local) = self.local() else { return };
        let policy = FlushOptions::default().policy;
        for entry in self.entries.get_untracked() {
            let next = entry.state.apply(event, &policy);
            if next != entry.state {
                let _ = local.save(&OutboxEntry {
                    state: next,
                    ..entry
                });
            }
        }
        self.refresh();
    }

    /// Deletes a record the user confirmed deleting.
    pub fn delete(&self, id: &Uuid) -> Result<(), StorageError> {
        self.local()?.delete(id)?;
        self.refresh();
        Ok(())
    }

    /// Saves new settings; changed credentials let blocked records go again.
    pub fn save_settings(&self, new: Settings) -> Result<(), StorageError> {
        let store = self
            .store
            .get_value()
            .ok_or_else(|| StorageError::Unavailable("no storage".into()))?;
        store.set(SETTINGS_KEY, &new)?;
        self.settings_unreadable.set(false);
        let backend_changed = self.settings.with_untracked(|s| s.backend != new.backend);
        self.settings.set(new);
        if backend_changed {
            self.apply_to_all(&Event::CredentialsChanged);
            self.flush_soon();
        }
        Ok(())
    }

    /// Starts a flush unless one is running in this or another tab.
    pub fn flush_soon(&self) {
        let this = *self;
        if this.progress.get_untracked().is_some() {
            return;
        }
        let settings = this.settings.get_untracked();
        let backend = settings.backend;
        let timeout_ms = settings
            .request_timeout_ms
            .map_or(crate::adapters::http::DEFAULT_TIMEOUT_MS, |t| {
                t.clamp(1_000, 600_000) as i32
            });
        // `onLine == false` is reliable (no interface up); `true` is only a hint, so we try.
        if !backend.is_configured()
            || this.store.get_value().is_none()
            || !connectivity::is_online()
        {
            return;
        }
        this.progress.set(Some((0, 0)));
        leptos::task::spawn_local(async move {
            let job = move || async move {
                let Ok(mut local) = this.local() else {
                    return FlushReport::default();
                };
                let mut transport = FetchTransport { timeout_ms };
                let mut clock = BrowserClock;
                flush(
                    &mut local,
                    &mut transport,
                    &mut clock,
                    &backend,
                    FlushOptions::default(),
                    |done, total| {
                        this.progress.set(Some((done, total)));
                    },
                )
                .await
            };
            match locks::run_exclusive("vigie-outbox-flush", job).await {
                Ok(Some(report)) => this.last_report.set(Some(report)),
                Ok(None) => {} // another tab is flushing
                Err(e) => leptos::logging::warn!("outbox lock: {e}"),
            }
            this.progress.set(None);
            this.refresh();
            this.arm_timer();
        });
    }

    /// Wakes up when the earliest retry is due.
    fn arm_timer(&self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        if let Some(t) = self.timer.get_value() {
            window.clear_timeout_with_handle(t);
        }
        let now = js_sys::Date::now() as Millis;
        let next = self.entries.with_untracked(|e| {
            e.iter()
                .filter_map(|e| match e.state {
                    vigie_core::outbox::state::DeliveryState::RetryWait {
                        next_attempt_at, ..
                    } => Some(next_attempt_at),
                    _ => None,
                })
                .min()
        });
        let Some(next) = next else { return };
        let delay = (next - now).clamp(0, i32::MAX as Millis) as i32;
        let this = *self;
        let wake = Closure::once_into_js(move || this.flush_soon());
        let handle = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(wake.unchecked_ref(), delay + 50)
            .ok();
        self.timer.set_value(handle);
    }
}

/// Runs "Tester la connexion" against `backend` (the values on screen, maybe unsaved).
pub async fn test_connection(backend: Backend, timeout_ms: i32) -> ProbeResult {
    match backend.probe_request() {
        Some(req) => Backend::interpret_probe(&crate::adapters::http::fetch(req, timeout_ms).await),
        None => ProbeResult::Unreachable,
    }
}

impl Outbox {
    /// Bytes the outbox uses in local storage.
    pub fn used_bytes(&self) -> Option<usize> {
        self.local().ok().and_then(|l| l.used_bytes().ok())
    }
}

/// The outbox provided by the app shell.
pub fn use_outbox() -> Outbox {
    expect_context::<Outbox>()
}
