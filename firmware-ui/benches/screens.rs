//! The touchscreen's costs: full-frame software render time of each ballot screen at 1280×800,
//! kiosk start to first frame, and resident memory after an evening's worth of actions.
//!
//! Run: `cargo bench -p urne-kiosk --bench screens`. The frames are drawn by Slint's software
//! renderer (the one the Pi uses without a GPU) through `take_snapshot`, which renders the whole
//! window into a fresh buffer: a full frame, never a partial redraw.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use slint::ComponentHandle;
use urne_core::credential::Role;
use urne_core::ids::PollId;
use urne_kiosk::clock::SystemClock;
use urne_kiosk::generated::Page;
use urne_kiosk::keystore::FileKeyStore;
use urne_kiosk::kiosk::{Kiosk, ScanOutcome};
use urne_kiosk::ui_testing::Harness;
use urne_kiosk::usb::MemoryTarget;
use urne_kiosk::view::ViewOptions;
use urne_sync::badges::Badge;

const WAIT: Duration = Duration::from_secs(10);
const FRAMES: usize = 60;

fn bench_dir() -> tempfile::TempDir {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
    std::fs::create_dir_all(&base).unwrap();
    tempfile::tempdir_in(base).unwrap()
}

fn badges() -> Vec<Badge> {
    urne_sync::badges::issue_all(
        &urne_sync::demo::package().package,
        &urne_sync::demo::organiser_key(),
    )
}

fn kiosk(dir: &Path, open: &[usize]) -> Kiosk {
    let mut k = Kiosk::open(
        &dir.join("urne.sqlite"),
        &FileKeyStore::in_folder(dir),
        Arc::new(SystemClock),
        Box::new(MemoryTarget::default()),
    )
    .unwrap();
    k.load_package(&urne_sync::demo::package().bytes).unwrap();
    k.set_pin("123456").unwrap();
    let organiser = badges()
        .into_iter()
        .find(|b| b.role == Role::Organiser)
        .unwrap();
    let ScanOutcome::Organiser { organiser, .. } = k.scan(&organiser.payload).unwrap() else {
        panic!("organiser badge");
    };
    k.unlock(&organiser, "123456").unwrap();
    let polls: Vec<PollId> = k
        .event()
        .unwrap()
        .polls
        .iter()
        .map(|p| p.id.clone())
        .collect();
    for i in open {
        k.open_poll(&polls[*i]).unwrap();
    }
    k.lock();
    k
}

fn frame(h: &Harness) {
    let buffer = h.window.window().take_snapshot().unwrap();
    std::hint::black_box(buffer);
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn render_times() {
    println!("Full-frame software render at 1280×800 ({FRAMES} frames each):");
    println!("| ballot screen | median | p90 | max |");
    println!("|---|---|---|---|");
    let polls = urne_sync::demo::package().package.event.polls;
    let agnes = &badges()[0];
    for (i, poll) in polls.iter().enumerate() {
        let dir = bench_dir();
        let h = Harness::new(kiosk(dir.path(), &[i]), ViewOptions::default(), 1280, 800);
        h.scan(&agnes.payload);
        assert!(h.wait_for_page(Page::Welcome, WAIT));
        h.tap("Voter");
        assert!(h.wait_for_page(Page::Ballot, WAIT));
        for _ in 0..5 {
            frame(&h);
        }
        let mut times: Vec<Duration> = (0..FRAMES)
            .map(|_| {
                let start = Instant::now();
                frame(&h);
                start.elapsed()
            })
            .collect();
        times.sort();
        println!(
            "| {} ({}) | {:.2} ms | {:.2} ms | {:.2} ms |",
            i + 1,
            poll.kind.name(),
            ms(times[FRAMES / 2]),
            ms(times[FRAMES * 9 / 10]),
            ms(times[FRAMES - 1])
        );
        h.shutdown();
    }
}

fn start_and_evening() {
    // Start: open the database and its key, load the event, build the window, bind the view,
    // draw the idle screen.
    let dir = bench_dir();
    let started = Instant::now();
    let kiosk = Kiosk::open(
        &dir.path().join("urne.sqlite"),
        &FileKeyStore::in_folder(dir.path()),
        Arc::new(SystemClock),
        Box::new(MemoryTarget::default()),
    )
    .unwrap();
    let h = Harness::new(kiosk, ViewOptions::default(), 1280, 800);
    frame(&h);
    let first_frame = started.elapsed();
    h.shutdown();
    println!(
        "Kiosk start to first frame (empty kiosk): {:.1} ms",
        ms(first_frame)
    );

    // An evening: 150 members arrive and each votes on the two motions and the single choice.
    let dir = bench_dir();
    let h = Harness::new(kiosk(dir.path(), &[0, 1, 2]), ViewOptions::default(), 1280, 800);
    frame(&h);
    let at_start = resident_kib();
    let members: Vec<Badge> = badges()
        .into_iter()
        .filter(|b| b.role == Role::Participant)
        .collect();
    let evening = Instant::now();
    for (n, member) in members.iter().enumerate() {
        h.scan(&member.payload);
        assert!(h.wait_for_page(Page::Welcome, WAIT));
        h.tap("Voter");
        h.tap(if n % 3 == 0 { "Contre" } else { "Pour" });
        h.tap("Continuer");
        h.tap("Pour");
        h.tap("Continuer");
        h.tap("Salle des fêtes de la Bourderie");
        h.tap("Continuer");
        assert!(h.wait_for_page(Page::Review, WAIT));
        frame(&h);
        h.tap("Confirmer mon vote");
        assert!(h.wait_for_page(Page::Voted, WAIT));
        h.tap("Terminer");
    }
    let after = resident_kib();
    println!(
        "An evening: {} members checked in and voted 3 ballots each in {:.1} s; resident memory {} KiB after the first frame, {} KiB after the evening",
        members.len(),
        evening.elapsed().as_secs_f64(),
        at_start,
        after
    );
    h.shutdown();
}

fn main() {
    // `cargo test --benches` runs bench binaries with no arguments too; only `cargo bench`
    // passes `--bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    render_times();
    start_and_evening();
}
