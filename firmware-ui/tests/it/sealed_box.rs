//! The sealed ballot box, attacked as someone holding the kiosk's SD card would: read the
//! database, its WAL and its shared-memory file byte by byte while polls are open and after they
//! close, and edit the box behind the kiosk's back. The ballots must never be there in clear
//! before the bureau's shares open the box, and an edited box must never be counted.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use urne_core::ballot::{Ballot, WeightedBallot};
use urne_core::credential::Role;
use urne_core::ids::{MemberId, OptionId, PollId};
use urne_core::poll::{Poll, PollKind};
use urne_core::sealed::{self, BoxId, Share, ShareError, ShareSet, TallyInfo, TallySecretKey};
use urne_core::tally::{self, PollResult};
use urne_core::timestamp::Timestamp;
use urne_kiosk::clock::FakeClock;
use urne_kiosk::keystore::MemoryKeyStore;
use urne_kiosk::kiosk::{Closing, Kiosk, KioskError, ScanOutcome};
use urne_kiosk::usb::FolderTarget;

const POLL: &str = "priorites";
const VOTERS: usize = 40;

/// The demo assembly re-signed with a real tally key split 2 of 3, as `urne package` makes it.
fn sealed_package() -> (Vec<u8>, Vec<Share>, TallyInfo, TallySecretKey) {
    let key = TallySecretKey::from_seed(*b"a tally key for the sealed tests");
    let (shares, info) = sealed::split(&key, 2, 3, [42; 32]).unwrap();
    let mut package = urne_kiosk::demo::package().package;
    package.tally = info.clone();
    let signed = urne_codec::package::write(
        package,
        &urne_kiosk::demo::organiser_key(),
        Timestamp(1_796_400_000),
    )
    .unwrap();
    (signed.bytes, shares, info, key)
}

pub(crate) struct Evening {
    pub(crate) kiosk: Kiosk,
    pub(crate) poll: Poll,
    pub(crate) cast: Vec<WeightedBallot>,
    shares: Vec<Share>,
    info: TallyInfo,
    key: TallySecretKey,
}

/// Distinct Majority Judgment ballots, one per voter, so that each can be looked for alone.
fn distinct_ballots(poll: &Poll, n: usize) -> Vec<WeightedBallot> {
    let PollKind::MajorityJudgment { candidates, grades } = &poll.kind else {
        panic!("{POLL} is a Majority Judgment");
    };
    (0..n)
        .map(|i| {
            let mut digits = i;
            let grades: BTreeMap<OptionId, u8> = candidates
                .iter()
                .map(|c| {
                    let g = u8::try_from(digits % usize::from(*grades)).unwrap();
                    digits /= usize::from(*grades);
                    (c.id.clone(), g)
                })
                .collect();
            WeightedBallot::single(Ballot::Grades(grades))
        })
        .collect()
}

/// A kiosk on the sealed package: 40 members checked in, the Majority Judgment poll open and
/// every member's distinct ballot cast.
pub(crate) fn evening(dir: &Path) -> Evening {
    let (bytes, shares, info, key) = sealed_package();
    let clock = FakeClock::at(Timestamp(1_796_495_400));
    let mut kiosk = Kiosk::open(
        &dir.join("urne.sqlite"),
        &MemoryKeyStore::new([7; 32]),
        Arc::new(clock.clone()),
        Box::new(FolderTarget::new(&dir.join("usb"))),
    )
    .unwrap();
    kiosk.set_pin(urne_kiosk::demo::PIN).unwrap();
    kiosk.load_package(&bytes).unwrap();
    kiosk.accept_unconfirmed_clock();
    let badges = urne_papers::badges::issue_all(
        &urne_kiosk::demo::package().package,
        &urne_kiosk::demo::organiser_key(),
    );
    let members: Vec<MemberId> = badges
        .iter()
        .filter(|b| b.role == Role::Participant)
        .take(VOTERS)
        .map(|b| {
            assert!(matches!(
                kiosk.scan(&b.payload).unwrap(),
                ScanOutcome::Welcome { .. }
            ));
            b.id
        })
        .collect();
    unlock(&mut kiosk);
    let poll_id = PollId::new(POLL).unwrap();
    kiosk.open_poll(&poll_id).unwrap();
    let poll = kiosk.event().unwrap().poll(&poll_id).unwrap().clone();
    let cast = distinct_ballots(&poll, VOTERS);
    for (member, ballot) in members.iter().zip(&cast) {
        clock.advance(23);
        kiosk
            .cast(member, member, &poll_id, ballot.ballot.clone())
            .unwrap();
    }
    Evening {
        kiosk,
        poll,
        cast,
        shares,
        info,
        key,
    }
}

fn unlock(kiosk: &mut Kiosk) {
    let badges = urne_papers::badges::issue_all(
        &urne_kiosk::demo::package().package,
        &urne_kiosk::demo::organiser_key(),
    );
    let organiser = badges.iter().find(|b| b.role == Role::Organiser).unwrap();
    let ScanOutcome::Organiser { organiser, .. } = kiosk.scan(&organiser.payload).unwrap() else {
        panic!("organiser badge");
    };
    kiosk.unlock(&organiser, urne_kiosk::demo::PIN).unwrap();
}

pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// What the card's three files give away: every needle found, by file.
fn found_on_card(dir: &Path, needles: &[Vec<u8>]) -> Vec<String> {
    let mut found = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let Ok(bytes) = std::fs::read(dir.join(format!("urne.sqlite{suffix}"))) else {
            continue;
        };
        for needle in needles {
            if contains(&bytes, needle) {
                found.push(format!(
                    "urne.sqlite{suffix}: {}",
                    String::from_utf8_lossy(needle)
                ));
            }
        }
    }
    found
}

/// Every ballot's bytes, and the bytes any ballot in clear would hold whatever its content.
pub(crate) fn clear_needles(cast: &[WeightedBallot]) -> Vec<Vec<u8>> {
    let mut needles: Vec<Vec<u8>> = cast.iter().map(WeightedBallot::canonical_bytes).collect();
    needles.push(b"{\"ballot\":{\"grades\"".to_vec());
    needles
}

fn count_with(evening: &mut Evening, picks: &[usize]) -> Result<PollResult, KioskError> {
    let mut set = ShareSet::new(&evening.info);
    for &i in picks {
        set.add(&evening.shares[i].text()).unwrap();
    }
    let key = set.key().unwrap().expect("enough shares");
    evening.kiosk.count_poll(&evening.poll.id, &key)
}

/// The count of the ballots as cast, made directly with urne-core in the poll's context.
fn expected(evening: &Evening) -> PollResult {
    let polls = evening.kiosk.store().polls().unwrap();
    let context = polls[&evening.poll.id].context.unwrap();
    tally::tally(&evening.poll, &evening.cast, &context).unwrap()
}

#[test]
fn while_the_box_is_sealed_the_card_holds_no_ballot_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let mut evening = evening(dir.path());
    let needles = clear_needles(&evening.cast);
    // The attacker's own tool finds what it looks for: the same scan on a clear box would.
    assert!(
        !found_on_card(dir.path(), &[evening.poll.question.as_bytes().to_vec()]).is_empty(),
        "the scan reads the card"
    );
    // A power cut with the poll open: the files as they are, WAL included.
    let found = found_on_card(dir.path(), &needles);
    assert!(found.is_empty(), "while the poll is open: {found:?}");
    // The sealed rows are all there, one per voter, and none opens without the key.
    let on_card = evening
        .kiosk
        .store()
        .sealed_box(&evening.poll.id)
        .unwrap()
        .unwrap();
    assert_eq!(on_card.ciphertexts.len(), VOTERS);
    let other = TallySecretKey::from_seed([1; 32]);
    let event_id = evening.kiosk.event().unwrap().id.clone();
    let id = BoxId::of(&event_id, &evening.poll);
    let pad = sealed::padded_len(&evening.poll);
    for row in &on_card.ciphertexts {
        assert!(sealed::open(&other, &id, row, pad).is_err());
        assert!(sealed::open(&TallySecretKey::test(), &id, row, pad).is_err());
    }

    // Closed, the box waits for the bureau: still nothing in clear, and no result yet.
    let closing = evening.kiosk.close_poll(&evening.poll.id).unwrap();
    assert_eq!(closing, Closing::AwaitingShares { threshold: 2 });
    assert_eq!(evening.kiosk.result(&evening.poll.id).unwrap(), None);
    let found = found_on_card(dir.path(), &needles);
    assert!(found.is_empty(), "closed, awaiting the count: {found:?}");

    // Two of the three shares open it: every ballot counted, the ciphertexts gone, and the key
    // itself never written.
    let result = count_with(&mut evening, &[2, 0]).unwrap();
    assert_eq!(result.ballots, u64::try_from(VOTERS).unwrap());
    assert_eq!(result, expected(&evening));
    let on_card = evening
        .kiosk
        .store()
        .sealed_box(&evening.poll.id)
        .unwrap()
        .unwrap();
    assert!(on_card.counted && on_card.ciphertexts.is_empty());
    let seed = evening.key.export_seed();
    let shares: Vec<Vec<u8>> = evening
        .shares
        .iter()
        .map(|s| s.text().as_bytes().to_vec())
        .collect();
    let mut secrets = vec![seed.to_vec()];
    secrets.extend(shares);
    assert!(
        found_on_card(dir.path(), &secrets).is_empty(),
        "the key or a share on the card"
    );
    // The clear ballots are written sorted by content, not in the order they were cast.
    let mut sorted = evening.cast.clone();
    sorted.sort();
    assert_eq!(
        evening.kiosk.store().ballots(&evening.poll.id).unwrap(),
        sorted
    );
}

/// Opens the kiosk's database behind its back, as an attacker with the card would.
fn behind_its_back(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("urne.sqlite")).unwrap()
}

#[test]
fn a_box_edited_on_the_card_is_refused_at_the_count_and_nothing_is_counted() {
    type Edit = fn(&rusqlite::Connection, &Evening);
    let altered: Edit = |db, _| {
        db.execute(
            "UPDATE sealed SET ciphertext = substr(ciphertext, 1, 40) || x'00' || substr(ciphertext, 42)
             WHERE id = (SELECT min(id) FROM sealed)",
            [],
        )
        .unwrap();
    };
    let removed: Edit = |db, _| {
        db.execute(
            "DELETE FROM sealed WHERE id = (SELECT min(id) FROM sealed)",
            [],
        )
        .unwrap();
    };
    // A forger with the public key makes a valid ballot, adds a "has voted" mark to match, and
    // rewrites the digest on the card to match too: only the kiosk's own digest is left.
    let added: Edit = |db, evening| {
        let event_id = evening.kiosk.event().unwrap().id.clone();
        let forged = sealed::seal(
            &evening.info.public,
            &BoxId::of(&event_id, &evening.poll),
            &evening.cast[0],
            sealed::padded_len(&evening.poll),
            [3; 32],
        )
        .unwrap();
        db.execute(
            "INSERT INTO sealed (poll, id, ciphertext) VALUES (?1, x'00', ?2)",
            rusqlite::params![POLL, forged.0],
        )
        .unwrap();
        db.execute(
            "INSERT INTO voted (poll, member) VALUES (?1, x'ff')",
            [POLL],
        )
        .unwrap();
        let rows: Vec<Vec<u8>> = db
            .prepare("SELECT ciphertext FROM sealed WHERE poll = ?1")
            .unwrap()
            .query_map([POLL], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let digest = sealed::BoxDigest::of(rows.iter().map(Vec::as_slice));
        db.execute(
            "UPDATE boxes SET count = ?2, sum = ?3 WHERE poll = ?1",
            rusqlite::params![
                POLL,
                i64::try_from(digest.count).unwrap(),
                &digest.sum.0[..]
            ],
        )
        .unwrap();
    };
    for (what, edit) in [("altered", altered), ("removed", removed), ("added", added)] {
        let dir = tempfile::tempdir().unwrap();
        let mut evening = evening(dir.path());
        evening.kiosk.close_poll(&evening.poll.id).unwrap();
        edit(&behind_its_back(dir.path()), &evening);
        let refused = count_with(&mut evening, &[0, 1]);
        assert!(
            matches!(refused, Err(KioskError::BoxRefused(_))),
            "{what}: {refused:?}"
        );
        // Nothing counted, the box still waits, and the chain says why.
        assert_eq!(
            evening.kiosk.result(&evening.poll.id).unwrap(),
            None,
            "{what}"
        );
        let chain = evening.kiosk.store().audit_chain().unwrap();
        assert!(
            chain.iter().any(|e| matches!(
                &e.event,
                urne_core::audit::AuditEvent::BoxRefused { poll, .. } if poll.as_str() == POLL
            )),
            "{what}: no BoxRefused in the audit chain"
        );
    }
}

#[test]
fn only_this_events_shares_rebuild_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let evening = evening(dir.path());
    let other = TallySecretKey::from_seed([9; 32]);
    let (foreign, _) = sealed::split(&other, 2, 3, [1; 32]).unwrap();
    let mut set = ShareSet::new(&evening.info);
    assert_eq!(set.add(&foreign[0].text()), Err(ShareError::OtherEvent));
    assert_eq!(set.add(&evening.shares[1].text()), Ok(2));
    assert!(set.key().unwrap().is_none(), "one share is not enough");
    assert_eq!(
        set.add(&evening.shares[1].text()),
        Err(ShareError::Duplicate(2))
    );
    assert_eq!(set.add(&evening.shares[2].text()), Ok(3));
    assert_eq!(set.key().unwrap().unwrap().public(), evening.key.public());
}

/// Types a share on the count page's keyboard, as a person reading the printed sheet would:
/// lower-case letters (the page writes them in capitals), and the share's digits and « : » on
/// their own row.
fn type_share(h: &urne_kiosk::ui_testing::Harness, text: &str) {
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        h.tap(&c.to_lowercase().to_string());
    }
}

#[test]
fn the_bureau_counts_a_sealed_poll_on_the_touchscreen() {
    use std::time::Duration;
    use urne_kiosk::generated::Page;
    use urne_kiosk::ui_testing::Harness;
    use urne_kiosk::view::ViewOptions;
    const WAIT: Duration = Duration::from_secs(10);

    let dir = tempfile::tempdir().unwrap();
    let evening = evening(dir.path());
    let expected_ballots = evening.cast.len();
    let Evening {
        mut kiosk,
        poll,
        shares,
        info,
        ..
    } = evening;
    kiosk.lock();
    let h = Harness::new(kiosk, ViewOptions::default(), 1280, 800);
    h.unlock();
    h.tap(&format!("Clore le scrutin : {}", poll.question));
    // Closing a sealed poll opens its count: two of the bureau's three parts are needed.
    assert!(h.wait_for_page(Page::Count, WAIT));
    assert!(h.shows("Aucune part lue pour l'instant."));
    // The key's fingerprint, written as each part sheet prints it, for the bureau to compare.
    let hex = info.public.fingerprint().to_hex();
    let groups: Vec<&str> = (0..16).map(|i| &hex[4 * i..4 * i + 4]).collect();
    assert!(h.shows(&format!(
        "Empreinte de la clé (la même sur chaque feuille de part) : {}",
        groups.join(" ")
    )));
    // Another event's part is refused by name, and nothing is read.
    let other = TallySecretKey::from_seed([9; 32]);
    let (foreign, _) = sealed::split(&other, 2, 3, [1; 32]).unwrap();
    h.scan(&foreign[0].text());
    assert!(h.wait_for(
        "Part refusée : cette part n'appartient pas à cet événement.",
        WAIT
    ));
    // The secretary's part, scanned.
    h.scan(&shares[1].text());
    assert!(h.wait_for("Parts lues : 1 sur 2 (n° 2).", WAIT));
    // The same part again is refused; the count stays where it was.
    h.scan(&shares[1].text());
    assert!(h.wait_for(
        "Part refusée : cette part a déjà été lue : il en faut une autre.",
        WAIT
    ));
    // « Plus tard » leaves the poll waiting on the dashboard and forgets the part read (no
    // share stays in memory between counts); « Dépouiller » comes back to it.
    h.tap("Dépouiller plus tard : le scrutin reste en attente de dépouillement et les parts lues sont oubliées");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
    assert!(h.shows_containing("en attente de dépouillement"));
    h.tap(&format!("Dépouiller le scrutin : {}", poll.question));
    assert!(h.wait_for_page(Page::Count, WAIT));
    assert!(h.wait_for("Aucune part lue pour l'instant.", WAIT));
    h.scan(&shares[1].text());
    assert!(h.wait_for("Parts lues : 1 sur 2 (n° 2).", WAIT));
    // What the bureau sees, for the docs, at the kiosk's two usual sizes.
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots");
    h.snapshot(&shots.join("count-1280x800.png"));
    h.resize(800, 480);
    h.settle();
    h.snapshot(&shots.join("count-800x480.png"));
    h.resize(1280, 800);
    // The assessor types theirs from the sheet, with its spaces; the box opens and the result
    // is shown.
    type_share(&h, &shares[2].grouped());
    h.tap("Lire cette part");
    assert!(
        h.wait_for_page(Page::Result, WAIT),
        "the result follows the last part"
    );
    h.shutdown();

    let store = urne_kiosk::store::Store::open(&dir.path().join("urne.sqlite")).unwrap();
    assert_eq!(store.ballots(&poll.id).unwrap().len(), expected_ballots);
    let events: Vec<_> = store
        .audit_chain()
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    use urne_core::audit::AuditEvent as A;
    let read: Vec<u8> = events
        .iter()
        .filter_map(|e| match e {
            A::ShareRead { share, .. } => Some(*share),
            _ => None,
        })
        .collect();
    assert_eq!(read, [2, 2, 3]);
    let refused = events
        .iter()
        .filter(|e| matches!(e, A::ShareRefused { .. }))
        .count();
    assert_eq!(refused, 2);
    assert!(events.iter().any(|e| matches!(
        e,
        A::PollCounted {
            ballots: 40,
            test_key: false,
            ..
        }
    )));
}

/// One evening of a delegate assembly on the demo: the first member is a federation carrying 12
/// mandates, twelve others carry one each; on the charter the federation votes `federation`
/// and the twelve vote `others`. Returns the exported bundle's ballot file and its result.
fn delegate_evening(
    federation: urne_core::ballot::MotionChoice,
    others: urne_core::ballot::MotionChoice,
) -> (Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let mut package = urne_kiosk::demo::package().package;
    package.roster.members[0].weight = 12;
    let signed = urne_codec::package::write(
        package.clone(),
        &urne_kiosk::demo::organiser_key(),
        Timestamp(1_796_400_000),
    )
    .unwrap();
    let mut kiosk = urne_kiosk::ui_testing::demo::Fixture::new(dir.path())
        .clock(Arc::new(FakeClock::at(Timestamp(1_796_495_400))))
        .build();
    kiosk.set_pin(urne_kiosk::demo::PIN).unwrap();
    kiosk.load_package(&signed.bytes).unwrap();
    kiosk.accept_unconfirmed_clock();
    let badges = urne_papers::badges::issue_all(&package, &urne_kiosk::demo::organiser_key());
    let members: Vec<MemberId> = badges
        .iter()
        .filter(|b| b.role == Role::Participant)
        .take(13)
        .map(|b| {
            assert!(matches!(
                kiosk.scan(&b.payload).unwrap(),
                ScanOutcome::Welcome { .. }
            ));
            b.id
        })
        .collect();
    assert_eq!(
        members[0], package.roster.members[0].id,
        "the federation votes first"
    );
    unlock(&mut kiosk);
    let charte = PollId::new("charte").unwrap();
    kiosk.open_poll(&charte).unwrap();
    for (i, member) in members.iter().enumerate() {
        let choice = if i == 0 { federation } else { others };
        kiosk
            .cast(member, member, &charte, Ballot::Motion(choice))
            .unwrap();
    }
    let Closing::Counted(_) = kiosk.close_poll(&charte).unwrap() else {
        panic!("sealed to the test key, counted at once");
    };
    let exported = kiosk.export(false).unwrap();
    let bundle = crate::support::reading::exported_bundle(&kiosk, exported.seq);
    // The bundle verifies: the re-count from the classes gives the result it states.
    urne_codec::verify::verify(&bundle, None).unwrap();
    let opened = urne_codec::bundle::open(&bundle, None).unwrap();
    (
        opened.files["polls/charte/ballots.json"].clone(),
        opened.files["polls/charte/result.json"].clone(),
    )
}

#[test]
fn a_delegates_unique_weight_does_not_say_how_it_voted() {
    use urne_core::ballot::MotionChoice::{Against, For};
    // Twelve mandates against and twelve for, in both evenings: the federation voted against in
    // the first and for in the second. Someone reading the bundles cannot tell which is which.
    let (ballots_a, result_a) = delegate_evening(Against, For);
    let (ballots_b, result_b) = delegate_evening(For, Against);
    assert_eq!(
        String::from_utf8_lossy(&ballots_a),
        String::from_utf8_lossy(&ballots_b),
        "the ballot file gives the federation's vote away"
    );
    assert_eq!(result_a, result_b);
    // Two classes, of twelve mandates each: no line carries the federation's weight alone.
    let classes: Vec<WeightedBallot> = serde_json::from_slice(&ballots_a).unwrap();
    assert_eq!(classes.len(), 2);
    assert!(classes.iter().all(|c| c.weight == 12));
}
