//! The UI thread's side: binds the Slint screens to the worker. Taps and scans become jobs for
//! the controller; their outcomes come back as [`Reply`]s and become what is on screen. Nothing
//! here does I/O, and business state stays in Rust: the screens only display it.
//!
//! This module is the shell — the state of the screens, navigation between pages, their
//! timers, and the round trip to the worker ([`ask`]). Each screen family has its module, each
//! paired with its adapter in `ui/adapters/`: [`voter`] (welcome, ballots, review, « A voté »),
//! [`dashboard`] (PIN, dashboard, export), [`results`], [`attendance`] (attendance and
//! walk-ins), [`packages`] with its [`registry`] source, [`editor`], [`settings`], [`setup`];
//! [`codes`] maps the controller's outcomes to the screens' typed codes.

mod attendance;
mod codes;
mod count;
mod dashboard;
mod editor;
mod hall;
mod packages;
mod registry;
mod results;
mod settings;
mod setup;
mod voter;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use slint::{ComponentHandle, ModelRc, Timer, VecModel};
use urne_core::crypto::Fingerprint;
use urne_core::event::Event;
use urne_core::tally::Lang;

use crate::generated::{AppWindow, DemoBadge, KioskAdapter, PackagesAdapter, Page, ScannerState};
use crate::kiosk::Kiosk;
use crate::scanner::ScannerEvent;
use crate::stick::StickEvent;
use crate::worker::{Job, Outbox};

#[cfg(feature = "testing")]
pub use registry::package_answer as registry_package_answer;
pub use results::result_bars;

/// Longest keyboard-wedge line kept (a badge is about 200 characters).
const MAX_WEDGE: usize = 1024;

/// How the view starts.
#[derive(Debug, Clone, Default)]
pub struct ViewOptions {
    /// Demo mode: badges to tap instead of scanning, and the demo PIN to show.
    pub demo: Option<(Vec<(String, String)>, String)>,
    /// The language at start.
    pub lang: Lang,
    /// Seconds of inactivity before a voter's screen clears itself.
    pub voter_timeout_secs: u64,
    /// Where exports go (shown on the export button).
    pub export_target: String,
    /// The device key's fingerprint (shown on the dashboard).
    pub device_fingerprint: String,
    /// Start with the first-boot setup (the kiosk has just made its device key).
    pub first_boot: bool,
    /// The port a hall is served on when the organiser makes this kiosk its lead (0: a free
    /// one, for tests; the kiosk uses `kiosk::link::HALL_PORT`).
    pub hall_port: u16,
}

/// What reaches the UI thread.
pub enum Reply {
    /// The outcome of something the screen asked for: applied, and the screen stops waiting.
    Answer(Update),
    /// News that answers nothing the screen waits for (the registry's answers arrive while
    /// the kiosk goes on serving voters).
    News(Update),
    /// From the scanner thread.
    Scanner(ScannerEvent),
    /// From the stick watch: a USB stick put in or taken out.
    Stick(StickEvent),
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reply::Answer(_) => f.write_str("Answer"),
            Reply::News(_) => f.write_str("News"),
            Reply::Scanner(e) => f.debug_tuple("Scanner").field(e).finish(),
            Reply::Stick(e) => f.debug_tuple("Stick").field(e).finish(),
        }
    }
}

/// The screens' state as the UI thread's callbacks share it.
type Screens = Rc<RefCell<State>>;

/// A change to the screens, made on the UI thread with the outcome it carries.
pub struct Update(Box<dyn FnOnce(&Screens) + Send>);

impl std::fmt::Debug for Update {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Update")
    }
}

impl Update {
    /// Applies `then` to `value` on the UI thread.
    fn new<T: Send + 'static>(then: fn(&Screens, T), value: T) -> Self {
        Self(Box::new(move |state| then(state, value)))
    }
}

/// The screens' state: what each screen family holds between taps.
struct State {
    window: slint::Weak<AppWindow>,
    jobs: Sender<Job<Reply>>,
    lang: Lang,
    /// The language the organiser chose: each visit starts in it.
    default_lang: Lang,
    event: Option<Event>,
    wedge: String,
    timer: Timer,
    /// Refreshes the organiser's figures while the dashboard or the attendance page is shown.
    refresh: Timer,
    voter_timeout: Duration,
    voter: voter::VoterState,
    dashboard: dashboard::DashboardState,
    attendance: attendance::AttendanceState,
    packages: packages::PackagesState,
    registry: registry::RegistryState,
    editor: editor::EditorState,
    settings: settings::SettingsState,
    setup: setup::SetupState,
    count: count::CountState,
    hall: hall::HallState,
}

/// The view: owns the UI-side state and the inbox of replies.
pub struct View {
    state: Rc<RefCell<State>>,
    inbox: Receiver<Reply>,
}

impl std::fmt::Debug for View {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("View").finish_non_exhaustive()
    }
}

fn model<T: Clone + 'static>(items: Vec<T>) -> ModelRc<T> {
    ModelRc::new(VecModel::from(items))
}

impl View {
    /// Binds `window` to the worker: jobs go out through `jobs`, replies come back on `inbox`.
    pub fn new(
        window: &AppWindow,
        jobs: Sender<Job<Reply>>,
        inbox: Receiver<Reply>,
        options: ViewOptions,
    ) -> Self {
        let state = Rc::new(RefCell::new(State {
            window: window.as_weak(),
            jobs,
            lang: options.lang,
            default_lang: options.lang,
            event: None,
            wedge: String::new(),
            timer: Timer::default(),
            refresh: Timer::default(),
            voter_timeout: Duration::from_secs(options.voter_timeout_secs.max(10)),
            voter: Default::default(),
            dashboard: Default::default(),
            count: Default::default(),
            hall: Default::default(),
            attendance: Default::default(),
            packages: Default::default(),
            registry: Default::default(),
            editor: Default::default(),
            settings: Default::default(),
            setup: Default::default(),
        }));
        let kiosk = window.global::<KioskAdapter>();
        kiosk.set_demo(options.demo.is_some());
        if let Some((badges, pin)) = &options.demo {
            kiosk.set_demo_badges(model(
                badges
                    .iter()
                    .map(|(label, payload)| DemoBadge {
                        label: label.into(),
                        payload: payload.into(),
                    })
                    .collect(),
            ));
            kiosk.set_demo_pin(pin.into());
        }
        kiosk.set_has_event(false);
        kiosk.set_scanner_state(ScannerState::Ok);
        dashboard::init(window, &options);
        set_language(window, options.lang);
        bind(window, &state);
        state.borrow_mut().hall.set_port(options.hall_port);
        // The event on this kiosk, then the language and timeout chosen on an earlier evening.
        ask(&state, |k| k.event().cloned(), show_event);
        settings::read(&state);
        // A lead serves its hall again; a member keeps itself heard by its lead.
        hall::restore(&state);
        if options.first_boot {
            setup::start(&state);
        } else {
            show(window, Page::Idle);
        }
        Self { state, inbox }
    }

    /// Applies every reply waiting in the inbox; returns how many there were.
    pub fn pump(&self) -> usize {
        let mut n = 0;
        while let Ok(reply) = self.inbox.try_recv() {
            apply(&self.state, reply);
            n += 1;
        }
        n
    }

    /// Waits up to `timeout` for one reply, applies it and any that follow. Returns false on
    /// timeout. For tests, which have no event loop to wake.
    pub fn wait(&self, timeout: Duration) -> bool {
        match self.inbox.recv_timeout(timeout) {
            Ok(reply) => {
                apply(&self.state, reply);
                self.pump();
                true
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => false,
        }
    }

    /// Loads a downloaded package as « Charger » does, without the page's own checks (tests ask
    /// the controller directly for what the page would never offer).
    #[cfg(feature = "testing")]
    pub fn load_downloaded(&self, bytes: Vec<u8>, shown: Fingerprint) {
        packages::load(&self.state, move |k| {
            k.load_package_from_registry(&bytes, &shown)
                .map_err(crate::kiosk::Failure::from)
        });
    }

    /// Runs `job` on the controller as the screens do (tests reproduce a storage fault on the
    /// worker's connection this way); its outcome is not shown.
    pub fn run_on_kiosk(&self, job: impl FnOnce(&mut Kiosk) + Send + 'static) {
        submit(&self.state, Box::new(move |kiosk, _| job(kiosk)));
    }
}

fn apply(state: &Screens, reply: Reply) {
    match reply {
        Reply::Answer(Update(update)) => {
            with_window(state, |w| w.global::<KioskAdapter>().set_busy(false));
            update(state);
        }
        Reply::News(Update(update)) => update(state),
        Reply::Scanner(ScannerEvent::Line(line)) => voter::scan(state, line),
        Reply::Scanner(ScannerEvent::Connected) => with_window(state, |w| {
            w.global::<KioskAdapter>()
                .set_scanner_state(ScannerState::Ok);
        }),
        Reply::Scanner(ScannerEvent::Disconnected(_)) => with_window(state, |w| {
            w.global::<KioskAdapter>()
                .set_scanner_state(ScannerState::Disconnected);
        }),
        Reply::Stick(event) => dashboard::stick(state, event),
    }
}

/// Sends `job` to the worker.
fn submit(state: &Screens, job: Job<Reply>) {
    let sent = state.borrow().jobs.send(job).is_ok();
    if !sent {
        tracing::error!("the kiosk worker has stopped");
    }
}

/// Runs `job` on the controller; `then` shows its outcome on the UI thread.
fn ask<T: Send + 'static>(
    state: &Screens,
    job: impl FnOnce(&mut Kiosk) -> T + Send + 'static,
    then: fn(&Screens, T),
) {
    submit(
        state,
        Box::new(move |kiosk, outbox: &Outbox<Reply>| {
            let value = job(kiosk);
            outbox.post(Reply::Answer(Update::new(then, value)));
        }),
    );
}

/// Runs `job` on the controller with nothing to show afterwards.
fn tell(state: &Screens, job: impl FnOnce(&mut Kiosk) + Send + 'static) {
    submit(state, Box::new(move |kiosk, _| job(kiosk)));
}

fn with_window(state: &Screens, f: impl FnOnce(&AppWindow)) {
    let window = state.borrow().window.upgrade();
    if let Some(w) = window {
        f(&w);
    }
}

fn show(window: &AppWindow, page: Page) {
    window.global::<KioskAdapter>().set_page(page);
}

/// Shows that the screen waits for the worker's answer.
fn busy(state: &Screens) {
    with_window(state, |w| w.global::<KioskAdapter>().set_busy(true));
}

fn set_language(window: &AppWindow, lang: Lang) {
    let code = match lang {
        Lang::Fr => "",
        Lang::En => "en",
    };
    // The source strings are French; "" selects them, "en" the English catalogue.
    if let Err(e) = slint::select_bundled_translation(code) {
        tracing::warn!(error = %e, "language not available");
    }
    window
        .global::<KioskAdapter>()
        .set_language(codes::language(lang));
}

/// Restarts the inactivity timer for the page now on screen.
fn arm_timer(state: &Screens, page: Page) {
    let s = state.borrow();
    let after = match page {
        // The first-boot setup waits for the organiser however long it takes.
        Page::Idle | Page::Setup => None,
        Page::Voted | Page::Refused => Some(Duration::from_secs(6)),
        Page::Welcome => Some(if s.voter.has_ballots_due() {
            Duration::from_secs(30)
        } else {
            Duration::from_secs(8)
        }),
        Page::Ballot | Page::Review => Some(s.voter_timeout),
        Page::Pin => Some(Duration::from_secs(60)),
        Page::Dashboard
        | Page::Result
        | Page::Packages
        | Page::Attendance
        | Page::Walkin
        | Page::WalkinBadge
        | Page::Editor
        | Page::Settings
        | Page::Count
        | Page::Hall => Some(Duration::from_secs(300)),
        Page::Goodbye => Some(Duration::from_secs(6)),
    };
    s.timer.stop();
    if let Some(after) = after {
        let weak = Rc::downgrade(state);
        s.timer.start(slint::TimerMode::SingleShot, after, move || {
            if let Some(state) = weak.upgrade() {
                go_idle(&state);
            }
        });
    }
}

/// Back to the settings page from another page (the PIN page, after a new PIN), saying what
/// happened there: navigation between the pages lives here, so that they need not know each
/// other.
fn back_to_settings(state: &Screens, outcome: crate::generated::SettingsOutcome) {
    settings::back_with(state, outcome);
}

fn go_to(state: &Screens, page: Page) {
    with_window(state, |w| show(w, page));
    arm_timer(state, page);
    // Live counters: people keep arriving while the organiser looks at the figures.
    let s = state.borrow();
    match page {
        Page::Dashboard | Page::Attendance | Page::Settings | Page::Setup | Page::Hall => {
            let weak = Rc::downgrade(state);
            s.refresh.start(
                slint::TimerMode::Repeated,
                Duration::from_secs(5),
                move || {
                    let Some(state) = weak.upgrade() else {
                        return;
                    };
                    match current_page(&state) {
                        Some(Page::Dashboard) => dashboard::refresh(&state),
                        Some(Page::Attendance) => attendance::refresh(&state),
                        Some(Page::Settings) => settings::read(&state),
                        Some(Page::Setup) => setup::read(&state),
                        Some(Page::Hall) => hall::refresh(&state),
                        _ => {}
                    }
                },
            );
        }
        _ => s.refresh.stop(),
    }
}

/// Back to the idle screen, forgetting the visit (nothing is cast) and locking organiser mode.
fn go_idle(state: &Screens) {
    let default_lang = state.borrow().default_lang;
    if state.borrow().lang != default_lang {
        state.borrow_mut().lang = default_lang;
        with_window(state, |w| set_language(w, default_lang));
    }
    voter::forget(state);
    dashboard::forget(state);
    count::forget(state);
    // An answer from the registry still on its way is for a page no longer shown.
    registry::reset(state);
    with_window(state, |w| {
        // A voter's display choices (larger text, high contrast, language) end with their
        // visit: the next person finds the kiosk as the organiser set it.
        let theme = w.global::<crate::generated::Theme>();
        theme.set_large_text(false);
        theme.set_high_contrast(false);
    });
    // Organiser mode ends with the screen that showed it; the controller holds whether it is
    // unlocked, so it is told every time.
    tell(state, Kiosk::lock);
    go_to(state, Page::Idle);
}

fn current_page(state: &Screens) -> Option<Page> {
    let window = state.borrow().window.upgrade()?;
    Some(window.global::<KioskAdapter>().get_page())
}

/// The event on this kiosk: the band at the top of every screen says whose it is.
fn show_event(state: &Screens, event: Option<Event>) {
    with_window(state, |w| {
        let kiosk = w.global::<KioskAdapter>();
        kiosk.set_has_event(event.is_some());
        match &event {
            None => {
                // No event yet (a kiosk just set up).
                kiosk.set_event_title("Urne".into());
                kiosk.set_event_place("".into());
            }
            Some(e) => {
                kiosk.set_event_title(e.title.clone().into());
                kiosk.set_event_place(e.place.clone().into());
                // The date is `YYYY-MM-DD` (checked when the package was built).
                let part = |i: usize| {
                    e.date
                        .split('-')
                        .nth(i)
                        .and_then(|p| p.parse::<i32>().ok())
                        .unwrap_or(0)
                };
                kiosk.set_event_year(part(0));
                kiosk.set_event_month(part(1));
                kiosk.set_event_day(part(2));
            }
        }
    });
    state.borrow_mut().event = event;
}

/// Asks for the event again (after a package was loaded or a poll written).
fn reload_event(state: &Screens) {
    ask(state, |k| k.event().cloned(), show_event);
}

fn bind(window: &AppWindow, state: &Screens) {
    voter::bind(window, state);
    dashboard::bind(window, state);
    attendance::bind(window, state);
    packages::bind(window, state);
    registry::bind(window, state);
    // The packages page opens on the stick, as it always did (the registry is one tap away),
    // and forgets the registry source when it opens and when it closes.
    let page = window.global::<PackagesAdapter>();
    let s = state.clone();
    page.on_find_packages(move || {
        registry::reset(&s);
        packages::find(&s);
    });
    let s = state.clone();
    page.on_close_packages(move || {
        registry::reset(&s);
        packages::close(&s);
    });
    editor::bind(window, state);
    settings::bind(window, state);
    setup::bind(window, state);
    count::bind(window, state);
    hall::bind(window, state);
    results::bind(window, state);
    // « Dépouiller » on the dashboard (and the close of a sealed poll) opens the count page.
    let s = state.clone();
    window
        .global::<crate::generated::OrganiserAdapter>()
        .on_count_poll(move |id| count::start(&s, &id));
    let kiosk = window.global::<KioskAdapter>();
    let s = state.clone();
    kiosk.on_scanned(move |payload| voter::scan(&s, payload.to_string()));
    let s = state.clone();
    kiosk.on_key_typed(move |text| key_typed(&s, &text));
    let s = state.clone();
    kiosk.on_set_language(move |language| {
        let lang = codes::lang(language);
        s.borrow_mut().lang = lang;
        with_window(&s, |w| set_language(w, lang));
        if let Some(page) = current_page(&s) {
            arm_timer(&s, page);
        }
        // The result's arithmetic and percentages are written in Rust: fetch them again in the
        // new language.
        if current_page(&s) == Some(Page::Result) {
            dashboard::show_result_again(&s);
        }
    });
}

/// A keyboard wedge scanner types the badge and Enter.
fn key_typed(state: &Screens, text: &str) {
    for c in text.chars() {
        if c == '\n' || c == '\r' {
            let line = std::mem::take(&mut state.borrow_mut().wedge);
            voter::scan(state, line);
        } else if !c.is_control() && !('\u{F700}'..='\u{F8FF}').contains(&c) {
            let mut s = state.borrow_mut();
            if s.wedge.len() < MAX_WEDGE {
                s.wedge.push(c);
            }
        }
    }
}

/// A QR code as an image for the screen: 8 pixels per module and a quiet zone of 4 modules.
pub fn qr_image(text: &str) -> slint::Image {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M)
        .unwrap_or_else(|_| qrcode::QrCode::new(b"URNE").expect("a four-byte QR code always fits"));
    let modules = code.width();
    let colors = code.to_colors();
    let scale = 8usize;
    let quiet = 4usize;
    let side = (modules + 2 * quiet) * scale;
    let size = u32::try_from(side).unwrap_or(u32::MAX);
    let mut buffer = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::new(size, size);
    let pixels = buffer.make_mut_slice();
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = (x / scale, y / scale);
            let dark = mx >= quiet
                && my >= quiet
                && mx < quiet + modules
                && my < quiet + modules
                && colors[(my - quiet) * modules + (mx - quiet)] == qrcode::Color::Dark;
            let v = if dark { 0 } else { 255 };
            pixels[y * side + x] = slint::Rgb8Pixel { r: v, g: v, b: v };
        }
    }
    slint::Image::from_rgb8(buffer)
}

/// Hexadecimal digits in capitals, in groups of four, easier to compare aloud.
fn group_hex(hex: &str) -> String {
    let upper: Vec<char> = hex.to_uppercase().chars().collect();
    upper
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A fingerprint in groups of four hexadecimal digits, easier to compare aloud.
pub fn grouped(fingerprint: &Fingerprint) -> String {
    group_hex(&fingerprint.to_hex())
}

/// « 19:42 » in UTC; the kiosk's clock is set to local time by the organiser at provisioning.
fn local_time(unix: i64) -> String {
    let secs = unix.rem_euclid(86_400);
    format!("{:02}:{:02}", secs / 3600, (secs % 3600) / 60)
}

/// A figure for the screen, which holds 32-bit integers.
fn as_int(value: u64) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}
