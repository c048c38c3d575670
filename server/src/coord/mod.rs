//! Coordinator pages: server-rendered HTML (French first, English with `?lang=en`), usable on
//! a phone, behind HTTP Basic authentication whose password is a coordinator token (any user
//! name). Every text from a record goes through maud, which escapes it.

mod access;
mod case;
mod cases;
mod export;
mod forwarding;
mod indicators;
mod layout;
mod live;
mod map;
mod plans;
mod records;
mod report;

use axum::{
    http::header,
    response::{IntoResponse, Redirect, Response},
    routing::get,
    Router,
};

use crate::store::Receiver;

async fn style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../assets/coord.css"),
    )
        .into_response()
}

/// Routes under `/coord`.
pub fn routes(recv: Receiver) -> Router {
    let guarded = Router::new()
        .route("/coord/", get(records::list))
        .route("/coord/records/{id}", get(records::detail))
        .route("/coord/export.csv", get(export::export))
        .route("/coord/cases", get(cases::list))
        .route("/coord/events", get(live::events))
        .route("/coord/cases/{id}", get(case::show))
        .route("/coord/cases/{id}/{what}", axum::routing::post(case::act))
        .route("/coord/map", get(map::map))
        .route("/coord/indicators", get(indicators::indicators))
        .route("/coord/report", get(report::report))
        .route("/coord/plans", get(plans::list))
        .route("/coord/forwarding", get(forwarding::forwarding))
        .route("/coord/plans/{id}", get(plans::detail))
        .with_state(recv);
    Router::new()
        .route("/coord", get(|| async { Redirect::permanent("/coord/") }))
        .route("/coord/style.css", get(style))
        .route("/coord/live.js", get(live::script))
        .merge(guarded)
}
