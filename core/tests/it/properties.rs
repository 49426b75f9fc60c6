//! Property tests of the tally engines: order invariance, Condorcet consistency, budgets never
//! exceeded, and the monotonicity properties the methods promise.

use proptest::prelude::*;
use urne_core::ballot::{Ballot, MotionChoice, WeightedBallot};
use urne_core::ids::{OptionId, PollId};
use urne_core::poll::{BudgetMethod, Poll, PollKind, PollOption, Project};
use urne_core::rules::MajorityRule;
use urne_core::tally::{Decision, Details, PollResult, TallyContext, tally};

fn id(i: usize) -> OptionId {
    OptionId::new(format!("o{i}")).unwrap()
}

fn options(n: usize) -> Vec<PollOption> {
    (0..n)
        .map(|i| PollOption {
            id: id(i),
            label: format!("Option {i}"),
        })
        .collect()
}

fn poll(kind: PollKind) -> Poll {
    Poll {
        id: PollId::new("p").unwrap(),
        question: "Q ?".into(),
        kind,
    }
}

fn count(poll: &Poll, ballots: &[WeightedBallot]) -> PollResult {
    tally(poll, ballots, &TallyContext::default()).unwrap()
}

fn bytes(result: &PollResult) -> Vec<u8> {
    serde_json::to_vec(result).unwrap()
}

/// A ranking from one rank per candidate (`n` = unranked); blank when nothing is ranked.
fn ranking(ranks: &[usize]) -> Ballot {
    let n = ranks.len();
    let tiers: Vec<Vec<OptionId>> = (0..n)
        .map(|t| {
            (0..n)
                .filter(|&c| ranks[c] == t)
                .map(id)
                .collect::<Vec<_>>()
        })
        .filter(|tier| !tier.is_empty())
        .collect();
    if tiers.is_empty() {
        Ballot::Blank
    } else {
        Ballot::Ranking(tiers)
    }
}

fn weighted(ballot: Ballot, weight: u32) -> WeightedBallot {
    WeightedBallot { ballot, weight }
}

/// `n` candidates and 1..=30 ranking ballots.
fn rankings() -> impl Strategy<Value = (usize, Vec<WeightedBallot>)> {
    (2usize..=5).prop_flat_map(|n| {
        let ballot = (prop::collection::vec(0..=n, n), 1u32..=3)
            .prop_map(|(ranks, w)| weighted(ranking(&ranks), w));
        (Just(n), prop::collection::vec(ballot, 1..30))
    })
}

/// `n` candidates, a scale, and 1..=30 judgments.
fn judgments() -> impl Strategy<Value = (usize, u8, Vec<WeightedBallot>)> {
    (2usize..=5, 5u8..=7).prop_flat_map(|(n, g)| {
        let ballot = (prop::collection::vec(0..g, n), 1u32..=3).prop_map(|(grades, w)| {
            weighted(
                Ballot::Grades(
                    grades
                        .iter()
                        .enumerate()
                        .map(|(c, &x)| (id(c), x))
                        .collect(),
                ),
                w,
            )
        });
        (Just(n), Just(g), prop::collection::vec(ballot, 1..30))
    })
}

fn projects(costs: &[u64]) -> Vec<Project> {
    costs
        .iter()
        .enumerate()
        .map(|(i, &cost)| Project {
            id: id(i),
            label: format!("Projet {i}"),
            cost,
        })
        .collect()
}

fn approvals(mask: u32, m: usize) -> Ballot {
    Ballot::Budget((0..m).filter(|i| mask >> i & 1 == 1).map(id).collect())
}

/// Project costs, a budget and 1..=25 approval ballots (as bit masks, for easy editing).
fn budgets() -> impl Strategy<Value = (Vec<u64>, u64, Vec<(u32, u32)>)> {
    (1usize..=6).prop_flat_map(|m| {
        (
            prop::collection::vec(1u64..=60, m),
            1u64..=200,
            prop::collection::vec((0u32..(1 << m), 1u32..=3), 1..25),
        )
    })
}

fn budget_ballots(masks: &[(u32, u32)], m: usize) -> Vec<WeightedBallot> {
    masks
        .iter()
        .map(|&(mask, w)| weighted(approvals(mask, m), w))
        .collect()
}

fn budget_details(r: &PollResult) -> &urne_core::tally::BudgetDetails {
    match &r.details {
        Details::Budget(d) => d,
        _ => panic!("budget details expected"),
    }
}

/// The same ballots in another order, chosen by `seed`.
fn shuffled(ballots: &[WeightedBallot], seed: u64) -> Vec<WeightedBallot> {
    let mut v = ballots.to_vec();
    let mut s = seed | 1;
    for i in (1..v.len()).rev() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        v.swap(i, (s % (i as u64 + 1)) as usize);
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn schulze_ignores_ballot_order((n, ballots) in rankings(), seed in any::<u64>()) {
        let p = poll(PollKind::Ranking { candidates: options(n) });
        prop_assert_eq!(bytes(&count(&p, &ballots)), bytes(&count(&p, &shuffled(&ballots, seed))));
    }

    #[test]
    fn majority_judgment_ignores_ballot_order((n, g, ballots) in judgments(), seed in any::<u64>()) {
        let p = poll(PollKind::MajorityJudgment { candidates: options(n), grades: g });
        prop_assert_eq!(bytes(&count(&p, &ballots)), bytes(&count(&p, &shuffled(&ballots, seed))));
    }

    #[test]
    fn budgets_ignore_ballot_order((costs, budget, masks) in budgets(), seed in any::<u64>()) {
        let ballots = budget_ballots(&masks, costs.len());
        for method in [BudgetMethod::Greedy, BudgetMethod::EqualShares] {
            let p = poll(PollKind::Budget { projects: projects(&costs), budget, method });
            prop_assert_eq!(
                bytes(&count(&p, &ballots)),
                bytes(&count(&p, &shuffled(&ballots, seed)))
            );
        }
    }

    #[test]
    fn other_kinds_ignore_ballot_order(
        choices in prop::collection::vec((0usize..4, 1u32..=3), 1..30),
        seed in any::<u64>(),
    ) {
        let motion = poll(PollKind::Motion { blank_allowed: true, rule: MajorityRule::SIMPLE });
        let single = poll(PollKind::SingleChoice { options: options(3), blank_allowed: true });
        let approval = poll(PollKind::Approval {
            options: options(3), min: 1, max: 3, blank_allowed: true,
        });
        let motions: Vec<WeightedBallot> = choices.iter().map(|&(c, w)| weighted(match c {
            0 => Ballot::Motion(MotionChoice::For),
            1 => Ballot::Motion(MotionChoice::Against),
            2 => Ballot::Motion(MotionChoice::Abstain),
            _ => Ballot::Blank,
        }, w)).collect();
        let singles: Vec<WeightedBallot> = choices.iter().map(|&(c, w)| weighted(
            if c == 3 { Ballot::Blank } else { Ballot::Single(id(c)) }, w)).collect();
        let approvals: Vec<WeightedBallot> = choices.iter().map(|&(c, w)| weighted(
            if c == 3 { Ballot::Blank } else {
                Ballot::Approval((0..=c.min(2)).map(id).collect())
            }, w)).collect();
        for (p, b) in [(&motion, &motions), (&single, &singles), (&approval, &approvals)] {
            prop_assert_eq!(bytes(&count(p, b)), bytes(&count(p, &shuffled(b, seed))));
        }
    }

    /// The Condorcet winner, computed here directly from the ballots, always wins alone.
    #[test]
    fn a_condorcet_winner_always_wins_schulze((n, ballots) in rankings()) {
        let mut d = vec![vec![0u64; n]; n];
        for b in &ballots {
            let Ballot::Ranking(tiers) = &b.ballot else { continue };
            let rank = |c: usize| tiers.iter().position(|t| t.contains(&id(c))).unwrap_or(n);
            for (i, row) in d.iter_mut().enumerate() {
                for (j, cell) in row.iter_mut().enumerate() {
                    if rank(i) < rank(j) {
                        *cell += u64::from(b.weight);
                    }
                }
            }
        }
        let condorcet = (0..n).find(|&i| (0..n).all(|j| j == i || d[i][j] > d[j][i]));
        let r = count(&poll(PollKind::Ranking { candidates: options(n) }), &ballots);
        let Details::Schulze(details) = &r.details else { panic!("Schulze details expected") };
        prop_assert_eq!(&details.pairwise, &d);
        if let Some(w) = condorcet {
            prop_assert_eq!(r.decision, Decision::Decided);
            prop_assert_eq!(&r.winners, &vec![id(w)]);
            prop_assert_eq!(&details.condorcet_winner, &Some(id(w)));
        } else {
            prop_assert_eq!(&details.condorcet_winner, &None);
        }
    }

    #[test]
    fn budgets_are_never_exceeded((costs, budget, masks) in budgets()) {
        let ballots = budget_ballots(&masks, costs.len());
        for method in [BudgetMethod::Greedy, BudgetMethod::EqualShares] {
            let r = count(&poll(PollKind::Budget { projects: projects(&costs), budget, method }), &ballots);
            let d = budget_details(&r);
            let funded_cost: u64 = d.projects.iter().filter(|p| p.funded).map(|p| p.cost).sum();
            prop_assert!(funded_cost <= budget, "{method:?} spent {funded_cost} of {budget}");
            prop_assert_eq!(d.spent, funded_cost);
            prop_assert_eq!(d.remaining, budget - funded_cost);
            prop_assert_eq!(r.funded.as_ref().unwrap().len(), d.projects.iter().filter(|p| p.funded).count());
            // Nobody approved it, nobody pays for it.
            prop_assert!(d.projects.iter().all(|p| !p.funded || p.approvals > 0));
            if method == BudgetMethod::EqualShares
                && let Some(before) = &d.funded_before_completion
            {
                    let cost: u64 = before.iter()
                        .map(|i| d.projects.iter().find(|p| &p.id == i).unwrap().cost)
                        .sum();
                    prop_assert!(cost <= budget);
            }
        }
    }

    #[test]
    fn greedy_keeps_its_projects_when_an_unfunded_project_loses_approvals(
        (costs, budget, masks) in budgets(),
        pick in any::<prop::sample::Index>(),
    ) {
        let m = costs.len();
        let kind = |_: ()| PollKind::Budget {
            projects: projects(&costs), budget, method: BudgetMethod::Greedy,
        };
        let r = count(&poll(kind(())), &budget_ballots(&masks, m));
        let d = budget_details(&r);
        let unfunded: Vec<usize> = (0..m).filter(|&i| !d.projects[i].funded).collect();
        if !unfunded.is_empty() {
            let q = unfunded[pick.index(unfunded.len())];
            let edited: Vec<(u32, u32)> = masks.iter().map(|&(mask, w)| (mask & !(1 << q), w)).collect();
            let r2 = count(&poll(kind(())), &budget_ballots(&edited, m));
            let d2 = budget_details(&r2);
            for i in 0..m {
                if d.projects[i].funded {
                    prop_assert!(d2.projects[i].funded, "project {i} lost its funding");
                }
            }
        }
    }

    #[test]
    fn majority_judgment_winner_ignores_a_candidate_everyone_rejects((n, g, ballots) in judgments()) {
        let before = count(&poll(PollKind::MajorityJudgment { candidates: options(n), grades: g }), &ballots);
        let extended: Vec<WeightedBallot> = ballots.iter().map(|b| {
            let Ballot::Grades(map) = &b.ballot else { unreachable!("judgments only") };
            let mut map = map.clone();
            map.insert(id(n), 0);
            weighted(Ballot::Grades(map), b.weight)
        }).collect();
        let after = count(
            &poll(PollKind::MajorityJudgment { candidates: options(n + 1), grades: g }),
            &extended,
        );
        let Details::MajorityJudgment(d) = &before.details else { panic!("MJ details expected") };
        // The newcomer can only join a first tier whose candidates were all rejected by everyone.
        let all_rejected = before.winners.iter().all(|w| {
            let c = d.candidates.iter().find(|c| &c.id == w).unwrap();
            c.profile.iter().skip(1).all(|&x| x == 0)
        });
        let mut expected = before.winners.clone();
        if all_rejected {
            expected.push(id(n));
        }
        prop_assert_eq!(&after.winners, &expected);
    }
}

/// Weighted ballots of every kind of poll, with heavy weights (delegates carrying mandates).
fn weighted_boxes() -> impl Strategy<Value = Vec<(usize, u32)>> {
    prop::collection::vec((0usize..8, 1u32..=12), 1..40)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Counting the classes (content, total weight) with the number of ballots gives exactly
    /// the result of counting the ballots, for every kind of poll.
    #[test]
    fn the_classes_count_as_the_ballots(picks in weighted_boxes(), m in 2usize..=5) {
        let motion = poll(PollKind::Motion { blank_allowed: true, rule: MajorityRule::SIMPLE });
        let single = poll(PollKind::SingleChoice { options: options(m), blank_allowed: true });
        let approval = poll(PollKind::Approval {
            options: options(m), min: 1, max: u32::try_from(m).unwrap(), blank_allowed: true,
        });
        let judgment = poll(PollKind::MajorityJudgment { candidates: options(m), grades: 5 });
        let ranked = poll(PollKind::Ranking { candidates: options(m) });
        let costs: Vec<u64> = (0..m).map(|i| 10 + 7 * i as u64).collect();
        let boxes: Vec<(Poll, Vec<WeightedBallot>)> = vec![
            (motion, picks.iter().map(|&(c, w)| weighted(match c % 4 {
                0 => Ballot::Motion(MotionChoice::For),
                1 => Ballot::Motion(MotionChoice::Against),
                2 => Ballot::Motion(MotionChoice::Abstain),
                _ => Ballot::Blank,
            }, w)).collect()),
            (single, picks.iter().map(|&(c, w)| weighted(
                if c % (m + 1) == m { Ballot::Blank } else { Ballot::Single(id(c % (m + 1))) }, w,
            )).collect()),
            (approval, picks.iter().map(|&(c, w)| weighted(
                Ballot::Approval((0..=c % m).map(id).collect()), w,
            )).collect()),
            (judgment, picks.iter().map(|&(c, w)| weighted(Ballot::Grades(
                (0..m).map(|i| (id(i), u8::try_from((c + i * 3) % 5).unwrap())).collect(),
            ), w)).collect()),
            (ranked, picks.iter().map(|&(c, w)| {
                let ranks: Vec<usize> = (0..m).map(|i| (c + i) % (m + 1)).collect();
                weighted(ranking(&ranks), w)
            }).collect()),
        ];
        let mut all = boxes;
        for method in [BudgetMethod::Greedy, BudgetMethod::EqualShares] {
            let p = poll(PollKind::Budget { projects: projects(&costs), budget: 40, method });
            let masks: Vec<(u32, u32)> = picks.iter()
                .map(|&(c, w)| (u32::try_from(c).unwrap() % (1 << m), w)).collect();
            all.push((p, budget_ballots(&masks, m)));
        }
        for (p, ballots) in &all {
            let classes = urne_core::tally::classes_of(ballots).unwrap();
            prop_assert!(classes.len() <= ballots.len());
            let n = u64::try_from(ballots.len()).unwrap();
            let from_classes = urne_core::tally::tally_classes(
                p, &classes, n, &TallyContext::default(),
            ).unwrap();
            prop_assert_eq!(bytes(&from_classes), bytes(&count(p, ballots)), "{}", p.kind.name());
        }
    }
}

#[test]
fn classes_that_repeat_a_content_or_cannot_hold_the_ballots_are_refused() {
    let p = poll(PollKind::Motion {
        blank_allowed: true,
        rule: MajorityRule::SIMPLE,
    });
    let yes = |w| weighted(Ballot::Motion(MotionChoice::For), w);
    let ctx = TallyContext::default();
    let refused = Err(urne_core::tally::ClassesError::NotClasses);
    assert_eq!(
        urne_core::tally::tally_classes(&p, &[yes(2), yes(3)], 5, &ctx),
        refused
    );
    // Two classes hold at least two ballots, and 12 mandates at most 12.
    let no = weighted(Ballot::Motion(MotionChoice::Against), 10);
    assert_eq!(
        urne_core::tally::tally_classes(&p, &[yes(2), no.clone()], 1, &ctx),
        refused
    );
    assert_eq!(
        urne_core::tally::tally_classes(&p, &[yes(2), no.clone()], 13, &ctx),
        refused
    );
    assert!(urne_core::tally::tally_classes(&p, &[yes(2), no], 12, &ctx).is_ok());
}
