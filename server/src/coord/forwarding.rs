//! `/coord/forwarding`: each OpenRosa target's queue (waiting, received, already there,
//! in conflict), a target held for its credentials, and the latest failure — counted over
//! the records inside the reader's scope. Never a record's content.

use std::collections::HashMap;

use axum::{
    extract::{Query, State},
    response::{Html, IntoResponse, Response},
};
use maud::html;
use vigie_core::i18n::CoordMsg;

use super::access::Coordinator;
use super::layout::{page, storage_error, utc_minutes, Words};
use crate::store::Receiver;

/// Conflicts listed at most.
const CONFLICTS_SHOWN: usize = 50;

pub(super) async fn forwarding(
    Coordinator(holder): Coordinator,
    State(recv): State<Receiver>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let w = Words::from_query(&q, &recv);
    let scope = holder.scope.clone();
    let r = recv.clone();
    let found = tokio::task::spawn_blocking(move || {
        r.with_db(|db| {
            Ok((
                crate::forward::states(db, &scope)?,
                crate::forward::conflicts(db, &scope, CONFLICTS_SHOWN)?,
            ))
        })
    })
    .await;
    let (states, conflicts) = match found {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => return storage_error(e),
        Err(e) => return storage_error(e),
    };
    let targets = &recv.forwarding().targets;
    let body = html! {
        p { a href=(format!("/coord/{}", w.query())) { (w.t(CoordMsg::BackToRecordsShort)) } }
        h1 { (w.t(CoordMsg::Forwarding)) }
        @if targets.is_empty() { p.empty { (w.t(CoordMsg::ForwardingNone)) } }
        @for t in targets {
            @let s = states.get(&t.name).cloned().unwrap_or_default();
            section.target data-testid="forward-target" data-target=(t.name) {
                h2 { bdi { (t.name) } " " small { (t.shown_url()) } }
                @if let Some(why) = &s.held {
                    p.notice data-testid="forward-held" { (w.t(CoordMsg::ForwardingHeld)) " " bdi { (why) } }
                }
                dl.figures {
                    dt { (w.t(CoordMsg::ForwardingWaiting)) } dd data-testid="forward-waiting" { (s.waiting) }
                    dt { (w.t(CoordMsg::ForwardingSent)) } dd data-testid="forward-sent" { (s.sent) }
                    dt { (w.t(CoordMsg::ForwardingDuplicates)) } dd data-testid="forward-duplicates" { (s.duplicates) }
                    dt { (w.t(CoordMsg::ForwardingConflicts)) } dd data-testid="forward-conflicts" { (s.conflicts) }
                }
                @if let Some((why, next)) = &s.failure {
                    p.hint data-testid="forward-failure" {
                        (w.t(CoordMsg::ForwardingFailure)) " " bdi { (why) } " · "
                        (w.t(CoordMsg::ForwardingNextTry)) " " (utc_minutes(*next))
                    }
                }
                @if !t.gbv { p.hint { (w.t(CoordMsg::ForwardingNoGbv)) } }
            }
        }
        @if !conflicts.is_empty() {
            h2 { (w.t(CoordMsg::ForwardingConflicts)) }
            ul data-testid="forward-conflict-list" {
                @for (target, id, why) in &conflicts {
                    li { bdi { (target) } " · " a href=(format!("/coord/records/{id}{}", w.query())) { (id) } " · " bdi { (why) } }
                }
            }
        }
    };
    Html(page(&w, w.t(CoordMsg::Forwarding), body).into_string()).into_response()
}
