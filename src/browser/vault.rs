//! Sealing what is stored, through WebCrypto (AES-GCM, a fresh 96-bit IV per seal, stored
//! before the ciphertext, base64). The policy (what a PIN may be, what is sealed) is the
//! core's `lock` module.
//!
//! **Row keys.** Every draft and every queued record is sealed with a key of its own, with
//! or without a PIN. The key lives in a file of its own (`key_files`, the origin-private
//! file system), never in IndexedDB: IndexedDB is a LevelDB log in which a deleted or
//! overwritten value stays readable on disk until a compaction. When a record is delivered
//! or deleted, its key file is deleted, and every copy of it left in IndexedDB's log can no
//! longer be opened by anyone. Without a PIN a key file holds the key itself; with a PIN it
//! holds the key sealed with the PIN's key, so a copy of the profile alone opens nothing.
//! Setting or removing a PIN rewrites the key files, not the records.
//!
//! **The PIN's key.** PBKDF2-SHA-256 turns the PIN into a non-extractable AES-GCM key, held
//! in memory only while the app is unlocked. Receipts are sealed with it directly, and so
//! is everything on a browser without the origin-private file system (where records are
//! otherwise stored as they are).
//!
//! The vault is in one of three modes: no PIN, unlocked (the PIN's key is here) or locked
//! (nothing sealed may be read or written: the app shows only the PIN screen).

use std::collections::{HashMap, HashSet};

use std::cell::RefCell;

use base64::{engine::general_purpose::STANDARD, Engine as _};
use js_sys::{Array, Object, Reflect, Uint8Array};
use serde_json::Value;
use thiserror::Error;
use vigie_core::keys;
use vigie_core::lock::{self, LockConfig, Secret, ROW_SEAL, SEALED, SEAL_KIND};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Crypto, CryptoKey, SubtleCrypto};

use super::key_files::{self, KeyFileError};

/// IV length for AES-GCM.
const IV_LEN: usize = 12;

/// Why the vault could not do what was asked.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum VaultError {
    /// No WebCrypto (an insecure context, a very old browser).
    #[error("WebCrypto is unavailable: {0}")]
    Unavailable(String),
    /// A PIN is set and the app is locked: nothing can be sealed or opened.
    #[error("the app is locked")]
    Locked,
    /// The PIN does not open the seal.
    #[error("wrong PIN")]
    WrongPin,
    /// A sealed value is damaged (or sealed with another key).
    #[error("sealed value cannot be opened: {0}")]
    Damaged(String),
    /// The value's own key is gone (it was delivered or deleted, or its file was lost).
    #[error("its key is gone")]
    KeyGone,
    /// Its key file could not be written (a full disk among others): nothing was stored.
    #[error("its key could not be kept: {0}")]
    KeyFile(String),
}

/// Where the vault stands.
#[derive(Clone, Debug, Default)]
pub enum Mode {
    /// No PIN: values are stored as they are.
    #[default]
    Open,
    /// A PIN is set and given: the key is here.
    Unlocked(CryptoKey),
    /// A PIN is set and not given.
    Locked,
}

/// A one-time pad for a draft's exit copy: `(iv, keystream)`.
type ExitPad = (Vec<u8>, Vec<u8>);

/// Whether row keys can be kept here (asked once).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RowKeys {
    Unknown,
    Yes,
    No,
}

thread_local! {
    static MODE: RefCell<Mode> = const { RefCell::new(Mode::Open) };
    static ROW_KEYS: RefCell<RowKeys> = const { RefCell::new(RowKeys::Unknown) };
    /// Row keys already opened, by id.
    static CACHE: RefCell<HashMap<String, CryptoKey>> = RefCell::new(HashMap::new());
    /// Raw bytes of row keys being created, by id: two saves of a new draft at once seal
    /// with the same key.
    static CREATING: RefCell<HashMap<String, Vec<u8>>> = RefCell::new(HashMap::new());
    /// Key files made by this page (the sweep leaves them alone).
    static MADE_HERE: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
    /// One-time pads for sealing a draft synchronously as the page is left, by draft id:
    /// `(iv, keystream)`, the keystream AES-GCM makes under the draft's own key.
    static EXIT_PADS: RefCell<HashMap<String, ExitPad>> = RefCell::new(HashMap::new());
    /// The settings' text, opened at unlock when a PIN seals them.
    static OPENED_SETTINGS: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The settings' text as the app reads it: `stored` itself, or, when a PIN seals it, the
/// text opened at unlock (`None` while locked or if it could not be opened).
pub fn settings_text(stored: Option<String>) -> Option<String> {
    match stored {
        Some(text) if is_sealed(&text) => OPENED_SETTINGS.with(|o| o.borrow().clone()),
        other => other,
    }
}

/// What to store for the settings' `text`: sealed with the PIN's key when one is set (the
/// author's name and the access token are in them), else as it is. Remembers the text as
/// the opened settings.
pub async fn seal_settings(text: String) -> Result<String, VaultError> {
    OPENED_SETTINGS.with(|o| *o.borrow_mut() = Some(text.clone()));
    match key()? {
        Some(k) => Ok(serde_json::json!({ SEALED: seal_with(&k, &text).await? }).to_string()),
        None => Ok(text),
    }
}

/// Opens the stored settings' text (at unlock); an unsealed one as it is.
pub async fn open_settings(stored: String) -> Result<String, VaultError> {
    let text = open("settings", stored, true).await?;
    OPENED_SETTINGS.with(|o| *o.borrow_mut() = Some(text.clone()));
    Ok(text)
}

/// Sets the vault's mode (at start from the stored lock, then on unlock, set or removal).
/// Row keys opened so far are forgotten: each is read again under the new mode.
pub fn set_mode(mode: Mode) {
    MODE.with(|m| *m.borrow_mut() = mode);
    CACHE.with(|c| c.borrow_mut().clear());
}

/// Whether a PIN is set and not given.
pub fn is_locked() -> bool {
    MODE.with(|m| matches!(*m.borrow(), Mode::Locked))
}

/// The PIN's key while unlocked.
pub fn pin_key() -> Option<CryptoKey> {
    key().ok().flatten()
}

/// Whether a PIN is set (given or not).
pub fn pin_set() -> bool {
    MODE.with(|m| !matches!(*m.borrow(), Mode::Open))
}

fn key() -> Result<Option<CryptoKey>, VaultError> {
    MODE.with(|m| match &*m.borrow() {
        Mode::Open => Ok(None),
        Mode::Unlocked(k) => Ok(Some(k.clone())),
        Mode::Locked => Err(VaultError::Locked),
    })
}

fn unavailable(e: JsValue) -> VaultError {
    VaultError::Unavailable(super::js_text(&e))
}

fn crypto() -> Result<Crypto, VaultError> {
    Reflect::get(&js_sys::global(), &"crypto".into())
        .map_err(unavailable)?
        .dyn_into::<Crypto>()
        .map_err(|_| VaultError::Unavailable("no crypto".into()))
}

fn subtle() -> Result<SubtleCrypto, VaultError> {
    let subtle = crypto()?.subtle();
    if subtle.is_undefined() {
        return Err(VaultError::Unavailable("no crypto.subtle".into()));
    }
    Ok(subtle)
}

/// `len` random bytes from the browser's generator.
pub(crate) fn random(len: usize) -> Result<Vec<u8>, VaultError> {
    let mut bytes = vec![0u8; len];
    crypto()?
        .get_random_values_with_u8_array(&mut bytes)
        .map_err(unavailable)?;
    Ok(bytes)
}

fn object(pairs: &[(&str, JsValue)]) -> Result<Object, VaultError> {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &(*k).into(), v).map_err(unavailable)?;
    }
    Ok(o)
}

fn usages(list: &[&str]) -> JsValue {
    list.iter()
        .map(|u| JsValue::from_str(u))
        .collect::<Array>()
        .into()
}

/// The lock's AES-GCM key: PBKDF2 of `pin` and `salt` (256 bits, the same key as WebCrypto's
/// `deriveKey` to AES-256 gives, so locks made so far still open), joined with the phone's
/// own secret when the lock has one (`vigie_core::lock::combine`).
pub async fn derive(
    pin: &str,
    salt: &[u8],
    iterations: u32,
    device: Option<&[u8]>,
) -> Result<CryptoKey, VaultError> {
    let subtle = subtle()?;
    let raw = Uint8Array::from(pin.as_bytes());
    let pbkdf2 = object(&[("name", "PBKDF2".into())])?;
    let base = subtle
        .import_key_with_object("raw", &raw, &pbkdf2, false, &usages(&["deriveBits"]))
        .map_err(unavailable)?;
    let base: CryptoKey = JsFuture::from(base)
        .await
        .map_err(unavailable)?
        .unchecked_into();
    let params = object(&[
        ("name", "PBKDF2".into()),
        ("salt", Uint8Array::from(salt).into()),
        ("iterations", iterations.into()),
        ("hash", "SHA-256".into()),
    ])?;
    let bits = subtle
        .derive_bits_with_object(&params, &base, (lock::KEY_LEN * 8) as u32)
        .map_err(unavailable)?;
    let mut bits = Uint8Array::new(&JsFuture::from(bits).await.map_err(unavailable)?).to_vec();
    let joined = match device {
        Some(secret) => lock::combine(&bits, secret),
        None => Ok(bits.clone()),
    };
    bits.fill(0);
    let mut material = joined.map_err(|e| VaultError::Damaged(e.to_string()))?;
    let key = import(&material).await;
    material.fill(0);
    key
}

/// Seals `text` with `key`: base64 of IV then ciphertext (with its tag).
pub async fn seal_with(key: &CryptoKey, text: &str) -> Result<String, VaultError> {
    let iv = random(IV_LEN)?;
    let params = object(&[
        ("name", "AES-GCM".into()),
        ("iv", Uint8Array::from(iv.as_slice()).into()),
    ])?;
    let promise = subtle()?
        .encrypt_with_object_and_u8_array(&params, key, text.as_bytes())
        .map_err(unavailable)?;
    let sealed = JsFuture::from(promise).await.map_err(unavailable)?;
    let mut out = iv;
    out.extend(Uint8Array::new(&sealed).to_vec());
    Ok(STANDARD.encode(out))
}

/// Opens what [`seal_with`] sealed; a wrong key or a changed byte is an error.
pub async fn open_with(key: &CryptoKey, sealed: &str) -> Result<String, VaultError> {
    let bytes = STANDARD
        .decode(sealed)
        .map_err(|e| VaultError::Damaged(e.to_string()))?;
    if bytes.len() <= IV_LEN {
        return Err(VaultError::Damaged("too short".into()));
    }
    let (iv, body) = bytes.split_at(IV_LEN);
    let params = object(&[
        ("name", "AES-GCM".into()),
        ("iv", Uint8Array::from(iv).into()),
    ])?;
    let promise = subtle()?
        .decrypt_with_object_and_u8_array(&params, key, body)
        .map_err(unavailable)?;
    // The only failure decrypt reports is "OperationError": wrong key or altered data.
    let plain = JsFuture::from(promise)
        .await
        .map_err(|_| VaultError::WrongPin)?;
    String::from_utf8(Uint8Array::new(&plain).to_vec())
        .map_err(|e| VaultError::Damaged(e.to_string()))
}

/// A fresh salt for a new lock.
pub fn new_salt() -> Result<Vec<u8>, VaultError> {
    random(lock::SALT_LEN)
}

/// A new lock for `pin` with `salt` ([`new_salt`]) and, when the phone gave one, its own
/// secret (`(credential id, secret)`): the lock, the key, and the check that proves a PIN
/// right.
pub async fn create(
    pin: &str,
    salt: &[u8],
    device: Option<(String, Vec<u8>)>,
) -> Result<(LockConfig, CryptoKey), VaultError> {
    let (credential, secret) = device.unzip();
    let key = derive(pin, salt, lock::KDF_ITERATIONS, secret.as_deref()).await?;
    let check = seal_with(&key, lock::CHECK_TEXT).await?;
    Ok((
        LockConfig {
            salt: STANDARD.encode(salt),
            iterations: lock::KDF_ITERATIONS,
            check,
            failed: 0,
            device: credential,
        },
        key,
    ))
}

/// The lock's salt, raw.
pub fn salt_of(config: &LockConfig) -> Result<Vec<u8>, VaultError> {
    STANDARD
        .decode(&config.salt)
        .map_err(|e| VaultError::Damaged(e.to_string()))
}

/// The key if `pin` (with the phone's `device` secret when the lock has one) is the lock's
/// PIN, [`VaultError::WrongPin`] otherwise.
pub async fn unlock(
    config: &LockConfig,
    pin: &str,
    device: Option<&[u8]>,
) -> Result<CryptoKey, VaultError> {
    let key = derive(pin, &salt_of(config)?, config.iterations, device).await?;
    match open_with(&key, &config.check).await {
        Ok(text) if text == lock::CHECK_TEXT => Ok(key),
        Ok(_) | Err(VaultError::WrongPin) => Err(VaultError::WrongPin),
        Err(e) => Err(e),
    }
}

/// Whether row keys can be kept on this browser (asked once, then remembered).
pub async fn row_keys_available() -> bool {
    match ROW_KEYS.with(|r| *r.borrow()) {
        RowKeys::Yes => true,
        RowKeys::No => false,
        RowKeys::Unknown => {
            let yes = key_files::available().await;
            if !yes {
                leptos::logging::warn!(
                    "no origin-private file system: drafts and records are sealed only with a PIN"
                );
            }
            ROW_KEYS.with(|r| *r.borrow_mut() = if yes { RowKeys::Yes } else { RowKeys::No });
            yes
        }
    }
}

/// What a key file holds: the raw key (`{"raw": …}`) or, with `pin` (the PIN's key), the
/// raw key sealed with it (`{"pin": …}`); base64 either way.
async fn key_file_text(raw: &[u8], pin: Option<&CryptoKey>) -> Result<String, VaultError> {
    let b64 = STANDARD.encode(raw);
    Ok(match pin {
        None => serde_json::json!({ "raw": b64 }),
        Some(pin) => serde_json::json!({ "pin": seal_with(pin, &b64).await? }),
    }
    .to_string())
}

/// The raw key a key file holds; a PIN-sealed one needs `pin`.
async fn raw_of(text: &str, pin: Option<&CryptoKey>) -> Result<Vec<u8>, VaultError> {
    let v: Value = serde_json::from_str(text).map_err(|e| VaultError::Damaged(e.to_string()))?;
    let b64 = if let Some(raw) = v.get("raw").and_then(Value::as_str) {
        raw.to_owned()
    } else if let Some(sealed) = v.get("pin").and_then(Value::as_str) {
        open_with(pin.ok_or(VaultError::Locked)?, sealed).await?
    } else {
        return Err(VaultError::Damaged("not a key file".into()));
    };
    STANDARD
        .decode(b64)
        .map_err(|e| VaultError::Damaged(e.to_string()))
}

/// An AES-GCM key from raw bytes, not extractable.
async fn import(raw: &[u8]) -> Result<CryptoKey, VaultError> {
    let aes = object(&[("name", "AES-GCM".into())])?;
    let promise = subtle()?
        .import_key_with_object(
            "raw",
            &Uint8Array::from(raw),
            &aes,
            false,
            &usages(&["encrypt", "decrypt"]),
        )
        .map_err(unavailable)?;
    Ok(JsFuture::from(promise)
        .await
        .map_err(unavailable)?
        .unchecked_into())
}

/// The row key of `id`: from memory, else from its file; `create` makes one when there is
/// none (a new draft), and it is on disk before anything is sealed with it.
async fn row_key(id: &str, create: bool) -> Result<CryptoKey, VaultError> {
    if let Some(k) = CACHE.with(|c| c.borrow().get(id).cloned()) {
        return Ok(k);
    }
    let raw = match key_files::read(id).await {
        Ok(text) => raw_of(&text, key()?.as_ref()).await?,
        Err(KeyFileError::Missing(_)) if create => {
            let raw = match CREATING.with(|c| c.borrow().get(id).cloned()) {
                Some(raw) => raw,
                None => {
                    let raw = random(32)?;
                    CREATING.with(|c| c.borrow_mut().insert(id.to_owned(), raw.clone()));
                    raw
                }
            };
            let written = key_files::write(id, &key_file_text(&raw, key()?.as_ref()).await?).await;
            CREATING.with(|c| c.borrow_mut().remove(id));
            written.map_err(|e| VaultError::KeyFile(e.to_string()))?;
            MADE_HERE.with(|m| m.borrow_mut().insert(id.to_owned()));
            raw
        }
        Err(KeyFileError::Missing(_)) => return Err(VaultError::KeyGone),
        Err(e) => return Err(VaultError::KeyFile(e.to_string())),
    };
    let k = import(&raw).await?;
    CACHE.with(|c| c.borrow_mut().insert(id.to_owned(), k.clone()));
    Ok(k)
}

/// Deletes the keys of `ids` (delivered or deleted): whatever copies of them IndexedDB's
/// log still holds can no longer be opened. A key that cannot be deleted now is deleted by
/// the next [`sweep`].
pub async fn forget(ids: &[String]) {
    if ids.is_empty() || !row_keys_available().await {
        return;
    }
    for id in ids {
        CACHE.with(|c| c.borrow_mut().remove(id));
        if let Err(e) = key_files::remove(id).await {
            leptos::logging::warn!("deleting a key: {e}");
        }
    }
}

/// Deletes key files whose draft or record is gone (`live`: the ids still stored), left by
/// a page killed between a write and its key's deletion, or by the service worker. Files
/// made by this page, or changed in the last ten minutes (another tab's new draft), stay.
pub async fn sweep(live: &HashSet<String>) {
    const RECENT_MS: f64 = 10.0 * 60_000.0;
    if !row_keys_available().await {
        return;
    }
    let Ok(files) = key_files::list().await else {
        return;
    };
    let now = js_sys::Date::now();
    for (name, modified) in files {
        let mine = MADE_HERE.with(|m| m.borrow().contains(&name));
        if !live.contains(&name) && !mine && now - modified > RECENT_MS {
            CACHE.with(|c| c.borrow_mut().remove(&name));
            let _ = key_files::remove(&name).await;
        }
    }
}

/// Rewrites every key file for a PIN being set (`to`: its key) or removed (`from`: the
/// old PIN's key, `to` none). The records are not touched.
pub async fn rewrap(from: Option<&CryptoKey>, to: Option<&CryptoKey>) -> Result<(), VaultError> {
    if !row_keys_available().await {
        return Ok(());
    }
    let files = key_files::list()
        .await
        .map_err(|e| VaultError::KeyFile(e.to_string()))?;
    for (name, _) in files {
        let text = match key_files::read(&name).await {
            Ok(t) => t,
            Err(KeyFileError::Missing(_)) => continue,
            Err(e) => return Err(VaultError::KeyFile(e.to_string())),
        };
        let raw = match raw_of(&text, from).await {
            Ok(raw) => raw,
            // Not openable with the old key: left as it is (it opens nothing anyway).
            Err(VaultError::WrongPin | VaultError::Damaged(_)) => continue,
            Err(e) => return Err(e),
        };
        key_files::write(&name, &key_file_text(&raw, to).await?)
            .await
            .map_err(|e| VaultError::KeyFile(e.to_string()))?;
    }
    Ok(())
}

/// Deletes every key (erasing the phone's data).
pub async fn forget_all() {
    CACHE.with(|c| c.borrow_mut().clear());
    if let Err(e) = key_files::remove_all().await {
        leptos::logging::warn!("erasing keys: {e}");
    }
}

/// What is stored in `store` under `id` for `text` (JSON): drafts sealed whole, records
/// with their answers and author sealed (the rest stays readable for counting and for the
/// service worker), each with its own row key; receipts with the PIN's key when there is
/// one. Without row keys here, the PIN's key seals drafts and records too, and without a
/// PIN either they are stored as they are.
pub async fn seal(store: &str, id: &str, text: String) -> Result<String, VaultError> {
    if is_locked() {
        return Err(VaultError::Locked);
    }
    if is_plan_text(store, id) {
        // Action plans and their unsaved editor texts (a conflict's witness, a mediator's
        // notes): sealed whole with the PIN's key when there is one.
        return match key()? {
            Some(k) => Ok(serde_json::json!({ SEALED: seal_with(&k, &text).await? }).to_string()),
            None => Ok(text),
        };
    }
    let whole = store == keys::IDB_DRAFTS;
    let by_row = store != keys::IDB_RECEIPTS && row_keys_available().await;
    let k = if by_row {
        row_key(id, true).await?
    } else {
        match key()? {
            Some(k) => k,
            None => return Ok(text),
        }
    };
    let mut value = if whole {
        let sealed = seal_with(&k, &text).await?;
        serde_json::json!({ SEALED: sealed })
    } else {
        // What is not a record (damaged text) has no answers to seal: as it is.
        let Ok(mut value) = serde_json::from_str::<Value>(&text) else {
            return Ok(text);
        };
        let Some(secret) = lock::take_secret(&mut value) else {
            return Ok(text);
        };
        let plain =
            serde_json::to_string(&secret).map_err(|e| VaultError::Damaged(e.to_string()))?;
        value[SEALED] = Value::String(seal_with(&k, &plain).await?);
        value
    };
    if by_row {
        value[SEAL_KIND] = Value::String(ROW_SEAL.into());
    }
    Ok(value.to_string())
}

/// The AES-GCM keystream of `len` bytes for `iv` under `key`: the encryption of zeros
/// (GCM is counter mode; its tag is left out).
async fn keystream(key: &CryptoKey, iv: &[u8], len: usize) -> Result<Vec<u8>, VaultError> {
    let params = object(&[
        ("name", "AES-GCM".into()),
        ("iv", Uint8Array::from(iv).into()),
    ])?;
    let zeros = vec![0u8; len];
    let promise = subtle()?
        .encrypt_with_object_and_u8_array(&params, key, &zeros)
        .map_err(unavailable)?;
    let mut out = Uint8Array::new(&JsFuture::from(promise).await.map_err(unavailable)?).to_vec();
    out.truncate(len);
    Ok(out)
}

/// Prepares what [`seal_on_exit`] needs for draft `id` of up to `len` bytes: WebCrypto
/// cannot seal synchronously, and a page being left runs only synchronous code. A pad is
/// used once; a longer draft needs a new one.
pub async fn prepare_exit_pad(id: &str, len: usize) {
    if !row_keys_available().await {
        return;
    }
    if EXIT_PADS.with(|p| p.borrow().get(id).is_some_and(|(_, k)| k.len() >= len)) {
        return;
    }
    let made = async {
        let key = row_key(id, true).await?;
        let iv = random(IV_LEN)?;
        let stream = keystream(&key, &iv, len).await?;
        Ok::<_, VaultError>((iv, stream))
    };
    match made.await {
        Ok(pad) => EXIT_PADS.with(|p| {
            p.borrow_mut().insert(id.to_owned(), pad);
        }),
        Err(e) => leptos::logging::warn!("preparing a draft's exit copy: {e}"),
    }
}

/// `text` (draft `id`) sealed synchronously with its prepared pad, which is used up:
/// `{"pad": iv, "ct": …}` (base64). `None` without a long enough pad.
pub fn seal_on_exit(id: &str, text: &str) -> Option<String> {
    let (iv, stream) = EXIT_PADS.with(|p| p.borrow_mut().remove(id))?;
    if stream.len() < text.len() {
        return None;
    }
    let ct: Vec<u8> = text.bytes().zip(stream).map(|(a, b)| a ^ b).collect();
    Some(serde_json::json!({ "pad": STANDARD.encode(iv), "ct": STANDARD.encode(ct) }).to_string())
}

/// Whether a kept copy is one [`seal_on_exit`] made.
pub fn is_exit_copy(text: &str) -> bool {
    text.contains("\"pad\"")
        && serde_json::from_str::<Value>(text)
            .is_ok_and(|v| v.get("pad").is_some_and(Value::is_string) && v.get("ct").is_some())
}

/// Opens what [`seal_on_exit`] sealed for draft `id`.
pub async fn open_exit_copy(id: &str, text: &str) -> Result<String, VaultError> {
    let v: Value = serde_json::from_str(text).map_err(|e| VaultError::Damaged(e.to_string()))?;
    let field = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .and_then(|t| STANDARD.decode(t).ok())
            .ok_or_else(|| VaultError::Damaged(format!("no {k}")))
    };
    let (iv, ct) = (field("pad")?, field("ct")?);
    let key = row_key(id, false).await?;
    let stream = keystream(&key, &iv, ct.len()).await?;
    let plain: Vec<u8> = ct.iter().zip(stream).map(|(a, b)| a ^ b).collect();
    String::from_utf8(plain).map_err(|e| VaultError::Damaged(e.to_string()))
}

/// Whether `store`/`key` holds a plan's text: the plans store, and editors' unsaved texts
/// in `meta`.
pub fn is_plan_text(store: &str, key: &str) -> bool {
    store == keys::IDB_PLANS || (store == keys::IDB_META && key.starts_with(keys::PLAN_EDIT_PREFIX))
}

/// A stored value's text with its sealed parts opened (an unsealed one as it is); `id` is
/// its key in the store, `whole` says it is a draft.
pub async fn open(id: &str, text: String, whole: bool) -> Result<String, VaultError> {
    let mut value: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(_) => return Ok(text), // damaged: decoding reports it
    };
    let Some(sealed) = lock::sealed_text(&value).map(str::to_owned) else {
        return Ok(text);
    };
    let k = if lock::is_row_sealed(&value) {
        row_key(id, false).await?
    } else {
        key()?.ok_or(VaultError::Locked)?
    };
    let plain = open_with(&k, &sealed).await?;
    if whole {
        return Ok(plain);
    }
    let secret: Secret =
        serde_json::from_str(&plain).map_err(|e| VaultError::Damaged(e.to_string()))?;
    if let Some(obj) = value.as_object_mut() {
        obj.remove(SEAL_KIND);
    }
    lock::put_secret(&mut value, secret);
    Ok(value.to_string())
}

/// Whether a stored value is sealed.
pub fn is_sealed(text: &str) -> bool {
    lock::may_be_sealed(text)
        && serde_json::from_str::<Value>(text).is_ok_and(|v| lock::sealed_text(&v).is_some())
}

/// Stored `(key, text)` rows with sealed ones opened: records (`whole == false`) or
/// drafts. A row that cannot be opened carries the error and its raw text.
///
/// Rows are opened a slice at a time, the rows of a slice at once: each reads its key file,
/// and the browser answers those reads together rather than one after the other.
pub async fn open_rows(
    rows: Vec<(String, String)>,
    whole: bool,
) -> Vec<(String, Result<String, (VaultError, String)>)> {
    const AT_ONCE: usize = 64;
    let mut out = Vec::with_capacity(rows.len());
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let slice: Vec<(String, String)> = rows.by_ref().take(AT_ONCE).collect();
        let opened = futures::future::join_all(slice.into_iter().map(|(key, text)| async move {
            // The others are parsed once, by the opening (which passes an unsealed value
            // through as it is).
            if !lock::may_be_sealed(&text) {
                return (key, Ok(text));
            }
            let opened = open(&key, text.clone(), whole).await;
            (key, opened.map_err(|e| (e, text)))
        }))
        .await;
        out.extend(opened);
    }
    out
}
