//! The lead kiosk of a hall, driven as its paired kiosks drive it (each request with the key
//! its TLS handshake proved): pairing with the card's one-time token and an organiser's
//! confirmation, check-ins from the door, a voter's visit exclusive to one voting kiosk, casts
//! stored whole or refused whole, claims released, lapsed or ended with their kiosk, and the
//! close guard. Then the attacker's read of the lead's card after a hall evening.

use std::sync::Arc;

use urne_codec::hall::{
    AnswerBody, ClaimId, Grant, HallRole, PairingToken, RefusalCode, RemoteBallot, RequestBody,
};
use urne_core::audit::AuditEvent;
use urne_core::ballot::{Ballot, MotionChoice, WeightedBallot};
use urne_core::crypto::{Fingerprint, SecretKey};
use urne_core::ids::{EventId, MemberId, PollId};
use urne_core::sealed::{self, BoxId};
use urne_core::timestamp::Timestamp;
use urne_kiosk::clock::FakeClock;
use urne_kiosk::kiosk::Kiosk;
use urne_kiosk::kiosk::hall::{CLAIM_LAPSE_SECS, HallReply, PAIRING_LAPSE_SECS};
use urne_kiosk::store::KioskRole;
use urne_kiosk::ui_testing::demo::{self, Fixture};

/// A device key of a member kiosk.
fn device(seed: u8) -> Fingerprint {
    SecretKey::from_seed(&[seed; 32]).public().fingerprint()
}

/// The demo lead with its first two motions (charte, statuts) open, on a clock the test moves.
pub(crate) fn lead(dir: &std::path::Path) -> (Kiosk, FakeClock) {
    let clock = FakeClock::at(Timestamp(1_796_495_400));
    let kiosk = Fixture::new(dir)
        .seed(4)
        .clock(Arc::new(clock.clone()))
        .demo()
        .confirm_time()
        .open_polls(&[0, 1])
        .build();
    (kiosk, clock)
}

pub(crate) fn answer(lead: &mut Kiosk, peer: &Fingerprint, request: RequestBody) -> AnswerBody {
    match lead.hall_answer(peer, request) {
        HallReply::Answer(answer) => answer,
        HallReply::AwaitOrganiser => panic!("a request other than a pairing waited"),
    }
}

fn refusal(answer: &AnswerBody) -> Option<(RefusalCode, Option<u32>)> {
    match answer {
        AnswerBody::Refused { code, at } => Some((*code, *at)),
        _ => None,
    }
}

fn pair_request(lead: &Kiosk, token: PairingToken, device: Fingerprint) -> RequestBody {
    RequestBody::Pair {
        token,
        device,
        role: HallRole::Voting,
        package: lead.package_digest().unwrap(),
    }
}

/// Pairs the kiosk `seed` with `role`, as the organiser confirms it on the lead.
pub(crate) fn pair(lead: &mut Kiosk, seed: u8, role: HallRole) -> Fingerprint {
    let peer = device(seed);
    demo::unlock(lead);
    let card = lead
        .open_pairing(vec!["192.0.2.1:4100".parse().unwrap()])
        .unwrap();
    let request = RequestBody::Pair {
        token: card.token,
        device: peer,
        role,
        package: lead.package_digest().unwrap(),
    };
    assert_eq!(lead.hall_answer(&peer, request), HallReply::AwaitOrganiser);
    lead.decide_pairing(true).unwrap();
    assert!(matches!(
        lead.pairing_outcome(&peer),
        Some(AnswerBody::Paired { .. })
    ));
    lead.lock();
    peer
}

/// The words of the procès-verbal of the lead's export, as the organiser prints it.
fn minutes(lead: &mut Kiosk, dir: &std::path::Path) -> String {
    demo::unlock(lead);
    let exported = lead.export(false).unwrap();
    let bundle = crate::support::reading::exported_bundle(lead, exported.seq);
    let report = urne_codec::verify::verify(&bundle, None).unwrap();
    let pdf = urne_papers::pv::render(&report, "salle.urne", urne_core::tally::Lang::Fr).unwrap();
    crate::support::reading::pdf_words(&pdf, &dir.join("pv.pdf"))
}

pub(crate) fn badge(n: usize) -> String {
    demo::members()[n].payload.clone()
}

pub(crate) fn grant(answer: AnswerBody) -> Grant {
    match answer {
        AnswerBody::Granted { grant } => *grant,
        other => panic!("expected a grant, got {other:?}"),
    }
}

/// The sealed ballots a voting kiosk sends for `grant`: « pour » in each ballot due.
pub(crate) fn seal_all(lead: &Kiosk, grant: &Grant) -> Vec<RemoteBallot> {
    seal_grant(&lead.event().unwrap().id, grant)
}

/// [`seal_all`] for the event `event`, as a voting kiosk seals with its own copy of the package.
pub(crate) fn seal_grant(event: &EventId, grant: &Grant) -> Vec<RemoteBallot> {
    grant
        .due
        .iter()
        .map(|d| seal_one(event, grant, &d.poll, d.member))
        .collect()
}

fn seal_one(event: &EventId, grant: &Grant, poll: &PollId, member: MemberId) -> RemoteBallot {
    let due = grant.polls.iter().find(|p| p.poll.id == *poll).unwrap();
    let ballot = WeightedBallot {
        ballot: Ballot::Motion(MotionChoice::For),
        weight: 1,
    };
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).unwrap();
    let sealed = sealed::seal(
        &due.key,
        &BoxId::of(event, &due.poll),
        &ballot,
        sealed::padded_len(&due.poll),
        seed,
    )
    .unwrap();
    RemoteBallot {
        poll: poll.clone(),
        member,
        sealed: sealed.0,
    }
}

pub(crate) fn cast(claim: ClaimId, ballots: Vec<RemoteBallot>) -> RequestBody {
    RequestBody::Cast { claim, ballots }
}

#[test]
fn pairing_needs_the_cards_token_the_same_package_the_proved_key_and_an_organiser() {
    let dir = tempfile::tempdir().unwrap();
    let (mut lead, clock) = lead(dir.path());
    let (joining, other) = (device(20), device(21));

    assert!(
        !lead.hall_admits(&joining),
        "no card shown, no stranger admitted"
    );
    let none = lead.hall_answer(
        &joining,
        pair_request(&lead, PairingToken([7; 16]), joining),
    );
    assert_eq!(
        none,
        HallReply::Answer(AnswerBody::Refused {
            code: RefusalCode::BadToken,
            at: None
        })
    );
    assert!(
        lead.open_pairing(Vec::new()).is_err(),
        "organiser mode first"
    );

    demo::unlock(&mut lead);
    let card = lead
        .open_pairing(vec!["192.0.2.1:4100".parse().unwrap()])
        .unwrap();
    assert_eq!(card.lead, lead_fingerprint());
    assert!(lead.hall_admits(&joining), "while the card is shown");

    let code = |reply: HallReply| match reply {
        HallReply::Answer(a) => refusal(&a).map(|(c, _)| c),
        HallReply::AwaitOrganiser => None,
    };
    let wrong_token = pair_request(&lead, PairingToken([9; 16]), joining);
    assert_eq!(
        code(lead.hall_answer(&joining, wrong_token)),
        Some(RefusalCode::BadToken)
    );
    // A kiosk naming another key than the one its handshake proved.
    let borrowed = pair_request(&lead, card.token, other);
    assert_eq!(
        code(lead.hall_answer(&joining, borrowed)),
        Some(RefusalCode::WrongDevice)
    );
    let other_package = RequestBody::Pair {
        token: card.token,
        device: joining,
        role: HallRole::Voting,
        package: urne_core::crypto::Sha256Digest::of(b"another event's manifest"),
    };
    assert_eq!(
        code(lead.hall_answer(&joining, other_package)),
        Some(RefusalCode::WrongPackage)
    );
    assert!(
        lead.pending_pairing().is_none(),
        "nothing held for a refused ask"
    );

    let good = pair_request(&lead, card.token, joining);
    assert_eq!(lead.hall_answer(&joining, good), HallReply::AwaitOrganiser);
    assert_eq!(lead.pending_pairing(), Some((joining, HallRole::Voting)));
    let other_role = RequestBody::Pair {
        token: card.token,
        device: joining,
        role: HallRole::Door,
        package: lead.package_digest().unwrap(),
    };
    assert_eq!(
        code(lead.hall_answer(&joining, other_role)),
        Some(RefusalCode::BadToken),
        "the role the organiser is shown does not change under their finger"
    );
    assert_eq!(lead.pending_pairing(), Some((joining, HallRole::Voting)));
    assert_eq!(
        lead.pairing_outcome(&joining),
        None,
        "waiting for the organiser"
    );
    let second = pair_request(&lead, card.token, other);
    assert_eq!(
        code(lead.hall_answer(&other, second)),
        Some(RefusalCode::BadToken),
        "one card, one kiosk"
    );
    assert_eq!(
        lead.store().paired_role(&joining).unwrap(),
        None,
        "nothing written before the confirmation"
    );

    lead.decide_pairing(true).unwrap();
    assert!(matches!(
        lead.pairing_outcome(&joining),
        Some(AnswerBody::Paired { .. })
    ));
    assert_eq!(
        lead.store().paired_role(&joining).unwrap(),
        Some(KioskRole::Voting)
    );
    assert!(lead.store().audit_chain().unwrap().iter().any(|e| matches!(
        &e.event,
        AuditEvent::KioskPaired { device, role } if *device == joining && role == "voting"
    )));

    // The card is spent: its token replayed is refused, and strangers are not admitted.
    let replayed = pair_request(&lead, card.token, other);
    assert_eq!(
        code(lead.hall_answer(&other, replayed)),
        Some(RefusalCode::BadToken)
    );
    assert!(!lead.hall_admits(&other));
    assert!(lead.hall_admits(&joining));
    // The gate the lead's server reads without the worker says the same.
    let gate = lead.hall_gate();
    assert!(gate.admits(&joining) && !gate.admits(&other));

    // A card that lapsed.
    let card = lead.open_pairing(Vec::new()).unwrap();
    clock.advance(PAIRING_LAPSE_SECS + 1);
    let late = pair_request(&lead, card.token, other);
    assert_eq!(
        code(lead.hall_answer(&other, late)),
        Some(RefusalCode::TokenExpired)
    );
    assert!(!lead.hall_admits(&other));
    assert!(!gate.admits(&other), "the gate closes when the card lapses");

    // A pairing the organiser refuses.
    demo::unlock(&mut lead);
    let card = lead.open_pairing(Vec::new()).unwrap();
    let ask = pair_request(&lead, card.token, other);
    assert_eq!(lead.hall_answer(&other, ask), HallReply::AwaitOrganiser);
    lead.lock();
    assert!(lead.decide_pairing(true).is_err(), "only in organiser mode");
    demo::unlock(&mut lead);
    lead.decide_pairing(false).unwrap();
    let refused = lead.pairing_outcome(&other).unwrap();
    assert_eq!(
        refusal(&refused),
        Some((RefusalCode::PairingRejected, None))
    );
    assert_eq!(lead.store().paired_role(&other).unwrap(), None);
}

fn lead_fingerprint() -> Fingerprint {
    SecretKey::from_seed(&[4; 32]).public().fingerprint()
}

#[test]
fn a_voter_claimed_on_one_voting_kiosk_is_busy_on_another_and_casts_once() {
    let dir = tempfile::tempdir().unwrap();
    let (mut lead, _clock) = lead(dir.path());
    let a = pair(&mut lead, 20, HallRole::Voting);
    let b = pair(&mut lead, 21, HallRole::Voting);
    let door = pair(&mut lead, 22, HallRole::Door);

    // The door checks members in, and only that.
    let welcome = answer(&mut lead, &door, RequestBody::CheckIn { badge: badge(1) });
    assert!(
        matches!(
            welcome,
            AnswerBody::Welcome {
                already_since: None,
                ..
            }
        ),
        "{welcome:?}"
    );
    let again = answer(&mut lead, &door, RequestBody::CheckIn { badge: badge(1) });
    assert!(matches!(
        again,
        AnswerBody::Welcome {
            already_since: Some(_),
            ..
        }
    ));
    let claim = answer(&mut lead, &door, RequestBody::Claim { badge: badge(1) });
    assert_eq!(refusal(&claim), Some((RefusalCode::WrongRole, None)));
    let stranger = answer(&mut lead, &device(30), RequestBody::Status {});
    assert_eq!(refusal(&stranger), Some((RefusalCode::NotPaired, None)));
    let forged = answer(
        &mut lead,
        &door,
        RequestBody::CheckIn {
            badge: "URNE1:forged".into(),
        },
    );
    assert_eq!(refusal(&forged), Some((RefusalCode::Badge, None)));

    let granted = grant(answer(
        &mut lead,
        &a,
        RequestBody::Claim { badge: badge(0) },
    ));
    assert_eq!(granted.due.len(), 2);
    assert_eq!(granted.polls.len(), 2);
    assert!(!granted.unrecorded);
    let busy = answer(&mut lead, &b, RequestBody::Claim { badge: badge(0) });
    assert_eq!(busy, AnswerBody::Busy {});

    let ballots = seal_all(&lead, &granted);
    let stored = answer(&mut lead, &a, cast(granted.claim, ballots.clone()));
    assert_eq!(stored, AnswerBody::Stored { ballots: 2 });
    assert!(lead.due(&granted.member).unwrap().is_empty());
    let voted = answer(&mut lead, &b, RequestBody::Claim { badge: badge(0) });
    assert!(
        matches!(voted, AnswerBody::Voted { member, .. } if member == granted.member),
        "{voted:?}"
    );
    // The same cast again (a lead restarted before its answer): the ballots are in, and are not
    // stored twice.
    let again = answer(&mut lead, &a, cast(granted.claim, ballots));
    assert_eq!(again, AnswerBody::Stored { ballots: 2 });
    let polls: Vec<PollId> = granted.polls.iter().map(|p| p.poll.id.clone()).collect();
    for poll in &polls {
        assert_eq!(lead.store().voted_count(poll).unwrap(), 1);
        assert_eq!(
            lead.store()
                .sealed_box(poll)
                .unwrap()
                .unwrap()
                .ciphertexts
                .len(),
            1
        );
    }
    let kiosks = lead.hall_kiosks().unwrap();
    let of = |d: Fingerprint| kiosks.iter().find(|k| k.device == d).unwrap();
    assert_eq!(
        (of(a).delivered, of(b).delivered, of(door).delivered),
        (2, 0, 0)
    );
    assert!(of(a).last_heard.is_some());
    assert_eq!(of(door).role, KioskRole::Door);

    // A cast under a claim this lead never granted, for ballots not cast.
    let granted = grant(answer(
        &mut lead,
        &b,
        RequestBody::Claim { badge: badge(2) },
    ));
    let sealed = seal_all(&lead, &granted);
    let bogus = answer(&mut lead, &a, cast(ClaimId([3; 16]), sealed));
    assert_eq!(refusal(&bogus), Some((RefusalCode::NoClaim, None)));
    // Nor may a kiosk cast under another kiosk's claim.
    let sealed = seal_all(&lead, &granted);
    let theirs = answer(&mut lead, &a, cast(granted.claim, sealed));
    assert_eq!(refusal(&theirs), Some((RefusalCode::NoClaim, None)));
}

#[test]
fn a_cast_is_refused_whole_for_a_ballot_not_due_repeated_or_of_the_wrong_length() {
    let dir = tempfile::tempdir().unwrap();
    let (mut lead, _clock) = lead(dir.path());
    let a = pair(&mut lead, 20, HallRole::Voting);
    let _first = grant(answer(
        &mut lead,
        &a,
        RequestBody::Claim { badge: badge(0) },
    ));
    let other = grant(answer(
        &mut lead,
        &a,
        RequestBody::Claim { badge: badge(3) },
    ));
    // `a`'s second claim ended its first: claim again for the first voter.
    let granted = grant(answer(
        &mut lead,
        &a,
        RequestBody::Claim { badge: badge(0) },
    ));
    let mut ballots = seal_all(&lead, &granted);

    let not_due = vec![
        ballots[0].clone(),
        seal_one(
            &lead.event().unwrap().id.clone(),
            &other,
            &other.due[0].poll,
            other.member,
        ),
    ];
    let answer_of = answer(&mut lead, &a, cast(granted.claim, not_due));
    assert_eq!(refusal(&answer_of), Some((RefusalCode::NotDue, Some(1))));

    let twice = vec![ballots[0].clone(), ballots[0].clone()];
    let answer_of = answer(&mut lead, &a, cast(granted.claim, twice));
    assert_eq!(
        refusal(&answer_of),
        Some((RefusalCode::AlreadyVoted, Some(1)))
    );

    ballots[1].sealed.push(0);
    let answer_of = answer(&mut lead, &a, cast(granted.claim, ballots.clone()));
    assert_eq!(refusal(&answer_of), Some((RefusalCode::Malformed, Some(1))));

    let empty = answer(&mut lead, &a, cast(granted.claim, Vec::new()));
    assert_eq!(refusal(&empty), Some((RefusalCode::Malformed, None)));

    assert_eq!(
        lead.due(&granted.member).unwrap().len(),
        2,
        "nothing of the visit was stored"
    );
    ballots[1].sealed.pop();
    let stored = answer(&mut lead, &a, cast(granted.claim, ballots));
    assert_eq!(stored, AnswerBody::Stored { ballots: 2 });
}

#[test]
fn a_claim_released_lapsed_or_replaced_lets_the_voter_go_to_another_kiosk() {
    let dir = tempfile::tempdir().unwrap();
    let (mut lead, clock) = lead(dir.path());
    let a = pair(&mut lead, 20, HallRole::Voting);
    let b = pair(&mut lead, 21, HallRole::Voting);

    let first = grant(answer(
        &mut lead,
        &a,
        RequestBody::Claim { badge: badge(0) },
    ));
    assert_eq!(
        answer(&mut lead, &b, RequestBody::Claim { badge: badge(0) }),
        AnswerBody::Busy {}
    );
    assert_eq!(
        answer(&mut lead, &a, RequestBody::Release { claim: first.claim }),
        AnswerBody::Released {}
    );
    let on_b = grant(answer(
        &mut lead,
        &b,
        RequestBody::Claim { badge: badge(0) },
    ));
    // The voter who walked away from `a` is told, once, that nothing was recorded.
    assert!(on_b.unrecorded);

    clock.advance(CLAIM_LAPSE_SECS + 1);
    let on_a = grant(answer(
        &mut lead,
        &a,
        RequestBody::Claim { badge: badge(0) },
    ));
    let sealed = seal_all(&lead, &on_b);
    let late = answer(&mut lead, &b, cast(on_b.claim, sealed));
    assert_eq!(
        refusal(&late),
        Some((RefusalCode::NoClaim, None)),
        "a lapsed claim casts nothing"
    );

    // A kiosk's new claim ends its previous one.
    let _next = grant(answer(
        &mut lead,
        &a,
        RequestBody::Claim { badge: badge(1) },
    ));
    let freed = answer(&mut lead, &b, RequestBody::Claim { badge: badge(0) });
    assert!(matches!(freed, AnswerBody::Granted { .. }), "{freed:?}");
    let sealed = seal_all(&lead, &on_a);
    let old = answer(&mut lead, &a, cast(on_a.claim, sealed));
    assert_eq!(refusal(&old), Some((RefusalCode::NoClaim, None)));
}

#[test]
fn closing_a_poll_with_visits_under_way_asks_for_a_confirmation_and_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let (mut lead, _clock) = lead(dir.path());
    let a = pair(&mut lead, 20, HallRole::Voting);
    let granted = grant(answer(
        &mut lead,
        &a,
        RequestBody::Claim { badge: badge(0) },
    ));
    let charte = granted.due[0].poll.clone();
    demo::unlock(&mut lead);
    let guarded = lead.close_poll(&charte).unwrap_err();
    assert!(
        matches!(
            guarded,
            urne_kiosk::kiosk::KioskError::VisitsUnderWay { visits: 1 }
        ),
        "{guarded:?}"
    );
    assert!(
        lead.store().open_polls().unwrap().contains(&charte),
        "nothing changed"
    );
    lead.close_poll_during_visits(&charte).unwrap();
    assert!(!lead.store().open_polls().unwrap().contains(&charte));
    assert!(lead.store().audit_chain().unwrap().iter().any(|e| matches!(
        &e.event,
        AuditEvent::PollClosedDuringVisits { poll, visits: 1 } if *poll == charte
    )));
    lead.lock();

    let ballots = seal_all(&lead, &granted);
    let refused = answer(&mut lead, &a, cast(granted.claim, ballots.clone()));
    assert_eq!(refusal(&refused), Some((RefusalCode::PollNotOpen, Some(0))));
    let rest = answer(&mut lead, &a, cast(granted.claim, ballots[1..].to_vec()));
    assert_eq!(rest, AnswerBody::Stored { ballots: 1 });

    // The procès-verbal says so under the poll.
    let text = minutes(&mut lead, dir.path());
    assert!(
        text.contains("Clos alors que 1 électeur(s) votaient sur un isoloir")
            && text.contains("leurs bulletins pour ce scrutin ont été refusés"),
        "{text}"
    );
}

#[test]
fn a_removed_kiosk_is_refused_and_its_visits_end() {
    let dir = tempfile::tempdir().unwrap();
    let (mut lead, _clock) = lead(dir.path());
    let a = pair(&mut lead, 20, HallRole::Voting);
    let b = pair(&mut lead, 21, HallRole::Voting);
    let _held = grant(answer(
        &mut lead,
        &a,
        RequestBody::Claim { badge: badge(0) },
    ));
    demo::unlock(&mut lead);
    let gate = lead.hall_gate();
    assert!(gate.admits(&a));
    assert!(lead.remove_kiosk(&a).unwrap());
    lead.lock();
    assert!(!lead.hall_admits(&a));
    assert!(!gate.admits(&a), "the gate follows the removal at once");
    let refused = answer(&mut lead, &a, RequestBody::Status {});
    assert_eq!(refusal(&refused), Some((RefusalCode::NotPaired, None)));
    let freed = answer(&mut lead, &b, RequestBody::Claim { badge: badge(0) });
    assert!(matches!(freed, AnswerBody::Granted { .. }), "{freed:?}");
    assert!(
        lead.hall_kiosks()
            .unwrap()
            .iter()
            .any(|k| k.device == a && k.removed)
    );
    assert!(
        lead.store()
            .audit_chain()
            .unwrap()
            .iter()
            .any(|e| matches!(&e.event, AuditEvent::KioskRemoved { device } if *device == a))
    );
}

#[test]
fn a_proxy_ballot_is_due_to_its_holder_and_refused_once_the_member_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let (mut lead, _clock) = lead(dir.path());
    let a = pair(&mut lead, 20, HallRole::Voting);
    let door = pair(&mut lead, 22, HallRole::Door);
    let members = demo::members();
    let holder = members[0].id;
    let absent = members[5].id;
    demo::unlock(&mut lead);
    lead.scan(&badge(0)).unwrap();
    lead.grant_proxy(&absent, &holder).unwrap();
    lead.lock();

    let granted = grant(answer(
        &mut lead,
        &a,
        RequestBody::Claim { badge: badge(0) },
    ));
    assert_eq!(granted.due.len(), 4, "hers and her proxy's, in two polls");
    assert!(
        granted
            .due
            .iter()
            .any(|d| d.member == absent && d.proxy_for.is_some())
    );
    // The absent member arrives meanwhile: she votes in person, and her proxy is void.
    answer(&mut lead, &door, RequestBody::CheckIn { badge: badge(5) });
    let ballots = seal_all(&lead, &granted);
    let at = granted.due.iter().position(|d| d.member == absent).unwrap();
    let refused = answer(&mut lead, &a, cast(granted.claim, ballots.clone()));
    assert_eq!(
        refusal(&refused),
        Some((RefusalCode::NoProxy, Some(at as u32)))
    );
    let own: Vec<RemoteBallot> = ballots.into_iter().filter(|b| b.member == holder).collect();
    assert_eq!(
        answer(&mut lead, &a, cast(granted.claim, own)),
        AnswerBody::Stored { ballots: 2 }
    );
}

#[test]
fn the_organiser_releases_the_visit_of_a_voting_kiosk_that_died_and_the_minutes_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let (mut lead, _clock) = lead(dir.path());
    let dead = pair(&mut lead, 20, HallRole::Voting);
    let other = pair(&mut lead, 21, HallRole::Voting);
    let held = grant(answer(
        &mut lead,
        &dead,
        RequestBody::Claim { badge: badge(0) },
    ));
    let busy = answer(&mut lead, &other, RequestBody::Claim { badge: badge(0) });
    assert_eq!(busy, AnswerBody::Busy {});

    assert!(lead.release_visits(&dead).is_err(), "organiser mode first");
    demo::unlock(&mut lead);
    assert_eq!(lead.release_visits(&dead).unwrap(), 1);
    assert_eq!(
        lead.release_visits(&dead).unwrap(),
        0,
        "nothing left to release"
    );
    lead.lock();
    assert!(lead.store().audit_chain().unwrap().iter().any(|e| matches!(
        &e.event,
        AuditEvent::VisitsReleased { device, visits: 1 } if *device == dead
    )));

    // The voter goes to another kiosk at once; the dead kiosk's late cast is refused.
    let moved = grant(answer(
        &mut lead,
        &other,
        RequestBody::Claim { badge: badge(0) },
    ));
    let sealed = seal_all(&lead, &held);
    let late = answer(&mut lead, &dead, cast(held.claim, sealed));
    assert_eq!(refusal(&late), Some((RefusalCode::NoClaim, None)));
    let sealed = seal_all(&lead, &moved);
    let stored = answer(&mut lead, &other, cast(moved.claim, sealed));
    assert_eq!(stored, AnswerBody::Stored { ballots: 2 });
    for poll in lead.store().open_polls().unwrap() {
        assert_eq!(lead.store().voted_count(&poll).unwrap(), 1, "cast once");
    }

    let text = minutes(&mut lead, dir.path());
    assert!(text.contains("La salle"), "{text}");
    assert!(text.contains("Isoloir"), "{text}");
    assert!(
        text.contains("1 passage(s) en cours libéré(s) par l'organisateur"),
        "{text}"
    );
}
