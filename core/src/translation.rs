//! Interface translations published by a deployment, like form definitions, so that a
//! fluent reviewer can supply a language (Bambara, …) without a developer. A translation
//! must give every message of the catalogue, no unknown one, and keep each message's
//! placeholders (`{n}`, `{total}`…); anything else is refused with the reason, and the
//! interface stays in French and English. None ships with the app.
//!
//! ```json
//! {"code": "bm", "name": "Bamanankan", "messages": {"SendNow": "…", …}}
//! ```
//!
//! `vigie-server translation-template` prints one with every key and its French text.

use std::collections::BTreeMap;

use serde_json::Value as Json;

pub use crate::i18n::{install, installed, Translation};
use crate::i18n::{Lang, Msg};

/// Why a translation is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Not an object with `code`, `name` and `messages`.
    #[error("the translation must be an object with 'code', 'name' and 'messages'")]
    Shape,
    /// The code is not 2–3 lowercase letters, or is a built-in language.
    #[error("'code' must be 2 or 3 lowercase letters and not fr or en: {0}")]
    Code(String),
    /// Messages the catalogue has that the translation lacks.
    #[error("{} messages are missing, e.g. {}", .0.len(), .0.iter().take(5).cloned().collect::<Vec<_>>().join(", "))]
    Missing(Vec<String>),
    /// Keys the catalogue does not have.
    #[error("unknown messages: {}", .0.iter().take(5).cloned().collect::<Vec<_>>().join(", "))]
    Unknown(Vec<String>),
    /// A message that drops or adds a placeholder.
    #[error("message {0} must keep the placeholders {1}")]
    Placeholders(String, String),
    /// A message that is empty or too long.
    #[error("message {0} is empty or too long")]
    Length(String),
}

fn placeholders(text: &str) -> Vec<&str> {
    let mut out: Vec<&str> = text
        .match_indices('{')
        .filter_map(|(i, _)| text[i..].find('}').map(|j| &text[i..=i + j]))
        .collect();
    out.sort_unstable();
    out
}

/// Checks a published translation against the catalogue.
pub fn parse(value: &Json) -> Result<Translation, Refused> {
    let code = value
        .get("code")
        .and_then(Json::as_str)
        .ok_or(Refused::Shape)?;
    let name = value
        .get("name")
        .and_then(Json::as_str)
        .ok_or(Refused::Shape)?;
    let messages = value
        .get("messages")
        .and_then(Json::as_object)
        .ok_or(Refused::Shape)?;
    let good_code = (2..=3).contains(&code.len())
        && code.chars().all(|c| c.is_ascii_lowercase())
        && code != "fr"
        && code != "en";
    if !good_code {
        return Err(Refused::Code(code.chars().take(10).collect()));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        return Err(Refused::Shape);
    }
    let all: Vec<(&str, &str)> = Msg::ALL
        .iter()
        .map(|m| (m.key(), m.text(Lang::Fr)))
        .collect();
    let messages = section(messages, &all)?;
    Ok(Translation {
        code: code.to_owned(),
        name: name.to_owned(),
        messages,
        coordination: coordination(value)?,
    })
}

/// The coordinator pages' section (`coordination`), checked like the app's messages when
/// given; the phone's build ignores it.
#[cfg(feature = "coordination")]
fn coordination(value: &Json) -> Result<BTreeMap<String, String>, Refused> {
    use crate::i18n::CoordMsg;
    match value.get("coordination") {
        None | Some(Json::Null) => Ok(BTreeMap::new()),
        Some(Json::Object(texts)) => {
            let all: Vec<(&str, &str)> = CoordMsg::ALL
                .iter()
                .map(|m| (m.key(), m.text(Lang::Fr)))
                .collect();
            section(texts, &all)
        }
        Some(_) => Err(Refused::Shape),
    }
}

#[cfg(not(feature = "coordination"))]
fn coordination(_: &Json) -> Result<BTreeMap<String, String>, Refused> {
    Ok(BTreeMap::new())
}

/// The texts of one section, checked against `all` (key, French text): every key given,
/// none unknown, each of a sensible length and with the French text's placeholders.
fn section(
    messages: &serde_json::Map<String, Json>,
    all: &[(&str, &str)],
) -> Result<BTreeMap<String, String>, Refused> {
    let unknown: Vec<String> = messages
        .keys()
        .filter(|k| !all.iter().any(|(key, _)| key == k))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(Refused::Unknown(unknown));
    }
    let missing: Vec<String> = all
        .iter()
        .filter(|(k, _)| !messages.get(*k).is_some_and(Json::is_string))
        .map(|(k, _)| (*k).to_owned())
        .collect();
    if !missing.is_empty() {
        return Err(Refused::Missing(missing));
    }
    let mut out = BTreeMap::new();
    for (key, french) in all {
        let text = messages
            .get(*key)
            .and_then(Json::as_str)
            .unwrap_or_default();
        if text.trim().is_empty() || text.chars().count() > 3 * french.chars().count() + 100 {
            return Err(Refused::Length((*key).to_owned()));
        }
        if placeholders(text) != placeholders(french) {
            return Err(Refused::Placeholders(
                (*key).to_owned(),
                placeholders(french).join(" "),
            ));
        }
        out.insert((*key).to_owned(), text.to_owned());
    }
    Ok(out)
}
/// The request for the published translation: generic JSON `GET {base}/translation`
/// (`{"translation": … | null}`). None for other backends, which do not publish one.
pub fn request(backend: &crate::backend::Backend) -> Option<crate::backend::HttpRequest> {
    match backend {
        crate::backend::Backend::GenericJson { .. } => {
            crate::forms::remote::published_request(backend, "translation")
        }
        _ => None,
    }
}

/// A template for translators: every key with its French text (and, in the receiver's
/// build, the coordinator pages' texts under `coordination`).
pub fn template() -> Json {
    let messages: serde_json::Map<String, Json> = Msg::ALL
        .iter()
        .map(|m| {
            (
                m.key().to_owned(),
                Json::String(m.text(Lang::Fr).to_owned()),
            )
        })
        .collect();
    #[allow(unused_mut)]
    let mut t = serde_json::json!({"code": "xx", "name": "…", "messages": messages});
    #[cfg(feature = "coordination")]
    {
        use crate::i18n::CoordMsg;
        let texts: serde_json::Map<String, Json> = CoordMsg::ALL
            .iter()
            .map(|m| {
                (
                    m.key().to_owned(),
                    Json::String(m.text(Lang::Fr).to_owned()),
                )
            })
            .collect();
        t["coordination"] = Json::Object(texts);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A complete translation for tests: "[xx] " before each French text. Not a language.
    fn complete() -> Json {
        let mut t = template();
        t["code"] = "bm".into();
        t["name"] = "Essai".into();
        for section in ["messages", "coordination"] {
            if let Some(texts) = t.get_mut(section).and_then(Json::as_object_mut) {
                for (_, v) in texts {
                    *v = Json::String(format!("[xx] {}", v.as_str().unwrap()));
                }
            }
        }
        t
    }

    #[test]
    fn plan_labels_are_catalogue_texts_a_translation_reaches() {
        use crate::plans::schema;
        let t = parse(&complete()).expect("complete");
        let spec = schema::list(crate::plans::PlanKind::PlanCommunal, "activities").unwrap();
        assert_eq!(t.msg(spec.title), "[xx] Activités");
        let status = spec.field("status").unwrap();
        assert_eq!(t.msg(status.label), "[xx] Statut");
        assert!(
            t.messages.contains_key("PlanStatusRealisee"),
            "choices are in the template too"
        );
    }

    #[cfg(feature = "coordination")]
    #[test]
    fn the_coordination_section_is_checked_when_given_and_optional() {
        use crate::i18n::CoordMsg;
        let t = parse(&complete()).expect("complete");
        assert_eq!(t.coordination.len(), CoordMsg::ALL.len());
        assert_eq!(t.coordination["Records"], "[xx] Rapports reçus");
        let mut without = complete();
        without.as_object_mut().unwrap().remove("coordination");
        assert!(parse(&without).expect("optional").coordination.is_empty());
        let mut missing = complete();
        missing["coordination"]
            .as_object_mut()
            .unwrap()
            .remove("Records");
        assert!(
            matches!(parse(&missing), Err(Refused::Missing(k)) if k == vec!["Records".to_owned()])
        );
        let mut holes = complete();
        holes["coordination"]["SpentOf"] = "dépensé".into();
        assert!(matches!(parse(&holes), Err(Refused::Placeholders(..))));
        let mut shape = complete();
        shape["coordination"] = "non".into();
        assert_eq!(parse(&shape), Err(Refused::Shape));
    }

    #[test]
    fn a_complete_translation_is_installed_and_used() {
        let t = parse(&complete()).expect("complete");
        assert_eq!(t.messages.len(), Msg::ALL.len());
        install(t);
        assert_eq!(Msg::SendNow.text(Lang::Local), "[xx] Envoyer maintenant");
        assert_eq!(Lang::Local.code(), "bm");
        assert_eq!(Lang::Local.native_name(), "Essai");
        assert_eq!(Lang::from_code("bm"), Some(Lang::Local));
        assert!(Lang::available().contains(&Lang::Local));
        assert_eq!(
            Msg::SendNow.text(Lang::Fr),
            "Envoyer maintenant",
            "French unchanged"
        );
    }

    #[test]
    fn incomplete_unknown_or_broken_translations_are_refused_with_the_reason() {
        let mut missing = complete();
        missing["messages"]
            .as_object_mut()
            .unwrap()
            .remove("SendNow");
        assert!(
            matches!(parse(&missing), Err(Refused::Missing(k)) if k == vec!["SendNow".to_owned()])
        );
        let mut unknown = complete();
        unknown["messages"]["Bonjour"] = "x".into();
        assert!(matches!(parse(&unknown), Err(Refused::Unknown(_))));
        let mut holes = complete();
        holes["messages"]["Sending"] = "envoi".into();
        let err = parse(&holes).unwrap_err();
        assert_eq!(
            err,
            Refused::Placeholders("Sending".into(), "{done} {total}".into())
        );
        assert!(err.to_string().contains("{done}"));
        let mut french = complete();
        french["code"] = "fr".into();
        assert!(matches!(parse(&french), Err(Refused::Code(_))));
        let mut empty = complete();
        empty["messages"]["Save"] = " ".into();
        assert_eq!(parse(&empty), Err(Refused::Length("Save".into())));
        assert_eq!(parse(&serde_json::json!([])), Err(Refused::Shape));
    }
}
