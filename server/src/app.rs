//! The HTTP surface: static app serving with the right headers.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::{
    body::Body,
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    Router,
};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

/// Why the server cannot start serving the app.
#[derive(Debug)]
pub enum SetupError {
    /// `dist/index.html` is missing: the app was not built.
    NotBuilt(PathBuf),
    /// The shell has no Content-Security-Policy meta tag to send as a header.
    NoPolicy(PathBuf),
}

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SetupError::NotBuilt(p) => write!(
                f,
                "{} not found: build the app first (trunk build --release)",
                p.display()
            ),
            SetupError::NoPolicy(p) => {
                write!(f, "{} has no Content-Security-Policy meta tag", p.display())
            }
        }
    }
}

impl std::error::Error for SetupError {}

/// The policy is written once, in index.html's meta tag; the header repeats it and adds
/// what only a header can carry.
pub fn policy_from_shell(html: &str) -> Option<String> {
    let marker = "http-equiv=\"Content-Security-Policy\"";
    let at = html.find(marker)?;
    let rest = &html[at..];
    let start = rest.find("content=\"")? + "content=\"".len();
    let len = rest[start..].find('"')?;
    Some(format!(
        "{}; frame-ancestors 'none'",
        &rest[start..start + len]
    ))
}

/// Whether `path` names a file trunk fingerprinted (`name-<16 hex>.ext`), safe to cache forever.
pub fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.split('.').next().unwrap_or(file);
    // wasm-bindgen names the module `<name>-<hash>_bg.wasm`.
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    // Trunk writes a u64 hash as `{:x}`, without leading zeros: usually 16 digits, 15 one
    // build in 16. At least 8, so `icon-192` is not taken for a hash.
    stem.rsplit_once('-').is_some_and(|(_, h)| {
        (8..=16).contains(&h.len()) && h.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// Whether a missing `path` is an in-app address (answered with the shell) rather than a file.
pub fn is_app_route(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or("");
    !last.contains('.')
}

/// Builds the router serving `dist`.
pub fn router(dist: &Path, api: Router) -> Result<Router, SetupError> {
    let index = dist.join("index.html");
    let html = std::fs::read_to_string(&index).map_err(|_| SetupError::NotBuilt(index.clone()))?;
    let policy = policy_from_shell(&html).ok_or_else(|| SetupError::NoPolicy(index.clone()))?;
    let policy = HeaderValue::from_str(&policy).map_err(|_| SetupError::NoPolicy(index.clone()))?;

    let shell = ServeFile::new(&index)
        .precompressed_br()
        .precompressed_gzip();
    let files = ServeDir::new(dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(tower::service_fn(move |req: Request| {
            let shell = shell.clone();
            async move {
                if is_app_route(req.uri().path()) {
                    shell.oneshot(req).await.map(IntoResponse::into_response)
                } else {
                    Ok(StatusCode::NOT_FOUND.into_response())
                }
            }
        }));

    let hashed = Arc::new(hashed_files(dist));
    Ok(api
        .fallback_service(files)
        .layer(middleware::from_fn(move |req: Request, next: Next| {
            let policy = policy.clone();
            let hashed = hashed.clone();
            async move { headers(req, next, policy, &hashed).await }
        })))
}

/// The paths (`/name`) of the files in `dist` whose names trunk hashed: the only answers
/// cached for ever. A path that merely looks hashed (a record's UUID) is not among them.
fn hashed_files(dist: &Path) -> HashSet<String> {
    fn walk(dir: &Path, prefix: &str, out: &mut HashSet<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = format!("{prefix}/{name}");
            match entry.file_type() {
                Ok(t) if t.is_dir() => walk(&entry.path(), &path, out),
                Ok(_) if is_hashed_asset(&path) => {
                    out.insert(path);
                }
                _ => {}
            }
        }
    }
    let mut out = HashSet::new();
    walk(dist, "", &mut out);
    out
}

/// How long a response may be kept, and by whom.
fn cache_policy(path: &str, success: bool, hashed: &HashSet<String>) -> &'static str {
    if path == "/api"
        || path.starts_with("/api/")
        || path == "/coord"
        || path.starts_with("/coord/")
    {
        // Records, GBV reports among them, and anything behind a token: never stored by a
        // browser's disk cache, a proxy or a CDN.
        "no-store"
    } else if success && hashed.contains(path) {
        "public, max-age=31536000, immutable"
    } else {
        // index.html (and every in-app address), sw.js, manifest, icons: always revalidate.
        "no-cache"
    }
}

async fn headers(
    mut req: Request,
    next: Next,
    policy: HeaderValue,
    hashed: &HashSet<String>,
) -> Response<Body> {
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let started = std::time::Instant::now();
    // A date is no validator for the files served under a fixed name (index.html, sw.js,
    // the manifest): a deployment whose files are older than what a phone last saw (a
    // rollback, files copied with their build machine's dates) would get "304 Not
    // Modified" and the phone would never update. They are small; they are sent whole.
    let dated = hashed.contains(&path);
    if !dated {
        req.headers_mut().remove(header::IF_MODIFIED_SINCE);
    }
    let mut res = next.run(req).await;
    if !dated {
        res.headers_mut().remove(header::LAST_MODIFIED);
    }
    // One structured line per request: method, path (no query, no headers, no body: never a
    // token or a record's content), status and time.
    let ms = started.elapsed().as_millis() as u64;
    let status = res.status().as_u16();
    if path.starts_with("/api/") || path.starts_with("/coord") {
        tracing::info!(%method, %path, status, ms, "request");
    } else {
        tracing::debug!(%method, %path, status, ms, "request");
    }
    let cache = cache_policy(&path, res.status().is_success(), hashed);
    let h = res.headers_mut();
    // A directory redirect of `//icons` says `//icons/`, which browsers read as another
    // host: keep every redirect on this site.
    let offsite = h
        .get(header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .filter(|l| l.starts_with("//") || l.starts_with("/\\"))
        .map(|l| format!("/{}", l.trim_start_matches(['/', '\\'])));
    if let Some(local) = offsite.and_then(|l| HeaderValue::from_str(&l).ok()) {
        h.insert(header::LOCATION, local);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if path.ends_with(".webmanifest") {
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/manifest+json"),
        );
    }
    h.insert(
        header::VARY,
        HeaderValue::from_static(if cache == "no-store" {
            "accept-encoding, authorization"
        } else {
            "accept-encoding"
        }),
    );
    h.insert(header::CONTENT_SECURITY_POLICY, policy);
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_is_read_from_the_meta_tag() {
        let html = r#"<meta http-equiv="Content-Security-Policy" content="default-src 'self'">"#;
        assert_eq!(
            policy_from_shell(html).as_deref(),
            Some("default-src 'self'; frame-ancestors 'none'")
        );
        assert_eq!(policy_from_shell("<html></html>"), None);
    }

    #[test]
    fn hashed_assets_are_recognised() {
        assert!(is_hashed_asset("/vigie-0123456789abcdef_bg.wasm"));
        assert!(is_hashed_asset("/main-0123456789abcdef.css"));
        // A hash with a leading zero is printed one digit shorter.
        assert!(is_hashed_asset("/vigie-dbd44c30949ea07_bg.wasm"));
        assert!(is_hashed_asset("/vigie-dbd44c30949ea07.js"));
        assert!(!is_hashed_asset("/sw.js"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/icons/icon-192.png"));
    }

    #[test]
    fn app_routes_have_no_extension() {
        assert!(is_app_route("/"));
        assert!(is_app_route("/outbox"));
        assert!(is_app_route("/plans/123"));
        assert!(!is_app_route("/missing.js"));
    }
}
