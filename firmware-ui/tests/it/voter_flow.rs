//! The touchscreen flows, driven through Slint's testing backend by accessible label.

use std::sync::Arc;
use std::time::Duration;

use slint::ComponentHandle;

use urne_kiosk::clock::{Clock, FakeClock, SystemClock};
use urne_kiosk::generated::{Page, Theme};
use urne_kiosk::kiosk::Kiosk;
use urne_kiosk::ui_testing::demo::Fixture;
use urne_kiosk::ui_testing::{Harness, demo};
use urne_kiosk::view::ViewOptions;
use urne_papers::badges::Badge;

const WAIT: Duration = Duration::from_secs(10);

fn demo_badges() -> Vec<Badge> {
    demo::badges()
}

fn demo_kiosk(dir: &std::path::Path) -> Kiosk {
    // The test machine's clock may not be synchronised (like a Pi booted offline): the
    // organiser has confirmed the time, as on a kiosk.
    Fixture::new(dir).seed(9).demo().confirm_time().build()
}

/// The demo kiosk with the polls at these positions open, for a voter.
fn voting_kiosk(dir: &std::path::Path, open: &[usize]) -> Kiosk {
    Fixture::new(dir)
        .seed(9)
        .demo()
        .confirm_time()
        .open_polls(open)
        .build()
}

/// Another hand on the same kiosk database (as another kiosk of the hall will be): what it
/// does lands between a voter's review and their confirmation.
fn same_card(dir: &std::path::Path) -> Kiosk {
    Fixture::new(dir).seed(9).build()
}

fn demo_kiosk_at(dir: &std::path::Path, clock: Arc<dyn Clock>) -> Kiosk {
    Fixture::new(dir).seed(9).clock(clock).demo().build()
}

#[test]
fn a_member_votes_pour_on_the_first_motion() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::new(demo_kiosk(dir.path()), ViewOptions::default(), 1024, 600);
    let badges = demo_badges();
    let agnes = &badges[0];

    h.unlock();
    h.tap(
        "Ouvrir le scrutin : Adopter la charte de l'Assemblée populaire (version du 12 novembre)",
    );
    assert!(h.wait_for(
        "Clore le scrutin : Adopter la charte de l'Assemblée populaire (version du 12 novembre)",
        WAIT
    ));
    // Nobody had arrived yet: the dashboard says the poll opened without its quorum (50 of
    // the 150 members).
    assert!(h.wait_for("Quorum NON atteint à l'ouverture (0 sur 50 requis)", WAIT));
    h.tap("Verrouiller");
    assert_eq!(h.page(), Page::Idle);

    h.scan(&agnes.payload);
    assert!(
        h.wait_for("Bonjour Agnès Lemaître !", WAIT),
        "the member is greeted by name"
    );
    h.tap("Voter");
    assert_eq!(h.page(), Page::Ballot);
    h.tap("Pour");
    h.tap("Continuer");
    assert_eq!(h.page(), Page::Review);
    h.tap("Confirmer mon vote");
    assert!(h.wait_for("A voté !", WAIT));
    // Back at the kiosk, she is told she has voted, not that no poll is open.
    h.tap("Terminer");
    h.scan(&agnes.payload);
    assert!(h.wait_for("Vous avez déjà voté.", WAIT));
    assert!(!h.shows("Aucun scrutin ouvert pour vous en ce moment."));
    assert!(!h.shows("Voter"));
    h.shutdown();
}

#[test]
fn a_keyboard_wedge_scanner_types_a_badge_and_control_keys_are_dropped() {
    use slint::ComponentHandle;
    use slint::platform::WindowEvent;
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::new(demo_kiosk(dir.path()), ViewOptions::default(), 1024, 600);
    let agnes = &demo_badges()[0];
    let window = h.window.window();
    let press = |text: &str| {
        window.dispatch_event(WindowEvent::KeyPressed { text: text.into() });
        window.dispatch_event(WindowEvent::KeyReleased { text: text.into() });
    };
    // A wedge scanner types the badge then Enter; it may send Shift around capitals, and a stray
    // Tab or F-key must not end up in the badge.
    let shift = slint::SharedString::from(slint::platform::Key::Shift).to_string();
    let tab = slint::SharedString::from(slint::platform::Key::Tab).to_string();
    let f5 = slint::SharedString::from(slint::platform::Key::F5).to_string();
    for (i, c) in agnes.payload.chars().enumerate() {
        if c.is_ascii_uppercase() {
            press(&shift);
        }
        if i == 10 {
            press(&tab);
            press(&f5);
        }
        press(&c.to_string());
    }
    let enter = slint::SharedString::from(slint::platform::Key::Return).to_string();
    press(&enter);
    assert!(
        h.wait_for("Bonjour Agnès Lemaître !", WAIT),
        "the typed badge was scanned"
    );
    h.shutdown();
}

fn type_pin(h: &Harness, pin: &str) {
    for d in pin.chars() {
        h.tap(&d.to_string());
    }
    h.tap("Valider");
}

#[test]
fn wrong_pins_make_each_further_try_wait_even_for_the_right_one() {
    let dir = tempfile::tempdir().unwrap();
    let clock = FakeClock::at(SystemClock.now());
    let h = Harness::new(
        demo_kiosk_at(dir.path(), Arc::new(clock.clone())),
        ViewOptions::default(),
        1024,
        600,
    );
    h.scan(&demo::organiser().payload);
    assert!(h.wait_for_page(Page::Pin, WAIT));
    for n in 1..=5 {
        type_pin(&h, "000000");
        let expected = if n == 1 {
            "Code incorrect (1 essai).".to_string()
        } else {
            format!("Code incorrect ({n} essais).")
        };
        assert!(
            h.wait_for(&expected, WAIT),
            "failure {n} is counted on screen"
        );
    }
    // The sixth try is not even checked, right PIN or not.
    type_pin(&h, "123456");
    assert!(
        h.wait_for(
            "Trop de codes incorrects : réessayez dans 30 secondes.",
            WAIT
        ),
        "the wait is shown"
    );
    assert_eq!(
        h.page(),
        Page::Pin,
        "the right PIN does not open during the wait"
    );
    clock.advance(31);
    type_pin(&h, "123456");
    assert!(
        h.wait_for_page(Page::Dashboard, WAIT),
        "after the wait the right PIN opens the dashboard"
    );
    h.shutdown();
}

#[test]
fn a_voter_who_walks_away_is_cleared_and_nothing_is_cast() {
    let dir = tempfile::tempdir().unwrap();
    let options = ViewOptions {
        voter_timeout_secs: 45,
        ..ViewOptions::default()
    };
    let h = Harness::new(demo_kiosk(dir.path()), options, 1024, 600);
    let badges = demo_badges();
    let agnes = &badges[0];
    h.unlock();
    h.tap(
        "Ouvrir le scrutin : Adopter la charte de l'Assemblée populaire (version du 12 novembre)",
    );
    assert!(h.wait_for(
        "Clore le scrutin : Adopter la charte de l'Assemblée populaire (version du 12 novembre)",
        WAIT
    ));
    h.tap("Verrouiller");

    h.scan(&agnes.payload);
    assert!(h.wait_for("Bonjour Agnès Lemaître !", WAIT));
    h.tap("Voter");
    h.tap("Pour");
    h.advance(Duration::from_secs(30));
    assert_eq!(
        h.page(),
        Page::Ballot,
        "30 s of thought is not walking away"
    );
    h.tap("Continuer");
    assert_eq!(h.page(), Page::Review);
    // Each tap restarts the count: 45 s from the last one the screen clears.
    h.advance(Duration::from_secs(46));
    assert_eq!(h.page(), Page::Idle, "the forgotten ballot is cleared");
    assert!(
        !h.shows("Pour"),
        "nothing of the choice stays on screen for the next person"
    );

    // Nothing was cast: she is told so plainly, and the motion is still due.
    h.scan(&agnes.payload);
    assert!(h.wait_for("Bonjour Agnès Lemaître !", WAIT));
    assert!(h.shows("Votre vote n'a pas été enregistré : recommencez."));
    assert!(h.shows("1 scrutin ouvert vous attend."));
    h.tap("Voter");
    assert_eq!(h.page(), Page::Ballot, "the motion is still hers to vote");
    h.shutdown();
}

#[test]
fn display_choices_end_with_the_visit() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::new(demo_kiosk(dir.path()), ViewOptions::default(), 1024, 600);
    let agnes = &demo_badges()[0];
    h.scan(&agnes.payload);
    assert!(h.wait_for("Bonjour Agnès Lemaître !", WAIT));
    h.tap("Grands caractères");
    h.tap("Contraste élevé");
    h.tap("English");
    let theme = h.window.global::<Theme>();
    assert!(theme.get_large_text() && theme.get_high_contrast());
    assert!(
        h.wait_for("Hello Agnès Lemaître!", WAIT),
        "English on request"
    );
    h.advance(Duration::from_secs(31));
    assert_eq!(h.page(), Page::Idle);
    assert!(
        !theme.get_large_text() && !theme.get_high_contrast(),
        "the next person finds the ordinary display"
    );
    h.scan(&agnes.payload);
    assert!(
        h.wait_for("Bonjour Agnès Lemaître !", WAIT),
        "and the organiser's language"
    );
    h.shutdown();
}

#[test]
fn a_poll_closed_during_a_visit_stores_nothing_until_confirmed_again() {
    use urne_core::ids::PollId;
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::new(
        voting_kiosk(dir.path(), &[0, 1]),
        ViewOptions::default(),
        1024,
        600,
    );
    let agnes = &demo_badges()[0];
    h.scan(&agnes.payload);
    assert!(h.wait_for("2 scrutins ouverts vous attendent.", WAIT));
    h.tap("Voter");
    h.tap("Pour");
    h.tap("Continuer");
    h.tap("Pour");
    h.tap("Continuer");
    assert_eq!(h.page(), Page::Review);
    // Meanwhile the second motion is closed on the same card (by another hand on the kiosk's
    // database): her visit can no longer be stored as she reviewed it.
    let mut other = same_card(dir.path());
    other.use_test_tally_key();
    demo::unlock(&mut other);
    let statuts = PollId::new("statuts").unwrap();
    other.close_small_poll(&statuts).unwrap();
    h.tap("Confirmer mon vote");
    assert!(h.wait_for(
        "Un scrutin vient d'être clos : il a été retiré, et rien d'autre n'est encore enregistré. Touchez « Confirmer mon vote » pour enregistrer le reste.",
        WAIT
    ));
    assert_eq!(
        other.dashboard().unwrap().polls[0].voted,
        0,
        "nothing of the visit was stored, not even the first motion"
    );
    // The closed motion left the visit: confirming again stores the rest.
    h.tap("Confirmer mon vote");
    assert!(h.wait_for("A voté !", WAIT));
    let polls = other.dashboard().unwrap().polls;
    assert_eq!((polls[0].voted, polls[1].voted), (1, 0));
    h.shutdown();
}

#[test]
fn a_visit_whose_only_ballot_was_cast_elsewhere_ends_on_already_voted() {
    use urne_core::ballot::{Ballot, MotionChoice};
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::new(
        voting_kiosk(dir.path(), &[0]),
        ViewOptions::default(),
        1024,
        600,
    );
    let agnes = &demo_badges()[0];
    h.scan(&agnes.payload);
    assert!(h.wait_for("1 scrutin ouvert vous attend.", WAIT));
    h.tap("Voter");
    h.tap("Contre");
    h.tap("Continuer");
    assert_eq!(h.page(), Page::Review);
    // Her ballot is cast meanwhile through another hand on the same card.
    let mut other = same_card(dir.path());
    let urne_kiosk::kiosk::ScanOutcome::Welcome { member, due, .. } =
        other.scan(&agnes.payload).unwrap()
    else {
        panic!("her badge is a member's")
    };
    other
        .cast(
            &member,
            &member,
            &due[0].poll,
            Ballot::Motion(MotionChoice::For),
        )
        .unwrap();
    h.tap("Confirmer mon vote");
    assert!(
        h.wait_for("Vous avez déjà voté.", WAIT),
        "nothing is left to cast: she is told she has voted, not shown an empty review"
    );
    assert!(!h.shows("Confirmer mon vote"));
    assert!(!h.shows("A voté !"));
    h.shutdown();
}

#[test]
fn a_proxy_gone_during_a_visit_leaves_it_and_the_voters_own_ballot_is_cast() {
    let dir = tempfile::tempdir().unwrap();
    let members = demo::members();
    let (holder, absent) = (&members[0], &members[100]);
    let mut kiosk = Fixture::new(dir.path())
        .seed(9)
        .demo()
        .confirm_time()
        .present(1)
        .open_polls(&[0])
        .build();
    let id = |k: &Kiosk, payload: &str| k.identify(payload).unwrap().unwrap().0;
    let (holder_id, absent_id) = (id(&kiosk, &holder.payload), id(&kiosk, &absent.payload));
    demo::unlock(&mut kiosk);
    kiosk.grant_proxy(&absent_id, &holder_id).unwrap();
    kiosk.lock();
    let h = Harness::new(kiosk, ViewOptions::default(), 1024, 600);
    h.scan(&holder.payload);
    assert!(h.wait_for("2 scrutins ouverts vous attendent.", WAIT));
    h.tap("Voter");
    h.tap("Pour");
    h.tap("Continuer");
    h.tap("Contre");
    h.tap("Continuer");
    assert_eq!(h.page(), Page::Review);
    // The member who gave the proxy walks in meanwhile, at another hand on the same card: they
    // now vote in person, and the proxy's ballot can no longer be cast.
    let mut other = same_card(dir.path());
    other.scan(&absent.payload).unwrap();
    h.tap("Confirmer mon vote");
    assert!(h.wait_for(
        "Un pouvoir n'est plus valable : son vote a été retiré, et rien d'autre n'est encore enregistré. Touchez « Confirmer mon vote » pour enregistrer le reste.",
        WAIT
    ));
    assert_eq!(other.dashboard().unwrap().polls[0].voted, 0);
    h.tap("Confirmer mon vote");
    assert!(h.wait_for("A voté !", WAIT));
    assert_eq!(other.dashboard().unwrap().polls[0].voted, 1);
    assert_eq!(
        other.due(&absent_id).unwrap().len(),
        1,
        "the member who came votes in person"
    );
    h.shutdown();
}
