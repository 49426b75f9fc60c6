//! The POSIX tar container around signed archives (`.urne` bundles and `.urnepkg` packages).
//!
//! Writing is deterministic (ustar headers, mode 0644, owner 0, the given modification time) so
//! that the same content always gives the same file. Reading is defensive: only regular files
//! with safe relative names, no duplicates, and bounded sizes — a hostile file on a USB stick
//! or an HTTP body must not make the reader allocate without limit or write outside a folder.

use std::io::Read;

use urne_core::archive::safe_name;
use urne_core::untrusted;

/// A name in an error is cut at this many characters: it is the attacker's text, and it goes to
/// the log, the refusals table and the operator's terminal.
const SHOWN_NAME_CHARS: usize = 120;

/// At most this many files in one archive.
pub const MAX_FILES: usize = 4096;
/// At most this many bytes of content in one archive (a 10,000-ballot evening is well under 5 MB).
pub const MAX_TOTAL_BYTES: u64 = 256 * 1024 * 1024;

/// Why a tar file was refused.
#[derive(Debug, thiserror::Error)]
pub enum TarError {
    /// Not a readable tar file.
    #[error("not a readable tar file: {0}")]
    Unreadable(String),
    /// An entry that is not a plain file (link, device, …).
    #[error("the archive holds « {0} », which is not a plain file")]
    NotAFile(String),
    /// An unsafe or duplicate file name.
    #[error("the archive holds a file with a forbidden or repeated name: « {0} »")]
    BadName(String),
    /// Too many files or too many bytes.
    #[error("the archive is too large")]
    TooLarge,
}

/// Writes files into a tar archive, in the given order.
pub fn write(files: &[(String, Vec<u8>)], mtime: u64) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, content) in files {
        let mut header = tar::Header::new_ustar();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(mtime);
        header.set_entry_type(tar::EntryType::Regular);
        // Writing into a Vec cannot fail; names are short relative paths checked by the sealer.
        builder
            .append_data(&mut header, name, content.as_slice())
            .expect("appending to an in-memory tar cannot fail");
    }
    builder
        .into_inner()
        .expect("finishing an in-memory tar cannot fail")
}

/// Reads every plain file of a tar archive, in order. Directory entries are skipped.
pub fn read(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, TarError> {
    let unreadable = |e: std::io::Error| TarError::Unreadable(e.to_string());
    let mut archive = tar::Archive::new(bytes);
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    let mut total: u64 = 0;
    for entry in archive.entries().map_err(unreadable)? {
        let mut entry = entry.map_err(unreadable)?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            continue;
        }
        if !(kind.is_file() || kind == tar::EntryType::Continuous) {
            return Err(TarError::NotAFile(untrusted::shown(
                &name,
                SHOWN_NAME_CHARS,
            )));
        }
        let name = name.strip_prefix("./").unwrap_or(&name).to_owned();
        if !safe_name(&name) || out.iter().any(|(n, _)| *n == name) {
            return Err(TarError::BadName(untrusted::shown(&name, SHOWN_NAME_CHARS)));
        }
        let size = entry.header().size().map_err(unreadable)?;
        total = total.saturating_add(size);
        if out.len() >= MAX_FILES || total > MAX_TOTAL_BYTES {
            return Err(TarError::TooLarge);
        }
        // A header's size is a claim: reserve no more than the whole input could hold, so that
        // a lying header cannot make the reader ask for a quarter of a gibibyte it never fills.
        let mut content =
            Vec::with_capacity(usize::try_from(size).map_or(bytes.len(), |s| s.min(bytes.len())));
        entry
            .by_ref()
            .take(size)
            .read_to_end(&mut content)
            .map_err(unreadable)?;
        if content.len() as u64 != size {
            return Err(TarError::Unreadable("truncated entry".into()));
        }
        out.push((name, content));
    }
    if out.is_empty() {
        return Err(TarError::Unreadable("the archive is empty".into()));
    }
    Ok(out)
}

/// Whether `bytes` is exactly what [`write`] makes of `files` (as [`read`] returned them): the
/// registry accepts only this canonical form, so that one content has one SHA-256 and a byte
/// flipped in a header's padding cannot pass for a second, different bundle.
pub fn is_canonical(bytes: &[u8], files: &[(String, Vec<u8>)]) -> bool {
    let Some(first) = bytes.get(..512) else {
        return false;
    };
    let Ok(mtime) = tar::Header::from_byte_slice(first).mtime() else {
        return false;
    };
    write(files, mtime) == bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_order_and_content() {
        let files = vec![
            ("manifest.json".to_owned(), b"{}\n".to_vec()),
            ("polls/charte/ballots.json".to_owned(), vec![0u8; 1000]),
        ];
        let bytes = write(&files, 1_796_501_643);
        assert_eq!(bytes.len() % 512, 0);
        assert_eq!(read(&bytes).unwrap(), files);
        assert_eq!(
            write(&files, 1_796_501_643),
            bytes,
            "writing is deterministic"
        );
    }

    #[test]
    fn hostile_archives_are_refused() {
        assert!(read(b"not a tar at all").is_err());
        assert!(read(&[]).is_err());
        let twice = vec![
            ("a.json".to_owned(), b"1".to_vec()),
            ("a.json".to_owned(), b"2".to_vec()),
        ];
        assert!(matches!(read(&write(&twice, 0)), Err(TarError::BadName(_))));
        let bytes = write(&[("ok.json".to_owned(), vec![1; 2000])], 0);
        assert!(
            read(&bytes[..1024]).is_err(),
            "a truncated archive is refused"
        );
    }

    #[test]
    fn a_hostile_name_is_shown_escaped_and_cut() {
        // A GNU long name of 1 MiB with terminal escapes: refused as a bad name, and the error
        // carries neither the escapes nor the megabyte.
        let name = format!("polls/\u{1b}]0;pwned\u{7}{}", "x".repeat(1 << 20));
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_size(1);
        header.set_entry_type(tar::EntryType::Regular);
        builder
            .append_data(&mut header, &name, &b"1"[..])
            .expect("the tar crate writes a GNU long name");
        let bytes = builder.into_inner().unwrap();
        let error = read(&bytes).unwrap_err();
        assert!(matches!(error, TarError::BadName(_)), "{error}");
        let text = error.to_string();
        assert!(text.chars().count() < 250, "{} characters", text.len());
        assert!(!text.chars().any(char::is_control), "{text:?}");
        assert!(text.contains("\\u{1b}]0;pwned"), "{text}");
    }

    #[test]
    fn only_the_written_form_is_canonical() {
        let files = vec![("a.json".to_string(), b"{}\n".to_vec())];
        let bytes = write(&files, 1_700_000_000);
        assert!(is_canonical(&bytes, &read(&bytes).unwrap()));
        // A flipped bit in the end-of-archive padding still reads the same files.
        let mut padded = bytes.clone();
        let last = padded.len() - 1;
        padded[last] ^= 1;
        let files_again = read(&padded).unwrap();
        assert_eq!(files_again, files);
        assert!(!is_canonical(&padded, &files_again));
        assert!(!is_canonical(&bytes[..100], &files));
    }
}
