//! `urne-registry`: the federation's registry server, and enrolment of kiosks.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use urne_core::crypto::PublicKey;
use urne_registry::{Limits, Registry, RegistryStore, SqliteStore};

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
        /// Sustained uploads per minute accepted from one kiosk or organiser key.
        #[arg(long, default_value_t = Limits::default().uploads_per_minute)]
        uploads_per_minute: u32,
        /// Uploads one key may send at once before the per-minute rate applies.
        #[arg(long, default_value_t = Limits::default().burst)]
        burst: u32,
        /// Largest accepted request body, in megabytes.
        #[arg(long, default_value_t = Limits::default().max_body_bytes / (1024 * 1024))]
        max_body_mb: usize,
        /// Seconds after which an unfinished request is answered 408.
        #[arg(long, default_value_t = Limits::default().request_timeout.as_secs())]
        timeout_seconds: u64,
        /// Connections served at once; the next ones wait in the system's queue.
        #[arg(long, default_value_t = Limits::default().max_connections)]
        max_connections: usize,
        /// Connections served at once from one address (a hall behind one router is one
        /// address); more are closed on arrival.
        #[arg(long, default_value_t = Limits::default().connections_per_ip)]
        connections_per_ip: usize,
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
        /// Assign it at once to this event (repeatable); see `assign`.
        #[arg(long)]
        event: Vec<String>,
    },
    /// Assign an enrolled kiosk to an event: it may fetch the event's package and send its
    /// results. A kiosk sends nothing for an event it is not assigned to.
    Assign {
        /// The registry database.
        #[arg(long)]
        db: PathBuf,
        /// The event id.
        #[arg(long)]
        event: String,
        /// The kiosk's fingerprint (64 hexadecimal digits, as `devices` lists it).
        #[arg(long)]
        device: String,
    },
    /// Withdraw a kiosk's assignment to an event (what it sent before stays).
    Unassign {
        /// The registry database.
        #[arg(long)]
        db: PathBuf,
        /// The event id.
        #[arg(long)]
        event: String,
        /// The kiosk's fingerprint.
        #[arg(long)]
        device: String,
    },
    /// List the kiosks assigned to an event.
    Assignments {
        /// The registry database.
        #[arg(long)]
        db: PathBuf,
        /// The event id.
        #[arg(long)]
        event: String,
    },
    /// Enrol an organiser key for one event: its packages may be published here, and bundles
    /// of kiosks that ran them may be uploaded.
    EnrolOrganiser {
        /// The registry database.
        #[arg(long)]
        db: PathBuf,
        /// The event id (as in the event description).
        #[arg(long)]
        event: String,
        /// A label for the key (« bureau de l'assemblée »).
        #[arg(long)]
        label: String,
        /// The organiser's public key (organiser.pem, as found in any of its packages).
        #[arg(long)]
        pubkey: PathBuf,
    },
    /// List the enrolled kiosks: fingerprint, label, and revocation if any.
    Devices {
        /// The registry database.
        #[arg(long)]
        db: PathBuf,
    },
    /// Revoke a kiosk for good (its key was copied, the kiosk was stolen): from the next
    /// request on, nothing it signs is accepted and it fetches no package; what it sent before
    /// is kept but shown as « kiosque révoqué », never as results. Takes effect while the
    /// registry serves.
    RevokeDevice {
        /// The registry database.
        #[arg(long)]
        db: PathBuf,
        /// Why, in words shown on the event pages (« clé copiée », « kiosque volé »).
        #[arg(long)]
        reason: String,
        /// The kiosk's fingerprint (64 hexadecimal digits, as `devices` lists it).
        fingerprint: String,
    },
    /// Print the registry's card: its address and the fingerprint of the key it signs
    /// receipts with, as text and as a QR code. A kiosk's setup scans the card, so that the
    /// kiosk trusts receipts from this key only.
    Card {
        /// The registry database (its key sits beside it, made by its first `serve`).
        #[arg(long)]
        db: PathBuf,
        /// The address kiosks reach this registry at (`https://…`).
        #[arg(long)]
        url: String,
        /// Also write the card's QR code to this PNG file (print it, or show it on a screen).
        #[arg(long)]
        qr: Option<PathBuf>,
    },
    /// List the latest refused uploads, newest first.
    Refusals {
        /// The registry database.
        #[arg(long)]
        db: PathBuf,
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

fn read_key(path: &std::path::Path) -> Result<PublicKey> {
    let pem =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    PublicKey::from_pem(&pem).with_context(|| format!("{} is not a public key", path.display()))
}

fn key_path(db: &std::path::Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

fn event_id(event: &str) -> Result<()> {
    if urne_core::ids::EventId::new(event).is_err() {
        anyhow::bail!("« {event} » is not an event id (lowercase letters, digits and dashes)");
    }
    Ok(())
}

fn fingerprint(text: &str) -> Result<urne_core::crypto::Fingerprint> {
    urne_core::crypto::Fingerprint::parse(text)
        .with_context(|| format!("« {text} » is not a fingerprint (64 hexadecimal digits)"))
}

/// Prints the registry's card, and writes its QR code when asked.
fn card(db: &std::path::Path, url: &str, qr: Option<&std::path::Path>) -> Result<()> {
    // The kiosk checks the address fully when the card is scanned; this catches the usual slips.
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or("");
    if host.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        anyhow::bail!(
            "« {url} » is not an address kiosks can reach: https://… (http:// only for this machine)"
        );
    }
    // Only an existing key: a card made from a new key (a mistyped --db) would match no
    // registry, and kiosks set up with it would never send anything.
    let path = key_path(db);
    if !path.exists() {
        anyhow::bail!(
            "no registry key at {}: check --db, or start the registry once (urne-registry serve)",
            path.display()
        );
    }
    let key = urne_registry::load_or_create_key(&path)?;
    let card = urne_codec::protocol::RegistryCard {
        url: url.to_owned(),
        key: key.public().fingerprint(),
    };
    let text = card.to_text();
    if let Some(path) = qr {
        let png = urne_papers::badges::png::qr_alone(&text)
            .context("the address is too long for a QR code")?
            .context("the QR code could not be drawn")?;
        urne_codec::atomic::write(path, &png, 0o644)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    println!("{text}");
    eprintln!("registry key fingerprint: {}", card.key.to_hex());
    Ok(())
}

/// Assigns an enrolled kiosk to an event.
fn assign(store: &SqliteStore, event: &str, device: &urne_core::crypto::Fingerprint) -> Result<()> {
    event_id(event)?;
    if !store.devices()?.iter().any(|d| d.fingerprint == *device) {
        anyhow::bail!("no kiosk {device} is enrolled (urne-registry enrol, then assign)");
    }
    let now = urne_codec::os::system_clock().to_rfc3339();
    if store.assign(event, device, &now)? {
        println!("assigned {device} to {event}");
    } else {
        println!("{device} was already assigned to {event}");
    }
    Ok(())
}

fn main() -> Result<()> {
    urne_codec::os::init_logging();
    match Cli::parse().command {
        Command::Enrol {
            db,
            label,
            pubkey,
            event,
        } => {
            let key = read_key(&pubkey)?;
            for e in &event {
                event_id(e)?;
            }
            let store = SqliteStore::open(&db)?;
            store.enrol(&label, &key)?;
            println!("{}", key.fingerprint());
            for e in &event {
                assign(&store, e, &key.fingerprint())?;
            }
            Ok(())
        }
        Command::Assign { db, event, device } => {
            assign(&SqliteStore::open(&db)?, &event, &fingerprint(&device)?)
        }
        Command::Unassign { db, event, device } => {
            event_id(&event)?;
            let device = fingerprint(&device)?;
            if SqliteStore::open(&db)?.unassign(&event, &device)? {
                println!("{device} is no longer assigned to {event}");
            } else {
                println!("{device} was not assigned to {event}");
            }
            Ok(())
        }
        Command::Assignments { db, event } => {
            event_id(&event)?;
            for device in SqliteStore::open(&db)?.assignments(&event)? {
                println!("{device}");
            }
            Ok(())
        }
        Command::EnrolOrganiser {
            db,
            event,
            label,
            pubkey,
        } => {
            event_id(&event)?;
            let key = read_key(&pubkey)?;
            SqliteStore::open(&db)?.enrol_organiser(&event, &label, &key)?;
            println!("{}", key.fingerprint());
            Ok(())
        }
        Command::Devices { db } => {
            let shown = |text: &str| urne_core::untrusted::shown(text, 200);
            for d in SqliteStore::open(&db)?.devices()? {
                let standing = d.revoked.map_or_else(
                    || "enrolled".to_owned(),
                    |r| format!("revoked {} ({})", r.at, shown(&r.reason)),
                );
                println!("{}\t{}\t{standing}", d.fingerprint, shown(&d.label));
            }
            Ok(())
        }
        Command::RevokeDevice {
            db,
            reason,
            fingerprint,
        } => {
            let fp = self::fingerprint(&fingerprint)?;
            if reason.trim().is_empty() {
                anyhow::bail!("say why the kiosk is revoked (--reason): the event pages show it");
            }
            let now = urne_codec::os::system_clock().to_rfc3339();
            let Some(outcome) = SqliteStore::open(&db)?.revoke(&fp, reason.trim(), &now)? else {
                anyhow::bail!(
                    "no kiosk {fp} is enrolled in {} (urne-registry devices lists them)",
                    db.display()
                );
            };
            let device = outcome.device;
            let revoked = device.revoked.context("the revocation was not recorded")?;
            if outcome.now {
                println!("revoked {fp} « {} »: {}", device.label, revoked.reason);
            } else {
                println!(
                    "{fp} « {} » was already revoked on {}: {}",
                    device.label, revoked.at, revoked.reason
                );
            }
            Ok(())
        }
        Command::Card { db, url, qr } => card(&db, &url, qr.as_deref()),
        Command::Refusals { db, limit } => {
            // Reasons are escaped again when printed: a database written by an older registry
            // holds them raw, and a reason must not drive the operator's terminal.
            let shown = |text: &str| urne_core::untrusted::shown(text, 400);
            for r in SqliteStore::open(&db)?.refusals(limit)? {
                println!(
                    "{}\t{}\t{}",
                    shown(&r.at),
                    shown(r.device.as_deref().unwrap_or("-")),
                    shown(&r.reason)
                );
            }
            Ok(())
        }
        Command::Serve {
            db,
            listen,
            uploads_per_minute,
            burst,
            max_body_mb,
            timeout_seconds,
            max_connections,
            connections_per_ip,
        } => {
            let limits = Limits {
                uploads_per_minute,
                burst,
                max_body_bytes: max_body_mb.saturating_mul(1024 * 1024),
                request_timeout: std::time::Duration::from_secs(timeout_seconds),
                max_connections,
                connections_per_ip,
                ..Limits::default()
            };
            serve(&db, listen, limits)
        }
    }
}

/// Serves the registry of database `db` on `listen` until Ctrl-C or SIGTERM.
fn serve(db: &std::path::Path, listen: SocketAddr, limits: Limits) -> Result<()> {
    let store = SqliteStore::open(db)?;
    let key = urne_registry::load_or_create_key(&key_path(db))?;
    let registry = Registry::new(Arc::new(store), key, urne_codec::os::system_clock, limits);
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
        urne_registry::serve(listener, registry, shutdown).await?;
        Ok(())
    })
}
