//! Counts for the map and the indicators, read from the small indexed tables the receiver
//! keeps as records arrive (`alert_facts`: one row per record with an alert level; `cases`),
//! never from a scan of the envelopes. Every count is limited to a scope.

use std::collections::HashMap;

use rusqlite::{params_from_iter, types::Value as SqlValue, Connection};
use vigie_core::record::Millis;
use vigie_core::scope::Scope;

use crate::db::DbError;

/// A level's rank in SQL (0 vert … 3 rouge).
const RANK_SQL: &str =
    "CASE level WHEN 'rouge' THEN 3 WHEN 'orange' THEN 2 WHEN 'jaune' THEN 1 ELSE 0 END";

fn grouped(
    db: &Connection,
    sql: &str,
    args: Vec<SqlValue>,
) -> Result<HashMap<String, usize>, DbError> {
    let mut stmt = db.prepare(sql)?;
    let rows = stmt
        .query_map(params_from_iter(args), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows
        .into_iter()
        .map(|(k, n)| (k, n.max(0) as usize))
        .collect())
}

/// The highest level (0 vert … 3 rouge) of the open cases of each area: the first `len`
/// characters of the case's place (6: cercles, 8: communes), inside `scope`.
pub fn open_case_levels(
    db: &Connection,
    scope: &Scope,
    len: usize,
) -> Result<HashMap<String, usize>, DbError> {
    let (cond, args) = crate::records::scope_sql(scope, "place", 0);
    grouped(
        db,
        &format!(
            "SELECT substr(place, 1, {len}), max({RANK_SQL}) FROM cases
             WHERE status <> 'closed' AND length(place) >= {len} AND {cond} GROUP BY 1"
        ),
        args,
    )
}

/// Reports with an alert level received since `since` in each area (first `len`
/// characters of their place) inside `scope`; those placed less precisely, or not at all,
/// are counted under "" (never dropped).
pub fn reports_by_area(
    db: &Connection,
    scope: &Scope,
    len: usize,
    since: Millis,
) -> Result<HashMap<String, usize>, DbError> {
    let (cond, mut args) = crate::records::scope_sql(scope, "place", 0);
    args.push(SqlValue::Integer(since));
    grouped(
        db,
        &format!(
            "SELECT CASE WHEN length(place) >= {len} THEN substr(place, 1, {len}) ELSE '' END,
                    count(*) FROM alert_facts
             WHERE {cond} AND received_at >= ?{} GROUP BY 1",
            args.len()
        ),
        args,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_core::cases::Case;

    fn db() -> Connection {
        let mut db = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut db).unwrap();
        db
    }

    #[test]
    fn counts_by_area_match_a_count_by_hand_and_keep_the_scope() {
        let db = db();
        let places = ["ML030201", "ML030202", "ML0302", "", "ML050101", "ML030401"];
        let mut facts = Vec::new();
        for n in 0..300i64 {
            let place = places[(n as usize * 7) % places.len()];
            let at = n * 1_000;
            db.execute(
                "INSERT INTO alert_facts (id, rank, place, region, at, received_at)
                 VALUES (?1, 2, ?2, '', ?3, ?3)",
                rusqlite::params![format!("r{n}"), place, at],
            )
            .unwrap();
            facts.push((place, at));
        }
        for scope in [Scope::National, Scope::parse("ML03").unwrap()] {
            for len in [6, 8] {
                let got = reports_by_area(&db, &scope, len, 100_000).unwrap();
                let mut want: HashMap<String, usize> = HashMap::new();
                for (place, at) in &facts {
                    if *at >= 100_000 && scope.contains(place) {
                        let key = if place.len() >= len {
                            &place[..len]
                        } else {
                            ""
                        };
                        *want.entry(key.to_owned()).or_default() += 1;
                    }
                }
                assert_eq!(got, want, "{scope} {len}");
            }
        }
    }

    #[test]
    fn an_area_takes_the_level_of_its_most_serious_open_case() {
        let db = db();
        for (id, level, place) in [
            ("a", "orange", "ML030201"),
            ("b", "rouge", "ML030202"),
            ("c", "jaune", "ML050101"),
        ] {
            crate::cases::save(&db, &Case::open(id, id, level, place, "PHY", 0)).unwrap();
        }
        let all = open_case_levels(&db, &Scope::National, 6).unwrap();
        assert_eq!(all.get("ML0302"), Some(&3));
        assert_eq!(all.get("ML0501"), Some(&1));
        let sikasso = open_case_levels(&db, &Scope::parse("ML03").unwrap(), 8).unwrap();
        assert_eq!(sikasso.len(), 2);
        assert_eq!(sikasso.get("ML030201"), Some(&2));
    }
}
