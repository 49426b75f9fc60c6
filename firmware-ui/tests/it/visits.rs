//! A visit is all or nothing: the ballots a voter confirms (theirs and their proxies') are
//! stored together or not at all, a visit begun and never stored is told at the next scan, and a
//! member who has voted is told so rather than « aucun scrutin ».

use urne_core::ballot::{Ballot, MotionChoice};
use urne_core::ids::PollId;
use urne_kiosk::kiosk::{BallotCast, Kiosk, KioskError, ScanOutcome};
use urne_kiosk::ui_testing::demo::{self, Fixture};

/// The demo kiosk with its first two motions (charte, statuts) open.
fn kiosk(dir: &std::path::Path) -> Kiosk {
    Fixture::new(dir)
        .seed(4)
        .demo()
        .confirm_time()
        .open_polls(&[0, 1])
        .build()
}

fn welcome(kiosk: &mut Kiosk, payload: &str) -> ScanOutcome {
    let outcome = kiosk.scan(payload).unwrap();
    assert!(
        matches!(outcome, ScanOutcome::Welcome { .. }),
        "{outcome:?}"
    );
    outcome
}

fn motion(member: urne_core::ids::MemberId, poll: &str) -> BallotCast {
    BallotCast {
        member,
        poll: PollId::new(poll).unwrap(),
        ballot: Ballot::Motion(MotionChoice::For),
    }
}

#[test]
fn a_visit_refused_in_its_second_ballot_stores_nothing_of_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut kiosk = kiosk(dir.path());
    let members = demo::members();
    let ScanOutcome::Welcome { member, due, .. } = welcome(&mut kiosk, &members[0].payload) else {
        unreachable!()
    };
    assert_eq!(due.len(), 2);
    let ScanOutcome::Welcome { member: other, .. } = welcome(&mut kiosk, &members[1].payload)
    else {
        unreachable!()
    };
    // The second ballot is for a member whose proxy she does not hold.
    let refused = kiosk
        .cast_visit(
            &member,
            &[motion(member, "charte"), motion(other, "statuts")],
        )
        .unwrap_err();
    assert_eq!(refused.at, Some(1));
    assert!(matches!(refused.error, KioskError::NoProxy));
    assert_eq!(
        kiosk.due(&member).unwrap().len(),
        2,
        "her first ballot was not kept"
    );

    kiosk
        .cast_visit(
            &member,
            &[motion(member, "charte"), motion(member, "statuts")],
        )
        .unwrap();
    assert!(kiosk.due(&member).unwrap().is_empty());
    // Casting the same visit again changes nothing, and says which ballot was already cast.
    let again = kiosk
        .cast_visit(
            &member,
            &[motion(member, "charte"), motion(member, "statuts")],
        )
        .unwrap_err();
    assert_eq!(again.at, Some(0));
    assert!(matches!(again.error, KioskError::AlreadyVoted));
}

#[test]
fn a_visit_with_two_ballots_for_one_poll_is_refused_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut kiosk = kiosk(dir.path());
    let ScanOutcome::Welcome { member, .. } = welcome(&mut kiosk, &demo::members()[0].payload)
    else {
        unreachable!()
    };
    // What a hostile or faulty kiosk of the hall could send: the same vote twice.
    let refused = kiosk
        .cast_visit(
            &member,
            &[
                motion(member, "charte"),
                motion(member, "statuts"),
                motion(member, "charte"),
            ],
        )
        .unwrap_err();
    assert_eq!(refused.at, Some(2));
    assert!(matches!(refused.error, KioskError::AlreadyVoted));
    assert_eq!(kiosk.due(&member).unwrap().len(), 2, "nothing was stored");
}

#[test]
fn a_visit_cut_off_is_told_once_at_the_next_scan() {
    let dir = tempfile::tempdir().unwrap();
    let agnes = demo::members()[0].payload.clone();
    {
        let mut kiosk = kiosk(dir.path());
        let ScanOutcome::Welcome {
            member, unrecorded, ..
        } = welcome(&mut kiosk, &agnes)
        else {
            unreachable!()
        };
        assert!(!unrecorded);
        kiosk.begin_visit(&member).unwrap();
        // The power goes: the kiosk is dropped with her ballots never confirmed.
    }
    let mut kiosk = Fixture::new(dir.path()).seed(4).build();
    let ScanOutcome::Welcome {
        due, unrecorded, ..
    } = welcome(&mut kiosk, &agnes)
    else {
        unreachable!()
    };
    assert!(unrecorded, "the next scan says her vote was not recorded");
    assert_eq!(due.len(), 2, "and both ballots are hers to cast again");
    let ScanOutcome::Welcome { unrecorded, .. } = welcome(&mut kiosk, &agnes) else {
        unreachable!()
    };
    assert!(!unrecorded, "told once, not at every scan");
}

#[test]
fn a_member_who_voted_is_told_so_rather_than_no_poll() {
    let dir = tempfile::tempdir().unwrap();
    let members = demo::members();
    let mut kiosk = Fixture::new(dir.path())
        .seed(4)
        .demo()
        .confirm_time()
        .build();
    let ScanOutcome::Welcome { member, voted, .. } = welcome(&mut kiosk, &members[0].payload)
    else {
        unreachable!()
    };
    assert!(!voted, "no poll is open: nothing to have voted in");
    demo::open_polls(&mut kiosk, &[0, 1]);
    kiosk.begin_visit(&member).unwrap();
    kiosk
        .cast_visit(
            &member,
            &[motion(member, "charte"), motion(member, "statuts")],
        )
        .unwrap();
    let ScanOutcome::Welcome {
        due,
        voted,
        unrecorded,
        ..
    } = welcome(&mut kiosk, &members[0].payload)
    else {
        unreachable!()
    };
    assert!(due.is_empty() && voted && !unrecorded);
    // Another member, who has not voted, is not told they have.
    let ScanOutcome::Welcome { due, voted, .. } = welcome(&mut kiosk, &members[1].payload) else {
        unreachable!()
    };
    assert_eq!(due.len(), 2);
    assert!(!voted);
}
