//! The organiser's poll editor and settings page, driven through Slint's testing backend by
//! accessible label: a question put during the evening is written on the on-screen keyboard,
//! voted on and counted; a pending poll is corrected; the language, timeout, registry address
//! and clock are set and survive a restart.

use std::sync::Arc;
use std::time::Duration;

use urne_core::audit::AuditEvent;
use urne_core::crypto::SecretKey;
use urne_core::ids::PollId;
use urne_core::poll::PollKind;
use urne_core::timestamp::Timestamp;
use urne_kiosk::clock::{Clock, FakeClock};
use urne_kiosk::generated::Page;
use urne_kiosk::kiosk::{Closing, Kiosk, KioskError, ScanOutcome};
use urne_kiosk::ui_testing::demo::Fixture;
use urne_kiosk::ui_testing::{Harness, demo};
use urne_kiosk::view::ViewOptions;

const WAIT: Duration = Duration::from_secs(10);
/// 2026-12-05T19:00:00Z, the evening of the demo assembly.
const EVENING: i64 = 1_796_497_200;

fn open_kiosk(dir: &std::path::Path, clock: Arc<dyn Clock>) -> Kiosk {
    Fixture::new(dir).seed(4).clock(clock).build()
}

fn demo_kiosk(dir: &std::path::Path, clock: Arc<dyn Clock>) -> Kiosk {
    Fixture::new(dir).seed(4).clock(clock).demo().build()
}

/// Types `text` on the on-screen keyboard: lowercase letters, accents, digits and a few signs.
fn type_text(h: &Harness, text: &str) {
    let mut digits = false;
    for c in text.chars() {
        let wants_digits = c.is_ascii_digit() || ":/?".contains(c);
        if wants_digits != digits {
            h.tap(if wants_digits {
                "Chiffres et signes"
            } else {
                "Lettres"
            });
            digits = wants_digits;
        }
        if c == ' ' {
            h.tap("Espace");
        } else {
            h.tap(&c.to_string());
        }
    }
    if digits {
        h.tap("Lettres");
    }
}

fn audit_events(kiosk_dir: &std::path::Path) -> Vec<AuditEvent> {
    let store = urne_kiosk::store::Store::open(&kiosk_dir.join("urne.sqlite")).unwrap();
    store
        .audit_chain()
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect()
}

#[test]
fn a_question_put_during_the_evening_is_written_voted_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FakeClock::at(Timestamp(EVENING)));
    let kiosk = demo_kiosk(dir.path(), clock);
    let h = Harness::new(kiosk, ViewOptions::default(), 1024, 1400);
    h.unlock();
    h.tap("Nouveau scrutin");
    assert!(h.wait_for_page(Page::Editor, WAIT));
    assert!(h.shows("Nouveau scrutin"));
    // The keyboard is already typing the question.
    type_text(&h, "pique-nique en été ?");
    h.tap("Valider");
    h.tap("Choix unique");
    // Saving with empty options says which one is missing, and changes nothing.
    h.tap("Enregistrer le scrutin");
    assert!(h.wait_for("L'option 1 est vide : écrivez-la ou retirez-la.", WAIT));
    assert_eq!(h.page(), Page::Editor);
    h.tap("Option 1");
    type_text(&h, "au parc");
    h.tap("Valider");
    h.tap("Option 2");
    type_text(&h, "à la plage");
    h.tap("Valider");
    h.tap("Ajouter une option");
    type_text(&h, "au parc");
    h.tap("Valider");
    h.tap("Enregistrer le scrutin");
    assert!(h.wait_for("L'option 3 répète une option précédente.", WAIT));
    h.tap("Retirer l'option 3");
    h.tap("Enregistrer le scrutin");
    assert!(h.wait_for_page(Page::Dashboard, WAIT), "saved");
    h.tap("Ouvrir le scrutin : pique-nique en été ?");
    assert!(h.wait_for("Ouvert · 0 votant(s)", WAIT));
    h.tap("Verrouiller");
    assert!(h.wait_for_page(Page::Idle, WAIT));

    // A member votes on it like on any poll of the package.
    let agnes = &demo::badges()[0];
    h.scan(&agnes.payload);
    assert!(h.wait_for("Bonjour Agnès Lemaître !", WAIT));
    h.tap("Voter");
    assert!(h.wait_for_page(Page::Ballot, WAIT));
    assert!(h.shows("pique-nique en été ?"));
    h.tap("à la plage");
    h.tap("Continuer");
    assert!(h.wait_for_page(Page::Review, WAIT));
    h.tap("Confirmer mon vote");
    assert!(h.wait_for_page(Page::Voted, WAIT));
    h.shutdown();

    let mut kiosk = open_kiosk(dir.path(), Arc::new(FakeClock::at(Timestamp(EVENING))));
    let poll = kiosk
        .event()
        .unwrap()
        .polls
        .iter()
        .find(|p| p.question == "pique-nique en été ?")
        .cloned()
        .expect("the new poll survives a restart");
    assert_eq!(poll.id.as_str(), "pique-nique-en-ete");
    let PollKind::SingleChoice { options, .. } = &poll.kind else {
        panic!("a single-choice poll: {:?}", poll.kind);
    };
    let labels: Vec<&str> = options.iter().map(|o| o.label.as_str()).collect();
    assert_eq!(labels, ["au parc", "à la plage"]);
    assert!(audit_events(dir.path()).contains(&AuditEvent::PollCreated {
        poll: poll.id.clone(),
        definition: poll.definition_digest(),
    }));
    let ScanOutcome::Organiser { organiser, .. } = kiosk.scan(&demo::organiser().payload).unwrap()
    else {
        panic!("organiser badge");
    };
    kiosk.unlock(&organiser, "123456").unwrap();
    // One ballot: its result would say how that voter voted. Closing asks the organiser first,
    // and changes nothing until confirmed; the audit chain then says it was confirmed.
    assert!(matches!(
        kiosk.close_poll(&poll.id),
        Err(KioskError::SmallPoll {
            ballots: 1,
            threshold: 5
        })
    ));
    assert_eq!(kiosk.result(&poll.id).unwrap(), None);
    let Closing::Counted(result) = kiosk.close_small_poll(&poll.id).unwrap() else {
        panic!("the demo's box is sealed to the test key and counted at once");
    };
    assert_eq!(result.ballots, 1);
    assert!(audit_events(dir.path()).iter().any(|e| matches!(
        e,
        AuditEvent::PollClosed { poll: p, small_poll: Some(5), .. } if *p == poll.id
    )));
    // The exported bundle carries the poll as voted on.
    let exported = kiosk.export(false).unwrap();
    let bundle = crate::support::reading::exported_bundle(&kiosk, exported.seq);
    let opened = urne_codec::bundle::open(&bundle, None).unwrap();
    let event: urne_core::event::Event =
        serde_json::from_slice(&opened.files["event.json"]).unwrap();
    assert!(event.polls.contains(&poll));
    // The procès-verbal says the organiser confirmed the close of a poll with one ballot.
    let report = urne_codec::verify::verify(&bundle, None).unwrap();
    let pdf = urne_papers::pv::render(&report, "soiree.urne", urne_core::tally::Lang::Fr).unwrap();
    let text = crate::support::reading::pdf_words(&pdf, &dir.path().join("pv.pdf"));
    assert!(
        text.contains("Clos avec 1 bulletin(s), moins que le seuil de 5")
            && text.contains("peut révéler des votes"),
        "{text}"
    );
}

#[test]
fn a_pending_poll_is_corrected_but_an_open_one_cannot_change() {
    let dir = tempfile::tempdir().unwrap();
    let kiosk = demo_kiosk(dir.path(), Arc::new(FakeClock::at(Timestamp(EVENING))));
    let first = kiosk.event().unwrap().polls[0].clone();
    let second = kiosk.event().unwrap().polls[1].clone();
    let h = Harness::new(kiosk, ViewOptions::default(), 1024, 1400);
    h.unlock();
    h.tap(&format!("Modifier le scrutin : {}", first.question));
    assert!(h.wait_for_page(Page::Editor, WAIT));
    assert!(h.shows("Modifier le scrutin"));
    h.tap("Question");
    type_text(&h, " bis");
    h.tap("Valider");
    h.tap("Enregistrer le scrutin");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
    let corrected = format!("{} bis", first.question);
    assert!(h.wait_for(&format!("Ouvrir le scrutin : {corrected}"), WAIT));
    // Opened, a poll offers no correction any more.
    h.tap(&format!("Ouvrir le scrutin : {}", second.question));
    assert!(h.wait_for(&format!("Clore le scrutin : {}", second.question), WAIT));
    assert!(!h.shows(&format!("Modifier le scrutin : {}", second.question)));
    h.shutdown();

    let mut kiosk = open_kiosk(dir.path(), Arc::new(FakeClock::at(Timestamp(EVENING))));
    let event = kiosk.event().unwrap().clone();
    let edited = event.poll(&first.id).unwrap();
    assert_eq!(edited.question, corrected);
    assert_eq!(edited.kind, first.kind, "the options and rules are kept");
    assert_eq!(
        event.polls.iter().position(|p| p.id == first.id),
        Some(0),
        "the poll keeps its place"
    );
    assert!(audit_events(dir.path()).contains(&AuditEvent::PollEdited {
        poll: first.id.clone(),
        definition: edited.definition_digest(),
    }));
    // Even asked directly, the kiosk refuses to change an open poll.
    let ScanOutcome::Organiser { organiser, .. } = kiosk.scan(&demo::organiser().payload).unwrap()
    else {
        panic!("organiser badge");
    };
    kiosk.unlock(&organiser, "123456").unwrap();
    let mut changed = second.clone();
    changed.question.push_str(" (modifiée)");
    assert!(kiosk.define_poll(changed).is_err());
    assert_eq!(kiosk.event().unwrap().poll(&second.id), Some(&second));
    // And a poll urne-core would refuse is refused.
    let mut empty = first.clone();
    empty.id = PollId::new("vide").unwrap();
    empty.question = "  ".into();
    assert!(kiosk.define_poll(empty).is_err());
    assert!(
        kiosk
            .event()
            .unwrap()
            .poll(&PollId::new("vide").unwrap())
            .is_none()
    );
}

#[test]
fn settings_are_saved_checked_and_kept_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    // A Pi booted offline: its clock is not synchronised, and an hour late.
    let clock = Arc::new(FakeClock::at(Timestamp(EVENING)));
    clock.set_synced(false);
    let kiosk = demo_kiosk(dir.path(), clock.clone());
    let started = ViewOptions {
        voter_timeout_secs: 60,
        ..ViewOptions::default()
    };
    let h = Harness::new(kiosk, started.clone(), 1024, 1400);
    h.unlock();
    h.tap("Réglages");
    assert!(h.wait_for_page(Page::Settings, WAIT));
    assert!(h.wait_for("Aucun export pour l'instant.", WAIT));
    h.tap("Retour au tableau de bord");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
    h.tap("Exporter sur clé USB");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
    h.settle();
    h.tap("Réglages");
    assert!(h.wait_for_page(Page::Settings, WAIT));
    // No registry was ever reached: the bundle waits for one.
    let waiting = |h: &Harness| h.shows_containing("-0001.urne : en attente");
    let start = std::time::Instant::now();
    while !waiting(&h) && start.elapsed() < WAIT {
        h.settle();
    }
    assert!(
        waiting(&h),
        "the export is listed as waiting for the registry"
    );
    assert!(
        h.wait_for("Date et heure du kiosque : 2026-12-05 19:00", WAIT),
        "the kiosk's time"
    );
    // The Pi booted an hour late: the organiser moves the clock on and confirms.
    h.tap("+1 h");
    assert!(h.shows("Date et heure du kiosque : 2026-12-05 20:00"));
    h.tap("Confirmer la nouvelle date et heure");
    assert!(h.wait_for("Date et heure confirmées.", WAIT));
    h.tap("English");
    h.tap("Délai plus long");
    h.tap("Délai plus long");
    assert!(h.shows("80 secondes"));
    // An address without its scheme is refused with the reason, and nothing is saved.
    h.tap("Adresse du registre");
    type_text(&h, "registre.example.org");
    h.tap("Valider");
    h.tap("Enregistrer les réglages");
    assert!(h.wait_for(
        "L'adresse du registre doit commencer par https:// (http:// seulement vers cette machine).",
        WAIT
    ));
    h.tap("Adresse du registre");
    for _ in 0.."registre.example.org".len() {
        h.tap("Effacer");
    }
    type_text(&h, "https://registre.example.org");
    h.tap("Valider");
    // The address alone is refused: the key comes from the registry's card.
    h.tap("Enregistrer les réglages");
    assert!(h.wait_for(
        "Scannez la carte du registre (urne-registry card) : sans la clé qu'elle porte, le kiosque ne peut pas vérifier les reçus du registre.",
        WAIT
    ));
    assert!(h.shows("Clé du registre : aucune. Scannez la carte du registre (urne-registry card) : sans elle, rien n'est envoyé."));
    // A damaged card is refused, and the one from the operator sets the address and the key.
    h.scan("URNE-REGISTRY1:00ff:https://registre.example.org");
    assert!(h.wait_for(
        "Cette carte de registre est illisible : demandez-en une nouvelle à son responsable (urne-registry card).",
        WAIT
    ));
    let registry_key = SecretKey::from_seed(&[45; 32]).public().fingerprint();
    let card = urne_codec::protocol::RegistryCard {
        url: "https://urne.federation.example".into(),
        key: registry_key,
    };
    h.scan(&card.to_text());
    assert!(h.wait_for(
        &format!(
            "Clé du registre : {}. Scannez une autre carte pour changer de registre.",
            urne_kiosk::view::grouped(&registry_key)
        ),
        WAIT
    ));
    // The key belongs to the card's address: typing another address forgets it.
    h.tap("Adresse du registre");
    type_text(&h, "x");
    h.tap("Valider");
    assert!(h.shows("Clé du registre : aucune. Scannez la carte du registre (urne-registry card) : sans elle, rien n'est envoyé."));
    h.scan(&card.to_text());
    assert!(h.wait_for(
        &format!(
            "Clé du registre : {}. Scannez une autre carte pour changer de registre.",
            urne_kiosk::view::grouped(&registry_key)
        ),
        WAIT
    ));
    h.tap("Enregistrer les réglages");
    assert!(h.wait_for("Réglages enregistrés.", WAIT));
    h.shutdown();

    let events = audit_events(dir.path());
    assert!(events.contains(&AuditEvent::ClockConfirmed { offset: 3600 }));
    let mut kiosk = open_kiosk(dir.path(), clock);
    let settings = kiosk.settings().unwrap();
    assert_eq!(settings.default_lang.as_deref(), Some("en"));
    assert_eq!(settings.voter_timeout_secs, Some(80));
    assert_eq!(
        settings.registry_url.as_deref(),
        Some("https://urne.federation.example")
    );
    assert_eq!(settings.registry_key, Some(registry_key));
    assert_eq!(settings.clock_offset, 3600);
    assert_eq!(
        settings.now,
        Timestamp(EVENING + 3600),
        "the clock keeps its offset"
    );
    let ScanOutcome::Organiser { organiser, .. } = kiosk.scan(&demo::organiser().payload).unwrap()
    else {
        panic!("organiser badge");
    };
    kiosk.unlock(&organiser, "123456").unwrap();
    let first = kiosk.event().unwrap().polls[0].id.clone();
    kiosk.open_poll(&first).unwrap();
    kiosk.lock();

    // After a restart, the idle screen speaks the organiser's language and an abandoned
    // ballot waits 80 seconds, not the 60 of the command line.
    let h = Harness::new(kiosk, started, 1024, 900);
    assert!(h.wait_for("Scan your badge", WAIT));
    let agnes = &demo::badges()[0];
    h.scan(&agnes.payload);
    assert!(h.wait_for("Hello Agnès Lemaître!", WAIT));
    h.tap("Vote");
    assert!(h.wait_for_page(Page::Ballot, WAIT));
    h.advance(Duration::from_secs(70));
    assert_eq!(h.page(), Page::Ballot, "still within the 80 seconds");
    h.advance(Duration::from_secs(11));
    assert_eq!(h.page(), Page::Idle);
    h.shutdown();
}

#[test]
fn the_designers_preview_figures_never_reach_the_screen() {
    use slint::{ComponentHandle, Model};
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::new(
        demo_kiosk(dir.path(), Arc::new(FakeClock::at(Timestamp(EVENING)))),
        ViewOptions::default(),
        1024,
        600,
    );
    // Before the worker has said anything, the dashboard holds nothing made up.
    let figures = |h: &Harness| {
        let o = h.window.global::<urne_kiosk::generated::OrganiserAdapter>();
        (o.get_present(), o.get_members(), o.get_polls().row_count())
    };
    assert_eq!(figures(&h), (0, 0, 0));
    h.unlock();
    assert!(h.wait_for(
        "Ouvrir le scrutin : Adopter la charte de l'Assemblée populaire (version du 12 novembre)",
        WAIT
    ));
    assert_eq!(figures(&h), (0, 150, 7));
    h.shutdown();
}
