//! The SQLite file: opening it in WAL mode and bringing its schema up to date.

use std::path::Path;

use rusqlite::Connection;

/// Schema version written to `PRAGMA user_version` once the migrations below have run.
pub const SCHEMA_VERSION: i64 = 12;

/// Why the database cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The data folder cannot be created.
    #[error("cannot create {path}: {source}")]
    Folder {
        /// The folder.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// SQLite refused.
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    /// The file was written by a newer server.
    #[error("the database has schema version {0}, newer than this server knows ({SCHEMA_VERSION}): upgrade vigie-server")]
    TooNew(i64),
    /// A record could not be written as JSON.
    #[error("cannot encode the record: {0}")]
    Encode(String),
    /// A lock holder panicked.
    #[error("database lock poisoned")]
    Poisoned,
}

/// Opens (or creates) `data_dir/vigie.sqlite3`, in WAL mode with full sync, and migrates it.
pub fn open(data_dir: &Path) -> Result<Connection, DbError> {
    std::fs::create_dir_all(data_dir).map_err(|source| DbError::Folder {
        path: data_dir.display().to_string(),
        source,
    })?;
    let mut db = Connection::open(data_dir.join("vigie.sqlite3"))?;
    db.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;
         PRAGMA cache_size = -16000;",
    )?;
    // The writer's statements are prepared once (`prepare_cached`), its pages kept in a
    // 16 MB cache: storing a record reads a few index pages, not the disk.
    db.set_prepared_statement_cache_capacity(64);
    migrate(&mut db)?;
    Ok(db)
}

/// The condition of a case not closed, in words the `cases_open` index reads.
pub const OPEN_SQL: &str = "status IN ('new', 'taken', 'responding')";

/// `execute` through the connection's statement cache: for the statements run with each
/// stored record.
pub trait Cached {
    /// Runs `sql` (prepared once) with `params`; the rows changed.
    fn run<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
}

impl Cached for Connection {
    fn run<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }
}

/// A read-only connection to the same file (WAL lets it read while records arrive): long
/// reads such as the CSV export use it instead of holding the writer.
pub fn open_reader(data_dir: &Path) -> Result<Connection, DbError> {
    let db = Connection::open_with_flags(
        data_dir.join("vigie.sqlite3"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    db.execute_batch("PRAGMA busy_timeout = 5000;")?;
    Ok(db)
}

/// Runs the migrations the file has not seen yet, each in its own transaction.
pub fn migrate(db: &mut Connection) -> Result<(), DbError> {
    let version: i64 = db.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(DbError::TooNew(version));
    }
    if version < 1 {
        // Version 1 is what the first receiver created (it used CREATE IF NOT EXISTS).
        let tx = db.transaction()?;
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS submissions (
               id TEXT PRIMARY KEY, envelope TEXT NOT NULL, received_at INTEGER NOT NULL,
               device_id TEXT NOT NULL, author TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL DEFAULT '');
             PRAGMA user_version = 1;",
        )?;
        tx.commit()?;
    }
    if version < 2 {
        let tx = db.transaction()?;
        tx.execute_batch(
            "CREATE TABLE tokens (
               id INTEGER PRIMARY KEY AUTOINCREMENT,
               label TEXT NOT NULL,
               role TEXT NOT NULL CHECK (role IN ('device', 'coordinator')),
               hash TEXT NOT NULL UNIQUE,
               created_at INTEGER NOT NULL,
               revoked_at INTEGER);
             ALTER TABLE submissions ADD COLUMN token_label TEXT NOT NULL DEFAULT '';
             CREATE INDEX submissions_received ON submissions (received_at);
             PRAGMA user_version = 2;",
        )?;
        tx.commit()?;
    }
    if version < 3 {
        // Action plans: every revision is kept (who, which device, when); the current one
        // is the highest `rev` of a plan.
        let tx = db.transaction()?;
        tx.execute_batch(
            "CREATE TABLE plan_revisions (
               plan_id TEXT NOT NULL, rev INTEGER NOT NULL, commune TEXT NOT NULL,
               doc TEXT NOT NULL, saved_at INTEGER NOT NULL, device_id TEXT NOT NULL,
               author TEXT NOT NULL, token_label TEXT NOT NULL,
               PRIMARY KEY (plan_id, rev));
             CREATE INDEX plan_revisions_commune ON plan_revisions (commune);
             PRAGMA user_version = 3;",
        )?;
        tx.commit()?;
    }
    if version < 4 {
        // Alerts received by SMS: kept as text whatever it says; `record_id` is the record
        // that completed it (the same alert arriving by data), NULL while provisional.
        let tx = db.transaction()?;
        tx.execute_batch(
            "CREATE TABLE sms_alerts (
               id INTEGER PRIMARY KEY AUTOINCREMENT,
               received_at INTEGER NOT NULL, sender TEXT NOT NULL, text TEXT NOT NULL,
               parsed INTEGER NOT NULL, level TEXT NOT NULL DEFAULT '', day TEXT NOT NULL DEFAULT '',
               place TEXT NOT NULL DEFAULT '', codes TEXT NOT NULL DEFAULT '',
               short_id TEXT NOT NULL DEFAULT '', record_id TEXT, token_label TEXT NOT NULL);
             CREATE INDEX sms_alerts_short ON sms_alerts (short_id);
             PRAGMA user_version = 4;",
        )?;
        tx.commit()?;
    }
    if version < 5 {
        // Tokens get a scope (empty: national, what every earlier token had) and a third
        // role, the SMS gateway's. SQLite cannot change a CHECK: the table is rebuilt with
        // its ids. SMS alerts get the normalised text they are deduplicated on and a flag
        // for one that contradicts the record it names.
        let tx = db.transaction()?;
        tx.execute_batch(
            "CREATE TABLE tokens_v5 (
               id INTEGER PRIMARY KEY AUTOINCREMENT,
               label TEXT NOT NULL,
               role TEXT NOT NULL CHECK (role IN ('device', 'coordinator', 'sms-gateway')),
               hash TEXT NOT NULL UNIQUE,
               created_at INTEGER NOT NULL,
               revoked_at INTEGER,
               scope TEXT NOT NULL DEFAULT '');
             INSERT INTO tokens_v5 (id, label, role, hash, created_at, revoked_at)
               SELECT id, label, role, hash, created_at, revoked_at FROM tokens;
             DROP TABLE tokens;
             ALTER TABLE tokens_v5 RENAME TO tokens;
             ALTER TABLE sms_alerts ADD COLUMN norm TEXT NOT NULL DEFAULT '';
             ALTER TABLE sms_alerts ADD COLUMN conflict TEXT NOT NULL DEFAULT '';
             UPDATE sms_alerts SET norm = upper(trim(text));
             CREATE INDEX sms_alerts_norm ON sms_alerts (norm);
             PRAGMA user_version = 5;",
        )?;
        tx.commit()?;
    }
    if version < 6 {
        // Coordinator tokens get a GBV clearance. Every token made before keeps what it
        // could do: national and cleared.
        let tx = db.transaction()?;
        tx.execute_batch(
            "ALTER TABLE tokens ADD COLUMN gbv INTEGER NOT NULL DEFAULT 1;
             PRAGMA user_version = 6;",
        )?;
        tx.commit()?;
    }
    if version < 7 {
        // Cases (docs/CASES.md): the whole case as JSON, with the columns pages sort and
        // filter on; and what the alert rules count of each record with a level (its rank,
        // place and time), so that a new record reads a few small indexed rows, not
        // every envelope of its region.
        let tx = db.transaction()?;
        tx.execute_batch(
            "CREATE TABLE cases (
               id TEXT PRIMARY KEY,
               rev INTEGER NOT NULL,
               status TEXT NOT NULL,
               level TEXT NOT NULL,
               place TEXT NOT NULL,
               category TEXT NOT NULL,
               opened_at INTEGER NOT NULL,
               body TEXT NOT NULL);
             CREATE INDEX cases_open ON cases (status, place);
             CREATE TABLE alert_facts (
               id TEXT PRIMARY KEY,
               rank INTEGER NOT NULL,
               place TEXT NOT NULL,
               region TEXT NOT NULL,
               at INTEGER NOT NULL,
               received_at INTEGER NOT NULL);
             CREATE INDEX alert_facts_place ON alert_facts (place);
             PRAGMA user_version = 7;",
        )?;
        tx.commit()?;
    }
    if version < 8 {
        // Notifications (docs/CASES.md): each notice told once (`notices`), and the
        // durable outbox of what is sent to whom, with its idempotency key and retries.
        // Which case each report is in, for the phones asking after their alerts. The
        // alert facts gain the category, the electoral phase and an index by time, and
        // prevention activities are counted with their participants by sex, for the
        // indicators. The records get indexed place and urgency (generated from the
        // envelope) and the filter menus a table of the values seen, so that the records
        // page reads an index, not every envelope.
        let tx = db.transaction()?;
        tx.execute_batch(
            "CREATE TABLE notices (key TEXT PRIMARY KEY, at INTEGER NOT NULL);
             CREATE TABLE notifications (
               id INTEGER PRIMARY KEY,
               key TEXT NOT NULL,
               recipient TEXT NOT NULL,
               channel TEXT NOT NULL,
               place TEXT NOT NULL,
               body TEXT NOT NULL,
               created_at INTEGER NOT NULL,
               attempts INTEGER NOT NULL DEFAULT 0,
               next_at INTEGER NOT NULL,
               sent_at INTEGER,
               last_error TEXT NOT NULL DEFAULT '',
               UNIQUE (key, recipient));
             CREATE INDEX notifications_due ON notifications (sent_at, next_at);
             CREATE TABLE case_reports (report TEXT PRIMARY KEY, case_id TEXT NOT NULL);
             ALTER TABLE alert_facts ADD COLUMN category TEXT NOT NULL DEFAULT '';
             ALTER TABLE alert_facts ADD COLUMN phase TEXT NOT NULL DEFAULT '';
             CREATE TABLE activity_facts (
               id TEXT PRIMARY KEY,
               place TEXT NOT NULL,
               activity TEXT NOT NULL,
               women INTEGER NOT NULL,
               men INTEGER NOT NULL,
               received_at INTEGER NOT NULL);
             CREATE INDEX activity_facts_received ON activity_facts (received_at);
             ALTER TABLE submissions ADD COLUMN place TEXT GENERATED ALWAYS AS (
               coalesce(nullif(json_extract(envelope, '$.payload.location.commune'), ''),
                        nullif(json_extract(envelope, '$.payload.location.cercle'), ''),
                        nullif(json_extract(envelope, '$.payload.location.region'), ''), '')) VIRTUAL;
             ALTER TABLE submissions ADD COLUMN urgency INTEGER GENERATED ALWAYS AS (
               CASE json_extract(envelope, '$.payload.alert_level')
                 WHEN 'rouge' THEN 0 WHEN 'orange' THEN 1 ELSE 2 END) VIRTUAL;
             CREATE INDEX submissions_place ON submissions (place);
             CREATE INDEX submissions_urgency ON submissions (urgency, received_at DESC, id);
             CREATE TABLE seen_values (kind TEXT NOT NULL, value TEXT NOT NULL,
               PRIMARY KEY (kind, value)) WITHOUT ROWID;
             INSERT OR IGNORE INTO seen_values (kind, value)
               SELECT 'form', json_extract(envelope, '$.form_id') FROM submissions
               WHERE json_type(envelope, '$.form_id') = 'text';
             INSERT OR IGNORE INTO seen_values (kind, value)
               SELECT 'place', substr(place, 1, n) FROM submissions, (SELECT 4 AS n UNION SELECT 6 UNION SELECT 8)
               WHERE length(place) >= n;
             CREATE TABLE follow_state (
               name TEXT PRIMARY KEY,
               seq TEXT NOT NULL,
               ok_at INTEGER,
               error TEXT NOT NULL DEFAULT '',
               error_at INTEGER);
             INSERT OR IGNORE INTO activity_facts (id, place, activity, women, men, received_at)
               SELECT id,
                 coalesce(nullif(json_extract(envelope, '$.payload.location.commune'), ''),
                          nullif(json_extract(envelope, '$.payload.location.cercle'), ''),
                          nullif(json_extract(envelope, '$.payload.location.region'), ''), ''),
                 coalesce(json_extract(envelope, '$.payload.activity_type'), ''),
                 (SELECT coalesce(sum(value), 0) FROM json_each(envelope, '$.payload.participants.F')),
                 (SELECT coalesce(sum(value), 0) FROM json_each(envelope, '$.payload.participants.M')),
                 received_at
               FROM submissions WHERE json_type(envelope, '$.payload.participants') = 'object';
             CREATE INDEX alert_facts_received ON alert_facts (received_at);
             CREATE TABLE alert_weeks (
               week INTEGER NOT NULL,
               place TEXT NOT NULL,
               rank INTEGER NOT NULL,
               category TEXT NOT NULL,
               phase TEXT NOT NULL,
               n INTEGER NOT NULL,
               PRIMARY KEY (week, place, rank, category, phase)) WITHOUT ROWID;
             INSERT INTO alert_weeks (week, place, rank, category, phase, n)
               SELECT (received_at - 345600000) / 604800000, place, rank, category, phase, count(*)
               FROM alert_facts GROUP BY 1, 2, 3, 4, 5;
             INSERT OR IGNORE INTO case_reports (report, case_id)
               SELECT r.value, c.id FROM cases c, json_each(c.body, '$.reports') r;
             PRAGMA user_version = 8;",
        )?;
        tx.commit()?;
    }
    if version < 9 {
        // The counting rules look back in one region, cercle or commune at the alerts of
        // a level and a time: each an index range, however many alerts are stored.
        let tx = db.transaction()?;
        tx.execute_batch(
            "CREATE INDEX alert_facts_region ON alert_facts (substr(place, 1, 4), rank, at);
             CREATE INDEX alert_facts_cercle ON alert_facts (substr(place, 1, 6), rank, at);
             CREATE INDEX alert_facts_commune ON alert_facts (substr(place, 1, 8), rank, at);
             -- The records list filtered by incident category, and its menu.
             CREATE INDEX alert_facts_category ON alert_facts (category, received_at);
             INSERT OR IGNORE INTO seen_values (kind, value)
               SELECT DISTINCT 'category', category FROM alert_facts WHERE category <> '';
             PRAGMA user_version = 9;",
        )?;
        tx.commit()?;
    }
    if version < 10 {
        let tx = db.transaction()?;
        tx.execute_batch(
            "-- The records list of an area, sorted from an index (no row read to sort).
             DROP INDEX submissions_place;
             CREATE INDEX submissions_place ON submissions (place, urgency, received_at DESC, id);
             -- The case list counts and sorts open cases from an index; the indicators
             -- read when cases were taken and closed without parsing their bodies.
             DROP INDEX cases_open;
             CREATE INDEX cases_open ON cases (status, place, level, opened_at, id);
             ALTER TABLE cases ADD COLUMN taken_at INTEGER;
             ALTER TABLE cases ADD COLUMN closed_at INTEGER;
             UPDATE cases SET taken_at = json_extract(body, '$.taken_at'),
                              closed_at = json_extract(body, '$.closed_at');
             CREATE INDEX cases_opened ON cases (opened_at);
             PRAGMA user_version = 10;",
        )?;
        tx.commit()?;
    }
    if version < 11 {
        // The same durable queue carries records forwarded to OpenRosa servers
        // (`crate::forward`): what kind each row is, and how a finished one ended.
        let tx = db.transaction()?;
        tx.execute_batch(
            "ALTER TABLE notifications ADD COLUMN kind TEXT NOT NULL DEFAULT 'notice';
             ALTER TABLE notifications ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
             CREATE INDEX notifications_kind ON notifications (kind, recipient);
             PRAGMA user_version = 11;",
        )?;
        tx.commit()?;
    }
    if version < 12 {
        // A case's reports live in `case_reports` only, read by case in the order they
        // joined: a case of thousands was a body of hundreds of kilobytes, read and
        // rewritten whole at each join (`crate::cases::save`).
        let tx = db.transaction()?;
        tx.execute_batch(
            "CREATE INDEX case_reports_case ON case_reports (case_id);
             UPDATE cases SET body = json_set(body, '$.reports', json('[]'))
               WHERE json_array_length(body, '$.reports') > 0;
             PRAGMA user_version = 12;",
        )?;
        tx.commit()?;
    }
    Ok(())
}

/// A database in memory with every migration run (tests).
#[cfg(test)]
pub fn in_memory() -> Connection {
    let mut db = Connection::open_in_memory().expect("an in-memory database");
    migrate(&mut db).expect("the migrations");
    db
}

/// `YYYY-MM-DD` (UTC) of a receiver timestamp in ms.
pub fn utc_day(ms: i64) -> String {
    utc_minutes(ms).get(..10).unwrap_or("").to_owned()
}

/// `YYYY-MM-DD HH:MM` (UTC, Mali's time) of a receiver timestamp in ms.
pub fn utc_minutes(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let minutes = ms.rem_euclid(86_400_000) / 60_000;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        minutes / 60,
        minutes % 60
    )
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_one_file_is_migrated_and_keeps_its_rows() {
        let mut db = Connection::open_in_memory().unwrap();
        db.execute_batch(
            "CREATE TABLE submissions (
               id TEXT PRIMARY KEY, envelope TEXT NOT NULL, received_at INTEGER NOT NULL,
               device_id TEXT NOT NULL, author TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL DEFAULT '');
             INSERT INTO submissions (id, envelope, received_at, device_id) VALUES ('a', '{}', 1, 'd');
             PRAGMA user_version = 1;",
        )
        .unwrap();
        migrate(&mut db).unwrap();
        let (n, label): (i64, String) = db
            .query_row(
                "SELECT count(*), max(token_label) FROM submissions",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((n, label.as_str()), (1, ""));
        let v: i64 = db
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        // Running again changes nothing.
        migrate(&mut db).unwrap();
    }

    #[test]
    fn a_newer_file_is_refused() {
        let mut db = Connection::open_in_memory().unwrap();
        db.execute_batch("PRAGMA user_version = 99;").unwrap();
        assert!(matches!(migrate(&mut db), Err(DbError::TooNew(99))));
    }
}
