//! Editing the answer tree the way the form screens do (a value at a path, a repeat entry
//! added or removed, a multiple choice toggled, a key of an object answer), and the one
//! relevance computation that the screens, validation and finalise share.

use serde_json::{Map, Value as Json};

use super::{holds, relevant_answers, Answers, AnswersEnv, Field, FormDef, Section};

/// Where an answer lives: at the top level, or in entry `index` of a repeat group.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct AnswerPath {
    /// The repeat group and entry index, when inside one.
    pub repeat: Option<(String, usize)>,
    /// The field's name.
    pub name: String,
}

impl AnswerPath {
    /// A top-level field.
    pub fn top(name: &str) -> AnswerPath {
        AnswerPath {
            repeat: None,
            name: name.to_owned(),
        }
    }

    /// A stable element id for the screen (`f-name`, `f-group-2-name`).
    pub fn dom_id(&self) -> String {
        match &self.repeat {
            Some((r, i)) => format!("f-{r}-{i}-{}", self.name),
            None => format!("f-{}", self.name),
        }
    }
}

/// The repeat entry `path` lives in, if any.
fn entry<'a>(answers: &'a Answers, path: &AnswerPath) -> Option<&'a Answers> {
    let (r, i) = path.repeat.as_ref()?;
    answers.get(r)?.as_array()?.get(*i)?.as_object()
}

/// The answer at `path`.
pub fn get<'a>(answers: &'a Answers, path: &AnswerPath) -> Option<&'a Json> {
    match &path.repeat {
        None => answers.get(&path.name),
        Some(_) => entry(answers, path)?.get(&path.name),
    }
}

/// Sets the answer at `path`; `null` removes it. Nothing happens for an entry that does
/// not exist (it was removed meanwhile).
pub fn set(answers: &mut Answers, path: &AnswerPath, value: Json) {
    let slot = match &path.repeat {
        None => answers,
        Some((r, i)) => {
            let Some(entry) = answers
                .get_mut(r)
                .and_then(Json::as_array_mut)
                .and_then(|e| e.get_mut(*i))
                .and_then(Json::as_object_mut)
            else {
                return;
            };
            entry
        }
    };
    if value.is_null() {
        slot.remove(&path.name);
    } else {
        slot.insert(path.name.clone(), value);
    }
}

/// Whether choice `code` is chosen at `path` (one choice or several).
pub fn is_chosen(answers: &Answers, path: &AnswerPath, code: &str) -> bool {
    match get(answers, path) {
        Some(Json::Array(a)) => a.iter().any(|x| x.as_str() == Some(code)),
        Some(Json::String(s)) => s == code,
        _ => false,
    }
}

/// Ticks or unticks `code` of a multiple choice; the last one unticked removes the answer.
pub fn toggle_choice(answers: &mut Answers, path: &AnswerPath, code: &str, on: bool) {
    let mut list: Vec<Json> = match get(answers, path) {
        Some(Json::Array(a)) => a.clone(),
        _ => Vec::new(),
    };
    list.retain(|x| x.as_str() != Some(code));
    if on {
        list.push(Json::String(code.to_owned()));
    }
    let value = if list.is_empty() {
        Json::Null
    } else {
        Json::Array(list)
    };
    set(answers, path, value);
}

/// One key of an object answer (a location's `region`), empty when absent.
pub fn part(answers: &Answers, path: &AnswerPath, key: &str) -> String {
    get(answers, path)
        .and_then(|v| v.get(key))
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Sets keys of an object answer; an empty text removes its key, and an object left empty
/// removes the answer.
pub fn set_parts(answers: &mut Answers, path: &AnswerPath, parts: &[(&str, String)]) {
    let mut obj = match get(answers, path) {
        Some(Json::Object(o)) => o.clone(),
        _ => Map::new(),
    };
    for (k, v) in parts {
        if v.is_empty() {
            obj.remove(*k);
        } else {
            obj.insert((*k).to_owned(), Json::String(v.clone()));
        }
    }
    let value = if obj.is_empty() {
        Json::Null
    } else {
        Json::Object(obj)
    };
    set(answers, path, value);
}

/// How many entries repeat group `group` has.
pub fn entry_count(answers: &Answers, group: &str) -> usize {
    answers
        .get(group)
        .and_then(Json::as_array)
        .map_or(0, Vec::len)
}

/// Adds an empty entry at the end of repeat group `group`.
pub fn add_entry(answers: &mut Answers, group: &str) {
    let mut list = match answers.get(group) {
        Some(Json::Array(a)) => a.clone(),
        _ => Vec::new(),
    };
    list.push(Json::Object(Map::new()));
    answers.insert(group.to_owned(), Json::Array(list));
}

/// Removes entry `index` of repeat group `group`; the last one removed removes the answer.
pub fn remove_entry(answers: &mut Answers, group: &str, index: usize) {
    let Some(list) = answers.get_mut(group).and_then(Json::as_array_mut) else {
        return;
    };
    if index < list.len() {
        list.remove(index);
    }
    if list.is_empty() {
        answers.remove(group);
    }
}

/// Which questions apply, evaluated once on the answers a finalised record would keep
/// ([`relevant_answers`]): the screens show exactly what validation checks and finalise
/// sends. An answer hidden by a later change (a category changed, a section skipped) can
/// no longer keep another question on screen.
#[derive(Clone, Debug, PartialEq)]
pub struct Relevance {
    kept: Answers,
    today: String,
}

impl Relevance {
    /// Relevance of `answers` for `def` on day `today` (`YYYY-MM-DD`).
    pub fn new(def: &FormDef, answers: &Answers, today: &str) -> Relevance {
        Relevance {
            kept: relevant_answers(def, answers, today),
            today: today.to_owned(),
        }
    }

    fn env<'a>(&'a self, path: Option<&AnswerPath>) -> AnswersEnv<'a> {
        AnswersEnv {
            root: &self.kept,
            entry: path.and_then(|p| entry(&self.kept, p)),
            today: &self.today,
        }
    }

    /// Whether `section` applies.
    pub fn section(&self, section: &Section) -> bool {
        holds(section.relevant.as_deref(), &self.env(None))
    }

    /// The indexes of the sections that apply, in order.
    pub fn sections(&self, def: &FormDef) -> Vec<usize> {
        def.sections
            .iter()
            .enumerate()
            .filter(|(_, s)| self.section(s))
            .map(|(i, _)| i)
            .collect()
    }

    /// Every problem of the answers, on the same kept answers (see [`super::problems`]).
    pub fn problems(&self, def: &FormDef) -> Vec<super::Located> {
        super::problems_of_kept(def, &self.kept, &self.today)
    }

    /// The codes of the choices `field`, at `path`, offers now (its `choice_filter`
    /// applied to these answers).
    pub fn offered(&self, def: &FormDef, field: &Field, path: &AnswerPath) -> Vec<String> {
        super::offered(def, field, &self.env(Some(path)))
            .into_iter()
            .map(|c| c.code.clone())
            .collect()
    }

    /// Whether `field`, at `path`, applies.
    pub fn field(&self, field: &Field, path: &AnswerPath) -> bool {
        holds(field.relevant.as_deref(), &self.env(Some(path)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::{builtin, problems, validate::load};
    use serde_json::json;

    fn answers(v: Json) -> Answers {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn values_are_set_and_removed_at_top_level_and_in_entries() {
        let mut a = Answers::new();
        set(&mut a, &AnswerPath::top("x"), json!("oui"));
        assert_eq!(get(&a, &AnswerPath::top("x")), Some(&json!("oui")));
        set(&mut a, &AnswerPath::top("x"), Json::Null);
        assert!(a.is_empty());
        add_entry(&mut a, "people");
        add_entry(&mut a, "people");
        let second = AnswerPath {
            repeat: Some(("people".into(), 1)),
            name: "age".into(),
        };
        set(&mut a, &second, json!(30));
        assert_eq!(a, answers(json!({"people": [{}, {"age": 30}]})));
        assert_eq!(second.dom_id(), "f-people-1-age");
        remove_entry(&mut a, "people", 0);
        assert_eq!(entry_count(&a, "people"), 1);
        assert_eq!(
            get(
                &a,
                &AnswerPath {
                    repeat: Some(("people".into(), 0)),
                    name: "age".into()
                }
            ),
            Some(&json!(30))
        );
        // Setting into an entry that no longer exists changes nothing.
        set(&mut a, &second, json!(1));
        assert_eq!(a, answers(json!({"people": [{"age": 30}]})));
        remove_entry(&mut a, "people", 5);
        remove_entry(&mut a, "people", 0);
        assert!(a.is_empty(), "the last entry removed removes the group");
    }

    #[test]
    fn multiple_choices_toggle_and_objects_take_parts() {
        let mut a = Answers::new();
        let cats = AnswerPath::top("cats");
        toggle_choice(&mut a, &cats, "PHY", true);
        toggle_choice(&mut a, &cats, "VBG", true);
        toggle_choice(&mut a, &cats, "PHY", true);
        assert_eq!(a["cats"], json!(["VBG", "PHY"]));
        assert!(is_chosen(&a, &cats, "VBG") && !is_chosen(&a, &cats, "MEN"));
        toggle_choice(&mut a, &cats, "VBG", false);
        toggle_choice(&mut a, &cats, "PHY", false);
        assert!(a.is_empty());
        let place = AnswerPath::top("location");
        set_parts(
            &mut a,
            &place,
            &[("region", "ML03".into()), ("cercle", "ML0302".into())],
        );
        assert_eq!(part(&a, &place, "cercle"), "ML0302");
        set_parts(&mut a, &place, &[("cercle", String::new())]);
        assert_eq!(a["location"], json!({"region": "ML03"}));
        set_parts(&mut a, &place, &[("region", String::new())]);
        assert!(a.is_empty());
    }

    /// Bug: the screen evaluated relevance on the raw answers, validation and finalise on
    /// the kept ones. "A woman targeted" ticked in a section that a later change of
    /// category skips kept the GBV section on screen, but what was typed there was
    /// neither checked nor sent.
    #[test]
    fn the_screen_shows_what_finalise_checks_and_sends() {
        let def = builtin::SOURCES
            .iter()
            .find(|(id, _)| *id == "incident")
            .map(|(_, src)| load(src).expect("the built-in incident form"))
            .expect("incident");
        let vbg = def.sections.iter().position(|s| s.name == "vbg").unwrap();
        let today = "2026-11-23";
        let ticked = answers(json!({"category": ["PHY"], "gender_targeted": true}));
        assert!(Relevance::new(&def, &ticked, today)
            .sections(&def)
            .contains(&vbg));
        // The category changes to one for which the perpetrators' section (and its
        // "woman targeted" question) does not apply.
        let changed = answers(json!({"category": ["POS"], "gender_targeted": true}));
        let now = Relevance::new(&def, &changed, today);
        assert!(!now.sections(&def).contains(&vbg));
        // And validation agrees: nothing in that section is asked for.
        let section_fields: Vec<&str> = def.sections[vbg]
            .fields
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert!(problems(&def, &changed, today)
            .iter()
            .all(|p| !section_fields.contains(&p.field.as_str())));
    }
}
