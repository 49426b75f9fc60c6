//! The operating system's clock, randomness and log output, for the binaries and the kiosk's
//! adapters: urne-core reads none of them, and everything above this crate takes them from here.

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

/// Logs to stderr, filtered by `RUST_LOG` (default: warnings and errors). The same for the three
/// binaries (`urne`, `urne-registry`, `urne-kiosk`), hence one function behind the `logging`
/// feature that only they turn on.
#[cfg(feature = "logging")]
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
