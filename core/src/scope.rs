//! Where a token may look and write: the whole country, or a set of administrative units
//! (regions, cercles, communes) by P-code. P-codes nest by prefix (`ML03` ⊃ `ML0302` ⊃
//! `ML030201`), so a place lies in a scope when one of the scope's codes starts it.
//!
//! One type for every holder: device tokens (plans a phone may list and change) today,
//! coordinator tokens (which cases, pages and exports they see) in the situation room.

use std::fmt;

use thiserror::Error;

/// A token's area.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Scope {
    /// The whole country: what every token made before scopes existed has.
    #[default]
    National,
    /// These units and everything inside them (P-codes, deduplicated, sorted).
    Places(Vec<String>),
}

/// Why a scope's text is refused.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ScopeError {
    /// Not a Mali P-code of a region, cercle or commune.
    #[error("'{0}' is not the P-code of a region, cercle or commune (ML01, ML0101, ML010101)")]
    NotACode(String),
    /// Shaped like a P-code, but no region, cercle or commune has it.
    #[error("'{0}' is not the P-code of any region, cercle or commune of Mali")]
    Unknown(String),
    /// Nothing listed.
    #[error("a scope lists at least one P-code, or is 'national'")]
    Empty,
}

/// Whether `code` has the shape of a region (ML + 2 digits), cercle (4) or commune (6)
/// P-code.
pub fn is_pcode(code: &str) -> bool {
    code.strip_prefix("ML").is_some_and(|digits| {
        matches!(digits.len(), 2 | 4 | 6) && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

impl Scope {
    /// Reads `national` or a comma-separated list of P-codes (`ML0302,ML030401`). The
    /// empty text is the national scope: that is how tokens made before scopes are stored.
    pub fn parse(text: &str) -> Result<Scope, ScopeError> {
        let text = text.trim();
        if text.is_empty() || text.eq_ignore_ascii_case("national") {
            return Ok(Scope::National);
        }
        let mut codes = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let code = part.to_ascii_uppercase();
            if !is_pcode(&code) {
                return Err(ScopeError::NotACode(part.to_owned()));
            }
            if !crate::admin::is_known(&code) {
                return Err(ScopeError::Unknown(code));
            }
            codes.push(code);
        }
        if codes.is_empty() {
            return Err(ScopeError::Empty);
        }
        codes.sort();
        codes.dedup();
        Ok(Scope::Places(codes))
    }

    /// Whether `place` (a P-code at any level; a commune known only by name is stored with
    /// its cercle's code) lies in this scope. A place that is not a code lies only in the
    /// national scope.
    pub fn contains(&self, place: &str) -> bool {
        match self {
            Scope::National => true,
            Scope::Places(codes) => codes.iter().any(|c| place.starts_with(c.as_str())),
        }
    }

    /// Whether the scope is the whole country.
    pub fn is_national(&self) -> bool {
        matches!(self, Scope::National)
    }
}

impl fmt::Display for Scope {
    /// What [`Scope::parse`] reads back: `national` or the codes joined by commas.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::National => f.write_str("national"),
            Scope::Places(codes) => f.write_str(&codes.join(",")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_holds_its_units_and_what_lies_inside_them() {
        let s = Scope::parse("ML0302, ml040101").unwrap();
        assert!(s.contains("ML0302"), "the cercle itself");
        assert!(s.contains("ML030201"), "a commune of the cercle");
        assert!(s.contains("ML040101"));
        assert!(!s.contains("ML040102"), "a neighbouring commune");
        assert!(!s.contains("ML03"), "the region around the cercle");
        assert!(!s.contains("ML0303"));
        assert!(!s.contains(""), "no place is not in a local scope");
        assert!(!s.contains("Diou"), "a name is not a code");
        assert_eq!(s.to_string(), "ML0302,ML040101");
        assert_eq!(
            Scope::parse("ML0302,ML99"),
            Err(ScopeError::Unknown("ML99".into())),
            "shaped like a code, but no unit has it"
        );
        assert_eq!(Scope::parse(&s.to_string()), Ok(s));
    }

    #[test]
    fn the_national_scope_holds_everything_and_is_the_old_tokens_scope() {
        for text in ["", "  ", "national", "NATIONAL"] {
            assert_eq!(Scope::parse(text), Ok(Scope::National), "{text:?}");
        }
        assert!(Scope::National.contains("ML010101"));
        assert!(Scope::National.contains(""));
        assert_eq!(Scope::National.to_string(), "national");
    }

    #[test]
    fn anything_but_p_codes_is_refused() {
        for bad in [
            "ML1",
            "ML01010",
            "ML0101010101",
            "FR01",
            "ML01,Kadiolo",
            "ML0x",
        ] {
            assert!(
                matches!(Scope::parse(bad), Err(ScopeError::NotACode(_))),
                "{bad}"
            );
        }
        assert_eq!(Scope::parse(" , ,"), Err(ScopeError::Empty));
        assert_eq!(
            Scope::parse("ML01,ML01"),
            Ok(Scope::Places(vec!["ML01".into()]))
        );
    }
}
