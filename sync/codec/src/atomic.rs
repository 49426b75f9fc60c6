//! Writing files so that a crash or a pulled USB stick never leaves a partial file under the
//! final name: write a temporary file in the same folder, fsync it, rename it over the final
//! name, then fsync the folder so that the rename itself is durable.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Why a file could not be written, in terms an organiser can act on.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// No space left on the device.
    #[error("no space left on {0}")]
    Full(PathBuf),
    /// The file system is read-only (a locked SD card or USB stick).
    #[error("{0} is read-only")]
    ReadOnly(PathBuf),
    /// The folder does not exist (the stick was removed?).
    #[error("the folder {0} does not exist")]
    NoFolder(PathBuf),
    /// Any other failure.
    #[error("could not write {path}: {source}")]
    Other {
        /// The file.
        path: PathBuf,
        /// The system's error.
        source: io::Error,
    },
}

impl WriteError {
    fn from_io(path: &Path, e: io::Error) -> Self {
        // ENOSPC = 28, EROFS = 30, EDQUOT = 122 on Linux.
        match (e.kind(), e.raw_os_error()) {
            (io::ErrorKind::StorageFull, _) | (_, Some(28 | 122)) => Self::Full(path.into()),
            (io::ErrorKind::ReadOnlyFilesystem, _) | (_, Some(30)) => Self::ReadOnly(path.into()),
            (io::ErrorKind::NotFound, _) => Self::NoFolder(path.into()),
            _ => Self::Other {
                path: path.into(),
                source: e,
            },
        }
    }
}

/// Writes `content` to `path` atomically and durably. `mode` sets the Unix permissions of the
/// new file (0o600 for keys).
pub fn write(path: &Path, content: &[u8], mode: u32) -> Result<(), WriteError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let mut suffix = [0u8; 6];
    getrandom::fill(&mut suffix).map_err(|e| WriteError::Other {
        path: path.into(),
        source: io::Error::other(e.to_string()),
    })?;
    let temp = dir.join(format!(".{name}.{}.part", hex_of(&suffix)));
    let result = (|| -> io::Result<()> {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
        let mut file = options.open(&temp)?;
        file.write_all(content)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, path)?;
        sync_dir(dir)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&temp);
        return Err(WriteError::from_io(dir, e));
    }
    Ok(())
}

/// Flushes a folder's entries (renames, new files) to stable storage.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_and_leave_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.urne");
        write(&path, b"one", 0o644).unwrap();
        write(&path, b"two", 0o644).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn keys_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device.key");
        write(&path, b"secret", 0o600).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_missing_folder_is_named() {
        let err = write(Path::new("/nonexistent-urne-dir/x"), b"x", 0o644).unwrap_err();
        assert!(matches!(err, WriteError::NoFolder(_)), "{err}");
    }
}
