//! Counts for the map and the indicators, read from what the receiver maintains as records
//! arrive — `alert_weeks` (alert reports counted by week, place, level, category and
//! electoral phase), `activity_facts`, `cases` — never from a scan of the records. Every
//! count is limited to a scope.

use std::collections::HashMap;

use rusqlite::{params_from_iter, types::Value as SqlValue, Connection};
use vigie_core::record::Millis;
use vigie_core::scope::Scope;

use crate::db::{Cached, DbError};

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
             WHERE {open} AND length(place) >= {len} AND {cond} GROUP BY 1",
            open = crate::db::OPEN_SQL
        ),
        args,
    )
}

/// One record with an alert level, as the indicators count it.
#[derive(Debug, Clone, Default)]
pub struct AlertFact {
    /// The record's id.
    pub id: String,
    /// Its level's rank (0 vert … 3 rouge).
    pub rank: usize,
    /// Its most precise P-code ("" for none).
    pub place: String,
    /// When it was made (device clock).
    pub at: Millis,
    /// When it arrived.
    pub received_at: Millis,
    /// The incident category's top level.
    pub category: String,
    /// The electoral phase.
    pub phase: String,
}

/// Records `fact` once: its row in `alert_facts` and its count in `alert_weeks`, the
/// maintained weekly aggregate the pages read. Returns whether it was new.
pub fn add_fact(db: &Connection, fact: &AlertFact) -> Result<bool, DbError> {
    let fresh = db.run(
        "INSERT OR IGNORE INTO alert_facts
           (id, rank, place, region, at, received_at, category, phase)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        rusqlite::params![
            fact.id,
            fact.rank as i64,
            fact.place,
            fact.place.get(..4).unwrap_or(""),
            fact.at,
            fact.received_at,
            fact.category,
            fact.phase
        ],
    )? == 1;
    if fresh && !fact.category.is_empty() {
        db.run(
            "INSERT OR IGNORE INTO seen_values (kind, value) VALUES ('category', ?1)",
            [&fact.category],
        )?;
    }
    if fresh {
        db.run(
            "INSERT INTO alert_weeks (week, place, rank, category, phase, n)
             VALUES (?1, ?2, ?3, ?4, ?5, 1)
             ON CONFLICT (week, place, rank, category, phase) DO UPDATE SET n = n + 1",
            rusqlite::params![
                week_of(fact.received_at),
                fact.place,
                fact.rank as i64,
                fact.category,
                fact.phase
            ],
        )?;
    }
    Ok(fresh)
}

/// Reports with an alert level received in the weeks `first..=last` in each area (first
/// `len` characters of their place) inside `scope`; those placed less precisely, or not
/// at all, are counted under "" (never dropped).
pub fn reports_by_area(
    db: &Connection,
    scope: &Scope,
    len: usize,
    (first, last): (i64, i64),
) -> Result<HashMap<String, usize>, DbError> {
    let (cond, mut args) = crate::records::scope_sql(scope, "place", 0);
    args.push(SqlValue::Integer(first));
    args.push(SqlValue::Integer(last));
    let n = args.len();
    grouped(
        db,
        &format!(
            "SELECT CASE WHEN length(place) >= {len} THEN substr(place, 1, {len}) ELSE '' END,
                    sum(n) FROM alert_weeks
             WHERE {cond} AND week BETWEEN ?{} AND ?{n} GROUP BY 1",
            n - 1
        ),
        args,
    )
}

/// A week, in ms.
pub const WEEK_MS: Millis = 7 * 86_400_000;

/// 1970-01-05, the first Monday after the epoch (a Thursday).
const FIRST_MONDAY: Millis = 4 * 86_400_000;

/// The number of the week (Monday 00:00 UTC to Sunday) `at` falls in.
pub fn week_of(at: Millis) -> i64 {
    (at - FIRST_MONDAY).div_euclid(WEEK_MS)
}

/// When week `week` starts (Monday 00:00 UTC).
pub fn week_start(week: i64) -> Millis {
    week * WEEK_MS + FIRST_MONDAY
}

/// Reports with an alert level by area (first `len` characters of their place; "" when
/// less precise), by week back from week `last` (0: that week) and by level rank, over
/// `weeks` weeks, inside `scope`.
pub type Weekly = HashMap<String, Vec<[usize; 4]>>;

/// See [`Weekly`].
pub fn weekly(
    db: &Connection,
    scope: &Scope,
    len: usize,
    weeks: usize,
    last: i64,
) -> Result<Weekly, DbError> {
    let (cond, mut args) = crate::records::scope_sql(scope, "place", 0);
    let n = args.len();
    args.push(SqlValue::Integer(last));
    args.push(SqlValue::Integer(last - weeks as i64 + 1));
    let mut stmt = db.prepare(&format!(
        "SELECT CASE WHEN length(place) >= {len} THEN substr(place, 1, {len}) ELSE '' END,
                ?{a} - week, rank, sum(n) FROM alert_weeks
         WHERE {cond} AND week BETWEEN ?{b} AND ?{a} GROUP BY 1, 2, 3",
        a = n + 1,
        b = n + 2
    ))?;
    let rows = stmt
        .query_map(params_from_iter(args), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out: Weekly = HashMap::new();
    for (area, back, rank, count) in rows {
        let row = out.entry(area).or_insert_with(|| vec![[0; 4]; weeks]);
        if let Some(cell) = usize::try_from(back).ok().and_then(|w| row.get_mut(w)) {
            cell[rank.clamp(0, 3) as usize] += count.max(0) as usize;
        }
    }
    Ok(out)
}

/// Reports with an alert level received in the weeks `first..=last` by `column`
/// (`category`: the typology's top level; `phase`: the electoral phase; "" when none),
/// inside `scope`, most first.
pub fn alerts_by(
    db: &Connection,
    scope: &Scope,
    column: Fact,
    (first, last): (i64, i64),
) -> Result<Vec<(String, usize)>, DbError> {
    let (cond, mut args) = crate::records::scope_sql(scope, "place", 0);
    args.push(SqlValue::Integer(first));
    args.push(SqlValue::Integer(last));
    let n = args.len();
    let column = match column {
        Fact::Category => "category",
        Fact::Phase => "phase",
    };
    let mut all: Vec<(String, usize)> = grouped(
        db,
        &format!(
            "SELECT {column}, sum(n) FROM alert_weeks
             WHERE {cond} AND week BETWEEN ?{} AND ?{n} GROUP BY 1",
            n - 1
        ),
        args,
    )?
    .into_iter()
    .collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(all)
}

/// What the alert facts are counted by.
#[derive(Clone, Copy, Debug)]
pub enum Fact {
    /// The incident category's top level.
    Category,
    /// The electoral phase.
    Phase,
}

/// Prevention activities received in `[from, to)` inside `scope`, by type: how many, and
/// their participants, women and men.
pub fn activities(
    db: &Connection,
    scope: &Scope,
    (from, to): (Millis, Millis),
) -> Result<Vec<(String, usize, u64, u64)>, DbError> {
    let (cond, mut args) = crate::records::scope_sql(scope, "place", 0);
    args.push(SqlValue::Integer(from));
    args.push(SqlValue::Integer(to));
    let n = args.len();
    let mut stmt = db.prepare(&format!(
        "SELECT activity, count(*), sum(women), sum(men) FROM activity_facts
         WHERE {cond} AND received_at >= ?{} AND received_at < ?{n} GROUP BY 1 ORDER BY 2 DESC, 1",
        n - 1
    ))?;
    let rows = stmt
        .query_map(params_from_iter(args), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?.max(0) as usize,
                r.get::<_, i64>(2)?.max(0) as u64,
                r.get::<_, i64>(3)?.max(0) as u64,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The median of `values` (none when empty).
pub fn median(mut values: Vec<Millis>) -> Option<Millis> {
    values.sort_unstable();
    values.get(values.len() / 2).copied()
}

/// For the cases opened in `[from, to)` inside `scope`: how many, and the median time to
/// take charge and to close (of those taken, closed).
pub fn case_times(
    db: &Connection,
    scope: &Scope,
    (from, to): (Millis, Millis),
) -> Result<(usize, Option<Millis>, Option<Millis>), DbError> {
    let (cond, mut args) = crate::records::scope_sql(scope, "place", 0);
    args.push(SqlValue::Integer(from));
    args.push(SqlValue::Integer(to));
    let n = args.len();
    let mut stmt = db.prepare(&format!(
        "SELECT taken_at - opened_at,
                CASE status WHEN 'closed' THEN closed_at - opened_at END
         FROM cases WHERE {cond} AND opened_at >= ?{} AND opened_at < ?{n}",
        n - 1
    ))?;
    let rows = stmt
        .query_map(params_from_iter(args), |r| {
            Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, Option<i64>>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let n = rows.len();
    let take = median(rows.iter().filter_map(|r| r.0).collect());
    let close = median(rows.iter().filter_map(|r| r.1).collect());
    Ok((n, take, close))
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_core::cases::Case;

    use crate::db::in_memory as db;

    #[test]
    fn weekly_counts_match_a_count_by_hand_over_the_facts_and_keep_the_scope() {
        let db = db();
        let places = ["ML030201", "ML030202", "ML0302", "", "ML050101", "ML030401"];
        let cats = ["PHY", "VBG", ""];
        let mut facts = Vec::new();
        // Six weeks of facts, from a Monday; each added twice (a replay counts once).
        let monday = week_start(2_900);
        for n in 0..300i64 {
            let fact = AlertFact {
                id: format!("r{n}"),
                rank: (n % 4) as usize,
                place: places[(n as usize * 7) % places.len()].to_owned(),
                at: 0,
                received_at: monday + n * (WEEK_MS / 50),
                category: cats[n as usize % 3].to_owned(),
                phase: String::new(),
            };
            assert!(add_fact(&db, &fact).unwrap());
            assert!(!add_fact(&db, &fact).unwrap());
            facts.push(fact);
        }
        let key = |place: &str, len: usize| {
            if place.len() >= len {
                place[..len].to_owned()
            } else {
                String::new()
            }
        };
        let last = week_of(monday + 299 * (WEEK_MS / 50));
        assert_eq!(last - week_of(monday), 5);
        for scope in [Scope::National, Scope::parse("ML03").unwrap()] {
            let inside: Vec<&AlertFact> =
                facts.iter().filter(|f| scope.contains(&f.place)).collect();
            for len in [6, 8] {
                let got = reports_by_area(&db, &scope, len, (last - 3, last)).unwrap();
                let mut want: HashMap<String, usize> = HashMap::new();
                for f in inside.iter().filter(|f| week_of(f.received_at) >= last - 3) {
                    *want.entry(key(&f.place, len)).or_default() += 1;
                }
                assert_eq!(got, want, "{scope} {len}");
                let weeks = weekly(&db, &scope, len, 3, last).unwrap();
                let mut by_hand: Weekly = HashMap::new();
                for f in &inside {
                    let back = last - week_of(f.received_at);
                    if back < 3 {
                        by_hand
                            .entry(key(&f.place, len))
                            .or_insert_with(|| vec![[0; 4]; 3])[back as usize][f.rank] += 1;
                    }
                }
                assert_eq!(weeks, by_hand, "{scope} {len}");
                assert!(weeks.values().any(|w| w[2] != [0; 4]), "three weeks filled");
            }
            let by_cat = alerts_by(&db, &scope, Fact::Category, (0, last)).unwrap();
            assert_eq!(by_cat.iter().map(|c| c.1).sum::<usize>(), inside.len());
            let vbg = inside.iter().filter(|f| f.category == "VBG").count();
            assert!(by_cat.contains(&("VBG".to_owned(), vbg)));
            assert!(by_cat.windows(2).all(|w| w[0].1 >= w[1].1), "most first");
        }
    }

    #[test]
    fn weeks_run_from_monday() {
        // 2026-12-07, a Monday.
        let monday = 1_796_601_600_000;
        assert_eq!(week_start(week_of(monday)), monday);
        assert_eq!(week_of(monday - 1), week_of(monday) - 1);
        assert_eq!(week_of(monday + WEEK_MS - 1), week_of(monday));
    }

    #[test]
    fn the_median_is_the_middle_value() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![5, 1, 9]), Some(5));
        assert_eq!(median(vec![4, 1, 9, 7]), Some(7));
    }

    #[test]
    fn an_area_takes_the_level_of_its_most_serious_open_case() {
        let db = db();
        for (id, level, place) in [
            ("a", "orange", "ML030201"),
            ("b", "rouge", "ML030202"),
            ("c", "jaune", "ML050101"),
        ] {
            crate::cases::save(&db, None, &Case::open(id, id, level, place, "PHY", 0)).unwrap();
        }
        let all = open_case_levels(&db, &Scope::National, 6).unwrap();
        assert_eq!(all.get("ML0302"), Some(&3));
        assert_eq!(all.get("ML0501"), Some(&1));
        let sikasso = open_case_levels(&db, &Scope::parse("ML03").unwrap(), 8).unwrap();
        assert_eq!(sikasso.len(), 2);
        assert_eq!(sikasso.get("ML030201"), Some(&2));
    }
}
