//! Following a CouchDB deployment (`--follow-couchdb <url> --couchdb-db <db>`): phones write
//! to CouchDB, and the receiver reads its `_changes` feed into its own store, so that the
//! situation room — cases, notifications, map, indicators — works for it too. Records come
//! from `{db}`, plans from `{db}-plans`. The checkpoint (`follow_state`) is written after
//! the records it covers are stored: a restart resumes from it, and a document read twice
//! is stored once (the store is idempotent on the record id). A CouchDB that is down or
//! answers garbage is retried with backoff and shown on the case list.

use std::time::Duration;

use axum::body::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;
use vigie_core::record::Envelope;

use crate::db::DbError;
use crate::notify::send::{client, HttpClient};
use crate::store::{Receiver, Stored};

/// Changes read per request.
const BATCH: usize = 200;

/// The longest answer read (a batch of large documents).
const MAX_ANSWER: usize = 64 * 1024 * 1024;

/// What to follow.
#[derive(Clone, Debug)]
pub struct Follow {
    /// `http://host:port` of CouchDB.
    pub base: String,
    /// The records' database; plans are in `{db}-plans`.
    pub db: String,
    /// `Authorization` header value, from `VIGIE_COUCHDB_USER` and `VIGIE_COUCHDB_PASSWORD`.
    pub auth: Option<String>,
}

impl Follow {
    /// Checks the address (plain `http://`, like the notification webhooks) and the name.
    pub fn new(
        base: &str,
        db: &str,
        user: Option<String>,
        password: Option<String>,
    ) -> Result<Follow, String> {
        let base = base.trim().trim_end_matches('/');
        if !base.starts_with("http://") || base.parse::<hyper::Uri>().is_err() {
            return Err(format!(
                "--follow-couchdb {base:?}: give http://host:port (for https, a local proxy such as stunnel)"
            ));
        }
        let valid = !db.is_empty()
            && db.starts_with(|c: char| c.is_ascii_lowercase())
            && db
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_$()+-/".contains(c));
        if !valid {
            return Err(format!(
                "--couchdb-db {db:?} is not a CouchDB database name"
            ));
        }
        use base64::Engine;
        let auth = user.map(|u| {
            let pair = format!("{u}:{}", password.unwrap_or_default());
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        });
        Ok(Follow {
            base: base.to_owned(),
            db: db.to_owned(),
            auth,
        })
    }
}

/// Where following a database stands, for the pages.
#[derive(Debug, Clone, Default)]
pub struct State {
    /// The database.
    pub name: String,
    /// When the feed last answered well (ms).
    pub ok_at: Option<i64>,
    /// The last failure, "" since it answered well.
    pub error: String,
    /// When it started failing.
    pub error_at: Option<i64>,
}

fn checkpoint(db: &Connection, name: &str) -> Result<String, DbError> {
    Ok(db
        .query_row(
            "SELECT seq FROM follow_state WHERE name = ?1",
            [name],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .unwrap_or_else(|| "0".to_owned()))
}

fn save_ok(db: &Connection, name: &str, seq: &str, now: i64) -> Result<(), DbError> {
    db.execute(
        "INSERT INTO follow_state (name, seq, ok_at, error, error_at) VALUES (?1, ?2, ?3, '', NULL)
         ON CONFLICT(name) DO UPDATE SET seq = ?2, ok_at = ?3, error = '', error_at = NULL",
        params![name, seq, now],
    )?;
    Ok(())
}

fn save_error(db: &Connection, name: &str, why: &str, now: i64) -> Result<(), DbError> {
    let why: String = why.chars().take(300).collect();
    db.execute(
        "INSERT INTO follow_state (name, seq, error, error_at) VALUES (?1, '0', ?2, ?3)
         ON CONFLICT(name) DO UPDATE SET error = ?2, error_at = coalesce(error_at, ?3)",
        params![name, why, now],
    )?;
    Ok(())
}

/// Where following each database stands.
pub fn states(db: &Connection) -> Result<Vec<State>, DbError> {
    let mut stmt =
        db.prepare("SELECT name, ok_at, error, error_at FROM follow_state ORDER BY name")?;
    let rows = stmt
        .query_map([], |r| {
            Ok(State {
                name: r.get(0)?,
                ok_at: r.get(1)?,
                error: r.get(2)?,
                error_at: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// The documents of a `_changes` answer and its `last_seq`, or why it is not one.
pub fn changes(body: &[u8]) -> Result<(Vec<Value>, String), String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("not a _changes answer: {e}"))?;
    let results = value
        .get("results")
        .and_then(Value::as_array)
        .ok_or("not a _changes answer: no results")?;
    let last = match value.get("last_seq") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err("not a _changes answer: no last_seq".into()),
    };
    let docs = results
        .iter()
        .filter(|r| !r.get("deleted").and_then(Value::as_bool).unwrap_or(false))
        .filter_map(|r| r.get("doc").cloned())
        .filter(|d| {
            !d.get("_id")
                .and_then(Value::as_str)
                .is_some_and(|id| id.starts_with("_design/"))
        })
        .collect();
    Ok((docs, last))
}

/// A CouchDB document as the value it holds (its `_id`, `_rev` and other `_` fields left
/// out).
fn without_couch_fields(mut doc: Value) -> Value {
    if let Some(map) = doc.as_object_mut() {
        map.retain(|k, _| !k.starts_with('_'));
    }
    doc
}

async fn get(client: &HttpClient, follow: &Follow, url: &str) -> Result<Bytes, String> {
    let mut req = hyper::Request::get(url).header(hyper::header::ACCEPT, "application/json");
    if let Some(auth) = &follow.auth {
        req = req.header(hyper::header::AUTHORIZATION, auth);
    }
    let req = req
        .body(Full::new(Bytes::new()))
        .map_err(|e| e.to_string())?;
    let answer = tokio::time::timeout(Duration::from_secs(60), client.request(req))
        .await
        .map_err(|_| "no answer within 60 s".to_owned())?
        .map_err(|e| format!("cannot reach CouchDB: {e}"))?;
    let status = answer.status();
    let body = tokio::time::timeout(
        Duration::from_secs(120),
        Limited::new(answer.into_body(), MAX_ANSWER).collect(),
    )
    .await
    .map_err(|_| "the answer did not end within 120 s".to_owned())?
    .map_err(|e| format!("answer unreadable: {e}"))?
    .to_bytes();
    if !status.is_success() {
        return Err(format!("HTTP {}", status.as_u16()));
    }
    Ok(body)
}

/// Stores one followed document: a record (from `{db}`) or a plan (from `{db}-plans`).
fn store(recv: &Receiver, plans: bool, doc: Value) -> Result<(), String> {
    let doc = without_couch_fields(doc);
    if plans {
        let plan: vigie_core::plans::Plan =
            serde_json::from_value(doc).map_err(|e| format!("a plan unreadable: {e}"))?;
        let base_rev = recv
            .plan(&plan.id.to_string())
            .map_err(|e| e.to_string())?
            .map(|r| r.rev);
        let put = vigie_core::plans::wire::PlanPut {
            base_rev,
            plan,
            device_id: "couchdb".into(),
            author: Default::default(),
        };
        recv.put_plan(&put, "CouchDB").map_err(|e| e.to_string())?;
        return Ok(());
    }
    let record = Envelope::decode(doc).map_err(|e| format!("a record unreadable: {e}"))?;
    match recv.store(&record, "CouchDB").map_err(|e| e.to_string())? {
        Stored::New(_) | Stored::Duplicate(_) => Ok(()),
        Stored::Conflict => Err(format!("record {} differs from the one stored", record.id)),
    }
}

/// One round on database `name`: the next changes since the checkpoint, stored, then the
/// checkpoint moved. Returns how many documents came.
async fn round(
    recv: &Receiver,
    client: &HttpClient,
    follow: &Follow,
    name: &str,
) -> Result<usize, String> {
    let r = recv.clone();
    let key = name.to_owned();
    let since = tokio::task::spawn_blocking(move || r.with_db(|db| checkpoint(db, &key)))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let url = format!(
        "{}/{name}/_changes?feed=longpoll&include_docs=true&timeout=25000&limit={BATCH}&since={}",
        follow.base,
        crate::error::urlencode(&since)
    );
    let body = get(client, follow, &url).await?;
    let (docs, last) = changes(&body)?;
    let n = docs.len();
    let (r, key, plans) = (recv.clone(), name.to_owned(), name.ends_with("-plans"));
    tokio::task::spawn_blocking(move || {
        for doc in docs {
            // One bad document is logged and passed over; it never stops the feed.
            if let Err(e) = store(&r, plans, doc) {
                tracing::warn!(db = %key, error = %e, "followed document not stored");
            }
        }
        r.with_db(|db| save_ok(db, &key, &last, crate::db::now_ms()))
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| e.to_string())?;
    Ok(n)
}

/// Follows `{db}` and `{db}-plans` for the server's life.
pub fn run(recv: Receiver, follow: Follow) {
    for name in [follow.db.clone(), format!("{}-plans", follow.db)] {
        let (recv, follow) = (recv.clone(), follow.clone());
        tokio::spawn(async move {
            let client = client();
            let mut wait = Duration::from_secs(1);
            loop {
                match round(&recv, &client, &follow, &name).await {
                    Ok(_) => wait = Duration::from_secs(1),
                    Err(why) => {
                        tracing::warn!(db = %name, error = %why, "CouchDB not followed, will retry");
                        let r = recv.clone();
                        let key = name.clone();
                        let _ = tokio::task::spawn_blocking(move || {
                            r.with_db(|db| save_error(db, &key, &why, crate::db::now_ms()))
                        })
                        .await;
                        tokio::time::sleep(wait).await;
                        wait = (wait * 2).min(Duration::from_secs(60));
                    }
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changes_answer_gives_its_documents_and_checkpoint() {
        let body = br#"{"results": [
            {"seq": "1-a", "id": "r1", "doc": {"_id": "r1", "_rev": "1-x", "id": "r1"}},
            {"seq": "2-b", "id": "_design/v", "doc": {"_id": "_design/v"}},
            {"seq": "3-c", "id": "r2", "deleted": true, "doc": {"_id": "r2", "_deleted": true}}
        ], "last_seq": "3-c"}"#;
        let (docs, last) = changes(body).unwrap();
        assert_eq!(last, "3-c");
        assert_eq!(docs.len(), 1);
        assert_eq!(
            without_couch_fields(docs[0].clone()),
            serde_json::json!({"id": "r1"})
        );
        let (_, numeric) = changes(br#"{"results": [], "last_seq": 42}"#).unwrap();
        assert_eq!(numeric, "42");
    }

    #[test]
    fn garbage_is_told_as_such() {
        for bad in [&b"<html>"[..], b"{}", br#"{"results": []}"#] {
            assert!(changes(bad)
                .unwrap_err()
                .starts_with("not a _changes answer"));
        }
    }

    #[test]
    fn the_address_and_name_are_checked_at_start() {
        assert!(Follow::new("https://c.example", "vigie", None, None).is_err());
        assert!(Follow::new("http://127.0.0.1:5984", "Vigie!", None, None).is_err());
        let f = Follow::new(
            "http://127.0.0.1:5984/",
            "vigie",
            Some("u".into()),
            Some("p".into()),
        )
        .unwrap();
        assert_eq!(f.base, "http://127.0.0.1:5984");
        assert_eq!(f.auth.as_deref(), Some("Basic dTpw"));
    }
}
