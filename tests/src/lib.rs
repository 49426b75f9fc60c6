//! urne-tests: end-to-end scenarios across Urne's crates live in `tests/tests/it/` (one test
//! binary); this library only holds what they share: finding Urne's own binaries and the shared
//! fixtures.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace's root folder.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

/// `../shared/fixtures`, beside the repository.
pub fn shared_fixtures() -> PathBuf {
    workspace().join("../shared/fixtures")
}

/// The folder holding the binaries built with the running test: cargo starts a test from the
/// `deps/` folder beside them (`target/debug/deps`, or `target/aarch64-unknown-linux-gnu/debug/deps`
/// when cross-built, where a binary of the build machine's own architecture must not be picked).
fn binaries_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the running test's path");
    exe.parent()
        .and_then(Path::parent)
        .expect("a test runs from <target>/<profile>/deps")
        .to_path_buf()
}

/// The newest modification time among the files that go into a binary.
fn newest_source(dir: &Path) -> std::time::SystemTime {
    let mut newest = std::time::SystemTime::UNIX_EPOCH;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let time = if path.is_dir() {
                if name == "tests" || name == "benches" || name == "fuzz" {
                    continue;
                }
                newest_source(&path)
            } else if [
                ".rs", ".slint", ".po", ".toml", ".csv", ".svg", ".ttf", ".urnepkg",
            ]
            .iter()
            .any(|ext| name.ends_with(ext))
            {
                entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::SystemTime::UNIX_EPOCH)
            } else {
                continue;
            };
            newest = newest.max(time);
        }
    }
    newest
}

/// The path of one of Urne's binaries (`urne`, `urne-registry`, `urne-kiosk`), built in the
/// same profile and for the same target as the tests. `cargo test --workspace` builds them before any test runs; when a
/// binary is missing or older than the sources (only one crate's tests were built), it is
/// built now, so that a test never runs a stale binary.
pub fn binary(name: &str) -> PathBuf {
    static BUILT: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let dir = binaries_dir();
    let path = dir.join(name);
    let mut built = BUILT.lock().unwrap_or_else(|p| p.into_inner());
    if built.iter().any(|b| b == name) {
        return path;
    }
    let root = workspace();
    let inputs: &[&str] = if name == "urne-kiosk" {
        &["core", "sync", "firmware-ui", "ui", "images", "demo"]
    } else {
        &["core", "sync", "demo"]
    };
    let sources = inputs
        .iter()
        .map(|d| newest_source(&root.join(d)))
        .max()
        .unwrap_or(std::time::SystemTime::UNIX_EPOCH);
    let fresh = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t >= sources);
    if !fresh {
        // Each binary is its package's: `urne` is urne-cli's, `urne-registry` urne-registry's.
        let package = match name {
            "urne" => "urne-cli",
            other => other,
        };
        let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cargo
            .current_dir(&root)
            .args(["build", "--quiet", "-p", package, "--bin", name]);
        if profile == "release" {
            cargo.arg("--release");
        }
        // Cross-built tests (deploy/cross-test.sh) need the binary built for their target too.
        let target = env!("URNE_TESTS_TARGET");
        if dir.parent().and_then(Path::file_name) == Some(target.as_ref()) {
            cargo.args(["--target", target]);
        }
        let status = cargo.status().expect("cargo runs");
        assert!(status.success(), "building {name} failed");
    }
    built.push(name.to_owned());
    path
}
