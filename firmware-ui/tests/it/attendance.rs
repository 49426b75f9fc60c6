//! At the door: proxies recorded by the organiser (with the cap), a proxy holder voting for the
//! member they represent, undoing a mistaken check-in, revoking a lost badge, registering a
//! walk-in whose on-screen badge then works, and a member checking out and back in.

use std::time::Duration;

use urne_core::ids::PollId;
use urne_kiosk::generated::Page;
use urne_kiosk::kiosk::Kiosk;
use urne_kiosk::ui_testing::demo::Fixture;
use urne_kiosk::ui_testing::{Harness, demo};
use urne_kiosk::view::ViewOptions;
use urne_papers::badges::Badge;

const WAIT: Duration = Duration::from_secs(10);

fn members() -> Vec<Badge> {
    demo::members()
}

/// A kiosk where `present` members are checked in and the first motion (charte) is open when
/// `open`.
fn kiosk(dir: &std::path::Path, present: usize, open: bool) -> Kiosk {
    let fixture = Fixture::new(dir)
        .seed(6)
        .demo()
        .confirm_time()
        .present(present);
    if open {
        fixture.open_polls(&[0])
    } else {
        fixture
    }
    .build()
}

fn to_attendance(h: &Harness) {
    h.unlock();
    h.tap("Émargement et pouvoirs");
    assert!(h.wait_for_page(Page::Attendance, WAIT));
    h.settle();
}

#[test]
fn a_proxy_is_recorded_at_the_door_and_its_holder_votes_twice() {
    let dir = tempfile::tempdir().unwrap();
    let m = members();
    // Members 0..3 are present; 100 and 101 are absent.
    let h = Harness::new(
        kiosk(dir.path(), 3, false),
        ViewOptions::default(),
        1024,
        900,
    );
    to_attendance(&h);
    h.tap("Nouveau pouvoir");
    assert!(h.shows("Pouvoir : scannez le badge du membre ABSENT qui donne son pouvoir."));
    h.scan(&m[100].payload);
    assert!(h.wait_for(
        &format!(
            "Pouvoir de {} : scannez maintenant le badge du membre PRÉSENT qui le porte.",
            m[100].name
        ),
        WAIT
    ));
    h.scan(&m[1].payload);
    assert!(h.wait_for("Pouvoir enregistré.", WAIT));
    assert!(h.wait_for(
        &format!("{} est représenté·e par {}", m[100].name, m[1].name),
        WAIT
    ));
    // One proxy per holder in this event: a second one for the same holder is refused.
    h.tap("Nouveau pouvoir");
    h.scan(&m[101].payload);
    assert!(h.wait_for(
        &format!(
            "Pouvoir de {} : scannez maintenant le badge du membre PRÉSENT qui le porte.",
            m[101].name
        ),
        WAIT
    ));
    h.scan(&m[1].payload);
    assert!(h.wait_for(
        "Refusé : ce membre porte déjà le nombre maximum de pouvoirs.",
        WAIT
    ));
    // The figures count the represented member.
    assert!(h.shows("Émargement : 3 présents, 1 représentés sur 150 membres"));

    // The organiser opens the first motion; the holder then votes for themselves and for the
    // member they represent.
    h.tap("Retour au tableau de bord");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
    h.tap(
        "Ouvrir le scrutin : Adopter la charte de l'Assemblée populaire (version du 12 novembre)",
    );
    assert!(h.wait_for(
        "Clore le scrutin : Adopter la charte de l'Assemblée populaire (version du 12 novembre)",
        WAIT
    ));
    h.tap("Verrouiller");
    h.scan(&m[1].payload);
    assert!(h.wait_for(&format!("Bonjour {} !", m[1].name), WAIT));
    assert!(h.shows("2 scrutins ouverts vous attendent."));
    h.tap("Voter");
    h.tap("Pour");
    h.tap("Continuer");
    assert!(h.shows(&format!(
        "Vous votez pour le compte de {} (pouvoir).",
        m[100].name
    )));
    h.tap("Contre");
    h.tap("Continuer");
    assert!(h.shows(&format!("Pour le compte de {} (pouvoir)", m[100].name)));
    h.tap("Confirmer mon vote");
    assert!(h.wait_for("A voté !", WAIT));
    h.shutdown();

    let store = urne_kiosk::store::Store::open(&dir.path().join("urne.sqlite")).unwrap();
    let charte = PollId::new("charte").unwrap();
    assert_eq!(store.voted_count(&charte).unwrap(), 2);
    assert_eq!(crate::support::demo_box(&store, "charte").len(), 2);
}

#[test]
fn a_mistaken_check_in_is_undone_and_a_lost_badge_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let m = members();
    let h = Harness::new(
        kiosk(dir.path(), 2, false),
        ViewOptions::default(),
        1024,
        900,
    );
    to_attendance(&h);
    assert!(h.shows("Émargement : 2 présents, 0 représentés sur 150 membres"));
    h.tap(&format!("Annuler l'émargement de {}", m[0].name));
    assert!(h.wait_for("Émargement annulé.", WAIT));
    assert!(h.wait_for(
        "Émargement : 1 présents, 0 représentés sur 150 membres",
        WAIT
    ));

    h.tap("Révoquer un badge");
    assert!(h.shows("Révocation : scannez le badge perdu ou volé."));
    h.scan(&m[5].payload);
    assert!(h.wait_for(
        &format!(
            "Révoquer le badge de {} ? Il sera refusé désormais.",
            m[5].name
        ),
        WAIT
    ));
    h.tap("Révoquer");
    assert!(h.wait_for("Badge révoqué.", WAIT));
    h.tap("Retour au tableau de bord");
    h.tap("Verrouiller");
    h.scan(&m[5].payload);
    assert!(h.wait_for_page(Page::Refused, WAIT));
    assert!(h.shows("Ce badge a été révoqué."));
    h.shutdown();
}

#[test]
fn a_walk_in_is_registered_with_the_keyboard_and_their_badge_works() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::new(
        kiosk(dir.path(), 0, false),
        ViewOptions::default(),
        1024,
        768,
    );
    to_attendance(&h);
    h.tap("Inscrire une personne");
    assert!(h.wait_for_page(Page::Walkin, WAIT));
    // « Dupré », then « Léa », typed on the on-screen keyboard.
    h.tap("Majuscule");
    for key in ["D", "u", "p", "r", "é"] {
        h.tap(key);
    }
    h.tap("Prénom");
    h.tap("Majuscule");
    for key in ["L", "é", "a"] {
        h.tap(key);
    }
    h.tap("Collectif (facultatif)");
    for key in ["A", "M", "A", "A"] {
        h.tap("Majuscule");
        h.tap(key);
    }
    // A typing mistake, corrected.
    h.tap("Effacer");
    h.tap("Majuscule");
    h.tap("P");
    h.tap("Inscrire et émarger");
    assert!(h.wait_for_page(Page::WalkinBadge, WAIT));
    assert!(h.shows("Léa Dupré est inscrit·e et émargé·e."));

    // The QR code on screen is a badge this kiosk accepts.
    let shot = h.snapshot(&dir.path().join("walkin-badge.png"));
    let gray = image::DynamicImage::ImageRgba8(shot).to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(gray);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on screen");
    let (_, payload) = grids[0].decode().unwrap();
    assert!(payload.starts_with("URNE:"));
    h.tap("C'est photographié");
    assert!(h.wait_for_page(Page::Attendance, WAIT));
    assert!(h.wait_for(
        "Émargement : 1 présents, 0 représentés sur 151 membres",
        WAIT
    ));
    h.tap("Retour au tableau de bord");
    h.tap("Verrouiller");
    h.scan(&payload);
    assert!(h.wait_for("Bonjour Léa Dupré !", WAIT));
    assert!(
        h.shows_containing("Votre présence est déjà enregistrée depuis"),
        "already checked in at registration"
    );
    h.shutdown();
}

#[test]
fn a_member_checks_out_and_back_in() {
    let dir = tempfile::tempdir().unwrap();
    let m = members();
    let h = Harness::new(
        kiosk(dir.path(), 1, false),
        ViewOptions::default(),
        1024,
        600,
    );
    h.scan(&m[0].payload);
    assert!(h.wait_for(&format!("Bonjour {} !", m[0].name), WAIT));
    h.tap("Je pars");
    assert!(h.wait_for_page(Page::Goodbye, WAIT));
    assert!(h.shows(&format!("Au revoir {} !", m[0].name)));
    h.tap("Terminer");
    let store = urne_kiosk::store::Store::open(&dir.path().join("urne.sqlite")).unwrap();
    assert_eq!(store.present_count().unwrap(), 0);
    h.scan(&m[0].payload);
    assert!(h.wait_for("Votre présence est enregistrée.", WAIT));
    assert_eq!(store.present_count().unwrap(), 1);
    h.shutdown();
}

#[test]
fn the_dashboard_counts_arrivals_while_it_is_shown() {
    let dir = tempfile::tempdir().unwrap();
    let m = members();
    let h = Harness::new(
        kiosk(dir.path(), 2, false),
        ViewOptions::default(),
        1024,
        600,
    );
    h.unlock();
    h.settle();
    use slint::ComponentHandle;
    let present = || {
        h.window
            .global::<urne_kiosk::generated::OrganiserAdapter>()
            .get_present()
    };
    assert_eq!(present(), 2);
    // Another kiosk at the door (here: the same database) checks a member in.
    {
        let mut door = Fixture::new(dir.path()).seed(6).build();
        door.scan(&m[10].payload).unwrap();
    }
    h.advance(Duration::from_secs(6));
    h.settle();
    assert_eq!(present(), 3, "the dashboard refreshed by itself");
    h.shutdown();
}
