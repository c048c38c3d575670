//! The open cases (docs/CASES.md): most serious first, within the reader's scope.

use std::collections::HashMap;

use axum::{
    extract::{Query, State},
    response::{Html, IntoResponse, Response},
};
use maud::html;
use vigie_core::cases::{Status, LEVELS};
use vigie_core::i18n::CoordMsg;

use super::access::Coordinator;
use super::layout::{level_name, page, storage_error, urlencode, utc_minutes, Words};
use crate::records::place_label;
use crate::store::Receiver;

/// A status in words.
pub(super) fn status_words(w: &Words, status: Status) -> &str {
    w.t(match status {
        Status::New => CoordMsg::CaseNew,
        Status::Taken => CoordMsg::CaseTaken,
        Status::Responding => CoordMsg::CaseResponding,
        Status::Closed => CoordMsg::CaseClosed,
    })
}

/// Open cases shown per page.
const PAGE: usize = 100;

/// The address of the page of cases starting at `from`.
fn paged(w: &Words, from: usize) -> String {
    format!("/coord/cases{}", w.query_with(&format!("from={from}")))
}

/// `/coord/cases`: the open cases inside the reader's scope, a page at a time, most
/// serious first.
pub(super) async fn list(
    Coordinator(holder): Coordinator,
    State(recv): State<Receiver>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let w = Words::from_query(&q, &recv);
    let scope = holder.scope.clone();
    let from: usize = q.get("from").and_then(|f| f.parse().ok()).unwrap_or(0);
    let found = tokio::task::spawn_blocking(move || {
        recv.with_db(|db| {
            Ok((
                crate::cases::open_page(db, &scope, from, PAGE)?,
                crate::notify::pending(db, &scope)?,
                crate::follow::states(db)?,
            ))
        })
    })
    .await;
    let (open, (pending, last_failure), followed) = match found {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return storage_error(e),
        Err(e) => return storage_error(e),
    };
    let body = html! {
        p {
            a href=(format!("/coord/{}", w.query())) { (w.t(CoordMsg::BackToRecordsShort)) } " · "
            a href=(format!("/coord/map{}", w.query())) data-testid="map-link" { (w.t(CoordMsg::MapTitle)) } " · "
            a href=(format!("/coord/indicators{}", w.query())) { (w.t(CoordMsg::IndicatorsTitle)) } " · "
            a href=(format!("/coord/report{}", w.query())) { (w.t(CoordMsg::ReportTitle)) }
        }
        h1 { (w.t(CoordMsg::Cases)) }
        p.live role="status" aria-live="polite" data-testid="live-status"
            data-updated=(w.t(CoordMsg::ListUpdated)) data-title=(w.t(CoordMsg::CaseNotification)) {}
        button type="button" data-testid="notify" hidden { (w.t(CoordMsg::NotifyMe)) }
        @if pending > 0 {
            p.notice data-testid="notifications-pending" {
                (w.t(CoordMsg::NotificationsPending).replace("{n}", &pending.to_string()))
                @if let Some((who, why, _)) = &last_failure {
                    " · " (w.t(CoordMsg::NotificationsLastError)) " " bdi { (who) } " : " (why)
                }
            }
        }
        @for f in &followed {
            @if f.error.is_empty() {
                p.hint data-testid="couchdb-ok" {
                    (w.t(CoordMsg::FollowOk).replace("{db}", &f.name)) " "
                    (f.ok_at.map(utc_minutes).unwrap_or_default()) " UTC"
                }
            } @else {
                p.notice data-testid="couchdb-failing" {
                    (w.t(CoordMsg::FollowFailing).replace("{db}", &f.name)) " "
                    (f.error_at.map(utc_minutes).unwrap_or_default()) " UTC : " (f.error)
                }
            }
        }
        @if open.total == 0 { p.empty { (w.t(CoordMsg::NoCase)) } }
        @else {
            p.counts data-testid="case-counts" {
                (open.total) " · "
                @for (i, level) in LEVELS.iter().enumerate().rev() {
                    @if open.by_level[i] > 0 {
                        span class=(format!("badge level-{level}")) { (level_name(&w, level)) " " (open.by_level[i]) } " "
                    }
                }
            }
        }
        ol.records data-testid="cases" {
            @for c in &open.cases {
                li class=(format!("record level-{}", c.level)) data-case=(c.id) {
                    a href=(format!("/coord/cases/{}{}", urlencode(&c.id), w.query())) {
                    span.badge { (level_name(&w, &c.level)) } " "
                    strong { (status_words(&w, c.status)) }
                    }
                    @if let Some(t) = &c.taker { " · " bdi { (t.name) } " (" bdi { (t.institution) } ")" }
                    span.place { (if c.place.is_empty() { "—".to_owned() } else { place_label(&c.place) }) }
                    span.when {
                        (w.t(CoordMsg::CaseOpened)) " " (utc_minutes(c.opened_at)) " UTC · "
                        (w.t(CoordMsg::CaseReports).replace("{n}", &c.reports.len().to_string()))
                        @if !c.category.is_empty() { " · " (c.category) }
                    }
                }
            }
        }
    };
    let more = from + open.cases.len() < open.total;
    let body = html! {
        (body)
        nav.paging {
            @if from > 0 {
                a href=(paged(&w, from.saturating_sub(PAGE))) { (w.t(CoordMsg::Previous)) } " "
            }
            @if more || from > 0 {
                span { (from + 1) "–" (from + open.cases.len()) " / " (open.total) } " "
            }
            @if more { a href=(paged(&w, from + PAGE)) data-testid="next-cases" { (w.t(CoordMsg::Next)) } }
        }
        script src="/coord/live.js" defer {}
    };
    Html(page(&w, w.t(CoordMsg::Cases), body).into_string()).into_response()
}
