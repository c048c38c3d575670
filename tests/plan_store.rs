//! Browser tier: action plans on real IndexedDB — the database opens at version 2 with its
//! `plans` store next to the older ones, a copy round-trips, and two changes made at once to
//! one plan both land (each read-modify-write holds the plans' write lock).
#![cfg(target_arch = "wasm32")]

use serde_json::json;
use uuid::Uuid;
use vigie::browser::idb::{self, DB_VERSION, PLANS};
use vigie::stores::plans::{read, read_all, update, PlanEditError};
use vigie_core::plans::sync::PlanCopy;
use vigie_core::plans::{Plan, PlanKind};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn plan(n: u128) -> Plan {
    Plan::new(Uuid::from_u128(n), PlanKind::PlanCommunal, "ML030201")
}

#[wasm_bindgen_test]
async fn the_plans_store_sits_beside_the_outbox_and_drafts() {
    assert_eq!(DB_VERSION, 3);
    let db = idb::db().await.expect("open");
    let names = db.object_store_names();
    for store in ["outbox", "drafts", "meta", "plans", "receipts"] {
        assert!(names.contains(store), "{store}");
    }
}

#[wasm_bindgen_test]
async fn a_plan_round_trips_and_a_missing_one_is_reported() {
    idb::clear(PLANS).await.expect("clear");
    let mut p = plan(1);
    p.set(
        "swot",
        "s1",
        "text",
        json!("Femmes leaders actives"),
        1,
        "tel",
    )
    .unwrap();
    let copy = PlanCopy::new(p, 5);
    let stored = update(copy.mine.id, Some(copy.clone()), |_| Ok(()))
        .await
        .expect("stored");
    assert_eq!(stored, copy);
    assert_eq!(read(copy.mine.id).await.expect("read"), Some(copy.clone()));
    assert_eq!(read_all().await.expect("all"), vec![copy]);
    let missing = update(Uuid::from_u128(99), None, |_| Ok(())).await;
    assert_eq!(missing, Err(PlanEditError::Missing));
}

#[wasm_bindgen_test]
async fn two_changes_at_once_to_one_plan_both_land() {
    idb::clear(PLANS).await.expect("clear");
    let id = plan(2).id;
    update(id, Some(PlanCopy::new(plan(2), 1)), |_| Ok(()))
        .await
        .expect("created");
    let edit = |item: &'static str| {
        update(id, None, move |c| {
            c.mine
                .set("activities", item, "title", json!(item), 2, "tel")
                .map_err(PlanEditError::from)
        })
    };
    // Started together: without the lock both would read the same copy and the second
    // write would drop the first one's activity.
    let (a, b) = futures_join(edit("a1"), edit("a2")).await;
    a.expect("a1");
    b.expect("a2");
    let stored = read(id).await.expect("read").expect("there");
    assert!(stored.mine.item("activities", "a1").is_some(), "a1 kept");
    assert!(stored.mine.item("activities", "a2").is_some(), "a2 kept");
}

/// Both futures polled concurrently, without a futures crate.
async fn futures_join<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    use std::pin::pin;
    use std::task::Poll;
    let (mut a, mut b) = (pin!(a), pin!(b));
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(move |cx| {
        if ra.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        if ra.is_some() && rb.is_some() {
            Poll::Ready((ra.take().unwrap(), rb.take().unwrap()))
        } else {
            Poll::Pending
        }
    })
    .await
}

#[wasm_bindgen_test]
async fn with_a_pin_a_plans_texts_are_sealed_and_read_back_whole() {
    use vigie::browser::vault::{self, Mode};
    idb::clear(PLANS).await.expect("clear");
    let (_, key) = vault::create("258013", &vault::new_salt().expect("salt"), None)
        .await
        .expect("create");
    vault::set_mode(Mode::Unlocked(key.clone()));
    let mut p = plan(7);
    p.set(
        "conflicts",
        "c1",
        "title",
        json!("Conflit foncier — témoin : Moussa K."),
        1,
        "tel",
    )
    .unwrap();
    let copy = PlanCopy::new(p, 5);
    update(copy.mine.id, Some(copy.clone()), |_| Ok(()))
        .await
        .expect("stored");
    let raw = idb::get_all(PLANS).await.expect("raw");
    assert!(raw.iter().all(|(_, v)| !v.contains("Moussa")), "{raw:?}");
    assert_eq!(read(copy.mine.id).await.expect("read"), Some(copy.clone()));
    // Locked: nothing is read (never a plan half-read) and nothing written.
    vault::set_mode(Mode::Locked);
    assert_eq!(read(copy.mine.id).await.expect("read"), None);
    assert!(update(copy.mine.id, None, |_| Ok(())).await.is_err());
    vault::set_mode(Mode::Open);
    idb::clear(PLANS).await.expect("clear");
}
