//! The hall page as organisers meet it. On the lead: « Accueillir des kiosques » shows a pairing
//! card whose QR code, read off the screen, is the card; a kiosk asking to join appears with its
//! fingerprint, is accepted, listed, and removed after a confirmation. On a kiosk that joins:
//! the lead's card scanned, the role chosen, the wait for the lead's organiser, and then its
//! voters vote through the lead.

use std::time::{Duration, Instant};

use urne_codec::hall::pairing::PairingCard;
use urne_codec::hall::{AnswerBody, HallRole, RequestBody};
use urne_core::crypto::SecretKey;
use urne_kiosk::generated::Page;
use urne_kiosk::remote::client::RemoteLead;
use urne_kiosk::remote::{Lead, new_request_id};
use urne_kiosk::ui_testing::Harness;
use urne_kiosk::ui_testing::demo::{self, Fixture};
use urne_kiosk::view::ViewOptions;

use crate::support::worker::{ServedLead, on};

const WAIT: Duration = Duration::from_secs(10);

fn to_hall_page(h: &Harness) {
    h.unlock();
    h.tap("Réglages");
    assert!(h.wait_for_page(Page::Settings, WAIT));
    h.tap("Salle : kiosque principal, émargement et isoloirs");
    assert!(h.wait_for_page(Page::Hall, WAIT));
}

/// A fingerprint as the hall page shows it, for reading aloud: « 3f9a 1c2b 77d0 9e41 ».
fn spoken(device: &urne_core::crypto::Fingerprint) -> String {
    device.to_hex().as_bytes()[..16]
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The QR codes on screen, decoded.
fn qr_codes(h: &Harness, dir: &std::path::Path) -> Vec<String> {
    crate::support::reading::qr_codes(h.snapshot(&dir.join("hall.png")))
}

/// A lead of a hall with one voting kiosk paired and a voter's visit under way on it.
fn leading_a_vote_under_way(
    dir: &tempfile::TempDir,
) -> (urne_kiosk::kiosk::Kiosk, urne_core::crypto::Fingerprint) {
    let (mut kiosk, _clock) = crate::hall_lead::lead(dir.path());
    let voting = crate::hall_lead::pair(&mut kiosk, 20, HallRole::Voting);
    demo::unlock(&mut kiosk);
    kiosk.lead_hall(0).unwrap();
    kiosk.lock();
    let granted = kiosk.hall_answer(
        &voting,
        RequestBody::Claim {
            badge: crate::hall_lead::badge(0),
        },
    );
    assert!(matches!(
        granted,
        urne_kiosk::kiosk::hall::HallReply::Answer(AnswerBody::Granted { .. })
    ));
    (kiosk, voting)
}

/// Applies replies (and lets the page's refresh timer fire) until `what` holds.
fn wait_until(h: &Harness, what: impl Fn(&Harness) -> bool) -> bool {
    let give_up = Instant::now() + WAIT;
    while !what(h) {
        if Instant::now() > give_up {
            return false;
        }
        h.advance(Duration::from_secs(1));
        h.settle();
    }
    true
}

#[test]
fn the_lead_shows_a_card_accepts_a_kiosk_lists_it_and_removes_it() {
    let dir = tempfile::tempdir().unwrap();
    let kiosk = Fixture::new(dir.path())
        .seed(4)
        .demo()
        .confirm_time()
        .open_polls(&[0, 1])
        .build();
    let lead_key = SecretKey::from_seed(&[4; 32]).public().fingerprint();
    let package = kiosk.package_digest().unwrap();
    // Tall, so that the settings page's hall button is on screen without scrolling.
    let h = Harness::new(kiosk, ViewOptions::default(), 1280, 1800);
    to_hall_page(&h);
    assert!(h.shows_containing("Ce kiosque est seul"));
    h.tap("Devenir le kiosque principal et accueillir des kiosques");
    assert!(wait_until(&h, |h| h.shows("Carte d'appairage")));

    // The card on screen is the one its QR code holds: the lead's key and a port.
    let texts = qr_codes(&h, dir.path());
    assert_eq!(texts.len(), 1, "one QR code on the page: {texts:?}");
    let card = PairingCard::parse(&texts[0]).unwrap();
    assert_eq!(card.lead, lead_key);
    let port = card.addresses.first().map(|a| a.port());

    // A kiosk asks to join (over 127.0.0.1: the test machine's other addresses may be closed).
    let member = SecretKey::from_seed(&[5; 32]);
    let port = port.expect("the test machine has a network address");
    assert!(
        h.shows_containing(
            "Écran de salle (projecteur ou télévision sur le réseau de la salle) : ouvrez http://"
        ),
        "the projected screen's address, for a projector's browser"
    );
    let link = RemoteLead::new(
        &member,
        lead_key,
        vec![format!("127.0.0.1:{port}").parse().unwrap()],
        Duration::from_secs(60),
    )
    .unwrap();
    let token = card.token;
    let member_fingerprint = member.public().fingerprint();
    let asking = std::thread::spawn(move || {
        link.ask(
            new_request_id(),
            RequestBody::Pair {
                token,
                device: member_fingerprint,
                role: HallRole::Voting,
                package,
            },
        )
    });
    let spoken = spoken(&member_fingerprint);
    assert!(wait_until(&h, |h| h.shows("Accepter ce kiosque dans la salle")));
    assert!(h.shows_containing(&spoken), "its fingerprint to compare");
    h.tap("Accepter ce kiosque dans la salle");
    let answer = asking.join().unwrap().unwrap();
    assert!(matches!(answer, AnswerBody::Paired { .. }), "{answer:?}");
    assert!(wait_until(&h, |h| h.shows_containing(&format!("Isoloir {spoken}"))));

    h.tap(&format!("Retirer le kiosque {spoken}"));
    assert!(h.shows_containing("Il sera refusé dès sa prochaine demande"));
    h.tap("Garder ce kiosque");
    assert!(!h.shows_containing("Il sera refusé dès sa prochaine demande"));
    h.tap(&format!("Retirer le kiosque {spoken}"));
    h.tap("Confirmer le retrait du kiosque");
    assert!(wait_until(&h, |h| h.shows_containing("retiré")));
    h.shutdown();
}

#[test]
fn a_kiosk_joins_a_hall_by_scanning_the_leads_card_and_then_votes_through_it() {
    let (lead_dir, member_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let served = ServedLead::start(
        Fixture::new(lead_dir.path())
            .seed(4)
            .demo()
            .confirm_time()
            .open_polls(&[0, 1])
            .build(),
    );
    let jobs = served.jobs.clone();
    let address = served.service.address();
    let card = on(&jobs, move |k| {
        demo::unlock(k);
        k.open_pairing(vec![address]).unwrap()
    });

    let member = Fixture::new(member_dir.path()).seed(5).demo().build();
    let h = Harness::new(member, ViewOptions::default(), 1024, 1800);
    to_hall_page(&h);
    h.scan(&card.to_text());
    assert!(wait_until(&h, |h| h.shows("Rejoindre la salle comme isoloir")));
    assert!(
        h.shows_containing(&card.lead.to_hex()[..4]),
        "the lead's fingerprint to compare"
    );
    h.tap("Rejoindre la salle comme isoloir");
    assert!(wait_until(&h, |h| h.shows_containing(
        "En attente de l'organisateur du kiosque principal"
    )));
    let give_up = Instant::now() + WAIT;
    while on(&jobs, |k| k.pending_pairing()).is_none() {
        assert!(Instant::now() < give_up, "the lead never heard the kiosk");
        std::thread::sleep(Duration::from_millis(20));
    }
    on(&jobs, |k| k.decide_pairing(true).unwrap());
    assert!(wait_until(&h, |h| h.shows_containing("Ce kiosque a rejoint la salle")));
    assert!(wait_until(&h, |h| h
        .shows_containing("Ce kiosque est un isoloir de la salle")));

    // Its voters vote through the lead.
    h.tap("Retour aux réglages");
    assert!(h.wait_for_page(Page::Settings, WAIT));
    h.tap("Retour au tableau de bord");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
    h.tap("Verrouiller");
    assert!(h.wait_for_page(Page::Idle, WAIT));
    let voter = &demo::members()[0];
    h.scan(&voter.payload);
    assert!(h.wait_for_page(Page::Welcome, WAIT));
    assert!(h.shows_containing("2 scrutins ouverts vous attendent"));
    h.shutdown();
    drop(served);
}

#[test]
fn the_leads_dashboard_shows_its_hall_and_asks_before_closing_a_poll_with_votes_under_way() {
    let dir = tempfile::tempdir().unwrap();
    let (mut kiosk, _voting) = leading_a_vote_under_way(&dir);
    // One ballot in the box already, cast on the lead itself: a small poll.
    let voter = demo::members()[1].id;
    let _ = kiosk.scan(&crate::hall_lead::badge(1)).unwrap();
    let poll = kiosk.event().unwrap().polls[0].clone();
    kiosk
        .cast_visit(
            &voter,
            &[urne_kiosk::kiosk::BallotCast {
                member: voter,
                poll: poll.id.clone(),
                ballot: urne_core::ballot::Ballot::Motion(urne_core::ballot::MotionChoice::For),
            }],
        )
        .unwrap();
    let question = poll.question;
    let h = Harness::new(kiosk, ViewOptions::default(), 1280, 1800);
    h.unlock();
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
    assert!(
        h.shows_containing("Salle : 1 kiosque(s) relié(s), 1 connecté(s) · 1 vote(s) en cours")
    );

    let close = format!("Clore le scrutin : {question}");
    let warning = "vote(s) en cours sur les isoloirs l'incluent";
    h.tap(&close);
    assert!(wait_until(&h, |h| h.shows_containing(warning)));
    assert!(h.shows_containing(&format!("« {question} » : 1 vote(s)")));
    h.tap("Laisser le scrutin ouvert");
    assert!(!h.shows_containing(warning));
    assert!(h.shows(&close), "still open");

    h.tap(&close);
    assert!(wait_until(&h, |h| h.shows_containing(warning)));
    h.tap("Clore maintenant ce scrutin malgré les votes en cours");
    // Few ballots as well: the second confirmation closes it over the visits too.
    assert!(wait_until(&h, |h| h
        .shows("Clore quand même ce scrutin à peu de bulletins")));
    h.tap("Clore quand même ce scrutin à peu de bulletins");
    assert!(h.wait_for_page(Page::Result, WAIT));
    // The lead projects the result on the hall's screen, and can take it down again.
    assert!(wait_until(&h, |h| h.shows("Projeter ce résultat sur l'écran de salle")));
    h.tap("Projeter ce résultat sur l'écran de salle");
    assert!(wait_until(&h, |h| h.shows("Retirer ce résultat de l'écran de salle")));
    h.shutdown();

    let store = urne_kiosk::store::Store::open(&dir.path().join("urne.sqlite")).unwrap();
    assert!(store.audit_chain().unwrap().iter().any(|e| matches!(
        &e.event,
        urne_core::audit::AuditEvent::PollClosedDuringVisits { visits: 1, .. }
    )));
    let released = store.setting("wall_released").unwrap().unwrap_or_default();
    assert!(released.starts_with(&format!("{}:", poll.id)), "{released}");
}

#[test]
fn the_lead_releases_the_vote_under_way_on_a_voting_kiosk_from_the_hall_page() {
    let dir = tempfile::tempdir().unwrap();
    let (kiosk, voting) = leading_a_vote_under_way(&dir);
    let spoken = spoken(&voting);
    let h = Harness::new(kiosk, ViewOptions::default(), 1280, 1800);
    to_hall_page(&h);
    let release = format!(
        "Libérer le vote en cours sur l'isoloir {spoken} : le votant pourra voter sur un autre"
    );
    assert!(wait_until(&h, |h| h.shows(&release)));
    assert!(h.shows_containing("vote en cours"));
    h.tap(&release);
    assert!(h.shows_containing("Le votant pourra voter sur un autre isoloir"));
    h.tap("Garder ce vote en cours");
    assert!(h.shows(&release), "kept: nothing released");
    h.tap(&release);
    h.tap("Confirmer la libération du vote en cours");
    assert!(wait_until(&h, |h| !h.shows_containing("· vote en cours")));
    assert!(!h.shows(&release), "nothing left to release");
    h.shutdown();
}
