//! Refusals under attack, as measured against the running registry: three 30 MiB uploads whose
//! tar carried a GNU long name grew the refusals table by 94 MB and the log by 100 MB, and the
//! terminal escapes in the name reached `urne-registry refusals`. A refusal is now stored as its
//! code and at most 200 characters, escaped, under a rate; the table keeps the newest rows only;
//! the command escapes what it prints.

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use urne_core::crypto::SecretKey;
use urne_core::timestamp::Timestamp;
use urne_registry::refusal::STORED_REASON_CHARS;
use urne_registry::store::KEPT_REFUSALS;
use urne_registry::{Limits, Refusal, Registry, RegistryStore, SqliteStore};

fn clock() -> Timestamp {
    Timestamp::parse_rfc3339("2026-12-06T09:30:00Z").unwrap()
}

/// A tar of one entry whose GNU long name is `name_bytes` long and holds a terminal escape that
/// would retitle the operator's terminal window and clear its screen.
fn long_name_tar(name_bytes: usize) -> Vec<u8> {
    let name = format!(
        "polls/\u{1b}]0;registre pirate\u{7}\u{1b}[2J{}",
        "x".repeat(name_bytes)
    );
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(2);
    header.set_entry_type(tar::EntryType::Regular);
    builder.append_data(&mut header, &name, &b"{}"[..]).unwrap();
    builder.into_inner().unwrap()
}

fn registry(db: &std::path::Path, limits: Limits) -> Registry {
    let store = Arc::new(SqliteStore::open(db).unwrap());
    Registry::new(store, SecretKey::from_seed(&[9; 32]), clock, limits)
}

#[test]
fn a_flood_of_hostile_names_is_stored_short_escaped_and_under_a_rate() {
    let dir = tempfile::tempdir().unwrap();
    let registry = registry(
        &dir.path().join("registre.sqlite"),
        Limits {
            refusals_per_minute: 60,
            refusal_burst: 5,
            ..Limits::default()
        },
    );
    let hostile = long_name_tar(256 * 1024);
    let flood = 30;
    let started = std::time::Instant::now();
    for _ in 0..flood {
        let refusal = registry.receive(&hostile).unwrap_err();
        assert_eq!(refusal.code(), "not-a-tar", "{refusal}");
    }
    let took = started.elapsed().as_secs() as usize;
    let rows = registry.store().refusals(1000).unwrap();
    // The burst, and a token a second refilled while the flood ran (longer under emulation).
    assert!(
        (5..=6 + took).contains(&rows.len()),
        "{} of {flood} refusals were recorded in {took} s",
        rows.len()
    );
    for row in &rows {
        let detail = row
            .reason
            .strip_prefix("not-a-tar: ")
            .unwrap_or_else(|| panic!("no code: {:?}", row.reason));
        assert!(
            detail.chars().count() <= STORED_REASON_CHARS + 1,
            "{} characters stored",
            detail.chars().count()
        );
        assert!(
            !row.reason.chars().any(char::is_control),
            "{:?}",
            row.reason
        );
        assert!(
            row.reason.contains("\\u{1b}]0;registre pirate"),
            "{}",
            row.reason
        );
    }
    // Once the rate allows again, the refusals that were only counted are recorded as a number.
    let recorded = rows.len();
    std::thread::sleep(Duration::from_millis(1100));
    registry.receive(&hostile).unwrap_err();
    let after = registry.store().refusals(1000).unwrap();
    assert_eq!(after.len(), recorded + 2);
    assert!(
        after[0].reason.starts_with("not-a-tar: "),
        "{}",
        after[0].reason
    );
    assert!(
        after[1]
            .reason
            .starts_with(&format!("over-rate: {} refusals", flood - recorded)),
        "{}",
        after[1].reason
    );
}

#[test]
fn the_refusals_table_keeps_the_newest_rows_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("registre.sqlite")).unwrap();
    let at = clock().to_rfc3339();
    let total = KEPT_REFUSALS + 25;
    for i in 0..total {
        store
            .record_refusal(None, &format!("not-a-tar: refusal {i}"), &at)
            .unwrap();
    }
    let rows = store.refusals(u32::MAX).unwrap();
    assert_eq!(rows.len(), KEPT_REFUSALS as usize);
    assert_eq!(rows[0].reason, format!("not-a-tar: refusal {}", total - 1));
    assert_eq!(
        rows.last().unwrap().reason,
        format!("not-a-tar: refusal {}", total - KEPT_REFUSALS)
    );
}

#[test]
fn the_refusals_command_never_prints_a_terminal_escape() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("registre.sqlite");
    // A row as an older registry stored it: the raw text of the refusal.
    let raw = Refusal::NoPackage("a\u{1b}]0;pirate\u{7}\u{1b}[2J\u{9b}31m\r".into()).to_string();
    SqliteStore::open(&db)
        .unwrap()
        .record_refusal(None, &raw, &clock().to_rfc3339())
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_urne-registry"))
        .args(["refusals", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains(['\u{1b}', '\u{7}', '\u{9b}', '\r']),
        "{text:?}"
    );
    assert!(text.contains("a\\u{1b}]0;pirate"), "{text}");
}
