//! The form definition format (docs/FORMS.md): what a form asks, in which order, with which
//! rules. Decoded with serde; [`super::validate`] then checks everything serde cannot.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// Text in several languages; French is required and is the fallback.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    /// French.
    pub fr: String,
    /// English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
    /// Bambara.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bm: Option<String>,
}

impl Text {
    /// The text in `lang`, else French.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => self.en.as_deref().filter(|s| !s.is_empty()),
            Lang::Fr | Lang::Local => None,
        }
        .unwrap_or(&self.fr)
    }
}

/// One choice of a choice list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// Stable code stored in records (`VBG-01`).
    pub code: String,
    /// What the user reads.
    pub label: Text,
    /// A picture beside the label, from the app's own set (docs/FORMS.md), for people who
    /// read little. A name this app does not know shows no picture (a newer form stays usable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// What a question's `choice_filter` reads of this choice with `choice('name')` (an
    /// XLSForm choices sheet's extra columns: the region of a cercle, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attrs: BTreeMap<String, String>,
}

/// Where a choice question takes its choices from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Choices {
    /// The name of a list in the form's `choice_lists`.
    Named(String),
    /// Choices written in place.
    Inline(Vec<Choice>),
}

/// The kind of answer a field takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// One line of text.
    Text,
    /// Several lines of text.
    LongText,
    /// A whole number.
    Integer,
    /// A number with decimals.
    Decimal,
    /// `YYYY-MM-DD`.
    Date,
    /// `HH:MM`.
    Time,
    /// One choice.
    SelectOne,
    /// Several choices.
    SelectMultiple,
    /// Oui / non.
    YesNo,
    /// Region → cercle → commune (P-codes) plus village/quartier text.
    Location,
    /// Optional GPS point from the browser.
    Gps,
    /// Counts by sex × age group, with totals.
    Counts,
    /// A repeated group of fields.
    Repeat,
    /// Text shown to the user, no answer.
    Note,
}

impl FieldType {
    /// Whether the field holds an answer (a note does not).
    pub fn has_value(self) -> bool {
        self != FieldType::Note
    }
}

/// One question (or note, or repeat group).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Key in the record's payload: letters, digits, `_`.
    pub name: String,
    /// Answer type.
    #[serde(rename = "type")]
    pub kind: FieldType,
    /// The question.
    pub label: Text,
    /// Help under the question.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<Text>,
    /// Must be answered (when relevant).
    #[serde(default)]
    pub required: bool,
    /// Shown only when this expression is true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant: Option<String>,
    /// Must hold for the answer to be accepted (`.` is the answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint: Option<String>,
    /// What to say when the constraint fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint_message: Option<Text>,
    /// The value is computed, not typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calculate: Option<String>,
    /// Choices of select_one / select_multiple.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<Choices>,
    /// Only the choices for which this expression holds are offered; `choice('x')` reads
    /// the choice's `x` (its `attrs`, or `name` for its code): cascading selects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice_filter: Option<String>,
    /// Smallest number (integer, decimal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Largest number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Shortest text, in characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    /// Longest text, in characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// The whole text must match this simple pattern (see docs/FORMS.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Fields of a repeat group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
    /// Fewest entries of a repeat group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_count: Option<u32>,
    /// Most entries of a repeat group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_count: Option<u32>,
    /// The answer a new form starts with (one tap to change it): `"today"` for a date
    /// question (the phone's day), nothing else for now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

/// A group of questions shown together (one screen on a small phone).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// Stable name.
    pub name: String,
    /// Heading.
    pub title: Text,
    /// Shown only when this expression is true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant: Option<String>,
    /// Its questions.
    pub fields: Vec<Field>,
}

/// A whole form definition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormDef {
    /// Format version of the definition itself (this module reads 1).
    pub format: u32,
    /// Stable id (`incident`).
    pub id: String,
    /// Version of this form; records keep the version they were started with.
    pub version: String,
    /// Record kind (`report`, `activity`, `mediation`, `survey`).
    pub kind: String,
    /// Title.
    pub title: Text,
    /// One-line description for the form list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    /// Shared choice lists, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub choice_lists: BTreeMap<String, Vec<Choice>>,
    /// The screens.
    pub sections: Vec<Section>,
    /// When this expression holds for a record's answers (a GBV report), its receipt on
    /// the phone keeps only the day it was sent: "Rapport envoyé", no form, no time. The
    /// deployment decides by publishing its own version of the form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discreet_receipt_when: Option<String>,
    /// When this expression holds for a record's answers (a red or orange alert), the
    /// record is sent before every older one that does not: on a slow link, the first
    /// alert does not wait behind a week of activity logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgent_when: Option<String>,
}

impl FormDef {
    /// Every field, depth first (repeat groups before their fields).
    pub fn all_fields(&self) -> Vec<&Field> {
        fn walk<'a>(fields: &'a [Field], out: &mut Vec<&'a Field>) {
            for f in fields {
                out.push(f);
                walk(&f.fields, out);
            }
        }
        let mut out = Vec::new();
        for s in &self.sections {
            walk(&s.fields, &mut out);
        }
        out
    }

    /// The field named `name`, anywhere in the form.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.all_fields().into_iter().find(|f| f.name == name)
    }

    /// The index of the section (screen) that holds the field `name`, at any depth.
    pub fn section_of(&self, name: &str) -> Option<usize> {
        fn holds(fields: &[Field], name: &str) -> bool {
            fields
                .iter()
                .any(|f| f.name == name || holds(&f.fields, name))
        }
        self.sections.iter().position(|s| holds(&s.fields, name))
    }

    /// The choices of `field` (a named list resolved), empty if none.
    pub fn choices_of<'a>(&'a self, field: &'a Field) -> &'a [Choice] {
        match &field.choices {
            Some(Choices::Inline(list)) => list,
            Some(Choices::Named(name)) => self
                .choice_lists
                .get(name)
                .map(Vec::as_slice)
                .unwrap_or(&[]),
            None => &[],
        }
    }
}
