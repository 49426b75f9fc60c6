//! Every screen at the four screen sizes the kiosk meets (800×480, 1024×600 and 1280×800
//! landscape, 720×1280 portrait): each touch target is at least 48 px and nothing sticks out of
//! the screen sideways (the dashboard also with the stick watch's line; the packages page with
//! each source, the registry's answers coming from a real registry on 127.0.0.1), and on the
//! greeting, which does not scroll, every button lies whole within the screen (also with the
//! « not recorded » warning; the voters' screens of a hall's door and voting kiosks in English).
//! The screens at 800×480 and 1280×800, and the voter's screens in
//! portrait, are rendered to `docs/screenshots/<size>/` with the software renderer.

use crate::support;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use i_slint_backend_testing::{AccessibleRole, ElementQuery};
use slint::ComponentHandle;
use urne_core::timestamp::Timestamp;
use urne_kiosk::clock::FakeClock;
use urne_kiosk::fetch::FetchError;
use urne_kiosk::generated::{
    EditorAdapter, HallAdapter, PackagesAdapter, Page, RegistryState, SettingsAdapter, Theme,
};
use urne_kiosk::kiosk::Kiosk;
use urne_kiosk::stick::StickEvent;
use urne_kiosk::ui_testing::demo::Fixture;
use urne_kiosk::ui_testing::{Harness, demo};
use urne_kiosk::view::{Reply, ViewOptions, registry_package_answer};

const WAIT: Duration = Duration::from_secs(10);
/// The smallest touch target, in logical pixels.
const TOUCH_MIN: f32 = 48.0;

#[derive(Clone, Copy)]
struct Size {
    width: u32,
    height: u32,
    /// Which screens are written to `docs/screenshots/`.
    shots: Shots,
}

#[derive(Clone, Copy, PartialEq)]
enum Shots {
    All,
    VoterOnly,
    None,
}

const SIZES: [Size; 4] = [
    Size {
        width: 800,
        height: 480,
        shots: Shots::All,
    },
    Size {
        width: 1024,
        height: 600,
        shots: Shots::None,
    },
    Size {
        width: 1280,
        height: 800,
        shots: Shots::All,
    },
    Size {
        width: 720,
        height: 1280,
        shots: Shots::VoterOnly,
    },
];

/// A demo kiosk with the polls at `open` opened, on the evening of the demo assembly (so
/// that the pictures do not change from run to run).
fn kiosk(dir: &std::path::Path, open: &[usize]) -> Kiosk {
    Fixture::new(dir)
        .seed(3)
        .clock(Arc::new(FakeClock::at(Timestamp(1_796_497_200))))
        .demo()
        .open_polls(open)
        .build()
}

fn folder(size: Size) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/screenshots")
        .join(format!("{}x{}", size.width, size.height))
}

/// Checks the screen on show, and renders it when this size keeps it.
fn screen(h: &Harness, size: Size, name: &str, voter: bool) {
    h.settle();
    let keep = match size.shots {
        Shots::All => true,
        Shots::VoterOnly => voter,
        Shots::None => false,
    };
    if keep {
        let dir = folder(size);
        std::fs::create_dir_all(&dir).unwrap();
        h.snapshot(&dir.join(format!("{name}.png")));
    }
    fits(h, size, name);
}

/// On a screen that does not scroll (the greeting), every button lies whole within the screen:
/// a voter must not meet « Voter » cut by the bottom edge.
fn buttons_on_screen(h: &Harness, size: Size, name: &str) {
    for element in ElementQuery::from_root(&h.window)
        .match_descendants()
        .match_accessible_role(AccessibleRole::Button)
        .find_all()
    {
        let (at, dims) = (element.absolute_position(), element.size());
        if dims.width <= 0.0 || dims.height <= 0.0 {
            continue;
        }
        let label = element
            .accessible_label()
            .map(|l| l.to_string())
            .unwrap_or_default();
        assert!(
            at.y >= -0.5 && at.y + dims.height <= size.height as f32 + 0.5,
            "{name} at {}×{}: « {label} » ({:.0},{:.0} {:.0}×{:.0}) is cut by the screen's edge",
            size.width,
            size.height,
            at.x,
            at.y,
            dims.width,
            dims.height
        );
    }
}

/// Every labelled element lies within the screen's width, and every button or field a finger
/// taps is at least 48 px each way.
fn fits(h: &Harness, size: Size, name: &str) {
    let width = size.width as f32;
    for element in ElementQuery::from_root(&h.window)
        .match_descendants()
        .find_all()
    {
        let Some(role) = element.accessible_role() else {
            continue;
        };
        let label = element
            .accessible_label()
            .map(|l| l.to_string())
            .unwrap_or_default();
        let at = element.absolute_position();
        let dims = element.size();
        if dims.width <= 0.0 || dims.height <= 0.0 || label.is_empty() {
            continue;
        }
        let place = format!(
            "{name} at {}×{}: « {label} » ({:.0},{:.0} {:.0}×{:.0})",
            size.width, size.height, at.x, at.y, dims.width, dims.height
        );
        assert!(
            at.x >= -0.5 && at.x + dims.width <= width + 0.5,
            "{place} sticks out of the screen"
        );
        if matches!(role, AccessibleRole::Button | AccessibleRole::TextInput) {
            assert!(
                dims.width >= TOUCH_MIN - 0.5 && dims.height >= TOUCH_MIN - 0.5,
                "{place} is smaller than a fingertip"
            );
        }
    }
}

/// The voter's screens: welcome, one ballot of each kind, review, « A voté ! ».
fn voter_screens(size: Size) {
    let polls = urne_kiosk::demo::package().package.event.polls;
    let agnes = &demo::badges()[0];
    for (i, poll) in polls.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let h = Harness::new(
            kiosk(dir.path(), &[i]),
            ViewOptions::default(),
            size.width,
            size.height,
        );
        if i == 0 {
            screen(&h, size, "idle", true);
        }
        h.scan(&agnes.payload);
        assert!(h.wait_for_page(Page::Welcome, WAIT));
        if i == 0 {
            screen(&h, size, "welcome", true);
            buttons_on_screen(&h, size, "welcome");
        }
        if i == 1 {
            // She walks away from her ballot; at her next scan she is told it was not recorded.
            h.tap("Voter");
            assert!(h.wait_for_page(Page::Ballot, WAIT));
            h.advance(Duration::from_secs(600));
            assert!(h.wait_for_page(Page::Idle, WAIT));
            h.scan(&agnes.payload);
            assert!(h.wait_for("Votre vote n'a pas été enregistré : recommencez.", WAIT));
            screen(&h, size, "welcome-unrecorded", true);
            buttons_on_screen(&h, size, "welcome-unrecorded");
        }
        h.tap("Voter");
        assert!(h.wait_for_page(Page::Ballot, WAIT));
        screen(
            &h,
            size,
            &format!("ballot-{}-{}", i + 1, poll.kind.name()),
            true,
        );
        if i == 0 {
            // The same ballot as a voter with poor sight sets it.
            let theme = h.window.global::<Theme>();
            theme.set_large_text(true);
            screen(&h, size, "ballot-large-text", true);
            theme.set_large_text(false);
            theme.set_high_contrast(true);
            screen(&h, size, "ballot-high-contrast", true);
            theme.set_high_contrast(false);
            h.tap("Pour");
            h.tap("Continuer");
            assert!(h.wait_for_page(Page::Review, WAIT));
            screen(&h, size, "review", true);
            h.tap("Confirmer mon vote");
            assert!(h.wait_for_page(Page::Voted, WAIT));
            screen(&h, size, "voted", true);
            h.tap("Terminer");
            h.scan(&agnes.payload);
            assert!(h.wait_for("Vous avez déjà voté.", WAIT));
            screen(&h, size, "welcome-voted", true);
            buttons_on_screen(&h, size, "welcome-voted");
        }
        h.shutdown();
    }
}

/// The door's and the organiser's screens.
fn organiser_screens(size: Size) {
    let dir = tempfile::tempdir().unwrap();
    let registry = support::TestRegistry::demo(dir.path());
    let mut k = kiosk(dir.path(), &[]);
    registry.enrol_kiosk(&k.device_public_key());
    k.set_default_registry(Some(registry.url.clone()), None);
    let h = Harness::new(k, ViewOptions::default(), size.width, size.height);
    let members = demo::badges();
    // A member already in the hall scans again on their way out.
    h.scan(&members[1].payload);
    assert!(h.wait_for_page(Page::Welcome, WAIT));
    h.tap("Terminer");
    h.scan(&members[1].payload);
    assert!(h.wait_for_page(Page::Welcome, WAIT));
    h.tap("Je pars");
    assert!(h.wait_for_page(Page::Goodbye, WAIT));
    screen(&h, size, "goodbye", false);
    h.tap("Terminer");
    h.scan("URNE:AQFORGED");
    assert!(h.wait_for_page(Page::Refused, WAIT));
    screen(&h, size, "refused", false);
    h.tap("Compris");

    h.scan(&demo::organiser().payload);
    assert!(h.wait_for_page(Page::Pin, WAIT));
    h.tap("1");
    h.tap("2");
    screen(&h, size, "pin", false);
    for d in "3456".chars() {
        h.tap(&d.to_string());
    }
    h.tap("Valider");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
    screen(&h, size, "dashboard", false);
    // On the Pi the stick watch adds a line near « Exporter »; a label as long as a file
    // system allows (ext4: 16 characters) still fits.
    h.outbox().post(Reply::Stick(StickEvent::Inserted {
        label: "BUREAU-ASSEMBLEE".into(),
    }));
    assert!(h.wait_for("Clé USB détectée : BUREAU-ASSEMBLEE", WAIT));
    fits(&h, size, "dashboard with a stick");

    h.tap("Émargement et pouvoirs");
    assert!(h.wait_for_page(Page::Attendance, WAIT));
    screen(&h, size, "attendance", false);
    h.tap("Inscrire une personne");
    assert!(h.wait_for_page(Page::Walkin, WAIT));
    screen(&h, size, "walkin", false);
    h.tap("Annuler");
    assert!(h.wait_for_page(Page::Attendance, WAIT));
    h.tap("Retour au tableau de bord");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));

    // The editor's entry is at the end of the poll list, below the fold on a small screen.
    h.window.global::<EditorAdapter>().invoke_start("".into());
    assert!(h.wait_for_page(Page::Editor, WAIT));
    screen(&h, size, "editor-keyboard", false);
    h.tap("Valider");
    h.tap("Budget participatif");
    screen(&h, size, "editor-budget", false);
    h.tap("Jugement majoritaire");
    screen(&h, size, "editor-judgment", false);
    h.tap("Annuler");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));

    h.tap("Réglages");
    assert!(h.wait_for_page(Page::Settings, WAIT));
    screen(&h, size, "settings", false);
    h.window.global::<SettingsAdapter>().invoke_edit_url();
    screen(&h, size, "settings-registry", false);
    h.tap("Valider");
    h.window.global::<PackagesAdapter>().invoke_find_packages();
    assert!(h.wait_for_page(Page::Packages, WAIT));
    screen(&h, size, "packages", false);

    // The registry source: its list, then the package downloaded, then what it says once the
    // registry is gone.
    h.tap("Registre");
    assert!(wait_for_registry(&h, RegistryState::Listed));
    // The test registry's port changes from run to run; the pictures show a stable address.
    let stable = || {
        h.window
            .global::<PackagesAdapter>()
            .set_registry_url("https://registre.example.org".into())
    };
    stable();
    screen(&h, size, "packages-registry", false);
    h.window
        .global::<PackagesAdapter>()
        .invoke_fetch_package(urne_kiosk::demo::package().package.event.id.as_str().into());
    assert!(wait_for_registry(&h, RegistryState::Offered));
    stable();
    screen(&h, size, "packages-registry-offer", false);
    h.outbox().post(registry_package_answer(
        u64::MAX,
        String::new(),
        Err(FetchError::Server(503)),
    ));
    h.settle();
    assert_eq!(
        h.window.global::<PackagesAdapter>().get_registry_state(),
        RegistryState::Offered,
        "an answer to another request is dropped"
    );
    drop(registry);
    h.tap("Chercher à nouveau");
    assert!(wait_for_registry(&h, RegistryState::Unreachable));
    fits(&h, size, "packages-registry-unreachable");
    h.shutdown();
}

/// Applies replies until the registry source is in `state`.
/// The first-boot setup (a Pi booted offline, its clock two days behind), and the dashboard
/// of a kiosk whose time was not confirmed since it booted.
fn setup_screens(size: Size) {
    let dir = tempfile::tempdir().unwrap();
    let clock = FakeClock::at(Timestamp(1_796_497_200 - 2 * 86_400));
    clock.set_synced(false);
    let fresh = Fixture::new(dir.path())
        .seed(9)
        .clock(Arc::new(clock.clone()))
        .build();
    let options = ViewOptions {
        device_fingerprint: fresh.device_fingerprint().to_hex(),
        first_boot: true,
        ..ViewOptions::default()
    };
    let h = Harness::new(fresh, options, size.width, size.height);
    assert_eq!(h.page(), Page::Setup);
    screen(&h, size, "setup-key", false);
    h.tap("Continuer");
    for d in "246810".chars() {
        h.tap(&d.to_string());
    }
    screen(&h, size, "setup-pin", false);
    h.tap("Valider");
    for d in "246810".chars() {
        h.tap(&d.to_string());
    }
    h.tap("Valider");
    screen(&h, size, "setup-registry", false);
    h.tap("Adresse du registre");
    screen(&h, size, "setup-registry-keyboard", false);
    h.tap("Valider");
    h.tap("Continuer sans registre");
    assert!(h.wait_for("Date et heure du kiosque : 2026-12-03 19:00", WAIT));
    h.tap("+1 jour");
    screen(&h, size, "setup-clock", false);
    h.shutdown();

    let dir = tempfile::tempdir().unwrap();
    let clock = FakeClock::at(Timestamp(1_796_497_200));
    clock.set_synced(false);
    let h = Harness::new(
        Fixture::new(dir.path())
            .seed(3)
            .clock(Arc::new(clock))
            .demo()
            .build(),
        ViewOptions::default(),
        size.width,
        size.height,
    );
    h.unlock();
    assert!(h.wait_for("Vérifier l'heure", WAIT));
    // The poll list's scroll bar is drawn a moment after the list arrives: the picture waits
    // for it, so that it is the same on every run.
    h.advance(Duration::from_secs(2));
    screen(&h, size, "dashboard-clock-unconfirmed", false);
    h.shutdown();
}

fn wait_for_registry(h: &Harness, state: RegistryState) -> bool {
    let start = std::time::Instant::now();
    while h.window.global::<PackagesAdapter>().get_registry_state() != state {
        if start.elapsed() > WAIT {
            return false;
        }
        h.view.wait(Duration::from_millis(50));
    }
    true
}

#[test]
fn every_voter_screen_fits_every_size() {
    for size in SIZES {
        voter_screens(size);
    }
}

#[test]
fn every_organiser_screen_fits_every_size() {
    for size in SIZES {
        organiser_screens(size);
    }
}

/// The hall page: on its own, as the lead showing its card, and on a kiosk that scanned a lead's
/// card (its role to choose).
fn hall_screens(size: Size) {
    let dir = tempfile::tempdir().unwrap();
    // A voting kiosk already paired, with a vote under way on it: its row and its buttons.
    let mut lead = kiosk(dir.path(), &[0]);
    let voting = crate::hall_lead::pair(&mut lead, 20, urne_codec::hall::HallRole::Voting);
    let granted = lead.hall_answer(
        &voting,
        urne_codec::hall::RequestBody::Claim {
            badge: crate::hall_lead::badge(0),
        },
    );
    assert!(
        matches!(
            granted,
            urne_kiosk::kiosk::hall::HallReply::Answer(
                urne_codec::hall::AnswerBody::Granted { .. }
            )
        ),
        "{granted:?}"
    );
    let h = Harness::new(lead, ViewOptions::default(), size.width, size.height);
    h.unlock();
    // Reached from the settings page, whose button may be below the fold on a small screen.
    h.window.global::<HallAdapter>().invoke_show();
    assert!(h.wait_for_page(Page::Hall, WAIT));
    screen(&h, size, "hall-alone", false);
    h.window.global::<HallAdapter>().invoke_lead();
    h.settle();
    assert!(h.shows("Carte d'appairage"));
    screen(&h, size, "hall-lead", false);
    // Below the card on a small screen: seen whole on a tall one.
    h.resize(size.width, 2400);
    h.settle();
    assert!(h.shows_containing("Libérer le vote en cours sur l'isoloir"));
    fits(&h, size, "hall-lead (whole)");
    h.resize(size.width, size.height);

    let other = tempfile::tempdir().unwrap();
    let joining = Harness::new(
        Fixture::new(other.path()).seed(6).demo().build(),
        ViewOptions::default(),
        size.width,
        size.height,
    );
    joining.unlock();
    joining.window.global::<HallAdapter>().invoke_show();
    assert!(joining.wait_for_page(Page::Hall, WAIT));
    let card = h.window.global::<HallAdapter>().get_card().to_string();
    joining.scan(&card);
    joining.settle();
    assert!(joining.shows("Rejoindre la salle comme isoloir"));
    screen(&joining, size, "hall-join", false);
    joining.shutdown();
    h.shutdown();
}

#[test]
fn every_hall_screen_fits_every_size() {
    for size in SIZES {
        hall_screens(size);
    }
}

/// A member kiosk of the hall whose lead is `lead`: the demo package, device key from `seed`
/// (the one paired), in English.
fn hall_member(
    dir: &std::path::Path,
    seed: u8,
    role: urne_codec::hall::HallRole,
    lead: &Arc<std::sync::Mutex<Kiosk>>,
    size: Size,
) -> (Harness, Arc<urne_kiosk::hall::local::LocalLead>) {
    let mut kiosk = Fixture::new(dir).seed(seed).demo().confirm_time().build();
    let fingerprint = urne_core::crypto::SecretKey::from_seed(&[seed; 32])
        .public()
        .fingerprint();
    let link = Arc::new(urne_kiosk::hall::local::LocalLead::new(
        lead.clone(),
        fingerprint,
    ));
    kiosk.join_hall(role, Box::new(link.clone()));
    let h = Harness::new(kiosk, ViewOptions::default(), size.width, size.height);
    h.tap("English");
    (h, link)
}

/// The voters' screens on a door and on voting kiosks of a hall, in English: the door's
/// welcome (and while its lead does not answer), a voter busy on another voting kiosk, and a
/// visit that ended on the lead.
fn member_screens(size: Size) {
    use urne_codec::hall::HallRole;
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let (mut lead, clock) = crate::hall_lead::lead(dirs[0].path());
    crate::hall_lead::pair(&mut lead, 22, HallRole::Door);
    crate::hall_lead::pair(&mut lead, 20, HallRole::Voting);
    crate::hall_lead::pair(&mut lead, 21, HallRole::Voting);
    let lead = Arc::new(std::sync::Mutex::new(lead));
    let members = demo::members();

    let (door, link) = hall_member(dirs[1].path(), 22, HallRole::Door, &lead, size);
    door.scan(&members[1].payload);
    assert!(door.wait_for("To vote, go to one of the hall's voting kiosks.", WAIT));
    screen(&door, size, "hall-door-welcome", true);
    buttons_on_screen(&door, size, "hall-door-welcome");
    door.tap("Done");
    link.set_reachable(false);
    door.tap("English");
    door.scan(&members[2].payload);
    assert!(door.wait_for_page(Page::Welcome, WAIT));
    assert!(door.shows_containing("sending it to the lead kiosk is pending"));
    screen(&door, size, "hall-door-queued", true);
    buttons_on_screen(&door, size, "hall-door-queued");
    door.shutdown();

    let (isoloir, _) = hall_member(dirs[2].path(), 20, HallRole::Voting, &lead, size);
    let (other, _) = hall_member(dirs[3].path(), 21, HallRole::Voting, &lead, size);
    isoloir.scan(&members[0].payload);
    assert!(isoloir.wait_for("Vote", WAIT));
    other.scan(&members[0].payload);
    assert!(other.wait_for_page(Page::Refused, WAIT));
    assert!(other.shows_containing("at another voting kiosk"));
    screen(&other, size, "hall-busy", true);
    buttons_on_screen(&other, size, "hall-busy");
    other.shutdown();

    // The voter fills both ballots in, slower than the lead holds a visit.
    isoloir.tap("Vote");
    for _ in 0..2 {
        assert!(isoloir.wait_for_page(Page::Ballot, WAIT));
        isoloir.tap("For");
        isoloir.tap("Continue");
    }
    assert!(isoloir.wait_for_page(Page::Review, WAIT));
    clock.advance(urne_kiosk::kiosk::hall::CLAIM_LAPSE_SECS + 1);
    isoloir.tap("Confirm my vote");
    assert!(isoloir.wait_for_page(Page::Refused, WAIT));
    assert!(isoloir.shows_containing("Scan your badge again to vote"));
    screen(&isoloir, size, "hall-visit-ended", true);
    buttons_on_screen(&isoloir, size, "hall-visit-ended");
    isoloir.shutdown();
}

#[test]
fn every_member_kiosk_screen_fits_every_size_in_english() {
    for size in SIZES {
        member_screens(size);
    }
}

#[test]
fn every_setup_screen_fits_every_size() {
    for size in SIZES {
        setup_screens(size);
    }
}
