//! The received records: the filtered list (with the SMS alerts still waiting for their
//! record) and one record's page. Every text from a record goes through maud.

use std::collections::HashMap;

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};
use maud::{html, Markup};

use super::access::Coordinator;
use super::layout::{level_name, page, select, storage_error, urlencode, utc_minutes, Lang, Texts};
use crate::labels::{FormLabels, Labels};
use crate::records::{self, place_label, Filter, Row, LEVELS};
use crate::store::Receiver;

/// Most rows one page lists.
const PAGE_ROWS: u32 = 200;

pub(super) async fn list(
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
                                " · " (utc_minutes(r.received_at)) " UTC"
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

pub(super) async fn detail(
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
}
