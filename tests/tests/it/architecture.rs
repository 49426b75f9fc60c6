//! The architecture invariants of ARCHITECTURE.md that a machine can check: urne-core's
//! dependencies and purity, no crate depending on one above it, which crate links Slint and
//! which open sockets, only urne-core counting votes, only urne-core's result model computing
//! shares, percentages, euro amounts and column keys, and every `.rs` file opening with a `//!`
//! line.

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

/// Every crate of the workspace, from the bottom up: its folder, its package and its level. A
/// crate depends only on crates of lower levels (its tests may also use a crate of its own
/// level, as the kiosk's tests serve a real registry); ARCHITECTURE.md draws the same.
const CRATES: [(&str, &str, u8); 9] = [
    ("core", "urne-core", 0),
    ("sync/codec", "urne-codec", 1),
    ("sync/papers", "urne-papers", 2),
    ("sync/organiser", "urne-organiser", 2),
    ("sync/net", "urne-sync", 2),
    ("sync/registry", "urne-registry", 3),
    ("sync/cli", "urne-cli", 3),
    ("firmware-ui", "urne-kiosk", 3),
    ("tests", "urne-tests", 4),
];

fn manifest(crate_dir: &str) -> toml::Table {
    let text = std::fs::read_to_string(workspace().join(crate_dir).join("Cargo.toml")).unwrap();
    toml::from_str(&text).unwrap()
}

/// The names in one dependency section of a crate's manifest.
fn section(crate_dir: &str, name: &str) -> Vec<String> {
    manifest(crate_dir)
        .get(name)
        .and_then(|d| d.as_table())
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default()
}

fn dependencies(crate_dir: &str) -> Vec<String> {
    section(crate_dir, "dependencies")
}

fn level(package: &str) -> Option<u8> {
    CRATES
        .iter()
        .find(|(_, name, _)| *name == package)
        .map(|(_, _, level)| *level)
}

#[test]
fn the_table_of_levels_names_every_crate_of_the_workspace() {
    let root = manifest(".");
    let members: Vec<&str> = root["workspace"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert_eq!(members.len(), CRATES.len(), "{members:?}");
    for (dir, package, _) in CRATES {
        assert!(members.contains(&dir), "{dir} is not a workspace member");
        let name = manifest(dir)["package"]["name"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(name, package, "the package in {dir}");
    }
}

#[test]
fn no_crate_depends_on_a_crate_above_it() {
    for (dir, package, own) in CRATES {
        for (section_name, highest) in [
            ("dependencies", own.checked_sub(1)),
            ("build-dependencies", own.checked_sub(1)),
            ("dev-dependencies", Some(own)),
        ] {
            for dep in section(dir, section_name) {
                if dep == package {
                    continue; // the kiosk's tests turn on its own `testing` feature
                }
                let Some(theirs) = level(&dep) else {
                    assert!(
                        !dep.starts_with("urne-"),
                        "{package} depends on {dep}, which is not in the table of levels"
                    );
                    continue;
                };
                assert!(
                    highest.is_some_and(|h| theirs <= h),
                    "{package} (level {own}) must not depend on {dep} (level {theirs}) in \
                     [{section_name}]: a crate depends only on the crates below it"
                );
            }
        }
    }
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
        // The sealed ballot box: HPKE, Shamir, wiping secrets, and a seeded generator that
        // turns the caller's random bytes into an ephemeral key.
        "hpke",
        "vsss-rs",
        "zeroize",
        "rand_chacha",
        "data-encoding",
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
fn the_kiosk_links_neither_the_organisers_parsers_nor_the_command_line_nor_the_server() {
    // Its demo package is built once and committed (demo/assemblee-demo.urnepkg).
    let deps = dependencies("firmware-ui");
    for crate_name in ["urne-organiser", "urne-cli", "urne-registry"] {
        assert!(
            !deps.iter().any(|d| d == crate_name),
            "urne-kiosk must not link {crate_name}"
        );
    }
}

#[test]
fn only_the_kiosk_links_slint() {
    for (krate, package, _) in CRATES {
        if package == "urne-kiosk" || package == "urne-tests" {
            continue;
        }
        let deps = dependencies(krate);
        assert!(
            !deps.iter().any(|d| d.contains("slint")),
            "{package} must not link Slint"
        );
    }
    assert!(dependencies("firmware-ui").iter().any(|d| d == "slint"));
}

#[test]
fn only_urne_sync_and_urne_registry_open_sockets() {
    for (krate, package, _) in CRATES {
        // The two that do; urne-tests, whose scenarios are clients and proxies on 127.0.0.1.
        if ["urne-sync", "urne-registry", "urne-tests"].contains(&package) {
            continue;
        }
        for dep in dependencies(krate) {
            assert!(
                ![
                    "reqwest",
                    "axum",
                    "hyper",
                    "rustls",
                    "tokio-rustls",
                    "tower",
                    "tower-http",
                    "mdns-sd"
                ]
                .contains(&dep.as_str()),
                "{package} must not depend on the network crate « {dep} »: sockets belong to \
                 urne-sync (the client) and urne-registry (the server)"
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
                    "{} uses « {word} »: only urne-sync and urne-registry open sockets",
                    file.display()
                );
            }
        }
    }
}

#[test]
fn only_urne_core_counts_votes() {
    // The one tally engine: no other crate defines a counting function of its own.
    for (krate, _, _) in CRATES {
        if krate == "core" || krate == "tests" {
            continue;
        }
        let mut files = Vec::new();
        rust_files(&workspace().join(krate).join("src"), &mut files);
        assert!(!files.is_empty(), "{krate}/src holds the sources");
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

/// What computing a figure for people looks like in a presenter's source: a function of its own
/// for a share, a percentage, an amount in euros, a column key, a bar's length or a mention's
/// colour; rounding to a percentage or to tenths of one (`* 100`, `* 1000`, `100.0 *`); digits
/// grouped by hand. urne-core's result model (`core/src/chart/`) and its figures
/// (`core/src/figures.rs`) do it once for every presenter. Returns what `text` does of it.
fn figures_computed_in(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for name in [
        "percent",
        "whole_percent",
        "euros",
        "column_key",
        "fraction",
        "tone_index",
        "along",
    ] {
        for open in ['(', '<'] {
            let definition = format!("fn {name}{open}");
            if text.contains(&definition) {
                found.push(definition);
            }
        }
    }
    if text.contains("is_multiple_of(3)") {
        found.push("digits grouped by three".to_owned());
    }
    // Multiplications by 100 or 1000, written with or without spaces.
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = squeezed.as_bytes();
    let digit_at = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    for (at, _) in squeezed.match_indices("*100") {
        let end = at + 4;
        let factor = if !digit_at(end) {
            Some("* 100")
        } else if bytes[end] == b'0' && !digit_at(end + 1) {
            Some("* 1000")
        } else {
            None
        };
        found.extend(factor.map(str::to_owned));
    }
    for (at, _) in squeezed.match_indices("100.0*") {
        if at == 0 || !digit_at(at - 1) {
            found.push("100.0 *".to_owned());
        }
    }
    found
}

/// The presenters' sources, and every other crate but urne-core's model and urne-sync (whose
/// `* 1000` are milliseconds: it presents nothing). The kiosk has its own test, below.
fn presenter_sources() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for (krate, package, _) in CRATES {
        if ["urne-kiosk", "urne-sync", "urne-tests"].contains(&package) {
            continue;
        }
        rust_files(&workspace().join(krate).join("src"), &mut files);
    }
    let model = [
        workspace().join("core/src/chart"),
        workspace().join("core/src/figures.rs"),
    ];
    files.retain(|f| !model.iter().any(|m| f.starts_with(m)));
    files
}

#[test]
fn only_the_result_model_computes_shares_percents_euros_and_column_keys() {
    let files = presenter_sources();
    for dir in ["sync/papers/src/html", "sync/papers/src/pv"] {
        assert!(
            files.iter().any(|f| f.starts_with(workspace().join(dir))),
            "{dir} is checked"
        );
    }
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let found = figures_computed_in(&text);
        assert!(
            found.is_empty(),
            "{} computes figures itself ({}): shares, percentages, euros and column keys come \
             from urne_core::chart's result model and urne_core::figures",
            file.display(),
            found.join(", ")
        );
    }
}

#[test]
fn the_kiosk_computes_no_share_percent_euro_amount_or_column_key_either() {
    let mut files = Vec::new();
    rust_files(&workspace().join("firmware-ui/src"), &mut files);
    assert!(files.len() > 10, "the walk found the kiosk's sources");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let found = figures_computed_in(&text);
        assert!(
            found.is_empty(),
            "{} computes figures itself ({}): the kiosk's screens draw urne_core::chart's \
             result model and write figures with urne_core::figures",
            file.display(),
            found.join(", ")
        );
    }
}

#[test]
fn the_figure_check_sees_what_it_looks_for() {
    // What the presenters used to write, before the result model.
    for (code, expected) in [
        (
            "pub fn percent(part: u64, whole: u64) -> String {",
            "fn percent(",
        ),
        (
            "fn column_key(mut position: usize) -> String {",
            "fn column_key(",
        ),
        ("let t = (u128::from(part) * 1000 + h) / w;", "* 1000"),
        ("let p = (part*100 + h) / w;", "* 100"),
        ("let x = 100.0 * ratio;", "100.0 *"),
        (
            "if i > 0 && (digits.len() - i).is_multiple_of(3) {",
            "digits grouped by three",
        ),
    ] {
        assert_eq!(figures_computed_in(code), [expected], "{code}");
    }
    for code in [
        "let cap_ms: u64 = 5 * 60;",
        "x * 1001",
        "share.percent(lang)",
        "figures::euros(cost, lang)",
        "x * 10_000",
    ] {
        assert!(figures_computed_in(code).is_empty(), "{code}");
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
