//! Store benchmarks: the durable check-in and the durable cast, each next to a bare SQLite
//! insert + commit with the same pragmas (WAL, synchronous = FULL, secure_delete), measured in
//! the same run on the same disk. Figures go to docs/PERFORMANCE.md.
//!
//! Run: `cargo bench -p urne-kiosk --bench store`

#[path = "support/disk.rs"]
mod disk;
use disk::{bare, bench_dir};

use std::hint::black_box;
use std::path::Path;

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use rusqlite::params;
use urne_core::ballot::{Ballot, MotionChoice};
use urne_core::credential::Role;
use urne_core::ids::PollId;
use urne_kiosk::kiosk::{Kiosk, ScanOutcome};
use urne_kiosk::ui_testing::demo::Fixture;

fn kiosk(dir: &Path) -> Kiosk {
    let mut k = Fixture::new(dir).pin("123456").build();
    k.load_package(&urne_kiosk::demo::package().bytes).unwrap();
    k
}

fn benches(c: &mut Criterion) {
    let badges = urne_papers::badges::issue_all(
        &urne_kiosk::demo::package().package,
        &urne_kiosk::demo::organiser_key(),
    );
    let members: Vec<String> = badges
        .iter()
        .filter(|b| b.role == Role::Participant)
        .map(|b| b.payload.clone())
        .collect();
    let organiser = badges
        .iter()
        .find(|b| b.role == Role::Organiser)
        .unwrap()
        .payload
        .clone();

    let mut group = c.benchmark_group("durable write");
    group.sample_size(60);

    // Bare SQLite: one 16-byte key and a 40-byte value, inserted and committed.
    let dir = bench_dir();
    let conn = bare(&dir.path().join("bare.sqlite"));
    let mut n: u64 = 0;
    group.bench_function("bare insert + commit", |b| {
        b.iter(|| {
            n += 1;
            let mut key = [0u8; 16];
            key[..8].copy_from_slice(&n.to_le_bytes());
            conn.execute(
                "INSERT INTO t (id, v) VALUES (?1, ?2)",
                params![&key[..], &[7u8; 40][..]],
            )
            .unwrap();
        });
    });

    // A check-in: badge signature check, roster lookup, check-in row and audit entry in one
    // transaction. Each iteration checks a new member in (fresh kiosk every 150 scans).
    let dir = bench_dir();
    let mut k = kiosk(dir.path());
    let mut next = 0usize;
    group.bench_function("check-in (scan to stored greeting)", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                if next == members.len() {
                    k = kiosk(bench_dir().keep().as_path());
                    next = 0;
                }
                let payload = &members[next];
                next += 1;
                let start = Instant::now();
                let outcome = k.scan(payload).unwrap();
                total += start.elapsed();
                assert!(matches!(outcome, ScanOutcome::Welcome { .. }));
                black_box(outcome);
            }
            total
        });
    });

    // A cast: "has voted" mark and ballot in one transaction.
    let dir = bench_dir();
    let poll = PollId::new("charte").unwrap();
    let fresh_cast_kiosk = |dir: &Path| {
        let mut k = kiosk(dir);
        let ScanOutcome::Organiser { organiser, .. } = k.scan(&organiser).unwrap() else {
            panic!("organiser badge")
        };
        k.unlock(&organiser, "123456").unwrap();
        // The machine's clock may not be synchronised, like a Pi booted offline: the organiser
        // confirms the time before opening polls.
        k.confirm_clock(0).unwrap();
        let ids: Vec<_> = members
            .iter()
            .map(|p| match k.scan(p).unwrap() {
                ScanOutcome::Welcome { member, .. } => member,
                _ => panic!("member badge"),
            })
            .collect();
        k.open_poll(&poll).unwrap();
        (k, ids)
    };
    let (mut k, mut ids) = fresh_cast_kiosk(dir.path());
    group.bench_function("cast (mark + ballot)", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                if ids.is_empty() {
                    let fresh = fresh_cast_kiosk(bench_dir().keep().as_path());
                    k = fresh.0;
                    ids = fresh.1;
                }
                let member = ids.pop().unwrap();
                let start = Instant::now();
                k.cast(&member, &member, &poll, Ballot::Motion(MotionChoice::For))
                    .unwrap();
                total += start.elapsed();
            }
            total
        });
    });
    group.finish();
}

criterion_group!(store, benches);
criterion_main!(store);
