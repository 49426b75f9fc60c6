//! Unit tests of the store.

use super::*;
use urne_core::ballot::WeightedBallot;
use urne_core::ballot::{Ballot, MotionChoice};
use urne_core::crypto::Sha256Digest;
use urne_core::ids::{EventId, PollId};
use urne_core::rules::Attendance;
use urne_core::sealed::{self, BoxId, SealedBallot, TallySecretKey};

fn poll() -> PollId {
    PollId::new("charte").unwrap()
}

/// The key the store's tests seal to: the store never opens a box, so any key will do.
fn public() -> sealed::TallyPublicKey {
    TallySecretKey::test().public()
}

fn sealed(ballot: &WeightedBallot) -> SealedBallot {
    let event = EventId::new("test").unwrap();
    let id = BoxId {
        event: &event,
        poll: &poll(),
        definition: Sha256Digest([0; 32]),
    };
    sealed::seal(&public(), &id, ballot, 128, [9; 32]).unwrap()
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("urne.sqlite")).unwrap();
    (dir, store)
}

#[test]
fn a_member_votes_once_and_the_ballot_carries_no_member() {
    let (_dir, mut store) = store();
    let member = MemberId::from_bytes([7; 16]);
    store
        .open_poll(&poll(), Timestamp(10), Attendance::default(), public())
        .unwrap();
    let ballot = sealed(&WeightedBallot::single(Ballot::Motion(MotionChoice::For)));
    store.cast(&poll(), &member, &ballot, [1; 16]).unwrap();
    assert!(matches!(
        store.cast(&poll(), &member, &ballot, [2; 16]),
        Err(CastError::AlreadyVoted)
    ));
    let on_card = store.sealed_box(&poll()).unwrap().unwrap();
    assert_eq!(on_card.ciphertexts, vec![ballot.0.clone()]);
    assert_eq!(on_card.digest, sealed::BoxDigest::of([&ballot.0[..]]));
    // Nothing in clear before the count.
    assert!(store.ballots(&poll()).unwrap().is_empty());
    assert!(store.has_voted(&poll(), &member).unwrap());
}

#[test]
fn casting_in_a_closed_or_unknown_poll_stores_nothing() {
    let (_dir, mut store) = store();
    let member = MemberId::from_bytes([7; 16]);
    let ballot = sealed(&WeightedBallot::single(Ballot::Motion(MotionChoice::For)));
    assert!(matches!(
        store.cast(&poll(), &member, &ballot, [1; 16]),
        Err(CastError::NotOpen)
    ));
    assert!(!store.has_voted(&poll(), &member).unwrap());
    assert!(store.sealed_box(&poll()).unwrap().is_none());
}

#[test]
fn check_ins_are_audited_once() {
    let (_dir, mut store) = store();
    let member = MemberId::from_bytes([3; 16]);
    assert_eq!(
        store.check_in(&member, Timestamp(100)).unwrap(),
        CheckIn::New
    );
    assert_eq!(
        store.check_in(&member, Timestamp(200)).unwrap(),
        CheckIn::Already(Timestamp(100))
    );
    assert!(store.check_out(&member, Timestamp(300)).unwrap());
    assert_eq!(store.present_count().unwrap(), 0);
    assert_eq!(
        store.check_in(&member, Timestamp(400)).unwrap(),
        CheckIn::Returned(Timestamp(100))
    );
    let chain = store.audit_chain().unwrap();
    assert_eq!(chain.len(), 3);
    urne_core::audit::verify_chain(&chain).unwrap();
}

#[test]
fn reopening_keeps_everything_and_the_schema_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("urne.sqlite");
    {
        let mut store = Store::open(&path).unwrap();
        store
            .check_in(&MemberId::from_bytes([1; 16]), Timestamp(1))
            .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(store.present_count().unwrap(), 1);
}

#[test]
fn a_close_that_cannot_empty_the_journal_says_so() {
    let (dir, mut store) = store();
    store
        .open_poll(&poll(), Timestamp(10), Attendance::default(), public())
        .unwrap();
    let ballot = sealed(&WeightedBallot::single(Ballot::Motion(MotionChoice::For)));
    store
        .cast(&poll(), &MemberId::from_bytes([7; 16]), &ballot, [1; 16])
        .unwrap();
    // Another program reading the database in the middle of a transaction (as the uploader's
    // connection did) keeps the WAL from being truncated: the close must not call it done.
    let other = Connection::open(dir.path().join("urne.sqlite")).unwrap();
    other.execute_batch("BEGIN").unwrap();
    let _: i64 = other
        .query_row("SELECT count(*) FROM sealed", [], |r| r.get(0))
        .unwrap();
    let context = urne_core::tally::TallyContext::default();
    let refused = store.close_poll(&poll(), Timestamp(20), &context, None);
    assert!(refused.is_err(), "a busy checkpoint was reported as done");
    // Once the reader is gone the journal empties, to zero bytes.
    other.execute_batch("COMMIT").unwrap();
    drop(other);
    store.checkpoint().unwrap();
    let wal = std::fs::metadata(dir.path().join("urne.sqlite-wal")).unwrap();
    assert_eq!(wal.len(), 0);
}

#[test]
fn the_journal_is_emptied_only_once_the_uploaders_connection_let_go() {
    let (dir, store) = store();
    let gate = store.quiet_gate();
    let (held, holding) = std::sync::mpsc::channel();
    let released = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = released.clone();
    let path = dir.path().join("urne.sqlite");
    let reader = std::thread::spawn(move || {
        let _reading = gate.read().unwrap();
        let other = Store::open(&path).unwrap();
        held.send(()).unwrap();
        // The uploader reads its outbox while the kiosk asks to close a poll.
        std::thread::sleep(std::time::Duration::from_millis(200));
        other.pending_uploads().unwrap();
        drop(other);
        flag.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    holding.recv().unwrap();
    store.checkpoint().unwrap();
    assert!(
        released.load(std::sync::atomic::Ordering::SeqCst),
        "the checkpoint ran while the uploader's connection was reading"
    );
    reader.join().unwrap();
}

fn cast_in(poll: &str, member: MemberId, id: u8) -> SealedCast {
    SealedCast {
        poll: PollId::new(poll).unwrap(),
        member,
        ballot: sealed(&WeightedBallot::single(Ballot::Motion(MotionChoice::For))),
        id: [id; 16],
    }
}

#[test]
fn a_visit_is_stored_whole_or_not_at_all() {
    let (_dir, mut store) = store();
    let voter = MemberId::from_bytes([7; 16]);
    let absent = MemberId::from_bytes([8; 16]);
    let statuts = PollId::new("statuts").unwrap();
    for p in [poll(), statuts.clone()] {
        store
            .open_poll(&p, Timestamp(10), Attendance::default(), public())
            .unwrap();
    }
    // The absent member's ballot in « statuts » was already cast (on another visit).
    store
        .cast_visit(&absent, &[cast_in("statuts", absent, 1)])
        .unwrap();
    let before = store.sealed_box(&statuts).unwrap().unwrap();
    store.begin_visit(&voter).unwrap();
    let visit = [
        cast_in("charte", voter, 2),
        cast_in("statuts", voter, 3),
        cast_in("charte", absent, 4),
        cast_in("statuts", absent, 5),
    ];
    let refused = store.cast_visit(&voter, &visit).unwrap_err();
    assert_eq!(refused.at, Some(3));
    assert!(matches!(refused.error, CastError::AlreadyVoted));
    // None of the visit went in: no mark, no ciphertext, the boxes' digests unchanged, and
    // the visit is still noted as begun and not recorded.
    assert!(!store.has_voted(&poll(), &voter).unwrap());
    assert!(!store.has_voted(&statuts, &voter).unwrap());
    assert!(!store.has_voted(&poll(), &absent).unwrap());
    assert_eq!(store.sealed_box(&statuts).unwrap().unwrap(), before);
    assert!(
        store
            .sealed_box(&poll())
            .unwrap()
            .unwrap()
            .ciphertexts
            .is_empty()
    );
    assert!(store.take_unrecorded_visit(&voter).unwrap());
    assert!(!store.take_unrecorded_visit(&voter).unwrap());

    // The same visit without the ballot already cast goes in whole, and forgets the visit.
    store.begin_visit(&voter).unwrap();
    let digests = store.cast_visit(&voter, &visit[..3]).unwrap();
    assert_eq!(digests.len(), 2);
    assert!(store.has_voted(&poll(), &voter).unwrap());
    assert!(store.has_voted(&statuts, &voter).unwrap());
    assert!(store.has_voted(&poll(), &absent).unwrap());
    assert_eq!(
        store
            .sealed_box(&poll())
            .unwrap()
            .unwrap()
            .ciphertexts
            .len(),
        2
    );
    assert_eq!(
        store
            .sealed_box(&statuts)
            .unwrap()
            .unwrap()
            .ciphertexts
            .len(),
        2
    );
    assert!(!store.take_unrecorded_visit(&voter).unwrap());
}
