//! One form being filled, apart from how it looks: the draft's id (created at the first
//! change; the address then becomes `/fill/<id>` with `history.replaceState`, so a reload
//! resumes it and nothing re-renders), the answers and their edits, the debounced and
//! page-hide saves, moving between screens, finalising and discarding. The view renders
//! its read-only signals and calls its methods; storage goes through the forms controller.

use std::time::Duration;

use leptos::prelude::*;
use serde_json::Value as Json;
use uuid::Uuid;
use wasm_bindgen::JsValue;

use crate::controllers::forms::{now_ms, today, FinaliseError, Forms};
use crate::stores::outbox::OutboxStoreError;
use vigie_core::drafts::Draft;
use vigie_core::forms::answers::{self, AnswerPath, Relevance};
use vigie_core::forms::{Answers, FormDef, Located};
use vigie_core::i18n::Msg;
use vigie_core::keys::USUAL_PLACE;

/// How long typing may go unsaved: a keystroke schedules a save this much later.
const AUTOSAVE_DELAY: Duration = Duration::from_millis(400);

/// What finalising led to, for the view to act on.
pub enum Finalised {
    /// Queued in the outbox: leave the form.
    Queued,
    /// Not queued; the status says why, and the screen moved to the first problem if any.
    Refused,
}

/// One form being filled.
#[derive(Clone, Copy)]
pub struct FormSession {
    def: StoredValue<FormDef>,
    answers: RwSignal<Answers>,
    section: RwSignal<usize>,
    status: RwSignal<Option<(bool, Msg)>>,
    draft_id: StoredValue<Option<Uuid>>,
    /// The id a new draft will get at its first change, chosen when the form opens so that
    /// its key and exit pad are ready by then.
    next_id: StoredValue<Uuid>,
    created: StoredValue<i64>,
    generation: StoredValue<u32>,
    /// Set once the user deleted the draft: nothing may save it again.
    discarded: StoredValue<bool>,
    /// The usual place this new form was started in, if any.
    usual: StoredValue<Option<Answers>>,
    /// Why the backend refused the record this form was reopened from.
    refused: StoredValue<Option<String>>,
    /// Which sections and fields apply: one computation for screen, checks and finalise.
    relevance: Memo<Relevance>,
    problems: Memo<Vec<Located>>,
    forms: Forms,
}

impl FormSession {
    /// Starts filling `def`, from `draft` if resuming one. Saves when the page is hidden or
    /// left, for as long as the calling component lives.
    pub fn new(def: FormDef, draft: Option<Draft>, forms: Forms) -> FormSession {
        let mut usual = None;
        let answers = RwSignal::new(draft.as_ref().map_or_else(
            || {
                // A new form starts in the usual place the user chose (one tap to change
                // it; the place question says it was filled in).
                let mut fresh = Answers::new();
                if let Some(place) = crate::stores::local::LocalStore::open()
                    .ok()
                    .and_then(|s| s.get::<Answers>(USUAL_PLACE).ok().flatten())
                {
                    vigie_core::forms::prefill_place(&def, &mut fresh, &place);
                    usual = Some(place);
                }
                vigie_core::forms::prefill_defaults(&def, &mut fresh, &today());
                fresh
            },
            |d| d.answers.clone(),
        ));
        let def = StoredValue::new(def);
        let relevance = Memo::new(move |_| {
            answers.with(|a| def.with_value(|d| Relevance::new(d, a, &today())))
        });
        let session = FormSession {
            def,
            answers,
            section: RwSignal::new(
                draft
                    .as_ref()
                    .map_or(0, |d| def.with_value(|def| d.resume_section(def))),
            ),
            status: RwSignal::new(None),
            draft_id: StoredValue::new(draft.as_ref().map(|d| d.id)),
            next_id: StoredValue::new(Uuid::new_v4()),
            created: StoredValue::new(draft.as_ref().map_or(0, |d| d.created_at)),
            generation: StoredValue::new(0),
            discarded: StoredValue::new(false),
            usual: StoredValue::new(usual),
            refused: StoredValue::new(draft.as_ref().and_then(|d| d.refused.clone())),
            relevance,
            // On the answers the relevance already pruned: one pruning per keystroke.
            problems: Memo::new(move |_| relevance.with(|r| def.with_value(|d| r.problems(d)))),
            forms,
        };
        // Hidden (another app in front, soon maybe killed): the page still runs, so an
        // IndexedDB write completes. Left (navigation, tab closed): see `save_on_exit`.
        // The draft's exit pad, before the first keystroke (a new draft's, for the id it
        // will get).
        match &draft {
            Some(d) => forms.prepare_exit(d.id, serde_json::to_string(d).map_or(0, |t| t.len())),
            None => forms.prepare_exit(session.next_id.get_value(), 0),
        }
        let hide = window_event_listener(leptos::ev::pagehide, move |_| session.save_on_exit());
        let vis = window_event_listener(leptos::ev::visibilitychange, move |_| {
            if !crate::browser::connectivity::is_visible() {
                session.save_now();
            }
        });
        on_cleanup(move || {
            hide.remove();
            vis.remove();
        });
        session
    }

    /// Whether `place` (a place answer's `key` part) is still the usual place the form was
    /// started in.
    pub fn is_usual(&self, key: &str, value: &str) -> bool {
        !value.is_empty()
            && self.usual.with_value(|u| {
                u.as_ref()
                    .and_then(|u| u.get(key))
                    .and_then(|v| v.as_str())
                    .is_some_and(|v| v == value)
            })
    }

    /// Why the backend refused the record this form was reopened from, in its words.
    pub fn refused(&self) -> Option<String> {
        self.refused.get_value()
    }

    /// The definition being filled.
    pub fn def(&self) -> StoredValue<FormDef> {
        self.def
    }

    /// The screen shown (a section index).
    pub fn section(&self) -> ReadSignal<usize> {
        self.section.read_only()
    }

    /// The last save or finalise result: `(ok, message)`.
    pub fn status(&self) -> ReadSignal<Option<(bool, Msg)>> {
        self.status.read_only()
    }

    /// Which sections and fields apply now.
    pub fn relevance(&self) -> Memo<Relevance> {
        self.relevance
    }

    /// Every problem of the answers, in form order.
    pub fn problems(&self) -> Memo<Vec<Located>> {
        self.problems
    }

    /// The answer at `path` (tracked).
    pub fn get(&self, path: &AnswerPath) -> Option<Json> {
        self.answers.with(|a| answers::get(a, path).cloned())
    }

    /// Reads the answers (tracked) through `f`.
    pub fn with_answers<T>(&self, f: impl FnOnce(&Answers) -> T) -> T {
        self.answers.with(f)
    }

    /// Changes the answers through `f` and schedules the autosave.
    pub fn edit(&self, f: impl FnOnce(&mut Answers)) {
        self.answers.update(f);
        self.schedule_save();
    }

    /// The draft's id, created at the first change (the address becomes `/fill/<id>`).
    fn ensure_id(&self) -> Uuid {
        if let Some(id) = self.draft_id.get_value() {
            return id;
        }
        let id = self.next_id.get_value();
        self.draft_id.set_value(Some(id));
        self.created.set_value(now_ms());
        if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = h.replace_state_with_url(&JsValue::NULL, "", Some(&format!("/fill/{id}")));
        }
        id
    }

    /// The draft as it is on screen (copies the answers: only when saving).
    fn current_draft(&self) -> Draft {
        let id = self.ensure_id();
        self.current_draft_with(id)
    }

    fn current_draft_with(&self, id: Uuid) -> Draft {
        self.def.with_value(|d| Draft {
            id,
            form_id: d.id.clone(),
            form_version: d.version.clone(),
            created_at: self.created.get_value(),
            updated_at: now_ms(),
            answers: self.answers.get_untracked(),
            section: self.section.get_untracked(),
            refused: self.refused.get_value(),
        })
    }

    /// Saves the draft now (nothing to save before the first change). The status says
    /// "saved" only once the write is on disk.
    pub fn save_now(&self) {
        // No id: nothing was typed (a usual place offered on opening is not a draft).
        if self.discarded.get_value() || self.draft_id.get_value().is_none() {
            return;
        }
        let draft = self.current_draft();
        let (forms, status) = (self.forms, self.status);
        leptos::task::spawn_local(async move {
            let result = forms.save_draft(&draft).await;
            // The form may be gone by then; its draft is saved all the same.
            let _ = status.try_set(Some(match result {
                Ok(()) => (true, Msg::DraftSaved),
                Err(e) => (false, OutboxStoreError::from(e).user_message()),
            }));
        });
    }

    /// Keeps the draft as the page is left, synchronously (nothing asynchronous is sure to
    /// run then).
    pub fn save_on_exit(&self) {
        // No id: nothing was typed (a usual place offered on opening is not a draft).
        if self.discarded.get_value() || self.draft_id.get_value().is_none() {
            return;
        }
        self.forms.save_draft_on_exit(&self.current_draft());
    }

    /// Debounced autosave: at most [`AUTOSAVE_DELAY`] of typing is ever unsaved.
    fn schedule_save(&self) {
        self.ensure_id();
        self.generation.update_value(|g| *g = g.wrapping_add(1));
        let mine = self.generation.get_value();
        let this = *self;
        set_timeout(
            move || {
                if this.generation.try_get_value() == Some(mine) {
                    this.save_now();
                }
            },
            AUTOSAVE_DELAY,
        );
    }

    /// The sections that apply (tracked).
    pub fn visible_sections(&self) -> Vec<usize> {
        let def = self.def;
        self.relevance.with(|r| def.with_value(|d| r.sections(d)))
    }

    /// `(screen number, screens)` for the progress line.
    pub fn step(&self) -> (usize, usize) {
        let v = self.visible_sections();
        let cur = self.section.get();
        (v.iter().position(|i| *i >= cur).unwrap_or(0) + 1, v.len())
    }

    /// Whether the screen shown is the first / the last that applies.
    pub fn at_edge(&self, last: bool) -> bool {
        let v = self.visible_sections();
        let cur = self.section.get();
        if last {
            v.last().is_none_or(|l| cur >= *l)
        } else {
            v.first().is_none_or(|f| cur <= *f)
        }
    }

    /// Moves to the next (or previous) screen that applies, saving first.
    pub fn go(&self, forward: bool) {
        let v = self
            .def
            .with_value(|d| self.relevance.with_untracked(|r| r.sections(d)));
        let cur = self.section.get_untracked();
        let next = if forward {
            v.iter().copied().find(|i| *i > cur)
        } else {
            v.iter().rev().copied().find(|i| *i < cur)
        };
        if let Some(n) = next {
            self.section.set(n);
            self.save_now();
            if let Some(w) = web_sys::window() {
                w.scroll_to_with_x_and_y(0.0, 0.0);
            }
        }
    }

    /// Queues the record if every answer is acceptable, in one write with the draft's
    /// removal. What is on screen is saved as the draft first, so a refusal (or a kill)
    /// loses nothing.
    pub async fn finalise(&self) -> Finalised {
        // No pending autosave may run after this point and bring the draft back.
        self.generation.update_value(|g| *g = g.wrapping_add(1));
        let draft = self.current_draft();
        if let Err(e) = self.forms.save_draft(&draft).await {
            leptos::logging::warn!("saving the draft before finalising: {e}");
        }
        self.discarded.set_value(true);
        let result = self.forms.finalise(&draft).await;
        let refused = |msg: Msg| {
            self.discarded.try_set_value(false);
            let _ = self.status.try_set(Some((false, msg)));
            Finalised::Refused
        };
        match result {
            Ok(()) => Finalised::Queued,
            Err(FinaliseError::Problems(found)) => {
                let screen = found
                    .first()
                    .and_then(|l| self.def.try_with_value(|d| section_of(d, l)).flatten());
                if let Some(s) = screen {
                    let _ = self.section.try_set(s);
                }
                refused(Msg::FixProblems)
            }
            Err(FinaliseError::UnknownForm) => refused(Msg::FormUnavailable),
            Err(FinaliseError::Storage(e)) => refused(e.user_message()),
        }
    }

    /// Deletes the draft (the user confirmed); nothing saves it again.
    pub fn discard(&self) {
        self.discarded.set_value(true);
        if let Some(id) = self.draft_id.get_value() {
            self.forms.delete_draft(&id);
        }
    }
}

/// Which screen shows the field of `located` (for jumping to the first problem).
fn section_of(def: &FormDef, located: &Located) -> Option<usize> {
    let name = located
        .entry
        .as_ref()
        .map_or(located.field.as_str(), |(r, _)| r.as_str());
    def.sections
        .iter()
        .position(|s| s.fields.iter().any(|f| f.name == name))
}
