//! Coordinator pages: server-rendered HTML (French first, English with `?lang=en`), usable on
//! a phone, behind HTTP Basic authentication whose password is a coordinator token (any user
//! name). Every text from a record goes through maud, which escapes it.

use std::collections::HashMap;

use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderValue, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
    routing::get,
    Router,
};
use maud::{html, Markup, DOCTYPE};

use crate::auth::Coordinator;
use crate::labels::{FormLabels, Labels};
use crate::records::{self, place_label, Filter, Row, LEVELS};
use crate::store::Receiver;

/// Most rows one page lists.
const PAGE_ROWS: u32 = 200;

/// The language of the pages.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Lang {
    Fr,
    En,
}

/// Every text of the coordinator pages, French then English.
struct Texts {
    title: &'static str,
    records: &'static str,
    all: &'static str,
    form: &'static str,
    level: &'static str,
    region: &'static str,
    cercle: &'static str,
    commune: &'static str,
    from: &'static str,
    to: &'static str,
    filter: &'static str,
    export: &'static str,
    none: &'static str,
    received: &'static str,
    created: &'static str,
    author: &'static str,
    device: &'static str,
    token: &'static str,
    back: &'static str,
    content: &'static str,
    not_found: &'static str,
    login: &'static str,
    other_lang: &'static str,
    shown: &'static str,
    levels: [&'static str; 4],
}

const FR: Texts = Texts {
    title: "Vigie — coordination",
    records: "Rapports reçus",
    all: "Tous",
    form: "Formulaire",
    level: "Niveau d'alerte",
    region: "Région",
    cercle: "Cercle",
    commune: "Commune",
    from: "Du",
    to: "Au",
    filter: "Filtrer",
    export: "Exporter en CSV (Excel)",
    none: "Aucun rapport ne correspond.",
    received: "Reçu",
    created: "Saisi",
    author: "Auteur",
    device: "Appareil",
    token: "Reçu par l'accès",
    back: "← Tous les rapports",
    content: "Contenu",
    not_found: "Ce rapport n'existe pas.",
    login: "Connexion requise : mot de passe = jeton de coordination.",
    other_lang: "English",
    shown: "affichés (les plus récents d'abord, alertes rouges et orange en tête)",
    levels: ["Rouge", "Orange", "Jaune", "Vert"],
};

const EN: Texts = Texts {
    title: "Vigie — coordination",
    records: "Reports received",
    all: "All",
    form: "Form",
    level: "Alert level",
    region: "Region",
    cercle: "Cercle",
    commune: "Commune",
    from: "From",
    to: "To",
    filter: "Filter",
    export: "Export as CSV (Excel)",
    none: "No report matches.",
    received: "Received",
    created: "Entered",
    author: "Author",
    device: "Device",
    token: "Received through",
    back: "← All reports",
    content: "Content",
    not_found: "This report does not exist.",
    login: "Sign-in required: the password is a coordination token.",
    other_lang: "Français",
    shown: "shown (newest first, red and orange alerts on top)",
    levels: ["Red", "Orange", "Yellow", "Green"],
};

impl Lang {
    pub(crate) fn from_query(q: &HashMap<String, String>) -> Lang {
        if q.get("lang").is_some_and(|l| l == "en") {
            Lang::En
        } else {
            Lang::Fr
        }
    }

    fn t(self) -> &'static Texts {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
}

fn level_name(t: &Texts, level: &str) -> &'static str {
    LEVELS
        .iter()
        .position(|l| *l == level)
        .map_or("", |i| t.levels[i])
}

/// The page a browser shows when the coordinator's credentials are missing or wrong.
pub fn sign_in_page() -> String {
    page(
        Lang::Fr,
        FR.title,
        html! { p { (FR.login) " / " (EN.login) } },
    )
    .into_string()
}

pub(crate) fn page(lang: Lang, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (title) }
                link rel="stylesheet" href="/coord/style.css";
            }
            body { main { (body) } }
        }
    }
}

pub(crate) fn storage_error(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "coordinator page: database error");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "erreur de base de données / database error",
    )
        .into_response()
}

fn select(
    name: &str,
    label: &str,
    any: &str,
    current: &str,
    options: &[(String, String)],
) -> Markup {
    html! {
        label {
            span { (label) }
            select name=(name) {
                option value="" { (any) }
                @for (value, text) in options {
                    option value=(value) selected[*value == current] { (text) }
                }
            }
        }
    }
}

async fn list(
    _: Coordinator,
    State(recv): State<Receiver>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = Lang::from_query(&q);
    let t = lang.t();
    let filter = Filter::from_query(&q);
    let f2 = filter.clone();
    let found = tokio::task::spawn_blocking(move || {
        let labels = recv.forms().current().labels.clone();
        recv.with_db(|db| {
            let rows = records::query(db, &f2, PAGE_ROWS)?;
            let menus = [
                "$.form_id",
                "$.payload.location.region",
                "$.payload.location.cercle",
                "$.payload.location.commune",
            ]
            .map(|path| records::distinct(db, path));
            let [forms, regions, cercles, communes] = menus;
            Ok((
                rows,
                [forms?, regions?, cercles?, communes?],
                records::count(db)?,
                (labels, crate::sms::provisional(db, PAGE_ROWS as usize)?),
            ))
        })
    })
    .await;
    let (rows, [forms, regions, cercles, communes], total, (labels, by_sms)) = match found {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => return storage_error(e),
        Err(e) => return storage_error(e),
    };
    let plain = |v: Vec<String>| v.into_iter().map(|x| (x.clone(), x)).collect::<Vec<_>>();
    let places = |v: Vec<String>| {
        v.into_iter()
            .map(|x| (x.clone(), place_label(&x)))
            .collect::<Vec<_>>()
    };
    let levels: Vec<(String, String)> = LEVELS
        .iter()
        .map(|l| ((*l).to_owned(), level_name(t, l).to_owned()))
        .collect();
    let mut export = format!("/coord/export.csv?form={}", urlencode(&filter.form));
    for (k, v) in [
        ("level", &filter.level),
        ("region", &filter.region),
        ("cercle", &filter.cercle),
        ("commune", &filter.commune),
        ("from", &filter.from),
        ("to", &filter.to),
    ] {
        if !v.is_empty() {
            export.push_str(&format!("&{k}={}", urlencode(v)));
        }
    }
    let other = if lang == Lang::Fr { "?lang=en" } else { "?" };
    let body = html! {
        header {
            h1 { (t.records) }
            a.lang href=(other) { (t.other_lang) }
        }
        form.filters method="get" action="/coord/" {
            @if lang == Lang::En { input type="hidden" name="lang" value="en"; }
            (select("form", t.form, t.all, &filter.form, &plain(forms)))
            (select("level", t.level, t.all, &filter.level, &levels))
            (select("region", t.region, t.all, &filter.region, &places(regions)))
            (select("cercle", t.cercle, t.all, &filter.cercle, &places(cercles)))
            (select("commune", t.commune, t.all, &filter.commune, &places(communes)))
            label { span { (t.from) } input type="date" name="from" value=(filter.from); }
            label { span { (t.to) } input type="date" name="to" value=(filter.to); }
            button type="submit" { (t.filter) }
        }
        p.summary {
            (rows.len()) " / " (total) " " (t.shown) " · "
            a href=(export) download { (t.export) } " · "
            a href=(if lang == Lang::En { "/coord/plans?lang=en" } else { "/coord/plans" }) {
                (if lang == Lang::En { "Action plans" } else { "Plans d'action" })
            }
        }
        (sms_section(lang, t, &by_sms))
        @if rows.is_empty() { p.empty { (t.none) } }
        ol.records {
            @for row in &rows { (card(lang, row, &labels)) }
        }
    };
    Html(page(lang, t.title, body).into_string()).into_response()
}

/// Alerts received by SMS whose full record has not arrived yet, and texts that are not
/// alerts (kept as received, flagged). Escaped like everything else: SMS text is foreign.
fn sms_section(lang: Lang, t: &Texts, rows: &[crate::sms::SmsRow]) -> Markup {
    let en = lang == Lang::En;
    html! {
        @if !rows.is_empty() {
            section.sms data-testid="sms-alerts" {
                h2 { (if en { "Alerts received by SMS, waiting for the full report" } else { "Alertes reçues par SMS, en attente du rapport complet" }) }
                ol.records {
                    @for r in rows {
                        li.card.sms-alert data-parsed=(r.parsed) {
                            @if r.parsed {
                                p {
                                    span.badge { (level_name(t, &r.level)) } " "
                                    bdi { (r.place) } " · " (r.day) " · " (r.codes)
                                }
                            } @else {
                                p.garbled { (if en { "Unreadable SMS: kept as received" } else { "SMS illisible : gardé tel quel" }) }
                            }
                            @if !r.conflict.is_empty() {
                                p.conflict data-testid="sms-conflict" {
                                    (if en { "Does not match the report it names: " } else { "Ne correspond pas au rapport qu'il désigne : " })
                                    bdi { (r.conflict) }
                                }
                            }
                            p { code { bdi { (r.text) } } }
                            p.meta {
                                (if en { "From " } else { "De " }) bdi { (r.sender) }
                                " · " (crate::coord_plans::utc_minutes(r.received_at)) " UTC"
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The form's title in `lang` when a definition gives one, else its id.
fn form_title(labels: &Labels, lang: Lang, form_id: &str) -> String {
    labels.form(form_id).map_or_else(
        || form_id.to_owned(),
        |f| f.title(lang == Lang::En).to_owned(),
    )
}

fn card(lang: Lang, row: &Row, labels: &Labels) -> Markup {
    let t = lang.t();
    let level = row.level();
    let place: Vec<String> = ["commune", "cercle", "region"]
        .iter()
        .map(|k| row.payload_str(&format!("location/{k}")))
        .filter(|v| !v.is_empty())
        .map(place_label)
        .collect();
    let href = format!(
        "/coord/records/{}{}",
        urlencode(&row.id),
        if lang == Lang::En { "?lang=en" } else { "" }
    );
    html! {
        li class=(format!("record level-{}", level.unwrap_or("none"))) {
            a href=(href) {
                @if let Some(l) = level { span.badge { (level_name(t, l)) } }
                strong { (form_title(labels, lang, row.field("form_id"))) }
                span.when { " · " (t.received) " " (row.received) " UTC" }
                @if !place.is_empty() { span.place { (place.join(", ")) } }
                span.who { (t.author) " : " bdi { (author(row)) } }
            }
        }
    }
}

fn author(row: &Row) -> String {
    let name = row
        .envelope
        .pointer("/author/name")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("");
    let role = row
        .envelope
        .pointer("/author/role")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("");
    match (name.is_empty(), role.is_empty()) {
        (false, false) => format!("{name} ({role})"),
        (false, true) => name.to_owned(),
        (true, false) => role.to_owned(),
        (true, true) => "—".to_owned(),
    }
}

/// How to name what a record holds: the form's labels (if its definition is known) in the
/// page's language.
#[derive(Clone, Copy)]
struct Naming<'a> {
    form: Option<&'a FormLabels>,
    english: bool,
}

impl Naming<'_> {
    /// A field's question, with its name after it for whoever reads the CSV columns.
    fn field(&self, name: &str) -> Markup {
        match self.form.and_then(|f| f.field(name, self.english)) {
            Some(label) => html! { (label) },
            None => html! { (name) },
        }
    }

    /// A stored code as its choice label ("Viol (VBG-01)"), or as it is.
    fn code(&self, field: &str, code: &str) -> String {
        match self.form.and_then(|f| f.choice(field, code, self.english)) {
            Some(label) => format!("{label} ({code})"),
            None => code.to_owned(),
        }
    }
}

/// The name of a part of a place answer, in words (unknown parts as they are).
fn place_part(key: &str, english: bool) -> Markup {
    let words = match (key, english) {
        ("region", false) => "Région",
        ("region", true) => "Region",
        ("cercle", _) => "Cercle",
        ("commune", _) => "Commune",
        ("commune_other", false) => "Commune (nommée)",
        ("commune_other", true) => "Commune (by name)",
        ("village", false) => "Village / quartier",
        ("village", true) => "Village / quarter",
        ("gps", false) => "Point GPS",
        ("gps", true) => "GPS point",
        _ => return html! { bdi { (key) } },
    };
    html! { (words) }
}

/// A JSON value as nested lists (escaped text only). `field` is the name of the field the
/// value answers (for choice labels); `location` objects show place names.
fn value_view(v: &serde_json::Value, field: &str, naming: Naming) -> Markup {
    use serde_json::Value;
    match v {
        Value::Object(map) if field == "location" || map.contains_key("region") => html! {
            dl { @for (k, x) in map { dt { (place_part(k, naming.english)) } dd { bdi { (x.as_str().map_or_else(|| x.to_string(), place_label)) } } } }
        },
        Value::Object(map) => {
            // In the order the form asks (a map alone would be alphabetical).
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by_key(|(k, _)| naming.form.map_or(usize::MAX, |f| f.position(k)));
            html! {
                dl { @for (k, x) in entries { dt { bdi { (naming.field(k)) } } dd { (value_view(x, k, naming)) } } }
            }
        }
        Value::Array(items) if items.iter().all(Value::is_string) => html! {
            ul { @for x in items { li { bdi { (naming.code(field, x.as_str().unwrap_or_default())) } } } }
        },
        Value::Array(items) => html! {
            ol { @for x in items { li { (value_view(x, field, naming)) } } }
        },
        // Isolated: a bidi override in what a phone sent cannot reorder the page around it.
        Value::String(s) => html! { bdi { (naming.code(field, s)) } },
        Value::Bool(b) => html! { (if *b { "✓" } else { "✗" }) },
        Value::Null => html! { "—" },
        other => html! { (other.to_string()) },
    }
}

/// Which access a record came through, in words: a token given when the server was
/// started has no name of its own.
fn token_words(label: &str, lang: Lang) -> &str {
    match (label, lang) {
        ("command line", Lang::Fr) => "accès donné au démarrage du serveur",
        ("command line", Lang::En) => "access given when the server was started",
        (other, _) => other,
    }
}

async fn detail(
    _: Coordinator,
    State(recv): State<Receiver>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = Lang::from_query(&q);
    let t = lang.t();
    let found = tokio::task::spawn_blocking(move || {
        let labels = recv.forms().current().labels.clone();
        recv.with_db(|db| records::one(db, &id))
            .map(|row| (row, labels))
    })
    .await;
    let (row, labels) = match found {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return storage_error(e),
        Err(e) => return storage_error(e),
    };
    let back = if lang == Lang::En {
        "/coord/?lang=en"
    } else {
        "/coord/"
    };
    let Some(row) = row else {
        let body = html! { p { (t.not_found) } p { a href=(back) { (t.back) } } };
        return (
            StatusCode::NOT_FOUND,
            Html(page(lang, t.title, body).into_string()),
        )
            .into_response();
    };
    let level = row.level();
    let body = html! {
        p { a href=(back) { (t.back) } }
        article class=(format!("record level-{}", level.unwrap_or("none"))) {
            h1 {
                @if let Some(l) = level { span.badge { (level_name(t, l)) } " " }
                (form_title(&labels, lang, row.field("form_id"))) " v" (row.field("form_version"))
            }
            dl.meta {
                dt { "Id" } dd { code { (row.id) } }
                dt { (t.received) } dd { (row.received) " UTC" }
                dt { (t.created) } dd { (row.created) " UTC" }
                dt { (t.author) } dd { bdi { (author(&row)) } }
                dt { (t.device) } dd { bdi { (row.field("device_id")) } }
                dt { (t.token) } dd { bdi { (token_words(&row.token_label, lang)) } }
            }
            h2 { (t.content) }
            (value_view(
                row.envelope.get("payload").unwrap_or(&serde_json::Value::Null),
                "",
                Naming { form: labels.form(row.field("form_id")), english: lang == Lang::En },
            ))
        }
    };
    Html(page(lang, t.title, body).into_string()).into_response()
}

async fn export(
    _: Coordinator,
    State(recv): State<Receiver>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let filter = Filter::from_query(&q);
    let name = if filter.form.is_empty() {
        "vigie".to_owned()
    } else {
        format!(
            "vigie-{}",
            filter
                .form
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect::<String>()
        )
    };
    // Streamed: a first pass over the matching records gathers the columns, a second sends
    // them a line at a time, on a read-only connection so that records keep arriving.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(16);
    let started = tokio::task::spawn_blocking(move || -> Result<(), String> {
        let db = recv.reader().map_err(|e| e.to_string())?;
        let mut columns = records::Columns::default();
        records::each(&db, &filter, |row| {
            columns.add(&row);
            Ok(())
        })
        .map_err(|e| e.to_string())?;
        let (writer, first) = records::CsvWriter::new(columns).map_err(|e| e.to_string())?;
        if tx.blocking_send(Ok(first)).is_err() {
            return Ok(()); // the coordinator went away
        }
        let sent = records::each(&db, &filter, |row| {
            let line = writer
                .row(&row)
                .map_err(|e| crate::db::DbError::Encode(e.to_string()))?;
            tx.blocking_send(Ok(line))
                .map_err(|_| crate::db::DbError::Encode("export abandoned".into()))
        });
        if let Err(e) = sent {
            tracing::warn!(error = %e, "export stopped");
            let _ = tx.blocking_send(Err(std::io::Error::other("export stopped")));
        }
        Ok(())
    });
    // The first chunk, or the reason there is none, before any status is sent.
    let mut rx = rx;
    let first = match rx.recv().await {
        Some(Ok(first)) => first,
        _ => {
            let why = match started.await {
                Ok(Err(e)) => e,
                Err(e) => e.to_string(),
                Ok(Ok(())) => "no data".into(),
            };
            return storage_error(why);
        }
    };
    use futures_util::StreamExt;
    let rest = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    let body = axum::body::Body::from_stream(
        futures_util::stream::once(async move { Ok::<_, std::io::Error>(first) }).chain(rest),
    );
    let disposition = format!("attachment; filename=\"{name}.csv\"");
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

async fn style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../assets/coord.css"),
    )
        .into_response()
}

/// Percent-encodes a query value or path segment.
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Routes under `/coord`.
pub fn routes(recv: Receiver) -> Router {
    let guarded = Router::new()
        .route("/coord/", get(list))
        .route("/coord/records/{id}", get(detail))
        .route("/coord/export.csv", get(export))
        .route("/coord/plans", get(crate::coord_plans::list))
        .route("/coord/plans/{id}", get(crate::coord_plans::detail))
        .with_state(recv);
    Router::new()
        .route("/coord", get(|| async { Redirect::permanent("/coord/") }))
        .route("/coord/style.css", get(style))
        .merge(guarded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_text_is_escaped() {
        let v = serde_json::json!({"note": "<script>alert(1)</script>"});
        let html = value_view(
            &v,
            "",
            Naming {
                form: None,
                english: false,
            },
        )
        .into_string();
        assert!(html.contains("&lt;script&gt;"));
        assert!(!html.contains("<script>"));
    }

    /// "Awa\u{202E}exe.txt" rendered raw read as "Awa txt.exe" on the coordinator pages.
    #[test]
    fn record_text_is_isolated_from_bidi_tricks() {
        let v = serde_json::json!({"auteur": "Awa\u{202E}exe.txt", "themes": ["a\u{2066}b"]});
        let naming = Naming {
            form: None,
            english: false,
        };
        let html = value_view(&v, "", naming).into_string();
        assert!(html.contains("<bdi>Awa\u{202E}exe.txt</bdi>"), "{html}");
        assert!(html.contains("<bdi>a\u{2066}b</bdi>"), "{html}");
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(urlencode("a b&c=é"), "a%20b%26c%3D%C3%A9");
    }
}
