//! `urne publish PACKAGE --registry URL`: an event package published at the registry, for the
//! enrolled kiosks to fetch.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use urne_codec::package;
use urne_core::tally::Lang;
use urne_sync::uploader::Uploader;

/// Checks the package here, then sends it and prints the digest the registry reports.
pub fn run(package: &Path, registry: &str, lang: Lang) -> Result<ExitCode> {
    let bytes = super::read(package)?;
    // Check it here first: a clear message beats a refusal from the far end.
    let verified = package::read(&bytes, None)
        .with_context(|| format!("{} is not a valid package", package.display()))?;
    let uploader = Uploader::new(registry)?;
    let digest = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(uploader.publish(bytes))?;
    println!(
        "{} {} ({digest})",
        match lang {
            Lang::Fr => "Paquet publié pour l'événement",
            Lang::En => "Package published for event",
        },
        verified.package.event.id
    );
    Ok(ExitCode::SUCCESS)
}
