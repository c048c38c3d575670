//! A free-text note: the smallest record, until the structured forms arrive. The id is
//! generated at the first keystroke and kept through every retry.

use leptos::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::state::use_app_state;
use crate::sync::use_outbox;
use vigie_core::i18n::Msg;
use vigie_core::record::{Envelope, Millis};

/// The note page.
#[component]
pub fn NotePage() -> impl IntoView {
    let state = use_app_state();
    let outbox = use_outbox();
    let text = RwSignal::new(String::new());
    let id: RwSignal<Option<Uuid>> = RwSignal::new(None);
    let started: RwSignal<Millis> = RwSignal::new(0);
    let result: RwSignal<Option<Msg>> = RwSignal::new(None);
    let ok = RwSignal::new(false);

    let on_input = move |ev| {
        if id.get_untracked().is_none() {
            id.set(Some(Uuid::new_v4()));
            started.set(js_sys::Date::now() as Millis);
        }
        text.set(event_target_value(&ev));
        result.set(None);
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = text.get_untracked();
        if body.trim().is_empty() {
            ok.set(false);
            result.set(Some(Msg::NoteEmpty));
            return;
        }
        let settings = outbox.settings.get_untracked();
        let record_id = id.get_untracked().unwrap_or_else(Uuid::new_v4);
        let mut envelope = Envelope::new(
            record_id,
            "note",
            ("note", "1"),
            started.get_untracked(),
            &settings.device_id,
            settings.author,
            json!({ "texte": body }),
        );
        envelope.updated_at = js_sys::Date::now() as Millis;
        match outbox.enqueue(envelope) {
            Ok(()) => {
                text.set(String::new());
                id.set(None);
                ok.set(true);
                result.set(Some(Msg::Saved));
            }
            // The text stays in the field: nothing typed is lost.
            Err(e) => {
                ok.set(false);
                result.set(Some(e.user_message()));
            }
        }
    };
    view! {
        <section class="page">
            <h1>{crate::views::tr(Msg::QuickNote)}</h1>
            <form on:submit=save novalidate>
                <label class="field-label" for="note-text">{crate::views::tr(Msg::NoteLabel)}</label>
                <p class="hint" id="note-hint">{crate::views::tr(Msg::NoteHint)}</p>
                <textarea
                    id="note-text"
                    rows="6"
                    aria-describedby="note-hint"
                    prop:value=move || text.get()
                    on:input=on_input
                ></textarea>
                <button type="submit" class="btn">{crate::views::tr(Msg::Save)}</button>
            </form>
            {move || result.get().map(|m| view! {
                <p class="result" class:result-ok=move || ok.get() class:result-bad=move || !ok.get() role="status">
                    {move || state.t(m)}
                </p>
            })}
        </section>
    }
}
