//! A record's answers as people read them: each question's label and its answer in words
//! (choice labels, places by name, yes/no), for the outbox's "Voir" and the lists' rows.

use serde_json::Value as Json;

use super::model::{FieldType, FormDef};
use crate::i18n::{Lang, Msg};

/// The place an answer names, most precise first: the village, the commune (by name, or as
/// written when known by name only), else the cercle, else the region.
pub fn place_name(location: &Json) -> Option<String> {
    let part = |k: &str| {
        location
            .get(k)
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
    };
    let unit = |k: &str| part(k).map(|c| crate::admin::name_of(c).unwrap_or(c).to_owned());
    let commune = part("commune_other")
        .map(str::to_owned)
        .or_else(|| unit("commune"));
    let wide = commune
        .or_else(|| unit("cercle"))
        .or_else(|| unit("region"));
    match (part("village"), wide) {
        (Some(v), Some(w)) => Some(format!("{v}, {w}")),
        (v, w) => w.or(v.map(str::to_owned)),
    }
}

/// The first place a record's answers name (its first location question).
pub fn record_place(def: &FormDef, payload: &Json) -> Option<String> {
    def.all_fields()
        .into_iter()
        .filter(|f| f.kind == FieldType::Location)
        .find_map(|f| payload.get(&f.name).and_then(place_name))
}

/// `(label, answer)` of every answered top-level question, in form order. An answer the
/// definition does not describe (a newer version's field) is shown under its key.
pub fn answers(def: &FormDef, payload: &Json, lang: Lang) -> Vec<(String, String)> {
    let Some(map) = payload.as_object() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let known: Vec<_> = def.sections.iter().flat_map(|s| &s.fields).collect();
    for f in &known {
        let Some(v) = map.get(&f.name) else { continue };
        let choices = def.choices_of(f);
        let word = |code: &str| {
            choices
                .iter()
                .find(|c| c.code == code)
                .map_or_else(|| code.to_owned(), |c| c.label.get(lang).to_owned())
        };
        let text = match (&f.kind, v) {
            (FieldType::Location, loc) => place_name(loc).unwrap_or_default(),
            (_, Json::String(s)) => word(s),
            (_, Json::Bool(b)) => if *b { Msg::Yes } else { Msg::No }.text(lang).to_owned(),
            (_, Json::Array(items)) => items
                .iter()
                .map(|i| i.as_str().map_or_else(|| plain(i), word))
                .collect::<Vec<_>>()
                .join(", "),
            (_, other) => plain(other),
        };
        if !text.is_empty() {
            out.push((f.label.get(lang).to_owned(), text));
        }
    }
    for (k, v) in map {
        if !known.iter().any(|f| &f.name == k) {
            out.push((k.clone(), plain(v)));
        }
    }
    out
}

/// The server's reason for refusing a record, in the user's words where it names a
/// question of the form (`field 'description' is too long` → `Description courte : is too
/// long`); otherwise as the server said it.
pub fn refusal_reason(def: &FormDef, reason: &str, lang: Lang) -> String {
    let Some((key, rest)) = named_field(reason) else {
        return reason.to_owned();
    };
    match def.field(key) {
        Some(f) => format!("« {} » : {}", f.label.get(lang), problem_words(rest, lang)),
        None => reason.to_owned(),
    }
}

/// What receivers commonly say is wrong with an answer (in English), and how to say it.
const PROBLEMS: [(&str, Msg); 9] = [
    ("too short", Msg::RefusedTooShort),
    ("too long", Msg::RefusedTooLong),
    ("missing", Msg::RefusedMissing),
    ("required", Msg::RefusedMissing),
    ("empty", Msg::RefusedMissing),
    ("not one of", Msg::RefusedNotAChoice),
    ("not a number", Msg::RefusedNotANumber),
    ("not a date", Msg::RefusedBadDate),
    ("too large", Msg::RefusedTooLarge),
];

/// A receiver's words about one answer, in `lang` where they are known; otherwise its own
/// words, quoted, after "refused by the server".
fn problem_words(rest: &str, lang: Lang) -> String {
    let said = rest.trim().trim_start_matches(':').trim();
    let lower = said.to_lowercase();
    match PROBLEMS.iter().find(|(en, _)| lower.contains(en)) {
        Some((_, msg)) => msg.text(lang).to_owned(),
        None => format!("{} (« {said} »)", Msg::RefusedOther.text(lang)),
    }
}

/// Whether a refusal is about the record's content (it names one of the form's
/// questions): sending it again unchanged would be refused again; it must be corrected.
pub fn names_a_question(def: &FormDef, reason: &str) -> bool {
    named_field(reason).is_some_and(|(key, _)| def.field(key).is_some())
}

/// The screen of `def` holding the question a refusal reason names, if it names one: where
/// "Corriger" opens the refused record.
pub fn refused_section(def: &FormDef, reason: &str) -> Option<usize> {
    named_field(reason).and_then(|(key, _)| def.section_of(key))
}

/// The field a receiver's reason names (`field 'payload.x' …`: `x`), and the rest of it.
fn named_field(reason: &str) -> Option<(&str, &str)> {
    let (name, rest) = reason
        .split_once("field '")
        .and_then(|(_, rest)| rest.split_once('\''))?;
    Some((name.rsplit('.').next().unwrap_or(name), rest))
}

/// A value with no definition to read it by: text as it is, the rest compact.
fn plain(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        Json::Object(m) => m
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| format!("{k} : {}", plain(v)))
            .collect::<Vec<_>>()
            .join(" ; "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn incident() -> FormDef {
        crate::forms::builtin::all()
            .into_iter()
            .filter_map(Result::ok)
            .find(|f| f.id == "incident")
            .expect("incident")
    }

    #[test]
    fn answers_read_as_words_in_form_order() {
        let payload = json!({
            "alert_level": "rouge",
            "category": ["PHY", "VBG"],
            "location": {"region": "ML03", "cercle": "ML0302", "commune": "ML030204", "village": "Marché"},
            "description": "Deux blessés.",
            "gender_targeted": false,
            "new_field": "from a newer version",
        });
        let rows = answers(&incident(), &payload, Lang::Fr);
        let labels: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        let at = |l: &str| labels.iter().position(|x| x.starts_with(l)).expect(l);
        assert!(at("Où") < at("Gravité"), "form order: {labels:?}");
        let value = |l: &str| rows[at(l)].1.as_str();
        assert_eq!(value("Où"), "Marché, Kadiolo");
        assert!(value("Gravité").starts_with("Rouge"));
        assert!(value("Que s").contains("Violence physique"), "{rows:?}");
        assert_eq!(
            rows.last().unwrap(),
            &("new_field".into(), "from a newer version".into())
        );
        assert!(rows.iter().any(|r| r.1 == "Non"));
        assert!(!rows.iter().any(|r| r.1.contains('{')), "no JSON: {rows:?}");
    }

    #[test]
    fn a_refusal_names_the_question_in_words() {
        let def = incident();
        assert_eq!(
            refusal_reason(
                &def,
                "field 'payload.alert_level' is not one of the choices",
                Lang::Fr
            ),
            "« Gravité » : cette réponse ne fait pas partie des choix proposés."
        );
        assert_eq!(
            refusal_reason(&def, "field 'payload.description' is too short", Lang::Fr),
            "« Description courte » : réponse trop courte. Ajoutez des détails."
        );
        assert_eq!(
            refusal_reason(&def, "field 'description' is too short", Lang::En),
            "« Short description » : answer too short. Add details."
        );
        // Words no table knows are the server's own, quoted, never half translated.
        assert_eq!(
            refusal_reason(&def, "field 'description' fails rule R7", Lang::Fr),
            "« Description courte » : refusée par le serveur (« fails rule R7 »)"
        );
        assert!(names_a_question(
            &def,
            "field 'payload.description' is too short"
        ));
        assert!(!names_a_question(&def, "quota exceeded"));
        assert_eq!(
            refusal_reason(&def, "quota exceeded", Lang::Fr),
            "quota exceeded"
        );
        assert_eq!(
            refusal_reason(&def, "field 'inconnu' is missing", Lang::Fr),
            "field 'inconnu' is missing"
        );
        assert_eq!(refusal_reason(&def, "field 'x", Lang::En), "field 'x");
    }

    #[test]
    fn a_refusal_points_at_the_screen_of_its_question() {
        let def = incident();
        let at = |reason: &str| refused_section(&def, reason);
        let screen = |name: &str| def.sections.iter().position(|s| s.name == name);
        assert_eq!(
            at("field 'payload.description' is too long"),
            screen("recit")
        );
        assert_eq!(at("field 'alert_level' is missing"), screen("essentiel"));
        assert_eq!(at("field 'inconnu' is missing"), None);
        assert_eq!(at("quota exceeded"), None);
        assert!(screen("recit").is_some_and(|i| i > 0));
    }

    #[test]
    fn a_place_by_name_only_or_a_cercle_reads_by_name() {
        assert_eq!(
            place_name(&json!({"region": "ML03", "cercle": "ML0302", "commune_other": "Nafanga"})),
            Some("Nafanga".into())
        );
        assert_eq!(
            place_name(&json!({"region": "ML03", "cercle": "ML0302"})),
            Some("Kadiolo".into())
        );
        assert_eq!(place_name(&json!({})), None);
        assert_eq!(place_name(&json!("ML03")), None);
    }
}
