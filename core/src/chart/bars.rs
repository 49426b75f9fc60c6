//! Bar charts: a motion's answers against the majority it needs, and the votes per option of a
//! single-choice poll or the approvals per name of an approval poll.

use super::{Share, Tone};
use crate::lang::Lang;
use crate::poll::{Poll, PollKind};
use crate::rules::MajorityRule;
use crate::tally::{CountDetails, Decision, MotionDetails, PollResult};

/// What a bar stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Label {
    /// A motion's « pour ».
    For,
    /// A motion's « contre ».
    Against,
    /// A motion's abstentions.
    Abstain,
    /// Blank votes.
    Blank,
    /// An option, by its label in the poll.
    Option(String),
}

impl Label {
    /// The name written beside the bar: « Pour », « Contre », « Abstention », « Vote blanc »
    /// (« For », « Against », « Abstain », « Blank vote »), or the option's label.
    pub fn name(&self, lang: Lang) -> &str {
        match (self, lang) {
            (Label::For, Lang::Fr) => "Pour",
            (Label::For, Lang::En) => "For",
            (Label::Against, Lang::Fr) => "Contre",
            (Label::Against, Lang::En) => "Against",
            (Label::Abstain, Lang::Fr) => "Abstention",
            (Label::Abstain, Lang::En) => "Abstain",
            (Label::Blank, Lang::Fr) => "Vote blanc",
            (Label::Blank, Lang::En) => "Blank vote",
            (Label::Option(label), _) => label,
        }
    }
}

/// One horizontal bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// What it stands for.
    pub label: Label,
    /// Its count (a weight).
    pub value: u64,
    /// Its length: `value` out of the chart's scale.
    pub length: Share,
    /// Whether it counts in the base of the percentages (the votes expressed, the voters):
    /// abstentions never do, blank votes only when the motion's rule counts them as expressed.
    pub in_base: bool,
    /// Its share of that base, when it counts in it and the base is not empty.
    pub percent: Option<Share>,
    /// Its colour role.
    pub tone: Tone,
    /// Whether it is the winning answer or option (drawn in bold, tagged).
    pub winner: bool,
}

/// A motion: pour, contre, abstention (and vote blanc when offered or cast) against the number
/// of « pour » that adopts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MotionChart {
    /// The bars, in that order.
    pub bars: Vec<Bar>,
    /// The scale of the bars: the base of the majority, the majority required and every bar
    /// fit on it, so that the threshold sits where it is; zero when there is nothing to draw.
    pub scale: u64,
    /// Where the majority required falls on the scale; `None` on an empty chart.
    pub threshold: Option<Share>,
    /// The fewest votes « pour » that adopt the motion.
    pub required: u64,
    /// The votes expressed: the base of the percentages.
    pub expressed: u64,
    /// What « pour » is compared with (the votes expressed or the members' weight), counted.
    pub base: u64,
    /// The rule applied (its base, its threshold, whether blank votes are expressed).
    pub rule: MajorityRule,
}

fn bar(label: Label, value: u64, scale: u64, tone: Tone) -> Bar {
    Bar {
        label,
        value,
        length: Share::new(value, scale),
        in_base: false,
        percent: None,
        tone,
        winner: false,
    }
}

/// A share of `base`, when there is a base.
fn of_base(value: u64, base: u64) -> Option<Share> {
    (base > 0).then_some(Share::new(value, base))
}

/// Blank votes get a bar when the poll offers them or someone cast one anyway (a ranking or a
/// budget left empty).
fn shows_blank(poll: &Poll, blank: u64) -> bool {
    poll.kind.blank_allowed() || blank > 0
}

pub(super) fn motion(poll: &Poll, m: &MotionDetails, result: &PollResult) -> MotionChart {
    // The base and every bar fit on the scale; so does the majority required, unless nothing
    // at all is drawn (no ballot, on a base of expressed votes): then there is no threshold.
    let drawn = [m.base, m.for_, m.against, m.abstain, m.blank]
        .into_iter()
        .max()
        .unwrap_or(0);
    let scale = if drawn == 0 { 0 } else { drawn.max(m.required) };
    let mut bars = vec![
        Bar {
            in_base: true,
            percent: of_base(m.for_, m.expressed),
            winner: result.decision == Decision::Adopted,
            ..bar(Label::For, m.for_, scale, Tone::For)
        },
        Bar {
            in_base: true,
            percent: of_base(m.against, m.expressed),
            winner: result.decision == Decision::Rejected,
            ..bar(Label::Against, m.against, scale, Tone::Against)
        },
        // Abstentions are never expressed: no share of the expressed votes.
        bar(Label::Abstain, m.abstain, scale, Tone::Abstain),
    ];
    if shows_blank(poll, m.blank) {
        bars.push(Bar {
            in_base: m.rule.blank_is_expressed,
            percent: if m.rule.blank_is_expressed {
                of_base(m.blank, m.expressed)
            } else {
                None
            },
            ..bar(Label::Blank, m.blank, scale, Tone::Blank)
        });
    }
    MotionChart {
        bars,
        scale,
        threshold: (scale > 0).then_some(Share::new(m.required, scale)),
        required: m.required,
        expressed: m.expressed,
        base: m.base,
        rule: m.rule,
    }
}

/// Which count a [`CountsChart`] shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountKind {
    /// Votes per option; percentages of the votes expressed.
    SingleChoice,
    /// Approvals per name; percentages of the voters.
    Approval,
}

/// Votes per option (single choice) or approvals per name (approval), with the blank votes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountsChart {
    /// Single choice or approval.
    pub kind: CountKind,
    /// The options in the poll's order, then blank votes when offered or cast.
    pub bars: Vec<Bar>,
    /// The scale of the bars: the largest count.
    pub scale: u64,
    /// The base of the percentages: the weight of the non-blank ballots (the votes expressed of
    /// a single choice, the voters who approved someone).
    pub base: u64,
    /// Whether the winners are tied (« ex æquo ») rather than alone in the lead.
    pub tied: bool,
}

pub(super) fn counts(poll: &Poll, c: &CountDetails, result: &PollResult) -> CountsChart {
    let base = result.weight.saturating_sub(c.blank);
    let scale = c
        .options
        .iter()
        .map(|o| o.votes)
        .max()
        .unwrap_or(0)
        .max(c.blank);
    let mut bars: Vec<Bar> = c
        .options
        .iter()
        .map(|o| {
            let winner = result.winners.contains(&o.id);
            Bar {
                in_base: true,
                percent: of_base(o.votes, base),
                winner,
                ..bar(
                    Label::Option(poll.option_label(&o.id)),
                    o.votes,
                    scale,
                    if winner { Tone::Winner } else { Tone::Plain },
                )
            }
        })
        .collect();
    if shows_blank(poll, c.blank) {
        bars.push(bar(Label::Blank, c.blank, scale, Tone::Blank));
    }
    CountsChart {
        kind: match poll.kind {
            PollKind::Approval { .. } => CountKind::Approval,
            _ => CountKind::SingleChoice,
        },
        bars,
        scale,
        base,
        tied: result.decision == Decision::Tie,
    }
}
