//! The PIN lock as the app lives it: the gate in front of everything, unlocking, setting
//! and removing the PIN (re-sealing or opening what is stored), locking again after some
//! time in the background, and erasing the phone's data after too many wrong PINs.
//! The policy is the core's `lock` module; the cryptography is `browser::vault`.

use leptos::prelude::*;
use vigie_core::i18n::{Lang, Msg};
use vigie_core::keys;
use vigie_core::lock::{self, AfterWrong, LockConfig};
use vigie_core::prefs::Preferences;

use crate::browser::clock::now_ms;
use crate::browser::idb::{self, IdbError, Op, DRAFTS, META, OUTBOX, PLANS, RECEIPTS};
use crate::browser::passkey;
use crate::browser::vault::{self, Mode, VaultError};
use crate::stores::local::LocalStore;

/// The gate: whether the app may show and touch stored data now.
#[derive(Clone, Copy)]
pub struct Gate {
    /// No PIN, or the right PIN was given.
    pub open: RwSignal<bool>,
    /// A PIN is set.
    pub configured: RwSignal<bool>,
}

fn store() -> Option<LocalStore> {
    LocalStore::open().ok()
}

/// The stored lock, if a PIN is set. An unreadable one counts as set: the data it seals
/// must not be treated as readable.
fn stored_config() -> Result<Option<LockConfig>, ()> {
    match store().map(|s| s.get::<LockConfig>(keys::LOCK)) {
        Some(Ok(c)) => Ok(c),
        Some(Err(e)) => {
            leptos::logging::warn!("PIN lock: {e}");
            Err(())
        }
        None => Ok(None),
    }
}

/// The language the user chose, for the PIN screen (shown before the app's state exists).
pub fn saved_lang() -> Lang {
    store()
        .and_then(|s| s.get::<Preferences>(keys::PREFS).ok().flatten())
        .map(|p| p.lang)
        .unwrap_or_default()
}

impl Gate {
    /// Reads whether a PIN is set; if so the vault starts locked and the gate closed.
    pub fn start() -> Gate {
        let configured = !matches!(stored_config(), Ok(None));
        vault::set_mode(if configured { Mode::Locked } else { Mode::Open });
        let gate = Gate {
            open: RwSignal::new(!configured),
            configured: RwSignal::new(configured),
        };
        provide_context(gate);
        gate.relock_when_away();
        follow_other_tabs();
        gate
    }

    /// Asks for the PIN again after [`lock::RELOCK_AFTER_MS`] in the background.
    fn relock_when_away(&self) {
        let this = *self;
        let hidden_at = StoredValue::new(None::<i64>);
        let listener = window_event_listener(leptos::ev::visibilitychange, move |_| {
            let hidden = document().visibility_state() == web_sys::VisibilityState::Hidden;
            if hidden {
                hidden_at.set_value(Some(now_ms()));
            } else if this.configured.get_untracked()
                && lock::relock_due(hidden_at.get_value(), now_ms())
            {
                this.lock_now();
            } else {
                hidden_at.set_value(None);
            }
        });
        on_cleanup(move || listener.remove());
    }

    /// Forgets the key and starts again from the PIN screen: a fresh page, so nothing read
    /// while unlocked stays in memory.
    pub fn lock_now(&self) {
        vault::set_mode(Mode::Locked);
        if let Err(e) = window().location().reload() {
            leptos::logging::warn!("locking: {}", crate::browser::js_text(&e));
            self.open.set(false);
        }
    }

    /// Tries `pin`. Right: the gate opens (and anything stored in clear since, such as an
    /// earlier build's data moved at start, is sealed). Wrong: what the count leads to.
    pub async fn unlock(&self, pin: &str) -> Result<(), UnlockError> {
        let Ok(Some(mut config)) = stored_config() else {
            return Err(UnlockError::Unreadable);
        };
        // The phone's own secret first, when the lock has one: not confirming it is no
        // wrong PIN.
        let device = match &config.device {
            Some(id) => {
                let salt = vault::salt_of(&config).map_err(|_| UnlockError::Unreadable)?;
                match passkey::secret(id, &lock::device_input(&salt)).await {
                    Ok(secret) => Some(secret),
                    Err(e) => {
                        leptos::logging::warn!("the phone's secret: {e}");
                        return Err(UnlockError::Device);
                    }
                }
            }
            None => None,
        };
        match vault::unlock(&config, pin, device.as_deref()).await {
            Ok(key) => {
                vault::set_mode(Mode::Unlocked(key));
                if config.failed > 0 {
                    config.failed = 0;
                    save_config(&config);
                }
                // The settings (author's name, token) are read by the app right after.
                seal_settings().await;
                if let Err(e) = rewrite(&[OUTBOX, DRAFTS, PLANS, META]).await {
                    leptos::logging::warn!("sealing leftovers: {e}");
                }
                self.open.set(true);
                Ok(())
            }
            Err(VaultError::WrongPin) => {
                let after = config.wrong();
                save_config(&config);
                Err(UnlockError::Wrong(after))
            }
            Err(e) => {
                leptos::logging::warn!("unlocking: {e}");
                Err(UnlockError::Unavailable)
            }
        }
    }

    /// Why erasing is offered now, if it is: too many wrong PINs (counted across
    /// restarts), or a lock that cannot be read and so can never be opened.
    pub fn erase_offer(&self) -> Option<Msg> {
        match stored_config() {
            Ok(Some(c)) if c.after_wrong() == AfterWrong::OfferErase => Some(Msg::PinTooMany),
            Ok(_) => None,
            Err(()) => Some(Msg::LockUnreadable),
        }
    }

    /// Sets a PIN (checked by the caller), joined with the phone's own secret when
    /// `with_device` ([`passkey`]: the person confirms on the phone), and seals everything
    /// stored. The phone not giving its secret sets nothing: never a weaker lock than asked.
    pub async fn set_pin(&self, pin: &str, with_device: bool) -> Result<(), Msg> {
        let salt = vault::new_salt().map_err(|_| Msg::PinFailed)?;
        let device = if with_device {
            match passkey::enrol(&lock::device_input(&salt)).await {
                Ok(made) => Some(made),
                Err(e) => {
                    leptos::logging::warn!("the phone's secret: {e}");
                    return Err(Msg::DeviceFailed);
                }
            }
        } else {
            None
        };
        let (config, key) = vault::create(pin, &salt, device).await.map_err(|e| {
            leptos::logging::warn!("PIN: {e}");
            Msg::PinFailed
        })?;
        // The lock is saved first: stopped half-way, some values are still in clear
        // (read as they are, sealed at the next unlock), never sealed with no lock to
        // open them.
        let Some(s) = store() else {
            return Err(Msg::PinFailed);
        };
        s.set(keys::LOCK, &config).map_err(|_| Msg::PinFailed)?;
        vault::set_mode(Mode::Unlocked(key.clone()));
        self.configured.set(true);
        // Every draft's and record's key is sealed with the PIN's: what was written before
        // the PIN is as closed as what comes after.
        if let Err(e) = vault::rewrap(None, Some(&key)).await {
            leptos::logging::warn!("sealing keys: {e}");
        }
        if let Err(e) = rewrite(&[OUTBOX, RECEIPTS, DRAFTS, PLANS, META]).await {
            leptos::logging::warn!("sealing: {e}");
        }
        seal_settings().await;
        Ok(())
    }

    /// Removes the PIN: everything stored is opened and written in clear, then the lock
    /// goes (stopped half-way, the PIN is still asked and opens what is still sealed).
    pub async fn remove_pin(&self) -> Result<(), Msg> {
        let mut opened = Vec::new();
        for store_name in [OUTBOX, RECEIPTS, DRAFTS, PLANS, META] {
            let rows = idb::get_all(store_name).await.map_err(|_| Msg::PinFailed)?;
            let rows = rows
                .into_iter()
                .filter(|(k, _)| store_name != META || vault::is_plan_text(META, k))
                .collect();
            let whole = store_name == DRAFTS || store_name == PLANS || store_name == META;
            for (key, text) in vault::open_rows(rows, whole).await {
                // One that cannot be opened stays as it is (shown as unreadable).
                if let Ok(value) = text {
                    opened.push(Op::Put {
                        store: store_name,
                        key,
                        value,
                    });
                }
            }
        }
        // The keys are opened before the mode changes (the PIN's key is needed for that);
        // stopped half-way, a key in clear still opens with the PIN asked.
        if let Some(pin) = vault::pin_key() {
            if let Err(e) = vault::rewrap(Some(&pin), None).await {
                leptos::logging::warn!("opening keys: {e}");
                return Err(Msg::PinFailed);
            }
        }
        let settings = open_settings().await;
        vault::set_mode(Mode::Open);
        if let Some((text, true)) = settings {
            mirror(&text).await;
            store_settings(text).await;
        }
        if let Err(e) = idb::write(&opened).await {
            leptos::logging::warn!("opening: {e}");
            // Still sealed: keep the PIN (the key is gone from memory: lock again).
            self.lock_now();
            return Err(Msg::PinFailed);
        }
        if let Some(s) = store() {
            s.remove(keys::LOCK);
        }
        self.configured.set(false);
        Ok(())
    }

    /// Whether the lock joins the phone's own secret to the PIN.
    pub fn with_device(&self) -> bool {
        matches!(
            stored_config(),
            Ok(Some(LockConfig {
                device: Some(_),
                ..
            }))
        )
    }

    /// How many records have not left (readable while locked: only counted).
    pub async fn unsent(&self) -> usize {
        idb::count(OUTBOX).await.unwrap_or(0)
    }

    /// Erases everything Vigie keeps on this phone, then starts afresh.
    pub async fn erase(&self) {
        for s in [OUTBOX, RECEIPTS, DRAFTS, META, PLANS] {
            if let Err(e) = idb::clear(s).await {
                leptos::logging::warn!("erasing {s}: {e}");
            }
        }
        vault::forget_all().await;
        if let Some(s) = store() {
            for key in s.keys_with_prefix(keys::KEY_PREFIX).unwrap_or_default() {
                s.remove(&key);
            }
        }
        vault::set_mode(Mode::Open);
        if let Err(e) = window().location().replace("/") {
            leptos::logging::warn!("erase: {}", crate::browser::js_text(&e));
        }
    }
}

/// A PIN set, removed or erased in another tab changes how this one must store: it starts
/// again (sealing with a key that was just removed would make its writes unreadable).
fn follow_other_tabs() {
    let listener = window_event_listener(leptos::ev::storage, move |ev| {
        if ev.key().as_deref() == Some(keys::LOCK)
            && ev.old_value().is_some() != ev.new_value().is_some()
        {
            if let Err(e) = window().location().reload() {
                leptos::logging::warn!(
                    "another tab changed the PIN: {}",
                    crate::browser::js_text(&e)
                );
            }
        }
    });
    on_cleanup(move || listener.remove());
}

/// Why unlocking did not open the gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnlockError {
    /// Wrong PIN.
    Wrong(AfterWrong),
    /// The stored lock cannot be read.
    Unreadable,
    /// The phone's own secret was not given (not confirmed on the phone, or gone).
    Device,
    /// WebCrypto failed.
    Unavailable,
}

fn save_config(config: &LockConfig) {
    if let Some(Err(e)) = store().map(|s| s.set(keys::LOCK, config)) {
        leptos::logging::warn!("PIN lock: {e}");
    }
}

/// Seals what `stores` still hold in clear (one transaction per store); values already
/// sealed stay as they are, and of `meta` only plan texts are sealed.
async fn rewrite(stores: &[&'static str]) -> Result<(), IdbError> {
    for &store_name in stores {
        let rows = idb::get_all(store_name).await?;
        let ops: Vec<Op> = rows
            .into_iter()
            .filter(|(key, text)| {
                !vault::is_sealed(text) && (store_name != META || vault::is_plan_text(META, key))
            })
            .map(|(key, value)| Op::Put {
                store: store_name,
                key,
                value,
            })
            .collect();
        idb::write(&ops).await?;
    }
    Ok(())
}

/// The stored settings' text, opened (with the PIN's key if they are sealed), and whether
/// they were sealed. `None` when there are none or they cannot be opened (logged).
async fn open_settings() -> Option<(String, bool)> {
    let stored = store()?.get_raw(keys::SETTINGS).ok().flatten()?;
    let was_sealed = vault::is_sealed(&stored);
    match vault::open_settings(stored).await {
        Ok(text) => Some((text, was_sealed)),
        Err(e) => {
            leptos::logging::warn!("settings: {e}");
            None
        }
    }
}

/// Stores the settings' `text` as the vault's mode says: sealed with a PIN, in clear
/// without. A failure is logged and leaves them as they were (never lost).
async fn store_settings(text: String) {
    let Some(s) = store() else { return };
    match vault::seal_settings(text).await {
        Ok(out) => {
            if let Err(e) = s.set_raw(keys::SETTINGS, &out) {
                leptos::logging::warn!("settings: {e}");
            }
        }
        Err(e) => leptos::logging::warn!("settings: {e}"),
    }
}

/// With a PIN: the settings opened for the app, and sealed if an earlier build (or a
/// PIN just set) left them in clear, their copy for the service worker too.
async fn seal_settings() {
    if let Some((text, false)) = open_settings().await {
        mirror(&text).await;
        store_settings(text).await;
    }
}

/// Rewrites the service worker's copy of the settings `text` for the vault's mode.
async fn mirror(text: &str) {
    if let Ok(settings) = serde_json::from_str(text) {
        crate::controllers::outbox::write_mirror(&settings).await;
    }
}

/// Deletes the keys of drafts and records that are no longer stored (a page killed
/// between a delivery and its key's deletion, a delivery by the service worker). Run once
/// the app has started, off the first screen's path.
pub async fn sweep_keys() {
    if vault::is_locked() {
        return;
    }
    let mut live = std::collections::HashSet::new();
    for store in [OUTBOX, DRAFTS] {
        match idb::keys(store).await {
            Ok(keys) => live.extend(keys),
            // Without the list nothing can be told dead: delete nothing.
            Err(_) => return,
        }
    }
    vault::sweep(&live).await;
}

/// The gate provided by the app.
pub fn use_gate() -> Gate {
    expect_context::<Gate>()
}
