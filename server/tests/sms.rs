//! Alerts by SMS on the real binary: an SMS then the record, the record then an SMS, a
//! gateway's retry, a garbled text — one alert per record across both channels.

mod common;

use common::{envelope, Server};
use serde_json::json;

const FIRST: &str = "1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d";
const SECOND: &str = "9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f";

fn sms(srv: &Server, text: &str) -> serde_json::Value {
    let r = srv.post_json(
        "/api/sms",
        &json!({"from": "+22376000001", "text": text}).to_string(),
    );
    assert!(
        r.status == 201 || r.status == 200,
        "{} {}",
        r.status,
        r.text()
    );
    r.json()
}

fn record(srv: &Server, id: &str) {
    let env = envelope(id, "incident", json!({"alert_level": "rouge"}));
    let r = srv.post_json("/api/submissions", &env.to_string());
    assert_eq!(r.status, 201, "{}", r.text());
}

fn waiting(srv: &Server) -> usize {
    srv.coord_get("/coord/")
        .text()
        .matches("class=\"card sms-alert\"")
        .count()
}

#[test]
fn an_sms_then_its_record_is_one_alert() {
    let srv = Server::start(&[]);
    let got = sms(&srv, "VIGIE ROUGE 23/11 Kadiolo PHY-04 #1a2b3c4d");
    assert_eq!(
        (got["parsed"].clone(), got["completed"].clone()),
        (json!(true), json!(false))
    );
    let page = srv.coord_get("/coord/").text();
    assert!(page.contains("Alertes reçues par SMS"), "{page}");
    assert!(page.contains("Kadiolo") && page.contains("PHY-04"));
    assert_eq!(waiting(&srv), 1);
    // The gateway retries: nothing more.
    assert_eq!(
        sms(&srv, "VIGIE ROUGE 23/11 Kadiolo PHY-04 #1a2b3c4d")["duplicate"],
        json!(true)
    );
    assert_eq!(waiting(&srv), 1);
    // The full record arrives by data: it completes the alert, no second one.
    record(&srv, FIRST);
    assert_eq!(waiting(&srv), 0);
    let list = srv.coord_get("/coord/").text();
    assert_eq!(
        list.matches(FIRST).count().min(1),
        1,
        "the record is listed once"
    );
}

#[test]
fn a_record_then_its_sms_is_complete_at_once() {
    let srv = Server::start(&[]);
    record(&srv, SECOND);
    let got = sms(&srv, "vigie orange 22/11 Loulouni VBG #9F8E7D6C");
    assert_eq!(got["completed"], json!(true));
    assert_eq!(waiting(&srv), 0);
}

#[test]
fn a_garbled_sms_is_kept_as_text_and_flagged() {
    let srv = Server::start(&[]);
    let got = sms(&srv, "Bonjour <script>alert(1)</script> il y a eu des tirs");
    assert_eq!(got["parsed"], json!(false));
    let page = srv.coord_get("/coord/").text();
    assert!(page.contains("SMS illisible : gardé tel quel"));
    assert!(page.contains("&lt;script&gt;"), "escaped");
    assert!(!page.contains("<script>alert(1)"));
    // Bad requests are refused with the contract's error, never a crash.
    let bad = srv.post_json("/api/sms", "{\"from\": 1}");
    assert_eq!(bad.status, 400);
    let unauth = srv.request(
        "POST",
        "/api/sms",
        &[("Content-Type", "application/json")],
        b"{\"text\":\"VIGIE\"}",
    );
    assert_eq!(unauth.status, 401);
}
