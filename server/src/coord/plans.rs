//! Coordinator pages for action plans: every plan with its progress, and one plan with its
//! figures, activities, conflicts and revision history. Plan text goes through maud.

use std::collections::HashMap;

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};
use maud::{html, Markup};
use vigie_core::plans::derived::{progress, Progress};
use vigie_core::plans::display;
use vigie_core::plans::schema::{self, FieldKind};
use vigie_core::plans::{Item, Plan, PlanKind, Revision, HEADER};

use super::access::Coordinator;
use super::layout::{page, storage_error, utc_day, utc_minutes, Words};
use crate::plans::HistoryRow;
use crate::store::Receiver;
use vigie_core::i18n::CoordMsg;

fn today() -> String {
    utc_day(crate::db::now_ms())
}

fn name_of(plan: &Plan) -> String {
    let name = plan.header("name").as_str().unwrap_or("").trim().to_owned();
    if name.is_empty() {
        plan.id.to_string()
    } else {
        name
    }
}

fn kind_label(w: &Words, kind: PlanKind) -> &str {
    match kind {
        PlanKind::PlanCommunal => w.t(CoordMsg::CommunalPlan),
        PlanKind::FeuilleDeRoute => w.t(CoordMsg::Roadmap),
    }
}

fn bar(p: &Progress) -> Markup {
    html! {
        meter min="0" max=(p.planned.max(1)) value=(p.done) { (p.done) "/" (p.planned) }
        " " (p.done) " / " (p.planned)
    }
}

/// `/coord/plans`: every plan, its progress and what waits for a decision.
pub(super) async fn list(
    Coordinator(holder): Coordinator,
    State(recv): State<Receiver>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let w = Words::from_query(&q, &recv);
    let today = today();
    // Each plan decoded, summed up in a row, and let go before the next.
    let w2 = w.clone();
    let found = tokio::task::spawn_blocking(move || {
        let mut rows = Vec::new();
        recv.each_plan(&holder.scope, |Revision { rev, plan }| {
            let p = progress(&plan, &today);
            rows.push(html! {
                tr {
                    td { bdi { (plan_place(&w2, &plan.commune)) } }
                    td { a href=(format!("/coord/plans/{}{}", plan.id, w2.query())) { bdi { (name_of(&plan)) } } br; small { (kind_label(&w2, plan.kind)) } }
                    td { (bar(&p)) }
                    td { (p.overdue) }
                    td { (p.to_review) }
                    td { (rev) }
                }
            });
            Ok(())
        })
        .map(|()| rows)
    })
    .await;
    let plans = match found {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => return storage_error(e),
        Err(e) => return storage_error(e),
    };
    let body = html! {
        p { a href=(format!("/coord/{}", w.query())) { (w.t(CoordMsg::BackToRecordsShort)) } }
        h1 { (w.t(CoordMsg::Plans)) }
        @if plans.is_empty() { p.empty { (w.t(CoordMsg::NoPlan)) } }
        table.plans {
            thead { tr {
                th { (w.t(CoordMsg::Commune)) }
                th { (w.t(CoordMsg::PlanColumn)) }
                th { (w.t(CoordMsg::ActivitiesDone)) }
                th { (w.t(CoordMsg::Overdue)) }
                th { (w.t(CoordMsg::ToReview)) }
                th { (w.t(CoordMsg::Revision)) }
            } }
            tbody { @for row in &plans { (row) } }
        }
    };
    Html(page(&w, w.t(CoordMsg::Plans), body).into_string()).into_response()
}

/// How field `field` of `item` reads (the phone's own wording, dates as `31/10/2026`).
fn value_text(w: &Words, plan: &Plan, kind: FieldKind, item: &Item, field: &str) -> String {
    display::value_text(plan, kind, item.get(field), w.lang())
}

/// Where a plan belongs, in words ("Tout le pays" for a national roadmap).
fn plan_place(w: &Words, code: &str) -> String {
    if code.is_empty() {
        w.t(CoordMsg::WholeCountry).to_owned()
    } else {
        crate::records::place_label(code)
    }
}

/// A funding source's label (its code if the schema does not know it).
fn funding_label(w: &Words, plan: &Plan, source: &str) -> String {
    schema::list(plan.kind, "activities")
        .and_then(|l| l.field("funding"))
        .map(|f| {
            display::value_text(
                plan,
                f.kind,
                &serde_json::Value::String(source.to_owned()),
                w.lang(),
            )
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| w.t(CoordMsg::NoFundingSource).to_owned())
}

/// `/coord/plans/{id}`: one plan.
pub(super) async fn detail(
    Coordinator(holder): Coordinator,
    State(recv): State<Receiver>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let w = Words::from_query(&q, &recv);
    let found = tokio::task::spawn_blocking(move || {
        Ok::<_, crate::db::DbError>((recv.plan(&id)?, recv.plan_history(&id)?))
    })
    .await;
    let (current, history): (Option<Revision>, Vec<HistoryRow>) = match found {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => return storage_error(e),
        Err(e) => return storage_error(e),
    };
    let back = format!("/coord/plans{}", w.query());
    // A plan outside the reader's scope is not there for them.
    let current = current.filter(|r| holder.scope.contains(&r.plan.commune));
    let Some(Revision { rev, plan }) = current else {
        let body = html! { p { (w.t(CoordMsg::PlanNotFound)) } p { a href=(back) { "←" } } };
        return (
            StatusCode::NOT_FOUND,
            Html(page(&w, w.t(CoordMsg::Title), body).into_string()),
        )
            .into_response();
    };
    let p = progress(&plan, &today());
    let body = html! {
        p { a href=(back) { (w.t(CoordMsg::BackToPlans)) } }
        h1 { bdi { (name_of(&plan)) } }
        p { (kind_label(&w, plan.kind)) " · " bdi { (plan_place(&w, &plan.commune)) } " · " (w.t(CoordMsg::RevisionLower)) " " (rev) }
        dl.meta {
            dt { (w.t(CoordMsg::ActivitiesDone)) } dd { (bar(&p)) }
            dt { (w.t(CoordMsg::ExecutionRate)) } dd { (p.execution.map_or("—".to_owned(), |e| format!("{e} %"))) }
            dt { (w.t(CoordMsg::Overdue)) } dd { (p.overdue) }
            dt { (w.t(CoordMsg::ConflictsToReview)) } dd { (p.to_review) }
            dt { (w.t(CoordMsg::NextReview)) } dd { (p.next_review.as_deref().map_or_else(|| "—".to_owned(), display::date)) }
            @for (source, (planned, spent)) in p.budget.iter().filter(|(_, (planned, spent))| *planned != 0 || *spent != 0) {
                dt { (w.t(CoordMsg::Budget)) " — " (funding_label(&w, &plan, source)) }
                dd { (w.t(CoordMsg::SpentOf).replace("{spent}", &display::amount(*spent)).replace("{planned}", &display::amount(*planned))) }
            }
        }
        // One card per item with the fields it has, not a table as wide as the schema.
        @for spec in schema::lists(plan.kind) {
            @let items: Vec<_> = plan.live(spec.name).collect();
            @if !items.is_empty() {
                h2 { (w.msg(spec.title)) }
                @for (_, item) in &items {
                    @let title = value_text(&w, &plan, spec.field(spec.title_field).map_or(FieldKind::Text, |f| f.kind), item, spec.title_field);
                    @let shown = spec.fields.iter().any(|f| f.name != spec.title_field && !value_text(&w, &plan, f.kind, item, f.name).trim().is_empty());
                    @if shown || spec.name != HEADER.0 {
                    section.plan-item {
                        // The header's title is the plan's name, already the page's.
                        @if !title.trim().is_empty() && spec.name != HEADER.0 { h3 { bdi { (title) } } }
                        dl.meta {
                            @for f in spec.fields.iter().filter(|f| f.name != spec.title_field) {
                                @let v = value_text(&w, &plan, f.kind, item, f.name);
                                @if !v.trim().is_empty() {
                                    dt { (w.msg(f.label)) } dd { bdi { (v) } }
                                }
                            }
                        }
                    }
                    }
                }
            }
        }
        h2 { (w.t(CoordMsg::History)) }
        table.history {
            thead { tr { th { "#" } th { (w.t(CoordMsg::ReceivedUtc)) } th { (w.t(CoordMsg::By)) } th { (w.t(CoordMsg::Device)) } } }
            tbody { @for h in &history { tr {
                td { (h.rev) }
                td { (utc_minutes(h.saved_at)) }
                td { bdi { (h.author) } }
                td { bdi { (h.device_id) } }
            } } }
        }
    };
    Html(page(&w, &name_of(&plan), body).into_string()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use uuid::Uuid;

    #[test]
    fn times_are_civil_utc() {
        assert_eq!(utc_minutes(0), "1970-01-01 00:00");
        assert_eq!(utc_minutes(1_795_451_825_000), "2026-11-23 16:37");
        assert_eq!(utc_minutes(951_782_400_000), "2000-02-29 00:00");
        assert_eq!(today().len(), 10);
    }

    #[test]
    fn plan_text_is_escaped() {
        let mut plan = Plan::new(Uuid::from_u128(1), PlanKind::PlanCommunal, "ML030201");
        plan.set(
            "header",
            "plan",
            "name",
            json!("<img src=x onerror=alert(1)>"),
            1,
            "A",
        )
        .unwrap();
        let html = html! { bdi { (name_of(&plan)) } }.into_string();
        assert!(html.contains("&lt;img"), "{html}");
    }
}
