//! Action plans: one living document per communal mechanism, edited offline on several
//! phones and merged field by field on sync (see [`merge`]).
//!
//! The document is deliberately generic: named lists (`members`, `swot`, `conflicts`,
//! `mediation`, `activities`, …) of items keyed by ids made on the phone, each item a map of
//! fields. What the lists and fields mean, for the screens and the derived figures, is in
//! [`schema`]. A nested list (a conflict's mediation steps) is a list of its own whose items
//! name their parent in a field, so every change is "this field of this item", the unit of
//! the merge.

pub mod derived;
pub mod display;
pub mod merge;
pub mod place;
pub mod schema;
pub mod sync;
pub mod wire;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;
use uuid::Uuid;

use crate::record::Millis;

/// The field that marks an item deleted (a tombstone: the item stays so that a deletion
/// merges like any other change).
pub const DELETED: &str = "_deleted";

/// The list and item holding the plan's own header fields.
pub const HEADER: (&str, &str) = ("header", "plan");

/// What kind of plan a document is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanKind {
    /// A communal conflict-prevention mechanism's action plan.
    PlanCommunal,
    /// A civil-society alliance's roadmap (priorities, actions by horizon, steering
    /// committee).
    FeuilleDeRoute,
}

/// One field's value with who set it and when (device clock), for a deterministic pick
/// when two phones set it differently.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stamped {
    /// The value (text, number, date text, bool).
    pub value: Value,
    /// When it was set (device clock).
    pub at: Millis,
    /// Which device set it.
    pub by: String,
}

impl Stamped {
    /// The order in which two different values of one field are picked: later edit, then
    /// device id, then the value's text, so that both phones pick the same one.
    fn rank(&self) -> (Millis, &str, String) {
        (self.at, self.by.as_str(), self.value.to_string())
    }
}

/// One item of a list: its fields, by name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Fields, by name (`_deleted` marks a deleted item).
    pub fields: BTreeMap<String, Stamped>,
}

impl Item {
    /// A field's value, `Null` when absent.
    pub fn get(&self, field: &str) -> &Value {
        self.fields.get(field).map_or(&Value::Null, |s| &s.value)
    }

    /// A field's text, empty when absent or not text.
    pub fn text(&self, field: &str) -> &str {
        self.get(field).as_str().unwrap_or("")
    }

    /// Whether the item was deleted.
    pub fn is_deleted(&self) -> bool {
        self.get(DELETED) == &Value::Bool(true)
    }
}

/// A true conflict kept for the people who edit the plan: the value that was not picked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Review {
    /// List of the item.
    pub list: String,
    /// Item id.
    pub item: String,
    /// Field (`_deleted` when one phone deleted an item the other edited).
    pub field: String,
    /// The value that was not picked, with who set it and when.
    pub other: Stamped,
}

impl Review {
    /// A key that two phones compute alike for the same conflict.
    pub fn key(&self) -> String {
        format!(
            "{}/{}/{}/{}/{}",
            self.list, self.item, self.field, self.other.at, self.other.by
        )
    }
}

/// A plan document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Made on the phone that created the plan.
    pub id: Uuid,
    /// Communal plan or roadmap.
    pub kind: PlanKind,
    /// Commune P-code (`ML030201`), for listing a commune's plans.
    pub commune: String,
    /// Lists of items: list name → item id → item.
    #[serde(default)]
    pub lists: BTreeMap<String, BTreeMap<String, Item>>,
    /// True conflicts waiting for someone to choose, by [`Review::key`].
    #[serde(default)]
    pub reviews: BTreeMap<String, Review>,
    /// Who edited from which phone: device id → the name set on that phone, so that a
    /// version to review says whose it is.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub editors: BTreeMap<String, String>,
}

/// One field changed differently on several phones: every version, the one kept for now
/// first.
#[derive(Clone, Debug, PartialEq)]
pub struct Conflict {
    /// List of the item.
    pub list: String,
    /// Item id.
    pub item: String,
    /// Field (`_deleted`: delete the item or keep it).
    pub field: String,
    /// The version in the plan now (`None`: a field never set, as `_deleted` on an item
    /// that was kept).
    pub current: Option<Stamped>,
    /// The versions not kept, by [`Review::key`], oldest first.
    pub others: Vec<(String, Stamped)>,
}

/// What a person settling a [`Conflict`] keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Keep {
    /// The version in the plan now.
    Current,
    /// The version of this review key.
    Other(String),
}

/// A plan as a server holds it: the document and its revision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Revision {
    /// The server's revision (`"3"` on the receiver, CouchDB's `_rev`).
    pub rev: String,
    /// The document.
    pub plan: Plan,
}

/// Why an edit was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PlanError {
    /// The list is not one of this plan kind's lists.
    #[error("unknown list '{0}'")]
    UnknownList(String),
    /// The field is not one of the list's fields.
    #[error("unknown field '{1}' in list '{0}'")]
    UnknownField(String, String),
    /// No such item.
    #[error("no item '{1}' in list '{0}'")]
    NoItem(String, String),
    /// No such review.
    #[error("no conflict to review under '{0}'")]
    NoReview(String),
    /// The document holds more than [`MAX_ITEMS`] items or a text longer than
    /// [`MAX_TEXT`].
    #[error("plan too large: {0}")]
    TooLarge(String),
}

/// Most items a plan holds, tombstones included (a commune's plan has a few hundred).
pub const MAX_ITEMS: usize = 5_000;
/// Longest text in one field, in characters.
pub const MAX_TEXT: usize = 5_000;
/// Most conflicts waiting for review in one plan (each is one field two phones changed
/// differently; a plan has far fewer).
pub const MAX_REVIEWS: usize = MAX_ITEMS;
/// Longest list name, item id, field name or author name, in characters.
pub const MAX_NAME: usize = 200;

/// The first text inside `value` (at any depth) longer than [`MAX_TEXT`].
fn too_long(value: &Value) -> bool {
    match value {
        Value::String(s) => s.chars().count() > MAX_TEXT,
        Value::Array(a) => a.iter().any(too_long),
        Value::Object(o) => o.values().any(too_long),
        _ => false,
    }
}

/// Checks one stamped value of a document from elsewhere.
fn check_stamped(what: &str, s: &Stamped) -> Result<(), PlanError> {
    if too_long(&s.value) {
        return Err(PlanError::TooLarge(format!(
            "{what}: more than {MAX_TEXT} characters"
        )));
    }
    if s.by.chars().count() > MAX_NAME {
        return Err(PlanError::TooLarge(format!(
            "{what}: an author name of more than {MAX_NAME} characters"
        )));
    }
    Ok(())
}

impl Plan {
    /// A new, empty plan.
    pub fn new(id: Uuid, kind: PlanKind, commune: &str) -> Plan {
        Plan {
            id,
            kind,
            commune: commune.to_owned(),
            lists: BTreeMap::new(),
            reviews: BTreeMap::new(),
            editors: BTreeMap::new(),
        }
    }

    /// Records that phone `device` is used by `name` (nothing for an empty name).
    pub fn note_editor(&mut self, device: &str, name: &str) {
        let name = name.trim();
        if name.is_empty() || device.is_empty() {
            return;
        }
        let name: String = name.chars().take(MAX_NAME).collect();
        if self.editors.get(device) != Some(&name) {
            self.editors.insert(device.to_owned(), name);
        }
    }

    /// The conflicts waiting for review, one per field, in list, item and field order, the
    /// versions not kept oldest first (the order of the review keys).
    pub fn conflicts(&self) -> Vec<Conflict> {
        let mut out: Vec<Conflict> = Vec::new();
        for (key, r) in &self.reviews {
            let same = out
                .last()
                .is_some_and(|c| c.list == r.list && c.item == r.item && c.field == r.field);
            if !same {
                out.push(Conflict {
                    list: r.list.clone(),
                    item: r.item.clone(),
                    field: r.field.clone(),
                    current: self
                        .item(&r.list, &r.item)
                        .and_then(|i| i.fields.get(&r.field))
                        .cloned(),
                    others: Vec::new(),
                });
            }
            if let Some(c) = out.last_mut() {
                c.others.push((key.clone(), r.other.clone()));
            }
        }
        out
    }

    /// Settles every version of one field at once: `keep` stays (a version not kept is
    /// put in place as a new edit), and all of the field's reviews are gone.
    pub fn settle(
        &mut self,
        list: &str,
        item: &str,
        field: &str,
        keep: &Keep,
        at: Millis,
        by: &str,
    ) -> Result<(), PlanError> {
        let keys: Vec<String> = self
            .reviews
            .iter()
            .filter(|(_, r)| r.list == list && r.item == item && r.field == field)
            .map(|(k, _)| k.clone())
            .collect();
        if keys.is_empty() {
            return Err(PlanError::NoReview(format!("{list}/{item}/{field}")));
        }
        if let Keep::Other(key) = keep {
            if !keys.contains(key) {
                return Err(PlanError::NoReview(key.clone()));
            }
        }
        for key in keys {
            let take = matches!(keep, Keep::Other(k) if *k == key);
            self.resolve(&key, take, at, by)?;
        }
        Ok(())
    }

    /// An item, if present (deleted ones included).
    pub fn item(&self, list: &str, id: &str) -> Option<&Item> {
        self.lists.get(list).and_then(|l| l.get(id))
    }

    /// The items of a list that are not deleted, in id order.
    pub fn live(&self, list: &str) -> impl Iterator<Item = (&String, &Item)> {
        self.lists
            .get(list)
            .into_iter()
            .flatten()
            .filter(|(_, item)| !item.is_deleted())
    }

    /// A header field's value.
    pub fn header(&self, field: &str) -> &Value {
        self.item(HEADER.0, HEADER.1)
            .map_or(&Value::Null, |i| i.get(field))
    }

    /// Sets one field of one item (creating the item), checked against the schema. Setting
    /// the value it already has changes nothing (and keeps its stamp).
    pub fn set(
        &mut self,
        list: &str,
        id: &str,
        field: &str,
        value: Value,
        at: Millis,
        by: &str,
    ) -> Result<(), PlanError> {
        let spec =
            schema::list(self.kind, list).ok_or_else(|| PlanError::UnknownList(list.to_owned()))?;
        if field != DELETED && !spec.fields.iter().any(|f| f.name == field) {
            return Err(PlanError::UnknownField(list.to_owned(), field.to_owned()));
        }
        if value.as_str().is_some_and(|s| s.chars().count() > MAX_TEXT) {
            return Err(PlanError::TooLarge(format!(
                "{list}.{field}: more than {MAX_TEXT} characters"
            )));
        }
        let is_new = self.item(list, id).is_none();
        if is_new && self.item_count() >= MAX_ITEMS {
            return Err(PlanError::TooLarge(format!("more than {MAX_ITEMS} items")));
        }
        let item = self
            .lists
            .entry(list.to_owned())
            .or_default()
            .entry(id.to_owned())
            .or_default();
        if item.fields.get(field).map(|s| &s.value) != Some(&value) {
            item.fields.insert(
                field.to_owned(),
                Stamped {
                    value,
                    at,
                    by: by.to_owned(),
                },
            );
        }
        Ok(())
    }

    /// Marks an item deleted.
    pub fn delete(&mut self, list: &str, id: &str, at: Millis, by: &str) -> Result<(), PlanError> {
        if self.item(list, id).is_none() {
            return Err(PlanError::NoItem(list.to_owned(), id.to_owned()));
        }
        self.set(list, id, DELETED, Value::Bool(true), at, by)
    }

    /// Settles a conflict: `take_other` puts the value that was not picked in place (as a
    /// new edit); otherwise the current value stays. Either way the review is gone.
    pub fn resolve(
        &mut self,
        key: &str,
        take_other: bool,
        at: Millis,
        by: &str,
    ) -> Result<(), PlanError> {
        let review = self
            .reviews
            .remove(key)
            .ok_or_else(|| PlanError::NoReview(key.to_owned()))?;
        if take_other {
            let item = self
                .lists
                .entry(review.list.clone())
                .or_default()
                .entry(review.item.clone())
                .or_default();
            item.fields.insert(
                review.field.clone(),
                Stamped {
                    value: review.other.value,
                    at,
                    by: by.to_owned(),
                },
            );
        }
        Ok(())
    }

    /// Items in all lists, tombstones included.
    pub fn item_count(&self) -> usize {
        self.lists.values().map(BTreeMap::len).sum()
    }

    /// Checks a document received from elsewhere (a server, another phone): known kind
    /// and lists, bounded size — the same bounds an edit on the phone meets (texts of at
    /// most [`MAX_TEXT`] characters, at most [`MAX_ITEMS`] items) and at most
    /// [`MAX_REVIEWS`] conflicts. Unknown fields are kept (a newer build's), not refused.
    pub fn check(&self) -> Result<(), PlanError> {
        if self.item_count() > MAX_ITEMS {
            return Err(PlanError::TooLarge(format!("more than {MAX_ITEMS} items")));
        }
        if self.reviews.len() > MAX_REVIEWS {
            return Err(PlanError::TooLarge(format!(
                "more than {MAX_REVIEWS} conflicts to review"
            )));
        }
        let long_name = |n: &str| n.chars().count() > MAX_NAME;
        for (name, items) in &self.lists {
            if schema::list(self.kind, name).is_none() {
                return Err(PlanError::UnknownList(name.clone()));
            }
            for (id, item) in items {
                if long_name(id) {
                    return Err(PlanError::TooLarge(format!("{name}: an item id too long")));
                }
                for (field, stamped) in &item.fields {
                    if long_name(field) {
                        return Err(PlanError::TooLarge(format!(
                            "{name}: a field name too long"
                        )));
                    }
                    check_stamped(&format!("{name}.{field}"), stamped)?;
                }
            }
        }
        if self.editors.len() > MAX_ITEMS
            || self
                .editors
                .iter()
                .any(|(d, n)| long_name(d) || long_name(n))
        {
            return Err(PlanError::TooLarge(
                "too many editors or names too long".into(),
            ));
        }
        for review in self.reviews.values() {
            if [&review.list, &review.item, &review.field]
                .iter()
                .any(|n| long_name(n))
            {
                return Err(PlanError::TooLarge("a review's names too long".into()));
            }
            check_stamped(
                &format!("review of {}.{}", review.list, review.field),
                &review.other,
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plan() -> Plan {
        Plan::new(Uuid::from_u128(1), PlanKind::PlanCommunal, "ML030201")
    }

    #[test]
    fn edits_are_checked_against_the_schema() {
        let mut p = plan();
        p.set("swot", "s1", "text", json!("Femmes actives"), 1, "A")
            .unwrap();
        assert_eq!(p.item("swot", "s1").unwrap().text("text"), "Femmes actives");
        assert_eq!(
            p.set("nowhere", "x", "text", json!("x"), 1, "A"),
            Err(PlanError::UnknownList("nowhere".into()))
        );
        assert_eq!(
            p.set("swot", "s1", "colour", json!("x"), 1, "A"),
            Err(PlanError::UnknownField("swot".into(), "colour".into()))
        );
        let long = "x".repeat(MAX_TEXT + 1);
        assert!(matches!(
            p.set("swot", "s1", "text", json!(long), 1, "A"),
            Err(PlanError::TooLarge(_))
        ));
    }

    #[test]
    fn setting_the_same_value_keeps_its_stamp() {
        let mut p = plan();
        p.set("swot", "s1", "text", json!("a"), 1, "A").unwrap();
        p.set("swot", "s1", "text", json!("a"), 9, "B").unwrap();
        assert_eq!(p.item("swot", "s1").unwrap().fields["text"].at, 1);
    }

    #[test]
    fn a_deleted_item_is_a_tombstone_not_listed() {
        let mut p = plan();
        p.set("swot", "s1", "text", json!("a"), 1, "A").unwrap();
        p.set("swot", "s2", "text", json!("b"), 1, "A").unwrap();
        p.delete("swot", "s1", 2, "A").unwrap();
        assert_eq!(p.live("swot").count(), 1);
        assert!(p.item("swot", "s1").unwrap().is_deleted());
        assert!(p.delete("swot", "s9", 2, "A").is_err());
    }

    #[test]
    fn a_document_from_elsewhere_is_bounded() {
        let mut p = plan();
        p.lists.entry("secret".into()).or_default();
        assert!(p.check().is_err());
        let mut big = plan();
        let list = big.lists.entry("swot".into()).or_default();
        for i in 0..=MAX_ITEMS {
            list.insert(i.to_string(), Item::default());
        }
        assert!(matches!(big.check(), Err(PlanError::TooLarge(_))));
    }

    #[test]
    fn a_document_from_elsewhere_meets_the_phones_limits() {
        let stamped = |value: Value| Stamped {
            value,
            at: 1,
            by: "A".into(),
        };
        let mut p = plan();
        p.set("swot", "s1", "text", json!("ok"), 1, "A").unwrap();
        assert_eq!(p.check(), Ok(()));
        // A field written past the phone's check (900,000 characters).
        let mut long = p.clone();
        long.lists
            .get_mut("swot")
            .unwrap()
            .get_mut("s1")
            .unwrap()
            .fields
            .insert("text".into(), stamped(json!("x".repeat(900_000))));
        assert!(matches!(long.check(), Err(PlanError::TooLarge(_))));
        // Nested too.
        let mut nested = p.clone();
        nested
            .lists
            .get_mut("swot")
            .unwrap()
            .get_mut("s1")
            .unwrap()
            .fields
            .insert(
                "text".into(),
                stamped(json!({"a": ["x".repeat(MAX_TEXT + 1)]})),
            );
        assert!(nested.check().is_err());
        // Eight thousand reviews.
        let mut many = p.clone();
        for i in 0..8_000 {
            let r = Review {
                list: "swot".into(),
                item: "s1".into(),
                field: "text".into(),
                other: Stamped {
                    value: json!(i),
                    at: i,
                    by: "B".into(),
                },
            };
            many.reviews.insert(r.key(), r);
        }
        assert!(matches!(many.check(), Err(PlanError::TooLarge(_))));
        // A review carrying a long text.
        let mut review = p.clone();
        let r = Review {
            list: "swot".into(),
            item: "s1".into(),
            field: "text".into(),
            other: stamped(json!("y".repeat(MAX_TEXT + 1))),
        };
        review.reviews.insert(r.key(), r);
        assert!(review.check().is_err());
    }
}
