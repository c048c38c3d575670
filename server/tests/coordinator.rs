//! Coordinator pages and CSV export of the real binary.

mod common;

use common::{envelope, Server};
use serde_json::json;

fn id(n: u32) -> String {
    format!("{n:08x}-8a51-4c2b-9f0e-6d1c2a7b9e11")
}

fn seed(srv: &Server) {
    let records = [
        envelope(
            &id(1),
            "incident",
            json!({"alert_level": "jaune", "description": "Rumeurs au marché",
            "location": {"region": "ML01", "cercle": "ML0102", "commune": "ML010201", "village": "Diéma"}}),
        ),
        envelope(
            &id(2),
            "incident",
            json!({"alert_level": "rouge", "description": "Affrontements, deux morts",
            "location": {"region": "ML04", "cercle": "ML0401"}}),
        ),
        envelope(
            &id(3),
            "activite",
            json!({"themes": ["paix", "vbg"], "note": "=HYPERLINK(\"x\")",
            "participants": [{"groupe": "Femmes 18–24", "n": 12}, {"groupe": "Hommes 25–35", "n": 7}]}),
        ),
        envelope(
            &id(4),
            "incident",
            json!({"alert_level": "orange", "description": "<script>alert(1)</script>"}),
        ),
    ];
    for r in records {
        assert_eq!(
            srv.post_json("/api/submissions", &r.to_string()).status,
            201
        );
    }
}

#[test]
fn pages_need_a_coordinator_token() {
    let srv = Server::start(&[]);
    for path in [
        "/coord/",
        "/coord/export.csv",
        &format!("/coord/records/{}", id(1)),
    ] {
        let a = srv.request("GET", path, &[], b"");
        assert_eq!(a.status, 401, "{path}");
        assert!(a.header("www-authenticate").unwrap().starts_with("Basic"));
    }
    // A device token is not a coordinator token.
    let a = srv.request(
        "GET",
        "/coord/",
        &[("Authorization", "Basic ZDpkZXZpY2UtdG9rZW4tZm9yLXRlc3Rz")],
        b"",
    );
    assert_eq!(a.status, 401);
}

#[test]
fn the_list_puts_red_and_orange_on_top_and_filters() {
    let srv = Server::start(&[]);
    seed(&srv);
    let page = srv.coord_get("/coord/");
    assert_eq!(page.status, 200);
    let html = page.text();
    let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("{s} missing"));
    assert!(at("level-rouge") < at("level-orange"));
    assert!(at("level-orange") < at("level-jaune"));
    assert!(
        html.contains("Diéma (ML0102)"),
        "cercle names come from the P-codes"
    );
    assert!(html.contains("lang=\"fr\""));

    let red = srv.coord_get("/coord/?level=rouge").text();
    assert!(red.contains("level-rouge") && !red.contains("level-jaune"));
    let kayes = srv.coord_get("/coord/?region=ML01").text();
    assert!(kayes.contains(&id(1)) && !kayes.contains(&id(2)));
    let activities = srv.coord_get("/coord/?form=activite").text();
    assert!(activities.contains(&id(3)) && !activities.contains(&id(1)));
    let none = srv
        .coord_get("/coord/?from=2000-01-01&to=2000-01-02")
        .text();
    assert!(!none.contains(&id(1)));
    let english = srv.coord_get("/coord/?lang=en").text();
    assert!(english.contains("Reports received"));
}

#[test]
fn a_record_page_shows_the_content_escaped() {
    let srv = Server::start(&[]);
    seed(&srv);
    let page = srv.coord_get(&format!("/coord/records/{}", id(4)));
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("<script>"));
    assert_eq!(srv.coord_get("/coord/records/nope").status, 404);
}

#[test]
fn csv_export_has_a_bom_accents_and_flattened_repeats() {
    let srv = Server::start(&[]);
    seed(&srv);
    let all = srv.coord_get("/coord/export.csv?form=activite");
    assert_eq!(all.status, 200);
    assert!(all.header("content-type").unwrap().starts_with("text/csv"));
    assert!(all
        .header("content-disposition")
        .unwrap()
        .contains("vigie-activite.csv"));
    assert!(all.body.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 BOM");
    // Streamed a line at a time, not built whole in memory first.
    assert_eq!(all.header("content-length"), None);
    let text = String::from_utf8(all.body[3..].to_vec()).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with(r#""id","form_id","form_version","kind","created_at","received_at""#)
    );
    assert!(header.contains("participants[1].groupe") && header.contains("participants[2].n"));
    let row = lines.next().unwrap();
    assert!(row.contains("Femmes 18–24") && row.contains("paix | vbg"));
    assert!(row.contains("'=HYPERLINK"), "formulas are defused");
    assert_eq!(lines.next(), None, "only the activite form");

    let incidents = srv.coord_get("/coord/export.csv?form=incident").text();
    assert!(incidents.contains("Diéma") && incidents.contains("location.village"));
    assert_eq!(incidents.lines().count(), 4);
}

#[test]
fn reports_read_with_the_forms_labels_in_the_pages_language() {
    let scratch = common::Scratch::new("labels");
    let dist = common::fake_dist(&scratch.0);
    let data = scratch.0.join("data");
    let forms = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../forms");
    let srv = Server::start_in(scratch, &dist, &data, &forms, &[]);
    let rec = envelope(
        &id(9),
        "incident",
        json!({"category": ["VBG"], "sub_vbg": ["VBG-01"], "alert_level": "orange",
               "vbg_consent": true,
               "victims": {"F": {"18-24": 1}, "total": 1},
               "location": {"region": "ML03", "cercle": "ML0302", "village": "Loulouni"}}),
    );
    assert_eq!(
        srv.post_json("/api/submissions", &rec.to_string()).status,
        201
    );
    let list = srv.coord_get("/coord/").text();
    assert!(
        list.contains("Signalement d&#39;incident") || list.contains("Signalement d'incident"),
        "{list}"
    );

    let page = srv.coord_get(&format!("/coord/records/{}", id(9))).text();
    for expected in [
        "Que s&#39;est-il passé ?",
        "Violences basées sur le genre (VBG) (VBG)",
        "Viol (VBG-01)",
        "Kadiolo (ML0302)",
        "Loulouni",
        "✓",
    ] {
        let expected_alt = expected.replace("&#39;", "'");
        assert!(
            page.contains(expected) || page.contains(&expected_alt),
            "{expected} missing in {page}"
        );
    }
    // Fields come in the form's order: what happened before severity (alphabetical would not).
    let pos = |s: &str| page.find(s).unwrap_or_else(|| panic!("{s} missing"));
    assert!(pos("est-il passé ?") < pos("Gravité"));
    assert!(pos("Gravité") < pos("Nombre de victimes"));
    // Questions and place parts in words: no field name, no key of the stored answer.
    for key in [
        "alert_level",
        "<dt><bdi>region",
        "<dt><bdi>commune",
        "command line",
    ] {
        assert!(!page.contains(key), "{key} shown in {page}");
    }
    assert!(
        page.contains("Région") && page.contains("Village / quartier"),
        "{page}"
    );
    let en = srv
        .coord_get(&format!("/coord/records/{}?lang=en", id(9)))
        .text();
    assert!(en.contains("Rape (VBG-01)"), "{en}");
    // An unknown form or code is shown as stored.
    let other = envelope(&id(10), "inconnu", json!({"x": "code-1"}));
    srv.post_json("/api/submissions", &other.to_string());
    let page = srv.coord_get(&format!("/coord/records/{}", id(10))).text();
    assert!(page.contains("code-1"));
}
