//! `/coord/indicators`: the harmonised indicators at a glance, inside the reader's scope —
//! open cases by level, the median times to take charge and to close, alert reports by
//! week and area with a small inline SVG trend each, and by incident category (GBV as a
//! count only). Every figure is read from the indexed facts, not from the records.

use std::collections::HashMap;

use axum::{
    extract::{Query, State},
    response::{Html, IntoResponse, Response},
};
use maud::{html, Markup};
use vigie_core::i18n::CoordMsg;
use vigie_core::record::Millis;

use super::access::Coordinator;
use super::layout::{
    duration, level_name, page, select, storage_error, utc_day, weeks_and_region, Words,
};
use crate::indicators::{week_of, week_start, Weekly, WEEK_MS};
use crate::records::place_label;
use crate::store::Receiver;

/// A trend as a small SVG line (oldest first), scaled to its own highest value.
pub(crate) fn sparkline(values: &[usize]) -> Markup {
    let (w, h) = (96.0, 24.0);
    let top = values.iter().copied().max().unwrap_or(0).max(1) as f64;
    let step = w / (values.len().max(2) - 1) as f64;
    let points: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            format!(
                "{:.1},{:.1}",
                i as f64 * step,
                h - 2.0 - (*v as f64 / top) * (h - 4.0)
            )
        })
        .collect();
    html! {
        svg.trend width="96" height="24" viewBox="0 0 96 24" aria-hidden="true" {
            polyline points=(points.join(" ")) fill="none" stroke="#8a2f12" stroke-width="1.5" {}
        }
    }
}

/// `/coord/indicators?weeks=N&region=MLxx`.
pub(super) async fn indicators(
    Coordinator(holder): Coordinator,
    State(recv): State<Receiver>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let w = Words::from_query(&q, &recv);
    let (weeks, region) = weeks_and_region(&q, 12);
    let len = if region.is_some() { 6 } else { 4 };
    let now = crate::db::now_ms();
    // Weeks from Monday, this one included, as the counts are kept.
    let last = week_of(now);
    let first = last - weeks as i64 + 1;
    let since = week_start(first);
    let scope = holder.scope.clone();
    let under = region.clone();
    let found = tokio::task::spawn_blocking(move || {
        let today = utc_day(now);
        let plans = execution_by_commune(&recv, &scope, under.as_deref(), &today)?;
        recv.with_db(|db| {
            Ok((
                plans,
                crate::cases::open_page(db, &scope, 0, 0)?,
                crate::indicators::case_times(db, &scope, (since, now + 1))?,
                crate::indicators::weekly(db, &scope, len, weeks, last)?,
                crate::indicators::alerts_by(
                    db,
                    &scope,
                    crate::indicators::Fact::Category,
                    (first, last),
                )?,
                (
                    crate::indicators::alerts_by(
                        db,
                        &scope,
                        crate::indicators::Fact::Phase,
                        (first, last),
                    )?,
                    crate::indicators::activities(db, &scope, (since, now + 1))?,
                ),
            ))
        })
    })
    .await;
    let (plans, open, (opened, take, close), mut table, categories, (phases, activities)) =
        match found {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => return storage_error(e),
            Err(e) => return storage_error(e),
        };
    if let Some(r) = &region {
        table.retain(|area, _| area.starts_with(r.as_str()));
    }
    let body = render(
        &w,
        &open,
        (opened, take, close),
        &table,
        &categories,
        weeks,
        now,
        &region,
    );
    let body = html! {
        (body)
        h2 { (w.t(CoordMsg::ReportPhases)) }
        table data-testid="phases" {
            @for (phase, n) in &phases {
                tr { th scope="row" { (if phase.is_empty() { "—" } else { phase.as_str() }) } td { (n) } }
            }
        }
        h2 { (w.t(CoordMsg::ReportActivities)) }
        @if activities.is_empty() { p.empty { "—" } }
        table data-testid="activities" {
            @for (kind, n, women, men) in &activities {
                tr { th scope="row" { (if kind.is_empty() { "—" } else { kind.as_str() }) } td { (n) }
                     td { (w.t(CoordMsg::ReportWomen)) " " (women) } td { (w.t(CoordMsg::ReportMen)) " " (men) } }
            }
        }
        h2 { (w.t(CoordMsg::IndicatorsPlans)) }
        @if plans.is_empty() { p.empty { "—" } }
        table data-testid="plan-execution" {
            @for (commune, n, rate) in &plans {
                tr {
                    th scope="row" { (place_label(commune)) }
                    td { (w.t(CoordMsg::IndicatorsPlanCount).replace("{n}", &n.to_string())) }
                    td { @if let Some(r) = rate { (r) " %" } @else { "—" } }
                }
            }
        }
    };
    Html(page(&w, w.t(CoordMsg::IndicatorsTitle), body).into_string()).into_response()
}

/// The action plans inside `scope` (and under the P-code `under`) by commune: how many,
/// and the mean execution rate of those that have planned activities (core's
/// `plans::derived::progress`). Plans are read one at a time.
pub(crate) fn execution_by_commune(
    recv: &Receiver,
    scope: &vigie_core::scope::Scope,
    under: Option<&str>,
    today: &str,
) -> Result<Vec<(String, usize, Option<u32>)>, crate::db::DbError> {
    let mut by: std::collections::BTreeMap<String, (usize, Vec<u32>)> = Default::default();
    recv.each_plan(scope, |r| {
        if under.is_some_and(|u| !r.plan.commune.starts_with(u)) {
            return Ok(());
        }
        let entry = by.entry(r.plan.commune.clone()).or_default();
        entry.0 += 1;
        if let Some(e) = vigie_core::plans::derived::progress(&r.plan, today).execution {
            entry.1.push(e);
        }
        Ok(())
    })?;
    Ok(by
        .into_iter()
        .map(|(commune, (n, rates))| {
            let mean = (!rates.is_empty()).then(|| rates.iter().sum::<u32>() / rates.len() as u32);
            (commune, n, mean)
        })
        .collect())
}

#[allow(clippy::too_many_arguments)]
fn render(
    w: &Words,
    open: &crate::cases::OpenPage,
    (opened, take, close): (usize, Option<Millis>, Option<Millis>),
    table: &Weekly,
    categories: &[(String, usize)],
    weeks: usize,
    now: Millis,
    region: &Option<String>,
) -> Markup {
    let mut areas: Vec<&String> = table.keys().collect();
    // Places first, then what has no precise enough place.
    areas.sort_by_key(|a| (a.is_empty(), (*a).clone()));
    // Week `i` back from now covers (now - (i+1) weeks, now - i weeks].
    // The Monday starting week `back` weeks before this one.
    let start = |back: usize| week_start(week_of(now) - back as i64);
    let link = |area: &str, back: usize| {
        let key = match area.len() {
            4 => format!("region={area}&"),
            6 => format!("cercle={area}&"),
            _ => String::new(),
        };
        format!(
            "/coord/{}",
            w.query_with(&format!(
                "{key}from={}&to={}",
                utc_day(start(back)),
                utc_day(start(back) + WEEK_MS - 1)
            ))
        )
    };
    // The alerts of a category over the whole period the table counts.
    let category_link = |category: &str| {
        format!(
            "/coord/{}",
            w.query_with(&format!(
                "category={}&from={}&to={}",
                crate::error::urlencode(category),
                utc_day(start(weeks.saturating_sub(1))),
                utc_day(now)
            ))
        )
    };
    let regions: Vec<(String, String)> = vigie_core::admin::regions()
        .into_iter()
        .map(|r| (r.code.to_owned(), format!("{} ({})", r.name, r.code)))
        .collect();
    html! {
        p {
            a href=(format!("/coord/cases{}", w.query())) { (w.t(CoordMsg::AllCases)) } " · "
            a href=(format!("/coord/map{}", w.query())) { (w.t(CoordMsg::MapTitle)) }
        }
        h1 { (w.t(CoordMsg::IndicatorsTitle)) }
        form.filters method="get" action="/coord/indicators" {
            @if !w.query().is_empty() { input type="hidden" name="lang" value=(w.code()); }
            label { span { (w.t(CoordMsg::IndicatorsWeeks)) }
                select name="weeks" { @for n in [4, 12, 26, 52] { option value=(n) selected[n == weeks] { (n) } } }
            }
            (select("region", w.t(CoordMsg::Region), w.t(CoordMsg::IndicatorsCountry), region.as_deref().unwrap_or(""), &regions))
            button type="submit" { (w.t(CoordMsg::Filter)) }
        }
        h2 { (w.t(CoordMsg::Cases)) }
        dl.meta data-testid="key-figures" {
            dt { (w.t(CoordMsg::Cases)) } dd {
                (open.total)
                @for (i, level) in vigie_core::cases::LEVELS.iter().enumerate().rev() {
                    @if open.by_level[i] > 0 { " · " (level_name(w, level)) " " (open.by_level[i]) }
                }
            }
            dt { (w.t(CoordMsg::IndicatorsOpened)) } dd { (opened) }
            dt { (w.t(CoordMsg::TimeToTake)) } dd data-testid="median-take" { (duration(take)) }
            dt { (w.t(CoordMsg::TimeToClose)) } dd data-testid="median-close" { (duration(close)) }
        }
        h2 { (w.t(CoordMsg::IndicatorsByWeek)) }
        div.scroll {
            table.weekly data-testid="weekly" {
                thead { tr {
                    th { (w.t(CoordMsg::CasePlace)) }
                    @for back in (0..weeks).rev() { th { small { (utc_day(start(back)).get(5..).unwrap_or("")) } } }
                    th { (w.t(CoordMsg::IndicatorsTrend)) }
                } }
                tbody {
                    @for area in &areas {
                        @let row = &table[*area];
                        @let totals: Vec<usize> = (0..weeks).rev().map(|b| row[b].iter().sum()).collect();
                        tr {
                            th scope="row" { (if area.is_empty() { w.t(CoordMsg::PlaceUnknown).to_owned() } else { place_label(area) }) }
                            @for back in (0..weeks).rev() {
                                @let cell = row[back];
                                @let n: usize = cell.iter().sum();
                                td title=(format!("{} {} · {} {} · {} {} · {} {}", level_name(w, "rouge"), cell[3], level_name(w, "orange"), cell[2], level_name(w, "jaune"), cell[1], level_name(w, "vert"), cell[0])) {
                                    @if n == 0 { "·" }
                                    @else if area.is_empty() { (n) }
                                    @else { a href=(link(area, back)) { @if cell[3] + cell[2] > 0 { strong { (n) } } @else { (n) } } }
                                }
                            }
                            td { (sparkline(&totals)) }
                        }
                    }
                }
            }
        }
        @if areas.is_empty() { p.empty { (w.t(CoordMsg::NoRecord)) } }
        p.hint { (w.t(CoordMsg::IndicatorsHint)) }
        h2 { (w.t(CoordMsg::IndicatorsByCategory)) }
        table data-testid="categories" {
            @for (category, n) in categories {
                tr {
                    th scope="row" { (if category.is_empty() { "—" } else { category.as_str() }) }
                    td { @if category.is_empty() { (n) } @else { a href=(category_link(category)) { (n) } } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trend_line_has_one_point_per_week_within_its_box() {
        let html = sparkline(&[0, 3, 6, 0]).into_string();
        let points = html
            .split("points=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let xy: Vec<(f64, f64)> = points
            .split(' ')
            .map(|p| {
                let (x, y) = p.split_once(',').unwrap();
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect();
        assert_eq!(xy.len(), 4);
        assert!(xy
            .iter()
            .all(|(x, y)| (0.0..=96.0).contains(x) && (0.0..=24.0).contains(y)));
        assert!(
            xy[2].1 < xy[1].1 && xy[1].1 < xy[0].1,
            "higher counts draw higher"
        );
    }
}
