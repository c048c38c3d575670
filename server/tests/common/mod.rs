//! The real `vigie-server` binary on a loopback port, and a minimal HTTP/1.1 client that
//! shows exactly what went over the wire (no automatic decompression, redirects or retries).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_vigie-server");
pub const DEVICE: &str = "device-token-for-tests";
pub const COORD: &str = "coordinator-token-for-tests";
pub const SMS_GATEWAY: &str = "sms-gateway-token-for-tests";

/// One HTTP/1.1 request read by a loopback server a test starts (webhook sinks, OpenRosa
/// servers): its header lines and its body.
pub struct Incoming {
    pub headers: Vec<String>,
    pub body: String,
}

impl Incoming {
    /// Reads the next request on the connection (none at its end).
    pub fn read(reader: &mut BufReader<TcpStream>) -> Option<Incoming> {
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).ok()? == 0 {
                return None;
            }
            let line = line.trim_end().to_owned();
            if line.is_empty() {
                break;
            }
            headers.push(line);
        }
        let mut incoming = Incoming {
            headers,
            body: String::new(),
        };
        let len: usize = incoming.header("content-length").parse().unwrap_or(0);
        let mut body = vec![0; len];
        reader.read_exact(&mut body).ok()?;
        incoming.body = String::from_utf8_lossy(&body).into_owned();
        Some(incoming)
    }

    /// The value of header `name` ("" when absent).
    pub fn header(&self, name: &str) -> String {
        self.headers
            .iter()
            .find_map(|h| {
                let (k, v) = h.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
            })
            .unwrap_or_default()
    }
}

/// A scratch folder removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "vigie-it-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A tiny built app: a shell with its policy, a hashed script with a brotli twin, a
/// manifest, a wasm file and sw.js.
pub fn fake_dist(root: &Path) -> PathBuf {
    let dist = root.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    let shell = r#"<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'self'"></head><body>shell</body></html>"#;
    for (name, body) in [
        ("index.html", shell.as_bytes()),
        (
            "app-0123456789abcdef.js",
            b"console.log('plain')".as_slice(),
        ),
        ("app-0123456789abcdef.js.br", b"BROTLI-BYTES".as_slice()),
        (
            "app-0123456789abcdef_bg.wasm",
            b"\0asm\x01\0\0\0".as_slice(),
        ),
        ("manifest.webmanifest", b"{}".as_slice()),
        ("sw.js", b"// worker".as_slice()),
    ] {
        std::fs::write(dist.join(name), body).unwrap();
    }
    std::fs::create_dir_all(dist.join("icons")).unwrap();
    std::fs::write(dist.join("icons/icon.svg"), "<svg/>").unwrap();
    dist
}

/// The server process; killed on drop (it also stops itself after two minutes).
pub struct Server {
    child: Child,
    pub addr: String,
    pub data: PathBuf,
    dist: PathBuf,
    pub forms: PathBuf,
    _scratch: Scratch,
}

impl Server {
    /// Starts on 127.0.0.1:0 with a fake dist, a device and a coordinator token on the
    /// command line, and `extra` flags.
    pub fn start(extra: &[&str]) -> Server {
        Server::start_env(extra, &[])
    }

    /// Like [`Server::start`], with environment variables.
    pub fn start_env(extra: &[&str], envs: &[(&str, &str)]) -> Server {
        let scratch = Scratch::new("srv");
        let dist = fake_dist(&scratch.0);
        let data = scratch.0.join("data");
        let forms = scratch.0.join("forms");
        std::fs::create_dir_all(&forms).unwrap();
        Server::launch(scratch, &dist, &data, &forms, extra, envs)
    }

    /// Kills the process at once (SIGKILL: no graceful stop) and starts it again on the
    /// same data with `extra` flags and `envs`.
    pub fn kill_and_restart(mut self, extra: &[&str], envs: &[(&str, &str)]) -> Server {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let scratch = Scratch(std::mem::take(&mut self._scratch.0));
        let (dist, data, forms) = (self.dist.clone(), self.data.clone(), self.forms.clone());
        std::mem::forget(self);
        Server::launch(scratch, &dist, &data, &forms, extra, envs)
    }

    pub fn start_in(
        scratch: Scratch,
        dist: &Path,
        data: &Path,
        forms: &Path,
        extra: &[&str],
    ) -> Server {
        Server::launch(scratch, dist, data, forms, extra, &[])
    }

    fn launch(
        scratch: Scratch,
        dist: &Path,
        data: &Path,
        forms: &Path,
        extra: &[&str],
        envs: &[(&str, &str)],
    ) -> Server {
        let mut child = Command::new(BIN)
            .args(["--bind", "127.0.0.1:0", "--lifetime-secs", "120"])
            .arg("--dist")
            .arg(dist)
            .arg("--data-dir")
            .arg(data)
            .arg("--forms-dir")
            .arg(forms)
            .args(["--token", DEVICE, "--coordinator-token", COORD])
            .args(["--sms-gateway-token", SMS_GATEWAY])
            .args(extra)
            .envs(envs.iter().copied())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start vigie-server");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let addr = loop {
            let line = lines
                .next()
                .expect("server exited before listening")
                .unwrap();
            if let Some(rest) = line.strip_prefix("vigie-server listening on http://") {
                break rest.trim_end_matches('/').to_owned();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server {
            child,
            addr,
            data: data.to_owned(),
            dist: dist.to_owned(),
            forms: forms.to_owned(),
            _scratch: scratch,
        }
    }

    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        request(&self.addr, method, path, headers, body)
    }

    /// POST JSON with the test device token.
    pub fn post_json(&self, path: &str, body: &str) -> Resp {
        let auth = format!("Bearer {DEVICE}");
        self.request(
            "POST",
            path,
            &[
                ("Content-Type", "application/json"),
                ("Authorization", &auth),
            ],
            body.as_bytes(),
        )
    }

    /// A request with bearer `token`, and a JSON body when one is given.
    pub fn with_token(&self, method: &str, path: &str, token: &str, body: &str) -> Resp {
        let auth = format!("Bearer {token}");
        self.request(
            method,
            path,
            &[
                ("Content-Type", "application/json"),
                ("Authorization", &auth),
            ],
            body.as_bytes(),
        )
    }

    /// A stored token made with the `token add` command for this server's data.
    pub fn add_token(&self, label: &str, role: &str, scope: &str) -> String {
        self.add_token_with(label, role, scope, &[])
    }

    /// A stored token made with `token add` and `extra` flags (`--gbv`).
    pub fn add_token_with(&self, label: &str, role: &str, scope: &str, extra: &[&str]) -> String {
        let data = self.data.to_string_lossy().into_owned();
        let mut args = vec![
            "token",
            "add",
            "--label",
            label,
            "--role",
            role,
            "--scope",
            scope,
            "--data-dir",
            &data,
        ];
        args.extend_from_slice(extra);
        let (ok, out, err) = cli(&args);
        assert!(ok, "token add: {err}");
        assert!(err.contains(&format!("scope: {scope}")), "{err}");
        out.trim().to_owned()
    }

    /// GET as the coordinator.
    pub fn coord_get(&self, path: &str) -> Resp {
        self.coord_get_as(COORD, path)
    }

    /// GET as the holder of coordinator token `token`.
    pub fn coord_get_as(&self, token: &str, path: &str) -> Resp {
        use base64::Engine;
        let auth = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("coord:{token}"))
        );
        self.request("GET", path, &[("Authorization", &auth)], b"")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP answer.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// Sends one request with `Connection: close` and reads the whole answer.
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    // A server may answer (413) and close before reading a large body: ignore write errors.
    let _ = s.write_all(head.as_bytes()).and_then(|_| s.write_all(body));
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    parse(&raw)
}

fn parse(raw: &[u8]) -> Resp {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no header end");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Resp {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = b.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&b[..end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16)
            .unwrap_or(0);
        if size == 0 || b.len() < end + 2 + size {
            break;
        }
        out.extend_from_slice(&b[end + 2..end + 2 + size]);
        b = &b[(end + 4 + size).min(b.len())..];
    }
    out
}

/// A valid schema-2 envelope with `payload`.
pub fn envelope(id: &str, form: &str, payload: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "id": id, "kind": "report", "form_id": form, "form_version": "1",
        "created_at": 1_795_000_000_000_i64, "updated_at": 1_795_000_000_000_i64,
        "device_id": "dev-1", "author": {"name": "Awa", "role": "monitrice"},
        "payload": payload, "schema_version": 2
    })
}

/// Runs the binary with `args`, returning (status ok, stdout, stderr).
pub fn cli(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .output()
        .expect("run vigie-server");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
