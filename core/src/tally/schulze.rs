//! Ranked ballots counted by the Schulze method (Condorcet–Schulze, "beatpath").
//!
//! # Method
//!
//! * **Ballots.** A ballot lists tiers from most to least preferred; candidates in one tier are
//!   tied. Candidates left off the ballot rank below every ranked candidate, tied among
//!   themselves. A blank ballot expresses no preference: it is counted and reported, and adds
//!   nothing to the matrix. A ballot of weight `w` counts `w` times.
//! * **Pairwise matrix.** `d[i][j]` is the weight of the ballots that rank `i` strictly above
//!   `j`. Candidates are indexed in the poll's order.
//! * **Link strength: winning votes.** The direct link `i → j` has strength `d[i][j]` when
//!   `d[i][j] > d[j][i]` and `0` otherwise (Schulze 2011, §2.1, the "winning votes" measure).
//! * **Strongest paths.** `p[i][j]` is the strength of the strongest path from `i` to `j`, a
//!   path's strength being its weakest link, computed with the Floyd–Warshall variant given by
//!   Schulze (widest paths).
//! * **Ranking.** `i` is ranked above `j` when `p[i][j] > p[j][i]`; this relation is transitive
//!   (Schulze 2011, §4.1). Tiers are built by the standard Schulze ordering: the candidates that
//!   no remaining candidate beats form the top tier; they are removed and the step repeats. A
//!   tier's candidates keep the poll's order.
//! * **Ties.** There is no random tie-break. When the first tier has several candidates the
//!   decision is a tie and the assembly decides how to break it.
//! * **Condorcet winner.** Reported when one candidate beats every other one pairwise
//!   (`d[i][j] > d[j][i]` for all `j`); such a candidate always ranks alone at the top.

use serde::{Deserialize, Serialize};

use super::{Decision, Details, PollResult, draft};
use crate::ballot::{Ballot, WeightedBallot};
use crate::ids::OptionId;
use crate::poll::PollOption;

/// The matrices of a Schulze count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchulzeDetails {
    /// The candidates in the poll's order: the indices of the matrices.
    pub candidates: Vec<OptionId>,
    /// `pairwise[i][j]`: weight of the ballots ranking candidate `i` above candidate `j`.
    pub pairwise: Vec<Vec<u64>>,
    /// `strongest_paths[i][j]`: strength of the strongest path from `i` to `j` (winning votes).
    pub strongest_paths: Vec<Vec<u64>>,
    /// The candidate that beats every other one pairwise, when there is one.
    pub condorcet_winner: Option<OptionId>,
    /// Weight of the blank ballots.
    pub blank: u64,
}

/// A small deterministic hasher for the id → index lookup (FNV-1a): the standard one seeds
/// itself from the operating system, which this crate does not touch.
#[derive(Debug, Clone, Copy)]
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

type IndexMap<'a> = std::collections::HashMap<&'a str, usize, std::hash::BuildHasherDefault<Fnv>>;

/// Counts rankings with the Schulze method.
pub(super) fn count(candidates: &[PollOption], ballots: &[WeightedBallot]) -> PollResult {
    let n = candidates.len();
    let index: IndexMap = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let mut d = vec![0u64; n * n];
    let mut blank = 0u64;
    let mut expressed = 0u64;
    let mut rank = vec![0u32; n];
    for b in ballots {
        let w = u64::from(b.weight);
        let tiers = match &b.ballot {
            Ballot::Ranking(tiers) if !tiers.is_empty() => tiers,
            _ => {
                blank += w;
                continue;
            }
        };
        expressed += w;
        // Unranked candidates share the rank after the last tier.
        let unranked = u32::try_from(tiers.len()).unwrap_or(u32::MAX);
        rank.fill(unranked);
        for (t, tier) in tiers.iter().enumerate() {
            let t = u32::try_from(t).unwrap_or(u32::MAX);
            for id in tier {
                if let Some(&i) = index.get(id.as_str()) {
                    rank[i] = t;
                }
            }
        }
        for i in 0..n {
            let ri = rank[i];
            let row = &mut d[i * n..(i + 1) * n];
            for (cell, &rj) in row.iter_mut().zip(rank.iter()) {
                *cell += w * u64::from(ri < rj);
            }
        }
    }
    let p = strongest_paths(&d, n);
    let tiers = schulze_tiers(&p, n);
    let condorcet = (0..n).find(|&i| (0..n).all(|j| j == i || d[i * n + j] > d[j * n + i]));
    let ids: Vec<OptionId> = candidates.iter().map(|c| c.id.clone()).collect();
    let ranking: Vec<Vec<OptionId>> = tiers
        .iter()
        .map(|t| t.iter().map(|&i| ids[i].clone()).collect())
        .collect();
    let (decision, winners) = if expressed == 0 {
        (Decision::NoVotes, Vec::new())
    } else {
        let first = ranking.first().cloned().unwrap_or_default();
        if first.len() == 1 {
            (Decision::Decided, first)
        } else {
            (Decision::Tie, first)
        }
    };
    let rows = |m: &[u64]| -> Vec<Vec<u64>> { m.chunks(n.max(1)).map(<[u64]>::to_vec).collect() };
    let details = SchulzeDetails {
        candidates: ids.clone(),
        pairwise: if n == 0 { Vec::new() } else { rows(&d) },
        strongest_paths: if n == 0 { Vec::new() } else { rows(&p) },
        condorcet_winner: condorcet.map(|i| ids[i].clone()),
        blank,
    };
    let mut result = draft(decision, winners, Details::Schulze(details));
    result.ranking = Some(ranking);
    result
}

/// Widest paths with winning-votes links, by Schulze's Floyd–Warshall variant (row-major `n × n`).
fn strongest_paths(d: &[u64], n: usize) -> Vec<u64> {
    let mut p = vec![0u64; n * n];
    for i in 0..n {
        for j in 0..n {
            if i != j && d[i * n + j] > d[j * n + i] {
                p[i * n + j] = d[i * n + j];
            }
        }
    }
    for k in 0..n {
        for i in 0..n {
            if i == k {
                continue;
            }
            let pik = p[i * n + k];
            if pik == 0 {
                continue;
            }
            for j in 0..n {
                if j != i && j != k {
                    let via = pik.min(p[k * n + j]);
                    if via > p[i * n + j] {
                        p[i * n + j] = via;
                    }
                }
            }
        }
    }
    p
}

/// Tiers: the candidates not beaten (by path strength) by any remaining candidate, repeatedly.
pub(super) fn schulze_tiers(p: &[u64], n: usize) -> Vec<Vec<usize>> {
    let mut remaining: Vec<usize> = (0..n).collect();
    let mut tiers = Vec::new();
    while !remaining.is_empty() {
        let top: Vec<usize> = remaining
            .iter()
            .copied()
            .filter(|&i| {
                remaining
                    .iter()
                    .all(|&j| j == i || p[j * n + i] <= p[i * n + j])
            })
            .collect();
        // The relation is transitive and irreflexive, so some candidate is unbeaten; the guard
        // only protects against an impossible infinite loop.
        let top = if top.is_empty() {
            remaining.clone()
        } else {
            top
        };
        remaining.retain(|i| !top.contains(i));
        tiers.push(top);
    }
    tiers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(n: usize) -> Vec<PollOption> {
        (0..n)
            .map(|i| PollOption {
                id: OptionId::new(format!("c{i}")).unwrap(),
                label: format!("C{i}"),
            })
            .collect()
    }

    fn ranking(tiers: &[&[usize]]) -> Ballot {
        Ballot::Ranking(
            tiers
                .iter()
                .map(|t| {
                    t.iter()
                        .map(|i| OptionId::new(format!("c{i}")).unwrap())
                        .collect()
                })
                .collect(),
        )
    }

    #[test]
    fn unranked_candidates_rank_last_and_tie() {
        let b = vec![WeightedBallot {
            ballot: ranking(&[&[1]]),
            weight: 2,
        }];
        let r = count(&opts(3), &b);
        let Details::Schulze(d) = &r.details else {
            panic!()
        };
        assert_eq!(d.pairwise[1], vec![2, 0, 2]);
        assert_eq!(d.pairwise[0], vec![0, 0, 0]);
        assert_eq!(d.pairwise[2], vec![0, 0, 0]);
        assert_eq!(r.winners, vec![OptionId::new("c1").unwrap()]);
        assert_eq!(r.ranking.as_ref().unwrap().len(), 2);
        assert_eq!(d.condorcet_winner, Some(OptionId::new("c1").unwrap()));
    }

    #[test]
    fn a_perfect_cycle_is_a_tie() {
        let b: Vec<WeightedBallot> = [[0, 1, 2], [1, 2, 0], [2, 0, 1]]
            .iter()
            .map(|o| WeightedBallot::single(ranking(&[&[o[0]], &[o[1]], &[o[2]]])))
            .collect();
        let r = count(&opts(3), &b);
        assert_eq!(r.decision, Decision::Tie);
        assert_eq!(r.winners.len(), 3);
    }

    #[test]
    fn blank_only_is_no_votes() {
        let r = count(&opts(2), &[WeightedBallot::single(Ballot::Blank)]);
        assert_eq!(r.decision, Decision::NoVotes);
        let Details::Schulze(d) = &r.details else {
            panic!()
        };
        assert_eq!(d.blank, 1);
    }
}
