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
    assert_eq!(page.matches("record level-rouge").count(), 2, "{page}");
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

/// POSTs a case form as the holder of coordinator `token`.
fn post_form(
    srv: &Server,
    token: &str,
    path: &str,
    body: &str,
    extra: &[(&str, &str)],
) -> common::Resp {
    use base64::Engine;
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("coord:{token}"))
    );
    let mut headers = vec![
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    headers.extend_from_slice(extra);
    srv.request("POST", path, &headers, body.as_bytes())
}

#[test]
fn a_case_is_taken_answered_closed_and_reopened_and_a_late_change_is_told() {
    let srv = Server::start(&[]);
    send(&srv, &alert(1, "rouge", "ML030201"));
    let case = format!("/coord/cases/c-{}", id(1));
    let page = srv.coord_get(&case).text();
    assert!(
        page.contains("Prendre en charge") && page.contains("name=\"rev\" value=\"1\""),
        "{page}"
    );
    let taken = post_form(
        &srv,
        common::COORD,
        &format!("{case}/take"),
        "rev=1&institution=Gouvernorat+de+Sikasso&note=",
        &[],
    );
    assert_eq!(taken.status, 303);
    // A second coordinator who saw revision 1 too: told, their text kept, nothing written.
    let late = post_form(
        &srv,
        common::COORD,
        &format!("{case}/take"),
        "rev=1&institution=Mairie+de+Diou&note=On+y+va",
        &[],
    );
    assert_eq!(late.status, 409);
    let text = late.text();
    assert!(text.contains("Ce cas a changé"), "{text}");
    assert!(
        text.contains("value=\"Mairie de Diou\"") && text.contains(">On y va<"),
        "typed text kept: {text}"
    );
    assert!(
        text.contains("Gouvernorat de Sikasso"),
        "the current case is shown: {text}"
    );
    // Nothing empty, nothing from another site.
    let empty = post_form(
        &srv,
        common::COORD,
        &format!("{case}/respond"),
        "rev=2&text=+",
        &[],
    );
    assert_eq!(empty.status, 400);
    assert!(empty.text().contains("Écrivez ce qui a été fait"));
    let foreign = post_form(
        &srv,
        common::COORD,
        &format!("{case}/respond"),
        "rev=2&text=x",
        &[("Sec-Fetch-Site", "cross-site")],
    );
    assert_eq!(foreign.status, 403);
    let other_site = post_form(
        &srv,
        common::COORD,
        &format!("{case}/respond"),
        "rev=2&text=x",
        &[("Origin", "https://example.org")],
    );
    assert_eq!(other_site.status, 403);
    // What a browser sends from the pages themselves (they send no referrer, so the
    // origin is "null"): accepted.
    let own = post_form(
        &srv,
        common::COORD,
        &format!("{case}/respond"),
        "rev=2&text=Patrouille+conjointe",
        &[("Origin", "null"), ("Sec-Fetch-Site", "same-origin")],
    );
    assert_eq!(own.status, 303);
    assert_eq!(
        post_form(
            &srv,
            common::COORD,
            &format!("{case}/respond"),
            "rev=3&text=M%C3%A9diation+avec+les+chefs",
            &[]
        )
        .status,
        303
    );
    assert_eq!(
        post_form(
            &srv,
            common::COORD,
            &format!("{case}/close"),
            "rev=4&outcome=transferred&to=",
            &[]
        )
        .status,
        400,
        "a transfer names its recipient"
    );
    assert_eq!(
        post_form(
            &srv,
            common::COORD,
            &format!("{case}/close"),
            "rev=4&outcome=transferred&to=Pr%C3%A9fet+de+Kadiolo",
            &[]
        )
        .status,
        303
    );
    let closed = srv.coord_get(&case).text();
    assert!(
        closed.contains("Clos") && closed.contains("Préfet de Kadiolo"),
        "{closed}"
    );
    assert!(
        closed.contains("Médiation avec les chefs"),
        "the response log: {closed}"
    );
    assert!(closed.contains("Délai de clôture"), "{closed}");
    assert_eq!(
        srv.coord_get("/coord/cases")
            .text()
            .matches("data-case=")
            .count(),
        0,
        "closed: not listed"
    );
    assert_eq!(
        post_form(
            &srv,
            common::COORD,
            &format!("{case}/reopen"),
            "rev=5&note=",
            &[]
        )
        .status,
        303
    );
    let reopened = srv.coord_get(&case).text();
    let history = &reopened[reopened.find("case-history").unwrap()..];
    // Take, two responses, close, reopen: each kept, in order, status changes shown.
    assert_eq!(history.matches("<li>").count(), 5, "{history}");
    assert_eq!(history.matches(" → ").count(), 4, "{history}");
    for (a, b) in [
        ("Prise en charge", "Réponse"),
        ("Réponse", "Clôture"),
        ("Clôture", "Réouverture"),
    ] {
        assert!(
            history.find(a).unwrap() < history.find(b).unwrap(),
            "{history}"
        );
    }
    // Another area's coordinator cannot see or change it.
    let mopti = srv.add_token("Coordination Mopti", "coordinator", "ML05");
    assert_eq!(srv.coord_get_as(&mopti, &case).status, 404);
    assert_eq!(
        post_form(
            &srv,
            &mopti,
            &format!("{case}/respond"),
            "rev=6&text=x",
            &[]
        )
        .status,
        404
    );
}

/// An open `/coord/events` stream for the holder of `token`, its headers read.
fn listen(srv: &Server, token: &str) -> std::io::BufReader<std::net::TcpStream> {
    use base64::Engine;
    use std::io::{BufRead, Write};
    let mut tcp = std::net::TcpStream::connect(&srv.addr).unwrap();
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("coord:{token}"));
    write!(
        tcp,
        "GET /coord/events HTTP/1.1\r\nHost: {}\r\nAuthorization: Basic {auth}\r\nAccept: text/event-stream\r\n\r\n",
        srv.addr
    )
    .unwrap();
    let mut reader = std::io::BufReader::new(tcp);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.contains("200"), "{line}");
    while line != "\r\n" {
        line.clear();
        reader.read_line(&mut line).unwrap();
    }
    reader
}

/// The data of the next `case` event on `stream`.
fn next_case(stream: &mut std::io::BufReader<std::net::TcpStream>) -> String {
    use std::io::BufRead;
    let mut in_case = false;
    loop {
        let mut line = String::new();
        assert!(stream.read_line(&mut line).unwrap() > 0, "the stream ended");
        if line.starts_with("event: case") {
            in_case = true;
        } else if in_case && line.starts_with("data: ") {
            return line;
        }
    }
}

#[test]
fn an_open_page_hears_of_a_case_in_its_scope_at_once() {
    let srv = Server::start(&[]);
    let mopti = srv.add_token("Coordination Mopti", "coordinator", "ML05");
    let mut national = listen(&srv, common::COORD);
    let mut theirs = listen(&srv, &mopti);
    let sent = std::time::Instant::now();
    send(&srv, &alert(1, "rouge", "ML030201"));
    let first = next_case(&mut national);
    assert!(
        first.contains(&format!("c-{}", id(1))) && first.contains("rouge"),
        "{first}"
    );
    assert!(sent.elapsed() < std::time::Duration::from_secs(5));
    send(&srv, &alert(2, "rouge", "ML050101"));
    // Mopti's page hears of Mopti's case, not of Sikasso's.
    let seen = next_case(&mut theirs);
    assert!(seen.contains(&format!("c-{}", id(2))), "{seen}");
    // And the page carries the script that listens, and a live region.
    let page = srv.coord_get("/coord/cases").text();
    assert!(
        page.contains("/coord/live.js") && page.contains("aria-live"),
        "{page}"
    );
}

/// The news the device `dev` gets of `ids` with `token`.
fn news(srv: &Server, token: &str, dev: &str, ids: &[String]) -> serde_json::Value {
    let body = json!({"device_id": dev, "ids": ids}).to_string();
    let resp = srv.with_token("POST", "/api/status", token, &body);
    assert_eq!(resp.status, 200, "{}", resp.text());
    resp.json()["statuses"].clone()
}

#[test]
fn a_phone_learns_where_its_own_alerts_stand_and_nothing_of_others() {
    let srv = Server::start(&[]);
    send(&srv, &alert(1, "rouge", "ML030201"));
    let mut gbv = alert(2, "rouge", "ML030202");
    gbv["payload"]["category"] = json!(["VBG-01"]);
    send(&srv, &gbv);
    send(&srv, &alert(3, "vert", "ML030203"));
    let ids = [id(1), id(2), id(3), id(99)];
    let got = news(&srv, common::DEVICE, "dev-1", &ids);
    assert_eq!(
        got.as_array().unwrap().len(),
        2,
        "no case for green, none for unknown: {got}"
    );
    assert_eq!(got[0]["status"], "new");
    for (n, what) in [(1, "Coordination+Sikasso"), (2, "Centre+One+Stop")] {
        let taken = post_form(
            &srv,
            common::COORD,
            &format!("/coord/cases/c-{}/take", id(n)),
            &format!("rev=1&institution={what}&note="),
            &[],
        );
        assert_eq!(taken.status, 303);
    }
    let got = news(&srv, common::DEVICE, "dev-1", &ids);
    assert_eq!(got[0]["id"], id(1).as_str());
    assert_eq!(got[0]["status"], "taken");
    assert_eq!(got[0]["by"], "Coordination Sikasso");
    assert!(got[0]["at"].as_i64().unwrap() > 0);
    // The GBV report: its status, nothing else.
    assert_eq!(
        got[1],
        json!({"id": id(2), "status": "taken", "by": "", "at": 0, "outcome": "", "to": ""})
    );
    // Another device, or another token, learns nothing of these records.
    assert_eq!(news(&srv, common::DEVICE, "dev-2", &ids), json!([]));
    let other = srv.add_token("Moniteur Kayes", "device", "national");
    assert_eq!(news(&srv, &other, "dev-1", &ids), json!([]));
    // Bad questions get a clear refusal.
    let too_many: Vec<String> = (0..201).map(id).collect();
    let body = json!({"device_id": "dev-1", "ids": too_many}).to_string();
    assert_eq!(
        srv.with_token("POST", "/api/status", common::DEVICE, &body)
            .status,
        400
    );
    let resp = srv.with_token("POST", "/api/status", common::DEVICE, "{\"ids\": 3}");
    assert_eq!(resp.status, 400);
    assert!(resp.text().contains("device_id"), "{}", resp.text());
    assert_eq!(
        srv.with_token("POST", "/api/status", "nope", &body).status,
        401
    );
}

#[test]
fn a_coordinator_splits_a_report_off_and_joins_two_cases_of_one_incident() {
    let srv = Server::start(&[]);
    // Two orange reports in one commune: joined by the suggestion.
    send(&srv, &alert(1, "orange", "ML030201"));
    send(&srv, &alert(2, "orange", "ML030201"));
    let first = format!("/coord/cases/c-{}", id(1));
    let page = srv.coord_get(&first).text();
    assert!(
        page.contains("2 rapport(s)") || page.matches("name=\"report\"").count() == 2,
        "{page}"
    );
    // Report 2 was another incident: split off into its own case.
    let split = post_form(
        &srv,
        common::COORD,
        &format!("{first}/split"),
        &format!("rev=2&report={}&note=", id(2)),
        &[],
    );
    assert_eq!(split.status, 303, "{}", split.text());
    let list = srv.coord_get("/coord/cases").text();
    assert_eq!(cases(&list), 2, "{list}");
    let page = srv.coord_get(&first).text();
    assert!(page.contains("rapport séparé"), "{page}");
    assert!(
        !page.contains("name=\"report\""),
        "its only report cannot be split: {page}"
    );
    // A stale split is refused and changes nothing.
    let stale = post_form(
        &srv,
        common::COORD,
        &format!("{first}/split"),
        &format!("rev=2&report={}", id(1)),
        &[],
    );
    assert_eq!(stale.status, 409);
    // Then the coordinator finds they were one incident after all: join them.
    let second = format!("c-{}-3", id(2));
    let page = srv.coord_get(&format!("/coord/cases/{second}")).text();
    assert!(
        page.contains(&format!("value=\"c-{}\"", id(1))),
        "offered: {page}"
    );
    let merged = post_form(
        &srv,
        common::COORD,
        &format!("/coord/cases/{second}/merge"),
        &format!("rev=1&into=c-{}", id(1)),
        &[],
    );
    assert_eq!(merged.status, 303, "{}", merged.text());
    assert_eq!(merged.header("location"), Some(first.as_str()));
    let list = srv.coord_get("/coord/cases").text();
    assert_eq!(cases(&list), 1, "{list}");
    assert!(list.contains("2 rapport(s)"), "{list}");
    let closed = srv.coord_get(&format!("/coord/cases/{second}")).text();
    assert!(
        closed.contains("joint au cas") && closed.contains("Clos"),
        "{closed}"
    );
    // Joining to a case that does not exist, or to itself: a clear refusal.
    send(&srv, &alert(5, "rouge", "ML050101"));
    let third = format!("/coord/cases/c-{}", id(5));
    for into in ["c-nope".to_owned(), format!("c-{}", id(5))] {
        let bad = post_form(
            &srv,
            common::COORD,
            &format!("{third}/merge"),
            &format!("rev=1&into={into}"),
            &[],
        );
        assert_eq!(bad.status, 400, "{into}: {}", bad.text());
        assert!(
            bad.text().contains("Choisissez un cas ouvert"),
            "{}",
            bad.text()
        );
    }
    // A coordinator of Sikasso cannot join Mopti's case to one of theirs.
    let local = srv.add_token("Coordination Sikasso", "coordinator", "ML03");
    let foreign = post_form(
        &srv,
        &local,
        &format!("/coord/cases/c-{}/merge", id(1)),
        &format!("rev=4&into=c-{}", id(5)),
        &[],
    );
    assert_eq!(foreign.status, 400, "{}", foreign.text());
}

#[test]
fn a_case_joined_by_many_reports_keeps_one_counted_line_for_them() {
    let srv = Server::start(&[]);
    for n in 1..=40 {
        send(&srv, &alert(100 + n, "orange", "ML030201"));
    }
    let list = srv.coord_get("/coord/cases").text();
    assert_eq!(cases(&list), 1, "{list}");
    assert!(list.contains("40 rapport(s)"), "{list}");
    // All 40 listed: under the page's limit, nothing is said hidden.
    let all = srv.coord_get(&format!("/coord/cases/c-{}", id(101))).text();
    assert_eq!(all.matches("/coord/records/").count(), 40);
    assert!(!all.contains("reports-hidden"));
    let page = srv.coord_get(&format!("/coord/cases/c-{}", id(101))).text();
    let history = &page[page.find("case-history").unwrap()..];
    // The first report opened it; the second joined; the third raised it to red (a line
    // of its own: when it went red); the 37 after are one counted line, not 37.
    assert_eq!(history.matches("<li>").count(), 3, "{history}");
    assert!(
        history.contains(&id(102)) && history.contains(&id(103)),
        "{history}"
    );
    assert!(
        history.contains("Rapport ajouté : le cas monte d'un niveau"),
        "{history}"
    );
    assert!(
        history.contains("37 rapports ajoutés au cas, le dernier à"),
        "{history}"
    );
    assert!(!history.contains(&id(140)), "{history}");

    // 170 more: the page lists the latest 200 and says how many earlier ones it leaves out.
    let more: Vec<_> = (141..=310)
        .map(|n| alert(n, "orange", "ML030201"))
        .collect();
    let status = srv
        .post_json(
            "/api/submissions/batch",
            &json!({ "records": more }).to_string(),
        )
        .status;
    assert_eq!(status, 200);
    let page = srv.coord_get(&format!("/coord/cases/c-{}", id(101))).text();
    assert_eq!(page.matches("/coord/records/").count(), 200);
    assert!(
        page.contains("Les 10 rapports plus anciens ne sont pas listés ici."),
        "{page}"
    );
    assert!(page.contains(&id(310)) && !page.contains(&format!("records/{}", id(101))));
    let all = srv
        .coord_get(&format!("/coord/cases/c-{}?reports=all", id(101)))
        .text();
    assert_eq!(all.matches("/coord/records/").count(), 210);
    assert!(!all.contains("reports-hidden"));
}
