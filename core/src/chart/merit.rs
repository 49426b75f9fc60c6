//! Majority Judgment's merit profiles: one bar of all the judgments per candidate, in ranked
//! order, split into its mentions from the worst (left) to the best (right); the line at half
//! of the judgments crosses each bar in the candidate's majority mention, which is what decides.

use super::{Share, Tone};
use crate::ids::OptionId;
use crate::poll::{Mention, Poll, PollKind};
use crate::tally::{MajorityJudgmentDetails, MeritProfile};

/// The merit profiles of a Majority Judgment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeritChart {
    /// Number of mentions on the scale (5 to 7).
    pub grades: u8,
    /// The judgments each candidate received (the same for all).
    pub judgments: u64,
    /// The legend: every mention of the scale, worst first, as the segments run.
    pub mentions: Vec<Mention>,
    /// One row per candidate, in ranked order (a tier keeps the poll's order).
    pub rows: Vec<MeritRow>,
}

/// One candidate's merit profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeritRow {
    /// The candidate.
    pub id: OptionId,
    /// Its label.
    pub label: String,
    /// Its tier, 1 for the first.
    pub rank: u32,
    /// Its majority mention; `None` when nobody voted.
    pub majority: Option<Mention>,
    /// Judgments better than the majority mention.
    pub above: u64,
    /// Judgments worse than the majority mention.
    pub below: u64,
    /// The weight of the candidate's judgments: the scale of its bar.
    pub total: u64,
    /// The weight of every mention of the scale, worst first, zeros included (for a table).
    pub profile: Vec<u64>,
    /// The mentions it received, worst first; mentions nobody gave it have no segment.
    pub segments: Vec<Segment>,
    /// The median line, at half of the bar; `None` when nobody voted.
    pub median: Option<Share>,
}

/// One mention's part of a merit profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// The mention.
    pub mention: Mention,
    /// The weight of the judgments giving it.
    pub weight: u64,
    /// Where it starts: the judgments of worse mentions, out of the row's total.
    pub start: Share,
    /// Its length: `weight` out of the row's total (also its percentage, written whole).
    pub length: Share,
    /// Its colour role.
    pub tone: Tone,
}

pub(super) fn chart(poll: &Poll, d: &MajorityJudgmentDetails) -> MeritChart {
    // The poll's scale names the mentions; the details carry the same number.
    let grades = match &poll.kind {
        PollKind::MajorityJudgment { grades, .. } => *grades,
        _ => d.grades,
    };
    let mut ranked: Vec<&MeritProfile> = d.candidates.iter().collect();
    // Stable: a tier keeps the poll's order.
    ranked.sort_by_key(|c| c.rank);
    MeritChart {
        grades,
        judgments: d.judgments,
        mentions: Mention::scale(grades).collect(),
        rows: ranked.into_iter().map(|c| row(poll, grades, c)).collect(),
    }
}

fn row(poll: &Poll, grades: u8, c: &MeritProfile) -> MeritRow {
    let total: u64 = c.profile.iter().sum();
    let mut before = 0u64;
    let segments = c
        .profile
        .iter()
        .enumerate()
        .filter(|(_, weight)| **weight > 0)
        .map(|(grade, &weight)| {
            let mention = Mention::new(u8::try_from(grade).unwrap_or(u8::MAX), grades);
            let segment = Segment {
                mention,
                weight,
                start: Share::new(before, total),
                length: Share::new(weight, total),
                tone: Tone::of_mention(mention),
            };
            before += weight;
            segment
        })
        .collect();
    MeritRow {
        id: c.id.clone(),
        label: poll.option_label(&c.id),
        rank: c.rank,
        majority: c.majority_grade.map(|g| Mention::new(g, grades)),
        above: c.above,
        below: c.below,
        total,
        profile: c.profile.clone(),
        segments,
        median: (total > 0).then_some(Share::new(1, 2)),
    }
}
