//! [`Ctx`], what every field widget gets: the form session plus which fields were touched.

use std::collections::HashSet;

use leptos::prelude::*;
use serde_json::Value as Json;

use crate::controllers::form_session::FormSession;
use crate::state::AppState;
use vigie_core::forms::answers::{self, AnswerPath};
use vigie_core::forms::{Field, Problem, Text};
use vigie_core::i18n::Lang;

/// Everything a field widget needs, all `Copy`.
#[derive(Clone, Copy)]
pub(super) struct Ctx {
    pub session: FormSession,
    pub touched: RwSignal<HashSet<AnswerPath>>,
    pub show_all: RwSignal<bool>,
    pub state: AppState,
}

impl Ctx {
    pub fn get(&self, path: &AnswerPath) -> Option<Json> {
        self.session.get(path)
    }

    pub fn set(&self, path: &AnswerPath, value: Json) {
        self.session.edit(|a| answers::set(a, path, value));
    }

    pub fn touch(&self, path: &AnswerPath) {
        self.touched.update(|t| {
            t.insert(path.clone());
        });
    }

    pub fn lang(&self) -> Lang {
        self.state.lang.get()
    }

    pub(super) fn problem(&self, path: &AnswerPath) -> Option<Problem> {
        if !self.show_all.get() && !self.touched.with(|t| t.contains(path)) {
            return None;
        }
        self.session.problems().with(|all| {
            all.iter()
                .find(|l| l.field == path.name && l.entry == path.repeat)
                .map(|l| l.problem.clone())
        })
    }

    pub(super) fn relevant(&self, field: &Field, path: &AnswerPath) -> bool {
        self.session.relevance().with(|r| r.field(field, path))
    }
}

pub(super) fn text_of(t: &Text, lang: Lang) -> String {
    t.get(lang).to_owned()
}
