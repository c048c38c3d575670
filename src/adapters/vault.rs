//! The PIN lock's cryptography, through WebCrypto: PBKDF2-SHA-256 turns the PIN into a
//! non-extractable AES-GCM key, held in memory only while the app is unlocked; stored
//! drafts and records are sealed with it (a fresh 96-bit IV per seal, stored before the
//! ciphertext, base64). The policy (what a PIN may be, what is sealed) is the core's
//! `lock` module.
//!
//! The vault is in one of three modes: no PIN (values are stored as they are), unlocked
//! (values are sealed on write and opened on read) or locked (nothing may be read or
//! written: the app shows only the PIN screen).

use std::cell::RefCell;

use base64::{engine::general_purpose::STANDARD, Engine as _};
use js_sys::{Array, Object, Reflect, Uint8Array};
use serde_json::Value;
use thiserror::Error;
use vigie_core::lock::{self, LockConfig, Secret, SEALED};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Crypto, CryptoKey, SubtleCrypto};

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

thread_local! {
    static MODE: RefCell<Mode> = const { RefCell::new(Mode::Open) };
}

/// Sets the vault's mode (at start from the stored lock, then on unlock, set or removal).
pub fn set_mode(mode: Mode) {
    MODE.with(|m| *m.borrow_mut() = mode);
}

/// Whether a PIN is set and not given.
pub fn is_locked() -> bool {
    MODE.with(|m| matches!(*m.borrow(), Mode::Locked))
}

/// Whether values are sealed on write.
pub fn is_sealing() -> bool {
    MODE.with(|m| matches!(*m.borrow(), Mode::Unlocked(_)))
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

fn random(len: usize) -> Result<Vec<u8>, VaultError> {
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

/// The AES-GCM key PBKDF2 derives from `pin` and `salt`.
pub async fn derive(pin: &str, salt: &[u8], iterations: u32) -> Result<CryptoKey, VaultError> {
    let subtle = subtle()?;
    let raw = Uint8Array::from(pin.as_bytes());
    let pbkdf2 = object(&[("name", "PBKDF2".into())])?;
    let base = subtle
        .import_key_with_object("raw", &raw, &pbkdf2, false, &usages(&["deriveKey"]))
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
    let aes = object(&[("name", "AES-GCM".into()), ("length", 256.into())])?;
    let key = subtle
        .derive_key_with_object_and_object(
            &params,
            &base,
            &aes,
            false,
            &usages(&["encrypt", "decrypt"]),
        )
        .map_err(unavailable)?;
    Ok(JsFuture::from(key)
        .await
        .map_err(unavailable)?
        .unchecked_into())
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

/// A new lock for `pin`: a fresh salt, the key, and the check that proves a PIN right.
pub async fn create(pin: &str) -> Result<(LockConfig, CryptoKey), VaultError> {
    let salt = random(lock::SALT_LEN)?;
    let key = derive(pin, &salt, lock::KDF_ITERATIONS).await?;
    let check = seal_with(&key, lock::CHECK_TEXT).await?;
    Ok((
        LockConfig {
            salt: STANDARD.encode(salt),
            iterations: lock::KDF_ITERATIONS,
            check,
            failed: 0,
        },
        key,
    ))
}

/// The key if `pin` is the lock's PIN, [`VaultError::WrongPin`] otherwise.
pub async fn unlock(config: &LockConfig, pin: &str) -> Result<CryptoKey, VaultError> {
    let salt = STANDARD
        .decode(&config.salt)
        .map_err(|e| VaultError::Damaged(e.to_string()))?;
    let key = derive(pin, &salt, config.iterations).await?;
    match open_with(&key, &config.check).await {
        Ok(text) if text == lock::CHECK_TEXT => Ok(key),
        Ok(_) | Err(VaultError::WrongPin) => Err(VaultError::WrongPin),
        Err(e) => Err(e),
    }
}

/// What is stored for a record (`{"envelope": …}` as JSON text): with a PIN, its answers
/// and author sealed; without, the text as it is.
pub async fn seal_record(text: String) -> Result<String, VaultError> {
    let Some(key) = key()? else { return Ok(text) };
    let mut value: Value =
        serde_json::from_str(&text).map_err(|e| VaultError::Damaged(e.to_string()))?;
    let Some(secret) = lock::take_secret(&mut value) else {
        return Ok(text);
    };
    let plain = serde_json::to_string(&secret).map_err(|e| VaultError::Damaged(e.to_string()))?;
    value[SEALED] = Value::String(seal_with(&key, &plain).await?);
    Ok(value.to_string())
}

/// A stored record's text with its sealed parts opened (unsealed text as it is).
pub async fn open_record(text: String) -> Result<String, VaultError> {
    let mut value: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(_) => return Ok(text), // damaged: decoding reports it
    };
    let Some(sealed) = lock::sealed_text(&value).map(str::to_owned) else {
        return Ok(text);
    };
    let key = key()?.ok_or(VaultError::Locked)?;
    let plain = open_with(&key, &sealed).await?;
    let secret: Secret =
        serde_json::from_str(&plain).map_err(|e| VaultError::Damaged(e.to_string()))?;
    lock::put_secret(&mut value, secret);
    Ok(value.to_string())
}

/// What is stored for a draft: with a PIN, all of it sealed (`{"sealed": …}`).
pub async fn seal_whole(text: String) -> Result<String, VaultError> {
    let Some(key) = key()? else { return Ok(text) };
    let sealed = seal_with(&key, &text).await?;
    Ok(serde_json::json!({ SEALED: sealed }).to_string())
}

/// A stored draft's text, opened if sealed.
pub async fn open_whole(text: String) -> Result<String, VaultError> {
    let sealed = match serde_json::from_str::<Value>(&text) {
        Ok(v) => match lock::sealed_text(&v) {
            Some(s) => s.to_owned(),
            None => return Ok(text),
        },
        Err(_) => return Ok(text),
    };
    let key = key()?.ok_or(VaultError::Locked)?;
    open_with(&key, &sealed).await
}

/// Whether a stored value is sealed.
pub fn is_sealed(text: &str) -> bool {
    lock::may_be_sealed(text)
        && serde_json::from_str::<Value>(text).is_ok_and(|v| lock::sealed_text(&v).is_some())
}

/// Stored `(key, text)` rows with sealed ones opened: records (`whole == false`) or
/// drafts. A row that cannot be opened carries the error and its raw text.
pub async fn open_rows(
    rows: Vec<(String, String)>,
    whole: bool,
) -> Vec<(String, Result<String, (VaultError, String)>)> {
    let mut out = Vec::with_capacity(rows.len());
    for (key, text) in rows {
        // The others are parsed once, by the opening (which passes an unsealed value
        // through as it is).
        if !lock::may_be_sealed(&text) {
            out.push((key, Ok(text)));
            continue;
        }
        let opened = if whole {
            open_whole(text.clone()).await
        } else {
            open_record(text.clone()).await
        };
        out.push((key, opened.map_err(|e| (e, text))));
    }
    out
}
