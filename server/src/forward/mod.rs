//! Forwarding stored records to OpenRosa servers (ODK Central, KoboToolbox), which phones
//! cannot reach from the browser (no CORS): docs/FORWARDING.md. Each record a target takes
//! is written, as the instance XML of its XForm, to the same durable queue as the
//! notifications (`notifications`, kind `forward`) in the record's own transaction, then
//! sent by the delivery task with retries: `201` done, a duplicate acknowledged, `409`
//! (another instance under the same id) kept and shown, `401`/`403` hold the target
//! until the receiver restarts with other credentials, `5xx` and timeouts retried.

pub mod xml;

use std::collections::BTreeMap;
use std::time::Duration;

use axum::body::Bytes;
use base64::Engine;
use http_body_util::{BodyExt, Full};
use rusqlite::{params, Connection};
use serde::Deserialize;
use thiserror::Error;
use vigie_core::forms::model::FormDef;
use vigie_core::record::{Envelope, Millis};
use vigie_core::scope::Scope;

use crate::db::{Cached, DbError};
use crate::notify::send::HttpClient;
use crate::notify::Queued;
pub use xml::XForm;

/// `next_at` of the rows of a held target: never due until the receiver restarts.
pub const HELD: Millis = 1 << 60;

/// The longest one try may take unless the target says otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a `--forward` target is refused at start.
#[derive(Debug, Error)]
pub enum ForwardError {
    /// The file cannot be read.
    #[error("{0}")]
    Read(String),
    /// Not JSON of the expected shape.
    #[error("line {line}, column {column}: {message}")]
    Json {
        /// Line (from 1).
        line: usize,
        /// Column (from 1).
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A target that cannot be used.
    #[error("target \"{name}\": {why}")]
    Target {
        /// Its name.
        name: String,
        /// What is wrong.
        why: String,
    },
}

/// One OpenRosa server records are forwarded to.
#[derive(Clone, Debug)]
pub struct Target {
    /// Its name (pages, log, queue).
    pub name: String,
    /// The submission URL (`…/v1/key/{token}/projects/{id}/submission`, `…/submission`).
    pub url: String,
    /// Basic credentials, read from the environment at start.
    pub credentials: Option<(String, String)>,
    /// Whether GBV accounts go there too (never unless the file says so).
    pub gbv: bool,
    /// The Vigie forms it takes and the XForm each is sent as; `None`: every form, as an
    /// XForm of the same id and version.
    pub forms: Option<BTreeMap<String, XForm>>,
    /// The longest one try may take.
    pub timeout: Duration,
}

impl Target {
    /// The XForm `record` is sent as, or none when this target does not take its form.
    pub fn xform(&self, record: &Envelope) -> Option<XForm> {
        match &self.forms {
            None => Some(XForm {
                id: record.form_id.clone(),
                version: record.form_version.clone(),
            }),
            Some(forms) => forms.get(&record.form_id).cloned(),
        }
    }

    /// The URL without its path, for the pages: an ODK Central app-user URL holds a
    /// secret token in its path.
    pub fn shown_url(&self) -> String {
        let rest = self.url.split_once("://").map(|(_, r)| r).unwrap_or("");
        let host = rest.split('/').next().unwrap_or("");
        format!("http://{host}/…")
    }
}

/// Every target of the receiver.
#[derive(Clone, Debug, Default)]
pub struct Forwarding {
    /// In the order given.
    pub targets: Vec<Target>,
}

impl Forwarding {
    /// The target named `name`.
    pub fn target(&self, name: &str) -> Option<&Target> {
        self.targets.iter().find(|t| t.name == name)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    targets: Vec<TargetFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetFile {
    name: String,
    url: String,
    #[serde(default)]
    user_env: Option<String>,
    #[serde(default)]
    password_env: Option<String>,
    #[serde(default)]
    gbv: bool,
    #[serde(default)]
    forms: Option<BTreeMap<String, XFormFile>>,
    #[serde(default)]
    timeout_secs: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct XFormFile {
    id: String,
    #[serde(default)]
    version: String,
}

/// Checks a submission URL: plain `http://host[:port]/path` (an HTTPS server is reached
/// through a local TLS proxy, docs/FORWARDING.md).
fn check_url(url: &str) -> Result<(), String> {
    let uri: hyper::Uri = url
        .parse()
        .map_err(|e| format!("{url:?} is not a URL: {e}"))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => {
            return Err(format!(
                "{url:?}: https is reached through a local TLS proxy (docs/FORWARDING.md); give its http:// address"
            ))
        }
        _ => return Err(format!("{url:?} must start with http://")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(format!("{url:?} names no host"));
    }
    Ok(())
}

fn credentials(
    user_env: Option<&str>,
    password_env: Option<&str>,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Option<(String, String)>, String> {
    match (user_env, password_env) {
        (None, None) => Ok(None),
        (Some(u), Some(p)) => {
            let user = env(u).ok_or_else(|| format!("the environment variable {u} is not set"))?;
            let pass = env(p).ok_or_else(|| format!("the environment variable {p} is not set"))?;
            Ok(Some((user, pass)))
        }
        _ => Err("give both user_env and password_env, or neither".into()),
    }
}

/// Reads one `--forward` argument: `openrosa:<submission URL>` (every form, credentials
/// from `VIGIE_OPENROSA_USER`/`VIGIE_OPENROSA_PASSWORD` when set) or a JSON file of
/// targets. `read` reads a file, `env` the environment.
pub fn parse(
    spec: &str,
    read: impl Fn(&str) -> std::io::Result<String>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Vec<Target>, ForwardError> {
    if let Some(url) = spec.strip_prefix("openrosa:") {
        let name = url
            .split_once("://")
            .map(|(_, r)| r.split('/').next().unwrap_or(r))
            .unwrap_or(url)
            .to_owned();
        let fail = |why: String| ForwardError::Target {
            name: name.clone(),
            why,
        };
        check_url(url).map_err(fail)?;
        let credentials = match (env("VIGIE_OPENROSA_USER"), env("VIGIE_OPENROSA_PASSWORD")) {
            (Some(u), Some(p)) => Some((u, p)),
            _ => None,
        };
        return Ok(vec![Target {
            name,
            url: url.to_owned(),
            credentials,
            gbv: false,
            forms: None,
            timeout: DEFAULT_TIMEOUT,
        }]);
    }
    let text = read(spec).map_err(|e| ForwardError::Read(format!("{spec}: {e}")))?;
    let file: File = serde_json::from_str(&text).map_err(|e| ForwardError::Json {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let mut out: Vec<Target> = Vec::new();
    for t in file.targets {
        let fail = |why: String| ForwardError::Target {
            name: t.name.clone(),
            why,
        };
        if t.name.trim().is_empty() {
            return Err(fail("a target needs a name".into()));
        }
        if out.iter().any(|o| o.name == t.name) {
            return Err(fail("two targets have this name".into()));
        }
        check_url(&t.url).map_err(fail)?;
        let credentials =
            credentials(t.user_env.as_deref(), t.password_env.as_deref(), &env).map_err(fail)?;
        let timeout = match t.timeout_secs {
            None => DEFAULT_TIMEOUT,
            Some(s) if s.is_finite() && s > 0.0 && s <= 600.0 => Duration::from_secs_f64(s),
            Some(s) => return Err(fail(format!("timeout_secs {s} is not between 0 and 600"))),
        };
        let forms = t.forms.map(|forms| {
            forms
                .into_iter()
                .map(|(k, x)| {
                    (
                        k,
                        XForm {
                            id: x.id,
                            version: x.version,
                        },
                    )
                })
                .collect()
        });
        out.push(Target {
            name: t.name.clone(),
            url: t.url.clone(),
            credentials,
            gbv: t.gbv,
            forms,
            timeout,
        });
    }
    Ok(out)
}

/// Queues `record` for each target that takes it, inside the caller's transaction; a GBV
/// account only for a target that says `gbv`. Returns how many were queued.
pub fn enqueue(
    db: &Connection,
    forwarding: &Forwarding,
    record: &Envelope,
    def: Option<&FormDef>,
    gbv: bool,
    place: &str,
    now: Millis,
) -> Result<usize, DbError> {
    let key = format!("uuid:{}", record.id);
    let mut queued = 0;
    for target in &forwarding.targets {
        if gbv && !target.gbv {
            continue;
        }
        let Some(xform) = target.xform(record) else {
            continue;
        };
        // A target held for its credentials holds new records too.
        let held: bool = db
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM notifications WHERE kind = 'forward'
                   AND recipient = ?1 AND sent_at IS NULL AND next_at >= ?2)",
            )?
            .query_row(params![target.name, HELD], |r| r.get(0))?;
        let channel = serde_json::to_string(&crate::notify::Channel::Openrosa {
            target: target.name.clone(),
        })
        .map_err(|e| DbError::Encode(e.to_string()))?;
        queued += db.run(
            "INSERT OR IGNORE INTO notifications
               (key, recipient, channel, place, body, created_at, next_at, kind)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'forward')",
            params![
                key,
                target.name,
                channel,
                place,
                xml::instance(record, def, &xform),
                now,
                if held { HELD } else { now }
            ],
        )?;
    }
    Ok(queued)
}

/// How one try ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Received (`201`, or another success).
    Sent,
    /// The server already had this very submission and said so.
    Duplicate(String),
    /// The server holds another submission under this id (`409`): kept, shown, not
    /// retried.
    Conflict(String),
    /// The server refused the credentials (`401`/`403`): every row of the target waits
    /// until the receiver restarts.
    Hold(String),
    /// Try again later (`5xx`, a timeout, no connection, another refusal).
    Retry(String),
}

/// What a server's answer body says, in a few words (an OpenRosa response's message).
fn message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let inner = text
        .split("<message")
        .nth(1)
        .and_then(|m| m.split_once('>'))
        .map(|(_, m)| m.split('<').next().unwrap_or(""))
        .unwrap_or(&text);
    inner
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(200)
        .collect()
}

/// The outcome of an answer with `status` and `body`.
pub fn outcome(status: u16, body: &[u8]) -> Outcome {
    let said = message(body);
    match status {
        // KoboToolbox acknowledges a resend of the same instance with 202 "Duplicate".
        200..=299 if said.to_lowercase().contains("duplicate") => Outcome::Duplicate(said),
        200..=299 => Outcome::Sent,
        409 => Outcome::Conflict(format!("HTTP 409: {said}")),
        401 | 403 => Outcome::Hold(format!("HTTP {status}: {said}")),
        _ => Outcome::Retry(format!("HTTP {status}: {said}")),
    }
}

/// One try of `q` (its body: the instance XML) to `target`: a multipart `POST` with the
/// `xml_submission_file` part, as an OpenRosa client sends it.
pub async fn send(client: &HttpClient, target: &Target, q: &Queued) -> Outcome {
    let boundary = format!("vigie-{:016x}", q.id);
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"xml_submission_file\"; filename=\"submission.xml\"\r\nContent-Type: text/xml\r\n\r\n{}\r\n--{boundary}--\r\n",
        q.body
    );
    let mut request = hyper::Request::post(&target.url)
        .header(
            hyper::header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("x-openrosa-version", "1.0");
    if let Some((user, pass)) = &target.credentials {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
        request = request.header(hyper::header::AUTHORIZATION, format!("Basic {basic}"));
    }
    let request = match request.body(Full::new(Bytes::from(body))) {
        Ok(r) => r,
        Err(e) => return Outcome::Retry(e.to_string()),
    };
    let answer = async {
        let response = client
            .request(request)
            .await
            .map_err(|e| format!("cannot reach {}: {e}", target.shown_url()))?;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        Ok::<_, String>(outcome(status, &body))
    };
    match tokio::time::timeout(target.timeout, answer).await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(why)) => Outcome::Retry(why),
        Err(_) => Outcome::Retry(format!("no answer within {} s", target.timeout.as_secs())),
    }
}

/// Writes how the try of `q` ended.
pub fn record_outcome(
    db: &Connection,
    q: &Queued,
    outcome: &Outcome,
    now: Millis,
) -> Result<(), DbError> {
    let done = |result: &str, note: &str| {
        db.run(
            "UPDATE notifications SET sent_at = ?2, attempts = attempts + 1, outcome = ?3,
               last_error = ?4 WHERE id = ?1",
            params![q.id, now, result, note],
        )
    };
    match outcome {
        Outcome::Sent => done("sent", "")?,
        Outcome::Duplicate(said) => done("duplicate", said)?,
        Outcome::Conflict(said) => done("conflict", said)?,
        Outcome::Hold(why) => db.run(
            "UPDATE notifications SET next_at = ?2, last_error = ?3, attempts = attempts + 1
             WHERE kind = 'forward' AND recipient = ?1 AND sent_at IS NULL",
            params![q.recipient, HELD, why],
        )?,
        Outcome::Retry(why) => {
            crate::notify::failed(db, q, why, now)?;
            0
        }
    };
    Ok(())
}

/// Lets the targets held for their credentials try again (at start: the operator may
/// have fixed them).
pub fn release_held(db: &Connection, now: Millis) -> Result<usize, DbError> {
    Ok(db.execute(
        "UPDATE notifications SET next_at = ?1 WHERE kind = 'forward' AND sent_at IS NULL
           AND next_at >= ?2",
        params![now, HELD],
    )?)
}

/// A target's queue as the pages show it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TargetState {
    /// Waiting to be sent.
    pub waiting: usize,
    /// Received by the server.
    pub sent: usize,
    /// Already there, acknowledged as such.
    pub duplicates: usize,
    /// Another submission under the same id there: not sent.
    pub conflicts: usize,
    /// Why the target is held, if it is.
    pub held: Option<String>,
    /// The latest failure of a waiting row and when it is tried again.
    pub failure: Option<(String, Millis)>,
}

/// Each target's queue, counted over the records inside `scope`.
pub fn states(db: &Connection, scope: &Scope) -> Result<BTreeMap<String, TargetState>, DbError> {
    let (inside, args) = crate::records::scope_sql(scope, "place", 0);
    let mut stmt = db.prepare(&format!(
        "SELECT recipient, sent_at IS NULL, outcome, next_at >= {HELD}, count(*)
         FROM notifications WHERE kind = 'forward' AND {inside} GROUP BY 1, 2, 3, 4"
    ))?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args.clone()), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, i64>(4)?.max(0) as usize,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out: BTreeMap<String, TargetState> = BTreeMap::new();
    for (target, waiting, result, held, n) in rows {
        let s = out.entry(target).or_default();
        match (waiting, result.as_str()) {
            (true, _) => s.waiting += n,
            (false, "duplicate") => s.duplicates += n,
            (false, "conflict") => s.conflicts += n,
            (false, _) => s.sent += n,
        }
        if held {
            s.held = Some(String::new());
        }
    }
    // The latest failure of each target (the row tried last).
    let mut stmt = db.prepare(&format!(
        "SELECT recipient, last_error, next_at FROM notifications
         WHERE kind = 'forward' AND sent_at IS NULL AND last_error <> '' AND {inside}
         ORDER BY next_at DESC"
    ))?;
    let failures = stmt
        .query_map(rusqlite::params_from_iter(args), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    for (target, why, next) in failures {
        if let Some(s) = out.get_mut(&target) {
            if s.held.as_deref() == Some("") && next >= HELD {
                s.held = Some(why.clone());
            }
            if s.failure.is_none() && next < HELD {
                s.failure = Some((why, next));
            }
        }
    }
    Ok(out)
}

/// The records a target holds another submission for (`409`): id and what it said.
pub fn conflicts(
    db: &Connection,
    scope: &Scope,
    limit: usize,
) -> Result<Vec<(String, String, String)>, DbError> {
    let (inside, mut args) = crate::records::scope_sql(scope, "place", 0);
    args.push((limit as i64).into());
    let mut stmt = db.prepare(&format!(
        "SELECT recipient, key, last_error FROM notifications
         WHERE kind = 'forward' AND outcome = 'conflict' AND {inside}
         ORDER BY sent_at DESC LIMIT ?{}",
        args.len()
    ))?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?
                    .trim_start_matches("uuid:")
                    .to_owned(),
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_as_central_and_kobo_mean_them() {
        assert_eq!(outcome(201, b"<OpenRosaResponse/>"), Outcome::Sent);
        assert!(matches!(
            outcome(202, b"<OpenRosaResponse><message nature=\"\">Duplicate submission</message></OpenRosaResponse>"),
            Outcome::Duplicate(m) if m == "Duplicate submission"
        ));
        assert!(
            matches!(outcome(409, b"<message>A submission already exists</message>"), Outcome::Conflict(m) if m.contains("already exists"))
        );
        assert!(matches!(outcome(401, b""), Outcome::Hold(_)));
        assert!(matches!(outcome(403, b""), Outcome::Hold(_)));
        assert!(matches!(outcome(500, b"oops"), Outcome::Retry(m) if m == "HTTP 500: oops"));
        assert!(matches!(outcome(404, b""), Outcome::Retry(_)));
    }

    #[test]
    fn targets_are_checked_at_start() {
        let env = |k: &str| (k == "KOBO_USER" || k == "KOBO_PASS").then(|| "x".to_owned());
        let read = |_: &str| -> std::io::Result<String> {
            Ok(
                r#"{"targets": [{"name": "Kobo", "url": "http://127.0.0.1:9/submission",
                "user_env": "KOBO_USER", "password_env": "KOBO_PASS",
                "forms": {"incident": {"id": "vigie_incident", "version": "3"}}}]}"#
                    .into(),
            )
        };
        let t = parse("forward.json", read, env).unwrap();
        assert_eq!(t[0].credentials, Some(("x".into(), "x".into())));
        assert_eq!(
            t[0].forms.as_ref().unwrap()["incident"].id,
            "vigie_incident"
        );
        assert!(!t[0].gbv);
        let one = parse(
            "openrosa:http://127.0.0.1:9/v1/key/SECRET/projects/1/submission",
            read,
            |_| None,
        )
        .unwrap();
        assert_eq!(one[0].name, "127.0.0.1:9");
        assert!(one[0].forms.is_none());
        assert_eq!(one[0].shown_url(), "http://127.0.0.1:9/…");
        for bad in [
            "openrosa:https://central.example/submission",
            "openrosa:ftp://x/y",
            "openrosa:nothing",
        ] {
            assert!(parse(bad, read, |_| None).is_err(), "{bad}");
        }
        let unset = parse("forward.json", read, |_| None)
            .unwrap_err()
            .to_string();
        assert!(unset.contains("KOBO_USER is not set"), "{unset}");
        let broken = |_: &str| -> std::io::Result<String> { Ok("{\"targets\": [".into()) };
        assert!(matches!(
            parse("f.json", broken, env),
            Err(ForwardError::Json { line: 1, .. })
        ));
    }
}
