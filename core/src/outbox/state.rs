//! Delivery state of one outbox record, as a pure reducer over events.
//!
//! Transitions are total: every (state, event) pair has an outcome, most often "unchanged".
//! `Delivered` is terminal: nothing that happens later (a late failure, a user tap) can put
//! a delivered record back in the queue.

use serde::{Deserialize, Serialize};

use crate::outbox::policy::RetryPolicy;
use crate::record::Millis;

/// Why an attempt must be retried.
///
/// Stored as an internally tagged object (`{"kind": "server", "status": 503}`). Decoding
/// goes through a flat struct ([`RawReason`]) rather than serde's internally-tagged
/// deserializer, which buffers every value and costs ~10 KB of wasm per enum.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "RawReason")]
pub enum RetryReason {
    /// No connection, DNS failure, connection reset, CORS refusal.
    Network {
        /// The browser's words.
        detail: String,
    },
    /// No answer within the time limit.
    Timeout,
    /// The server answered with a status worth retrying (408, 429, 5xx).
    Server {
        /// HTTP status.
        status: u16,
    },
    /// A 2xx that does not name the record (a captive portal's HTML page, say).
    NotAReceipt {
        /// HTTP status.
        status: u16,
    },
}

/// The backend's acknowledgement, kept after the payload is purged.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Receipt {
    /// When the device got it.
    pub at: Millis,
    /// HTTP status of the acknowledging answer.
    pub status: u16,
    /// What the server said, shortened.
    pub server: String,
}

/// Where a record stands. Stored as `{"state": "retry_wait", …}`; decoded through
/// [`RawState`] (see [`RetryReason`] for why).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case", try_from = "RawState")]
pub enum DeliveryState {
    /// Waiting for the next flush.
    Queued,
    /// A request carrying it is in flight.
    Sending {
        /// Attempts before this one.
        attempts: u32,
    },
    /// Failed; will be retried at `next_attempt_at`, forever, with capped backoff.
    RetryWait {
        /// Earliest time of the next attempt.
        next_attempt_at: Millis,
        /// Attempts so far.
        attempts: u32,
        /// Why the last attempt failed.
        last_error: RetryReason,
    },
    /// The backend refused our credentials; flushing waits for new ones.
    NeedsAuth {
        /// 401 or 403.
        status: u16,
        /// Attempts so far.
        attempts: u32,
    },
    /// The backend has it. Terminal.
    Delivered(Receipt),
    /// The backend refused the record itself; a person must edit, export or delete it.
    Rejected {
        /// HTTP status.
        status: u16,
        /// The server's reason, shown to the user.
        reason: String,
    },
}

/// Every field any [`RetryReason`] variant stores, for decoding.
#[derive(Deserialize)]
pub struct RawReason {
    kind: String,
    #[serde(default)]
    detail: Option<String>,
    #[serde(default)]
    status: Option<u16>,
}

impl TryFrom<RawReason> for RetryReason {
    type Error = String;

    fn try_from(r: RawReason) -> Result<Self, String> {
        let status = || {
            r.status
                .ok_or_else(|| format!("'{}' needs 'status'", r.kind))
        };
        Ok(match r.kind.as_str() {
            "network" => RetryReason::Network {
                detail: r.detail.clone().unwrap_or_default(),
            },
            "timeout" => RetryReason::Timeout,
            "server" => RetryReason::Server { status: status()? },
            "not_a_receipt" => RetryReason::NotAReceipt { status: status()? },
            other => return Err(format!("unknown retry reason '{other}'")),
        })
    }
}

/// Every field any [`DeliveryState`] variant stores, for decoding.
#[derive(Deserialize)]
pub struct RawState {
    state: String,
    #[serde(default)]
    attempts: Option<u32>,
    #[serde(default)]
    next_attempt_at: Option<Millis>,
    #[serde(default)]
    last_error: Option<RetryReason>,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    at: Option<Millis>,
    #[serde(default)]
    server: Option<String>,
}

impl TryFrom<RawState> for DeliveryState {
    type Error = String;

    fn try_from(r: RawState) -> Result<Self, String> {
        let missing = |field: &str| format!("state '{}' needs '{field}'", r.state);
        let attempts = || r.attempts.ok_or_else(|| missing("attempts"));
        let status = || r.status.ok_or_else(|| missing("status"));
        Ok(match r.state.as_str() {
            "queued" => DeliveryState::Queued,
            "sending" => DeliveryState::Sending {
                attempts: attempts()?,
            },
            "retry_wait" => DeliveryState::RetryWait {
                next_attempt_at: r
                    .next_attempt_at
                    .ok_or_else(|| missing("next_attempt_at"))?,
                attempts: attempts()?,
                last_error: r.last_error.clone().ok_or_else(|| missing("last_error"))?,
            },
            "needs_auth" => DeliveryState::NeedsAuth {
                status: status()?,
                attempts: attempts()?,
            },
            "delivered" => DeliveryState::Delivered(Receipt {
                at: r.at.ok_or_else(|| missing("at"))?,
                status: status()?,
                server: r.server.clone().unwrap_or_default(),
            }),
            "rejected" => DeliveryState::Rejected {
                status: status()?,
                reason: r.reason.clone().unwrap_or_default(),
            },
            other => return Err(format!("unknown delivery state '{other}'")),
        })
    }
}

/// Something that happens to a record.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A flush picked it up.
    SendStarted,
    /// The backend acknowledged it.
    Acknowledged(Receipt),
    /// The attempt failed in a retryable way. `jitter` is in [0, 1).
    Failed {
        /// Why.
        reason: RetryReason,
        /// When the failure was seen.
        now: Millis,
        /// Random draw for full jitter.
        jitter: f64,
        /// Server's Retry-After, in milliseconds.
        retry_after_ms: Option<u64>,
    },
    /// 401/403.
    AuthRefused {
        /// Status.
        status: u16,
    },
    /// The backend refused the record.
    Refused {
        /// Status.
        status: u16,
        /// Reason.
        reason: String,
    },
    /// The user tapped "Envoyer maintenant": forget the backoff.
    SendNow,
    /// New credentials were saved.
    CredentialsChanged,
    /// The app restarted: whatever was in flight may or may not have arrived.
    Restarted,
    /// The user edited a rejected record and sends it again.
    Resubmitted,
}

impl DeliveryState {
    /// Attempts made so far.
    pub fn attempts(&self) -> u32 {
        match self {
            DeliveryState::Queued
            | DeliveryState::Delivered(_)
            | DeliveryState::Rejected { .. } => 0,
            DeliveryState::Sending { attempts }
            | DeliveryState::RetryWait { attempts, .. }
            | DeliveryState::NeedsAuth { attempts, .. } => *attempts,
        }
    }

    /// Whether a flush at `now` should send it. A retry planned further ahead than any
    /// delay the policy can give was planned by a clock that has since been corrected
    /// backwards (phones' clocks jump): it is due now rather than at that stale time.
    pub fn is_due(&self, now: Millis, policy: &RetryPolicy) -> bool {
        match self {
            DeliveryState::Queued => true,
            DeliveryState::RetryWait {
                next_attempt_at, ..
            } => *next_attempt_at <= now || *next_attempt_at > now + policy.longest_wait_ms(),
            _ => false,
        }
    }

    /// How long from `now` until it is due, if it is waiting for a retry: never negative,
    /// never more than the policy's longest wait (see [`DeliveryState::is_due`]).
    pub fn wait_ms(&self, now: Millis, policy: &RetryPolicy) -> Option<u64> {
        match self {
            DeliveryState::RetryWait { .. } if self.is_due(now, policy) => Some(0),
            DeliveryState::RetryWait {
                next_attempt_at, ..
            } => Some((*next_attempt_at - now) as u64),
            _ => None,
        }
    }

    /// Whether it still has to reach the backend (everything but Delivered and Rejected).
    pub fn is_pending(&self) -> bool {
        !matches!(
            self,
            DeliveryState::Delivered(_) | DeliveryState::Rejected { .. }
        )
    }

    /// The reducer.
    pub fn apply(&self, event: &Event, policy: &RetryPolicy) -> DeliveryState {
        use DeliveryState as S;
        use Event as E;
        match (self, event) {
            (S::Delivered(_), _) => self.clone(),

            (S::Queued | S::RetryWait { .. }, E::SendStarted) => S::Sending {
                attempts: self.attempts(),
            },
            (_, E::SendStarted) => self.clone(),

            (S::Sending { .. }, E::Acknowledged(r)) => S::Delivered(r.clone()),
            // An acknowledgement is the truth whatever we thought (e.g. after a restart).
            (S::Queued | S::RetryWait { .. } | S::NeedsAuth { .. }, E::Acknowledged(r)) => {
                S::Delivered(r.clone())
            }
            (S::Rejected { .. }, E::Acknowledged(_)) => self.clone(),

            (
                S::Sending { attempts },
                E::Failed {
                    reason,
                    now,
                    jitter,
                    retry_after_ms,
                },
            ) => {
                let attempts = attempts + 1;
                S::RetryWait {
                    next_attempt_at: now
                        + policy.delay_ms(attempts, *jitter, *retry_after_ms) as Millis,
                    attempts,
                    last_error: reason.clone(),
                }
            }
            (_, E::Failed { .. }) => self.clone(),

            (S::Sending { attempts }, E::AuthRefused { status }) => S::NeedsAuth {
                status: *status,
                attempts: attempts + 1,
            },
            (_, E::AuthRefused { .. }) => self.clone(),

            (S::Sending { .. }, E::Refused { status, reason }) => S::Rejected {
                status: *status,
                reason: reason.clone(),
            },
            (_, E::Refused { .. }) => self.clone(),

            (S::RetryWait { .. } | S::NeedsAuth { .. }, E::SendNow) => S::Queued,
            (_, E::SendNow) => self.clone(),

            (S::NeedsAuth { .. }, E::CredentialsChanged) => S::Queued,
            (_, E::CredentialsChanged) => self.clone(),

            // Re-sending with the same id is safe: every backend mode is idempotent on it.
            (S::Sending { .. }, E::Restarted) => S::Queued,
            (_, E::Restarted) => self.clone(),

            (S::Rejected { .. }, E::Resubmitted) => S::Queued,
            (_, E::Resubmitted) => self.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DeliveryState as S;

    fn receipt() -> Receipt {
        Receipt {
            at: 9,
            status: 201,
            server: "ok".into(),
        }
    }

    #[test]
    fn every_state_and_reason_round_trips_through_its_stored_form() {
        let reasons = [
            RetryReason::Network {
                detail: "reset".into(),
            },
            RetryReason::Timeout,
            RetryReason::Server { status: 503 },
            RetryReason::NotAReceipt { status: 200 },
        ];
        for r in reasons {
            let text = serde_json::to_string(&r).unwrap();
            assert_eq!(serde_json::from_str::<RetryReason>(&text).unwrap(), r);
        }
        for st in states() {
            let text = serde_json::to_string(&st).unwrap();
            assert_eq!(serde_json::from_str::<S>(&text).unwrap(), st, "{text}");
        }
        // The stored form itself is stable (records already on phones use it).
        let stored = r#"{"state":"retry_wait","next_attempt_at":5,"attempts":1,"last_error":{"kind":"server","status":502}}"#;
        assert_eq!(
            serde_json::from_str::<S>(stored).unwrap(),
            S::RetryWait {
                next_attempt_at: 5,
                attempts: 1,
                last_error: RetryReason::Server { status: 502 }
            }
        );
        let delivered = r#"{"state":"delivered","at":9,"status":201,"server":"ok"}"#;
        assert_eq!(
            serde_json::from_str::<S>(delivered).unwrap(),
            S::Delivered(receipt())
        );
        for bad in [
            r#"{"state":"lost"}"#,
            r#"{"state":"sending"}"#,
            r#"{"state":"retry_wait","next_attempt_at":5,"attempts":1,"last_error":{"kind":"server"}}"#,
        ] {
            assert!(serde_json::from_str::<S>(bad).is_err(), "{bad}");
        }
    }

    fn states() -> Vec<S> {
        vec![
            S::Queued,
            S::Sending { attempts: 2 },
            S::RetryWait {
                next_attempt_at: 50,
                attempts: 2,
                last_error: RetryReason::Timeout,
            },
            S::NeedsAuth {
                status: 401,
                attempts: 3,
            },
            S::Delivered(receipt()),
            S::Rejected {
                status: 413,
                reason: "too large".into(),
            },
        ]
    }

    fn events() -> Vec<Event> {
        vec![
            Event::SendStarted,
            Event::Acknowledged(receipt()),
            Event::Failed {
                reason: RetryReason::Server { status: 503 },
                now: 1_000,
                jitter: 1.0,
                retry_after_ms: None,
            },
            Event::AuthRefused { status: 401 },
            Event::Refused {
                status: 400,
                reason: "bad field".into(),
            },
            Event::SendNow,
            Event::CredentialsChanged,
            Event::Restarted,
            Event::Resubmitted,
        ]
    }

    /// The whole transition table, one expected state per (state, event) pair.
    #[test]
    fn every_pair_has_the_expected_outcome() {
        let p = RetryPolicy::default();
        let st = states();
        let (queued, sending, wait, auth, delivered, rejected) =
            (&st[0], &st[1], &st[2], &st[3], &st[4], &st[5]);
        let retry3 = S::RetryWait {
            next_attempt_at: 1_000 + 8_000,
            attempts: 3,
            last_error: RetryReason::Server { status: 503 },
        };
        let expected: Vec<Vec<S>> = vec![
            // SendStarted
            vec![
                S::Sending { attempts: 0 },
                sending.clone(),
                S::Sending { attempts: 2 },
                auth.clone(),
                delivered.clone(),
                rejected.clone(),
            ],
            // Acknowledged
            vec![
                S::Delivered(receipt()),
                S::Delivered(receipt()),
                S::Delivered(receipt()),
                S::Delivered(receipt()),
                delivered.clone(),
                rejected.clone(),
            ],
            // Failed
            vec![
                queued.clone(),
                retry3,
                wait.clone(),
                auth.clone(),
                delivered.clone(),
                rejected.clone(),
            ],
            // AuthRefused
            vec![
                queued.clone(),
                S::NeedsAuth {
                    status: 401,
                    attempts: 3,
                },
                wait.clone(),
                auth.clone(),
                delivered.clone(),
                rejected.clone(),
            ],
            // Refused
            vec![
                queued.clone(),
                S::Rejected {
                    status: 400,
                    reason: "bad field".into(),
                },
                wait.clone(),
                auth.clone(),
                delivered.clone(),
                rejected.clone(),
            ],
            // SendNow
            vec![
                queued.clone(),
                sending.clone(),
                S::Queued,
                S::Queued,
                delivered.clone(),
                rejected.clone(),
            ],
            // CredentialsChanged
            vec![
                queued.clone(),
                sending.clone(),
                wait.clone(),
                S::Queued,
                delivered.clone(),
                rejected.clone(),
            ],
            // Restarted
            vec![
                queued.clone(),
                S::Queued,
                wait.clone(),
                auth.clone(),
                delivered.clone(),
                rejected.clone(),
            ],
            // Resubmitted
            vec![
                queued.clone(),
                sending.clone(),
                wait.clone(),
                auth.clone(),
                delivered.clone(),
                S::Queued,
            ],
        ];
        for (ei, event) in events().iter().enumerate() {
            for (si, state) in st.iter().enumerate() {
                assert_eq!(
                    state.apply(event, &p),
                    expected[ei][si],
                    "{state:?} + {event:?}"
                );
            }
        }
    }

    #[test]
    fn delivered_is_terminal_under_any_event() {
        let p = RetryPolicy::default();
        let d = S::Delivered(receipt());
        for e in events() {
            assert_eq!(d.apply(&e, &p), d);
        }
    }

    #[test]
    fn due_and_pending() {
        let wait = S::RetryWait {
            next_attempt_at: 50,
            attempts: 1,
            last_error: RetryReason::Timeout,
        };
        let p = RetryPolicy::default();
        assert!(wait.is_due(50, &p) && !wait.is_due(49, &p));
        assert!(S::Queued.is_due(0, &p));
        assert!(!S::NeedsAuth {
            status: 401,
            attempts: 1
        }
        .is_due(i64::MAX, &p));
        assert!(S::Queued.is_pending() && !S::Delivered(receipt()).is_pending());
    }

    /// Bug: a clock corrected backwards left retries planned at the stale time (hours or
    /// years ahead), and the page's timer delay overflowed and re-fired for ever.
    #[test]
    fn a_retry_planned_by_a_clock_since_corrected_backwards_is_due_now() {
        let p = RetryPolicy::default();
        let planned_at = 1_800_000_000_000; // clock wrong by a year when the retry was planned
        let wait = S::RetryWait {
            next_attempt_at: planned_at + 60_000,
            attempts: 3,
            last_error: RetryReason::Timeout,
        };
        let corrected = planned_at - 365 * 24 * 3_600_000;
        assert!(wait.is_due(corrected, &p));
        assert_eq!(wait.wait_ms(corrected, &p), Some(0));
        // An ordinary wait stays a wait, and is bounded by the policy.
        assert!(!wait.is_due(planned_at, &p));
        assert_eq!(wait.wait_ms(planned_at, &p), Some(60_000));
        for now in [i64::MIN / 2, -1, 0, planned_at, i64::MAX / 2] {
            let w = wait.wait_ms(now, &p).unwrap();
            assert!(w <= p.longest_wait_ms() as u64, "{now}: {w}");
        }
        assert_eq!(S::Queued.wait_ms(0, &p), None);
    }

    #[test]
    fn states_serialise_with_a_tag() {
        let json = serde_json::to_value(S::Rejected {
            status: 413,
            reason: "trop gros".into(),
        })
        .unwrap();
        assert_eq!(json["state"], "rejected");
        let back: S = serde_json::from_value(json).unwrap();
        assert_eq!(
            back,
            S::Rejected {
                status: 413,
                reason: "trop gros".into()
            }
        );
    }
}
