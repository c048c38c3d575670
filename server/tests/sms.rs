//! Alerts by SMS on the real binary: an SMS then the record, the record then an SMS, a
//! gateway's retry, a garbled text — one alert per record across both channels.

mod common;

use common::{envelope, Server, DEVICE, SMS_GATEWAY};
use serde_json::json;

const FIRST: &str = "1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d";
const SECOND: &str = "9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f";

fn sms_from(srv: &Server, from: &str, text: &str) -> serde_json::Value {
    let r = srv.with_token(
        "POST",
        "/api/sms",
        SMS_GATEWAY,
        &json!({"from": from, "text": text}).to_string(),
    );
    assert!(
        r.status == 201 || r.status == 200,
        "{} {}",
        r.status,
        r.text()
    );
    r.json()
}

fn sms(srv: &Server, text: &str) -> serde_json::Value {
    sms_from(srv, "+22376000001", text)
}

fn record(srv: &Server, id: &str) {
    record_at(srv, id, "rouge", "ML030204");
}

/// A record at `level` in commune `commune` (Kadiolo's is ML030204).
fn record_at(srv: &Server, id: &str, level: &str, commune: &str) {
    let env = envelope(
        id,
        "incident",
        json!({"alert_level": level, "location": {"region": &commune[..4], "cercle": &commune[..6], "commune": commune}}),
    );
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
    let got = sms(&srv, "vigie rouge 22/11 Kadiolo #9F8E7D6C");
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
    let bad = srv.with_token("POST", "/api/sms", SMS_GATEWAY, "{\"from\": 1}");
    assert_eq!(bad.status, 400);
    let unauth = srv.request(
        "POST",
        "/api/sms",
        &[("Content-Type", "application/json")],
        b"{\"text\":\"VIGIE\"}",
    );
    assert_eq!(unauth.status, 401);
}

#[test]
fn only_a_gateway_token_posts_sms() {
    let srv = Server::start(&[]);
    let body = json!({"from": "+22300000000", "text": "VIGIE ROUGE 23/11 Kadiolo #1a2b3c4d"});
    let by_phone = srv.with_token("POST", "/api/sms", DEVICE, &body.to_string());
    assert_eq!(
        by_phone.status, 401,
        "a device token cannot invent a sender"
    );
    assert_eq!(waiting(&srv), 0);
    let stored = srv.add_token("Passerelle Orange", "sms-gateway", "national");
    let by_gateway = srv.with_token("POST", "/api/sms", &stored, &body.to_string());
    assert_eq!(by_gateway.status, 201, "{}", by_gateway.text());
    // And a gateway token sends no records.
    let env = envelope(FIRST, "incident", json!({"alert_level": "rouge"}));
    let r = srv.with_token("POST", "/api/submissions", &stored, &env.to_string());
    assert_eq!(r.status, 401);
}

#[test]
fn the_same_alert_from_another_number_or_case_is_one_alert() {
    let srv = Server::start(&[]);
    let text = "VIGIE ROUGE 23/11 Kadiolo PHY-04 #1a2b3c4d";
    assert_eq!(
        sms_from(&srv, "+22376000001", text)["duplicate"],
        json!(false)
    );
    assert_eq!(
        sms_from(&srv, "+22366000002", text)["duplicate"],
        json!(true)
    );
    let lower = "vigie  rouge 23/11 kadiolo phy-04 #1A2B3C4D";
    assert_eq!(
        sms_from(&srv, "+22376000003", lower)["duplicate"],
        json!(true)
    );
    assert_eq!(waiting(&srv), 1);
    // An unreadable text is the same only from the same number.
    sms_from(&srv, "+22370000000", "il y a des tirs");
    sms_from(&srv, "+22370000000", "IL Y A  DES TIRS");
    assert_eq!(waiting(&srv), 2);
}

#[test]
fn an_sms_that_contradicts_its_record_is_kept_and_flagged_not_attached() {
    let srv = Server::start(&[]);
    record_at(&srv, SECOND, "jaune", "ML030204");
    // Another level than the record's.
    let got = sms(&srv, "VIGIE ROUGE 23/11 Kadiolo #9f8e7d6c");
    assert_eq!(
        (got["completed"].clone(), got["conflict"].clone()),
        (json!(false), json!(true))
    );
    // Another place.
    let got = sms(&srv, "VIGIE JAUNE 23/11 Kayes #9f8e7d6c");
    assert_eq!(got["conflict"], json!(true));
    let page = srv.coord_get("/coord/").text();
    assert_eq!(
        page.matches("data-testid=\"sms-conflict\"").count(),
        2,
        "{page}"
    );
    assert!(page.contains("Ne correspond pas au rapport"));
    // The one that agrees completes it.
    assert_eq!(
        sms(&srv, "VIGIE JAUNE 23/11 Kadiolo #9f8e7d6c")["completed"],
        json!(true)
    );
    // An SMS first, then a record that says otherwise: flagged when the record arrives.
    let got = sms(&srv, "VIGIE ROUGE 23/11 Kadiolo #1a2b3c4d");
    assert_eq!(got["conflict"], json!(false));
    record_at(&srv, FIRST, "rouge", "ML010101");
    let page = srv.coord_get("/coord/").text();
    assert_eq!(
        page.matches("data-testid=\"sms-conflict\"").count(),
        3,
        "{page}"
    );
}

fn open_cases(srv: &Server) -> String {
    srv.coord_get("/coord/cases").text()
}

#[test]
fn an_sms_alert_opens_a_case_and_its_record_completes_that_case() {
    let srv = Server::start(&[]);
    sms(&srv, "VIGIE ROUGE 23/11 Loulouni, Diou PHY-04 #1a2b3c4d");
    let page = open_cases(&srv);
    assert_eq!(page.matches("data-case=").count(), 1, "{page}");
    assert!(
        page.contains("Loulouni (ML030206)") && page.contains("1 rapport(s)"),
        "{page}"
    );
    // The same alert retried by the gateway opens nothing more.
    sms_from(
        &srv,
        "+22376000002",
        "vigie rouge 23/11 Loulouni, Diou PHY-04 #1a2b3c4d",
    );
    assert_eq!(open_cases(&srv).matches("data-case=").count(), 1);
    // Its record arrives: the same case, now with both.
    record_at(&srv, FIRST, "rouge", "ML030206");
    let page = open_cases(&srv);
    assert_eq!(page.matches("data-case=").count(), 1, "{page}");
    assert!(page.contains("2 rapport(s)"), "{page}");
    // An SMS naming a place no unit has: a case all the same, for national coordinators.
    sms(&srv, "VIGIE ORANGE 24/11 Quelquepart PHY-01 #9f8e7d6c");
    let page = open_cases(&srv);
    assert_eq!(page.matches("data-case=").count(), 2, "{page}");
    let local = srv.add_token("Coordination Sikasso", "coordinator", "ML03");
    let theirs = srv.coord_get_as(&local, "/coord/cases").text();
    assert_eq!(theirs.matches("data-case=").count(), 1, "{theirs}");
}
