//! Every kind of ballot through the touchscreen: a motion, a single choice, an approval with its
//! « 2 sur 3 » counter, a Majority Judgment grid, a ranking with undo, and a participatory
//! budget whose bar refuses to go over; then the review, a correction, and « A voté ! ».

use std::collections::BTreeMap;
use std::time::Duration;

use urne_core::ballot::{Ballot, MotionChoice, WeightedBallot};
use urne_core::credential::Role;
use urne_core::ids::{OptionId, PollId};
use urne_kiosk::generated::Page;
use urne_kiosk::kiosk::ScanOutcome;
use urne_kiosk::ui_testing::Harness;
use urne_kiosk::ui_testing::demo::Fixture;
use urne_kiosk::view::ViewOptions;

const WAIT: Duration = Duration::from_secs(10);

fn id(s: &str) -> OptionId {
    OptionId::new(s).unwrap()
}

#[test]
fn a_voter_fills_in_every_kind_of_ballot() {
    let dir = tempfile::tempdir().unwrap();
    let badges = urne_papers::badges::issue_all(
        &urne_kiosk::demo::package().package,
        &urne_kiosk::demo::organiser_key(),
    );
    let agnes = badges[0].clone();
    let mut kiosk = Fixture::new(dir.path()).demo().build();
    let organiser = badges.iter().find(|b| b.role == Role::Organiser).unwrap();
    let ScanOutcome::Organiser { organiser, .. } = kiosk.scan(&organiser.payload).unwrap() else {
        panic!("organiser badge")
    };
    kiosk.unlock(&organiser, "123456").unwrap();
    // The test machine's clock may not be synchronised (like a Pi booted offline): the
    // organiser confirms the time before opening polls, as on a kiosk.
    kiosk.confirm_clock(0).unwrap();
    let polls: Vec<PollId> = kiosk
        .event()
        .unwrap()
        .polls
        .iter()
        .map(|p| p.id.clone())
        .collect();
    for poll in &polls {
        kiosk.open_poll(poll).unwrap();
    }
    kiosk.lock();
    // Tall enough for the longest ballot (seven proposals to grade) to be on screen at once.
    let h = Harness::new(kiosk, ViewOptions::default(), 1280, 2200);

    h.scan(&agnes.payload);
    assert!(h.wait_for("7 scrutins ouverts vous attendent.", WAIT));
    h.tap("Voter");

    // 1. Motion, with vote blanc offered.
    assert!(h.shows("Scrutin 1 sur 7"));
    assert!(h.shows("Vote blanc"));
    h.tap("Pour");
    h.tap("Continuer");
    // 2. Motion without blank.
    assert!(h.shows("Scrutin 2 sur 7"));
    assert!(!h.shows("Vote blanc"));
    h.tap("Abstention");
    h.tap("Continuer");
    // 3. Single choice.
    h.tap("Salle des fêtes de la Bourderie");
    h.tap("Médiathèque Hermeland");
    h.tap("Continuer");
    // 4. Approval, 1 to 3, with the live counter; a fourth choice is refused.
    assert!(h.shows("Choisissez de 1 à 3 noms."));
    assert!(h.shows("0 sur 3"));
    h.tap("Fatou Diallo");
    h.tap("Nolwenn Tanguy");
    assert!(h.shows("2 sur 3"));
    h.tap("Karim Ben Salah");
    h.tap("Hélène Quéré");
    assert!(h.shows("3 sur 3"), "the fourth approval is refused");
    h.tap("Karim Ben Salah");
    assert!(h.shows("2 sur 3"), "tapping again takes it back");
    h.tap("Continuer");
    // 5. Majority Judgment: a grade for each of the seven proposals.
    assert!(h.shows("Donnez une mention à chaque proposition."));
    let grades = [
        ("La santé", "Excellent"),
        ("L'énergie", "Très bien"),
        ("Les écoles et la jeunesse", "Bien"),
        ("La langue bretonne", "Passable"),
        ("L'exil", "Assez bien"),
        ("Le logement et l'urbanisme", "Insuffisant"),
    ];
    for (proposal, mention) in grades {
        h.tap(&format!("{proposal} : {mention}"));
    }
    assert!(h.shows("6 sur 7"));
    h.tap("Continuer");
    assert_eq!(h.page(), Page::Ballot, "every proposal needs a mention");
    h.tap("L'environnement : À rejeter");
    h.tap("L'environnement : Bien");
    h.tap("Continuer");
    // 6. Ranking, tap in order, with undo.
    h.tap("Justice");
    h.tap("Logement");
    h.tap("Genre");
    assert_eq!(h.description("Genre").as_deref(), Some("Classé·e n° 3"));
    h.tap("Annuler le dernier");
    assert_eq!(h.description("Genre").as_deref(), Some(""));
    assert_eq!(h.description("Logement").as_deref(), Some("Classé·e n° 2"));
    h.tap("Emploi");
    h.tap("Continuer");
    // 7. Participatory budget: 20 000 €; the bar refuses to go over.
    h.tap("Achat collectif d'un local associatif");
    assert!(h.shows("15\u{202F}000\u{00A0}€ sur 20\u{202F}000\u{00A0}€ engagés"));
    h.tap("Installation de deux maraîchers");
    assert!(
        h.shows("15\u{202F}000\u{00A0}€ sur 20\u{202F}000\u{00A0}€ engagés"),
        "8 000 € more would go over: refused"
    );
    h.tap("Vélorution : atelier de réparation");
    h.tap("Bibliothèque de rue");
    assert!(h.shows("18\u{202F}700\u{00A0}€ sur 20\u{202F}000\u{00A0}€ engagés"));
    h.tap("Continuer");

    // The review lists every answer; the voter corrects the first one.
    assert_eq!(h.page(), Page::Review);
    assert!(h.shows("Médiathèque Hermeland"));
    assert!(h.shows("Nolwenn Tanguy, Fatou Diallo"));
    assert!(h.shows("La santé : Excellent"));
    assert!(h.shows("Justice › Logement › Emploi"));
    h.tap("Modifier");
    assert_eq!(h.page(), Page::Ballot);
    h.tap("Contre");
    for _ in 0..7 {
        h.tap("Continuer");
    }
    assert_eq!(h.page(), Page::Review);
    h.tap("Confirmer mon vote");
    assert!(h.wait_for("A voté !", WAIT));
    h.shutdown();

    let store = urne_kiosk::store::Store::open(&dir.path().join("urne.sqlite")).unwrap();
    let ballot = |poll: &str| {
        let b = crate::support::demo_box(&store, poll);
        assert_eq!(b.len(), 1, "{poll}");
        b[0].clone()
    };
    assert_eq!(
        ballot("charte"),
        WeightedBallot::single(Ballot::Motion(MotionChoice::Against))
    );
    assert_eq!(
        ballot("statuts"),
        WeightedBallot::single(Ballot::Motion(MotionChoice::Abstain))
    );
    assert_eq!(
        ballot("lieu"),
        WeightedBallot::single(Ballot::Single(id("hermeland")))
    );
    assert_eq!(
        ballot("animation-energie"),
        WeightedBallot::single(Ballot::Approval(
            [id("diallo"), id("tanguy")].into_iter().collect()
        ))
    );
    let expected: BTreeMap<OptionId, u8> = [
        ("sante", 6),
        ("energie", 5),
        ("ecoles", 4),
        ("breton", 2),
        ("exil", 3),
        ("logement", 1),
        ("environnement", 4),
    ]
    .into_iter()
    .map(|(c, g)| (id(c), g))
    .collect();
    assert_eq!(
        ballot("priorites"),
        WeightedBallot::single(Ballot::Grades(expected))
    );
    assert_eq!(
        ballot("ateliers"),
        WeightedBallot::single(Ballot::Ranking(vec![
            vec![id("justice")],
            vec![id("logement")],
            vec![id("emploi")]
        ]))
    );
    assert_eq!(
        ballot("budget"),
        WeightedBallot::single(Ballot::Budget(
            [id("local"), id("velorution"), id("bibliotheque")]
                .into_iter()
                .collect()
        ))
    );
}
