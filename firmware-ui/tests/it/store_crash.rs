//! Power-cut test: a child process checks members in and casts each member's visit (a ballot in
//! each of two polls) through the real kiosk and store, printing an acknowledgement after each
//! commit returned, while this test kills it with SIGKILL at random moments. After every kill
//! the database must pass SQLite's integrity check, hold every acknowledged record exactly once,
//! have as many "has voted" marks as ballots in every poll, and hold each visit whole or not at
//! all (a member marked in one poll is marked in both); and, read byte by byte as someone
//! holding the card would, the
//! database, its WAL and its shared memory hold no ballot in clear (the polls stay open, so every
//! ballot is sealed; the sealed box is in `sealed_box.rs`).
//!
//! `URNE_CRASH_CYCLES` sets the number of kills (200 by default; long runs set 1,000 or more).
//! `URNE_CRASH_WINDOW_MS` sets the latest moment of a kill after the child starts (80 ms by
//! default): under emulation (deploy/cross-test.sh runs the tests as arm64 code under qemu) the
//! child starts several times slower, and the window is widened so that the kills still land
//! from inside start-up to well into the casting.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use urne_core::ballot::{Ballot, MotionChoice, WeightedBallot};
use urne_core::credential::Role;
use urne_core::ids::{MemberId, PollId};
use urne_kiosk::kiosk::{BallotCast, Kiosk, PinOutcome, ScanOutcome};
use urne_kiosk::store::Store;
use urne_kiosk::ui_testing::demo::Fixture;

const POLLS: [&str; 2] = ["charte", "statuts"];

/// The child's work: run when the test binary is started with `URNE_CRASH_CHILD=<folder>`.
#[test]
fn crash_child() {
    let Some(dir) = std::env::var_os("URNE_CRASH_CHILD") else {
        return;
    };
    let dir = Path::new(&dir);
    let mut kiosk = open(dir);
    let badges = urne_papers::badges::issue_all(
        &urne_kiosk::demo::package().package,
        &urne_kiosk::demo::organiser_key(),
    );
    let mut out = std::io::stdout().lock();
    let participants: Vec<_> = badges
        .iter()
        .filter(|b| b.role == Role::Participant)
        .collect();
    for (n, badge) in participants.iter().enumerate() {
        let ScanOutcome::Welcome { member, due, .. } = kiosk.scan(&badge.payload).unwrap() else {
            panic!("member badge refused")
        };
        writeln!(out, "checkin {member}").unwrap();
        out.flush().unwrap();
        let choice = if n % 3 == 0 {
            MotionChoice::Against
        } else {
            MotionChoice::For
        };
        let visit: Vec<BallotCast> = due
            .iter()
            .map(|d| BallotCast {
                member: d.member,
                poll: d.poll.clone(),
                ballot: Ballot::Motion(choice),
            })
            .collect();
        if visit.is_empty() {
            continue;
        }
        kiosk.cast_visit(&member, &visit).unwrap();
        // Acknowledged only now that the commit returned, as « A voté ! » would be.
        for b in &visit {
            writeln!(out, "cast {} {} {}", b.poll, b.member, n % 3 == 0).unwrap();
        }
        out.flush().unwrap();
    }
    writeln!(out, "done").unwrap();
    out.flush().unwrap();
}

fn open(dir: &Path) -> Kiosk {
    Fixture::new(dir).key_file().build()
}

/// A kiosk database with the event loaded and both motions open, as at the start of voting:
/// the kills then land while members check in and cast, which is what this test is about.
fn prepared() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut kiosk = open(dir.path());
    kiosk.set_pin("123456").unwrap();
    kiosk
        .load_package(&urne_kiosk::demo::package().bytes)
        .unwrap();
    let organiser = urne_papers::badges::issue_all(
        &urne_kiosk::demo::package().package,
        &urne_kiosk::demo::organiser_key(),
    )
    .into_iter()
    .find(|b| b.role == Role::Organiser)
    .unwrap();
    let ScanOutcome::Organiser { organiser, .. } = kiosk.scan(&organiser.payload).unwrap() else {
        panic!("organiser badge refused")
    };
    assert_eq!(
        kiosk.unlock(&organiser, "123456").unwrap(),
        PinOutcome::Unlocked
    );
    // The test machine's clock may not be synchronised (like a Pi booted offline): the
    // organiser confirms the time before opening polls, as on a kiosk.
    kiosk.confirm_clock(0).unwrap();
    for poll in POLLS {
        kiosk.open_poll(&PollId::new(poll).unwrap()).unwrap();
    }
    dir
}

/// A small deterministic generator for the kill delays (the test must be reproducible).
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

#[derive(Default)]
struct Acks {
    checkins: Vec<MemberId>,
    /// poll → (member, voted against)
    casts: BTreeMap<String, Vec<(MemberId, bool)>>,
    done: bool,
}

fn check(dir: &Path, acks: &Acks) {
    let store = Store::open(&dir.join("urne.sqlite")).expect("the database opens after a kill");
    store
        .integrity_check()
        .expect("PRAGMA integrity_check is ok");
    let present: Vec<MemberId> = store
        .present()
        .unwrap()
        .into_iter()
        .map(|(m, _)| m)
        .collect();
    for member in &acks.checkins {
        assert_eq!(
            present.iter().filter(|m| *m == member).count(),
            1,
            "an acknowledged check-in is present exactly once"
        );
    }
    for poll in POLLS {
        let id = PollId::new(poll).unwrap();
        let ballots = crate::support::demo_box(&store, poll);
        let marks = store.voted_count(&id).unwrap();
        assert_eq!(
            marks,
            ballots.len() as u64,
            "poll {poll}: every mark has its ballot and every ballot its mark"
        );
        let acked = acks.casts.get(poll).cloned().unwrap_or_default();
        for (member, _) in &acked {
            assert!(
                store.has_voted(&id, member).unwrap(),
                "an acknowledged cast is stored"
            );
        }
        let against = ballots
            .iter()
            .filter(|b| **b == WeightedBallot::single(Ballot::Motion(MotionChoice::Against)))
            .count();
        let acked_against = acked.iter().filter(|(_, a)| *a).count();
        assert!(
            against >= acked_against && ballots.len() - against >= acked.len() - acked_against,
            "poll {poll}: every acknowledged ballot's content is stored"
        );
    }
    // A visit is all or nothing: whoever is marked in one poll is marked in every poll of the
    // visit, whatever moment the kill chose.
    let polls: Vec<PollId> = POLLS.iter().map(|p| PollId::new(*p).unwrap()).collect();
    for member in &present {
        let marked: Vec<bool> = polls
            .iter()
            .map(|p| store.has_voted(p, member).unwrap())
            .collect();
        assert!(
            marked.iter().all(|m| *m) || marked.iter().all(|m| !*m),
            "member {member}'s visit is stored in part: {marked:?} over {POLLS:?}"
        );
    }
    assert!(
        urne_core::audit::verify_chain(&store.audit_chain().unwrap()).is_ok(),
        "the audit chain holds"
    );
    // The attacker's read of the card the kill left (database, WAL, shared memory, byte by
    // byte): with every poll still open, no ballot is anywhere in clear, whatever the frames and
    // cell order pair with the "has voted" marks.
    for suffix in ["", "-wal", "-shm"] {
        let Ok(bytes) = std::fs::read(dir.join(format!("urne.sqlite{suffix}"))) else {
            continue;
        };
        assert!(
            !bytes.windows(10).any(|w| w == b"{\"ballot\":"),
            "urne.sqlite{suffix} holds a ballot in clear after a kill"
        );
    }
}

#[test]
fn acknowledged_records_survive_sigkill_at_random_moments() {
    let cycles: u32 = std::env::var("URNE_CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let window: u64 = std::env::var("URNE_CRASH_WINDOW_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&ms| ms > 2)
        .unwrap_or(80);
    let exe = std::env::current_exe().unwrap();
    let mut rng = Lcg(0x005E_ED0F_C4A5);
    let mut dir = prepared();
    let mut acks = Acks::default();
    let mut kills = 0;
    let mut acked_casts = 0usize;
    for _ in 0..cycles {
        if acks.done {
            // Every member voted in this database: carry on with a fresh one.
            dir = prepared();
            acks = Acks::default();
        }
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "store_crash::crash_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("URNE_CRASH_CHILD", dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<String>>()
        });
        // Between 2 and 80 ms (the window): from inside start-up to well into the casting.
        std::thread::sleep(Duration::from_millis(2 + rng.next() % (window - 2)));
        if child.kill().is_ok() {
            kills += 1;
        }
        let _ = child.wait();
        for line in reader.join().unwrap() {
            let parts: Vec<&str> = line.split_whitespace().collect();
            match parts.as_slice() {
                ["checkin", m] => acks.checkins.push(m.parse().unwrap()),
                ["cast", poll, m, against] => {
                    acked_casts += 1;
                    acks.casts
                        .entry((*poll).to_owned())
                        .or_default()
                        .push((m.parse().unwrap(), *against == "true"));
                }
                ["done"] => acks.done = true,
                _ => {}
            }
        }
        check(dir.path(), &acks);
    }
    assert!(kills > 0, "the child was killed at least once");
    // The kills must land while ballots are being cast, not only during start-up.
    assert!(
        acked_casts > usize::try_from(cycles).unwrap_or(0),
        "only {acked_casts} casts were acknowledged in {cycles} cycles"
    );
    println!("{cycles} cycles, {kills} kills, {acked_casts} acknowledged casts checked");
}
