//! Export and verification of a 10,000-ballot evening: 2,000 members check in and vote in five
//! polls (two motions, a single choice, a Majority Judgment over seven candidates, a
//! participatory budget over six projects). Then, in one run:
//!
//! * the kiosk's whole export (`Kiosk::export`: read the SQLite store, count, seal, verify its
//!   own bundle, draw the procès-verbal and the attendance sheet, write the three files to a
//!   folder with fsync), several times;
//! * `urne verify`'s work on that bundle (`urne_sync::verify::verify`: tar, signature, every
//!   hash, audit chain, attendance, every ballot, full re-count), split into the archive checks
//!   and the content checks, interleaved with
//! * `openssl pkeyutl -verify` of the same manifest (a process each time, as a person runs it).
//!
//! Run: `cargo bench -p urne-kiosk --bench export` (`URNE_BENCH_ROUNDS`, default 30). The last
//! bundle is kept as `target/bench-data/evening-10000.urne`.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand_chacha::ChaCha20Rng;
use urne_core::ballot::{Ballot, MotionChoice};
use urne_core::credential::Role;
use urne_core::ids::{OptionId, PollId};
use urne_core::rand_core::SeedableRng;
use urne_core::timestamp::Timestamp;
use urne_kiosk::clock::FakeClock;
use urne_kiosk::keystore::MemoryKeyStore;
use urne_kiosk::kiosk::{Kiosk, ScanOutcome};
use urne_kiosk::usb::FolderTarget;

const MEMBERS: usize = 2_000;

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

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let rounds: usize = std::env::var("URNE_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let dir = bench_dir();
    let stick = dir.path().join("stick");
    std::fs::create_dir(&stick).unwrap();

    let key = urne_sync::demo::organiser_key();
    let built = urne_sync::package::build(
        urne_sync::demo::EVENT_TOML,
        &roster(),
        &key,
        &mut ChaCha20Rng::seed_from_u64(7),
        Timestamp(1_794_441_600),
        false,
    )
    .unwrap();
    let badges = urne_sync::badges::issue_all(&built.package, &key);
    let clock = FakeClock::at(Timestamp(1_796_495_400));
    let mut kiosk = Kiosk::open(
        &dir.path().join("urne.sqlite"),
        &MemoryKeyStore::new([9; 32]),
        Arc::new(clock.clone()),
        Box::new(FolderTarget::new(&stick)),
    )
    .unwrap();
    kiosk.load_package(&built.bytes).unwrap();
    kiosk.set_pin("123456").unwrap();
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
    for p in &polls {
        kiosk.close_poll(p).unwrap();
    }
    eprintln!(
        "{cast} ballots of {MEMBERS} members cast and closed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(cast, 10_000);

    // The export, five times (each one a new sequence number and three new files).
    let mut exports = Vec::new();
    let mut last = None;
    for _ in 0..5 {
        clock.advance(60);
        let t = Instant::now();
        let exported = kiosk.export(false).unwrap();
        exports.push(t.elapsed());
        last = Some(exported);
    }
    let exported = last.unwrap();
    let bytes = std::fs::read(&exported.path).unwrap();
    // Kept for timing the `urne verify` command itself (see docs/PERFORMANCE.md).
    let kept =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data/evening-10000.urne");
    std::fs::write(&kept, &bytes).unwrap();
    let sizes: Vec<String> = exported
        .files
        .iter()
        .map(|f| {
            format!(
                "{} {} KiB",
                f.file_name().unwrap().to_string_lossy(),
                std::fs::metadata(f).unwrap().len() / 1024
            )
        })
        .collect();

    // The manifest, signature and key, as someone with only OpenSSL would extract them.
    let plain = dir.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    for (name, content) in urne_sync::tarball::read(&bytes).unwrap() {
        if !name.contains('/') {
            std::fs::write(plain.join(name), content).unwrap();
        }
    }

    let (mut full, mut archive, mut content, mut openssl) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        let report = urne_sync::verify::verify(&bytes, None).unwrap();
        full.push(t.elapsed());
        assert_eq!(report.content.results.len(), 5);

        let t = Instant::now();
        let opened = urne_sync::bundle::open(&bytes, None).unwrap();
        archive.push(t.elapsed());
        let t = Instant::now();
        urne_core::results::verify(&opened).unwrap();
        content.push(t.elapsed());

        let t = Instant::now();
        let out = Command::new("openssl")
            .args([
                "pkeyutl",
                "-verify",
                "-pubin",
                "-inkey",
                "device.pem",
                "-rawin",
                "-in",
                "manifest.json",
                "-sigfile",
                "manifest.sig",
            ])
            .current_dir(&plain)
            .output()
            .unwrap();
        openssl.push(t.elapsed());
        assert!(out.status.success());
    }

    println!("10,000-ballot evening ({MEMBERS} members × 5 polls), {rounds} rounds");
    println!("files: {}", sizes.join(", "));
    println!(
        "export (store → count → seal → self-verify → PV + CSV → 3 durable writes): median {} (of 5)",
        ms(median(exports))
    );
    println!(
        "urne verify (library): median {}  [archive: signature + hashes {}; content: audit, attendance, ballots, re-count {}]",
        ms(median(full)),
        ms(median(archive)),
        ms(median(content))
    );
    println!(
        "openssl pkeyutl -verify (one process): median {}",
        ms(median(openssl))
    );
}
