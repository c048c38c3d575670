//! Serving the built app: precompressed files, cache headers, types, SPA fallback, policy.

mod common;

use common::Server;

#[test]
fn precompressed_files_are_sent_as_they_are_with_immutable_caching() {
    let srv = Server::start(&[]);
    let br = srv.request(
        "GET",
        "/app-0123456789abcdef.js",
        &[("Accept-Encoding", "gzip, br")],
        b"",
    );
    assert_eq!(br.status, 200);
    assert_eq!(br.header("content-encoding"), Some("br"));
    assert_eq!(br.body, b"BROTLI-BYTES");
    assert!(br.header("cache-control").unwrap().contains("immutable"));
    assert!(br.header("vary").unwrap_or("").contains("accept-encoding"));

    let plain = srv.request("GET", "/app-0123456789abcdef.js", &[], b"");
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.body, b"console.log('plain')");
}

#[test]
fn the_shell_and_worker_are_revalidated_and_types_are_right() {
    let srv = Server::start(&[]);
    for path in ["/", "/index.html", "/sw.js"] {
        let a = srv.request("GET", path, &[], b"");
        assert_eq!(a.status, 200, "{path}");
        assert_eq!(a.header("cache-control"), Some("no-cache"), "{path}");
    }
    let wasm = srv.request("GET", "/app-0123456789abcdef_bg.wasm", &[], b"");
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    let manifest = srv.request("GET", "/manifest.webmanifest", &[], b"");
    assert_eq!(
        manifest.header("content-type"),
        Some("application/manifest+json")
    );
    let shell = srv.request("GET", "/", &[], b"");
    let csp = shell.header("content-security-policy").unwrap();
    assert!(csp.starts_with("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
}

/// A deployment whose files are older than the ones a phone last saw (a rollback, or files
/// copied with their build machine's dates) must still reach it: a date is no validator for
/// the revalidated files. With `If-Modified-Since` honoured, the browser's update check of
/// `sw.js` got "304 Not Modified" and the phone kept the old version for good.
#[test]
fn revalidated_files_are_sent_whatever_date_the_phone_gives() {
    let srv = Server::start(&[]);
    let later = "Fri, 01 Jan 2100 00:00:00 GMT";
    for path in [
        "/",
        "/index.html",
        "/sw.js",
        "/manifest.webmanifest",
        "/outbox",
    ] {
        let a = srv.request("GET", path, &[("If-Modified-Since", later)], b"");
        assert_eq!(a.status, 200, "{path}");
        assert!(!a.body.is_empty(), "{path}");
        assert_eq!(a.header("last-modified"), None, "{path}");
    }
    // Files whose name changes with their bytes keep their date: same name, same bytes.
    let hashed = srv.request("GET", "/app-0123456789abcdef.js", &[], b"");
    assert!(hashed.header("last-modified").is_some());
}

#[test]
fn deep_links_get_the_shell_and_missing_files_or_api_addresses_do_not() {
    let srv = Server::start(&[]);
    let deep = srv.request("GET", "/outbox", &[], b"");
    assert_eq!(deep.status, 200);
    assert!(deep.text().contains("shell"));
    assert_eq!(srv.request("GET", "/missing.js", &[], b"").status, 404);
    let api = srv.request("GET", "/api/nothing-here", &[], b"");
    assert_eq!(api.status, 404);
    assert_eq!(api.json()["error"], "not_found");
}

/// A GBV record page was cached publicly for a year: the "hashed asset" rule took the
/// UUID's last group for a build hash. Authenticated answers are never stored; only files
/// that exist in dist under trunk's hashed names are immutable.
#[test]
fn authenticated_answers_are_never_cached_and_only_real_hashed_files_are_immutable() {
    let srv = Server::start(&[]);
    let id = "7d444840-9dc0-11d1-b245-5ffdce74fad2";
    let coord = format!("Basic {}", base64_of(&format!("c:{}", common::COORD)));
    for (path, auth) in [
        (format!("/coord/records/{id}"), coord.clone()),
        ("/coord/".to_owned(), coord.clone()),
        ("/coord/export.csv".to_owned(), coord.clone()),
        (
            "/api/forms".to_owned(),
            format!("Bearer {}", common::DEVICE),
        ),
        (
            "/api/submissions".to_owned(),
            format!("Bearer {}", common::DEVICE),
        ),
        (format!("/coord/records/{id}"), String::new()),
    ] {
        let a = srv.request("GET", &path, &[("Authorization", &auth)], b"");
        assert_eq!(
            a.header("cache-control"),
            Some("no-store"),
            "{path} ({})",
            a.status
        );
        assert!(
            a.header("vary")
                .unwrap_or("")
                .to_ascii_lowercase()
                .contains("authorization"),
            "{path}"
        );
    }
    // The app shell under an address that merely looks hashed is revalidated.
    let fill = srv.request("GET", &format!("/fill/{id}"), &[], b"");
    assert_eq!(fill.status, 200);
    assert_eq!(fill.header("cache-control"), Some("no-cache"));
    let fake = srv.request("GET", "/other-0123456789abcdef.js", &[], b"");
    assert_eq!(fake.status, 404);
    assert_ne!(
        fake.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
}

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// `//icons` was redirected to `//icons/`: a protocol-relative address, which a browser
/// reads as another host. Redirects stay on this site.
#[test]
fn redirects_never_point_to_another_host() {
    let srv = Server::start(&[]);
    for path in ["//icons", "///icons", "/icons"] {
        let a = srv.request("GET", path, &[], b"");
        if let Some(to) = a.header("location") {
            assert!(
                to.starts_with('/') && !to.starts_with("//"),
                "{path} -> {to}"
            );
        }
    }
}
