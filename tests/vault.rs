//! Browser tier: the PIN lock's WebCrypto vault — a PIN opens only its own seals; with a
//! PIN set, the outbox and drafts are stored unreadable and read back whole; locked,
//! nothing is written and a sealed record is never read as one without its answers.
#![cfg(target_arch = "wasm32")]

use serde_json::json;
use uuid::Uuid;
use vigie::browser::idb::{self, Op, DRAFTS, OUTBOX, RECEIPTS};
use vigie::browser::key_files;
use vigie::browser::vault::{self, Mode, VaultError};
use vigie::stores::drafts as draft_store;
use vigie::stores::outbox::IdbOutbox;
use vigie_core::drafts::Draft;
use vigie_core::outbox::{OutboxEntry, OutboxStore};
use vigie_core::record::{Author, Envelope};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const SECRET: &str = "Une femme agressée près du marché de Loulouni";

fn record(n: u128) -> OutboxEntry {
    OutboxEntry::queued(Envelope::new(
        Uuid::from_u128(n),
        "incident",
        ("incident", "3"),
        n as i64,
        "dev",
        Author {
            name: "Awa Traoré".into(),
            role: "observatrice".into(),
        },
        json!({ "narrative": SECRET }),
    ))
}

async fn reset() {
    vault::set_mode(Mode::Open);
    for s in [OUTBOX, DRAFTS, RECEIPTS] {
        idb::clear(s).await.expect("clear");
    }
    vault::forget_all().await;
}

async fn raw_texts() -> String {
    let mut all = String::new();
    for s in [OUTBOX, DRAFTS, RECEIPTS] {
        for (_, v) in idb::get_all(s).await.expect("read") {
            all.push_str(&v);
        }
    }
    all
}

#[wasm_bindgen_test]
async fn a_pin_opens_its_own_seals_and_no_other() {
    let (config, key) = vault::create("2580", &vault::new_salt().expect("salt"), None)
        .await
        .expect("create");
    assert!(!config.check.contains(vigie_core::lock::CHECK_TEXT));
    let sealed = vault::seal_with(&key, SECRET).await.expect("seal");
    assert!(!sealed.contains("Loulouni"));
    assert_ne!(
        sealed,
        vault::seal_with(&key, SECRET).await.expect("seal"),
        "a fresh IV each time"
    );
    assert_eq!(vault::open_with(&key, &sealed).await.as_deref(), Ok(SECRET));

    let again = vault::unlock(&config, "2580", None)
        .await
        .expect("right PIN");
    assert_eq!(
        vault::open_with(&again, &sealed).await.as_deref(),
        Ok(SECRET)
    );
    assert_eq!(
        vault::unlock(&config, "2581", None).await.err(),
        Some(VaultError::WrongPin)
    );
    // One changed byte: refused, not garbage.
    let mut bytes = sealed.into_bytes();
    let last = bytes.len() - 3;
    bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(bytes).expect("ascii");
    assert!(vault::open_with(&key, &altered).await.is_err());
}

#[wasm_bindgen_test]
async fn a_lock_with_the_phones_secret_needs_both_the_pin_and_that_secret() {
    let salt = vault::new_salt().expect("salt");
    let secret = vec![0x3c_u8; vigie_core::lock::KEY_LEN];
    let (config, key) = vault::create("258013", &salt, Some(("Y3JlZA".into(), secret.clone())))
        .await
        .expect("create");
    assert_eq!(config.device.as_deref(), Some("Y3JlZA"));
    let sealed = vault::seal_with(&key, SECRET).await.expect("seal");
    let again = vault::unlock(&config, "258013", Some(&secret))
        .await
        .expect("PIN and secret");
    assert_eq!(
        vault::open_with(&again, &sealed).await.as_deref(),
        Ok(SECRET)
    );
    // The right PIN alone (a copy of the profile), or with another phone's secret: nothing.
    assert_eq!(
        vault::unlock(&config, "258013", None).await.err(),
        Some(VaultError::WrongPin)
    );
    let other = vec![0x3d_u8; vigie_core::lock::KEY_LEN];
    assert_eq!(
        vault::unlock(&config, "258013", Some(&other)).await.err(),
        Some(VaultError::WrongPin)
    );
    assert_eq!(
        vault::unlock(&config, "258014", Some(&secret)).await.err(),
        Some(VaultError::WrongPin)
    );
}

/// A lock made by earlier builds (WebCrypto's `deriveKey` straight to AES-256) still opens:
/// the key is now made from PBKDF2's bits, which must be the same key.
#[wasm_bindgen_test]
async fn a_lock_made_by_an_earlier_build_still_opens() {
    use base64::{engine::general_purpose::STANDARD, Engine as _};
    use js_sys::{Array, Object, Reflect, Uint8Array};
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let set = |o: &Object, k: &str, v: wasm_bindgen::JsValue| {
        Reflect::set(o, &k.into(), &v).expect("set");
    };
    let subtle = web_sys::window()
        .expect("window")
        .crypto()
        .expect("crypto")
        .subtle();
    let salt = [9_u8; 16];
    let pbkdf2 = Object::new();
    set(&pbkdf2, "name", "PBKDF2".into());
    let base: web_sys::CryptoKey = JsFuture::from(
        subtle
            .import_key_with_object(
                "raw",
                &Uint8Array::from(&b"0042"[..]),
                &pbkdf2,
                false,
                &Array::of1(&"deriveKey".into()),
            )
            .expect("import"),
    )
    .await
    .expect("import")
    .unchecked_into();
    let params = Object::new();
    set(&params, "name", "PBKDF2".into());
    set(&params, "salt", Uint8Array::from(&salt[..]).into());
    set(&params, "iterations", 150_000.into());
    set(&params, "hash", "SHA-256".into());
    let aes = Object::new();
    set(&aes, "name", "AES-GCM".into());
    set(&aes, "length", 256.into());
    let old_key: web_sys::CryptoKey = JsFuture::from(
        subtle
            .derive_key_with_object_and_object(
                &params,
                &base,
                &aes,
                false,
                &Array::of2(&"encrypt".into(), &"decrypt".into()),
            )
            .expect("derive"),
    )
    .await
    .expect("derive")
    .unchecked_into();
    let config = vigie_core::lock::LockConfig {
        salt: STANDARD.encode(salt),
        iterations: 150_000,
        check: vault::seal_with(&old_key, vigie_core::lock::CHECK_TEXT)
            .await
            .expect("seal"),
        failed: 0,
        device: None,
    };
    let key = vault::unlock(&config, "0042", None)
        .await
        .expect("an earlier build's PIN");
    let sealed = vault::seal_with(&old_key, SECRET).await.expect("seal");
    assert_eq!(vault::open_with(&key, &sealed).await.as_deref(), Ok(SECRET));
}

#[wasm_bindgen_test]
async fn with_a_pin_the_outbox_and_drafts_are_stored_unreadable_and_read_back_whole() {
    reset().await;
    let (_, key) = vault::create("2580", &vault::new_salt().expect("salt"), None)
        .await
        .expect("create");
    vault::set_mode(Mode::Unlocked(key));

    let entry = record(1);
    IdbOutbox.enqueue(&entry).await.expect("enqueue");
    let mut draft = Draft::note(Uuid::from_u128(2), 3);
    draft.set_note_text(SECRET, 4);
    draft_store::save(&draft).await.expect("draft");

    let stored = raw_texts().await;
    assert!(
        !stored.contains("Loulouni") && !stored.contains("Awa"),
        "{stored}"
    );
    assert!(
        stored.contains(&entry.envelope.id.to_string()),
        "the id stays readable"
    );
    let view = IdbOutbox.view(50).await.expect("view");
    assert_eq!(view.loaded.pending, vec![entry.clone()]);
    let (drafts, bad) = draft_store::load_all().await.expect("drafts");
    assert_eq!((drafts, bad.len()), (vec![draft], 0));
    let all = IdbOutbox.load_all().await.expect("load_all");
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].as_ref().ok(), Some(&entry));

    // Locked: nothing can be written (rather than written readable)…
    vault::set_mode(Mode::Locked);
    assert!(IdbOutbox.enqueue(&record(3)).await.is_err());
    // …and without the key a sealed record is unreadable, never a record with no answers.
    vault::set_mode(Mode::Open);
    let view = IdbOutbox.view(50).await.expect("view");
    assert!(view.loaded.pending.is_empty());
    assert_eq!(view.loaded.unreadable.len(), 1);
    reset().await;
}

#[wasm_bindgen_test]
async fn without_a_pin_each_record_has_its_own_key_and_delivery_destroys_it() {
    reset().await;
    let entry = record(11);
    let id = entry.envelope.id.to_string();
    IdbOutbox.enqueue(&entry).await.expect("enqueue");
    let mut draft = Draft::note(Uuid::from_u128(12), 3);
    draft.set_note_text(SECRET, 4);
    draft_store::save(&draft).await.expect("draft");
    // Nothing readable in IndexedDB, with or without a PIN.
    let stored = raw_texts().await;
    assert!(
        !stored.contains("Loulouni") && !stored.contains("Awa"),
        "{stored}"
    );
    let sealed_copy = idb::get(OUTBOX, &id).await.expect("get").expect("stored");
    assert!(key_files::read(&id).await.expect("its key").contains("raw"));
    // Read back whole.
    let view = IdbOutbox.view(50).await.expect("view");
    assert_eq!(view.loaded.pending, vec![entry.clone()]);
    // Delivered: the record leaves the outbox, and its key goes with it…
    idb::write(&[
        Op::Delete {
            store: OUTBOX,
            key: id.clone(),
        },
        Op::Put {
            store: RECEIPTS,
            key: entry.receipt_key(),
            value: "{}".into(),
        },
    ])
    .await
    .expect("deliver");
    assert!(matches!(
        key_files::read(&id).await,
        Err(key_files::KeyFileError::Missing(_))
    ));
    // …so a copy of what was stored (as IndexedDB's log keeps it) opens for no one.
    assert_eq!(
        vault::open(&id, sealed_copy, false).await.err(),
        Some(VaultError::KeyGone)
    );
    // A record reopened as a draft keeps its key: one id, moved between stores.
    let draft_id = draft.id.to_string();
    idb::write(&[
        Op::Delete {
            store: DRAFTS,
            key: draft_id.clone(),
        },
        Op::Put {
            store: OUTBOX,
            key: draft_id.clone(),
            value: serde_json::to_string(&record(12)).expect("json"),
        },
    ])
    .await
    .expect("finalise");
    assert!(key_files::read(&draft_id).await.is_ok());
    reset().await;
}

#[wasm_bindgen_test]
async fn a_pin_set_later_closes_what_was_written_before_it() {
    reset().await;
    let entry = record(21);
    let id = entry.envelope.id.to_string();
    IdbOutbox
        .enqueue(&entry)
        .await
        .expect("enqueue before the PIN");
    let (_, key) = vault::create("258013", &vault::new_salt().expect("salt"), None)
        .await
        .expect("create");
    vault::set_mode(Mode::Unlocked(key.clone()));
    vault::rewrap(None, Some(&key)).await.expect("rewrap");
    let file = key_files::read(&id).await.expect("key file");
    assert!(file.contains("\"pin\"") && !file.contains("raw"), "{file}");
    // Without the PIN's key (a copy of the profile), the record written before does not open.
    vault::set_mode(Mode::Open);
    let view = IdbOutbox.view(50).await.expect("view");
    assert!(view.loaded.pending.is_empty());
    assert_eq!(view.loaded.unreadable.len(), 1);
    // With it, it does; and removing the PIN gives the key back in clear.
    vault::set_mode(Mode::Unlocked(key.clone()));
    let view = IdbOutbox.view(50).await.expect("view");
    assert_eq!(view.loaded.pending, vec![entry]);
    vault::rewrap(Some(&key), None).await.expect("unwrap");
    vault::set_mode(Mode::Open);
    assert_eq!(
        IdbOutbox.view(50).await.expect("view").loaded.pending.len(),
        1
    );
    reset().await;
}

#[wasm_bindgen_test]
async fn a_draft_left_with_the_page_is_sealed_synchronously_and_opened_at_the_next_start() {
    reset().await;
    let id = Uuid::from_u128(31).to_string();
    let text = format!("{{\"texte\":\"{SECRET}\"}}");
    assert_eq!(vault::seal_on_exit(&id, &text), None, "no pad yet: no copy");
    vault::prepare_exit_pad(&id, text.len() + 10).await;
    let sealed = vault::seal_on_exit(&id, &text).expect("sealed with the pad");
    assert!(vault::is_exit_copy(&sealed));
    assert!(!sealed.contains("Loulouni"), "{sealed}");
    assert_eq!(
        vault::seal_on_exit(&id, &text),
        None,
        "a pad is used once: two copies never share a keystream"
    );
    // The next start opens it with the draft's key (read back from its file).
    vault::set_mode(Mode::Open);
    assert_eq!(
        vault::open_exit_copy(&id, &sealed).await.as_deref(),
        Ok(text.as_str())
    );
    // A pad too short for the text makes no copy.
    vault::prepare_exit_pad(&id, 4).await;
    assert_eq!(vault::seal_on_exit(&id, &text), None);
    // Once the draft's key is gone, the copy opens for no one.
    vault::forget(std::slice::from_ref(&id)).await;
    assert_eq!(
        vault::open_exit_copy(&id, &sealed).await.err(),
        Some(VaultError::KeyGone)
    );
    reset().await;
}
