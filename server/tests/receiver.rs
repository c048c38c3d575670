//! The receiving API of the real binary on a loopback port (docs/PROTOCOL.md, mode 1).

mod common;

use common::{envelope, Server, DEVICE};
use serde_json::json;

const ID: &str = "3f0c6f0e-8a51-4c2b-9f0e-6d1c2a7b9e11";

#[test]
fn the_same_record_three_times_is_one_row_and_three_identical_receipts() {
    let srv = Server::start(&[]);
    let body = envelope(ID, "incident", json!({"alert_level": "jaune"})).to_string();
    let answers: Vec<_> = (0..3)
        .map(|_| srv.post_json("/api/submissions", &body))
        .collect();
    for a in &answers {
        assert_eq!(a.status, 201, "{}", a.text());
        assert_eq!(a.body, answers[0].body);
    }
    let receipt = answers[0].json();
    assert_eq!(receipt["id"], ID);
    assert_eq!(receipt["ok"], true);
    let list = srv
        .request(
            "GET",
            "/api/submissions",
            &[("Authorization", &format!("Bearer {DEVICE}"))],
            b"",
        )
        .json();
    assert_eq!(list["count"], 1);
}

#[test]
fn the_same_id_with_other_content_is_a_conflict_with_a_reason() {
    let srv = Server::start(&[]);
    let first = envelope(ID, "incident", json!({"n": 1})).to_string();
    let other = envelope(ID, "incident", json!({"n": 2})).to_string();
    assert_eq!(srv.post_json("/api/submissions", &first).status, 201);
    let a = srv.post_json("/api/submissions", &other);
    assert_eq!(a.status, 409);
    assert_eq!(a.json()["error"], "different_content");
    assert!(a.json()["reason"].as_str().unwrap().contains("different"));
}

#[test]
fn invalid_records_get_400_naming_the_field() {
    let srv = Server::start(&[]);
    let mut rec = envelope(ID, "incident", json!({}));
    rec.as_object_mut().unwrap().remove("form_id");
    let a = srv.post_json("/api/submissions", &rec.to_string());
    assert_eq!(a.status, 400);
    assert!(a.json()["reason"].as_str().unwrap().contains("'form_id'"));

    let a = srv.post_json("/api/submissions", "{not json");
    assert_eq!(a.status, 400);
    assert_eq!(a.json()["error"], "invalid");

    let mut rec = envelope(ID, "incident", json!({}));
    rec["payload"] = json!("text");
    let a = srv.post_json("/api/submissions", &rec.to_string());
    assert!(a.json()["reason"].as_str().unwrap().contains("'payload'"));

    let a = srv.post_json("/api/submissions/batch", r#"{"records": 3}"#);
    assert_eq!(a.status, 400);
    assert!(a.json()["reason"].as_str().unwrap().contains("'records'"));
}

#[test]
fn a_body_over_the_limit_gets_413_with_a_reason() {
    let srv = Server::start(&[]);
    let big = envelope(ID, "incident", json!({"blob": "x".repeat(1_100_000)})).to_string();
    let a = srv.post_json("/api/submissions", &big);
    assert_eq!(a.status, 413);
    assert_eq!(a.json()["error"], "too_large");
    assert!(!a.json()["reason"].as_str().unwrap().is_empty());
}

#[test]
fn a_batch_answers_per_record() {
    let srv = Server::start(&[]);
    let ok = envelope(ID, "incident", json!({}));
    let mut bad = envelope(
        "77de0000-8a51-4c2b-9f0e-6d1c2a7b9e11",
        "incident",
        json!({}),
    );
    bad.as_object_mut().unwrap().remove("kind");
    let other = envelope(ID, "incident", json!({"description": "autre"}));
    let second = envelope(
        "77de0001-8a51-4c2b-9f0e-6d1c2a7b9e11",
        "incident",
        json!({}),
    );
    // One transaction for the batch: each record still answered alone, in order.
    let body = json!({"records": [ok, bad, ok, other, second]}).to_string();
    let a = srv.post_json("/api/submissions/batch", &body);
    assert_eq!(a.status, 200);
    let results = a.json()["results"].as_array().unwrap().clone();
    assert_eq!(results.len(), 5);
    assert_eq!(results[0]["ok"], true);
    assert_eq!(results[1]["status"], 400);
    assert_eq!(results[2], results[0]);
    assert_eq!(results[3]["status"], 409);
    assert_eq!(results[4]["ok"], true);
    assert_eq!(results[4]["received_at"], results[0]["received_at"]);
    let listed = srv.with_token("GET", "/api/submissions", common::DEVICE, "");
    assert_eq!(listed.json()["count"], 2);
}

#[test]
fn tokens_are_required_and_revocation_takes_effect_at_once() {
    let srv = Server::start(&[]);
    let body = envelope(ID, "incident", json!({})).to_string();
    let none = srv.request(
        "POST",
        "/api/submissions",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    );
    assert_eq!(none.status, 401);
    let wrong = srv.request(
        "POST",
        "/api/submissions",
        &[("Authorization", "Bearer nope")],
        body.as_bytes(),
    );
    assert_eq!(wrong.status, 401);

    // A stored token made with the command line, used, then revoked while the server runs.
    let data = srv.data.to_str().unwrap();
    let (ok, token, _) = common::cli(&[
        "token",
        "add",
        "--label",
        "Moniteur Bougouni 12",
        "--data-dir",
        data,
    ]);
    assert!(ok);
    let token = token.trim().to_owned();
    let auth = format!("Bearer {token}");
    let a = srv.request(
        "POST",
        "/api/submissions",
        &[("Authorization", &auth)],
        body.as_bytes(),
    );
    assert_eq!(a.status, 201, "{}", a.text());
    let (ok, list, _) = common::cli(&["token", "list", "--data-dir", data]);
    assert!(ok);
    assert!(list.contains("Moniteur Bougouni 12") && list.contains("active"));
    assert!(
        !list.contains(&token),
        "token list must never print a token"
    );
    let id = list.split_whitespace().next().unwrap().to_owned();
    assert!(common::cli(&["token", "revoke", &id, "--data-dir", data]).0);
    let a = srv.request(
        "POST",
        "/api/submissions",
        &[("Authorization", &auth)],
        body.as_bytes(),
    );
    assert_eq!(a.status, 401);
    // A coordinator token does not open the device API.
    let coord = format!("Bearer {}", common::COORD);
    let a = srv.request(
        "POST",
        "/api/submissions",
        &[("Authorization", &coord)],
        body.as_bytes(),
    );
    assert_eq!(a.status, 401);
}

#[test]
fn cors_preflight_answers_configured_origins_only() {
    let srv = Server::start(&["--allowed-origin", "https://vigie.example.org"]);
    let preflight = |origin: &str| {
        srv.request(
            "OPTIONS",
            "/api/submissions",
            &[
                ("Origin", origin),
                ("Access-Control-Request-Method", "POST"),
                (
                    "Access-Control-Request-Headers",
                    "authorization,content-type,idempotency-key",
                ),
            ],
            b"",
        )
    };
    let good = preflight("https://vigie.example.org");
    assert!(good.status < 300, "{}", good.status);
    assert_eq!(
        good.header("access-control-allow-origin"),
        Some("https://vigie.example.org")
    );
    let allowed = good
        .header("access-control-allow-headers")
        .unwrap_or("")
        .to_lowercase();
    assert!(allowed.contains("idempotency-key") && allowed.contains("authorization"));
    let evil = preflight("https://evil.example.com");
    assert_eq!(evil.header("access-control-allow-origin"), None);
}

#[test]
fn forms_are_validated_refused_at_start_and_republished_on_change() {
    let scratch = common::Scratch::new("forms");
    let dist = common::fake_dist(&scratch.0);
    let forms = scratch.0.join("forms");
    std::fs::create_dir_all(&forms).unwrap();
    let good = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../forms/mediation.json"),
    )
    .unwrap();
    let mut bad: serde_json::Value = serde_json::from_str(&good).unwrap();
    bad["sections"][0]["fields"][0]["relevant"] = json!("${nulle_part} = 1");
    std::fs::write(forms.join("a.json"), &good).unwrap();
    std::fs::write(forms.join("b.json"), bad.to_string()).unwrap();
    let data = scratch.0.join("data");

    // A bad definition stops the start, naming the file and the problem.
    let refused = std::process::Command::new(common::BIN)
        .args(["--bind", "127.0.0.1:0", "--lifetime-secs", "20"])
        .arg("--dist")
        .arg(&dist)
        .arg("--data-dir")
        .arg(&data)
        .arg("--forms-dir")
        .arg(&forms)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("b.json") && said.contains("nulle_part"),
        "{said}"
    );

    // Without it the server starts and serves the typed, valid definition.
    std::fs::remove_file(forms.join("b.json")).unwrap();
    let srv = Server::start_in(scratch, &dist, &data, &forms, &[]);
    let auth = format!("Bearer {DEVICE}");
    let list = |srv: &Server| {
        let a = srv.request("GET", "/api/forms", &[("Authorization", &auth)], b"");
        assert_eq!(a.status, 200);
        a.json()["forms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(list(&srv), ["mediation"]);
    // Published while running: a new valid form is served; a bad one is not, and does not
    // hide the others.
    let mut other: serde_json::Value = serde_json::from_str(&good).unwrap();
    other["id"] = json!("autre");
    std::fs::write(forms.join("c.json"), other.to_string()).unwrap();
    std::fs::write(forms.join("d.json"), bad.to_string()).unwrap();
    std::fs::write(forms.join("e.json"), "{broken").unwrap();
    assert_eq!(list(&srv), ["mediation", "autre"]);
    assert_eq!(srv.request("GET", "/api/forms", &[], b"").status, 401);
}

/// One token stored 6 MB/s with no limit. Past its hourly allowance a device gets 429 with
/// Retry-After (which the app honours), and nothing more is stored.
#[test]
fn a_token_past_its_hourly_allowance_gets_429_with_retry_after() {
    let srv = Server::start(&["--max-records-per-hour", "3"]);
    let ids = [
        "7d444840-9dc0-11d1-b245-5ffdce74fa01",
        "7d444840-9dc0-11d1-b245-5ffdce74fa02",
        "7d444840-9dc0-11d1-b245-5ffdce74fa03",
        "7d444840-9dc0-11d1-b245-5ffdce74fa04",
    ];
    for id in &ids[..2] {
        let a = srv.post_json(
            "/api/submissions",
            &envelope(id, "note", json!({})).to_string(),
        );
        assert_eq!(a.status, 201);
    }
    let batch = json!({"records": [envelope(ids[2], "note", json!({})), envelope(ids[3], "note", json!({}))]});
    let refused = srv.post_json("/api/submissions/batch", &batch.to_string());
    assert_eq!(refused.status, 429);
    assert_eq!(refused.json()["error"], "rate_limited");
    let wait: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!(wait > 0 && wait <= 3600, "{wait}");
    let one = srv.post_json(
        "/api/submissions",
        &envelope(ids[2], "note", json!({})).to_string(),
    );
    assert_eq!(
        one.status, 201,
        "what is left of the allowance is still usable"
    );
    let list = srv
        .request(
            "GET",
            "/api/submissions",
            &[("Authorization", &format!("Bearer {DEVICE}"))],
            b"",
        )
        .json();
    assert_eq!(list["count"], 3);
}
