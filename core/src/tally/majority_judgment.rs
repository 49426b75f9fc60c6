//! Majority Judgment (jugement majoritaire): merit profiles, majority grades and the full
//! Balinski–Laraki ranking.
//!
//! # Method
//!
//! Every voter gives every candidate one mention; grade `0` is the worst mention and
//! `grades - 1` the best. A ballot of weight `w` counts as `w` identical judgments. For each
//! candidate the engine builds the *merit profile* (the weight given to each grade).
//!
//! * **Majority grade.** With the `N` judgments of a candidate sorted from worst to best, the
//!   majority grade is the one at position `⌊(N + 1) / 2⌋` (1-based): the median when `N` is odd
//!   and the **lower** median when `N` is even, as Balinski and Laraki define it (*Majority
//!   Judgment*, MIT Press 2011, ch. 13). It is the best grade that a majority (at least half) of
//!   the judgments support.
//! * **Ties between candidates** are broken by the Balinski–Laraki procedure: remove one
//!   judgment equal to the majority grade from every tied candidate and compare the new majority
//!   grades, again and again. The higher grade ranks first at the first step where they differ.
//!   This is the lexicographic order of each candidate's *majority value* (the sequence of
//!   successive majority grades).
//! * **Exact, with weights.** The engine never materialises the judgments. Removing the lower
//!   median repeatedly visits the sorted positions outwards from `L = ⌊(N + 1) / 2⌋`: `L, L-1,
//!   L+1, L-2, …` when `N` is odd and `L, L+1, L-1, L+2, …` when `N` is even. All candidates have
//!   the same `N`, so two majority values first differ at the position closest to `L` (in that
//!   visiting order) where the two sorted lists differ; the profiles are step functions of the
//!   position, so that position is found by walking the grade boundaries, in `O(grades)`.
//! * **Tiers.** Candidates whose majority values are equal all the way — that is, candidates
//!   with identical merit profiles — share a tier; tiers are listed best first and, inside a
//!   tier, candidates keep the poll's order. There is no random tie-break: when the first tier
//!   has several candidates the decision is a tie and the assembly decides.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::{Decision, Details, PollResult, draft};
use crate::ballot::{Ballot, WeightedBallot};
use crate::ids::OptionId;
use crate::poll::PollOption;

/// The counts of a Majority Judgment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MajorityJudgmentDetails {
    /// Number of mentions on the scale (5 to 7).
    pub grades: u8,
    /// Total weight of the judgments each candidate received (the same for every candidate).
    pub judgments: u64,
    /// One merit profile per candidate, in the poll's order.
    pub candidates: Vec<MeritProfile>,
}

/// What one candidate received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeritProfile {
    /// The candidate.
    pub id: OptionId,
    /// Weight of the judgments per grade, indexed by grade (`0` is the worst mention), so that a
    /// screen can draw each mention's share.
    pub profile: Vec<u64>,
    /// The majority grade (lower median); absent when nobody voted.
    pub majority_grade: Option<u8>,
    /// Weight of the judgments strictly better than the majority grade.
    pub above: u64,
    /// Weight of the judgments strictly worse than the majority grade.
    pub below: u64,
    /// The candidate's tier in the ranking, 1 for the first.
    pub rank: u32,
}

/// Counts the judgments and ranks the candidates.
pub(super) fn count(
    candidates: &[PollOption],
    grades: u8,
    ballots: &[WeightedBallot],
) -> PollResult {
    let n = candidates.len();
    let g = usize::from(grades);
    // Flat `n × g` table of weights, row = candidate in poll order.
    let mut table = vec![0u64; n * g];
    // A validated judgment grades exactly the poll's candidates, and a map iterates its keys in
    // sorted order: the i-th entry of every ballot is the i-th candidate by id. Looking that up
    // once keeps the counting loop free of string comparisons.
    let mut by_id: Vec<usize> = (0..n).collect();
    by_id.sort_by(|&a, &b| candidates[a].id.cmp(&candidates[b].id));
    let mut judgments: u64 = 0;
    for b in ballots {
        let Ballot::Grades(map) = &b.ballot else {
            continue;
        };
        let w = u64::from(b.weight);
        judgments += w;
        if map.len() == n {
            for (i, (_, &grade)) in map.iter().enumerate() {
                table[by_id[i] * g + usize::from(grade).min(g - 1)] += w;
            }
        } else {
            // Unreachable after validation; kept correct rather than fast.
            for (id, &grade) in map {
                if let Some(c) = candidates.iter().position(|c| &c.id == id) {
                    table[c * g + usize::from(grade).min(g - 1)] += w;
                }
            }
        }
    }
    let profiles: Vec<&[u64]> = table.chunks(g).collect();
    // Stable sort: candidates with equal majority values keep the poll's order.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| compare(profiles[b], profiles[a]).ordering);
    let mut tiers: Vec<Vec<usize>> = Vec::new();
    for &c in &order {
        match tiers.last_mut() {
            Some(tier) if profiles[tier[0]] == profiles[c] => tier.push(c),
            _ => tiers.push(vec![c]),
        }
    }
    let mut rank = vec![0u32; n];
    for (t, tier) in tiers.iter().enumerate() {
        for &c in tier {
            rank[c] = u32::try_from(t + 1).unwrap_or(u32::MAX);
        }
    }
    let details = MajorityJudgmentDetails {
        grades,
        judgments,
        candidates: candidates
            .iter()
            .enumerate()
            .map(|(c, option)| {
                let profile = profiles[c].to_vec();
                let majority = majority_grade(&profile);
                let (above, below) = match majority {
                    Some(m) => (
                        profile[usize::from(m) + 1..].iter().sum(),
                        profile[..usize::from(m)].iter().sum(),
                    ),
                    None => (0, 0),
                };
                MeritProfile {
                    id: option.id.clone(),
                    profile,
                    majority_grade: majority,
                    above,
                    below,
                    rank: rank[c],
                }
            })
            .collect(),
    };
    let ranking: Vec<Vec<OptionId>> = tiers
        .iter()
        .map(|tier| tier.iter().map(|&c| candidates[c].id.clone()).collect())
        .collect();
    let (decision, winners) = if judgments == 0 {
        (Decision::NoVotes, Vec::new())
    } else {
        let first = ranking.first().cloned().unwrap_or_default();
        let decision = if first.len() == 1 {
            Decision::Decided
        } else {
            Decision::Tie
        };
        (decision, first)
    };
    let mut result = draft(decision, winners, Details::MajorityJudgment(details));
    result.ranking = Some(ranking);
    result
}

/// The lower median of a profile, or `None` for an empty one.
fn majority_grade(profile: &[u64]) -> Option<u8> {
    let total: u64 = profile.iter().sum();
    if total == 0 {
        return None;
    }
    grade_at(profile, total.div_ceil(2))
}

/// The grade at 1-based position `pos` of the judgments sorted from worst to best.
fn grade_at(profile: &[u64], pos: u64) -> Option<u8> {
    let mut seen = 0u64;
    for (grade, &w) in profile.iter().enumerate() {
        seen += w;
        if seen >= pos {
            return u8::try_from(grade).ok();
        }
    }
    None
}

/// How two candidates compare, and where their majority values part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Comparison {
    /// `Greater` when the first candidate ranks above the second.
    pub(super) ordering: Ordering,
    /// How many median judgments were removed before the majority grades differed (`None`
    /// when the profiles are identical).
    pub(super) removed: Option<u64>,
    /// The two majority grades at that step.
    pub(super) grades: Option<(u8, u8)>,
}

/// Compares the majority values of two profiles of the same total weight, exactly.
pub(super) fn compare(a: &[u64], b: &[u64]) -> Comparison {
    let total: u64 = a.iter().sum();
    debug_assert_eq!(total, b.iter().sum::<u64>());
    let same = Comparison {
        ordering: Ordering::Equal,
        removed: None,
        grades: None,
    };
    if total == 0 || a == b {
        return same;
    }
    // Boundaries: after position `cum[k]` (1-based, inclusive) the grade becomes > k. Between
    // two consecutive boundaries of either profile both grades are constant.
    let mut cuts: Vec<u64> = Vec::with_capacity(2 * a.len() + 2);
    let (mut ca, mut cb) = (0u64, 0u64);
    for k in 0..a.len() {
        ca += a[k];
        cb += b[k];
        cuts.push(ca);
        cuts.push(cb);
    }
    cuts.push(0);
    cuts.sort_unstable();
    cuts.dedup();
    // Segments (lo, hi] on which both grades are constant and differ.
    let differing: Vec<(u64, u64)> = cuts
        .windows(2)
        .filter(|w| w[0] < w[1] && grade_at(a, w[1]) != grade_at(b, w[1]))
        .map(|w| (w[0], w[1]))
        .collect();
    let l = total.div_ceil(2);
    // The differing position closest to the median on each side, as a distance from `l`.
    let mut low: Option<u64> = None; // position l - j, j >= 0
    let mut high: Option<u64> = None; // position l + j, j >= 1
    for &(lo, hi) in &differing {
        // Positions lo+1 ..= hi.
        if lo < l {
            let nearest = hi.min(l);
            let j = l - nearest;
            low = Some(low.map_or(j, |x: u64| x.min(j)));
        }
        if hi > l {
            let nearest = (lo + 1).max(l + 1);
            let j = nearest - l;
            high = Some(high.map_or(j, |x: u64| x.min(j)));
        }
    }
    // Step (0-based) at which each position is removed.
    let odd = total % 2 == 1;
    let low_step = low.map(|j| {
        if j == 0 {
            0
        } else if odd {
            2 * j - 1
        } else {
            2 * j
        }
    });
    let high_step = high.map(|j| if odd { 2 * j } else { 2 * j - 1 });
    let (step, pos) = match (low_step, high_step) {
        (Some(s), Some(h)) if s <= h => (s, l - low.unwrap_or(0)),
        (Some(s), None) => (s, l - low.unwrap_or(0)),
        (_, Some(h)) => (h, l + high.unwrap_or(0)),
        (None, None) => return same,
    };
    let ga = grade_at(a, pos).unwrap_or(0);
    let gb = grade_at(b, pos).unwrap_or(0);
    Comparison {
        ordering: ga.cmp(&gb),
        removed: Some(step),
        grades: Some((ga, gb)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expands a profile into the sorted list of judgments (test oracle only).
    fn expand(profile: &[u64]) -> Vec<u8> {
        profile
            .iter()
            .enumerate()
            .flat_map(|(g, &w)| std::iter::repeat_n(u8::try_from(g).unwrap(), w as usize))
            .collect()
    }

    /// The literal Balinski–Laraki procedure on materialised judgments.
    fn majority_value(profile: &[u64]) -> Vec<u8> {
        let mut sorted = expand(profile);
        let mut out = Vec::new();
        while !sorted.is_empty() {
            let i = sorted.len().div_ceil(2) - 1;
            out.push(sorted.remove(i));
        }
        out
    }

    #[test]
    fn majority_grade_is_the_lower_median() {
        // Judgments 0,1,2,3: the lower median is 1.
        assert_eq!(majority_grade(&[1, 1, 1, 1, 0]), Some(1));
        // Judgments 0,1,2: the median is 1.
        assert_eq!(majority_grade(&[1, 1, 1, 0, 0]), Some(1));
        assert_eq!(majority_grade(&[0, 0, 0, 0, 0]), None);
        assert_eq!(majority_grade(&[0, 0, 0, 0, 4]), Some(4));
    }

    #[test]
    fn compare_agrees_with_the_literal_procedure() {
        // Every pair of profiles of total weight 1..=6 over three grades.
        let mut profiles = Vec::new();
        for total in 1..=6u64 {
            for a in 0..=total {
                for b in 0..=total - a {
                    profiles.push(vec![a, b, total - a - b]);
                }
            }
        }
        for p in &profiles {
            for q in &profiles {
                if p.iter().sum::<u64>() != q.iter().sum::<u64>() {
                    continue;
                }
                let (mp, mq) = (majority_value(p), majority_value(q));
                let c = compare(p, q);
                assert_eq!(c.ordering, mp.cmp(&mq), "{p:?} vs {q:?}");
                if let Some(k) = c.removed {
                    let k = k as usize;
                    assert!(
                        mp[..k] == mq[..k] && mp[k] != mq[k],
                        "{p:?} vs {q:?} at {k}"
                    );
                    assert_eq!(c.grades, Some((mp[k], mq[k])));
                }
            }
        }
    }

    #[test]
    fn weights_multiply_judgments() {
        let candidates: Vec<PollOption> = ["a", "b"]
            .iter()
            .map(|s| PollOption {
                id: OptionId::new(*s).unwrap(),
                label: s.to_uppercase(),
            })
            .collect();
        let grades = |a: u8, b: u8| {
            Ballot::Grades(
                [
                    (OptionId::new("a").unwrap(), a),
                    (OptionId::new("b").unwrap(), b),
                ]
                .into_iter()
                .collect(),
            )
        };
        let ballots = vec![
            WeightedBallot {
                ballot: grades(4, 0),
                weight: 3,
            },
            WeightedBallot {
                ballot: grades(0, 4),
                weight: 2,
            },
        ];
        let r = count(&candidates, 5, &ballots);
        assert_eq!(r.decision, Decision::Decided);
        assert_eq!(r.winners, vec![OptionId::new("a").unwrap()]);
        let Details::MajorityJudgment(d) = &r.details else {
            panic!("majority judgment details expected")
        };
        assert_eq!(d.judgments, 5);
        assert_eq!(d.candidates[0].profile, vec![2, 0, 0, 0, 3]);
        assert_eq!(d.candidates[0].majority_grade, Some(4));
        assert_eq!(d.candidates[1].majority_grade, Some(0));
    }

    #[test]
    fn identical_profiles_share_a_tier() {
        let a = [1, 2, 0, 3, 1];
        let c = compare(&a, &a);
        assert_eq!(c.ordering, Ordering::Equal);
        assert_eq!(c.removed, None);
    }
}
