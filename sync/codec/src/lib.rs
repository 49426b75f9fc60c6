//! urne-sync: everything that crosses the device boundary.
//!
//! Event packages come in ([`event_toml`], [`roster_csv`], [`package`], [`badges`]); results
//! bundles go out ([`bundle`]) with their procès-verbal ([`pv`]) and attendance sheet
//! ([`emargement`]), and are verified ([`verify`]); ballot files from elsewhere (Urne
//! JSON, PrefLib, pabulib) are read for `urne tally` ([`ballot_files`]); files are written
//! atomically ([`atomic`]); the uploader ([`uploader`], feature `client`) sends bundles to the
//! registry ([`registry`], feature `registry`). The binaries `urne` and `urne-registry` are thin
//! shells over these modules. Only this crate opens sockets.

pub mod atomic;
pub mod badges;
pub mod ballot_files;
pub mod bundle;
pub mod demo;
pub mod emargement;
pub mod event_toml;
pub mod package;
pub mod protocol;
pub mod pv;
pub mod receipt;
pub mod roster_csv;
pub mod tarball;
pub mod verify;

#[cfg(feature = "registry")]
pub mod registry;
#[cfg(feature = "client")]
pub mod uploader;

/// The operating system's random source, for keys and member ids.
pub fn os_rng() -> impl urne_core::rand_core::CryptoRng {
    urne_core::rand_core::UnwrapErr(getrandom::SysRng)
}

/// The system clock, for binaries (urne-core never reads it).
pub fn system_clock() -> urne_core::timestamp::Timestamp {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    urne_core::timestamp::Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// Logs to stderr, filtered by `RUST_LOG` (default: warnings and errors).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
