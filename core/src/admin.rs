//! Mali's administrative units (regions → cercles → communes) by P-code, bundled with the
//! app (core/assets/mali_admin.csv; OCHA / DNCT, CC BY-IGO). P-codes are the keys stored in
//! records; names are labels. Communes have no names in the source.

/// One unit: P-code and label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    /// P-code (`ML0101`).
    pub code: &'static str,
    /// French name (communes: empty).
    pub name: &'static str,
}

const DATA: &str = include_str!("../assets/mali_admin.csv");

fn rows() -> impl Iterator<Item = [&'static str; 5]> {
    DATA.lines().skip(1).filter_map(|line| {
        let mut cols = line.split(',');
        Some([
            cols.next()?,
            cols.next()?,
            cols.next()?,
            cols.next()?,
            cols.next()?,
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
            name: "",
        })
        .collect()
}

/// The name of a region or cercle P-code.
pub fn name_of(code: &str) -> Option<&'static str> {
    rows().find_map(|r| {
        if r[0] == code {
            Some(r[1])
        } else if r[2] == code {
            Some(r[3])
        } else {
            None
        }
    })
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
        assert_eq!(name_of("ML9999"), None);
    }
}
