//! Renders each screen of the evening with the software renderer to `docs/screenshots/`, so
//! that the README and the docs show what a voter and an organiser really see; the results
//! screen of every kind of poll at 800×480 and 1280×800.

use std::path::PathBuf;
use std::time::Duration;

use slint::ComponentHandle;
use urne_core::ballot::{Ballot, MotionChoice};
use urne_core::credential::Role;
use urne_core::ids::OptionId;
use urne_core::poll::PollKind;
use urne_kiosk::generated::Page;
use urne_kiosk::kiosk::ScanOutcome;
use urne_kiosk::ui_testing::Harness;
use urne_kiosk::ui_testing::demo::Fixture;
use urne_kiosk::view::ViewOptions;
use urne_papers::badges::issue_all;

const WAIT: Duration = Duration::from_secs(10);

fn shots() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots")
}

#[test]
fn the_screens_of_the_thread_are_rendered() {
    let dir = tempfile::tempdir().unwrap();
    let mut kiosk = Fixture::new(dir.path()).seed(9).demo().build();
    // The test machine's clock may not be synchronised (like a Pi booted offline): the
    // organiser has confirmed the time, as on a kiosk.
    urne_kiosk::ui_testing::demo::confirm_time(&mut kiosk);
    let fingerprint = kiosk.device_fingerprint().to_hex();
    let badges = issue_all(
        &urne_kiosk::demo::package().package,
        &urne_kiosk::demo::organiser_key(),
    );
    let organiser = badges.iter().find(|b| b.role == Role::Organiser).unwrap();
    let h = Harness::new(
        kiosk,
        ViewOptions {
            export_target: "/media/urne/CLE-USB".into(),
            device_fingerprint: fingerprint,
            ..ViewOptions::default()
        },
        1024,
        600,
    );
    let out = shots();
    h.snapshot(&out.join("idle.png"));

    // The door: 55 members arrive, so that the quorum (50) is reached when the poll opens.
    let members: Vec<_> = badges
        .iter()
        .filter(|b| b.role == Role::Participant)
        .collect();
    for badge in members.iter().skip(5).take(50) {
        h.scan(&badge.payload);
        assert!(h.wait_for(&format!("Bonjour {} !", badge.name), WAIT));
    }
    h.tap("Terminer");

    h.scan(&organiser.payload);
    assert!(h.wait_for_page(Page::Pin, WAIT));
    for d in "12".chars() {
        h.tap(&d.to_string());
    }
    h.snapshot(&out.join("pin.png"));
    for d in "3456".chars() {
        h.tap(&d.to_string());
    }
    h.tap("Valider");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
    let charte = "Adopter la charte de l'Assemblée populaire (version du 12 novembre)";
    h.tap(&format!("Ouvrir le scrutin : {charte}"));
    assert!(h.wait_for(&format!("Clore le scrutin : {charte}"), WAIT));
    h.tap("Verrouiller");

    for (i, badge) in badges
        .iter()
        .filter(|b| b.role == Role::Participant)
        .take(5)
        .enumerate()
    {
        h.scan(&badge.payload);
        assert!(h.wait_for(&format!("Bonjour {} !", badge.name), WAIT));
        if i == 0 {
            h.snapshot(&out.join("welcome.png"));
        }
        h.tap("Voter");
        h.tap(if i < 4 { "Pour" } else { "Contre" });
        if i == 0 {
            h.snapshot(&out.join("ballot-motion.png"));
        }
        h.tap("Continuer");
        if i == 0 {
            h.snapshot(&out.join("review.png"));
        }
        h.tap("Confirmer mon vote");
        assert!(h.wait_for("A voté !", WAIT));
        if i == 0 {
            h.snapshot(&out.join("voted.png"));
        }
        h.tap("Terminer");
    }

    h.scan("URNE:AQFORGED");
    assert!(h.wait_for_page(Page::Refused, WAIT));
    h.snapshot(&out.join("refused.png"));
    h.tap("Compris");

    h.scan(&organiser.payload);
    assert!(h.wait_for_page(Page::Pin, WAIT));
    for d in "123456".chars() {
        h.tap(&d.to_string());
    }
    h.tap("Valider");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
    // The figures come from the worker just after the page shows.
    assert!(h.wait_for("Ouvert · 5 votant(s)", WAIT));
    h.snapshot(&out.join("dashboard.png"));
    h.tap(&format!("Clore le scrutin : {charte}"));
    assert!(h.wait_for_page(Page::Result, WAIT));
    h.snapshot(&out.join("result-motion.png"));
    h.shutdown();
}

/// A plausible evening's ballot for member number `i` in `kind`: spread over the answers by a
/// fixed pseudo-random sequence, so that the pictures are the same on every run.
fn evening_ballot(kind: &PollKind, i: u64) -> Ballot {
    // SplitMix64 from the member's number: neighbouring members get unrelated draws.
    let mut state = i;
    let mut next = move |n: u64| {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n
    };
    let pick = |options: &[OptionId], weights: &[u64], r: u64| {
        let total: u64 = weights.iter().sum();
        let mut r = r % total;
        for (o, w) in options.iter().zip(weights) {
            if r < *w {
                return o.clone();
            }
            r -= w;
        }
        options[0].clone()
    };
    match kind {
        PollKind::Motion { blank_allowed, .. } => match next(20) {
            0..=11 => Ballot::Motion(MotionChoice::For),
            12..=16 => Ballot::Motion(MotionChoice::Against),
            19 if *blank_allowed => Ballot::Blank,
            _ => Ballot::Motion(MotionChoice::Abstain),
        },
        PollKind::SingleChoice { options, .. } => {
            let ids: Vec<OptionId> = options.iter().map(|o| o.id.clone()).collect();
            if next(25) == 0 {
                Ballot::Blank
            } else {
                Ballot::Single(pick(&ids, &[5, 3, 8], next(1000)))
            }
        }
        PollKind::Approval { options, max, .. } => {
            let weights = [7, 3, 5, 2, 6];
            let mut set = std::collections::BTreeSet::new();
            for (o, w) in options.iter().zip(weights) {
                if next(10) < w && (set.len() as u64) < u64::from(*max) {
                    set.insert(o.id.clone());
                }
            }
            if set.is_empty() {
                set.insert(options[0].id.clone());
            }
            Ballot::Approval(set)
        }
        PollKind::MajorityJudgment { candidates, grades } => {
            let bias = [5, 4, 3, 1, 2, 4, 3];
            Ballot::Grades(
                candidates
                    .iter()
                    .zip(bias)
                    .map(|(c, b)| {
                        let spread = next(5) as i64 - 2;
                        let g = (b + spread).clamp(0, i64::from(*grades) - 1);
                        (c.id.clone(), g as u8)
                    })
                    .collect(),
            )
        }
        PollKind::Ranking { candidates } => {
            let mut scored: Vec<(u64, OptionId)> = candidates
                .iter()
                .enumerate()
                .map(|(k, c)| {
                    let favour = [3, 4, 6, 1, 2, 7, 5][k % 7];
                    (favour * 10 + next(35), c.id.clone())
                })
                .collect();
            scored.sort_by_key(|s| std::cmp::Reverse(s.0));
            Ballot::Ranking(scored.into_iter().take(5).map(|(_, id)| vec![id]).collect())
        }
        PollKind::Budget { projects, .. } => {
            let weights = [5, 6, 4, 7, 3, 8];
            let mut set = std::collections::BTreeSet::new();
            for (p, w) in projects.iter().zip(weights) {
                if next(10) < w {
                    set.insert(p.id.clone());
                }
            }
            if set.is_empty() {
                set.insert(projects[0].id.clone());
            }
            Ballot::Budget(set)
        }
    }
}

#[test]
fn the_results_of_every_kind_of_poll_are_rendered() {
    let dir = tempfile::tempdir().unwrap();
    let mut kiosk = Fixture::new(dir.path()).seed(8).demo().build();
    let badges = issue_all(
        &urne_kiosk::demo::package().package,
        &urne_kiosk::demo::organiser_key(),
    );
    let members: Vec<_> = badges
        .iter()
        .filter(|b| b.role == Role::Participant)
        .take(62)
        .collect();
    for b in &members {
        kiosk.scan(&b.payload).unwrap();
    }
    let organiser = badges.iter().find(|b| b.role == Role::Organiser).unwrap();
    let ScanOutcome::Organiser { organiser: who, .. } = kiosk.scan(&organiser.payload).unwrap()
    else {
        panic!("organiser badge")
    };
    kiosk.unlock(&who, "123456").unwrap();
    // The test machine's clock may not be synchronised (like a Pi booted offline): the
    // organiser confirms the time before opening polls, as on a kiosk.
    kiosk.confirm_clock(0).unwrap();
    let polls = kiosk.event().unwrap().polls.clone();
    for poll in &polls {
        kiosk.open_poll(&poll.id).unwrap();
        for (i, m) in members.iter().enumerate().take(58) {
            let ballot = evening_ballot(&poll.kind, i as u64 * 7 + poll.question.len() as u64);
            kiosk.cast(&m.id, &m.id, &poll.id, ballot).unwrap();
        }
    }
    kiosk.lock();

    let h = Harness::new(kiosk, ViewOptions::default(), 1280, 800);
    h.scan(&organiser.payload);
    assert!(h.wait_for_page(Page::Pin, WAIT));
    for d in "123456".chars() {
        h.tap(&d.to_string());
    }
    h.tap("Valider");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
    let out = shots();
    // One poll of each kind (the second motion is like the first).
    let mut kinds = std::collections::BTreeSet::new();
    for poll in &polls {
        // Tall while navigating: the testing backend finds only what is in view.
        h.resize(1280, 2000);
        h.tap(&format!("Clore le scrutin : {}", poll.question));
        assert!(h.wait_for_page(Page::Result, WAIT));
        h.settle();
        let kind = poll.kind.name();
        if kinds.insert(kind) {
            h.resize(1280, 800);
            h.snapshot(&out.join(format!("result-{kind}-1280x800.png")));
            h.resize(800, 480);
            h.snapshot(&out.join(format!("result-{kind}-800x480.png")));
            if let Some(extra) = std::env::var_os("URNE_SHOTS_EXTRA") {
                // For reviewing whole charts by eye: tall and portrait renders, and high contrast.
                let extra = PathBuf::from(extra);
                for (w, hgt) in [(800, 2400), (720, 1280), (1024, 600)] {
                    h.resize(w, hgt);
                    h.snapshot(&extra.join(format!("result-{kind}-{w}x{hgt}.png")));
                }
                h.window
                    .global::<urne_kiosk::generated::Theme>()
                    .set_high_contrast(true);
                h.resize(800, 2400);
                h.snapshot(&extra.join(format!("result-{kind}-hc.png")));
                h.window
                    .global::<urne_kiosk::generated::Theme>()
                    .set_high_contrast(false);
                h.window
                    .global::<urne_kiosk::generated::Theme>()
                    .set_large_text(true);
                h.resize(720, 2400);
                h.snapshot(&extra.join(format!("result-{kind}-large.png")));
                h.window
                    .global::<urne_kiosk::generated::Theme>()
                    .set_large_text(false);
            }
        }
        h.tap("Retour au tableau de bord");
        assert!(h.wait_for_page(Page::Dashboard, WAIT));
    }
    h.shutdown();
}
