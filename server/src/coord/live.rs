//! Live updates for the pages open now: `/coord/events` streams the cases opened or
//! changed inside the reader's scope (server-sent events), and `live.js` updates the case
//! list, says so aloud (a live region), beeps and shows a system notification where the
//! browser allows. Without JavaScript the pages are the same, refreshed by hand.

use std::convert::Infallible;
use std::time::Duration;

use axum::{
    extract::State,
    http::header,
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Response,
    },
};
use futures_util::stream::{self, Stream};
use tokio::sync::broadcast::error::RecvError;

use super::access::Coordinator;
use crate::store::Receiver;

/// `GET /coord/events`.
pub(super) async fn events(
    Coordinator(holder): Coordinator,
    State(recv): State<Receiver>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = recv.case_events();
    let scope = holder.scope;
    let stream = stream::unfold((rx, scope), |(mut rx, scope)| async move {
        loop {
            match rx.recv().await {
                // A case with no place is national business (Scope::contains says so).
                Ok(ev) if scope.contains(&ev.place) => {
                    let data = serde_json::to_string(&ev).unwrap_or_default();
                    let event = Event::default()
                        .event("case")
                        .id(format!("{}:{}", ev.id, ev.rev))
                        .data(data);
                    return Some((Ok(event), (rx, scope)));
                }
                Ok(_) => continue,
                // Fell behind: tell the page to read the list again.
                Err(RecvError::Lagged(_)) => {
                    return Some((Ok(Event::default().event("stale").data("{}")), (rx, scope)));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// `GET /coord/live.js`.
pub(super) async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../assets/live.js"),
    )
        .into_response()
}
