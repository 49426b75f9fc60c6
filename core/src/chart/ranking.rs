//! A Schulze ranking: the candidates in ranked order with their duels won, and the pairwise
//! matrix in that same order, each cell toned by who wins that duel. In a clean order the wins
//! fill the upper right triangle.

use super::{Share, Tone};
use crate::ids::OptionId;
use crate::poll::Poll;
use crate::tally::{PollResult, SchulzeDetails};

/// A Schulze ranking and its duels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankingChart {
    /// One row per candidate, in ranked order (a tier keeps the poll's order).
    pub rows: Vec<RankRow>,
    /// The tiers, best first, as indices into `rows`.
    pub tiers: Vec<Vec<usize>>,
    /// The duels each candidate fights: the scale of the duels-won bars.
    pub others: u64,
}

/// One candidate of a ranking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankRow {
    /// The candidate.
    pub id: OptionId,
    /// Its label.
    pub label: String,
    /// Its tier, 1 for the first.
    pub rank: u32,
    /// The key of its row and column in the matrix: A, B, …, Z, AA, …
    pub key: String,
    /// The duels it wins.
    pub wins: u64,
    /// `wins` out of `others`, for a bar.
    pub won: Share,
    /// Its colour role: the first tier is in the lead.
    pub tone: Tone,
    /// Its row of the pairwise matrix, against every candidate in ranked order (itself
    /// included, on the diagonal).
    pub duels: Vec<Duel>,
}

/// One cell of the pairwise matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duel {
    /// The opponent's label.
    pub against: String,
    /// The opponent's column key.
    pub key: String,
    /// Voters preferring the row's candidate to the opponent.
    pub value: u64,
    /// Win, loss, tie, or the diagonal.
    pub tone: Tone,
}

/// A, B, … Z, then AA, AB, …: names the matrix's rows and columns by position.
pub fn column_key(mut position: usize) -> String {
    let mut key = String::new();
    loop {
        let letter = u8::try_from(position % 26).unwrap_or(0);
        key.insert(0, char::from(b'A' + letter));
        if position < 26 {
            return key;
        }
        position = position / 26 - 1;
    }
}

pub(super) fn chart(poll: &Poll, d: &SchulzeDetails, result: &PollResult) -> RankingChart {
    let index = |id: &OptionId| d.candidates.iter().position(|c| c == id);
    // (candidate index, tier number)
    let mut order: Vec<(usize, u32)> = Vec::new();
    for (tier, ids) in result.ranking.iter().flatten().enumerate() {
        let rank = u32::try_from(tier + 1).unwrap_or(u32::MAX);
        order.extend(ids.iter().filter_map(index).map(|i| (i, rank)));
    }
    // A result without a ranking lists the candidates in the poll's order, all first.
    if order.is_empty() {
        order = (0..d.candidates.len()).map(|i| (i, 1)).collect();
    }
    let at = |i: usize, j: usize| d.pairwise.get(i).and_then(|r| r.get(j)).copied();
    let others = u64::try_from(d.candidates.len().saturating_sub(1)).unwrap_or(u64::MAX);
    let names: Vec<String> = d.candidates.iter().map(|c| poll.option_label(c)).collect();
    let rows: Vec<RankRow> = order
        .iter()
        .enumerate()
        .map(|(position, &(i, rank))| {
            let duels: Vec<Duel> = order
                .iter()
                .enumerate()
                .map(|(column, &(j, _))| {
                    let (ij, ji) = (at(i, j).unwrap_or(0), at(j, i).unwrap_or(0));
                    Duel {
                        against: names[j].clone(),
                        key: column_key(column),
                        value: ij,
                        tone: match ij.cmp(&ji) {
                            _ if i == j => Tone::DuelSelf,
                            std::cmp::Ordering::Greater => Tone::DuelWin,
                            std::cmp::Ordering::Less => Tone::DuelLoss,
                            std::cmp::Ordering::Equal => Tone::DuelTie,
                        },
                    }
                })
                .collect();
            let wins = duels.iter().filter(|c| c.tone == Tone::DuelWin).count();
            let wins = u64::try_from(wins).unwrap_or(u64::MAX);
            RankRow {
                id: d.candidates[i].clone(),
                label: names[i].clone(),
                rank,
                key: column_key(position),
                wins,
                won: Share::new(wins, others),
                tone: if rank == 1 { Tone::Winner } else { Tone::Plain },
                duels,
            }
        })
        .collect();
    let mut tiers: Vec<Vec<usize>> = Vec::new();
    for (position, row) in rows.iter().enumerate() {
        match tiers.last_mut() {
            Some(tier) if rows[tier[0]].rank == row.rank => tier.push(position),
            _ => tiers.push(vec![position]),
        }
    }
    RankingChart {
        rows,
        tiers,
        others,
    }
}
