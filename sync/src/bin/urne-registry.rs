//! `urne-registry`: the federation's registry server, and enrolment of kiosks.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use urne_core::crypto::PublicKey;
use urne_sync::registry::{self, Registry, RegistryStore, SqliteStore};

#[derive(Parser)]
#[command(
    name = "urne-registry",
    version,
    about = "Urne's central registry of results"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the registry over HTTP.
    Serve {
        /// The registry database (SQLite file, created if missing).
        #[arg(long)]
        db: PathBuf,
        /// Address to listen on, e.g. 127.0.0.1:8080 (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
    },
    /// Enrol a kiosk by its device key.
    Enrol {
        /// The registry database.
        #[arg(long)]
        db: PathBuf,
        /// A label for the kiosk.
        #[arg(long)]
        label: String,
        /// The kiosk's device key (device.pem, as found in any of its bundles).
        #[arg(long)]
        pubkey: PathBuf,
    },
}

fn key_path(db: &std::path::Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

fn main() -> Result<()> {
    urne_sync::init_logging();
    match Cli::parse().command {
        Command::Enrol { db, label, pubkey } => {
            let pem = std::fs::read_to_string(&pubkey)
                .with_context(|| format!("cannot read {}", pubkey.display()))?;
            let key = PublicKey::from_pem(&pem)?;
            SqliteStore::open(&db)?.enrol(&label, &key)?;
            println!("{}", key.fingerprint());
            Ok(())
        }
        Command::Serve { db, listen } => {
            let store = SqliteStore::open(&db)?;
            let key = registry::load_or_create_key(&key_path(&db))?;
            let registry = Registry::new(Arc::new(store), key, urne_sync::system_clock);
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind(listen)
                    .await
                    .with_context(|| format!("cannot listen on {listen}"))?;
                let addr = listener.local_addr()?;
                // The first line on stdout is the address, so that scripts and tests can find a
                // port chosen by the system.
                println!("listening on http://{addr}");
                println!("registry key {}", registry.public_key().fingerprint());
                use std::io::Write;
                std::io::stdout().flush()?;
                let shutdown = async {
                    let _ = tokio::signal::ctrl_c().await;
                };
                #[cfg(unix)]
                let shutdown = async move {
                    let mut term =
                        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                            .expect("SIGTERM handler");
                    tokio::select! {
                        () = shutdown => {},
                        _ = term.recv() => {},
                    }
                };
                registry::serve(listener, registry, shutdown).await?;
                Ok(())
            })
        }
    }
}
