//! Backend modes: how a batch of records becomes an HTTP request, and how the answer becomes
//! one outcome per record. Pure: the browser adapter only moves bytes.
//!
//! The contract is written down in docs/PROTOCOL.md.

use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

pub use crate::backend::{
    validate_base_url, Backend, HttpRequest, HttpResult, ProbeResult, RawBackend, UrlError,
};

use crate::outbox::policy::parse_retry_after;
use crate::outbox::state::RetryReason;
use crate::protocol::{Batch, BatchResults, Class, ErrorCode, ItemResult};
use crate::record::Envelope;

/// CouchDB's `_bulk_docs` body: each record as a document whose `_id` is the record's id.
#[derive(Serialize)]
struct BulkDocs<'a> {
    docs: Vec<CouchDoc<'a>>,
}

#[derive(Serialize)]
struct CouchDoc<'a> {
    #[serde(rename = "_id")]
    id: String,
    #[serde(flatten)]
    envelope: &'a Envelope,
}

/// What an answer means for one record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The backend has it.
    Delivered {
        /// Status of the answer.
        status: u16,
        /// What the server said, shortened.
        server: String,
    },
    /// Try again later.
    Retry {
        /// Why.
        reason: RetryReason,
        /// Server's Retry-After in ms.
        retry_after_ms: Option<u64>,
    },
    /// Credentials refused: stop flushing.
    NeedsAuth {
        /// 401 or 403.
        status: u16,
    },
    /// The record itself is refused.
    Rejected {
        /// Status.
        status: u16,
        /// Reason for the user.
        reason: String,
    },
}

/// Most characters of a server's words kept (a reason, a receipt's text).
pub const MAX_SERVER_TEXT: usize = 300;

fn shorten(text: &str) -> String {
    let t = text.trim();
    match t.char_indices().nth(MAX_SERVER_TEXT) {
        Some((i, _)) => format!("{}…", &t[..i]),
        None => t.to_owned(),
    }
}

/// The human reason in an error body: JSON `reason`/`error`/`message`, else the text.
fn reason_of(body: &str) -> String {
    if let Ok(v) = serde_json::from_str::<Value>(body) {
        for key in ["reason", "message", "error"] {
            if let Some(s) = v.get(key).and_then(Value::as_str) {
                return shorten(s);
            }
        }
    }
    shorten(body)
}

impl Backend {
    /// The request carrying `records` (one or more). Not inlined: its one caller in the
    /// app would carry a copy of it (1.5 KB of wasm).
    #[inline(never)]
    pub fn request(&self, records: &[&Envelope]) -> Option<HttpRequest> {
        let json = ("Content-Type".to_owned(), "application/json".to_owned());
        match self {
            Backend::None => None,
            Backend::GenericJson { base, .. } => {
                let mut headers = vec![json];
                headers.extend(self.authorization());
                if let [one] = records {
                    headers.push(("Idempotency-Key".into(), one.id.to_string()));
                    Some(HttpRequest {
                        method: "POST",
                        url: format!("{base}/submissions"),
                        headers,
                        body: serde_json::to_string(one).ok()?,
                    })
                } else {
                    Some(HttpRequest {
                        method: "POST",
                        url: format!("{base}/submissions/batch"),
                        headers,
                        body: serde_json::to_string(&Batch {
                            records: records.to_vec(),
                        })
                        .ok()?,
                    })
                }
            }
            Backend::CouchDb { base, db, .. } => {
                let mut headers = vec![json];
                headers.extend(self.authorization());
                let docs = records
                    .iter()
                    .map(|r| CouchDoc {
                        id: r.id.to_string(),
                        envelope: r,
                    })
                    .collect();
                Some(HttpRequest {
                    method: "POST",
                    url: format!("{base}/{db}/_bulk_docs"),
                    headers,
                    body: serde_json::to_string(&BulkDocs { docs }).ok()?,
                })
            }
        }
    }

    /// One outcome per id in `ids` (same order), from what came back.
    pub fn interpret(&self, ids: &[Uuid], result: &HttpResult) -> Vec<Outcome> {
        let all = |o: Outcome| vec![o; ids.len()];
        let (status, body, retry_after) = match result {
            HttpResult::Network(d) => {
                return all(Outcome::Retry {
                    reason: RetryReason::Network { detail: shorten(d) },
                    retry_after_ms: None,
                })
            }
            HttpResult::Timeout => {
                return all(Outcome::Retry {
                    reason: RetryReason::Timeout,
                    retry_after_ms: None,
                })
            }
            HttpResult::Response {
                status,
                body,
                retry_after,
            } => (*status, body.as_str(), retry_after),
        };
        match Class::of_status(status) {
            _ if status == 409 => self.conflict(ids, body),
            Class::Delivered => self.receipts(ids, status, body),
            Class::NeedsAuth => all(Outcome::NeedsAuth { status }),
            Class::Rejected => all(Outcome::Rejected {
                status,
                reason: reason_of(body),
            }),
            Class::Retry if (100..400).contains(&status) => all(Outcome::Retry {
                reason: RetryReason::NotAReceipt { status },
                retry_after_ms: None,
            }),
            Class::Retry => all(Outcome::Retry {
                reason: RetryReason::Server { status },
                retry_after_ms: retry_after.as_deref().and_then(parse_retry_after),
            }),
        }
    }

    /// A 2xx: every record needs a result naming its id. A single generic submission is
    /// answered by one [`ItemResult`]; a batch by [`BatchResults`]; CouchDB by its rows.
    fn receipts(&self, ids: &[Uuid], status: u16, body: &str) -> Vec<Outcome> {
        let not_a_receipt = Outcome::Retry {
            reason: RetryReason::NotAReceipt { status },
            retry_after_ms: None,
        };
        let (items, single) = match self {
            Backend::CouchDb { .. } => (serde_json::from_str::<Vec<ItemResult>>(body).ok(), false),
            _ => match serde_json::from_str::<BatchResults>(body) {
                Ok(batch) => (Some(batch.results), false),
                Err(_) if ids.len() == 1 => (
                    serde_json::from_str::<ItemResult>(body)
                        .ok()
                        .map(|i| vec![i]),
                    true,
                ),
                Err(_) => (None, false),
            },
        };
        let Some(items) = items else {
            return vec![not_a_receipt; ids.len()];
        };
        ids.iter()
            .map(|id| {
                let id = id.to_string();
                let Some(item) = items.iter().find(|i| i.names(&id)) else {
                    return not_a_receipt.clone();
                };
                match item.class() {
                    // A single submission's answer that echoes the id is its receipt.
                    None if single => Outcome::Delivered {
                        status,
                        server: shorten(body),
                    },
                    None => not_a_receipt.clone(),
                    Some(class) => item_outcome(class, item, status),
                }
            })
            .collect()
    }

    fn conflict(&self, ids: &[Uuid], body: &str) -> Vec<Outcome> {
        let code = serde_json::from_str::<ItemResult>(body)
            .ok()
            .and_then(|i| i.error);
        let outcome = if code == Some(ErrorCode::DifferentContent) {
            Outcome::Rejected {
                status: 409,
                reason: reason_of(body),
            }
        } else {
            // "Already have it": the id is ours alone, so it is our record.
            Outcome::Delivered {
                status: 409,
                server: "already stored".into(),
            }
        };
        vec![outcome; ids.len()]
    }
}

/// What one record's result, of class `class`, inside an answer of `status`, means.
fn item_outcome(class: Class, item: &ItemResult, status: u16) -> Outcome {
    match class {
        Class::Delivered if item.error.is_some() => Outcome::Delivered {
            status: item
                .status
                .or(item.error.as_ref().map(ErrorCode::status))
                .unwrap_or(status),
            server: "already stored".into(),
        },
        Class::Delivered => Outcome::Delivered {
            status,
            server: shorten(&serde_json::to_string(item).unwrap_or_default()),
        },
        Class::Retry => Outcome::Retry {
            reason: RetryReason::Server {
                status: item.status.unwrap_or(500),
            },
            retry_after_ms: None,
        },
        Class::NeedsAuth => Outcome::NeedsAuth {
            status: item.status.filter(|s| *s == 401).unwrap_or(403),
        },
        Class::Rejected => Outcome::Rejected {
            status: item.status.unwrap_or(400),
            reason: item
                .reason
                .as_deref()
                .map(shorten)
                .or_else(|| item.error.as_ref().map(|e| e.as_str().to_owned()))
                .unwrap_or_default(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_mode_round_trips_through_its_stored_form() {
        let modes = [
            Backend::None,
            Backend::GenericJson {
                base: "https://r.example.org/api".into(),
                token: Some("t".into()),
            },
            Backend::GenericJson {
                base: "https://r.example.org/api".into(),
                token: None,
            },
            Backend::CouchDb {
                base: "https://couch.example.org".into(),
                db: "vigie".into(),
                user: Some("u".into()),
                password: None,
            },
        ];
        for m in modes {
            let text = serde_json::to_string(&m).unwrap();
            assert_eq!(serde_json::from_str::<Backend>(&text).unwrap(), m, "{text}");
        }
        let stored = r#"{"mode":"couch_db","base":"http://127.0.0.1:5984","db":"v"}"#;
        assert!(matches!(
            serde_json::from_str::<Backend>(stored).unwrap(),
            Backend::CouchDb { user: None, .. }
        ));
        for bad in [
            r#"{"mode":"ftp"}"#,
            r#"{"mode":"couch_db","base":"x"}"#,
            r#"{"base":"x"}"#,
        ] {
            assert!(serde_json::from_str::<Backend>(bad).is_err(), "{bad}");
        }
    }
    use crate::record::Author;

    fn env(n: u128) -> Envelope {
        Envelope::new(
            Uuid::from_u128(n),
            "note",
            ("note", "1"),
            1,
            "d",
            Author::default(),
            json!({"n": n as u64}),
        )
    }

    fn generic() -> Backend {
        Backend::GenericJson {
            base: "https://r.example".into(),
            token: Some("t0k".into()),
        }
    }

    fn couch() -> Backend {
        Backend::CouchDb {
            base: "http://127.0.0.1:5984".into(),
            db: "vigie".into(),
            user: Some("u".into()),
            password: Some("p".into()),
        }
    }

    fn resp(status: u16, body: &str) -> HttpResult {
        HttpResult::Response {
            status,
            body: body.into(),
            retry_after: None,
        }
    }

    #[test]
    fn base_urls_are_validated() {
        assert_eq!(
            validate_base_url(" https://x.org/api/ "),
            Ok("https://x.org/api".into())
        );
        assert_eq!(
            validate_base_url("http://127.0.0.1:8080"),
            Ok("http://127.0.0.1:8080".into())
        );
        assert_eq!(
            validate_base_url("http://localhost/"),
            Ok("http://localhost".into())
        );
        assert_eq!(
            validate_base_url("http://[::1]:9/"),
            Ok("http://[::1]:9".into())
        );
        assert_eq!(validate_base_url(""), Err(UrlError::Empty));
        assert_eq!(validate_base_url("ftp://x"), Err(UrlError::Scheme));
        assert_eq!(validate_base_url("x.org"), Err(UrlError::Scheme));
        assert_eq!(
            validate_base_url("http://x.org"),
            Err(UrlError::InsecureRemote)
        );
        assert_eq!(
            validate_base_url("https://u:p@x.org"),
            Err(UrlError::Forbidden)
        );
        assert_eq!(
            validate_base_url("https://x.org/?token=1"),
            Err(UrlError::Forbidden)
        );
        assert_eq!(validate_base_url("https://x .org"), Err(UrlError::Invalid));
        assert_eq!(validate_base_url("https:///path"), Err(UrlError::Invalid));
    }

    /// A setup link to `http://127.evil.invalid` was taken for loopback (any host starting
    /// with `127.`), so reports could go in clear text to a remote machine.
    #[test]
    fn only_real_loopback_addresses_may_use_plain_http() {
        for remote in [
            "http://127.evil.invalid",
            "http://127.0.0.1.evil.invalid/api",
            "http://localhost.evil.invalid",
            "http://127.0.0.1x",
            "http://[::2]",
        ] {
            assert_eq!(
                validate_base_url(remote),
                Err(UrlError::InsecureRemote),
                "{remote}"
            );
        }
        for local in [
            "http://127.0.0.1",
            "http://127.8.9.10:80/api",
            "http://LOCALHOST:8080",
        ] {
            assert!(validate_base_url(local).is_ok(), "{local}");
        }
    }

    #[test]
    fn generic_single_request_carries_idempotency_key_and_token_in_headers() {
        let e = env(1);
        let req = generic().request(&[&e]).unwrap();
        assert_eq!(req.url, "https://r.example/submissions");
        assert!(req
            .headers
            .contains(&("Idempotency-Key".into(), e.id.to_string())));
        assert!(req
            .headers
            .contains(&("Authorization".into(), "Bearer t0k".into())));
        assert!(!req.url.contains("t0k"));
        assert_eq!(serde_json::from_str::<Envelope>(&req.body).unwrap(), e);
    }

    #[test]
    fn generic_batch_and_couch_bulk_requests() {
        let (a, b) = (env(1), env(2));
        let req = generic().request(&[&a, &b]).unwrap();
        assert_eq!(req.url, "https://r.example/submissions/batch");
        let body: Value = serde_json::from_str(&req.body).unwrap();
        assert_eq!(body["records"].as_array().unwrap().len(), 2);
        let req = couch().request(&[&a, &b]).unwrap();
        assert_eq!(req.url, "http://127.0.0.1:5984/vigie/_bulk_docs");
        assert!(req
            .headers
            .contains(&("Authorization".into(), "Basic dTpw".into())));
        let body: Value = serde_json::from_str(&req.body).unwrap();
        assert_eq!(body["docs"][1]["_id"], b.id.to_string());
        assert_eq!(Backend::None.request(&[&a]), None);
    }

    /// The classification table for a single generic submission.
    #[test]
    fn single_submission_classification() {
        let id = Uuid::from_u128(1);
        let echo = format!(r#"{{"id":"{id}","received_at":"now"}}"#);
        let g = generic();
        let one = |r: HttpResult| g.interpret(&[id], &r).remove(0);
        for s in [200, 201, 202] {
            assert!(
                matches!(one(resp(s, &echo)), Outcome::Delivered { status, .. } if status == s)
            );
        }
        // A success that does not name the record is no receipt, whatever its status: a
        // captive portal or a misconfigured proxy answers 201/202 with HTML or nothing.
        for s in [201, 202] {
            for body in ["", "<html>Bienvenue</html>", "{}"] {
                assert_eq!(
                    one(resp(s, body)),
                    Outcome::Retry {
                        reason: RetryReason::NotAReceipt { status: s },
                        retry_after_ms: None
                    }
                );
            }
        }
        // A captive portal's page, or a 200 naming another record, is no receipt.
        let portal = one(resp(
            200,
            "<html><body>Connectez-vous au Wi-Fi</body></html>",
        ));
        assert_eq!(
            portal,
            Outcome::Retry {
                reason: RetryReason::NotAReceipt { status: 200 },
                retry_after_ms: None
            }
        );
        assert!(matches!(
            one(resp(200, r#"{"id":"someone-else"}"#)),
            Outcome::Retry { .. }
        ));
        assert!(matches!(one(resp(204, "")), Outcome::Retry { .. }));
        for s in [408, 500, 502, 503, 504] {
            assert_eq!(
                one(resp(s, "")),
                Outcome::Retry {
                    reason: RetryReason::Server { status: s },
                    retry_after_ms: None
                }
            );
        }
        let limited = HttpResult::Response {
            status: 429,
            body: String::new(),
            retry_after: Some("30".into()),
        };
        assert_eq!(
            one(limited),
            Outcome::Retry {
                reason: RetryReason::Server { status: 429 },
                retry_after_ms: Some(30_000)
            }
        );
        assert_eq!(
            one(HttpResult::Timeout),
            Outcome::Retry {
                reason: RetryReason::Timeout,
                retry_after_ms: None
            }
        );
        assert!(matches!(
            one(HttpResult::Network("reset".into())),
            Outcome::Retry {
                reason: RetryReason::Network { .. },
                ..
            }
        ));
        assert_eq!(one(resp(401, "")), Outcome::NeedsAuth { status: 401 });
        assert_eq!(one(resp(403, "")), Outcome::NeedsAuth { status: 403 });
        assert!(matches!(
            one(resp(409, r#"{"error":"duplicate"}"#)),
            Outcome::Delivered { status: 409, .. }
        ));
        assert_eq!(
            one(resp(
                409,
                r#"{"error":"different_content","reason":"same id, other content"}"#
            )),
            Outcome::Rejected {
                status: 409,
                reason: "same id, other content".into()
            }
        );
        assert_eq!(
            one(resp(
                400,
                r#"{"error":"invalid","reason":"field 'kind' missing"}"#
            )),
            Outcome::Rejected {
                status: 400,
                reason: "field 'kind' missing".into()
            }
        );
        for s in [404, 413, 422, 418] {
            assert!(
                matches!(one(resp(s, "nope")), Outcome::Rejected { status, .. } if status == s)
            );
        }
        assert!(matches!(one(resp(302, "")), Outcome::Retry { .. }));
    }

    #[test]
    fn batch_answers_are_per_record() {
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let body = format!(
            r#"{{"results":[{{"id":"{a}","ok":true}},{{"id":"{b}","error":"invalid","status":400,"reason":"payload missing"}}]}}"#
        );
        let out = generic().interpret(&[a, b, c], &resp(200, &body));
        assert!(matches!(out[0], Outcome::Delivered { .. }));
        assert_eq!(
            out[1],
            Outcome::Rejected {
                status: 400,
                reason: "payload missing".into()
            }
        );
        // Not mentioned: not acknowledged.
        assert!(matches!(
            out[2],
            Outcome::Retry {
                reason: RetryReason::NotAReceipt { .. },
                ..
            }
        ));
        let html = generic().interpret(&[a, b], &resp(200, "<html>"));
        assert!(html.iter().all(|o| matches!(o, Outcome::Retry { .. })));
    }

    /// Bug: the receiver answers a per-record storage failure inside a 200, and the app
    /// used to treat every unknown per-record code as a refusal, with no way to resend.
    #[test]
    fn transient_per_record_errors_inside_a_batch_are_retried() {
        let (a, b, c, d) = (
            Uuid::from_u128(1),
            Uuid::from_u128(2),
            Uuid::from_u128(3),
            Uuid::from_u128(4),
        );
        let body = format!(
            r#"{{"results":[{{"id":"{a}","error":"storage","status":500,"reason":"server storage error"}},
               {{"id":"{b}","error":"busy","status":503}},{{"id":"{c}","error":"rate_limited","status":429}},
               {{"id":"{d}","error":"duplicate"}}]}}"#
        );
        let out = generic().interpret(&[a, b, c, d], &resp(200, &body));
        for (i, status) in [(0, 500), (1, 503), (2, 429)] {
            assert_eq!(
                out[i],
                Outcome::Retry {
                    reason: RetryReason::Server { status },
                    retry_after_ms: None
                }
            );
        }
        assert!(matches!(out[3], Outcome::Delivered { .. }));
    }

    #[test]
    fn couch_bulk_conflict_on_a_fresh_uuid_is_delivered() {
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let body = format!(
            r#"[{{"ok":true,"id":"{a}","rev":"1-x"}},{{"id":"{b}","error":"conflict","reason":"Document update conflict."}},{{"id":"{c}","error":"forbidden","reason":"no"}}]"#
        );
        let out = couch().interpret(&[a, b, c], &resp(201, &body));
        assert!(matches!(out[0], Outcome::Delivered { .. }));
        assert!(matches!(out[1], Outcome::Delivered { status: 409, .. }));
        assert_eq!(out[2], Outcome::NeedsAuth { status: 403 });
    }

    #[test]
    fn probe_is_a_harmless_get_with_credentials_in_headers() {
        let req = generic().probe_request().unwrap();
        assert_eq!(
            (req.method, req.url.as_str(), req.body.as_str()),
            ("GET", "https://r.example/submissions", "")
        );
        assert_eq!(
            req.headers,
            vec![("Authorization".to_owned(), "Bearer t0k".to_owned())]
        );
        let req = couch().probe_request().unwrap();
        assert_eq!(req.url, "http://127.0.0.1:5984/vigie");
        assert!(req.headers[0].1.starts_with("Basic "));
        assert_eq!(Backend::None.probe_request(), None);
    }

    #[test]
    fn probe_answers_are_explained() {
        use ProbeResult as P;
        let probe = |r: HttpResult| Backend::interpret_probe(&r);
        assert_eq!(probe(resp(200, r#"{"count":0}"#)), P::Ok);
        assert_eq!(probe(resp(405, "")), P::Ok);
        assert_eq!(probe(resp(200, "<html>Wi-Fi</html>")), P::Unexpected);
        assert_eq!(probe(resp(401, "")), P::BadCredentials);
        assert_eq!(probe(resp(404, "")), P::WrongUrl);
        assert_eq!(probe(resp(502, "")), P::ServerError);
        assert_eq!(
            probe(HttpResult::Network("Failed to fetch".into())),
            P::Unreachable
        );
        assert_eq!(probe(HttpResult::Timeout), P::Unreachable);
    }

    #[test]
    fn long_server_text_is_shortened() {
        let long = "é".repeat(1000);
        match generic()
            .interpret(&[Uuid::from_u128(1)], &resp(400, &long))
            .remove(0)
        {
            Outcome::Rejected { reason, .. } => {
                assert_eq!(reason.chars().count(), MAX_SERVER_TEXT + 1)
            }
            other => panic!("{other:?}"),
        }
    }
}
