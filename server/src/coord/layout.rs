//! What every coordinator page shares: the language, the page frame, the error page, a
//! filter's select, and the formatting of times and query values.

use std::collections::HashMap;

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use maud::{html, Markup, DOCTYPE};

use crate::records::LEVELS;

/// The language of the pages.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Lang {
    Fr,
    En,
}

/// Every text of the coordinator pages, French then English.
pub(crate) struct Texts {
    pub(crate) title: &'static str,
    pub(crate) records: &'static str,
    pub(crate) all: &'static str,
    pub(crate) form: &'static str,
    pub(crate) level: &'static str,
    pub(crate) region: &'static str,
    pub(crate) cercle: &'static str,
    pub(crate) commune: &'static str,
    pub(crate) from: &'static str,
    pub(crate) to: &'static str,
    pub(crate) filter: &'static str,
    pub(crate) export: &'static str,
    pub(crate) none: &'static str,
    pub(crate) received: &'static str,
    pub(crate) created: &'static str,
    pub(crate) author: &'static str,
    pub(crate) device: &'static str,
    pub(crate) token: &'static str,
    pub(crate) back: &'static str,
    pub(crate) content: &'static str,
    pub(crate) not_found: &'static str,
    pub(crate) login: &'static str,
    pub(crate) other_lang: &'static str,
    pub(crate) shown: &'static str,
    pub(crate) levels: [&'static str; 4],
}

pub(crate) const FR: Texts = Texts {
    title: "Vigie — coordination",
    records: "Rapports reçus",
    all: "Tous",
    form: "Formulaire",
    level: "Niveau d'alerte",
    region: "Région",
    cercle: "Cercle",
    commune: "Commune",
    from: "Du",
    to: "Au",
    filter: "Filtrer",
    export: "Exporter en CSV (Excel)",
    none: "Aucun rapport ne correspond.",
    received: "Reçu",
    created: "Saisi",
    author: "Auteur",
    device: "Appareil",
    token: "Reçu par l'accès",
    back: "← Tous les rapports",
    content: "Contenu",
    not_found: "Ce rapport n'existe pas.",
    login: "Connexion requise : mot de passe = jeton de coordination.",
    other_lang: "English",
    shown: "affichés (les plus récents d'abord, alertes rouges et orange en tête)",
    levels: ["Rouge", "Orange", "Jaune", "Vert"],
};

pub(crate) const EN: Texts = Texts {
    title: "Vigie — coordination",
    records: "Reports received",
    all: "All",
    form: "Form",
    level: "Alert level",
    region: "Region",
    cercle: "Cercle",
    commune: "Commune",
    from: "From",
    to: "To",
    filter: "Filter",
    export: "Export as CSV (Excel)",
    none: "No report matches.",
    received: "Received",
    created: "Entered",
    author: "Author",
    device: "Device",
    token: "Received through",
    back: "← All reports",
    content: "Content",
    not_found: "This report does not exist.",
    login: "Sign-in required: the password is a coordination token.",
    other_lang: "Français",
    shown: "shown (newest first, red and orange alerts on top)",
    levels: ["Red", "Orange", "Yellow", "Green"],
};

impl Lang {
    pub(crate) fn from_query(q: &HashMap<String, String>) -> Lang {
        if q.get("lang").is_some_and(|l| l == "en") {
            Lang::En
        } else {
            Lang::Fr
        }
    }

    pub(crate) fn t(self) -> &'static Texts {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }

    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
}

pub(crate) fn level_name(t: &Texts, level: &str) -> &'static str {
    LEVELS
        .iter()
        .position(|l| *l == level)
        .map_or("", |i| t.levels[i])
}

pub(crate) fn page(lang: Lang, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
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
        "erreur de base de données / database error",
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

/// Percent-encodes a query value or path segment.
pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `YYYY-MM-DD HH:MM` (UTC, Mali's time) of a receiver timestamp in ms.
pub(crate) fn utc_minutes(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let minutes = ms.rem_euclid(86_400_000) / 60_000;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        minutes / 60,
        minutes % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(urlencode("a b&c=é"), "a%20b%26c%3D%C3%A9");
    }
}
