//! The wire contract between the app and a receiver (docs/PROTOCOL.md), typed once so that
//! the app and `vigie-server` cannot drift apart: the batch request, per-record results,
//! error codes and what each means for a record, the forms list, the submissions list.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::record::Millis;

/// Largest request body a receiver must accept (a batch of text records fits easily).
pub const MAX_BODY: usize = 1024 * 1024;

/// `POST {base}/submissions/batch`: several records in one request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Batch<R> {
    /// The records, each answered by one [`ItemResult`].
    pub records: Vec<R>,
}

/// The batch answer: one result per record, matched by id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchResults {
    /// Results, in any order.
    pub results: Vec<ItemResult>,
}

/// Machine-readable error codes. Unknown codes from other receivers decode as
/// [`ErrorCode::Other`] and are classified by their status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// The record or request is malformed; the reason names the field (400).
    Invalid,
    /// A different record with this id is already stored (409): a person must look.
    DifferentContent,
    /// The request body is over the receiver's limit (413).
    TooLarge,
    /// Missing, unknown or revoked token (401).
    Unauthorized,
    /// The token may not do this (403).
    Forbidden,
    /// No such receiver address (404).
    NotFound,
    /// Too many requests; retry after `Retry-After` (429).
    RateLimited,
    /// The receiver could not store the record this time (500): retry.
    Storage,
    /// Already stored (a generic receiver's way of saying so): delivered.
    Duplicate,
    /// CouchDB's "document update conflict": the id is a fresh UUID, so it is our earlier
    /// attempt that landed: delivered.
    Conflict,
    /// A code this contract does not define, kept as sent.
    Other(String),
}

impl ErrorCode {
    /// The code as written on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::Invalid => "invalid",
            ErrorCode::DifferentContent => "different_content",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Storage => "storage",
            ErrorCode::Duplicate => "duplicate",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Other(s) => s,
        }
    }

    /// Reads a code; anything unknown is kept as [`ErrorCode::Other`].
    pub fn parse(s: &str) -> ErrorCode {
        match s {
            "invalid" => ErrorCode::Invalid,
            "different_content" => ErrorCode::DifferentContent,
            "too_large" => ErrorCode::TooLarge,
            "unauthorized" => ErrorCode::Unauthorized,
            "forbidden" => ErrorCode::Forbidden,
            "not_found" => ErrorCode::NotFound,
            "rate_limited" => ErrorCode::RateLimited,
            "storage" => ErrorCode::Storage,
            "duplicate" => ErrorCode::Duplicate,
            "conflict" => ErrorCode::Conflict,
            other => ErrorCode::Other(other.to_owned()),
        }
    }

    /// The HTTP status a receiver answers this code with.
    pub fn status(&self) -> u16 {
        match self {
            ErrorCode::Invalid | ErrorCode::Other(_) => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::DifferentContent | ErrorCode::Conflict => 409,
            ErrorCode::TooLarge => 413,
            ErrorCode::RateLimited => 429,
            ErrorCode::Storage => 500,
            ErrorCode::Duplicate => 200,
        }
    }

    /// What this code, answered with `status` (the code's own status when absent), means
    /// for the record it names.
    pub fn class(&self, status: Option<u16>) -> Class {
        match self {
            ErrorCode::Duplicate | ErrorCode::Conflict => Class::Delivered,
            ErrorCode::DifferentContent => Class::Rejected,
            ErrorCode::Unauthorized | ErrorCode::Forbidden => Class::NeedsAuth,
            _ => match Class::of_status(status.unwrap_or_else(|| self.status())) {
                // An item-level error is never a receipt, whatever status it carries.
                Class::Delivered => Class::Rejected,
                other => other,
            },
        }
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(ErrorCode::parse(&s))
    }
}

/// What an answer means for a record: the retry classification of docs/PROTOCOL.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// The backend has it.
    Delivered,
    /// Try again later (network, timeout, 408, 429, 5xx).
    Retry,
    /// Credentials refused (401, 403): stop and ask for new ones.
    NeedsAuth,
    /// The record itself is refused (other 4xx): a person must look.
    Rejected,
}

impl Class {
    /// The class of an HTTP status on its own (a 2xx still needs a receipt naming the id,
    /// and a 409 needs its code read: see [`crate::outbox::backend`]).
    pub fn of_status(status: u16) -> Class {
        match status {
            200..=299 => Class::Delivered,
            401 | 403 => Class::NeedsAuth,
            408 | 429 | 500..=599 => Class::Retry,
            400..=499 => Class::Rejected,
            // 1xx, 3xx and nonsense: nothing we can call a receipt or a refusal.
            _ => Class::Retry,
        }
    }
}

/// The answer about one record: a receipt (`ok`), or an error with its code. The same
/// shape answers a single submission, fills a batch's `results`, and reads CouchDB's
/// `_bulk_docs` rows (`ok` + `rev`, or `error` + `reason`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ItemResult {
    /// The record's id as the sender wrote it (absent when it had none).
    #[serde(default)]
    pub id: Option<String>,
    /// `true` on a receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ok: Option<bool>,
    /// When the receiver stored it (its clock, ms since the epoch). Other receivers may
    /// write anything here: what is not a number is ignored, not a reason to drop a receipt.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_millis"
    )]
    pub received_at: Option<Millis>,
    /// CouchDB: the stored revision (a receipt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rev: Option<String>,
    /// The error, when it is not a receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorCode>,
    /// The HTTP status this error would have on its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Why, in words a field worker can act on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

fn lenient_millis<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Millis>, D::Error> {
    Ok(serde_json::Value::deserialize(d)?.as_i64())
}

impl ItemResult {
    /// A receipt for `id`, stored at `received_at`.
    pub fn receipt(id: &str, received_at: Millis) -> ItemResult {
        ItemResult {
            id: Some(id.to_owned()),
            ok: Some(true),
            received_at: Some(received_at),
            ..ItemResult::default()
        }
    }

    /// An error about record `id` (if it had one).
    pub fn error(id: Option<&str>, code: ErrorCode, reason: impl Into<String>) -> ItemResult {
        ItemResult {
            id: id.map(str::to_owned),
            status: Some(code.status()),
            error: Some(code),
            reason: Some(reason.into()),
            ..ItemResult::default()
        }
    }

    /// Whether this result is about `id`.
    pub fn names(&self, id: &str) -> bool {
        self.id.as_deref() == Some(id)
    }

    /// What it means for the record: an error's code decides; otherwise `ok` or a CouchDB
    /// `rev` is a receipt, and anything else is not.
    pub fn class(&self) -> Option<Class> {
        match &self.error {
            Some(code) => Some(code.class(self.status)),
            None if self.ok == Some(true) || self.rev.is_some() => Some(Class::Delivered),
            None => None,
        }
    }
}

/// A request-level error: `{"error": code, "reason": text}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The code.
    pub error: ErrorCode,
    /// Why, in words a field worker can act on.
    pub reason: String,
}

/// `GET {base}/forms`: the form definitions the backend publishes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormsList<F> {
    /// Definitions (docs/FORMS.md).
    pub forms: Vec<F>,
}

/// `GET {base}/submissions` on the embedded receiver: what it holds, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubmissionList {
    /// How many.
    pub count: usize,
    /// Their ids.
    pub ids: Vec<String>,
}

/// `GET {base}/health` on the embedded receiver (no token needed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Health {
    /// Always `"receiver"`.
    pub vigie: String,
    /// Always `true`.
    pub ok: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_kept() {
        for code in [
            ErrorCode::Invalid,
            ErrorCode::DifferentContent,
            ErrorCode::TooLarge,
            ErrorCode::Unauthorized,
            ErrorCode::Forbidden,
            ErrorCode::NotFound,
            ErrorCode::RateLimited,
            ErrorCode::Storage,
            ErrorCode::Duplicate,
            ErrorCode::Conflict,
            ErrorCode::Other("teapot".into()),
        ] {
            let text = serde_json::to_string(&code).unwrap();
            assert_eq!(serde_json::from_str::<ErrorCode>(&text).unwrap(), code);
        }
    }

    #[test]
    fn item_errors_are_classified_by_code_then_status() {
        let item = |code: &str, status: Option<u16>| ItemResult {
            id: Some("x".into()),
            error: Some(ErrorCode::parse(code)),
            status,
            ..ItemResult::default()
        };
        // A transient failure inside a 200 batch answer is retried, never a refusal.
        assert_eq!(item("storage", Some(500)).class(), Some(Class::Retry));
        assert_eq!(item("storage", None).class(), Some(Class::Retry));
        assert_eq!(item("whatever", Some(503)).class(), Some(Class::Retry));
        assert_eq!(item("whatever", Some(408)).class(), Some(Class::Retry));
        assert_eq!(item("rate_limited", None).class(), Some(Class::Retry));
        assert_eq!(item("whatever", Some(422)).class(), Some(Class::Rejected));
        assert_eq!(item("whatever", None).class(), Some(Class::Rejected));
        // An error never counts as a receipt, whatever status it claims.
        assert_eq!(item("whatever", Some(201)).class(), Some(Class::Rejected));
        assert_eq!(item("invalid", Some(400)).class(), Some(Class::Rejected));
        assert_eq!(
            item("different_content", None).class(),
            Some(Class::Rejected)
        );
        assert_eq!(item("forbidden", None).class(), Some(Class::NeedsAuth));
        assert_eq!(item("duplicate", None).class(), Some(Class::Delivered));
        assert_eq!(item("conflict", Some(409)).class(), Some(Class::Delivered));
    }

    #[test]
    fn receipts_are_ok_or_a_couchdb_revision() {
        assert_eq!(ItemResult::receipt("x", 5).class(), Some(Class::Delivered));
        let couch: ItemResult = serde_json::from_str(r#"{"id":"x","rev":"1-abc"}"#).unwrap();
        assert_eq!(couch.class(), Some(Class::Delivered));
        let bare: ItemResult = serde_json::from_str(r#"{"id":"x"}"#).unwrap();
        assert_eq!(bare.class(), None);
    }

    #[test]
    fn the_wire_shape_is_the_documented_one() {
        let ok = serde_json::to_value(ItemResult::receipt("a", 7)).unwrap();
        assert_eq!(
            ok,
            serde_json::json!({"id": "a", "ok": true, "received_at": 7})
        );
        let err = serde_json::to_value(ItemResult::error(
            Some("b"),
            ErrorCode::DifferentContent,
            "r",
        ))
        .unwrap();
        assert_eq!(
            err,
            serde_json::json!({"id": "b", "error": "different_content", "status": 409, "reason": "r"})
        );
    }
}
