//! Cases under any sequence of actions by several coordinators: the history only grows
//! (nothing in it is rewritten), the revision counts the changes, a refused action changes
//! nothing, and the level never goes down.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use vigie_core::cases::{rank, Act, Action, Case, CaseError, Outcome, Status};

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        Just(Action::Take {
            institution: "Gouvernorat".into()
        }),
        Just(Action::Take {
            institution: " ".into()
        }),
        "[a-z ]{0,12}".prop_map(|text| Action::Respond { text }),
        Just(Action::Close {
            outcome: Outcome::Resolved
        }),
        Just(Action::Close {
            outcome: Outcome::Transferred {
                to: "Préfet".into()
            }
        }),
        Just(Action::Reopen),
        (0u8..6, 0usize..4).prop_map(|(n, l)| Action::Join {
            report: format!("r{n}"),
            level: ["vert", "jaune", "orange", "rouge"][l].into(),
        }),
    ]
}

proptest! {
    #[test]
    fn history_only_grows_and_refusals_change_nothing(
        steps in proptest::collection::vec((action(), any::<bool>(), 0u8..3), 0..40),
    ) {
        let mut case = Case::open("c", "r0", "orange", "ML030201", "PHY", 0);
        for (i, (action, stale, who)) in steps.into_iter().enumerate() {
            let act = Act {
                by: format!("coordinateur {who}"),
                at: 1_000 * (i as i64 + 1),
                rev: if stale { case.rev.saturating_sub(1) } else { case.rev },
                action,
                note: String::new(),
            };
            match case.apply(&act) {
                Ok(next) => {
                    prop_assert!(!stale);
                    prop_assert_eq!(next.rev, case.rev + 1);
                    prop_assert_eq!(&next.history[..case.history.len()], &case.history[..]);
                    prop_assert_eq!(next.history.len(), case.history.len() + 1);
                    prop_assert!(rank(&next.level) >= rank(&case.level));
                    prop_assert_eq!(next.status == Status::Closed, next.outcome.is_some());
                    prop_assert!(next.reports.starts_with(&case.reports));
                    case = next;
                }
                // A change on an older revision is refused as stale, whatever it is.
                Err(e) if stale => prop_assert_eq!(e, CaseError::Stale { current: case.rev }),
                Err(_) => {}
            }
        }
    }
}
