//! The architecture invariants of ARCHITECTURE.md that a machine can check: urne-core's
//! dependencies and purity, which crate links Slint and which opens sockets, and every `.rs`
//! file opening with a `//!` line.

use std::path::{Path, PathBuf};

use urne_tests::workspace;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') && name != "fuzz-target" {
                rust_files(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

fn dependencies(crate_dir: &str) -> Vec<String> {
    let text = std::fs::read_to_string(workspace().join(crate_dir).join("Cargo.toml")).unwrap();
    let manifest: toml::Table = toml::from_str(&text).unwrap();
    manifest
        .get("dependencies")
        .and_then(|d| d.as_table())
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn urne_core_depends_only_on_pure_crates() {
    // Each of these computes on data in memory: no files, no network, no clock, no OS randomness.
    let allowed = [
        "serde",
        "serde_json",
        "thiserror",
        "sha2",
        "hex",
        "base64",
        "ed25519-dalek",
        "rand_core",
        "time",
        "num-bigint",
        "num-rational",
        "num-integer",
        "num-traits",
    ];
    for dep in dependencies("core") {
        assert!(
            allowed.contains(&dep.as_str()),
            "urne-core must stay pure, but depends on « {dep} »"
        );
    }
}

#[test]
fn urne_core_reads_no_clock_and_does_no_io() {
    let forbidden = [
        "std::fs",
        "std::net",
        "std::process",
        "std::env",
        "std::thread",
        "SystemTime",
        "Instant::now",
        "now_utc",
        "OsRng",
        "thread_rng",
        "getrandom",
        "std::io::stdin",
        "println!",
        "eprintln!",
    ];
    let mut files = Vec::new();
    rust_files(&workspace().join("core/src"), &mut files);
    assert!(!files.is_empty());
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for word in forbidden {
            assert!(
                !text.contains(word),
                "{} uses « {word} »: urne-core does no I/O and reads no clock",
                file.display()
            );
        }
    }
}

#[test]
fn only_the_kiosk_links_slint() {
    for krate in ["core", "sync"] {
        let deps = dependencies(krate);
        assert!(
            !deps.iter().any(|d| d.contains("slint")),
            "{krate} must not link Slint"
        );
    }
    assert!(dependencies("firmware-ui").iter().any(|d| d == "slint"));
}

#[test]
fn only_urne_sync_opens_sockets() {
    for krate in ["core", "firmware-ui"] {
        for dep in dependencies(krate) {
            assert!(
                !["reqwest", "axum", "hyper", "rustls", "tower"].contains(&dep.as_str()),
                "{krate} must not depend on the network crate « {dep} »: sockets belong to urne-sync"
            );
        }
        let mut files = Vec::new();
        rust_files(&workspace().join(krate).join("src"), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for word in [
                "TcpStream",
                "TcpListener",
                "UdpSocket",
                "std::net",
                "tokio::net",
            ] {
                assert!(
                    !text.contains(word),
                    "{} uses « {word} »: only urne-sync opens sockets",
                    file.display()
                );
            }
        }
    }
}

#[test]
fn only_urne_core_counts_votes() {
    // The one tally engine: no other crate defines a counting function of its own.
    for krate in ["firmware-ui/src", "sync/src"] {
        let mut files = Vec::new();
        rust_files(&workspace().join(krate), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            assert!(
                !text.contains("fn tally(")
                    && !text.contains("fn schulze")
                    && !text.contains("fn equal_shares"),
                "{} defines a counting function: votes are counted only by urne_core::tally",
                file.display()
            );
        }
    }
}

#[test]
fn every_rust_file_says_what_it_is_for() {
    let mut files = Vec::new();
    rust_files(&workspace(), &mut files);
    assert!(files.len() > 20, "the walk found the sources");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let first = text
            .lines()
            .find(|l| !l.trim().is_empty() && !l.starts_with("// SPDX"))
            .unwrap_or("");
        assert!(
            first.starts_with("//!") || first.starts_with("#!"),
            "{} does not open with a //! line saying what it is for",
            file.display()
        );
    }
}
