//! A stored record as an OpenRosa instance (the XML an XForm's submission carries), built
//! from the record and its form definition: each section a group element, repeats as
//! repeated elements, multiple choices space-separated, places and count grids as nested
//! elements, geopoints as `lat lon alt acc`, and `meta/instanceID` = `uuid:<record id>`
//! so a resend is recognised as the same submission.

use serde_json::Value;
use vigie_core::forms::model::{Field, FieldType, FormDef};
use vigie_core::record::Envelope;

/// The XForm a record is sent as: its `id` and `version` on the OpenRosa server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XForm {
    /// The form's `id` attribute there.
    pub id: String,
    /// Its `version` attribute ("" for none).
    pub version: String,
}

/// `text` escaped for XML character data and attribute values.
fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all are dropped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
}

/// `name` as an XML element name: letters, digits, `_`, `-`, `.`, not starting with a digit
/// or punctuation (`18-24` → `_18-24`).
pub fn element_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

fn open(name: &str, out: &mut String) {
    out.push('<');
    out.push_str(&element_name(name));
    out.push('>');
}

fn close(name: &str, out: &mut String) {
    out.push_str("</");
    out.push_str(&element_name(name));
    out.push('>');
}

/// A leaf value as text: strings as they are, numbers as JSON writes them, booleans as
/// `yes`/`no` (XLSForm's usual codes), a list of choices space-separated.
fn scalar(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(" "),
        Value::Object(_) => String::new(),
    }
}

/// A geopoint: `lat lon alt acc` (altitude 0 when the phone gave none).
fn geopoint(value: &Value) -> String {
    let num = |k: &str| value.get(k).and_then(Value::as_f64);
    match (num("lat"), num("lon")) {
        (Some(lat), Some(lon)) => {
            let alt = num("alt").unwrap_or(0.0);
            let acc = num("accuracy_m").or(num("accuracy")).unwrap_or(0.0);
            format!("{lat} {lon} {alt} {acc}")
        }
        _ => String::new(),
    }
}

/// Any JSON value as elements named `name`: objects nest, arrays of objects repeat.
fn generic(name: &str, value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            open(name, out);
            for (k, v) in map {
                generic(k, v, out);
            }
            close(name, out);
        }
        Value::Array(items) if items.iter().any(Value::is_object) => {
            for item in items {
                generic(name, item, out);
            }
        }
        _ => {
            open(name, out);
            escape(&scalar(value), out);
            close(name, out);
        }
    }
}

/// The elements of `fields` from `answers`, in the form's order. An unanswered field is
/// an empty element (as an XForm instance has every node).
fn fields(fields: &[Field], answers: &Value, out: &mut String) {
    for field in fields.iter().filter(|f| f.kind.has_value()) {
        let value = answers.get(&field.name).unwrap_or(&Value::Null);
        match field.kind {
            FieldType::Repeat => {
                for item in value.as_array().into_iter().flatten() {
                    open(&field.name, out);
                    self::fields(&field.fields, item, out);
                    close(&field.name, out);
                }
            }
            FieldType::Gps => {
                open(&field.name, out);
                escape(&geopoint(value), out);
                close(&field.name, out);
            }
            // A place from the widest unit down, as a cascade of selects holds it.
            FieldType::Location if value.is_object() => {
                const UNITS: [&str; 3] = ["region", "cercle", "commune"];
                open(&field.name, out);
                let map = value.as_object().into_iter().flatten();
                let (units, rest): (Vec<_>, Vec<_>) =
                    map.partition(|(k, _)| UNITS.contains(&k.as_str()));
                for unit in UNITS {
                    if let Some((k, v)) = units.iter().find(|(k, _)| k.as_str() == unit) {
                        generic(k, v, out);
                    }
                }
                for (k, v) in rest {
                    generic(k, v, out);
                }
                close(&field.name, out);
            }
            FieldType::Counts if value.is_object() => generic(&field.name, value, out),
            _ => {
                open(&field.name, out);
                escape(&scalar(value), out);
                close(&field.name, out);
            }
        }
    }
}

/// The instance of `record` as form `xform`, laid out as `def` says (each section a group,
/// unless its name starts with `_`: fields outside any group). Without a definition, the
/// answers as they are.
pub fn instance(record: &Envelope, def: Option<&FormDef>, xform: &XForm) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<data id=\"");
    escape(&xform.id, &mut out);
    out.push('"');
    if !xform.version.is_empty() {
        out.push_str(" version=\"");
        escape(&xform.version, &mut out);
        out.push('"');
    }
    out.push_str(" xmlns:orx=\"http://openrosa.org/xforms\">");
    match def {
        Some(def) => {
            for section in &def.sections {
                if section.name.starts_with('_') {
                    fields(&section.fields, &record.payload, &mut out);
                } else {
                    open(&section.name, &mut out);
                    fields(&section.fields, &record.payload, &mut out);
                    close(&section.name, &mut out);
                }
            }
        }
        None => {
            if let Some(map) = record.payload.as_object() {
                for (k, v) in map {
                    generic(k, v, &mut out);
                }
            }
        }
    }
    out.push_str("<meta><instanceID>uuid:");
    escape(&record.id.to_string(), &mut out);
    out.push_str("</instanceID></meta></data>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn def() -> FormDef {
        serde_json::from_value(json!({
            "format": 1, "id": "incident", "version": "3", "kind": "incident",
            "title": {"fr": "Incident"},
            "sections": [
                {"name": "_top", "title": {"fr": "—"}, "fields": [
                    {"name": "note", "type": "note", "label": {"fr": "Lisez"}},
                    {"name": "level", "type": "select_one", "label": {"fr": "Niveau"},
                     "choices": [{"code": "rouge", "label": {"fr": "Rouge"}}]}
                ]},
                {"name": "where", "title": {"fr": "Où"}, "fields": [
                    {"name": "location", "type": "location", "label": {"fr": "Lieu"}},
                    {"name": "gps", "type": "gps", "label": {"fr": "GPS"}},
                    {"name": "kinds", "type": "select_multiple", "label": {"fr": "Types"},
                     "choices": [{"code": "a", "label": {"fr": "A"}}, {"code": "b", "label": {"fr": "B"}}]},
                    {"name": "victims", "type": "repeat", "label": {"fr": "Victimes"}, "fields": [
                        {"name": "age", "type": "integer", "label": {"fr": "Âge"}},
                        {"name": "sex", "type": "select_one", "label": {"fr": "Sexe"},
                         "choices": [{"code": "F", "label": {"fr": "F"}}]}
                    ]},
                    {"name": "description", "type": "long_text", "label": {"fr": "Description"}},
                    {"name": "armed", "type": "yes_no", "label": {"fr": "Armé"}}
                ]}
            ]
        }))
        .unwrap()
    }

    fn record(payload: Value) -> Envelope {
        Envelope::decode(json!({
            "id": "0f8fad5b-d9cb-469f-a165-70867728950e", "kind": "incident",
            "form_id": "incident", "form_version": "3", "created_at": 1, "updated_at": 1,
            "device_id": "d", "author": {"name": "A", "role": ""}, "payload": payload,
            "schema_version": 2
        }))
        .unwrap()
    }

    #[test]
    fn an_instance_follows_the_form_groups_repeats_choices_and_geopoints() {
        let r = record(json!({
            "level": "rouge",
            "location": {"region": "ML03", "commune": "ML030201"},
            "gps": {"lat": 12.65, "lon": -8.0, "accuracy_m": 14.5},
            "kinds": ["a", "b"],
            "victims": [{"age": 19, "sex": "F"}, {"age": 40}],
            "description": "Menaces <armées> & \"tirs\"",
            "armed": true,
            "not_in_the_form": "ignored"
        }));
        let xform = XForm {
            id: "vigie_incident".into(),
            version: "2024-01".into(),
        };
        let xml = instance(&r, Some(&def()), &xform);
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<data id=\"vigie_incident\" version=\"2024-01\""));
        assert!(xml.contains("<level>rouge</level><where><location><region>ML03</region><commune>ML030201</commune></location>"), "{xml}");
        assert!(xml.contains("<gps>12.65 -8 0 14.5</gps>"), "{xml}");
        assert!(xml.contains("<kinds>a b</kinds>"));
        assert!(xml.contains("<victims><age>19</age><sex>F</sex></victims><victims><age>40</age><sex></sex></victims>"), "{xml}");
        assert!(xml
            .contains("<description>Menaces &lt;armées&gt; &amp; &quot;tirs&quot;</description>"));
        assert!(xml.contains("<armed>yes</armed></where>"));
        assert!(!xml.contains("note") && !xml.contains("not_in_the_form"));
        assert!(xml.ends_with("<meta><instanceID>uuid:0f8fad5b-d9cb-469f-a165-70867728950e</instanceID></meta></data>"));
    }

    #[test]
    fn without_a_definition_the_answers_are_sent_as_they_are() {
        let r = record(json!({"participants": {"F": {"18-24": 3}}, "tags": ["x", "y"]}));
        let xform = XForm {
            id: "x".into(),
            version: String::new(),
        };
        let xml = instance(&r, None, &xform);
        assert!(xml.contains("<data id=\"x\" xmlns:orx"), "{xml}");
        assert!(
            xml.contains("<participants><F><_18-24>3</_18-24></F></participants><tags>x y</tags>"),
            "{xml}"
        );
    }

    #[test]
    fn names_and_text_are_always_well_formed() {
        assert_eq!(element_name("18-24"), "_18-24");
        assert_eq!(element_name("a b<c"), "a_b_c");
        let mut out = String::new();
        escape("a\u{1}b\u{7}c\n", &mut out);
        assert_eq!(out, "abc\n");
    }
}
