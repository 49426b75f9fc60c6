//! Secrecy by construction: the order ballots were cast in cannot be read back from the sealed
//! box on the card, nor from the counted ballots or the export; a reset poll leaves no trace of
//! its ballots in the database, its WAL or its shared-memory file; and no column joins a ballot
//! to a member.

use std::collections::BTreeMap;
use std::path::Path;

use urne_core::ballot::{Ballot, WeightedBallot};
use urne_core::crypto::Sha256Digest;
use urne_core::ids::{EventId, MemberId, OptionId, PollId};
use urne_core::rules::Attendance;
use urne_core::sealed::{self, BoxId, SealedBallot, TallySecretKey};
use urne_core::timestamp::Timestamp;
use urne_kiosk::store::Store;

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

/// A ballot sealed as the kiosk seals it, with fresh randomness (the store never opens a box:
/// the published test key will do).
fn seal(poll: &PollId, ballot: &WeightedBallot) -> SealedBallot {
    let event = EventId::new("secrecy").unwrap();
    let id = BoxId {
        event: &event,
        poll,
        definition: Sha256Digest([0; 32]),
    };
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).unwrap();
    sealed::seal(&TallySecretKey::test().public(), &id, ballot, 256, seed).unwrap()
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
        .open_poll(
            poll,
            Timestamp(1),
            Attendance::default(),
            TallySecretKey::test().public(),
        )
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
    let mut sealed_position = BTreeMap::new();
    for (i, ballot) in ballots.iter().enumerate() {
        let mut member = [0u8; 16];
        member[..8].copy_from_slice(&(i as u64).to_be_bytes());
        let sealed = seal(&poll, ballot);
        let digest = store
            .cast(&poll, &MemberId::from_bytes(member), &sealed, random_id())
            .unwrap();
        sealed_position.insert(sealed.0, i);
        assert_eq!(digest.count, i as u64 + 1);
    }

    // A plain table scan of the sealed box, as the card holds it while the poll is open.
    let on_card = store.sealed_box(&poll).unwrap().unwrap();
    let stored: Vec<usize> = on_card
        .ciphertexts
        .iter()
        .map(|c| sealed_position[c])
        .collect();
    assert_eq!(stored.len(), 10_000);
    let rho = spearman(&stored);
    assert!(
        rho.abs() < 0.05,
        "the sealed box's order correlates with casting order: {rho}"
    );

    // The count writes the opened ballots (here, the same ones, in casting order) in their
    // content's order.
    let context = urne_core::tally::TallyContext::default();
    store
        .close_poll(&poll, Timestamp(2), &context, None)
        .unwrap();
    let mut opened = ballots.clone();
    store
        .count_box(
            &poll,
            &mut opened,
            10_000,
            on_card.digest,
            true,
            Timestamp(3),
        )
        .unwrap();
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
        "counted order correlates with casting order: {rho}"
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
                    "urne.sqlite{suffix} holds a ballot ({} bytes)",
                    needle.len()
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
                .cast(&kept, &member, &seal(&kept, ballot), random_id())
                .unwrap();
        }
        let mut needles = Vec::new();
        for (i, ballot) in for_reset.iter().enumerate() {
            let mut member = [0xAB; 16];
            member[..2].copy_from_slice(&u16::try_from(i).unwrap().to_be_bytes());
            let sealed = seal(&reset, ballot);
            store
                .cast(&reset, &MemberId::from_bytes(member), &sealed, random_id())
                .unwrap();
            // The ciphertext's tail: what a reader of the card could match across copies.
            needles.push(sealed.0[sealed.0.len() - 32..].to_vec());
        }
        assert!(
            !scan_files(dir.path(), &needles).is_empty(),
            "the scan finds the sealed ballots while they are stored"
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
        let kept_box = store.sealed_box(&kept).unwrap().unwrap();
        assert_eq!(kept_box.ciphertexts.len(), 100);
        assert_eq!(kept_box.digest.count, 100);
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
    let sealed = store.columns("sealed").unwrap();
    assert_eq!(sealed, vec!["poll", "id", "ciphertext"]);
    // The only column the counted ballots and the sealed box share with any other table is the
    // poll: no member, no time, no sequence number, and no table refers to a ballot's id. Every
    // table is read from the schema, so that one a later migration adds is checked too.
    let tables = store.tables().unwrap();
    assert!(tables.contains(&"visits".to_owned()), "{tables:?}");
    for table in tables.iter().filter(|t| *t != "ballots" && *t != "sealed") {
        let columns = store.columns(table).unwrap();
        assert!(!columns.is_empty(), "{table} exists");
        for column in &columns {
            assert!(
                column == "poll" || !(ballots.contains(column) || sealed.contains(column)),
                "{table}.{column} could join ballots"
            );
        }
    }
}
