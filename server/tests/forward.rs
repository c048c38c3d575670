//! Forwarding to an OpenRosa server on the real binary, against a loopback server written
//! here that behaves like ODK Central: `201` for a new instance and for the very same one
//! again, `409` for another instance under an id it holds, and as told: `500`, `401`, or
//! no answer at all. Every record arrives once, a receiver killed mid-forward included.

mod common;

use std::collections::HashMap;
use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{envelope, Scratch, Server};
use serde_json::json;

/// How the server answers a request.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    /// As Central does.
    Central,
    /// `500`.
    Fail,
    /// `401`.
    Refuse,
    /// Stores the submission but holds the request without a word (the answer is lost).
    Hang,
}

/// One submission received.
#[derive(Clone, Debug)]
struct Got {
    instance: String,
    xml: String,
    openrosa_version: String,
    authorization: String,
    answered: u16,
}

/// Decides how the `n`th request is answered.
type Modes = Arc<Mutex<Box<dyn Fn(usize) -> Mode + Send>>>;

struct Central {
    addr: String,
    got: Arc<Mutex<Vec<Got>>>,
    held: Arc<Mutex<HashMap<String, String>>>,
    /// `mode(n)` decides how the `n`th request is answered.
    mode: Modes,
    /// Requests read so far, answered or not.
    requests: Arc<AtomicUsize>,
}

fn instance_of(xml: &str) -> String {
    xml.split("<instanceID>")
        .nth(1)
        .and_then(|r| r.split("</instanceID>").next())
        .unwrap_or("")
        .to_owned()
}

/// The XML part of a multipart body named `xml_submission_file`.
fn xml_part(body: &str, content_type: &str) -> Option<String> {
    let boundary = content_type.split("boundary=").nth(1)?.trim();
    body.split(&format!("--{boundary}"))
        .find(|part| part.contains("name=\"xml_submission_file\""))
        .and_then(|part| part.split_once("\r\n\r\n"))
        .map(|(_, xml)| xml.trim_end_matches("\r\n").to_owned())
}

fn serve(
    stream: TcpStream,
    got: Arc<Mutex<Vec<Got>>>,
    held: Arc<Mutex<HashMap<String, String>>>,
    mode: Modes,
    n: Arc<AtomicUsize>,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    while let Some(request) = common::Incoming::read(&mut reader) {
        let header = |name: &str| request.header(name);
        let body = request.body.clone();
        let xml = xml_part(&body, &header("content-type")).unwrap_or_default();
        let instance = instance_of(&xml);
        let which = (mode.lock().unwrap())(n.fetch_add(1, Ordering::SeqCst));
        let (status, message) = match which {
            Mode::Hang => {
                // Stored, but the answer never leaves: the sender must send it again, and
                // the same submission twice is no conflict.
                if !instance.is_empty() {
                    held.lock().unwrap().entry(instance).or_insert(xml);
                }
                std::thread::sleep(Duration::from_secs(30));
                return;
            }
            Mode::Fail => (500, "Internal Server Error"),
            Mode::Refuse => (401, "Could not authenticate with the provided credentials."),
            Mode::Central if xml.is_empty() || instance.is_empty() => (400, "No XML submission"),
            Mode::Central => {
                let mut held = held.lock().unwrap();
                match held.get(&instance) {
                    Some(before) if *before != xml => (
                        409,
                        "A submission already exists with this ID, but with different XML.",
                    ),
                    Some(_) => (201, "full submission already received"),
                    None => {
                        held.insert(instance.clone(), xml.clone());
                        (201, "full submission received")
                    }
                }
            }
        };
        got.lock().unwrap().push(Got {
            instance,
            xml,
            openrosa_version: header("x-openrosa-version"),
            authorization: header("authorization"),
            answered: status,
        });
        let reply = format!(
            "<OpenRosaResponse xmlns=\"http://openrosa.org/http/response\"><message nature=\"\">{message}</message></OpenRosaResponse>"
        );
        let _ = write!(
            writer,
            "HTTP/1.1 {status} X\r\ncontent-type: text/xml\r\nx-openrosa-version: 1.0\r\ncontent-length: {}\r\n\r\n{reply}",
            reply.len()
        );
    }
}

impl Central {
    fn start(mode: impl Fn(usize) -> Mode + Send + 'static) -> Central {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let got = Arc::new(Mutex::new(Vec::new()));
        let held = Arc::new(Mutex::new(HashMap::new()));
        let mode: Modes = Arc::new(Mutex::new(Box::new(mode)));
        let n = Arc::new(AtomicUsize::new(0));
        let (g, h, m, requests) = (got.clone(), held.clone(), mode.clone(), n.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (g, h, m, n) = (g.clone(), h.clone(), m.clone(), n.clone());
                std::thread::spawn(move || serve(stream, g, h, m, n));
            }
        });
        Central {
            addr,
            got,
            held,
            mode,
            requests,
        }
    }

    fn url(&self) -> String {
        format!(
            "http://{}/v1/key/app-user-secret/projects/1/submission",
            self.addr
        )
    }

    fn set(&self, mode: impl Fn(usize) -> Mode + Send + 'static) {
        *self.mode.lock().unwrap() = Box::new(mode);
    }

    fn received(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until the server holds `n` instances (at most `secs`).
    fn wait_for(&self, n: usize, secs: u64) -> HashMap<String, String> {
        let end = Instant::now() + Duration::from_secs(secs);
        loop {
            let held = self.held.lock().unwrap().clone();
            if held.len() >= n || Instant::now() > end {
                return held;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn id(n: usize) -> String {
    format!("{n:08x}-5b1c-4c2b-9f0e-6d1c2a7b9e11")
}

fn incident(n: usize, category: &str) -> serde_json::Value {
    envelope(
        &id(n),
        "incident",
        json!({"alert_level": "jaune", "category": [category], "description": format!("Fait n°{n} <b>&</b>"),
               "location": {"region": "ML03", "cercle": "ML0302", "commune": "ML030201"}}),
    )
}

fn targets_file(scratch: &Scratch, targets: serde_json::Value) -> String {
    let path = scratch.0.join("forward.json");
    std::fs::write(&path, json!({ "targets": targets }).to_string()).unwrap();
    path.display().to_string()
}

#[test]
fn records_reach_the_server_once_as_their_xform_retried_after_a_failure() {
    // The first request fails; every other is answered as Central would.
    let central = Central::start(|n| if n == 0 { Mode::Fail } else { Mode::Central });
    let scratch = Scratch::new("forward");
    let file = targets_file(
        &scratch,
        json!([{"name": "Central Sikasso", "url": central.url(), "user_env": "OR_USER",
                "password_env": "OR_PASS", "forms": {"incident": {"id": "vigie_incident", "version": "2026-11"}}}]),
    );
    let envs = [("OR_USER", "vigie"), ("OR_PASS", "s3cret")];
    let srv = Server::start_env(&["--forward", &file], &envs);
    let records: Vec<_> = (0..4).map(|n| incident(n, "PHY-01")).collect();
    let mut gbv = incident(9, "VBG");
    gbv["payload"]["sub_vbg"] = json!(["VBG-01"]);
    let other_form = envelope(
        &id(10),
        "activite",
        json!({"activity_type": "sensibilisation"}),
    );
    let batch = json!({"records": [records[0], records[1], gbv, other_form]});
    assert_eq!(
        srv.post_json("/api/submissions/batch", &batch.to_string())
            .status,
        200
    );
    for r in &records[2..] {
        assert_eq!(
            srv.post_json("/api/submissions", &r.to_string()).status,
            201
        );
    }
    // A resend by the phone is not forwarded again.
    assert_eq!(
        srv.post_json("/api/submissions", &records[0].to_string())
            .status,
        201
    );
    // The 500 is retried after its backoff (10 s).
    let held = central.wait_for(4, 40);
    assert_eq!(held.len(), 4, "{:?}", central.received());
    for n in 0..4 {
        let xml = &held[&format!("uuid:{}", id(n))];
        assert!(
            xml.contains("<data id=\"vigie_incident\" version=\"2026-11\""),
            "{xml}"
        );
        assert!(
            xml.contains(&format!("Fait n°{n} &lt;b&gt;&amp;&lt;/b&gt;")),
            "{xml}"
        );
        assert!(xml.contains("<commune>ML030201</commune>"), "{xml}");
    }
    let got = central.received();
    assert!(got.iter().all(|g| g.openrosa_version == "1.0"));
    assert!(
        got.iter()
            .all(|g| g.authorization == "Basic dmlnaWU6czNjcmV0"),
        "{got:?}"
    );
    assert!(
        !got.iter().any(|g| g.xml.contains("VBG")),
        "a GBV account stays home"
    );
    assert_eq!(got.iter().filter(|g| g.answered == 500).count(), 1);
    assert!(got.iter().all(|g| g.answered != 409));
    let page = srv.coord_get("/coord/forwarding").text();
    assert!(page.contains("data-testid=\"forward-sent\">4<"), "{page}");
    assert!(
        page.contains("data-testid=\"forward-waiting\">0<"),
        "{page}"
    );
    assert!(
        !page.contains("app-user-secret"),
        "the URL's token is not shown"
    );
    assert!(srv
        .coord_get("/coord/")
        .text()
        .contains("data-testid=\"forwarding-link\""));
}

#[test]
fn a_conflict_is_kept_and_shown_and_refused_credentials_hold_the_target() {
    let central = Central::start(|_| Mode::Central);
    let refusing = Central::start(|_| Mode::Refuse);
    // Central already holds another instance under record 1's id.
    central.held.lock().unwrap().insert(
        format!("uuid:{}", id(1)),
        "<data id=\"incident\">another</data>".into(),
    );
    let scratch = Scratch::new("forward");
    let file = targets_file(
        &scratch,
        json!([{"name": "Central", "url": central.url()},
               {"name": "Kobo", "url": refusing.url(), "timeout_secs": 2}]),
    );
    let srv = Server::start(&["--forward", &file]);
    for n in 0..3 {
        assert_eq!(
            srv.post_json("/api/submissions", &incident(n, "PHY-01").to_string())
                .status,
            201
        );
    }
    // Two new instances besides the one it held.
    central.wait_for(3, 20);
    let end = Instant::now() + Duration::from_secs(20);
    let page = loop {
        let page = srv.coord_get("/coord/forwarding").text();
        let done = page.contains("data-testid=\"forward-conflicts\">1<")
            && page.contains("data-testid=\"forward-sent\">2<")
            && page.contains("forward-held");
        if done || Instant::now() > end {
            break page;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        page.contains("data-testid=\"forward-sent\">2<"),
        "{page} {:?}",
        central.received()
    );
    assert!(
        page.contains(&format!("/coord/records/{}", id(1))),
        "the conflict is listed: {page}"
    );
    assert!(
        page.contains("forward-held") && page.contains("HTTP 401"),
        "{page}"
    );
    assert!(
        page.contains("data-testid=\"forward-waiting\">3<"),
        "Kobo keeps all three: {page}"
    );
    // Held: no more tries until the receiver restarts.
    let tries = refusing.received().len();
    let late = incident(3, "PHY-01").to_string();
    assert_eq!(srv.post_json("/api/submissions", &late).status, 201);
    std::thread::sleep(Duration::from_secs(6));
    assert_eq!(
        refusing.received().len(),
        tries,
        "a held target is not tried again, not even for a new record"
    );
    // The credentials fixed and the receiver restarted: all four go.
    refusing.set(|_| Mode::Central);
    let srv = srv.kill_and_restart(&["--forward", &file], &[]);
    assert_eq!(refusing.wait_for(4, 20).len(), 4);
    // The conflicting instance was never replaced.
    assert!(central.held.lock().unwrap()[&format!("uuid:{}", id(1))].contains("another"));
    drop(srv);
}

#[test]
fn a_receiver_killed_mid_forward_delivers_every_record_once() {
    // The server first hangs (the receiver is killed while it waits), then answers.
    let central = Central::start(|_| Mode::Hang);
    let scratch = Scratch::new("forward");
    let file = targets_file(
        &scratch,
        json!([{"name": "Central", "url": central.url(), "timeout_secs": 3}]),
    );
    let srv = Server::start(&["--forward", &file]);
    let records: Vec<_> = (0..40).map(|n| incident(n, "PHY-01")).collect();
    let batch = json!({ "records": records });
    assert_eq!(
        srv.post_json("/api/submissions/batch", &batch.to_string())
            .status,
        200
    );
    let end = Instant::now() + Duration::from_secs(10);
    while central.requests.load(Ordering::SeqCst) == 0 && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(50));
    }
    // Some requests are in flight (hanging) now: SIGKILL, then a server that answers.
    central.set(|_| Mode::Central);
    let srv = srv.kill_and_restart(&["--forward", &file], &[]);
    let held = central.wait_for(40, 40);
    assert_eq!(held.len(), 40);
    let got = central.received();
    // Those stored before the kill (their answer lost) came again, identical: 201, no 409.
    let hung = central.requests.load(Ordering::SeqCst) - got.len();
    assert!(hung > 0, "requests were in flight at the kill");
    // At least once each: a record whose answer came as the receiver died is sent again
    // (the same instance, so the server holds it once).
    assert!(got.iter().filter(|g| g.answered == 201).count() >= 40);
    assert!(
        got.iter().all(|g| g.answered != 409),
        "a resend is the same instance"
    );
    let answered: std::collections::HashSet<_> = got
        .iter()
        .filter(|g| g.answered == 201)
        .map(|g| g.instance.clone())
        .collect();
    assert_eq!(answered.len(), 40);
    drop(srv);
}
