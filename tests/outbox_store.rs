//! Browser tier: the outbox on real localStorage — migration of a stored schema-1 record,
//! quarantine of a corrupt entry that must not block the others, index repair, quota.
#![cfg(target_arch = "wasm32")]

use std::future::Future;

use serde_json::json;
use uuid::Uuid;
use vigie::adapters::outbox_store::{record_key, LocalOutbox};
use vigie::adapters::storage::{LocalStore, StorageError};
use vigie_core::keys::OUTBOX_INDEX as OUTBOX_INDEX_KEY;
use vigie_core::outbox::backend::{Backend, HttpRequest, HttpResult};
use vigie_core::outbox::state::DeliveryState;
use vigie_core::outbox::{flush, Clock, FlushOptions, OutboxStore, Transport};
use vigie_core::record::{Author, Envelope, ENVELOPE_SCHEMA};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn raw() -> web_sys::Storage {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .expect("localStorage")
}

fn reset() -> LocalStore {
    let store = LocalStore::open().expect("open");
    for key in store.keys_with_prefix("vigie/").expect("keys") {
        store.remove(&key);
    }
    store
}

fn note(n: u128) -> Envelope {
    Envelope::new(
        Uuid::from_u128(n),
        "note",
        ("note", "1"),
        n as i64,
        "dev",
        Author::default(),
        json!({"texte": n as u64}),
    )
}

struct Accepting;

impl Transport for Accepting {
    fn send(&mut self, req: HttpRequest) -> impl Future<Output = HttpResult> {
        let id = req
            .headers
            .iter()
            .find(|(k, _)| k == "Idempotency-Key")
            .map(|(_, v)| v.clone());
        std::future::ready(HttpResult::Response {
            status: 200,
            body: json!({ "id": id }).to_string(),
            retry_after: None,
        })
    }
}

struct Fixed;

impl Clock for Fixed {
    fn now(&self) -> i64 {
        1_000
    }
    fn jitter(&mut self) -> f64 {
        0.5
    }
}

#[wasm_bindgen_test]
fn a_stored_schema_1_record_is_migrated_on_read() {
    let store = reset();
    let id = Uuid::from_u128(41);
    let v1 = json!({
        "envelope": {"id": id, "form_id": "incident", "form_version": "2", "created_at": 7,
                     "device_id": "old-phone", "author": "Moussa", "payload": {"lieu": "Kolondiéba"}},
        "state": {"state": "queued"}
    });
    raw()
        .set_item(&record_key(&id), &v1.to_string())
        .expect("write v1");
    store.set(OUTBOX_INDEX_KEY, &vec![id]).expect("index");
    let outbox = LocalOutbox::new(store);
    let (good, bad) = outbox.load_all().expect("load");
    assert!(bad.is_empty());
    assert_eq!(good.len(), 1);
    let env = &good[0].envelope;
    assert_eq!(env.schema_version, ENVELOPE_SCHEMA);
    assert_eq!(env.kind, "incident");
    assert_eq!(env.author.name, "Moussa");
    assert_eq!(env.payload, json!({"lieu": "Kolondiéba"}));
    assert_eq!(good[0].state, DeliveryState::Queued);
}

#[wasm_bindgen_test]
async fn a_corrupt_entry_is_quarantined_and_does_not_block_the_others() {
    let store = reset();
    let mut outbox = LocalOutbox::new(store);
    outbox.enqueue(note(1)).expect("enqueue");
    outbox.enqueue(note(2)).expect("enqueue");
    let broken = Uuid::from_u128(3);
    raw()
        .set_item(&record_key(&broken), "{\"envelope\": tronqué")
        .expect("corrupt");
    let mut ids = outbox.ids().expect("ids");
    ids.push(broken);
    store.set(OUTBOX_INDEX_KEY, &ids).expect("index");

    let (good, bad) = outbox.load_all().expect("load");
    assert_eq!(good.len(), 2);
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].key, record_key(&broken));
    assert_eq!(bad[0].raw, "{\"envelope\": tronqué");

    let backend = Backend::GenericJson {
        base: "http://127.0.0.1:9".into(),
        token: None,
    };
    let opts = FlushOptions {
        batch_size: 1,
        ..FlushOptions::default()
    };
    let report = flush(
        &mut outbox,
        &mut Accepting,
        &mut Fixed,
        &backend,
        opts,
        |_, _| {},
    )
    .await;
    assert_eq!(report.delivered, 2);
    assert_eq!(report.store_errors.len(), 1);
    // Kept, byte for byte, for export.
    assert_eq!(
        raw()
            .get_item(&record_key(&broken))
            .ok()
            .flatten()
            .as_deref(),
        Some("{\"envelope\": tronqué")
    );
}

#[wasm_bindgen_test]
fn a_record_missing_from_the_index_is_found_again() {
    let store = reset();
    let mut outbox = LocalOutbox::new(store);
    outbox.enqueue(note(5)).expect("enqueue");
    // As if the app died between writing the record and writing the index.
    store
        .set(OUTBOX_INDEX_KEY, &Vec::<Uuid>::new())
        .expect("index");
    let (good, _) = outbox.load_all().expect("load");
    assert_eq!(good.len(), 1);
    assert_eq!(outbox.ids().expect("ids"), vec![Uuid::from_u128(5)]);
}

#[wasm_bindgen_test]
fn a_full_disk_refuses_the_record_and_leaves_the_queue_intact() {
    let store = reset();
    let mut outbox = LocalOutbox::new(store);
    outbox.enqueue(note(1)).expect("enqueue");
    let chunk = format!("\"{}\"", "x".repeat(512 * 1024));
    let mut i = 0;
    while store.set_raw(&format!("vigie/fill/{i}"), &chunk).is_ok() {
        i += 1;
        assert!(i < 64, "storage never filled");
    }
    let big = Envelope {
        payload: json!({"texte": "y".repeat(600 * 1024)}),
        ..note(2)
    };
    match outbox.enqueue(big) {
        Err(StorageError::QuotaExceeded { .. }) => {}
        other => panic!("expected QuotaExceeded, got {other:?}"),
    }
    assert_eq!(outbox.ids().expect("ids"), vec![Uuid::from_u128(1)]);
    assert!(outbox.load(&Uuid::from_u128(2)).expect("load").is_none());
    reset();
}
