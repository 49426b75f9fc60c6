//! Signed archives: a set of named files, a `manifest.json` listing each with its SHA-256, the
//! raw Ed25519 signature of the manifest's exact bytes in `manifest.sig`, and the signer's public
//! key as SubjectPublicKeyInfo PEM.
//!
//! Results bundles (`urne-bundle/1`, signed by a kiosk's device key, key in `device.pem`) and
//! event packages (`urne-package/1`, signed by an organiser, key in `organiser.pem`) are both
//! signed archives; the manifest's `format` field keeps one from ever being taken for the
//! other. This module works on files in memory; the tar container around them lives in
//! urne-sync.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::crypto::{Fingerprint, KeyError, PublicKey, SecretKey, Sha256Digest};
use crate::ids::EventId;
use crate::timestamp::Timestamp;

/// The manifest's file name.
pub const MANIFEST: &str = "manifest.json";
/// The signature's file name.
pub const SIGNATURE: &str = "manifest.sig";
/// The format tag of a results bundle.
pub const BUNDLE_FORMAT: &str = "urne-bundle/1";
/// The format tag of an event package.
pub const PACKAGE_FORMAT: &str = "urne-package/1";

/// What kind of signed archive, with its format tag and key file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveFormat {
    /// A results bundle signed by a kiosk.
    Bundle,
    /// An event package signed by an organiser.
    Package,
}

impl ArchiveFormat {
    /// The `format` field of the manifest.
    pub fn tag(self) -> &'static str {
        match self {
            ArchiveFormat::Bundle => BUNDLE_FORMAT,
            ArchiveFormat::Package => PACKAGE_FORMAT,
        }
    }

    /// The file holding the signer's public key.
    pub fn key_file(self) -> &'static str {
        match self {
            ArchiveFormat::Bundle => "device.pem",
            ArchiveFormat::Package => "organiser.pem",
        }
    }
}

/// One file listed in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Path inside the archive (`/`-separated, relative).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the content.
    pub sha256: Sha256Digest,
}

/// The manifest: what the signature covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// `urne-bundle/1` or `urne-package/1` (domain separation).
    pub format: String,
    /// For bundles: `results`, or `test-results` for a test-deck run (essai à blanc) that is
    /// never a real result. For packages: `event-package`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The event.
    pub event: EventId,
    /// Fingerprint of the signing key (the device for bundles, the organiser for packages).
    pub signer: Fingerprint,
    /// Sequence number: a later export of the same device and event supersedes an earlier one.
    pub seq: u64,
    /// When it was made, by the signer's clock.
    pub created: Timestamp,
    /// Every other file of the archive except the signature.
    pub files: Vec<FileEntry>,
}

/// The fields of a manifest chosen by the caller; file entries are computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestHeader {
    /// Bundle or package.
    pub format: ArchiveFormat,
    /// See [`Manifest::kind`].
    pub kind: String,
    /// The event.
    pub event: EventId,
    /// See [`Manifest::seq`].
    pub seq: u64,
    /// See [`Manifest::created`].
    pub created: Timestamp,
}

/// Why an archive was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    /// A required file is missing.
    #[error("the archive has no {0}")]
    Missing(String),
    /// The manifest is not the expected JSON.
    #[error("manifest.json is not readable: {0}")]
    BadManifest(String),
    /// The manifest is of another format (a package given as a bundle, or the reverse).
    #[error("this is a « {found} » archive, not « {expected} »")]
    WrongFormat {
        /// The expected tag.
        expected: &'static str,
        /// The tag found.
        found: String,
    },
    /// The manifest parses, but its bytes are not the ones Urne writes for it (other spacing,
    /// key order or escapes): what is signed must be one text only.
    #[error("manifest.json is not in its canonical form")]
    NonCanonicalManifest,
    /// The key file is not a valid public key.
    #[error("the signer's key file is not valid: {0}")]
    BadKey(KeyError),
    /// The manifest names another key than the one in the archive.
    #[error("the manifest names signer {named}, but the key in the archive is {found}")]
    SignerMismatch {
        /// In the manifest.
        named: Fingerprint,
        /// Of the key file.
        found: Fingerprint,
    },
    /// The signature does not verify.
    #[error("the signature of manifest.json is not valid")]
    BadSignature,
    /// A listed file's content does not match its hash or size.
    #[error("{0} has been altered (its SHA-256 does not match the manifest)")]
    HashMismatch(String),
    /// A file present in the archive but not listed in the manifest.
    #[error("{0} is in the archive but not in the manifest")]
    Unlisted(String),
    /// A file listed twice, or an unsafe name.
    #[error("the file name « {0} » is not allowed")]
    BadName(String),
    /// The key is not the one expected.
    #[error("signed by {found}, but {expected} was expected")]
    UnexpectedSigner {
        /// The pinned key.
        expected: Fingerprint,
        /// The key that signed.
        found: Fingerprint,
    },
}

/// A verified archive: its manifest, its signer and its data files (manifest, signature and key
/// file removed).
#[derive(Debug, Clone)]
pub struct Opened {
    /// The parsed manifest.
    pub manifest: Manifest,
    /// The exact manifest bytes (what was signed).
    pub manifest_bytes: Vec<u8>,
    /// The signer's key.
    pub signer: PublicKey,
    /// Data files by name.
    pub files: BTreeMap<String, Vec<u8>>,
}

/// Whether a file name is a safe relative path (no `..`, no absolute path, no empty part).
pub fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('/')
        && name.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        })
}

/// Builds the full file set of a signed archive from its data files: the manifest first, then
/// the signature, the key file and the data files in name order.
pub fn seal(
    header: &ManifestHeader,
    data: &BTreeMap<String, Vec<u8>>,
    key: &SecretKey,
) -> Result<Vec<(String, Vec<u8>)>, ArchiveError> {
    let key_file = header.format.key_file();
    let pem = key.public().to_pem().into_bytes();
    let mut listed: Vec<(String, &[u8])> = vec![(key_file.to_owned(), pem.as_slice())];
    for (name, content) in data {
        if !safe_name(name) || name == MANIFEST || name == SIGNATURE || name == key_file {
            return Err(ArchiveError::BadName(name.clone()));
        }
        listed.push((name.clone(), content));
    }
    let manifest = Manifest {
        format: header.format.tag().to_owned(),
        kind: header.kind.clone(),
        event: header.event.clone(),
        signer: key.public().fingerprint(),
        seq: header.seq,
        created: header.created,
        files: listed
            .iter()
            .map(|(name, content)| FileEntry {
                name: name.clone(),
                size: u64::try_from(content.len()).unwrap_or(u64::MAX),
                sha256: Sha256Digest::of(content),
            })
            .collect(),
    };
    let manifest_bytes = manifest_text(&manifest);
    let signature = key.sign(&manifest_bytes).to_vec();
    let mut out = vec![
        (MANIFEST.to_owned(), manifest_bytes),
        (SIGNATURE.to_owned(), signature),
    ];
    out.extend(
        listed
            .into_iter()
            .map(|(name, content)| (name, content.to_vec())),
    );
    Ok(out)
}

/// Verifies a signed archive: format tag, key, signature of the exact manifest bytes, then
/// every file's size and SHA-256, and that no file is missing or unlisted.
pub fn open(
    format: ArchiveFormat,
    files: &[(String, Vec<u8>)],
    expected_signer: Option<&Fingerprint>,
) -> Result<Opened, ArchiveError> {
    let mut by_name: BTreeMap<&str, &[u8]> = BTreeMap::new();
    for (name, content) in files {
        if !safe_name(name) || by_name.insert(name.as_str(), content).is_some() {
            return Err(ArchiveError::BadName(name.clone()));
        }
    }
    let manifest_bytes = *by_name
        .get(MANIFEST)
        .ok_or_else(|| ArchiveError::Missing(MANIFEST.into()))?;
    let signature = *by_name
        .get(SIGNATURE)
        .ok_or_else(|| ArchiveError::Missing(SIGNATURE.into()))?;
    let key_file = format.key_file();
    let pem = by_name.get(key_file).copied();
    let (manifest, signer) =
        open_manifest(format, manifest_bytes, signature, pem, expected_signer)?;
    let mut data = BTreeMap::new();
    let mut listed = std::collections::BTreeSet::new();
    for entry in &manifest.files {
        if !listed.insert(entry.name.as_str()) || entry.name == MANIFEST || entry.name == SIGNATURE
        {
            return Err(ArchiveError::BadName(entry.name.clone()));
        }
        let content = *by_name
            .get(entry.name.as_str())
            .ok_or_else(|| ArchiveError::Missing(entry.name.clone()))?;
        if u64::try_from(content.len()).ok() != Some(entry.size)
            || Sha256Digest::of(content) != entry.sha256
        {
            return Err(ArchiveError::HashMismatch(entry.name.clone()));
        }
        if entry.name != key_file {
            data.insert(entry.name.clone(), content.to_vec());
        }
    }
    if !listed.contains(key_file) {
        return Err(ArchiveError::Unlisted(key_file.into()));
    }
    if let Some(extra) = by_name
        .keys()
        .find(|name| **name != MANIFEST && **name != SIGNATURE && !listed.contains(*name))
    {
        return Err(ArchiveError::Unlisted((*extra).to_owned()));
    }
    Ok(Opened {
        manifest,
        manifest_bytes: manifest_bytes.to_vec(),
        signer,
        files: data,
    })
}

/// The one text of a manifest: pretty JSON in field order, and a newline.
fn manifest_text(manifest: &Manifest) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(manifest).expect("manifests always serialise");
    bytes.push(b'\n');
    bytes
}

/// Verifies a manifest on its own: its format tag, the key file (`pem`), the signer it names,
/// the pinned signer if any, and the signature of its exact bytes. The files it lists are the
/// caller's to check (a results bundle carries its package's manifest and only `event.json`).
/// A missing key file is reported after the format tag, so that a package given as a bundle
/// says so.
pub fn open_manifest(
    format: ArchiveFormat,
    manifest_bytes: &[u8],
    signature: &[u8],
    pem: Option<&[u8]>,
    expected_signer: Option<&Fingerprint>,
) -> Result<(Manifest, PublicKey), ArchiveError> {
    let manifest: Manifest = serde_json::from_slice(manifest_bytes)
        .map_err(|e| ArchiveError::BadManifest(e.to_string()))?;
    if manifest.format != format.tag() {
        return Err(ArchiveError::WrongFormat {
            expected: format.tag(),
            found: manifest.format,
        });
    }
    if manifest_text(&manifest) != manifest_bytes {
        return Err(ArchiveError::NonCanonicalManifest);
    }
    let pem = pem.ok_or_else(|| ArchiveError::Missing(format.key_file().into()))?;
    let signer = std::str::from_utf8(pem)
        .map_err(|_| KeyError::BadPublicKeyPem)
        .and_then(PublicKey::from_pem)
        .map_err(ArchiveError::BadKey)?;
    let found = signer.fingerprint();
    if manifest.signer != found {
        return Err(ArchiveError::SignerMismatch {
            named: manifest.signer,
            found,
        });
    }
    if let Some(expected) = expected_signer
        && *expected != found
    {
        return Err(ArchiveError::UnexpectedSigner {
            expected: *expected,
            found,
        });
    }
    signer
        .verify(manifest_bytes, signature)
        .map_err(|_| ArchiveError::BadSignature)?;
    Ok((manifest, signer))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (SecretKey, Vec<(String, Vec<u8>)>) {
        let key = SecretKey::from_seed(&[5; 32]);
        let mut data = BTreeMap::new();
        data.insert("event.json".to_owned(), b"{}".to_vec());
        data.insert("polls/charte/ballots.json".to_owned(), b"[]".to_vec());
        let header = ManifestHeader {
            format: ArchiveFormat::Bundle,
            kind: "results".into(),
            event: EventId::new("demo").unwrap(),
            seq: 1,
            created: Timestamp(0),
        };
        let files = seal(&header, &data, &key).unwrap();
        (key, files)
    }

    #[test]
    fn a_sealed_archive_opens() {
        let (key, files) = sample();
        assert_eq!(files[0].0, MANIFEST);
        let opened = open(ArchiveFormat::Bundle, &files, None).unwrap();
        assert_eq!(opened.signer, key.public());
        assert_eq!(opened.files.len(), 2);
        let fp = key.public().fingerprint();
        assert!(open(ArchiveFormat::Bundle, &files, Some(&fp)).is_ok());
    }

    #[test]
    fn every_single_byte_change_is_refused() {
        let (_, files) = sample();
        for i in 0..files.len() {
            for pos in 0..files[i].1.len() {
                let mut tampered = files.clone();
                tampered[i].1[pos] ^= 0x01;
                assert!(
                    open(ArchiveFormat::Bundle, &tampered, None).is_err(),
                    "flipping byte {pos} of {} went unnoticed",
                    files[i].0
                );
            }
        }
    }

    #[test]
    fn a_package_is_never_taken_for_a_bundle() {
        let (_, files) = sample();
        assert!(matches!(
            open(ArchiveFormat::Package, &files, None),
            Err(ArchiveError::WrongFormat { .. })
        ));
    }

    #[test]
    fn extra_and_unsafe_files_are_refused() {
        let (_, mut files) = sample();
        files.push(("extra.txt".into(), b"x".to_vec()));
        assert_eq!(
            open(ArchiveFormat::Bundle, &files, None).unwrap_err(),
            ArchiveError::Unlisted("extra.txt".into())
        );
        assert!(!safe_name("../etc/passwd"));
        assert!(!safe_name("/abs"));
        assert!(safe_name("polls/charte/result.json"));
    }
}
