//! `vigie-server form import` on XLSForms written by the tests: every supported question
//! type, a typical election-incident questionnaire (served by /api/forms, then a filled
//! record forwarded to an OpenRosa server as the XML it expects), and the list of what
//! cannot be carried over, with sheet, row and column.

mod common;

use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use common::{cli, envelope, Scratch, Server};
use serde_json::{json, Value};

/// Writes an .xlsx with `sheets` (name, rows of cells).
fn xlsx(path: &Path, sheets: &[(&str, Vec<Vec<&str>>)]) {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if !cell.is_empty() {
                    sheet.write_string(r as u32, c as u16, *cell).unwrap();
                }
            }
        }
    }
    book.save(path).unwrap();
}

const SURVEY_HEADER: [&str; 11] = [
    "type",
    "name",
    "label::Français (fr)",
    "label::English (en)",
    "hint::Français (fr)",
    "required",
    "relevant",
    "constraint",
    "constraint_message::Français (fr)",
    "calculation",
    "default",
];

fn every_type() -> Vec<(&'static str, Vec<Vec<&'static str>>)> {
    vec![
        (
            "survey",
            vec![
                SURVEY_HEADER.to_vec(),
                vec!["start", "start"],
                vec!["begin group", "faits", "Les faits", "The facts"],
                vec!["text", "titre", "Titre", "Title", "En quelques mots", "yes"],
                vec![
                    "integer",
                    "victimes",
                    "Nombre de victimes",
                    "Victims",
                    "",
                    "",
                    "",
                    ". >= 0 and . <= 500",
                    "Entre 0 et 500",
                ],
                vec!["decimal", "distance", "Distance (km)", "Distance (km)"],
                vec![
                    "date",
                    "jour",
                    "Date",
                    "Date",
                    "",
                    "yes",
                    "",
                    ". <= today()",
                    "",
                    "",
                    "today()",
                ],
                vec!["time", "heure", "Heure", "Time"],
                vec![
                    "select_one oui_non",
                    "armes",
                    "Armes ?",
                    "Weapons?",
                    "",
                    "yes",
                ],
                vec![
                    "select_multiple types or_other",
                    "types",
                    "Types",
                    "Kinds",
                    "",
                    "",
                    "${armes} = 'oui'",
                ],
                vec!["geopoint", "gps", "Position", "Position"],
                vec!["note", "info", "Merci", "Thanks"],
                vec![
                    "calculate",
                    "total",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "${victimes} * 2",
                ],
                vec!["end group"],
                vec!["begin repeat", "personnes", "Personnes", "People"],
                vec!["integer", "age", "Âge", "Age", "", "", "", ". < 120"],
                vec!["select_one sexe", "sexe", "Sexe", "Sex"],
                vec!["end repeat"],
                vec![
                    "text",
                    "commentaire",
                    "Commentaire",
                    "Comment",
                    "",
                    "",
                    "count(${personnes}) > 0 and count-selected(${types}) >= 1",
                ],
            ],
        ),
        (
            "choices",
            vec![
                vec![
                    "list_name",
                    "name",
                    "label::Français (fr)",
                    "label::English (en)",
                    "label::Fulfulde (ff)",
                ],
                vec!["oui_non", "oui", "Oui", "Yes", "Eey"],
                vec!["oui_non", "non", "Non", "No"],
                vec!["types", "menace", "Menace", "Threat"],
                vec!["types", "bagarre", "Bagarre", "Fight"],
                vec!["sexe", "F", "Femme", "Woman"],
                vec!["sexe", "M", "Homme", "Man"],
            ],
        ),
        (
            "settings",
            vec![
                vec!["form_title", "form_id", "version", "default_language"],
                vec![
                    "Incident électoral",
                    "incident_xls",
                    "2026-12",
                    "Français (fr)",
                ],
            ],
        ),
    ]
}

fn import(path: &Path, extra: &[&str]) -> (bool, String, String) {
    let mut args = vec!["form", "import", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    cli(&args)
}

#[test]
fn every_supported_type_becomes_a_vigie_question() {
    let scratch = Scratch::new("xlsform");
    let path = scratch.0.join("incident.xlsx");
    xlsx(&path, &every_type());
    let (ok, out, err) = import(&path, &[]);
    assert!(ok, "{err}");
    // A language Vigie cannot hold is told, not blocking; nothing else is left out.
    assert_eq!(
        err.trim(),
        "note: texts in ff are left out: a Vigie form holds French, English and Bambara"
    );
    let def: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (def["id"].as_str(), def["version"].as_str()),
        (Some("incident_xls"), Some("2026-12"))
    );
    assert_eq!(def["title"]["fr"], "Incident électoral");
    let faits = &def["sections"][0];
    assert_eq!(faits["name"], "faits");
    assert_eq!(
        faits["title"],
        json!({"fr": "Les faits", "en": "The facts"})
    );
    let field = |name: &str| -> Value {
        def["sections"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["fields"].as_array().unwrap().iter())
            .flat_map(|f| std::iter::once(f).chain(f["fields"].as_array().into_iter().flatten()))
            .find(|f| f["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} in {out}"))
    };
    assert_eq!(field("titre")["type"], "text");
    assert_eq!(field("titre")["required"], true);
    assert_eq!(field("titre")["hint"]["fr"], "En quelques mots");
    assert_eq!(field("victimes")["constraint"], ". >= 0 and . <= 500");
    assert_eq!(
        field("victimes")["constraint_message"]["fr"],
        "Entre 0 et 500"
    );
    assert_eq!(field("distance")["type"], "decimal");
    assert_eq!(field("jour")["default"], "today");
    assert_eq!(field("heure")["type"], "time");
    assert_eq!(field("armes")["choices"], "oui_non");
    assert_eq!(field("types")["type"], "select_multiple");
    assert_eq!(field("types")["relevant"], "${armes} = 'oui'");
    assert_eq!(
        field("types_other")["relevant"],
        "selected(${types}, 'other')"
    );
    assert_eq!(field("gps")["type"], "gps");
    assert_eq!(field("info")["type"], "note");
    assert_eq!(field("total")["calculate"], "${victimes} * 2");
    assert_eq!(field("personnes")["type"], "repeat");
    assert_eq!(field("personnes")["fields"][0]["name"], "age");
    assert_eq!(
        field("commentaire")["relevant"],
        "count(${personnes}) > 0 and count_selected(${types}) >= 1"
    );
    assert!(!out.contains("\"start\""), "metadata is Vigie's own");
    let types = def["choice_lists"]["types"].as_array().unwrap();
    assert_eq!(types.last().unwrap()["code"], "other");
    assert_eq!(
        def["choice_lists"]["sexe"][0]["label"],
        json!({"fr": "Femme", "en": "Woman"})
    );

    // Served by /api/forms like any definition.
    let srv = Server::start(&[]);
    std::fs::write(srv.forms.join("incident_xls.json"), &out).unwrap();
    let forms = srv.with_token("GET", "/api/forms", common::DEVICE, "");
    assert!(
        forms.json()["forms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == "incident_xls"),
        "{}",
        forms.text()
    );
}

/// A typical election-incident questionnaire: cascading region → cercle → commune selects
/// and skip logic.
fn election() -> Vec<(&'static str, Vec<Vec<&'static str>>)> {
    vec![
        (
            "survey",
            vec![
                vec![
                    "type",
                    "name",
                    "label",
                    "required",
                    "relevant",
                    "choice_filter",
                ],
                vec!["begin group", "lieu", "Lieu"],
                vec!["select_one region", "region", "Région", "yes"],
                vec![
                    "select_one cercle",
                    "cercle",
                    "Cercle",
                    "yes",
                    "",
                    "region=${region}",
                ],
                vec![
                    "select_one commune",
                    "commune",
                    "Commune",
                    "yes",
                    "",
                    "cercle=${cercle}",
                ],
                vec!["end group"],
                vec!["begin group", "incident", "Incident"],
                vec!["select_one niveau", "niveau", "Niveau d'alerte", "yes"],
                vec!["select_multiple categorie", "categorie", "Catégorie", "yes"],
                vec![
                    "integer",
                    "blesses",
                    "Blessés",
                    "",
                    "selected(${categorie}, 'PHY')",
                ],
                vec!["text", "description", "Description"],
                vec!["end group"],
            ],
        ),
        (
            "choices",
            vec![
                vec!["list_name", "name", "label", "region", "cercle"],
                vec!["region", "ML01", "Kayes"],
                vec!["region", "ML03", "Sikasso"],
                vec!["cercle", "ML0101", "Kayes", "ML01"],
                vec!["cercle", "ML0302", "Kadiolo", "ML03"],
                vec!["commune", "ML010101", "Kayes", "ML01", "ML0101"],
                vec!["commune", "ML030201", "Loulouni", "ML03", "ML0302"],
                vec!["niveau", "rouge", "Rouge"],
                vec!["niveau", "orange", "Orange"],
                vec!["categorie", "PHY", "Violence physique"],
                vec!["categorie", "INT", "Intimidation"],
            ],
        ),
        (
            "settings",
            vec![
                vec!["form_title", "form_id", "version"],
                vec!["Incident (Kobo)", "incident_kobo", "3"],
            ],
        ),
    ]
}

#[test]
fn an_election_questionnaire_imports_and_its_record_is_forwarded_as_central_expects() {
    let scratch = Scratch::new("xlsform");
    let path = scratch.0.join("election.xlsx");
    xlsx(&path, &election());
    // Cascading selects carried over: each choice keeps its filter columns, and the
    // question the rule that reads them; nothing is left out.
    let (ok, out, err) = import(&path, &["--id", "incident_kobo"]);
    assert!(ok && err.trim().is_empty(), "{err}");
    let def: Value = serde_json::from_str(&out).unwrap();
    let lieu = &def["sections"][0]["fields"];
    assert_eq!(lieu[1]["choice_filter"], "choice('region')=${region}");
    assert_eq!(lieu[2]["choice_filter"], "choice('cercle')=${cercle}");
    assert_eq!(
        def["choice_lists"]["commune"][1]["attrs"],
        json!({"region": "ML03", "cercle": "ML0302"})
    );
    assert!(def["choice_lists"]["region"][0].get("attrs").is_none());
    // The phone offers, for a region, only its cercles, and refuses a cercle of another.
    let parsed: vigie_core::forms::FormDef = serde_json::from_str(&out).unwrap();
    let answers = json!({"region": "ML01"}).as_object().cloned().unwrap();
    let env = vigie_core::forms::AnswersEnv {
        root: &answers,
        entry: None,
        today: "2026-12-07",
    };
    let cercle = parsed.field("cercle").unwrap();
    let offered: Vec<&str> = vigie_core::forms::offered(&parsed, cercle, &env)
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    assert_eq!(offered, ["ML0101"]);
    let wrong = json!({"region": "ML01", "cercle": "ML0302"})
        .as_object()
        .cloned()
        .unwrap();
    assert!(vigie_core::forms::problems(&parsed, &wrong, "2026-12-07")
        .iter()
        .any(|p| p.field == "cercle" && p.problem == vigie_core::forms::Problem::NotOffered));
    assert_eq!(
        def["sections"][1]["fields"][2]["relevant"],
        "selected(${categorie}, 'PHY')"
    );

    // Published, then a filled record forwarded to an OpenRosa server: the XML it expects.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut writer = stream.try_clone().unwrap();
            let mut reader = BufReader::new(stream);
            if let Some(request) = common::Incoming::read(&mut reader) {
                let _ = tx.send(request.body);
            }
            let _ = write!(writer, "HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n");
        }
    });
    let url = format!("openrosa:http://{addr}/submission");
    let srv = Server::start(&["--forward", &url]);
    std::fs::write(srv.forms.join("incident_kobo.json"), &out).unwrap();
    let mut record = envelope(
        "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        "incident_kobo",
        json!({"region": "ML03", "cercle": "ML0302", "commune": "ML030201", "niveau": "orange",
               "categorie": ["PHY", "INT"], "blesses": 2, "description": "Urne renversée"}),
    );
    record["form_version"] = json!("3");
    assert_eq!(
        srv.post_json("/api/submissions", &record.to_string())
            .status,
        201
    );
    let body = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("a submission");
    let expected =
        "<data id=\"incident_kobo\" version=\"3\" xmlns:orx=\"http://openrosa.org/xforms\">\
        <lieu><region>ML03</region><cercle>ML0302</cercle><commune>ML030201</commune></lieu>\
        <incident><niveau>orange</niveau><categorie>PHY INT</categorie><blesses>2</blesses>\
        <description>Urne renversée</description></incident>\
        <meta><instanceID>uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427</instanceID></meta></data>";
    assert!(body.contains(expected), "{body}");
    assert!(body.contains("name=\"xml_submission_file\""));
}

#[test]
fn what_vigie_cannot_do_is_listed_by_sheet_row_and_column() {
    let scratch = Scratch::new("xlsform");
    let path = scratch.0.join("lookups.xlsx");
    xlsx(
        &path,
        &[(
            "survey",
            vec![
                vec![
                    "type",
                    "name",
                    "label",
                    "calculation",
                    "relevant",
                    "constraint",
                ],
                vec!["text", "code", "Code"],
                vec![
                    "calculate",
                    "prix",
                    "",
                    "pulldata('prix', 'montant', 'code', ${code})",
                ],
                vec![
                    "calculate",
                    "nom",
                    "",
                    "instance('lieux')/root/item[name=${code}]/label",
                ],
                vec!["text", "x", "X", "", "search('communes')"],
                vec!["image", "photo", "Photo"],
                vec!["text", "y", "Y", "", "", "regex(., '^[A-Z]+$')"],
            ],
        )],
    );
    let (ok, out, err) = import(&path, &[]);
    assert!(!ok && out.is_empty());
    for wanted in [
        "survey!D3: 'pulldata(",
        "survey!D4: 'instance(",
        "survey!E5: 'search(",
        "survey!A6: question type 'image' is not supported",
        "survey!F7: 'regex(",
    ] {
        assert!(err.contains(wanted), "{wanted} in {err}");
    }
    assert!(
        err.contains("5 part(s) of the form cannot be carried over"),
        "{err}"
    );
    // A damaged file is a clear error, not a panic.
    std::fs::write(&path, b"not a spreadsheet").unwrap();
    let (ok, _, err) = import(&path, &[]);
    assert!(!ok && err.contains("not a readable"), "{err}");
}
