//! Notifications that reach people outside the pages (docs/CASES.md): a new case, a case
//! raised to red, a case nobody took in charge in time. Each is written to the
//! `notifications` table in the same transaction as the case change that caused it, one
//! row per recipient with an idempotency key, then sent by [`send::run`] with retries and
//! backoff: a server killed mid-send sends it after restart, and a receiver that dedups on
//! the key sees each once.

pub mod config;
pub mod send;

use rusqlite::{params, Connection};
use serde_json::{json, Value};
use vigie_core::cases::{Case, Notice};
use vigie_core::i18n::{CoordMsg, Lang};
use vigie_core::record::Millis;
use vigie_core::scope::Scope;

pub use config::{Channel, Targets};

use crate::db::DbError;

/// The idempotency key of `notice` about `case`: the same for every recipient and every
/// retry; recorded once in `notices`, so nothing is told twice.
pub fn key(case: &Case, notice: Notice) -> String {
    let stamp = match notice {
        // Waiting is told once per opening.
        Notice::Waiting => case.opened_at as u64,
        _ => case.rev,
    };
    format!("{}.{}.{stamp}", case.id, notice.name())
}

/// "Loulouni (Kadiolo)", the bare name, or the words for an unknown place.
fn place_words(place: &str, lang: Lang) -> String {
    let name = vigie_core::admin::name_of(place);
    let parent = place
        .get(..6)
        .filter(|_| place.len() > 6)
        .and_then(vigie_core::admin::name_of);
    match (name, parent) {
        (Some(n), Some(p)) => format!("{n} ({p})"),
        (Some(n), None) => n.to_owned(),
        (None, _) if !place.is_empty() => place.to_owned(),
        (None, _) => CoordMsg::PlaceUnknown.text(lang).to_owned(),
    }
}

/// The one-line text of a notice (an SMS gateway sends it as is). It never names a
/// category: a text leaves the receiver's protection, and GBV must not be named in it.
/// `now` gives how long a waiting case has waited.
pub fn text(case: &Case, notice: Notice, now: Millis, lang: Lang) -> String {
    let template = match notice {
        Notice::Opened => CoordMsg::NotifyOpened,
        Notice::RaisedToRed => CoordMsg::NotifyRaised,
        Notice::Waiting => CoordMsg::NotifyWaiting,
    };
    template
        .text(lang)
        .replace("{level}", &case.level.to_uppercase())
        .replace("{place}", &place_words(&case.place, lang))
        .replace(
            "{minutes}",
            &((now - case.opened_at).max(0) / 60_000).to_string(),
        )
}

/// What `recipient` is sent about `case`: the case's level, status, place and number of
/// reports, its category only when it is not GBV or the recipient is cleared; never a
/// report's content.
pub fn body(
    targets: &Targets,
    recipient: &config::Recipient,
    case: &Case,
    notice: Notice,
    now: Millis,
) -> Value {
    let key = key(case, notice);
    let gbv = case.category == "VBG";
    let url = (!targets.public_url.is_empty())
        .then(|| format!("{}/coord/cases/{}", targets.public_url, case.id));
    let mut text = text(case, notice, now, Lang::Fr);
    if let Some(url) = &url {
        text = format!("{text} — {url}");
    }
    json!({
        "key": key,
        "kind": notice.name(),
        "at": now,
        "recipient": recipient.name,
        "case": {
            "id": case.id,
            "level": case.level,
            "status": case.status,
            "place": case.place,
            "place_name": place_words(&case.place, Lang::Fr),
            "category": if gbv && !recipient.gbv { "" } else { case.category.as_str() },
            "reports": case.reports.len(),
            "opened_at": case.opened_at,
        },
        "url": url,
        "text": text,
    })
}

/// Records `notice` about `case` once and queues it for every recipient whose scope holds
/// the case. Returns whether it was new (false: told already).
pub fn enqueue(
    db: &Connection,
    targets: &Targets,
    case: &Case,
    notice: Notice,
    now: Millis,
) -> Result<bool, DbError> {
    let key = key(case, notice);
    let fresh = db.execute(
        "INSERT OR IGNORE INTO notices (key, at) VALUES (?1, ?2)",
        params![key, now],
    )? == 1;
    if !fresh {
        return Ok(false);
    }
    for r in targets
        .recipients
        .iter()
        .filter(|r| r.scope.contains(&case.place))
    {
        let channel =
            serde_json::to_string(&r.channel).map_err(|e| DbError::Encode(e.to_string()))?;
        db.execute(
            "INSERT OR IGNORE INTO notifications
               (key, recipient, channel, place, body, created_at, next_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![
                key,
                r.name,
                channel,
                case.place,
                body(targets, r, case, notice, now).to_string(),
                now
            ],
        )?;
    }
    Ok(true)
}

/// The cases nobody took in charge within the delay that were not told so yet.
pub fn overdue(db: &Connection, delay: Millis, now: Millis) -> Result<Vec<Case>, DbError> {
    let mut stmt = db.prepare(
        "SELECT body FROM cases WHERE status = 'new' AND opened_at <= ?1
           AND NOT EXISTS (SELECT 1 FROM notices
                           WHERE key = cases.id || '.case.waiting.' || cases.opened_at)",
    )?;
    let found = stmt
        .query_map([now - delay], |r| r.get::<_, String>(0))?
        .filter_map(Result::ok)
        .filter_map(|b| serde_json::from_str::<Case>(&b).ok())
        .filter(|c| vigie_core::cases::waiting_too_long(c, now, delay))
        .collect();
    Ok(found)
}

/// A queued notification.
#[derive(Clone, Debug)]
pub struct Queued {
    /// Row id.
    pub id: i64,
    /// Idempotency key.
    pub key: String,
    /// Who.
    pub recipient: String,
    /// How.
    pub channel: Channel,
    /// What (JSON).
    pub body: String,
    /// Tries so far.
    pub attempts: u32,
}

/// Up to `limit` rows of `kind` (`notice`, `forward`) due at `now`, oldest first.
pub fn due(db: &Connection, now: Millis, limit: usize, kind: &str) -> Result<Vec<Queued>, DbError> {
    let mut stmt = db.prepare_cached(
        "SELECT id, key, recipient, channel, body, attempts FROM notifications
         WHERE sent_at IS NULL AND next_at <= ?1 AND kind = ?3 ORDER BY next_at, id LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(params![now, limit as i64, kind], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, key, recipient, channel, body, attempts)| {
            Some(Queued {
                id,
                key,
                recipient,
                channel: serde_json::from_str(&channel).ok()?,
                body,
                attempts: attempts.clamp(0, u32::MAX as i64) as u32,
            })
        })
        .collect())
}

/// The wait before try `attempts + 1`: 10 s, doubling, at most an hour.
pub fn backoff(attempts: u32) -> Millis {
    (10_000 * 2_i64.saturating_pow(attempts.saturating_sub(1).min(20))).min(3_600_000)
}

/// Marks `id` sent.
pub fn sent(db: &Connection, id: i64, now: Millis) -> Result<(), DbError> {
    db.execute(
        "UPDATE notifications SET sent_at = ?2, attempts = attempts + 1, last_error = ''
         WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

/// Records a failed try of `id` and when to try again.
pub fn failed(db: &Connection, q: &Queued, why: &str, now: Millis) -> Result<(), DbError> {
    let why: String = why.chars().take(300).collect();
    db.execute(
        "UPDATE notifications SET attempts = ?2, next_at = ?3, last_error = ?4 WHERE id = ?1",
        params![q.id, q.attempts + 1, now + backoff(q.attempts + 1), why],
    )?;
    Ok(())
}

/// The latest failure of a waiting notification: recipient, error, next try.
pub type Failure = (String, String, Millis);

/// What waits to be sent about cases inside `scope`: how many, and the latest failure.
pub fn pending(db: &Connection, scope: &Scope) -> Result<(usize, Option<Failure>), DbError> {
    let mut stmt = db.prepare(
        "SELECT place, recipient, last_error, next_at FROM notifications
         WHERE sent_at IS NULL AND kind = 'notice' ORDER BY next_at DESC, id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?
        .filter_map(Result::ok)
        .filter(|(place, ..)| scope.contains(place))
        .collect::<Vec<_>>();
    let last = rows
        .iter()
        // The latest failure is the one retried last.
        .find(|(_, _, e, _)| !e.is_empty())
        .map(|(_, r, e, at)| (r.clone(), e.clone(), *at));
    Ok((rows.len(), last))
}

/// Whether a notification with `key` for `recipient` was sent.
#[cfg(test)]
pub fn was_sent(db: &Connection, key: &str, recipient: &str) -> Result<bool, DbError> {
    use rusqlite::OptionalExtension;
    Ok(db
        .query_row(
            "SELECT sent_at FROM notifications WHERE key = ?1 AND recipient = ?2",
            params![key, recipient],
            |r| r.get::<_, Option<i64>>(0),
        )
        .optional()?
        .flatten()
        .is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets() -> Targets {
        std::env::set_var("VIGIE_TEST_HOOK", "k");
        config::parse(
            r#"{"public_url": "http://10.0.0.2:8080",
                "recipients": [
                  {"name": "Sikasso", "scope": "ML03", "webhook": "http://127.0.0.1:9/h", "secret_env": "VIGIE_TEST_HOOK"},
                  {"name": "Kayes", "scope": "ML01", "webhook": "http://127.0.0.1:9/h", "secret_env": "VIGIE_TEST_HOOK"},
                  {"name": "Nationale", "gbv": true, "webhook": "http://127.0.0.1:9/n", "secret_env": "VIGIE_TEST_HOOK"}]}"#,
            |v| std::env::var(v).ok(),
        )
        .unwrap()
    }

    use crate::db::in_memory as db;

    #[test]
    fn a_notice_is_queued_once_for_each_recipient_whose_scope_holds_the_case() {
        let db = db();
        let t = targets();
        let case = Case::open("c-1", "r1", "rouge", "ML030201", "VBG", 1_000);
        assert!(enqueue(&db, &t, &case, Notice::Opened, 2_000).unwrap());
        assert!(
            !enqueue(&db, &t, &case, Notice::Opened, 3_000).unwrap(),
            "once"
        );
        let q = due(&db, 2_000, 10, "notice").unwrap();
        let who: Vec<_> = q.iter().map(|q| q.recipient.as_str()).collect();
        assert_eq!(
            who,
            ["Sikasso", "Nationale"],
            "Kayes is not told of Sikasso"
        );
        assert!(q.iter().all(|q| q.key == "c-1.case.new.1"));
        let uncleared: Value = serde_json::from_str(&q[0].body).unwrap();
        let cleared: Value = serde_json::from_str(&q[1].body).unwrap();
        assert_eq!(uncleared["case"]["category"], "", "GBV reserved");
        assert_eq!(cleared["case"]["category"], "VBG");
        for b in [&uncleared, &cleared] {
            let text = b["text"].as_str().unwrap();
            assert!(!text.contains("VBG"), "no text names GBV: {text}");
            assert!(
                text.contains("ROUGE") && text.contains("/coord/cases/c-1"),
                "{text}"
            );
        }
    }

    #[test]
    fn a_failed_try_waits_longer_each_time_and_a_sent_one_is_not_due_again() {
        let db = db();
        let case = Case::open("c-1", "r1", "orange", "ML030201", "PHY", 1_000);
        enqueue(&db, &targets(), &case, Notice::Opened, 0).unwrap();
        // A record to forward waits in its own lane, out of the notices' count.
        db.execute(
            "INSERT INTO notifications (key, recipient, channel, place, body, created_at, next_at, kind)
             VALUES ('uuid:r1', 'Central', ?1, 'ML030201', '<data/>', 0, 0, 'forward')",
            [r#"{"type": "openrosa", "target": "Central"}"#],
        )
        .unwrap();
        assert_eq!(due(&db, 0, 10, "forward").unwrap().len(), 1);
        let q = due(&db, 0, 10, "notice").unwrap();
        assert!(q.iter().all(|q| q.key != "uuid:r1"));
        failed(&db, &q[0], "HTTP 500", 0).unwrap();
        assert_eq!(
            due(&db, 9_999, 10, "notice").unwrap().len(),
            1,
            "the other one"
        );
        assert_eq!(due(&db, 10_000, 10, "notice").unwrap().len(), 2);
        let again = &due(&db, 10_000, 10, "notice").unwrap()[0];
        failed(&db, again, "timeout", 10_000).unwrap();
        assert_eq!(backoff(2), 20_000);
        assert_eq!(backoff(40), 3_600_000);
        let (n, last) = pending(&db, &Scope::National).unwrap();
        assert_eq!(n, 2);
        assert_eq!(last.map(|l| l.1), Some("timeout".to_owned()));
        for q in due(&db, 100_000, 10, "notice").unwrap() {
            sent(&db, q.id, 100_000).unwrap();
        }
        assert!(due(&db, 10_000_000, 10, "notice").unwrap().is_empty());
        assert_eq!(pending(&db, &Scope::National).unwrap().0, 0);
        assert!(was_sent(&db, "c-1.case.new.1", "Sikasso").unwrap());
    }

    #[test]
    fn an_overdue_case_is_found_once_and_not_once_taken() {
        let db = db();
        let case = Case::open("c-1", "r1", "orange", "ML030201", "PHY", 1_000);
        crate::cases::save(&db, None, &case).unwrap();
        assert!(overdue(&db, 60_000, 60_999).unwrap().is_empty());
        let late = overdue(&db, 60_000, 61_000).unwrap();
        assert_eq!(late.len(), 1);
        enqueue(&db, &targets(), &late[0], Notice::Waiting, 61_000).unwrap();
        assert!(
            overdue(&db, 60_000, 100_000).unwrap().is_empty(),
            "told once"
        );
        let body: Value =
            serde_json::from_str(&due(&db, 61_000, 10, "notice").unwrap()[0].body).unwrap();
        assert!(body["text"].as_str().unwrap().contains("1 min"));
    }
}
