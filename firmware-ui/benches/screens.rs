//! The touchscreen's costs: full-frame software render time of each ballot screen at 1280×800,
//! kiosk start to first frame, and resident memory after an evening's worth of actions.
//!
//! Run: `cargo bench -p urne-kiosk --bench screens`. The render times draw each ballot screen
//! with Slint's software renderer (what the Pi uses without a GPU) into one 32-bit frame buffer,
//! the whole frame every time (`RepaintBufferType::NewBuffer`: no partial redraw). The start and
//! the evening run through the testing backend, in a child process.

#[path = "support/disk.rs"]
mod disk;
use disk::bench_dir;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use std::rc::Rc;

use slint::ComponentHandle;
use slint::platform::software_renderer::{
    MinimalSoftwareWindow, PremultipliedRgbaColor, RepaintBufferType,
};
use urne_core::credential::Role;
use urne_core::ids::PollId;
use urne_kiosk::clock::SystemClock;
use urne_kiosk::generated::{AppWindow, KioskAdapter, Page, VoterAdapter};
use urne_kiosk::keystore::FileKeyStore;
use urne_kiosk::kiosk::{Kiosk, ScanOutcome};
use urne_kiosk::ui_testing::Harness;
use urne_kiosk::usb::MemoryTarget;
use urne_kiosk::view::{Reply, View, ViewOptions};
use urne_kiosk::worker::Worker;
use urne_papers::badges::Badge;

const WAIT: Duration = Duration::from_secs(10);
const FRAMES: usize = 60;

fn badges() -> Vec<Badge> {
    urne_papers::badges::issue_all(
        &urne_kiosk::demo::package().package,
        &urne_kiosk::demo::organiser_key(),
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
    k.set_pin("123456").unwrap();
    k.load_package(&urne_kiosk::demo::package().bytes).unwrap();
    let organiser = badges()
        .into_iter()
        .find(|b| b.role == Role::Organiser)
        .unwrap();
    let ScanOutcome::Organiser { organiser, .. } = k.scan(&organiser.payload).unwrap() else {
        panic!("organiser badge");
    };
    k.unlock(&organiser, "123456").unwrap();
    // The test machine's clock may not be synchronised (like a Pi booted offline): the
    // organiser confirms the time before opening polls, as on a kiosk.
    k.confirm_clock(0).unwrap();
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

/// A screen drawn the way the Pi draws without a GPU: Slint's software renderer into one
/// frame buffer that lives as long as the screen, every frame redrawn whole.
struct Screen {
    window: Rc<MinimalSoftwareWindow>,
    start: Instant,
}

impl slint::platform::Platform for Screen {
    fn create_window_adapter(
        &self,
    ) -> Result<Rc<dyn slint::platform::WindowAdapter>, slint::PlatformError> {
        Ok(self.window.clone())
    }

    fn duration_since_start(&self) -> Duration {
        self.start.elapsed()
    }
}

fn render_times() {
    let (width, height) = (1280u32, 800u32);
    let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
    slint::platform::set_platform(Box::new(Screen {
        window: window.clone(),
        start: Instant::now(),
    }))
    .unwrap();
    window.set_size(slint::PhysicalSize::new(width, height));
    let mut buffer = vec![PremultipliedRgbaColor::default(); (width as usize) * (height as usize)];

    println!("Full-frame software render at {width}×{height} ({FRAMES} frames each):");
    println!("| ballot screen | median | p90 | max |");
    println!("|---|---|---|---|");
    let polls = urne_kiosk::demo::package().package.event.polls;
    let agnes = &badges()[0];
    for (i, poll) in polls.iter().enumerate() {
        let dir = bench_dir();
        let app = AppWindow::new().unwrap();
        app.show().unwrap();
        let (worker, inbox) =
            Worker::<Reply>::spawn(kiosk(dir.path(), &[i]), Arc::new(|| {})).unwrap();
        let view = View::new(&app, worker.jobs(), inbox, ViewOptions::default());
        while view.wait(Duration::from_millis(100)) {}
        app.global::<KioskAdapter>()
            .invoke_scanned(agnes.payload.clone().into());
        while view.wait(Duration::from_millis(100)) {}
        assert_eq!(app.global::<KioskAdapter>().get_page(), Page::Welcome);
        app.global::<VoterAdapter>().invoke_start();
        while view.wait(Duration::from_millis(100)) {}
        assert_eq!(app.global::<KioskAdapter>().get_page(), Page::Ballot);
        let mut draw = || {
            window.request_redraw();
            let start = Instant::now();
            let drawn = window.draw_if_needed(|renderer| {
                renderer.render(&mut buffer, width as usize);
            });
            assert!(drawn);
            start.elapsed()
        };
        for _ in 0..5 {
            draw();
        }
        let mut times: Vec<Duration> = (0..FRAMES).map(|_| draw()).collect();
        times.sort();
        println!(
            "| {} ({}) | {:.2} ms | {:.2} ms | {:.2} ms |",
            i + 1,
            poll.kind.name(),
            ms(times[FRAMES / 2]),
            ms(times[FRAMES * 9 / 10]),
            ms(times[FRAMES - 1])
        );
        app.hide().unwrap();
        drop(view);
        drop(app);
        worker.join();
    }
}

fn start_and_evening() {
    // Start: open the database and its key, load the event, build the window, bind the view,
    // draw the idle screen.
    let dir = bench_dir();
    let started = Instant::now();
    let empty = Kiosk::open(
        &dir.path().join("urne.sqlite"),
        &FileKeyStore::in_folder(dir.path()),
        Arc::new(SystemClock),
        Box::new(MemoryTarget::default()),
    )
    .unwrap();
    let h = Harness::new(empty, ViewOptions::default(), 1280, 800);
    frame(&h);
    let first_frame = started.elapsed();
    h.shutdown();
    println!(
        "Kiosk start to first frame (empty kiosk): {:.1} ms",
        ms(first_frame)
    );

    // An evening: 150 members arrive and each votes on the two motions and the single choice.
    let dir = bench_dir();
    let h = Harness::new(
        kiosk(dir.path(), &[0, 1, 2]),
        ViewOptions::default(),
        1280,
        800,
    );
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
    // The render times need a screen of their own (Slint allows one platform per process), so
    // the start and the evening, driven through the testing backend, run in a child process.
    if std::env::args().any(|a| a == "--evening") {
        start_and_evening();
        return;
    }
    let evening = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--bench", "--evening"])
        .status()
        .unwrap();
    assert!(evening.success());
    render_times();
}
