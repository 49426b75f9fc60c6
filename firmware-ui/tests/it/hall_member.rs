//! Door and voting kiosks of a hall, through the same entry points as a single kiosk (scan,
//! due, cast): the door checks in through the lead and queues while the lead does not answer;
//! the voting kiosk takes a visit from the lead, is told when another kiosk holds the voter,
//! casts through the lead, and, after an answer lost on its way back, confirms again without
//! the lead storing the ballots twice.

use std::sync::{Arc, Mutex};

use urne_codec::hall::HallRole;
use urne_core::ballot::{Ballot, MotionChoice};
use urne_core::crypto::SecretKey;
use urne_kiosk::hall::local::LocalLead;
use urne_kiosk::kiosk::{BallotCast, HallProblem, Kiosk, KioskError, Refusal, ScanOutcome};
use urne_kiosk::ui_testing::demo::{self, Fixture};

use crate::hall_lead::{badge, lead, pair};

/// A kiosk of the hall with the same package, joined to `lead` with `role`; its device key is
/// made from `seed`, the one `pair` paired.
fn member(
    dir: &std::path::Path,
    seed: u8,
    role: HallRole,
    lead: &Arc<Mutex<Kiosk>>,
) -> (Kiosk, Arc<LocalLead>) {
    let mut kiosk = Fixture::new(dir).seed(seed).demo().confirm_time().build();
    let fingerprint = SecretKey::from_seed(&[seed; 32]).public().fingerprint();
    let link = Arc::new(LocalLead::new(lead.clone(), fingerprint));
    kiosk.join_hall(role, Box::new(link.clone()));
    (kiosk, link)
}

fn welcome(
    outcome: ScanOutcome,
) -> (
    urne_core::ids::MemberId,
    Vec<urne_kiosk::kiosk::Due>,
    bool,
    bool,
) {
    match outcome {
        ScanOutcome::Welcome {
            member,
            due,
            voted,
            queued,
            ..
        } => (member, due, voted, queued),
        other => panic!("expected a welcome, got {other:?}"),
    }
}

fn pour(due: &[urne_kiosk::kiosk::Due]) -> Vec<BallotCast> {
    due.iter()
        .map(|d| BallotCast {
            member: d.member,
            poll: d.poll.clone(),
            ballot: Ballot::Motion(MotionChoice::For),
        })
        .collect()
}

#[test]
fn a_door_kiosk_checks_in_through_the_lead_and_queues_while_it_does_not_answer() {
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let (mut lead_kiosk, _clock) = lead(dirs[0].path());
    pair(&mut lead_kiosk, 22, HallRole::Door);
    let lead = Arc::new(Mutex::new(lead_kiosk));
    let (mut door, link) = member(dirs[1].path(), 22, HallRole::Door, &lead);
    let members = demo::members();

    let (member, due, _, queued) = welcome(door.scan(&badge(1)).unwrap());
    assert_eq!(member, members[1].id);
    assert!(due.is_empty(), "a door kiosk takes no votes");
    assert!(!queued);
    assert!(
        lead.lock()
            .unwrap()
            .store()
            .is_present(&members[1].id)
            .unwrap()
    );

    link.set_reachable(false);
    let (_, _, _, queued) = welcome(door.scan(&badge(2)).unwrap());
    assert!(queued, "« enregistré, transmission en attente »");
    let before = link.asked();
    let (_, _, _, queued) = welcome(door.scan(&badge(2)).unwrap());
    assert!(queued, "a repeat is harmless");
    assert_eq!(
        link.asked() - before,
        1,
        "with a queue and no lead, a member waits for one request, not for the queue too"
    );
    assert_eq!(door.store().queued_check_ins().unwrap().len(), 1);
    assert!(
        !lead
            .lock()
            .unwrap()
            .store()
            .is_present(&members[2].id)
            .unwrap()
    );
    let forged = door.scan("URNE1:not-a-badge").unwrap();
    assert!(
        matches!(forged, ScanOutcome::Refused(Refusal::Badge(_))),
        "{forged:?}"
    );

    link.set_reachable(true);
    let (_, _, _, queued) = welcome(door.scan(&badge(3)).unwrap());
    assert!(!queued);
    assert!(
        door.store().queued_check_ins().unwrap().is_empty(),
        "the queue went with the next scan"
    );
    let lead = lead.lock().unwrap();
    assert!(lead.store().is_present(&members[2].id).unwrap());
    assert!(lead.store().is_present(&members[3].id).unwrap());
}

#[test]
fn a_voting_kiosk_votes_through_the_lead_once_even_when_an_answer_is_lost() {
    let dirs = [
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    ];
    let (mut lead_kiosk, _clock) = lead(dirs[0].path());
    pair(&mut lead_kiosk, 20, HallRole::Voting);
    pair(&mut lead_kiosk, 21, HallRole::Voting);
    let lead = Arc::new(Mutex::new(lead_kiosk));
    let (mut isoloir, link) = member(dirs[1].path(), 20, HallRole::Voting, &lead);
    let (mut other, _) = member(dirs[2].path(), 21, HallRole::Voting, &lead);

    let (voter, due, _, _) = welcome(isoloir.scan(&badge(0)).unwrap());
    assert_eq!(
        due.len(),
        2,
        "the lead's open polls, not this kiosk's (it opened none)"
    );
    assert_eq!(isoloir.due(&voter).unwrap(), due);
    let busy = other.scan(&badge(0)).unwrap();
    assert_eq!(busy, ScanOutcome::Refused(Refusal::Busy));

    // The lead stores the visit, and its answer is lost on the way back.
    link.lose_next_answer();
    let lost = isoloir.cast_visit(&voter, &pour(&due)).unwrap_err();
    assert!(
        matches!(lost.error, KioskError::Hall(HallProblem::Unreachable)),
        "{:?}",
        lost.error
    );
    // The voter confirms again: the same cast, under the same id, is not stored twice.
    isoloir.cast_visit(&voter, &pour(&due)).unwrap();
    {
        let lead = lead.lock().unwrap();
        for poll in lead.store().open_polls().unwrap() {
            assert_eq!(lead.store().voted_count(&poll).unwrap(), 1);
            assert_eq!(
                lead.store()
                    .sealed_box(&poll)
                    .unwrap()
                    .unwrap()
                    .ciphertexts
                    .len(),
                1
            );
        }
        assert_eq!(lead.hall_kiosks().unwrap()[0].delivered, 2);
    }
    assert!(isoloir.due(&voter).unwrap().is_empty(), "the visit is over");
    let (_, due, voted, _) = welcome(other.scan(&badge(0)).unwrap());
    assert!(due.is_empty() && voted, "« Vous avez déjà voté »");

    // A voter who walks away is released at once for another kiosk.
    let (_, due, _, _) = welcome(isoloir.scan(&badge(1)).unwrap());
    assert_eq!(due.len(), 2);
    isoloir.end_visit();
    let (_, due, _, _) = welcome(other.scan(&badge(1)).unwrap());
    assert_eq!(due.len(), 2);
}

#[test]
fn a_voting_kiosk_whose_lead_does_not_answer_stores_nothing_and_says_so() {
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let (mut lead_kiosk, _clock) = lead(dirs[0].path());
    pair(&mut lead_kiosk, 20, HallRole::Voting);
    let lead = Arc::new(Mutex::new(lead_kiosk));
    let (mut isoloir, link) = member(dirs[1].path(), 20, HallRole::Voting, &lead);
    link.set_reachable(false);
    let refused = isoloir.scan(&badge(0)).unwrap_err();
    assert!(
        matches!(refused, KioskError::Hall(HallProblem::Unreachable)),
        "{refused:?}"
    );
    link.set_reachable(true);
    let (voter, due, _, _) = welcome(isoloir.scan(&badge(0)).unwrap());
    link.set_reachable(false);
    let refused = isoloir.cast_visit(&voter, &pour(&due)).unwrap_err();
    assert!(matches!(
        refused.error,
        KioskError::Hall(HallProblem::Unreachable)
    ));
    assert!(
        isoloir.store().sealed_box(&due[0].poll).unwrap().is_none(),
        "the voting kiosk keeps no ballot"
    );
    let lead = lead.lock().unwrap();
    assert_eq!(lead.store().voted_count(&due[0].poll).unwrap(), 0);
}

#[test]
fn a_voting_kiosk_whose_visit_ended_on_the_lead_drops_it_and_the_voter_starts_again() {
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let (mut lead_kiosk, clock) = lead(dirs[0].path());
    pair(&mut lead_kiosk, 20, HallRole::Voting);
    let lead = Arc::new(Mutex::new(lead_kiosk));
    let (mut isoloir, link) = member(dirs[1].path(), 20, HallRole::Voting, &lead);
    let (voter, due, _, _) = welcome(isoloir.scan(&badge(0)).unwrap());
    assert_eq!(due.len(), 2);

    // The voter took longer than the claim holds: the lead let the visit go.
    clock.advance(urne_kiosk::kiosk::hall::CLAIM_LAPSE_SECS + 1);
    let ended = isoloir.cast_visit(&voter, &pour(&due)).unwrap_err();
    assert!(
        matches!(ended.error, KioskError::Hall(HallProblem::VisitEnded)),
        "{:?}",
        ended.error
    );
    assert!(
        isoloir.due(&voter).unwrap().is_empty(),
        "the grant is void: nothing is left to cast on it"
    );
    let asked = link.asked();
    let again = isoloir.cast_visit(&voter, &pour(&due)).unwrap_err();
    assert!(matches!(
        again.error,
        KioskError::Hall(HallProblem::VisitEnded)
    ));
    assert_eq!(link.asked(), asked, "nothing sent on a void grant");

    let (_, due, _, _) = welcome(isoloir.scan(&badge(0)).unwrap());
    isoloir.cast_visit(&voter, &pour(&due)).unwrap();
    let lead = lead.lock().unwrap();
    assert_eq!(lead.store().voted_count(&due[0].poll).unwrap(), 1);
}

#[test]
fn an_organiser_on_a_member_kiosk_is_sent_to_the_lead_for_the_halls_records() {
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let (mut lead_kiosk, _clock) = lead(dirs[0].path());
    pair(&mut lead_kiosk, 22, HallRole::Door);
    let lead = Arc::new(Mutex::new(lead_kiosk));
    let (mut door, _link) = member(dirs[1].path(), 22, HallRole::Door, &lead);
    demo::unlock(&mut door);
    let members = demo::members();
    let on_lead = |result: Result<(), KioskError>| {
        assert!(
            matches!(result, Err(KioskError::Hall(HallProblem::OnLead))),
            "{result:?}"
        );
    };
    on_lead(
        door.register_walk_in("Nouvelle", "Personne", "")
            .map(|_| ()),
    );
    on_lead(door.grant_proxy(&members[5].id, &members[1].id));
    on_lead(door.revoke_badge(&members[2].id));
    on_lead(door.undo_check_in(&members[1].id).map(|_| ()));
    on_lead(door.attendance_lists().map(|_| ()));
    let poll = door.event().unwrap().polls[2].id.clone();
    on_lead(door.open_poll(&poll));
    on_lead(door.close_poll(&poll).map(|_| ()));
    on_lead(door.export(false).map(|_| ()));
    assert!(
        door.store().proxies().unwrap().is_empty(),
        "nothing written here"
    );
    assert!(
        door.store()
            .audit_chain()
            .unwrap()
            .iter()
            .all(|e| !matches!(e.event, urne_core::audit::AuditEvent::Exported { .. }))
    );
    // The lead, where the organiser acts, takes them.
    let mut lead = lead.lock().unwrap();
    demo::unlock(&mut lead);
    lead.register_walk_in("Nouvelle", "Personne", "").unwrap();
}
