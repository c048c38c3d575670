//! The shared table of protocol cases (`protocol-cases.json`), through the core's
//! classification. The service worker's flush is checked against the same table by
//! `js-tests/sw-outbox.test.mjs`, so the two cannot drift apart.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::Value;
use uuid::Uuid;
use vigie_core::outbox::backend::{Backend, HttpResult, Outcome};

/// The case table's short ids (`a`, `b`, …) as UUIDs, the same in the JavaScript test.
fn id(short: &str) -> Uuid {
    Uuid::from_u128(0x5000 + u128::from(short.as_bytes()[0]))
}

fn kind(o: &Outcome) -> &'static str {
    match o {
        Outcome::Delivered { .. } => "delivered",
        Outcome::Retry { .. } => "retry",
        Outcome::NeedsAuth { .. } => "needs_auth",
        Outcome::Rejected { .. } => "rejected",
    }
}

#[test]
fn every_case_of_the_shared_table() {
    let table: Value =
        serde_json::from_str(include_str!("protocol-cases.json")).expect("the table is JSON");
    let cases = table["cases"].as_array().expect("cases");
    assert!(cases.len() >= 20);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let backend = match case["mode"].as_str().unwrap() {
            "couch_db" => Backend::CouchDb {
                base: "http://127.0.0.1:5984".into(),
                db: "vigie".into(),
                user: None,
                password: None,
            },
            _ => Backend::GenericJson {
                base: "http://127.0.0.1:8080/api".into(),
                token: None,
            },
        };
        let ids: Vec<Uuid> = case["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| id(s.as_str().unwrap()))
            .collect();
        // Bodies name records by short id; put the UUIDs in.
        let with_ids = |text: &str| {
            case["ids"]
                .as_array()
                .unwrap()
                .iter()
                .chain(std::iter::once(&Value::from("e")))
                .fold(text.to_owned(), |t, s| {
                    let s = s.as_str().unwrap();
                    t.replace(&format!("\"{s}\""), &format!("\"{}\"", id(s)))
                })
        };
        let r = &case["result"];
        let result = if let Some(n) = r.get("network") {
            HttpResult::Network(n.as_str().unwrap().into())
        } else if r.get("timeout").is_some() {
            HttpResult::Timeout
        } else {
            HttpResult::Response {
                status: r["status"].as_u64().unwrap() as u16,
                body: with_ids(r["body"].as_str().unwrap()),
                retry_after: r
                    .get("retry_after")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            }
        };
        let got: Vec<&str> = backend.interpret(&ids, &result).iter().map(kind).collect();
        let want: Vec<&str> = case["expect"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(got, want, "case: {name}");
    }
}
