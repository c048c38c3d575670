//! Drafts: a form being filled. A draft has its record id from the first keystroke and
//! keeps the form version it was started with; finalising turns it into an outbox record
//! with the same id, so a finalise interrupted half-way is simply done again.

use serde::{Deserialize, Serialize};
use serde_json::{Number, Value as Json};
use uuid::Uuid;

use crate::forms::{
    apply_calculations, problems, relevant_answers, Answers, FieldType, FormDef, Located,
};
use crate::record::{Author, Envelope, Millis};

/// A form being filled.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// The record id it will have.
    pub id: Uuid,
    /// Form id.
    pub form_id: String,
    /// Form version it was started with.
    pub form_version: String,
    /// First keystroke, device time.
    pub created_at: Millis,
    /// Last change.
    pub updated_at: Millis,
    /// Answers so far.
    #[serde(default)]
    pub answers: Answers,
    /// Screen the user was on.
    #[serde(default)]
    pub section: usize,
    /// Why the backend refused the record this draft was reopened from ("Corriger"), as
    /// the backend said it: shown above the form until it is saved again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
}

impl Draft {
    /// A new draft of `def`, started `now`.
    pub fn new(id: Uuid, def: &FormDef, now: Millis) -> Draft {
        Draft {
            id,
            form_id: def.id.clone(),
            form_version: def.version.clone(),
            created_at: now,
            updated_at: now,
            answers: Answers::new(),
            section: 0,
            refused: None,
        }
    }

    /// The screen to resume on with `def`: where the user was, within the screens `def`
    /// has; the first screen when `def` is another version than the one the draft was
    /// started with (its screens may be laid out differently).
    pub fn resume_section(&self, def: &FormDef) -> usize {
        if def.version != self.form_version {
            return 0;
        }
        self.section.min(def.sections.len().saturating_sub(1))
    }

    /// A refused record opened again to be corrected: same id (the receiver's rules on ids
    /// still hold), same form version and answers, started at its creation time.
    pub fn from_record(record: &Envelope, now: Millis) -> Option<Draft> {
        let answers = record.payload.as_object()?.clone();
        Some(Draft {
            id: record.id,
            form_id: record.form_id.clone(),
            form_version: record.form_version.clone(),
            created_at: record.created_at,
            updated_at: now,
            answers,
            section: 0,
            refused: None,
        })
    }

    /// The record this draft becomes, or every problem that blocks finalising.
    pub fn finalise(
        &self,
        def: &FormDef,
        device_id: &str,
        author: Author,
        now: Millis,
        today: &str,
    ) -> Result<Envelope, Vec<Located>> {
        let mut answers = self.answers.clone();
        apply_calculations(def, &mut answers, today);
        let found = problems(def, &answers, today);
        if !found.is_empty() {
            return Err(found);
        }
        let mut payload = relevant_answers(def, &answers, today);
        normalise_numbers(def, &mut payload);
        let mut envelope = Envelope::new(
            self.id,
            &def.kind,
            (&def.id, &def.version),
            self.created_at,
            device_id,
            author,
            Json::Object(payload),
        );
        envelope.updated_at = now;
        Ok(envelope)
    }
}

/// The free note: a record with no form definition, one text under `texte`.
pub const NOTE_FORM: (&str, &str) = ("note", "1");
const NOTE_FIELD: &str = "texte";

impl Draft {
    /// A new free note, started `now`.
    pub fn note(id: Uuid, now: Millis) -> Draft {
        Draft {
            id,
            form_id: NOTE_FORM.0.into(),
            form_version: NOTE_FORM.1.into(),
            created_at: now,
            updated_at: now,
            answers: Answers::new(),
            section: 0,
            refused: None,
        }
    }

    /// Whether this draft is a free note.
    pub fn is_note(&self) -> bool {
        self.form_id == NOTE_FORM.0
    }

    /// A free note's text so far.
    pub fn note_text(&self) -> &str {
        self.answers
            .get(NOTE_FIELD)
            .and_then(Json::as_str)
            .unwrap_or_default()
    }

    /// Replaces a free note's text.
    pub fn set_note_text(&mut self, text: &str, now: Millis) {
        self.answers
            .insert(NOTE_FIELD.into(), Json::String(text.to_owned()));
        self.updated_at = now;
    }

    /// The record a free note becomes; `None` when there is nothing to send.
    pub fn finalise_note(&self, device_id: &str, author: Author, now: Millis) -> Option<Envelope> {
        let text = self.note_text();
        if text.trim().is_empty() {
            return None;
        }
        let mut payload = Answers::new();
        payload.insert(NOTE_FIELD.into(), Json::String(text.to_owned()));
        let mut envelope = Envelope::new(
            self.id,
            NOTE_FORM.0,
            NOTE_FORM,
            self.created_at,
            device_id,
            author,
            Json::Object(payload),
        );
        envelope.updated_at = now;
        Some(envelope)
    }
}

/// Number fields are typed as text; the record carries them as JSON numbers.
fn normalise_numbers(def: &FormDef, payload: &mut Answers) {
    fn number(v: &Json) -> Option<Json> {
        let s = v.as_str()?.trim().replace(',', ".");
        let n: f64 = s.parse().ok()?;
        if n.fract() == 0.0 && n.abs() < 9e15 {
            Some(Json::Number(Number::from(n as i64)))
        } else {
            Number::from_f64(n).map(Json::Number)
        }
    }
    fn walk(fields: &[crate::forms::Field], answers: &mut Answers) {
        for f in fields {
            let Some(v) = answers.get_mut(&f.name) else {
                continue;
            };
            match f.kind {
                FieldType::Integer | FieldType::Decimal => {
                    if let Some(n) = number(v) {
                        *v = n;
                    }
                }
                FieldType::Repeat => {
                    if let Some(entries) = v.as_array_mut() {
                        for e in entries.iter_mut().filter_map(Json::as_object_mut) {
                            walk(&f.fields, e);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    for s in &def.sections {
        walk(&s.fields, payload);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::builtin;
    use serde_json::json;

    fn activity() -> FormDef {
        builtin::all()
            .into_iter()
            .filter_map(Result::ok)
            .find(|f| f.id == "activite")
            .unwrap()
    }

    #[test]
    fn a_refused_record_reopens_as_its_draft_with_the_same_id() {
        let env = Envelope::new(
            Uuid::from_u128(9),
            "report",
            ("incident", "2"),
            5,
            "tel",
            Author::default(),
            json!({"alert_level": "orange", "category": ["MEN"]}),
        );
        let d = Draft::from_record(&env, 77).expect("a form's record");
        assert_eq!(
            (d.id, d.form_id.as_str(), d.form_version.as_str()),
            (env.id, "incident", "2")
        );
        assert_eq!((d.created_at, d.updated_at, d.section), (5, 77, 0));
        assert_eq!(d.answers["alert_level"], json!("orange"));
        let mut purged = env.clone();
        purged.payload = Json::Null;
        assert!(
            Draft::from_record(&purged, 1).is_none(),
            "nothing to correct"
        );
    }

    #[test]
    fn a_draft_resumes_on_its_screen_or_the_first_of_another_version() {
        let def = activity();
        let mut d = Draft::new(Uuid::from_u128(3), &def, 1);
        d.section = 2;
        assert_eq!(d.resume_section(&def), 2);
        d.section = 99;
        assert_eq!(d.resume_section(&def), def.sections.len() - 1);
        d.form_version = "0-retired".into();
        assert_eq!(d.resume_section(&def), 0);
    }

    #[test]
    fn a_note_draft_finalises_into_the_note_record() {
        let mut d = Draft::note(Uuid::from_u128(3), 10);
        assert!(d.is_note());
        assert!(d.finalise_note("dev", Author::default(), 20).is_none());
        d.set_note_text("  ", 15);
        assert!(d.finalise_note("dev", Author::default(), 20).is_none());
        d.set_note_text("Tension au marché de Kadiolo", 15);
        let env = d.finalise_note("dev", Author::default(), 20).unwrap();
        assert_eq!(
            (env.id, env.kind.as_str(), env.form_id.as_str()),
            (d.id, "note", "note")
        );
        assert_eq!((env.created_at, env.updated_at), (10, 20));
        assert_eq!(
            env.payload,
            serde_json::json!({"texte": "Tension au marché de Kadiolo"})
        );
    }

    #[test]
    fn finalising_makes_a_record_with_the_draft_id_and_typed_numbers() {
        let def = activity();
        let id = Uuid::from_u128(7);
        let mut d = Draft::new(id, &def, 100);
        d.answers = json!({
            "organisation": "Groupement Benkadi", "activity_type": "causerie",
            "themes": ["vbg", "loi052"], "activity_date": "2026-11-20",
            "location": {"region": "ML03", "cercle": "ML0301", "village": "Kaboïla"},
            "participants": {"F": {"18-24": 12}, "M": {"25-35": 5}, "total": 17},
            "facilitators_f": "2", "facilitators_m": "1", "duration_hours": "1,5",
            "next_steps": [{"step": "Revoir les chefs de quartier", "due": "2026-12-01"}]
        })
        .as_object()
        .unwrap()
        .clone();
        let env = d
            .finalise(&def, "dev", Author::default(), 200, "2026-11-22")
            .unwrap();
        assert_eq!(env.id, id);
        assert_eq!(env.kind, "activity");
        assert_eq!(
            (env.form_id.as_str(), env.form_version.as_str()),
            ("activite", "2")
        );
        assert_eq!((env.created_at, env.updated_at), (100, 200));
        let p = &env.payload;
        assert_eq!(p["facilitators_f"], json!(2));
        assert_eq!(p["duration_hours"], json!(1.5));
        assert_eq!(p["facilitators_total"], json!(3.0));
        assert_eq!(p["next_steps"][0]["step"], "Revoir les chefs de quartier");
    }

    #[test]
    fn an_invalid_draft_is_not_finalised() {
        let def = activity();
        let d = Draft::new(Uuid::from_u128(8), &def, 1);
        let problems = d
            .finalise(&def, "dev", Author::default(), 2, "2026-11-22")
            .unwrap_err();
        let names: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert!(names.contains(&"organisation") && names.contains(&"participants"));
    }
}
