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
use super::layout::{level_name, page, select, storage_error, urlencode, utc_minutes, Words};
use crate::labels::{FormLabels, Labels};
use crate::records::{self, place_label, shown_to, Filter, Row, LEVELS};
use crate::store::Receiver;
use vigie_core::i18n::CoordMsg;

/// Most rows one page lists.
const PAGE_ROWS: u32 = 200;

pub(super) async fn list(
    Coordinator(holder): Coordinator,
    State(recv): State<Receiver>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let w = Words::from_query(&q, &recv);
    let forwarding = !recv.forwarding().targets.is_empty();
    let filter = Filter::from_query(&q, &holder.scope);
    let f2 = filter.clone();
    let national = holder.scope.is_national();
    let found = tokio::task::spawn_blocking(move || {
        let published = recv.forms().current();
        let labels = published.labels.clone();
        recv.with_db(|db| {
            let rows: Vec<Row> = records::query(db, &f2, PAGE_ROWS)?
                .into_iter()
                .map(|r| shown_to(&holder, r, &published.forms))
                .collect();
            use records::Seen;
            let menus = [
                Seen::Form,
                Seen::Category,
                Seen::Place(4),
                Seen::Place(6),
                Seen::Place(8),
            ]
            .map(|what| records::distinct(db, what, &f2.scope));
            let [forms, categories, regions, cercles, communes] = menus;
            // SMS alerts name their place in words, not by P-code: they cannot be placed
            // in a scope, so only national readers see those still waiting.
            let by_sms = if national {
                crate::sms::provisional(db, PAGE_ROWS as usize)?
            } else {
                Vec::new()
            };
            Ok((
                rows,
                [forms?, categories?, regions?, cercles?, communes?],
                records::count(db, &f2.scope)?,
                (labels, by_sms),
            ))
        })
    })
    .await;
    let (rows, [forms, categories, regions, cercles, communes], total, (labels, by_sms)) =
        match found {
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
        .map(|l| ((*l).to_owned(), level_name(&w, l)))
        .collect();
    let mut export = format!("/coord/export.csv?form={}", urlencode(&filter.form));
    for (k, v) in [
        ("level", &filter.level),
        ("category", &filter.category),
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
    let all = w.t(CoordMsg::All);
    let body = html! {
        header {
            h1 { (w.t(CoordMsg::Records)) }
            @for (name, query) in w.others() { a.lang href=(query) { (name) } }
        }
        form.filters method="get" action="/coord/" {
            @if !w.query().is_empty() { input type="hidden" name="lang" value=(w.code()); }
            (select("form", w.t(CoordMsg::Form), all, &filter.form, &plain(forms)))
            (select("level", w.t(CoordMsg::Level), all, &filter.level, &levels))
            (select("category", w.t(CoordMsg::Category), all, &filter.category, &plain(categories)))
            (select("region", w.t(CoordMsg::Region), all, &filter.region, &places(regions)))
            (select("cercle", w.t(CoordMsg::Cercle), all, &filter.cercle, &places(cercles)))
            (select("commune", w.t(CoordMsg::Commune), all, &filter.commune, &places(communes)))
            label { span { (w.t(CoordMsg::From)) } input type="date" name="from" value=(filter.from); }
            label { span { (w.t(CoordMsg::To)) } input type="date" name="to" value=(filter.to); }
            button type="submit" { (w.t(CoordMsg::Filter)) }
        }
        p.summary {
            (rows.len()) " / " (total) " " (w.t(CoordMsg::Shown)) " · "
            a href=(export) download { (w.t(CoordMsg::Export)) } " · "
            a href=(format!("{export}{}hxl=1", if export.contains('?') { "&" } else { "?" })) download data-testid="export-hxl" { (w.t(CoordMsg::ExportHxl)) } " · "
            a href=(format!("/coord/cases{}", w.query())) { (w.t(CoordMsg::Cases)) } " · "
            a href=(format!("/coord/map{}", w.query())) { (w.t(CoordMsg::MapTitle)) } " · "
            a href=(format!("/coord/indicators{}", w.query())) { (w.t(CoordMsg::IndicatorsTitle)) } " · "
            a href=(format!("/coord/plans{}", w.query())) { (w.t(CoordMsg::Plans)) }
            @if forwarding { " · " a href=(format!("/coord/forwarding{}", w.query())) data-testid="forwarding-link" { (w.t(CoordMsg::Forwarding)) } }
        }
        (sms_section(&w, &by_sms))
        @if rows.is_empty() { p.empty { (w.t(CoordMsg::NoRecord)) } }
        ol.records {
            @for row in &rows { (card(&w, row, &labels)) }
        }
    };
    Html(page(&w, w.t(CoordMsg::Title), body).into_string()).into_response()
}

/// Alerts received by SMS whose full record has not arrived yet, and texts that are not
/// alerts (kept as received, flagged). Escaped like everything else: SMS text is foreign.
fn sms_section(w: &Words, rows: &[crate::sms::SmsRow]) -> Markup {
    html! {
        @if !rows.is_empty() {
            section.sms data-testid="sms-alerts" {
                h2 { (w.t(CoordMsg::SmsWaiting)) }
                ol.records {
                    @for r in rows {
                        li.card.sms-alert data-parsed=(r.parsed) {
                            @if r.parsed {
                                p {
                                    span.badge { (level_name(w, &r.level)) } " "
                                    bdi { (r.place) } " · " (r.day) " · " (r.codes)
                                }
                            } @else {
                                p.garbled { (w.t(CoordMsg::SmsUnreadable)) }
                            }
                            @if !r.conflict.is_empty() {
                                p.conflict data-testid="sms-conflict" {
                                    (w.t(CoordMsg::SmsContradicts))
                                    bdi { (r.conflict) }
                                }
                            }
                            p { code { bdi { (r.text) } } }
                            p.meta {
                                (w.t(CoordMsg::SmsFrom)) bdi { (r.sender) }
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
/// Whether `row` is what an uncleared reader sees of a GBV account.
fn is_reserved(row: &Row) -> bool {
    row.payload_str("details") == records::RESERVED
}

fn form_title(labels: &Labels, w: &Words, form_id: &str) -> String {
    labels
        .form(form_id)
        .map_or_else(|| form_id.to_owned(), |f| f.title(w.english()).to_owned())
}

fn card(w: &Words, row: &Row, labels: &Labels) -> Markup {
    let level = row.level();
    let place: Vec<String> = ["commune", "cercle", "region"]
        .iter()
        .map(|k| row.payload_str(&format!("location/{k}")))
        .filter(|v| !v.is_empty())
        .map(place_label)
        .collect();
    let href = format!("/coord/records/{}{}", urlencode(&row.id), w.query());
    html! {
        li class=(format!("record level-{}", level.unwrap_or("none"))) {
            a href=(href) {
                @if let Some(l) = level { span.badge { (level_name(w, l)) } }
                strong { (form_title(labels, w, row.field("form_id"))) }
                span.when { " · " (w.t(CoordMsg::Received)) " " (row.received) " UTC" }
                @if !place.is_empty() { span.place { (place.join(", ")) } }
                @if is_reserved(row) {
                    span.who.reserved { (w.t(CoordMsg::Reserved)) }
                } @else {
                    span.who { (w.t(CoordMsg::Author)) " : " bdi { (author(row)) } }
                }
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
    words: &'a Words,
}

impl Naming<'_> {
    /// A field's question, with its name after it for whoever reads the CSV columns.
    fn field(&self, name: &str) -> Markup {
        match self.form.and_then(|f| f.field(name, self.words.english())) {
            Some(label) => html! { (label) },
            None => html! { (name) },
        }
    }

    /// A stored code as its choice label ("Viol (VBG-01)"), or as it is.
    fn code(&self, field: &str, code: &str) -> String {
        match self
            .form
            .and_then(|f| f.choice(field, code, self.words.english()))
        {
            Some(label) => format!("{label} ({code})"),
            None => code.to_owned(),
        }
    }
}

/// The name of a part of a place answer, in words (unknown parts as they are).
fn place_part(key: &str, w: &Words) -> Markup {
    let part = match key {
        "region" => CoordMsg::PlaceRegion,
        "cercle" => CoordMsg::PlaceCercle,
        "commune" => CoordMsg::PlaceCommune,
        "commune_other" => CoordMsg::PlaceCommuneOther,
        "village" => CoordMsg::PlaceVillage,
        "gps" => CoordMsg::PlaceGps,
        _ => return html! { bdi { (key) } },
    };
    html! { (w.t(part)) }
}

/// A JSON value as nested lists (escaped text only). `field` is the name of the field the
/// value answers (for choice labels); `location` objects show place names.
fn value_view(v: &serde_json::Value, field: &str, naming: Naming) -> Markup {
    use serde_json::Value;
    match v {
        Value::Object(map) if field == "location" || map.contains_key("region") => html! {
            dl { @for (k, x) in map { dt { (place_part(k, naming.words)) } dd { bdi { (x.as_str().map_or_else(|| x.to_string(), place_label)) } } } }
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
fn token_words<'a>(label: &'a str, w: &'a Words) -> &'a str {
    match label {
        "command line" => w.t(CoordMsg::CommandLineToken),
        other => other,
    }
}

pub(super) async fn detail(
    Coordinator(holder): Coordinator,
    State(recv): State<Receiver>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let w = Words::from_query(&q, &recv);
    let found = tokio::task::spawn_blocking(move || {
        let published = recv.forms().current();
        let labels = published.labels.clone();
        // Outside the reader's scope is the same answer as no such record: the page does
        // not tell that it exists.
        recv.with_db(|db| records::one(db, &id)).map(|row| {
            let row = row
                .filter(|r| r.inside(&holder.scope))
                .map(|r| shown_to(&holder, r, &published.forms));
            (row, labels)
        })
    })
    .await;
    let (row, labels) = match found {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return storage_error(e),
        Err(e) => return storage_error(e),
    };
    let back = format!("/coord/{}", w.query());
    let Some(row) = row else {
        let body = html! { p { (w.t(CoordMsg::RecordNotFound)) } p { a href=(back) { (w.t(CoordMsg::BackToRecords)) } } };
        return (
            StatusCode::NOT_FOUND,
            Html(page(&w, w.t(CoordMsg::Title), body).into_string()),
        )
            .into_response();
    };
    let level = row.level();
    let body = html! {
        p { a href=(back) { (w.t(CoordMsg::BackToRecords)) } }
        article class=(format!("record level-{}", level.unwrap_or("none"))) {
            h1 {
                @if let Some(l) = level { span.badge { (level_name(&w, l)) } " " }
                (form_title(&labels, &w, row.field("form_id"))) " v" (row.field("form_version"))
            }
            dl.meta {
                dt { "Id" } dd { code { (row.id) } }
                dt { (w.t(CoordMsg::Received)) } dd { (row.received) " UTC" }
                dt { (w.t(CoordMsg::Created)) } dd { (row.created) " UTC" }
                @if !is_reserved(&row) {
                    dt { (w.t(CoordMsg::Author)) } dd { bdi { (author(&row)) } }
                    dt { (w.t(CoordMsg::Device)) } dd { bdi { (row.field("device_id")) } }
                    dt { (w.t(CoordMsg::Token)) } dd { bdi { (token_words(&row.token_label, &w)) } }
                }
            }
            @if is_reserved(&row) { p.reserved data-testid="reserved" { (w.t(CoordMsg::ReservedExplained)) } }
            h2 { (w.t(CoordMsg::Content)) }
            (value_view(
                row.envelope.get("payload").unwrap_or(&serde_json::Value::Null),
                "",
                Naming { form: labels.form(row.field("form_id")), words: &w },
            ))
        }
    };
    Html(page(&w, w.t(CoordMsg::Title), body).into_string()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_core::i18n::Lang;

    #[test]
    fn record_text_is_escaped() {
        let v = serde_json::json!({"note": "<script>alert(1)</script>"});
        let html = value_view(
            &v,
            "",
            Naming {
                form: None,
                words: &Words::of(Lang::Fr),
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
        let words = Words::of(Lang::Fr);
        let naming = Naming {
            form: None,
            words: &words,
        };
        let html = value_view(&v, "", naming).into_string();
        assert!(html.contains("<bdi>Awa\u{202E}exe.txt</bdi>"), "{html}");
        assert!(html.contains("<bdi>a\u{2066}b</bdi>"), "{html}");
    }
}
