//! Token scopes on the real binary: a device token lists, reads and changes only the plans
//! of communes inside its scope, a plan never moves commune, and the receiver holds plans
//! to the same limits as the phone.

mod common;

use common::{Server, DEVICE};
use serde_json::{json, Value};

const A: &str = "0c3e8a51-1f2b-4c2b-9f0e-6d1c2a7b9e11";
const B: &str = "7a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

fn put_as(srv: &Server, token: &str, base: Option<&str>, plan: &Value) -> common::Resp {
    let body = json!({"base_rev": base, "plan": plan, "device_id": "tel",
        "author": {"name": "Awa Traoré", "role": "secrétaire"}});
    let id = plan["id"].as_str().unwrap_or_default();
    srv.with_token("PUT", &format!("/api/plans/{id}"), token, &body.to_string())
}

fn plan(id: &str, commune: &str, conflict: &str) -> Value {
    json!({"id": id, "kind": "plan_communal", "commune": commune,
        "lists": {"conflicts": {"c1": {"fields": {"title": {"value": conflict, "at": 1, "by": "A"}}}}}})
}

fn listed(srv: &Server, token: &str) -> Vec<String> {
    let r = srv.with_token("GET", "/api/plans", token, "");
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["plan"]["commune"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_scoped_token_sees_and_changes_only_its_own_communes_plans() {
    let srv = Server::start(&[]);
    // Kadiolo's cercle (ML0302) and one commune of Kayes (ML010101).
    let kadiolo = srv.add_token("Mécanisme Kadiolo", "device", "ML0302");
    let kayes = srv.add_token("Mécanisme Kayes", "device", "ML010101");
    let witness = "Conflit foncier — témoin : Moussa K.";
    assert_eq!(
        put_as(&srv, &kadiolo, None, &plan(A, "ML030201", witness)).status,
        201
    );
    assert_eq!(
        put_as(&srv, &kayes, None, &plan(B, "ML010101", "Transhumance")).status,
        201
    );
    // Each lists its own; the command-line token (national) lists both.
    assert_eq!(listed(&srv, &kadiolo), vec!["ML030201"]);
    assert_eq!(listed(&srv, &kayes), vec!["ML010101"]);
    assert_eq!(listed(&srv, DEVICE).len(), 2);
    let page = srv.with_token("GET", "/api/plans?commune=ML030201", &kayes, "");
    assert!(!page.text().contains("Moussa"), "{}", page.text());
    // Kayes' token overwrites Kadiolo's plan with its revision: refused, nothing told.
    let mut hijack = plan(A, "ML030201", "renommé");
    hijack["lists"] = json!({});
    let r = put_as(&srv, &kayes, Some("1"), &hijack);
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(!r.text().contains("Moussa"));
    // Nor by moving it into its own commune: refused without the current revision.
    let moved = put_as(&srv, &kayes, Some("1"), &plan(A, "ML010101", "renommé"));
    assert_eq!(moved.status, 403, "{}", moved.text());
    assert!(!moved.text().contains("Moussa"), "{}", moved.text());
    // Nor create one anywhere else.
    let elsewhere = "11111111-2222-4333-8444-555555555555";
    assert_eq!(
        put_as(&srv, &kayes, None, &plan(elsewhere, "ML030202", "x")).status,
        403
    );
    // Kadiolo's own token may not move its plan to another commune of its cercle either.
    let r = put_as(&srv, &kadiolo, Some("1"), &plan(A, "ML030202", witness));
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.json()["reason"].as_str().unwrap().contains("commune"));
    // The plan is untouched.
    let kept = srv.with_token("GET", "/api/plans", DEVICE, "").json();
    let a = kept["plans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["plan"]["id"] == A)
        .cloned()
        .unwrap();
    assert_eq!(a["rev"], "1");
    assert_eq!(a["plan"]["commune"], "ML030201");
    assert_eq!(
        a["plan"]["lists"]["conflicts"]["c1"]["fields"]["title"]["value"],
        witness
    );
    // Its own token goes on as before.
    assert_eq!(
        put_as(
            &srv,
            &kadiolo,
            Some("1"),
            &plan(A, "ML030201", "Conflit réglé")
        )
        .status,
        200
    );
}

#[test]
fn a_bad_scope_is_refused_at_creation_and_tokens_are_listed_with_theirs() {
    let srv = Server::start(&[]);
    let data = srv.data.to_string_lossy().into_owned();
    let (ok, _, err) = common::cli(&[
        "token",
        "add",
        "--label",
        "x",
        "--scope",
        "Kadiolo",
        "--data-dir",
        &data,
    ]);
    assert!(!ok);
    assert!(err.contains("P-code"), "{err}");
    srv.add_token("Cercle", "device", "ML0302");
    let (ok, out, _) = common::cli(&["token", "list", "--data-dir", &data]);
    assert!(ok);
    assert!(out.contains("ML0302") && out.contains("Cercle"), "{out}");
}

#[test]
fn the_receiver_holds_plans_to_the_phones_limits() {
    let srv = Server::start(&[]);
    let huge = plan(A, "ML030201", &"x".repeat(900_000));
    let r = put_as(&srv, DEVICE, None, &huge);
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.json()["reason"].as_str().unwrap().contains("5000"));
    let mut reviews = serde_json::Map::new();
    for i in 0..8_000 {
        reviews.insert(
            format!("conflicts/c1/title/{i}/B"),
            json!({"list": "conflicts", "item": "c1", "field": "title",
                "other": {"value": i.to_string(), "at": i, "by": "B"}}),
        );
    }
    let mut many = plan(A, "ML030201", "x");
    many["reviews"] = Value::Object(reviews);
    let r = put_as(&srv, DEVICE, None, &many);
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(listed(&srv, DEVICE).len(), 0, "nothing stored");
}
