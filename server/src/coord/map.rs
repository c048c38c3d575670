//! `/coord/map?show=cases|reports&weeks=N&region=MLxx`: where it is getting worse. An SVG map drawn by the receiver (no tile, no
//! script), cercles for the country or the communes of one region, shaded by the highest
//! open case level or by the reports received over a period, inside the reader's scope;
//! each area titled and linked to its list. Readable at 360 px and printable.

use std::collections::HashMap;

use axum::{
    extract::{Query, State},
    response::{Html, IntoResponse, Response},
};
use maud::{html, Markup};
use vigie_core::i18n::CoordMsg;
use vigie_core::scope::Scope;

use super::access::Coordinator;
use super::layout::{level_name, page, select, storage_error, weeks_and_region, Words};
use crate::map::{atlas, Area, CREDIT};
use crate::store::Receiver;

/// Fill of an area with nothing to show, and of one outside the reader's scope.
const EMPTY: &str = "#f4f1ea";
const OUTSIDE: &str = "#d9d9d9";

/// Fills of the open case levels, vert to rouge.
const LEVEL_FILLS: [&str; 4] = ["#2e7d32", "#ffd23f", "#a84800", "#b00020"];

/// Report count classes: (at least, fill).
const COUNT_CLASSES: [(usize, &str); 4] = [
    (1, "#fde0c5"),
    (3, "#f59e72"),
    (6, "#d4562e"),
    (11, "#8c1d0f"),
];

/// What an area is shaded by.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shade {
    /// The highest level of its open cases.
    Cases,
    /// Reports with an alert level over the period.
    Reports,
}

/// The fill for `value` (a level rank + 1, or a count; 0: nothing).
pub(crate) fn fill(shade: Shade, value: usize) -> &'static str {
    match shade {
        Shade::Cases => value
            .checked_sub(1)
            .and_then(|r| LEVEL_FILLS.get(r))
            .copied()
            .unwrap_or(EMPTY),
        Shade::Reports => COUNT_CLASSES
            .iter()
            .rev()
            .find(|(min, _)| value >= *min)
            .map_or(EMPTY, |(_, f)| f),
    }
}

/// The legend: each fill the map may use with what it means.
pub(crate) fn legend(w: &Words, shade: Shade) -> Vec<(&'static str, String)> {
    let mut rows = vec![(EMPTY, w.t(CoordMsg::MapNothing).to_owned())];
    match shade {
        Shade::Cases => {
            // Rouge first.
            for (fill, level) in LEVEL_FILLS.iter().zip(vigie_core::cases::LEVELS).rev() {
                rows.push((fill, level_name(w, level)));
            }
        }
        Shade::Reports => {
            for (i, (min, f)) in COUNT_CLASSES.iter().enumerate() {
                let label = match COUNT_CLASSES.get(i + 1) {
                    Some((next, _)) if next - 1 > *min => format!("{min}–{}", next - 1),
                    Some(_) => min.to_string(),
                    None => format!("{min}+"),
                };
                rows.push((f, label));
            }
        }
    }
    rows.push((OUTSIDE, w.t(CoordMsg::MapOutside).to_owned()));
    rows
}

/// The SVG of `areas`, each shaded by `values` (by P-code) when `scope` holds it, framed
/// to the areas' bounds.
pub(crate) fn svg(
    w: &Words,
    areas: &[&Area],
    shade: Shade,
    values: &HashMap<String, usize>,
    scope: &Scope,
    list: impl Fn(&Area) -> String,
) -> Markup {
    let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for a in areas {
        b = [
            b[0].min(a.bounds[0]),
            b[1].min(a.bounds[1]),
            b[2].max(a.bounds[2]),
            b[3].max(a.bounds[3]),
        ];
    }
    let margin = ((b[2] - b[0]).max(b[3] - b[1]) * 0.02).max(1.0);
    let view = format!(
        "{:.1} {:.1} {:.1} {:.1}",
        b[0] - margin,
        b[1] - margin,
        b[2] - b[0] + 2.0 * margin,
        b[3] - b[1] + 2.0 * margin
    );
    let stroke = format!("{:.2}", (b[2] - b[0]) / 800.0);
    html! {
        svg.map viewBox=(view) role="img"
            aria-label=(w.t(CoordMsg::MapTitle)) data-testid="map" {
            @for a in areas {
                @let inside = !a.code.is_empty() && scope.contains(&a.code);
                @let value = if inside { values.get(&a.code).copied().unwrap_or(0) } else { 0 };
                @let color = if inside { fill(shade, value) } else { OUTSIDE };
                @let title = match (inside, shade) {
                    (false, _) => a.name.clone(),
                    (true, Shade::Cases) if value > 0 => format!("{} ({}) — {}", a.name, a.code, level_name(w, vigie_core::cases::LEVELS[value - 1])),
                    (true, Shade::Cases) => format!("{} ({}) — {}", a.name, a.code, w.t(CoordMsg::MapNothing)),
                    (true, Shade::Reports) => format!("{} ({}) — {value}", a.name, a.code),
                };
                @if inside {
                    a href=(list(a)) {
                        path d=(a.path) fill=(color) stroke="#444" stroke-width=(stroke)
                            data-pcode=(a.code) data-value=(value) { title { (title) } }
                    }
                } @else {
                    path d=(a.path) fill=(color) stroke="#888" stroke-width=(stroke)
                        data-pcode=(a.code) { title { (title) } }
                }
            }
        }
    }
}

/// `/coord/map`.
pub(super) async fn map(
    Coordinator(holder): Coordinator,
    State(recv): State<Receiver>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let w = Words::from_query(&q, &recv);
    let atlas = match atlas() {
        Ok(a) => a,
        Err(e) => return storage_error(e),
    };
    let shade = match q.get("show").map(String::as_str) {
        Some("reports") => Shade::Reports,
        _ => Shade::Cases,
    };
    let (weeks, region) = weeks_and_region(&q, 4);
    let weeks = weeks as i64;
    let len = if region.is_some() { 8 } else { 6 };
    let scope = holder.scope.clone();
    // This week and the ones before it (weeks from Monday, as the counts are kept).
    let last = crate::indicators::week_of(crate::db::now_ms());
    let period = (last - weeks + 1, last);
    let found = tokio::task::spawn_blocking(move || {
        recv.with_db(|db| match shade {
            Shade::Cases => crate::indicators::open_case_levels(db, &scope, len)
                .map(|m| m.into_iter().map(|(k, v)| (k, v + 1)).collect()),
            Shade::Reports => crate::indicators::reports_by_area(db, &scope, len, period),
        })
    })
    .await;
    let values: HashMap<String, usize> = match found {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => return storage_error(e),
        Err(e) => return storage_error(e),
    };
    let areas: Vec<&Area> = match &region {
        Some(r) => atlas
            .communes
            .iter()
            .filter(|c| c.parent.starts_with(r.as_str()))
            .collect(),
        None => atlas.cercles.iter().collect(),
    };
    let list = |a: &Area| match a.code.len() {
        8 => format!("/coord/{}", w.query_with(&format!("commune={}", a.code))),
        _ => format!("/coord/{}", w.query_with(&format!("cercle={}", a.code))),
    };
    let unplaced = values.get("").copied().unwrap_or(0);
    let regions: Vec<(String, String)> = vigie_core::admin::regions()
        .into_iter()
        .map(|r| (r.code.to_owned(), format!("{} ({})", r.name, r.code)))
        .collect();
    let body = html! {
        p { a href=(format!("/coord/cases{}", w.query())) { (w.t(CoordMsg::AllCases)) } }
        h1 { (w.t(CoordMsg::MapTitle)) }
        form.filters method="get" action="/coord/map" {
            @if !w.query().is_empty() { input type="hidden" name="lang" value=(w.code()); }
            label { span { (w.t(CoordMsg::MapShow)) }
                select name="show" {
                    option value="cases" selected[shade == Shade::Cases] { (w.t(CoordMsg::MapByCases)) }
                    option value="reports" selected[shade == Shade::Reports] { (w.t(CoordMsg::MapByReports)) }
                }
            }
            label { span { (w.t(CoordMsg::MapWeeks)) }
                select name="weeks" {
                    @for n in [1, 4, 13, 52] { option value=(n) selected[n == weeks] { (n) } }
                }
            }
            (select("region", w.t(CoordMsg::Region), w.t(CoordMsg::MapCountry), region.as_deref().unwrap_or(""), &regions))
            button type="submit" { (w.t(CoordMsg::Filter)) }
        }
        (svg(&w, &areas, shade, &values, &holder.scope, list))
        ul.legend data-testid="legend" {
            @for (color, label) in legend(&w, shade) {
                li { svg width="14" height="14" aria-hidden="true" { rect width="14" height="14" fill=(color) stroke="#444" stroke-width="1" {} } " " (label) }
            }
        }
        @if shade == Shade::Reports && unplaced > 0 {
            p data-testid="unplaced" { (w.t(CoordMsg::MapUnplaced).replace("{n}", &unplaced.to_string())) }
        }
        @if region.is_some() { p.hint { (w.t(CoordMsg::MapUnmatched)) } }
        p.credit { small { (CREDIT) } }
    };
    Html(page(&w, w.t(CoordMsg::MapTitle), body).into_string()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_core::i18n::Lang;

    #[test]
    fn every_fill_on_the_map_is_in_its_legend() {
        let w = Words::of(Lang::Fr);
        for shade in [Shade::Cases, Shade::Reports] {
            let fills: Vec<&str> = legend(&w, shade).into_iter().map(|(f, _)| f).collect();
            for value in 0..40 {
                assert!(fills.contains(&fill(shade, value)), "{value}");
            }
        }
        assert_eq!(fill(Shade::Cases, 4), "#b00020", "rouge");
        // Each level's fill is labelled with that level.
        let rows = legend(&w, Shade::Cases);
        for (rank, level) in vigie_core::cases::LEVELS.iter().enumerate() {
            let label = rows
                .iter()
                .find(|(f, _)| *f == fill(Shade::Cases, rank + 1));
            assert_eq!(label.map(|(_, l)| l.clone()), Some(level_name(&w, level)));
        }
        assert_eq!(fill(Shade::Reports, 0), EMPTY);
        assert_eq!(fill(Shade::Reports, 5), "#f59e72");
    }

    #[test]
    fn the_map_draws_every_area_with_its_code_and_shades_only_inside_the_scope() {
        let w = Words::of(Lang::Fr);
        let a = atlas().unwrap();
        let areas: Vec<&Area> = a.cercles.iter().collect();
        let values: HashMap<String, usize> =
            [("ML0302".to_owned(), 4), ("ML0501".to_owned(), 2)].into();
        let scope = Scope::parse("ML03").unwrap();
        let html = svg(&w, &areas, Shade::Cases, &values, &scope, |a| {
            format!("/coord/?cercle={}", a.code)
        })
        .into_string();
        assert_eq!(html.matches("<path").count(), areas.len());
        assert_eq!(html.matches("data-pcode=\"ML").count(), areas.len());
        assert!(
            html.contains("data-pcode=\"ML0302\" data-value=\"4\""),
            "shaded red"
        );
        assert!(html.contains("(ML0302) — Rouge"), "titled with its level");
        assert!(
            !html.contains("data-pcode=\"ML0501\" data-value"),
            "Mopti is outside"
        );
        assert!(!html.contains("/coord/?cercle=ML0501"), "and not linked");
        assert!(html.len() < 150_000, "{} bytes", html.len());
    }
}
