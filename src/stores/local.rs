//! Local storage (through gloo-storage): typed reads, verified writes, typed errors.
//!
//! Every call goes through [`LocalStore`], obtained with [`LocalStore::open`], which first
//! proves that storage exists and is writable: gloo-storage itself panics when it is absent.

use gloo_storage::{errors::StorageError as GlooError, LocalStorage, Storage};
use serde::{de::DeserializeOwned, Serialize};
use serde_json::value::RawValue;
use thiserror::Error;

use vigie_core::i18n::Msg;

/// Key written and removed by [`LocalStore::open`] to prove storage is writable.
use vigie_core::keys::PROBE as PROBE_KEY;

/// What can go wrong with local storage.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StorageError {
    /// No `localStorage` (disabled, private mode on an old browser, a sandboxed frame).
    #[error("local storage is unavailable: {0}")]
    Unavailable(String),
    /// The origin's quota is used up; nothing was written.
    #[error("storage quota exceeded while writing {key}")]
    QuotaExceeded {
        /// Key whose write was refused.
        key: String,
    },
    /// The browser refused the write for another reason.
    #[error("writing {key} failed: {reason}")]
    WriteFailed {
        /// Key whose write failed.
        key: String,
        /// The browser's explanation.
        reason: String,
    },
    /// The value read back after a write differs from what was written.
    #[error("{key} reads back different from what was written")]
    VerifyFailed {
        /// Key that failed verification.
        key: String,
    },
    /// The browser refused a read.
    #[error("reading {key} failed: {reason}")]
    ReadFailed {
        /// Key whose read failed.
        key: String,
        /// The browser's explanation.
        reason: String,
    },
    /// A stored value is not valid JSON for the expected type.
    #[error("{key} could not be decoded: {reason}")]
    Decode {
        /// Key holding the undecodable value.
        key: String,
        /// The decoder's explanation.
        reason: String,
    },
    /// A value could not be turned into JSON (a bug, not a user error).
    #[error("{key} could not be encoded: {reason}")]
    Encode {
        /// Key being written.
        key: String,
        /// The encoder's explanation.
        reason: String,
    },
}

impl StorageError {
    /// The catalogue message to show the user.
    pub fn user_message(&self) -> Msg {
        match self {
            StorageError::Unavailable(_) => Msg::StorageUnavailable,
            StorageError::QuotaExceeded { .. } => Msg::StorageFull,
            StorageError::Decode { .. } => Msg::StorageCorrupt,
            StorageError::WriteFailed { .. }
            | StorageError::VerifyFailed { .. }
            | StorageError::ReadFailed { .. }
            | StorageError::Encode { .. } => Msg::StorageWriteFailed,
        }
    }
}

/// Browsers name the quota error differently; Chromium and Safari use the standard name,
/// old Firefox its own.
fn is_quota_error(name: &str, message: &str) -> bool {
    name == "QuotaExceededError"
        || name == "NS_ERROR_DOM_QUOTA_REACHED"
        || message.to_ascii_lowercase().contains("quota")
}

fn classify_write(key: &str, err: GlooError) -> StorageError {
    match err {
        GlooError::JsError(js) if is_quota_error(&js.name, &js.message) => {
            StorageError::QuotaExceeded {
                key: key.to_owned(),
            }
        }
        GlooError::JsError(js) => StorageError::WriteFailed {
            key: key.to_owned(),
            reason: format!("{}: {}", js.name, js.message),
        },
        GlooError::SerdeError(e) => StorageError::Encode {
            key: key.to_owned(),
            reason: e.to_string(),
        },
        GlooError::KeyNotFound(_) => StorageError::WriteFailed {
            key: key.to_owned(),
            reason: "key not found".to_owned(),
        },
    }
}

thread_local! {
    /// Whether `localStorage` has accepted a write since the page loaded.
    static PROVEN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Handle on the origin's `localStorage`, proven usable.
#[derive(Debug, Clone, Copy)]
pub struct LocalStore {
    _proven: (),
}

impl LocalStore {
    /// Checks that `localStorage` exists and accepts a write, then hands out the store.
    pub fn open() -> Result<Self, StorageError> {
        let window =
            web_sys::window().ok_or_else(|| StorageError::Unavailable("no window".to_owned()))?;
        match window.local_storage() {
            Ok(Some(_)) => {}
            Ok(None) => return Err(StorageError::Unavailable("no localStorage".to_owned())),
            Err(e) => return Err(StorageError::Unavailable(crate::browser::js_text(&e))),
        }
        let store = LocalStore { _proven: () };
        // Proven once per page: the probe is a write and a removal (each seen by the other
        // tabs as a storage event), and start-up opens the store several times.
        if PROVEN.get() {
            return Ok(store);
        }
        // A full disk must not make the app unusable for reading: only Unavailable is fatal.
        match store.set_raw(PROBE_KEY, "1") {
            Ok(()) | Err(StorageError::QuotaExceeded { .. }) => {}
            Err(e) => return Err(StorageError::Unavailable(e.to_string())),
        }
        store.remove(PROBE_KEY);
        PROVEN.set(true);
        Ok(store)
    }

    /// The raw text under `key`, if any.
    pub fn get_raw(&self, key: &str) -> Result<Option<String>, StorageError> {
        LocalStorage::raw()
            .get_item(key)
            .map_err(|e| StorageError::ReadFailed {
                key: key.to_owned(),
                reason: crate::browser::js_text(&e),
            })
    }

    /// The value under `key` decoded as `T`; `Ok(None)` when absent.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StorageError> {
        match LocalStorage::get::<T>(key) {
            Ok(v) => Ok(Some(v)),
            Err(GlooError::KeyNotFound(_)) => Ok(None),
            Err(GlooError::SerdeError(e)) => Err(StorageError::Decode {
                key: key.to_owned(),
                reason: e.to_string(),
            }),
            Err(GlooError::JsError(js)) => Err(StorageError::ReadFailed {
                key: key.to_owned(),
                reason: format!("{}: {}", js.name, js.message),
            }),
        }
    }

    /// Writes `json` (already JSON text) under `key` and reads it back to prove it landed.
    pub fn set_raw(&self, key: &str, json: &str) -> Result<(), StorageError> {
        let raw = RawValue::from_string(json.to_owned()).map_err(|e| StorageError::Encode {
            key: key.to_owned(),
            reason: e.to_string(),
        })?;
        LocalStorage::set(key, &raw).map_err(|e| classify_write(key, e))?;
        match self.get_raw(key)? {
            Some(back) if back == json => {
                super::durable::written(key, Some(json));
                Ok(())
            }
            _ => Err(StorageError::VerifyFailed {
                key: key.to_owned(),
            }),
        }
    }

    /// Encodes `value` as JSON and writes it under `key`, verified.
    pub fn set<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<(), StorageError> {
        let json = serde_json::to_string(value).map_err(|e| StorageError::Encode {
            key: key.to_owned(),
            reason: e.to_string(),
        })?;
        self.set_raw(key, &json)
    }

    /// Removes `key`; removing an absent key is not an error.
    pub fn remove(&self, key: &str) {
        LocalStorage::delete(key);
        super::durable::written(key, None);
    }

    /// Every key that starts with `prefix`.
    pub fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let raw = LocalStorage::raw();
        let len = raw.length().map_err(|e| StorageError::ReadFailed {
            key: prefix.to_owned(),
            reason: crate::browser::js_text(&e),
        })?;
        let mut keys = Vec::new();
        for i in 0..len {
            if let Ok(Some(k)) = raw.key(i) {
                if k.starts_with(prefix) {
                    keys.push(k);
                }
            }
        }
        Ok(keys)
    }

    /// Bytes used by keys under `prefix`, counted as the browser does (UTF-16 code units × 2).
    pub fn used_bytes(&self, prefix: &str) -> Result<usize, StorageError> {
        let mut total = 0;
        for key in self.keys_with_prefix(prefix)? {
            let value = self.get_raw(&key)?.unwrap_or_default();
            total += (key.encode_utf16().count() + value.encode_utf16().count()) * 2;
        }
        Ok(total)
    }
}

/// Asks the browser not to evict our storage under pressure (`navigator.storage.persist()`).
/// Best effort: the answer is only logged; browsers decide by their own rules.
pub fn request_persistence() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let storage = window.navigator().storage();
    if let Ok(promise) = storage.persist() {
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = wasm_bindgen_futures::JsFuture::from(promise).await {
                leptos::logging::warn!("storage.persist: {e:?}");
            }
        });
    }
}

/// `(usage, quota)` in bytes from `navigator.storage.estimate()`, where the browser has it.
pub async fn estimate() -> Option<(f64, f64)> {
    let storage = web_sys::window()?.navigator().storage();
    let promise = storage.estimate().ok()?;
    let value = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    let get = |k: &str| {
        js_sys::Reflect::get(&value, &k.into())
            .ok()
            .and_then(|v| v.as_f64())
    };
    Some((get("usage")?, get("quota")?))
}

/// Whether the browser granted persistent storage (`navigator.storage.persisted()`): then
/// it will not evict the app's data under disk pressure. `None` where it cannot tell.
pub async fn persisted() -> Option<bool> {
    let storage = web_sys::window()?.navigator().storage();
    let promise = storage.persisted().ok()?;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .ok()?
        .as_bool()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_errors_are_recognised_across_browsers() {
        assert!(is_quota_error("QuotaExceededError", ""));
        assert!(is_quota_error("NS_ERROR_DOM_QUOTA_REACHED", ""));
        assert!(is_quota_error("Error", "The quota has been exceeded."));
        assert!(!is_quota_error(
            "SecurityError",
            "The operation is insecure."
        ));
    }

    #[test]
    fn every_error_maps_to_a_user_message() {
        let full = StorageError::QuotaExceeded { key: "k".into() };
        assert_eq!(full.user_message(), Msg::StorageFull);
        let gone = StorageError::Unavailable("x".into());
        assert_eq!(gone.user_message(), Msg::StorageUnavailable);
        let bad = StorageError::Decode {
            key: "k".into(),
            reason: "r".into(),
        };
        assert_eq!(bad.user_message(), Msg::StorageCorrupt);
    }
}
