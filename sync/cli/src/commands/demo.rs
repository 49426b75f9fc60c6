//! `urne demo --package P --key K`: the built-in demo assembly's package and its published
//! (insecure) organiser key, for trying `urne badges` and the kiosk's test deck anywhere.
//!
//! The package is the committed `demo/assemblee-demo.urnepkg`, the very file the kiosk embeds
//! (`urne_kiosk::demo`); the kiosk is not a dependency of the command line, so the key's public
//! seed is written here too, and urne-tests checks that both say the same (`demo_package`).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use urne_codec::atomic;
use urne_core::crypto::SecretKey;
use urne_core::tally::Lang;

/// The demo event package (`demo/assemblee-demo.urnepkg`).
pub const PACKAGE: &[u8] = include_bytes!("../../../../demo/assemblee-demo.urnepkg");

/// The seed of the published, insecure organiser key that signed [`PACKAGE`] (the kiosk's
/// `demo::ORGANISER_SEED`).
pub const ORGANISER_SEED: &[u8; 32] = b"urne demo organiser key, public!";

/// The published, insecure organiser key that signed [`PACKAGE`].
pub fn organiser_key() -> SecretKey {
    SecretKey::from_seed(ORGANISER_SEED)
}

/// Writes the demo package and its key.
pub fn run(package: &Path, key: &Path, lang: Lang) -> Result<ExitCode> {
    atomic::write(package, PACKAGE, 0o644)?;
    atomic::write(key, organiser_key().to_pem().as_bytes(), 0o600)?;
    println!(
        "{} {}",
        match lang {
            Lang::Fr => "Paquet de démonstration écrit :",
            Lang::En => "Demo package written:",
        },
        package.display()
    );
    Ok(ExitCode::SUCCESS)
}
