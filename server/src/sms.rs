//! Alerts that arrive by SMS (an SMS gateway posts each message to `POST /api/sms`, see
//! docs/PROTOCOL.md). Every text is kept, even one that is not an alert (flagged, never an
//! error); an alert names its record by a short id, so that the record arriving later by
//! data completes it rather than adding a second alert — and an SMS arriving after the
//! record is stored as already complete. Exactly once across both channels.

use rusqlite::{params, Connection, OptionalExtension};

use crate::db::DbError;
use vigie_core::sms;

/// Longest text kept (a concatenated SMS rarely exceeds this).
const MAX_TEXT: usize = 1_000;

/// What became of one SMS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// It reads as an alert.
    pub parsed: bool,
    /// The record it names is already here.
    pub completed: bool,
    /// The same message had already been received (a gateway's retry): nothing added.
    pub duplicate: bool,
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
}

/// Keeps one SMS; links it to its record when that is already here.
pub fn receive(
    db: &Connection,
    sender: &str,
    text: &str,
    token_label: &str,
    now: i64,
) -> Result<Received, DbError> {
    let text: String = text.chars().take(MAX_TEXT).collect();
    let sender: String = sender.chars().take(40).collect();
    let seen: Option<Option<String>> = db
        .query_row(
            "SELECT record_id FROM sms_alerts WHERE sender = ?1 AND text = ?2",
            params![sender, text],
            |r| r.get(0),
        )
        .optional()?;
    let parsed = sms::parse(&text).ok();
    if let Some(record) = seen {
        return Ok(Received {
            parsed: parsed.is_some(),
            completed: record.is_some(),
            duplicate: true,
        });
    }
    let record: Option<String> = match &parsed {
        Some(a) => db
            .query_row(
                "SELECT id FROM submissions WHERE substr(replace(id, '-', ''), 1, 8) = ?1 LIMIT 1",
                [&a.short_id],
                |r| r.get(0),
            )
            .optional()?,
        None => None,
    };
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
        "INSERT INTO sms_alerts (received_at, sender, text, parsed, level, day, place, codes, short_id, record_id, token_label)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![now, sender, text, parsed.is_some(), level, day, place, codes, short, record, token_label],
    )?;
    Ok(Received {
        parsed: parsed.is_some(),
        completed: record.is_some(),
        duplicate: false,
    })
}

/// A record has just been stored: the SMS alerts that announced it are now complete.
pub fn complete(db: &Connection, record_id: &str) -> Result<usize, DbError> {
    let short: String = record_id.replace('-', "").chars().take(8).collect();
    Ok(db.execute(
        "UPDATE sms_alerts SET record_id = ?1 WHERE short_id = ?2 AND record_id IS NULL",
        params![record_id, short],
    )?)
}

/// The SMS alerts still waiting for their record, and the texts that are not alerts, newest
/// first.
pub fn provisional(db: &Connection, limit: usize) -> Result<Vec<SmsRow>, DbError> {
    let mut stmt = db.prepare(
        "SELECT received_at, sender, text, parsed, level, day, place, codes FROM sms_alerts
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
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
