//! Mali's administrative units (regions → cercles → communes) by P-code, bundled with the
//! app (core/assets/mali_admin.csv; OCHA / DNCT, CC BY-IGO; see core/assets/README.md).
//! P-codes are the keys stored in records; names are labels. 551 of the 701 communes have a
//! name; for the eight cercles whose communes could not be matched to their codes,
//! [`unmatched_communes`] gives the names to offer instead.

/// One unit: P-code and label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    /// P-code (`ML0101`).
    pub code: &'static str,
    /// French name (a commune whose name is not known: empty).
    pub name: &'static str,
}

use std::collections::BTreeMap;

const DATA: &str = include_str!("../assets/mali_admin.csv");
const UNMATCHED: &str = include_str!("../assets/mali_communes_unresolved.csv");

fn rows() -> impl Iterator<Item = [&'static str; 6]> {
    DATA.lines().skip(1).filter_map(|line| {
        let mut cols = line.split(',');
        Some([
            cols.next()?,
            cols.next()?,
            cols.next()?,
            cols.next()?,
            cols.next()?,
            cols.next().unwrap_or(""),
        ])
    })
}

fn distinct(mut units: Vec<Unit>) -> Vec<Unit> {
    units.dedup_by(|a, b| a.code == b.code);
    units
}

/// The regions, in P-code order.
pub fn regions() -> Vec<Unit> {
    distinct(
        rows()
            .map(|r| Unit {
                code: r[0],
                name: r[1],
            })
            .collect(),
    )
}

/// The cercles of `region`.
pub fn cercles(region: &str) -> Vec<Unit> {
    distinct(
        rows()
            .filter(|r| r[0] == region)
            .map(|r| Unit {
                code: r[2],
                name: r[3],
            })
            .collect(),
    )
}

/// The communes of `cercle`.
pub fn communes(cercle: &str) -> Vec<Unit> {
    rows()
        .filter(|r| r[2] == cercle)
        .map(|r| Unit {
            code: r[4],
            name: r[5],
        })
        .collect()
}

/// For a cercle whose communes could not be matched to their codes, the names of its
/// communes (a commune chosen from these is stored by name with the cercle's code); empty
/// for the others.
pub fn unmatched_communes(cercle: &str) -> Vec<&'static str> {
    UNMATCHED
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut cols = line.split(',');
            let (_, c, name) = (cols.next()?, cols.next()?, cols.next()?);
            (c == cercle).then_some(name)
        })
        .collect()
}

/// A name as it is compared: lower case, without accents, hyphens or extra spaces.
fn folded(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'à' | 'â' | 'ä' | 'À' | 'Â' | 'Ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
            'î' | 'ï' | 'Î' | 'Ï' => 'i',
            'ô' | 'ö' | 'Ô' | 'Ö' => 'o',
            'ù' | 'û' | 'ü' | 'Ù' | 'Û' | 'Ü' => 'u',
            'ç' | 'Ç' => 'c',
            '-' | '\'' => ' ',
            c => c.to_ascii_lowercase(),
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The P-code of the place an SMS names in words (`Loulouni, Diou`: the first part): a
/// commune whose name is that and no other commune's, else a cercle's; none when unknown
/// or ambiguous.
pub fn find_place(words: &str) -> Option<&'static str> {
    let wanted = folded(words.split(',').next().unwrap_or(""));
    if wanted.is_empty() {
        return None;
    }
    let unique = |codes: Vec<&'static str>| {
        let mut codes = codes;
        codes.dedup();
        (codes.len() == 1).then(|| codes[0])
    };
    let communes = rows()
        .filter(|r| !r[5].is_empty() && folded(r[5]) == wanted)
        .map(|r| r[4])
        .collect();
    unique(communes).or_else(|| {
        unique(
            rows()
                .filter(|r| folded(r[3]) == wanted)
                .map(|r| r[2])
                .collect(),
        )
    })
}

/// Whether `code` is the P-code of a region, cercle or commune (named or not).
pub fn is_known(code: &str) -> bool {
    rows().any(|r| r[0] == code || r[2] == code || r[4] == code)
}

/// The name of a region, cercle or (named) commune P-code. Lists and exports ask this for
/// every row shown: the table is indexed by code once, not scanned at each call.
pub fn name_of(code: &str) -> Option<&'static str> {
    static NAMES: std::sync::OnceLock<BTreeMap<&'static str, &'static str>> =
        std::sync::OnceLock::new();
    NAMES
        .get_or_init(|| {
            let mut names = BTreeMap::new();
            for r in rows() {
                for (code, name) in [(r[0], r[1]), (r[2], r[3]), (r[4], r[5])] {
                    if !name.is_empty() {
                        names.entry(code).or_insert(name);
                    }
                }
            }
            names
        })
        .get(code)
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_units_cascade() {
        let all = regions();
        assert_eq!(all.len(), 10, "the 2021 regions and the Bamako district");
        assert_eq!(
            all[0],
            Unit {
                code: "ML01",
                name: "Kayes"
            }
        );
        let kayes = cercles("ML01");
        assert!(kayes.iter().any(|c| c.name == "Bafoulabé"));
        assert!(kayes.iter().all(|c| c.code.starts_with("ML01")));
        let bafoulabe = communes("ML0101");
        assert!(!bafoulabe.is_empty());
        assert!(bafoulabe.iter().all(|c| c.code.starts_with("ML0101")));
        let total: usize = all
            .iter()
            .flat_map(|r| cercles(r.code))
            .map(|c| communes(c.code).len())
            .sum();
        assert_eq!(total, 701);
        assert_eq!(name_of("ML0102"), Some("Diéma"));
        assert_eq!(name_of("ML01"), Some("Kayes"));
        assert_eq!(name_of("ML9999"), None);
        // A commune whose name is not known has none (its code is shown instead).
        assert!(communes("ML0201")
            .iter()
            .any(|c| c.code == "ML020101" && c.name.is_empty()));
        assert_eq!(name_of("ML020101"), None);
        // Every named unit is found under its code.
        for r in regions() {
            assert_eq!(name_of(r.code), Some(r.name));
            for c in cercles(r.code) {
                assert_eq!(name_of(c.code), Some(c.name));
                for m in communes(c.code).iter().filter(|m| !m.name.is_empty()) {
                    assert_eq!(name_of(m.code), Some(m.name));
                }
            }
        }
    }

    #[test]
    fn communes_have_names_people_recognise() {
        // A monitor in Kadiolo can pick Kadiolo.
        let kadiolo = communes("ML0302");
        assert!(kadiolo
            .iter()
            .any(|c| c.code == "ML030204" && c.name == "Kadiolo"));
        assert_eq!(name_of("ML030206"), Some("Loulouni"));
        assert!(unmatched_communes("ML0302").is_empty());
        let named: usize = regions()
            .iter()
            .flat_map(|r| cercles(r.code))
            .flat_map(|c| communes(c.code))
            .filter(|c| !c.name.is_empty())
            .count();
        assert_eq!(named, 551);
        // Koutiala's communes could not be matched to codes: their names are offered.
        assert!(communes("ML0304").iter().all(|c| c.name.is_empty()));
        let koutiala = unmatched_communes("ML0304");
        assert_eq!(koutiala.len(), 35, "the 2013 list; 2021 counts 36 codes");
        assert!(koutiala.iter().all(|n| !n.is_empty()));
        assert_eq!(name_of("ML030401"), None);
    }

    #[test]
    fn a_place_in_words_is_found_when_one_unit_has_that_name() {
        assert_eq!(find_place("Loulouni, Diou"), Some("ML030206"));
        assert_eq!(find_place("  LOULOUNI "), Some("ML030206"));
        assert_eq!(
            find_place("Kadiolo"),
            Some("ML030204"),
            "the commune before the cercle"
        );
        assert_eq!(find_place("Nowhere"), None);
        assert_eq!(find_place(""), None);
    }
}
