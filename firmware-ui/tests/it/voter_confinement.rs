//! Nothing a voter can reach leads to the organiser's screens: a long random walk taps every
//! kind of button on the voter's screens (and scans members' badges, a forged one and nothing)
//! and the kiosk never leaves the voter's pages.

use std::time::Duration;

use i_slint_backend_testing::{AccessibleRole, ElementQuery};
use urne_kiosk::generated::Page;
use urne_kiosk::ui_testing::demo::Fixture;
use urne_kiosk::ui_testing::{Harness, demo};
use urne_kiosk::view::ViewOptions;

const STEPS: usize = 300;

/// The pages a voter may see.
const VOTER_PAGES: [Page; 7] = [
    Page::Idle,
    Page::Welcome,
    Page::Refused,
    Page::Ballot,
    Page::Review,
    Page::Voted,
    Page::Goodbye,
];

#[test]
fn a_voter_tapping_anything_never_reaches_the_organiser_screens() {
    let dir = tempfile::tempdir().unwrap();
    let mut kiosk = Fixture::new(dir.path()).seed(8).demo().build();
    let every_poll: Vec<usize> = (0..kiosk.event().unwrap().polls.len()).collect();
    demo::open_polls(&mut kiosk, &every_poll);
    let members: Vec<String> = demo::members()
        .iter()
        .take(12)
        .map(|b| b.payload.clone())
        .collect();

    // Tall, so that every answer of every ballot can be tapped.
    let h = Harness::new(kiosk, ViewOptions::default(), 1280, 2200);
    // A fixed-seed generator: the walk is the same on every run.
    let mut seed: u64 = 0x005e_ed0f_0ba1_1075;
    let mut next = move |n: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(seed >> 33).unwrap() % n.max(1)
    };
    let mut tapped = std::collections::BTreeSet::new();
    for step in 0..STEPS {
        if step % 12 == 0 {
            // Someone walks up with a badge (or a forged one).
            match next(4) {
                0 => h.scan("URNE:AQFORGED"),
                _ => h.scan(&members[next(members.len())]),
            }
        } else {
            let buttons: Vec<_> = ElementQuery::from_root(&h.window)
                .match_descendants()
                .match_accessible_role(AccessibleRole::Button)
                .find_all()
                .into_iter()
                .filter(|b| {
                    b.accessible_enabled() != Some(false)
                        && b.accessible_label().is_some_and(|l| !l.is_empty())
                })
                .collect();
            if let Some(button) = buttons.get(next(buttons.len())) {
                tapped.insert(button.accessible_label().unwrap().to_string());
                button.invoke_accessible_default_action();
            }
        }
        while h.view.wait(Duration::from_millis(30)) {}
        let page = h.page();
        assert!(
            VOTER_PAGES.contains(&page),
            "step {step}: a voter reached the {page:?} page (buttons tapped so far: {tapped:?})"
        );
    }
    // The walk went through the ballot screens, not only the idle one (in either language:
    // the walk taps the language switch too).
    for (fr, en) in [
        ("Voter", "Vote"),
        ("Continuer", "Continue"),
        ("Pour", "For"),
    ] {
        assert!(
            tapped.contains(fr) || tapped.contains(en),
            "never tapped « {fr} »: {tapped:?}"
        );
    }
    h.shutdown();
}
