//! Property tests of the outbox: random creates, flushes, faults and crashes, then a good
//! network. Nothing is lost, everything ends Delivered or Rejected, and the server stores
//! each id at most once, with the content the device created.
#![cfg(not(target_arch = "wasm32"))]

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use proptest::prelude::*;
use serde_json::{json, Value};
use uuid::Uuid;
use vigie_core::outbox::backend::{Backend, HttpRequest, HttpResult};
use vigie_core::outbox::state::{DeliveryState, Event};
use vigie_core::outbox::{flush, Clock, FlushOptions, OutboxEntry, OutboxStore, Transport};
use vigie_core::record::{Author, Envelope, Millis};

#[derive(Default)]
struct MemStore(HashMap<Uuid, String>);

impl MemStore {
    fn get(&self, id: &Uuid) -> Option<OutboxEntry> {
        self.0
            .get(id)
            .map(|s| serde_json::from_str(s).expect("stored entry"))
    }
    fn put(&mut self, e: &OutboxEntry) {
        self.0
            .insert(e.envelope.id, serde_json::to_string(e).expect("encode"));
    }
    fn ids(&self) -> Vec<Uuid> {
        self.0.keys().copied().collect()
    }
}

impl OutboxStore for MemStore {
    type Error = String;
    fn load_all(&self) -> impl Future<Output = Result<Vec<Result<OutboxEntry, String>>, String>> {
        std::future::ready(Ok(self
            .0
            .values()
            .map(|s| serde_json::from_str(s).map_err(|e| e.to_string()))
            .collect()))
    }
    fn save(&mut self, entries: &[OutboxEntry]) -> impl Future<Output = Result<(), String>> {
        for e in entries {
            self.put(e);
        }
        std::future::ready(Ok(()))
    }
}

#[derive(Clone, Copy, Debug)]
enum Fault {
    None,
    DropBefore,
    DropAfter,
    Error500,
    TimeoutAfter,
    Unauthorized,
    CrashBefore,
    CrashAfter,
    Replay,
}

/// A receiver that speaks both the generic-JSON and CouchDB protocols.
#[derive(Default)]
struct Server {
    rows: HashMap<Uuid, Value>,
    inserts: HashMap<Uuid, usize>,
    /// Ids in the order they were first stored.
    order: Vec<Uuid>,
    /// Requests received.
    requests: usize,
}

impl Server {
    /// Stores one record; returns (status, per-record JSON).
    fn put(&mut self, rec: &Value, couch: bool) -> (u16, Value) {
        let id: Uuid = serde_json::from_value(rec["id"].clone()).expect("id");
        let mut rec = rec.clone();
        if let Value::Object(m) = &mut rec {
            m.remove("_id");
        }
        if rec["payload"]["big"] == json!(true) {
            return (
                413,
                json!({"id": id, "error": "too_large", "status": 413, "reason": "record too large"}),
            );
        }
        match self.rows.get(&id) {
            Some(_) if couch => (
                409,
                json!({"id": id, "error": "conflict", "reason": "Document update conflict."}),
            ),
            Some(old) if *old == rec => (200, json!({"id": id, "ok": true})),
            Some(_) => (
                409,
                json!({"id": id, "error": "different_content", "status": 409, "reason": "other content"}),
            ),
            None => {
                self.order.push(id);
                self.rows.insert(id, rec);
                *self.inserts.entry(id).or_default() += 1;
                (201, json!({"id": id, "ok": true, "rev": "1-a"}))
            }
        }
    }

    fn handle(&mut self, req: &HttpRequest) -> HttpResult {
        self.requests += 1;
        let body: Value = serde_json::from_str(&req.body).expect("json body");
        let (status, answer) = if req.url.ends_with("/_bulk_docs") {
            let docs: Vec<Value> = body["docs"]
                .as_array()
                .expect("docs")
                .iter()
                .map(|d| self.put(d, true).1)
                .collect();
            (201, Value::Array(docs))
        } else if req.url.ends_with("/submissions/batch") {
            // Like a proxy's body limit: a batch holding a big record is refused whole.
            if body["records"]
                .as_array()
                .expect("records")
                .iter()
                .any(|r| r["payload"]["big"] == json!(true))
            {
                return HttpResult::Response {
                    status: 413,
                    body: "Request Entity Too Large".into(),
                    retry_after: None,
                };
            }
            let results: Vec<Value> = body["records"]
                .as_array()
                .expect("records")
                .iter()
                .map(|r| self.put(r, false).1)
                .collect();
            (200, json!({ "results": results }))
        } else {
            let (status, one) = self.put(&body, false);
            (status, one)
        };
        HttpResult::Response {
            status,
            body: answer.to_string(),
            retry_after: None,
        }
    }
}

struct FaultyTransport {
    server: Rc<RefCell<Server>>,
    faults: Vec<Fault>,
}

impl Transport for FaultyTransport {
    fn send(&mut self, req: HttpRequest) -> impl Future<Output = HttpResult> {
        let fault = if self.faults.is_empty() {
            Fault::None
        } else {
            self.faults.remove(0)
        };
        let mut server = self.server.borrow_mut();
        let result = match fault {
            Fault::None => Some(server.handle(&req)),
            Fault::DropBefore => Some(HttpResult::Network("connection reset".into())),
            Fault::DropAfter => {
                server.handle(&req);
                Some(HttpResult::Network("connection reset".into()))
            }
            Fault::Error500 => Some(HttpResult::Response {
                status: 500,
                body: "oops".into(),
                retry_after: None,
            }),
            Fault::TimeoutAfter => {
                server.handle(&req);
                Some(HttpResult::Timeout)
            }
            Fault::Unauthorized => Some(HttpResult::Response {
                status: 401,
                body: String::new(),
                retry_after: None,
            }),
            Fault::CrashBefore => None,
            Fault::CrashAfter => {
                server.handle(&req);
                None
            }
            Fault::Replay => {
                server.handle(&req);
                Some(server.handle(&req))
            }
        };
        // A crash is a request that never comes back: the executor then drops the flush.
        std::future::poll_fn(move |_| match &result {
            Some(r) => Poll::Ready(r.clone()),
            None => Poll::Pending,
        })
    }
}

struct FakeClock {
    now: Millis,
    seed: u64,
}

impl Clock for FakeClock {
    fn now(&self) -> Millis {
        self.now
    }
    fn jitter(&mut self) -> f64 {
        self.seed = self
            .seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.seed >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Polls `fut` until done; returns None if it stalls (the simulated crash), dropping it.
fn run_or_crash<F: Future>(fut: F) -> Option<F::Output> {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}

#[derive(Clone, Debug)]
enum Op {
    Create { big: bool },
    Flush(Vec<Fault>),
    UserSendsNow,
    NewCredentials,
    Wait(Millis),
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        3 => Just(Fault::None),
        1 => Just(Fault::DropBefore),
        2 => Just(Fault::DropAfter),
        1 => Just(Fault::Error500),
        1 => Just(Fault::TimeoutAfter),
        1 => Just(Fault::Unauthorized),
        1 => Just(Fault::CrashBefore),
        1 => Just(Fault::CrashAfter),
        1 => Just(Fault::Replay),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => any::<u8>().prop_map(|b| Op::Create { big: b % 7 == 0 }),
        4 => prop::collection::vec(fault(), 0..6).prop_map(Op::Flush),
        1 => Just(Op::UserSendsNow),
        1 => Just(Op::NewCredentials),
        1 => (0i64..400_000).prop_map(Op::Wait),
    ]
}

fn apply_to_all(store: &mut MemStore, event: &Event) {
    let policy = FlushOptions::default().policy;
    for id in store.ids() {
        let mut e = store.get(&id).expect("listed");
        e.apply(event, &policy);
        store.put(&e);
    }
}

fn scenario(ops: Vec<Op>, couch: bool, batch_size: usize) -> Result<(), TestCaseError> {
    let backend = if couch {
        Backend::CouchDb {
            base: "http://127.0.0.1:1".into(),
            db: "vigie".into(),
            user: None,
            password: None,
        }
    } else {
        Backend::GenericJson {
            base: "http://127.0.0.1:1".into(),
            token: None,
        }
    };
    let opts = FlushOptions {
        batch_size,
        ..FlushOptions::default()
    };
    let server = Rc::new(RefCell::new(Server::default()));
    let mut store = MemStore::default();
    let mut clock = FakeClock {
        now: 1_000_000,
        seed: 7,
    };
    let mut created: HashMap<Uuid, (Envelope, bool)> = HashMap::new();

    for (n, op) in ops.into_iter().enumerate() {
        match op {
            Op::Create { big } => {
                let id = Uuid::from_u128(n as u128 + 1);
                let env = Envelope::new(
                    id,
                    "note",
                    ("note", "1"),
                    clock.now,
                    "dev",
                    Author::default(),
                    json!({"texte": format!("rapport {n}"), "big": big}),
                );
                store.put(&OutboxEntry::queued(env.clone()));
                created.insert(id, (env, big));
            }
            Op::Flush(faults) => {
                let mut t = FaultyTransport {
                    server: server.clone(),
                    faults,
                };
                let _ = run_or_crash(flush(
                    &mut store,
                    &mut t,
                    &mut clock,
                    &backend,
                    opts,
                    |_, _| {},
                ));
            }
            Op::UserSendsNow => apply_to_all(&mut store, &Event::SendNow),
            Op::NewCredentials => apply_to_all(&mut store, &Event::CredentialsChanged),
            Op::Wait(ms) => clock.now += ms,
        }
        // Never lost, at any point.
        for id in created.keys() {
            prop_assert!(store.get(id).is_some(), "record {id} lost");
        }
    }

    // The network comes back for good; the user re-enters credentials.
    apply_to_all(&mut store, &Event::CredentialsChanged);
    for _ in 0..50 {
        clock.now += 301_000;
        let mut t = FaultyTransport {
            server: server.clone(),
            faults: vec![],
        };
        let report = run_or_crash(flush(
            &mut store,
            &mut t,
            &mut clock,
            &backend,
            opts,
            |_, _| {},
        ))
        .expect("no crash");
        if report.attempted == 0 {
            break;
        }
    }

    let server = server.borrow();
    for (id, (env, big)) in &created {
        let entry = store.get(id).expect("kept");
        match (&entry.state, big) {
            (DeliveryState::Delivered(_), false) => {
                prop_assert_eq!(&entry.envelope.payload, &Value::Null, "payload purged");
                let stored: Envelope = serde_json::from_value(server.rows[id].clone()).unwrap();
                prop_assert_eq!(&stored, env);
            }
            (DeliveryState::Rejected { status: 413, .. }, true) => {
                prop_assert!(!server.rows.contains_key(id));
                prop_assert_eq!(
                    &entry.envelope.payload,
                    &env.payload,
                    "rejected records keep their data"
                );
            }
            (state, big) => prop_assert!(false, "{id}: ended {state:?} (big: {big})"),
        }
    }
    prop_assert!(
        server.inserts.values().all(|&n| n == 1),
        "an id was stored twice"
    );
    prop_assert_eq!(
        server.rows.len(),
        created.values().filter(|(_, big)| !big).count()
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generic_json_delivers_exactly_once(ops in prop::collection::vec(op(), 1..40), batch in 1usize..6) {
        scenario(ops, false, batch)?;
    }

    #[test]
    fn couchdb_delivers_exactly_once(ops in prop::collection::vec(op(), 1..40), batch in 1usize..6) {
        scenario(ops, true, batch)?;
    }
}

fn flush_once(
    store: &mut MemStore,
    t: &mut FaultyTransport,
    clock: &mut FakeClock,
    backend: &Backend,
    opts: FlushOptions,
) -> vigie_core::outbox::FlushReport {
    run_or_crash(flush(store, t, clock, backend, opts, |_, _| {})).expect("no crash")
}

#[test]
fn a_401_stops_the_flush_and_new_credentials_resume_it() {
    let backend = Backend::GenericJson {
        base: "http://127.0.0.1:1".into(),
        token: None,
    };
    let server = Rc::new(RefCell::new(Server::default()));
    let mut store = MemStore::default();
    let mut clock = FakeClock { now: 0, seed: 1 };
    for n in 0..3u128 {
        let env = Envelope::new(
            Uuid::from_u128(n + 1),
            "note",
            ("note", "1"),
            n as i64,
            "d",
            Author::default(),
            json!({}),
        );
        store.put(&OutboxEntry::queued(env));
    }
    let opts = FlushOptions {
        batch_size: 1,
        ..FlushOptions::default()
    };
    let mut t = FaultyTransport {
        server: server.clone(),
        faults: vec![Fault::Unauthorized],
    };
    let report = flush_once(&mut store, &mut t, &mut clock, &backend, opts);
    assert!(report.needs_auth);
    assert_eq!(report.attempted, 1, "stopped after the first 401");
    assert!(server.borrow().rows.is_empty());
    // Still blocked until credentials change, even much later.
    clock.now += 10_000_000;
    let report = flush_once(&mut store, &mut t, &mut clock, &backend, opts);
    assert!(report.needs_auth);
    assert_eq!(
        report.attempted, 0,
        "nothing is sent while credentials are refused"
    );
    apply_to_all(&mut store, &Event::CredentialsChanged);
    let report = flush_once(&mut store, &mut t, &mut clock, &backend, opts);
    assert_eq!(report.delivered, 3);
    assert_eq!(server.borrow().rows.len(), 3);
}

/// A red alert queued after 499 activity logs reaches the backend in the first request,
/// before all of them; the 500 records need only a handful of round trips.
#[test]
fn urgent_records_go_first_in_few_requests() {
    let backend = Backend::GenericJson {
        base: "http://127.0.0.1:1".into(),
        token: None,
    };
    let server = Rc::new(RefCell::new(Server::default()));
    let mut store = MemStore::default();
    let mut clock = FakeClock {
        now: 1_000,
        seed: 1,
    };
    let text = "Causerie sur la cohésion sociale avec 25 femmes du quartier".repeat(3);
    for n in 0..500u128 {
        let env = Envelope::new(
            Uuid::from_u128(n + 1),
            "activity",
            ("activite", "1"),
            n as i64,
            "d",
            Author::default(),
            json!({ "texte": text }),
        );
        // The newest record is the alert.
        store.put(&OutboxEntry::queued_with(env, false, n == 499));
    }
    let mut t = FaultyTransport {
        server: server.clone(),
        faults: vec![],
    };
    let opts = FlushOptions::default();
    let report = flush_once(&mut store, &mut t, &mut clock, &backend, opts);
    assert_eq!(report.delivered, 500);
    let server = server.borrow();
    assert_eq!(server.order[0], Uuid::from_u128(500), "the alert first");
    assert_eq!(server.order[1], Uuid::from_u128(1), "then the oldest");
    assert!(
        server.requests <= 5,
        "{} requests for 500 records",
        server.requests
    );
}
