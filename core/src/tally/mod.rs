//! The one tally engine: counts the ballots of a poll and decides it.
//!
//! The kiosk, `urne verify`, `urne tally` and the registry all call [`tally`]; nothing else in
//! Urne counts votes. Results depend only on the multiset of ballots (never on their order) and
//! serialise to byte-identical JSON for the same ballots. All arithmetic is on integers.

mod budget;
mod classes;
mod explain;
mod majority_judgment;
mod render;
mod schulze;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ballot::{Ballot, BallotError, MotionChoice, WeightedBallot};
use crate::ids::{OptionId, PollId};
use crate::poll::{Poll, PollKind};
use crate::rules::{Attendance, MajorityBase, MajorityRule, Quorum, QuorumCheck};

pub use crate::lang::Lang;
pub use budget::{
    BudgetDetails, EqualSharesReport, FundedBy, MAX_COMPLETION_STEPS, Payment, ProjectOutcome,
    Rational,
};
pub use classes::{ClassesError, classes_of, tally_classes};
pub use explain::{
    BudgetLine, CountLine, JudgmentLine, Line, Moment, MotionLine, SchulzeLine, Verdict, explain,
    verdict,
};
pub use majority_judgment::{MajorityJudgmentDetails, MeritProfile};
pub use schulze::SchulzeDetails;

/// Why a poll could not be counted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TallyError {
    /// One ballot is malformed; nothing is counted.
    #[error("ballot {index} is invalid: {error}")]
    InvalidBallot {
        /// Position of the ballot in the list given to the engine (not a casting order).
        index: usize,
        /// Why it was refused.
        error: BallotError,
    },
    /// The sum of weights does not fit in 64 bits (or a class's in 32).
    #[error("the total weight of the ballots overflows")]
    Overflow,
}

/// What the engine needs to know besides the ballots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TallyContext {
    /// Members on the roster (the base of a quorum stated as a share).
    pub members: u64,
    /// Sum of the members' weights (the base of an absolute majority).
    pub member_weight: u64,
    /// The quorum rule, if the event has one.
    pub quorum: Option<Quorum>,
    /// Attendance when the poll opened.
    pub at_open: Attendance,
    /// Attendance when the poll closed.
    pub at_close: Attendance,
}

/// The quorum measured at both ends of the poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuorumReport {
    /// When the poll opened.
    pub at_open: QuorumCheck,
    /// When the poll closed.
    pub at_close: QuorumCheck,
}

impl QuorumReport {
    /// Reached at both ends.
    pub fn reached(&self) -> bool {
        self.at_open.reached && self.at_close.reached
    }
}

/// The outcome of a poll, as read out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    /// A motion is adopted (adoptée).
    Adopted,
    /// A motion is rejected (rejetée).
    Rejected,
    /// One winner, or the set of funded projects, is decided.
    Decided,
    /// Several options are tied for first place: the assembly must decide how to break it.
    Tie,
    /// No ballot (or only blank ones) was cast.
    NoVotes,
    /// The quorum was not reached when the poll opened or closed (quorum non atteint).
    QuorumNotReached,
}

/// The counts of a motion and the arithmetic of its decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MotionDetails {
    /// Weight of « pour ».
    #[serde(rename = "for")]
    pub for_: u64,
    /// Weight of « contre ».
    pub against: u64,
    /// Weight of abstentions.
    pub abstain: u64,
    /// Weight of blank votes.
    pub blank: u64,
    /// The votes expressed: for + against (+ blank when the rule counts it).
    pub expressed: u64,
    /// What « pour » is compared with: the expressed votes or the members' weight.
    pub base: u64,
    /// The rule applied.
    pub rule: MajorityRule,
    /// The smallest weight of « pour » that adopts the motion.
    pub required: u64,
}

/// Votes per option, for single-choice and approval polls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionCount {
    /// The option.
    pub id: OptionId,
    /// Weight of the ballots choosing or approving it.
    pub votes: u64,
}

/// Counts for single-choice and approval polls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountDetails {
    /// Every option, in the poll's order.
    pub options: Vec<OptionCount>,
    /// Weight of blank ballots.
    pub blank: u64,
}

/// The per-kind part of a result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Details {
    /// A motion.
    Motion(MotionDetails),
    /// A single-choice or approval poll.
    Counts(CountDetails),
    /// A Majority Judgment.
    MajorityJudgment(MajorityJudgmentDetails),
    /// A Schulze ranking.
    Schulze(SchulzeDetails),
    /// A participatory budget.
    Budget(BudgetDetails),
}

/// The result of a poll: what the organiser reads out and what `urne verify` recomputes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollResult {
    /// The poll.
    pub poll: PollId,
    /// The poll's kind (`motion`, `single-choice`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// Number of ballots in the box.
    pub ballots: u64,
    /// Sum of their weights.
    pub weight: u64,
    /// The quorum at open and close, when the event has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quorum: Option<QuorumReport>,
    /// The decision.
    pub decision: Decision,
    /// The winning option ids (several when tied). For a motion: `["for"]` when adopted,
    /// `["against"]` when rejected. Empty when the quorum failed or nobody voted.
    pub winners: Vec<OptionId>,
    /// Tiers from first to last, for Majority Judgment and Schulze.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ranking: Option<Vec<Vec<OptionId>>>,
    /// The funded projects, for budgets, in the order they were funded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funded: Option<Vec<OptionId>>,
    /// Counts and arithmetic specific to the kind of poll.
    pub details: Details,
}

impl PollResult {
    /// The canonical JSON bytes (compared byte for byte by `urne verify`).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).expect("results always serialise")
    }
}

fn option_id(text: &str) -> OptionId {
    OptionId::new(text).expect("built-in option ids are valid slugs")
}

/// Counts `ballots` for `poll`. Every ballot is validated first: one bad ballot and nothing is
/// counted.
pub fn tally(
    poll: &Poll,
    ballots: &[WeightedBallot],
    context: &TallyContext,
) -> Result<PollResult, TallyError> {
    let mut weight: u64 = 0;
    for (index, b) in ballots.iter().enumerate() {
        b.validate(poll)
            .map_err(|error| TallyError::InvalidBallot { index, error })?;
        weight = weight
            .checked_add(u64::from(b.weight))
            .ok_or(TallyError::Overflow)?;
    }
    let quorum = context.quorum.map(|q| QuorumReport {
        at_open: q.check(context.members, context.at_open),
        at_close: q.check(context.members, context.at_close),
    });
    let counted = Counted {
        poll,
        ballots,
        context,
    };
    let mut result = match &poll.kind {
        PollKind::Motion { rule, .. } => counted.motion(rule),
        PollKind::SingleChoice { options, .. } => counted
            .counts(options.iter().map(|o| &o.id), |b, id| {
                b == &Ballot::Single(id.clone())
            }),
        PollKind::Approval { options, .. } => counted.counts(
            options.iter().map(|o| &o.id),
            |b, id| matches!(b, Ballot::Approval(set) if set.contains(id)),
        ),
        PollKind::MajorityJudgment { candidates, grades } => {
            majority_judgment::count(candidates, *grades, ballots)
        }
        PollKind::Ranking { candidates } => schulze::count(candidates, ballots),
        PollKind::Budget {
            projects,
            budget,
            method,
        } => budget::count(projects, *budget, *method, ballots),
    };
    result.poll = poll.id.clone();
    result.kind = poll.kind.name().to_owned();
    result.ballots = u64::try_from(ballots.len()).unwrap_or(u64::MAX);
    result.weight = weight;
    if let Some(report) = quorum {
        result.quorum = Some(report);
        if !report.reached() {
            result.decision = Decision::QuorumNotReached;
            result.winners.clear();
        }
    }
    Ok(result)
}

/// A partially built result: the engine fills in the common fields afterwards.
pub(crate) fn draft(decision: Decision, winners: Vec<OptionId>, details: Details) -> PollResult {
    PollResult {
        poll: PollId::new("draft").expect("valid slug"),
        kind: String::new(),
        ballots: 0,
        weight: 0,
        quorum: None,
        decision,
        winners,
        ranking: None,
        funded: None,
        details,
    }
}

struct Counted<'a> {
    poll: &'a Poll,
    ballots: &'a [WeightedBallot],
    context: &'a TallyContext,
}

impl Counted<'_> {
    fn weight_where(&self, pred: impl Fn(&Ballot) -> bool) -> u64 {
        self.ballots
            .iter()
            .filter(|b| pred(&b.ballot))
            .map(|b| u64::from(b.weight))
            .sum()
    }

    fn motion(&self, rule: &MajorityRule) -> PollResult {
        let of = |c: MotionChoice| self.weight_where(|b| b == &Ballot::Motion(c));
        let for_ = of(MotionChoice::For);
        let against = of(MotionChoice::Against);
        let abstain = of(MotionChoice::Abstain);
        let blank = self.weight_where(|b| b == &Ballot::Blank);
        let expressed = for_ + against + if rule.blank_is_expressed { blank } else { 0 };
        let base = match rule.base {
            MajorityBase::Expressed => expressed,
            MajorityBase::Members => self.context.member_weight,
        };
        let required = rule.required_for(base);
        let (decision, winner) = if for_ + against + abstain + blank == 0 {
            (Decision::NoVotes, None)
        } else if for_ >= required {
            (Decision::Adopted, Some("for"))
        } else {
            (Decision::Rejected, Some("against"))
        };
        let _ = self.poll;
        draft(
            decision,
            winner.map(option_id).into_iter().collect(),
            Details::Motion(MotionDetails {
                for_,
                against,
                abstain,
                blank,
                expressed,
                base,
                rule: *rule,
                required,
            }),
        )
    }

    fn counts<'o>(
        &self,
        options: impl Iterator<Item = &'o OptionId>,
        chose: impl Fn(&Ballot, &OptionId) -> bool,
    ) -> PollResult {
        let options: Vec<OptionCount> = options
            .map(|id| OptionCount {
                id: id.clone(),
                votes: self.weight_where(|b| chose(b, id)),
            })
            .collect();
        let blank = self.weight_where(|b| b == &Ballot::Blank);
        let best = options.iter().map(|o| o.votes).max().unwrap_or(0);
        let winners: Vec<OptionId> = if best == 0 {
            Vec::new()
        } else {
            options
                .iter()
                .filter(|o| o.votes == best)
                .map(|o| o.id.clone())
                .collect()
        };
        let decision = match winners.len() {
            0 => Decision::NoVotes,
            1 => Decision::Decided,
            _ => Decision::Tie,
        };
        draft(
            decision,
            winners,
            Details::Counts(CountDetails { options, blank }),
        )
    }
}

/// The arithmetic behind a decision, one sentence per line, as printed on the procès-verbal
/// and shown on the results screen: [`explain`]'s lines written out in `lang`.
pub fn arithmetic(poll: &Poll, result: &PollResult, lang: Lang) -> Vec<String> {
    explain(poll, result)
        .iter()
        .map(|line| line.text(lang))
        .collect()
}

/// « Motion adoptée. », « Quorum non atteint. », …: [`verdict`] written out in `lang`.
pub fn decision_sentence(poll: &Poll, result: &PollResult, lang: Lang) -> String {
    verdict(poll, result).text(lang)
}

/// Tallies of several polls keyed by poll id (used when a bundle is re-counted).
pub type Results = BTreeMap<PollId, PollResult>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poll::PollOption;
    use crate::rules::{Fraction, QuorumMinimum};

    fn motion(rule: MajorityRule) -> Poll {
        Poll {
            id: PollId::new("charte").unwrap(),
            question: "Adopter la charte ?".into(),
            kind: PollKind::Motion {
                blank_allowed: true,
                rule,
            },
        }
    }

    fn ballots(spec: &[(Ballot, usize)]) -> Vec<WeightedBallot> {
        spec.iter()
            .flat_map(|(b, n)| std::iter::repeat_n(WeightedBallot::single(b.clone()), *n))
            .collect()
    }

    fn context() -> TallyContext {
        TallyContext {
            members: 150,
            member_weight: 150,
            quorum: Some(Quorum {
                minimum: QuorumMinimum::ShareOfMembers(Fraction::new(1, 3).unwrap()),
                count_proxies: true,
            }),
            at_open: Attendance {
                present: 60,
                represented: 4,
            },
            at_close: Attendance {
                present: 58,
                represented: 4,
            },
        }
    }

    #[test]
    fn a_simple_majority_motion_is_adopted_with_its_arithmetic() {
        let poll = motion(MajorityRule::SIMPLE);
        let b = ballots(&[
            (Ballot::Motion(MotionChoice::For), 30),
            (Ballot::Motion(MotionChoice::Against), 17),
            (Ballot::Motion(MotionChoice::Abstain), 5),
            (Ballot::Blank, 3),
        ]);
        let r = tally(&poll, &b, &context()).unwrap();
        assert_eq!(r.decision, Decision::Adopted);
        let Details::Motion(m) = &r.details else {
            panic!("motion details expected")
        };
        assert_eq!((m.for_, m.against, m.abstain, m.blank), (30, 17, 5, 3));
        assert_eq!((m.expressed, m.required), (47, 24));
        assert_eq!(r.ballots, 55);
        let text = arithmetic(&poll, &r, Lang::Fr).join("\n");
        assert!(text.contains("Suffrages exprimés : 47"), "{text}");
        assert!(text.contains("soit 24 voix pour au minimum"), "{text}");
        assert!(text.ends_with("Décision : adoptée."), "{text}");
    }

    #[test]
    fn two_thirds_is_at_least_two_thirds() {
        let poll = motion(MajorityRule::TWO_THIRDS);
        let b = ballots(&[
            (Ballot::Motion(MotionChoice::For), 20),
            (Ballot::Motion(MotionChoice::Against), 10),
        ]);
        let r = tally(&poll, &b, &context()).unwrap();
        assert_eq!(
            r.decision,
            Decision::Adopted,
            "20 of 30 is exactly two thirds"
        );
        let b = ballots(&[
            (Ballot::Motion(MotionChoice::For), 19),
            (Ballot::Motion(MotionChoice::Against), 10),
        ]);
        assert_eq!(
            tally(&poll, &b, &context()).unwrap().decision,
            Decision::Rejected
        );
    }

    #[test]
    fn a_failed_quorum_overrides_the_count() {
        let poll = motion(MajorityRule::SIMPLE);
        let b = ballots(&[(Ballot::Motion(MotionChoice::For), 10)]);
        let mut ctx = context();
        ctx.at_close = Attendance {
            present: 40,
            represented: 2,
        };
        let r = tally(&poll, &b, &ctx).unwrap();
        assert_eq!(r.decision, Decision::QuorumNotReached);
        assert!(r.winners.is_empty());
    }

    #[test]
    fn one_bad_ballot_and_nothing_is_counted() {
        let poll = motion(MajorityRule::SIMPLE);
        let mut b = ballots(&[(Ballot::Motion(MotionChoice::For), 3)]);
        b.push(WeightedBallot::single(Ballot::Single(option_id("x"))));
        assert!(matches!(
            tally(&poll, &b, &context()),
            Err(TallyError::InvalidBallot { index: 3, .. })
        ));
    }

    #[test]
    fn single_choice_reports_ties() {
        let opts: Vec<PollOption> = ["a", "b", "c"]
            .iter()
            .map(|s| PollOption {
                id: option_id(s),
                label: s.to_uppercase(),
            })
            .collect();
        let poll = Poll {
            id: PollId::new("lieu").unwrap(),
            question: "Lieu ?".into(),
            kind: PollKind::SingleChoice {
                options: opts,
                blank_allowed: true,
            },
        };
        let b = ballots(&[
            (Ballot::Single(option_id("a")), 4),
            (Ballot::Single(option_id("b")), 4),
            (Ballot::Blank, 9),
        ]);
        let r = tally(&poll, &b, &context()).unwrap();
        assert_eq!(r.decision, Decision::Tie);
        assert_eq!(r.winners, vec![option_id("a"), option_id("b")]);
    }
}
