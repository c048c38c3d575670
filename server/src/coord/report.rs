//! `/coord/report?week=YYYY-MM-DD`: the weekly situation report, a printable A4 page for
//! the week (Monday to Sunday, UTC) holding that day, inside the reader's scope — key
//! figures against the 4 weeks before, the map of open cases, the open cases with their
//! status and who holds them, trends by region, GBV as counts only, the prevention
//! activities of women's groups and mechanisms, and alerts by electoral phase.

use std::collections::HashMap;

use axum::{
    extract::{Query, State},
    response::{Html, IntoResponse, Response},
};
use maud::{html, Markup};
use vigie_core::i18n::CoordMsg;
use vigie_core::record::Millis;

use super::access::Coordinator;
use super::cases::status_words;
use super::indicators::sparkline;
use super::layout::{
    day_start, duration, level_name, page, storage_error, urlencode, utc_day, utc_minutes, Words,
};
use super::map::{legend, svg, Shade};
use crate::indicators::{week_of, week_start, Fact, WEEK_MS};
use crate::map::{atlas, Area, CREDIT};
use crate::records::place_label;
use crate::store::Receiver;

const DAY_MS: Millis = 86_400_000;

/// Everything the report shows, read in one go.
struct Figures {
    open: crate::cases::OpenPage,
    times: (usize, Option<Millis>, Option<Millis>),
    weekly: crate::indicators::Weekly,
    categories: Vec<(String, usize)>,
    phases: Vec<(String, usize)>,
    activities: Vec<(String, usize, u64, u64)>,
    levels: HashMap<String, usize>,
}

/// `/coord/report`.
pub(super) async fn report(
    Coordinator(holder): Coordinator,
    State(recv): State<Receiver>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let w = Words::from_query(&q, &recv);
    let now = crate::db::now_ms();
    let week = week_of(q.get("week").and_then(|d| day_start(d)).unwrap_or(now));
    let start = week_start(week);
    let end = start + WEEK_MS;
    let scope = holder.scope.clone();
    let found = tokio::task::spawn_blocking(move || {
        recv.with_db(|db| {
            Ok(Figures {
                open: crate::cases::open_page(db, &scope, 0, 50)?,
                times: crate::indicators::case_times(db, &scope, (start, end))?,
                // The week and the 4 before it, by region.
                weekly: crate::indicators::weekly(db, &scope, 4, 5, week)?,
                categories: crate::indicators::alerts_by(db, &scope, Fact::Category, (week, week))?,
                phases: crate::indicators::alerts_by(db, &scope, Fact::Phase, (week, week))?,
                activities: crate::indicators::activities(db, &scope, (start, end))?,
                levels: crate::indicators::open_case_levels(db, &scope, 6)?
                    .into_iter()
                    .map(|(k, v)| (k, v + 1))
                    .collect(),
            })
        })
    })
    .await;
    let f = match found {
        Ok(Ok(f)) => f,
        Ok(Err(e)) => return storage_error(e),
        Err(e) => return storage_error(e),
    };
    let body = render(&w, &holder.scope, &f, start);
    let title = format!("{} — {}", w.t(CoordMsg::ReportTitle), utc_day(start));
    Html(page(&w, &title, body).into_string()).into_response()
}

fn render(w: &Words, scope: &vigie_core::scope::Scope, f: &Figures, start: Millis) -> Markup {
    let day = utc_day;
    let this_week: [usize; 4] = f.weekly.values().fold([0; 4], |mut acc, row| {
        for (a, n) in acc.iter_mut().zip(row[0]) {
            *a += n;
        }
        acc
    });
    let before: usize = f
        .weekly
        .values()
        .map(|row| row[1..].iter().flatten().sum::<usize>())
        .sum();
    let mut regions: Vec<&String> = f.weekly.keys().collect();
    regions.sort_by_key(|r| (r.is_empty(), (*r).clone()));
    let gbv = f
        .categories
        .iter()
        .find(|(c, _)| c == "VBG")
        .map_or(0, |c| c.1);
    let atlas = atlas().ok();
    let areas: Vec<&Area> = atlas
        .map(|a| a.cercles.iter().collect())
        .unwrap_or_default();
    let previous = day(start - WEEK_MS);
    let next = day(start + WEEK_MS);
    let q = |week: &str| format!("/coord/report{}", w.query_with(&format!("week={week}")));
    html! {
        nav.noprint {
            a href=(format!("/coord/cases{}", w.query())) { (w.t(CoordMsg::AllCases)) } " · "
            a href=(q(&previous)) { (w.t(CoordMsg::Previous)) } " · "
            a href=(q(&next)) { (w.t(CoordMsg::Next)) }
        }
        article.report data-testid="weekly-report" {
            h1 { (w.t(CoordMsg::ReportTitle)) }
            p.period { (day(start)) " → " (day(start + WEEK_MS - DAY_MS)) " · " (scope.to_string()) }
            h2 { (w.t(CoordMsg::ReportKeyFigures)) }
            dl.meta data-testid="report-figures" {
                dt { (w.t(CoordMsg::IndicatorsByWeek)) }
                dd {
                    (this_week.iter().sum::<usize>())
                    " (" (level_name(w, "rouge")) " " (this_week[3]) " · " (level_name(w, "orange")) " " (this_week[2]) ") · "
                    (w.t(CoordMsg::ReportPreviousAverage)) " " (format!("{:.1}", before as f64 / 4.0))
                }
                dt { (w.t(CoordMsg::IndicatorsOpened)) } dd { (f.times.0) }
                dt { (w.t(CoordMsg::TimeToTake)) } dd { (duration(f.times.1)) }
                dt { (w.t(CoordMsg::TimeToClose)) } dd { (duration(f.times.2)) }
                dt { (w.t(CoordMsg::ReportGbv)) } dd data-testid="report-gbv" { (gbv) }
            }
            h2 { (w.t(CoordMsg::Cases)) " (" (f.open.total) ")" }
            @if let Some(_) = atlas {
                (svg(w, &areas, Shade::Cases, &f.levels, scope, |a| format!("/coord/{}", w.query_with(&format!("cercle={}", urlencode(&a.code))))))
                ul.legend { @for (color, label) in legend(w, Shade::Cases) {
                    li { svg width="12" height="12" aria-hidden="true" { rect width="12" height="12" fill=(color) stroke="#444" {} } " " (label) }
                } }
            }
            table.cases data-testid="report-cases" {
                @for c in &f.open.cases {
                    tr {
                        td { span class=(format!("badge level-{}", c.level)) { (level_name(w, &c.level)) } }
                        td { (if c.place.is_empty() { "—".to_owned() } else { place_label(&c.place) }) }
                        td { (status_words(w, c.status)) }
                        td { @if let Some(t) = &c.taker { bdi { (t.institution) } } @else { "—" } }
                        td { (utc_minutes(c.opened_at)) }
                    }
                }
            }
            @if f.open.total > f.open.cases.len() {
                p.hint { (w.t(CoordMsg::ReportMoreCases).replace("{n}", &(f.open.total - f.open.cases.len()).to_string())) }
            }
            h2 { (w.t(CoordMsg::ReportTrends)) }
            table data-testid="report-trends" {
                @for r in &regions {
                    @let row = &f.weekly[*r];
                    @let now: usize = row[0].iter().sum();
                    @let avg = row[1..].iter().flatten().sum::<usize>() as f64 / 4.0;
                    tr {
                        th scope="row" { (if r.is_empty() { w.t(CoordMsg::PlaceUnknown).to_owned() } else { place_label(r) }) }
                        td { (now) }
                        td { (if (now as f64) > avg { "↑" } else if (now as f64) < avg { "↓" } else { "=" }) " " (format!("{avg:.1}")) }
                        td { (sparkline(&(0..5).rev().map(|b| row[b].iter().sum()).collect::<Vec<usize>>())) }
                    }
                }
            }
            h2 { (w.t(CoordMsg::ReportActivities)) }
            @if f.activities.is_empty() { p.empty { "—" } }
            table data-testid="report-activities" {
                @for (kind, n, women, men) in &f.activities {
                    tr { th scope="row" { (if kind.is_empty() { "—" } else { kind.as_str() }) } td { (n) }
                         td { (w.t(CoordMsg::ReportWomen)) " " (women) } td { (w.t(CoordMsg::ReportMen)) " " (men) } }
                }
            }
            h2 { (w.t(CoordMsg::ReportPhases)) }
            table data-testid="report-phases" {
                @for (phase, n) in &f.phases {
                    tr { th scope="row" { (if phase.is_empty() { "—" } else { phase.as_str() }) } td { (n) } }
                }
            }
            h2 { (w.t(CoordMsg::IndicatorsByCategory)) }
            table { @for (c, n) in &f.categories { tr { th scope="row" { (if c.is_empty() { "—" } else { c.as_str() }) } td { (n) } } } }
            p.credit { small { (w.t(CoordMsg::ReportMade)) " " (utc_minutes(crate::db::now_ms())) " UTC · " (CREDIT) } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_week_starts_on_monday() {
        // 2026-12-07 is a Monday; 2026-12-13 a Sunday.
        let monday = day_start("2026-12-07").unwrap();
        assert_eq!(week_start(week_of(monday)), monday);
        assert_eq!(week_start(week_of(monday + 6 * DAY_MS + 3_600_000)), monday);
        assert_eq!(week_start(week_of(monday - 1)), monday - WEEK_MS);
    }
}
