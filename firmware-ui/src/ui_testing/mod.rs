//! Driving the real screens headless, for tests: Slint's testing backend with the software
//! renderer, elements found by accessible label (as a screen reader would), and snapshots
//! to PNG; and [`demo`], the one fixture builder for a kiosk holding the demo assembly.
//! Compiled with the `testing` feature only.

pub mod demo;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use i_slint_backend_testing::{
    AccessibleRole, ElementHandle, TestingBackend, TestingBackendOptions,
};
use slint::ComponentHandle;

use crate::generated::{AppWindow, KioskAdapter, Page};
use crate::kiosk::Kiosk;
use crate::view::{Reply, View, ViewOptions};
use crate::worker::{Outbox, Worker};

/// Installs the testing platform on this thread (once per thread; later calls do nothing).
pub fn init_headless() {
    thread_local! {
        static DONE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    DONE.with(|done| {
        if !done.get() {
            let backend = TestingBackend::new(TestingBackendOptions {
                mock_time: true,
                threading: false,
                renderer_name: Some("software".into()),
            });
            slint::platform::set_platform(Box::new(backend))
                .expect("no other platform on a test thread");
            done.set(true);
        }
    });
}

/// A kiosk on screen, with its worker, driven like a person would.
pub struct Harness {
    /// The window.
    pub window: AppWindow,
    /// The view.
    pub view: View,
    worker: Option<Worker<Reply>>,
}

impl std::fmt::Debug for Harness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness").finish_non_exhaustive()
    }
}

impl Harness {
    /// Puts `kiosk` on a headless screen of `width` × `height`.
    pub fn new(kiosk: Kiosk, options: ViewOptions, width: u32, height: u32) -> Self {
        init_headless();
        let window = AppWindow::new().expect("the window builds on the testing backend");
        window
            .window()
            .set_size(slint::PhysicalSize::new(width, height));
        let (worker, inbox) = Worker::spawn(kiosk, Arc::new(|| {})).expect("worker starts");
        let view = View::new(&window, worker.jobs(), inbox, options);
        let harness = Self {
            window,
            view,
            worker: Some(worker),
        };
        // The event arrives first.
        harness.settle();
        harness
    }

    /// The view's inbox (to plug a scanner in, or a stick watch).
    pub fn outbox(&self) -> Outbox<Reply> {
        self.worker.as_ref().expect("worker running").outbox()
    }

    /// Reproduces a storage fault on the worker's connection, or lifts it (`None`).
    pub fn simulate_fault(&self, fault: Option<crate::store::Fault>) {
        self.view.run_on_kiosk(move |kiosk| {
            kiosk
                .store()
                .simulate_fault(fault)
                .expect("the fault is set");
        });
    }

    /// Applies replies until none arrives for a moment.
    pub fn settle(&self) {
        while self.view.wait(Duration::from_millis(150)) {}
    }

    /// The page on screen.
    pub fn page(&self) -> Page {
        self.window.global::<KioskAdapter>().get_page()
    }

    /// Elements whose accessible label is `label`.
    pub fn find(&self, label: &str) -> Vec<ElementHandle> {
        ElementHandle::find_by_accessible_label(&self.window, label).collect()
    }

    /// Whether something labelled `label` is on screen.
    pub fn shows(&self, label: &str) -> bool {
        !self.find(label).is_empty()
    }

    /// The accessible description of the button labelled `label` (the detail line a screen
    /// reader reads after the label: a project's cost, a candidate's rank…).
    pub fn description(&self, label: &str) -> Option<String> {
        self.buttons(label)
            .first()
            .and_then(|b| b.accessible_description())
            .map(|d| d.to_string())
    }

    /// Whether some element's accessible label contains `part`.
    pub fn shows_containing(&self, part: &str) -> bool {
        i_slint_backend_testing::ElementQuery::from_root(&self.window)
            .match_descendants()
            .match_predicate({
                let part = part.to_owned();
                move |e| e.accessible_label().is_some_and(|l| l.contains(&part))
            })
            .find_first()
            .is_some()
    }

    /// Applies replies until `label` is on screen or `timeout` passes.
    pub fn wait_for(&self, label: &str, timeout: Duration) -> bool {
        let start = Instant::now();
        loop {
            if self.shows(label) {
                return true;
            }
            if start.elapsed() > timeout {
                return false;
            }
            self.view.wait(Duration::from_millis(50));
        }
    }

    /// Applies replies until `page` is on screen or `timeout` passes.
    pub fn wait_for_page(&self, page: Page, timeout: Duration) -> bool {
        let start = Instant::now();
        while self.page() != page {
            if start.elapsed() > timeout {
                return false;
            }
            self.view.wait(Duration::from_millis(50));
        }
        true
    }

    fn buttons(&self, label: &str) -> Vec<ElementHandle> {
        self.find(label)
            .into_iter()
            // What a finger can tap: buttons, and text fields (to type into them).
            .filter(|e| {
                matches!(
                    e.accessible_role(),
                    Some(AccessibleRole::Button | AccessibleRole::TextInput)
                )
            })
            .collect()
    }

    /// Taps the button labelled `label`, as a screen reader's "activate" does, waiting up to
    /// two seconds for it to appear (replies from the worker may still be on their way).
    pub fn tap(&self, label: &str) {
        let start = Instant::now();
        let mut buttons = self.buttons(label);
        while buttons.is_empty() && start.elapsed() < Duration::from_secs(2) {
            self.view.wait(Duration::from_millis(50));
            buttons = self.buttons(label);
        }
        assert!(
            !buttons.is_empty(),
            "no button labelled « {label} » on the {:?} page",
            self.page()
        );
        assert_eq!(
            buttons.len(),
            1,
            "several buttons labelled « {label} » on the {:?} page",
            self.page()
        );
        buttons[0].invoke_accessible_default_action();
    }

    /// Simulates a badge scanned (as the demo buttons and the keyboard wedge do).
    pub fn scan(&self, payload: &str) {
        self.window
            .global::<KioskAdapter>()
            .invoke_scanned(payload.into());
    }

    /// Lets mock time pass (timers fire).
    pub fn advance(&self, duration: Duration) {
        i_slint_backend_testing::mock_elapsed_time(duration);
    }

    /// Renders the window with the software renderer and writes a PNG.
    pub fn snapshot(&self, path: &Path) -> image::RgbaImage {
        let buffer = self
            .window
            .window()
            .take_snapshot()
            .expect("the software renderer takes snapshots");
        let img =
            image::RgbaImage::from_raw(buffer.width(), buffer.height(), buffer.as_bytes().to_vec())
                .expect("the snapshot's size matches its pixels");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("screenshot folder");
        }
        img.save(path).expect("the PNG is written");
        img
    }

    /// Resizes the window.
    pub fn resize(&self, width: u32, height: u32) {
        self.window
            .window()
            .set_size(slint::PhysicalSize::new(width, height));
    }

    /// Unlocks organiser mode as an organiser does: the demo organiser's badge, then the demo
    /// PIN on the keypad; returns once the dashboard is shown.
    pub fn unlock(&self) {
        self.scan(&demo::organiser().payload);
        assert!(
            self.wait_for_page(Page::Pin, Duration::from_secs(10)),
            "the organiser badge asks for the PIN"
        );
        for digit in crate::demo::PIN.chars() {
            self.tap(&digit.to_string());
        }
        self.tap("Valider");
        assert!(
            self.wait_for_page(Page::Dashboard, Duration::from_secs(10)),
            "the demo PIN opens the dashboard"
        );
    }

    /// Stops the worker after it has finished what it holds.
    pub fn shutdown(mut self) {
        let worker = self.worker.take();
        drop(self);
        if let Some(w) = worker {
            w.join();
        }
    }
}
