//! Alert rules as data: which reports open a case, and at which level. A rules file is
//! checked when the receiver starts, like a form definition; an invalid one is refused
//! with where and what, and the receiver does not start (docs/CASES.md).
//!
//! ```json
//! {"format": 1, "rules": [
//!   {"name": "tout rouge", "level": "rouge", "count": 1, "per": "record", "opens": "rouge"},
//!   {"name": "3 orange dans une commune en 7 jours", "level": "orange", "count": 3,
//!    "within_days": 7, "per": "commune", "opens": "rouge"}
//! ]}
//! ```

use serde::Deserialize;
use thiserror::Error;

use super::{rank, LEVELS};
use crate::record::Millis;

/// The rules format this receiver reads.
pub const FORMAT: u32 = 1;

/// The default rules, matching the built-in forms: any red or orange alert opens a case
/// at its level; three orange in one commune within 7 days raise it to red; five yellow in
/// one cercle within 14 days open an orange case.
pub const DEFAULT: &str = include_str!("default-rules.json");

/// The unit a rule counts reports in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    /// Each report on its own.
    Record,
    /// Reports in one commune.
    Commune,
    /// Reports in one cercle.
    Cercle,
    /// Reports in one region.
    Region,
}

impl Per {
    /// The P-code prefix of this unit for a place code ("" when the place is not that
    /// precise; `Record` is the whole code).
    pub fn unit(self, place: &str) -> Option<&str> {
        let len = match self {
            Per::Record => return Some(place),
            Per::Region => 4,
            Per::Cercle => 6,
            Per::Commune => 8,
        };
        place.get(..len)
    }
}

/// One rule.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// What coordinators read ("3 orange dans une commune en 7 jours").
    pub name: String,
    /// Reports at this level or above count.
    pub level: String,
    /// How many within the window.
    pub count: u32,
    /// The window, in days (0 with `per: record`).
    #[serde(default)]
    pub within_days: u32,
    /// Where they are counted together.
    pub per: Per,
    /// The level of the case it opens (or raises an open one to).
    pub opens: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    format: u32,
    rules: Vec<Rule>,
}

/// A checked set of rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rules(pub Vec<Rule>);

/// Why a rules file is refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum RulesError {
    /// Not JSON, or not the shape: where serde stopped.
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What serde said.
        message: String,
    },
    /// A rule that reads but says something impossible.
    #[error("rule {index} ('{name}'), field '{field}': {message}")]
    Rule {
        /// 1-based position in `rules`.
        index: usize,
        /// Its name.
        name: String,
        /// The field at fault.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// Another format version.
    #[error("format {0} is not one this receiver reads (1)")]
    Format(u32),
}

/// A report as the rules see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    /// Its level.
    pub level: String,
    /// Its most precise P-code ("" for none).
    pub place: String,
    /// When it was made.
    pub at: Millis,
}

/// Reads and checks a rules file.
pub fn parse(text: &str) -> Result<Rules, RulesError> {
    let file: File = serde_json::from_str(text).map_err(|e| RulesError::Syntax {
        line: e.line(),
        column: e.column(),
        message: e
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_owned(),
    })?;
    if file.format != FORMAT {
        return Err(RulesError::Format(file.format));
    }
    for (i, r) in file.rules.iter().enumerate() {
        let bad = |field: &'static str, message: String| RulesError::Rule {
            index: i + 1,
            name: r.name.clone(),
            field,
            message,
        };
        let levels = LEVELS.join(", ");
        if r.name.trim().is_empty() {
            return Err(bad(
                "name",
                "a rule needs a name coordinators can read".into(),
            ));
        }
        if !LEVELS.contains(&r.level.as_str()) {
            return Err(bad(
                "level",
                format!("'{}' is not a level ({levels})", r.level),
            ));
        }
        if !LEVELS.contains(&r.opens.as_str()) {
            return Err(bad(
                "opens",
                format!("'{}' is not a level ({levels})", r.opens),
            ));
        }
        if r.count == 0 || r.count > 1_000 {
            return Err(bad("count", "must be between 1 and 1000".into()));
        }
        if r.within_days > 365 {
            return Err(bad("within_days", "must be at most 365".into()));
        }
        if r.per == Per::Record && r.count != 1 {
            return Err(bad("count", "a rule per record counts 1".into()));
        }
        if r.per != Per::Record && r.within_days == 0 {
            return Err(bad(
                "within_days",
                "a rule that counts reports needs a window".into(),
            ));
        }
        if file.rules[..i].iter().any(|o| o.name == r.name) {
            return Err(bad("name", "two rules have this name".into()));
        }
    }
    Ok(Rules(file.rules))
}

impl Rules {
    /// The level of the case `new` opens (or raises its case to) given the reports
    /// `before` it, and the rule that says so: the highest any rule gives, or `None`.
    pub fn triggered<'a>(&'a self, before: &[Seen], new: &Seen) -> Option<(&'a str, &'a Rule)> {
        self.0
            .iter()
            .filter(|r| rank(&new.level) >= rank(&r.level))
            .filter(|r| {
                let Some(unit) = r.per.unit(&new.place) else {
                    return false;
                };
                let window = Millis::from(r.within_days) * 86_400_000;
                let alike = before
                    .iter()
                    .filter(|s| rank(&s.level) >= rank(&r.level))
                    .filter(|s| r.per != Per::Record && r.per.unit(&s.place) == Some(unit))
                    .filter(|s| (new.at - s.at).abs() <= window)
                    .count();
                alike + 1 >= r.count as usize
            })
            .max_by_key(|r| rank(&r.opens))
            .map(|r| (r.opens.as_str(), r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Millis = 86_400_000;

    fn seen(level: &str, place: &str, day: i64) -> Seen {
        Seen {
            level: level.into(),
            place: place.into(),
            at: day * DAY,
        }
    }

    #[test]
    fn the_default_rules_read_and_open_what_they_say() {
        let rules = parse(DEFAULT).expect("the shipped rules are valid");
        let red = rules.triggered(&[], &seen("rouge", "ML030201", 0)).unwrap();
        assert_eq!(red.0, "rouge");
        assert_eq!(
            rules
                .triggered(&[], &seen("orange", "ML030201", 0))
                .unwrap()
                .0,
            "orange"
        );
        assert_eq!(rules.triggered(&[], &seen("jaune", "ML030201", 0)), None);
        // Three orange in one commune within a week: red.
        let two = [seen("orange", "ML030201", 0), seen("orange", "ML030201", 3)];
        assert_eq!(
            rules
                .triggered(&two, &seen("orange", "ML030201", 6))
                .unwrap()
                .0,
            "rouge"
        );
        assert_eq!(
            rules
                .triggered(&two, &seen("orange", "ML030202", 6))
                .unwrap()
                .0,
            "orange",
            "another commune"
        );
        assert_eq!(
            rules
                .triggered(&two, &seen("orange", "ML030201", 9))
                .unwrap()
                .0,
            "orange",
            "outside the week"
        );
        // Five yellow in one cercle within two weeks: orange.
        let four: Vec<_> = (0..4)
            .map(|d| seen("jaune", &format!("ML03020{}", d + 1), d))
            .collect();
        assert_eq!(
            rules
                .triggered(&four, &seen("jaune", "ML030205", 13))
                .unwrap()
                .0,
            "orange"
        );
        assert_eq!(
            rules.triggered(&four[..3], &seen("jaune", "ML030205", 13)),
            None
        );
        assert_eq!(
            rules.triggered(&four, &seen("jaune", "", 13)),
            None,
            "no place, no count"
        );
    }

    #[test]
    fn a_broken_rules_file_is_refused_with_where_and_what() {
        let typo = "{\"format\": 1, \"rules\": [\n  {\"name\": \"x\", \"levle\": \"rouge\"}\n]}";
        match parse(typo) {
            Err(RulesError::Syntax {
                line,
                column,
                message,
            }) => {
                assert_eq!(line, 2);
                assert!(column > 3, "{column}");
                assert!(message.contains("levle"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let rule = |body: &str| format!("{{\"format\": 1, \"rules\": [{body}]}}");
        let err = parse(&rule(
            r#"{"name": "x", "level": "violet", "count": 1, "per": "record", "opens": "rouge"}"#,
        ))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "rule 1 ('x'), field 'level': 'violet' is not a level (vert, jaune, orange, rouge)"
        );
        let no_window = parse(&rule(
            r#"{"name": "x", "level": "orange", "count": 3, "per": "commune", "opens": "rouge"}"#,
        ));
        assert!(matches!(
            no_window,
            Err(RulesError::Rule {
                field: "within_days",
                ..
            })
        ));
        assert_eq!(
            parse(r#"{"format": 2, "rules": []}"#),
            Err(RulesError::Format(2))
        );
        assert!(matches!(
            parse("pas du json"),
            Err(RulesError::Syntax { line: 1, .. })
        ));
    }
}
