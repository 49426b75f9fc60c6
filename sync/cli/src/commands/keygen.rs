//! `urne keygen --out KEY`: a new organiser key, written readable by its owner only.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};
use urne_codec::atomic;
use urne_core::crypto::SecretKey;

/// Writes a fresh key to `out` (never over an existing file) and prints its fingerprint.
pub fn run(out: &Path) -> Result<ExitCode> {
    if out.exists() {
        bail!(
            "{} exists already: refusing to overwrite a key",
            out.display()
        );
    }
    let mut rng = urne_codec::os::os_rng();
    let key = SecretKey::generate(&mut rng);
    atomic::write(out, key.to_pem().as_bytes(), 0o600)?;
    println!("{}", key.public().fingerprint());
    Ok(ExitCode::SUCCESS)
}
