//! Secrecy by construction: the order ballots were cast in cannot be read back from the store or
//! the export, a reset poll leaves no trace of its ballots in the database, its WAL or its
//! shared-memory file, and no column joins a ballot to a member.

use std::collections::BTreeMap;
use std::path::Path;

use urne_core::ballot::{Ballot, WeightedBallot};
use urne_core::ids::{MemberId, OptionId, PollId};
use urne_core::rules::Attendance;
use urne_core::timestamp::Timestamp;
use urne_kiosk::store::{Cast, Store};

/// A small deterministic generator (the test must be reproducible).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

fn random_id() -> [u8; 16] {
    let mut id = [0u8; 16];
    getrandom::fill(&mut id).unwrap();
    id
}

/// Distinct Majority Judgment ballots, in a shuffled order that is unrelated to their content.
fn distinct_ballots(n: usize, seed: u64) -> Vec<WeightedBallot> {
    let candidates: Vec<OptionId> = (0..7)
        .map(|i| OptionId::new(format!("c{i}")).unwrap())
        .collect();
    let mut rng = Lcg(seed);
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    while out.len() < n {
        let grades: BTreeMap<OptionId, u8> = candidates
            .iter()
            .map(|c| (c.clone(), u8::try_from(rng.next() % 7).unwrap()))
            .collect();
        let ballot = WeightedBallot::single(Ballot::Grades(grades));
        if seen.insert(ballot.canonical_bytes()) {
            out.push(ballot);
        }
    }
    out
}

/// Spearman's rank correlation between positions 0..n and `ranks` (a permutation of 0..n).
fn spearman(ranks: &[usize]) -> f64 {
    let n = ranks.len() as f64;
    let d2: f64 = ranks
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let d = i as f64 - *r as f64;
            d * d
        })
        .sum();
    1.0 - 6.0 * d2 / (n * (n * n - 1.0))
}

fn open_poll(store: &mut Store, poll: &PollId) {
    store
        .open_poll(poll, Timestamp(1), Attendance::default(), None)
        .unwrap();
}

#[test]
fn casting_order_is_not_in_the_stored_or_exported_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("urne.sqlite")).unwrap();
    let poll = PollId::new("priorites").unwrap();
    open_poll(&mut store, &poll);
    let ballots = distinct_ballots(10_000, 42);
    let cast_position: BTreeMap<Vec<u8>, usize> = ballots
        .iter()
        .enumerate()
        .map(|(i, b)| (b.canonical_bytes(), i))
        .collect();
    for (i, ballot) in ballots.iter().enumerate() {
        let mut member = [0u8; 16];
        member[..8].copy_from_slice(&(i as u64).to_be_bytes());
        store
            .cast(
                &poll,
                &MemberId::from_bytes(member),
                Cast::Clear(ballot),
                random_id(),
            )
            .unwrap();
    }

    // A plain table scan.
    let stored: Vec<usize> = store
        .ballots(&poll)
        .unwrap()
        .iter()
        .map(|b| cast_position[&b.canonical_bytes()])
        .collect();
    assert_eq!(stored.len(), 10_000);
    let rho = spearman(&stored);
    assert!(
        rho.abs() < 0.05,
        "stored order correlates with casting order: {rho}"
    );

    // The exported order (ballots.json of a bundle).
    let file = urne_core::results::ballots_file(&store.ballots(&poll).unwrap());
    let exported: Vec<WeightedBallot> = serde_json::from_slice(&file).unwrap();
    let exported: Vec<usize> = exported
        .iter()
        .map(|b| cast_position[&b.canonical_bytes()])
        .collect();
    let rho = spearman(&exported);
    assert!(
        rho.abs() < 0.05,
        "exported order correlates with casting order: {rho}"
    );
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn scan_files(dir: &Path, needles: &[Vec<u8>]) -> Vec<String> {
    let mut found = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let path = dir.join(format!("urne.sqlite{suffix}"));
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        for needle in needles {
            if contains(&bytes, needle) {
                found.push(format!(
                    "urne.sqlite{suffix} holds {}",
                    String::from_utf8_lossy(needle)
                ));
            }
        }
    }
    found
}

#[test]
fn a_reset_poll_leaves_no_ballot_in_the_database_wal_or_shm() {
    for close_first in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("urne.sqlite")).unwrap();
        let kept = PollId::new("kept").unwrap();
        let reset = PollId::new("reset").unwrap();
        open_poll(&mut store, &kept);
        open_poll(&mut store, &reset);
        let ballots = distinct_ballots(300, 7);
        let (for_kept, for_reset) = ballots.split_at(100);
        for (i, ballot) in for_kept.iter().enumerate() {
            let member = MemberId::from_bytes([u8::try_from(i).unwrap(); 16]);
            store
                .cast(&kept, &member, Cast::Clear(ballot), random_id())
                .unwrap();
        }
        for (i, ballot) in for_reset.iter().enumerate() {
            let mut member = [0xAB; 16];
            member[..2].copy_from_slice(&u16::try_from(i).unwrap().to_be_bytes());
            store
                .cast(
                    &reset,
                    &MemberId::from_bytes(member),
                    Cast::Clear(ballot),
                    random_id(),
                )
                .unwrap();
        }
        let needles: Vec<Vec<u8>> = for_reset.iter().map(|b| b.canonical_bytes()).collect();
        assert!(
            !scan_files(dir.path(), &needles).is_empty(),
            "the scan finds ballots while they are stored"
        );
        if close_first {
            let context = urne_core::tally::TallyContext::default();
            store
                .close_poll(&reset, Timestamp(5), &context, None)
                .unwrap();
        }
        assert_eq!(store.reset_poll(&reset, Timestamp(9)).unwrap(), 200);
        let found = scan_files(dir.path(), &needles);
        assert!(found.is_empty(), "after the reset: {found:?}");
        // The other poll's ballots are untouched.
        assert_eq!(store.ballots(&kept).unwrap().len(), 100);
        assert_eq!(store.voted_count(&reset).unwrap(), 0);
        store.integrity_check().unwrap();
    }
}

#[test]
fn no_column_joins_a_ballot_to_a_member() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("urne.sqlite")).unwrap();
    let ballots = store.columns("ballots").unwrap();
    assert_eq!(ballots, vec!["poll", "id", "ballot"]);
    let voted = store.columns("voted").unwrap();
    assert_eq!(voted, vec!["poll", "member"]);
    // The only column ballots share with any other table is the poll: no member, no time, no
    // sequence number, and no table refers to a ballot's id.
    for table in [
        "settings", "package", "checkins", "polls", "voted", "audit", "exports", "outbox",
        "proxies", "revoked", "walkins",
    ] {
        let columns = store.columns(table).unwrap();
        assert!(!columns.is_empty(), "{table} exists");
        for column in &columns {
            assert!(
                column == "poll" || !ballots.contains(column),
                "{table}.{column} could join ballots"
            );
        }
    }
}
