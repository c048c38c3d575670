//! Action plans on the real binary: revisions, a stale write answered with the current
//! plan, the coordinator's pages.

mod common;

use common::{Server, DEVICE};
use serde_json::{json, Value};

const PLAN: &str = "0c3e8a51-1f2b-4c2b-9f0e-6d1c2a7b9e11";

fn put(srv: &Server, base: Option<&str>, plan: &Value) -> common::Resp {
    let auth = format!("Bearer {DEVICE}");
    let body = json!({"base_rev": base, "plan": plan, "device_id": "tel-kadiolo",
        "author": {"name": "Awa Traoré", "role": "secrétaire"}});
    srv.request(
        "PUT",
        &format!("/api/plans/{PLAN}"),
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &auth),
        ],
        body.to_string().as_bytes(),
    )
}

fn field(v: &str, at: i64, by: &str) -> Value {
    json!({"value": v, "at": at, "by": by})
}

fn plan(swot: &str) -> Value {
    json!({"id": PLAN, "kind": "plan_communal", "commune": "ML030201",
        "lists": {"header": {"plan": {"fields": {"name": field("Mécanisme de Kadiolo <b>", 1, "A")}}},
                  "swot": {"s1": {"fields": {"text": field(swot, 2, "A")}}}}})
}

#[test]
fn plans_keep_every_revision_and_a_stale_copy_gets_the_current_one() {
    let srv = Server::start(&[]);
    let first = put(&srv, None, &plan("Femmes actives"));
    assert_eq!(first.status, 201, "{}", first.text());
    assert_eq!(first.json()["rev"], "1");
    // The same copy again (the answer was lost on the way): same revision.
    let again = put(&srv, None, &plan("Femmes actives"));
    assert_eq!(
        (again.status, again.json()["rev"].clone()),
        (200, json!("1"))
    );
    assert_eq!(
        put(&srv, Some("1"), &plan("Femmes et jeunes actifs")).json()["rev"],
        "2"
    );
    // A phone still on revision 1 is told what revision 2 holds.
    let stale = put(&srv, Some("1"), &plan("Autre texte"));
    assert_eq!(stale.status, 409);
    let body = stale.json();
    assert_eq!(body["error"], "stale");
    assert_eq!(body["current"]["rev"], "2");
    assert_eq!(
        body["current"]["plan"]["lists"]["swot"]["s1"]["fields"]["text"]["value"],
        "Femmes et jeunes actifs"
    );

    let auth = format!("Bearer {DEVICE}");
    let list = srv.request(
        "GET",
        "/api/plans?commune=ML030201",
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(list.status, 200);
    assert_eq!(list.json()["plans"].as_array().unwrap().len(), 1);
    let other = srv.request(
        "GET",
        "/api/plans?commune=ML999999",
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(other.json()["plans"], json!([]));
    assert_eq!(srv.request("GET", "/api/plans", &[], b"").status, 401);

    let page = srv.coord_get("/coord/plans");
    assert_eq!(page.status, 200);
    assert!(
        page.text().contains("Mécanisme de Kadiolo &lt;b&gt;"),
        "{}",
        page.text()
    );
    let detail = srv.coord_get(&format!("/coord/plans/{PLAN}"));
    let text = detail.text();
    assert!(text.contains("Historique des révisions"));
    assert!(text.contains("Awa Traoré") && text.contains("tel-kadiolo"));
    assert!(text.contains("Femmes et jeunes actifs"));
    assert_eq!(srv.request("GET", "/coord/plans", &[], b"").status, 401);
}

#[test]
fn the_coordinators_plan_page_reads_as_words_and_fits_the_screen() {
    let srv = Server::start(&[]);
    let mut doc = plan("Femmes actives");
    doc["lists"]["activities"] = json!({"a1": {"fields": {
        "title": field("Forum des jeunes", 3, "A"),
        "end": field("2026-10-31", 3, "A"),
        "status": field("en_cours", 3, "A"),
        "funding": field("locale", 3, "A"),
        "budget": {"value": 85000, "at": 3, "by": "A"},
    }}});
    assert_eq!(put(&srv, None, &doc).status, 201);
    let text = srv.coord_get(&format!("/coord/plans/{PLAN}")).text();
    // Values as the phone shows them: dates, amounts, choices in words.
    for expected in ["31/10/2026", "85\u{a0}000", "En cours", "Forum des jeunes"] {
        assert!(text.contains(expected), "{expected} missing in {text}");
    }
    for raw in ["2026-10-31", "en_cours", "85000", "Budget locale"] {
        assert!(!text.contains(raw), "{raw} shown raw in {text}");
    }
    // Items as cards with the fields they have, not one column per field of the schema.
    assert!(!text.contains("plan-list"), "{text}");
    assert!(text.contains("class=\"plan-item\""), "{text}");
}

#[test]
fn a_malformed_plan_is_refused_with_the_reason() {
    let srv = Server::start(&[]);
    let mut bad = plan("x");
    bad["lists"]["secret"] = json!({});
    let r = put(&srv, None, &bad);
    assert_eq!(r.status, 400);
    assert!(r.json()["reason"].as_str().unwrap().contains("secret"));
    let mut elsewhere = plan("x");
    elsewhere["id"] = json!("11111111-1f2b-4c2b-9f0e-6d1c2a7b9e11");
    assert_eq!(put(&srv, None, &elsewhere).status, 400);
    let garbage = srv.request(
        "PUT",
        &format!("/api/plans/{PLAN}"),
        &[("Authorization", &format!("Bearer {DEVICE}"))],
        b"<html>",
    );
    assert_eq!(garbage.status, 400);
}

#[test]
fn a_national_roadmap_has_no_commune_and_places_list_what_lies_under_them() {
    let srv = Server::start(&[]);
    let auth = format!("Bearer {DEVICE}");
    let put_as = |id: &str, kind: &str, place: &str| {
        let body = json!({"base_rev": null, "device_id": "tel", "author": {"name": "", "role": ""},
            "plan": {"id": id, "kind": kind, "commune": place, "lists": {}}});
        srv.request(
            "PUT",
            &format!("/api/plans/{id}"),
            &[
                ("Content-Type", "application/json"),
                ("Authorization", &auth),
            ],
            body.to_string().as_bytes(),
        )
    };
    let national = "1c3e8a51-1f2b-4c2b-9f0e-6d1c2a7b9e11";
    let region = "2c3e8a51-1f2b-4c2b-9f0e-6d1c2a7b9e11";
    let commune = "3c3e8a51-1f2b-4c2b-9f0e-6d1c2a7b9e11";
    let elsewhere = "4c3e8a51-1f2b-4c2b-9f0e-6d1c2a7b9e11";
    assert_eq!(put_as(national, "feuille_de_route", "").status, 201);
    assert_eq!(put_as(region, "feuille_de_route", "ML03").status, 201);
    // An old communal plan, written before places had levels: read as it was.
    assert_eq!(put_as(commune, "plan_communal", "ML030204").status, 201);
    assert_eq!(put_as(elsewhere, "plan_communal", "ML050201").status, 201);
    // A communal plan has a commune; a place is a P-code.
    let refused = put_as("5c3e8a51-1f2b-4c2b-9f0e-6d1c2a7b9e11", "plan_communal", "");
    assert_eq!(refused.status, 400, "{}", refused.text());
    assert!(refused.text().contains("commune"));
    assert_eq!(
        put_as(
            "6c3e8a51-1f2b-4c2b-9f0e-6d1c2a7b9e11",
            "feuille_de_route",
            "Kadiolo"
        )
        .status,
        400
    );
    let ids = |query: &str| -> Vec<String> {
        let list = srv.request(
            "GET",
            &format!("/api/plans{query}"),
            &[("Authorization", &auth)],
            b"",
        );
        let mut ids: Vec<String> = list.json()["plans"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["plan"]["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids("").len(), 4);
    assert_eq!(
        ids("?place=ML03"),
        vec![region.to_owned(), commune.to_owned()]
    );
    assert_eq!(ids("?place=ML0302"), vec![commune.to_owned()]);
    assert_eq!(ids("?commune=ML030204"), vec![commune.to_owned()]);
    let page = srv.coord_get(&format!("/coord/plans/{national}")).text();
    assert!(page.contains("Tout le pays"), "{page}");
}

/// A complete test translation, "[t] " before every French text, from the receiver's own
/// template (the phone's messages and the coordinator pages' section).
fn test_translation(dir: &std::path::Path) -> std::path::PathBuf {
    let (ok, out, err) = common::cli(&["translation-template"]);
    assert!(ok, "{err}");
    let mut t: Value = serde_json::from_str(&out).unwrap();
    t["code"] = "tst".into();
    t["name"] = "Essai".into();
    for section in ["messages", "coordination"] {
        for (_, v) in t[section].as_object_mut().unwrap() {
            *v = Value::String(format!("[t] {}", v.as_str().unwrap()));
        }
    }
    let path = dir.join("tst.json");
    std::fs::write(&path, t.to_string()).unwrap();
    path
}

#[test]
fn a_published_translation_reaches_the_coordinator_pages_and_plan_labels() {
    let scratch = common::Scratch::new("translation");
    let file = test_translation(&scratch.0);
    let srv = Server::start(&["--translation", file.to_str().unwrap()]);
    let mut doc = plan("Femmes actives");
    doc["lists"]["activities"] = json!({"a1": {"fields": {
        "title": field("Forum des jeunes", 3, "A"),
        "status": field("en_cours", 3, "A"),
    }}});
    assert_eq!(put(&srv, None, &doc).status, 201);
    let list = srv.coord_get("/coord/?lang=tst").text();
    assert!(list.contains("[t] Rapports reçus"), "{list}");
    assert!(list.contains("lang=\"tst\""), "{list}");
    assert!(list.contains("href=\"/coord/plans?lang=tst\""), "{list}");
    let french = srv.coord_get("/coord/").text();
    assert!(
        french.contains(">Essai<"),
        "the language is offered: {french}"
    );
    let page = srv
        .coord_get(&format!("/coord/plans/{PLAN}?lang=tst"))
        .text();
    for expected in [
        "[t] Historique des révisions",
        "[t] Activités",
        "[t] Statut",
        "[t] En cours",
    ] {
        assert!(page.contains(expected), "{expected} missing in {page}");
    }
    // Another code than the published one is French.
    let other = srv.coord_get("/coord/?lang=xx").text();
    assert!(other.contains(">Rapports reçus<"), "{other}");
}
