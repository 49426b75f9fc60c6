//! Where exports go: a USB stick on the Pi, a folder on a desktop and in tests.
//!
//! Every file is written under a temporary name, fsynced, renamed, the folder fsynced, then read
//! back and compared, so that a stick pulled out mid-write never holds a partial file under the
//! final name and the screen says « vous pouvez retirer la clé » only when it is true.

use std::path::{Path, PathBuf};

use urne_codec::atomic::{self, WriteError};

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum UsbError {
    /// No stick (or folder) to write to.
    #[error("no USB stick found")]
    Absent,
    /// The stick is full.
    #[error("the USB stick is full")]
    Full,
    /// The stick is read-only (write-protect switch).
    #[error("the USB stick is read-only")]
    ReadOnly,
    /// A file larger than is reasonable, or with a name that is not a plain file name.
    #[error("the file « {0} » on the USB stick cannot be used")]
    Refused(String),
    /// What was read back differs from what was written.
    #[error("the USB stick did not keep the file intact ({0})")]
    Corrupted(String),
    /// Any other failure.
    #[error("could not write to the USB stick: {0}")]
    Other(String),
}

impl From<WriteError> for UsbError {
    fn from(e: WriteError) -> Self {
        match e {
            WriteError::Full(_) => UsbError::Full,
            WriteError::ReadOnly(_) => UsbError::ReadOnly,
            WriteError::NoFolder(_) => UsbError::Absent,
            WriteError::Other { .. } => UsbError::Other(e.to_string()),
        }
    }
}

/// A file system on a removable drive: what udisks2 mounts for an export, and what the stick
/// watch reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    /// udisks2's object path (or any stable id).
    pub id: String,
    /// The file system's label, for the screen.
    pub label: String,
}

/// A place exports are written to.
pub trait UsbTarget: Send {
    /// Writes one file durably and verifies it by reading it back. Returns where it went.
    fn write_file(&mut self, name: &str, content: &[u8]) -> Result<PathBuf, UsbError>;
    /// The names of the files at the top of the stick that end with `extension` (`.urnepkg`),
    /// sorted.
    fn list(&self, extension: &str) -> Result<Vec<String>, UsbError>;
    /// Reads one file, refusing anything larger than `limit` bytes.
    fn read(&self, name: &str, limit: u64) -> Result<Vec<u8>, UsbError>;
    /// A human description of where files go (shown on screen).
    fn describe(&self) -> String;
}

/// Whether a name is a plain file name (no folder, no `..`): what may be read from a stick.
pub(crate) fn plain_name(name: &str) -> bool {
    !name.is_empty() && !name.contains('/') && !name.contains('\\') && name != "." && name != ".."
}

/// A folder (`--usb-dir`): on a desktop, in tests and for the test deck.
#[derive(Debug, Clone)]
pub struct FolderTarget {
    dir: PathBuf,
}

impl FolderTarget {
    /// Files go to `dir`, which must exist.
    pub fn new(dir: &Path) -> Self {
        Self { dir: dir.into() }
    }
}

impl UsbTarget for FolderTarget {
    fn write_file(&mut self, name: &str, content: &[u8]) -> Result<PathBuf, UsbError> {
        if !self.dir.is_dir() {
            return Err(UsbError::Absent);
        }
        let path = self.dir.join(name);
        atomic::write(&path, content, 0o644)?;
        let back = std::fs::read(&path).map_err(|e| UsbError::Corrupted(e.to_string()))?;
        if back != content {
            return Err(UsbError::Corrupted(path.display().to_string()));
        }
        Ok(path)
    }

    fn list(&self, extension: &str) -> Result<Vec<String>, UsbError> {
        let entries = std::fs::read_dir(&self.dir).map_err(|_| UsbError::Absent)?;
        let mut names: Vec<String> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            // Dot files are the temporary files of an interrupted write, or the host's clutter.
            .filter(|n| n.ends_with(extension) && !n.starts_with('.'))
            .collect();
        names.sort();
        Ok(names)
    }

    fn read(&self, name: &str, limit: u64) -> Result<Vec<u8>, UsbError> {
        if !plain_name(name) {
            return Err(UsbError::Refused(name.into()));
        }
        let path = self.dir.join(name);
        let size = std::fs::metadata(&path)
            .map_err(|e| UsbError::Other(e.to_string()))?
            .len();
        if size > limit {
            return Err(UsbError::Refused(name.into()));
        }
        std::fs::read(&path).map_err(|e| UsbError::Other(e.to_string()))
    }

    fn describe(&self) -> String {
        self.dir.display().to_string()
    }
}

/// An in-memory target (tests of the kiosk that do not care about files).
#[derive(Debug, Default, Clone)]
pub struct MemoryTarget {
    /// Files written, by name.
    pub files: std::collections::BTreeMap<String, Vec<u8>>,
    /// When set, every write fails with this error (to test full or read-only sticks).
    pub fail_with: Option<fn() -> UsbError>,
}

impl UsbTarget for MemoryTarget {
    fn write_file(&mut self, name: &str, content: &[u8]) -> Result<PathBuf, UsbError> {
        if let Some(fail) = self.fail_with {
            return Err(fail());
        }
        self.files.insert(name.into(), content.to_vec());
        Ok(PathBuf::from(name))
    }

    fn list(&self, extension: &str) -> Result<Vec<String>, UsbError> {
        Ok(self
            .files
            .keys()
            .filter(|n| n.ends_with(extension) && !n.starts_with('.'))
            .cloned()
            .collect())
    }

    fn read(&self, name: &str, limit: u64) -> Result<Vec<u8>, UsbError> {
        let content = self
            .files
            .get(name)
            .filter(|_| plain_name(name))
            .ok_or_else(|| UsbError::Refused(name.into()))?;
        if content.len() as u64 > limit {
            return Err(UsbError::Refused(name.into()));
        }
        Ok(content.clone())
    }

    fn describe(&self) -> String {
        "memory".into()
    }
}

/// The contract every target keeps (and `udisks.rs` checks its target against): a written file
/// reads back identical, a rewrite replaces it, listing finds files by extension, and reading
/// refuses paths and oversized files.
#[cfg(test)]
pub(crate) fn contract(target: &mut dyn UsbTarget) {
    target.write_file("a.urne", b"first").unwrap();
    target.write_file("a.urne", b"second").unwrap();
    target.write_file("b.urnepkg", b"package").unwrap();
    assert_eq!(target.list(".urnepkg").unwrap(), vec!["b.urnepkg"]);
    assert_eq!(target.read("b.urnepkg", 100).unwrap(), b"package");
    assert!(matches!(
        target.read("b.urnepkg", 3),
        Err(UsbError::Refused(_))
    ));
    assert!(matches!(
        target.read("../b.urnepkg", 100),
        Err(UsbError::Refused(_))
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_and_memory_targets_keep_the_contract() {
        let dir = tempfile::tempdir().unwrap();
        let mut folder = FolderTarget::new(dir.path());
        contract(&mut folder);
        assert_eq!(std::fs::read(dir.path().join("a.urne")).unwrap(), b"second");
        let mut memory = MemoryTarget::default();
        contract(&mut memory);
        assert_eq!(memory.files["a.urne"], b"second");
    }

    #[test]
    fn a_missing_stick_is_reported() {
        let mut target = FolderTarget::new(Path::new("/nonexistent-urne-stick"));
        assert!(matches!(
            target.write_file("a", b"x"),
            Err(UsbError::Absent)
        ));
    }
}
