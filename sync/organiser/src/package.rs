//! An event package built from the organiser's own files: the event description (TOML) and the
//! roster exported from a spreadsheet (CSV), parsed, then signed and written by urne-codec.

use urne_codec::package::Signed;
use urne_core::crypto::SecretKey;
use urne_core::event::Event;
use urne_core::package::{EventPackage, PackageError};
use urne_core::rand_core::{CryptoRng, Rng};
use urne_core::tally::Lang;
use urne_core::timestamp::Timestamp;

use crate::event_toml::{self, EventFileError};
use crate::roster_csv::{self, RosterFileError, RosterImport};

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
    let Signed { package, bytes } = urne_codec::package::write(
        EventPackage {
            event,
            roster,
            tally: None,
        },
        key,
        created,
    )?;
    Ok(Built {
        package,
        bytes,
        import,
    })
}
