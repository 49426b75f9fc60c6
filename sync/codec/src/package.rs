//! Event package files: an already-built [`EventPackage`] signed and written as a `.urnepkg` tar
//! file, and a `.urnepkg` file read back and verified (by the kiosk, the registry, `urne`).
//! Building the package from the organiser's TOML and CSV files is urne-organiser's.

use urne_core::crypto::{Fingerprint, SecretKey};
use urne_core::package::{EventPackage, PackageError, VerifiedPackage};
use urne_core::timestamp::Timestamp;

use crate::tarball::{self, TarError};

/// A package with its signed `.urnepkg` file.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The content.
    pub package: EventPackage,
    /// The `.urnepkg` file.
    pub bytes: Vec<u8>,
}

/// Signs `package` with the organiser key and writes it as a `.urnepkg` file, every entry dated
/// `created` (the same package, key and time always give the same bytes).
pub fn write(
    package: EventPackage,
    key: &SecretKey,
    created: Timestamp,
) -> Result<Signed, PackageError> {
    let files = package.seal(key, created)?;
    let mtime = u64::try_from(created.0).unwrap_or(0);
    Ok(Signed {
        package,
        bytes: tarball::write(&files, mtime),
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
