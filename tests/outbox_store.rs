//! Browser tier: the outbox and drafts on real IndexedDB — an older schema upgraded on read,
//! a corrupt entry quarantined without blocking the others, the move from an earlier
//! build's localStorage (also when a kill came between the copy and the clean-up), a
//! finalise that queues the record and drops the draft in one write, a delete that leaves
//! nothing to repair, and "Envoyer maintenant" that cannot undo another tab's delivery.
#![cfg(target_arch = "wasm32")]

use std::future::Future;

use leptos::prelude::*;
use serde_json::json;
use uuid::Uuid;
use vigie::browser::idb::{self, Op, DRAFTS, META, OUTBOX, RECEIPTS};
use vigie::stores::drafts as draft_store;
use vigie::stores::local::LocalStore;
use vigie::stores::migrate::{self, MIGRATED_MARK};
use vigie::stores::outbox::{IdbOutbox, Unreadable};
use vigie_core::drafts::Draft;
use vigie_core::keys;
use vigie_core::outbox::backend::{Backend, HttpRequest, HttpResult};
use vigie_core::outbox::state::{DeliveryState, Receipt};
use vigie_core::outbox::{flush, Clock, FlushOptions, OutboxEntry, OutboxStore, Transport};
use vigie_core::record::{Author, Envelope, ENVELOPE_SCHEMA};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod browser;
use browser::sleep;

fn raw() -> web_sys::Storage {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .expect("localStorage")
}

async fn reset() -> LocalStore {
    let store = LocalStore::open().expect("open");
    for key in store.keys_with_prefix("vigie/").expect("keys") {
        store.remove(&key);
    }
    for s in [OUTBOX, DRAFTS, META, RECEIPTS] {
        idb::clear(s).await.expect("clear");
    }
    store
}

/// Everything stored: records to send, receipts (wherever they are), damaged entries.
async fn stored() -> (Vec<OutboxEntry>, Vec<Unreadable>) {
    let loaded = IdbOutbox.load().await.expect("load");
    let mut good = loaded.pending;
    good.extend(loaded.stray_receipts);
    good.extend(IdbOutbox.receipts(None, 10_000).await.expect("receipts"));
    (good, loaded.unreadable)
}

fn note(n: u128) -> Envelope {
    Envelope::new(
        Uuid::from_u128(n),
        "note",
        ("note", "1"),
        n as i64,
        "dev",
        Author::default(),
        json!({"texte": format!("note {n}")}),
    )
}

async fn put_raw(store: &'static str, id: Uuid, text: &str) {
    idb::write(&[Op::Put {
        store,
        key: id.to_string(),
        value: text.to_owned(),
    }])
    .await
    .expect("write");
}

/// The page's outbox, provided and read from storage (as at a start).
async fn started_outbox() -> (Owner, vigie::controllers::outbox::Outbox) {
    browser::start_executor();
    let owner = Owner::new();
    let outbox = owner.with(|| vigie::controllers::outbox::Outbox::provide(None));
    for _ in 0..50 {
        if outbox.loaded().get_untracked() {
            break;
        }
        sleep(20).await;
    }
    (owner, outbox)
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
            status: 201,
            body: json!({ "id": id, "ok": true }).to_string(),
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
async fn a_stored_schema_1_record_is_upgraded_on_read() {
    reset().await;
    let id = Uuid::from_u128(41);
    let v1 = json!({
        "envelope": {"id": id, "form_id": "incident", "form_version": "2", "created_at": 7,
                     "device_id": "old-phone", "author": "Moussa", "payload": {"lieu": "Kolondiéba"}},
        "state": {"state": "queued"}
    });
    put_raw(OUTBOX, id, &v1.to_string()).await;
    let (good, bad) = stored().await;
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
    reset().await;
    IdbOutbox
        .enqueue(&OutboxEntry::queued(note(1)))
        .await
        .expect("enqueue");
    IdbOutbox
        .enqueue(&OutboxEntry::queued(note(2)))
        .await
        .expect("enqueue");
    let broken = Uuid::from_u128(3);
    put_raw(OUTBOX, broken, "{\"envelope\": tronqué").await;

    let (good, bad) = stored().await;
    assert_eq!(good.len(), 2);
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].id, broken);
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
        &mut IdbOutbox,
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
        idb::get(OUTBOX, &broken.to_string())
            .await
            .expect("read")
            .as_deref(),
        Some("{\"envelope\": tronqué")
    );
    // Delivered ones keep their receipt, without their payload, in the receipts store:
    // the outbox store holds only the damaged entry.
    let (good, _) = stored().await;
    assert_eq!(good.len(), 2);
    assert!(good
        .iter()
        .all(|e| matches!(e.state, DeliveryState::Delivered(_)) && e.envelope.payload.is_null()));
    assert_eq!(idb::get_all(OUTBOX).await.expect("all").len(), 1);
    assert_eq!(IdbOutbox.receipt_count().await.expect("count"), 2);
}

fn delivered_at(n: u128, at: i64) -> OutboxEntry {
    let mut e = OutboxEntry::queued(note(n));
    e.envelope.created_at = at;
    e.envelope.payload = serde_json::Value::Null;
    e.state = DeliveryState::Delivered(Receipt {
        at,
        status: 201,
        server: String::new(),
    });
    e
}

/// Receipts are read a page at a time, newest first, and once older than the kept days
/// become counts per month; records still to send are never counted away, however old.
#[wasm_bindgen_test]
async fn receipts_page_newest_first_and_old_ones_become_month_counts() {
    reset().await;
    const DAY: i64 = 86_400_000;
    let now = 1_795_451_825_000; // 2026-11-23
    let receipts: Vec<OutboxEntry> = (0..120)
        .map(|n| delivered_at(1_000 + n as u128, now - n * DAY))
        .collect();
    IdbOutbox.save(&receipts).await.expect("receipts");
    // A refused record and a queued one, both older than any receipt.
    let mut refused = OutboxEntry::queued(note(7));
    refused.envelope.created_at = now - 400 * DAY;
    refused.state = DeliveryState::Rejected {
        status: 400,
        reason: "champ manquant".into(),
    };
    let mut old_queued = OutboxEntry::queued(note(8));
    old_queued.envelope.created_at = now - 500 * DAY;
    IdbOutbox
        .save(&[refused.clone(), old_queued.clone()])
        .await
        .expect("pending");

    let first = IdbOutbox.receipts(None, 50).await.expect("page 1");
    assert_eq!(first.len(), 50);
    assert_eq!(first[0], receipts[0], "newest first");
    let key = first[49].receipt_key();
    let second = IdbOutbox.receipts(Some(&key), 50).await.expect("page 2");
    assert_eq!(
        second[0], receipts[50],
        "the next page starts after the last one"
    );
    assert_eq!(IdbOutbox.receipt_count().await.expect("count"), 120);

    // Keep 90 days: receipts 91..=119 days old (29 of them) become counts.
    let counts = IdbOutbox
        .compact(vigie_core::outbox::receipts::cutoff(now, 90))
        .await
        .expect("compact");
    assert_eq!(counts.values().sum::<u32>(), 29);
    assert_eq!(IdbOutbox.receipt_count().await.expect("count"), 91);
    assert_eq!(IdbOutbox.month_counts().await.expect("stored"), counts);
    let loaded = IdbOutbox.load().await.expect("load");
    assert_eq!(loaded.pending.len(), 2, "the refused and the queued stay");
    // Again: nothing more to compact, the counts stay.
    let again = IdbOutbox
        .compact(vigie_core::outbox::receipts::cutoff(now, 90))
        .await
        .expect("again");
    assert_eq!(again, counts);
}

#[wasm_bindgen_test]
async fn an_earlier_builds_local_storage_moves_over_once() {
    let store = reset().await;
    // What the localStorage build left: two records (one queued, one delivered), its
    // index, a draft, and a damaged record.
    let queued = OutboxEntry::queued(note(10));
    let mut delivered = OutboxEntry::queued(note(11));
    delivered.state = DeliveryState::Delivered(Receipt {
        at: 5,
        status: 201,
        server: String::new(),
    });
    for e in [&queued, &delivered] {
        raw()
            .set_item(
                &keys::outbox_record(&e.envelope.id),
                &serde_json::to_string(e).unwrap(),
            )
            .unwrap();
    }
    raw()
        .set_item(&keys::outbox_record(&Uuid::from_u128(12)), "{abîmé")
        .unwrap();
    raw()
        .set_item(
            "vigie/outbox/index",
            &json!([note(10).id, note(11).id]).to_string(),
        )
        .unwrap();
    let mut draft = Draft::note(Uuid::from_u128(13), 3);
    draft.set_note_text("Réunion à Bougouni", 4);
    raw()
        .set_item(
            &keys::draft(&draft.id),
            &serde_json::to_string(&draft).unwrap(),
        )
        .unwrap();

    assert_eq!(
        migrate::from_local_storage(&store).await.expect("migrate"),
        4
    );
    let (good, bad) = stored().await;
    assert_eq!(good.len(), 2);
    assert_eq!(
        bad.len(),
        1,
        "the damaged record comes along, still damaged"
    );
    assert!(good.contains(&queued) && good.contains(&delivered));
    let (drafts, _) = draft_store::load_all().await.expect("drafts");
    assert_eq!(drafts, vec![draft.clone()]);
    assert!(
        store.keys_with_prefix("vigie/").expect("keys").is_empty(),
        "old keys removed"
    );

    // A kill after the copy but before the clean-up: the old keys are still there at the
    // next start. They are removed, nothing is copied twice or over newer data.
    raw()
        .set_item(
            &keys::outbox_record(&queued.envelope.id),
            &serde_json::to_string(&queued).unwrap(),
        )
        .unwrap();
    let mut sent = queued.clone();
    sent.state = delivered.state.clone();
    IdbOutbox.save(&[sent.clone()]).await.expect("newer state");
    assert_eq!(migrate::from_local_storage(&store).await.expect("again"), 0);
    let (good, _) = stored().await;
    assert_eq!(good.len(), 2);
    assert!(good.contains(&sent), "the newer state in IndexedDB wins");
    assert!(store.keys_with_prefix("vigie/").expect("keys").is_empty());
    assert!(idb::get(META, MIGRATED_MARK).await.expect("mark").is_some());
}

#[wasm_bindgen_test]
async fn a_migration_interrupted_before_its_commit_leaves_everything_in_place() {
    let store = reset().await;
    let queued = OutboxEntry::queued(note(20));
    raw()
        .set_item(
            &keys::outbox_record(&queued.envelope.id),
            &serde_json::to_string(&queued).unwrap(),
        )
        .unwrap();
    // A kill during the copy: the transaction never committed, so IndexedDB holds nothing
    // and the mark is absent. The next start copies it, exactly once.
    assert!(stored().await.0.is_empty());
    assert_eq!(
        migrate::from_local_storage(&store).await.expect("migrate"),
        1
    );
    assert_eq!(migrate::from_local_storage(&store).await.expect("again"), 0);
    assert_eq!(stored().await.0, vec![queued]);
}

#[wasm_bindgen_test]
async fn finalising_queues_the_record_and_drops_its_draft_in_one_write() {
    reset().await;
    let mut draft = Draft::note(Uuid::from_u128(30), 1);
    draft.set_note_text("Tension au puits", 2);
    draft_store::save(&draft).await.expect("draft");
    let env = draft
        .finalise_note("dev", Author::default(), 3)
        .expect("text");
    IdbOutbox
        .enqueue_from_draft(&OutboxEntry::queued(env))
        .await
        .expect("queue");
    assert!(draft_store::load_all().await.expect("drafts").0.is_empty());
    assert_eq!(stored().await.0.len(), 1);
    // Deleting is one operation: nothing left that a repair could bring back.
    IdbOutbox.delete(&draft.id).await.expect("delete");
    assert!(stored().await.0.is_empty());
    assert!(idb::get_all(OUTBOX).await.expect("all").is_empty());
}

/// Bug: "Envoyer maintenant" in a second tab applied the event to that tab's copies in
/// memory and saved them over a record another tab had delivered meanwhile, putting it
/// back in the queue (its payload purged, so it could never be sent again).
#[wasm_bindgen_test]
async fn send_now_cannot_undo_a_delivery_made_by_another_tab() {
    reset().await;
    // Waiting for a retry after a failed attempt.
    let mut waiting = OutboxEntry::queued(note(40));
    waiting.state = DeliveryState::RetryWait {
        next_attempt_at: 10_000_000_000_000,
        attempts: 2,
        last_error: vigie_core::outbox::state::RetryReason::Timeout,
    };
    IdbOutbox.save(&[waiting]).await.expect("store");
    let (owner, outbox) = started_outbox().await;
    assert_eq!(
        outbox.entries().get_untracked().len(),
        1,
        "this tab sees it queued"
    );
    // Another tab delivers it.
    let mut done = OutboxEntry::queued(note(40));
    done.envelope.payload = serde_json::Value::Null;
    done.state = DeliveryState::Delivered(Receipt {
        at: 9,
        status: 201,
        server: String::new(),
    });
    IdbOutbox.save(&[done.clone()]).await.expect("other tab");
    owner.with(|| outbox.send_now());
    sleep(500).await;
    let (good, _) = stored().await;
    assert_eq!(good, vec![done]);
    owner.cleanup();
}

/// Chromium aborts IndexedDB transactions of a page being left, so `pagehide` keeps the
/// draft in localStorage; the next start takes that copy when it is newer, never an older.
#[wasm_bindgen_test]
async fn a_draft_kept_on_pagehide_comes_back_when_newer() {
    let store = reset().await;
    migrate::from_local_storage(&store)
        .await
        .expect("mark the move as done");
    let mut draft = Draft::note(Uuid::from_u128(50), 1);
    draft.set_note_text("Réunion", 2);
    draft_store::save(&draft).await.expect("autosave");
    let mut later = draft.clone();
    later.set_note_text("Réunion de médiation à Kadiolo, chef de village présent", 9);
    store
        .set(&keys::draft(&draft.id), &later)
        .expect("kept on pagehide");
    migrate::from_local_storage(&store).await.expect("start");
    assert_eq!(
        draft_store::load_all().await.expect("drafts").0,
        vec![later.clone()]
    );
    // An older copy does not replace a newer autosave.
    store
        .set(&keys::draft(&draft.id), &draft)
        .expect("stale copy");
    migrate::from_local_storage(&store).await.expect("start");
    assert_eq!(
        draft_store::load_all().await.expect("drafts").0,
        vec![later]
    );
    assert!(store.keys_with_prefix("vigie/").expect("keys").is_empty());
}

/// A phone upgraded from a build that kept receipts beside the records: at the first start
/// they move to the receipts store (in one write with their removal), the records still to
/// send stay, and the counts include both.
#[wasm_bindgen_test]
async fn receipts_an_older_build_left_in_the_outbox_move_at_start() {
    reset().await;
    let old = delivered_at(60, 1_795_000_000_000);
    let waiting = OutboxEntry::queued(note(61));
    for e in [&old, &waiting] {
        put_raw(OUTBOX, e.envelope.id, &serde_json::to_string(e).unwrap()).await;
    }
    let (owner, outbox) = started_outbox().await;
    let keys: Vec<String> = idb::get_all(OUTBOX)
        .await
        .expect("outbox")
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(keys, vec![waiting.envelope.id.to_string()]);
    assert_eq!(
        IdbOutbox.receipts(None, 10).await.expect("receipts"),
        vec![old.clone()]
    );
    let counts = owner.with(|| outbox.counts());
    assert_eq!((counts.waiting, counts.delivered), (1, 1));
    owner.cleanup();
}

/// The views read the records to send and the receipts in one transaction: while a flush
/// moves records to the receipts, every read sees each record in exactly one of the two.
#[wasm_bindgen_test]
async fn a_view_read_during_a_flush_sees_each_record_once() {
    reset().await;
    let queued: Vec<OutboxEntry> = (0..40)
        .map(|n| OutboxEntry::queued(note(2_000 + n)))
        .collect();
    IdbOutbox.save(&queued).await.expect("queued");
    let delivered: Vec<OutboxEntry> = queued
        .iter()
        .map(|e| delivered_at(e.envelope.id.as_u128(), e.envelope.created_at))
        .collect();
    // The "flush" writes in four transactions while the views read.
    wasm_bindgen_futures::spawn_local(async move {
        for chunk in delivered.chunks(10) {
            IdbOutbox.save(chunk).await.expect("delivered");
        }
    });
    let mut seen = Vec::new();
    for _ in 0..200 {
        let view = IdbOutbox.view(50).await.expect("view");
        assert_eq!(
            view.loaded.pending.len() + view.receipt_total,
            40,
            "each record is either to send or delivered"
        );
        assert_eq!(view.receipts.len(), view.receipt_total);
        seen.push(view.receipt_total);
        if view.receipt_total == 40 {
            break;
        }
    }
    assert_eq!(seen.last(), Some(&40), "the flush ended: {seen:?}");
}
