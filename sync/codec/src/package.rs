//! Event packages: built by the organiser from an event description and a roster CSV, signed,
//! written as a `.urnepkg` tar file, and read back (verified) by the kiosk.

use urne_core::crypto::{Fingerprint, SecretKey};
use urne_core::event::Event;
use urne_core::package::{EventPackage, PackageError, VerifiedPackage};
use urne_core::rand_core::{CryptoRng, Rng};
use urne_core::tally::Lang;
use urne_core::timestamp::Timestamp;

use crate::event_toml::{self, EventFileError};
use crate::roster_csv::{self, RosterFileError, RosterImport};
use crate::tarball::{self, TarError};

/// Why a package could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The event description is invalid.
    #[error(transparent)]
    Event(#[from] EventFileError),
    /// The roster file cannot be read at all.
    #[error("{}", .0.message(Lang::En))]
    RosterFile(RosterFileError),
    /// Some roster lines were rejected and the organiser did not ask to skip them.
    #[error("{} roster line(s) rejected; nothing was imported", .0.errors.len())]
    RosterLines(Box<RosterImport>),
    /// The roster is empty.
    #[error("the roster has no members")]
    EmptyRoster,
    /// The package content does not validate.
    #[error(transparent)]
    Package(#[from] PackageError),
}

/// A freshly built package.
#[derive(Debug, Clone)]
pub struct Built {
    /// The content.
    pub package: EventPackage,
    /// The `.urnepkg` file.
    pub bytes: Vec<u8>,
    /// What the roster import found (accepted and skipped lines).
    pub import: RosterImport,
}

/// Builds and signs a package. With `skip_bad_lines` false, one bad roster line and nothing is
/// built.
pub fn build<R: Rng + CryptoRng + ?Sized>(
    event_toml: &str,
    roster_csv: &[u8],
    key: &SecretKey,
    rng: &mut R,
    created: Timestamp,
    skip_bad_lines: bool,
) -> Result<Built, BuildError> {
    let event: Event = event_toml::parse(event_toml, rng)?;
    let import = roster_csv::read(roster_csv).map_err(BuildError::RosterFile)?;
    if !import.errors.is_empty() && !skip_bad_lines {
        return Err(BuildError::RosterLines(Box::new(import)));
    }
    if import.rows.is_empty() {
        return Err(BuildError::EmptyRoster);
    }
    let roster = import.into_roster(rng);
    let package = EventPackage { event, roster };
    let files = package.seal(key, created)?;
    let mtime = u64::try_from(created.0).unwrap_or(0);
    Ok(Built {
        package,
        bytes: tarball::write(&files, mtime),
        import,
    })
}

/// Why a package file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not a tar file, or a hostile one.
    #[error(transparent)]
    Tar(#[from] TarError),
    /// Signature, hashes or content do not hold.
    #[error(transparent)]
    Package(#[from] PackageError),
}

/// Reads and verifies a `.urnepkg` file, optionally against a pinned organiser key.
pub fn read(bytes: &[u8], pinned: Option<&Fingerprint>) -> Result<VerifiedPackage, ReadError> {
    let files = tarball::read(bytes)?;
    Ok(EventPackage::open(&files, pinned)?)
}
