//! urne-tests: end-to-end scenarios across Urne's crates live in `tests/tests/`; this library
//! only holds what they share: finding Urne's own binaries and the shared fixtures.

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

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"))
}

/// The path of one of Urne's binaries (`urne`, `urne-registry`, `urne-kiosk`), built in the
/// same profile as the tests. `cargo test --workspace` builds them before running any test;
/// when they are missing (a single crate's tests were asked for), they are built now.
pub fn binary(name: &str) -> PathBuf {
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let path = target_dir().join(profile).join(name);
    if !path.exists() {
        let package = if name == "urne-kiosk" {
            "urne-kiosk"
        } else {
            "urne-sync"
        };
        let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cargo
            .current_dir(workspace())
            .args(["build", "-p", package, "--bin", name]);
        if profile == "release" {
            cargo.arg("--release");
        }
        let status = cargo.status().expect("cargo runs");
        assert!(status.success(), "building {name} failed");
    }
    path
}
