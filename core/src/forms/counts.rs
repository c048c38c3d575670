//! The sex × age grid answer (`counts` fields, docs/FORMS.md): `{"F": {"18-24": 2, …},
//! "M": {…}, "total": n}`. Pure arithmetic, so the view only reads and writes cells.

use serde_json::{json, Map, Value as Json};

/// The two rows of the grid, as stored.
pub const SEXES: [&str; 2] = ["F", "M"];

/// The most people a grid may count, in a cell or in all: more is a typing slip (or an
/// attack on the arithmetic), refused with a message rather than wrapped around.
pub const MAX_COUNT: u64 = 1_000_000;

/// The sum of the cells of `sex` (or of both rows when `None`); saturating, so a hostile
/// stored answer cannot wrap it around (validation refuses anything over [`MAX_COUNT`]).
pub fn total(answer: Option<&Json>, sex: Option<&str>) -> u64 {
    let Some(grid) = answer.and_then(Json::as_object) else {
        return 0;
    };
    SEXES
        .iter()
        .filter(|s| sex.is_none_or(|x| x == **s))
        .filter_map(|s| grid.get(*s).and_then(Json::as_object))
        .flat_map(|row| row.values())
        .filter_map(Json::as_u64)
        .fold(0u64, u64::saturating_add)
}

/// Whether every cell and the total are within [`MAX_COUNT`].
pub fn within_bounds(answer: Option<&Json>) -> bool {
    let cells_ok = answer
        .and_then(Json::as_object)
        .into_iter()
        .flat_map(|grid| SEXES.iter().filter_map(|s| grid.get(*s)))
        .filter_map(Json::as_object)
        .flat_map(|row| row.values())
        .all(|v| v.as_u64().is_some_and(|n| n <= MAX_COUNT) || v.is_null());
    cells_ok && total(answer, None) <= MAX_COUNT
}

/// The cell `sex` × `age` as typed text ("" when empty).
pub fn cell(answer: Option<&Json>, sex: &str, age: &str) -> String {
    answer
        .and_then(|a| a.get(sex))
        .and_then(|row| row.get(age))
        .and_then(Json::as_u64)
        .map(|n| n.to_string())
        .unwrap_or_default()
}

/// The answer after typing `text` into cell `sex` × `age`: a positive whole number is kept,
/// anything else empties the cell; the total follows. `None` when the grid is empty (an
/// empty grid is no answer, so "required" still applies).
pub fn with_cell(answer: Option<&Json>, sex: &str, age: &str, text: &str) -> Option<Json> {
    let mut grid = answer
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default();
    let row = grid.entry(sex).or_insert_with(|| Json::Object(Map::new()));
    if let Some(row) = row.as_object_mut() {
        // Digits only: `u64::parse` would take "18446744073709551615" and the sum wrap.
        match text
            .trim()
            .parse::<u64>()
            .map(|n| n.min(MAX_COUNT.saturating_add(1)))
        {
            Ok(n) if n > 0 => {
                row.insert(age.to_owned(), json!(n));
            }
            _ => {
                row.remove(age);
            }
        }
    }
    let grid = Json::Object(grid);
    let sum = total(Some(&grid), None);
    let Json::Object(mut grid) = grid else {
        return None;
    };
    grid.insert("total".into(), json!(sum));
    (sum > 0).then_some(Json::Object(grid))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `18446744073709551615` in a cell wrapped the total in release and panicked in debug.
    #[test]
    fn huge_counts_neither_wrap_nor_panic_and_are_out_of_bounds() {
        let one = with_cell(None, "F", "18-24", "18446744073709551615");
        let two = with_cell(one.as_ref(), "M", "18-24", "18446744073709551615");
        assert!(total(two.as_ref(), None) > MAX_COUNT);
        assert!(!within_bounds(two.as_ref()));
        let hostile = json!({"F": {"a": u64::MAX, "b": u64::MAX}, "total": 1});
        assert_eq!(total(Some(&hostile), None), u64::MAX);
        assert!(!within_bounds(Some(&hostile)));
        let fine = with_cell(None, "F", "0-14", "12");
        assert!(within_bounds(fine.as_ref()));
        assert!(within_bounds(None));
    }

    #[test]
    fn typing_cells_keeps_the_totals_right() {
        let a = with_cell(None, "F", "18-24", "2");
        let a = with_cell(a.as_ref(), "M", "18-24", " 3 ");
        let a = with_cell(a.as_ref(), "M", "60+", "1");
        assert_eq!(a.as_ref().unwrap()["total"], json!(6));
        assert_eq!(total(a.as_ref(), Some("F")), 2);
        assert_eq!(total(a.as_ref(), Some("M")), 4);
        assert_eq!(total(a.as_ref(), None), 6);
        assert_eq!(cell(a.as_ref(), "M", "18-24"), "3");
        assert_eq!(cell(a.as_ref(), "F", "60+"), "");
    }

    #[test]
    fn bad_or_zero_text_empties_the_cell_and_an_empty_grid_is_no_answer() {
        let a = with_cell(None, "F", "0-14", "4");
        for bad in ["deux", "-1", "0", "", "1.5"] {
            let b = with_cell(a.as_ref(), "F", "0-14", bad);
            assert_eq!(b, None, "{bad:?}");
        }
        let a = with_cell(a.as_ref(), "M", "25-35", "1");
        let b = with_cell(a.as_ref(), "F", "0-14", "zéro").unwrap();
        assert_eq!(b["total"], json!(1));
        assert_eq!(cell(Some(&b), "F", "0-14"), "");
    }

    #[test]
    fn a_malformed_stored_answer_reads_as_empty() {
        let junk = json!({"F": "beaucoup", "M": {"18-24": "x"}, "total": 99});
        assert_eq!(total(Some(&junk), None), 0);
        assert_eq!(cell(Some(&junk), "M", "18-24"), "");
        assert_eq!(total(Some(&json!("texte")), None), 0);
    }
}
