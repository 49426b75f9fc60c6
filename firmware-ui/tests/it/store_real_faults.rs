//! The real thing behind the simulated faults: on a genuinely full file system and on a
//! genuinely read-only one, the store reports `Full` and `ReadOnly`, keeps what it had, and a
//! write that failed leaves nothing half-done. The file systems are a tiny tmpfs mounted in a
//! private mount namespace (`unshare`), so the test needs no privileges.

use std::path::Path;
use std::process::Command;

use urne_core::ids::MemberId;
use urne_core::timestamp::Timestamp;
use urne_kiosk::store::{Store, StoreError};

/// Runs inside the namespace, with the tmpfs mounted at `URNE_FAULT_DIR`.
#[test]
fn fault_child() {
    let Some(dir) = std::env::var_os("URNE_FAULT_DIR") else {
        return;
    };
    let dir = Path::new(&dir);
    let path = dir.join("urne.sqlite");
    let mut store = Store::open(&path).unwrap();
    let mut stored = 0u32;
    let full = loop {
        let mut id = [0u8; 16];
        id[..4].copy_from_slice(&stored.to_be_bytes());
        match store.check_in(&MemberId::from_bytes(id), Timestamp(1)) {
            Ok(_) => stored += 1,
            Err(e) => break e,
        }
        assert!(stored < 1_000_000, "the small file system never filled up");
    };
    println!("full: {full:?}");
    assert!(matches!(full, StoreError::Full), "{full:?}");
    // What was stored before is intact and readable.
    assert_eq!(store.present_count().unwrap(), u64::from(stored));
    store.integrity_check().unwrap();
    drop(store);

    let status = Command::new("mount")
        .args(["-o", "remount,ro"])
        .arg(dir)
        .status()
        .unwrap();
    assert!(status.success(), "remount read-only");
    let mut store = Store::open(&path).unwrap();
    let read_only = store
        .check_in(&MemberId::from_bytes([0xEE; 16]), Timestamp(2))
        .unwrap_err();
    println!("read-only: {read_only:?}");
    assert!(matches!(read_only, StoreError::ReadOnly), "{read_only:?}");
    assert_eq!(store.present_count().unwrap(), u64::from(stored));
    println!("fault-child-ok {stored}");
}

#[test]
fn a_real_full_and_a_real_read_only_file_system_are_reported_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let script = format!(
        "mount -t tmpfs -o size=192k tmpfs '{dir}' && exec '{exe}' --exact store_real_faults::fault_child --nocapture --test-threads=1",
        dir = dir.path().display(),
        exe = exe.display()
    );
    let out = Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "sh", "-c", &script])
        .env("URNE_FAULT_DIR", dir.path())
        .output()
        .expect("unshare runs (util-linux)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("fault-child-ok"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
