//! The coordinator map on the real binary: drawn by the receiver with no request
//! elsewhere, shaded inside the reader's scope only, every area with its P-code.

mod common;

use common::{envelope, Server};
use serde_json::{json, Value};

fn alert(n: u32, level: &str, commune: &str) -> serde_json::Value {
    envelope(
        &format!("{n:08x}-3a9e-4c2b-9f0e-6d1c2a7b9e11"),
        "incident",
        json!({"alert_level": level, "category": ["PHY-02"],
        "location": {"region": &commune[..4], "cercle": &commune[..6], "commune": commune}}),
    )
}

#[test]
fn the_map_shades_what_the_reader_may_see_and_draws_nothing_from_elsewhere() {
    let srv = Server::start(&[]);
    for (n, level, commune) in [(1, "rouge", "ML030201"), (2, "orange", "ML050101")] {
        let r = srv.post_json("/api/submissions", &alert(n, level, commune).to_string());
        assert_eq!(r.status, 201);
    }
    let page = srv.coord_get("/coord/map").text();
    assert!(
        page.contains("data-pcode=\"ML0302\" data-value=\"4\""),
        "red: {}",
        &page[..500]
    );
    assert!(
        page.contains("data-pcode=\"ML0501\" data-value=\"3\""),
        "orange"
    );
    assert!(page.contains("geoBoundaries"), "credited");
    for outside in ["src=\"http", "href=\"http", "url(", "@import"] {
        assert!(!page.contains(outside), "no outside request: {outside}");
    }
    assert!(page.len() < 150_000, "{} bytes", page.len());
    let local = srv.add_token("Coordination Sikasso", "coordinator", "ML03");
    let theirs = srv.coord_get_as(&local, "/coord/map").text();
    assert!(theirs.contains("data-pcode=\"ML0302\" data-value=\"4\""));
    assert!(
        !theirs.contains("data-pcode=\"ML0501\" data-value"),
        "Mopti is not theirs"
    );
    // A region's communes, counted by reports; an unknown region falls back to the country.
    let sikasso = srv
        .coord_get_as(&local, "/coord/map?show=reports&region=ML03")
        .text();
    assert!(
        sikasso.contains("data-pcode=\"ML030201\" data-value=\"1\""),
        "{}",
        sikasso.len()
    );
    assert!(!sikasso.contains("data-pcode=\"ML0501\""));
    let bad = srv
        .coord_get("/coord/map?region=%3Cscript%3E&days=-4")
        .text();
    assert!(bad.contains("data-pcode=\"ML0302\"") && !bad.contains("<script>"));
}

#[test]
fn the_indicators_count_this_week_by_area_and_category_inside_the_scope() {
    let srv = Server::start(&[]);
    let mut gbv = alert(3, "orange", "ML030202");
    gbv["payload"]["category"] = json!(["VBG-01"]);
    for record in [
        alert(1, "rouge", "ML030201"),
        alert(2, "jaune", "ML050101"),
        gbv,
    ] {
        assert_eq!(
            srv.post_json("/api/submissions", &record.to_string())
                .status,
            201
        );
    }
    let page = srv.coord_get("/coord/indicators").text();
    assert!(
        page.contains("Sikasso (ML03)") && page.contains("Mopti (ML05)"),
        "{page}"
    );
    // This week's Sikasso cell: 2 reports, in bold (an orange or red among them), linked.
    assert!(page.contains("region=ML03&amp;from="), "{page}");
    assert!(page.contains("<strong>2</strong>"), "{page}");
    // Each category's count links to the list of the alerts it counts.
    let vbg = page
        .split("<th scope=\"row\">VBG</th><td><a href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("GBV as a linked count: {page}"))
        .replace("&amp;", "&");
    assert!(page.contains(&format!("{}\">1</a>", vbg.replace('&', "&amp;"))));
    let listed = srv.coord_get(&vbg).text();
    assert!(listed.contains("00000003-3a9e"), "{listed}");
    assert!(!listed.contains("00000001-3a9e") && !listed.contains("00000002-3a9e"));
    let phy = srv.coord_get(&vbg.replace("VBG", "PHY")).text();
    assert!(phy.contains("00000001-3a9e") && phy.contains("00000002-3a9e"));
    assert!(!phy.contains("00000003-3a9e"), "{phy}");
    assert!(
        phy.contains("<option value=\"VBG\""),
        "the menu offers the categories"
    );
    assert!(!page.contains("Affrontements"), "no report's content");
    let local = srv.add_token("Coordination Sikasso", "coordinator", "ML03");
    let theirs = srv
        .coord_get_as(&local, "/coord/indicators?region=ML03&weeks=4")
        .text();
    assert!(
        theirs.contains("Kadiolo (ML0302)") && !theirs.contains("scope=\"row\">Mopti"),
        "{theirs}"
    );
}

#[test]
fn the_weekly_report_gathers_the_week_inside_the_scope_and_counts_gbv_only() {
    let srv = Server::start(&[]);
    let mut gbv = alert(3, "orange", "ML030202");
    gbv["payload"]["category"] = json!(["VBG-01"]);
    gbv["payload"]["description"] = json!("Témoignage à ne pas montrer");
    let mut vote = alert(1, "rouge", "ML030201");
    vote["payload"]["electoral_phase"] = json!("JOUR");
    let activity = envelope(
        "0000000a-3a9e-4c2b-9f0e-6d1c2a7b9e11",
        "activite",
        json!({"activity_type": "sensibilisation", "organisation": "Groupement Benkadi",
            "participants": {"F": {"18-24": 3, "25-34": 4}, "M": {"25-34": 2}},
            "location": {"region": "ML03", "cercle": "ML0302", "commune": "ML030201"}}),
    );
    for record in [vote, alert(2, "jaune", "ML050101"), gbv, activity] {
        assert_eq!(
            srv.post_json("/api/submissions", &record.to_string())
                .status,
            201
        );
    }
    let page = srv.coord_get("/coord/report").text();
    assert!(page.contains("data-testid=\"weekly-report\""), "{page}");
    assert!(
        page.contains("data-testid=\"report-gbv\">1<"),
        "GBV as a count: {page}"
    );
    assert!(!page.contains("Témoignage"), "never a report's content");
    assert!(
        page.contains("sensibilisation</th><td>1</td><td>femmes 7</td><td>hommes 2</td>"),
        "{page}"
    );
    assert!(page.contains("JOUR</th><td>1</td>"), "{page}");
    assert!(
        page.contains("data-pcode=\"ML0302\" data-value=\"4\""),
        "the map of open cases"
    );
    assert!(page.len() < 150_000, "{} bytes", page.len());
    // The indicators show the same activities and phases over their weeks.
    let indicators = srv.coord_get("/coord/indicators").text();
    assert!(
        indicators.contains("sensibilisation</th><td>1</td><td>femmes 7</td><td>hommes 2</td>"),
        "{indicators}"
    );
    assert!(indicators.contains("JOUR</th><td>1</td>"), "{indicators}");
    // Another week has none of it; a scope keeps to itself.
    let before = srv.coord_get("/coord/report?week=2026-01-05").text();
    assert!(before.contains("2026-01-05 → 2026-01-11"), "{before}");
    assert!(!before.contains("sensibilisation</th>"));
    let mopti = srv.add_token("Coordination Mopti", "coordinator", "ML05");
    let theirs = srv.coord_get_as(&mopti, "/coord/report").text();
    assert!(
        theirs.contains("data-testid=\"report-gbv\">0<")
            && !theirs.contains("sensibilisation</th>"),
        "{theirs}"
    );
}

#[test]
fn the_indicators_give_each_communes_plan_execution() {
    let srv = Server::start(&[]);
    let id = "6b1f3c2a-1d4e-4f5a-9b8c-7d6e5f4a3b2c";
    let f = |v: Value| json!({"value": v, "at": 1, "by": "A"});
    let plan = json!({"id": id, "kind": "plan_communal", "commune": "ML030201", "lists": {
        "header": {"plan": {"fields": {"name": f(json!("Plan de Diou"))}}},
        "activities": {
            "a1": {"fields": {"status": f(json!("realisee"))}},
            "a2": {"fields": {"status": f(json!("en_cours")), "execution": f(json!(40))}}}}});
    let body = json!({"base_rev": null, "plan": plan, "device_id": "d", "author": {"name": "Awa"}});
    let r = srv.with_token(
        "PUT",
        &format!("/api/plans/{id}"),
        common::DEVICE,
        &body.to_string(),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let page = srv.coord_get("/coord/indicators").text();
    assert!(
        page.contains("Diou (ML030201)</th><td>1 plan(s)</td><td>70 %</td>"),
        "{page}"
    );
    let mopti = srv.add_token("Coordination Mopti", "coordinator", "ML05");
    assert!(!srv
        .coord_get_as(&mopti, "/coord/indicators")
        .text()
        .contains("Diou (ML030201)</th>"));
}
