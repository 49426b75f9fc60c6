//! A member kiosk and its lead, through the real link (urne-sync's pinned TLS on 127.0.0.1, the
//! lead's requests run on its worker) and through the in-process fake the view's tests use: the
//! same contract, asserted on both — refused before pairing, paired once the organiser confirms,
//! a visit granted and cast, a retried cast applied once, the counts, and refused once removed.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use urne_codec::hall::{AnswerBody, HallRole, RequestBody};
use urne_core::crypto::{Fingerprint, SecretKey};
use urne_core::ids::EventId;
use urne_kiosk::hall::local::LocalLead;
use urne_kiosk::kiosk::Kiosk;
use urne_kiosk::remote::client::RemoteLead;
use urne_kiosk::remote::{Lead, LeadError, new_request_id};
use urne_kiosk::ui_testing::demo::{self, Fixture};

use crate::hall_lead::{badge, seal_grant};
use crate::support::worker::ServedLead;

/// What the contract needs of a hall: the member's lead, and a hand on the lead kiosk (the
/// organiser at its screen).
trait Hall {
    fn member(&self) -> &dyn Lead;
    fn addresses(&self) -> Vec<SocketAddr>;
    fn on_lead<T: Send + 'static>(&self, f: impl FnOnce(&mut Kiosk) -> T + Send + 'static) -> T;
}

const MEMBER_SEED: u8 = 5;

fn member_key() -> SecretKey {
    SecretKey::from_seed(&[MEMBER_SEED; 32])
}

fn lead_kiosk(dir: &std::path::Path) -> Kiosk {
    Fixture::new(dir)
        .seed(4)
        .demo()
        .confirm_time()
        .open_polls(&[0, 1])
        .build()
}

struct RealHall {
    lead: ServedLead,
    member: RemoteLead,
}

impl RealHall {
    fn new(dir: &std::path::Path) -> Self {
        let lead = ServedLead::start(lead_kiosk(dir));
        let member = RemoteLead::new(
            &member_key(),
            lead.fingerprint,
            vec![lead.service.address()],
            Duration::from_secs(5),
        )
        .unwrap();
        Self { lead, member }
    }
}

impl Hall for RealHall {
    fn member(&self) -> &dyn Lead {
        &self.member
    }
    fn addresses(&self) -> Vec<SocketAddr> {
        vec![self.lead.service.address()]
    }
    fn on_lead<T: Send + 'static>(&self, f: impl FnOnce(&mut Kiosk) -> T + Send + 'static) -> T {
        self.lead.on(f)
    }
}

struct FakeHall {
    kiosk: Arc<Mutex<Kiosk>>,
    member: LocalLead,
}

impl FakeHall {
    fn new(dir: &std::path::Path) -> Self {
        let kiosk = Arc::new(Mutex::new(lead_kiosk(dir)));
        let member = LocalLead::new(kiosk.clone(), member_key().public().fingerprint());
        Self { kiosk, member }
    }
}

impl Hall for FakeHall {
    fn member(&self) -> &dyn Lead {
        &self.member
    }
    fn addresses(&self) -> Vec<SocketAddr> {
        vec!["192.0.2.1:4100".parse().unwrap()]
    }
    fn on_lead<T: Send + 'static>(&self, f: impl FnOnce(&mut Kiosk) -> T + Send + 'static) -> T {
        f(&mut self.kiosk.lock().unwrap())
    }
}

/// Pairs the member as a voting kiosk: it asks with the card's token, and the organiser
/// confirms on the lead while it waits.
fn pair(hall: &(impl Hall + Sync)) {
    let addresses = hall.addresses();
    let card = hall.on_lead(move |k| {
        demo::unlock(k);
        k.open_pairing(addresses).unwrap()
    });
    let package = hall.on_lead(|k| k.package_digest().unwrap());
    let member = member_key().public().fingerprint();
    std::thread::scope(|scope| {
        let asking = scope.spawn(|| {
            hall.member().ask(
                new_request_id(),
                RequestBody::Pair {
                    token: card.token,
                    device: member,
                    role: HallRole::Voting,
                    package,
                },
            )
        });
        while hall.on_lead(|k| k.pending_pairing()).is_none() {
            std::thread::sleep(Duration::from_millis(20));
        }
        hall.on_lead(|k| {
            k.decide_pairing(true).unwrap();
            k.lock();
        });
        let answer = asking.join().unwrap().unwrap();
        assert!(matches!(answer, AnswerBody::Paired { .. }), "{answer:?}");
    });
}

fn contract(hall: &(impl Hall + Sync)) {
    let member: Fingerprint = member_key().public().fingerprint();
    let before = hall.member().ask(new_request_id(), RequestBody::Status {});
    assert_eq!(before, Err(LeadError::NotAdmitted), "not paired yet");

    pair(hall);
    let event: EventId = hall.on_lead(|k| k.event().unwrap().id.clone());
    let lead = hall.member();
    let granted = match lead.ask(new_request_id(), RequestBody::Claim { badge: badge(0) }) {
        Ok(AnswerBody::Granted { grant }) => *grant,
        other => panic!("expected a grant, got {other:?}"),
    };
    assert_eq!(granted.due.len(), 2);
    let cast = RequestBody::Cast {
        claim: granted.claim,
        ballots: seal_grant(&event, &granted),
    };
    let id = new_request_id();
    let stored = lead.ask(id, cast.clone()).unwrap();
    assert_eq!(stored, AnswerBody::Stored { ballots: 2 });
    // The answer was lost: asked again under its id, the same answer, nothing stored twice.
    assert_eq!(lead.ask(id, cast).unwrap(), stored);
    let counts = hall.on_lead(|k| {
        let polls = k.store().open_polls().unwrap();
        polls
            .iter()
            .map(|p| k.store().voted_count(p).unwrap())
            .collect::<Vec<_>>()
    });
    assert_eq!(counts, vec![1, 1]);
    let Ok(AnswerBody::Status { status }) = lead.ask(new_request_id(), RequestBody::Status {})
    else {
        panic!("the lead's counts");
    };
    assert_eq!(
        status.open.iter().map(|c| c.ballots).collect::<Vec<_>>(),
        vec![1, 1]
    );
    assert!(status.present >= 1);

    hall.on_lead(move |k| {
        demo::unlock(k);
        assert!(k.remove_kiosk(&member).unwrap());
        k.lock();
    });
    let after = lead.ask(new_request_id(), RequestBody::Status {});
    assert_eq!(after, Err(LeadError::NotAdmitted), "removed");
}

#[test]
fn the_real_lead_over_pinned_tls_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    contract(&RealHall::new(dir.path()));
}

#[test]
fn the_fake_lead_keeps_the_same_contract() {
    let dir = tempfile::tempdir().unwrap();
    contract(&FakeHall::new(dir.path()));
}

#[test]
fn a_lead_that_is_down_is_unreachable_and_its_key_is_pinned() {
    let dir = tempfile::tempdir().unwrap();
    let hall = RealHall::new(dir.path());
    let address = hall.lead.service.address();
    drop(hall);
    let lead = SecretKey::from_seed(&[4; 32]).public().fingerprint();
    let member = RemoteLead::new(
        &member_key(),
        lead,
        vec![address],
        Duration::from_millis(600),
    )
    .unwrap();
    let down = member.ask(new_request_id(), RequestBody::Status {});
    assert_eq!(down, Err(LeadError::Unreachable));

    // Another kiosk answering at the lead's address is not the lead.
    let dir = tempfile::tempdir().unwrap();
    let other = RealHall::new(dir.path());
    let pinned_elsewhere = RemoteLead::new(
        &member_key(),
        SecretKey::from_seed(&[9; 32]).public().fingerprint(),
        vec![other.lead.service.address()],
        Duration::from_secs(2),
    )
    .unwrap();
    let impostor = pinned_elsewhere.ask(new_request_id(), RequestBody::Status {});
    assert_eq!(impostor, Err(LeadError::WrongLead));
}

#[test]
fn a_lead_busy_on_its_worker_still_lets_its_kiosks_in() {
    let dir = tempfile::tempdir().unwrap();
    let hall = RealHall::new(dir.path());
    pair(&hall);
    // The lead's worker busy for seconds (a count, an export): the handshake must not wait for
    // it, and the request is answered once the worker is free.
    hall.lead
        .jobs
        .send(Box::new(|_, _| std::thread::sleep(Duration::from_secs(4))))
        .unwrap();
    let answer = hall.member().ask(new_request_id(), RequestBody::Status {});
    assert!(
        matches!(answer, Ok(AnswerBody::Status { .. })),
        "a paired kiosk is let in while its lead is busy: {answer:?}"
    );
}

#[test]
fn stopping_the_lead_does_not_wait_for_a_pairing_in_progress() {
    let dir = tempfile::tempdir().unwrap();
    let hall = RealHall::new(dir.path());
    let addresses = hall.addresses();
    let card = hall.on_lead(move |k| {
        demo::unlock(k);
        k.open_pairing(addresses).unwrap()
    });
    let package = hall.on_lead(|k| k.package_digest().unwrap());
    let RealHall { lead, member } = hall;
    let asking = std::thread::spawn(move || {
        member.ask(
            new_request_id(),
            RequestBody::Pair {
                token: card.token,
                device: member_key().public().fingerprint(),
                role: HallRole::Door,
                package,
            },
        )
    });
    while lead.on(|k| k.pending_pairing()).is_none() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let (stopped, done) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        drop(lead);
        let _ = stopped.send(());
    });
    assert!(
        done.recv_timeout(Duration::from_secs(15)).is_ok(),
        "the lead's service stops without waiting out the pairing card (5 minutes)"
    );
    assert!(
        asking.join().unwrap().is_err(),
        "the kiosk asking is not paired"
    );
}
