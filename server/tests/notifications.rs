//! Notifications on the real binary, to a loopback webhook sink and a loopback SMTP sink
//! the tests start: a red alert reaches each recipient of its scope once, signed; a case
//! raised to red and one nobody took in charge are told; a target answering 500 is retried
//! and shown on the case list; a server killed mid-send sends it after restart.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{envelope, Scratch, Server};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

const SECRET: &str = "webhook-secret-for-tests";

/// One request the webhook sink received.
#[derive(Clone, Debug)]
struct Hook {
    key: String,
    signature: String,
    body: String,
}

/// How the sink answers the `n`th request (from 0).
type Answer = fn(usize) -> Option<&'static str>;

/// A loopback HTTP server that records requests and answers as told; `None` holds the
/// request without an answer (a hanging target).
struct WebhookSink {
    addr: String,
    got: Arc<Mutex<Vec<Hook>>>,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Hook> {
    let request = common::Incoming::read(reader)?;
    Some(Hook {
        key: request.header("x-vigie-key"),
        signature: request.header("x-vigie-signature"),
        body: request.body,
    })
}

impl WebhookSink {
    fn start(answer: Answer) -> WebhookSink {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let got = Arc::new(Mutex::new(Vec::new()));
        let seen = got.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let seen = seen.clone();
                std::thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
                    let mut writer = stream.try_clone().unwrap();
                    let mut reader = BufReader::new(stream);
                    while let Some(hook) = read_request(&mut reader) {
                        let n = {
                            let mut s = seen.lock().unwrap();
                            s.push(hook);
                            s.len() - 1
                        };
                        match answer(n) {
                            Some(status) => {
                                let body = if status.starts_with("200") {
                                    ""
                                } else {
                                    "<html>oops</html>"
                                };
                                let _ = write!(
                                    writer,
                                    "HTTP/1.1 {status}\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\r\n{body}",
                                    body.len()
                                );
                            }
                            // Hang: hold the connection without a word.
                            None => std::thread::sleep(Duration::from_secs(60)),
                        }
                    }
                });
            }
        });
        WebhookSink { addr, got }
    }

    fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    fn received(&self) -> Vec<Hook> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `n` requests came (at most `secs`), then returns them all.
    fn wait_for(&self, n: usize, secs: u64) -> Vec<Hook> {
        let until = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < until && self.received().len() < n {
            std::thread::sleep(Duration::from_millis(50));
        }
        self.received()
    }
}

/// A loopback SMTP server that keeps each message's text.
struct SmtpSink {
    port: u16,
    mails: Arc<Mutex<Vec<String>>>,
}

impl SmtpSink {
    fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let kept = mails.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let kept = kept.clone();
                std::thread::spawn(move || {
                    let mut w = stream.try_clone().unwrap();
                    let mut r = BufReader::new(stream);
                    let _ = w.write_all(b"220 sink ESMTP\r\n");
                    let mut line = String::new();
                    while r.read_line(&mut line).unwrap_or(0) > 0 {
                        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                        let reply: &[u8] = match verb.as_str() {
                            "EHLO" | "HELO" => b"250-sink\r\n250 8BITMIME\r\n",
                            "DATA" => {
                                let _ = w.write_all(b"354 go on\r\n");
                                let mut mail = String::new();
                                let mut l = String::new();
                                while r.read_line(&mut l).unwrap_or(0) > 0 && l.trim_end() != "." {
                                    mail.push_str(&l);
                                    l.clear();
                                }
                                kept.lock().unwrap().push(mail);
                                b"250 kept\r\n"
                            }
                            "QUIT" => {
                                let _ = w.write_all(b"221 bye\r\n");
                                return;
                            }
                            _ => b"250 ok\r\n",
                        };
                        let _ = w.write_all(reply);
                        line.clear();
                    }
                });
            }
        });
        SmtpSink { port, mails }
    }

    fn wait_for(&self, n: usize, secs: u64) -> Vec<String> {
        let until = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < until && self.mails.lock().unwrap().len() < n {
            std::thread::sleep(Duration::from_millis(50));
        }
        self.mails.lock().unwrap().clone()
    }
}

fn id(n: u32) -> String {
    format!("{n:08x}-0e1f-4c2b-9f0e-6d1c2a7b9e11")
}

fn alert(n: u32, level: &str, commune: &str) -> Value {
    envelope(
        &id(n),
        "incident",
        json!({"alert_level": level, "category": ["PHY-02"], "description": "Affrontements",
        "location": {"region": &commune[..4], "cercle": &commune[..6], "commune": commune}}),
    )
}

fn send(srv: &Server, record: &Value) {
    let status = srv
        .post_json("/api/submissions", &record.to_string())
        .status;
    assert!(status == 201 || status == 200, "{status}");
}

fn targets_file(scratch: &Scratch, file: Value) -> String {
    let path = scratch.0.join("notify.json");
    std::fs::write(&path, file.to_string()).unwrap();
    path.to_string_lossy().into_owned()
}

fn hook(name: &str, scope: &str, url: &str) -> Value {
    json!({"name": name, "scope": scope, "webhook": url, "secret_env": "VIGIE_TEST_HOOK_SECRET"})
}

fn start(scratch: &Scratch, file: Value) -> Server {
    let path = targets_file(scratch, file);
    Server::start_env(&["--notify", &path], &[("VIGIE_TEST_HOOK_SECRET", SECRET)])
}

/// The `kind` of each notification received, in order.
fn kinds(got: &[Hook]) -> Vec<String> {
    got.iter()
        .map(|h| {
            let body: Value = serde_json::from_str(&h.body).unwrap();
            body["kind"].as_str().unwrap_or("").to_owned()
        })
        .collect()
}

fn signed(hook: &Hook) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(hook.body.as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    hook.signature == format!("sha256={hex}")
}

#[test]
fn a_red_alert_reaches_each_recipient_of_its_scope_once_signed_and_a_raise_is_told() {
    let sikasso = WebhookSink::start(|_| Some("200 OK"));
    let kayes = WebhookSink::start(|_| Some("200 OK"));
    let smtp = SmtpSink::start();
    let scratch = Scratch::new("notify");
    let srv = start(
        &scratch,
        json!({"public_url": "http://vigie.local:8080",
               "smtp": {"host": "127.0.0.1", "port": smtp.port, "from": "vigie@example.org"},
               "recipients": [hook("Sikasso", "ML03", &sikasso.url()),
                              hook("Kayes", "ML01", &kayes.url()),
                              {"name": "Nationale", "gbv": true, "email": ["cellule@example.org"]}]}),
    );
    send(&srv, &alert(1, "rouge", "ML030201"));
    let got = sikasso.wait_for(1, 15);
    assert_eq!(got.len(), 1, "{got:?}");
    let h = &got[0];
    assert!(signed(h), "HMAC-SHA256 of the body: {h:?}");
    let body: Value = serde_json::from_str(&h.body).unwrap();
    assert_eq!(body["kind"], "case.new");
    assert_eq!(
        body["key"],
        h.key.as_str(),
        "the key in the header and the body"
    );
    assert_eq!(body["case"]["level"], "rouge");
    assert_eq!(body["case"]["place"], "ML030201");
    let text = body["text"].as_str().unwrap();
    assert!(text.contains("ROUGE") && text.contains("Kadiolo"), "{text}");
    assert!(
        text.contains("http://vigie.local:8080/coord/cases/c-"),
        "{text}"
    );
    // The national recipient by e-mail, with the key as Message-ID.
    let mails = smtp.wait_for(1, 15);
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(
        mails[0].contains(&format!("<{}@vigie>", h.key)),
        "{}",
        mails[0]
    );
    assert!(mails[0].contains("cellule@example.org"), "{}", mails[0]);
    // An orange case, then a red report of the same incident raises it: told again.
    send(&srv, &alert(2, "orange", "ML030202"));
    send(&srv, &alert(3, "rouge", "ML030202"));
    let got = sikasso.wait_for(3, 15);
    let kinds = kinds(&got);
    assert_eq!(kinds, ["case.new", "case.new", "case.raised"], "{got:?}");
    // Told with both reports of the case it raised (joined without reading them).
    let raised: Value = serde_json::from_str(&got[2].body).unwrap();
    assert_eq!(raised["case"]["reports"], 2, "{raised}");
    // Nothing for Kayes, nothing sent twice.
    std::thread::sleep(Duration::from_millis(500));
    assert!(kayes.received().is_empty(), "{:?}", kayes.received());
    assert_eq!(sikasso.received().len(), 3);
    assert_eq!(smtp.wait_for(3, 15).len(), 3);
    let page = srv.coord_get("/coord/cases").text();
    assert!(!page.contains("notifications-pending"), "{page}");
}

#[test]
fn a_target_answering_500_is_retried_and_shown_until_it_takes_it() {
    let sink = WebhookSink::start(|n| {
        Some(if n == 0 {
            "500 Internal Server Error"
        } else {
            "200 OK"
        })
    });
    let scratch = Scratch::new("notify");
    let srv = start(
        &scratch,
        json!({"recipients": [hook("Passerelle SMS", "national", &sink.url())]}),
    );
    send(&srv, &alert(1, "orange", "ML040101"));
    // The record's receipt came back at once; the failure shows on the case list.
    sink.wait_for(1, 15);
    let until = Instant::now() + Duration::from_secs(5);
    let mut page = String::new();
    while Instant::now() < until {
        page = srv.coord_get("/coord/cases").text();
        if page.contains("HTTP 500") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(page.contains("1 notification(s) en attente"), "{page}");
    assert!(
        page.contains("Passerelle SMS") && page.contains("HTTP 500"),
        "{page}"
    );
    // Retried after its backoff (10 s), then taken: the line goes away.
    let got = sink.wait_for(2, 30);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(
        got[0].key, got[1].key,
        "the same notification, the same key"
    );
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until
        && srv
            .coord_get("/coord/cases")
            .text()
            .contains("notifications-pending")
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!srv
        .coord_get("/coord/cases")
        .text()
        .contains("notifications-pending"));
}

#[test]
fn a_server_killed_mid_send_sends_after_restart_and_a_dedup_sees_it_once() {
    // The first try hangs: the server is killed while it waits for the answer.
    let sink = WebhookSink::start(|n| if n == 0 { None } else { Some("200 OK") });
    let scratch = Scratch::new("notify");
    let path = targets_file(
        &scratch,
        json!({"recipients": [hook("Coordination", "national", &sink.url())]}),
    );
    let envs = [("VIGIE_TEST_HOOK_SECRET", SECRET)];
    let srv = Server::start_env(&["--notify", &path], &envs);
    send(&srv, &alert(1, "rouge", "ML050101"));
    assert_eq!(sink.wait_for(1, 15).len(), 1, "mid-send");
    let srv = srv.kill_and_restart(&["--notify", &path], &envs);
    let got = sink.wait_for(2, 15);
    assert_eq!(got.len(), 2, "sent again after restart: {got:?}");
    let keys: std::collections::BTreeSet<_> = got.iter().map(|h| h.key.clone()).collect();
    assert_eq!(
        keys.len(),
        1,
        "a receiver deduplicating on the key sees it once"
    );
    assert!(got.iter().all(signed));
    // And once taken, it is not sent a third time.
    std::thread::sleep(Duration::from_secs(6));
    assert_eq!(sink.received().len(), 2);
    drop(srv);
}

#[test]
fn a_case_nobody_takes_in_charge_is_told_once_when_it_waited_too_long() {
    let sink = WebhookSink::start(|_| Some("200 OK"));
    let scratch = Scratch::new("notify");
    let srv = start(
        &scratch,
        json!({"waiting_minutes": 0.02,
               "recipients": [hook("Coordination", "national", &sink.url())]}),
    );
    send(&srv, &alert(1, "orange", "ML050101"));
    let got = sink.wait_for(2, 20);
    let kinds = kinds(&got);
    assert_eq!(kinds, ["case.new", "case.waiting"], "{got:?}");
    let text = serde_json::from_str::<Value>(&got[1].body).unwrap()["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(text.contains("non pris en charge"), "{text}");
    std::thread::sleep(Duration::from_secs(6));
    assert_eq!(sink.received().len(), 2, "told once");
}

#[test]
fn a_broken_targets_file_stops_the_server_with_where_and_what() {
    let scratch = Scratch::new("notify");
    let path = targets_file(
        &scratch,
        json!({"recipients": [{"name": "A", "scope": "ML99", "email": ["a@b.org"]}]}),
    );
    let (ok, _, err) = common::cli(&[
        "--notify",
        &path,
        "--bind",
        "127.0.0.1:0",
        "--lifetime-secs",
        "5",
    ]);
    assert!(!ok);
    assert!(err.contains("notify.json") && err.contains("ML99"), "{err}");
    let bad = scratch.0.join("bad.json");
    std::fs::write(
        &bad,
        "{\n  \"recipients\": [\n    {\"name\": \"A\",}\n  ]\n}",
    )
    .unwrap();
    let (ok, _, err) = common::cli(&[
        "--notify",
        bad.to_str().unwrap(),
        "--bind",
        "127.0.0.1:0",
        "--lifetime-secs",
        "5",
    ]);
    assert!(!ok);
    assert!(err.contains("line 3"), "{err}");
}
