//! The sealed ballot box against the attacker who images the whole partition: an evening run
//! on a freshly made ext4 file system, then every block of that file system — live files,
//! freed blocks, the journal, slack — read for ballots in clear. A store that only deletes or
//! truncates would leave them there; a box that was never in clear cannot.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::sealed_box::{clear_needles, evening};

/// An ext4 image loop-mounted on a temporary folder, unmounted on drop.
struct Partition {
    image: PathBuf,
    mount: PathBuf,
    mounted: bool,
}

impl Partition {
    /// Makes a 32 MiB ext4 image and mounts it, or says why it cannot (mounting needs root).
    fn make(dir: &Path) -> Result<Self, String> {
        let image = dir.join("data.ext4");
        let mount = dir.join("data");
        std::fs::create_dir(&mount).map_err(|e| e.to_string())?;
        let file = std::fs::File::create(&image).map_err(|e| e.to_string())?;
        file.set_len(32 << 20).map_err(|e| e.to_string())?;
        drop(file);
        run("mkfs.ext4", &["-q", "-F", path(&image)])?;
        run("mount", &["-o", "loop", path(&image), path(&mount)])?;
        Ok(Self {
            image,
            mount,
            mounted: true,
        })
    }

    /// Unmounts, so that every write reached the image.
    fn unmount(&mut self) {
        if self.mounted {
            run("umount", &[path(&self.mount)]).expect("unmount the image");
            self.mounted = false;
        }
    }
}

impl Drop for Partition {
    fn drop(&mut self) {
        if self.mounted {
            let _ = run("umount", &["-l", path(&self.mount)]);
        }
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary path")
}

fn run(program: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("{program}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{program} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Every needle found in the image. Each ballot in clear opens with `{`, so only those bytes
/// are tried: the 32 MiB are read in well under a second even in a debug build.
fn found_in(image: &[u8], needles: &[Vec<u8>]) -> Vec<String> {
    let mut found = std::collections::BTreeSet::new();
    for (at, _) in image.iter().enumerate().filter(|(_, b)| **b == b'{') {
        for needle in needles {
            if image[at..].starts_with(needle) {
                found.insert(String::from_utf8_lossy(needle).into_owned());
            }
        }
    }
    found.into_iter().collect()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[test]
fn no_block_of_the_partition_holds_a_ballot_in_clear_before_the_count() {
    let dir = tempfile::tempdir().unwrap();
    if !is_root() {
        // Loop-mounting needs root (CI runs as root). Without it the partition cannot be
        // imaged, so say so plainly rather than pass for what was not checked; the files
        // themselves are read by `sealed_box::while_the_box_is_sealed_…`.
        eprintln!("not root: the ext4 image scan needs a loop mount and was not run");
        return;
    }
    let mut partition = Partition::make(dir.path()).unwrap();
    let data = partition.mount.clone();
    let mut evening = evening(&data);
    let needles = clear_needles(&evening.cast);
    // Several checkpoints and a close, as an evening has: the WAL written, truncated and reused.
    let closing = evening.kiosk.close_poll(&evening.poll.id).unwrap();
    assert!(matches!(
        closing,
        urne_kiosk::kiosk::Closing::AwaitingShares { .. }
    ));
    let question = evening.poll.question.clone();
    drop(evening);
    partition.unmount();

    let image = std::fs::read(&partition.image).unwrap();
    // The scan finds what is on the partition: the poll's question, in the package, is there.
    assert!(
        image
            .windows(question.len())
            .any(|w| w == question.as_bytes()),
        "the scan reads the partition"
    );
    let found = found_in(&image, &needles);
    assert!(
        found.is_empty(),
        "ballots in clear on the partition: {found:?}"
    );
}
