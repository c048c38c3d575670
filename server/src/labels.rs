//! Human labels for what records store as names and codes, read from the typed form
//! definitions the receiver serves (`--forms-dir`): a coordinator reads "Que s'est-il
//! passé ? — Viol", not `sub_vbg: VBG-01`. A form or code no definition names is shown as
//! stored; nothing here ever hides a record.

use std::collections::HashMap;

use vigie_core::forms::model::{FormDef, Text};
use vigie_core::i18n::Lang;

fn lang(english: bool) -> Lang {
    if english {
        Lang::En
    } else {
        Lang::Fr
    }
}

/// One field's question and its choices.
#[derive(Debug, Clone, Default)]
pub struct FieldLabels {
    pub label: Text,
    pub choices: HashMap<String, Text>,
}

/// Labels of one form (every version merged, the last definition read wins).
#[derive(Debug, Clone, Default)]
pub struct FormLabels {
    pub title: Text,
    pub fields: HashMap<String, FieldLabels>,
    /// Field names in the order the form asks them.
    pub order: Vec<String>,
}

/// Labels per form id.
#[derive(Debug, Clone, Default)]
pub struct Labels(HashMap<String, FormLabels>);

impl Labels {
    /// Reads the definitions (as served at `/api/forms`).
    pub fn from_definitions(defs: &[FormDef]) -> Labels {
        let mut all: HashMap<String, FormLabels> = HashMap::new();
        for def in defs {
            let form = all.entry(def.id.clone()).or_default();
            form.title = def.title.clone();
            for field in def.all_fields() {
                if !form.order.contains(&field.name) {
                    form.order.push(field.name.clone());
                }
                let choices = def
                    .choices_of(field)
                    .iter()
                    .map(|c| (c.code.clone(), c.label.clone()))
                    .collect();
                form.fields.insert(
                    field.name.clone(),
                    FieldLabels {
                        label: field.label.clone(),
                        choices,
                    },
                );
            }
        }
        Labels(all)
    }

    /// The labels of form `id`, if any definition names it.
    pub fn form(&self, id: &str) -> Option<&FormLabels> {
        self.0.get(id)
    }
}

impl FormLabels {
    /// The form's title.
    pub fn title(&self, english: bool) -> &str {
        self.title.get(lang(english))
    }

    /// The question of field `name`, if known.
    pub fn field(&self, name: &str, english: bool) -> Option<&str> {
        self.fields.get(name).map(|f| f.label.get(lang(english)))
    }

    /// Where field `name` comes in the form (unknown fields after all known ones).
    pub fn position(&self, name: &str) -> usize {
        self.order
            .iter()
            .position(|n| n == name)
            .unwrap_or(usize::MAX)
    }

    /// The label of choice `code` of field `name`, if known.
    pub fn choice(&self, name: &str, code: &str, english: bool) -> Option<&str> {
        self.fields
            .get(name)
            .and_then(|f| f.choices.get(code))
            .map(|t| t.get(lang(english)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_core::forms::validate::load;

    fn defs() -> Vec<FormDef> {
        let def = serde_json::json!({
            "format": 1, "id": "incident", "version": "1", "kind": "report",
            "title": {"fr": "Signalement", "en": "Report"},
            "choice_lists": {"levels": [{"code": "rouge", "label": {"fr": "Rouge", "en": "Red"}}]},
            "sections": [{"name": "s", "title": {"fr": "S"}, "fields": [
                {"name": "alert_level", "type": "select_one", "label": {"fr": "Gravité"}, "choices": "levels"},
                {"name": "sub", "type": "select_multiple", "label": {"fr": "Précisez"},
                 "choices": [{"code": "VBG-01", "label": {"fr": "Viol", "en": "Rape"}}]},
                {"name": "parties", "type": "repeat", "label": {"fr": "Parties"},
                 "fields": [{"name": "party", "type": "text", "label": {"fr": "Partie", "en": "Party"}}]}
            ]}]
        });
        vec![load(&def.to_string()).expect("a valid definition")]
    }

    #[test]
    fn labels_come_from_named_and_inline_lists_and_repeat_groups() {
        let labels = Labels::from_definitions(&defs());
        let f = labels.form("incident").unwrap();
        assert_eq!(f.title(true), "Report");
        assert_eq!(f.field("alert_level", false), Some("Gravité"));
        // No English label: French is the fallback.
        assert_eq!(f.field("alert_level", true), Some("Gravité"));
        assert_eq!(f.choice("alert_level", "rouge", true), Some("Red"));
        assert_eq!(f.choice("sub", "VBG-01", false), Some("Viol"));
        assert_eq!(f.field("party", true), Some("Party"));
        assert_eq!(f.choice("sub", "VBG-99", false), None);
        assert!(f.position("alert_level") < f.position("sub"));
        assert!(f.position("sub") < f.position("party"));
        assert_eq!(f.position("nothing"), usize::MAX);
        assert!(labels.form("nothing").is_none());
    }
}
