//! Properties of the plans' three-way merge, on random edits by two phones from a common
//! copy (sets of fields from a small pool so that they collide often, deletions, settled
//! reviews).

use proptest::prelude::*;
use serde_json::{json, Value};
use uuid::Uuid;
use vigie_core::plans::merge::merge;
use vigie_core::plans::{Plan, PlanKind, DELETED};

/// Cases per property (proptest's default is 256; the merge is cheap).
const CASES: u32 = 1_000;

#[derive(Clone, Debug)]
enum Op {
    Set {
        list: usize,
        item: usize,
        field: usize,
        value: usize,
        at: i64,
    },
    Delete {
        list: usize,
        item: usize,
        at: i64,
    },
    Resolve {
        which: usize,
        take_other: bool,
        at: i64,
    },
}

const LISTS: [(&str, [&str; 3]); 2] = [
    ("swot", ["text", "priority", "quadrant"]),
    ("activities", ["title", "status", "execution"]),
];
const VALUES: [&str; 4] = ["a", "b", "c", "d"];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..2usize, 0..4usize, 0..3usize, 0..4usize, 0..50i64).prop_map(
            |(list, item, field, value, at)| Op::Set { list, item, field, value, at }
        ),
        1 => (0..2usize, 0..4usize, 0..50i64).prop_map(|(list, item, at)| Op::Delete { list, item, at }),
        1 => (0..8usize, any::<bool>(), 0..50i64)
            .prop_map(|(which, take_other, at)| Op::Resolve { which, take_other, at }),
    ]
}

fn apply(plan: &mut Plan, ops: &[Op], device: &str, clock: i64) {
    for op in ops {
        match *op {
            Op::Set {
                list,
                item,
                field,
                value,
                at,
            } => {
                let (name, fields) = LISTS[list];
                let v = if fields[field] == "execution" {
                    json!(value * 25)
                } else {
                    json!(VALUES[value])
                };
                plan.set(
                    name,
                    &format!("i{item}"),
                    fields[field],
                    v,
                    clock + at,
                    device,
                )
                .unwrap();
            }
            Op::Delete { list, item, at } => {
                let _ = plan.delete(LISTS[list].0, &format!("i{item}"), clock + at, device);
            }
            Op::Resolve {
                which,
                take_other,
                at,
            } => {
                if let Some(key) = plan.reviews.keys().nth(which).cloned() {
                    plan.resolve(&key, take_other, clock + at, device).unwrap();
                }
            }
        }
    }
}

/// A common copy (itself possibly the result of an earlier merge, so it holds reviews) and
/// two phones' edits of it.
fn copies() -> impl Strategy<Value = (Plan, Plan, Plan)> {
    (
        prop::collection::vec(op(), 0..12),
        prop::collection::vec(op(), 0..12),
        prop::collection::vec(op(), 0..12),
        prop::collection::vec(op(), 0..12),
    )
        .prop_map(|(shared, early, mine, theirs)| {
            let mut root = Plan::new(Uuid::from_u128(7), PlanKind::PlanCommunal, "ML030201");
            apply(&mut root, &shared, "A", 0);
            let mut early_b = root.clone();
            apply(&mut early_b, &early, "B", 100);
            let base = merge(Some(&root), &root, &early_b);
            let mut m = base.clone();
            apply(&mut m, &mine, "A", 200);
            let mut t = base.clone();
            apply(&mut t, &theirs, "B", 200);
            (base, m, t)
        })
}

/// Every (list, item, field, value) a side holds that its base did not.
fn typed(base: &Plan, side: &Plan) -> Vec<(String, String, String, Value)> {
    let mut out = Vec::new();
    for (list, items) in &side.lists {
        for (id, item) in items {
            for (field, v) in &item.fields {
                let before = base.item(list, id).and_then(|i| i.fields.get(field));
                if before.map(|b| &b.value) != Some(&v.value) {
                    out.push((list.clone(), id.clone(), field.clone(), v.value.clone()));
                }
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn the_result_is_the_same_whichever_phone_merges((b, m, t) in copies()) {
        prop_assert_eq!(merge(Some(&b), &m, &t), merge(Some(&b), &t, &m));
    }

    #[test]
    fn merging_with_an_unchanged_side_returns_the_other((b, m, t) in copies()) {
        prop_assert_eq!(merge(Some(&b), &b, &t), t);
        prop_assert_eq!(merge(Some(&b), &m, &b), m);
    }

    #[test]
    fn merging_a_copy_with_itself_changes_nothing((b, m, _t) in copies()) {
        prop_assert_eq!(merge(Some(&b), &m, &m.clone()), m);
    }

    #[test]
    fn nothing_typed_on_either_side_is_lost((b, m, t) in copies()) {
        let r = merge(Some(&b), &m, &t);
        for side in [&m, &t] {
            for (list, id, field, value) in typed(&b, side) {
                let kept = r.item(&list, &id).and_then(|i| i.fields.get(&field)).map(|s| &s.value)
                    == Some(&value);
                let to_review = r.reviews.values().any(|rv| {
                    rv.list == list && rv.item == id && rv.field == field && rv.other.value == value
                });
                // A deletion undone because the other side edited the item is to review.
                prop_assert!(kept || to_review, "{list}/{id}/{field} = {value} lost");
            }
        }
    }

    #[test]
    fn items_added_on_either_side_are_all_kept((b, m, t) in copies()) {
        let r = merge(Some(&b), &m, &t);
        for side in [&m, &t] {
            for (list, items) in &side.lists {
                for id in items.keys() {
                    prop_assert!(r.item(list, id).is_some(), "{list}/{id} dropped");
                }
            }
        }
    }

    #[test]
    fn an_item_edited_on_one_side_is_not_deleted_by_the_other((b, m, t) in copies()) {
        let r = merge(Some(&b), &m, &t);
        for (deleter, editor) in [(&m, &t), (&t, &m)] {
            for (list, items) in &deleter.lists {
                for (id, item) in items {
                    let Some(other) = editor.item(list, id) else { continue };
                    let edited = typed(&b, editor)
                        .iter()
                        .any(|(l, i, f, _)| l == list && i == id && f != DELETED);
                    if item.is_deleted() && !other.is_deleted() && edited {
                        prop_assert!(!r.item(list, id).unwrap().is_deleted());
                    }
                }
            }
        }
    }
}
