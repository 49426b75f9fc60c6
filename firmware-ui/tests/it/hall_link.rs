//! A kiosk's place in a hall, kept across restarts: joined through the real pairing (the lead's
//! organiser confirming while it waits), it asks its lead again after a restart; a lead cannot
//! join another hall nor a member lead one; and a member's heartbeat sends the door's queue
//! once the lead answers again.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use urne_codec::hall::{AnswerBody, HallRole};
use urne_core::audit::AuditEvent;
use urne_kiosk::clock::SystemClock;
use urne_kiosk::hall::heartbeat::Heartbeat;
use urne_kiosk::hall::local::LocalLead;
use urne_kiosk::keystore::MemoryKeyStore;
use urne_kiosk::kiosk::link::{HallSetting, JoinRequest};
use urne_kiosk::kiosk::{HallProblem, Kiosk, KioskError, ScanOutcome};
use urne_kiosk::ui_testing::demo::{self, Fixture};
use urne_kiosk::usb::MemoryTarget;
use urne_kiosk::worker::Worker;

use crate::hall_lead::{badge, lead, pair};
use crate::support::worker::{ServedLead, on};

fn reopen(dir: &std::path::Path, seed: u8) -> Kiosk {
    Kiosk::open(
        &dir.join("urne.sqlite"),
        &MemoryKeyStore::new([seed; 32]),
        Arc::new(SystemClock),
        Box::new(MemoryTarget::default()),
    )
    .unwrap()
}

#[test]
fn a_kiosk_that_joined_a_hall_asks_its_lead_again_after_a_restart() {
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

    let mut member = Fixture::new(member_dir.path()).seed(5).demo().build();
    let address = served.service.address();
    let card = on(&jobs, move |k| {
        demo::unlock(k);
        k.open_pairing(vec![address]).unwrap()
    });
    assert!(
        member.join_request(card.clone(), HallRole::Voting).is_err(),
        "organiser mode first"
    );
    demo::unlock(&mut member);
    let request: JoinRequest = member.join_request(card.clone(), HallRole::Voting).unwrap();
    let asking = std::thread::spawn(move || {
        let paired = request.pair();
        (request, paired)
    });
    while on(&jobs, |k| k.pending_pairing()).is_none() {
        std::thread::sleep(Duration::from_millis(20));
    }
    on(&jobs, |k| k.decide_pairing(true).unwrap());
    let (request, paired) = asking.join().unwrap();
    let (link, answer) = paired.unwrap();
    assert!(matches!(answer, AnswerBody::Paired { .. }), "{answer:?}");
    member.joined(&request, Box::new(link)).unwrap();
    assert_eq!(member.hall_role(), Some(HallRole::Voting));
    assert!(member.store().audit_chain().unwrap().iter().any(|e| matches!(
        &e.event,
        AuditEvent::JoinedHall { lead, role } if *lead == served.fingerprint && role == "voting"
    )));
    assert!(matches!(
        member.lead_hall(4180),
        Err(KioskError::Hall(HallProblem::IsMember))
    ));
    drop(member);

    // A restart: the kiosk finds its hall in its settings and asks its lead again.
    let mut member = reopen(member_dir.path(), 5);
    assert_eq!(
        member.hall_setting().unwrap(),
        HallSetting::Member {
            role: HallRole::Voting,
            card: card.clone()
        }
    );
    assert!(member.rejoin_hall().unwrap());
    let ScanOutcome::Welcome { due, .. } = member.scan(&badge(0)).unwrap() else {
        panic!("the lead grants the visit");
    };
    assert_eq!(due.len(), 2);
    member.lock();
    drop(served);
}

#[test]
fn a_lead_cannot_join_another_hall() {
    let dir = tempfile::tempdir().unwrap();
    let (mut kiosk, _clock) = lead(dir.path());
    demo::unlock(&mut kiosk);
    kiosk.lead_hall(4180).unwrap();
    assert_eq!(
        kiosk.hall_setting().unwrap(),
        HallSetting::Lead { port: 4180 }
    );
    let card = kiosk
        .open_pairing(vec!["192.0.2.1:4180".parse().unwrap()])
        .unwrap();
    let refused = kiosk.join_request(card, HallRole::Door).unwrap_err();
    assert!(
        matches!(refused, KioskError::Hall(HallProblem::IsLead)),
        "{refused:?}"
    );
}

#[test]
fn a_door_kiosks_heartbeat_sends_its_queue_once_the_lead_answers_again() {
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let (mut lead_kiosk, _clock) = lead(dirs[0].path());
    pair(&mut lead_kiosk, 22, HallRole::Door);
    let lead = Arc::new(Mutex::new(lead_kiosk));
    let fingerprint = urne_core::crypto::SecretKey::from_seed(&[22; 32])
        .public()
        .fingerprint();
    let link = Arc::new(LocalLead::new(lead.clone(), fingerprint));
    let mut door = Fixture::new(dirs[1].path()).seed(22).demo().build();
    door.join_hall(HallRole::Door, Box::new(link.clone()));
    link.set_reachable(false);
    assert!(matches!(
        door.scan(&badge(4)).unwrap(),
        ScanOutcome::Welcome { queued: true, .. }
    ));

    let (worker, _inbox) = Worker::<()>::spawn(door, Arc::new(|| {})).unwrap();
    let _beat = Heartbeat::spawn(
        Box::new(link.clone()),
        worker.jobs(),
        Duration::from_millis(50),
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        on(&worker.jobs(), |k| k
            .store()
            .queued_check_ins()
            .unwrap()
            .len()),
        1,
        "the lead is still down"
    );
    link.set_reachable(true);
    let member = demo::members()[4].id;
    let give_up = Instant::now() + Duration::from_secs(5);
    while !lead.lock().unwrap().store().is_present(&member).unwrap() {
        assert!(Instant::now() < give_up, "the queue never reached the lead");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(on(&worker.jobs(), |k| k
        .store()
        .queued_check_ins()
        .unwrap()
        .is_empty()));
}
