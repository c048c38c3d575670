//! Alerts that arrive by SMS (an SMS gateway posts each message to `POST /api/sms`, see
//! docs/PROTOCOL.md). Every text is kept, even one that is not an alert (flagged, never an
//! error); an alert names its record by a short id, so that the record arriving later by
//! data completes it rather than adding a second alert — and an SMS arriving after the
//! record is stored as already complete. Exactly once across both channels.

use rusqlite::{params, Connection, OptionalExtension};

use crate::db::{Cached, DbError};
use vigie_core::sms;

/// Longest text kept (a concatenated SMS rarely exceeds this).
const MAX_TEXT: usize = 1_000;

/// What became of one SMS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The row of a new alert still waiting for its record (none: a duplicate, a text
    /// that is not an alert, or one its record completed at once).
    pub waiting_row: Option<i64>,
    /// It reads as an alert.
    pub parsed: bool,
    /// The record it names is already here and agrees with it.
    pub completed: bool,
    /// The same message had already been received (a gateway's retry, the same alert
    /// forwarded from another number or retyped in other case): nothing added.
    pub duplicate: bool,
    /// It names a record that says otherwise (another level or place): kept apart and
    /// flagged for a coordinator, not attached.
    pub conflict: bool,
}

/// One SMS alert, as the coordinator pages show it.
#[derive(Debug, Clone)]
pub struct SmsRow {
    /// When it arrived.
    pub received_at: i64,
    /// The sending number.
    pub sender: String,
    /// The text as received.
    pub text: String,
    /// Whether it reads as an alert.
    pub parsed: bool,
    /// Level code (`rouge`), empty if garbled.
    pub level: String,
    /// Day as written.
    pub day: String,
    /// Place in words.
    pub place: String,
    /// Incident codes, space-separated.
    pub codes: String,
    /// How it contradicts the record it names (empty when it does not).
    pub conflict: String,
}

/// The level and the place names (and codes) of a stored record, to hold an SMS against.
fn record_facts(envelope: &str) -> (String, Vec<String>) {
    let value: serde_json::Value = serde_json::from_str(envelope).unwrap_or_default();
    let payload = &value["payload"];
    let level = payload["alert_level"].as_str().unwrap_or("").to_owned();
    let mut places = Vec::new();
    if let Some(map) = payload.as_object() {
        for v in map.values().filter_map(serde_json::Value::as_object) {
            for key in ["region", "cercle", "commune", "village"] {
                if let Some(code) = v.get(key).and_then(serde_json::Value::as_str) {
                    places.push(code.to_owned());
                    if let Some(name) = vigie_core::admin::name_of(code) {
                        places.push(name.to_owned());
                    }
                }
            }
        }
    }
    (level, places)
}

/// How `alert` disagrees with the stored record `envelope`, if it does.
fn disagreement(alert: &sms::SmsAlert, envelope: &str) -> Option<String> {
    let (level, places) = record_facts(envelope);
    sms::contradiction(alert, &level, &places)
}

/// Keeps one SMS; links it to its record when that is already here and agrees.
pub fn receive(
    db: &Connection,
    sender: &str,
    text: &str,
    token_label: &str,
    now: i64,
) -> Result<Received, DbError> {
    let text: String = text.chars().take(MAX_TEXT).collect();
    let sender: String = sender.chars().take(40).collect();
    let norm = sms::normalise(&text);
    let parsed = sms::parse(&text).ok();
    // An alert is the same alert whoever forwards it; a text that is not one is the same
    // text only from the same number.
    let seen: Option<(Option<String>, String)> = match &parsed {
        Some(a) => db
            .query_row(
                "SELECT record_id, conflict FROM sms_alerts WHERE short_id = ?1 AND norm = ?2
                 ORDER BY id LIMIT 1",
                params![a.short_id, norm],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?,
        None => db
            .query_row(
                "SELECT record_id, conflict FROM sms_alerts WHERE sender = ?1 AND norm = ?2
                 ORDER BY id LIMIT 1",
                params![sender, norm],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?,
    };
    if let Some((record, conflict)) = seen {
        return Ok(Received {
            waiting_row: None,
            parsed: parsed.is_some(),
            completed: record.is_some(),
            duplicate: true,
            conflict: !conflict.is_empty(),
        });
    }
    let named: Option<(String, String)> = match &parsed {
        Some(a) => db
            .query_row(
                "SELECT id, envelope FROM submissions
                 WHERE substr(replace(id, '-', ''), 1, 8) = ?1 LIMIT 1",
                [&a.short_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?,
        None => None,
    };
    let conflict = match (&parsed, &named) {
        (Some(a), Some((_, envelope))) => disagreement(a, envelope).unwrap_or_default(),
        _ => String::new(),
    };
    let record = named.filter(|_| conflict.is_empty()).map(|(id, _)| id);
    let (level, day, place, codes, short) = parsed.as_ref().map_or_else(Default::default, |a| {
        (
            a.level.clone(),
            a.day.clone(),
            a.place.clone(),
            a.codes.join(" "),
            a.short_id.clone(),
        )
    });
    db.execute(
        "INSERT INTO sms_alerts (received_at, sender, text, parsed, level, day, place, codes,
           short_id, record_id, token_label, norm, conflict)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            now,
            sender,
            text,
            parsed.is_some(),
            level,
            day,
            place,
            codes,
            short,
            record,
            token_label,
            norm,
            conflict
        ],
    )?;
    Ok(Received {
        waiting_row: (parsed.is_some() && record.is_none()).then(|| db.last_insert_rowid()),
        parsed: parsed.is_some(),
        completed: record.is_some(),
        duplicate: false,
        conflict: !conflict.is_empty(),
    })
}

/// A record has just been stored (`envelope`, as stored): the SMS alerts that announced it
/// are now complete, and those that contradict it are flagged instead.
pub fn complete(db: &Connection, record_id: &str, envelope: &str) -> Result<usize, DbError> {
    let short: String = record_id.replace('-', "").chars().take(8).collect();
    let waiting: Vec<(i64, String)> = db
        .prepare_cached(
            "SELECT id, text FROM sms_alerts WHERE short_id = ?1 AND record_id IS NULL",
        )?
        .query_map([&short], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut completed = 0;
    for (row, text) in waiting {
        let conflict = sms::parse(&text)
            .ok()
            .and_then(|a| disagreement(&a, envelope));
        match conflict {
            Some(why) => db.run(
                "UPDATE sms_alerts SET conflict = ?2 WHERE id = ?1",
                params![row, why],
            )?,
            None => {
                completed += 1;
                db.run(
                    "UPDATE sms_alerts SET record_id = ?2, conflict = '' WHERE id = ?1",
                    params![row, record_id],
                )?
            }
        };
    }
    Ok(completed)
}

/// The SMS alerts still waiting for their record, and the texts that are not alerts, newest
/// first.
pub fn provisional(db: &Connection, limit: usize) -> Result<Vec<SmsRow>, DbError> {
    let mut stmt = db.prepare(
        "SELECT received_at, sender, text, parsed, level, day, place, codes, conflict FROM sms_alerts
         WHERE record_id IS NULL ORDER BY received_at DESC, id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit as i64], |r| {
        Ok(SmsRow {
            received_at: r.get(0)?,
            sender: r.get(1)?,
            text: r.get(2)?,
            parsed: r.get(3)?,
            level: r.get(4)?,
            day: r.get(5)?,
            place: r.get(6)?,
            codes: r.get(7)?,
            conflict: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
