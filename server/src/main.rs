//! `vigie-server`: serves the built Vigie app on one machine.
//!
//! It sends precompressed brotli/gzip files as they are, marks hashed assets immutable and
//! the shell (`index.html`, `sw.js`) `no-cache`, answers deep links with the shell, and
//! sends the app's Content-Security-Policy as a header. Receiving submissions comes next
//! (see docs/PROTOCOL.md once it exists).

mod app;
mod receiver;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

/// Serve the Vigie app (the `dist/` folder built by trunk).
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
struct Args {
    /// Address to listen on. Keep it on loopback unless a TLS proxy is in front.
    #[arg(long, env = "VIGIE_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Folder holding the built app (trunk's dist/).
    #[arg(long, env = "VIGIE_DIST", default_value = "dist")]
    dist: PathBuf,
    /// Folder for the SQLite database of received records.
    #[arg(long, env = "VIGIE_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// Bearer token devices must send (none: the receiver accepts any device; loopback demo only).
    #[arg(long, env = "VIGIE_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Stop by itself after this many seconds (tests use it so no server outlives them).
    #[arg(long, env = "VIGIE_LIFETIME_SECS")]
    lifetime_secs: Option<u64>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "vigie_server=info".into()),
        )
        .init();
    let args = Args::parse();
    match run(args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vigie-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let recv = receiver::Receiver::open(&args.data_dir, args.token.clone())?;
    let router = app::router(&args.dist, receiver::routes(recv)).map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.bind))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    // One line a script can wait for and parse.
    println!("vigie-server listening on http://{local}/");
    if let Some(token) = &args.token {
        println!(
            "setup link (opens the app connected to this receiver): {}",
            setup_link(&local, token)
        );
    }
    tracing::info!(dist = %args.dist.display(), "serving");
    let lifetime = args.lifetime_secs.map(Duration::from_secs);
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal(lifetime))
        .await
        .map_err(|e| e.to_string())
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
/// browsers never send to a server).
fn setup_link(addr: &SocketAddr, token: &str) -> String {
    use base64::Engine;
    let payload = serde_json::json!({
        "backend": { "mode": "generic_json", "base": format!("http://{addr}/api"), "token": token }
    });
    let data = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload.to_string());
    format!("http://{addr}/settings#setup={data}")
}
