//! The 10,000-ballot evening shared by the benchmarks (`export` here, `ingest` in urne-tests):
//! 2,000 members check in and vote in five polls (two motions, a single choice, a Majority
//! Judgment over seven candidates, a participatory budget over six projects), all closed.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use rand_chacha::ChaCha20Rng;
use urne_core::ballot::{Ballot, MotionChoice};
use urne_core::credential::Role;
use urne_core::ids::{OptionId, PollId};
use urne_core::rand_core::SeedableRng;
use urne_core::timestamp::Timestamp;
use urne_kiosk::clock::FakeClock;
use urne_kiosk::kiosk::{Closing, Kiosk, ScanOutcome};
use urne_kiosk::ui_testing::demo::Fixture;

/// Members on the roster, each casting five ballots.
pub const MEMBERS: usize = 2_000;

/// The evening's kiosk, unlocked, every poll closed, exporting to `dir/stick`.
pub struct Evening {
    /// The kiosk.
    pub kiosk: Kiosk,
    /// Its clock.
    pub clock: FakeClock,
    /// Its folder (database, stick), removed when dropped. (Not every benchmark reads it; each
    /// one holds it as long as the kiosk.)
    #[allow(dead_code)]
    pub dir: tempfile::TempDir,
}

fn bench_dir() -> tempfile::TempDir {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
    std::fs::create_dir_all(&base).unwrap();
    tempfile::tempdir_in(base).unwrap()
}

fn roster() -> Vec<u8> {
    let mut csv = "Nom;Prénom;Collectif\n".to_owned();
    for i in 0..MEMBERS {
        csv.push_str(&format!("Membre{i};Prénom{i};Collectif {}\n", i % 17));
    }
    csv.into_bytes()
}

/// Runs the evening: check-ins, 10,000 ballots through the kiosk's own API, polls closed.
pub fn ten_thousand_ballots() -> Evening {
    let dir = bench_dir();
    let stick = dir.path().join("stick");
    std::fs::create_dir(&stick).unwrap();

    let key = urne_kiosk::demo::organiser_key();
    let built = urne_organiser::package::build(
        include_str!("../../../demo/assemblee-demo.toml"),
        &roster(),
        &key,
        &mut ChaCha20Rng::seed_from_u64(7),
        Timestamp(1_794_441_600),
        false,
        urne_organiser::package::Sealing::default(),
    )
    .unwrap();
    let badges = urne_papers::badges::issue_all(&built.package, &key);
    let clock = FakeClock::at(Timestamp(1_796_495_400));
    let mut kiosk = Fixture::new(dir.path())
        .seed(9)
        .clock(Arc::new(clock.clone()))
        .usb_folder(&stick)
        .build();
    kiosk.set_pin("123456").unwrap();
    kiosk.load_package(&built.bytes).unwrap();
    let organiser = badges.iter().find(|b| b.role == Role::Organiser).unwrap();
    let ScanOutcome::Organiser { organiser, .. } = kiosk.scan(&organiser.payload).unwrap() else {
        panic!("organiser badge")
    };
    kiosk.unlock(&organiser, "123456").unwrap();

    let polls: Vec<PollId> = ["charte", "statuts", "lieu", "priorites", "budget"]
        .iter()
        .map(|p| PollId::new(*p).unwrap())
        .collect();
    for p in &polls {
        kiosk.open_poll(p).unwrap();
    }
    let event = kiosk.event().unwrap().clone();
    let options = |p: &str| -> Vec<OptionId> {
        event
            .poll(&PollId::new(p).unwrap())
            .unwrap()
            .kind
            .option_ids()
            .into_iter()
            .cloned()
            .collect()
    };
    let (lieu, candidates, projects) = (options("lieu"), options("priorites"), options("budget"));

    let started = Instant::now();
    let mut cast = 0;
    for (i, badge) in badges
        .iter()
        .filter(|b| b.role == Role::Participant)
        .enumerate()
    {
        let ScanOutcome::Welcome { member, .. } = kiosk.scan(&badge.payload).unwrap() else {
            panic!("member badge")
        };
        let motion = |k: usize| {
            Ballot::Motion(match (i * k) % 5 {
                0..=2 => MotionChoice::For,
                3 => MotionChoice::Against,
                _ => MotionChoice::Abstain,
            })
        };
        let ballots = [
            motion(1),
            motion(3),
            Ballot::Single(lieu[(i * 7) % lieu.len()].clone()),
            Ballot::Grades(
                candidates
                    .iter()
                    .enumerate()
                    .map(|(c, id)| (id.clone(), u8::try_from((i * 3 + c * 5) % 7).unwrap()))
                    .collect(),
            ),
            Ballot::Budget(
                projects
                    .iter()
                    .enumerate()
                    .filter(|(p, _)| (i + p) % 3 == 0)
                    .map(|(_, id)| id.clone())
                    .collect(),
            ),
        ];
        for (poll, ballot) in polls.iter().zip(ballots) {
            kiosk.cast(&member, &member, poll, ballot).unwrap();
            cast += 1;
        }
    }
    // The box is sealed to the event's key: two of the bureau's three parts count each poll.
    for p in &polls {
        if let Closing::AwaitingShares { .. } = kiosk.close_poll(p).unwrap() {
            for share in &built.shares[..2] {
                kiosk.offer_share(p, &share.text()).unwrap();
            }
        }
    }
    eprintln!(
        "{cast} ballots of {MEMBERS} members cast and closed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(cast, 10_000);

    Evening { kiosk, clock, dir }
}
