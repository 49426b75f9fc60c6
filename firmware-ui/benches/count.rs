//! The count of a sealed 10,000-ballot poll (dépouillement), from the bureau's parts to the
//! result the screen draws: the parts read, the key rebuilt, every ciphertext opened, the box
//! checked against its digests, the ballots validated, counted, sorted and written in clear in
//! one transaction, the journal emptied, and urne-core's result model built. Each sample is a
//! fresh evening (a box is counted once): 10,000 members cast a Majority Judgment ballot through
//! the kiosk's own API on the real disk, then the poll is closed and counted.
//!
//! Run: `cargo bench -p urne-kiosk --bench count` (`URNE_BENCH_COUNTS`, default 5 evenings).

#[path = "support/disk.rs"]
mod disk;
use disk::bench_dir;

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use urne_core::ballot::Ballot;
use urne_core::credential::Role;
use urne_core::ids::PollId;
use urne_core::timestamp::Timestamp;
use urne_kiosk::clock::FakeClock;
use urne_kiosk::kiosk::{Closing, ScanOutcome, ShareOutcome};
use urne_kiosk::ui_testing::demo::Fixture;

const MEMBERS: usize = 10_000;

fn roster() -> Vec<u8> {
    let mut csv = "Nom;Prénom;Collectif\n".to_owned();
    for i in 0..MEMBERS {
        csv.push_str(&format!("Membre{i};Prénom{i};Collectif {}\n", i % 17));
    }
    csv.into_bytes()
}

/// One evening: returns the time from the first part read to the result model.
fn evening(seed: u64) -> (Duration, u64) {
    let dir = bench_dir();
    let key = urne_kiosk::demo::organiser_key();
    let built = urne_organiser::package::build(
        include_str!("../../demo/assemblee-demo.toml"),
        &roster(),
        &key,
        &mut ChaCha20Rng::seed_from_u64(seed),
        Timestamp(1_794_441_600),
        false,
        urne_organiser::package::Sealing::default(),
    )
    .unwrap();
    let badges = urne_papers::badges::issue_all(&built.package, &key);
    let clock = FakeClock::at(Timestamp(1_796_495_400));
    let mut kiosk = Fixture::new(dir.path())
        .seed(9)
        .clock(Arc::new(clock))
        .build();
    kiosk.set_pin("123456").unwrap();
    kiosk.load_package(&built.bytes).unwrap();
    let organiser = badges.iter().find(|b| b.role == Role::Organiser).unwrap();
    let ScanOutcome::Organiser { organiser, .. } = kiosk.scan(&organiser.payload).unwrap() else {
        panic!("organiser badge")
    };
    kiosk.unlock(&organiser, "123456").unwrap();
    let poll = PollId::new("priorites").unwrap();
    kiosk.open_poll(&poll).unwrap();
    let definition = kiosk.event().unwrap().poll(&poll).unwrap().clone();
    let candidates: Vec<_> = definition.kind.option_ids().into_iter().cloned().collect();
    for (i, badge) in badges
        .iter()
        .filter(|b| b.role == Role::Participant)
        .enumerate()
    {
        let ScanOutcome::Welcome { member, .. } = kiosk.scan(&badge.payload).unwrap() else {
            panic!("member badge")
        };
        let grades = candidates
            .iter()
            .enumerate()
            .map(|(c, id)| (id.clone(), u8::try_from((i * 3 + c * 5) % 7).unwrap()))
            .collect();
        kiosk
            .cast(&member, &member, &poll, Ballot::Grades(grades))
            .unwrap();
    }
    let Closing::AwaitingShares { .. } = kiosk.close_poll(&poll).unwrap() else {
        panic!("a sealed box waits for the parts")
    };
    let start = Instant::now();
    let ShareOutcome::Read(_) = kiosk.offer_share(&poll, &built.shares[0].text()).unwrap() else {
        panic!("one part is not enough")
    };
    let ShareOutcome::Counted(result) = kiosk.offer_share(&poll, &built.shares[2].text()).unwrap()
    else {
        panic!("two parts count")
    };
    let chart = urne_core::chart::ResultChart::of(&definition, &result);
    let elapsed = start.elapsed();
    std::hint::black_box(chart);
    (elapsed, result.ballots)
}

fn main() {
    let evenings: u64 = std::env::var("URNE_BENCH_COUNTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let mut times = Vec::new();
    for seed in 0..evenings {
        let (elapsed, ballots) = evening(seed);
        assert_eq!(ballots, MEMBERS as u64);
        println!("evening {seed}: {ballots} ballots counted in {elapsed:.1?}");
        times.push(elapsed);
    }
    times.sort();
    println!(
        "count of a sealed {MEMBERS}-ballot poll, parts to result model: median {:.1?}, max {:.1?} ({evenings} evenings)",
        times[times.len() / 2],
        times[times.len() - 1]
    );
}
