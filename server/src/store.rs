//! The receiver's state: the SQLite store of submissions (idempotent on the record id,
//! committed before any receipt), the tokens, and the published forms.

use crate::db::Cached;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension};
use vigie_core::record::Envelope;

use crate::db::{self, DbError};
use crate::published::FormsFolder;
use crate::tokens::ExtraToken;
use vigie_core::cases::rules::Rules;

/// Shared receiver state.
#[derive(Clone)]
pub struct Receiver {
    db: Arc<Mutex<Connection>>,
    data_dir: Arc<Path>,
    pub(crate) extra: Arc<[ExtraToken]>,
    forms: Arc<FormsFolder>,
    quota: Arc<Quota>,
    referrals: Option<Arc<Path>>,
    translation: Option<Arc<Path>>,
    rules: Arc<Rules>,
    events: tokio::sync::broadcast::Sender<CaseEvent>,
    targets: Arc<crate::notify::Targets>,
    forwarding: Arc<crate::forward::Forwarding>,
    wake: Arc<tokio::sync::Notify>,
    forward_wake: Arc<tokio::sync::Notify>,
}

/// A case opened or changed, for the coordinator pages open now (`/coord/events`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct CaseEvent {
    /// The case.
    pub id: String,
    /// Its level now.
    pub level: String,
    /// Its place (P-code).
    pub place: String,
    /// Its status now.
    pub status: vigie_core::cases::Status,
    /// Its revision now.
    pub rev: u64,
    /// What people are told of it (`case.new`, `case.raised`, `case.waiting`), or none.
    pub notice: Option<vigie_core::cases::Notice>,
}

impl CaseEvent {
    /// The event for `case`.
    pub fn of(
        case: &vigie_core::cases::Case,
        notice: Option<vigie_core::cases::Notice>,
    ) -> CaseEvent {
        CaseEvent {
            notice,
            id: case.id.clone(),
            level: case.level.clone(),
            place: case.place.clone(),
            status: case.status,
            rev: case.rev,
        }
    }
}

/// Records accepted per device token and hour: one token (a stolen or buggy phone) cannot
/// fill the disk. A fixed one-hour window per token, in memory.
pub struct Quota {
    per_hour: u32,
    used: Mutex<std::collections::HashMap<String, (i64, u32)>>,
}

impl Quota {
    /// At most `per_hour` records per token and hour.
    pub fn new(per_hour: u32) -> Quota {
        Quota {
            per_hour,
            used: Mutex::new(std::collections::HashMap::new()),
        }
    }

    /// Takes `n` records from `token`'s allowance at `now_ms`; `Err(seconds)` to wait when
    /// it would go over (nothing is taken then).
    pub fn take(&self, token: &str, n: u32, now_ms: i64) -> Result<(), u64> {
        const HOUR: i64 = 3_600_000;
        let Ok(mut used) = self.used.lock() else {
            return Ok(());
        };
        let slot = used.entry(token.to_owned()).or_insert((now_ms, 0));
        if now_ms - slot.0 >= HOUR || now_ms < slot.0 {
            *slot = (now_ms, 0);
        }
        if slot.1.saturating_add(n) > self.per_hour {
            return Err(((slot.0 + HOUR - now_ms).max(1_000) / 1_000) as u64);
        }
        slot.1 += n;
        Ok(())
    }
}

/// Result of storing one record.
#[derive(Debug, PartialEq, Eq)]
pub enum Stored {
    /// New row, received at this time (ms).
    New(i64),
    /// Same id, same content: a retry of the record first received at this time.
    Duplicate(i64),
    /// Same id, different content.
    Conflict,
}

/// The rules shipped with the receiver (docs/CASES.md), which the core's tests check.
fn default_rules() -> Rules {
    vigie_core::cases::rules::parse(vigie_core::cases::rules::DEFAULT).unwrap_or(Rules(Vec::new()))
}

impl Receiver {
    /// Opens (or creates) `data_dir/vigie.sqlite3`; `extra` are command-line tokens;
    /// `forms` is what `/api/forms` serves.
    pub fn open(
        data_dir: &Path,
        extra: Vec<ExtraToken>,
        forms: FormsFolder,
        quota: Quota,
    ) -> Result<Receiver, DbError> {
        Ok(Receiver {
            db: Arc::new(Mutex::new(db::open(data_dir)?)),
            data_dir: Arc::from(data_dir),
            extra: extra.into(),
            forms: Arc::new(forms),
            quota: Arc::new(quota),
            referrals: None,
            translation: None,
            rules: Arc::new(default_rules()),
            events: tokio::sync::broadcast::channel(64).0,
            targets: Arc::new(crate::notify::Targets::default()),
            forwarding: Arc::new(crate::forward::Forwarding::default()),
            wake: Arc::new(tokio::sync::Notify::new()),
            forward_wake: Arc::new(tokio::sync::Notify::new()),
        })
    }

    /// Tells the coordinator pages open now that `case` was opened or changed (nobody
    /// listening is not an error).
    pub fn announce(
        &self,
        case: &vigie_core::cases::Case,
        notice: Option<vigie_core::cases::Notice>,
    ) {
        let _ = self.events.send(CaseEvent::of(case, notice));
        if notice.is_some() {
            self.wake.notify_one();
        }
    }

    /// Tells people outside of cases as `targets` say.
    pub fn with_targets(mut self, targets: crate::notify::Targets) -> Receiver {
        self.targets = Arc::new(targets);
        self
    }

    /// Forwards records to the OpenRosa servers of `forwarding`.
    pub fn with_forwarding(mut self, forwarding: crate::forward::Forwarding) -> Receiver {
        self.forwarding = Arc::new(forwarding);
        self
    }

    /// Where records are forwarded.
    pub fn forwarding(&self) -> &crate::forward::Forwarding {
        &self.forwarding
    }

    /// Who is told of cases, and how.
    pub fn targets(&self) -> &crate::notify::Targets {
        &self.targets
    }

    /// Resolves when a notification (`forwards`: a record to forward) was queued.
    pub async fn woken(&self, forwards: bool) {
        if forwards {
            self.forward_wake.notified().await
        } else {
            self.wake.notified().await
        }
    }

    /// Writes `after` (a new case when `before` is none) and, in the same transaction,
    /// queues what people must be told of the change. Returns the notice, if any.
    pub fn save_case(
        &self,
        db: &Connection,
        before: Option<&vigie_core::cases::Case>,
        after: &vigie_core::cases::Case,
        now: i64,
    ) -> Result<Option<vigie_core::cases::Notice>, DbError> {
        // A savepoint: all or nothing, inside the record's transaction or on its own.
        db.execute_batch("SAVEPOINT case_change")?;
        let written = (|| {
            crate::cases::save(db, before, after)?;
            let notice = vigie_core::cases::notice(before, after);
            if let Some(n) = notice {
                // Told with every report it groups (a join changes a case read without
                // them): read back whole, now that it is written.
                let whole = crate::cases::one(db, &after.id)?;
                crate::notify::enqueue(db, &self.targets, whole.as_ref().unwrap_or(after), n, now)?;
            }
            Ok(notice)
        })();
        match written {
            Ok(notice) => {
                db.execute_batch("RELEASE case_change")?;
                Ok(notice)
            }
            Err(e) => {
                let _ = db.execute_batch("ROLLBACK TO case_change; RELEASE case_change");
                Err(e)
            }
        }
    }

    /// Opens or joins the case of the SMS alert in `row` as the rules say; tells the
    /// pages open now and the recipients. A failure is logged: the SMS is kept whatever
    /// happens here.
    pub fn sms_case(&self, row: i64, now: i64) {
        let opened = self.with_db(|db| {
            let Some((before, after)) = crate::cases::on_sms(db, &self.rules, row, now)? else {
                return Ok(None);
            };
            let notice = self.save_case(db, before.as_ref(), &after, now)?;
            Ok(Some((after, notice)))
        });
        match opened {
            Ok(Some((case, notice))) => self.announce(&case, notice),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "case not opened for an SMS alert"),
        }
    }

    /// Queues the notice of each case nobody took in charge in time, and shows it on the
    /// pages open now.
    pub fn notice_overdue(&self, now: i64) -> Result<usize, DbError> {
        let Some(delay) = self.targets.waiting_ms else {
            return Ok(0);
        };
        let told = self.with_db(|db| {
            let mut told = Vec::new();
            for case in crate::notify::overdue(db, delay, now)? {
                let notice = vigie_core::cases::Notice::Waiting;
                if crate::notify::enqueue(db, &self.targets, &case, notice, now)? {
                    told.push(case);
                }
            }
            Ok(told)
        })?;
        for case in &told {
            self.announce(case, Some(vigie_core::cases::Notice::Waiting));
        }
        Ok(told.len())
    }

    /// Case events from now on.
    pub fn case_events(&self) -> tokio::sync::broadcast::Receiver<CaseEvent> {
        self.events.subscribe()
    }

    /// Opens cases as `rules` say (the default rules otherwise).
    pub fn with_rules(mut self, rules: Rules) -> Receiver {
        self.rules = Arc::new(rules);
        self
    }

    /// Serves the referral directory in `file` (JSON, docs/PROTOCOL.md) at /api/referrals.
    pub fn with_referrals(mut self, file: Option<&Path>) -> Receiver {
        self.referrals = file.map(Arc::from);
        self
    }

    /// Serves the interface translation in `file` at /api/translation.
    pub fn with_translation(mut self, file: Option<&Path>) -> Receiver {
        self.translation = file.map(Arc::from);
        self
    }

    /// The published translation, if its file is there and the app would accept it (a
    /// refused one is logged with the reason and not served).
    pub fn translation(&self) -> Option<serde_json::Value> {
        let path = self.translation.as_ref()?;
        let value: serde_json::Value = match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "translation unreadable");
                return None;
            }
        };
        match vigie_core::translation::parse(&value) {
            Ok(_) => Some(value),
            Err(e) => {
                tracing::warn!(error = %e, "translation refused");
                None
            }
        }
    }

    /// The referral directory's valid entries (none without a file; a file that cannot be
    /// read or parsed is logged and gives none).
    pub fn referrals(&self) -> Vec<vigie_core::referrals::Referral> {
        let Some(path) = &self.referrals else {
            return Vec::new();
        };
        let parsed = std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
            .and_then(|v| vigie_core::referrals::parse(&v));
        match parsed {
            Ok((good, left_out)) => {
                if left_out > 0 {
                    tracing::warn!(left_out, "referral directory: entries left out");
                }
                good
            }
            Err(e) => {
                tracing::warn!(error = %e, "referral directory unreadable");
                Vec::new()
            }
        }
    }

    /// The per-token allowance of records.
    pub fn quota(&self) -> &Quota {
        &self.quota
    }

    /// Runs `f` with the connection.
    pub fn with_db<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let db = self.db.lock().map_err(|_| DbError::Poisoned)?;
        f(&db)
    }

    /// A read-only connection for a long read (blocking).
    pub fn reader(&self) -> Result<Connection, DbError> {
        db::open_reader(&self.data_dir)
    }

    /// The published form definitions.
    pub fn forms(&self) -> &FormsFolder {
        &self.forms
    }

    /// Stores `record` unless it is there; `token_label` names the token it came with.
    pub fn store(&self, record: &Envelope, token_label: &str) -> Result<Stored, DbError> {
        self.store_all(std::slice::from_ref(record), token_label)?
            .pop()
            .unwrap_or(Err(DbError::Poisoned))
    }

    /// Stores each of `records` unless it is there, all in one transaction (one disk
    /// sync for a phone's whole batch): a record that fails is rolled back alone and
    /// answered with its error, the others are kept. An error for the whole batch (the
    /// commit failed) means none was stored.
    pub fn store_all(
        &self,
        records: &[Envelope],
        token_label: &str,
    ) -> Result<Vec<Result<Stored, DbError>>, DbError> {
        let mut opened = Vec::new();
        let mut forwarded = 0;
        // The published forms, read once for the batch (only to forward).
        let published = (!self.forwarding.targets.is_empty()).then(|| self.forms.current());
        let forms = published
            .as_ref()
            .map(|p| p.forms.as_slice())
            .unwrap_or(&[]);
        let results = self.with_db(|db| {
            let now = db::now_ms();
            let tx = db.unchecked_transaction()?;
            let mut results = Vec::with_capacity(records.len());
            for record in records {
                tx.execute_batch("SAVEPOINT record")?;
                let stored = self.store_in(&tx, record, token_label, now).and_then(|s| {
                    if matches!(s.0, Stored::New(_)) {
                        forwarded += self.forward(&tx, forms, record, now)?;
                    }
                    Ok(s)
                });
                match stored {
                    Ok((stored, case)) => {
                        tx.execute_batch("RELEASE record")?;
                        opened.extend(case);
                        results.push(Ok(stored));
                    }
                    Err(e) => {
                        tx.execute_batch("ROLLBACK TO record; RELEASE record")?;
                        results.push(Err(e));
                    }
                }
            }
            tx.commit()?;
            Ok(results)
        })?;
        // Told once it is on disk.
        for (case, notice) in &opened {
            self.announce(case, *notice);
        }
        if forwarded > 0 {
            self.forward_wake.notify_one();
        }
        Ok(results)
    }

    /// Queues `record` for the OpenRosa targets that take it (inside the caller's
    /// transaction: a record stored is a record forwarded).
    fn forward(
        &self,
        db: &Connection,
        forms: &[vigie_core::forms::model::FormDef],
        record: &Envelope,
        now: i64,
    ) -> Result<usize, DbError> {
        if self.forwarding.targets.is_empty() {
            return Ok(0);
        }
        let def = crate::records::definition(forms, &record.form_id, &record.form_version);
        let day = crate::db::utc_day(record.created_at);
        let gbv = def.is_some_and(|d| crate::records::gbv_answers(d, &record.payload, &day));
        let place = crate::records::place_of(&record.payload);
        crate::forward::enqueue(db, &self.forwarding, record, def, gbv, place, now)
    }

    /// Writes one record and all it leads to inside the caller's transaction; the case
    /// it opened or changed, to be told once committed.
    #[allow(clippy::type_complexity)]
    fn store_in(
        &self,
        db: &Connection,
        record: &Envelope,
        token_label: &str,
        now: i64,
    ) -> Result<
        (
            Stored,
            Option<(vigie_core::cases::Case, Option<vigie_core::cases::Notice>)>,
        ),
        DbError,
    > {
        let id = record.id.to_string();
        let existing: Option<(String, i64)> = db
            .prepare_cached("SELECT envelope, received_at FROM submissions WHERE id = ?1")?
            .query_row([&id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((old, at)) = existing {
            let same = serde_json::from_str::<serde_json::Value>(&old)
                .ok()
                .and_then(|v| Envelope::decode(v).ok())
                .is_some_and(|o| o == *record);
            let stored = if same {
                Stored::Duplicate(at)
            } else {
                Stored::Conflict
            };
            return Ok((stored, None));
        }
        let text = serde_json::to_string(record).map_err(|e| DbError::Encode(e.to_string()))?;
        db.run(
            "INSERT INTO submissions (id, envelope, received_at, device_id, author, kind, token_label)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                text,
                now,
                record.device_id,
                record.author.name,
                record.kind,
                token_label
            ],
        )?;
        // An alert announced by SMS is now complete: one alert, not two.
        crate::sms::complete(db, &id, &text)?;
        crate::records::note_seen(db, record)?;
        // Counted for the indicators; the record is stored whatever happens here.
        if let Err(e) = crate::cases::on_activity(db, record, now) {
            tracing::error!(error = %e, "activity not counted");
        }
        // A serious alert opens a case or joins one. The record is stored and its
        // receipt goes back whatever happens here.
        let opened = crate::cases::on_record(db, &self.rules, record, now).and_then(|c| {
            c.map(|(before, after)| {
                self.save_case(db, before.as_ref(), &after, now)
                    .map(|n| (after, n))
            })
            .transpose()
        });
        let case = match opened {
            Ok(case) => case,
            Err(e) => {
                tracing::error!(error = %e, "case not opened");
                None
            }
        };
        Ok((Stored::New(now), case))
    }

    /// Ids stored, oldest first.
    pub fn ids(&self) -> Result<Vec<String>, DbError> {
        self.with_db(|db| {
            let mut stmt = db.prepare("SELECT id FROM submissions ORDER BY received_at, id")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(id: &str, payload: serde_json::Value) -> Envelope {
        Envelope::from_wire(
            &json!({"id": id, "kind": "note", "form_id": "note", "form_version": "1",
            "created_at": 1, "updated_at": 1, "device_id": "d", "author": {"name": "Awa"},
            "payload": payload, "schema_version": 2}),
        )
        .unwrap()
    }

    #[test]
    fn the_quota_refuses_past_the_hour_allowance_and_says_how_long_to_wait() {
        let q = Quota::new(3);
        assert_eq!(q.take("a", 2, 0), Ok(()));
        assert_eq!(q.take("a", 2, 1_000), Err(3_599), "nothing taken when over");
        assert_eq!(q.take("a", 1, 1_000), Ok(()));
        assert_eq!(q.take("b", 3, 1_000), Ok(()), "per token");
        assert_eq!(q.take("a", 1, 3_600_000), Ok(()), "a new hour");
    }

    #[test]
    fn storing_is_idempotent_and_detects_conflicts() {
        let dir = std::env::temp_dir().join(format!("vigie-recv-{}", std::process::id()));
        let recv = Receiver::open(
            &dir,
            Vec::new(),
            FormsFolder::open(None).unwrap(),
            Quota::new(100),
        )
        .unwrap();
        let id = "7d444840-9dc0-11d1-b245-5ffdce74fad2";
        let Stored::New(at) = recv.store(&record(id, json!({})), "t").unwrap() else {
            panic!("first store is new")
        };
        assert_eq!(
            recv.store(&record(id, json!({})), "t").unwrap(),
            Stored::Duplicate(at)
        );
        let other = record(id, json!({"x": 1}));
        assert_eq!(recv.store(&other, "t").unwrap(), Stored::Conflict);
        assert_eq!(recv.ids().unwrap(), vec![id.to_owned()]);
        std::fs::remove_dir_all(dir).ok();
    }
}
