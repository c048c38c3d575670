//! Browser tier: drafts in the mounted app on real IndexedDB — typing autosaves a draft
//! (debounced, well under a second), the draft comes back after a "reload" (the app mounted
//! again on `/fill/{id}`) with the form version it was started with, and the forms
//! controller drops a draft whose record an older build's interrupted finalise had queued.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use serde_json::json;
use uuid::Uuid;
use vigie::browser::idb::{self, DRAFTS, META, OUTBOX};
use vigie::stores::drafts as draft_store;
use vigie::stores::local::LocalStore;
use vigie::stores::outbox::IdbOutbox;
use vigie_core::drafts::Draft;
use vigie_core::keys;
use vigie_core::outbox::OutboxEntry;
use vigie_core::record::{Author, Envelope};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod browser;
use browser::sleep;

async fn reset() -> LocalStore {
    let store = LocalStore::open().expect("open");
    for key in store.keys_with_prefix("vigie/").expect("keys") {
        store.remove(&key);
    }
    for s in [OUTBOX, DRAFTS, META] {
        idb::clear(s).await.expect("clear");
    }
    store
}

fn window() -> web_sys::Window {
    web_sys::window().expect("window")
}

fn go_to(path: &str) {
    window()
        .history()
        .expect("history")
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path))
        .expect("replaceState");
}

/// A fresh element under `body` to mount the app into.
fn container() -> web_sys::HtmlElement {
    let doc = window().document().expect("document");
    let el: web_sys::HtmlElement = doc
        .create_element("div")
        .expect("div")
        .dyn_into()
        .expect("html");
    doc.body().expect("body").append_child(&el).expect("append");
    el
}

/// Polls the DOM for `selector` (the app renders asynchronously).
async fn find_element(selector: &str) -> web_sys::Element {
    for _ in 0..100 {
        let found = window()
            .document()
            .and_then(|d| d.query_selector(selector).ok().flatten());
        if let Some(el) = found {
            return el;
        }
        sleep(20).await;
    }
    panic!("{selector} never appeared");
}

/// The input `selector` names.
async fn find(selector: &str) -> web_sys::HtmlInputElement {
    find_element(selector).await.dyn_into().expect("an input")
}

fn type_into(input: &web_sys::HtmlInputElement, text: &str) {
    input.set_value(text);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let ev = web_sys::Event::new_with_event_init_dict("input", &init).expect("event");
    input.dispatch_event(&ev).expect("dispatch");
}

async fn stored_drafts() -> Vec<Draft> {
    draft_store::load_all().await.expect("drafts").0
}

#[wasm_bindgen_test]
async fn typing_autosaves_a_draft_that_a_reload_restores() {
    reset().await;
    go_to("/new/questionnaire_preparatoire");
    let app = leptos::mount::mount_to(container(), vigie::App);
    let input = find("#f-organisation").await;
    type_into(&input, "Association des femmes de Kati");
    // Nothing is written on every keystroke…
    assert!(stored_drafts().await.is_empty());
    // …but within the debounce (400 ms) plus margin it is.
    sleep(700).await;
    let drafts = stored_drafts().await;
    assert_eq!(drafts.len(), 1, "one draft after typing");
    let draft = &drafts[0];
    assert_eq!(draft.form_id, "questionnaire_preparatoire");
    assert_eq!(draft.form_version, "2");
    assert_eq!(
        draft.answers.get("organisation"),
        Some(&json!("Association des femmes de Kati"))
    );
    // The address now names the draft, so a reload resumes it.
    let path = window().location().pathname().expect("path");
    assert_eq!(path, format!("/fill/{}", draft.id));
    drop(app);
    let gone = window()
        .document()
        .and_then(|d| d.query_selector("#f-organisation").ok().flatten());
    assert!(gone.is_none(), "the first app is unmounted");

    // "Reload": a fresh app on the same address shows what was typed.
    let app = leptos::mount::mount_to(container(), vigie::App);
    let input = find("#f-organisation").await;
    assert_eq!(input.value(), "Association des femmes de Kati");
    drop(app);
    reset().await;
}

#[wasm_bindgen_test]
async fn a_draft_keeps_its_form_version_and_an_already_queued_one_is_dropped() {
    let store = reset().await;
    let def = vigie_core::forms::builtin::all()
        .into_iter()
        .filter_map(Result::ok)
        .find(|f| f.id == "mediation")
        .expect("built-in mediation form");
    let mut kept = Draft::new(Uuid::from_u128(7), &def, 1_000);
    kept.form_version = "0-old".into();
    kept.answers
        .insert("summary".into(), json!("Tension autour d'un puits"));
    draft_store::save(&kept).await.expect("save");
    // An older build's finalise interrupted after queueing: record and draft both stored.
    let done = Draft::new(Uuid::from_u128(8), &def, 2_000);
    draft_store::save(&done).await.expect("save");
    let env = Envelope::new(
        done.id,
        "mediation",
        ("mediation", "1"),
        2_000,
        "dev",
        Author::default(),
        json!({}),
    );
    IdbOutbox
        .enqueue(&OutboxEntry::queued(env))
        .await
        .expect("enqueue");

    browser::start_executor();
    let owner = Owner::new();
    let forms = owner.with(|| {
        let outbox = vigie::controllers::outbox::Outbox::provide(Some(store));
        vigie::controllers::forms::Forms::provide(Some(store), outbox)
    });
    for _ in 0..100 {
        if forms.loaded().get_untracked() {
            break;
        }
        sleep(20).await;
    }
    let drafts = forms.drafts().get_untracked();
    assert_eq!(drafts.len(), 1, "{drafts:?}");
    assert_eq!(drafts[0].id, Uuid::from_u128(7));
    assert_eq!(drafts[0].form_version, "0-old");
    assert_eq!(
        drafts[0].answers.get("summary"),
        Some(&json!("Tension autour d'un puits"))
    );
    assert_eq!(
        stored_drafts().await.len(),
        1,
        "the queued one's draft is gone"
    );
    owner.cleanup();
    reset().await;
}

/// Bug: unreadable settings were replaced by defaults and a new device id was saved over
/// them, losing the backend and token without a word. They are now kept and reported.
#[wasm_bindgen_test]
async fn unreadable_settings_are_kept_and_reported_not_overwritten() {
    let store = reset().await;
    let damaged =
        r#"{"backend": {"mode": "generic_json", "base": "https://vigie.example.org/api", "tok"#;
    window()
        .local_storage()
        .expect("storage")
        .expect("storage")
        .set_item(keys::SETTINGS, damaged)
        .expect("write");
    go_to("/");
    let app = leptos::mount::mount_to(container(), vigie::App);
    let banner = find_element(".banner-error").await;
    assert!(
        banner
            .text_content()
            .unwrap_or_default()
            .contains("illisibles"),
        "the user is told"
    );
    sleep(300).await;
    assert_eq!(
        store.get_raw(keys::SETTINGS).expect("read").as_deref(),
        Some(damaged),
        "the stored text is untouched"
    );
    drop(app);
    reset().await;
}
