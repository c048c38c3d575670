//! The embedded receiver: the generic-JSON contract of docs/PROTOCOL.md over SQLite.
//! Idempotent on the record id; a record is committed before its receipt is sent.

use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderName, HeaderValue, Method};
use axum::{
    extract::{DefaultBodyLimit, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::db::{self, DbError};
use crate::tokens::{self, Role};

/// Largest request body accepted (a batch of text records fits easily).
pub const MAX_BODY: usize = 1024 * 1024;

/// A token given on the command line (`--token`, `--coordinator-token`): accepted like a
/// stored one, kept only as a hash in memory, forgotten when the process ends.
#[derive(Clone)]
pub struct ExtraToken {
    hash: String,
    label: String,
    role: Role,
}

impl ExtraToken {
    /// `token` for `role`, labelled for the logs and the stored rows.
    pub fn new(token: &str, label: &str, role: Role) -> ExtraToken {
        ExtraToken {
            hash: tokens::hash(token),
            label: label.to_owned(),
            role,
        }
    }
}

/// Shared receiver state.
#[derive(Clone)]
pub struct Receiver {
    db: Arc<Mutex<Connection>>,
    extra: Arc<[ExtraToken]>,
    forms_dir: Option<Arc<Path>>,
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
    if !obj.get("payload").is_some_and(Value::is_object) {
        return Err("field 'payload' is missing or not an object".into());
    }
    if obj.get("author").is_some_and(|a| !a.is_object()) {
        return Err("field 'author' is not an object".into());
    }
    Ok(id.to_owned())
}

impl Receiver {
    /// Opens (or creates) `data_dir/vigie.sqlite3`; `extra` are command-line tokens;
    /// `forms_dir` holds the form definitions served at `/api/forms`.
    pub fn open(
        data_dir: &Path,
        extra: Vec<ExtraToken>,
        forms_dir: Option<&Path>,
    ) -> Result<Receiver, DbError> {
        Ok(Receiver {
            db: Arc::new(Mutex::new(db::open(data_dir)?)),
            extra: extra.into(),
            forms_dir: forms_dir.map(Arc::from),
        })
    }

    /// Runs `f` with the connection.
    pub fn with_db<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let db = self.db.lock().map_err(|_| DbError::Poisoned)?;
        f(&db)
    }

    /// Stores `record` (already validated, id `id`) unless it is there; `token_label` names
    /// the token it came with.
    pub fn store(&self, id: &str, record: &Value, token_label: &str) -> Result<Stored, DbError> {
        let text = record.to_string();
        self.with_db(|db| {
            let existing: Option<(String, i64)> = db
                .query_row(
                    "SELECT envelope, received_at FROM submissions WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((old, at)) = existing {
                let same = serde_json::from_str::<Value>(&old).is_ok_and(|o| o == *record);
                return Ok(if same {
                    Stored::Duplicate(at)
                } else {
                    Stored::Conflict
                });
            }
            let now = db::now_ms();
            let author = record
                .pointer("/author/name")
                .and_then(Value::as_str)
                .unwrap_or("");
            db.execute(
                "INSERT INTO submissions (id, envelope, received_at, device_id, author, kind, token_label)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    id,
                    text,
                    now,
                    record["device_id"].as_str().unwrap_or(""),
                    author,
                    record["kind"].as_str().unwrap_or(""),
                    token_label
                ],
            )?;
            Ok(Stored::New(now))
        })
    }

    /// Ids stored, oldest first.
    pub fn ids(&self) -> Result<Vec<String>, DbError> {
        self.with_db(|db| {
            let mut stmt = db.prepare("SELECT id FROM submissions ORDER BY received_at, id")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// The label of the token `given` for `role`, if it is valid (command line or stored).
    pub fn token_label(&self, given: &str, role: Role) -> Option<String> {
        if given.is_empty() {
            return None;
        }
        let h = tokens::hash(given);
        if let Some(t) = self.extra.iter().find(|t| t.role == role && t.hash == h) {
            return Some(t.label.clone());
        }
        match self.with_db(|db| tokens::check(db, given, role)) {
            Ok(label) => label,
            Err(e) => {
                tracing::error!(error = %e, "token check failed");
                None
            }
        }
    }

    /// The device token's label from an `Authorization: Bearer` header.
    fn device(&self, headers: &HeaderMap) -> Option<String> {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))?;
        self.token_label(given.trim(), Role::Device)
    }
}

fn error(status: StatusCode, code: &str, reason: impl Into<String>) -> Response {
    (
        status,
        Json(json!({ "error": code, "reason": reason.into() })),
    )
        .into_response()
}

fn one(recv: &Receiver, record: &Value, token_label: &str) -> (StatusCode, Value) {
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
    match recv.store(&id, record, token_label) {
        // A replay gets the very receipt the first delivery got.
        Ok(Stored::New(at) | Stored::Duplicate(at)) => (
            StatusCode::CREATED,
            json!({"id": id, "ok": true, "received_at": at}),
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

fn unauthorized() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "missing, unknown or revoked device token",
    )
}

/// Checks the token and parses the body: the shared first steps of both POST endpoints.
/// Gives the token's label and the JSON.
fn authorised_json(
    recv: &Receiver,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(String, Value), Box<Response>> {
    let Some(label) = recv.device(headers) else {
        return Err(Box::new(unauthorized()));
    };
    let body = body.map_err(|rejection| {
        let status = rejection.status();
        Box::new(if status == StatusCode::PAYLOAD_TOO_LARGE {
            error(
                status,
                "too_large",
                format!("the request is larger than {MAX_BODY} bytes"),
            )
        } else {
            error(status, "invalid", rejection.body_text())
        })
    })?;
    let value = serde_json::from_slice(&body).map_err(|e| {
        Box::new(error(
            StatusCode::BAD_REQUEST,
            "invalid",
            format!("body is not JSON: {e}"),
        ))
    })?;
    Ok((label, value))
}

async fn submit(
    State(recv): State<Receiver>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (label, record) = match authorised_json(&recv, &headers, body) {
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
    let (status, answer) =
        match tokio::task::spawn_blocking(move || one(&recv, &record, &label)).await {
            Ok(r) => r,
            Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR, "storage", "server error"),
        };
    (status, Json(answer)).into_response()
}

async fn submit_batch(
    State(recv): State<Receiver>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (label, batch) = match authorised_json(&recv, &headers, body) {
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
        records
            .iter()
            .map(|r| one(&recv, r, &label).1)
            .collect::<Vec<_>>()
    })
    .await;
    match results {
        Ok(results) => (StatusCode::OK, Json(json!({ "results": results }))).into_response(),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "storage", "server error"),
    }
}

async fn list(State(recv): State<Receiver>, headers: HeaderMap) -> Response {
    if recv.device(&headers).is_none() {
        return unauthorized();
    }
    match recv.ids() {
        Ok(ids) => Json(json!({ "count": ids.len(), "ids": ids })).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, "storage", e.to_string()),
    }
}

/// Reads every `*.json` file of `dir` (sorted by name); a file that is not a JSON object with
/// string `id` and `version` is skipped with a warning, never served.
pub fn load_forms(dir: &Path) -> Vec<Value> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| {
            let parsed = std::fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice::<Value>(&b).map_err(|e| e.to_string()))
                .and_then(|v| {
                    let named = v.get("id").is_some_and(Value::is_string)
                        && v.get("version")
                            .is_some_and(|x| x.is_string() || x.is_number());
                    if named {
                        Ok(v)
                    } else {
                        Err("not an object with 'id' and 'version'".into())
                    }
                });
            parsed
                .map_err(|e| tracing::warn!(file = %path.display(), error = %e, "form skipped"))
                .ok()
        })
        .collect()
}

impl Receiver {
    /// The form definitions of `--forms-dir` as served at `/api/forms` (blocking: file reads).
    pub fn definitions(&self) -> Vec<Value> {
        self.forms_dir
            .as_deref()
            .map(load_forms)
            .unwrap_or_default()
    }
}

async fn forms(State(recv): State<Receiver>, headers: HeaderMap) -> Response {
    if recv.device(&headers).is_none() {
        return unauthorized();
    }
    let forms = tokio::task::spawn_blocking(move || recv.definitions())
        .await
        .unwrap_or_default();
    Json(json!({ "forms": forms })).into_response()
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

/// CORS for the app served from other origins (`allowed`: exact origins such as
/// `https://vigie.example.org`); none: same-origin only.
pub fn cors(allowed: &[HeaderValue]) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(allowed.iter().cloned()))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
        ])
        .max_age(std::time::Duration::from_secs(600))
}

/// Routes under `/api`.
pub fn routes(recv: Receiver, allowed_origins: &[HeaderValue]) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/submissions", post(submit).get(list))
        .route("/api/submissions/batch", post(submit_batch))
        .route("/api/forms", get(forms))
        // Unknown API addresses are a wrong base URL, never the app's HTML shell.
        .route("/api", axum::routing::any(not_found))
        .route("/api/{*rest}", axum::routing::any(not_found))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(cors(allowed_origins))
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
        let recv = Receiver::open(&dir, Vec::new(), None).unwrap();
        let id = "7d444840-9dc0-11d1-b245-5ffdce74fad2";
        let Stored::New(at) = recv.store(id, &record(id), "t").unwrap() else {
            panic!("first store is new")
        };
        assert_eq!(
            recv.store(id, &record(id), "t").unwrap(),
            Stored::Duplicate(at)
        );
        let mut other = record(id);
        other["payload"] = json!({"x": 1});
        assert_eq!(recv.store(id, &other, "t").unwrap(), Stored::Conflict);
        assert_eq!(recv.ids().unwrap(), vec![id.to_owned()]);
        std::fs::remove_dir_all(dir).ok();
    }
}
