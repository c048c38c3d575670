//! A free-text note: the smallest record. It autosaves as a draft like the forms do (the
//! id is generated at the first keystroke and kept through every retry), and "Enregistrer"
//! queues it and drops the draft in one write.

use std::time::Duration;

use leptos::prelude::*;
use uuid::Uuid;

use crate::controllers::forms::{now_ms, use_forms, FinaliseError};
use crate::state::use_app_state;
use vigie_core::drafts::Draft;
use vigie_core::i18n::Msg;

/// How long typing may go unsaved.
const AUTOSAVE_DELAY: Duration = Duration::from_millis(400);

/// The note page.
#[component]
pub fn NotePage() -> impl IntoView {
    let state = use_app_state();
    let forms = use_forms();
    let text = RwSignal::new(String::new());
    let draft: StoredValue<Option<Draft>> = StoredValue::new(None);
    let result: RwSignal<Option<(bool, Msg)>> = RwSignal::new(None);
    let generation = StoredValue::new(0u32);
    let saving = RwSignal::new(false);

    // The note left unfinished last time comes back, unless the user has already started
    // writing here (a draft list read before a save would otherwise bring a sent note back).
    let touched = StoredValue::new(false);
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) || !forms.loaded().get() {
            return done.unwrap_or(false);
        }
        if touched.get_value() {
            return true;
        }
        let last = forms
            .drafts()
            .with_untracked(|d| d.iter().find(|d| d.is_note()).cloned());
        if let Some(d) = last {
            if text.get_untracked().is_empty() {
                text.set(d.note_text().to_owned());
                draft.set_value(Some(d));
            }
        }
        true
    });

    let save_draft = move || {
        let Some(d) = draft.get_value() else { return };
        leptos::task::spawn_local(async move {
            let outcome = forms.save_draft(&d).await;
            let _ = result.try_set(Some(match outcome {
                Ok(()) => (true, Msg::DraftSaved),
                Err(e) => (
                    false,
                    crate::stores::outbox::OutboxStoreError::from(e).user_message(),
                ),
            }));
        });
    };
    let on_input = move |ev| {
        touched.set_value(true);
        // The last "Enregistré" belongs to the note before: it does not follow the next one.
        if result.with_untracked(|r| matches!(r, Some((true, Msg::Saved)))) {
            result.set(None);
        }
        let value = event_target_value(&ev);
        text.set(value.clone());
        draft.update_value(|d| {
            d.get_or_insert_with(|| Draft::note(Uuid::new_v4(), now_ms()))
                .set_note_text(&value, now_ms())
        });
        generation.update_value(|g| *g = g.wrapping_add(1));
        let mine = generation.get_value();
        set_timeout(
            move || {
                if generation.try_get_value() == Some(mine) {
                    save_draft();
                }
            },
            AUTOSAVE_DELAY,
        );
    };
    let hide = window_event_listener(leptos::ev::pagehide, move |_| {
        if let Some(d) = draft.get_value() {
            forms.save_draft_on_exit(&d);
        }
    });
    on_cleanup(move || hide.remove());

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(current) = draft
            .get_value()
            .filter(|d| !d.note_text().trim().is_empty())
        else {
            result.set(Some((false, Msg::NoteEmpty)));
            return;
        };
        // No autosave may bring the draft back once it is queued.
        generation.update_value(|g| *g = g.wrapping_add(1));
        // While it is being saved the field is read-only: text typed into a note that is
        // leaving would be lost when the field empties for the next one.
        saving.set(true);
        result.set(None);
        leptos::task::spawn_local(async move {
            let outcome = forms.finalise_note(&current).await;
            let _ = saving.try_set(false);
            match outcome {
                Ok(_) => {
                    draft.try_set_value(None);
                    let _ = text.try_set(String::new());
                    let _ = result.try_set(Some((true, Msg::Saved)));
                }
                // The text stays in the field and in its draft: nothing typed is lost.
                Err(FinaliseError::Storage(e)) => {
                    leptos::logging::warn!("saving the note: {e}");
                    let _ = result.try_set(Some((false, e.user_message())));
                }
                Err(_) => {
                    let _ = result.try_set(Some((false, Msg::StorageWriteFailed)));
                }
            }
        });
    };
    view! {
        <section class="page">
            <h1>{crate::views::tr(Msg::QuickNote)}</h1>
            <form on:submit=save novalidate>
                <label class="field-label" for="note-text">{crate::views::tr(Msg::NoteLabel)}</label>
                <p class="hint" id="note-hint">{crate::views::tr(Msg::NoteHint)}</p>
                <textarea autocomplete="off"
                    id="note-text"
                    rows="6"
                    aria-describedby="note-hint"
                    prop:value=move || text.get()
                    readonly=move || saving.get()
                    on:input=on_input
                ></textarea>
                <button type="submit" class="btn" disabled=move || saving.get()>{crate::views::tr(Msg::Save)}</button>
            </form>
            {move || result.get().map(|(ok, m)| view! {
                <p class="result" class:result-ok=ok class:result-bad=!ok role="status">
                    {move || state.t(m)}
                </p>
            })}
        </section>
    }
}
