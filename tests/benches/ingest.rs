//! The registry's ingest, over real HTTP on 127.0.0.1 with its SQLite file (synchronous FULL):
//!
//! * 8 kiosks upload 250 small bundles each at the same time, every bundle checked in full
//!   (canonical tar, signature, hashes, enrolled device and organiser, re-count) and stored
//!   with its signed receipt, which each uploader verifies; the aim is ≥ 1,000 bundles/s.
//!   In the same run, the same work without HTTP (`Registry::receive` from 8 threads) shows
//!   what the network layer costs.
//! * A 10,000-ballot bundle (2,000 members × 5 polls) verified and stored, next to `urne
//!   verify`'s work alone on the same bytes.
//!
//! Run: `cargo bench -p urne-tests --bench ingest` (`URNE_BENCH_ROUNDS`, default 3).

#[path = "../tests/it/support.rs"]
mod support;

#[path = "../../firmware-ui/benches/support/evening.rs"]
mod big;

use std::sync::Arc;
use std::time::{Duration, Instant};

use urne_core::audit::{AuditEntry, AuditEvent};
use urne_core::crypto::SecretKey;
use urne_core::timestamp::Timestamp;
use urne_registry::{Limits, RegistryStore, Stored};
use urne_sync::uploader::Uploader;

const KIOSKS: usize = 8;
const PER_KIOSK: u64 = 250;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn open_limits() -> Limits {
    Limits {
        uploads_per_minute: u32::MAX / 2,
        burst: u32::MAX / 2,
        ..Limits::default()
    }
}

fn main() {
    let rounds: usize = std::env::var("URNE_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let organiser = urne_kiosk::demo::organiser_key();
    let package = urne_kiosk::demo::package();

    // Eight kiosks of the demo assembly, 20 check-ins each; each one's evening sealed 250 times
    // (sequence numbers 1 to 250), as 250 successive exports would be.
    let mut kiosks: Vec<(SecretKey, Vec<Vec<u8>>)> = Vec::new();
    for k in 0..KIOSKS {
        let mut seed = [0u8; 32];
        seed[..17].copy_from_slice(b"ingest bench kios");
        seed[31] = u8::try_from(k).unwrap();
        let evening = support::evening(seed, &package, &organiser, 20, 0);
        let content = evening.kiosk.results_content().unwrap();
        let bundles = (1..=PER_KIOSK)
            .map(|seq| {
                // As the kiosk exports: the export goes on the audit chain, then it is sealed.
                let at = Timestamp(1_796_500_000 + i64::try_from(seq).unwrap());
                let mut content = content.clone();
                let exported = AuditEntry::next(
                    content.audit.last(),
                    at,
                    AuditEvent::Exported { seq, test: false },
                );
                content.audit.push(exported);
                urne_codec::bundle::seal(&content, &evening.device, seq, at, false)
                    .unwrap()
                    .bytes
            })
            .collect();
        kiosks.push((evening.device, bundles));
    }
    let total = KIOSKS * usize::try_from(PER_KIOSK).unwrap();
    let size = kiosks[0].1[0].len();
    let devices: Vec<&SecretKey> = kiosks.iter().map(|(d, _)| d).collect();

    let (mut http, mut direct) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        // Over HTTP: 8 uploaders at once.
        let (_dir, db) = support::scratch();
        let registry = support::serve_in_process(
            support::registry_db(&db, &devices, &organiser),
            open_limits(),
        );
        let started = Instant::now();
        registry.runtime.block_on(async {
            let mut tasks = Vec::new();
            for (_, bundles) in &kiosks {
                let uploader = Uploader::new(&registry.url).unwrap();
                let bundles = bundles.clone();
                tasks.push(tokio::spawn(async move {
                    for bytes in bundles {
                        uploader.upload(bytes, None).await.unwrap();
                    }
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
        });
        http.push(started.elapsed());
        assert_eq!(
            registry.registry.store().bundle_count().unwrap(),
            u64::try_from(total).unwrap()
        );
        drop(registry);

        // The same work without HTTP.
        let (_dir, db) = support::scratch();
        let registry = support::serve_in_process(
            support::registry_db(&db, &devices, &organiser),
            open_limits(),
        );
        let shared = Arc::new(registry.registry.clone());
        let started = Instant::now();
        std::thread::scope(|scope| {
            for (_, bundles) in &kiosks {
                let shared = shared.clone();
                scope.spawn(move || {
                    for bytes in bundles {
                        assert!(matches!(shared.receive(bytes), Ok(Stored::New(_))));
                    }
                });
            }
        });
        direct.push(started.elapsed());
    }
    let rate = |d: Duration| format!("{:.0} bundles/s", total as f64 / d.as_secs_f64());

    // The 10,000-ballot evening, exported five times: five distinct bundles to store.
    let mut evening = big::ten_thousand_ballots();
    let mut bundles = Vec::new();
    for _ in 0..5 {
        evening.clock.advance(60);
        let exported = evening.kiosk.export(false).unwrap();
        bundles.push(std::fs::read(&exported.path).unwrap());
    }
    let device = SecretKey::from_seed(&[9; 32]);
    let (_dir, db) = support::scratch();
    let store = urne_registry::SqliteStore::open(&db).unwrap();
    store.enrol("kiosque", &device.public()).unwrap();
    store
        .assign(
            evening.kiosk.event().unwrap().id.as_str(),
            &device.public().fingerprint(),
            "2026-12-01T10:00:00Z",
        )
        .unwrap();
    store
        .enrol_organiser(
            evening.kiosk.event().unwrap().id.as_str(),
            "bureau",
            &organiser.public(),
        )
        .unwrap();
    let registry = support::serve_in_process(store, open_limits());
    let (mut stored, mut verified) = (Vec::new(), Vec::new());
    for bytes in &bundles {
        let t = Instant::now();
        urne_codec::verify::verify(bytes, None).unwrap();
        verified.push(t.elapsed());
        let t = Instant::now();
        assert!(matches!(
            registry.registry.receive(bytes),
            Ok(Stored::New(_))
        ));
        stored.push(t.elapsed());
    }

    println!(
        "ingest: {KIOSKS} kiosks × {PER_KIOSK} bundles of {} KiB, {rounds} rounds (aim ≥ 1,000 bundles/s)",
        size / 1024
    );
    println!(
        "  over HTTP, 8 uploaders at once: median {} for {total} → {}",
        ms(median(http.clone())),
        rate(median(http))
    );
    println!(
        "  same checks and stores without HTTP, 8 threads: median {} → {}",
        ms(median(direct.clone())),
        rate(median(direct))
    );
    println!(
        "10,000-ballot bundle ({} KiB): verify and store median {} (of 5); urne verify's work alone {}",
        bundles[0].len() / 1024,
        ms(median(stored)),
        ms(median(verified))
    );
}
