//! The arithmetic behind a decision as structured lines: each line says which step of the count
//! it is and carries its figures and labels, never a sentence.
//!
//! The command line, the procès-verbal and the registry write them out with the one renderer
//! ([`Line::text`], in `render.rs`); the kiosk writes each kind of line with its own translated
//! sentence. Labels are resolved from the poll (an option without one keeps its id).

use super::budget::{BudgetDetails, FundedBy, Payment, Rational};
use super::majority_judgment::{self, MajorityJudgmentDetails, MeritProfile};
use super::schulze::{self, SchulzeDetails};
use super::{Decision, Details, PollResult, QuorumReport};
use crate::ids::OptionId;
use crate::poll::{BudgetMethod, Mention, Poll, PollKind};
use crate::rules::{MajorityBase, QuorumCheck, Threshold};

/// When the quorum was measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// When the poll opened.
    Opening,
    /// When the poll closed.
    Closing,
}

/// One step of the arithmetic of a result, with its figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// The quorum at one end of the poll.
    Quorum {
        /// Opening or closing.
        at: Moment,
        /// The members counted towards the quorum.
        counted: u64,
        /// The minimum.
        required: u64,
        /// `counted >= required`.
        reached: bool,
    },
    /// A step of a motion's count.
    Motion(MotionLine),
    /// A step of a single-choice or approval count.
    Count(CountLine),
    /// A step of a Majority Judgment.
    Judgment(JudgmentLine),
    /// A step of a Schulze count.
    Schulze(SchulzeLine),
    /// A step of a participatory budget's allocation.
    Budget(BudgetLine),
    /// The decision, always the last line.
    Decision(Verdict),
}

impl Line {
    /// Whether the line details the one above it (a duel under its heading, a project's
    /// payments): written indented.
    pub fn is_detail(&self) -> bool {
        matches!(
            self,
            Line::Schulze(SchulzeLine::Duel { .. } | SchulzeLine::Path { .. })
                | Line::Budget(BudgetLine::Payments { .. })
        )
    }
}

/// A step of a motion's count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MotionLine {
    /// The four counts.
    Counts {
        /// « Pour ».
        for_: u64,
        /// « Contre ».
        against: u64,
        /// Abstentions.
        abstain: u64,
        /// Blank votes.
        blank: u64,
    },
    /// The votes expressed: for + against, plus blank when the rule counts it.
    Expressed {
        /// Their weight.
        count: u64,
        /// Whether blank votes are part of them.
        blank_included: bool,
    },
    /// The majority the motion needs.
    MajorityRequired {
        /// The share required.
        threshold: Threshold,
        /// What « pour » is compared with.
        base: MajorityBase,
        /// That base's weight.
        base_count: u64,
        /// The fewest votes « pour » that adopt the motion.
        required: u64,
    },
}

/// A step of a single-choice or approval count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CountLine {
    /// The votes (or approvals) of one option.
    Option {
        /// The option.
        label: String,
        /// Its votes.
        votes: u64,
    },
    /// The blank ballots.
    Blank {
        /// Their weight.
        count: u64,
    },
}

/// A step of a Majority Judgment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JudgmentLine {
    /// How many judgments each candidate received.
    Judgments {
        /// Their weight (the same for every candidate).
        count: u64,
    },
    /// One candidate's merit profile and majority mention, in ranked order.
    Profile {
        /// The candidate's tier, 1 for the first.
        rank: u32,
        /// The candidate.
        label: String,
        /// The majority mention; `None` when nobody voted.
        majority: Option<Mention>,
        /// Judgments better than the majority mention.
        above: u64,
        /// Judgments worse than the majority mention.
        below: u64,
        /// The weight of each mention, best mention first, as the sentence reads.
        mentions: Vec<(Mention, u64)>,
    },
    /// Two neighbours that nothing separates.
    Identical {
        /// The first.
        first: String,
        /// The second.
        second: String,
    },
    /// How two neighbours with the same majority mention were separated.
    TieBroken {
        /// The candidate ranked first.
        ahead: String,
        /// The other.
        behind: String,
        /// Median judgments removed before their mentions differed.
        removed: u64,
        /// The first one's mention at that step.
        ahead_mention: Mention,
        /// The other one's mention at that step.
        behind_mention: Mention,
    },
}

/// A step of a Schulze count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchulzeLine {
    /// The method and the blank ballots.
    Method {
        /// Weight of the blank ballots.
        blank: u64,
    },
    /// The heading of the pairwise duels.
    DuelsHeading,
    /// One pair of candidates: the voters preferring each to the other.
    Duel {
        /// The candidate first in the poll's order.
        first: String,
        /// The other.
        second: String,
        /// Voters preferring `first` to `second`.
        first_over_second: u64,
        /// Voters preferring `second` to `first`.
        second_over_first: u64,
    },
    /// The heading of the strongest paths.
    PathsHeading,
    /// The strongest paths between a pair of candidates.
    Path {
        /// The candidate first in the poll's order.
        first: String,
        /// The other.
        second: String,
        /// The strongest path from `first` to `second`.
        first_to_second: u64,
        /// The strongest path from `second` to `first`.
        second_to_first: u64,
    },
    /// The Condorcet winner, or that there is none.
    Condorcet {
        /// The candidate beating every other one, when there is one.
        winner: Option<String>,
    },
    /// The order, tiers best first.
    Ranking {
        /// The candidates of each tier.
        tiers: Vec<Vec<String>>,
    },
}

/// A step of a participatory budget's allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BudgetLine {
    /// The method that allocated it.
    Method {
        /// The method.
        method: BudgetMethod,
    },
    /// The total and the blank ballots.
    Totals {
        /// The total available.
        budget: u64,
        /// Weight of the blank ballots.
        blank: u64,
    },
    /// Equal Shares: each unit of weight's initial share.
    InitialShare {
        /// The budget.
        budget: u64,
        /// The weight sharing it.
        voters_weight: u64,
        /// `budget / voters_weight`.
        share: Rational,
    },
    /// Equal Shares: what it funds on its own, before completion.
    EqualSharesAlone {
        /// The projects, in the order they were funded.
        projects: Vec<String>,
    },
    /// Equal Shares: how the completion ran.
    Completion {
        /// Steps kept.
        steps: u32,
        /// Currency units added per unit of weight at each step.
        step: u64,
        /// The virtual budget of the kept run.
        virtual_budget: u128,
        /// The share of one unit of weight in that run.
        share: Rational,
    },
    /// One project, in the poll's order, and what became of it.
    Project {
        /// The project.
        label: String,
        /// Its cost.
        cost: u64,
        /// Its approvals.
        approvals: u64,
        /// How it was funded; `None` when it was not.
        funded_by: Option<FundedBy>,
    },
    /// Equal Shares: the price of the project above and what its supporters paid.
    Payments {
        /// `ρ`, the most a unit of weight paid.
        price: Rational,
        /// The payments, largest first.
        payments: Vec<Payment>,
    },
    /// Some project was approved, but none fits in the budget.
    NothingFits,
    /// The spending.
    Spent {
        /// The cost of the funded projects.
        spent: u64,
        /// The budget.
        budget: u64,
        /// What is left.
        remaining: u64,
    },
}

/// The decision of a poll, as read out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A motion is adopted.
    Adopted,
    /// A motion is rejected.
    Rejected,
    /// The quorum was not reached.
    QuorumNotReached,
    /// No vote was expressed.
    NoVotes,
    /// Several options tied for first place.
    Tie {
        /// Their labels.
        between: Vec<String>,
    },
    /// The winner (or, with no funded list, the winners).
    Winner {
        /// Their labels.
        names: Vec<String>,
    },
    /// The projects a budget funds, in the order they were funded (never empty).
    Funded {
        /// Their labels.
        projects: Vec<String>,
    },
    /// A budget funds no project.
    NothingFunded,
}

/// The label of an option, candidate or project; its id when the poll has no label for it.
pub(super) fn label(poll: &Poll, id: &OptionId) -> String {
    poll.option_label(id)
}

fn labels(poll: &Poll, ids: &[OptionId]) -> Vec<String> {
    ids.iter().map(|id| poll.option_label(id)).collect()
}

/// The decision of `result`.
pub fn verdict(poll: &Poll, result: &PollResult) -> Verdict {
    match result.decision {
        Decision::Adopted => Verdict::Adopted,
        Decision::Rejected => Verdict::Rejected,
        Decision::QuorumNotReached => Verdict::QuorumNotReached,
        Decision::NoVotes => Verdict::NoVotes,
        Decision::Tie => Verdict::Tie {
            between: labels(poll, &result.winners),
        },
        Decision::Decided => match &result.funded {
            Some(funded) if funded.is_empty() => Verdict::NothingFunded,
            Some(funded) => Verdict::Funded {
                projects: labels(poll, funded),
            },
            None => Verdict::Winner {
                names: labels(poll, &result.winners),
            },
        },
    }
}

/// The arithmetic behind `result`, step by step, ending with the decision.
pub fn explain(poll: &Poll, result: &PollResult) -> Vec<Line> {
    let mut lines = Vec::new();
    if let Some(q) = &result.quorum {
        lines.extend(quorum(q));
    }
    match &result.details {
        Details::Motion(m) => {
            lines.extend(
                [
                    MotionLine::Counts {
                        for_: m.for_,
                        against: m.against,
                        abstain: m.abstain,
                        blank: m.blank,
                    },
                    MotionLine::Expressed {
                        count: m.expressed,
                        blank_included: m.rule.blank_is_expressed,
                    },
                    MotionLine::MajorityRequired {
                        threshold: m.rule.threshold,
                        base: m.rule.base,
                        base_count: m.base,
                        required: m.required,
                    },
                ]
                .map(Line::Motion),
            );
        }
        Details::Counts(c) => {
            lines.extend(c.options.iter().map(|o| {
                Line::Count(CountLine::Option {
                    label: label(poll, &o.id),
                    votes: o.votes,
                })
            }));
            lines.push(Line::Count(CountLine::Blank { count: c.blank }));
        }
        Details::MajorityJudgment(d) => {
            lines.extend(judgment_lines(poll, d).into_iter().map(Line::Judgment));
        }
        Details::Schulze(d) => lines.extend(schulze_lines(poll, d).into_iter().map(Line::Schulze)),
        Details::Budget(d) => lines.extend(budget_lines(poll, d).into_iter().map(Line::Budget)),
    }
    lines.push(Line::Decision(verdict(poll, result)));
    lines
}

fn quorum(q: &QuorumReport) -> [Line; 2] {
    let line = |at: Moment, c: &QuorumCheck| Line::Quorum {
        at,
        counted: c.counted,
        required: c.required,
        reached: c.reached,
    };
    [
        line(Moment::Opening, &q.at_open),
        line(Moment::Closing, &q.at_close),
    ]
}

/// The arithmetic of a participatory budget: the method, Equal Shares' shares and completion,
/// every project in the poll's order with its payments, and the spending.
fn budget_lines(poll: &Poll, details: &BudgetDetails) -> Vec<BudgetLine> {
    let label = |id: &OptionId| label(poll, id);
    let mut lines = vec![
        BudgetLine::Method {
            method: details.method,
        },
        BudgetLine::Totals {
            budget: details.budget,
            blank: details.blank,
        },
    ];
    if let Some(es) = &details.equal_shares {
        lines.push(BudgetLine::InitialShare {
            budget: details.budget,
            voters_weight: es.voters_weight,
            share: es.initial_share.clone(),
        });
        if let Some(before) = &details.funded_before_completion {
            lines.push(BudgetLine::EqualSharesAlone {
                projects: before.iter().map(label).collect(),
            });
        }
        lines.push(BudgetLine::Completion {
            steps: es.steps,
            step: es.step,
            virtual_budget: es.virtual_budget,
            share: es.share.clone(),
        });
    }
    for p in &details.projects {
        lines.push(BudgetLine::Project {
            label: label(&p.id),
            cost: p.cost,
            approvals: p.approvals,
            funded_by: p.funded_by,
        });
        if let Some(price) = &p.price {
            lines.push(BudgetLine::Payments {
                price: price.clone(),
                payments: p.payments.clone(),
            });
        }
    }
    let approved_fits = details
        .projects
        .iter()
        .any(|p| p.approvals > 0 && p.cost <= details.budget);
    if !approved_fits && details.projects.iter().any(|p| p.approvals > 0) {
        lines.push(BudgetLine::NothingFits);
    }
    lines.push(BudgetLine::Spent {
        spent: details.spent,
        budget: details.budget,
        remaining: details.remaining,
    });
    lines
}

/// The arithmetic of a Majority Judgment: one line per candidate in ranked order, then one per
/// pair of neighbours sharing a majority mention, saying how they were separated.
pub(super) fn judgment_lines(poll: &Poll, details: &MajorityJudgmentDetails) -> Vec<JudgmentLine> {
    let label = |id: &OptionId| label(poll, id);
    let grades = match &poll.kind {
        PollKind::MajorityJudgment { grades, .. } => *grades,
        _ => details.grades,
    };
    let mention = |grade: u8| Mention::new(grade, grades);
    let mut lines = vec![JudgmentLine::Judgments {
        count: details.judgments,
    }];
    let mut by_rank: Vec<&MeritProfile> = details.candidates.iter().collect();
    by_rank.sort_by_key(|c| c.rank);
    for c in &by_rank {
        lines.push(JudgmentLine::Profile {
            rank: c.rank,
            label: label(&c.id),
            majority: c.majority_grade.map(mention),
            above: c.above,
            below: c.below,
            // Best mention first, as the sentence reads.
            mentions: (0..c.profile.len())
                .rev()
                .map(|g| (mention(u8::try_from(g).unwrap_or(u8::MAX)), c.profile[g]))
                .collect(),
        });
    }
    // Explain how each pair of neighbours with the same majority grade was separated.
    for pair in by_rank.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if a.majority_grade != b.majority_grade || a.majority_grade.is_none() {
            continue;
        }
        let cmp = majority_judgment::compare(&a.profile, &b.profile);
        lines.push(match (cmp.removed, cmp.grades) {
            (None, _) => JudgmentLine::Identical {
                first: label(&a.id),
                second: label(&b.id),
            },
            (Some(removed), Some((ga, gb))) => JudgmentLine::TieBroken {
                ahead: label(&a.id),
                behind: label(&b.id),
                removed,
                ahead_mention: mention(ga),
                behind_mention: mention(gb),
            },
            (Some(_), None) => continue,
        });
    }
    lines
}

/// The arithmetic of a Schulze count: the pairwise duels, the strongest paths, the order.
fn schulze_lines(poll: &Poll, details: &SchulzeDetails) -> Vec<SchulzeLine> {
    let label = |id: &OptionId| label(poll, id);
    let n = details.candidates.len();
    let pairs = || (0..n).flat_map(|i| ((i + 1)..n).map(move |j| (i, j)));
    let mut lines = vec![
        SchulzeLine::Method {
            blank: details.blank,
        },
        SchulzeLine::DuelsHeading,
    ];
    lines.extend(pairs().map(|(i, j)| SchulzeLine::Duel {
        first: label(&details.candidates[i]),
        second: label(&details.candidates[j]),
        first_over_second: details.pairwise[i][j],
        second_over_first: details.pairwise[j][i],
    }));
    lines.push(SchulzeLine::PathsHeading);
    lines.extend(pairs().map(|(i, j)| SchulzeLine::Path {
        first: label(&details.candidates[i]),
        second: label(&details.candidates[j]),
        first_to_second: details.strongest_paths[i][j],
        second_to_first: details.strongest_paths[j][i],
    }));
    lines.push(SchulzeLine::Condorcet {
        winner: details.condorcet_winner.as_ref().map(label),
    });
    let flat: Vec<u64> = details.strongest_paths.iter().flatten().copied().collect();
    if flat.len() == n * n {
        lines.push(SchulzeLine::Ranking {
            tiers: schulze::schulze_tiers(&flat, n)
                .iter()
                .map(|t| t.iter().map(|&i| label(&details.candidates[i])).collect())
                .collect(),
        });
    }
    lines
}
