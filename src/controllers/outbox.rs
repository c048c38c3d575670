//! The outbox as the app sees it: read-only signals for the views, and the triggers that
//! flush it (start, `online`, becoming visible, the backoff timer, a new record, the
//! user's tap, and Background Sync through the service worker while the app is closed).
//! The only module that joins the outbox core to the storage, HTTP and lock adapters.

use std::time::Duration;

use leptos::prelude::*;
use uuid::Uuid;

use crate::browser::vault;
use crate::browser::{
    clock::{now_ms, BrowserClock},
    connectivity,
    http::FetchTransport,
    idb, locks, service_worker,
};
use crate::stores::{
    local::{LocalStore, StorageError},
    migrate,
    outbox::{IdbOutbox, OutboxStoreError, Unreadable},
};
use vigie_core::i18n::Msg;
use vigie_core::keys::SETTINGS as SETTINGS_KEY;
use vigie_core::outbox::backend::{Backend, ProbeResult};
use vigie_core::outbox::receipts::{self, MonthCounts};
use vigie_core::outbox::{
    apply_to_stored, flush, state::Event, FlushOptions, FlushReport, OutboxCounts, OutboxEntry,
    OutboxStore,
};
use vigie_core::prefs::Settings;

/// The lock the page and the service worker both take to flush or to change states.
pub use vigie_core::keys::FLUSH_LOCK;
/// What the service worker's copy of `settings` holds: all of them, or with a PIN set,
/// nothing that names or signs anyone in.
fn mirror_of(settings: &Settings) -> Settings {
    if vault::pin_set() {
        settings.without_secrets()
    } else {
        settings.clone()
    }
}

/// Copies `settings` where the service worker can read them (with a PIN, without the token
/// and the author's name: the worker sends nothing then anyway).
pub async fn write_mirror(settings: &Settings) {
    if let Ok(text) = serde_json::to_string(&mirror_of(settings)) {
        let op = idb::Op::Put {
            store: idb::META,
            key: SETTINGS_MIRROR.into(),
            value: text,
        };
        if let Err(e) = idb::write(&[op]).await {
            leptos::logging::warn!("settings mirror: {e}");
        }
    }
}

/// The `meta` key under which the settings are mirrored for the service worker.
pub const SETTINGS_MIRROR: &str = "settings";
/// Receipts read at a time for the lists ("Voir plus" reads the next ones).
pub const RECEIPT_PAGE: usize = 50;
/// When another flusher held the lock, the wait before looking again.
const LOCK_BUSY_RETRY: Duration = Duration::from_millis(1_500);

/// Outbox signals, provided as context.
#[derive(Clone, Copy)]
pub struct Outbox {
    entries: RwSignal<Vec<OutboxEntry>>,
    unreadable: RwSignal<Vec<Unreadable>>,
    receipts: RwSignal<Vec<OutboxEntry>>,
    receipt_total: RwSignal<usize>,
    months: RwSignal<MonthCounts>,
    loaded: RwSignal<bool>,
    progress: RwSignal<Option<(usize, usize)>>,
    last_report: RwSignal<Option<FlushReport>>,
    problem: RwSignal<Option<Msg>>,
    settings: RwSignal<Settings>,
    settings_unreadable: RwSignal<bool>,
    /// The stored settings are unreadable and the last valid ones (the service worker's
    /// copy) are used meanwhile.
    settings_fallback: RwSignal<bool>,
    store: StoredValue<Option<LocalStore>>,
    timer: StoredValue<Option<TimeoutHandle>>,
    /// Reloads started so far: only the latest one's reads are shown.
    reloads: StoredValue<u64>,
    stored_bytes: Memo<usize>,
}

impl Outbox {
    /// Loads the settings, moves an older build's data into IndexedDB, loads the outbox,
    /// installs the triggers, provides the context.
    pub fn provide(store: Option<LocalStore>) -> Outbox {
        // Unreadable settings (a damaged write, a newer build's format) are kept as they
        // are and reported: replacing them with defaults would lose the backend and the
        // token without a word. Only the user, saving in Settings, overwrites them.
        // With a PIN they are sealed (the author's name, the token): the gate opened them.
        let stored = store.map(|s| s.get_raw(SETTINGS_KEY).map(vault::settings_text));
        let (mut settings, unreadable) = match stored {
            Some(Ok(Some(text))) => match serde_json::from_str::<Settings>(&text) {
                Ok(s) => (s, false),
                Err(e) => {
                    leptos::logging::warn!("settings: {e}");
                    (Settings::default(), true)
                }
            },
            Some(Ok(None)) | None => (Settings::default(), false),
            Some(Err(e)) => {
                leptos::logging::warn!("settings: {e}");
                (Settings::default(), true)
            }
        };
        if settings.device_id.is_empty() && !vault::pin_set() {
            settings.device_id = Uuid::new_v4().to_string();
            if let (Some(s), false) = (store, unreadable) {
                let _ = s.set(SETTINGS_KEY, &settings);
            }
        }
        let entries = RwSignal::new(Vec::<OutboxEntry>::new());
        let damaged = RwSignal::new(Vec::<Unreadable>::new());
        let receipts = RwSignal::new(Vec::<OutboxEntry>::new());
        let outbox = Outbox {
            entries,
            unreadable: damaged,
            receipts,
            receipt_total: RwSignal::new(0),
            months: RwSignal::new(MonthCounts::new()),
            stored_bytes: Memo::new(move |_| {
                entries.with(|e| e.iter().map(OutboxEntry::stored_len).sum::<usize>())
                    + damaged.with(|u| u.iter().map(|u| u.raw.len()).sum::<usize>())
            }),
            loaded: RwSignal::new(false),
            progress: RwSignal::new(None),
            last_report: RwSignal::new(None),
            problem: RwSignal::new(None),
            settings: RwSignal::new(settings),
            settings_unreadable: RwSignal::new(unreadable),
            settings_fallback: RwSignal::new(false),
            store: StoredValue::new(store),
            timer: StoredValue::new(None),
            reloads: StoredValue::new(0),
        };
        leptos::task::spawn_local(async move {
            if unreadable {
                // The service worker still sends with its copy of the last valid settings:
                // the page does the same, and says so, rather than claiming nothing is sent.
                if let Some(last) = outbox.mirrored_settings().await {
                    if last.backend != Backend::None {
                        outbox.settings.set(last);
                        outbox.settings_fallback.set(true);
                    }
                }
            }
            if let Some(local) = store {
                if let Err(e) = migrate::from_local_storage(&local).await {
                    leptos::logging::warn!("moving the outbox to IndexedDB: {e}");
                }
            }
            if !unreadable {
                // Leaving the page right after saving new credentials can abort the
                // follow-up writes (Chromium aborts a leaving page's transactions): a
                // mirror that differs from the saved settings means records refused with
                // the old credentials were never released. Release them now.
                if outbox.mirrored_backend().await
                    != Some(mirror_of(&outbox.settings.get_untracked()).backend)
                {
                    outbox.apply(Event::CredentialsChanged, None).await;
                }
                outbox.mirror_settings().await;
            }
            outbox.compact_receipts().await;
            outbox.reload().await;
            outbox.loaded.set(true);
            service_worker::request_background_sync();
            outbox.flush_soon();
        });
        let _ = window_event_listener(leptos::ev::online, move |_| outbox.flush_soon());
        let _ = window_event_listener(leptos::ev::visibilitychange, move |_| {
            if connectivity::is_visible() {
                outbox.flush_soon();
            }
        });
        // Another tab or the service worker changed the outbox: show it here too.
        service_worker::on_message("outbox-changed", move || outbox.refresh());
        provide_context(outbox);
        outbox
    }

    /// Readable records not yet delivered, newest first.
    pub fn entries(&self) -> ReadSignal<Vec<OutboxEntry>> {
        self.entries.read_only()
    }

    /// The receipts read so far, newest first (a page at start, more on request).
    pub fn receipts(&self) -> ReadSignal<Vec<OutboxEntry>> {
        self.receipts.read_only()
    }

    /// How many receipts the phone keeps whole (loaded or not).
    pub fn receipt_total(&self) -> ReadSignal<usize> {
        self.receipt_total.read_only()
    }

    /// Older receipts, counted per month.
    pub fn months(&self) -> ReadSignal<MonthCounts> {
        self.months.read_only()
    }

    /// Reads the next page of receipts.
    pub fn load_more_receipts(&self) {
        let this = *self;
        leptos::task::spawn_local(async move {
            let last = this
                .receipts
                .with_untracked(|r| r.last().map(OutboxEntry::receipt_key));
            match IdbOutbox
                .receipts(last.as_deref(), RECEIPT_PAGE as u32)
                .await
            {
                Ok(more) => this.receipts.update(|r| r.extend(more)),
                Err(e) => leptos::logging::warn!("receipts: {e}"),
            }
        });
    }

    /// Entries that could not be decoded (kept, shown apart).
    pub fn unreadable(&self) -> ReadSignal<Vec<Unreadable>> {
        self.unreadable.read_only()
    }

    /// Whether the outbox has been read from storage since the app started.
    pub fn loaded(&self) -> ReadSignal<bool> {
        self.loaded.read_only()
    }

    /// `(done, total)` while a flush runs.
    pub fn progress(&self) -> ReadSignal<Option<(usize, usize)>> {
        self.progress.read_only()
    }

    /// What the last flush did.
    pub fn last_report(&self) -> ReadSignal<Option<FlushReport>> {
        self.last_report.read_only()
    }

    /// Why the outbox could not be read, if it could not (its counts are then unknown).
    pub fn problem(&self) -> ReadSignal<Option<Msg>> {
        self.problem.read_only()
    }

    /// Connection settings.
    pub fn settings(&self) -> ReadSignal<Settings> {
        self.settings.read_only()
    }

    /// Whether the last valid settings stand in for unreadable ones.
    pub fn settings_fallback(&self) -> ReadSignal<bool> {
        self.settings_fallback.read_only()
    }

    /// The stored settings could not be read; they are kept until the user saves new ones.
    pub fn settings_unreadable(&self) -> ReadSignal<bool> {
        self.settings_unreadable.read_only()
    }

    /// Counts per state; unreadable records count as waiting (they are not at the backend).
    pub fn counts(&self) -> OutboxCounts {
        let mut counts = self
            .entries
            .with(|e| OutboxCounts::of(e.iter().map(|e| &e.state)));
        counts.waiting += self.unreadable.with(Vec::len);
        counts.delivered += self.receipt_total.get();
        counts
    }

    /// Bytes the outbox's records take as stored (what the outbox page reports): computed
    /// when the outbox changes, not at every render of the page.
    pub fn stored_bytes(&self) -> usize {
        self.stored_bytes.get()
    }

    /// Re-reads the records still to send, the number of receipts and the receipts shown:
    /// a cost that grows with what is unsent, not with a year of receipts. All three come
    /// from one read and are shown together; a reload overtaken by a later one (a flush
    /// ending while a refresh reads) drops what it read.
    async fn reload(&self) {
        let generation = self.reloads.get_value() + 1;
        self.reloads.set_value(generation);
        let shown = self.receipts.with_untracked(Vec::len).max(RECEIPT_PAGE) as u32;
        let view = IdbOutbox.view(shown).await;
        if self.reloads.get_value() != generation {
            return;
        }
        match view {
            Ok(view) => {
                let loaded = view.loaded;
                if !loaded.stray_receipts.is_empty() {
                    // An older build kept receipts with the records: move them, then
                    // read again to show them where they now are.
                    match IdbOutbox.save(&loaded.stray_receipts).await {
                        Ok(()) => return Box::pin(self.reload()).await,
                        Err(e) => leptos::logging::warn!("moving receipts: {e}"),
                    }
                }
                self.entries.set(loaded.pending);
                self.unreadable.set(loaded.unreadable);
                self.receipt_total.set(view.receipt_total);
                self.receipts.set(view.receipts);
                self.problem.set(None);
            }
            Err(e) => {
                // Not "nothing to send": what is on the disk could not be read (a full
                // disk at start, a damaged database). Said in the header and a banner.
                leptos::logging::warn!("outbox: {e}");
                self.problem.set(Some(Msg::OutboxUnreadable));
            }
        }
    }

    /// Turns receipts older than the deployment's limit into counts per month.
    async fn compact_receipts(&self) {
        let days = self
            .settings
            .with_untracked(|s| s.keep_receipts_days)
            .unwrap_or(receipts::DEFAULT_KEEP_DAYS);
        match IdbOutbox.compact(receipts::cutoff(now_ms(), days)).await {
            Ok(counts) => self.months.set(counts),
            Err(e) => {
                leptos::logging::warn!("compacting receipts: {e}");
                if let Ok(counts) = IdbOutbox.month_counts().await {
                    self.months.set(counts);
                }
            }
        }
    }

    /// Re-reads the outbox from storage.
    pub fn refresh(&self) {
        let this = *self;
        leptos::task::spawn_local(async move { this.reload().await });
    }

    /// Puts a finalised record in the queue. `Ok` only once it is on disk: only then may
    /// the UI say "Enregistré". With `from_draft`, its draft (same id) goes in the same
    /// transaction.
    pub async fn enqueue(
        &self,
        entry: OutboxEntry,
        from_draft: bool,
    ) -> Result<(), OutboxStoreError> {
        let first = self.entries.with_untracked(Vec::is_empty);
        if from_draft {
            IdbOutbox.enqueue_from_draft(&entry).await?;
        } else {
            IdbOutbox.enqueue(&entry).await?;
        }
        if first {
            crate::stores::local::request_persistence();
        }
        self.entries.update(|list| {
            list.retain(|e| e.envelope.id != entry.envelope.id);
            list.insert(0, entry);
        });
        service_worker::request_background_sync();
        self.flush_soon();
        Ok(())
    }

    /// The user's "Envoyer maintenant": forget backoff delays and flush.
    pub fn send_now(&self) {
        let this = *self;
        leptos::task::spawn_local(async move {
            this.apply(Event::SendNow, None).await;
            this.flush_soon();
        });
    }

    /// "Renvoyer" on a record the server refused: it goes back in the queue, same id.
    pub fn resend(&self, id: Uuid) {
        let this = *self;
        leptos::task::spawn_local(async move {
            this.apply(Event::Resubmitted, Some(id)).await;
            this.flush_soon();
        });
    }

    /// Applies `event` (to record `only`, or to all) as storage holds them now, under the
    /// flush lock: never to the copies in memory, which another tab or the service worker
    /// may have outdated.
    async fn apply(&self, event: Event, only: Option<Uuid>) {
        let result = locks::run_waiting(FLUSH_LOCK, move || async move {
            apply_to_stored(
                &mut IdbOutbox,
                &event,
                &FlushOptions::default().policy,
                only,
            )
            .await
        })
        .await;
        match result {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => leptos::logging::warn!("outbox: {e}"),
            Err(e) => leptos::logging::warn!("outbox lock: {e}"),
        }
        self.reload().await;
    }

    /// Turns a refused record back into its draft (see [`IdbOutbox::reopen`]).
    pub async fn reopen(&self, draft: &vigie_core::drafts::Draft) -> Result<(), OutboxStoreError> {
        IdbOutbox.reopen(draft).await?;
        self.entries
            .update(|l| l.retain(|e| e.envelope.id != draft.id));
        Ok(())
    }

    /// Deletes a record the user confirmed deleting.
    pub async fn delete(&self, id: &Uuid) -> Result<(), OutboxStoreError> {
        IdbOutbox.delete(id).await?;
        self.entries.update(|l| l.retain(|e| e.envelope.id != *id));
        self.unreadable.update(|l| l.retain(|u| u.id != *id));
        Ok(())
    }

    /// The settings last copied for the service worker, if any could be read.
    async fn mirrored_settings(&self) -> Option<Settings> {
        let text = idb::get(idb::META, SETTINGS_MIRROR).await.ok()??;
        serde_json::from_str::<Settings>(&text).ok()
    }

    /// The backend last copied for the service worker, if any could be read.
    async fn mirrored_backend(&self) -> Option<Backend> {
        self.mirrored_settings().await.map(|s| s.backend)
    }

    /// Copies the settings where the service worker can read them.
    async fn mirror_settings(&self) {
        write_mirror(&self.settings.get_untracked()).await;
    }

    /// Saves new settings; changed credentials let blocked records go again.
    pub fn save_settings(&self, new: Settings) -> Result<(), StorageError> {
        let store = self
            .store
            .get_value()
            .ok_or_else(|| StorageError::Unavailable("no storage".into()))?;
        if vault::pin_set() {
            // Sealed with the PIN's key, which takes a task: written a moment later.
            let text = serde_json::to_string(&new).map_err(|e| StorageError::Encode {
                key: SETTINGS_KEY.into(),
                reason: e.to_string(),
            })?;
            leptos::task::spawn_local(async move {
                match vault::seal_settings(text).await {
                    Ok(sealed) => {
                        if let Err(e) = store.set_raw(SETTINGS_KEY, &sealed) {
                            leptos::logging::warn!("settings: {e}");
                        }
                    }
                    Err(e) => leptos::logging::warn!("settings: {e}"),
                }
            });
        } else {
            store.set(SETTINGS_KEY, &new)?;
        }
        self.settings_unreadable.set(false);
        self.settings_fallback.set(false);
        let backend_changed = self.settings.with_untracked(|s| s.backend != new.backend);
        self.settings.set(new);
        let this = *self;
        // Release first, mirror last: if the page is left in between, the stale mirror
        // tells the next start to release again.
        leptos::task::spawn_local(async move {
            if backend_changed {
                this.apply(Event::CredentialsChanged, None).await;
            }
            this.mirror_settings().await;
            if backend_changed {
                this.flush_soon();
            }
        });
        Ok(())
    }

    /// Starts a flush unless one is running in this or another tab, or in the worker.
    pub fn flush_soon(&self) {
        let this = *self;
        if this.progress.get_untracked().is_some() || !this.loaded.get_untracked() {
            return;
        }
        let settings = this.settings.get_untracked();
        let backend = settings.backend;
        let timeout_ms = settings
            .request_timeout_ms
            .map_or(crate::browser::http::DEFAULT_TIMEOUT_MS, |t| {
                t.clamp(1_000, 600_000) as i32
            });
        // `onLine == false` is reliable (no interface up); `true` is only a hint, so we try.
        if !backend.is_configured() || !connectivity::is_online() {
            return;
        }
        this.progress.set(Some((0, 0)));
        leptos::task::spawn_local(async move {
            let job = move || async move {
                let mut transport = FetchTransport { timeout_ms };
                flush(
                    &mut IdbOutbox,
                    &mut transport,
                    &mut BrowserClock,
                    &backend,
                    FlushOptions::default(),
                    |done, total| this.progress.set(Some((done, total))),
                )
                .await
            };
            let busy = match locks::run_exclusive(FLUSH_LOCK, job).await {
                Ok(Some(report)) => {
                    this.last_report.set(Some(report));
                    false
                }
                // Another tab or the service worker is flushing. What it leaves (the worker
                // skips records sealed by a PIN) is this page's to send: look again soon.
                Ok(None) => true,
                Err(e) => {
                    leptos::logging::warn!("outbox lock: {e}");
                    false
                }
            };
            this.progress.set(None);
            this.reload().await;
            if busy && this.has_due() {
                set_timeout(move || this.flush_soon(), LOCK_BUSY_RETRY);
            } else {
                this.arm_timer();
            }
        });
    }

    /// Whether a record is due to be sent now.
    fn has_due(&self) -> bool {
        let now = now_ms();
        let policy = FlushOptions::default().policy;
        self.entries
            .with_untracked(|e| e.iter().any(|e| e.state.is_due(now, &policy)))
    }

    /// Wakes up when the earliest retry is due (never later than the policy's longest
    /// wait, whatever the clock did meanwhile).
    fn arm_timer(&self) {
        if let Some(t) = self.timer.get_value() {
            t.clear();
        }
        let now = now_ms();
        let policy = FlushOptions::default().policy;
        let next = self
            .entries
            .with_untracked(|e| e.iter().filter_map(|e| e.state.wait_ms(now, &policy)).min());
        let Some(wait) = next else { return };
        let this = *self;
        let handle = set_timeout_with_handle(
            move || this.flush_soon(),
            Duration::from_millis(wait.saturating_add(50)),
        )
        .ok();
        self.timer.set_value(handle);
    }
}

/// Runs "Tester la connexion" against `backend` (the values on screen, maybe unsaved).
pub async fn test_connection(backend: Backend, timeout_ms: i32) -> ProbeResult {
    match backend.probe_request() {
        Some(req) => Backend::interpret_probe(&crate::browser::http::fetch(req, timeout_ms).await),
        None => ProbeResult::Unreachable,
    }
}

/// The outbox provided by the app shell.
pub fn use_outbox() -> Outbox {
    expect_context::<Outbox>()
}
