//! The plan exchange on the wire (docs/PROTOCOL.md, "Plans"): what a phone sends and what
//! the receiver answers.

use serde::{Deserialize, Serialize};

use super::{Plan, Revision};
use crate::protocol::ErrorCode;
use crate::record::Author;

/// `PUT {base}/plans/{id}`: a phone's copy of a plan and the revision it was edited from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanPut {
    /// The server revision this copy derives from (`None`: a plan new on this phone).
    pub base_rev: Option<String>,
    /// The phone's copy.
    pub plan: Plan,
    /// The installation that sends it.
    #[serde(default)]
    pub device_id: String,
    /// Who sends it.
    #[serde(default)]
    pub author: Author,
}

/// `200`/`201` to a [`PlanPut`]: the revision now current (the phone's copy).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanSaved {
    /// New revision.
    pub rev: String,
}

/// `409` to a [`PlanPut`] whose base is not the current revision: the current one, for
/// the phone to merge with and send again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanStale {
    /// Always `"stale"`.
    pub error: ErrorCode,
    /// Words for a person.
    pub reason: String,
    /// The revision the server holds now.
    pub current: Revision,
}

/// `GET {base}/plans?commune=<P-code>`: the current revision of each plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanList {
    /// Plans, with their revisions.
    pub plans: Vec<Revision>,
}
