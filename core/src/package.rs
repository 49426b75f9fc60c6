//! The event package: what an organiser prepares on a laptop and the kiosk loads — the event
//! with its polls, and the roster — as a signed archive (`urne-package/1`).
//!
//! The roster in a package carries names, collectives and weights but no e-mail addresses: the
//! kiosk has no use for them, and a lost SD card should leak as little as possible.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::archive::{self, ArchiveError, ArchiveFormat, Manifest, ManifestHeader, Opened};
use crate::crypto::{Fingerprint, PublicKey, SecretKey, Sha256Digest};
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
    /// The manifest is not an event package's.
    #[error("the manifest is of type « {0} », not an event package")]
    NotAPackage(String),
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
    /// What a results bundle carries of it.
    pub proof: PackageProof,
}

impl VerifiedPackage {
    /// The organiser key's fingerprint.
    pub fn organiser_fingerprint(&self) -> Fingerprint {
        self.organiser.fingerprint()
    }
}

/// The organiser-signed part of an event package that a results bundle carries, so that anyone
/// holding the bundle can check that the event it counts is the organiser's: the package's
/// manifest, its signature, the organiser's key and `event.json`, byte for byte. Never the
/// roster (it names the members who did not come) nor `tally.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageProof {
    /// The package's `manifest.json`, the exact bytes the organiser signed.
    pub manifest: Vec<u8>,
    /// The package's `manifest.sig`.
    pub signature: Vec<u8>,
    /// The package's `organiser.pem`.
    pub organiser: Vec<u8>,
    /// The package's `event.json`.
    pub event: Vec<u8>,
}

/// A package proof that holds: the organiser's event, who signed it, and the manifest's digest.
#[derive(Debug, Clone)]
pub struct ProvenEvent {
    /// The event as the organiser signed it.
    pub event: Event,
    /// The organiser key.
    pub organiser: PublicKey,
    /// The package's manifest.
    pub manifest: Manifest,
    /// SHA-256 of the manifest's bytes: what the kiosk's `package-loaded` entry names, and what
    /// a registry compares with the package it published.
    pub digest: Sha256Digest,
}

impl PackageProof {
    /// The folder of a results bundle that holds the proof.
    pub const DIR: &'static str = "package";
    const NAMES: [&'static str; 4] = [
        "manifest.json",
        "manifest.sig",
        "organiser.pem",
        "event.json",
    ];

    /// The names of the proof's files in a results bundle (`package/…`).
    pub fn file_names() -> [String; 4] {
        Self::NAMES.map(|n| format!("{}/{n}", Self::DIR))
    }

    /// The proof's files as they sit in a results bundle.
    pub fn files(&self) -> [(String, &[u8]); 4] {
        let [m, s, o, e] = Self::file_names();
        [
            (m, &self.manifest),
            (s, &self.signature),
            (o, &self.organiser),
            (e, &self.event),
        ]
    }

    /// Reads the proof back from a bundle's files; the error names the first file missing.
    pub fn from_files(files: &BTreeMap<String, Vec<u8>>) -> Result<Self, String> {
        let [m, s, o, e] = Self::file_names();
        let get = |name: String| files.get(&name).cloned().ok_or(name);
        Ok(Self {
            manifest: get(m)?,
            signature: get(s)?,
            organiser: get(o)?,
            event: get(e)?,
        })
    }

    /// SHA-256 of the manifest's bytes.
    pub fn digest(&self) -> Sha256Digest {
        Sha256Digest::of(&self.manifest)
    }

    /// Checks the proof as the package itself would be checked, for the one file it carries:
    /// the signature of the manifest by the key, an event package's manifest, `event.json`'s
    /// size and SHA-256 as the manifest lists them, and a valid event of the manifest's id.
    pub fn verify(&self) -> Result<ProvenEvent, PackageError> {
        let (manifest, organiser) = archive::open_manifest(
            ArchiveFormat::Package,
            &self.manifest,
            &self.signature,
            Some(&self.organiser),
            None,
        )?;
        if manifest.kind != KIND_PACKAGE {
            return Err(PackageError::NotAPackage(manifest.kind));
        }
        let listed = manifest
            .files
            .iter()
            .find(|f| f.name == "event.json")
            .ok_or_else(|| ArchiveError::Missing("event.json".into()))?;
        if u64::try_from(self.event.len()).ok() != Some(listed.size)
            || Sha256Digest::of(&self.event) != listed.sha256
        {
            return Err(ArchiveError::HashMismatch("event.json".into()).into());
        }
        let event: Event =
            serde_json::from_slice(&self.event).map_err(|e| PackageError::Unreadable {
                file: "event.json".into(),
                reason: e.to_string(),
            })?;
        event.validate()?;
        if event.id != manifest.event {
            return Err(PackageError::EventMismatch);
        }
        Ok(ProvenEvent {
            event,
            organiser,
            manifest,
            digest: self.digest(),
        })
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
        if opened.manifest.kind != KIND_PACKAGE {
            return Err(PackageError::NotAPackage(opened.manifest.kind));
        }
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
        let proof = PackageProof {
            event: read("event.json")?.clone(),
            signature: file_of(files, archive::SIGNATURE)?,
            organiser: file_of(files, ArchiveFormat::Package.key_file())?,
            manifest: opened.manifest_bytes,
        };
        Ok(VerifiedPackage {
            package: EventPackage {
                event,
                roster,
                tally,
            },
            organiser: opened.signer,
            created: opened.manifest.created,
            proof,
        })
    }
}

/// A file of a package that verified (so it is there), byte for byte.
fn file_of(files: &[(String, Vec<u8>)], wanted: &str) -> Result<Vec<u8>, PackageError> {
    files
        .iter()
        .find(|(name, _)| name == wanted)
        .map(|(_, bytes)| bytes.clone())
        .ok_or_else(|| ArchiveError::Missing(wanted.into()).into())
}
