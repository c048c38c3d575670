//! Browser tier: the local-storage adapter in headless Chromium (wasm-bindgen-test).
#![cfg(target_arch = "wasm32")]

use serde::{Deserialize, Serialize};
use vigie::stores::local::{LocalStore, StorageError};
use vigie_core::i18n::{Lang, Msg};
use vigie_core::keys::PREFS as PREFS_KEY;
use vigie_core::prefs::Preferences;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Note {
    id: String,
    text: String,
}

fn clear(prefix: &str) {
    let store = LocalStore::open().expect("storage in the test browser");
    for key in store.keys_with_prefix(prefix).expect("keys") {
        store.remove(&key);
    }
}

#[wasm_bindgen_test]
fn round_trips_typed_values_with_accents() {
    clear("test/rt/");
    let store = LocalStore::open().expect("open");
    let note = Note {
        id: "a1".into(),
        text: "Tension à Kolondiéba — médiation".into(),
    };
    store.set("test/rt/a1", &note).expect("set");
    assert_eq!(store.get::<Note>("test/rt/a1").expect("get"), Some(note));
    assert_eq!(
        store.get::<Note>("test/rt/absent").expect("get absent"),
        None
    );
    assert_eq!(
        store.keys_with_prefix("test/rt/").expect("keys"),
        vec!["test/rt/a1"]
    );
    assert!(store.used_bytes("test/rt/").expect("bytes") > 0);
    store.remove("test/rt/a1");
    assert_eq!(store.get_raw("test/rt/a1").expect("raw"), None);
}

#[wasm_bindgen_test]
fn preferences_round_trip() {
    let store = LocalStore::open().expect("open");
    store
        .set(PREFS_KEY, &Preferences { lang: Lang::En })
        .expect("set");
    let back: Option<Preferences> = store.get(PREFS_KEY).expect("get");
    assert_eq!(back.map(|p| p.lang), Some(Lang::En));
    store.remove(PREFS_KEY);
}

#[wasm_bindgen_test]
fn undecodable_entry_is_a_typed_error_and_is_kept() {
    clear("test/bad/");
    let store = LocalStore::open().expect("open");
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .expect("raw storage")
        .set_item("test/bad/x", "{not json")
        .expect("raw write");
    match store.get::<Note>("test/bad/x") {
        Err(StorageError::Decode { key, .. }) => assert_eq!(key, "test/bad/x"),
        other => panic!("expected Decode, got {other:?}"),
    }
    // The bytes are still there to quarantine or export.
    assert_eq!(
        store.get_raw("test/bad/x").expect("raw").as_deref(),
        Some("{not json")
    );
    clear("test/bad/");
}

#[wasm_bindgen_test]
fn quota_failure_is_a_typed_error_and_nothing_partial_is_stored() {
    clear("test/fill/");
    let store = LocalStore::open().expect("open");
    // Chromium gives an origin about 5 MiB (10 MiB of UTF-16); fill it with 512 KiB chunks.
    let chunk = "x".repeat(512 * 1024);
    let mut quota_hit = None;
    for i in 0..64 {
        match store.set_raw(&format!("test/fill/{i}"), &format!("\"{chunk}\"")) {
            Ok(()) => {}
            Err(e) => {
                quota_hit = Some((i, e));
                break;
            }
        }
    }
    let (i, err) = quota_hit.expect("storage never filled up");
    assert_eq!(
        err,
        StorageError::QuotaExceeded {
            key: format!("test/fill/{i}")
        }
    );
    assert_eq!(err.user_message(), Msg::StorageFull);
    assert_eq!(store.get_raw(&format!("test/fill/{i}")).expect("raw"), None);
    // A small write after freeing space succeeds again: the store is still usable.
    clear("test/fill/");
    store
        .set("test/fill/after", &1)
        .expect("write after freeing space");
    clear("test/fill/");
}

/// What a browser kill does to `localStorage`: the last writes never reach the disk.
fn lose_last_writes(key: &str, earlier: Option<&str>, seq: &str) {
    let ls = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .expect("localStorage");
    match earlier {
        Some(v) => ls.set_item(key, v).expect("set"),
        None => ls.remove_item(key).expect("remove"),
    }
    ls.set_item(vigie_core::keys::DURABLE_SEQ, seq)
        .expect("set");
}

#[wasm_bindgen_test]
async fn durable_values_come_back_after_a_kill_and_newer_local_ones_win() {
    use vigie::stores::durable;
    use vigie_core::keys::{SETTINGS, WELCOMED};
    let store = LocalStore::open().expect("open");
    durable::restore().await.expect("first restore");
    let before = store.get_raw(vigie_core::keys::DURABLE_SEQ).expect("seq");
    store.set(WELCOMED, &true).expect("set");
    store
        .set_raw(SETTINGS, r#"{"backend":{"mode":"none"},"device_id":"d1"}"#)
        .expect("set");
    // The copies are written in a task.
    vigie::browser::clock::sleep(200).await;
    // Killed: localStorage is back where it was before both writes.
    lose_last_writes(SETTINGS, None, before.as_deref().unwrap_or(""));
    vigie::browser::clock::sleep(0).await;
    lose_last_writes(WELCOMED, None, before.as_deref().unwrap_or(""));
    let restored = durable::restore().await.expect("restore");
    assert!(
        restored.contains(&SETTINGS) && restored.contains(&WELCOMED),
        "{restored:?}"
    );
    assert_eq!(
        store.get_raw(SETTINGS).expect("get").as_deref(),
        Some(r#"{"backend":{"mode":"none"},"device_id":"d1"}"#)
    );
    assert_eq!(store.get::<bool>(WELCOMED).expect("get"), Some(true));
    // Nothing to do the second time.
    assert!(durable::restore().await.expect("again").is_empty());

    // A value written in localStorage whose copy never landed (the page left at once) is
    // kept, and copied.
    let ls = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .expect("localStorage");
    let seqs = store
        .get_raw(vigie_core::keys::DURABLE_SEQ)
        .expect("seq")
        .expect("some");
    let mut counts: Vec<u64> = seqs
        .split(',')
        .map(|n| n.parse().expect("a count"))
        .collect();
    let at = vigie_core::keys::DURABLE
        .iter()
        .position(|k| *k == SETTINGS)
        .expect("durable");
    counts[at] += 1;
    let text = counts
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    ls.set_item(vigie_core::keys::DURABLE_SEQ, &text)
        .expect("set");
    ls.set_item(SETTINGS, r#"{"backend":{"mode":"none"},"device_id":"d2"}"#)
        .expect("set");
    assert!(durable::restore().await.expect("restore").is_empty());
    assert!(store
        .get_raw(SETTINGS)
        .expect("get")
        .expect("some")
        .contains("d2"));
    // Then lost again: the copy now holds d2.
    lose_last_writes(SETTINGS, None, "");
    durable::restore().await.expect("restore");
    assert!(store
        .get_raw(SETTINGS)
        .expect("get")
        .expect("some")
        .contains("d2"));
    store.remove(SETTINGS);
    store.remove(WELCOMED);
}
