//! The sex × age grid answer (`counts` fields, docs/FORMS.md): `{"F": {"18-24": 2, …},
//! "M": {…}, "total": n}`. Pure arithmetic, so the view only reads and writes cells.

use serde_json::{json, Map, Value as Json};

/// The two rows of the grid, as stored.
pub const SEXES: [&str; 2] = ["F", "M"];

/// The sum of the cells of `sex` (or of both rows when `None`).
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
        .sum()
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
        match text.trim().parse::<u64>() {
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
