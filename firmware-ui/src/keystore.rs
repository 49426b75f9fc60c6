//! The device key store: the kiosk's Ed25519 key, generated at first start from the operating
//! system's random source, kept in the data folder with mode 0600 and never exported.

use std::path::{Path, PathBuf};

use urne_core::crypto::SecretKey;

/// Why the device key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
    /// The key file exists but is not a key.
    #[error("the device key file {0} is damaged")]
    Damaged(PathBuf),
    /// The key file could not be read or written.
    #[error("the device key could not be stored: {0}")]
    Io(String),
}

/// Where the device key lives.
pub trait KeyStore {
    /// The key, generating and storing it on first use. The flag is true when it was just made.
    fn load_or_create(&self) -> Result<(SecretKey, bool), KeyStoreError>;
}

/// The key in a file of the data folder.
#[derive(Debug, Clone)]
pub struct FileKeyStore {
    path: PathBuf,
}

impl FileKeyStore {
    /// The key at `<data>/device.key`.
    pub fn in_folder(data: &Path) -> Self {
        Self {
            path: data.join("device.key"),
        }
    }

    /// The key file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl KeyStore for FileKeyStore {
    fn load_or_create(&self) -> Result<(SecretKey, bool), KeyStoreError> {
        match std::fs::read_to_string(&self.path) {
            Ok(pem) => SecretKey::from_pem(&pem)
                .map(|k| (k, false))
                .map_err(|_| KeyStoreError::Damaged(self.path.clone())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = SecretKey::generate(&mut urne_codec::os::os_rng());
                urne_codec::atomic::write(&self.path, key.to_pem().as_bytes(), 0o600)
                    .map_err(|e| KeyStoreError::Io(e.to_string()))?;
                Ok((key, true))
            }
            Err(e) => Err(KeyStoreError::Io(e.to_string())),
        }
    }
}

/// A key held in memory (tests): generated once, from a fixed seed.
#[derive(Debug, Clone)]
pub struct MemoryKeyStore {
    seed: [u8; 32],
    created: std::cell::Cell<bool>,
}

impl MemoryKeyStore {
    /// A store whose key derives from `seed`.
    pub fn new(seed: [u8; 32]) -> Self {
        Self {
            seed,
            created: std::cell::Cell::new(false),
        }
    }
}

impl KeyStore for MemoryKeyStore {
    fn load_or_create(&self) -> Result<(SecretKey, bool), KeyStoreError> {
        let first = !self.created.replace(true);
        Ok((SecretKey::from_seed(&self.seed), first))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The contract: the first call creates, later calls return the same key.
    fn contract(store: &dyn KeyStore) {
        let (a, created) = store.load_or_create().unwrap();
        assert!(created);
        let (b, created_again) = store.load_or_create().unwrap();
        assert!(!created_again);
        assert_eq!(a.public(), b.public());
    }

    #[test]
    fn file_and_memory_key_stores_keep_the_contract() {
        let dir = tempfile::tempdir().unwrap();
        contract(&FileKeyStore::in_folder(dir.path()));
        contract(&MemoryKeyStore::new([4; 32]));
    }

    #[cfg(unix)]
    #[test]
    fn the_key_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = FileKeyStore::in_folder(dir.path());
        store.load_or_create().unwrap();
        let mode = std::fs::metadata(store.path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_damaged_key_is_reported_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileKeyStore::in_folder(dir.path());
        std::fs::write(store.path(), "garbage").unwrap();
        assert!(matches!(
            store.load_or_create(),
            Err(KeyStoreError::Damaged(_))
        ));
        assert_eq!(std::fs::read_to_string(store.path()).unwrap(), "garbage");
    }
}
