//! Forms as data: the definition format ([`model`]), its expression language ([`expr`]),
//! validation of definitions ([`validate`]), and what a definition says about one set of
//! answers: which questions apply, which answers are missing or wrong, what is calculated.
//!
//! Answers live in a JSON object (the record's payload): one key per field name; a repeat
//! group is an array of such objects; select_multiple is an array of codes; location and
//! counts are objects (docs/FORMS.md).

pub mod answers;
pub mod builtin;
pub mod counts;
pub mod expr;
pub mod model;
pub mod readable;
pub mod remote;
pub mod validate;

use serde_json::{Map, Value as Json};

use expr::{Env, Expr, Value};
pub use model::{Choice, Field, FieldType, FormDef, Section, Text};
pub use validate::{load, Invalid};

/// Answers, as stored in a draft or a record's payload.
pub type Answers = Map<String, Json>;

/// What is wrong with one answer. The views word it in the user's language.
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    /// A required question has no answer.
    Required,
    /// Not a number.
    NotANumber,
    /// A whole number is expected.
    NotWhole,
    /// Smaller than the minimum.
    TooSmall(f64),
    /// Larger than the maximum.
    TooLarge(f64),
    /// Fewer characters than allowed.
    TooShort(u32),
    /// More characters than allowed.
    TooLong(u32),
    /// Does not match the pattern.
    Pattern(String),
    /// The form's constraint failed; its message, if it has one.
    Constraint(Option<Text>),
    /// A repeat group has fewer entries than required.
    TooFewEntries(u32),
    /// A repeat group has more entries than allowed.
    TooManyEntries(u32),
    /// A date or time that is not one.
    BadDateOrTime,
    /// A choice the question's `choice_filter` no longer offers (an earlier answer
    /// changed): to be chosen again.
    NotOffered,
}

/// Where a problem is: the field, and the repeat entry (0-based) when inside one.
#[derive(Clone, Debug, PartialEq)]
pub struct Located {
    /// Field name.
    pub field: String,
    /// Repeat group name and entry index, for fields inside a repeat.
    pub entry: Option<(String, usize)>,
    /// The problem.
    pub problem: Problem,
}

/// Turns a stored answer into an expression value.
pub fn to_value(j: Option<&Json>) -> Value {
    match j {
        None | Some(Json::Null) => Value::Null,
        Some(Json::Bool(b)) => Value::Bool(*b),
        Some(Json::Number(n)) => n.as_f64().map_or(Value::Null, Value::Num),
        Some(Json::String(s)) if s.is_empty() => Value::Null,
        Some(Json::String(s)) => Value::Str(s.clone()),
        Some(Json::Array(items)) => Value::List(
            items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect(),
        ),
        // A location answers with its commune (or cercle, or region); counts with the total.
        Some(Json::Object(o)) => {
            if let Some(t) = o.get("total").and_then(Json::as_f64) {
                return Value::Num(t);
            }
            ["commune", "cercle", "region"]
                .iter()
                .find_map(|k| o.get(*k).and_then(Json::as_str).filter(|s| !s.is_empty()))
                .map_or(Value::Null, |s| Value::Str(s.to_owned()))
        }
    }
}

/// What expressions see: the answers of a repeat entry first (when evaluating inside one),
/// then the whole form's.
pub struct AnswersEnv<'a> {
    /// All answers.
    pub root: &'a Answers,
    /// The repeat entry being evaluated, if any.
    pub entry: Option<&'a Answers>,
    /// Today, `YYYY-MM-DD`.
    pub today: &'a str,
}

impl Env for AnswersEnv<'_> {
    fn field(&self, name: &str) -> Value {
        let local = self.entry.and_then(|e| e.get(name));
        to_value(local.or_else(|| self.root.get(name)))
    }

    fn repeat_count(&self, name: &str) -> usize {
        self.root
            .get(name)
            .and_then(Json::as_array)
            .map_or(0, Vec::len)
    }

    fn today(&self) -> String {
        self.today.to_owned()
    }
}

/// One choice seen by a `choice_filter`: the answers of `inner`, and `choice('x')` read
/// from the choice (`name` is its code unless it carries an `x` of that name).
struct ChoiceEnv<'a> {
    inner: &'a AnswersEnv<'a>,
    choice: &'a Choice,
}

impl Env for ChoiceEnv<'_> {
    fn field(&self, name: &str) -> Value {
        self.inner.field(name)
    }

    fn repeat_count(&self, name: &str) -> usize {
        self.inner.repeat_count(name)
    }

    fn today(&self) -> String {
        self.inner.today()
    }

    fn choice(&self, name: &str) -> Value {
        match self.choice.attrs.get(name) {
            Some(v) if !v.is_empty() => Value::Str(v.clone()),
            None if name == "name" => Value::Str(self.choice.code.clone()),
            _ => Value::Null,
        }
    }
}

/// The choices of `field` offered with these answers: every one, or those its
/// `choice_filter` keeps.
pub fn offered<'a>(def: &'a FormDef, field: &'a Field, env: &AnswersEnv<'_>) -> Vec<&'a Choice> {
    let all = def.choices_of(field).iter();
    match parsed(field.choice_filter.as_deref()) {
        None => all.collect(),
        Some(rule) => all
            .filter(|choice| {
                let env = ChoiceEnv { inner: env, choice };
                expr::eval(&rule, &env, &Value::Null).truthy()
            })
            .collect(),
    }
}

fn parsed(src: Option<&str>) -> Option<Expr> {
    // Definitions are validated before use, so a parse failure here means "no rule".
    src.and_then(|s| expr::parse(s).ok())
}

/// Whether `rule` (a `relevant` expression) holds; no rule means yes.
pub fn holds(rule: Option<&str>, env: &AnswersEnv<'_>) -> bool {
    parsed(rule).is_none_or(|e| expr::eval(&e, env, &Value::Null).truthy())
}

/// Whether a record with this payload gets a discreet receipt (see
/// [`FormDef::discreet_receipt_when`]); a form without the rule gives ordinary receipts.
pub fn discreet_receipt(def: &FormDef, payload: &Answers, today: &str) -> bool {
    form_rule(def.discreet_receipt_when.as_deref(), payload, today)
}

/// Whether a record with this payload is sent before older ones (see
/// [`FormDef::urgent_when`]); a form without the rule sends in order.
pub fn urgent(def: &FormDef, payload: &Answers, today: &str) -> bool {
    form_rule(def.urgent_when.as_deref(), payload, today)
}

/// Whether a form-level rule holds for `payload`; no rule (or one that does not parse,
/// which validation refuses) means no.
fn form_rule(rule: Option<&str>, payload: &Answers, today: &str) -> bool {
    let env = AnswersEnv {
        root: payload,
        entry: None,
        today,
    };
    rule.and_then(|s| expr::parse(s).ok())
        .is_some_and(|e| expr::eval(&e, &env, &Value::Null).truthy())
}

/// The parts of a place answer that describe where the user usually works (not the village,
/// which changes from one record to the next).
const USUAL_PARTS: [&str; 4] = ["region", "cercle", "commune", "commune_other"];

/// Offers the usual place in a new form: every unanswered place question (outside repeat
/// groups) starts with it; the user changes it in one tap.
pub fn prefill_place(def: &FormDef, answers: &mut Answers, place: &Answers) {
    let place: Answers = place
        .iter()
        .filter(|(k, v)| USUAL_PARTS.contains(&k.as_str()) && v.is_string())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if place.is_empty() {
        return;
    }
    for f in def.sections.iter().flat_map(|s| &s.fields) {
        if f.kind == FieldType::Location && !answered(answers.get(&f.name)) {
            answers.insert(f.name.clone(), Json::Object(place.clone()));
        }
    }
}

/// Fills the questions of a new form that have a `default` and no answer yet (a date
/// question with `"today"` gets `today`).
pub fn prefill_defaults(def: &FormDef, answers: &mut Answers, today: &str) {
    for f in def.sections.iter().flat_map(|s| &s.fields) {
        if f.kind == FieldType::Date
            && f.default.as_deref() == Some("today")
            && !answered(answers.get(&f.name))
        {
            answers.insert(f.name.clone(), Json::String(today.to_owned()));
        }
    }
}

/// Whether a section applies to these answers.
pub fn section_relevant(section: &Section, answers: &Answers, today: &str) -> bool {
    let env = AnswersEnv {
        root: answers,
        entry: None,
        today,
    };
    holds(section.relevant.as_deref(), &env)
}

/// Whether a field has an answer.
pub fn answered(j: Option<&Json>) -> bool {
    match j {
        None | Some(Json::Null) => false,
        Some(Json::String(s)) => !s.trim().is_empty(),
        Some(Json::Array(a)) => !a.is_empty(),
        Some(Json::Object(o)) => o.values().any(|v| answered(Some(v))),
        Some(_) => true,
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && s[..4].parse::<u16>().is_ok()
        && s[5..7].parse::<u8>().is_ok_and(|m| (1..=12).contains(&m))
        && s[8..].parse::<u8>().is_ok_and(|d| (1..=31).contains(&d))
}

fn is_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 5
        && b[2] == b':'
        && s[..2].parse::<u8>().is_ok_and(|h| h < 24)
        && s[3..].parse::<u8>().is_ok_and(|m| m < 60)
}

/// The problem with one answer of `field`, if any (the field is relevant).
pub fn check_field(
    def: &FormDef,
    field: &Field,
    env: &AnswersEnv<'_>,
    answer: Option<&Json>,
) -> Option<Problem> {
    if !field.kind.has_value() || field.calculate.is_some() {
        return None;
    }
    if field.kind == FieldType::Repeat {
        let n = answer.and_then(Json::as_array).map_or(0, Vec::len) as u32;
        if let Some(min) = field.min_count.filter(|m| n < *m) {
            return Some(Problem::TooFewEntries(min));
        }
        if let Some(max) = field.max_count.filter(|m| n > *m) {
            return Some(Problem::TooManyEntries(max));
        }
        return None;
    }
    if !answered(answer) {
        return field.required.then_some(Problem::Required);
    }
    let value = to_value(answer);
    match field.kind {
        FieldType::Integer | FieldType::Decimal => {
            let n = match answer {
                Some(Json::Number(n)) => n.as_f64(),
                Some(Json::String(s)) => s.trim().replace(',', ".").parse::<f64>().ok(),
                _ => None,
            };
            let Some(n) = n.filter(|n| n.is_finite()) else {
                return Some(Problem::NotANumber);
            };
            if field.kind == FieldType::Integer && n.fract() != 0.0 {
                return Some(Problem::NotWhole);
            }
            if let Some(min) = field.min.filter(|m| n < *m) {
                return Some(Problem::TooSmall(min));
            }
            if let Some(max) = field.max.filter(|m| n > *m) {
                return Some(Problem::TooLarge(max));
            }
        }
        FieldType::Text | FieldType::LongText => {
            let text = answer.and_then(Json::as_str).unwrap_or("");
            let len = text.chars().count() as u32;
            if let Some(min) = field.min_length.filter(|m| len < *m) {
                return Some(Problem::TooShort(min));
            }
            if let Some(max) = field.max_length.filter(|m| len > *m) {
                return Some(Problem::TooLong(max));
            }
            if let Some(p) = field
                .pattern
                .as_ref()
                .filter(|p| !validate::pattern_matches(p, text.trim()))
            {
                return Some(Problem::Pattern(p.clone()));
            }
        }
        FieldType::Counts if !counts::within_bounds(answer) => {
            return Some(Problem::TooLarge(counts::MAX_COUNT as f64))
        }
        FieldType::Date if !answer.and_then(Json::as_str).is_some_and(is_date) => {
            return Some(Problem::BadDateOrTime)
        }
        FieldType::Time if !answer.and_then(Json::as_str).is_some_and(is_time) => {
            return Some(Problem::BadDateOrTime)
        }
        FieldType::SelectOne | FieldType::SelectMultiple if field.choice_filter.is_some() => {
            let offered = offered(def, field, env);
            let chosen = match &value {
                Value::List(codes) => codes.clone(),
                Value::Str(code) => vec![code.clone()],
                _ => Vec::new(),
            };
            if !chosen.iter().all(|c| offered.iter().any(|o| o.code == *c)) {
                return Some(Problem::NotOffered);
            }
        }
        _ => {}
    }
    if let Some(rule) = parsed(field.constraint.as_deref()) {
        if !expr::eval(&rule, env, &value).truthy() {
            return Some(Problem::Constraint(field.constraint_message.clone()));
        }
    }
    None
}

/// Every problem of these answers, in form order, skipping what is not relevant.
pub fn problems(def: &FormDef, answers: &Answers, today: &str) -> Vec<Located> {
    problems_of_kept(def, &relevant_answers(def, answers, today), today)
}

/// [`problems`] of answers already pruned by [`relevant_answers`] (the form screens have
/// them from their relevance computation: no second pruning per keystroke).
pub fn problems_of_kept(def: &FormDef, answers: &Answers, today: &str) -> Vec<Located> {
    let env = AnswersEnv {
        root: answers,
        entry: None,
        today,
    };
    let mut out = Vec::new();
    for section in def
        .sections
        .iter()
        .filter(|s| holds(s.relevant.as_deref(), &env))
    {
        for field in &section.fields {
            if !holds(field.relevant.as_deref(), &env) {
                continue;
            }
            if let Some(p) = check_field(def, field, &env, answers.get(&field.name)) {
                out.push(Located {
                    field: field.name.clone(),
                    entry: None,
                    problem: p,
                });
            }
            if field.kind == FieldType::Repeat {
                let entries = answers.get(&field.name).and_then(Json::as_array);
                for (i, entry) in entries.into_iter().flatten().enumerate() {
                    let Some(entry) = entry.as_object() else {
                        continue;
                    };
                    let inner = AnswersEnv {
                        root: answers,
                        entry: Some(entry),
                        today,
                    };
                    for f in field
                        .fields
                        .iter()
                        .filter(|f| holds(f.relevant.as_deref(), &inner))
                    {
                        if let Some(p) = check_field(def, f, &inner, entry.get(&f.name)) {
                            out.push(Located {
                                field: f.name.clone(),
                                entry: Some((field.name.clone(), i)),
                                problem: p,
                            });
                        }
                    }
                }
            }
        }
    }
    out
}

fn number_json(v: &Value) -> Json {
    match v {
        Value::Num(n) => serde_json::Number::from_f64(*n).map_or(Json::Null, Json::Number),
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Str(s) => Json::String(s.clone()),
        Value::List(l) => Json::Array(l.iter().cloned().map(Json::String).collect()),
    }
}

/// Computes every `calculate` field (top level) into `answers`, each once, in dependency
/// order: a calculation comes after every calculation it reads (validation refuses cycles
/// and bounds their number), so a chain settles in one pass instead of one pass per link.
pub fn apply_calculations(def: &FormDef, answers: &mut Answers, today: &str) {
    let calculated: Vec<(&str, Expr)> = def
        .sections
        .iter()
        .flat_map(|s| &s.fields)
        .filter_map(|f| Some((f.name.as_str(), parsed(f.calculate.as_deref())?)))
        .collect();
    let names: Vec<&str> = calculated.iter().map(|(n, _)| *n).collect();
    let reads: Vec<Vec<usize>> = calculated
        .iter()
        .map(|(_, e)| {
            e.fields()
                .into_iter()
                .filter_map(|f| names.iter().position(|n| *n == f))
                .collect()
        })
        .collect();
    let mut order = Vec::with_capacity(calculated.len());
    let mut placed = vec![false; calculated.len()];
    while order.len() < calculated.len() {
        let before = order.len();
        for i in 0..calculated.len() {
            if !placed[i] && reads[i].iter().all(|d| placed[*d] || *d == i) {
                placed[i] = true;
                order.push(i);
            }
        }
        if order.len() == before {
            // A cycle (a definition validation would refuse): the rest in form order.
            order.extend((0..calculated.len()).filter(|i| !placed[*i]));
            break;
        }
    }
    for i in order {
        let (name, e) = &calculated[i];
        let env = AnswersEnv {
            root: answers,
            entry: None,
            today,
        };
        let v = number_json(&expr::eval(e, &env, &Value::Null));
        answers.insert((*name).to_owned(), v);
    }
}

/// The answers a finalised record keeps: those of relevant questions only (an answer given
/// and then made irrelevant by a later change is not sent, and no rule reads it). Relevance
/// is evaluated on the kept answers until nothing changes, so a question that depends on
/// an irrelevant one is dropped too.
pub fn relevant_answers(def: &FormDef, answers: &Answers, today: &str) -> Answers {
    let mut kept = answers.clone();
    // Each pass can only drop answers, so it settles in at most one pass per field.
    for _ in 0..=def.all_fields().len() {
        let next = prune_once(def, answers, &kept, today);
        if next == kept {
            break;
        }
        kept = next;
    }
    kept
}

fn prune_once(def: &FormDef, answers: &Answers, view: &Answers, today: &str) -> Answers {
    let env = AnswersEnv {
        root: view,
        entry: None,
        today,
    };
    let mut out = Answers::new();
    for section in def
        .sections
        .iter()
        .filter(|s| holds(s.relevant.as_deref(), &env))
    {
        for field in section.fields.iter().filter(|f| f.kind.has_value()) {
            if !holds(field.relevant.as_deref(), &env) {
                continue;
            }
            if let Some(v) = answers.get(&field.name).filter(|v| answered(Some(v))) {
                out.insert(field.name.clone(), v.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn def() -> FormDef {
        load(
            &json!({
                "format": 1, "id": "t", "version": "1", "kind": "report", "title": {"fr": "T"},
                "sections": [
                    {"name": "a", "title": {"fr": "A"}, "fields": [
                        {"name": "cats", "type": "select_multiple", "label": {"fr": "Catégories"}, "required": true,
                         "choices": [{"code": "VBG-01", "label": {"fr": "Viol"}}, {"code": "PHY-02", "label": {"fr": "Coups"}}]},
                        {"name": "level", "type": "select_one", "label": {"fr": "Niveau"}, "required": true,
                         "choices": [{"code": "jaune", "label": {"fr": "Jaune"}}, {"code": "orange", "label": {"fr": "Orange"}}],
                         "constraint": "not(selected(${cats}, 'VBG-01')) or . = 'orange'",
                         "constraint_message": {"fr": "Un viol est au moins Orange", "en": "Rape is at least Orange"}},
                        {"name": "women", "type": "integer", "label": {"fr": "Femmes"}, "min": 0, "max": 500},
                        {"name": "men", "type": "integer", "label": {"fr": "Hommes"}, "min": 0},
                        {"name": "total", "type": "integer", "label": {"fr": "Total"}, "calculate": "${women} + ${men}"},
                        {"name": "phone", "type": "text", "label": {"fr": "Tél"}, "pattern": "## ## ## ##"},
                        {"name": "people", "type": "repeat", "label": {"fr": "Personnes"}, "min_count": 1, "max_count": 3,
                         "fields": [{"name": "age", "type": "integer", "label": {"fr": "Âge"}, "required": true, "max": 120}]}
                    ]},
                    {"name": "vbg", "title": {"fr": "VBG"}, "relevant": "selected(${cats}, 'VBG-01')", "fields": [
                        {"name": "consent", "type": "yes_no", "label": {"fr": "Consentement"}, "required": true}
                    ]}
                ]
            })
            .to_string(),
        )
        .unwrap()
    }

    fn answers(v: Json) -> Answers {
        v.as_object().unwrap().clone()
    }

    const TODAY: &str = "2026-11-22";

    #[test]
    fn missing_and_wrong_answers_are_located() {
        let d = def();
        let a = answers(json!({"women": "3.5", "phone": "76 12", "people": [{"age": 130}, {}]}));
        let found: Vec<(String, Problem)> = problems(&d, &a, TODAY)
            .into_iter()
            .map(|l| (l.field, l.problem))
            .collect();
        assert_eq!(
            found,
            vec![
                ("cats".into(), Problem::Required),
                ("level".into(), Problem::Required),
                ("women".into(), Problem::NotWhole),
                ("phone".into(), Problem::Pattern("## ## ## ##".into())),
                ("age".into(), Problem::TooLarge(120.0)),
                ("age".into(), Problem::Required),
            ]
        );
        let entries: Vec<_> = problems(&d, &a, TODAY)
            .into_iter()
            .filter_map(|l| l.entry)
            .collect();
        assert_eq!(entries, vec![("people".into(), 0), ("people".into(), 1)]);
    }

    #[test]
    fn skip_logic_and_cross_field_constraints_apply() {
        let d = def();
        let rape_yellow =
            answers(json!({"cats": ["VBG-01"], "level": "jaune", "people": [{"age": 20}]}));
        let p = problems(&d, &rape_yellow, TODAY);
        assert!(matches!(&p[0].problem, Problem::Constraint(Some(t)) if t.fr.contains("Orange")));
        // The VBG section applies only when a VBG category is chosen.
        assert_eq!(p[1].field, "consent");
        let beating =
            answers(json!({"cats": ["PHY-02"], "level": "jaune", "people": [{"age": 20}]}));
        assert!(problems(&d, &beating, TODAY).is_empty());
        let vbg = &d.sections[1];
        assert!(!section_relevant(vbg, &beating, TODAY));
        assert!(section_relevant(vbg, &rape_yellow, TODAY));
    }

    /// Region → cercle cascade, and a multiple choice filtered inside a repeat entry.
    fn cascade() -> FormDef {
        load(
            &json!({
                "format": 1, "id": "c", "version": "1", "kind": "survey", "title": {"fr": "C"},
                "choice_lists": {
                    "regions": [{"code": "ML01", "label": {"fr": "Kayes"}},
                                {"code": "ML03", "label": {"fr": "Sikasso"}}],
                    "cercles": [{"code": "ML0101", "label": {"fr": "Kayes"}, "attrs": {"region": "ML01"}},
                                {"code": "ML0302", "label": {"fr": "Kadiolo"}, "attrs": {"region": "ML03"}},
                                {"code": "ML0303", "label": {"fr": "Kolondiéba"}, "attrs": {"region": "ML03"}},
                                {"code": "autre", "label": {"fr": "Autre"}}]
                },
                "sections": [{"name": "s", "title": {"fr": "S"}, "fields": [
                    {"name": "region", "type": "select_one", "label": {"fr": "Région"}, "choices": "regions"},
                    {"name": "cercle", "type": "select_one", "label": {"fr": "Cercle"}, "choices": "cercles",
                     "choice_filter": "choice('region') = ${region} or choice('name') = 'autre'"},
                    {"name": "visits", "type": "repeat", "label": {"fr": "Visites"}, "fields": [
                        {"name": "where", "type": "select_one", "label": {"fr": "Région"}, "choices": "regions"},
                        {"name": "cercles", "type": "select_multiple", "label": {"fr": "Cercles"}, "choices": "cercles",
                         "choice_filter": "choice('region') = ${where}"}
                    ]}
                ]}]
            })
            .to_string(),
        )
        .unwrap()
    }

    #[test]
    fn a_choice_filter_offers_the_choices_of_the_earlier_answer_and_refuses_others() {
        let d = cascade();
        let codes = |a: &Answers, name: &str| -> Vec<String> {
            let env = AnswersEnv {
                root: a,
                entry: None,
                today: TODAY,
            };
            offered(&d, d.field(name).unwrap(), &env)
                .iter()
                .map(|c| c.code.clone())
                .collect()
        };
        let sikasso = answers(json!({"region": "ML03"}));
        assert_eq!(codes(&sikasso, "cercle"), ["ML0302", "ML0303", "autre"]);
        assert_eq!(codes(&answers(json!({})), "cercle"), ["autre"]);
        // A list without a filter offers everything.
        assert_eq!(codes(&sikasso, "region").len(), 2);
        assert!(problems(
            &d,
            &answers(json!({"region": "ML03", "cercle": "ML0302"})),
            TODAY
        )
        .is_empty());
        // The region changed after the cercle was chosen: the cercle is to be chosen again.
        let moved = answers(json!({"region": "ML01", "cercle": "ML0302"}));
        let p = problems(&d, &moved, TODAY);
        assert_eq!(
            (p[0].field.as_str(), &p[0].problem),
            ("cercle", &Problem::NotOffered)
        );
        // Inside a repeat entry the rule reads the entry's own answer; every chosen code
        // of a multiple choice must be offered.
        let fine = answers(json!({"visits": [{"where": "ML03", "cercles": ["ML0302", "ML0303"]}]}));
        assert!(problems(&d, &fine, TODAY).is_empty());
        let mixed =
            answers(json!({"visits": [{"where": "ML03", "cercles": ["ML0302", "ML0101"]}]}));
        let p = problems(&d, &mixed, TODAY);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].entry, Some(("visits".into(), 0)));
        assert_eq!(p[0].problem, Problem::NotOffered);
        let rel = answers::Relevance::new(&d, &fine, TODAY);
        let path = answers::AnswerPath {
            repeat: Some(("visits".into(), 0)),
            name: "cercles".into(),
        };
        let cercles = d.field("cercles").unwrap();
        assert_eq!(rel.offered(&d, cercles, &path), ["ML0302", "ML0303"]);
    }

    #[test]
    fn calculations_and_relevance_shape_the_final_answers() {
        let d = def();
        let mut a = answers(json!({"cats": ["PHY-02"], "women": 3, "men": "4", "consent": true}));
        apply_calculations(&d, &mut a, TODAY);
        assert_eq!(a["total"], json!(7.0));
        let kept = relevant_answers(&d, &a, TODAY);
        assert!(kept.contains_key("total"));
        assert!(
            !kept.contains_key("consent"),
            "an answer of a skipped section is not sent"
        );
    }

    #[test]
    fn repeat_counts_are_bounded() {
        let d = def();
        let a = answers(
            json!({"cats": ["PHY-02"], "level": "jaune", "people": [{"age": 1}, {"age": 2}, {"age": 3}, {"age": 4}]}),
        );
        assert_eq!(
            problems(&d, &a, TODAY)[0].problem,
            Problem::TooManyEntries(3)
        );
        let none = answers(json!({"cats": ["PHY-02"], "level": "jaune"}));
        assert_eq!(
            problems(&d, &none, TODAY)[0].problem,
            Problem::TooFewEntries(1)
        );
    }

    #[test]
    fn dates_and_times_are_checked() {
        assert!(is_date("2026-11-22"));
        assert!(!is_date("2026-13-01"));
        assert!(!is_date("22/11/2026"));
        assert!(is_time("23:59"));
        assert!(!is_time("24:00"));
    }
}
