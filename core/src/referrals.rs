//! The referral directory: the services a survivor of violence can be sent to (health,
//! psychosocial, legal, safety), published by the backend like form definitions, cached on
//! the phone for offline use, shown after a GBV report and from Home.
//!
//! Generic JSON: `GET {base}/referrals` → `{"referrals": [ {…}, … ]}`; CouchDB: one document
//! per service in `{db}-referrals`. Each entry is checked; a bad one is left out and counted.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::outbox::backend::{Backend, HttpRequest, HttpResult};

/// Most entries kept (a directory is a page, not a database).
pub const MAX_ENTRIES: usize = 500;

/// One service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    /// Kind of service, in words (`Santé`, `Aide juridique`).
    pub service: String,
    /// Who (`Centre de santé de référence de Kadiolo`).
    pub name: String,
    /// Commune P-code, or empty.
    #[serde(default)]
    pub commune: String,
    /// Phone number as dialled (digits, spaces, a leading `+`).
    pub phone: String,
    /// Opening hours in words.
    #[serde(default)]
    pub hours: String,
}

impl Referral {
    /// The `tel:` link of its number.
    pub fn tel_href(&self) -> String {
        let digits: String = self
            .phone
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        format!("tel:{digits}")
    }

    /// The commune's name, if the entry names a known one.
    pub fn commune_name(&self) -> Option<&'static str> {
        crate::admin::name_of(&self.commune)
    }
}

/// The request for the directory; None without a backend.
pub fn request(backend: &Backend) -> Option<HttpRequest> {
    crate::forms::remote::published_request(backend, "referrals")
}

fn text(v: &Json, key: &str, max: usize) -> Option<String> {
    let s = v.get(key)?.as_str()?.trim();
    (s.chars().count() <= max).then(|| s.to_owned())
}

/// One entry, checked: a name, a phone number with at least 4 digits, bounded texts.
pub fn entry(v: &Json) -> Option<Referral> {
    let phone = text(v, "phone", 30)?;
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let plain = phone
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || c == ' ' || (c == '+' && i == 0));
    if digits < 4 || !plain {
        return None;
    }
    let name = text(v, "name", 120).filter(|n| !n.is_empty())?;
    Some(Referral {
        service: text(v, "service", 60).unwrap_or_default(),
        name,
        commune: text(v, "commune", 12).unwrap_or_default(),
        phone,
        hours: text(v, "hours", 80).unwrap_or_default(),
    })
}

/// How near to a report's place the services [`near`] gives are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nearness {
    /// In the report's commune.
    Commune,
    /// In its cercle (none in the commune itself).
    Cercle,
    /// Anywhere (none in its cercle, or no place given): the whole directory.
    Anywhere,
}

/// The services to offer for a report in `commune` (a P-code, or empty): those of the
/// commune if there are any, else of its cercle, else all of them; services published for
/// no commune (national lines) come with each.
pub fn near<'a>(list: &'a [Referral], commune: &str) -> (Vec<&'a Referral>, Nearness) {
    let national = |r: &&Referral| r.commune.is_empty();
    let pick = |prefix: &str| -> Vec<&'a Referral> {
        let mut local: Vec<&Referral> = list
            .iter()
            .filter(|r| !r.commune.is_empty() && r.commune.starts_with(prefix))
            .collect();
        if !local.is_empty() {
            local.extend(list.iter().filter(national));
        }
        local
    };
    if commune.len() >= 8 {
        let here = pick(commune);
        if !here.is_empty() {
            return (here, Nearness::Commune);
        }
    }
    if commune.len() >= 6 {
        let cercle = pick(&commune[..6]);
        if !cercle.is_empty() {
            return (cercle, Nearness::Cercle);
        }
    }
    (list.iter().collect(), Nearness::Anywhere)
}

/// Reads the backend's answer: the valid entries and how many were left out. `Err` when
/// the answer as a whole is unusable (the cached directory stays).
pub fn read(result: &HttpResult) -> Result<(Vec<Referral>, usize), String> {
    parse(&crate::forms::remote::answer_json(result)?)
}

/// The entries of a directory document (`{"referrals": […]}` or CouchDB's `rows`).
pub fn parse(value: &Json) -> Result<(Vec<Referral>, usize), String> {
    let items = crate::forms::remote::items(value, "referrals")?;
    let good: Vec<Referral> = items
        .iter()
        .filter_map(|v| entry(v))
        .take(MAX_ENTRIES)
        .collect();
    let left_out = items.len().saturating_sub(good.len());
    Ok((good, left_out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn good_entries_are_kept_and_bad_ones_counted() {
        let doc = json!({"referrals": [
            {"service": "Santé", "name": "CSRéf de Kadiolo", "commune": "ML030204", "phone": "+223 20 00 00 00", "hours": "24 h / 24"},
            {"service": "Juridique", "name": "", "phone": "+223 20 00 00 01"},
            {"name": "Clinique", "phone": "javascript:alert(1)"},
            {"name": "Trop court", "phone": "12"},
            "pas un objet",
        ]});
        let (good, left_out) = parse(&doc).unwrap();
        assert_eq!(good.len(), 1);
        assert_eq!(left_out, 4);
        assert_eq!(good[0].tel_href(), "tel:+22320000000");
        assert_eq!(good[0].commune_name(), Some("Kadiolo"));
        assert!(parse(&json!({"autre": 1})).is_err());
    }

    #[test]
    fn the_services_nearest_the_report_come_first() {
        let r = |name: &str, commune: &str| Referral {
            service: "Santé".into(),
            name: name.into(),
            commune: commune.into(),
            phone: "+223 20 00 00 00".into(),
            hours: String::new(),
        };
        let list = vec![
            r("CSRéf Kadiolo", "ML030204"),
            r("CSCom Loulouni", "ML030203"),
            r("Hôpital Kayes", "ML010101"),
            r("Ligne nationale", ""),
        ];
        let names = |(found, how): (Vec<&Referral>, Nearness)| {
            (
                found.iter().map(|r| r.name.clone()).collect::<Vec<_>>(),
                how,
            )
        };
        assert_eq!(
            names(near(&list, "ML030204")),
            (
                vec!["CSRéf Kadiolo".into(), "Ligne nationale".into()],
                Nearness::Commune
            )
        );
        // Another commune of the cercle: the cercle's services.
        assert_eq!(
            names(near(&list, "ML030201")),
            (
                vec![
                    "CSRéf Kadiolo".into(),
                    "CSCom Loulouni".into(),
                    "Ligne nationale".into()
                ],
                Nearness::Cercle
            )
        );
        assert_eq!(near(&list, "ML050101").1, Nearness::Anywhere);
        assert_eq!(near(&list, "").0.len(), 4);
        assert_eq!(near(&[], "ML030204"), (vec![], Nearness::Anywhere));
    }

    #[test]
    fn couchdb_rows_and_requests() {
        let rows = json!({"rows": [
            {"doc": {"_id": "a", "_rev": "1-x", "name": "Écoute", "phone": "80 00 11 14"}},
            {"doc": {"_id": "_design/v", "name": "x", "phone": "1234"}},
        ]});
        let (good, left_out) = parse(&rows).unwrap();
        assert_eq!((good.len(), left_out), (1, 0));
        let g = Backend::GenericJson {
            base: "https://r.example.org/api".into(),
            token: None,
        };
        assert_eq!(
            request(&g).unwrap().url,
            "https://r.example.org/api/referrals"
        );
        assert!(request(&Backend::None).is_none());
        let bad = HttpResult::Response {
            status: 200,
            body: "<html>".into(),
            retry_after: None,
        };
        assert!(read(&bad).is_err());
    }
}
