//! Assembling the kiosk: data folder, store, device key, event package, worker, scanner,
//! uploader and window; and the headless fallback that runs the demo's test deck when there is
//! no display.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use slint::ComponentHandle;
use urne_core::tally::Lang;

use crate::clock::SystemClock;
use crate::deck::{self, DeckReport};
use crate::generated::AppWindow;
use crate::keystore::FileKeyStore;
use crate::kiosk::Kiosk;
use crate::scanner::{Scanner, SerialOpener};
use crate::uploads::UploadLoop;
use crate::usb::FolderTarget;
use crate::view::{Reply, View, ViewOptions};
use crate::worker::{Outbox, Worker};

/// How the kiosk runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// The data folder (database, device key).
    pub data: PathBuf,
    /// Where exports are written.
    pub usb_dir: PathBuf,
    /// Write exports to the USB stick through udisks2 instead of `usb_dir` (feature `udisks`).
    pub udisks: bool,
    /// An event package to load at start.
    pub package: Option<PathBuf>,
    /// Run the built-in demo assembly.
    pub demo: bool,
    /// The serial scanner's device, if any.
    pub scanner: Option<String>,
    /// Its baud rate.
    pub baud: u32,
    /// The registry to upload bundles to, if any, with the fingerprint of its receipt key.
    pub registry: Option<(String, Option<urne_core::crypto::Fingerprint>)>,
    /// Language at start.
    pub lang: Lang,
    /// Seconds of inactivity before a voter's screen clears.
    pub voter_timeout_secs: u64,
}

/// The default data folder: `$URNE_DATA`, else `$XDG_DATA_HOME/urne`, else
/// `~/.local/share/urne` (with `-demo` appended for the demo, which never mixes with real data).
pub fn default_data_dir(demo: bool) -> PathBuf {
    let name = if demo { "urne-demo" } else { "urne" };
    if let Some(dir) = std::env::var_os("URNE_DATA") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(dir).join(name);
    }
    match std::env::var_os("HOME") {
        Some(home) => PathBuf::from(home).join(".local/share").join(name),
        None => PathBuf::from(format!("./{name}-data")),
    }
}

/// Whether a graphical display is available to open a window on.
pub fn has_display() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

#[cfg(feature = "udisks")]
fn udisks_target() -> Result<Box<dyn crate::usb::UsbTarget>> {
    let volumes = crate::udisks::SystemVolumes::connect()?;
    Ok(Box::new(crate::udisks::UdisksTarget::new(volumes)))
}

/// Follows the stick through udisks2, posting each change to the view.
#[cfg(feature = "udisks")]
fn stick_watch(outbox: Outbox<Reply>) -> Result<crate::stick::StickWatch> {
    let sticks = crate::udisks::SystemSticks::connect()?;
    Ok(crate::stick::StickWatch::spawn(sticks, move |event| {
        outbox.post(Reply::Stick(event));
    })?)
}

#[cfg(not(feature = "udisks"))]
fn stick_watch(_outbox: Outbox<Reply>) -> Result<crate::stick::StickWatch> {
    anyhow::bail!("this kiosk was built without udisks2 support (feature `udisks`)")
}

#[cfg(not(feature = "udisks"))]
fn udisks_target() -> Result<Box<dyn crate::usb::UsbTarget>> {
    anyhow::bail!("this kiosk was built without udisks2 support (feature `udisks`)")
}

/// Opens the kiosk: creates the data folder, opens the store, loads the key and the package.
pub fn open_kiosk(options: &Options) -> Result<Kiosk> {
    std::fs::create_dir_all(&options.data)
        .with_context(|| format!("cannot create the data folder {}", options.data.display()))?;
    std::fs::create_dir_all(&options.usb_dir).with_context(|| {
        format!(
            "cannot create the export folder {}",
            options.usb_dir.display()
        )
    })?;
    let usb: Box<dyn crate::usb::UsbTarget> = if options.udisks {
        udisks_target()?
    } else {
        Box::new(FolderTarget::new(&options.usb_dir))
    };
    let mut kiosk = Kiosk::open(
        &options.data.join("urne.sqlite"),
        &FileKeyStore::in_folder(&options.data),
        Arc::new(SystemClock),
        usb,
    )?;
    // The packages page asks this registry when the settings page set none.
    let (url, key) = options.registry.clone().unzip();
    kiosk.set_default_registry(url, key.flatten());
    // The demo's PIN comes first: no package is loaded on a kiosk without one.
    if options.demo && !kiosk.has_pin()? {
        kiosk.set_pin(crate::demo::PIN)?;
    }
    if let Some(path) = &options.package {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        if !kiosk.load_package_at_start(bytes)? {
            tracing::info!("the package is loaded once the first-boot setup is done");
        }
    } else if options.demo && kiosk.event().is_none() {
        kiosk.load_package(&crate::demo::package().bytes)?;
    }
    if options.demo {
        // Nothing is voted for real in the demo: its polls open whatever the clock says, and its
        // ballots are sealed to the published test key, which the kiosk opens by itself.
        kiosk.accept_unconfirmed_clock();
        kiosk.use_test_tally_key();
    }
    Ok(kiosk)
}

/// The demo's sample badges: a few members and the organiser.
pub fn demo_badges() -> Vec<(String, String)> {
    let built = crate::demo::package();
    let badges = urne_papers::badges::issue_all(&built.package, &crate::demo::organiser_key());
    let members = badges
        .iter()
        .filter(|b| b.role == urne_core::credential::Role::Participant)
        .take(3);
    let organisers = badges
        .iter()
        .filter(|b| b.role == urne_core::credential::Role::Organiser);
    members
        .chain(organisers)
        .map(|b| (b.name.clone(), b.payload.clone()))
        .collect()
}

/// Runs the kiosk in a window until it is closed.
pub fn run_window(options: &Options) -> Result<()> {
    let mut kiosk = open_kiosk(options)?;
    // A kiosk that joined a hall asks its lead again (the view starts the lead's service or the
    // member's heartbeat).
    kiosk.rejoin_hall()?;
    // A kiosk that has just made its device key starts with the first-boot setup (the demo
    // has its own PIN and needs none).
    let first_boot = !options.demo && kiosk.needs_provisioning()?;
    let device = kiosk.device_fingerprint().to_hex();
    let target = kiosk.export_target();
    let database = kiosk.store().path().to_owned();
    let quiet = kiosk.store().quiet_gate();

    let window = AppWindow::new().context("cannot open the kiosk window")?;
    let waker: crate::worker::Waker = Arc::new(|| {
        let _ = slint::invoke_from_event_loop(|| {
            VIEW.with(|v| {
                if let Some(view) = v.borrow().as_ref() {
                    view.pump();
                }
            });
        });
    });
    let (worker, inbox) = Worker::<Reply>::spawn(kiosk, waker.clone())?;
    let view = View::new(
        &window,
        worker.jobs(),
        inbox,
        ViewOptions {
            demo: options
                .demo
                .then(|| (demo_badges(), crate::demo::PIN.to_owned())),
            lang: options.lang,
            voter_timeout_secs: options.voter_timeout_secs,
            export_target: target,
            device_fingerprint: device,
            first_boot,
            hall_port: crate::kiosk::link::HALL_PORT,
        },
    );
    VIEW.with(|v| *v.borrow_mut() = Some(view));

    let _scanner = match &options.scanner {
        Some(path) => {
            let outbox = worker.outbox();
            Some(Scanner::spawn(
                SerialOpener {
                    path: path.clone(),
                    baud: options.baud,
                },
                move |event| outbox.post(Reply::Scanner(event)),
            )?)
        }
        None => None,
    };
    // With udisks2 the dashboard follows the stick as it is put in and taken out; with a folder
    // there is nothing to watch and the line stays hidden.
    let _sticks = if options.udisks {
        Some(stick_watch(worker.outbox())?)
    } else {
        None
    };
    // Always running: the organiser may set the registry's address on the settings page.
    let _uploads = UploadLoop::spawn(database, options.registry.clone(), quiet)?;
    // Replies that arrived before the event loop started.
    waker();
    // systemd (Type=notify): READY=1 after the first frame, WATCHDOG=1 from this thread's event
    // loop so that a frozen screen gets the kiosk restarted, STOPPING=1 when this is dropped.
    let _service = crate::service::Service::from_process().attach_to_event_loop();
    window.run().context("the kiosk window failed")?;
    VIEW.with(|v| v.borrow_mut().take());
    drop(window);
    Ok(())
}

thread_local! {
    static VIEW: std::cell::RefCell<Option<View>> = const { std::cell::RefCell::new(None) };
}

/// Runs a test deck and prints its report; returns whether it passed.
pub fn run_deck(deck_path: Option<&Path>, data: &Path, usb_dir: &Path, lang: Lang) -> Result<bool> {
    let (text, dir) = match deck_path {
        Some(path) => (
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?,
            path.parent().map(Path::to_owned).unwrap_or_default(),
        ),
        None => (crate::demo::TEST_DECK.to_owned(), PathBuf::from(".")),
    };
    std::fs::create_dir_all(usb_dir)
        .with_context(|| format!("cannot create {}", usb_dir.display()))?;
    let report = deck::run(&text, &dir, data, usb_dir)?;
    print!("{}", render_deck(&report, lang));
    Ok(report.passed())
}

/// The readable report of a deck run.
pub fn render_deck(report: &DeckReport, lang: Lang) -> String {
    let fr = lang == Lang::Fr;
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(format!(
        "{} : {}",
        if fr { "Essai à blanc" } else { "Test deck" },
        report.title
    ));
    line(if fr {
        format!(
            "{} émargements, {} bulletins déposés par le même chemin que l'écran tactile.",
            report.checkins, report.ballots
        )
    } else {
        format!(
            "{} check-ins, {} ballots cast through the touchscreen's entry points.",
            report.checkins, report.ballots
        )
    });
    for (poll, summary) in &report.counted {
        let wrong = report.differences.iter().any(|d| d.poll == poll.as_str());
        line(format!(
            "{} {poll}: {summary}",
            if wrong { "✘" } else { "✔" }
        ));
    }
    for d in &report.differences {
        line(if fr {
            format!(
                "  ✘ {} / {} : attendu {}, compté {}",
                d.poll, d.field, d.expected, d.counted
            )
        } else {
            format!(
                "  ✘ {} / {}: expected {}, counted {}",
                d.poll, d.field, d.expected, d.counted
            )
        });
    }
    line(if fr {
        format!(
            "Bundle d'essai signé (marqué ESSAI, jamais un résultat réel) : {}",
            report.export.path.display()
        )
    } else {
        format!(
            "Signed test bundle (marked TEST, never a real result): {}",
            report.export.path.display()
        )
    });
    line(format!("SHA-256 : {}", report.export.digest));
    line(match (fr, report.passed()) {
        (true, true) => {
            "Résultat : chaque scrutin compte exactement ce que le jeu d'essai attend.".into()
        }
        (false, true) => "Result: every poll counts exactly what the deck expects.".into(),
        (true, false) => format!("Résultat : ÉCHEC, {} écart(s).", report.differences.len()),
        (false, false) => format!(
            "Result: FAILED, {} difference(s).",
            report.differences.len()
        ),
    });
    out
}

/// Makes sure the window's platform can start before building the UI, so that a machine with
/// no display gets a sentence rather than a backtrace.
pub fn window_platform_available() -> bool {
    // On the Pi there is no display server to look for. (A BackendSelector dropped without
    // select() selects anyway and panics on failure: only make one when it is used.)
    if !cfg!(feature = "pi") && !has_display() {
        return false;
    }
    let selector = slint::BackendSelector::new();
    // The Pi build draws straight to the screen through Slint's linuxkms backend (DRM/KMS, touch
    // through libinput) with the software renderer, unless SLINT_BACKEND names another; desktop
    // builds let Slint choose (winit).
    #[cfg(feature = "pi")]
    let selector = {
        // The selector takes the backend and the renderer apart: SLINT_BACKEND's
        // `linuxkms-software` is the two names joined by a dash.
        let wanted = std::env::var("SLINT_BACKEND").unwrap_or_default();
        let (backend, renderer) = match wanted.split_once('-') {
            Some((backend, renderer)) => (backend.to_owned(), Some(renderer.to_owned())),
            None if wanted.is_empty() => ("linuxkms".to_owned(), Some("software".to_owned())),
            None => (wanted, None),
        };
        let selector = selector.backend_name(backend);
        match renderer {
            Some(renderer) => selector.renderer_name(renderer),
            None => selector,
        }
    };
    selector.select().is_ok()
}
