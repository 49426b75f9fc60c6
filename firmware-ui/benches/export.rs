//! Export and verification of a 10,000-ballot evening: 2,000 members check in and vote in five
//! polls (two motions, a single choice, a Majority Judgment over seven candidates, a
//! participatory budget over six projects). Then, in one run:
//!
//! * the kiosk's whole export (`Kiosk::export`: read the SQLite store, count, seal, verify its
//!   own bundle, draw the procès-verbal and the attendance sheet, write the three files to a
//!   folder with fsync), several times;
//! * `urne verify`'s work on that bundle (`urne_codec::verify::verify`: tar, signature, every
//!   hash, audit chain, attendance, every ballot, full re-count), split into the archive checks
//!   and the content checks, interleaved with
//! * `openssl pkeyutl -verify` of the same manifest (a process each time, as a person runs it).
//!
//! Run: `cargo bench -p urne-kiosk --bench export` (`URNE_BENCH_ROUNDS`, default 30). The last
//! bundle is kept as `target/bench-data/evening-10000.urne`.

#[path = "support/evening.rs"]
mod evening;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use evening::MEMBERS;

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
    let evening::Evening {
        mut kiosk,
        clock,
        dir,
    } = evening::ten_thousand_ballots();
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
    for (name, content) in urne_codec::tarball::read(&bytes).unwrap() {
        if !name.contains('/') {
            std::fs::write(plain.join(name), content).unwrap();
        }
    }

    let (mut full, mut archive, mut content, mut openssl) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        let report = urne_codec::verify::verify(&bytes, None).unwrap();
        full.push(t.elapsed());
        assert_eq!(report.content.results.len(), 5);

        let t = Instant::now();
        let opened = urne_codec::bundle::open(&bytes, None).unwrap();
        archive.push(t.elapsed());
        let t = Instant::now();
        urne_core::results::verify(&opened).unwrap();
        content.push(t.elapsed());

        let t = Instant::now();
        let out = Command::new("openssl")
            .args(urne_codec::bundle::OPENSSL_VERIFY_ARGS)
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
