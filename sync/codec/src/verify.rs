//! `urne verify`'s checks: a results bundle verified end to end into a [`Report`], the model that
//! the command line's text and JSON reports and the papers are drawn from.
//!
//! Order of checks, stopping at the first failure: tar container, manifest format, device key
//! (and the pinned fingerprint if given), Ed25519 signature of the manifest, every file's SHA-256,
//! the audit chain, the export it ends with, the organiser's package the bundle carries (and,
//! with `--package`, its roster), the attendance sheet against the audit chain, every ballot's validity, and
//! the re-count of every closed poll (quorum and majority arithmetic included) compared byte for
//! byte with the stated result.

use urne_core::crypto::{Fingerprint, Sha256Digest};
use urne_core::package::{PackageProof, VerifiedPackage};
use urne_core::results::{self, ResultsError, Verified};
use urne_core::tally::PollResult;
use urne_core::timestamp::Timestamp;

use crate::bundle::{self, OpenError};

/// A bundle that passed every check.
#[derive(Debug, Clone)]
pub struct Report {
    /// SHA-256 of the bundle file.
    pub digest: Sha256Digest,
    /// The signing device.
    pub device: Fingerprint,
    /// Export sequence number.
    pub seq: u64,
    /// When it was exported.
    pub created: Timestamp,
    /// Number of files covered by the manifest.
    pub files: usize,
    /// The verified content.
    pub content: Verified,
    /// The size of the organiser's roster the bundle was also checked against
    /// (`urne verify --package`), if it was.
    pub roster: Option<usize>,
}

/// Why a bundle failed.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// Container, signature or hashes.
    #[error(transparent)]
    Open(#[from] OpenError),
    /// Content: audit chain, ballots, re-count.
    #[error(transparent)]
    Content(#[from] ResultsError),
    /// The package given to check the bundle against is not the one its kiosk ran.
    #[error("the package given is not the one the kiosk ran (its signed manifest differs)")]
    OtherPackage,
}

/// Verifies a bundle file's bytes.
pub fn verify(bytes: &[u8], expected_device: Option<&Fingerprint>) -> Result<Report, VerifyError> {
    verify_with_package(bytes, expected_device, None)
}

/// Verifies a bundle file's bytes and, when given the package its kiosk ran (verified), bounds
/// it by the organiser's roster too ([`urne_core::results::bounds`]).
pub fn verify_with_package(
    bytes: &[u8],
    expected_device: Option<&Fingerprint>,
    package: Option<&VerifiedPackage>,
) -> Result<Report, VerifyError> {
    let opened = bundle::open(bytes, expected_device)?;
    if let Some(package) = package
        // A bundle without its package proof is refused below, with the file it lacks.
        && let Ok(carried) = PackageProof::from_files(&opened.files)
        && carried.digest() != package.proof.digest()
    {
        return Err(VerifyError::OtherPackage);
    }
    let roster = package.map(|p| &p.package.roster);
    let content = results::verify_with_roster(&opened, roster)?;
    Ok(Report {
        digest: Sha256Digest::of(bytes),
        device: opened.manifest.signer,
        seq: opened.manifest.seq,
        created: opened.manifest.created,
        files: opened.manifest.files.len(),
        content,
        roster: roster.map(|r| r.members.len()),
    })
}

impl Report {
    /// The re-counted result of a poll, if it was closed.
    pub fn result(&self, poll: &str) -> Option<&PollResult> {
        self.content
            .results
            .iter()
            .find(|(id, _)| id.as_str() == poll)
            .map(|(_, r)| &r.result)
    }
}
