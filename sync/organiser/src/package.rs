//! An event package built from the organiser's own files: the event description (TOML) and the
//! roster exported from a spreadsheet (CSV), parsed, then signed and written by urne-codec —
//! with the event's tally key: a fresh key pair whose public half goes into the package and
//! whose private half is split into the bureau's shares, and kept only when the organiser asks
//! (sealed under a passphrase: [`crate::kept_key`]).

use urne_codec::package::Signed;
use urne_core::crypto::SecretKey;
use urne_core::event::Event;
use urne_core::package::{EventPackage, PackageError};
use urne_core::rand_core::{CryptoRng, Rng};
use urne_core::sealed::{Share, ShareError, TallyInfo};
use urne_core::tally::Lang;
use urne_core::timestamp::Timestamp;

use crate::event_toml::{self, EventFileError};
use crate::kept_key::TallyMaterial;
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
    /// The tally key cannot be split as asked.
    #[error(transparent)]
    Shares(#[from] ShareError),
}

/// How the package's ballot box is sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sealing {
    /// A fresh tally key, split into `shares` parts of which `threshold` open the box.
    Bureau {
        /// Parts needed (k).
        threshold: u8,
        /// Parts made (n).
        shares: u8,
    },
    /// The published test key (the demo): nothing sealed to it is secret.
    TestKey,
}

impl Default for Sealing {
    /// Two parts of three: the président·e, the secrétaire and an assesseur·e, any two of whom
    /// can count.
    fn default() -> Self {
        Sealing::Bureau {
            threshold: 2,
            shares: 3,
        }
    }
}

/// A freshly built package.
#[derive(Debug)]
pub struct Built {
    /// The content.
    pub package: EventPackage,
    /// The `.urnepkg` file.
    pub bytes: Vec<u8>,
    /// What the roster import found (accepted and skipped lines).
    pub import: RosterImport,
    /// The bureau's shares of the tally key, by number (none for the test key): to print and
    /// hand out, then forget.
    pub shares: Vec<Share>,
    /// The tally key and its shares' seed (none for the test key): sealed under a passphrase
    /// when the organiser asked to keep it, else dropped — and so wiped — with `Built`.
    pub material: Option<TallyMaterial>,
}

/// The tally key of a new package, drawn from `rng`, and its shares.
type TallyKey = (TallyInfo, Vec<Share>, Option<TallyMaterial>);

fn tally_key<R: Rng + CryptoRng + ?Sized>(
    sealing: Sealing,
    rng: &mut R,
) -> Result<TallyKey, ShareError> {
    match sealing {
        Sealing::TestKey => Ok((TallyInfo::test(), Vec::new(), None)),
        Sealing::Bureau { threshold, shares } => {
            let material = TallyMaterial::draw(rng);
            let (shares, info) = material.split(threshold, shares)?;
            Ok((info, shares, Some(material)))
        }
    }
}

/// Builds and signs a package, sealed as `sealing` says. With `skip_bad_lines` false, one bad
/// roster line and nothing is built.
pub fn build<R: Rng + CryptoRng + ?Sized>(
    event_toml: &str,
    roster_csv: &[u8],
    key: &SecretKey,
    rng: &mut R,
    created: Timestamp,
    skip_bad_lines: bool,
    sealing: Sealing,
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
    let (tally, shares, material) = tally_key(sealing, rng)?;
    let Signed { package, bytes } = urne_codec::package::write(
        EventPackage {
            event,
            roster,
            tally,
        },
        key,
        created,
    )?;
    Ok(Built {
        package,
        bytes,
        import,
        shares,
        material,
    })
}
