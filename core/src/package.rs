//! The event package: what an organiser prepares on a laptop and the kiosk loads — the event
//! with its polls, and the roster — as a signed archive (`urne-package/1`).
//!
//! The roster in a package carries names, collectives and weights but no e-mail addresses: the
//! kiosk has no use for them, and a lost SD card should leak as little as possible.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::archive::{self, ArchiveError, ArchiveFormat, ManifestHeader, Opened};
use crate::crypto::{Fingerprint, PublicKey, SecretKey};
use crate::event::{Event, EventError, Roster};
use crate::sealed::TallyInfo;
use crate::sealed::TallyInfoError;
use crate::timestamp::Timestamp;

/// Manifest `type` of an event package.
pub const KIND_PACKAGE: &str = "event-package";

/// The content of an event package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventPackage {
    /// The event and its polls.
    pub event: Event,
    /// The members.
    pub roster: Roster,
    /// The event's tally key (`tally.json`): the public key the kiosk seals every ballot to, and
    /// how the bureau's shares open it. Every package carries one: a package made before the
    /// sealed box is refused ([`PackageError::Unsealed`]), since its ballots would sit in clear
    /// on the kiosk's card.
    pub tally: TallyInfo,
}

/// Why a package was refused. Nothing is loaded from a refused package.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackageError {
    /// The signature, hashes or layout do not hold.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// A file is missing or unreadable.
    #[error("{file} is not readable: {reason}")]
    Unreadable {
        /// The file.
        file: String,
        /// Why.
        reason: String,
    },
    /// The event or roster is invalid.
    #[error(transparent)]
    Invalid(#[from] EventError),
    /// The manifest and the event disagree.
    #[error("the manifest and event.json name different events")]
    EventMismatch,
    /// The tally key's description does not hold.
    #[error("tally.json: {0}")]
    Tally(#[from] TallyInfoError),
    /// The package carries no tally key: it was made before the sealed ballot box.
    #[error(
        "this package carries no tally key (tally.json): it was made before the sealed ballot \
         box; build it again with urne package"
    )]
    Unsealed,
}

/// A package that verified: its content and who signed it.
#[derive(Debug, Clone)]
pub struct VerifiedPackage {
    /// The content.
    pub package: EventPackage,
    /// The organiser key that signed it.
    pub organiser: PublicKey,
    /// When it was built.
    pub created: Timestamp,
}

impl VerifiedPackage {
    /// The organiser key's fingerprint.
    pub fn organiser_fingerprint(&self) -> Fingerprint {
        self.organiser.fingerprint()
    }
}

fn pretty<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(value).expect("plain data always serialises");
    out.push(b'\n');
    out
}

impl EventPackage {
    /// Validates and signs the package; returns the archive's files in order.
    pub fn seal(
        &self,
        key: &SecretKey,
        created: Timestamp,
    ) -> Result<Vec<(String, Vec<u8>)>, PackageError> {
        self.event.validate()?;
        self.roster.validate()?;
        let mut data = BTreeMap::new();
        data.insert("event.json".to_owned(), pretty(&self.event));
        data.insert("roster.json".to_owned(), pretty(&self.roster));
        self.tally.validate()?;
        data.insert("tally.json".to_owned(), pretty(&self.tally));
        let header = ManifestHeader {
            format: ArchiveFormat::Package,
            kind: KIND_PACKAGE.into(),
            event: self.event.id.clone(),
            seq: 1,
            created,
        };
        Ok(archive::seal(&header, &data, key)?)
    }

    /// Verifies the signature (optionally against a pinned organiser key) and reads the content.
    pub fn open(
        files: &[(String, Vec<u8>)],
        pinned: Option<&Fingerprint>,
    ) -> Result<VerifiedPackage, PackageError> {
        let opened: Opened = archive::open(ArchiveFormat::Package, files, pinned)?;
        let read = |name: &str| -> Result<&Vec<u8>, PackageError> {
            opened
                .files
                .get(name)
                .ok_or_else(|| PackageError::Unreadable {
                    file: name.into(),
                    reason: "missing".into(),
                })
        };
        let event: Event =
            serde_json::from_slice(read("event.json")?).map_err(|e| PackageError::Unreadable {
                file: "event.json".into(),
                reason: e.to_string(),
            })?;
        let roster: Roster =
            serde_json::from_slice(read("roster.json")?).map_err(|e| PackageError::Unreadable {
                file: "roster.json".into(),
                reason: e.to_string(),
            })?;
        let tally: TallyInfo = serde_json::from_slice(
            opened
                .files
                .get("tally.json")
                .ok_or(PackageError::Unsealed)?,
        )
        .map_err(|e| PackageError::Unreadable {
            file: "tally.json".into(),
            reason: e.to_string(),
        })?;
        event.validate()?;
        roster.validate()?;
        tally.validate()?;
        if event.id != opened.manifest.event {
            return Err(PackageError::EventMismatch);
        }
        if opened.files.len() != 3 {
            return Err(PackageError::Archive(ArchiveError::Unlisted(
                "an unexpected file".into(),
            )));
        }
        Ok(VerifiedPackage {
            package: EventPackage {
                event,
                roster,
                tally,
            },
            organiser: opened.signer,
            created: opened.manifest.created,
        })
    }
}
