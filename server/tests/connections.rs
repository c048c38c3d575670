//! Connection limits of the real binary: a request whose headers never end is cut off, one
//! address cannot hold every connection, and an announced oversized body is refused before
//! it is read. Each test is bounded in time and stays on loopback.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::Server;

fn connect(srv: &Server) -> TcpStream {
    let s = TcpStream::connect(&srv.addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

/// Reads until the server closes (or answers and closes); what it said.
fn read_to_close(mut s: TcpStream) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => panic!("the server kept the connection open: {e}"),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn headers_that_never_end_are_cut_off() {
    let srv = Server::start(&["--header-timeout-secs", "1"]);
    let mut slow = connect(&srv);
    slow.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .unwrap();
    let started = Instant::now();
    let said = read_to_close(slow);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert!(!said.contains("200 OK"), "{said}");
}

#[test]
fn one_address_cannot_take_every_connection() {
    let srv = Server::start(&["--max-connections-per-address", "3"]);
    let idle: Vec<TcpStream> = (0..3).map(|_| connect(&srv)).collect();
    std::thread::sleep(Duration::from_millis(300));
    // The fourth is closed at once, unanswered.
    let fourth = connect(&srv);
    assert_eq!(read_to_close(fourth), "");
    drop(idle);
    std::thread::sleep(Duration::from_millis(300));
    // Once they are gone, requests are served again.
    assert_eq!(srv.request("GET", "/api/health", &[], b"").status, 200);
}

#[test]
fn an_announced_oversized_body_is_refused_before_it_is_read() {
    let srv = Server::start(&[]);
    let mut s = connect(&srv);
    let auth = format!("Bearer {}", common::DEVICE);
    write!(
        s,
        "POST /api/submissions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth}\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{{}}"
    )
    .unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    let n = s.read(&mut buf).expect("an answer, not a wait for 100 MB");
    let said = String::from_utf8_lossy(&buf[..n]);
    assert!(said.starts_with("HTTP/1.1 413"), "{said}");
    assert!(said.contains("too_large"), "{said}");
    assert!(started.elapsed() < Duration::from_secs(3));
}
