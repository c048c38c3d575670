//! Cases: a serious alert becomes a case that someone takes charge of, responds to and
//! closes. Pure rules of the situation room: the receiver stores cases and changes them
//! only through [`Case::apply`], which checks the revision the coordinator saw, whether
//! the change is allowed from where the case stands, and keeps every change in the
//! history, never rewriting it — except that reports joined one after another by the same
//! hand, the case's status unchanged, share one line that counts them (the rules join
//! every report of a busy commune: a line each made a case of thousands of reports a page
//! of thousands of lines, read and rewritten whole at each join).

pub mod news;
pub mod rules;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::record::Millis;

/// Alert levels, least serious first (as records store them).
pub const LEVELS: [&str; 4] = ["vert", "jaune", "orange", "rouge"];

/// How serious `level` is: 0 (vert) to 3 (rouge); unknown levels count as vert.
pub fn rank(level: &str) -> usize {
    LEVELS.iter().position(|l| *l == level).unwrap_or(0)
}

/// The more serious of two levels.
pub fn highest<'a>(a: &'a str, b: &'a str) -> &'a str {
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

/// Most characters of a note or a response entry.
pub const MAX_TEXT: usize = 2_000;

/// How long two reports of one incident may lie apart and still be suggested as one case.
pub const JOIN_WINDOW_MS: Millis = 48 * 3_600_000;

/// Where a case stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Opened; nobody has it yet.
    New,
    /// Someone took charge of it, for an institution.
    Taken,
    /// A response is under way (at least one entry in its log).
    Responding,
    /// Closed with an outcome; it may be reopened.
    Closed,
}

/// How a case ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// The situation was dealt with.
    Resolved,
    /// Handed to another body (named).
    Transferred {
        /// Who it went to.
        to: String,
    },
    /// Not what the alert said.
    FalseAlarm,
    /// Nothing more can or will be done.
    NoFollowUp,
    /// The same incident as another case, which now holds its reports.
    Joined {
        /// That case's id.
        into: String,
    },
}

/// Who holds a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taker {
    /// The person (their coordinator token's label).
    pub name: String,
    /// For which institution.
    pub institution: String,
}

/// One change of a case, kept for ever.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// When (receiver clock, ms).
    pub at: Millis,
    /// Who.
    pub by: String,
    /// What the change was, in the log's words (`take`, `respond`, `close`, `reopen`,
    /// `join`, `raise`).
    pub what: String,
    /// Status before.
    pub from: Status,
    /// Status after.
    pub to: Status,
    /// What they wrote, if anything (for a join, the report joined, or the case merged).
    #[serde(default)]
    pub note: String,
    /// For a join line: how many more reports it joined after the first, the last at
    /// [`Change::last_at`].
    #[serde(default, skip_serializing_if = "is_zero")]
    pub more: u32,
    /// When the last of those was joined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_at: Option<Millis>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// Its id.
    pub id: String,
    /// Revision: one more with each change. A change made on an older revision is refused.
    pub rev: u64,
    /// The highest level of its reports (or what an alert rule gave it).
    pub level: String,
    /// Where: the most precise P-code its first report gave.
    pub place: String,
    /// The incident category (the typology's top level), "" if unknown.
    pub category: String,
    /// The records (ids) and SMS alerts (`sms:<id>`) it groups.
    pub reports: Vec<String>,
    /// When it was opened.
    pub opened_at: Millis,
    /// Where it stands.
    pub status: Status,
    /// Who holds it, once taken.
    #[serde(default)]
    pub taker: Option<Taker>,
    /// How it ended, once closed.
    #[serde(default)]
    pub outcome: Option<Outcome>,
    /// When it was first taken in charge.
    #[serde(default)]
    pub taken_at: Option<Millis>,
    /// When it was last closed.
    #[serde(default)]
    pub closed_at: Option<Millis>,
    /// Every change, oldest first.
    #[serde(default)]
    pub history: Vec<Change>,
}

/// What a coordinator does to a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Take charge, for an institution.
    Take {
        /// The institution.
        institution: String,
    },
    /// Log what was done (the response log).
    Respond {
        /// What was done.
        text: String,
    },
    /// Close with an outcome.
    Close {
        /// How it ended.
        outcome: Outcome,
    },
    /// Reopen a closed case.
    Reopen,
    /// Take a report out: it was another incident (the receiver opens a case for it).
    /// The case keeps its level.
    Split {
        /// The record id (or `sms:<id>`).
        report: String,
    },
    /// This case is the same incident as an open case `into`, which takes its reports: it
    /// closes, from wherever it stands.
    JoinInto {
        /// The case that takes the reports.
        into: String,
    },
    /// Add a report of the same incident; the case takes its level if higher.
    Join {
        /// The record id (or `sms:<id>`).
        report: String,
        /// Its level.
        level: String,
    },
}

/// An action with who does it, when, on which revision, and their note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Act {
    /// Who.
    pub by: String,
    /// When.
    pub at: Millis,
    /// The revision they saw.
    pub rev: u64,
    /// What.
    pub action: Action,
    /// What they wrote with it.
    pub note: String,
}

/// Why a change is refused: nothing is written.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum CaseError {
    /// Someone changed the case since it was shown: here is the current one.
    #[error("the case changed since you opened it (revision {current})")]
    Stale {
        /// The current revision.
        current: u64,
    },
    /// Not from where the case stands (closing a new case, taking a closed one…).
    #[error("'{action}' is not possible while the case is {from:?}")]
    NotAllowed {
        /// The action.
        action: &'static str,
        /// The status it stands at.
        from: Status,
    },
    /// A response entry, an institution or a transfer's recipient left empty.
    #[error("{0} is empty")]
    Empty(&'static str),
    /// A text over [`MAX_TEXT`] characters.
    #[error("{0} is longer than 2,000 characters")]
    TooLong(&'static str),
    /// The report is already in the case.
    #[error("the report is already in this case")]
    AlreadyJoined,
    /// The report is not in the case, or is its only one.
    #[error("the report is not one the case can let go")]
    NotSplittable,
}

fn text<'a>(value: &'a str, what: &'static str, required: bool) -> Result<&'a str, CaseError> {
    let t = value.trim();
    if required && t.is_empty() {
        return Err(CaseError::Empty(what));
    }
    if t.chars().count() > MAX_TEXT {
        return Err(CaseError::TooLong(what));
    }
    Ok(t)
}

impl Case {
    /// A new case for `report` (a record id or `sms:<id>`), opened at `at`.
    pub fn open(
        id: &str,
        report: &str,
        level: &str,
        place: &str,
        category: &str,
        at: Millis,
    ) -> Case {
        Case {
            id: id.to_owned(),
            rev: 1,
            level: level.to_owned(),
            place: place.to_owned(),
            category: category.to_owned(),
            reports: vec![report.to_owned()],
            opened_at: at,
            status: Status::New,
            taker: None,
            outcome: None,
            taken_at: None,
            closed_at: None,
            history: Vec::new(),
        }
    }

    /// Whether it is still to be dealt with.
    pub fn is_open(&self) -> bool {
        self.status != Status::Closed
    }

    /// Time from opening to the first taking in charge.
    pub fn time_to_take_charge(&self) -> Option<Millis> {
        self.taken_at.map(|t| t - self.opened_at)
    }

    /// Time from opening to the last closing (while closed).
    pub fn time_to_close(&self) -> Option<Millis> {
        match (self.status, self.closed_at) {
            (Status::Closed, Some(t)) => Some(t - self.opened_at),
            _ => None,
        }
    }

    /// The case after `act`, or why not. The history gains one change; nothing in it is
    /// rewritten, but for a join following a join by the same hand and with the case's
    /// status unchanged, which counts on that line.
    pub fn apply(&self, act: &Act) -> Result<Case, CaseError> {
        if act.rev != self.rev {
            return Err(CaseError::Stale { current: self.rev });
        }
        let note = text(&act.note, "the note", false)?.to_owned();
        let mut next = self.clone();
        let (what, to) = match &act.action {
            Action::Take { institution } => {
                let institution = text(institution, "the institution", true)?;
                if self.status == Status::Closed {
                    return Err(CaseError::NotAllowed {
                        action: "take",
                        from: self.status,
                    });
                }
                next.taker = Some(Taker {
                    name: act.by.clone(),
                    institution: institution.to_owned(),
                });
                next.taken_at.get_or_insert(act.at);
                // Taking over a case under way keeps it under way.
                let to = if self.status == Status::Responding {
                    Status::Responding
                } else {
                    Status::Taken
                };
                ("take", to)
            }
            Action::Respond { text: entry } => {
                let entry = text(entry, "the response", true)?;
                if !matches!(self.status, Status::Taken | Status::Responding) {
                    return Err(CaseError::NotAllowed {
                        action: "respond",
                        from: self.status,
                    });
                }
                next.history.push(Change {
                    at: act.at,
                    by: act.by.clone(),
                    what: "respond".into(),
                    from: self.status,
                    to: Status::Responding,
                    note: entry.to_owned(),
                    more: 0,
                    last_at: None,
                });
                next.rev += 1;
                next.status = Status::Responding;
                return Ok(next);
            }
            Action::Close { outcome } => {
                if let Outcome::Transferred { to } = outcome {
                    text(to, "who it was transferred to", true)?;
                }
                if !matches!(self.status, Status::Taken | Status::Responding) {
                    return Err(CaseError::NotAllowed {
                        action: "close",
                        from: self.status,
                    });
                }
                next.outcome = Some(outcome.clone());
                next.closed_at = Some(act.at);
                ("close", Status::Closed)
            }
            Action::Reopen => {
                if self.status != Status::Closed {
                    return Err(CaseError::NotAllowed {
                        action: "reopen",
                        from: self.status,
                    });
                }
                next.outcome = None;
                let to = if self.taker.is_some() {
                    Status::Taken
                } else {
                    Status::New
                };
                ("reopen", to)
            }
            Action::Split { report } => {
                if !self.reports.contains(report) || self.reports.len() < 2 {
                    return Err(CaseError::NotSplittable);
                }
                next.reports.retain(|r| r != report);
                ("split", self.status)
            }
            Action::JoinInto { into } => {
                if self.status == Status::Closed || into == &self.id {
                    return Err(CaseError::NotAllowed {
                        action: "join",
                        from: self.status,
                    });
                }
                next.outcome = Some(Outcome::Joined { into: into.clone() });
                next.closed_at = Some(act.at);
                ("merge", Status::Closed)
            }
            Action::Join { report, level } => {
                if self.reports.contains(report) {
                    return Err(CaseError::AlreadyJoined);
                }
                next.reports.push(report.clone());
                next.level = highest(&self.level, level).to_owned();
                // A report joined as itself (the rules' joins; a merge notes the case it
                // came from) after another such line: counted there, unless it raises the
                // case (when it went red stays a line of its own).
                let raised = next.level != self.level;
                if let Some(line) = next.history.last_mut().filter(|h| {
                    act.note == *report
                        && !raised
                        && h.what == "join"
                        && h.by == act.by
                        && h.to == self.status
                        && !h.note.starts_with("c-")
                }) {
                    line.more = line.more.saturating_add(1);
                    line.last_at = Some(act.at);
                    next.rev += 1;
                    return Ok(next);
                }
                (if raised { "raise" } else { "join" }, self.status)
            }
        };
        next.history.push(Change {
            at: act.at,
            by: act.by.clone(),
            what: what.into(),
            from: self.status,
            to,
            note,
            more: 0,
            last_at: None,
        });
        next.status = to;
        next.rev += 1;
        Ok(next)
    }
}

/// The open case a new report of `category` at `place` (its most precise P-code), made at
/// `at`, most likely belongs to: same commune and category, opened within
/// [`JOIN_WINDOW_MS`]; the most recent one. A suggestion: a coordinator joins with one
/// action.
pub fn suggest_join<'a>(
    open: &'a [Case],
    place: &str,
    category: &str,
    at: Millis,
) -> Option<&'a Case> {
    let commune = |code: &str| code.get(..8).map(str::to_owned);
    open.iter()
        .filter(|c| c.is_open())
        .filter(|c| !category.is_empty() && c.category == category)
        .filter(|c| commune(&c.place).is_some() && commune(&c.place) == commune(place))
        .filter(|c| (at - c.opened_at).abs() <= JOIN_WINDOW_MS)
        .max_by_key(|c| c.opened_at)
}

/// What is worth telling people outside the pages about a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Notice {
    /// A case was opened.
    #[serde(rename = "case.new")]
    Opened,
    /// An open case was raised to red (a more serious report joined it).
    #[serde(rename = "case.raised")]
    RaisedToRed,
    /// A case is still not taken in charge after the configured delay.
    #[serde(rename = "case.waiting")]
    Waiting,
}

impl Notice {
    /// Its name on the wire (`case.new`…).
    pub fn name(self) -> &'static str {
        match self {
            Notice::Opened => "case.new",
            Notice::RaisedToRed => "case.raised",
            Notice::Waiting => "case.waiting",
        }
    }
}

/// What changed from `before` (none: the case is new) to `after` that people must be told.
pub fn notice(before: Option<&Case>, after: &Case) -> Option<Notice> {
    match before {
        None => Some(Notice::Opened),
        Some(b) if after.level == "rouge" && b.level != "rouge" && after.is_open() => {
            Some(Notice::RaisedToRed)
        }
        Some(_) => None,
    }
}

/// Whether `case` has waited at least `delay` ms at `now` without anyone taking charge.
pub fn waiting_too_long(case: &Case, now: Millis, delay: Millis) -> bool {
    case.status == Status::New && case.taken_at.is_none() && now - case.opened_at >= delay
}

#[cfg(test)]
mod tests {
    use super::*;

    fn act(rev: u64, action: Action) -> Act {
        Act {
            by: "Coordination Sikasso".into(),
            at: 10_000 + rev as Millis,
            rev,
            action,
            note: String::new(),
        }
    }

    fn take() -> Action {
        Action::Take {
            institution: "Gouvernorat de Sikasso".into(),
        }
    }

    #[test]
    fn a_case_goes_from_new_to_closed_and_every_step_is_kept() {
        let c = Case::open("c1", "r1", "rouge", "ML030201", "PHY", 1_000);
        let c = c.apply(&act(1, take())).unwrap();
        assert_eq!((c.status, c.rev), (Status::Taken, 2));
        assert_eq!(c.time_to_take_charge(), Some(10_001 - 1_000));
        let c = c
            .apply(&act(
                2,
                Action::Respond {
                    text: "Médiation avec les chefs".into(),
                },
            ))
            .unwrap();
        assert_eq!(c.status, Status::Responding);
        let c = c
            .apply(&act(
                3,
                Action::Close {
                    outcome: Outcome::Resolved,
                },
            ))
            .unwrap();
        assert_eq!(c.status, Status::Closed);
        assert_eq!(c.time_to_close(), Some(10_003 - 1_000));
        let c = c.apply(&act(4, Action::Reopen)).unwrap();
        assert_eq!((c.status, c.outcome.clone()), (Status::Taken, None));
        assert_eq!(c.time_to_close(), None);
        let steps: Vec<_> = c
            .history
            .iter()
            .map(|h| (h.what.as_str(), h.from, h.to))
            .collect();
        assert_eq!(
            steps,
            [
                ("take", Status::New, Status::Taken),
                ("respond", Status::Taken, Status::Responding),
                ("close", Status::Responding, Status::Closed),
                ("reopen", Status::Closed, Status::Taken),
            ]
        );
        assert_eq!(c.history[1].note, "Médiation avec les chefs");
    }

    /// The rules joining `report` as Vigie does, on revision `rev`.
    fn rule_join(c: &Case, report: &str, at: Millis) -> Case {
        c.apply(&Act {
            by: "Vigie".into(),
            at,
            rev: c.rev,
            note: report.into(),
            action: Action::Join {
                report: report.into(),
                level: "jaune".into(),
            },
        })
        .unwrap()
    }

    #[test]
    fn reports_joined_one_after_another_by_the_rules_share_one_counted_line() {
        let mut c = Case::open("c1", "r1", "jaune", "ML030201", "PHY", 1_000);
        for i in 2..=400 {
            c = rule_join(&c, &format!("r{i}"), 1_000 + i);
        }
        assert_eq!(c.reports.len(), 400);
        assert_eq!(c.rev, 400, "each join is still a revision");
        assert_eq!(c.history.len(), 1, "{:?}", c.history.last());
        let line = &c.history[0];
        assert_eq!(
            (line.note.as_str(), line.more, line.last_at),
            ("r2", 398, Some(1_400))
        );
        // A coordinator's step in between: the next join starts a line of its own.
        let c = c.apply(&act(400, take())).unwrap();
        let c = rule_join(&c, "r401", 20_000);
        let c = rule_join(&c, "r402", 20_001);
        let steps: Vec<_> = c
            .history
            .iter()
            .map(|h| (h.what.as_str(), h.more))
            .collect();
        assert_eq!(steps, [("join", 398), ("take", 0), ("join", 1)]);
        // A report that raises the case: a line of its own, when it went red.
        let red = c
            .apply(&Act {
                by: "Vigie".into(),
                at: 30_000,
                rev: c.rev,
                note: "r403".into(),
                action: Action::Join {
                    report: "r403".into(),
                    level: "rouge".into(),
                },
            })
            .unwrap();
        assert_eq!(red.history.len(), 4);
        assert_eq!(
            (red.history[3].what.as_str(), red.history[3].at),
            ("raise", 30_000)
        );
        // The reports after it count on a line of their own, not on the raise.
        let after = rule_join(&rule_join(&red, "r404", 30_001), "r405", 30_002);
        let steps: Vec<_> = after
            .history
            .iter()
            .map(|h| (h.what.as_str(), h.more))
            .collect();
        assert_eq!(
            steps,
            [
                ("join", 398),
                ("take", 0),
                ("join", 1),
                ("raise", 0),
                ("join", 1)
            ]
        );
        // A merge notes the case each report came from: a line each, never counted in.
        let merged = c
            .apply(&Act {
                note: "c9".into(),
                ..act(
                    c.rev,
                    Action::Join {
                        report: "r900".into(),
                        level: "rouge".into(),
                    },
                )
            })
            .unwrap();
        assert_eq!(merged.history.len(), 4);
        assert_eq!(merged.history[3].note, "c9");
        // A line written by an earlier build (no count) reads as one report.
        let old: Change = serde_json::from_str(
            r#"{"at":1,"by":"Vigie","what":"join","from":"new","to":"new","note":"r2"}"#,
        )
        .unwrap();
        assert_eq!((old.more, old.last_at), (0, None));
        assert!(!serde_json::to_string(&old).unwrap().contains("more"));
    }

    #[test]
    fn a_stale_or_impossible_change_is_refused_and_writes_nothing() {
        let c = Case::open("c1", "r1", "orange", "ML030201", "PHY", 0);
        assert_eq!(
            c.apply(&act(7, take())),
            Err(CaseError::Stale { current: 1 })
        );
        assert_eq!(
            c.apply(&act(
                1,
                Action::Close {
                    outcome: Outcome::Resolved
                }
            )),
            Err(CaseError::NotAllowed {
                action: "close",
                from: Status::New
            })
        );
        assert_eq!(
            c.apply(&act(1, Action::Respond { text: "x".into() })),
            Err(CaseError::NotAllowed {
                action: "respond",
                from: Status::New
            })
        );
        assert_eq!(
            c.apply(&act(1, Action::Reopen)).unwrap_err(),
            CaseError::NotAllowed {
                action: "reopen",
                from: Status::New
            }
        );
        let taken = c.apply(&act(1, take())).unwrap();
        assert_eq!(
            taken.apply(&act(2, Action::Respond { text: "  ".into() })),
            Err(CaseError::Empty("the response"))
        );
        assert_eq!(
            taken.apply(&act(
                2,
                Action::Respond {
                    text: "é".repeat(MAX_TEXT + 1)
                }
            )),
            Err(CaseError::TooLong("the response"))
        );
        assert_eq!(
            taken.apply(&act(
                2,
                Action::Close {
                    outcome: Outcome::Transferred { to: " ".into() }
                }
            )),
            Err(CaseError::Empty("who it was transferred to"))
        );
        assert_eq!(
            c.apply(&act(
                1,
                Action::Take {
                    institution: String::new()
                }
            )),
            Err(CaseError::Empty("the institution"))
        );
    }

    #[test]
    fn two_coordinators_at_once_one_wins_the_other_is_told() {
        let c = Case::open("c1", "r1", "rouge", "ML030201", "PHY", 0);
        let first = c.apply(&act(1, take())).unwrap();
        // The second saw revision 1 too.
        assert_eq!(
            first.apply(&act(1, take())),
            Err(CaseError::Stale { current: 2 })
        );
    }

    #[test]
    fn a_joined_report_raises_the_level_and_joins_once() {
        let c = Case::open("c1", "r1", "orange", "ML030201", "PHY", 0);
        let c = c
            .apply(&act(
                1,
                Action::Join {
                    report: "sms:4".into(),
                    level: "rouge".into(),
                },
            ))
            .unwrap();
        assert_eq!((c.level.as_str(), c.reports.len()), ("rouge", 2));
        let again = c.apply(&act(
            2,
            Action::Join {
                report: "sms:4".into(),
                level: "jaune".into(),
            },
        ));
        assert_eq!(again, Err(CaseError::AlreadyJoined));
        let lower = c
            .apply(&act(
                2,
                Action::Join {
                    report: "r9".into(),
                    level: "jaune".into(),
                },
            ))
            .unwrap();
        assert_eq!(
            lower.level, "rouge",
            "a lower report does not lower the case"
        );
    }

    #[test]
    fn a_report_is_suggested_to_the_open_case_of_its_commune_and_category() {
        let h = 3_600_000;
        let open = vec![
            Case::open("a", "r1", "orange", "ML030201", "PHY", 0),
            Case::open("b", "r2", "orange", "ML030202", "PHY", 0),
            Case::open("c", "r3", "orange", "ML030201", "VBG", 0),
        ];
        assert_eq!(
            suggest_join(&open, "ML030201", "PHY", 47 * h).map(|c| c.id.as_str()),
            Some("a")
        );
        assert_eq!(
            suggest_join(&open, "ML030201", "PHY", 49 * h),
            None,
            "too late"
        );
        assert_eq!(
            suggest_join(&open, "ML030203", "PHY", h),
            None,
            "another commune"
        );
        assert_eq!(
            suggest_join(&open, "ML0302", "PHY", h),
            None,
            "a cercle only"
        );
        assert_eq!(suggest_join(&open, "ML030201", "", h), None, "no category");
    }

    #[test]
    fn a_new_case_and_a_raise_to_red_are_told_other_changes_are_not() {
        let c = Case::open("c1", "r1", "orange", "ML030201", "PHY", 1_000);
        assert_eq!(notice(None, &c), Some(Notice::Opened));
        let joined = c
            .apply(&act(
                1,
                Action::Join {
                    report: "r2".into(),
                    level: "rouge".into(),
                },
            ))
            .unwrap();
        assert_eq!(notice(Some(&c), &joined), Some(Notice::RaisedToRed));
        let again = joined
            .apply(&act(
                2,
                Action::Join {
                    report: "r3".into(),
                    level: "rouge".into(),
                },
            ))
            .unwrap();
        assert_eq!(notice(Some(&joined), &again), None, "already red");
        let taken = again.apply(&act(3, take())).unwrap();
        assert_eq!(notice(Some(&again), &taken), None);
        assert_eq!(Notice::Waiting.name(), "case.waiting");
    }

    #[test]
    fn only_a_case_nobody_took_waits_too_long() {
        let c = Case::open("c1", "r1", "rouge", "ML030201", "PHY", 1_000);
        assert!(!waiting_too_long(&c, 1_000 + 59_999, 60_000));
        assert!(waiting_too_long(&c, 1_000 + 60_000, 60_000));
        let taken = c.apply(&act(1, take())).unwrap();
        assert!(!waiting_too_long(&taken, 1_000_000, 60_000));
    }

    #[test]
    fn a_report_is_split_off_and_a_case_joins_another_from_any_open_status() {
        let c = Case::open("c1", "r1", "orange", "ML030201", "PHY", 1_000);
        assert_eq!(
            c.apply(&act(
                1,
                Action::Split {
                    report: "r1".into()
                }
            )),
            Err(CaseError::NotSplittable),
            "not its only report"
        );
        let two = c
            .apply(&act(
                1,
                Action::Join {
                    report: "r2".into(),
                    level: "rouge".into(),
                },
            ))
            .unwrap();
        let one = two
            .apply(&act(
                2,
                Action::Split {
                    report: "r2".into(),
                },
            ))
            .unwrap();
        assert_eq!(one.reports, ["r1"]);
        assert_eq!(one.level, "rouge", "the level is kept");
        assert_eq!(one.history.last().map(|h| h.what.as_str()), Some("split"));
        assert_eq!(
            one.apply(&act(
                3,
                Action::Split {
                    report: "r9".into()
                }
            )),
            Err(CaseError::NotSplittable)
        );
        let merged = one
            .apply(&act(3, Action::JoinInto { into: "c2".into() }))
            .unwrap();
        assert_eq!(merged.status, Status::Closed);
        assert_eq!(merged.outcome, Some(Outcome::Joined { into: "c2".into() }));
        assert!(matches!(
            merged.apply(&act(4, Action::JoinInto { into: "c3".into() })),
            Err(CaseError::NotAllowed { .. })
        ));
        assert!(
            one.apply(&act(3, Action::JoinInto { into: "c1".into() }))
                .is_err(),
            "not into itself"
        );
    }
}
