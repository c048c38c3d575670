//! Loading a definition checks everything: an invalid form is rejected with a precise
//! message and never replaces a good one.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::expr::{self, Expr, Func};
use super::model::{Choices, Field, FieldType, FormDef};

/// The definition format this app reads.
pub const FORMAT: u32 = 1;

/// Limits a definition must keep, so that a hostile or mistaken one cannot freeze a
/// phone (a chain of 30,000 calculations blew the stack at every start; 20,000 choices took
/// seconds to show): it is refused at load with a message, and the previous good version
/// stays in use.
pub const MAX_DEFINITION_BYTES: usize = 512 * 1024;
/// Most fields (all sections and repeat groups together).
pub const MAX_FIELDS: usize = 1_000;
/// Most choices in one list.
pub const MAX_CHOICES: usize = 500;
/// Most calculated fields (which also bounds any chain of calculations).
pub const MAX_CALCULATIONS: usize = 100;

/// One problem in a definition: where, and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormError {
    /// Where: `field 'age'`, `section 'where'`, `choice list 'levels'`, or empty.
    pub place: String,
    /// What is wrong (English: form authors and developers read it).
    pub message: String,
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.place.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.place, self.message)
        }
    }
}

/// Why a definition was refused: every problem found, at least one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid(pub Vec<FormError>);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<String> = self.0.iter().take(5).map(ToString::to_string).collect();
        f.write_str(&shown.join("; "))?;
        if self.0.len() > 5 {
            write!(f, "; and {} more", self.0.len() - 5)?;
        }
        Ok(())
    }
}

impl std::error::Error for Invalid {}

/// Decodes and validates a definition.
pub fn load(json: &str) -> Result<FormDef, Invalid> {
    let def = decode(json)?;
    validate(&def)?;
    Ok(def)
}

/// Decodes a definition without checking it: only for text known to be valid (the built-in
/// forms, which the tests load and check; `builtin::decode`). Anything from outside goes
/// through [`load`].
pub(crate) fn decode(json: &str) -> Result<FormDef, Invalid> {
    if json.len() > MAX_DEFINITION_BYTES {
        return Err(Invalid(vec![FormError {
            place: String::new(),
            message: format!(
                "the definition is larger than {} KiB",
                MAX_DEFINITION_BYTES / 1024
            ),
        }]));
    }
    let def: FormDef = serde_json::from_str(json).map_err(|e| {
        Invalid(vec![FormError {
            place: String::new(),
            message: format!("not a valid form definition: {e}"),
        }])
    })?;
    Ok(def)
}

/// Whether `s` is a usable name: starts with a letter, then letters, digits, `_`.
fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && s.len() <= 64
}

struct Checker<'a> {
    def: &'a FormDef,
    errors: Vec<FormError>,
    /// Field name → field, for references.
    fields: BTreeMap<&'a str, &'a Field>,
}

impl<'a> Checker<'a> {
    fn error(&mut self, place: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FormError {
            place: place.into(),
            message: message.into(),
        });
    }

    /// Parses `src` and checks its references; `dot` says whether `.` may appear.
    fn expression(&mut self, place: &str, what: &str, src: &str, dot: bool) -> Option<Expr> {
        let e = match expr::parse(src) {
            Ok(e) => e,
            Err(err) => {
                self.error(place, format!("{what} '{src}': {err}"));
                return None;
            }
        };
        for name in e.fields() {
            if !self.fields.contains_key(name) {
                self.error(
                    place,
                    format!("{what} refers to ${{{name}}}, which does not exist"),
                );
            }
        }
        self.check_calls(place, what, &e);
        if what != "choice_filter" && reads_choice(&e) {
            self.error(
                place,
                format!("{what} uses choice(), which only a choice_filter may use"),
            );
        }
        if !dot && uses_dot(&e) {
            self.error(
                place,
                format!("{what} uses '.', which only a constraint may use"),
            );
        }
        Some(e)
    }

    fn check_calls(&mut self, place: &str, what: &str, e: &Expr) {
        match e {
            Expr::Call(func, args) => {
                if let Some(Expr::Field(name)) = args.first() {
                    let kind = self.fields.get(name.as_str()).map(|f| f.kind);
                    let wrong = match func {
                        Func::Count => kind.is_some_and(|k| k != FieldType::Repeat),
                        Func::Selected | Func::CountSelected => kind.is_some_and(|k| {
                            !matches!(k, FieldType::SelectOne | FieldType::SelectMultiple)
                        }),
                        _ => false,
                    };
                    if wrong {
                        self.error(
                            place,
                            format!("{what}: ${{{name}}} has the wrong type for {func:?}"),
                        );
                    }
                }
                for a in args {
                    self.check_calls(place, what, a);
                }
            }
            Expr::Neg(x) => self.check_calls(place, what, x),
            Expr::Bin(_, a, b) => {
                self.check_calls(place, what, a);
                self.check_calls(place, what, b);
            }
            _ => {}
        }
    }

    fn field(&mut self, f: &'a Field, in_repeat: bool) {
        let place = format!("field '{}'", f.name);
        let numeric = matches!(f.kind, FieldType::Integer | FieldType::Decimal);
        let textual = matches!(f.kind, FieldType::Text | FieldType::LongText);
        let select = matches!(f.kind, FieldType::SelectOne | FieldType::SelectMultiple);
        if f.label.fr.trim().is_empty() {
            self.error(&place, "the French label is empty");
        }
        match (&f.choices, select) {
            (None, true) => self.error(&place, "a choice question needs 'choices'"),
            (Some(_), false) => self.error(&place, "only choice questions take 'choices'"),
            (Some(Choices::Named(list)), true) if !self.def.choice_lists.contains_key(list) => {
                self.error(&place, format!("choice list '{list}' does not exist"))
            }
            (Some(Choices::Inline(list)), true) => self.choice_list(&place, list),
            _ => {}
        }
        let known_default = f
            .default
            .as_deref()
            .is_none_or(|d| d == "today" && f.kind == FieldType::Date && !in_repeat);
        if !known_default {
            self.error(
                &place,
                "'default' is only \"today\", on a date question outside a repeat group",
            );
        }
        if !numeric && (f.min.is_some() || f.max.is_some()) {
            self.error(&place, "'min'/'max' apply to numbers only");
        }
        if let (Some(lo), Some(hi)) = (f.min, f.max) {
            if lo > hi {
                self.error(&place, format!("min {lo} is greater than max {hi}"));
            }
        }
        if !textual && (f.min_length.is_some() || f.max_length.is_some() || f.pattern.is_some()) {
            self.error(
                &place,
                "'min_length', 'max_length' and 'pattern' apply to text only",
            );
        }
        if let (Some(lo), Some(hi)) = (f.min_length, f.max_length) {
            if lo > hi {
                self.error(
                    &place,
                    format!("min_length {lo} is greater than max_length {hi}"),
                );
            }
        }
        if let Some(p) = &f.pattern {
            if p.is_empty() || p.len() > 200 {
                self.error(&place, "the pattern must have 1 to 200 characters");
            }
        }
        if f.kind == FieldType::Repeat {
            if in_repeat {
                self.error(&place, "repeat groups cannot be nested");
            }
            if f.fields.is_empty() {
                self.error(&place, "a repeat group needs 'fields'");
            }
            if let (Some(lo), Some(hi)) = (f.min_count, f.max_count) {
                if lo > hi {
                    self.error(
                        &place,
                        format!("min_count {lo} is greater than max_count {hi}"),
                    );
                }
            }
            if f.max_count == Some(0) {
                self.error(&place, "max_count must be at least 1");
            }
            for inner in &f.fields {
                self.field(inner, true);
            }
        } else if !f.fields.is_empty() || f.min_count.is_some() || f.max_count.is_some() {
            self.error(
                &place,
                "'fields', 'min_count' and 'max_count' belong to repeat groups",
            );
        }
        if f.kind == FieldType::Note && (f.required || f.calculate.is_some()) {
            self.error(&place, "a note cannot be required or calculated");
        }
        if let Some(src) = &f.relevant {
            self.expression(&place, "relevant", src, false);
        }
        if let Some(src) = &f.constraint {
            self.expression(&place, "constraint", src, true);
        }
        if let Some(src) = &f.calculate {
            self.expression(&place, "calculate", src, false);
        }
        if let Some(src) = &f.choice_filter {
            if !select {
                self.error(&place, "only choice questions take a choice_filter");
            }
            self.expression(&place, "choice_filter", src, false);
        }
    }

    fn choice_list(&mut self, place: &str, list: &[super::model::Choice]) {
        if list.is_empty() {
            self.error(place, "the choice list is empty");
        }
        if list.len() > MAX_CHOICES {
            self.error(place, format!("more than {MAX_CHOICES} choices"));
            return;
        }
        let mut seen = BTreeSet::new();
        for c in list {
            if c.code.trim().is_empty() {
                self.error(place, "a choice has an empty code");
            } else if !seen.insert(c.code.as_str()) {
                self.error(place, format!("choice code '{}' appears twice", c.code));
            }
            if c.label.fr.trim().is_empty() {
                self.error(place, format!("choice '{}' has no French label", c.code));
            }
        }
    }

    /// Calculations that read each other in a circle can never be computed.
    fn cycles(&mut self) {
        let deps: BTreeMap<String, Vec<String>> = self
            .fields
            .values()
            .filter_map(|f| {
                let e = expr::parse(f.calculate.as_deref()?).ok()?;
                Some((
                    f.name.clone(),
                    e.fields().into_iter().map(str::to_owned).collect(),
                ))
            })
            .collect();
        let mut done = BTreeSet::new();
        for start in deps.keys() {
            let mut path = Vec::new();
            if let Some(cycle) = find_cycle(start, &deps, &mut done, &mut path) {
                self.error(
                    format!("field '{}'", cycle[0]),
                    format!("calculations form a cycle: {}", cycle.join(" → ")),
                );
                return;
            }
        }
    }
}

/// Depth-first search from `node`; `path` holds the calculations being followed. The depth
/// is bounded by the number of calculated fields.
fn find_cycle<'d>(
    node: &'d str,
    deps: &'d BTreeMap<String, Vec<String>>,
    done: &mut BTreeSet<&'d str>,
    path: &mut Vec<&'d str>,
) -> Option<Vec<&'d str>> {
    if done.contains(node) {
        return None;
    }
    if let Some(from) = path.iter().position(|p| *p == node) {
        let mut cycle = path[from..].to_vec();
        cycle.push(node);
        return Some(cycle);
    }
    path.push(node);
    for dep in deps.get(node).into_iter().flatten() {
        if let Some(cycle) = find_cycle(dep, deps, done, path) {
            return Some(cycle);
        }
    }
    path.pop();
    done.insert(node);
    None
}

fn uses_dot(e: &Expr) -> bool {
    match e {
        Expr::Current => true,
        Expr::Neg(x) => uses_dot(x),
        Expr::Bin(_, a, b) => uses_dot(a) || uses_dot(b),
        Expr::Call(_, args) => args.iter().any(uses_dot),
        _ => false,
    }
}

fn reads_choice(e: &Expr) -> bool {
    match e {
        Expr::Call(Func::Choice, _) => true,
        Expr::Neg(x) => reads_choice(x),
        Expr::Bin(_, a, b) => reads_choice(a) || reads_choice(b),
        Expr::Call(_, args) => args.iter().any(reads_choice),
        _ => false,
    }
}

/// Checks a decoded definition.
pub fn validate(def: &FormDef) -> Result<(), Invalid> {
    let mut c = Checker {
        def,
        errors: Vec::new(),
        fields: BTreeMap::new(),
    };
    if def.format != FORMAT {
        c.error(
            "",
            format!(
                "format {} is not supported (this app reads {FORMAT})",
                def.format
            ),
        );
    }
    if !is_name(&def.id.replace('-', "_")) {
        c.error(
            "",
            format!("form id '{}' must be letters, digits, '-' or '_'", def.id),
        );
    }
    if def.version.trim().is_empty() {
        c.error("", "the version is empty");
    }
    if def.title.fr.trim().is_empty() {
        c.error("", "the French title is empty");
    }
    if def.sections.is_empty() {
        c.error("", "the form has no sections");
    }
    let lists: Vec<(String, Vec<super::model::Choice>)> = def
        .choice_lists
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (name, list) in &lists {
        c.choice_list(&format!("choice list '{name}'"), list);
    }
    let mut sections = BTreeSet::new();
    for s in &def.sections {
        if !sections.insert(s.name.as_str()) {
            c.error(
                format!("section '{}'", s.name),
                "two sections have this name",
            );
        }
        if s.fields.is_empty() {
            c.error(format!("section '{}'", s.name), "the section has no fields");
        }
    }
    let all = def.all_fields();
    if all.len() > MAX_FIELDS {
        c.error("", format!("more than {MAX_FIELDS} fields"));
        return Err(Invalid(c.errors));
    }
    let calculated = all.iter().filter(|f| f.calculate.is_some()).count();
    if calculated > MAX_CALCULATIONS {
        c.error(
            "",
            format!("more than {MAX_CALCULATIONS} calculated fields"),
        );
        return Err(Invalid(c.errors));
    }
    for f in all {
        if !is_name(&f.name) {
            c.error(
                format!("field '{}'", f.name),
                "names start with a letter and hold only letters, digits and '_'",
            );
        }
        if c.fields.insert(f.name.as_str(), f).is_some() {
            c.error(format!("field '{}'", f.name), "two fields have this name");
        }
    }
    for s in &def.sections {
        if let Some(src) = &s.relevant {
            c.expression(&format!("section '{}'", s.name), "relevant", src, false);
        }
        for f in &s.fields {
            c.field(f, false);
        }
    }
    if let Some(src) = &def.discreet_receipt_when {
        c.expression("form", "discreet_receipt_when", src, false);
    }
    if let Some(src) = &def.urgent_when {
        c.expression("form", "urgent_when", src, false);
    }
    c.cycles();
    if c.errors.is_empty() {
        Ok(())
    } else {
        Err(Invalid(c.errors))
    }
}

/// Whether `text` matches a field pattern: `#` a digit, `@` a letter, `?` any one
/// character, `*` any run of characters, `\x` the character x, anything else itself.
pub fn pattern_matches(pattern: &str, text: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum P {
        Digit,
        Letter,
        Any,
        Run,
        Lit(char),
    }
    let mut items = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        items.push(match c {
            '#' => P::Digit,
            '@' => P::Letter,
            '?' => P::Any,
            '*' => P::Run,
            '\\' => P::Lit(chars.next().unwrap_or('\\')),
            other => P::Lit(other),
        });
    }
    let text: Vec<char> = text.chars().collect();
    // ok[j]: the pattern so far matches text[..j]. Linear in pattern × text, no backtracking.
    let mut ok = vec![false; text.len() + 1];
    ok[0] = true;
    for p in items {
        let mut next = vec![false; text.len() + 1];
        if p == P::Run {
            let mut reach = false;
            for j in 0..=text.len() {
                reach |= ok[j];
                next[j] = reach;
            }
        } else {
            for j in 0..text.len() {
                if ok[j] {
                    let c = text[j];
                    next[j + 1] = match p {
                        P::Digit => c.is_ascii_digit(),
                        P::Letter => c.is_alphabetic(),
                        P::Any => true,
                        P::Lit(l) => c == l,
                        P::Run => true,
                    };
                }
            }
        }
        ok = next;
    }
    ok[text.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form(fields: serde_json::Value) -> String {
        json!({
            "format": 1, "id": "t", "version": "1", "kind": "report",
            "title": {"fr": "Test"},
            "choice_lists": {"levels": [{"code": "vert", "label": {"fr": "Vert"}}, {"code": "rouge", "label": {"fr": "Rouge"}}]},
            "sections": [{"name": "s", "title": {"fr": "S"}, "fields": fields}]
        })
        .to_string()
    }

    fn errors(fields: serde_json::Value) -> String {
        load(&form(fields)).unwrap_err().to_string()
    }

    #[test]
    fn choice_is_read_only_by_a_choice_filter_of_a_choice_question() {
        assert!(load(&form(json!([
            {"name": "level", "type": "select_one", "label": {"fr": "N"}, "choices": "levels"},
            {"name": "other", "type": "select_one", "label": {"fr": "O"}, "choices": "levels",
             "choice_filter": "choice('name') != ${level}"}
        ])))
        .is_ok());
        let e = errors(json!([
            {"name": "t", "type": "text", "label": {"fr": "T"}, "choice_filter": "choice('x') = 'y'"}
        ]));
        assert!(
            e.contains("only choice questions take a choice_filter"),
            "{e}"
        );
        let e = errors(json!([
            {"name": "t", "type": "text", "label": {"fr": "T"}, "relevant": "choice('x') = 'y'"}
        ]));
        assert!(
            e.contains("choice(), which only a choice_filter may use"),
            "{e}"
        );
        let e = errors(json!([
            {"name": "level", "type": "select_one", "label": {"fr": "N"}, "choices": "levels",
             "choice_filter": "choice('region') = ${nowhere}"}
        ]));
        assert!(e.contains("${nowhere}, which does not exist"), "{e}");
    }

    #[test]
    fn a_good_form_loads() {
        let def = load(&form(json!([
            {"name": "level", "type": "select_one", "label": {"fr": "Niveau"}, "choices": "levels", "required": true},
            {"name": "n", "type": "integer", "label": {"fr": "Nombre"}, "min": 0, "max": 500, "constraint": ". >= 0"},
            {"name": "why", "type": "text", "label": {"fr": "Pourquoi"}, "relevant": "${level} = 'rouge'", "pattern": "##*"},
            {"name": "people", "type": "repeat", "label": {"fr": "Personnes"}, "min_count": 0, "max_count": 5,
             "fields": [{"name": "age", "type": "integer", "label": {"fr": "Âge"}}]},
            {"name": "total", "type": "integer", "label": {"fr": "Total"}, "calculate": "${n} + count(${people})"}
        ])))
        .unwrap();
        assert_eq!(def.all_fields().len(), 6);
        assert_eq!(def.choices_of(def.field("level").unwrap()).len(), 2);
    }

    #[test]
    fn each_kind_of_mistake_is_named() {
        let cases = [
            (
                json!([{"name": "a", "type": "colour", "label": {"fr": "A"}}]),
                "unknown variant `colour`",
            ),
            (
                json!([{"name": "a", "type": "text", "label": {"fr": "A"}}, {"name": "a", "type": "text", "label": {"fr": "B"}}]),
                "field 'a': two fields have this name",
            ),
            (
                json!([{"name": "a", "type": "text", "label": {"fr": "A"}, "relevant": "${b} = 1"}]),
                "field 'a': relevant refers to ${b}, which does not exist",
            ),
            (
                json!([{"name": "a", "type": "integer", "label": {"fr": "A"}, "calculate": "${b} + 1"},
                    {"name": "b", "type": "integer", "label": {"fr": "B"}, "calculate": "${a} + 1"}]),
                "calculations form a cycle",
            ),
            (
                json!([{"name": "a", "type": "select_one", "label": {"fr": "A"}, "choices": []}]),
                "field 'a': the choice list is empty",
            ),
            (
                json!([{"name": "a", "type": "select_one", "label": {"fr": "A"}, "choices": "nope"}]),
                "choice list 'nope' does not exist",
            ),
            (
                json!([{"name": "a", "type": "select_one", "label": {"fr": "A"}}]),
                "needs 'choices'",
            ),
            (
                json!([{"name": "a", "type": "text", "label": {"fr": "A"}, "relevant": "${a} = "}]),
                "at character 8",
            ),
            (
                json!([{"name": "a", "type": "integer", "label": {"fr": "A"}, "min": 5, "max": 1}]),
                "min 5 is greater than max 1",
            ),
            (
                json!([{"name": "a", "type": "text", "label": {"fr": "A"}, "relevant": ". = 1"}]),
                "only a constraint may use",
            ),
            (
                json!([{"name": "r", "type": "repeat", "label": {"fr": "R"}, "fields": [
                {"name": "q", "type": "repeat", "label": {"fr": "Q"}, "fields": [{"name": "x", "type": "text", "label": {"fr": "X"}}]}]}]),
                "cannot be nested",
            ),
            (
                json!([{"name": "a", "type": "text", "label": {"fr": "A"}, "relevant": "count(${a}) > 1"}]),
                "wrong type",
            ),
            (
                json!([{"name": "2a", "type": "text", "label": {"fr": "A"}}]),
                "names start with a letter",
            ),
            (
                json!([{"name": "a", "type": "text", "label": {"fr": "A"}, "colour": "red"}]),
                "unknown field `colour`",
            ),
        ];
        for (fields, expected) in cases {
            let e = errors(fields.clone());
            assert!(
                e.contains(expected),
                "{fields}: expected «{expected}», got «{e}»"
            );
        }
    }

    #[test]
    fn longer_cycles_are_found_and_chains_are_not_cycles() {
        let chain = json!([
            {"name": "a", "type": "integer", "label": {"fr": "A"}},
            {"name": "b", "type": "integer", "label": {"fr": "B"}, "calculate": "${a} + 1"},
            {"name": "c", "type": "integer", "label": {"fr": "C"}, "calculate": "${b} + ${a}"}
        ]);
        assert!(load(&form(chain)).is_ok());
        let cycle = json!([
            {"name": "a", "type": "integer", "label": {"fr": "A"}, "calculate": "${c}"},
            {"name": "b", "type": "integer", "label": {"fr": "B"}, "calculate": "${a} + 1"},
            {"name": "c", "type": "integer", "label": {"fr": "C"}, "calculate": "${b}"}
        ]);
        let e = errors(cycle);
        assert!(e.contains("a → c → b → a") || e.contains("→"), "{e}");
        let own = json!([{"name": "a", "type": "integer", "label": {"fr": "A"}, "calculate": "${a} + 1"}]);
        assert!(errors(own).contains("cycle"));
    }

    #[test]
    fn garbage_is_refused_with_a_message() {
        for bad in ["", "null", "[]", "{\"format\": 1}", "{not json"] {
            let e = load(bad).unwrap_err();
            assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn patterns_match_whole_texts() {
        assert!(pattern_matches("## ## ## ##", "76 12 34 56"));
        assert!(!pattern_matches("## ## ## ##", "76 12 34 5"));
        assert!(pattern_matches("ML*", "ML0101"));
        assert!(pattern_matches("@@-#*", "AB-1"));
        assert!(!pattern_matches("@@-#*", "AB-"));
        assert!(pattern_matches("\\#?", "#x"));
        assert!(pattern_matches("*", ""));
        assert!(!pattern_matches("", "x"));
    }
}
