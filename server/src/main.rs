//! `vigie-server`: Vigie's embedded server, one binary for a one-machine deployment.
//!
//! - Serves the built app (`dist/`): precompressed brotli/gzip files, hashed assets
//!   immutable, the shell (`index.html`, `sw.js`) `no-cache`, deep links answered with the
//!   shell, the Content-Security-Policy as a header.
//! - Receives submissions (`/api/…`, the generic-JSON contract of docs/PROTOCOL.md) into
//!   SQLite, idempotently, each committed before its receipt is sent.
//! - Shows coordinators what arrived (`/coord/`), with a CSV export.
//! - Manages access tokens (`vigie-server token add|list|revoke`), stored hashed.

mod api;
mod app;
mod auth;
mod cases;
mod coord;
mod db;
mod delivery;
mod error;
mod follow;
mod forward;
mod indicators;
mod labels;
mod listen;
mod map;
mod notify;
mod plans;
mod published;
mod records;
mod sms;
mod store;
mod tokens;
mod xlsform;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::http::HeaderValue;
use clap::{Args, Parser, Subcommand};

use tokens::ExtraToken;
use tokens::Role;
use vigie_core::scope::Scope;

/// Vigie's embedded server: serves the app, receives its reports into SQLite, and shows
/// coordinators what arrived.
///
/// Without a subcommand it serves. Devices need a device token (`token add`), coordinator
/// pages (/coord/) a coordinator token (HTTP Basic sign-in: any user name, the token as
/// password). Logs go to standard error and never contain tokens or record contents; set
/// RUST_LOG (e.g. RUST_LOG=vigie_server=debug) for more or less.
#[derive(Debug, Parser)]
#[command(version, about, long_about, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the app, receive reports and show the coordinator pages (the default).
    Serve(Box<ServeArgs>),
    /// Create, list and revoke access tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Print a translation template (every interface message with its French text) for a
    /// fluent reviewer to fill in, then serve it with --translation.
    TranslationTemplate,
    /// Form definitions.
    #[command(subcommand)]
    Form(FormCommand),
}

#[derive(Debug, Subcommand)]
enum FormCommand {
    /// Turn an XLSForm (.xlsx) into a Vigie form definition, printed as JSON (e.g.
    /// `> forms/x.json`). What the form asks that Vigie cannot do the same way is listed
    /// with its sheet, row and column, and stops the import unless --allow-partial.
    Import {
        /// The spreadsheet.
        path: PathBuf,
        /// The form's id (else the settings sheet's form_id).
        #[arg(long)]
        id: Option<String>,
        /// Print the form even with unsupported parts (left out; listed on stderr).
        #[arg(long)]
        allow_partial: bool,
    },
}

#[derive(Debug, Args)]
struct DataArgs {
    /// Folder of the SQLite database (vigie.sqlite3): back it up with `sqlite3 vigie.sqlite3
    /// ".backup copy.sqlite3"` while the server runs.
    #[arg(long, env = "VIGIE_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create a token and print it once (only its hash is stored).
    Add {
        /// Who holds it, e.g. "Moniteur Bougouni 12".
        #[arg(long)]
        label: String,
        /// What it opens: sending reports and keeping plans (device), the coordinator
        /// pages (coordinator), or posting received SMS to /api/sms (sms-gateway).
        #[arg(long, value_enum, default_value = "device")]
        role: Role,
        /// Where it may act: `national` (the default) or P-codes of regions, cercles or
        /// communes, comma-separated (`ML0302,ML040101`). A device token lists and
        /// changes only the plans of communes inside its scope.
        #[arg(long, default_value = "national", value_parser = parse_scope)]
        scope: Scope,
        /// A coordinator token cleared to read GBV accounts (victims, perpetrators, what
        /// happened). Without it, its pages show that a GBV report exists, its level, place
        /// and date, and "détails réservés".
        #[arg(long)]
        gbv: bool,
        #[command(flatten)]
        data: DataArgs,
    },
    /// List tokens (labels and states, never the tokens themselves).
    List {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Revoke a token by the number `token list` shows; its holder gets 401 from then on.
    Revoke {
        /// Token number.
        id: i64,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on. Keep it on loopback and put an HTTPS proxy in front for phones.
    #[arg(long, env = "VIGIE_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Folder holding the built app (trunk's dist/).
    #[arg(long, env = "VIGIE_DIST", default_value = "dist")]
    dist: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    /// Folder of form definitions (*.json) served at /api/forms.
    #[arg(long, env = "VIGIE_FORMS_DIR", default_value = "forms")]
    forms_dir: PathBuf,
    /// The referral directory (JSON: {"referrals": [{service, name, commune, phone,
    /// hours}]}) served at /api/referrals; read again at each request.
    #[arg(long, env = "VIGIE_REFERRALS")]
    referrals: Option<PathBuf>,
    /// The alert rules (JSON, docs/CASES.md): which reports open a case, at which level.
    /// Checked at start: an invalid file stops the server with where and what. Without it,
    /// the default rules (any red or orange alert; 3 orange in a commune in 7 days; 5
    /// yellow in a cercle in 14 days).
    #[arg(long, env = "VIGIE_ALERT_RULES")]
    alert_rules: Option<PathBuf>,
    /// Follow a CouchDB deployment: read the `_changes` feed of `--couchdb-db` (records)
    /// and of `<db>-plans` (plans) into this receiver's store, so that its coordinator
    /// pages, cases and notifications work when phones write to CouchDB. Plain
    /// `http://host:port`; credentials from VIGIE_COUCHDB_USER and VIGIE_COUCHDB_PASSWORD.
    #[arg(long, env = "VIGIE_FOLLOW_COUCHDB")]
    follow_couchdb: Option<String>,
    /// The CouchDB database followed (with --follow-couchdb).
    #[arg(long, env = "VIGIE_COUCHDB_DB", default_value = "vigie")]
    couchdb_db: String,
    /// Who is told of new cases, cases raised to red and cases nobody took in charge in
    /// time (JSON, docs/CASES.md): signed webhooks and e-mail through an SMTP relay, each
    /// recipient with a scope. Checked at start like the rules.
    #[arg(long, env = "VIGIE_NOTIFY")]
    notify: Option<PathBuf>,
    /// Forward stored records to an OpenRosa server (ODK Central, KoboToolbox):
    /// `openrosa:<submission URL>` (every form; credentials from VIGIE_OPENROSA_USER and
    /// VIGIE_OPENROSA_PASSWORD when set) or a JSON file of targets with their forms
    /// (docs/FORWARDING.md). Repeat the flag for several.
    #[arg(long = "forward")]
    forward: Vec<String>,
    /// An interface translation (JSON, see `translation-template`) served at
    /// /api/translation; checked at each request like the app checks it.
    #[arg(long, env = "VIGIE_TRANSLATION")]
    translation: Option<PathBuf>,
    /// Origins allowed to call /api from a browser (CORS), e.g. https://vigie.example.org;
    /// repeat the flag or separate with commas. The app's own origin needs none.
    #[arg(
        long = "allowed-origin",
        env = "VIGIE_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    allowed_origins: Vec<String>,
    /// Also accept this device token, for this run only (kept as a hash in memory; the
    /// printed setup link carries it). Stored tokens are made with `token add`.
    #[arg(long, env = "VIGIE_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Also accept this coordinator token, for this run only.
    #[arg(long, env = "VIGIE_COORDINATOR_TOKEN", hide_env_values = true)]
    coordinator_token: Option<String>,
    /// Also accept this SMS gateway token (for /api/sms only), for this run only.
    #[arg(long, env = "VIGIE_SMS_GATEWAY_TOKEN", hide_env_values = true)]
    sms_gateway_token: Option<String>,
    /// Stop by itself after this many seconds (tests use it so no server outlives them).
    #[arg(long, env = "VIGIE_LIFETIME_SECS")]
    lifetime_secs: Option<u64>,
    /// Open connections in all (more are closed at once).
    #[arg(long, env = "VIGIE_MAX_CONNECTIONS", default_value_t = 1024)]
    max_connections: usize,
    /// Open connections from one address (a reverse proxy counts as one: raise it there).
    #[arg(long, env = "VIGIE_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 256)]
    max_connections_per_address: usize,
    /// Longest wait for a request's headers, in seconds.
    #[arg(long, env = "VIGIE_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    header_timeout_secs: u64,
    /// Records accepted per device token and hour (more gets 429 with Retry-After).
    #[arg(long, env = "VIGIE_MAX_RECORDS_PER_HOUR", default_value_t = 5000)]
    max_records_per_hour: u32,
}

fn main() -> std::process::ExitCode {
    bound_allocator();
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(run()),
        Err(e) => {
            eprintln!("vigie-server: cannot start its runtime: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Keeps the process's memory bounded on a store with large cases: glibc otherwise opens
/// an arena per thread and, once a large block (a case joined by a thousand reports) is
/// freed, keeps blocks of that size in its heaps instead of returning them (measured on
/// a store of 1,000,000 records: 191 MB after 6,000 more records, 132 MB with the same
/// settings given as MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn bound_allocator() {
    // SAFETY: mallopt only sets allocator parameters; it is called once, before any
    // thread starts, and a value it refuses leaves the default in place.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn bound_allocator() {}

async fn run() -> std::process::ExitCode {
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // Colour codes only on a terminal: not in log files, journald or a test's capture.
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "vigie_server=info".into()),
        )
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Token(cmd)) => token_command(cmd),
        Some(Command::TranslationTemplate) => {
            println!("{:#}", vigie_core::translation::template());
            Ok(())
        }
        Some(Command::Form(FormCommand::Import {
            path,
            id,
            allow_partial,
        })) => import_form(&path, id.as_deref(), allow_partial),
        Some(Command::Serve(args)) => serve(*args).await,
        None => serve(cli.serve).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vigie-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn parse_scope(text: &str) -> Result<Scope, String> {
    Scope::parse(text).map_err(|e| e.to_string())
}

fn token_command(cmd: TokenCommand) -> Result<(), String> {
    match cmd {
        TokenCommand::Add {
            label,
            role,
            scope,
            gbv,
            data,
        } => {
            let db = db::open(&data.data_dir).map_err(|e| e.to_string())?;
            let token = tokens::generate().map_err(|e| format!("no randomness: {e}"))?;
            let id = tokens::add(&db, label.trim(), role, &scope, gbv, &token)
                .map_err(|e| e.to_string())?;
            let clearance = match role {
                Role::Coordinator if gbv => ", GBV accounts: yes",
                Role::Coordinator => ", GBV accounts: no",
                _ => "",
            };
            eprintln!(
                "token {id} created for \"{}\" (scope: {scope}{clearance}); it is shown only now:",
                label.trim()
            );
            println!("{token}");
            Ok(())
        }
        TokenCommand::List { data } => {
            let db = db::open(&data.data_dir).map_err(|e| e.to_string())?;
            let all = tokens::list(&db).map_err(|e| e.to_string())?;
            if all.is_empty() {
                println!("no tokens: create one with `vigie-server token add --label \"…\"`");
            }
            for t in all {
                let state = if t.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                let gbv = match (t.role.as_str(), t.gbv) {
                    ("coordinator", true) => "gbv",
                    ("coordinator", false) => "no-gbv",
                    _ => "",
                };
                println!(
                    "{:>4}  {:<12} {:<8} {:<20} {:<7} {}",
                    t.id, t.role, state, t.scope, gbv, t.label
                );
            }
            Ok(())
        }
        TokenCommand::Revoke { id, data } => {
            let db = db::open(&data.data_dir).map_err(|e| e.to_string())?;
            if tokens::revoke(&db, id).map_err(|e| e.to_string())? {
                println!("token {id} revoked");
                Ok(())
            } else {
                Err(format!(
                    "no active token {id} (see `vigie-server token list`)"
                ))
            }
        }
    }
}

fn import_form(path: &Path, id: Option<&str>, allow_partial: bool) -> Result<(), String> {
    let book = xlsform::read(path).map_err(|e| e.to_string())?;
    let imported = xlsform::convert(&book, id).map_err(|e| e.to_string())?;
    for note in &imported.notes {
        eprintln!("note: {note}");
    }
    for u in &imported.unsupported {
        eprintln!("unsupported: {u}");
    }
    if !imported.unsupported.is_empty() && !allow_partial {
        return Err(format!(
            "{} part(s) of the form cannot be carried over (listed above); nothing printed. \
             Change them, or pass --allow-partial to leave them out.",
            imported.unsupported.len()
        ));
    }
    let text = serde_json::to_string_pretty(&imported.def).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(())
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let targets = match &args.notify {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("notification targets {}: {e}", path.display()))?;
            notify::config::parse(&text, |v| std::env::var(v).ok())
                .map_err(|e| format!("notification targets {}: {e}", path.display()))?
        }
        None => notify::Targets::default(),
    };
    let mut forwarding = forward::Forwarding::default();
    for spec in &args.forward {
        let targets = forward::parse(
            spec,
            |p: &str| std::fs::read_to_string(p),
            |v| std::env::var(v).ok(),
        )
        .map_err(|e| format!("--forward {spec}: {e}"))?;
        for t in targets {
            if forwarding.target(&t.name).is_some() {
                return Err(format!(
                    "--forward {spec}: a target named {:?} is given twice",
                    t.name
                ));
            }
            forwarding.targets.push(t);
        }
    }
    let origins = args
        .allowed_origins
        .iter()
        .map(|o| o.trim())
        .filter(|o| !o.is_empty())
        .map(|o| {
            HeaderValue::from_str(o.trim_end_matches('/'))
                .map_err(|_| format!("--allowed-origin {o:?} is not a valid origin"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut extra = Vec::new();
    if let Some(t) = args.token.as_deref().filter(|t| !t.is_empty()) {
        extra.push(ExtraToken::new(t, "command line", Role::Device));
    }
    if let Some(t) = args.coordinator_token.as_deref().filter(|t| !t.is_empty()) {
        extra.push(ExtraToken::new(t, "command line", Role::Coordinator));
    }
    if let Some(t) = args.sms_gateway_token.as_deref().filter(|t| !t.is_empty()) {
        extra.push(ExtraToken::new(t, "command line", Role::SmsGateway));
    }
    let forms = published::FormsFolder::open(Some(&args.forms_dir))?;
    let rules = match &args.alert_rules {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("alert rules {}: {e}", path.display()))?;
            vigie_core::cases::rules::parse(&text)
                .map_err(|e| format!("alert rules {}: {e}", path.display()))?
        }
        None => vigie_core::cases::rules::parse(vigie_core::cases::rules::DEFAULT)
            .map_err(|e| format!("default alert rules: {e}"))?,
    };
    let follow = args
        .follow_couchdb
        .as_deref()
        .map(|url| {
            follow::Follow::new(
                url,
                &args.couchdb_db,
                std::env::var("VIGIE_COUCHDB_USER").ok(),
                std::env::var("VIGIE_COUCHDB_PASSWORD").ok(),
            )
        })
        .transpose()?;
    let recv = store::Receiver::open(
        &args.data.data_dir,
        extra,
        forms,
        store::Quota::new(args.max_records_per_hour),
    )
    .map_err(|e| e.to_string())?
    .with_referrals(args.referrals.as_deref())
    .with_translation(args.translation.as_deref())
    .with_rules(rules)
    .with_targets(targets)
    .with_forwarding(forwarding);
    // A target held for its credentials tries again: they may have been fixed.
    let now = db::now_ms();
    recv.with_db(|db| forward::release_held(db, now))
        .map_err(|e| e.to_string())?;
    reload_forms_on_hangup(recv.clone());
    delivery::run(recv.clone());
    if let Some(f) = follow {
        follow::run(recv.clone(), f);
    }
    let api = api::routes(recv.clone(), &origins).merge(coord::routes(recv));
    let router = app::router(&args.dist, api).map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.bind))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    // One line a script can wait for and parse.
    println!("vigie-server listening on http://{local}/");
    println!("coordinator pages: http://{local}/coord/");
    if let Some(token) = &args.token {
        println!(
            "setup link (opens the app connected to this receiver): {}",
            setup_link(&local, token)
        );
    }
    tracing::info!(dist = %args.dist.display(), data = %args.data.data_dir.display(), "serving");
    let lifetime = args.lifetime_secs.map(Duration::from_secs);
    let limits = listen::Limits {
        max_connections: args.max_connections,
        max_per_address: args.max_connections_per_address,
        header_timeout: Duration::from_secs(args.header_timeout_secs.max(1)),
    };
    listen::serve(listener, router, limits, shutdown_signal(lifetime)).await;
    Ok(())
}

async fn shutdown_signal(lifetime: Option<Duration>) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    let expiry = async {
        match lifetime {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
        _ = expiry => tracing::info!("lifetime reached, stopping"),
    }
}

/// A link that configures the app for this receiver (the token stays in the fragment, which
/// browsers never send to a server), encoded by the core the app decodes it with.
fn setup_link(addr: &SocketAddr, token: &str) -> String {
    let link = vigie_core::setup_link::SetupLink {
        backend: vigie_core::outbox::backend::Backend::GenericJson {
            base: format!("http://{addr}/api"),
            token: Some(token.to_owned()),
        },
        author: None,
        keep_receipts_days: None,
        sms_number: None,
    };
    format!(
        "http://{addr}/settings#{}",
        vigie_core::setup_link::encode(&link)
    )
}

/// SIGHUP re-reads `--forms-dir` (it is also re-read whenever its files change).
fn reload_forms_on_hangup(recv: store::Receiver) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut hup) = signal(SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP");
            return;
        };
        while hup.recv().await.is_some() {
            let recv = recv.clone();
            tokio::task::spawn_blocking(move || recv.forms().reload())
                .await
                .ok();
        }
    });
    #[cfg(not(unix))]
    drop(recv);
}
