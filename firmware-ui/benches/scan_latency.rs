//! Scan-to-greeting latency at the door: from the last byte of a badge written to the scanner's
//! serial line (a pseudo-terminal) to the greeting in the UI state — through the scanner thread,
//! the worker (badge check, durable check-in) and back to the UI thread.
//!
//! Run: `cargo bench -p urne-kiosk --bench scan_latency` (`URNE_BENCH_SCANS`, default 1000).
//! Every scan is a first check-in: a fresh kiosk is opened for each 150 members.

#[path = "support/disk.rs"]
mod disk;
use disk::{bench_dir, percentile};

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serialport::{SerialPort, TTYPort};
use slint::ComponentHandle;
use urne_core::credential::Role;
use urne_kiosk::clock::SystemClock;
use urne_kiosk::generated::{KioskAdapter, Page, VoterAdapter};
use urne_kiosk::keystore::FileKeyStore;
use urne_kiosk::kiosk::Kiosk;
use urne_kiosk::scanner::{Scanner, SerialOpener};
use urne_kiosk::ui_testing::Harness;
use urne_kiosk::usb::MemoryTarget;
use urne_kiosk::view::{Reply, ViewOptions};

fn main() {
    let scans: usize = std::env::var("URNE_BENCH_SCANS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let badges: Vec<(String, String)> = urne_papers::badges::issue_all(
        &urne_kiosk::demo::package().package,
        &urne_kiosk::demo::organiser_key(),
    )
    .into_iter()
    .filter(|b| b.role == Role::Participant)
    .map(|b| (b.name, b.payload))
    .collect();
    let mut times = Vec::with_capacity(scans);
    while times.len() < scans {
        let dir = bench_dir();
        let mut kiosk = Kiosk::open(
            &dir.path().join("urne.sqlite"),
            &FileKeyStore::in_folder(dir.path()),
            Arc::new(SystemClock),
            Box::new(MemoryTarget::default()),
        )
        .unwrap();
        kiosk.set_pin("123456").unwrap();
        kiosk
            .load_package(&urne_kiosk::demo::package().bytes)
            .unwrap();
        let h = Harness::new(kiosk, ViewOptions::default(), 1024, 600);
        let (mut master, slave) = TTYPort::pair().unwrap();
        let post = h.outbox();
        let scanner = Scanner::spawn(
            SerialOpener {
                path: slave.name().unwrap(),
                baud: 9600,
            },
            move |e| {
                post.post(Reply::Scanner(e));
            },
        )
        .unwrap();
        // Wait for the scanner to be connected.
        h.settle();
        for (name, payload) in badges.iter().take(scans - times.len()) {
            master.write_all(payload.as_bytes()).unwrap();
            master.write_all(b"\r\n").unwrap();
            master.flush().unwrap();
            let start = Instant::now();
            loop {
                h.view.wait(Duration::from_millis(500));
                let kiosk = h.window.global::<KioskAdapter>();
                let voter = h.window.global::<VoterAdapter>();
                if kiosk.get_page() == Page::Welcome && voter.get_name() == name.as_str() {
                    break;
                }
                assert!(start.elapsed() < Duration::from_secs(10), "no greeting");
            }
            times.push(start.elapsed());
            h.tap("Terminer");
        }
        scanner.stop();
        drop(slave);
        h.shutdown();
    }
    times.sort();
    println!(
        "scan to greeting over {} first check-ins: p50 {:.2?}, p90 {:.2?}, p99 {:.2?}, max {:.2?}",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.9),
        percentile(&times, 0.99),
        times[times.len() - 1]
    );
}
