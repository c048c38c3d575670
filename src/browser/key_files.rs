//! One small file per key in the origin-private file system (OPFS), folder `vigie-keys`:
//! where the vault keeps each draft's and record's own key.
//!
//! Why files and not IndexedDB or localStorage: both are LevelDB logs in the browser
//! profile, where a deleted value stays readable until a compaction nobody controls. An
//! OPFS file is a file of its own in the profile: replacing it writes a new file and
//! removes the old one, and deleting it unlinks it. So deleting a record's key file really
//! makes the sealed copies of that record left in IndexedDB's log unreadable.
//!
//! The service worker reads the same folder (`public/sw-outbox.js`).

use js_sys::{Function, Object, Reflect};
use thiserror::Error;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The folder's name.
pub const FOLDER: &str = "vigie-keys";

/// Why a key file could not be used.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum KeyFileError {
    /// No origin-private file system here (an older or private-mode browser).
    #[error("no origin-private file system: {0}")]
    Unavailable(String),
    /// No such file.
    #[error("no key file '{0}'")]
    Missing(String),
    /// Reading or writing failed (a full disk among others).
    #[error("key file: {0}")]
    Failed(String),
}

fn failed(e: JsValue) -> KeyFileError {
    KeyFileError::Failed(super::js_text(&e))
}

/// Calls `target.name(args…)` and awaits the promise it returns.
async fn call(target: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = Reflect::get(target, &name.into())?.dyn_into()?;
    let promise = match args {
        [] => f.call0(target)?,
        [a] => f.call1(target, a)?,
        [a, b] => f.call2(target, a, b)?,
        _ => return Err("too many arguments".into()),
    };
    JsFuture::from(js_sys::Promise::resolve(&promise)).await
}

fn create_option() -> Result<JsValue, KeyFileError> {
    let o = Object::new();
    Reflect::set(&o, &"create".into(), &true.into()).map_err(failed)?;
    Ok(o.into())
}

thread_local! {
    /// The folder's handle, once opened.
    static FOLDER_HANDLE: std::cell::RefCell<Option<JsValue>> = const { std::cell::RefCell::new(None) };
}

/// The `vigie-keys` folder, created if needed (opened once per page).
async fn folder() -> Result<JsValue, KeyFileError> {
    if let Some(dir) = FOLDER_HANDLE.with(|f| f.borrow().clone()) {
        return Ok(dir);
    }
    let dir = open_folder().await?;
    FOLDER_HANDLE.with(|f| *f.borrow_mut() = Some(dir.clone()));
    Ok(dir)
}

async fn open_folder() -> Result<JsValue, KeyFileError> {
    let navigator = Reflect::get(&js_sys::global(), &"navigator".into())
        .map_err(|e| KeyFileError::Unavailable(super::js_text(&e)))?;
    let storage = Reflect::get(&navigator, &"storage".into())
        .map_err(|e| KeyFileError::Unavailable(super::js_text(&e)))?;
    if storage.is_undefined()
        || !Reflect::get(&storage, &"getDirectory".into()).is_ok_and(|f| f.is_function())
    {
        return Err(KeyFileError::Unavailable(
            "navigator.storage.getDirectory".into(),
        ));
    }
    let root = call(&storage, "getDirectory", &[])
        .await
        .map_err(|e| KeyFileError::Unavailable(super::js_text(&e)))?;
    call(
        &root,
        "getDirectoryHandle",
        &[FOLDER.into(), create_option()?],
    )
    .await
    .map_err(|e| KeyFileError::Unavailable(super::js_text(&e)))
}

/// Whether key files can be written here: the folder opens and a file can be created and
/// written (`createWritable` is what some browsers lack outside workers).
pub async fn available() -> bool {
    match folder().await {
        Ok(dir) => {
            let probe = ".probe";
            let ok = write_in(&dir, probe, "1").await.is_ok();
            let _ = call(&dir, "removeEntry", &[probe.into()]).await;
            ok
        }
        Err(_) => false,
    }
}

async fn write_in(dir: &JsValue, name: &str, text: &str) -> Result<(), KeyFileError> {
    let file = call(dir, "getFileHandle", &[name.into(), create_option()?])
        .await
        .map_err(failed)?;
    let writable = call(&file, "createWritable", &[]).await.map_err(|e| {
        KeyFileError::Unavailable(format!("createWritable: {}", super::js_text(&e)))
    })?;
    if let Err(e) = call(&writable, "write", &[text.into()]).await {
        let _ = call(&writable, "abort", &[]).await;
        return Err(failed(e));
    }
    // The new content replaces the old file only on close.
    call(&writable, "close", &[]).await.map_err(failed)?;
    Ok(())
}

/// Writes `text` as file `name` (replacing any earlier one); `Ok` once it is written.
pub async fn write(name: &str, text: &str) -> Result<(), KeyFileError> {
    write_in(&folder().await?, name, text).await
}

/// The text of file `name`.
pub async fn read(name: &str) -> Result<String, KeyFileError> {
    let dir = folder().await?;
    let file = match call(&dir, "getFileHandle", &[name.into()]).await {
        Ok(f) => f,
        Err(e) if super::js_text(&e).starts_with("NotFoundError") => {
            return Err(KeyFileError::Missing(name.to_owned()))
        }
        Err(e) => return Err(failed(e)),
    };
    let blob = call(&file, "getFile", &[]).await.map_err(failed)?;
    call(&blob, "text", &[])
        .await
        .map_err(failed)?
        .as_string()
        .ok_or_else(|| KeyFileError::Failed("not text".into()))
}

/// Deletes file `name`; one that is not there is not an error.
pub async fn remove(name: &str) -> Result<(), KeyFileError> {
    let dir = folder().await?;
    match call(&dir, "removeEntry", &[name.into()]).await {
        Ok(_) => Ok(()),
        Err(e) if super::js_text(&e).starts_with("NotFoundError") => Ok(()),
        Err(e) => Err(failed(e)),
    }
}

/// The names of the files in the folder with their last change (ms since the epoch).
pub async fn list() -> Result<Vec<(String, f64)>, KeyFileError> {
    let dir = folder().await?;
    let iter_fn: Function = Reflect::get(&dir, &"values".into())
        .and_then(|f| f.dyn_into())
        .map_err(failed)?;
    let iter = iter_fn.call0(&dir).map_err(failed)?;
    let mut out = Vec::new();
    loop {
        let step = call(&iter, "next", &[]).await.map_err(failed)?;
        if Reflect::get(&step, &"done".into()).is_ok_and(|d| d.is_truthy()) {
            break;
        }
        let handle = Reflect::get(&step, &"value".into()).map_err(failed)?;
        let name = Reflect::get(&handle, &"name".into())
            .ok()
            .and_then(|n| n.as_string())
            .unwrap_or_default();
        let kind = Reflect::get(&handle, &"kind".into())
            .ok()
            .and_then(|n| n.as_string());
        if kind.as_deref() != Some("file") || name.starts_with('.') {
            continue;
        }
        let modified = match call(&handle, "getFile", &[]).await {
            Ok(file) => Reflect::get(&file, &"lastModified".into())
                .ok()
                .and_then(|m| m.as_f64())
                .unwrap_or(0.0),
            Err(_) => 0.0,
        };
        out.push((name, modified));
    }
    Ok(out)
}

/// Deletes the whole folder (erasing the phone's data).
pub async fn remove_all() -> Result<(), KeyFileError> {
    FOLDER_HANDLE.with(|f| f.borrow_mut().take());
    let navigator = Reflect::get(&js_sys::global(), &"navigator".into()).map_err(failed)?;
    let storage = Reflect::get(&navigator, &"storage".into()).map_err(failed)?;
    let root = call(&storage, "getDirectory", &[])
        .await
        .map_err(|e| KeyFileError::Unavailable(super::js_text(&e)))?;
    let options = Object::new();
    Reflect::set(&options, &"recursive".into(), &true.into()).map_err(failed)?;
    match call(&root, "removeEntry", &[FOLDER.into(), options.into()]).await {
        Ok(_) => Ok(()),
        Err(e) if super::js_text(&e).starts_with("NotFoundError") => Ok(()),
        Err(e) => Err(failed(e)),
    }
}
