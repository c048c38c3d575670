//! Cases opened by the alert rules on the real binary: a red alert opens one, reports of
//! one incident join it and raise it, a replay opens nothing more, a scope hides others'
//! cases, and a broken rules file stops the server with where the error is.

mod common;

use common::{cli, envelope, Scratch, Server};
use serde_json::json;

fn id(n: u32) -> String {
    format!("{n:08x}-ca5e-4c2b-9f0e-6d1c2a7b9e11")
}

fn alert(n: u32, level: &str, commune: &str) -> serde_json::Value {
    envelope(
        &id(n),
        "incident",
        json!({"alert_level": level, "category": ["PHY-02"], "description": "Affrontements",
        "location": {"region": &commune[..4], "cercle": &commune[..6], "commune": commune}}),
    )
}

fn send(srv: &Server, record: &serde_json::Value) {
    let status = srv
        .post_json("/api/submissions", &record.to_string())
        .status;
    assert!(status == 201 || status == 200, "{status}");
}

fn cases(page: &str) -> usize {
    page.matches("data-case=").count()
}

#[test]
fn alerts_open_cases_join_them_and_raise_them_by_the_rules() {
    let srv = Server::start(&[]);
    send(&srv, &alert(1, "rouge", "ML050101"));
    let page = srv.coord_get("/coord/cases").text();
    assert_eq!(cases(&page), 1, "{page}");
    assert!(
        page.contains("level-rouge") && page.contains("Nouveau"),
        "{page}"
    );
    // Two orange reports of one incident in Kadiolo: one case with both.
    send(&srv, &alert(2, "orange", "ML030201"));
    send(&srv, &alert(3, "orange", "ML030201"));
    let page = srv.coord_get("/coord/cases").text();
    assert_eq!(cases(&page), 2, "{page}");
    assert!(page.contains("2 rapport(s)"), "{page}");
    // A third within the week: "3 orange in a commune in 7 days" raises it to red.
    send(&srv, &alert(4, "orange", "ML030201"));
    let page = srv.coord_get("/coord/cases").text();
    assert_eq!(cases(&page), 2, "{page}");
    assert_eq!(page.matches("level-rouge").count(), 2, "{page}");
    assert!(page.contains("3 rapport(s)"), "{page}");
    // A replay of a stored record changes nothing; a yellow one opens nothing.
    send(&srv, &alert(4, "orange", "ML030201"));
    send(&srv, &alert(5, "jaune", "ML030201"));
    assert_eq!(cases(&srv.coord_get("/coord/cases").text()), 2);
    // A coordinator of Mopti sees Mopti's case only.
    let mopti = srv.add_token("Coordination Mopti", "coordinator", "ML05");
    let theirs = srv.coord_get_as(&mopti, "/coord/cases").text();
    assert_eq!(cases(&theirs), 1, "{theirs}");
    assert!(theirs.contains("ML050101"), "{theirs}");
}

#[test]
fn a_broken_rules_file_stops_the_server_with_the_line_and_column() {
    let scratch = Scratch::new("rules");
    let rules = scratch.0.join("rules.json");
    std::fs::write(
        &rules,
        "{\"format\": 1, \"rules\": [\n  {\"name\": \"x\", \"levle\": \"rouge\"}\n]}",
    )
    .unwrap();
    let data = scratch.0.join("data");
    let (ok, _, err) = cli(&[
        "--bind",
        "127.0.0.1:0",
        "--lifetime-secs",
        "5",
        "--data-dir",
        data.to_str().unwrap(),
        "--alert-rules",
        rules.to_str().unwrap(),
    ]);
    assert!(!ok, "the server must not start");
    assert!(err.contains("line 2, column"), "{err}");
    assert!(err.contains("levle"), "{err}");
}
