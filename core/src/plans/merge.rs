//! Per-field three-way merge of two copies of a plan against the last copy both agreed on.
//!
//! For each field of each item: changed on one side only → that side; the same value on
//! both → no conflict; two different new values → a true conflict. A true conflict never
//! blocks sync: the later edit (then the device id, then the value) is picked on every
//! phone alike, and the other value is kept in the plan's reviews until someone chooses.
//! An item deleted on one side and edited on the other is kept, with the deletion to
//! review. Items added on either side are all kept (their ids are made on the phone).
//! Reviews merge as a set: one settled on either side is gone, one added on either is kept.

use std::collections::{BTreeMap, BTreeSet};

use super::{Item, Plan, Review, Stamped, DELETED};

/// Merges `mine` and `theirs`, both derived from `base` (`None`: no common copy, as for a
/// plan created on two phones, which cannot happen with ids made on the phone but is
/// handled as "everything added on both sides"). The result's id, kind and commune are
/// `mine`'s.
pub fn merge(base: Option<&Plan>, mine: &Plan, theirs: &Plan) -> Plan {
    let empty = BTreeMap::new();
    let lists_of = |p: Option<&Plan>, name: &str| -> BTreeMap<String, Item> {
        p.and_then(|p| p.lists.get(name))
            .cloned()
            .unwrap_or_default()
    };
    let names: BTreeSet<&String> = mine.lists.keys().chain(theirs.lists.keys()).collect();
    let mut out = Plan {
        lists: BTreeMap::new(),
        reviews: merge_reviews(
            base.map_or(&empty, |b| &b.reviews),
            &mine.reviews,
            &theirs.reviews,
        ),
        editors: theirs
            .editors
            .iter()
            .chain(&mine.editors)
            .map(|(d, n)| (d.clone(), n.clone()))
            .collect(),
        ..mine.clone()
    };
    for name in names {
        let (b, m, t) = (
            lists_of(base, name),
            lists_of(Some(mine), name),
            lists_of(Some(theirs), name),
        );
        let ids: BTreeSet<&String> = m.keys().chain(t.keys()).collect();
        let mut items = BTreeMap::new();
        for id in ids {
            let item = merge_item(b.get(id), m.get(id), t.get(id), &mut |field, other| {
                let review = Review {
                    list: name.clone(),
                    item: id.clone(),
                    field: field.to_owned(),
                    other,
                };
                out.reviews.insert(review.key(), review);
            });
            items.insert(id.clone(), item);
        }
        out.lists.insert(name.clone(), items);
    }
    out
}

fn merge_item(
    base: Option<&Item>,
    mine: Option<&Item>,
    theirs: Option<&Item>,
    review: &mut impl FnMut(&str, Stamped),
) -> Item {
    let (m, t) = match (mine, theirs) {
        (Some(m), Some(t)) => (m, t),
        // On one side only: added there (or never seen by the other side).
        (Some(one), None) | (None, Some(one)) => return one.clone(),
        (None, None) => return Item::default(),
    };
    let empty = Item::default();
    let b = base.unwrap_or(&empty);
    let names: BTreeSet<&String> = m.fields.keys().chain(t.fields.keys()).collect();
    let mut out = Item::default();
    for name in names {
        let picked = merge_field(
            b.fields.get(name),
            m.fields.get(name),
            t.fields.get(name),
            &mut |other| review(name, other),
        );
        if let Some(p) = picked {
            out.fields.insert(name.clone(), p);
        }
    }
    // Deleted on one side while the other side edited it: keep it, and let someone decide.
    if out.is_deleted() {
        let edited = |side: &Item| {
            side.fields
                .iter()
                .any(|(k, v)| k != DELETED && b.fields.get(k).map(|s| &s.value) != Some(&v.value))
        };
        let (deleter, editor) = if m.is_deleted() { (m, t) } else { (t, m) };
        if !editor.is_deleted() && edited(editor) {
            if let Some(tomb) = deleter.fields.get(DELETED) {
                review(DELETED, tomb.clone());
            }
            match editor.fields.get(DELETED) {
                Some(kept) => out.fields.insert(DELETED.to_owned(), kept.clone()),
                None => out.fields.remove(DELETED),
            };
        }
    }
    out
}

/// One field: `None` when absent on both sides.
fn merge_field(
    base: Option<&Stamped>,
    mine: Option<&Stamped>,
    theirs: Option<&Stamped>,
    review: &mut impl FnMut(Stamped),
) -> Option<Stamped> {
    let base = base.map(|s| &s.value);
    let (m, t) = match (mine, theirs) {
        (Some(m), Some(t)) => (m, t),
        (Some(one), None) | (None, Some(one)) => {
            // Absent on one side: a field is never removed, only set, so this side has not
            // seen it yet. Keep it.
            return Some(one.clone());
        }
        (None, None) => return None,
    };
    if m.value == t.value {
        // The same value typed on both sides: no conflict; keep one stamp, alike everywhere.
        return Some(if m.rank() >= t.rank() { m } else { t }.clone());
    }
    if base == Some(&m.value) {
        return Some(t.clone());
    }
    if base == Some(&t.value) {
        return Some(m.clone());
    }
    let (winner, loser) = if m.rank() >= t.rank() { (m, t) } else { (t, m) };
    review(loser.clone());
    Some(winner.clone())
}

fn merge_reviews(
    base: &BTreeMap<String, Review>,
    mine: &BTreeMap<String, Review>,
    theirs: &BTreeMap<String, Review>,
) -> BTreeMap<String, Review> {
    let keys: BTreeSet<&String> = mine.keys().chain(theirs.keys()).collect();
    keys.into_iter()
        .filter(|k| {
            let (b, m, t) = (
                base.contains_key(*k),
                mine.contains_key(*k),
                theirs.contains_key(*k),
            );
            // Settled on one side (was in the base, gone there) → gone.
            (m && t) || !b
        })
        .filter_map(|k| {
            mine.get(k)
                .or_else(|| theirs.get(k))
                .map(|r| (k.clone(), r.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plans::{Keep, PlanKind};
    use serde_json::json;
    use uuid::Uuid;

    fn base() -> Plan {
        let mut p = Plan::new(Uuid::from_u128(1), PlanKind::PlanCommunal, "ML030201");
        p.set("swot", "s1", "text", json!("Femmes actives"), 1, "A")
            .unwrap();
        p.set("activities", "a1", "title", json!("Causerie"), 1, "A")
            .unwrap();
        p.set("activities", "a2", "title", json!("Forum"), 1, "A")
            .unwrap();
        p
    }

    #[test]
    fn changes_to_different_fields_and_items_are_all_kept() {
        let b = base();
        let mut a = b.clone();
        a.set("swot", "s1", "priority", json!("haute"), 5, "A")
            .unwrap();
        a.set("activities", "a3", "title", json!("Radio"), 5, "A")
            .unwrap();
        let mut t = b.clone();
        t.set("activities", "a2", "status", json!("realisee"), 6, "B")
            .unwrap();
        let r = merge(Some(&b), &a, &t);
        assert_eq!(r, merge(Some(&b), &t, &a));
        assert_eq!(r.item("swot", "s1").unwrap().text("priority"), "haute");
        assert_eq!(
            r.item("activities", "a2").unwrap().text("status"),
            "realisee"
        );
        assert_eq!(r.item("activities", "a3").unwrap().text("title"), "Radio");
        assert!(r.reviews.is_empty());
    }

    #[test]
    fn a_true_conflict_picks_the_later_edit_and_keeps_the_other_to_review() {
        let b = base();
        let mut a = b.clone();
        a.set("swot", "s1", "text", json!("Femmes très actives"), 5, "A")
            .unwrap();
        let mut t = b.clone();
        t.set(
            "swot",
            "s1",
            "text",
            json!("Jeunes et femmes actifs"),
            7,
            "B",
        )
        .unwrap();
        let r = merge(Some(&b), &a, &t);
        assert_eq!(
            r.item("swot", "s1").unwrap().text("text"),
            "Jeunes et femmes actifs"
        );
        let review = r.reviews.values().next().expect("a review");
        assert_eq!(review.other.value, json!("Femmes très actives"));
        assert_eq!(
            (review.list.as_str(), review.field.as_str()),
            ("swot", "text")
        );
        // The other phone merges the other way round and ends with the same document.
        assert_eq!(r, merge(Some(&b), &t, &a));
    }

    #[test]
    fn one_field_changed_on_three_phones_is_one_conflict_with_every_version() {
        let b = base();
        let edit = |text: &str, at, by: &str, name: &str| {
            let mut p = b.clone();
            p.set("swot", "s1", "text", json!(text), at, by).unwrap();
            p.note_editor(by, name);
            p
        };
        let a = edit("Version de A", 10, "phone-a", "Awa");
        let bb = edit("Version de B", 20, "phone-b", "Bakary");
        let c = edit("Version de C", 30, "phone-c", "Coumba");
        // A meets B on the server, then C meets the result (and the other order).
        let ab = merge(Some(&b), &a, &bb);
        let abc = merge(Some(&b), &c, &ab);
        let cab = merge(Some(&b), &merge(Some(&b), &c, &a), &bb);
        for r in [&abc, &cab] {
            let conflicts = r.conflicts();
            assert_eq!(conflicts.len(), 1, "one card per field: {conflicts:?}");
            let one = &conflicts[0];
            let current = one.current.as_ref().expect("a current version");
            assert_eq!(
                current.value,
                json!("Version de C"),
                "the later edit is kept"
            );
            let others: Vec<_> = one.others.iter().map(|(_, s)| s.value.clone()).collect();
            assert_eq!(others, vec![json!("Version de A"), json!("Version de B")]);
            assert_eq!(r.editors.get("phone-b").map(String::as_str), Some("Bakary"));
            assert_eq!(r.editors.len(), 3);
        }
        // Keeping B's version settles the field on every version, as a new edit.
        let mut settled = abc.clone();
        let key_b = abc.conflicts()[0].others[1].0.clone();
        settled
            .settle("swot", "s1", "text", &Keep::Other(key_b), 40, "phone-a")
            .unwrap();
        assert!(settled.reviews.is_empty());
        assert_eq!(
            settled.item("swot", "s1").unwrap().text("text"),
            "Version de B"
        );
        let mut kept = abc.clone();
        kept.settle("swot", "s1", "text", &Keep::Current, 40, "phone-a")
            .unwrap();
        assert!(kept.reviews.is_empty());
        assert_eq!(
            kept.item("swot", "s1").unwrap().text("text"),
            "Version de C"
        );
        assert!(kept
            .settle("swot", "s1", "text", &Keep::Current, 41, "phone-a")
            .is_err());
    }

    #[test]
    fn a_settled_review_stays_settled_and_the_choice_travels() {
        let b = base();
        let mut a = b.clone();
        a.set("swot", "s1", "text", json!("X"), 5, "A").unwrap();
        let mut t = b.clone();
        t.set("swot", "s1", "text", json!("Y"), 7, "B").unwrap();
        let agreed = merge(Some(&b), &a, &t);
        let key = agreed.reviews.keys().next().unwrap().clone();
        // Phone A chooses its own text back; phone B has not touched the plan since.
        let mut chosen = agreed.clone();
        chosen.resolve(&key, true, 9, "A").unwrap();
        let r = merge(Some(&agreed), &chosen, &agreed);
        assert!(r.reviews.is_empty());
        assert_eq!(r.item("swot", "s1").unwrap().text("text"), "X");
    }

    #[test]
    fn deleting_an_item_the_other_side_edited_keeps_it_flagged() {
        let b = base();
        let mut a = b.clone();
        a.delete("activities", "a1", 5, "A").unwrap();
        let mut t = b.clone();
        t.set("activities", "a1", "status", json!("en_cours"), 6, "B")
            .unwrap();
        for r in [merge(Some(&b), &a, &t), merge(Some(&b), &t, &a)] {
            let item = r.item("activities", "a1").unwrap();
            assert!(!item.is_deleted());
            assert_eq!(item.text("status"), "en_cours");
            let review = r.reviews.values().next().expect("the deletion to review");
            assert_eq!(review.field, DELETED);
        }
        // A deletion nobody contested goes through.
        let r = merge(Some(&b), &a, &b);
        assert!(r.item("activities", "a1").unwrap().is_deleted());
        assert!(r.reviews.is_empty());
    }

    #[test]
    fn the_same_change_on_both_sides_is_no_conflict() {
        let b = base();
        let mut a = b.clone();
        a.set("swot", "s1", "text", json!("Z"), 5, "A").unwrap();
        let mut t = b.clone();
        t.set("swot", "s1", "text", json!("Z"), 6, "B").unwrap();
        let r = merge(Some(&b), &a, &t);
        assert!(r.reviews.is_empty());
        assert_eq!(r, merge(Some(&b), &t, &a));
    }
}
