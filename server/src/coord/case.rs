//! One case: where it stands, its reports and history, and what a coordinator can do with
//! it now — take charge, log the response, close with an outcome, reopen, split a report
//! off into its own case, join it to another case of the same incident. Plain HTML
//! forms (JavaScript off works); each carries the revision it was shown at, so that of
//! two coordinators acting at once one wins and the other is told, with their text kept.

use std::collections::HashMap;

use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
    Form,
};
use maud::{html, Markup};
use serde::Deserialize;
use vigie_core::cases::{Act, Action, Case, CaseError, Outcome, Status};
use vigie_core::i18n::CoordMsg;

use super::access::Coordinator;
use super::cases::status_words;
use super::layout::{duration, level_name, page, storage_error, urlencode, utc_minutes, Words};
use crate::records::place_label;
use crate::store::Receiver;
use crate::tokens::Holder;

/// What a case form sends.
#[derive(Debug, Default, Deserialize)]
pub(super) struct CaseForm {
    /// The revision the page showed.
    #[serde(default)]
    rev: u64,
    #[serde(default)]
    institution: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    lang: String,
    /// The report to split off.
    #[serde(default)]
    report: String,
    /// The case to join this one to.
    #[serde(default)]
    into: String,
}

/// The case `id` if it lies inside `holder`'s scope (outside is the same as absent).
fn load(recv: &Receiver, holder: &Holder, id: &str) -> Result<Option<Case>, crate::db::DbError> {
    Ok(recv
        .with_db(|db| crate::cases::one(db, id))?
        .filter(|c| holder.scope.contains(&c.place)))
}

/// A change of the history in words.
fn change_words<'a>(w: &'a Words, what: &str) -> &'a str {
    w.t(match what {
        "take" => CoordMsg::ChangeTake,
        "respond" => CoordMsg::ChangeRespond,
        "close" => CoordMsg::ChangeClose,
        "reopen" => CoordMsg::ChangeReopen,
        "split" => CoordMsg::ChangeSplit,
        "merge" => CoordMsg::ChangeMerge,
        "raise" => CoordMsg::ChangeRaise,
        _ => CoordMsg::ChangeJoin,
    })
}

/// Who did it: a token's label, or what a command-line token is.
fn who<'a>(w: &'a Words, label: &'a str) -> &'a str {
    if label == "command line" {
        w.t(CoordMsg::CommandLineToken)
    } else {
        label
    }
}

fn outcome_words(w: &Words, o: &Outcome) -> String {
    match o {
        Outcome::Resolved => w.t(CoordMsg::OutcomeResolved).to_owned(),
        Outcome::Transferred { to } => format!("{} : {to}", w.t(CoordMsg::OutcomeTransferred)),
        Outcome::FalseAlarm => w.t(CoordMsg::OutcomeFalseAlarm).to_owned(),
        Outcome::NoFollowUp => w.t(CoordMsg::OutcomeNoFollowUp).to_owned(),
        Outcome::Joined { into } => format!("{} {into}", w.t(CoordMsg::OutcomeJoined)),
    }
}

/// Reports listed on a case's page unless all are asked for: the latest ones (a busy
/// commune's case groups thousands, a page of megabytes on a regional office's link).
const REPORTS_SHOWN: usize = 200;

/// The page of `case`, with `notice` on top and `typed` back in its form; `others` are
/// the open cases it may be joined to, with how many reports each groups; `all_reports`
/// lists every report rather than the latest [`REPORTS_SHOWN`].
fn render(
    w: &Words,
    case: &Case,
    notice: Option<&str>,
    typed: &CaseForm,
    others: &[(Case, usize)],
    all_reports: bool,
) -> Markup {
    let action = |what: &str| format!("/coord/cases/{}/{what}", urlencode(&case.id));
    let hidden_reports = if all_reports {
        0
    } else {
        case.reports.len().saturating_sub(REPORTS_SHOWN)
    };
    let show_all = format!(
        "/coord/cases/{}{}{}reports=all#reports",
        urlencode(&case.id),
        w.query(),
        if w.query().is_empty() { "?" } else { "&" }
    );
    let hidden = html! {
        input type="hidden" name="rev" value=(case.rev);
        @if !w.query().is_empty() { input type="hidden" name="lang" value=(w.code()); }
    };
    html! {
        p { a href=(format!("/coord/cases{}", w.query())) { (w.t(CoordMsg::AllCases)) } }
        @if let Some(n) = notice { p.notice role="alert" data-testid="case-notice" { (n) } }
        h1 {
            span class=(format!("badge level-{}", case.level)) { (level_name(w, &case.level)) } " "
            (status_words(w, case.status))
        }
        dl.meta {
            dt { (w.t(CoordMsg::CasePlace)) } dd { (if case.place.is_empty() { "—".to_owned() } else { place_label(&case.place) }) }
            @if !case.category.is_empty() { dt { (w.t(CoordMsg::CaseCategory)) } dd { (case.category) } }
            dt { (w.t(CoordMsg::CaseOpened)) } dd { (utc_minutes(case.opened_at)) " UTC" }
            @if let Some(t) = &case.taker {
                dt { (w.t(CoordMsg::TakenBy)) } dd { bdi { (who(w, &t.name)) } " (" bdi { (t.institution) } ")" }
            }
            @if let Some(ms) = case.time_to_take_charge() { dt { (w.t(CoordMsg::TimeToTake)) } dd { (duration(Some(ms))) } }
            @if let Some(o) = &case.outcome { dt { (w.t(CoordMsg::OutcomeLabel)) } dd { bdi { (outcome_words(w, o)) } } }
            @if let Some(ms) = case.time_to_close() { dt { (w.t(CoordMsg::TimeToClose)) } dd { (duration(Some(ms))) } }
        }
        h2 #reports { (w.t(CoordMsg::CaseReportsTitle)) }
        @if hidden_reports > 0 {
            p.hint data-testid="reports-hidden" {
                (w.t(CoordMsg::EarlierReportsHidden).replace("{n}", &hidden_reports.to_string())) " "
                a href=(show_all) { (w.t(CoordMsg::ShowAllReports)) }
            }
        }
        ul.reports data-testid="case-reports" {
            @for r in &case.reports[hidden_reports..] {
                li {
                    @if let Some(row) = r.strip_prefix("sms:") { "SMS " code { (row) } }
                    @else { a href=(format!("/coord/records/{}{}", urlencode(r), w.query())) { code { (r) } } }
                    @if case.is_open() && case.reports.len() > 1 {
                        form.inline method="post" action=(action("split")) {
                            (hidden)
                            input type="hidden" name="report" value=(r);
                            button type="submit" title=(w.t(CoordMsg::SplitExplained)) { (w.t(CoordMsg::Split)) }
                        }
                    }
                }
            }
        }
        @if case.is_open() && !others.is_empty() {
            form.case-action method="post" action=(action("merge")) {
                (hidden)
                label { span { (w.t(CoordMsg::JoinTo)) }
                    select name="into" required {
                        @for (o, reports) in others {
                            option value=(o.id) selected[typed.into == o.id] {
                                (level_name(w, &o.level)) " · "
                                (if o.place.is_empty() { "—".to_owned() } else { place_label(&o.place) })
                                " · " (utc_minutes(o.opened_at)) " UTC · "
                                (w.t(CoordMsg::CaseReports).replace("{n}", &reports.to_string()))
                            }
                        }
                    }
                }
                button type="submit" { (w.t(CoordMsg::JoinCase)) }
            }
        }
        @if case.status != Status::Closed {
            form.case-action method="post" action=(action("take")) {
                (hidden)
                label { span { (w.t(CoordMsg::Institution)) } input name="institution" required value=(typed.institution); }
                label { span { (w.t(CoordMsg::NoteOptional)) } textarea name="note" maxlength="2000" { (typed.note) } }
                button type="submit" { (w.t(CoordMsg::TakeCharge)) }
            }
        }
        @if matches!(case.status, Status::Taken | Status::Responding) {
            form.case-action method="post" action=(action("respond")) {
                (hidden)
                label { span { (w.t(CoordMsg::ResponseText)) } textarea name="text" required maxlength="2000" { (typed.text) } }
                button type="submit" { (w.t(CoordMsg::Respond)) }
            }
            form.case-action method="post" action=(action("close")) {
                (hidden)
                label { span { (w.t(CoordMsg::OutcomeLabel)) }
                    select name="outcome" {
                        @for (code, msg) in [("resolved", CoordMsg::OutcomeResolved), ("transferred", CoordMsg::OutcomeTransferred), ("false_alarm", CoordMsg::OutcomeFalseAlarm), ("no_follow_up", CoordMsg::OutcomeNoFollowUp)] {
                            option value=(code) selected[typed.outcome == code] { (w.t(msg)) }
                        }
                    }
                }
                label { span { (w.t(CoordMsg::TransferredTo)) } input name="to" value=(typed.to); }
                label { span { (w.t(CoordMsg::NoteOptional)) } textarea name="note" maxlength="2000" { (typed.note) } }
                button type="submit" { (w.t(CoordMsg::CloseCase)) }
            }
        }
        @if case.status == Status::Closed {
            form.case-action method="post" action=(action("reopen")) {
                (hidden)
                label { span { (w.t(CoordMsg::NoteOptional)) } textarea name="note" maxlength="2000" { (typed.note) } }
                button type="submit" { (w.t(CoordMsg::Reopen)) }
            }
        }
        h2 { (w.t(CoordMsg::CaseHistory)) }
        ol.history data-testid="case-history" {
            @for h in &case.history {
                li {
                    (utc_minutes(h.at)) " UTC · " bdi { (who(w, &h.by)) } " · "
                    @if h.more > 0 {
                        strong { (w.t(CoordMsg::ChangeJoinMany)
                            .replace("{n}", &(u64::from(h.more) + 1).to_string())
                            .replace("{t}", &h.last_at.map(utc_minutes).unwrap_or_default())) }
                    } @else {
                        strong { (change_words(w, &h.what)) }
                    }
                    @if h.from != h.to { " · " (status_words(w, h.from)) " → " (status_words(w, h.to)) }
                    // A counted line's reports are the case's list above, not its first one.
                    @if !h.note.is_empty() && h.more == 0 { p { bdi { (h.note) } } }
                }
            }
        }
    }
}

/// `/coord/cases/{id}`.
pub(super) async fn show(
    Coordinator(holder): Coordinator,
    State(recv): State<Receiver>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let w = Words::from_query(&q, &recv);
    let r2 = recv.clone();
    let found = tokio::task::spawn_blocking(move || {
        let case = load(&r2, &holder, &id)?;
        let others = match &case {
            Some(c) => r2.with_db(|db| others(db, &holder, c))?,
            None => Vec::new(),
        };
        Ok::<_, crate::db::DbError>(case.map(|c| (c, others)))
    })
    .await;
    match found {
        Ok(Ok(Some((case, others)))) => {
            let all = q.get("reports").is_some_and(|v| v == "all");
            let body = render(&w, &case, None, &CaseForm::default(), &others, all);
            Html(page(&w, w.t(CoordMsg::Cases), body).into_string()).into_response()
        }
        Ok(Ok(None)) => not_found(&w),
        Ok(Err(e)) => storage_error(e),
        Err(e) => storage_error(e),
    }
}

/// The open cases inside `holder`'s scope `case` may be joined to: those of its commune
/// first, at most 30.
fn others(
    db: &rusqlite::Connection,
    holder: &Holder,
    case: &Case,
) -> Result<Vec<(Case, usize)>, crate::db::DbError> {
    crate::cases::open_near(db, &holder.scope, &case.place, &case.id, 30)
}

fn not_found(w: &Words) -> Response {
    let body = html! { p { (w.t(CoordMsg::CaseNotFound)) } p { a href=(format!("/coord/cases{}", w.query())) { (w.t(CoordMsg::AllCases)) } } };
    (
        StatusCode::NOT_FOUND,
        Html(page(w, w.t(CoordMsg::Cases), body).into_string()),
    )
        .into_response()
}

/// Whether a state-changing request comes from the coordinator pages themselves: a browser
/// sends Basic credentials with a form posted from any site, so a request another site
/// made (its `Origin` or `Sec-Fetch-Site` says so) is refused.
fn same_origin(headers: &HeaderMap) -> bool {
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let site_ok = site.is_none_or(|s| s == "same-origin" || s == "none");
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_ok = match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        // The pages send no referrer, so a browser posting their forms says "null": then
        // only its Sec-Fetch-Site can vouch for it.
        Some("null") => site.is_some_and(|s| s == "same-origin"),
        Some(o) => o.split_once("://").is_some_and(|(_, rest)| rest == host),
    };
    site_ok && origin_ok
}

/// `POST /coord/cases/{id}/{take|respond|close|reopen|split|merge}`.
pub(super) async fn act(
    Coordinator(holder): Coordinator,
    State(recv): State<Receiver>,
    Path((id, what)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<CaseForm>,
) -> Response {
    let q: HashMap<String, String> = [("lang".to_owned(), form.lang.clone())].into();
    let w = Words::from_query(&q, &recv);
    if !same_origin(&headers) {
        return (
            StatusCode::FORBIDDEN,
            w.t(CoordMsg::ErrForeignPage).to_owned(),
        )
            .into_response();
    }
    let action = match what.as_str() {
        "take" => Action::Take {
            institution: form.institution.clone(),
        },
        "respond" => Action::Respond {
            text: form.text.clone(),
        },
        "close" => Action::Close {
            outcome: match form.outcome.as_str() {
                "transferred" => Outcome::Transferred {
                    to: form.to.trim().to_owned(),
                },
                "false_alarm" => Outcome::FalseAlarm,
                "no_follow_up" => Outcome::NoFollowUp,
                _ => Outcome::Resolved,
            },
        },
        "reopen" => Action::Reopen,
        "split" => Action::Split {
            report: form.report.clone(),
        },
        "merge" => Action::JoinInto {
            into: form.into.trim().to_owned(),
        },
        _ => return not_found(&w),
    };
    let act = Act {
        by: holder.label.clone(),
        at: crate::db::now_ms(),
        rev: form.rev,
        action,
        note: form.note.clone(),
    };
    let r2 = recv.clone();
    // Read, check and write under the one connection's lock: no change slips in between.
    let result = tokio::task::spawn_blocking(move || {
        r2.with_db(|db| {
            let Some(case) =
                crate::cases::one(db, &id)?.filter(|c| holder.scope.contains(&c.place))
            else {
                return Ok(None);
            };
            // A case is joined only to an open one the coordinator may see.
            if let Action::JoinInto { into } = &act.action {
                let target = crate::cases::one(db, into)?
                    .filter(|t| t.id != case.id && t.is_open() && holder.scope.contains(&t.place));
                if target.is_none() {
                    let others = others(db, &holder, &case)?;
                    return Ok(Some(Err((
                        CaseError::Empty("the case to join"),
                        case,
                        others,
                    ))));
                }
            }
            Ok(Some(match case.apply(&act) {
                Ok(next) => {
                    let notice = r2.save_case(db, Some(&case), &next, act.at)?;
                    let mut changed = vec![(next, notice)];
                    if let Some((before, after)) =
                        crate::cases::regroup(db, &act.action, &changed[0].0, &act.by, act.at)?
                    {
                        let notice = r2.save_case(db, before.as_ref(), &after, act.at)?;
                        changed.push((after, notice));
                    }
                    Ok(changed)
                }
                Err(e) => {
                    let others = others(db, &holder, &case)?;
                    Err((e, case, others))
                }
            }))
        })
    })
    .await;
    match result {
        Ok(Ok(Some(Ok(changed)))) => {
            for (case, notice) in &changed {
                recv.announce(case, *notice);
            }
            // After a join, the case that took the reports; else the one acted on.
            let shown = match what.as_str() {
                "merge" => changed.last(),
                _ => changed.first(),
            };
            let id = shown.map(|(c, _)| c.id.as_str()).unwrap_or("");
            Redirect::to(&format!("/coord/cases/{}{}", urlencode(id), w.query())).into_response()
        }
        Ok(Ok(Some(Err((e, current, others))))) => {
            let (status, words) = match &e {
                CaseError::Stale { .. } => (StatusCode::CONFLICT, w.t(CoordMsg::CaseStale)),
                CaseError::Empty("the institution") => {
                    (StatusCode::BAD_REQUEST, w.t(CoordMsg::ErrInstitution))
                }
                CaseError::Empty("the response") => {
                    (StatusCode::BAD_REQUEST, w.t(CoordMsg::ErrResponse))
                }
                CaseError::Empty("the case to join") => {
                    (StatusCode::BAD_REQUEST, w.t(CoordMsg::ErrJoinTarget))
                }
                CaseError::Empty(_) => (StatusCode::BAD_REQUEST, w.t(CoordMsg::ErrRecipient)),
                CaseError::TooLong(_) => (StatusCode::BAD_REQUEST, w.t(CoordMsg::ErrTooLong)),
                CaseError::NotAllowed { .. }
                | CaseError::AlreadyJoined
                | CaseError::NotSplittable => (StatusCode::CONFLICT, w.t(CoordMsg::ErrNotAllowed)),
            };
            let body = render(&w, &current, Some(words), &form, &others, false);
            (
                status,
                Html(page(&w, w.t(CoordMsg::Cases), body).into_string()),
            )
                .into_response()
        }
        Ok(Ok(None)) => not_found(&w),
        Ok(Err(e)) => storage_error(e),
        Err(e) => storage_error(e),
    }
}
