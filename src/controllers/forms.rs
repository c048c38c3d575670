//! The forms controller: which definitions the app offers (built-in, replaced by newer ones
//! from the backend), the drafts being filled, and finalising a draft into the outbox.
//! Where the core meets storage and the network for forms.

use leptos::prelude::*;
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::browser::idb::IdbError;
use crate::controllers::outbox::Outbox;
use crate::stores::drafts as draft_store;
use crate::stores::local::LocalStore;
use crate::stores::outbox::{OutboxStoreError, Unreadable};
use vigie_core::drafts::Draft;
use vigie_core::forms::{builtin, load, remote, FormDef, Located};
use vigie_core::outbox::state::DeliveryState;
use vigie_core::outbox::OutboxEntry;

/// Storage key of the definitions fetched from the backend.
pub use vigie_core::keys::FORMS_CACHE as FORMS_CACHE_KEY;

/// Most characters of form definitions kept on the phone (a backend could otherwise fill
/// its storage: 5.2 M characters of cache made the next report fail with "storage full").
pub const MAX_FORMS_CACHE_BYTES: usize = 1_000_000;

/// Forms and drafts, provided as context.
#[derive(Clone, Copy)]
pub struct Forms {
    /// The version of each form new records use, in menu order.
    current: RwSignal<Vec<FormDef>>,
    /// Drafts, most recently changed first.
    drafts: RwSignal<Vec<Draft>>,
    /// Drafts that could not be read (kept in storage, listed apart).
    unreadable_drafts: RwSignal<Vec<Unreadable>>,
    /// Whether the drafts have been read from storage since the app started.
    loaded: RwSignal<bool>,
    /// Definitions the backend sent that were refused, one line each (shown in Settings).
    refused: RwSignal<Vec<String>>,
    /// How far reading the definitions below has got (see [`Forms::read_step`]).
    read: StoredValue<usize>,
    /// The built-in definitions.
    builtins: StoredValue<Vec<FormDef>>,
    /// Definitions fetched from the backend (any version still needed), after the built-in.
    fetched: StoredValue<Vec<FormDef>>,
    store: StoredValue<Option<LocalStore>>,
    outbox: Outbox,
    /// An `sms:` link for the alert just saved with no network (red or orange, with a
    /// coordination number set), until the user uses or dismisses it.
    sms_offer: RwSignal<Option<String>>,
    /// The referral directory (cached copy until the backend sends a new one).
    referrals: RwSignal<Vec<vigie_core::referrals::Referral>>,
    /// A report the form marks as sensitive (GBV) was just saved: Home shows where to find help.
    after_sensitive: RwSignal<bool>,
    /// Changes each time a published translation is installed (the language list follows).
    translation_installed: RwSignal<u32>,
    /// Why the published translation was refused, if it was.
    translation_refused: RwSignal<Option<String>>,
}

/// Why finalising did not happen.
#[derive(Debug)]
pub enum FinaliseError {
    /// Answers missing or wrong.
    Problems(Vec<Located>),
    /// The form version of the draft is gone.
    UnknownForm,
    /// Storage refused (full): the draft is kept.
    Storage(OutboxStoreError),
}

pub use crate::browser::clock::{now_ms, today};

impl Forms {
    /// The version of each form new records use, in menu order.
    pub fn current(&self) -> ReadSignal<Vec<FormDef>> {
        self.read_all();
        self.current.read_only()
    }

    /// The SMS link offered for the alert just saved offline, if any.
    pub fn sms_offer(&self) -> RwSignal<Option<String>> {
        self.sms_offer
    }

    /// The referral directory as last received (cached for offline use).
    pub fn referrals(&self) -> ReadSignal<Vec<vigie_core::referrals::Referral>> {
        self.referrals.read_only()
    }

    /// Bumped when a published translation is installed.
    pub fn translation_installed(&self) -> ReadSignal<u32> {
        self.translation_installed.read_only()
    }

    /// Why the published translation was refused, if it was.
    pub fn translation_refused(&self) -> ReadSignal<Option<String>> {
        self.translation_refused.read_only()
    }

    /// Whether a sensitive (GBV) report was just saved; Home clears it once shown.
    pub fn after_sensitive(&self) -> RwSignal<bool> {
        self.after_sensitive
    }

    /// Drafts, most recently changed first.
    pub fn drafts(&self) -> ReadSignal<Vec<Draft>> {
        self.drafts.read_only()
    }

    /// Drafts that could not be read (kept in storage, listed apart).
    pub fn unreadable_drafts(&self) -> ReadSignal<Vec<Unreadable>> {
        self.unreadable_drafts.read_only()
    }

    /// Definitions the backend sent that were refused, one line each (shown in Settings).
    pub fn refused(&self) -> ReadSignal<Vec<String>> {
        self.refused.read_only()
    }

    /// Built-in forms the backend replaced with its own version: `(title, version)`.
    pub fn replaced_builtins(&self) -> Vec<(String, String)> {
        self.read_all();
        let builtin: Vec<String> = self
            .builtins
            .with_value(|b| b.iter().map(|f| f.id.clone()).collect());
        self.current.with(|c| {
            c.iter()
                .filter(|f| builtin.contains(&f.id))
                .filter(|f| {
                    self.fetched
                        .with_value(|k| k.iter().any(|k| k.id == f.id && k.version == f.version))
                })
                .map(|f| (f.title.fr.clone(), f.version.clone()))
                .collect()
        })
    }

    /// Whether the drafts have been read from storage since the app started.
    pub fn loaded(&self) -> ReadSignal<bool> {
        self.loaded.read_only()
    }

    /// Queues the free note `draft` (nothing to queue when it is empty: `Ok(false)`).
    pub async fn finalise_note(&self, draft: &Draft) -> Result<bool, FinaliseError> {
        let settings = self.outbox.settings().get_untracked();
        match draft.finalise_note(&settings.device_id, settings.author, now_ms()) {
            Some(envelope) => self
                .queue_from_draft(OutboxEntry::queued_with(
                    envelope,
                    crate::browser::vault::pin_set(),
                    false,
                ))
                .await
                .map(|()| true),
            None => Ok(false),
        }
    }

    /// Loads forms and drafts, removes drafts already finalised (a finalise interrupted
    /// after the record was queued), fetches updates when online; provides the context.
    pub fn provide(store: Option<LocalStore>, outbox: Outbox) -> Forms {
        let forms = Forms {
            current: RwSignal::new(Vec::new()),
            drafts: RwSignal::new(Vec::new()),
            unreadable_drafts: RwSignal::new(Vec::new()),
            loaded: RwSignal::new(false),
            refused: RwSignal::new(Vec::new()),
            read: StoredValue::new(0),
            builtins: StoredValue::new(Vec::new()),
            fetched: StoredValue::new(Vec::new()),
            store: StoredValue::new(store),
            outbox,
            sms_offer: RwSignal::new(None),
            referrals: RwSignal::new(
                store
                    .as_ref()
                    .and_then(|s| s.get(vigie_core::keys::REFERRALS).ok().flatten())
                    .unwrap_or_default(),
            ),
            after_sensitive: RwSignal::new(false),
            translation_installed: RwSignal::new(0),
            translation_refused: RwSignal::new(None),
        };
        // Parsed on first use, or one definition per task just after the first screen: not
        // inside the start-up's long task (the first run of the validator and expression
        // parser also compiles them), and not in another long one.
        forms.read_later();
        // Drafts are read once the outbox is (after moving an older build's data).
        Effect::new(move |_| {
            if outbox.loaded().get() && !forms.loaded.get_untracked() {
                leptos::task::spawn_local(async move { forms.load_drafts().await });
            }
        });
        provide_context(forms);
        // At start, and whenever the backend changes (a setup link just imported): what it
        // publishes (forms, referral directory, translation) arrives right away.
        Effect::new(
            move |previous: Option<vigie_core::outbox::backend::Backend>| {
                let backend = outbox.settings().with(|s| s.backend.clone());
                if previous.as_ref() != Some(&backend) {
                    forms.fetch_updates();
                }
                backend
            },
        );
        let _ = window_event_listener(leptos::ev::online, move |_| forms.fetch_updates());
        forms
    }

    /// Reads the built-in definitions and those cached from the backend, once: what the
    /// tasks of [`Forms::read_later`] have not read yet.
    pub fn read_all(&self) {
        while !self.read_step() {}
    }

    /// Reads the rest in tasks of their own, one step each, unless it is needed sooner.
    fn read_later(self) {
        set_timeout(
            move || {
                // Unless the app was torn down meanwhile (locked).
                if self.read.try_get_value().is_some() && !self.read_step() {
                    self.read_later();
                }
            },
            std::time::Duration::ZERO,
        );
    }

    /// One step of reading the definitions: the next built-in one, then (last step) those
    /// cached from the backend. Whether everything is read.
    fn read_step(&self) -> bool {
        let step = self.read.get_value();
        if step > builtin::SOURCES.len() {
            return true;
        }
        self.read.set_value(step + 1);
        if step < builtin::SOURCES.len() {
            // Decoded, not checked again (see `builtin::decode`).
            if let Some(def) = builtin::decode(step) {
                self.builtins.update_value(|b| b.push(def));
            }
            return false;
        }
        // Each cached definition is read straight from its stored text (no intermediate
        // JSON tree) and validated again: it was valid when stored, but storage is outside.
        let cached: Vec<Box<RawValue>> = self
            .store
            .get_value()
            .and_then(|s| s.get(FORMS_CACHE_KEY).ok().flatten())
            .unwrap_or_default();
        let fetched: Vec<FormDef> = cached.iter().filter_map(|v| load(v.get()).ok()).collect();
        self.fetched.set_value(fetched);
        self.recompute_current();
        true
    }

    /// For each form id the newest known version: a fetched definition replaces the
    /// built-in one (the backend is the authority); built-in order first.
    fn recompute_current(&self) {
        let mut current: Vec<FormDef> = Vec::new();
        // Later entries (fetched) win over earlier ones (built-in).
        for def in self.known() {
            match current.iter_mut().find(|c| c.id == def.id) {
                Some(slot) => *slot = def,
                None => current.push(def),
            }
        }
        self.current.set(current);
    }

    /// The current definition of `id`.
    pub fn form(&self, id: &str) -> Option<FormDef> {
        self.read_all();
        self.current
            .with_untracked(|c| c.iter().find(|f| f.id == id).cloned())
    }

    /// Every known definition: built-in, then fetched.
    fn known(&self) -> Vec<FormDef> {
        self.read_all();
        let mut all = self.builtins.get_value();
        all.extend(self.fetched.get_value());
        all
    }

    /// The definition `id` at `version` (for a draft started with it); a fetched copy wins.
    pub fn version(&self, id: &str, version: &str) -> Option<FormDef> {
        self.read_all();
        let find = |defs: &Vec<FormDef>| {
            defs.iter()
                .rev()
                .find(|f| f.id == id && f.version == version)
                .cloned()
        };
        self.fetched
            .with_value(find)
            .or_else(|| self.builtins.with_value(find))
    }

    async fn load_drafts(&self) {
        let loaded = draft_store::load_all().await;
        // Read the outbox after the drafts: a record queued while they were being read
        // (its draft deleted in the same write) must not come back as a draft.
        let in_outbox: Vec<Uuid> = self
            .outbox
            .entries()
            .with_untracked(|e| e.iter().map(|e| e.envelope.id).collect());
        match loaded {
            Ok((drafts, unreadable)) => {
                // A draft whose record is queued (an older build's interrupted finalise):
                // the record is the truth.
                let (done, drafts): (Vec<Draft>, Vec<Draft>) =
                    drafts.into_iter().partition(|d| in_outbox.contains(&d.id));
                for d in done {
                    let _ = draft_store::delete(&d.id).await;
                }
                self.drafts.set(drafts);
                self.unreadable_drafts.set(unreadable);
            }
            Err(e) => leptos::logging::warn!("drafts: {e}"),
        }
        self.loaded.set(true);
    }

    /// The draft `id`, if it exists.
    pub fn draft(&self, id: &Uuid) -> Option<Draft> {
        self.drafts
            .with_untracked(|d| d.iter().find(|d| d.id == *id).cloned())
    }

    /// Writes `draft` to storage (then to the list); `Ok` once it is on disk. On error
    /// the caller keeps it on screen.
    pub async fn save_draft(&self, draft: &Draft) -> Result<(), IdbError> {
        let len = draft_store::save(draft).await?;
        self.prepare_exit(draft.id, len);
        self.drafts.update(|list| {
            list.retain(|d| d.id != draft.id);
            list.insert(0, draft.clone());
        });
        Ok(())
    }

    /// Keeps `draft` when the page is being left. Chromium aborts IndexedDB transactions
    /// of a document that is unloading, so the copy goes to localStorage, whose write is
    /// synchronous and held by the browser process; the next start moves it into IndexedDB
    /// if it is newer than what is there (adapters/migrate.rs).
    ///
    /// The copy is sealed with a pad prepared beforehand under the draft's own key
    /// (`vault::seal_on_exit`: WebCrypto cannot seal synchronously): localStorage is a
    /// LevelDB log too, and a copy in clear would outlive the draft. Without a pad (the first
    /// instant of a new draft), only a form that can hold no sensitive report, with no PIN
    /// set, is copied as it is; the autosave (at most 400 ms behind) has the rest.
    pub fn save_draft_on_exit(&self, draft: &Draft) {
        let Some(store) = self.store.get_value() else {
            return;
        };
        let Ok(text) = serde_json::to_string(draft) else {
            return;
        };
        let key = vigie_core::keys::draft(&draft.id);
        let written = match crate::browser::vault::seal_on_exit(&draft.id.to_string(), &text) {
            Some(sealed) => store.set_raw(&key, &sealed),
            None => {
                let sensitive = draft.form_id != vigie_core::drafts::NOTE_FORM.0
                    && self
                        .version(&draft.form_id, &draft.form_version)
                        .is_none_or(|def| def.discreet_receipt_when.is_some());
                if sensitive || crate::browser::vault::pin_set() {
                    return;
                }
                store.set_raw(&key, &text)
            }
        };
        if let Err(e) = written {
            leptos::logging::warn!("keeping a draft on exit: {e}");
        }
    }

    /// Makes sure the next exit copy of draft `id`, now `len` bytes long, can be sealed
    /// (see [`Forms::save_draft_on_exit`]): room for it twice over, and for some typing.
    pub fn prepare_exit(&self, id: Uuid, len: usize) {
        let id = id.to_string();
        leptos::task::spawn_local(async move {
            crate::browser::vault::prepare_exit_pad(&id, len * 2 + 4096).await;
        });
    }

    /// Removes a draft.
    pub fn delete_draft(&self, id: &Uuid) {
        self.drafts.update(|list| list.retain(|d| d.id != *id));
        let id = *id;
        leptos::task::spawn_local(async move {
            if let Err(e) = draft_store::delete(&id).await {
                leptos::logging::warn!("deleting a draft: {e}");
            }
        });
    }

    /// Opens a refused record again as a draft to correct it; `None` when the record is not
    /// a form's (a free note) or could not be moved (the reason is logged, the record stays).
    pub async fn reopen(&self, entry: &OutboxEntry) -> Option<Uuid> {
        if entry.envelope.form_id == vigie_core::drafts::NOTE_FORM.0 {
            return None;
        }
        let mut draft = Draft::from_record(&entry.envelope, now_ms())?;
        // It opens on the screen of the question the server named, when it named one.
        if let DeliveryState::Rejected { reason, .. } = &entry.state {
            draft.refused = Some(reason.clone());
            if let Some(section) = self
                .version(&draft.form_id, &draft.form_version)
                .and_then(|def| vigie_core::forms::readable::refused_section(&def, reason))
            {
                draft.section = section;
            }
        }
        if let Err(e) = self.outbox.reopen(&draft).await {
            leptos::logging::warn!("reopening a refused record: {e}");
            return None;
        }
        let id = draft.id;
        self.drafts.update(|list| {
            list.retain(|d| d.id != id);
            list.insert(0, draft);
        });
        Some(id)
    }

    /// Validates `draft`, then queues its record (same id) and removes the draft in one
    /// transaction: a kill leaves one or the other, never both, never neither. A record
    /// already queued is not queued again.
    pub async fn finalise(&self, draft: &Draft) -> Result<(), FinaliseError> {
        let def = self
            .version(&draft.form_id, &draft.form_version)
            .ok_or(FinaliseError::UnknownForm)?;
        let settings = self.outbox.settings().get_untracked();
        let envelope = draft
            .finalise(
                &def,
                &settings.device_id,
                settings.author,
                now_ms(),
                &today(),
            )
            .map_err(FinaliseError::Problems)?;
        let payload = envelope.payload.as_object();
        // On a phone with a PIN (a shared phone) every receipt is discreet: a GBV report's
        // receipt then looks like any other.
        let sensitive =
            payload.is_some_and(|p| vigie_core::forms::discreet_receipt(&def, p, &today()));
        let discreet = sensitive || crate::browser::vault::pin_set();
        let urgent = payload.is_some_and(|p| vigie_core::forms::urgent(&def, p, &today()));
        let sms = (urgent && !crate::browser::connectivity::is_online())
            .then(|| settings.sms_number.clone())
            .flatten()
            .filter(|n: &String| !n.trim().is_empty())
            .and_then(|number| {
                vigie_core::sms::for_record(&def, &envelope.payload, &envelope.id, &today())
                    .map(|text| vigie_core::sms::href(&number, &text))
            });
        self.queue_from_draft(OutboxEntry::queued_with(envelope, discreet, urgent))
            .await?;
        self.sms_offer.set(sms);
        self.after_sensitive.set(sensitive);
        Ok(())
    }

    /// Queues `entry` (the record of draft `entry.envelope.id`) and drops that draft.
    pub async fn queue_from_draft(&self, entry: OutboxEntry) -> Result<(), FinaliseError> {
        let id = entry.envelope.id;
        let queued = self
            .outbox
            .entries()
            .with_untracked(|e| e.iter().any(|e| e.envelope.id == id));
        if queued {
            self.delete_draft(&id);
        } else {
            self.outbox
                .enqueue(entry, true)
                .await
                .map_err(FinaliseError::Storage)?;
            self.drafts.update(|list| list.retain(|d| d.id != id));
        }
        // A copy kept when the page was hidden must not come back as a draft once the
        // record has left (its receipt is no longer beside the drafts to rule it out).
        if let Some(store) = self.store.get_value() {
            store.remove(&vigie_core::keys::draft(&id));
        }
        Ok(())
    }

    /// Asks the backend for its forms (when one is configured and the browser is online);
    /// valid ones are cached and used for new records, refused ones listed for Settings.
    pub fn fetch_updates(&self) {
        let online = crate::browser::connectivity::is_online();
        let backend = self.outbox.settings().get_untracked().backend;
        let Some(request) = remote::forms_request(&backend).filter(|_| online) else {
            return;
        };
        let this = *self;
        if let Some(directory) = vigie_core::referrals::request(&backend) {
            leptos::task::spawn_local(async move { this.fetch_referrals(directory).await });
        }
        if let Some(req) = vigie_core::translation::request(&backend) {
            leptos::task::spawn_local(async move { this.fetch_translation(req).await });
        }
        leptos::task::spawn_local(async move {
            let result = crate::browser::http::fetch(request, 30_000).await;
            // A failed or garbled answer changes nothing.
            let Ok(update) = remote::read_update(&result) else {
                return;
            };
            this.refused.set(update.refused);
            if !update.forms.is_empty() {
                this.store_fetched(update.forms);
            }
        });
    }

    /// Reads the published translation: a valid one is kept and installed, a refused one
    /// is reported (Settings) and changes nothing; no answer keeps what was there.
    async fn fetch_translation(&self, request: vigie_core::outbox::backend::HttpRequest) {
        let result = crate::browser::http::fetch(request, 30_000).await;
        let vigie_core::outbox::backend::HttpResult::Response {
            status: 200, body, ..
        } = result
        else {
            return;
        };
        let Ok(answer) = serde_json::from_str::<serde_json::Value>(&body) else {
            return;
        };
        // None published: what was received before stays.
        let Some(published) = answer.get("translation").filter(|t| !t.is_null()) else {
            return;
        };
        let body = published.to_string();
        match vigie_core::translation::parse(published) {
            Ok(t) => {
                if vigie_core::translation::installed().is_some_and(|old| *old == t) {
                    return;
                }
                if let Some(store) = self.store.get_value() {
                    if let Err(e) = store.set_raw(vigie_core::keys::TRANSLATION, &body) {
                        leptos::logging::warn!("translation: {e}");
                    }
                }
                vigie_core::translation::install(t);
                self.translation_refused.set(None);
                self.translation_installed.update(|n| *n += 1);
            }
            Err(why) => self.translation_refused.set(Some(why.to_string())),
        }
    }

    /// Reads the referral directory; a failed or garbled answer keeps the cached one.
    async fn fetch_referrals(&self, request: vigie_core::outbox::backend::HttpRequest) {
        let result = crate::browser::http::fetch(request, 30_000).await;
        match vigie_core::referrals::read(&result) {
            Ok((list, _)) => {
                if let Some(store) = self.store.get_value() {
                    if let Err(e) = store.set(vigie_core::keys::REFERRALS, &list) {
                        leptos::logging::warn!("referral directory: {e}");
                    }
                }
                self.referrals.set(list);
            }
            Err(e) => leptos::logging::warn!("referral directory: {e}"),
        }
    }

    fn store_fetched(&self, fetched: Vec<FormDef>) {
        self.read_all();
        // Keep fetched versions still used by a draft, then the new ones.
        let in_use: Vec<(String, String)> = self.drafts.with_untracked(|d| {
            d.iter()
                .map(|d| (d.form_id.clone(), d.form_version.clone()))
                .collect()
        });
        let mut cache: Vec<FormDef> = self.fetched.with_value(|k| {
            k.iter()
                .filter(|f| in_use.contains(&(f.id.clone(), f.version.clone())))
                .filter(|f| {
                    !fetched
                        .iter()
                        .any(|n| n.id == f.id && n.version == f.version)
                })
                .cloned()
                .collect()
        });
        cache.extend(fetched);
        if let Some(store) = self.store.get_value() {
            // A backend may not fill the phone's storage with definitions: past the limit
            // they are used in this session only, and Settings says so.
            match serde_json::to_string(&cache) {
                Ok(text) if text.len() <= MAX_FORMS_CACHE_BYTES => {
                    // If storage is full the new forms are still used in this session.
                    let _ = store.set_raw(FORMS_CACHE_KEY, &text);
                }
                Ok(text) => self.refused.update(|r| {
                    r.push(format!(
                        "cache: {} KB of definitions, more than the {} KB kept on the phone",
                        text.len() / 1000,
                        MAX_FORMS_CACHE_BYTES / 1000
                    ))
                }),
                Err(_) => {}
            }
        }
        self.fetched.set_value(cache);
        self.recompute_current();
    }
}

/// The forms controller provided by the app shell.
pub fn use_forms() -> Forms {
    expect_context::<Forms>()
}
