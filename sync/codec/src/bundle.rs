//! Results bundles as files: sealing a kiosk's results into `<event>-<device>-<seq>.urne` and
//! opening one again. The content model and its checks are urne-core's (`results`, `archive`);
//! the papers drawn from a bundle (procès-verbal, attendance sheet) are urne-papers'.

use urne_core::archive::{self, ArchiveError, ArchiveFormat, ManifestHeader, Opened};
use urne_core::crypto::{Fingerprint, SecretKey, Sha256Digest};
use urne_core::results::{KIND_RESULTS, KIND_TEST, ResultsContent};
use urne_core::timestamp::Timestamp;

use crate::tarball::{self, TarError};

/// A sealed bundle.
#[derive(Debug, Clone)]
pub struct SealedBundle {
    /// `<event>-<device>-<seq>.urne`, with the first 8 hex digits of the device fingerprint.
    pub file_name: String,
    /// The tar file.
    pub bytes: Vec<u8>,
    /// SHA-256 of the tar file (what the procès-verbal and the registry quote).
    pub digest: Sha256Digest,
}

/// The arguments with which OpenSSL alone checks a bundle's signature, run in a folder holding
/// its unpacked files: `openssl pkeyutl -verify -pubin -inkey device.pem -rawin -in
/// manifest.json -sigfile manifest.sig` answers « Signature Verified Successfully ». The one
/// spelling of the command that the registry's pages print and the tests and benchmarks run.
pub const OPENSSL_VERIFY_ARGS: [&str; 10] = [
    "pkeyutl",
    "-verify",
    "-pubin",
    "-inkey",
    "device.pem",
    "-rawin",
    "-in",
    "manifest.json",
    "-sigfile",
    "manifest.sig",
];

/// The file name of a bundle.
pub fn file_name(event: &str, device: &Fingerprint, seq: u64) -> String {
    format!("{event}-{}-{seq:04}.urne", &device.to_hex()[..8])
}

/// Signs the results with the device key.
pub fn seal(
    content: &ResultsContent,
    key: &SecretKey,
    seq: u64,
    created: Timestamp,
    test: bool,
) -> Result<SealedBundle, ArchiveError> {
    let header = ManifestHeader {
        format: ArchiveFormat::Bundle,
        kind: if test { KIND_TEST } else { KIND_RESULTS }.into(),
        event: content.event.id.clone(),
        seq,
        created,
    };
    let files = archive::seal(&header, &content.to_files(), key)?;
    let bytes = tarball::write(&files, u64::try_from(created.0).unwrap_or(0));
    Ok(SealedBundle {
        file_name: file_name(content.event.id.as_str(), &key.public().fingerprint(), seq),
        digest: Sha256Digest::of(&bytes),
        bytes,
    })
}

/// Why a bundle could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// Not a tar file, or a hostile one.
    #[error(transparent)]
    Tar(#[from] TarError),
    /// Signature, hashes or layout.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// A tar that reads, but not as the kiosk writes it (`./` names, directory entries, other
    /// headers, bytes after the end): one content must have one SHA-256.
    #[error(
        "the archive is not in the canonical form the kiosk writes (names, headers or trailing bytes differ)"
    )]
    NotCanonical,
}

/// Opens a bundle: tar (in its canonical form only), then signature and hashes.
pub fn open(bytes: &[u8], expected_device: Option<&Fingerprint>) -> Result<Opened, OpenError> {
    let files = tarball::read(bytes)?;
    if !tarball::is_canonical(bytes, &files) {
        return Err(OpenError::NotCanonical);
    }
    Ok(archive::open(
        ArchiveFormat::Bundle,
        &files,
        expected_device,
    )?)
}
