//! The embedded receiver: the generic-JSON contract of docs/PROTOCOL.md over SQLite.
//! Idempotent on the record id; a record is committed before its receipt is sent.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::{
    extract::{DefaultBodyLimit, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

/// Largest request body accepted (a batch of text records fits easily).
pub const MAX_BODY: usize = 1024 * 1024;

/// Shared receiver state.
#[derive(Clone)]
pub struct Receiver {
    db: Arc<Mutex<Connection>>,
    token: Option<Arc<str>>,
}

/// Result of storing one record.
#[derive(Debug, PartialEq, Eq)]
pub enum Stored {
    /// New row.
    New,
    /// Same id, same content: a retry.
    Duplicate,
    /// Same id, different content.
    Conflict,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Checks the envelope's shape; the error names the field.
pub fn validate(v: &Value) -> Result<String, String> {
    let obj = v.as_object().ok_or("the record must be a JSON object")?;
    let id = obj
        .get("id")
        .and_then(Value::as_str)
        .ok_or("field 'id' is missing or not a string")?;
    uuid::Uuid::parse_str(id).map_err(|_| "field 'id' is not a UUID".to_owned())?;
    for f in ["kind", "form_id", "form_version", "device_id"] {
        obj.get(f)
            .and_then(Value::as_str)
            .ok_or(format!("field '{f}' is missing or not a string"))?;
    }
    for f in ["created_at", "updated_at", "schema_version"] {
        obj.get(f)
            .and_then(Value::as_i64)
            .ok_or(format!("field '{f}' is missing or not an integer"))?;
    }
    if !obj.contains_key("payload") {
        return Err("field 'payload' is missing".into());
    }
    Ok(id.to_owned())
}

impl Receiver {
    /// Opens (or creates) `data_dir/vigie.sqlite3` in WAL mode.
    pub fn open(data_dir: &Path, token: Option<String>) -> Result<Receiver, String> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
        let path = data_dir.join("vigie.sqlite3");
        let db =
            Connection::open(&path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        db.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
             CREATE TABLE IF NOT EXISTS submissions (
               id TEXT PRIMARY KEY, envelope TEXT NOT NULL, received_at INTEGER NOT NULL,
               device_id TEXT NOT NULL, author TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL DEFAULT '');",
        )
        .map_err(|e| format!("cannot prepare the database: {e}"))?;
        Ok(Receiver {
            db: Arc::new(Mutex::new(db)),
            token: token.filter(|t| !t.is_empty()).map(Arc::from),
        })
    }

    /// Stores `record` (already validated, id `id`) unless it is there.
    pub fn store(&self, id: &str, record: &Value) -> Result<Stored, String> {
        let text = record.to_string();
        let db = self
            .db
            .lock()
            .map_err(|_| "database lock poisoned".to_owned())?;
        let existing: Option<String> = db
            .query_row(
                "SELECT envelope FROM submissions WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| e.to_string())?;
        if let Some(old) = existing {
            let same = serde_json::from_str::<Value>(&old).is_ok_and(|o| o == *record);
            return Ok(if same {
                Stored::Duplicate
            } else {
                Stored::Conflict
            });
        }
        let author = record
            .pointer("/author/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        db.execute(
            "INSERT INTO submissions (id, envelope, received_at, device_id, author, kind) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                id,
                text,
                now_ms(),
                record["device_id"].as_str().unwrap_or(""),
                author,
                record["kind"].as_str().unwrap_or("")
            ],
        )
        .map_err(|e| e.to_string())?;
        Ok(Stored::New)
    }

    /// Ids stored, oldest first.
    pub fn ids(&self) -> Result<Vec<String>, String> {
        let db = self
            .db
            .lock()
            .map_err(|_| "database lock poisoned".to_owned())?;
        let mut stmt = db
            .prepare("SELECT id FROM submissions ORDER BY received_at, id")
            .map_err(|e| e.to_string())?;
        let rows = stmt
            .query_map([], |r| r.get(0))
            .map_err(|e| e.to_string())?;
        rows.collect::<Result<_, _>>().map_err(|e| e.to_string())
    }

    fn authorised(&self, headers: &HeaderMap) -> bool {
        let Some(token) = &self.token else {
            return true;
        };
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        given
            .strip_prefix("Bearer ")
            .is_some_and(|g| g.as_bytes() == token.as_bytes())
    }
}

fn error(status: StatusCode, code: &str, reason: impl Into<String>) -> Response {
    (
        status,
        Json(json!({ "error": code, "reason": reason.into() })),
    )
        .into_response()
}

fn one(recv: &Receiver, record: &Value) -> (StatusCode, Value) {
    let id = match validate(record) {
        Ok(id) => id,
        Err(reason) => {
            let id = record.get("id").cloned().unwrap_or(Value::Null);
            return (
                StatusCode::BAD_REQUEST,
                json!({"id": id, "error": "invalid", "status": 400, "reason": reason}),
            );
        }
    };
    match recv.store(&id, record) {
        Ok(Stored::New) => (StatusCode::CREATED, json!({"id": id, "ok": true})),
        Ok(Stored::Duplicate) => (
            StatusCode::OK,
            json!({"id": id, "ok": true, "duplicate": true}),
        ),
        Ok(Stored::Conflict) => (
            StatusCode::CONFLICT,
            json!({"id": id, "error": "different_content", "status": 409,
                   "reason": "a different record with this id is already stored"}),
        ),
        Err(e) => {
            tracing::error!(error = %e, "storing a submission failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"id": id, "error": "storage", "status": 500, "reason": "server storage error"}),
            )
        }
    }
}

/// Checks the token and parses the body: the shared first steps of both POST endpoints.
fn authorised_json(
    recv: &Receiver,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, Box<Response>> {
    if !recv.authorised(headers) {
        let e = error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or invalid token",
        );
        return Err(Box::new(e));
    }
    serde_json::from_slice(body).map_err(|e| {
        Box::new(error(
            StatusCode::BAD_REQUEST,
            "invalid",
            format!("body is not JSON: {e}"),
        ))
    })
}

async fn submit(
    State(recv): State<Receiver>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let record = match authorised_json(&recv, &headers, &body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    if let Some(key) = headers.get("idempotency-key").and_then(|v| v.to_str().ok()) {
        if record.get("id").and_then(Value::as_str) != Some(key) {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid",
                "Idempotency-Key differs from field 'id'",
            );
        }
    }
    let recv2 = recv.clone();
    let (status, answer) = match tokio::task::spawn_blocking(move || one(&recv2, &record)).await {
        Ok(r) => r,
        Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR, "storage", "server error"),
    };
    (status, Json(answer)).into_response()
}

async fn submit_batch(
    State(recv): State<Receiver>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let batch = match authorised_json(&recv, &headers, &body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let Some(records) = batch.get("records").and_then(Value::as_array).cloned() else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid",
            "field 'records' is missing or not an array",
        );
    };
    let results = tokio::task::spawn_blocking(move || {
        records.iter().map(|r| one(&recv, r).1).collect::<Vec<_>>()
    })
    .await;
    match results {
        Ok(results) => (StatusCode::OK, Json(json!({ "results": results }))).into_response(),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "storage", "server error"),
    }
}

async fn list(State(recv): State<Receiver>, headers: HeaderMap) -> Response {
    if !recv.authorised(&headers) {
        return error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or invalid token",
        );
    }
    match recv.ids() {
        Ok(ids) => Json(json!({ "count": ids.len(), "ids": ids })).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, "storage", e),
    }
}

async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such receiver address",
    )
}

async fn health() -> Json<Value> {
    Json(json!({ "vigie": "receiver", "ok": true }))
}

/// Routes under `/api`.
pub fn routes(recv: Receiver) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/submissions", post(submit).get(list))
        .route("/api/submissions/batch", post(submit_batch))
        // Unknown API addresses are a wrong base URL, never the app's HTML shell.
        .route("/api", axum::routing::any(not_found))
        .route("/api/{*rest}", axum::routing::any(not_found))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(recv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str) -> Value {
        json!({"id": id, "kind": "note", "form_id": "note", "form_version": "1", "created_at": 1,
               "updated_at": 1, "device_id": "d", "author": {"name": "Awa"}, "payload": {}, "schema_version": 2})
    }

    #[test]
    fn validation_names_the_field() {
        let id = "7d444840-9dc0-11d1-b245-5ffdce74fad2";
        assert_eq!(validate(&record(id)).as_deref(), Ok(id));
        let mut r = record(id);
        r.as_object_mut().unwrap().remove("kind");
        assert!(validate(&r).unwrap_err().contains("'kind'"));
        assert!(validate(&record("nope")).unwrap_err().contains("'id'"));
        assert!(validate(&json!([])).is_err());
    }

    #[test]
    fn storing_is_idempotent_and_detects_conflicts() {
        let dir = std::env::temp_dir().join(format!("vigie-recv-{}", std::process::id()));
        let recv = Receiver::open(&dir, None).unwrap();
        let id = "7d444840-9dc0-11d1-b245-5ffdce74fad2";
        assert_eq!(recv.store(id, &record(id)).unwrap(), Stored::New);
        assert_eq!(recv.store(id, &record(id)).unwrap(), Stored::Duplicate);
        let mut other = record(id);
        other["payload"] = json!({"x": 1});
        assert_eq!(recv.store(id, &other).unwrap(), Stored::Conflict);
        assert_eq!(recv.ids().unwrap(), vec![id.to_owned()]);
        std::fs::remove_dir_all(dir).ok();
    }
}
