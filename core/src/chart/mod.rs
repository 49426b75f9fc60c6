//! The one result model: what every presenter draws for a closed poll's result.
//!
//! [`ResultChart::of`] turns a poll and its [`PollResult`] into bars, segments and rows with
//! *exact* shares ([`Share`]: an integer numerator over an integer denominator), the scale and
//! thresholds each chart is drawn on, the labels resolved from the poll, the winners, and colour
//! *roles* ([`Tone`]), never colours: the kiosk's Slint screens, the registry's SVG and the
//! procès-verbal's PDF each map roles to their own palette in one place and only draw. Nothing
//! here decides anything — urne-core's tally did, on integers — and nothing here is a sentence:
//! names come from [`Label::name`] and [`Mention::name`], figures from [`crate::figures`], and
//! the arithmetic from [`crate::tally::explain`] as structured lines.
//!
//! Orders, the same on every presenter:
//! * a motion: pour, contre, abstention, then vote blanc when it is offered or was cast;
//! * single choice and approval: the options in the poll's order, then vote blanc likewise;
//! * Majority Judgment: candidates in ranked order (a tier keeps the poll's order); each merit
//!   profile from the **worst mention (left) to the best (right)**, the order of grades in
//!   ballots and profiles (grade 0 is the worst), of the kiosk's and the registry's charts and of
//!   their legends, so that the median line at 50 % falls in the majority mention;
//! * Schulze: candidates in ranked order, each duel row in that same order, columns keyed A, B, …;
//! * a budget: funded projects in the order they were funded, each starting where the previous
//!   one ended, then the projects left out, most approved first, each starting at the spending.

mod bars;
mod budget;
mod merit;
mod ranking;
#[cfg(test)]
mod tests;

pub use bars::{Bar, CountKind, CountsChart, Label, MotionChart};
pub use budget::{BudgetChart, ProjectRow};
pub use merit::{MeritChart, MeritRow, Segment};
pub use ranking::{Duel, RankRow, RankingChart, column_key};

use crate::figures;
use crate::lang::Lang;
use crate::poll::{Mention, Poll};
use crate::tally::{Decision, Details, Line, PollResult, QuorumReport, Verdict, explain};

/// `part` out of `whole`, exactly. A bar's length is a share of its chart's scale; a percentage
/// is a share of its base. Every share of a chart is at most one (`part <= whole`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Share {
    /// The numerator.
    pub part: u64,
    /// The denominator; zero when there is nothing to share (an empty chart).
    pub whole: u64,
}

impl Share {
    /// `part` out of `whole`.
    pub const fn new(part: u64, whole: u64) -> Self {
        Self { part, whole }
    }

    /// The share between 0 and 1, for drawing only (every decision was taken on integers);
    /// 0 when `whole` is zero.
    pub fn ratio(self) -> f64 {
        if self.whole == 0 {
            0.0
        } else {
            (self.part as f64 / self.whole as f64).clamp(0.0, 1.0)
        }
    }

    /// As a percentage with one decimal, « 63,8 % » (see [`figures::percent`]); empty when
    /// `whole` is zero.
    pub fn percent(self, lang: Lang) -> String {
        figures::percent(self.part, self.whole, lang)
    }

    /// As a whole percentage, « 64 % » (see [`figures::whole_percent`]); empty when `whole` is
    /// zero.
    pub fn whole_percent(self, lang: Lang) -> String {
        figures::whole_percent(self.part, self.whole, lang)
    }
}

/// What a bar, a segment or a cell stands for, so that each presenter colours it from its own
/// palette (the kiosk's theme, the web page's, the paper's greys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tone {
    /// A motion's « pour ».
    For,
    /// A motion's « contre ».
    Against,
    /// A motion's abstentions.
    Abstain,
    /// Blank votes.
    Blank,
    /// An option, candidate or row that is not in the lead.
    Plain,
    /// The option or candidate in the lead (or tied for it).
    Winner,
    /// A funded project.
    Funded,
    /// A project left out.
    LeftOut,
    /// A Majority Judgment mention: its place, 0 to 6, on the seven-colour scale from the worst
    /// mention to the best; shorter scales take evenly spaced places, both ends kept.
    Mention(u8),
    /// A duel the row's candidate wins.
    DuelWin,
    /// A duel the row's candidate loses.
    DuelLoss,
    /// A duel with as many voters on each side.
    DuelTie,
    /// The diagonal: a candidate against themselves.
    DuelSelf,
    /// A threshold, a budget line or the median line drawn across the bars.
    Marker,
}

impl Tone {
    /// The tone of a mention: `round(grade × 6 / (grades − 1))` on the seven colours.
    pub fn of_mention(m: Mention) -> Tone {
        let (grade, last) = (u32::from(m.grade), u32::from(m.grades.saturating_sub(1)));
        if last == 0 {
            return Tone::Mention(0);
        }
        let place = (grade * 6 * 2 + last) / (2 * last);
        Tone::Mention(u8::try_from(place.min(6)).unwrap_or(6))
    }
}

/// The chart that fits the kind of poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chart {
    /// A motion's answers against the majority required.
    Motion(MotionChart),
    /// Votes per option, or approvals per name.
    Counts(CountsChart),
    /// Majority Judgment's merit profiles.
    Merit(MeritChart),
    /// A Schulze ranking and its duels.
    Ranking(RankingChart),
    /// A participatory budget's spending.
    Budget(BudgetChart),
}

/// Everything a presenter shows of one result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultChart {
    /// The decision.
    pub decision: Decision,
    /// The labels of the winners (several when tied), in the result's order; empty for a
    /// motion (its decision says it all), when nobody voted or when the quorum failed.
    pub winners: Vec<String>,
    /// Ballots in the box.
    pub ballots: u64,
    /// Sum of their weights.
    pub weight: u64,
    /// The quorum at open and close, when the event has one.
    pub quorum: Option<QuorumReport>,
    /// The chart.
    pub chart: Chart,
    /// The arithmetic, step by step, ending with the decision (written out by
    /// [`Line::text`], or by the kiosk's own translated sentences).
    pub lines: Vec<Line>,
}

impl ResultChart {
    /// The model of `result`, a result of `poll`.
    pub fn of(poll: &Poll, result: &PollResult) -> Self {
        let chart = match &result.details {
            Details::Motion(m) => Chart::Motion(bars::motion(poll, m, result)),
            Details::Counts(c) => Chart::Counts(bars::counts(poll, c, result)),
            Details::MajorityJudgment(d) => Chart::Merit(merit::chart(poll, d)),
            Details::Schulze(d) => Chart::Ranking(ranking::chart(poll, d, result)),
            Details::Budget(b) => Chart::Budget(budget::chart(poll, b, result)),
        };
        let winners = match &result.details {
            Details::Motion(_) => Vec::new(),
            _ => result
                .winners
                .iter()
                .map(|id| poll.option_label(id))
                .collect(),
        };
        ResultChart {
            decision: result.decision,
            winners,
            ballots: result.ballots,
            weight: result.weight,
            quorum: result.quorum,
            chart,
            lines: explain(poll, result),
        }
    }

    /// The decision as its structured line (the last of [`ResultChart::lines`]).
    pub fn verdict(&self) -> Option<&Verdict> {
        match self.lines.last() {
            Some(Line::Decision(verdict)) => Some(verdict),
            _ => None,
        }
    }
}
