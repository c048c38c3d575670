//! A plan on the phone and its sync with a backend: pure steps (which request to send, what
//! an answer means, how the copy changes), driven by the app's adapter.
//!
//! The phone keeps two copies: `base`, the last revision both it and the server hold, and
//! `mine`, the working copy every edit goes to (saved before "Enregistré" shows). Sync
//! sends `mine` with `base`'s revision; a stale base is answered with the current
//! revision, which is merged in ([`super::merge`]) and sent again. A copy equal to its base
//! has nothing to send.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::merge::merge;
use super::wire::{PlanPut, PlanSaved, PlanStale};
use super::{Plan, Revision};
use crate::backend::{Backend, HttpRequest, HttpResult};
use crate::protocol::{Class, ErrorBody};
use crate::record::{Author, Millis};

/// Where a plan's sync stands, for the screens. Stored as `{"state": "retry", "reason":
/// …}`; decoded through [`RawPlanState`] (serde's internally-tagged decoder is large in
/// wasm).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case", try_from = "RawPlanState")]
pub enum PlanState {
    /// Nothing to send, or not tried yet.
    #[default]
    Idle,
    /// The last try failed and will be retried (network, server error).
    Retry {
        /// Why, in a few words.
        reason: String,
    },
    /// Credentials refused.
    NeedsAuth,
    /// The server refused this copy; a person must look.
    Rejected {
        /// The server's reason.
        reason: String,
    },
}

/// Every field any [`PlanState`] stores, for decoding.
#[derive(Deserialize)]
pub struct RawPlanState {
    state: String,
    #[serde(default)]
    reason: Option<String>,
}

impl TryFrom<RawPlanState> for PlanState {
    type Error = String;

    fn try_from(r: RawPlanState) -> Result<Self, String> {
        let reason = || {
            r.reason
                .clone()
                .ok_or_else(|| format!("state '{}' needs 'reason'", r.state))
        };
        Ok(match r.state.as_str() {
            "idle" => PlanState::Idle,
            "retry" => PlanState::Retry { reason: reason()? },
            "needs_auth" => PlanState::NeedsAuth,
            "rejected" => PlanState::Rejected { reason: reason()? },
            other => return Err(format!("unknown plan state '{other}'")),
        })
    }
}

/// A plan on the phone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanCopy {
    /// The last revision the server confirmed (`None`: never sent).
    pub base: Option<Revision>,
    /// The working copy.
    pub mine: Plan,
    /// When `mine` was last edited here (device clock).
    #[serde(default)]
    pub edited_at: Millis,
    /// Sync state.
    #[serde(default)]
    pub state: PlanState,
}

impl PlanCopy {
    /// A plan created on this phone.
    pub fn new(plan: Plan, now: Millis) -> PlanCopy {
        PlanCopy {
            base: None,
            mine: plan,
            edited_at: now,
            state: PlanState::Idle,
        }
    }

    /// A plan as the server has it, not edited here.
    pub fn from_server(rev: Revision) -> PlanCopy {
        PlanCopy {
            mine: rev.plan.clone(),
            base: Some(rev),
            edited_at: 0,
            state: PlanState::Idle,
        }
    }

    /// Whether this copy holds edits the server does not have.
    pub fn has_changes(&self) -> bool {
        self.base.as_ref().is_none_or(|b| b.plan != self.mine)
    }

    /// Takes in a revision from a listing, as [`take_in`](Self::take_in), unless it is older
    /// than the base (a late answer, or a CouchDB node not yet in step): merged, it would
    /// undo what came since, and this phone would then send that as an edit. The answer to
    /// a write is the server's word and always taken in (a server restored from a backup
    /// counts from lower numbers).
    pub fn take_in_listed(&mut self, listed: Revision) {
        let older = self.base.as_ref().is_some_and(|b| {
            matches!((generation(&listed.rev), generation(&b.rev)), (Some(l), Some(b)) if l < b)
        });
        if !older {
            self.take_in(listed);
        }
    }

    /// Takes in the server's current revision (from a listing or a `409`): merged with the
    /// edits made here since the base.
    pub fn take_in(&mut self, current: Revision) {
        if self.base.as_ref().is_some_and(|b| b.rev == current.rev) {
            return;
        }
        self.mine = merge(
            self.base.as_ref().map(|b| &b.plan),
            &self.mine,
            &current.plan,
        );
        self.base = Some(current);
    }

    /// The server now holds `sent` as `rev`; edits made here since it was sent stay in
    /// `mine`, still to send.
    pub fn saved(&mut self, rev: String, sent: Plan) {
        self.base = Some(Revision { rev, plan: sent });
        self.state = PlanState::Idle;
    }
}

/// A revision's number: the receiver's `"3"`, the `3` of CouchDB's `"3-9f1c…"`.
fn generation(rev: &str) -> Option<u64> {
    rev.split('-').next()?.parse().ok()
}

/// What a `PUT` of a plan came to.
#[derive(Clone, Debug, PartialEq)]
pub enum PutOutcome {
    /// Stored as this revision.
    Saved(String),
    /// The base was stale: this is the current revision, to merge and send again.
    Stale(Revision),
    /// Try again later.
    Retry(String),
    /// Credentials refused.
    NeedsAuth,
    /// This copy is refused.
    Rejected(String),
    /// CouchDB's `409`: stale, and the current revision must be fetched
    /// ([`current_request`]) to merge with.
    FetchCurrent,
}

/// The CouchDB database that holds the plans: `{db}-plans`, beside the records' `{db}`
/// (as the forms' `{db}-forms`).
fn couch_plans(base: &str, db: &str) -> String {
    format!("{base}/{db}-plans")
}

/// `GET` of the plans (of one commune, when given: CouchDB lists them all and the phone
/// keeps the commune's); `None` without a backend.
pub fn list_request(backend: &Backend, commune: Option<&str>) -> Option<HttpRequest> {
    let mut req = backend.probe_request()?;
    req.url = match (backend, commune) {
        (Backend::None, _) => return None,
        (Backend::GenericJson { base, .. }, Some(c)) => {
            format!("{base}/plans?commune={}", encode_query(c))
        }
        (Backend::GenericJson { base, .. }, None) => format!("{base}/plans"),
        (Backend::CouchDb { base, db, .. }, _) => {
            format!("{}/_all_docs?include_docs=true", couch_plans(base, db))
        }
    };
    Some(req)
}

/// CouchDB: `GET` of one plan's current document, after a `409`.
pub fn current_request(backend: &Backend, id: uuid::Uuid) -> Option<HttpRequest> {
    let mut req = backend.probe_request()?;
    let Backend::CouchDb { base, db, .. } = backend else {
        return None;
    };
    req.url = format!("{}/{id}", couch_plans(base, db));
    Some(req)
}

/// A CouchDB document holding a plan.
#[derive(Serialize, Deserialize)]
struct CouchPlan {
    #[serde(rename = "_id")]
    id: String,
    #[serde(rename = "_rev", default, skip_serializing_if = "Option::is_none")]
    rev: Option<String>,
    plan: Plan,
    #[serde(default)]
    device_id: String,
    #[serde(default)]
    author: Author,
}

impl CouchPlan {
    fn revision(self) -> Option<Revision> {
        Some(Revision {
            rev: self.rev?,
            plan: self.plan,
        })
    }
}

/// Reads the answer to [`current_request`]: the revision to merge with.
pub fn read_current(plan_id: uuid::Uuid, result: &HttpResult) -> PutOutcome {
    match result {
        HttpResult::Response { status, body, .. } if (200..300).contains(status) => {
            match serde_json::from_str::<CouchPlan>(body)
                .ok()
                .and_then(CouchPlan::revision)
            {
                Some(r) if r.plan.id == plan_id && r.plan.check().is_ok() => PutOutcome::Stale(r),
                _ => PutOutcome::Rejected(format!("HTTP {status}: not a plan document")),
            }
        }
        HttpResult::Response { status, .. } => PutOutcome::Retry(format!("HTTP {status}")),
        HttpResult::Network(e) => PutOutcome::Retry(e.clone()),
        HttpResult::Timeout => PutOutcome::Retry("timeout".into()),
    }
}

/// `PUT` of the phone's copy.
pub fn put_request(
    backend: &Backend,
    copy: &PlanCopy,
    device_id: &str,
    author: &Author,
) -> Option<HttpRequest> {
    let mut req = backend.probe_request()?;
    let base_rev = copy.base.as_ref().map(|b| b.rev.clone());
    let id = copy.mine.id;
    (req.url, req.body) = match backend {
        Backend::None => return None,
        Backend::GenericJson { base, .. } => (
            format!("{base}/plans/{id}"),
            serde_json::to_string(&PlanPut {
                base_rev,
                plan: copy.mine.clone(),
                device_id: device_id.to_owned(),
                author: author.clone(),
            })
            .ok()?,
        ),
        Backend::CouchDb { base, db, .. } => (
            format!("{}/{id}", couch_plans(base, db)),
            serde_json::to_string(&CouchPlan {
                id: id.to_string(),
                rev: base_rev,
                plan: copy.mine.clone(),
                device_id: device_id.to_owned(),
                author: author.clone(),
            })
            .ok()?,
        ),
    };
    req.method = "PUT";
    req.headers
        .push(("Content-Type".into(), "application/json".into()));
    Some(req)
}

fn encode_query(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn reason_of(body: &str, status: u16) -> String {
    serde_json::from_str::<ErrorBody>(body)
        .map(|e| e.reason)
        .unwrap_or_else(|_| format!("HTTP {status}"))
}

/// The reason a plan refused because it lies outside the token's area is kept under (the
/// phone says it in words).
pub const OUTSIDE_SCOPE: &str = "outside-scope";

/// Reads the answer to a `PUT` of `plan_id` to `backend`.
pub fn interpret_put(backend: &Backend, plan_id: uuid::Uuid, result: &HttpResult) -> PutOutcome {
    let (status, body) = match result {
        HttpResult::Response { status, body, .. } => (*status, body.as_str()),
        HttpResult::Network(e) => return PutOutcome::Retry(e.clone()),
        HttpResult::Timeout => return PutOutcome::Retry("timeout".into()),
    };
    if status == 409 && matches!(backend, Backend::CouchDb { .. }) {
        return PutOutcome::FetchCurrent;
    }
    // The receiver's 403 "forbidden": the token is good, the plan is outside its area.
    // New credentials would not help; it is a refusal a person must hear about.
    if status == 403
        && serde_json::from_str::<ErrorBody>(body)
            .is_ok_and(|e| e.error == crate::protocol::ErrorCode::Forbidden)
    {
        return PutOutcome::Rejected(OUTSIDE_SCOPE.to_owned());
    }
    if status == 409 {
        return match serde_json::from_str::<PlanStale>(body) {
            Ok(stale) if stale.current.plan.id == plan_id && stale.current.plan.check().is_ok() => {
                PutOutcome::Stale(stale.current)
            }
            // A 409 without a usable current plan cannot be merged: a person must look.
            _ => PutOutcome::Rejected(reason_of(body, status)),
        };
    }
    match Class::of_status(status) {
        Class::Delivered => match serde_json::from_str::<PlanSaved>(body) {
            Ok(saved) if !saved.rev.is_empty() => PutOutcome::Saved(saved.rev),
            // A 2xx that names no revision is not a receipt (a captive portal's page).
            _ => PutOutcome::Retry(format!("HTTP {status} without a revision")),
        },
        Class::Retry => PutOutcome::Retry(format!("HTTP {status}")),
        Class::NeedsAuth => PutOutcome::NeedsAuth,
        Class::Rejected => PutOutcome::Rejected(reason_of(body, status)),
    }
}

/// Reads a listing: the valid plans (a bad one is skipped and named in the second list).
pub fn read_list(result: &HttpResult) -> Result<(Vec<Revision>, Vec<String>), String> {
    let body = match result {
        HttpResult::Response { status, body, .. } if (200..300).contains(status) => body,
        HttpResult::Response { status, .. } => return Err(format!("HTTP {status}")),
        HttpResult::Network(e) => return Err(e.clone()),
        HttpResult::Timeout => return Err("timeout".into()),
    };
    let raw: Value = serde_json::from_str(body).map_err(|e| format!("not JSON: {e}"))?;
    // The receiver's `{"plans": [{rev, plan}]}`, or CouchDB's `_all_docs` rows.
    let plans: Vec<Value> = match (raw.get("plans"), raw.get("rows")) {
        (Some(Value::Array(p)), _) => p.clone(),
        (_, Some(Value::Array(rows))) => rows
            .iter()
            .filter_map(|r| r.get("doc"))
            .filter(|d| d.get("plan").is_some())
            .map(|d| serde_json::json!({"rev": d.get("_rev"), "plan": d.get("plan")}))
            .collect(),
        _ => return Err("no 'plans' list".into()),
    };
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for p in plans {
        match serde_json::from_value::<Revision>(p) {
            Ok(rev) => match rev.plan.check() {
                Ok(()) => good.push(rev),
                Err(e) => bad.push(format!("{}: {e}", rev.plan.id)),
            },
            Err(e) => bad.push(e.to_string()),
        }
    }
    Ok((good, bad))
}

/// The step after the answer to the `PUT` of `sent`, applied to the copy as it is now
/// (edited meanwhile, perhaps): `true` when it must be sent again.
pub fn after_put(copy: &mut PlanCopy, sent: &Plan, outcome: PutOutcome) -> bool {
    match outcome {
        PutOutcome::Saved(rev) => {
            copy.saved(rev, sent.clone());
            copy.has_changes()
        }
        PutOutcome::Stale(current) => {
            copy.take_in(current);
            copy.state = PlanState::Idle;
            copy.has_changes()
        }
        PutOutcome::Retry(reason) => {
            copy.state = PlanState::Retry { reason };
            false
        }
        PutOutcome::NeedsAuth => {
            copy.state = PlanState::NeedsAuth;
            false
        }
        PutOutcome::Rejected(reason) => {
            copy.state = PlanState::Rejected { reason };
            false
        }
        // The caller fetches the current revision first; unfetched, it is tried again.
        PutOutcome::FetchCurrent => {
            copy.state = PlanState::Retry {
                reason: "current revision not fetched".into(),
            };
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plans::PlanKind;
    use serde_json::json;
    use uuid::Uuid;

    #[test]
    fn every_plan_state_round_trips_and_a_damaged_one_is_refused() {
        for st in [
            PlanState::Idle,
            PlanState::Retry {
                reason: "réseau".into(),
            },
            PlanState::NeedsAuth,
            PlanState::Rejected {
                reason: "hors zone".into(),
            },
        ] {
            let text = serde_json::to_string(&st).unwrap();
            assert_eq!(
                serde_json::from_str::<PlanState>(&text).unwrap(),
                st,
                "{text}"
            );
        }
        assert_eq!(
            serde_json::to_value(PlanState::Retry { reason: "x".into() }).unwrap(),
            json!({"state": "retry", "reason": "x"})
        );
        for bad in [
            json!({"state": "retry"}),
            json!({"state": "lost"}),
            json!({"reason": "x"}),
        ] {
            assert!(
                serde_json::from_value::<PlanState>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }

    fn resp(status: u16, body: &str) -> HttpResult {
        HttpResult::Response {
            status,
            body: body.into(),
            retry_after: None,
        }
    }

    fn plan() -> Plan {
        let mut p = Plan::new(Uuid::from_u128(5), PlanKind::PlanCommunal, "ML030201");
        p.set("swot", "s1", "text", json!("a"), 1, "A").unwrap();
        p
    }

    fn backend() -> Backend {
        Backend::GenericJson {
            base: "http://127.0.0.1:8080/api".into(),
            token: Some("t0k".into()),
        }
    }

    #[test]
    fn a_put_carries_the_base_revision_and_the_token() {
        let mut copy = PlanCopy::from_server(Revision {
            rev: "3".into(),
            plan: plan(),
        });
        copy.mine
            .set("swot", "s1", "text", json!("b"), 2, "A")
            .unwrap();
        let req = put_request(&backend(), &copy, "dev", &Author::default()).unwrap();
        assert_eq!(req.method, "PUT");
        assert_eq!(
            req.url,
            format!("http://127.0.0.1:8080/api/plans/{}", copy.mine.id)
        );
        assert!(req
            .headers
            .contains(&("Authorization".into(), "Bearer t0k".into())));
        let body: PlanPut = serde_json::from_str(&req.body).unwrap();
        assert_eq!(body.base_rev.as_deref(), Some("3"));
        assert_eq!(body.plan, copy.mine);
        let list = list_request(&backend(), Some("ML03 02&x")).unwrap();
        assert_eq!(
            list.url,
            "http://127.0.0.1:8080/api/plans?commune=ML03%2002%26x"
        );
        assert!(list_request(&Backend::None, None).is_none());
    }

    #[test]
    fn answers_are_classified() {
        let id = plan().id;
        assert_eq!(
            interpret_put(&backend(), id, &resp(200, r#"{"rev":"4"}"#)),
            PutOutcome::Saved("4".into())
        );
        assert!(matches!(
            interpret_put(&backend(), id, &resp(200, "<html>wifi</html>")),
            PutOutcome::Retry(_)
        ));
        assert!(matches!(
            interpret_put(&backend(), id, &resp(503, "")),
            PutOutcome::Retry(_)
        ));
        assert!(matches!(
            interpret_put(&backend(), id, &HttpResult::Timeout),
            PutOutcome::Retry(_)
        ));
        assert_eq!(
            interpret_put(&backend(), id, &resp(401, "")),
            PutOutcome::NeedsAuth
        );
        // Outside the token's area: a refusal, not a credentials problem.
        assert_eq!(
            interpret_put(
                &backend(),
                id,
                &resp(
                    403,
                    r#"{"error":"forbidden","reason":"this token's scope (ML05) does not hold commune 'ML030201'"}"#
                )
            ),
            PutOutcome::Rejected(OUTSIDE_SCOPE.into())
        );
        assert_eq!(
            interpret_put(&backend(), id, &resp(403, "")),
            PutOutcome::NeedsAuth
        );
        assert_eq!(
            interpret_put(
                &backend(),
                id,
                &resp(400, r#"{"error":"invalid","reason":"liste inconnue"}"#)
            ),
            PutOutcome::Rejected("liste inconnue".into())
        );
        let stale =
            json!({"error": "stale", "reason": "r", "current": {"rev": "7", "plan": plan()}});
        assert!(
            matches!(interpret_put(&backend(), id, &resp(409, &stale.to_string())), PutOutcome::Stale(r) if r.rev == "7")
        );
        // A 409 naming another plan, or none, cannot be merged.
        assert!(matches!(
            interpret_put(&backend(), Uuid::nil(), &resp(409, &stale.to_string())),
            PutOutcome::Rejected(_)
        ));
        assert!(matches!(
            interpret_put(&backend(), id, &resp(409, "{}")),
            PutOutcome::Rejected(_)
        ));
    }

    #[test]
    fn a_listed_revision_older_than_the_base_changes_nothing() {
        let older = plan();
        let mut newer = older.clone();
        newer
            .set("swot", "s2", "text", json!("added"), 2, "B")
            .unwrap();
        for (old_rev, new_rev) in [("2", "10"), ("2-aa", "3-bb")] {
            let mut copy = PlanCopy::from_server(Revision {
                rev: new_rev.into(),
                plan: newer.clone(),
            });
            copy.take_in_listed(Revision {
                rev: old_rev.into(),
                plan: older.clone(),
            });
            assert_eq!(copy.base.as_ref().unwrap().rev, new_rev);
            assert!(
                copy.mine.item("swot", "s2").is_some(),
                "{old_rev} after {new_rev}"
            );
            assert!(!copy.has_changes());
            // The server's answer to a write is taken in whatever its number.
            let mut answered = copy.clone();
            answered.take_in(Revision {
                rev: old_rev.into(),
                plan: older.clone(),
            });
            assert_eq!(answered.base.as_ref().unwrap().rev, old_rev);
            // A newer one is merged in as before.
            let mut newest = newer.clone();
            newest
                .set("swot", "s3", "text", json!("later"), 3, "C")
                .unwrap();
            copy.take_in_listed(Revision {
                rev: format!("{new_rev}0"),
                plan: newest,
            });
            assert!(copy.mine.item("swot", "s3").is_some());
        }
    }

    #[test]
    fn a_stale_put_merges_and_goes_again_until_saved() {
        let base = Revision {
            rev: "1".into(),
            plan: plan(),
        };
        let mut copy = PlanCopy::from_server(base.clone());
        assert!(!copy.has_changes());
        copy.mine
            .set("swot", "s2", "text", json!("mine"), 5, "A")
            .unwrap();
        assert!(copy.has_changes());
        let mut other = base.plan.clone();
        other
            .set("swot", "s3", "text", json!("theirs"), 6, "B")
            .unwrap();
        let sent = copy.mine.clone();
        let again = after_put(
            &mut copy,
            &sent,
            PutOutcome::Stale(Revision {
                rev: "2".into(),
                plan: other,
            }),
        );
        assert!(again);
        assert_eq!(copy.base.as_ref().unwrap().rev, "2");
        assert!(copy.mine.item("swot", "s2").is_some() && copy.mine.item("swot", "s3").is_some());
        let sent = copy.mine.clone();
        assert!(!after_put(&mut copy, &sent, PutOutcome::Saved("3".into())));
        assert!(!copy.has_changes());
        // The answer to a PUT that landed was lost: the retry is told "stale" with our own
        // copy, and nothing is left to send.
        let mut lost = PlanCopy::from_server(base);
        lost.mine = copy.mine.clone();
        let sent = lost.mine.clone();
        assert!(!after_put(
            &mut lost,
            &sent,
            PutOutcome::Stale(copy.base.clone().unwrap())
        ));
    }

    #[test]
    fn an_edit_made_while_a_put_was_on_the_way_is_kept_and_sent_next() {
        let mut copy = PlanCopy::from_server(Revision {
            rev: "1".into(),
            plan: plan(),
        });
        copy.mine
            .set("swot", "s2", "text", json!("sent"), 5, "A")
            .unwrap();
        let sent = copy.mine.clone();
        copy.mine
            .set("swot", "s3", "text", json!("typed meanwhile"), 6, "A")
            .unwrap();
        assert!(after_put(&mut copy, &sent, PutOutcome::Saved("2".into())));
        assert_eq!(copy.base.as_ref().unwrap().plan, sent);
        assert_eq!(
            copy.mine.item("swot", "s3").unwrap().text("text"),
            "typed meanwhile"
        );
    }

    #[test]
    fn couchdb_keeps_plans_in_their_own_database_with_native_revisions() {
        let couch = Backend::CouchDb {
            base: "http://127.0.0.1:5984".into(),
            db: "vigie".into(),
            user: None,
            password: None,
        };
        let mut copy = PlanCopy::from_server(Revision {
            rev: "2-ab".into(),
            plan: plan(),
        });
        copy.mine
            .set("swot", "s1", "text", json!("b"), 2, "A")
            .unwrap();
        let put = put_request(&couch, &copy, "tel", &Author::default()).unwrap();
        assert_eq!(
            put.url,
            format!("http://127.0.0.1:5984/vigie-plans/{}", copy.mine.id)
        );
        let doc: Value = serde_json::from_str(&put.body).unwrap();
        assert_eq!(doc["_id"], copy.mine.id.to_string());
        assert_eq!(doc["_rev"], "2-ab");
        let id = copy.mine.id;
        assert_eq!(
            interpret_put(
                &couch,
                id,
                &resp(201, r#"{"ok":true,"id":"x","rev":"3-cd"}"#)
            ),
            PutOutcome::Saved("3-cd".into())
        );
        assert_eq!(
            interpret_put(
                &couch,
                id,
                &resp(
                    409,
                    r#"{"error":"conflict","reason":"Document update conflict."}"#
                )
            ),
            PutOutcome::FetchCurrent
        );
        let current = current_request(&couch, id).unwrap();
        assert_eq!(
            current.url,
            format!("http://127.0.0.1:5984/vigie-plans/{id}")
        );
        let stored = json!({"_id": id.to_string(), "_rev": "3-ef", "plan": plan()}).to_string();
        assert!(
            matches!(read_current(id, &resp(200, &stored)), PutOutcome::Stale(r) if r.rev == "3-ef")
        );
        assert!(matches!(
            read_current(Uuid::nil(), &resp(200, &stored)),
            PutOutcome::Rejected(_)
        ));
        let list = list_request(&couch, None).unwrap();
        assert_eq!(
            list.url,
            "http://127.0.0.1:5984/vigie-plans/_all_docs?include_docs=true"
        );
        let rows = json!({"rows": [{"id": "_design/x", "doc": {"_id": "_design/x"}},
            {"id": id.to_string(), "doc": {"_id": id.to_string(), "_rev": "3-ef", "plan": plan()}}]});
        let (plans, refused) = read_list(&resp(200, &rows.to_string())).unwrap();
        assert_eq!((plans.len(), refused.len()), (1, 0));
        assert_eq!(plans[0].rev, "3-ef");
    }

    #[test]
    fn a_garbled_listing_is_an_error_and_a_bad_plan_is_skipped() {
        assert!(read_list(&resp(200, "<html>")).is_err());
        assert!(read_list(&resp(500, "")).is_err());
        let good = json!({"rev": "1", "plan": plan()});
        let mut bad = json!({"rev": "1", "plan": plan()});
        bad["plan"]["lists"]["secret"] = json!({});
        let body = json!({"plans": [good, bad, {"rev": 3}]}).to_string();
        let (plans, refused) = read_list(&resp(200, &body)).unwrap();
        assert_eq!(plans.len(), 1);
        assert_eq!(refused.len(), 2);
    }
}
