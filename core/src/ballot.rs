//! Ballots (bulletins) and their validation against a poll.
//!
//! A ballot says what was voted and nothing else: no member, no time, no position. Its JSON form
//! is canonical (sets and maps are sorted), so that ballots can be ordered by content when they
//! are exported and that two equal ballots are byte-identical.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::ids::OptionId;
use crate::poll::{Poll, PollKind};

/// The three non-blank answers to a motion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MotionChoice {
    /// Pour.
    For,
    /// Contre.
    Against,
    /// Abstention: counted, reported, never expressed.
    Abstain,
}

/// What a voter put in the ballot box for one poll.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ballot {
    /// Vote blanc: counted and reported apart from abstention.
    Blank,
    /// An answer to a motion.
    Motion(MotionChoice),
    /// One option of a single-choice poll.
    Single(OptionId),
    /// The approved options of an approval poll.
    Approval(BTreeSet<OptionId>),
    /// One grade per candidate: `0` is the worst mention, `grades - 1` the best.
    Grades(BTreeMap<OptionId, u8>),
    /// Tiers from most to least preferred; candidates absent from every tier rank below all
    /// ranked ones, tied among themselves.
    Ranking(Vec<Vec<OptionId>>),
    /// The approved projects of a participatory budget.
    Budget(BTreeSet<OptionId>),
}

/// A ballot with the voting weight of the member it was cast for (1 unless the event weighs
/// members, as delegate assemblies do).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightedBallot {
    /// What was voted.
    pub ballot: Ballot,
    /// The weight, at least 1.
    pub weight: u32,
}

impl WeightedBallot {
    /// A ballot of weight one.
    pub fn single(ballot: Ballot) -> Self {
        Self { ballot, weight: 1 }
    }

    /// The canonical JSON bytes of this ballot, used to store it and to order exports.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        // Serialising plain data with sorted collections cannot fail.
        serde_json::to_vec(self).expect("ballots always serialise")
    }
}

/// Why a ballot was refused. A refused ballot is never stored nor counted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BallotError {
    /// The ballot is of another kind than the poll.
    #[error("this ballot is for a {found} poll, but the poll is a {expected}")]
    WrongKind {
        /// The poll's kind.
        expected: &'static str,
        /// The ballot's kind.
        found: &'static str,
    },
    /// Blank is not offered in this poll.
    #[error("a blank vote is not allowed in this poll")]
    BlankNotAllowed,
    /// An option that the poll does not have.
    #[error("unknown option « {0} »")]
    UnknownOption(OptionId),
    /// Fewer or more approvals than the poll allows.
    #[error("{found} options approved, but the poll asks for {min} to {max}")]
    ApprovalCount {
        /// Approvals on the ballot.
        found: usize,
        /// The minimum.
        min: u32,
        /// The maximum.
        max: u32,
    },
    /// A judgment that leaves out a candidate.
    #[error("candidate « {0} » has no grade")]
    MissingGrade(OptionId),
    /// A grade beyond the scale.
    #[error("grade {grade} for « {candidate} » is outside the scale of {grades} mentions")]
    GradeOutOfScale {
        /// The candidate.
        candidate: OptionId,
        /// The grade given.
        grade: u8,
        /// The scale size.
        grades: u8,
    },
    /// A candidate ranked twice.
    #[error("candidate « {0} » is ranked more than once")]
    DuplicateRank(OptionId),
    /// An empty tier in a ranking.
    #[error("a ranking may not contain an empty rank")]
    EmptyTier,
    /// A weight of zero.
    #[error("a ballot's weight must be at least 1")]
    ZeroWeight,
}

impl Ballot {
    /// A short machine name of the ballot's kind, matching [`PollKind::name`].
    pub fn kind_name(&self) -> &'static str {
        match self {
            Ballot::Blank => "blank",
            Ballot::Motion(_) => "motion",
            Ballot::Single(_) => "single-choice",
            Ballot::Approval(_) => "approval",
            Ballot::Grades(_) => "majority-judgment",
            Ballot::Ranking(_) => "ranking",
            Ballot::Budget(_) => "budget",
        }
    }

    /// Checks the ballot against the poll it is cast in.
    pub fn validate(&self, poll: &Poll) -> Result<(), BallotError> {
        let known = |id: &OptionId| -> Result<(), BallotError> {
            if poll.kind.option_ids().contains(&id) {
                Ok(())
            } else {
                Err(BallotError::UnknownOption(id.clone()))
            }
        };
        let wrong = || BallotError::WrongKind {
            expected: poll.kind.name(),
            found: self.kind_name(),
        };
        match (self, &poll.kind) {
            (Ballot::Blank, kind) => {
                if kind.blank_allowed() {
                    Ok(())
                } else {
                    Err(BallotError::BlankNotAllowed)
                }
            }
            (Ballot::Motion(_), PollKind::Motion { .. }) => Ok(()),
            (Ballot::Single(choice), PollKind::SingleChoice { .. }) => known(choice),
            (Ballot::Approval(chosen), PollKind::Approval { min, max, .. }) => {
                chosen.iter().try_for_each(known)?;
                let n = chosen.len();
                let within = u32::try_from(n).is_ok_and(|n| n >= *min && n <= *max);
                if within {
                    Ok(())
                } else {
                    Err(BallotError::ApprovalCount {
                        found: n,
                        min: *min,
                        max: *max,
                    })
                }
            }
            (
                Ballot::Grades(grades),
                PollKind::MajorityJudgment {
                    candidates,
                    grades: scale,
                },
            ) => {
                grades.keys().try_for_each(known)?;
                for candidate in candidates {
                    match grades.get(&candidate.id) {
                        None => return Err(BallotError::MissingGrade(candidate.id.clone())),
                        Some(&grade) if grade >= *scale => {
                            return Err(BallotError::GradeOutOfScale {
                                candidate: candidate.id.clone(),
                                grade,
                                grades: *scale,
                            });
                        }
                        Some(_) => {}
                    }
                }
                Ok(())
            }
            (Ballot::Ranking(tiers), PollKind::Ranking { .. }) => {
                let mut seen = BTreeSet::new();
                for tier in tiers {
                    if tier.is_empty() {
                        return Err(BallotError::EmptyTier);
                    }
                    for id in tier {
                        known(id)?;
                        if !seen.insert(id) {
                            return Err(BallotError::DuplicateRank(id.clone()));
                        }
                    }
                }
                Ok(())
            }
            (Ballot::Budget(chosen), PollKind::Budget { .. }) => chosen.iter().try_for_each(known),
            _ => Err(wrong()),
        }
    }
}

impl WeightedBallot {
    /// Checks the weight and the ballot.
    pub fn validate(&self, poll: &Poll) -> Result<(), BallotError> {
        if self.weight == 0 {
            return Err(BallotError::ZeroWeight);
        }
        self.ballot.validate(poll)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::PollId;
    use crate::poll::PollOption;
    use crate::rules::MajorityRule;

    fn id(s: &str) -> OptionId {
        OptionId::new(s).unwrap()
    }

    fn options(ids: &[&str]) -> Vec<PollOption> {
        ids.iter()
            .map(|s| PollOption {
                id: id(s),
                label: s.to_string(),
            })
            .collect()
    }

    fn poll(kind: PollKind) -> Poll {
        Poll {
            id: PollId::new("p").unwrap(),
            question: "?".into(),
            kind,
        }
    }

    #[test]
    fn ballot_json_is_canonical_and_readable() {
        let b = WeightedBallot::single(Ballot::Motion(MotionChoice::For));
        assert_eq!(
            String::from_utf8(b.canonical_bytes()).unwrap(),
            r#"{"ballot":{"motion":"for"},"weight":1}"#
        );
        let blank = WeightedBallot::single(Ballot::Blank);
        assert_eq!(
            String::from_utf8(blank.canonical_bytes()).unwrap(),
            r#"{"ballot":"blank","weight":1}"#
        );
        let approval = Ballot::Approval([id("b"), id("a")].into_iter().collect());
        assert_eq!(
            serde_json::to_string(&approval).unwrap(),
            r#"{"approval":["a","b"]}"#
        );
    }

    #[test]
    fn malformed_ballots_are_refused_with_their_reason() {
        let motion = poll(PollKind::Motion {
            blank_allowed: false,
            rule: MajorityRule::SIMPLE,
        });
        assert_eq!(
            Ballot::Blank.validate(&motion),
            Err(BallotError::BlankNotAllowed)
        );
        assert!(matches!(
            Ballot::Single(id("a")).validate(&motion),
            Err(BallotError::WrongKind { .. })
        ));
        let approval = poll(PollKind::Approval {
            options: options(&["a", "b", "c", "d"]),
            min: 1,
            max: 3,
            blank_allowed: true,
        });
        let all: BTreeSet<_> = ["a", "b", "c", "d"].iter().map(|s| id(s)).collect();
        assert!(matches!(
            Ballot::Approval(all).validate(&approval),
            Err(BallotError::ApprovalCount { found: 4, .. })
        ));
        assert_eq!(
            Ballot::Approval([id("z")].into_iter().collect()).validate(&approval),
            Err(BallotError::UnknownOption(id("z")))
        );
        let ranking = poll(PollKind::Ranking {
            candidates: options(&["a", "b", "c"]),
        });
        assert_eq!(
            Ballot::Ranking(vec![vec![id("a")], vec![id("a")]]).validate(&ranking),
            Err(BallotError::DuplicateRank(id("a")))
        );
        assert!(
            Ballot::Ranking(vec![vec![id("b")], vec![id("a"), id("c")]])
                .validate(&ranking)
                .is_ok()
        );
        let mj = poll(PollKind::MajorityJudgment {
            candidates: options(&["a", "b"]),
            grades: 7,
        });
        let grades: BTreeMap<_, _> = [(id("a"), 6), (id("b"), 7)].into_iter().collect();
        assert!(matches!(
            Ballot::Grades(grades).validate(&mj),
            Err(BallotError::GradeOutOfScale { grade: 7, .. })
        ));
        let partial: BTreeMap<_, _> = [(id("a"), 6)].into_iter().collect();
        assert_eq!(
            Ballot::Grades(partial).validate(&mj),
            Err(BallotError::MissingGrade(id("b")))
        );
        let zero = WeightedBallot {
            ballot: Ballot::Motion(MotionChoice::For),
            weight: 0,
        };
        assert_eq!(zero.validate(&motion), Err(BallotError::ZeroWeight));
    }
}
