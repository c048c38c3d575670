//! The record envelope: what leaves the device, whatever the form or the backend.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;
use uuid::Uuid;

/// Version of the envelope layout written by this build.
pub const ENVELOPE_SCHEMA: u32 = 2;

/// Milliseconds since the Unix epoch, device clock.
pub type Millis = i64;

/// Who filled the record in, as set in Settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    /// Name or pseudonym the coordinator knows.
    #[serde(default)]
    pub name: String,
    /// Role, e.g. "observateur", "médiateur".
    #[serde(default)]
    pub role: String,
}

/// One finalised record. The id is generated when the record is started and never changes:
/// every retry and every backend uses it to recognise a duplicate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// Client-generated UUID v4.
    pub id: Uuid,
    /// What the record is: "incident", "mediation", "activity", "note", …
    pub kind: String,
    /// Form definition id.
    pub form_id: String,
    /// Form definition version the record was filled with.
    pub form_version: String,
    /// When the record was started (device clock).
    pub created_at: Millis,
    /// Last change (device clock).
    pub updated_at: Millis,
    /// Identifier of this installation.
    pub device_id: String,
    /// Who filled it in.
    pub author: Author,
    /// The answers, as the form defines them.
    pub payload: Value,
    /// Envelope layout version.
    pub schema_version: u32,
}

/// Why a stored envelope cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EnvelopeError {
    /// Not JSON, or not an envelope of any known version.
    #[error("not a record envelope: {0}")]
    Malformed(String),
    /// Written by a newer Vigie; kept untouched until the app is updated.
    #[error("record written by a newer version (schema {0})")]
    FromTheFuture(u32),
}

/// Longest text accepted in an envelope's short fields (`kind`, `form_id`, `form_version`,
/// `device_id`, the author's name and role): a label, never a document.
pub const MAX_SHORT_TEXT: usize = 200;

/// Most keys a payload may hold, nested ones included: a form has at most 1,000 fields, a
/// repeat group a few dozen entries; thousands of keys are an attack on the receiver (its
/// CSV export once took 44 s for 20 such records).
pub const MAX_PAYLOAD_KEYS: usize = 5_000;

fn count_keys(v: &Value, budget: usize) -> usize {
    match v {
        Value::Object(m) => m.values().fold(m.len(), |n, x| {
            if n > budget {
                n
            } else {
                n + count_keys(x, budget)
            }
        }),
        Value::Array(a) => a.iter().fold(0, |n, x| {
            if n > budget {
                n
            } else {
                n + count_keys(x, budget)
            }
        }),
        _ => 0,
    }
}

/// Why a record received over the wire is refused; the message names the field.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("field '{field}' {problem}")]
pub struct WireError {
    /// The offending field (`record` for the whole).
    pub field: &'static str,
    /// What is wrong with it.
    pub problem: &'static str,
}

#[derive(Clone, Copy)]
enum Expect {
    Id,
    Text,
    Integer,
    Object,
}

/// What schema 2 requires, field by field, in the order a message should name them.
const WIRE_FIELDS: [(&str, Expect); 10] = [
    ("id", Expect::Id),
    ("kind", Expect::Text),
    ("form_id", Expect::Text),
    ("form_version", Expect::Text),
    ("created_at", Expect::Integer),
    ("updated_at", Expect::Integer),
    ("device_id", Expect::Text),
    ("author", Expect::Object),
    ("payload", Expect::Object),
    ("schema_version", Expect::Integer),
];

fn check_field(field: &'static str, expect: Expect, v: Option<&Value>) -> Result<(), WireError> {
    let problem = match (expect, v) {
        (Expect::Id, Some(Value::String(s))) => match Uuid::parse_str(s) {
            // One record, one id: `{…}`, `urn:uuid:`, upper case or no hyphens would let
            // the same UUID be stored several times under different spellings.
            Ok(u) if u.hyphenated().to_string() == *s => return Ok(()),
            Ok(_) => "must be a UUID written in lower case with hyphens",
            Err(_) => "is not a UUID",
        },
        (Expect::Text, Some(Value::String(s))) if s.chars().count() > MAX_SHORT_TEXT => {
            "is too long"
        }
        (Expect::Text, Some(Value::String(_))) => return Ok(()),
        (Expect::Id | Expect::Text, _) => "is missing or not a string",
        (Expect::Integer, Some(n)) if n.is_i64() => return Ok(()),
        (Expect::Integer, _) => "is missing or not an integer",
        (Expect::Object, Some(Value::Object(_))) => return Ok(()),
        (Expect::Object, _) => "is missing or not an object",
    };
    Err(WireError { field, problem })
}

impl Envelope {
    /// Decodes a record as a receiver gets it (schema 2 only, canonical id, bounded
    /// labels), naming the first field that is wrong. The app and `vigie-server` share it.
    pub fn from_wire(value: &Value) -> Result<Envelope, WireError> {
        let obj = value.as_object().ok_or(WireError {
            field: "record",
            problem: "must be a JSON object",
        })?;
        for (field, expect) in WIRE_FIELDS {
            check_field(field, expect, obj.get(field))?;
        }
        if obj.get("schema_version").and_then(Value::as_u64) != Some(ENVELOPE_SCHEMA.into()) {
            return Err(WireError {
                field: "schema_version",
                problem: "must be 2",
            });
        }
        if obj
            .get("payload")
            .is_some_and(|p| count_keys(p, MAX_PAYLOAD_KEYS) > MAX_PAYLOAD_KEYS)
        {
            return Err(WireError {
                field: "payload",
                problem: "has too many fields",
            });
        }
        let author = obj.get("author").and_then(Value::as_object);
        for field in ["name", "role"] {
            match author.and_then(|a| a.get(field)) {
                None => {}
                Some(Value::String(s)) if s.chars().count() <= MAX_SHORT_TEXT => {}
                Some(_) => {
                    return Err(WireError {
                        field: "author",
                        problem: "must hold a short text 'name' and 'role'",
                    })
                }
            }
        }
        serde_json::from_value(value.clone()).map_err(|_| WireError {
            field: "record",
            problem: "is not a record envelope",
        })
    }
}

/// Schema 1 (first field builds): the author was a single free-text string and there was
/// no `kind`. Kept so records queued by such a build still decode after an update.
#[derive(Deserialize)]
struct EnvelopeV1 {
    id: Uuid,
    form_id: String,
    form_version: String,
    created_at: Millis,
    #[serde(default)]
    updated_at: Option<Millis>,
    device_id: String,
    #[serde(default)]
    author: String,
    payload: Value,
}

impl Envelope {
    /// A new record for `form_id`/`form_version`, with a fresh id.
    pub fn new(
        id: Uuid,
        kind: &str,
        form: (&str, &str),
        now: Millis,
        device_id: &str,
        author: Author,
        payload: Value,
    ) -> Envelope {
        Envelope {
            id,
            kind: kind.to_owned(),
            form_id: form.0.to_owned(),
            form_version: form.1.to_owned(),
            created_at: now,
            updated_at: now,
            device_id: device_id.to_owned(),
            author,
            payload,
            schema_version: ENVELOPE_SCHEMA,
        }
    }

    /// Decodes any known schema version, upgrading old ones to the current layout.
    pub fn decode(value: Value) -> Result<Envelope, EnvelopeError> {
        let version = value
            .get("schema_version")
            .and_then(Value::as_u64)
            .unwrap_or(1) as u32;
        match version {
            1 => {
                let v1: EnvelopeV1 = serde_json::from_value(value)
                    .map_err(|e| EnvelopeError::Malformed(e.to_string()))?;
                Ok(Envelope {
                    id: v1.id,
                    kind: v1.form_id.clone(),
                    form_id: v1.form_id,
                    form_version: v1.form_version,
                    created_at: v1.created_at,
                    updated_at: v1.updated_at.unwrap_or(v1.created_at),
                    device_id: v1.device_id,
                    author: Author {
                        name: v1.author,
                        role: String::new(),
                    },
                    payload: v1.payload,
                    schema_version: ENVELOPE_SCHEMA,
                })
            }
            ENVELOPE_SCHEMA => {
                serde_json::from_value(value).map_err(|e| EnvelopeError::Malformed(e.to_string()))
            }
            newer => Err(EnvelopeError::FromTheFuture(newer)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Envelope {
        Envelope::new(
            Uuid::from_u128(7),
            "note",
            ("note", "1"),
            1_700_000_000_000,
            "dev-1",
            Author {
                name: "Awa".into(),
                role: "observatrice".into(),
            },
            json!({"texte": "Tension au marché de Bougouni"}),
        )
    }

    #[test]
    fn wire_records_are_checked_field_by_field() {
        let good = serde_json::to_value(sample()).unwrap();
        assert_eq!(Envelope::from_wire(&good).unwrap(), sample());
        let with = |field: &str, v: Value| {
            let mut r = good.clone();
            r[field] = v;
            Envelope::from_wire(&r).map_err(|e| e.to_string())
        };
        let without = |field: &str| {
            let mut r = good.clone();
            r.as_object_mut().unwrap().remove(field);
            Envelope::from_wire(&r).map_err(|e| e.to_string())
        };
        assert_eq!(
            without("kind").unwrap_err(),
            "field 'kind' is missing or not a string"
        );
        assert!(without("author").unwrap_err().contains("'author'"));
        assert!(with("payload", json!([1]))
            .unwrap_err()
            .contains("'payload'"));
        assert!(with("created_at", json!("x"))
            .unwrap_err()
            .contains("'created_at'"));
        assert!(with("schema_version", json!(1))
            .unwrap_err()
            .contains("'schema_version'"));
        assert!(with("form_id", json!("x".repeat(MAX_SHORT_TEXT + 1)))
            .unwrap_err()
            .contains("'form_id' is too long"));
        assert!(with("author", json!({"name": 5}))
            .unwrap_err()
            .contains("'author'"));
        assert!(Envelope::from_wire(&json!([])).is_err());
        let keys: serde_json::Map<String, Value> = (0..=MAX_PAYLOAD_KEYS)
            .map(|i| (format!("k{i}"), json!(1)))
            .collect();
        assert_eq!(
            with("payload", Value::Object(keys)).unwrap_err(),
            "field 'payload' has too many fields"
        );
        let nested = json!({"people": (0..MAX_PAYLOAD_KEYS).map(|_| json!({"age": 1, "sexe": "F"})).collect::<Vec<_>>()});
        assert!(with("payload", nested).is_err(), "nested keys count too");
    }

    /// One record, one id: other spellings of the same UUID are refused, not stored again.
    #[test]
    fn only_the_canonical_id_spelling_is_accepted() {
        let id = "7d444840-9dc0-11d1-b245-5ffdce74fad2".to_owned();
        let mut good = serde_json::to_value(sample()).unwrap();
        good["id"] = json!(id);
        assert!(Envelope::from_wire(&good).is_ok());
        for spelling in [
            id.to_uppercase(),
            format!("{{{id}}}"),
            format!("urn:uuid:{id}"),
            id.replace('-', ""),
        ] {
            let mut r = good.clone();
            r["id"] = json!(spelling);
            let err = Envelope::from_wire(&r).unwrap_err();
            assert_eq!(err.field, "id", "{spelling}");
        }
        let mut r = good.clone();
        r["id"] = json!("nope");
        assert_eq!(
            Envelope::from_wire(&r).unwrap_err().problem,
            "is not a UUID"
        );
    }

    #[test]
    fn current_schema_round_trips() {
        let env = sample();
        let json = serde_json::to_value(&env).unwrap();
        assert_eq!(json["schema_version"], 2);
        assert_eq!(Envelope::decode(json).unwrap(), env);
    }

    #[test]
    fn schema_1_is_upgraded() {
        let v1 = json!({
            "id": "00000000-0000-0000-0000-000000000007",
            "form_id": "incident", "form_version": "3",
            "created_at": 5, "device_id": "d", "author": "Moussa",
            "payload": {"a": 1}
        });
        let env = Envelope::decode(v1).unwrap();
        assert_eq!(env.schema_version, ENVELOPE_SCHEMA);
        assert_eq!(env.kind, "incident");
        assert_eq!(env.updated_at, 5);
        assert_eq!(
            env.author,
            Author {
                name: "Moussa".into(),
                role: String::new()
            }
        );
        assert_eq!(env.payload, json!({"a": 1}));
    }

    #[test]
    fn newer_schema_is_refused_not_mangled() {
        let mut json = serde_json::to_value(sample()).unwrap();
        json["schema_version"] = json!(9);
        assert_eq!(Envelope::decode(json), Err(EnvelopeError::FromTheFuture(9)));
    }

    #[test]
    fn garbage_is_malformed() {
        assert!(matches!(
            Envelope::decode(json!([1, 2])),
            Err(EnvelopeError::Malformed(_))
        ));
        assert!(matches!(
            Envelope::decode(json!({"schema_version": 2, "id": "nope"})),
            Err(EnvelopeError::Malformed(_))
        ));
    }
}
