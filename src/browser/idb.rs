//! IndexedDB, the store that survives a browser kill: a thin adapter over web-sys.
//!
//! Every write is one transaction opened with `durability: "strict"`, and resolves only on
//! its `complete` event, when the data is on disk: only then may the app say "Enregistré".
//! Values are JSON text, keys are strings (record and draft ids), so the service worker
//! (`public/sw-outbox.js`) reads the same data without any Rust.
//!
//! Stores: `outbox` (records not yet delivered, by id), `receipts` (delivered records'
//! receipts, keyed newest first: see `OutboxEntry::receipt_key`), `drafts` (one draft per
//! id), `meta` (settings mirrored for the service worker, migration marks, receipt counts
//! per month), `plans`.

use std::cell::RefCell;

use js_sys::{Array, Function, Object, Promise, Reflect};
use thiserror::Error;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbFactory, IdbOpenDbRequest, IdbRequest, IdbTransaction};

// The database and its stores, shared with the service worker (core::keys).
pub use vigie_core::keys::{
    IDB_DRAFTS as DRAFTS, IDB_META as META, IDB_NAME as DB_NAME, IDB_OUTBOX as OUTBOX,
    IDB_PLANS as PLANS, IDB_RECEIPTS as RECEIPTS, IDB_VERSION as DB_VERSION,
};

/// Why IndexedDB did not do what was asked.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum IdbError {
    /// No IndexedDB (private mode in some browsers, a very old one), or it refused to open.
    #[error("IndexedDB is unavailable: {0}")]
    Unavailable(String),
    /// The disk or the origin's quota is full: nothing was written.
    #[error("storage is full")]
    QuotaExceeded,
    /// A write failed for another reason: nothing was written.
    #[error("the write failed: {0}")]
    WriteFailed(String),
    /// A read failed.
    #[error("the read failed: {0}")]
    ReadFailed(String),
    /// A PIN is set and a value could not be sealed (the app is locked, or WebCrypto
    /// failed): nothing was written rather than writing it readable.
    #[error("cannot seal: {0}")]
    Sealing(String),
}

/// One change inside a write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Stores `value` under `key` in `store`.
    Put {
        /// Object store.
        store: &'static str,
        /// Key.
        key: String,
        /// JSON text.
        value: String,
    },
    /// Removes `key` from `store`.
    Delete {
        /// Object store.
        store: &'static str,
        /// Key.
        key: String,
    },
}

impl Op {
    fn store(&self) -> &'static str {
        match self {
            Op::Put { store, .. } | Op::Delete { store, .. } => store,
        }
    }
}

thread_local! {
    static OPEN: RefCell<Option<IdbDatabase>> = const { RefCell::new(None) };
}

fn factory() -> Result<IdbFactory, IdbError> {
    let global = js_sys::global();
    let f = Reflect::get(&global, &JsValue::from_str("indexedDB"))
        .map_err(|e| IdbError::Unavailable(super::js_text(&e)))?;
    f.dyn_into::<IdbFactory>()
        .map_err(|_| IdbError::Unavailable("no indexedDB".into()))
}

/// A promise settled by `target`'s success (or complete) and error events.
fn settled(on_ok: impl FnOnce(&Function), on_err: impl FnOnce(&Function)) -> Promise {
    let mut on_ok = Some(on_ok);
    let mut on_err = Some(on_err);
    Promise::new(&mut |resolve, reject| {
        if let Some(f) = on_ok.take() {
            f(&resolve);
        }
        if let Some(f) = on_err.take() {
            f(&reject);
        }
    })
}

/// The error an IndexedDB request or transaction carries, classified.
fn classify(error: Option<web_sys::DomException>, write: bool) -> IdbError {
    let (name, text) = error.map_or_else(
        || (String::new(), "aborted".to_owned()),
        |e| (e.name(), format!("{}: {}", e.name(), e.message())),
    );
    match (name.as_str(), write) {
        ("QuotaExceededError", _) => IdbError::QuotaExceeded,
        (_, true) => IdbError::WriteFailed(text),
        (_, false) => IdbError::ReadFailed(text),
    }
}

async fn request(req: &IdbRequest, write: bool) -> Result<JsValue, IdbError> {
    // Already settled (its event may have been dispatched before this was awaited): read it.
    if req.ready_state() == web_sys::IdbRequestReadyState::Done {
        return match req.error() {
            Ok(Some(e)) => Err(classify(Some(e), write)),
            _ => req
                .result()
                .map_err(|e| IdbError::ReadFailed(super::js_text(&e))),
        };
    }
    let promise = settled(
        |ok| req.set_onsuccess(Some(ok)),
        |err| req.set_onerror(Some(err)),
    );
    match JsFuture::from(promise).await {
        Ok(_) => req
            .result()
            .map_err(|e| IdbError::ReadFailed(super::js_text(&e))),
        Err(_) => Err(classify(req.error().ok().flatten(), write)),
    }
}

/// Resolves when `tx` has committed (for a strict write: is on disk).
async fn committed(tx: &IdbTransaction) -> Result<(), IdbError> {
    let promise = settled(
        |ok| tx.set_oncomplete(Some(ok)),
        |err| {
            tx.set_onerror(Some(err));
            tx.set_onabort(Some(err));
        },
    );
    JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|_| classify(tx.error(), true))
}

fn upgrade(db: &IdbDatabase) {
    let names = db.object_store_names();
    for store in [OUTBOX, DRAFTS, META, PLANS, RECEIPTS] {
        if !names.contains(store) {
            // The upgrade transaction fails as a whole if this fails; open() reports it.
            let _ = db.create_object_store(store);
        }
    }
}

async fn open() -> Result<IdbDatabase, IdbError> {
    let req: IdbOpenDbRequest = factory()?
        .open_with_u32(DB_NAME, DB_VERSION)
        .map_err(|e| IdbError::Unavailable(super::js_text(&e)))?;
    let on_upgrade = Closure::<dyn FnMut(JsValue)>::new({
        let req = req.clone();
        move |_| {
            if let Ok(db) = req.result().and_then(|r| r.dyn_into::<IdbDatabase>()) {
                upgrade(&db);
            }
        }
    });
    req.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
    let result = request(&req, false).await;
    req.set_onupgradeneeded(None);
    drop(on_upgrade);
    let db: IdbDatabase = result
        .map_err(|e| match e {
            // A full disk at start: the database cannot write its log. Said as such.
            IdbError::QuotaExceeded => IdbError::QuotaExceeded,
            e => IdbError::Unavailable(e.to_string()),
        })?
        .dyn_into()
        .map_err(|_| IdbError::Unavailable("not a database".into()))?;
    // A newer version of the app in another tab needs this connection closed to upgrade.
    let closing = Closure::<dyn FnMut(JsValue)>::new({
        let db = db.clone();
        move |_| {
            db.close();
            OPEN.with(|o| o.borrow_mut().take());
        }
    });
    db.set_onversionchange(Some(closing.as_ref().unchecked_ref()));
    closing.forget();
    Ok(db)
}

/// The open database (opened once per page or worker).
pub async fn db() -> Result<IdbDatabase, IdbError> {
    if let Some(db) = OPEN.with(|o| o.borrow().clone()) {
        return Ok(db);
    }
    let db = open().await?;
    OPEN.with(|o| *o.borrow_mut() = Some(db.clone()));
    Ok(db)
}

/// A transaction over `stores`; `strict` asks for a write that is on disk at `complete`.
fn transaction(db: &IdbDatabase, stores: &[&str], write: bool) -> Result<IdbTransaction, IdbError> {
    let names: Array = stores.iter().map(|s| JsValue::from_str(s)).collect();
    let mode = JsValue::from_str(if write { "readwrite" } else { "readonly" });
    let options = Object::new();
    if write {
        // Not in web-sys' stable API; a browser without it ignores the option.
        let _ = Reflect::set(&options, &"durability".into(), &"strict".into());
    }
    let method: Function = Reflect::get(db, &"transaction".into())
        .and_then(|m| m.dyn_into::<Function>())
        .map_err(|e| IdbError::Unavailable(super::js_text(&e)))?;
    let fail = |e: JsValue| {
        if write {
            IdbError::WriteFailed(super::js_text(&e))
        } else {
            IdbError::ReadFailed(super::js_text(&e))
        }
    };
    method
        .call3(db, &names, &mode, &options)
        .map_err(fail)?
        .dyn_into()
        .map_err(fail)
}

/// Opens the strict transaction for `ops` and queues them; the future resolves once it has
/// committed. (Not usable while the page unloads: Chromium aborts such transactions, which
/// is why drafts are rescued through localStorage on `pagehide`.)
fn begin(
    db: &IdbDatabase,
    ops: &[Op],
) -> Result<impl std::future::Future<Output = Result<(), IdbError>>, IdbError> {
    let mut stores: Vec<&str> = ops.iter().map(Op::store).collect();
    stores.sort_unstable();
    stores.dedup();
    let tx = transaction(db, &stores, true)?;
    let promise = settled(
        |ok| tx.set_oncomplete(Some(ok)),
        |err| {
            tx.set_onerror(Some(err));
            tx.set_onabort(Some(err));
        },
    );
    for op in ops {
        let queued = tx.object_store(op.store()).and_then(|store| match op {
            Op::Put { key, value, .. } => {
                store.put_with_key(&JsValue::from_str(value), &JsValue::from_str(key))
            }
            Op::Delete { key, .. } => store.delete(&JsValue::from_str(key)),
        });
        if let Err(e) = queued {
            let _ = tx.abort();
            let text = super::js_text(&e);
            return Err(if text.starts_with("QuotaExceededError") {
                IdbError::QuotaExceeded
            } else {
                IdbError::WriteFailed(text)
            });
        }
    }
    Ok(async move {
        JsFuture::from(promise)
            .await
            .map(|_| ())
            .map_err(|_| classify(tx.error(), true))
    })
}

/// Applies `ops` in one strict transaction: all or none, `Ok` once on disk. Drafts and
/// records are sealed first, each with its own key, and receipts with the PIN's key when
/// one is set (see `vault`): every write of them passes here, so none can be stored
/// readable by mistake. Once the transaction is on disk, the keys of the drafts and
/// records it deleted (and did not write again) are deleted too.
pub fn write(
    ops: &[Op],
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), IdbError>> + '_>> {
    // Boxed: every caller awaits the one compiled body (its future inlined into each
    // caller's made the wasm several kilobytes larger per call site).
    Box::pin(write_now(ops))
}

async fn write_now(ops: &[Op]) -> Result<(), IdbError> {
    if ops.is_empty() {
        return Ok(());
    }
    let sealed = seal(ops).await?;
    let db = db().await?;
    begin(&db, &sealed)?.await?;
    super::vault::forget(&gone(ops)).await;
    Ok(())
}

/// The draft and record ids that `ops` delete without writing them again under either
/// store (a record reopened as a draft keeps its key).
fn gone(ops: &[Op]) -> Vec<String> {
    let sealed_store = |s: &str| s == OUTBOX || s == DRAFTS;
    let mut out: Vec<String> = ops
        .iter()
        .filter_map(|op| match op {
            Op::Delete { store, key } if sealed_store(store) => Some(key.clone()),
            _ => None,
        })
        .filter(|k| {
            !ops.iter().any(
                |op| matches!(op, Op::Put { store, key, .. } if sealed_store(store) && key == k),
            )
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

async fn seal(ops: &[Op]) -> Result<Vec<Op>, IdbError> {
    let mut out = Vec::with_capacity(ops.len());
    for op in ops {
        out.push(match op {
            Op::Put { store, key, value }
                if [OUTBOX, RECEIPTS, DRAFTS].contains(store)
                    || super::vault::is_plan_text(store, key) =>
            {
                let value = super::vault::seal(store, key, value.clone())
                    .await
                    .map_err(|e| match e {
                        super::vault::VaultError::KeyFile(t) if t.contains("QuotaExceeded") => {
                            IdbError::QuotaExceeded
                        }
                        e => IdbError::Sealing(e.to_string()),
                    })?;
                Op::Put {
                    store,
                    key: key.clone(),
                    value,
                }
            }
            other => other.clone(),
        });
    }
    Ok(out)
}

/// Every key of `store` (no values).
pub async fn keys(store: &str) -> Result<Vec<String>, IdbError> {
    let db = db().await?;
    let tx = transaction(&db, &[store], false)?;
    let req = tx
        .object_store(store)
        .and_then(|s| s.get_all_keys())
        .map_err(|e| IdbError::ReadFailed(super::js_text(&e)))?;
    let keys: Array = request(&req, false).await?.unchecked_into();
    Ok(keys.iter().filter_map(|k| k.as_string()).collect())
}

/// The value under `key` in `store`.
pub async fn get(store: &str, key: &str) -> Result<Option<String>, IdbError> {
    let db = db().await?;
    let tx = transaction(&db, &[store], false)?;
    let req = tx
        .object_store(store)
        .and_then(|s| s.get(&JsValue::from_str(key)))
        .map_err(|e| IdbError::ReadFailed(super::js_text(&e)))?;
    Ok(request(&req, false).await?.as_string())
}

/// Every `(key, value)` of `store`, in key order, read in one transaction.
pub async fn get_all(store: &str) -> Result<Vec<(String, String)>, IdbError> {
    read_range(store, Start::First, None).await
}

/// Up to `limit` `(key, value)` of `store` in key order, starting after `after` (or at
/// `from`, inclusive), read in one transaction: one page of a long list.
pub async fn get_page(
    store: &str,
    start: Start<'_>,
    limit: u32,
) -> Result<Vec<(String, String)>, IdbError> {
    read_range(store, start, Some(limit)).await
}

async fn read_range(
    store: &str,
    start: Start<'_>,
    limit: Option<u32>,
) -> Result<Vec<(String, String)>, IdbError> {
    match read_many(&[Read::Range {
        store,
        start,
        limit,
    }])
    .await?
    .pop()
    {
        Some(Found::Rows(rows)) => Ok(rows),
        _ => Ok(Vec::new()),
    }
}

/// One read inside [`read_many`].
#[derive(Clone, Copy, Debug)]
pub enum Read<'a> {
    /// Up to `limit` `(key, value)` of `store` in key order from `start`.
    Range {
        /// Object store.
        store: &'a str,
        /// Where to start.
        start: Start<'a>,
        /// At most this many (all if `None`).
        limit: Option<u32>,
    },
    /// How many values `store` holds.
    Count(&'a str),
}

/// What one [`Read`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// Rows of a [`Read::Range`].
    Rows(Vec<(String, String)>),
    /// The number of a [`Read::Count`].
    Count(usize),
}

/// The requests of one read: queued together, awaited after.
enum Queued {
    Range(IdbRequest, IdbRequest),
    Count(IdbRequest),
}

/// Runs `reads` in one readonly transaction, so that together they see one state of the
/// database: a write that commits meanwhile is in all of them or in none (a list of
/// records to send and the receipts next to it never disagree).
pub fn read_many<'a>(
    reads: &'a [Read<'a>],
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Vec<Found>, IdbError>> + 'a>> {
    // Boxed, as `write`: one compiled body for every caller.
    Box::pin(read_many_now(reads))
}

async fn read_many_now(reads: &[Read<'_>]) -> Result<Vec<Found>, IdbError> {
    let mut stores: Vec<&str> = reads
        .iter()
        .map(|r| match r {
            Read::Range { store, .. } | Read::Count(store) => *store,
        })
        .collect();
    stores.sort_unstable();
    stores.dedup();
    if stores.is_empty() {
        return Ok(Vec::new());
    }
    let db = db().await?;
    let tx = transaction(&db, &stores, false)?;
    let fail = |e: JsValue| IdbError::ReadFailed(super::js_text(&e));
    // Every request is queued before the first is awaited: the transaction stays active
    // until the last one has answered.
    let mut queued = Vec::with_capacity(reads.len());
    for read in reads {
        queued.push(match *read {
            Read::Range {
                store,
                start,
                limit,
            } => {
                let os = tx.object_store(store).map_err(fail)?;
                let range: JsValue = match start {
                    Start::First => JsValue::NULL,
                    Start::After(k) => web_sys::IdbKeyRange::lower_bound_with_open(&k.into(), true)
                        .map_err(fail)?
                        .into(),
                    Start::At(k) => web_sys::IdbKeyRange::lower_bound(&k.into())
                        .map_err(fail)?
                        .into(),
                };
                let (keys, values) = match limit {
                    Some(n) => (
                        os.get_all_keys_with_key_and_limit(&range, n),
                        os.get_all_with_key_and_limit(&range, n),
                    ),
                    None => (
                        os.get_all_keys_with_key(&range),
                        os.get_all_with_key(&range),
                    ),
                };
                Queued::Range(keys.map_err(fail)?, values.map_err(fail)?)
            }
            Read::Count(store) => Queued::Count(
                tx.object_store(store)
                    .and_then(|s| s.count())
                    .map_err(fail)?,
            ),
        });
    }
    let mut found = Vec::with_capacity(queued.len());
    for q in queued {
        found.push(match q {
            Queued::Range(keys, values) => {
                let keys: Array = request(&keys, false).await?.unchecked_into();
                let values: Array = request(&values, false).await?.unchecked_into();
                // Copied into the app a slice at a time: thousands of records must not hold
                // up a tap (a save waiting behind the outbox being read at start-up).
                let mut rows = Vec::with_capacity(keys.length() as usize);
                for (i, (k, v)) in keys.iter().zip(values.iter()).enumerate() {
                    if i > 0 && i % super::clock::ROWS_PER_SLICE == 0 {
                        super::clock::yield_to_input().await;
                    }
                    if let Some(k) = k.as_string() {
                        rows.push((k, v.as_string().unwrap_or_default()));
                    }
                }
                Found::Rows(rows)
            }
            Queued::Count(req) => {
                Found::Count(request(&req, false).await?.as_f64().unwrap_or(0.0) as usize)
            }
        });
    }
    Ok(found)
}

/// Where [`get_page`] starts.
#[derive(Clone, Copy, Debug)]
pub enum Start<'a> {
    /// At the first key.
    First,
    /// After this key.
    After(&'a str),
    /// At this key or the next one.
    At(&'a str),
}

/// How many values `store` holds (without reading them).
pub async fn count(store: &str) -> Result<usize, IdbError> {
    match read_many(&[Read::Count(store)]).await?.pop() {
        Some(Found::Count(n)) => Ok(n),
        _ => Ok(0),
    }
}

/// Removes everything from `store` (tests and the user's "erase this phone's data").
pub async fn clear(store: &'static str) -> Result<(), IdbError> {
    let db = db().await?;
    let tx = transaction(&db, &[store], true)?;
    let done = committed(&tx);
    tx.object_store(store)
        .and_then(|s| s.clear())
        .map_err(|e| IdbError::WriteFailed(super::js_text(&e)))?;
    done.await
}
