//! Cases in the receiver's store: a stored record opens a case or joins an open one as
//! the alert rules say (docs/CASES.md). The rules themselves are the core's
//! (`vigie_core::cases`); this module reads and writes the `cases` table.

use std::collections::HashSet;

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;
use vigie_core::cases::rules::{Per, Rules, Seen};
use vigie_core::cases::{rank, suggest_join, Act, Action, Case, LEVELS};
use vigie_core::record::{Envelope, Millis};
use vigie_core::scope::Scope;

use crate::db::{Cached, DbError, OPEN_SQL};

/// A day, in ms.
const DAY_MS: Millis = 86_400_000;

/// The most a record's own time may lie before its arrival and still widen the look-back.
const LOOKBACK_MS: Millis = 366 * DAY_MS;

/// What the rules see of a record: its level, most precise P-code and time.
fn seen(record: &Envelope) -> Seen {
    let text = |path: &str| {
        record
            .payload
            .pointer(path)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let place = ["/location/commune", "/location/cercle", "/location/region"]
        .iter()
        .map(|p| text(p))
        .find(|c| !c.is_empty())
        .unwrap_or_default();
    Seen {
        level: text("/alert_level"),
        place,
        at: record.created_at,
    }
}

/// The incident category's top level ("VBG" for `VBG-01`), "" when none.
fn category(payload: &Value) -> String {
    let first = payload
        .get("category")
        .and_then(|c| c.as_array().and_then(|a| a.first()).or(Some(c)))
        .and_then(Value::as_str)
        .unwrap_or("");
    first.split('-').next().unwrap_or("").to_owned()
}

/// Counts a prevention activity (a record with a `participants` grid): its place, type
/// and participants by sex, for the indicators.
pub fn on_activity(db: &Connection, record: &Envelope, now: Millis) -> Result<(), DbError> {
    use vigie_core::forms::counts::total;
    let grid = record.payload.get("participants");
    if !grid.is_some_and(Value::is_object) {
        return Ok(());
    }
    let place = seen(record).place;
    let activity = record
        .payload
        .get("activity_type")
        .and_then(Value::as_str)
        .unwrap_or("");
    db.run(
        "INSERT OR IGNORE INTO activity_facts (id, place, activity, women, men, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            record.id.to_string(),
            place,
            activity,
            total(grid, Some("F")) as i64,
            total(grid, Some("M")) as i64,
            now
        ],
    )?;
    Ok(())
}

/// Opens a case for `record` or joins it to an open one, as `rules` say; nothing when no
/// rule holds. Returns the case before (none: new) and after, for the caller to save.
pub fn on_record(
    db: &Connection,
    rules: &Rules,
    record: &Envelope,
    now: Millis,
) -> Result<Option<(Option<Case>, Case)>, DbError> {
    let new = seen(record);
    if new.place.is_empty() && new.level.is_empty() {
        return Ok(None);
    }
    if LEVELS.contains(&new.level.as_str()) {
        crate::indicators::add_fact(
            db,
            &crate::indicators::AlertFact {
                id: record.id.to_string(),
                rank: rank(&new.level),
                place: new.place.clone(),
                at: new.at,
                received_at: now,
                category: category(&record.payload),
                phase: record
                    .payload
                    .get("electoral_phase")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
            },
        )?;
    }
    // Records no rule applies to (green, with the default rules): nothing to read.
    let applies = |r: &&vigie_core::cases::rules::Rule| rank(&new.level) >= rank(&r.level);
    if !rules.0.iter().any(|r| applies(&r)) {
        return Ok(None);
    }
    let before = looked_back(db, rules, &record.id.to_string(), &new, now)?;
    let Some((level, _rule)) = rules.triggered(&before, &new) else {
        return Ok(None);
    };
    let category = category(&record.payload);
    let report = record.id.to_string();
    // The SMS that announced this record opened a case: the record completes it.
    if let Some(case) = announced_by_sms(db, &report)? {
        let joined = join(&case, &report, level, now).map(|mut c| {
            if c.place.is_empty() {
                c.place = new.place.clone();
            }
            c
        });
        return Ok(joined.map(|c| (Some(case), c)));
    }
    open_or_join(db, &report, level, &new.place, &category, now)
}

/// The earlier alerts the counting rules that apply to `new` need to decide: for each
/// rule, at most the `count - 1` it waits for, of its level or higher, in its unit and
/// window (widened by how long the record waited on the phone). Each rule reads one
/// index range, so storing a record costs the same with a thousand alerts stored or a
/// million.
fn looked_back(
    db: &Connection,
    rules: &Rules,
    id: &str,
    new: &Seen,
    now: Millis,
) -> Result<Vec<Seen>, DbError> {
    let mut found: Vec<(String, Seen)> = Vec::new();
    for rule in rules.0.iter().filter(|r| r.per != Per::Record) {
        if rank(&new.level) < rank(&rule.level) || rule.count < 2 {
            continue;
        }
        let Some(unit) = rule.per.unit(&new.place) else {
            continue;
        };
        let window = Millis::from(rule.within_days) * DAY_MS;
        let since = now - window - (now - new.at).clamp(0, LOOKBACK_MS) - DAY_MS;
        let ranks = (rank(&rule.level)..LEVELS.len())
            .map(|r| r.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        // The expression must be the index's, word for word (db.rs, version 9).
        let mut stmt = db.prepare_cached(&format!(
            "SELECT id, rank, place, at FROM alert_facts
             WHERE substr(place, 1, {len}) = ?1 AND rank IN ({ranks})
               AND at BETWEEN ?2 AND ?3 AND received_at >= ?4 AND id <> ?5
             LIMIT ?6",
            len = unit.len()
        ))?;
        let rows = stmt.query_map(
            params![
                unit,
                new.at - window,
                new.at + window,
                since,
                id,
                i64::from(rule.count) - 1
            ],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    Seen {
                        level: LEVELS
                            .get(r.get::<_, i64>(1)?.clamp(0, 3) as usize)
                            .copied()
                            .unwrap_or("vert")
                            .to_owned(),
                        place: r.get(2)?,
                        at: r.get(3)?,
                    },
                ))
            },
        )?;
        for row in rows {
            let (fact, seen) = row?;
            if !found.iter().any(|(f, _)| *f == fact) {
                found.push((fact, seen));
            }
        }
    }
    Ok(found.into_iter().map(|(_, seen)| seen).collect())
}

/// `case` with `report` joined, by Vigie; none when it is in already.
fn join(case: &Case, report: &str, level: &str, now: Millis) -> Option<Case> {
    case.apply(&Act {
        by: "Vigie".into(),
        at: now,
        rev: case.rev,
        note: report.to_owned(),
        action: Action::Join {
            report: report.to_owned(),
            level: level.to_owned(),
        },
    })
    .ok()
}

/// Joins `report` to the open case it most likely belongs to, or opens one
/// (`c-<report>`); returns the case before (none: new) and after.
fn open_or_join(
    db: &Connection,
    report: &str,
    level: &str,
    place: &str,
    category: &str,
    now: Millis,
) -> Result<Option<(Option<Case>, Case)>, DbError> {
    let open = open_in_commune(db, place)?;
    // Cases are opened on the receiver's clock: a report joins by when it arrived.
    let chosen = match suggest_join(&open, place, category, now) {
        Some(light) => without_reports(db, &light.id)?,
        None => None,
    };
    match chosen {
        // Already in a case (a replay): nothing to change.
        Some(_) if of_report_id(db, report)?.is_some() => Ok(None),
        // Joined without reading the case's thousands of reports: the change is one more
        // (`save` writes its row), and the rest of the case is its body.
        Some(case) => Ok(join(&case, report, level, now).map(|c| (Some(case), c))),
        None => {
            let id = format!("c-{}", report.replace(':', "-"));
            if one(db, &id)?.is_some() {
                return Ok(None);
            }
            Ok(Some((
                None,
                Case::open(&id, report, level, place, category, now),
            )))
        }
    }
}

/// The open case of the SMS alert `record` completed, if one was opened for it.
fn announced_by_sms(db: &Connection, record: &str) -> Result<Option<Case>, DbError> {
    let case: Option<String> = db
        .query_row(
            "SELECT case_id FROM case_reports WHERE report IN
               (SELECT 'sms:' || id FROM sms_alerts WHERE record_id = ?1) LIMIT 1",
            [record],
            |r| r.get(0),
        )
        .optional()?;
    Ok(match case {
        Some(id) => one(db, &id)?.filter(Case::is_open),
        None => None,
    })
}

/// Opens a case for the SMS alert in row `row` of `sms_alerts`, or joins it to an open
/// one, when a rule about single reports holds for it (an SMS is not counted with others:
/// the record it announces will be). Its place in words is matched to a commune or cercle
/// (`admin::find_place`); an unknown place gives a case for national coordinators.
pub fn on_sms(
    db: &Connection,
    rules: &Rules,
    row: i64,
    now: Millis,
) -> Result<Option<(Option<Case>, Case)>, DbError> {
    let alert: Option<(String, String, String)> = db
        .query_row(
            "SELECT level, place, codes FROM sms_alerts
             WHERE id = ?1 AND parsed AND record_id IS NULL AND conflict = ''",
            [row],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((level, words, codes)) = alert else {
        return Ok(None);
    };
    let place = vigie_core::admin::find_place(&words)
        .unwrap_or("")
        .to_owned();
    let new = Seen {
        level: level.to_lowercase(),
        place: place.clone(),
        at: now,
    };
    let single = Rules(
        rules
            .0
            .iter()
            .filter(|r| r.per == Per::Record)
            .cloned()
            .collect(),
    );
    let Some((level, _)) = single.triggered(&[], &new) else {
        return Ok(None);
    };
    let category = codes
        .split_whitespace()
        .next()
        .and_then(|c| c.split('-').next())
        .unwrap_or("")
        .to_owned();
    open_or_join(db, &format!("sms:{row}"), level, &place, &category, now)
}

/// What a report says of itself: its level, most precise P-code and category.
fn report_facts(db: &Connection, report: &str) -> Result<(String, String, String), DbError> {
    if let Some(row) = report
        .strip_prefix("sms:")
        .and_then(|r| r.parse::<i64>().ok())
    {
        let found: Option<(String, String, String)> = db
            .query_row(
                "SELECT level, place, codes FROM sms_alerts WHERE id = ?1",
                [row],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        return Ok(
            found.map_or_else(Default::default, |(level, words, codes)| {
                let place = vigie_core::admin::find_place(&words).unwrap_or("");
                let category = codes.split('-').next().unwrap_or("").to_owned();
                (level.to_lowercase(), place.to_owned(), category)
            }),
        );
    }
    Ok(match crate::records::one(db, report)? {
        Some(row) => {
            let payload = row.envelope.get("payload").cloned().unwrap_or_default();
            let level = payload
                .get("alert_level")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            (level, row.place_code().to_owned(), category(&payload))
        }
        None => Default::default(),
    })
}

/// What a coordinator's split or join asks of another case, once `source` (after the
/// change) is saved: a new case for the report split off, or the case joined taking
/// `source`'s reports. Returns it before (none: new) and after.
pub fn regroup(
    db: &Connection,
    action: &Action,
    source: &Case,
    by: &str,
    now: Millis,
) -> Result<Option<(Option<Case>, Case)>, DbError> {
    match action {
        Action::Split { report } => {
            let (level, place, category) = report_facts(db, report)?;
            let level = if LEVELS.contains(&level.as_str()) {
                level
            } else {
                source.level.clone()
            };
            let id = format!("c-{}-{}", report.replace(':', "-"), source.rev);
            Ok(Some((
                None,
                Case::open(&id, report, &level, &place, &category, now),
            )))
        }
        Action::JoinInto { into } => {
            let Some(target) = one(db, into)?.filter(Case::is_open) else {
                return Ok(None);
            };
            let mut after = target.clone();
            for report in &source.reports {
                let act = Act {
                    by: by.to_owned(),
                    at: now,
                    rev: after.rev,
                    note: source.id.clone(),
                    action: Action::Join {
                        report: report.clone(),
                        level: source.level.clone(),
                    },
                };
                if let Ok(next) = after.apply(&act) {
                    after = next;
                }
            }
            Ok(Some((Some(target), after)))
        }
        _ => Ok(None),
    }
}

/// Writes `case`: a new one, or a new revision of `before`. Its reports go to
/// `case_reports`, not into its body: a case joined by its thousandth report writes one
/// row and a body of its own size, not a body listing a thousand reports.
pub fn save(db: &Connection, before: Option<&Case>, case: &Case) -> Result<(), DbError> {
    let body = serde_json::to_string(&Case {
        reports: Vec::new(),
        ..case.clone()
    })
    .map_err(|e| DbError::Encode(e.to_string()))?;
    let status = serde_json::to_value(case.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    db.run(
        "INSERT INTO cases (id, rev, status, level, place, category, opened_at, body, taken_at, closed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT(id) DO UPDATE SET rev = ?2, status = ?3, level = ?4, body = ?8,
           taken_at = ?9, closed_at = ?10",
        params![
            case.id,
            case.rev as i64,
            status,
            case.level,
            case.place,
            case.category,
            case.opened_at,
            body,
            case.taken_at,
            case.closed_at
        ],
    )?;
    // The index of reports changes by what changed: a case joined by its thousandth
    // report writes one row, not a thousand.
    let (gone, came): (Vec<&String>, Vec<&String>) = match before {
        // A join: the same reports and one more (no set of thousands built to find it).
        Some(b) if case.reports.starts_with(&b.reports) => {
            (Vec::new(), case.reports[b.reports.len()..].iter().collect())
        }
        Some(b) => {
            let was: HashSet<&String> = b.reports.iter().collect();
            let is: HashSet<&String> = case.reports.iter().collect();
            (
                b.reports.iter().filter(|r| !is.contains(r)).collect(),
                case.reports.iter().filter(|r| !was.contains(r)).collect(),
            )
        }
        None => {
            db.execute("DELETE FROM case_reports WHERE case_id = ?1", [&case.id])?;
            (Vec::new(), case.reports.iter().collect())
        }
    };
    for report in gone {
        db.run(
            "DELETE FROM case_reports WHERE report = ?1 AND case_id = ?2",
            params![report, case.id],
        )?;
    }
    for report in came {
        db.run(
            "INSERT OR REPLACE INTO case_reports (report, case_id) VALUES (?1, ?2)",
            params![report, case.id],
        )?;
    }
    Ok(())
}

/// The id of the case `report` (a record id or `sms:<id>`) is in.
fn of_report_id(db: &Connection, report: &str) -> Result<Option<String>, DbError> {
    Ok(db
        .prepare_cached("SELECT case_id FROM case_reports WHERE report = ?1")?
        .query_row([report], |r| r.get(0))
        .optional()?)
}

/// The case `report` (a record id or `sms:<id>`) is in.
pub fn of_report(db: &Connection, report: &str) -> Result<Option<Case>, DbError> {
    match of_report_id(db, report)? {
        Some(id) => one(db, &id),
        None => Ok(None),
    }
}

/// One case.
pub fn one(db: &Connection, id: &str) -> Result<Option<Case>, DbError> {
    let body: Option<String> = db
        .prepare_cached("SELECT body FROM cases WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    body.map_or(Ok(None), |b| decode(db, &b))
}

/// A case without its reports (`reports` empty): what a join changes.
fn without_reports(db: &Connection, id: &str) -> Result<Option<Case>, DbError> {
    let body: Option<String> = db
        .prepare_cached("SELECT body FROM cases WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    Ok(body.as_deref().and_then(parse))
}

/// A stored case's body, its reports left out (a body of an earlier version may list them).
fn parse(body: &str) -> Option<Case> {
    serde_json::from_str::<Case>(body).ok().map(|mut c| {
        c.reports.clear();
        c
    })
}

/// A stored case's body with its reports, in the order they joined.
fn decode(db: &Connection, body: &str) -> Result<Option<Case>, DbError> {
    let Some(mut case) = parse(body) else {
        return Ok(None);
    };
    case.reports = db
        .prepare_cached("SELECT report FROM case_reports WHERE case_id = ?1 ORDER BY rowid")?
        .query_map([&case.id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(Some(case))
}

/// The open cases of the commune of `place` (what a new report there may join), as
/// much of each as choosing one needs: its columns, not its body (a case joined by a
/// thousand reports has a large one).
fn open_in_commune(db: &Connection, place: &str) -> Result<Vec<Case>, DbError> {
    let Some(commune) = place.get(..8) else {
        return Ok(Vec::new());
    };
    // A range of the index, not a scan of every case.
    let mut stmt = db.prepare_cached(&format!(
        "SELECT id, status, level, place, category, opened_at FROM cases
         WHERE {OPEN_SQL} AND place >= ?1 AND place < ?1 || '~'"
    ))?;
    let found = stmt
        .query_map([commune], |r| {
            let mut case = Case::open(
                &r.get::<_, String>(0)?,
                "",
                &r.get::<_, String>(2)?,
                &r.get::<_, String>(3)?,
                &r.get::<_, String>(4)?,
                r.get(5)?,
            );
            let status: String = r.get(1)?;
            case.status = serde_json::from_value(Value::String(status)).unwrap_or(case.status);
            Ok(case)
        })?
        .collect::<Result<_, _>>()?;
    Ok(found)
}

/// Most serious first, then oldest first.
const BY_URGENCY: &str = "CASE level WHEN 'rouge' THEN 0 WHEN 'orange' THEN 1 WHEN 'jaune' THEN 2 ELSE 3 END, opened_at, id";

/// A page of the open cases inside a scope, with how many there are by level.
#[derive(Debug, Default)]
pub struct OpenPage {
    /// The cases of the page, most serious first, then oldest first.
    pub cases: Vec<Case>,
    /// Open cases in all.
    pub total: usize,
    /// Open cases by level, least serious first (as [`LEVELS`]).
    pub by_level: [usize; 4],
}

/// The open cases inside `scope` from the `from`th, `limit` at most: sorted, counted and
/// cut by SQLite, so a page reads only the cases it shows.
pub fn open_page(
    db: &Connection,
    scope: &Scope,
    from: usize,
    limit: usize,
) -> Result<OpenPage, DbError> {
    let (cond, mut args) = crate::records::scope_sql(scope, "place", 0);
    let mut page = OpenPage::default();
    let mut stmt = db.prepare(&format!(
        "SELECT level, count(*) FROM cases WHERE {OPEN_SQL} AND {cond} GROUP BY level"
    ))?;
    let counts = stmt
        .query_map(rusqlite::params_from_iter(args.clone()), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    for (level, n) in counts {
        page.by_level[rank(&level)] += n as usize;
        page.total += n as usize;
    }
    let n = args.len();
    args.push((limit as i64).into());
    args.push((from as i64).into());
    // The page's ids sorted from the index alone, then their bodies: a sort that carries
    // every open case's body would read them all.
    let mut stmt = db.prepare(&format!(
        "SELECT id FROM cases WHERE {OPEN_SQL} AND {cond}
         ORDER BY {BY_URGENCY} LIMIT ?{} OFFSET ?{}",
        n + 1,
        n + 2
    ))?;
    let ids = stmt
        .query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    for id in ids {
        page.cases.extend(one(db, &id)?);
    }
    Ok(page)
}

/// Up to `limit` open cases inside `scope` other than `except`, those of the commune of
/// `place` first (what a case may be joined to), each without its reports but with how many
/// it groups (counted from the index: a choice list needs no case's thousands of ids).
pub fn open_near(
    db: &Connection,
    scope: &Scope,
    place: &str,
    except: &str,
    limit: usize,
) -> Result<Vec<(Case, usize)>, DbError> {
    let (cond, mut args) = crate::records::scope_sql(scope, "place", 0);
    let n = args.len();
    args.push(place.get(..8).unwrap_or("-").to_owned().into());
    args.push(except.to_owned().into());
    args.push((limit as i64).into());
    let mut stmt = db.prepare(&format!(
        "SELECT body, (SELECT count(*) FROM case_reports WHERE case_id = cases.id)
         FROM cases WHERE {OPEN_SQL} AND {cond} AND id <> ?{}
         ORDER BY substr(place, 1, 8) = ?{} DESC, {BY_URGENCY} LIMIT ?{}",
        n + 2,
        n + 1,
        n + 3
    ))?;
    let found = stmt
        .query_map(rusqlite::params_from_iter(args), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?
        .filter_map(Result::ok)
        .filter_map(|(body, n)| Some((parse(&body)?, n as usize)))
        .collect();
    Ok(found)
}

#[cfg(test)]
mod page_tests {
    use super::*;

    fn joined(case: &Case, report: &str) -> Case {
        join(case, report, "orange", 2_000).expect("joined")
    }

    #[test]
    fn a_cases_reports_are_rows_not_its_body_and_read_back_in_order() {
        let db = crate::db::in_memory();
        let mut case = Case::open("c-r1", "r1", "orange", "ML030201", "PHY", 1_000);
        save(&db, None, &case).unwrap();
        let body_len = |db: &Connection| -> i64 {
            db.query_row(
                "SELECT length(body) FROM cases WHERE id = 'c-r1'",
                [],
                |r| r.get(0),
            )
            .unwrap()
        };
        let first = body_len(&db);
        for i in 2..=300 {
            let next = joined(&case, &format!("r{i:03}"));
            save(&db, Some(&case), &next).unwrap();
            case = next;
        }
        // 299 joins later the body has grown by its counted line, not by 299 reports.
        assert!(
            body_len(&db) < first + 200,
            "{} then {}",
            first,
            body_len(&db)
        );
        let back = one(&db, "c-r1").unwrap().unwrap();
        assert_eq!(back.reports.len(), 300);
        assert_eq!(back.reports[..3], ["r1", "r002", "r003"]);
        assert_eq!(back, case);
        assert_eq!(
            of_report(&db, "r150").unwrap().map(|c| c.id),
            Some("c-r1".into())
        );
        // What another case may be joined to: this one, with its count, not its ids.
        let near = open_near(&db, &Scope::National, "ML030201", "c-0", 5).unwrap();
        assert_eq!(near.len(), 1);
        assert_eq!((near[0].0.id.as_str(), near[0].1), ("c-r1", 300));
        assert!(near[0].0.reports.is_empty());
    }

    #[test]
    fn a_store_of_the_previous_schema_keeps_its_cases_reports() {
        let mut db = crate::db::in_memory();
        let case = joined(
            &Case::open("c-r1", "r1", "rouge", "ML030201", "PHY", 1_000),
            "r2",
        );
        // As version 11 stored it: the reports in the body, and in the index.
        db.execute_batch(&format!(
            "INSERT INTO cases (id, rev, status, level, place, category, opened_at, body)
               VALUES ('c-r1', 2, 'new', 'rouge', 'ML030201', 'PHY', 1000, '{}');
             INSERT INTO case_reports (report, case_id) VALUES ('r1', 'c-r1'), ('r2', 'c-r1');
             DROP INDEX case_reports_case;
             PRAGMA user_version = 11;",
            serde_json::to_string(&case).unwrap()
        ))
        .unwrap();
        crate::db::migrate(&mut db).unwrap();
        let body: String = db
            .query_row("SELECT body FROM cases", [], |r| r.get(0))
            .unwrap();
        assert!(body.contains("\"reports\":[]"), "{body}");
        assert_eq!(one(&db, "c-r1").unwrap(), Some(case));
    }

    #[test]
    fn the_open_condition_names_every_status_but_closed() {
        use vigie_core::cases::Status;
        for status in [
            Status::New,
            Status::Taken,
            Status::Responding,
            Status::Closed,
        ] {
            let name = serde_json::to_value(status).unwrap();
            let named = OPEN_SQL.contains(&format!("'{}'", name.as_str().unwrap()));
            assert_eq!(named, status != Status::Closed, "{name}");
        }
    }

    mod looking_back {
        use super::*;
        use proptest::prelude::*;

        const PLACES: [&str; 6] = ["ML030201", "ML030202", "ML030301", "ML0302", "ML05", ""];

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(60))]
            /// The few alerts read by index ranges decide every rule as all the alerts
            /// stored would.
            #[test]
            fn the_rules_decide_on_the_indexed_few_as_on_everything(
                facts in proptest::collection::vec((0usize..4, 0usize..6, 0i64..40), 0..60),
                level in 0usize..4,
                place in 0usize..6,
                day in 0i64..40,
            ) {
                let rules = vigie_core::cases::rules::parse(vigie_core::cases::rules::DEFAULT).unwrap();
                let db = crate::db::in_memory();
                let now = 50 * DAY_MS;
                let mut all = Vec::new();
                for (n, (rank, place, day)) in facts.iter().enumerate() {
                    let seen = Seen { level: LEVELS[*rank].into(), place: PLACES[*place].into(), at: day * DAY_MS };
                    crate::indicators::add_fact(&db, &crate::indicators::AlertFact {
                        id: format!("f{n}"), rank: *rank, place: seen.place.clone(), at: seen.at,
                        received_at: now - DAY_MS / 2, category: String::new(), phase: String::new(),
                    }).unwrap();
                    all.push(seen);
                }
                let new = Seen { level: LEVELS[level].into(), place: PLACES[place].into(), at: day * DAY_MS };
                let few = looked_back(&db, &rules, "new", &new, now).unwrap();
                prop_assert!(few.len() <= all.len());
                prop_assert_eq!(
                    rules.triggered(&few, &new).map(|(l, r)| (l.to_owned(), r.name.clone())),
                    rules.triggered(&all, &new).map(|(l, r)| (l.to_owned(), r.name.clone()))
                );
            }
        }
    }

    #[test]
    fn a_page_of_open_cases_is_sorted_counted_and_scoped_like_the_whole_list() {
        let db = crate::db::in_memory();
        let places = ["ML030201", "ML050101", "ML0302", ""];
        let mut all = Vec::new();
        for n in 0..250 {
            let level = LEVELS[n % 4];
            let case = Case::open(
                &format!("c-{n}"),
                &format!("r{n}"),
                level,
                places[n % 3 + usize::from(n % 50 == 0)],
                "PHY",
                (n as Millis * 7919) % 1000,
            );
            save(&db, None, &case).unwrap();
            all.push(case);
        }
        for scope in [Scope::National, Scope::parse("ML03").unwrap()] {
            let mut expected: Vec<&Case> =
                all.iter().filter(|c| scope.contains(&c.place)).collect();
            expected.sort_by_key(|c| (3 - rank(&c.level), c.opened_at, c.id.clone()));
            let mut seen = Vec::new();
            let mut from = 0;
            loop {
                let page = open_page(&db, &scope, from, 40).unwrap();
                assert_eq!(page.total, expected.len());
                assert_eq!(page.by_level.iter().sum::<usize>(), expected.len());
                if page.cases.is_empty() {
                    break;
                }
                from += page.cases.len();
                seen.extend(page.cases.into_iter().map(|c| c.id));
            }
            let want: Vec<String> = expected.iter().map(|c| c.id.clone()).collect();
            assert_eq!(seen, want, "{scope}");
        }
        let near = open_near(&db, &Scope::National, "ML030201", "c-0", 5).unwrap();
        assert!(near
            .iter()
            .all(|(c, _)| c.place.starts_with("ML030201") && c.id != "c-0"));
    }
}
