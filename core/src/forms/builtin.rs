//! The forms shipped inside the app (`forms/*.json` at the repository root), so Vigie works
//! with no backend at all. The same files are what `vigie-server --forms-dir forms` serves.

use super::model::FormDef;
use super::validate::{load, Invalid};

/// The built-in definitions, as text, in the order Home lists them (compacted by
/// `build.rs`: the same JSON without its indentation).
pub const SOURCES: [(&str, &str); 4] = [
    (
        "incident",
        include_str!(concat!(env!("OUT_DIR"), "/incident.json")),
    ),
    (
        "activite",
        include_str!(concat!(env!("OUT_DIR"), "/activite.json")),
    ),
    (
        "mediation",
        include_str!(concat!(env!("OUT_DIR"), "/mediation.json")),
    ),
    (
        "questionnaire_preparatoire",
        include_str!(concat!(env!("OUT_DIR"), "/questionnaire_preparatoire.json")),
    ),
];

/// The built-in form at `index` of [`SOURCES`], decoded only: the tests below load and
/// check every one of them (`every_builtin_form_loads_with_its_file_name_as_id`) and the
/// embedded text is the repository's file, so the app does not check them again at each
/// start (the validator's run and its first compilation were a long task at start-up).
pub fn decode(index: usize) -> Option<FormDef> {
    SOURCES
        .get(index)
        .and_then(|(_, src)| super::validate::decode(src).ok())
}

/// Every built-in form, decoded and validated (tests guarantee they are valid; a broken
/// one would be reported and skipped, never crash the app).
pub fn all() -> Vec<Result<FormDef, (&'static str, Invalid)>> {
    SOURCES
        .iter()
        .map(|(id, src)| load(src).map_err(|e| (*id, e)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A position with a date can point at a survivor's home: the GPS question is not
    /// offered on a GBV report (the place stays at commune/village level).
    #[test]
    fn no_gps_question_on_a_gbv_report() {
        use crate::forms::answers::{AnswerPath, Relevance};
        let def = all()
            .into_iter()
            .filter_map(Result::ok)
            .find(|f| f.id == "incident")
            .expect("incident");
        let gps = def.field("gps").expect("the optional GPS question");
        let shown = |answers: serde_json::Value| {
            let a = answers.as_object().cloned().unwrap_or_default();
            Relevance::new(&def, &a, "2026-11-23").field(gps, &AnswerPath::top("gps"))
        };
        assert!(shown(serde_json::json!({"category": ["PHY"]})));
        assert!(!shown(serde_json::json!({"category": ["VBG"]})));
        assert!(!shown(
            serde_json::json!({"category": ["PHY"], "gender_targeted": true})
        ));
    }

    /// A GBV report's receipt keeps only its day; other reports and forms keep theirs.
    #[test]
    fn a_gbv_report_gets_a_discreet_receipt() {
        use crate::forms::discreet_receipt;
        let incident = form("incident");
        let of = |v: serde_json::Value| discreet_receipt(&incident, &answers(v), TODAY);
        assert!(of(json!({"category": ["VBG"]})));
        assert!(of(json!({"category": ["PHY", "VBG"]})));
        assert!(!of(json!({"category": ["PHY"]})));
        assert!(!of(json!({})));
        let activity = form("activite");
        assert!(activity.discreet_receipt_when.is_none());
        assert!(!discreet_receipt(
            &activity,
            &answers(json!({"category": ["VBG"]})),
            TODAY
        ));
    }

    /// Consent comes before the account; without it only the type, level, place, date and
    /// numbers leave the phone, whatever was typed before the answer changed.
    #[test]
    fn a_gbv_report_without_consent_sends_no_account() {
        use crate::forms::relevant_answers;
        let incident = form("incident");
        let order: Vec<&str> = incident.sections.iter().map(|s| s.name.as_str()).collect();
        let at = |n: &str| order.iter().position(|x| *x == n).unwrap();
        assert!(
            at("vbg") < at("details") && at("vbg") < at("victimes"),
            "{order:?}"
        );
        let typed = json!({
            "category": ["VBG"], "sub_vbg": ["VBG-01"], "incident_date": "2026-11-20",
            "location": {"region": "ML03", "cercle": "ML0302", "commune": "ML030204"},
            "alert_level": "rouge", "description": "Récit détaillé avec des noms",
            "place_type": "domicile", "victims": {"f_18_24": 1}, "injured": 1,
            "perpetrator_types": ["civil"], "perpetrator_sex": "m", "motive": "autre",
            "source": "temoin", "responses": "Plainte déposée",
            "vbg_referral": ["sante"],
        });
        let mut answers = answers(typed);
        answers.insert("vbg_consent".into(), json!(false));
        let sent = relevant_answers(&incident, &answers, TODAY);
        for gone in [
            "description",
            "place_type",
            "perpetrator_types",
            "perpetrator_sex",
            "motive",
            "source",
            "responses",
        ] {
            assert!(
                !sent.contains_key(gone),
                "{gone} must not leave without consent"
            );
        }
        for kept in [
            "category",
            "sub_vbg",
            "incident_date",
            "location",
            "alert_level",
            "victims",
            "injured",
            "vbg_consent",
            "vbg_referral",
        ] {
            assert!(sent.contains_key(kept), "{kept} is kept");
        }
        answers.insert("vbg_consent".into(), json!(true));
        let sent = relevant_answers(&incident, &answers, TODAY);
        assert_eq!(sent["description"], json!("Récit détaillé avec des noms"));
        assert!(sent.contains_key("perpetrator_types"));
    }

    /// A new incident report starts dated today; a default the app does not know is refused.
    #[test]
    fn the_incident_date_starts_as_today() {
        use crate::forms::prefill_defaults;
        let incident = form("incident");
        let mut fresh = answers(json!({}));
        prefill_defaults(&incident, &mut fresh, TODAY);
        assert_eq!(fresh["incident_date"], json!(TODAY));
        let mut given = answers(json!({"incident_date": "2026-11-01"}));
        prefill_defaults(&incident, &mut given, TODAY);
        assert_eq!(
            given["incident_date"],
            json!("2026-11-01"),
            "an answer stays"
        );
        let mut def: serde_json::Value = serde_json::from_str(SOURCES[0].1).unwrap();
        def["sections"][1]["fields"][0]["default"] = json!("hier");
        let err = crate::forms::validate::load(&def.to_string())
            .unwrap_err()
            .to_string();
        assert!(err.contains("'default'"), "{err}");
    }

    /// Red and orange alerts go before older records; green ones and other forms in order.
    #[test]
    fn red_and_orange_alerts_are_urgent() {
        use crate::forms::urgent;
        let incident = form("incident");
        let of = |v: serde_json::Value| urgent(&incident, &answers(v), TODAY);
        assert!(of(json!({"alert_level": "rouge"})));
        assert!(of(json!({"alert_level": "orange"})));
        assert!(!of(json!({"alert_level": "jaune"})));
        assert!(!of(json!({})));
        assert!(!urgent(
            &form("activite"),
            &answers(json!({"alert_level": "rouge"})),
            TODAY
        ));
    }

    #[test]
    fn the_usual_place_is_offered_without_the_village() {
        use crate::forms::prefill_place;
        let usual = answers(json!({"region": "ML03", "cercle": "ML0302",
            "commune": "ML030204", "village": "Loulouni, quartier du marché"}));
        // A new activity log starts in that commune; an answered place is left alone.
        let activity = form("activite");
        let mut fresh = Answers::new();
        prefill_place(&activity, &mut fresh, &usual);
        let loc = activity
            .all_fields()
            .into_iter()
            .find(|f| f.kind == crate::forms::FieldType::Location)
            .unwrap()
            .name
            .clone();
        assert_eq!(fresh[&loc]["cercle"], json!("ML0302"));
        assert!(
            fresh[&loc].get("village").is_none(),
            "the village changes every time"
        );
        let mut answered = answers(json!({ loc.clone(): {"region": "ML01"} }));
        prefill_place(&activity, &mut answered, &usual);
        assert_eq!(answered[&loc], json!({"region": "ML01"}));
    }

    #[test]
    fn a_discreet_rule_naming_no_field_is_refused() {
        let mut def: serde_json::Value = serde_json::from_str(SOURCES[0].1).unwrap();
        def["discreet_receipt_when"] = json!("selected(${nulle_part}, 'VBG')");
        let err = load(&def.to_string()).unwrap_err().to_string();
        assert!(err.contains("discreet_receipt_when"), "{err}");
        assert!(err.contains("nulle_part"), "{err}");
    }

    use crate::forms::{problems, section_relevant, Answers, Problem};
    use serde_json::json;

    const TODAY: &str = "2026-11-22";

    fn form(id: &str) -> FormDef {
        all()
            .into_iter()
            .map(|r| r.unwrap_or_else(|(id, e)| panic!("{id}: {e}")))
            .find(|f| f.id == id)
            .unwrap()
    }

    fn answers(v: serde_json::Value) -> Answers {
        v.as_object().unwrap().clone()
    }

    /// The embedded text is the repository's file, compacted: the same JSON value.
    #[test]
    fn the_embedded_forms_are_the_repository_files() {
        for (id, embedded) in SOURCES {
            let path = format!("{}/../forms/{id}.json", env!("CARGO_MANIFEST_DIR"));
            let file = std::fs::read_to_string(&path).unwrap();
            let parse = |t: &str| serde_json::from_str::<serde_json::Value>(t).unwrap();
            assert_eq!(parse(embedded), parse(&file), "{id}");
            assert!(embedded.len() < file.len() * 3 / 4, "{id} is compacted");
            assert!(!embedded.contains("\n "), "{id}");
        }
    }

    /// The app decodes the built-in forms without checking them: what it gets is what the
    /// checked load gives, for each one, and nothing past the end.
    #[test]
    fn the_app_decodes_each_builtin_form_as_the_checked_load_does() {
        for (i, (id, src)) in SOURCES.iter().enumerate() {
            assert_eq!(decode(i), Some(load(src).unwrap()), "{id}");
        }
        assert_eq!(decode(SOURCES.len()), None);
    }

    #[test]
    fn every_builtin_form_loads_with_its_file_name_as_id() {
        for (id, src) in SOURCES {
            let def = load(src).unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(def.id, id);
            assert!(def.title.en.is_some(), "{id} has an English title");
            for f in def.all_fields() {
                assert!(f.label.en.is_some(), "{id}.{} has an English label", f.name);
            }
        }
    }

    /// The two first screens ask what happened, then when, where and how serious: all that a
    /// red alert needs; nothing after them is required but the VBG consent.
    #[test]
    fn the_incident_first_screens_ask_only_what_where_when_how_serious() {
        let def = form("incident");
        let required = |sections: &[crate::forms::model::Section]| -> Vec<String> {
            sections
                .iter()
                .flat_map(|s| &s.fields)
                .filter(|f| f.required)
                .map(|f| f.name.clone())
                .collect()
        };
        assert_eq!(required(&def.sections[..1]), ["category"]);
        assert_eq!(
            required(&def.sections[1..2]),
            ["incident_date", "location", "alert_level"]
        );
        assert_eq!(required(&def.sections[2..]), ["vbg_consent"]);
    }

    #[test]
    fn a_red_alert_needs_only_the_first_screen() {
        let def = form("incident");
        let red = answers(json!({
            "category": ["PHY"], "sub_phy": ["PHY-04"], "incident_date": "2026-11-21",
            "location": {"region": "ML04", "cercle": "ML0401"}, "alert_level": "rouge"
        }));
        assert_eq!(problems(&def, &red, TODAY), vec![]);
    }

    #[test]
    fn vbg_questions_appear_only_for_a_vbg_category_and_rape_is_at_least_orange() {
        let def = form("incident");
        let vbg_section = def.sections.iter().find(|s| s.name == "vbg").unwrap();
        let phy = answers(json!({"category": ["PHY"]}));
        assert!(!section_relevant(vbg_section, &phy, TODAY));
        let vbg = answers(json!({"category": ["VBG"]}));
        assert!(section_relevant(vbg_section, &vbg, TODAY));

        let rape_yellow = answers(json!({
            "category": ["VBG"], "sub_vbg": ["VBG-01"], "incident_date": "2026-11-21",
            "location": {"region": "ML04"}, "alert_level": "jaune", "vbg_consent": true
        }));
        let p = problems(&def, &rape_yellow, TODAY);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].field, "alert_level");
        assert!(
            matches!(&p[0].problem, Problem::Constraint(Some(t)) if t.fr.contains("au moins Orange"))
        );
        let mut rape_orange = rape_yellow.clone();
        rape_orange.insert("alert_level".into(), json!("orange"));
        assert_eq!(problems(&def, &rape_orange, TODAY), vec![]);
        // Consent is required once the VBG section applies.
        rape_orange.remove("vbg_consent");
        assert_eq!(problems(&def, &rape_orange, TODAY)[0].field, "vbg_consent");
        // A sub-category left from an unticked VBG category no longer forces Orange.
        let mut changed = rape_yellow.clone();
        changed.insert("category".into(), json!(["MEN"]));
        assert_eq!(problems(&def, &changed, TODAY), vec![]);
    }

    #[test]
    fn no_field_of_the_incident_form_asks_for_a_survivor_name() {
        let def = form("incident");
        for f in def.all_fields().into_iter().filter(|f| f.kind.has_value()) {
            let label = f.label.fr.to_lowercase();
            assert!(
                !(label.contains("nom") && label.contains("survivant")),
                "{}",
                f.name
            );
            assert!(!f.name.contains("name"), "{}", f.name);
        }
        // The VBG block has no free text at all: nothing identifying can be typed there.
        let vbg = def.sections.iter().find(|s| s.name == "vbg").unwrap();
        assert!(vbg.fields.iter().all(|f| !matches!(
            f.kind,
            crate::forms::FieldType::Text | crate::forms::FieldType::LongText
        )));
    }

    #[test]
    fn future_dates_and_too_many_priorities_are_refused() {
        let def = form("incident");
        let future = answers(json!({
            "category": ["SIG"], "incident_date": "2027-01-01",
            "location": {"region": "ML04"}, "alert_level": "jaune"
        }));
        assert_eq!(problems(&def, &future, TODAY)[0].field, "incident_date");
        let survey = form("questionnaire_preparatoire");
        let a = answers(json!({
            "organisation": "AMPJF", "org_type": "association", "area": {"region": "ML09"},
            "dynamics": "Tensions foncières", "priorities": ["vbg", "foncier", "rumeurs", "droits"],
            "contact_phone": "76 12 34 56"
        }));
        let p = problems(&survey, &a, TODAY);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].field, "priorities");
    }

    #[test]
    fn the_mediation_section_applies_only_to_a_mediation() {
        let def = form("mediation");
        let section = def.sections.iter().find(|s| s.name == "mediation").unwrap();
        assert!(!section_relevant(
            section,
            &answers(json!({"entry_type": "tension"})),
            TODAY
        ));
        assert!(section_relevant(
            section,
            &answers(json!({"entry_type": "mediation"})),
            TODAY
        ));
        let no_parties = answers(json!({
            "entry_type": "tension", "entry_date": "2026-11-20", "location": {"region": "ML02"},
            "cause": ["foncier"], "summary": "Litige sur un champ"
        }));
        let p = problems(&def, &no_parties, TODAY);
        assert_eq!(p[0].problem, Problem::TooFewEntries(1));
    }
}
