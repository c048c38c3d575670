//! Human labels for what records store as names and codes, read from the form definitions
//! the receiver serves (`--forms-dir`): a coordinator reads "Que s'est-il passé ? — Viol",
//! not `sub_vbg: VBG-01`. Tolerant by design: a definition this module cannot read simply
//! gives no labels (the codes are shown), it never hides a record.

use std::collections::HashMap;

use serde_json::Value;

/// French or English text from a definition's `{"fr": …, "en": …}`, French as fallback.
#[derive(Debug, Clone, Default)]
pub struct Text {
    fr: String,
    en: Option<String>,
}

impl Text {
    fn read(v: &Value) -> Option<Text> {
        Some(Text {
            fr: v.get("fr")?.as_str()?.to_owned(),
            en: v.get("en").and_then(Value::as_str).map(str::to_owned),
        })
    }

    /// The text in English when `english` and there is one, else French.
    pub fn get(&self, english: bool) -> &str {
        match (&self.en, english) {
            (Some(en), true) => en,
            _ => &self.fr,
        }
    }
}

/// One field's question and its choices.
#[derive(Debug, Clone, Default)]
pub struct FieldLabels {
    pub label: Option<Text>,
    pub choices: HashMap<String, Text>,
}

/// Labels of one form (every version merged, the newest file read last wins).
#[derive(Debug, Clone, Default)]
pub struct FormLabels {
    pub title: Option<Text>,
    pub fields: HashMap<String, FieldLabels>,
    /// Field names in the order the form asks them.
    pub order: Vec<String>,
}

/// Labels per form id.
#[derive(Debug, Clone, Default)]
pub struct Labels(HashMap<String, FormLabels>);

impl Labels {
    /// Reads the definitions (as served at `/api/forms`).
    pub fn from_definitions(defs: &[Value]) -> Labels {
        let mut all: HashMap<String, FormLabels> = HashMap::new();
        for def in defs {
            let Some(id) = def.get("id").and_then(Value::as_str) else {
                continue;
            };
            let form = all.entry(id.to_owned()).or_default();
            if let Some(t) = def.get("title").and_then(Text::read) {
                form.title = Some(t);
            }
            let lists = def.get("choice_lists");
            let sections = def.get("sections").and_then(Value::as_array);
            for section in sections.into_iter().flatten() {
                let fields = section.get("fields").and_then(Value::as_array);
                for field in fields.into_iter().flatten() {
                    read_field(field, lists, form);
                }
            }
        }
        Labels(all)
    }

    /// The labels of form `id`, if any definition names it.
    pub fn form(&self, id: &str) -> Option<&FormLabels> {
        self.0.get(id)
    }
}

fn read_field(field: &Value, lists: Option<&Value>, form: &mut FormLabels) {
    let Some(name) = field.get("name").and_then(Value::as_str) else {
        return;
    };
    let choices = match field.get("choices") {
        Some(Value::String(list)) => lists.and_then(|l| l.get(list)),
        other => other,
    };
    let choices = choices
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| {
            let code = c.get("code")?.as_str()?.to_owned();
            Some((code, Text::read(c.get("label")?)?))
        })
        .collect();
    if !form.order.iter().any(|n| n == name) {
        form.order.push(name.to_owned());
    }
    form.fields.insert(
        name.to_owned(),
        FieldLabels {
            label: field.get("label").and_then(Text::read),
            choices,
        },
    );
    // Fields of a repeat group.
    for inner in field
        .get("fields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        read_field(inner, lists, form);
    }
}

impl FormLabels {
    /// The question of field `name`, if known.
    pub fn field(&self, name: &str, english: bool) -> Option<&str> {
        self.fields
            .get(name)
            .and_then(|f| f.label.as_ref())
            .map(|t| t.get(english))
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
            .map(|t| t.get(english))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn defs() -> Vec<Value> {
        vec![json!({
            "id": "incident", "version": "1",
            "title": {"fr": "Signalement", "en": "Report"},
            "choice_lists": {"levels": [{"code": "rouge", "label": {"fr": "Rouge", "en": "Red"}}]},
            "sections": [{"name": "s", "title": {"fr": "S"}, "fields": [
                {"name": "alert_level", "type": "select_one", "label": {"fr": "Gravité"}, "choices": "levels"},
                {"name": "sub", "type": "select_multiple", "label": {"fr": "Précisez"},
                 "choices": [{"code": "VBG-01", "label": {"fr": "Viol", "en": "Rape"}}]},
                {"name": "parties", "type": "repeat", "label": {"fr": "Parties"},
                 "fields": [{"name": "party", "type": "text", "label": {"fr": "Partie", "en": "Party"}}]}
            ]}]
        })]
    }

    #[test]
    fn labels_come_from_named_and_inline_lists_and_repeat_groups() {
        let labels = Labels::from_definitions(&defs());
        let f = labels.form("incident").unwrap();
        assert_eq!(f.title.as_ref().unwrap().get(true), "Report");
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

    #[test]
    fn unreadable_definitions_give_no_labels_and_no_panic() {
        let labels = Labels::from_definitions(&[
            json!("text"),
            json!({"id": 3}),
            json!({"id": "x", "sections": "no"}),
            json!({"id": "y", "sections": [{"fields": [{"name": 1}, {"name": "a", "choices": 5}]}]}),
        ]);
        assert!(labels.form("x").unwrap().fields.is_empty());
        assert_eq!(labels.form("y").unwrap().field("a", false), None);
    }
}
