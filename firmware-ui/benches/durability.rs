//! The durable check-in and the durable cast against a bare SQLite insert + commit with the same
//! pragmas, measured interleaved: round after round, one of each, in rotating order, so that
//! all see the same disk. The cast is sealed (the demo package's box is sealed to the published
//! test key, which costs what any key costs); the sealing alone — HPKE with a fresh ephemeral
//! key, no I/O — is measured in the same rounds. A virtual machine's fsync can swing tenfold within a minute;
//! sequential benchmarks would compare different weather.
//!
//! A visit of two ballots (both motions, one transaction since issue 19) is measured beside the
//! cast of one, on every other member checked in.
//!
//! Run: `cargo bench -p urne-kiosk --bench durability` (`URNE_BENCH_ROUNDS`, default 1500).
//! The scan-to-greeting figure adds what a scan does besides the write: the badge's Ed25519
//! signature check and the queries for the polls due.

#[path = "support/disk.rs"]
mod disk;
use disk::{bare, bench_dir, percentile};

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::params;
use urne_core::ballot::{Ballot, MotionChoice};
use urne_core::credential::Role;
use urne_core::ids::{MemberId, PollId};
use urne_kiosk::kiosk::{BallotCast, Kiosk, ScanOutcome};
use urne_kiosk::ui_testing::demo::Fixture;

/// A kiosk with both motions open, and the 150 demo members' badges.
fn kiosk(dir: &Path) -> (Kiosk, Vec<String>) {
    let badges = urne_papers::badges::issue_all(
        &urne_kiosk::demo::package().package,
        &urne_kiosk::demo::organiser_key(),
    );
    let mut k = Fixture::new(dir).build();
    k.set_pin("123456").unwrap();
    k.load_package(&urne_kiosk::demo::package().bytes).unwrap();
    let organiser = badges.iter().find(|b| b.role == Role::Organiser).unwrap();
    let ScanOutcome::Organiser { organiser, .. } = k.scan(&organiser.payload).unwrap() else {
        panic!("organiser badge")
    };
    k.unlock(&organiser, "123456").unwrap();
    // The test machine's clock may not be synchronised (like a Pi booted offline): the
    // organiser confirms the time before opening polls, as on a kiosk.
    k.confirm_clock(0).unwrap();
    k.open_poll(&PollId::new("charte").unwrap()).unwrap();
    k.open_poll(&PollId::new("statuts").unwrap()).unwrap();
    let members = badges
        .iter()
        .filter(|b| b.role == Role::Participant)
        .map(|b| b.payload.clone())
        .collect();
    (k, members)
}

fn main() {
    let rounds: usize = std::env::var("URNE_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500);
    let dir = bench_dir();
    let conn = bare(&dir.path().join("bare.sqlite"));
    let poll = PollId::new("charte").unwrap();
    let mut kiosks = bench_dir();
    let (mut k, mut members) = kiosk(kiosks.path());
    let mut next = 0usize;
    // Members checked in by the check-in measurement, waiting to cast one ballot, or a visit.
    let mut voters: Vec<MemberId> = Vec::new();
    let mut visitors: Vec<MemberId> = Vec::new();
    let statuts = PollId::new("statuts").unwrap();
    // The durable check-in on its own: the store's write (check-in row and audit entry in one
    // transaction), without badge verification and the queries of the polls due.
    let store_dir = bench_dir();
    let mut store = urne_kiosk::store::Store::open(&store_dir.path().join("urne.sqlite")).unwrap();
    let mut times: [Vec<Duration>; 6] = Default::default();
    let event = k.event().unwrap().clone();
    let definition = event.poll(&poll).unwrap().clone();
    let public = urne_core::sealed::TallySecretKey::test().public();
    let box_id = urne_core::sealed::BoxId::of(&event.id, &definition);
    let pad = urne_core::sealed::padded_len(&definition);
    let ballot = urne_core::ballot::WeightedBallot::single(Ballot::Motion(MotionChoice::For));
    let mut n: u64 = 0;
    for round in 0..rounds {
        if next == members.len() {
            // Every member of this kiosk has checked in and voted: a fresh kiosk.
            kiosks = bench_dir();
            (k, members) = kiosk(kiosks.path());
            next = 0;
            voters.clear();
            visitors.clear();
        }
        for step in 0..6 {
            match (round + step) % 6 {
                0 => {
                    n += 1;
                    let mut key = [0u8; 16];
                    key[..8].copy_from_slice(&n.to_le_bytes());
                    let start = Instant::now();
                    conn.execute(
                        "INSERT INTO t (id, v) VALUES (?1, ?2)",
                        params![&key[..], &[7u8; 40][..]],
                    )
                    .unwrap();
                    times[0].push(start.elapsed());
                }
                1 => {
                    let payload = &members[next];
                    next += 1;
                    let start = Instant::now();
                    let outcome = k.scan(payload).unwrap();
                    times[1].push(start.elapsed());
                    let ScanOutcome::Welcome { member, .. } = outcome else {
                        panic!("member badge")
                    };
                    if next.is_multiple_of(2) {
                        voters.push(member);
                    } else {
                        visitors.push(member);
                    }
                }
                2 => {
                    // The member checked in just before (this round or the last) casts.
                    let Some(member) = voters.pop() else {
                        continue;
                    };
                    let start = Instant::now();
                    k.cast(&member, &member, &poll, Ballot::Motion(MotionChoice::For))
                        .unwrap();
                    times[2].push(start.elapsed());
                }
                5 => {
                    let Some(member) = visitors.pop() else {
                        continue;
                    };
                    let visit: Vec<BallotCast> = [&poll, &statuts]
                        .into_iter()
                        .map(|p| BallotCast {
                            member,
                            poll: p.clone(),
                            ballot: Ballot::Motion(MotionChoice::For),
                        })
                        .collect();
                    let start = Instant::now();
                    k.cast_visit(&member, &visit).unwrap();
                    times[5].push(start.elapsed());
                }
                4 => {
                    let mut seed = [0u8; 32];
                    seed[..8].copy_from_slice(&n.to_le_bytes());
                    seed[8..16].copy_from_slice(&(round as u64).to_le_bytes());
                    let start = Instant::now();
                    let sealed = urne_core::sealed::seal(&public, &box_id, &ballot, pad, seed);
                    times[4].push(start.elapsed());
                    std::hint::black_box(sealed.unwrap());
                }
                _ => {
                    let mut id = [0xC0u8; 16];
                    id[..8].copy_from_slice(&n.to_be_bytes());
                    id[8..12].copy_from_slice(&u32::try_from(round).unwrap_or(0).to_be_bytes());
                    let member = MemberId::from_bytes(id);
                    let start = Instant::now();
                    store
                        .check_in(&member, urne_core::timestamp::Timestamp(1))
                        .unwrap();
                    times[3].push(start.elapsed());
                }
            }
        }
    }
    let names = [
        "bare SQLite insert + commit",
        "scan to greeting (verify, check in, due)",
        "sealed cast (mark + ciphertext + digest)",
        "check-in write (row + audit entry)",
        "sealing alone (HPKE, no I/O)",
        "visit of two (2 sealed, one transaction)",
    ];
    let mut medians = [Duration::ZERO; 6];
    println!("{rounds} interleaved rounds (WAL, synchronous=FULL, secure_delete=ON):");
    for (i, samples) in times.iter_mut().enumerate() {
        samples.sort();
        medians[i] = percentile(samples, 0.5);
        println!(
            "  {:<40} n={:>5}  p50 {:>8.1?}  p90 {:>8.1?}  p99 {:>8.1?}",
            names[i],
            samples.len(),
            percentile(samples, 0.5),
            percentile(samples, 0.9),
            percentile(samples, 0.99),
        );
    }
    let ratio = |d: Duration| d.as_secs_f64() / medians[0].as_secs_f64();
    println!(
        "  median ratio to the bare commit: check-in write {:.2}×, sealed cast {:.2}×, scan to greeting {:.2}×, sealing alone {:.2}×, visit of two {:.2}×",
        ratio(medians[3]),
        ratio(medians[2]),
        ratio(medians[1]),
        ratio(medians[4]),
        ratio(medians[5])
    );
    println!(
        "  a visit of two against two casts of one: {:.2}×",
        medians[5].as_secs_f64() / (2.0 * medians[2].as_secs_f64())
    );
}
