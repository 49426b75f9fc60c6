//! The organiser's results screen for every kind of poll: known ballots are cast, each poll is
//! closed from the dashboard, and what the organiser reads out is checked against figures this
//! test computes from the ballots itself — the decision, the winner's row, the bars' counts and
//! percentages, the funded projects, each candidate's majority mention, the Schulze order and
//! the pairwise matrix. Then every chart is laid out at the four screen sizes and checked to
//! stay inside the window without rows overlapping.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::ComponentHandle;
use urne_core::ballot::{Ballot, MotionChoice};
use urne_core::credential::Role;
use urne_core::ids::{OptionId, PollId};
use urne_core::poll::{Poll, PollKind};
use urne_kiosk::generated::Page;
use urne_kiosk::kiosk::{Kiosk, ScanOutcome};
use urne_kiosk::ui_testing::demo::Fixture;
use urne_kiosk::ui_testing::{Harness, demo};
use urne_kiosk::view::ViewOptions;
use urne_papers::badges::Badge;

const WAIT: Duration = Duration::from_secs(10);
/// Narrow thin space before « % » and between thousands, as French typography wants.
const NNBSP: char = '\u{202F}';

fn id(s: &str) -> OptionId {
    OptionId::new(s).unwrap()
}

fn ids(list: &[&str]) -> BTreeSet<OptionId> {
    list.iter().map(|s| id(s)).collect()
}

/// The ballots of the evening, per poll: one per member, in the members' order.
struct Ballots(BTreeMap<&'static str, Vec<Ballot>>);

fn ballots() -> Ballots {
    use MotionChoice::*;
    let motion = |spec: &[(MotionChoice, usize)], blank: usize| -> Vec<Ballot> {
        let mut out: Vec<Ballot> = spec
            .iter()
            .flat_map(|(c, n)| std::iter::repeat_n(Ballot::Motion(*c), *n))
            .collect();
        out.extend(std::iter::repeat_n(Ballot::Blank, blank));
        out
    };
    let single = |spec: &[(&str, usize)], blank: usize| -> Vec<Ballot> {
        let mut out: Vec<Ballot> = spec
            .iter()
            .flat_map(|(o, n)| std::iter::repeat_n(Ballot::Single(id(o)), *n))
            .collect();
        out.extend(std::iter::repeat_n(Ballot::Blank, blank));
        out
    };
    // Majority Judgment: each voter's mention (0 = « À rejeter » … 6 = « Excellent ») for the
    // seven proposals, in the poll's order.
    let candidates = [
        "sante",
        "energie",
        "ecoles",
        "breton",
        "exil",
        "logement",
        "environnement",
    ];
    let grades: [[u8; 7]; 5] = [
        [6, 4, 3, 2, 4, 5, 0],
        [5, 4, 3, 1, 3, 6, 1],
        [5, 5, 2, 3, 3, 4, 1],
        [4, 2, 4, 2, 2, 5, 0],
        [3, 3, 1, 2, 5, 4, 2],
    ];
    let mj = grades
        .iter()
        .map(|row| {
            Ballot::Grades(
                candidates
                    .iter()
                    .zip(row)
                    .map(|(c, g)| (id(c), *g))
                    .collect(),
            )
        })
        .collect();
    // Complete rankings, so that every duel is decided by five voters.
    let ranking = |order: &[&str]| Ballot::Ranking(order.iter().map(|c| vec![id(c)]).collect());
    let first = [
        "justice",
        "logement",
        "emploi",
        "democratie",
        "education",
        "genre",
        "exclusion",
    ];
    let rankings = vec![
        ranking(&first),
        ranking(&first),
        ranking(&[
            "logement",
            "justice",
            "education",
            "emploi",
            "democratie",
            "exclusion",
            "genre",
        ]),
        ranking(&[
            "justice",
            "emploi",
            "logement",
            "democratie",
            "genre",
            "education",
            "exclusion",
        ]),
        ranking(&[
            "emploi",
            "justice",
            "logement",
            "education",
            "democratie",
            "genre",
            "exclusion",
        ]),
    ];
    // Participatory budget: eight voters all approve the same three projects, which fit in the
    // 20 000 €; two of them also want the market gardeners.
    let shared = ["local", "velorution", "bibliotheque"];
    let mut budget: Vec<Ballot> = (0..6).map(|_| Ballot::Budget(ids(&shared))).collect();
    budget.extend(
        (0..2).map(|_| Ballot::Budget(ids(&["local", "velorution", "bibliotheque", "maraichers"]))),
    );
    Ballots(BTreeMap::from([
        ("charte", motion(&[(For, 7), (Against, 3), (Abstain, 2)], 1)),
        (
            "statuts",
            motion(&[(For, 5), (Against, 3), (Abstain, 1)], 0),
        ),
        (
            "lieu",
            single(&[("bellevue", 2), ("bourderie", 5), ("hermeland", 3)], 1),
        ),
        (
            "animation-energie",
            vec![
                Ballot::Approval(ids(&["tanguy", "diallo"])),
                Ballot::Approval(ids(&["tanguy", "quere", "diallo"])),
                Ballot::Approval(ids(&["diallo"])),
                Ballot::Approval(ids(&["ben-salah", "diallo"])),
                Ballot::Approval(ids(&["tanguy", "moreau"])),
            ],
        ),
        ("priorites", mj),
        ("ateliers", rankings),
        ("budget", budget),
    ]))
}

/// A kiosk where `present` members are present (the demo's quorum is 50), every poll is open
/// and the ballots above are cast, one per member.
fn kiosk(dir: &std::path::Path, present: usize) -> (Kiosk, Vec<Poll>) {
    let mut k = Fixture::new(dir).seed(7).demo().present(present).build();
    let all = demo::badges();
    let members: Vec<&Badge> = all.iter().filter(|b| b.role == Role::Participant).collect();
    let organiser = all.iter().find(|b| b.role == Role::Organiser).unwrap();
    let ScanOutcome::Organiser { organiser, .. } = k.scan(&organiser.payload).unwrap() else {
        panic!("organiser badge")
    };
    k.unlock(&organiser, "123456").unwrap();
    // The test machine's clock may not be synchronised (like a Pi booted offline): the
    // organiser confirms the time before opening polls, as on a kiosk.
    k.confirm_clock(0).unwrap();
    let polls = k.event().unwrap().polls.clone();
    for poll in &polls {
        k.open_poll(&poll.id).unwrap();
    }
    for (poll, list) in ballots().0 {
        for (member, ballot) in members.iter().zip(list) {
            k.cast(&member.id, &member.id, &PollId::new(poll).unwrap(), ballot)
                .unwrap();
        }
    }
    k.lock();
    (k, polls)
}

/// Closes `poll` from the dashboard, which shows its result.
fn close(h: &Harness, poll: &Poll) {
    h.tap(&format!("Clore le scrutin : {}", poll.question));
    assert!(h.wait_for_page(Page::Result, WAIT), "{}", poll.id);
    h.settle();
}

/// The chart row (one per answer, option, project or candidate) labelled `label`.
fn row(h: &Harness, label: &str) -> ElementHandle {
    let rows: Vec<ElementHandle> = h
        .find(label)
        .into_iter()
        .filter(|e| e.accessible_role() == Some(AccessibleRole::ListItem))
        .collect();
    assert_eq!(rows.len(), 1, "one chart row labelled « {label} »");
    rows[0].clone()
}

fn value(h: &Harness, label: &str) -> String {
    row(h, label)
        .accessible_value()
        .unwrap_or_default()
        .to_string()
}

fn description(h: &Harness, label: &str) -> String {
    row(h, label)
        .accessible_description()
        .unwrap_or_default()
        .to_string()
}

fn label_of(poll: &Poll, option: &str) -> String {
    poll.kind.label_of(&id(option)).unwrap().to_owned()
}

/// `part / whole` with one decimal, French style.
fn percent(part: usize, whole: usize) -> String {
    let tenths = (part * 1000 + whole / 2) / whole;
    format!("{},{}{NNBSP}%", tenths / 10, tenths % 10)
}

fn euros(amount: u64) -> String {
    let digits = amount.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(NNBSP);
        }
        out.push(c);
    }
    out + "\u{00A0}€"
}

fn check_motions(h: &Harness, polls: &[Poll], all: &Ballots) {
    for poll_id in ["charte", "statuts"] {
        let poll = polls.iter().find(|p| p.id.as_str() == poll_id).unwrap();
        let list = &all.0[poll_id];
        let n = |c: MotionChoice| list.iter().filter(|b| **b == Ballot::Motion(c)).count();
        let (pour, contre) = (n(MotionChoice::For), n(MotionChoice::Against));
        let expressed = pour + contre;
        // « charte »: more than half; « statuts »: at least two thirds (the demo's rules).
        let required = if poll_id == "charte" {
            expressed / 2 + 1
        } else {
            (2 * expressed).div_ceil(3)
        };
        close(h, poll);
        let adopted = pour >= required;
        assert!(
            h.shows(if adopted { "Adoptée" } else { "Rejetée" }),
            "{poll_id}: the decision in big letters"
        );
        assert_eq!(value(h, "Pour"), pour.to_string());
        assert_eq!(value(h, "Contre"), contre.to_string());
        assert_eq!(value(h, "Abstention"), n(MotionChoice::Abstain).to_string());
        assert!(
            h.shows(&percent(pour, expressed)),
            "{poll_id}: « pour » in %"
        );
        assert!(
            h.shows(&format!("Majorité requise : {required} voix pour")),
            "{poll_id}: the threshold line is named"
        );
        assert!(h.shows_containing(&format!("Suffrages exprimés : {expressed}")));
        if poll_id == "charte" {
            // The organiser switches to English on the result: the arithmetic follows.
            h.tap("English");
            assert!(h.wait_for(
                if adopted {
                    "Decision: adopted."
                } else {
                    "Decision: rejected."
                },
                WAIT
            ));
            assert!(h.shows(&format!("Majority required: {required} votes for")));
            assert!(h.shows_containing(&format!("Votes expressed: {expressed}")));
            let english_percent = percent(pour, expressed)
                .replace(',', ".")
                .replace("\u{202F}%", "%");
            assert!(h.shows(&english_percent), "percentages follow the language");
            h.tap("Français");
            assert!(h.wait_for(
                if adopted {
                    "Décision : adoptée."
                } else {
                    "Décision : rejetée."
                },
                WAIT
            ));
        }
        h.tap("Retour au tableau de bord");
        assert!(h.wait_for_page(Page::Dashboard, WAIT));
    }
}

fn check_counts(h: &Harness, polls: &[Poll], all: &Ballots) {
    for poll_id in ["lieu", "animation-energie"] {
        let poll = polls.iter().find(|p| p.id.as_str() == poll_id).unwrap();
        let list = &all.0[poll_id];
        let options: Vec<OptionId> = match &poll.kind {
            PollKind::SingleChoice { options, .. } | PollKind::Approval { options, .. } => {
                options.iter().map(|o| o.id.clone()).collect()
            }
            _ => unreachable!(),
        };
        let votes = |o: &OptionId| {
            list.iter()
                .filter(|b| match b {
                    Ballot::Single(c) => c == o,
                    Ballot::Approval(set) => set.contains(o),
                    _ => false,
                })
                .count()
        };
        let voters = list.iter().filter(|b| **b != Ballot::Blank).count();
        let best = options.iter().map(votes).max().unwrap();
        close(h, poll);
        for o in &options {
            let name = label_of(poll, o.as_str());
            assert_eq!(value(h, &name), votes(o).to_string(), "{name}");
            let leads = votes(o) == best;
            assert_eq!(
                description(h, &name),
                if leads { "En tête" } else { "" },
                "{name}: only the winner's row is highlighted"
            );
            assert!(h.shows(&percent(votes(o), voters)), "{name} in %");
        }
        let winner = options.iter().find(|o| votes(o) == best).unwrap();
        assert!(
            h.find(&label_of(poll, winner.as_str())).len() >= 2,
            "the winner is named in big letters as well as in its row"
        );
        h.tap("Retour au tableau de bord");
        assert!(h.wait_for_page(Page::Dashboard, WAIT));
    }
}

fn check_majority_judgment(h: &Harness, polls: &[Poll], all: &Ballots) {
    let poll = polls.iter().find(|p| p.id.as_str() == "priorites").unwrap();
    let PollKind::MajorityJudgment { candidates, .. } = &poll.kind else {
        unreachable!()
    };
    let mentions = [
        "À rejeter",
        "Insuffisant",
        "Passable",
        "Assez bien",
        "Bien",
        "Très bien",
        "Excellent",
    ];
    close(h, poll);
    let mut seen = Vec::new();
    for c in candidates {
        let mut grades: Vec<u8> = all.0["priorites"]
            .iter()
            .map(|b| match b {
                Ballot::Grades(g) => g[&c.id],
                _ => unreachable!(),
            })
            .collect();
        grades.sort();
        // The lower median.
        let majority = grades[grades.len().div_ceil(2) - 1];
        assert_eq!(
            value(h, &c.label),
            mentions[usize::from(majority)],
            "{}: its majority mention",
            c.label
        );
        let rank: u32 = description(h, &c.label)
            .strip_prefix("Rang ")
            .unwrap()
            .parse()
            .unwrap();
        seen.push((majority, rank, row(h, &c.label).absolute_position().y));
    }
    for a in &seen {
        for b in &seen {
            if a.0 > b.0 {
                assert!(a.1 < b.1, "a better majority mention ranks first");
                assert!(a.2 < b.2, "and is drawn higher up");
            }
        }
    }
    h.tap("Retour au tableau de bord");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
}

fn check_ranking(h: &Harness, polls: &[Poll], all: &Ballots) {
    let poll = polls.iter().find(|p| p.id.as_str() == "ateliers").unwrap();
    let PollKind::Ranking { candidates } = &poll.kind else {
        unreachable!()
    };
    let position = |b: &Ballot, c: &OptionId| match b {
        Ballot::Ranking(tiers) => tiers.iter().position(|t| t.contains(c)),
        _ => None,
    };
    // d[a][b]: voters ranking a above b (every ballot is complete).
    let d = |a: &OptionId, b: &OptionId| {
        all.0["ateliers"]
            .iter()
            .filter(|ballot| position(ballot, a) < position(ballot, b))
            .count()
    };
    let beats = |a: &OptionId, b: &OptionId| d(a, b) > d(b, a);
    // The ballots were chosen so that the majority relation is a strict order (no cycle); Schulze
    // then ranks by it, each candidate after the ones that beat it.
    for a in candidates {
        for b in candidates {
            for c in candidates {
                if beats(&a.id, &b.id) && beats(&b.id, &c.id) {
                    assert!(beats(&a.id, &c.id), "the test's ballots have no cycle");
                }
            }
        }
    }
    close(h, poll);
    for a in candidates {
        let beaten_by = candidates.iter().filter(|b| beats(&b.id, &a.id)).count();
        assert_eq!(
            value(h, &a.label),
            (beaten_by + 1).to_string(),
            "{}: its place",
            a.label
        );
        let wins = candidates.iter().filter(|b| beats(&a.id, &b.id)).count();
        assert_eq!(
            description(h, &a.label),
            format!("{wins} duel(s) gagné(s) sur {}", candidates.len() - 1)
        );
        for b in candidates.iter().filter(|b| b.id != a.id) {
            let cell = h.find(&format!("{} face à {}", a.label, b.label));
            assert_eq!(cell.len(), 1, "one cell for {} – {}", a.label, b.label);
            assert_eq!(
                cell[0].accessible_value().unwrap().to_string(),
                d(&a.id, &b.id).to_string()
            );
            assert_eq!(
                cell[0].accessible_description().unwrap().to_string(),
                if beats(&a.id, &b.id) {
                    "gagné"
                } else {
                    "perdu"
                }
            );
        }
    }
    let winner = candidates
        .iter()
        .find(|a| {
            candidates
                .iter()
                .all(|b| a.id == b.id || beats(&a.id, &b.id))
        })
        .expect("a Condorcet winner");
    assert!(h.shows_containing(&format!("Vainqueur de Condorcet : {}", winner.label)));
    h.tap("Retour au tableau de bord");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
}

fn check_budget(h: &Harness, polls: &[Poll], all: &Ballots) {
    let poll = polls.iter().find(|p| p.id.as_str() == "budget").unwrap();
    let PollKind::Budget {
        projects, budget, ..
    } = &poll.kind
    else {
        unreachable!()
    };
    let list = &all.0["budget"];
    let approvals = |p: &OptionId| {
        list.iter()
            .filter(|b| matches!(b, Ballot::Budget(set) if set.contains(p)))
            .count()
    };
    close(h, poll);
    let mut spent = 0;
    let mut funded = 0;
    for p in projects {
        assert_eq!(value(h, &p.label), euros(p.cost), "{}: its cost", p.label);
        let n = approvals(&p.id);
        assert!(h.shows(&format!("{n} voix")), "{}: its approvals", p.label);
        let is_funded = description(h, &p.label) == "Financé";
        // Every voter approves these: they fit in the budget, so Equal Shares funds them.
        if n == list.len() {
            assert!(is_funded, "{} is approved by all", p.label);
        }
        if n == 0 {
            assert!(!is_funded, "{}: nobody approved it", p.label);
        }
        if is_funded {
            spent += p.cost;
            funded += 1;
        }
    }
    assert!(spent <= *budget);
    assert!(h.shows(&format!("{funded} projets financés")));
    assert!(h.shows(&format!(
        "{} engagés sur {} · reste {}",
        euros(spent),
        euros(*budget),
        euros(budget - spent)
    )));
    assert!(h.shows(&format!("Budget : {}", euros(*budget))));
    h.tap("Retour au tableau de bord");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
}

/// Every chart row of the screen lies inside the window's width, and no two rows overlap.
fn check_fits(h: &Harness, what: &str, width: u32) {
    let rows = i_slint_backend_testing::ElementQuery::from_root(&h.window)
        .match_descendants()
        .match_accessible_role(AccessibleRole::ListItem)
        .find_all();
    assert!(!rows.is_empty(), "{what}: rows on screen");
    let mut spans = Vec::new();
    let mut seen = Vec::new();
    for r in &rows {
        let (pos, size) = (r.absolute_position(), r.size());
        // The query may meet one row through several of its handles: count it once.
        let place = (pos.x, pos.y, size.width, size.height);
        if seen.contains(&place) {
            continue;
        }
        seen.push(place);
        assert!(
            pos.x >= 0.0 && pos.x + size.width <= width as f32 + 0.5,
            "{what} at {width} px: « {} » runs off the screen ({} + {})",
            r.accessible_label().unwrap_or_default(),
            pos.x,
            size.width
        );
        assert!(size.height > 0.0);
        spans.push((pos.y, pos.y + size.height));
    }
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    for pair in spans.windows(2) {
        assert!(
            pair[0].1 <= pair[1].0 + 0.5,
            "{what} at {width} px: rows overlap: {spans:?}"
        );
    }
}

#[test]
fn the_results_of_every_kind_of_poll_read_as_counted() {
    let dir = tempfile::tempdir().unwrap();
    let (kiosk, polls) = kiosk(dir.path(), 55);
    let all = ballots();
    // Tall, so that every row of the longest chart is on screen (the testing backend finds only
    // what is in view).
    let h = Harness::new(kiosk, ViewOptions::default(), 1280, 4000);
    h.unlock();
    check_motions(&h, &polls, &all);
    check_counts(&h, &polls, &all);
    check_majority_judgment(&h, &polls, &all);
    check_ranking(&h, &polls, &all);
    check_budget(&h, &polls, &all);

    for poll in &polls {
        h.tap(&format!("Résultat du scrutin : {}", poll.question));
        assert!(h.wait_for_page(Page::Result, WAIT));
        h.settle();
        for large in [false, true] {
            // The larger-text mode must fit too.
            h.window
                .global::<urne_kiosk::generated::Theme>()
                .set_large_text(large);
            for width in [720, 800, 1024, 1280] {
                h.resize(width, 4000);
                check_fits(&h, poll.id.as_str(), width);
            }
        }
        h.window
            .global::<urne_kiosk::generated::Theme>()
            .set_large_text(false);
        h.resize(1280, 4000);
        h.tap("Retour au tableau de bord");
        assert!(h.wait_for_page(Page::Dashboard, WAIT));
    }
    h.shutdown();
}

/// The single-choice poll of the demo with `spec` ballots, counted by urne-core.
fn counted(spec: &[(&str, usize)]) -> (Poll, urne_core::tally::PollResult) {
    let poll = urne_kiosk::demo::package()
        .package
        .event
        .polls
        .iter()
        .find(|p| p.id.as_str() == "lieu")
        .unwrap()
        .clone();
    let ballots: Vec<urne_core::ballot::WeightedBallot> = spec
        .iter()
        .flat_map(|(o, n)| {
            std::iter::repeat_n(
                urne_core::ballot::WeightedBallot::single(Ballot::Single(id(o))),
                *n,
            )
        })
        .collect();
    let result = urne_core::tally::tally(&poll, &ballots, &Default::default()).unwrap();
    (poll, result)
}

#[test]
fn tied_options_are_all_highlighted_and_empty_polls_draw_nothing_misleading() {
    use urne_core::figures::percent;
    use urne_core::tally::Lang;
    use urne_kiosk::view::result_bars;

    let (poll, result) = counted(&[("bellevue", 4), ("bourderie", 4), ("hermeland", 1)]);
    let (bars, marker, base) = result_bars(&poll, &result, Lang::Fr);
    assert_eq!(base, 9);
    assert!(marker < 0.0, "no threshold line for a single choice");
    let winners: Vec<bool> = bars.iter().map(|b| b.winner).collect();
    assert_eq!(
        winners,
        [true, true, false, false],
        "both tied options, not blank"
    );
    assert_eq!(bars[0].percent.as_str(), format!("44,4{NNBSP}%"));
    assert!((bars[0].share - 1.0).abs() < f32::EPSILON);

    let (poll, result) = counted(&[]);
    let (bars, _, base) = result_bars(&poll, &result, Lang::En);
    assert_eq!(base, 0);
    assert!(
        bars.iter()
            .all(|b| !b.winner && b.share == 0.0 && b.percent.is_empty())
    );

    assert_eq!(percent(2, 3, Lang::Fr), format!("66,7{NNBSP}%"));
    assert_eq!(percent(1, 8, Lang::En), "12.5%");
    assert_eq!(percent(0, 0, Lang::En), "");
}

#[test]
fn without_the_quorum_the_counts_are_shown_but_nothing_is_decided() {
    let dir = tempfile::tempdir().unwrap();
    // Twenty members in the hall: far from the quorum of 50.
    let (kiosk, polls) = kiosk(dir.path(), 20);
    let all = ballots();
    let h = Harness::new(kiosk, ViewOptions::default(), 1280, 4000);
    h.unlock();
    let charte = polls.iter().find(|p| p.id.as_str() == "charte").unwrap();
    close(&h, charte);
    assert!(h.shows("Quorum non atteint"));
    assert!(!h.shows("Adoptée"));
    let pour = all.0["charte"]
        .iter()
        .filter(|b| **b == Ballot::Motion(MotionChoice::For))
        .count();
    assert_eq!(
        value(&h, "Pour"),
        pour.to_string(),
        "the counts stay visible"
    );
    assert!(h.shows_containing("Quorum à la clôture : 20 membres comptés pour 50 requis"));

    h.tap("Retour au tableau de bord");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
    let lieu = polls.iter().find(|p| p.id.as_str() == "lieu").unwrap();
    close(&h, lieu);
    assert!(h.shows("Quorum non atteint"));
    let PollKind::SingleChoice { options, .. } = &lieu.kind else {
        unreachable!()
    };
    for o in options {
        assert_eq!(
            description(&h, &o.label),
            "",
            "{}: no option is put in the lead",
            o.label
        );
    }
    h.shutdown();
}
