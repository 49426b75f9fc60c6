//! Property tests of the result model: every chart of every kind stays on its scale, and a
//! motion's percentages are its exact shares rounded half up.

use proptest::prelude::*;

use super::{id, model, motion_ballots, poll, w};
use crate::ballot::{Ballot, WeightedBallot};
use crate::chart::{Chart, Share};
use crate::ids::OptionId;
use crate::lang::Lang;
use crate::poll::{BudgetMethod, Poll, PollKind, PollOption, Project};
use crate::rules::MajorityRule;
use crate::tally::TallyContext;

const NNBSP: char = '\u{202F}';

fn ids(n: usize) -> Vec<OptionId> {
    (0..n).map(|i| id(&format!("o{i}"))).collect()
}

fn labelled(n: usize) -> Vec<PollOption> {
    ids(n)
        .into_iter()
        .map(|id| PollOption {
            label: id.as_str().to_uppercase(),
            id,
        })
        .collect()
}

fn motion_case() -> impl Strategy<Value = (Poll, Vec<WeightedBallot>, TallyContext)> {
    let rule = prop_oneof![
        Just(MajorityRule::SIMPLE),
        Just(MajorityRule::ABSOLUTE),
        Just(MajorityRule::TWO_THIRDS),
    ];
    (
        rule,
        any::<bool>(),
        [0u32..60, 0..60, 0..20, 0..20],
        0u64..200,
    )
        .prop_map(|(rule, blank_is_expressed, [f, a, x, b], members)| {
            let rule = MajorityRule {
                blank_is_expressed,
                ..rule
            };
            let p = poll(PollKind::Motion {
                blank_allowed: true,
                rule,
            });
            let context = TallyContext {
                members,
                member_weight: members,
                ..TallyContext::default()
            };
            (p, motion_ballots(f, a, x, b), context)
        })
}

fn any_case() -> impl Strategy<Value = (Poll, Vec<WeightedBallot>, TallyContext)> {
    let counts = (
        2usize..5,
        prop::collection::vec((0usize..5, 1u32..4), 0..20),
    )
        .prop_map(|(n, picks)| {
            let p = poll(PollKind::SingleChoice {
                options: labelled(n),
                blank_allowed: true,
            });
            let ballots = picks
                .into_iter()
                .map(|(i, weight)| match ids(n).get(i) {
                    Some(o) => w(Ballot::Single(o.clone()), weight),
                    None => w(Ballot::Blank, weight),
                })
                .collect();
            (p, ballots, TallyContext::default())
        });
    let merit = (
        2usize..5,
        5u8..=7,
        prop::collection::vec(any::<u64>(), 0..15),
    )
        .prop_map(|(n, grades, seeds)| {
            let p = poll(PollKind::MajorityJudgment {
                candidates: labelled(n),
                grades,
            });
            let ballots = seeds
                .into_iter()
                .map(|seed| {
                    let marks = ids(n).into_iter().enumerate().map(|(c, o)| {
                        let grade = (seed >> (c * 3)) % u64::from(grades);
                        (o, u8::try_from(grade).unwrap())
                    });
                    w(Ballot::Grades(marks.collect()), 1 + (seed % 3) as u32)
                })
                .collect();
            (p, ballots, TallyContext::default())
        });
    let ranking = (2usize..6, prop::collection::vec(any::<u64>(), 0..15)).prop_map(|(n, seeds)| {
        let p = poll(PollKind::Ranking {
            candidates: labelled(n),
        });
        let ballots = seeds
            .into_iter()
            .map(|seed| {
                let rank = |c: usize| (seed >> (c * 3)) as usize % (n + 1);
                let tiers: Vec<Vec<OptionId>> = (0..n)
                    .map(|t| {
                        (0..n)
                            .filter(|&c| rank(c) == t)
                            .map(|c| ids(n)[c].clone())
                            .collect()
                    })
                    .filter(|t: &Vec<OptionId>| !t.is_empty())
                    .collect();
                if tiers.is_empty() {
                    w(Ballot::Blank, 1)
                } else {
                    w(Ballot::Ranking(tiers), 1 + (seed % 3) as u32)
                }
            })
            .collect();
        (p, ballots, TallyContext::default())
    });
    let budget = (
        prop::collection::vec(1u64..80, 1..6),
        1u64..200,
        any::<bool>(),
        prop::collection::vec((any::<u32>(), 1u32..4), 0..15),
    )
        .prop_map(|(costs, total, greedy, masks)| {
            let m = costs.len();
            let projects = ids(m)
                .into_iter()
                .zip(costs)
                .map(|(id, cost)| Project {
                    label: id.as_str().to_uppercase(),
                    id,
                    cost,
                })
                .collect();
            let p = poll(PollKind::Budget {
                projects,
                budget: total,
                method: if greedy {
                    BudgetMethod::Greedy
                } else {
                    BudgetMethod::EqualShares
                },
            });
            let ballots = masks
                .into_iter()
                .map(|(mask, weight)| {
                    let set = (0..m)
                        .filter(|i| mask >> i & 1 == 1)
                        .map(|i| ids(m)[i].clone());
                    w(Ballot::Budget(set.collect()), weight)
                })
                .collect();
            (p, ballots, TallyContext::default())
        });
    prop_oneof![motion_case(), counts, merit, ranking, budget]
}

/// Every share a chart holds, with the scale it must stay within.
fn shares(chart: &Chart) -> Vec<(Share, u64)> {
    match chart {
        Chart::Motion(m) => m
            .bars
            .iter()
            .map(|b| (b.length, m.scale))
            .chain(m.threshold.map(|t| (t, m.scale)))
            .collect(),
        Chart::Counts(c) => c.bars.iter().map(|b| (b.length, c.scale)).collect(),
        Chart::Merit(m) => m
            .rows
            .iter()
            .flat_map(|r| {
                r.segments.iter().map(move |s| {
                    (
                        Share::new(s.start.part + s.length.part, s.length.whole),
                        r.total,
                    )
                })
            })
            .collect(),
        Chart::Ranking(r) => r.rows.iter().map(|x| (x.won, r.others)).collect(),
        Chart::Budget(b) => b
            .rows
            .iter()
            .map(|x| {
                (
                    Share::new(x.start.part + x.length.part, x.length.whole),
                    b.scale,
                )
            })
            .chain([(b.line, b.scale)])
            .collect(),
    }
}

proptest! {
    #[test]
    fn no_share_of_a_chart_exceeds_its_scale((p, ballots, context) in any_case()) {
        let c = model(&p, &ballots, &context);
        for (share, scale) in shares(&c.chart) {
            prop_assert_eq!(share.whole, scale);
            prop_assert!(share.part <= share.whole, "{:?} on {}", share, scale);
            prop_assert!((0.0..=1.0).contains(&share.ratio()));
        }
        if let Chart::Merit(m) = &c.chart {
            for r in &m.rows {
                let drawn: u64 = r.segments.iter().map(|s| s.weight).sum();
                prop_assert_eq!(drawn, r.total, "a profile fills its bar");
            }
        }
    }

    #[test]
    fn a_motions_percentages_are_its_exact_shares_rounded(
        (p, ballots, context) in motion_case()
    ) {
        let c = model(&p, &ballots, &context);
        let Chart::Motion(m) = &c.chart else {
            panic!("a motion chart")
        };
        let mut tenths_sum = 0u128;
        let mut expressed_bars = 0u128;
        for bar in &m.bars {
            prop_assert_eq!(bar.percent.is_some(), bar.in_base && m.expressed > 0);
            let Some(share) = bar.percent else { continue };
            prop_assert_eq!(share, Share::new(bar.value, m.expressed));
            let en = share.percent(Lang::En);
            let digits = en.strip_suffix('%').unwrap().replace('.', "");
            let tenths: u128 = digits.parse().unwrap();
            // Rounded half up: tenths × whole ≤ part × 1000 + whole / 2 < (tenths + 1) × whole.
            let (part, whole) = (u128::from(share.part), u128::from(share.whole));
            prop_assert!(tenths * whole <= part * 1000 + whole / 2);
            prop_assert!(part * 1000 + whole / 2 < (tenths + 1) * whole);
            let fr = share.percent(Lang::Fr);
            prop_assert_eq!(fr, en.replace('.', ",").replace('%', &format!("{NNBSP}%")));
            tenths_sum += tenths;
            expressed_bars += 1;
        }
        if m.expressed > 0 {
            // The expressed answers make the whole, up to half a tenth each.
            prop_assert!(tenths_sum.abs_diff(1000) * 2 <= expressed_bars, "{}", tenths_sum);
        } else {
            prop_assert_eq!(expressed_bars, 0);
        }
    }
}
