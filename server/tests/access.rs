//! Who sees what on the coordinator pages: a coordinator token's scope cuts every page,
//! count and export to its regions or cercles, and only a token cleared for GBV reads a GBV
//! account (the real binary, tokens made with the `token` command).

mod common;

use common::{cli, envelope, Server};
use serde_json::json;

fn id(n: u32) -> String {
    format!("{n:08x}-5c0e-4c2b-9f0e-6d1c2a7b9e11")
}

const ACCOUNT: &str = "Récit de la survivante, nommée Fatoumata";

/// A GBV report in Kadiolo (Sikasso), an incident in Mopti, a note with no place.
fn seed(srv: &Server) {
    let records = [
        envelope(
            &id(1),
            "incident",
            json!({"alert_level": "orange", "category": ["VBG"], "description": ACCOUNT,
            "location": {"region": "ML03", "cercle": "ML0302", "commune": "ML030201", "village": "Quartier Sokoro"}}),
        ),
        envelope(
            &id(2),
            "incident",
            json!({"alert_level": "rouge", "category": ["PHY"], "description": "Affrontements au marché de Mopti",
            "location": {"region": "ML05", "cercle": "ML0501"}}),
        ),
        envelope(&id(3), "note", json!({"texte": "Note sans lieu"})),
    ];
    for r in records {
        assert_eq!(
            srv.post_json("/api/submissions", &r.to_string()).status,
            201
        );
    }
}

#[test]
fn a_scoped_uncleared_coordinator_sees_only_its_area_and_no_gbv_account() {
    let srv = Server::start(&[]);
    seed(&srv);
    let sikasso = srv.add_token("Coordination Sikasso", "coordinator", "ML03");
    let list = srv.coord_get_as(&sikasso, "/coord/").text();
    assert!(
        list.contains(&format!("/coord/records/{}", id(1))),
        "{list}"
    );
    assert!(!list.contains(&id(2)), "Mopti is outside: {list}");
    assert!(
        !list.contains(&id(3)),
        "a record with no place is national: {list}"
    );
    assert!(list.contains("Détails réservés"), "{list}");
    assert!(list.contains("1 / 1 "), "counts are the scope's: {list}");
    assert!(!list.contains("ML0501"), "menus are the scope's: {list}");
    // The GBV report: it exists, its level, place and date; not the account nor who wrote it.
    let page = srv.coord_get_as(&sikasso, &format!("/coord/records/{}", id(1)));
    assert_eq!(page.status, 200);
    let text = page.text();
    for hidden in [ACCOUNT, "Sokoro", "VBG", "Awa"] {
        assert!(!text.contains(hidden), "{hidden} shown in {text}");
    }
    assert!(
        text.contains("ML030201") && text.contains("Orange"),
        "{text}"
    );
    assert!(text.contains("data-testid=\"reserved\""), "{text}");
    // Outside the scope: the same answer as no such record.
    assert_eq!(
        srv.coord_get_as(&sikasso, &format!("/coord/records/{}", id(2)))
            .status,
        404
    );
    assert_eq!(
        srv.coord_get_as(&sikasso, &format!("/coord/records/{}", id(3)))
            .status,
        404
    );
    // The export: the scope's rows, the account reserved.
    let csv = srv.coord_get_as(&sikasso, "/coord/export.csv").text();
    assert!(csv.contains(&id(1)), "{csv}");
    assert!(!csv.contains(&id(2)) && !csv.contains(&id(3)), "{csv}");
    assert!(
        !csv.contains(ACCOUNT) && csv.contains("détails réservés"),
        "{csv}"
    );
}

#[test]
fn a_cleared_coordinator_reads_the_account_and_older_tokens_stay_national_and_cleared() {
    let srv = Server::start(&[]);
    seed(&srv);
    let cleared = srv.add_token_with(
        "Coordination Sikasso VBG",
        "coordinator",
        "ML0302",
        &["--gbv"],
    );
    let text = srv
        .coord_get_as(&cleared, &format!("/coord/records/{}", id(1)))
        .text();
    assert!(text.contains(ACCOUNT), "{text}");
    // The command-line coordinator token (and every token made before clearances) is
    // national and cleared.
    let all = srv.coord_get("/coord/").text();
    for n in 1..=3 {
        assert!(all.contains(&id(n)), "{all}");
    }
    assert!(srv
        .coord_get(&format!("/coord/records/{}", id(1)))
        .text()
        .contains(ACCOUNT));
    // `token list` says which coordinator tokens are cleared.
    let data = srv.data.to_string_lossy().into_owned();
    let (ok, out, err) = cli(&["token", "list", "--data-dir", &data]);
    assert!(ok, "{err}");
    assert!(
        out.lines()
            .any(|l| l.contains("ML0302") && l.contains(" gbv ")),
        "{out}"
    );
}

#[test]
fn a_scope_naming_an_unknown_code_is_refused_in_words() {
    let srv = Server::start(&[]);
    let data = srv.data.to_string_lossy().into_owned();
    let (ok, _, err) = cli(&[
        "token",
        "add",
        "--label",
        "x",
        "--role",
        "coordinator",
        "--scope",
        "Sikasso",
        "--data-dir",
        &data,
    ]);
    assert!(!ok);
    assert!(err.contains("P-code"), "{err}");
}
