//! What a monitor's phone learns of the cases its own alerts are in: `POST {base}/status`
//! with the device's id and its record ids (docs/PROTOCOL.md, "Case status"). The receiver
//! answers only for records that came from that device through the same token; a GBV
//! report's news carries its status and nothing more.

use serde::Serialize;
use serde_json::Value as Json;

use super::{Case, Outcome, Status};
use crate::backend::{Backend, HttpRequest, HttpResult};
use crate::i18n::{Lang, Msg};
use crate::record::Millis;

/// Record ids asked at once, at most.
pub const MAX_IDS: usize = 200;

/// The longest institution or transfer text kept on the phone.
const MAX_NAME: usize = 120;

/// Where the case of one of the device's records stands. Read and written through
/// `serde_json::Value` ([`CaseNews::to_json`], [`CaseNews::from_json`]): the phone already
/// carries that code, and a derived decoder would add its own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseNews {
    /// The record's id.
    pub id: String,
    /// `new`, `taken`, `responding` or `closed`.
    pub status: String,
    /// The institution that took charge ("" when none, or for a GBV report).
    pub by: String,
    /// When it took charge, or closed it (0: not said).
    pub at: Millis,
    /// Once closed: `resolved`, `transferred`, `false_alarm`, `no_follow_up` ("" for a
    /// GBV report).
    pub outcome: String,
    /// Transferred to whom.
    pub to: String,
}

fn code<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl CaseNews {
    /// The news of `record`'s case (receiver side). `reserved`: a GBV report, whose news
    /// says where the case stands and nothing else.
    pub fn of(record: &str, case: &Case, reserved: bool) -> CaseNews {
        let mut news = CaseNews {
            id: record.to_owned(),
            status: code(&case.status),
            ..CaseNews::default()
        };
        if reserved {
            return news;
        }
        news.by = case
            .taker
            .as_ref()
            .map(|t| t.institution.clone())
            .unwrap_or_default();
        news.at = match case.status {
            Status::Closed => case.closed_at.unwrap_or(0),
            _ => case.taken_at.unwrap_or(0),
        };
        if let (Status::Closed, Some(o)) = (case.status, &case.outcome) {
            news.outcome = match o {
                Outcome::Resolved => "resolved",
                Outcome::Transferred { .. } => "transferred",
                Outcome::FalseAlarm => "false_alarm",
                Outcome::NoFollowUp => "no_follow_up",
                // Its reports are answered for by the case that took them.
                Outcome::Joined { .. } => "",
            }
            .to_owned();
            if let Outcome::Transferred { to } = o {
                news.to = to.clone();
            }
        }
        news
    }

    /// As JSON: `{"id", "status", "by", "at", "outcome", "to"}` (the receiver's answer).
    pub fn to_json(&self) -> Json {
        serde_json::json!({"id": self.id, "status": self.status, "by": self.by,
            "at": self.at, "outcome": self.outcome, "to": self.to})
    }

    /// From JSON; none unless it has an id (64 characters at most) and a known status.
    /// Texts are bounded.
    pub fn from_json(v: &Json) -> Option<CaseNews> {
        let text = |k: &str| v.get(k).and_then(Json::as_str).unwrap_or("");
        let bounded = |k: &str| text(k).chars().take(MAX_NAME).collect::<String>();
        let status = text("status");
        let known = ["new", "taken", "responding", "closed"].contains(&status);
        let id = text("id");
        (known && !id.is_empty() && id.len() <= 64).then(|| CaseNews {
            id: id.to_owned(),
            status: status.to_owned(),
            by: bounded("by"),
            at: v.get("at").and_then(Json::as_i64).unwrap_or(0),
            outcome: bounded("outcome"),
            to: bounded("to"),
        })
    }

    /// The line shown under the alert in "Mes rapports"; `when` is [`CaseNews::at`] as
    /// the phone writes times.
    pub fn line(&self, lang: Lang, when: &str) -> String {
        let t = |m: Msg| m.text(lang);
        match self.status.as_str() {
            "new" => t(Msg::CaseNewsNew).to_owned(),
            "taken" | "responding" if self.by.is_empty() => t(Msg::CaseNewsTaken).to_owned(),
            "taken" | "responding" => {
                let mut line = t(Msg::CaseNewsTakenBy).replace("{by}", &self.by);
                if self.at > 0 {
                    line = format!("{line}, {when}");
                }
                if self.status == "responding" {
                    line = format!("{line} · {}", t(Msg::CaseNewsResponding));
                }
                line
            }
            "closed" => {
                let how = match self.outcome.as_str() {
                    "resolved" => t(Msg::CaseNewsResolved).to_owned(),
                    "transferred" => t(Msg::CaseNewsTransferred).replace("{to}", &self.to),
                    "false_alarm" => t(Msg::CaseNewsFalseAlarm).to_owned(),
                    "no_follow_up" => t(Msg::CaseNewsNoFollowUp).to_owned(),
                    _ => return t(Msg::CaseNewsClosed).to_owned(),
                };
                t(Msg::CaseNewsClosedHow).replace("{how}", &how)
            }
            _ => String::new(),
        }
    }
}

/// The request for the news of `ids` (the most recent [`MAX_IDS`]); none for a backend
/// that keeps no cases (CouchDB, none) or when there is nothing to ask.
pub fn request(backend: &Backend, device_id: &str, ids: &[String]) -> Option<HttpRequest> {
    let Backend::GenericJson { base, .. } = backend else {
        return None;
    };
    if ids.is_empty() {
        return None;
    }
    let mut req = backend.probe_request()?;
    req.method = "POST";
    req.url = format!("{base}/status");
    req.headers
        .push(("Content-Type".into(), "application/json".into()));
    let ids: Vec<Json> = ids
        .iter()
        .rev()
        .take(MAX_IDS)
        .map(|i| Json::from(i.as_str()))
        .collect();
    let mut body = serde_json::Map::new();
    body.insert("device_id".into(), device_id.into());
    body.insert("ids".into(), Json::Array(ids));
    req.body = Json::Object(body).to_string();
    Some(req)
}

/// The news in an answer: entries that are not well formed are left out, texts bounded.
pub fn read(result: &HttpResult) -> Result<Vec<CaseNews>, String> {
    let value = crate::forms::remote::answer_json(result)?;
    let list = value
        .get("statuses")
        .and_then(Json::as_array)
        .ok_or("the answer has no 'statuses'")?;
    Ok(list
        .iter()
        .take(MAX_IDS)
        .filter_map(CaseNews::from_json)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::{Act, Action};

    fn taken() -> Case {
        Case::open("c-r1", "r1", "rouge", "ML030201", "PHY", 1_000)
            .apply(&Act {
                by: "Awa".into(),
                at: 5_000,
                rev: 1,
                action: Action::Take {
                    institution: "Coordination Sikasso".into(),
                },
                note: String::new(),
            })
            .unwrap()
    }

    fn close(case: &Case, outcome: Outcome) -> Case {
        case.apply(&Act {
            by: "Awa".into(),
            at: 9_000,
            rev: case.rev,
            action: Action::Close { outcome },
            note: String::new(),
        })
        .unwrap()
    }

    #[test]
    fn the_phone_reads_who_took_charge_and_how_it_ended() {
        let news = CaseNews::of("r1", &taken(), false);
        assert_eq!((news.status.as_str(), news.at), ("taken", 5_000));
        assert_eq!(
            news.line(Lang::Fr, "06/12 14:32"),
            "Pris en charge par Coordination Sikasso, 06/12 14:32"
        );
        let closed = CaseNews::of("r1", &close(&taken(), Outcome::Resolved), false);
        assert_eq!(closed.line(Lang::Fr, ""), "Clos : résolu");
        let sent_on = close(
            &taken(),
            Outcome::Transferred {
                to: "Gendarmerie".into(),
            },
        );
        assert_eq!(
            CaseNews::of("r1", &sent_on, false).line(Lang::En, ""),
            "Closed: transferred to Gendarmerie"
        );
    }

    #[test]
    fn a_gbv_report_learns_where_its_case_stands_and_nothing_else() {
        let news = CaseNews::of("r1", &close(&taken(), Outcome::FalseAlarm), true);
        assert_eq!(
            news,
            CaseNews {
                id: "r1".into(),
                status: "closed".into(),
                ..CaseNews::default()
            }
        );
        assert_eq!(news.line(Lang::Fr, "x"), "Clos");
        let taken = CaseNews::of("r1", &taken(), true);
        assert_eq!(taken.line(Lang::Fr, "x"), "Pris en charge");
    }

    #[test]
    fn a_garbled_answer_gives_an_error_and_bad_entries_are_left_out() {
        let answer = |body: &str| HttpResult::Response {
            status: 200,
            body: body.into(),
            retry_after: None,
        };
        assert!(read(&answer("<html>")).is_err());
        assert!(read(&answer("{}")).is_err());
        let got = read(&answer(
            r#"{"statuses": [{"id": "r1", "status": "taken", "by": "X"},
                              {"id": "r2", "status": "lost"}, {"status": "new"}, 7]}"#,
        ))
        .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].by, "X");
    }

    #[test]
    fn only_the_generic_json_receiver_is_asked() {
        let generic = Backend::GenericJson {
            base: "https://r.example/api".into(),
            token: Some("t".into()),
        };
        let req = request(&generic, "dev-1", &["a".into(), "b".into()]).unwrap();
        assert_eq!(
            (req.method, req.url.as_str()),
            ("POST", "https://r.example/api/status")
        );
        let body: Json = serde_json::from_str(&req.body).unwrap();
        assert_eq!(body["device_id"], "dev-1");
        assert_eq!(body["ids"], serde_json::json!(["b", "a"]), "newest first");
        assert!(request(&generic, "dev-1", &[]).is_none());
        assert!(request(&Backend::None, "dev-1", &["a".into()]).is_none());
    }
}
