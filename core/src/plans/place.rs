//! Where a plan belongs: the whole country, a region, a cercle or a commune. A plan keeps its
//! place in its `commune` field (the name it had when every plan was communal, so that
//! plans written before still read): a P-code at any level (`ML03`, `ML0302`, `ML030204`),
//! or nothing for the whole country.

use super::PlanKind;

/// How wide a plan's place is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// The whole country (no P-code).
    National,
    /// A region (`ML03`).
    Region,
    /// A cercle (`ML0302`).
    Cercle,
    /// A commune (`ML030204`).
    Commune,
}

/// The level of place `code`, if it is a place at all (`ML` and two, four or six digits,
/// or nothing).
pub fn level_of(code: &str) -> Option<Level> {
    if code.is_empty() {
        return Some(Level::National);
    }
    let digits = code.strip_prefix("ML")?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match digits.len() {
        2 => Some(Level::Region),
        4 => Some(Level::Cercle),
        6 => Some(Level::Commune),
        _ => None,
    }
}

/// Whether a plan of `kind` may have place `code`: a roadmap at any level; a communal plan
/// in a commune (or, as phones made them before, a cercle).
pub fn allowed(kind: PlanKind, code: &str) -> bool {
    matches!(
        (kind, level_of(code)),
        (PlanKind::FeuilleDeRoute, Some(_))
            | (PlanKind::PlanCommunal, Some(Level::Commune | Level::Cercle))
    )
}

/// Whether place `outer` holds place `inner` (the whole country holds every place).
pub fn holds(outer: &str, inner: &str) -> bool {
    inner.starts_with(outer)
}

/// Whether a plan at `place` concerns someone at `here`: the plan's place holds `here`
/// (the country, the region or the cercle around it, or the same place), or lies inside it.
pub fn concerns(place: &str, here: &str) -> bool {
    holds(place, here) || (!here.is_empty() && holds(here, place))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_at_every_level() {
        assert_eq!(level_of(""), Some(Level::National));
        assert_eq!(level_of("ML03"), Some(Level::Region));
        assert_eq!(level_of("ML0302"), Some(Level::Cercle));
        assert_eq!(level_of("ML030204"), Some(Level::Commune));
        for bad in ["ML", "ML3", "ML0302x4", "FR03", "ML03020401"] {
            assert_eq!(level_of(bad), None, "{bad}");
        }
        assert!(allowed(PlanKind::FeuilleDeRoute, ""));
        assert!(allowed(PlanKind::FeuilleDeRoute, "ML03"));
        assert!(allowed(PlanKind::PlanCommunal, "ML030204"));
        assert!(
            !allowed(PlanKind::PlanCommunal, ""),
            "a communal plan has a commune"
        );
        assert!(!allowed(PlanKind::PlanCommunal, "ML03"));
        assert!(!allowed(PlanKind::FeuilleDeRoute, "Kadiolo"));
    }

    #[test]
    fn a_phone_in_kadiolo_is_concerned_by_what_holds_it() {
        let here = "ML030204";
        for place in ["", "ML03", "ML0302", "ML030204"] {
            assert!(concerns(place, here), "{place}");
        }
        for place in ["ML05", "ML0303", "ML030205"] {
            assert!(!concerns(place, here), "{place}");
        }
        // A phone whose usual place is a cercle: its communes' plans too.
        assert!(concerns("ML030204", "ML0302"));
        assert!(holds("", "ML05") && !holds("ML05", ""));
    }
}
