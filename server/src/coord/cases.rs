//! The open cases (docs/CASES.md): most serious first, within the reader's scope.

use std::collections::HashMap;

use axum::{
    extract::{Query, State},
    response::{Html, IntoResponse, Response},
};
use maud::html;
use vigie_core::cases::Status;
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

/// `/coord/cases`: the open cases inside the reader's scope.
pub(super) async fn list(
    Coordinator(holder): Coordinator,
    State(recv): State<Receiver>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let w = Words::from_query(&q, &recv);
    let scope = holder.scope.clone();
    let found = tokio::task::spawn_blocking(move || {
        recv.with_db(|db| {
            Ok((
                crate::cases::open_cases(db, &scope)?,
                crate::notify::pending(db, &scope)?,
            ))
        })
    })
    .await;
    let (cases, (pending, last_failure)) = match found {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return storage_error(e),
        Err(e) => return storage_error(e),
    };
    let body = html! {
        p { a href=(format!("/coord/{}", w.query())) { (w.t(CoordMsg::BackToRecordsShort)) } }
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
        @if cases.is_empty() { p.empty { (w.t(CoordMsg::NoCase)) } }
        ol.records data-testid="cases" {
            @for c in &cases {
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
    let body = html! { (body) script src="/coord/live.js" defer {} };
    Html(page(&w, w.t(CoordMsg::Cases), body).into_string()).into_response()
}
