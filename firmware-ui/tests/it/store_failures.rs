//! A full SD card, a read-only file system, a database locked by another program: the screen
//! says so plainly, nothing is acknowledged that is not stored, and the kiosk carries on once
//! the condition is gone.

use std::time::Duration;

use urne_core::ids::PollId;
use urne_kiosk::generated::Page;
use urne_kiosk::kiosk::Kiosk;
use urne_kiosk::store::{Fault, Store};
use urne_kiosk::ui_testing::Harness;
use urne_kiosk::ui_testing::demo::Fixture;
use urne_kiosk::view::ViewOptions;
use urne_papers::badges::{Badge, issue_all};

const WAIT: Duration = Duration::from_secs(10);

fn badges() -> Vec<Badge> {
    issue_all(
        &urne_kiosk::demo::package().package,
        &urne_kiosk::demo::organiser_key(),
    )
}

/// A kiosk with the first motion open and `dir` as its data folder.
fn kiosk_with_open_motion(dir: &std::path::Path) -> Kiosk {
    // « charte » is the demo's first poll.
    Fixture::new(dir).seed(5).demo().open_polls(&[0]).build()
}

#[test]
fn a_full_or_read_only_store_refuses_visibly_and_stores_nothing() {
    for (fault, message) in [
        (
            Fault::Full,
            "La mémoire du kiosque est pleine : votre passage n'a PAS été enregistré. Prévenez un organisateur.",
        ),
        (
            Fault::ReadOnly,
            "La mémoire du kiosque est en lecture seule : votre passage n'a PAS été enregistré. Prévenez un organisateur.",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let kiosk = kiosk_with_open_motion(dir.path());
        kiosk.store().simulate_fault(Some(fault)).unwrap();
        let before = Store::open(&dir.path().join("urne.sqlite"))
            .unwrap()
            .audit_chain()
            .unwrap()
            .len();
        let h = Harness::new(kiosk, ViewOptions::default(), 1024, 600);
        let agnes = &badges()[0];
        h.scan(&agnes.payload);
        assert!(h.wait_for_page(Page::Refused, WAIT));
        assert!(h.shows("Non enregistré"));
        assert!(h.shows(message), "the reason is on screen");
        assert!(
            !h.shows("Bonjour Agnès Lemaître !"),
            "no greeting without a check-in"
        );
        let after = Store::open(&dir.path().join("urne.sqlite")).unwrap();
        assert_eq!(after.present_count().unwrap(), 0, "nothing was stored");
        assert_eq!(after.audit_chain().unwrap().len(), before);
        h.shutdown();
    }
}

#[test]
fn a_vote_that_cannot_be_stored_is_never_called_a_vote_and_can_be_confirmed_later() {
    let dir = tempfile::tempdir().unwrap();
    let kiosk = kiosk_with_open_motion(dir.path());
    let path = dir.path().join("urne.sqlite");
    let h = Harness::new(kiosk, ViewOptions::default(), 1024, 600);
    let agnes = &badges()[0];
    h.scan(&agnes.payload);
    assert!(h.wait_for("Bonjour Agnès Lemaître !", WAIT));
    h.tap("Voter");
    h.tap("Pour");
    h.tap("Continuer");

    // Another program holds the database: the cast waits its turn, then gives up.
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    h.tap("Confirmer mon vote");
    assert!(h.wait_for(
        "Votre vote n'a PAS été enregistré : le kiosque est occupé. Touchez « Confirmer mon vote » à nouveau.",
        WAIT
    ));
    assert_eq!(
        h.page(),
        Page::Review,
        "the voter stays on the review screen"
    );
    assert!(!h.shows("A voté !"));
    other.execute_batch("ROLLBACK").unwrap();
    drop(other);
    let charte = PollId::new("charte").unwrap();
    assert_eq!(Store::open(&path).unwrap().voted_count(&charte).unwrap(), 0);

    // Once the database is free again the same confirmation goes through.
    h.tap("Confirmer mon vote");
    assert!(h.wait_for("A voté !", WAIT));
    let store = Store::open(&path).unwrap();
    assert_eq!(store.voted_count(&charte).unwrap(), 1);
    assert_eq!(crate::support::demo_box(&store, "charte").len(), 1);
    h.shutdown();
}

#[test]
fn the_kiosk_keeps_running_once_the_fault_is_lifted() {
    let dir = tempfile::tempdir().unwrap();
    let kiosk = kiosk_with_open_motion(dir.path());
    kiosk.store().simulate_fault(Some(Fault::Full)).unwrap();
    let h = Harness::new(kiosk, ViewOptions::default(), 1024, 600);
    let agnes = &badges()[0];
    h.scan(&agnes.payload);
    assert!(h.wait_for_page(Page::Refused, WAIT));
    h.tap("Compris");
    // The organiser frees space (here: the simulation is lifted on the kiosk's connection).
    h.simulate_fault(None);
    h.settle();
    h.scan(&agnes.payload);
    assert!(h.wait_for("Bonjour Agnès Lemaître !", WAIT));
    h.shutdown();
}

#[test]
fn an_organiser_action_the_store_refuses_is_said_on_the_dashboard() {
    let dir = tempfile::tempdir().unwrap();
    let kiosk = kiosk_with_open_motion(dir.path());
    let path = dir.path().join("urne.sqlite");
    let charte = PollId::new("charte").unwrap();
    let question = urne_kiosk::demo::package()
        .package
        .event
        .poll(&charte)
        .unwrap()
        .question
        .clone();
    let h = Harness::new(kiosk, ViewOptions::default(), 1024, 600);

    // The SD card is full when the PIN is checked: the PIN page says why, in words.
    h.simulate_fault(Some(Fault::Full));
    h.scan(&urne_kiosk::ui_testing::demo::organiser().payload);
    assert!(h.wait_for_page(Page::Pin, WAIT));
    for digit in urne_kiosk::demo::PIN.chars() {
        h.tap(&digit.to_string());
    }
    h.tap("Valider");
    assert!(h.wait_for(
        "Le code n'a pas pu être vérifié : la mémoire du kiosque est pleine.",
        WAIT
    ));
    assert_eq!(h.page(), Page::Pin);

    // Space freed: the organiser gets in; the card fills up again before the poll is closed.
    h.simulate_fault(None);
    h.tap("Annuler");
    h.unlock();
    h.simulate_fault(Some(Fault::Full));
    h.tap(&format!("Clore le scrutin : {question}"));
    assert!(h.wait_for("Action refusée : la mémoire du kiosque est pleine.", WAIT));
    assert_eq!(h.page(), Page::Dashboard, "no result without a closed poll");
    assert!(
        h.shows(&format!("Clore le scrutin : {question}")),
        "the poll is still open"
    );
    assert_eq!(
        Store::open(&path).unwrap().open_polls().unwrap(),
        vec![charte.clone()],
        "nothing was stored"
    );

    // Once space is freed the same tap closes it, and the refusal is gone.
    h.simulate_fault(None);
    h.tap(&format!("Clore le scrutin : {question}"));
    assert!(h.wait_for_page(Page::Result, WAIT));
    h.tap("Retour au tableau de bord");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
    assert!(!h.shows_containing("Action refusée"));
    h.shutdown();
}
