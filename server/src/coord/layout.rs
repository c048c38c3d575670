//! What every coordinator page shares: its words (language and texts from the core's
//! catalogue), the page frame, the error page, a filter's select, and the formatting of
//! times and query values.

use std::collections::HashMap;

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use maud::{html, Markup, DOCTYPE};

use std::sync::Arc;

use vigie_core::i18n::{CoordMsg, Lang, Msg, Translation};
use vigie_core::translation;

use crate::records::LEVELS;
use crate::store::Receiver;

/// The words of one page: its language, and the published translation when the
/// coordinator asked for it (`?lang=<its code>`). Every text of the pages comes from the
/// core's catalogue through here: `CoordMsg` for the pages' own, `Msg` for what they share
/// with the app (plan labels).
#[derive(Clone, Debug)]
pub(crate) struct Words {
    lang: Lang,
    /// The deployment's published translation, if any (offered as a language).
    published: Option<Arc<Translation>>,
    /// Whether this page is in it.
    local: Option<Arc<Translation>>,
}

impl Words {
    /// The language of `?lang=`: `en`, the published translation's code, French otherwise.
    pub(crate) fn from_query(q: &HashMap<String, String>, recv: &Receiver) -> Words {
        let published = recv
            .translation()
            .and_then(|v| translation::parse(&v).ok())
            .map(Arc::new);
        let asked = q.get("lang").map_or("", String::as_str);
        let local = published.clone().filter(|t| t.code == asked);
        // The core's formatting (a plan's choice labels) reads the installed language: keep
        // it the published one. Installed again only when the file changed.
        if let Some(t) = &local {
            if vigie_core::i18n::installed() != Some(&**t) {
                vigie_core::i18n::install((**t).clone());
            }
        }
        let lang = match (asked, &local) {
            (_, Some(_)) => Lang::Local,
            ("en", None) => Lang::En,
            _ => Lang::Fr,
        };
        Words {
            lang,
            published,
            local,
        }
    }

    /// French or English words.
    pub(crate) fn of(lang: Lang) -> Words {
        Words {
            lang,
            published: None,
            local: None,
        }
    }

    /// A text of the coordinator pages.
    pub(crate) fn t(&self, m: CoordMsg) -> &str {
        match &self.local {
            Some(t) => t
                .coordination
                .get(m.key())
                .map_or(m.text(Lang::Fr), String::as_str),
            None => m.text(self.lang),
        }
    }

    /// A text shared with the app.
    pub(crate) fn msg(&self, m: Msg) -> &str {
        match &self.local {
            Some(t) => t.msg(m),
            None => m.text(self.lang),
        }
    }

    /// The core's language, for the core's formatting (`Local` reads the installed one).
    pub(crate) fn lang(&self) -> Lang {
        self.lang
    }

    /// Whether the page is in English (form labels have French and English only).
    pub(crate) fn english(&self) -> bool {
        self.lang == Lang::En
    }

    /// The BCP 47 tag for `<html lang>`.
    pub(crate) fn code(&self) -> &str {
        match &self.local {
            Some(t) => &t.code,
            None => self.lang.code(),
        }
    }

    /// The query that keeps this language on a link (`?lang=en`), or "" for French.
    pub(crate) fn query(&self) -> String {
        match self.lang {
            Lang::Fr => String::new(),
            _ => format!("?lang={}", urlencode(self.code())),
        }
    }

    /// This page's query with `more` (`key=value&…`) added: `?lang=en&more`, or `?more`.
    pub(crate) fn query_with(&self, more: &str) -> String {
        match self.query() {
            q if q.is_empty() => format!("?{more}"),
            q => format!("{q}&{more}"),
        }
    }

    /// The languages a coordinator can switch to, with the link's query: French, English
    /// and the published translation, other than this page's.
    pub(crate) fn others(&self) -> Vec<(String, String)> {
        let mut all = vec![
            ("Français".to_owned(), "?".to_owned()),
            ("English".to_owned(), "?lang=en".to_owned()),
        ];
        if let Some(t) = &self.published {
            all.push((t.name.clone(), format!("?lang={}", urlencode(&t.code))));
        }
        let here = self.query();
        all.into_iter()
            .filter(|(_, q)| *q != here && !(here.is_empty() && q == "?"))
            .collect()
    }
}

/// The name of alert level `level` (`rouge`…), "" for none.
pub(crate) fn level_name(w: &Words, level: &str) -> String {
    const NAMES: [CoordMsg; 4] = [
        CoordMsg::LevelRed,
        CoordMsg::LevelOrange,
        CoordMsg::LevelYellow,
        CoordMsg::LevelGreen,
    ];
    LEVELS
        .iter()
        .position(|l| *l == level)
        .map_or_else(String::new, |i| w.t(NAMES[i]).to_owned())
}

pub(crate) fn page(w: &Words, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(w.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (title) }
                link rel="stylesheet" href="/coord/style.css";
            }
            body { main { (body) } }
        }
    }
}

pub(crate) fn storage_error(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "coordinator page: database error");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        format!(
            "{} / {}",
            CoordMsg::StorageError.text(Lang::Fr),
            CoordMsg::StorageError.text(Lang::En)
        ),
    )
        .into_response()
}

pub(crate) fn select(
    name: &str,
    label: &str,
    any: &str,
    current: &str,
    options: &[(String, String)],
) -> Markup {
    html! {
        label {
            span { (label) }
            select name=(name) {
                option value="" { (any) }
                @for (value, text) in options {
                    option value=(value) selected[*value == current] { (text) }
                }
            }
        }
    }
}

pub(crate) use crate::error::urlencode;

/// The `weeks` of a query, 1 to 52 (`default` otherwise), and its `region` when it is a
/// region's P-code: the period and place the situation pages are asked for.
pub(crate) fn weeks_and_region(
    q: &HashMap<String, String>,
    default: usize,
) -> (usize, Option<String>) {
    let weeks = q
        .get("weeks")
        .and_then(|n| n.parse().ok())
        .filter(|n| (1..=52).contains(n))
        .unwrap_or(default);
    let region = q
        .get("region")
        .filter(|r| r.len() == 4 && vigie_core::admin::is_known(r))
        .cloned();
    (weeks, region)
}

pub(crate) use crate::db::{utc_day, utc_minutes};

/// A duration in words: `12 min`, `3 h 05`; "—" for none.
pub(crate) fn duration(ms: Option<i64>) -> String {
    match ms {
        None => "—".to_owned(),
        Some(ms) if ms < 3_600_000 => format!("{} min", ms.max(0) / 60_000),
        Some(ms) => format!("{} h {:02}", ms / 3_600_000, (ms % 3_600_000) / 60_000),
    }
}

/// The receiver timestamp (ms, UTC) of the start of day `YYYY-MM-DD`; none if it is not
/// a date.
pub(crate) fn day_start(text: &str) -> Option<i64> {
    let mut parts = text.trim().splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Days since 1970-01-01 from a civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let ms = (era * 146_097 + doe - 719_468) * 86_400_000;
    // 31 February is not a day.
    utc_minutes(ms)
        .starts_with(&format!(
            "{:04}-{m:02}-{d:02}",
            if m <= 2 { y + 1 } else { y }
        ))
        .then_some(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_reads_back_as_itself() {
        for day in ["1970-01-01", "2024-02-29", "2026-12-07", "2100-03-01"] {
            let ms = day_start(day).unwrap();
            assert_eq!(&utc_minutes(ms)[..10], day);
            assert_eq!(ms % 86_400_000, 0);
        }
        assert_eq!(day_start("2026-12-07"), Some(1_796_601_600_000));
        for bad in ["2026-02-30", "2026-13-01", "x", "", "2026-1"] {
            assert_eq!(day_start(bad), None, "{bad}");
        }
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(urlencode("a b&c=é"), "a%20b%26c%3D%C3%A9");
    }
}
