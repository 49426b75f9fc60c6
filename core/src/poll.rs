//! Polls (scrutins): the question, the kind of ballot, its options and the rules that decide it.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::ids::{OptionId, PollId};
use crate::lang::Lang;
use crate::rules::MajorityRule;

/// The most candidates of a ranking ([`PollKind::max_options`]).
pub const MAX_RANKED: usize = 64;
/// The most projects of a participatory budget.
pub const MAX_PROJECTS: usize = 100;
/// The most options of the other kinds.
pub const MAX_OPTIONS: usize = 300;

/// Why a poll definition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PollError {
    /// The question is empty.
    #[error("poll {poll}: the question is empty")]
    EmptyQuestion {
        /// The poll.
        poll: PollId,
    },
    /// Fewer options than the kind of ballot needs.
    #[error("poll {poll}: at least {needed} options are needed, found {found}")]
    TooFewOptions {
        /// The poll.
        poll: PollId,
        /// The minimum.
        needed: usize,
        /// How many were given.
        found: usize,
    },
    /// More options than a ballot of this kind may offer.
    #[error("poll {poll}: at most {max} options may be offered, found {found}")]
    TooManyOptions {
        /// The poll.
        poll: PollId,
        /// The maximum for the kind.
        max: usize,
        /// How many were given.
        found: usize,
    },
    /// Two options share an id.
    #[error("poll {poll}: the option id « {option} » is used twice")]
    DuplicateOption {
        /// The poll.
        poll: PollId,
        /// The repeated id.
        option: OptionId,
    },
    /// An option label is empty.
    #[error("poll {poll}: option « {option} » has no label")]
    EmptyLabel {
        /// The poll.
        poll: PollId,
        /// The option.
        option: OptionId,
    },
    /// Approval bounds that no ballot can satisfy.
    #[error(
        "poll {poll}: approval bounds must satisfy 1 <= min <= max <= {options} (found {min}..{max})"
    )]
    BadApprovalBounds {
        /// The poll.
        poll: PollId,
        /// Minimum approvals.
        min: u32,
        /// Maximum approvals.
        max: u32,
        /// Number of options.
        options: usize,
    },
    /// A Majority Judgment scale outside 5 to 7 mentions.
    #[error("poll {poll}: a Majority Judgment scale has 5 to 7 mentions, not {grades}")]
    BadGradeScale {
        /// The poll.
        poll: PollId,
        /// The refused size.
        grades: u8,
    },
    /// A participatory budget of zero, or a project that costs nothing.
    #[error("poll {poll}: the budget and every project's cost must be greater than zero")]
    BadBudget {
        /// The poll.
        poll: PollId,
    },
}

/// One option of a single-choice or approval poll, or one candidate of a ranking or judgment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollOption {
    /// Stable identifier, used in ballots and results.
    pub id: OptionId,
    /// The text shown to voters.
    pub label: String,
}

/// A project of a participatory budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// Stable identifier.
    pub id: OptionId,
    /// The text shown to voters.
    pub label: String,
    /// Cost, in whole currency units (euros).
    pub cost: u64,
}

/// How a participatory budget is allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BudgetMethod {
    /// By number of approvals, skipping a project that no longer fits.
    Greedy,
    /// The Method of Equal Shares with approval utilities, completed as documented.
    EqualShares,
}

/// The kind of ballot a poll uses, with its options and rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum PollKind {
    /// Pour / contre / abstention (and vote blanc when allowed).
    Motion {
        /// Whether a blank vote is offered.
        blank_allowed: bool,
        /// The majority required.
        rule: MajorityRule,
    },
    /// One option among several.
    SingleChoice {
        /// The options.
        options: Vec<PollOption>,
        /// Whether a blank vote is offered.
        blank_allowed: bool,
    },
    /// Between `min` and `max` options.
    Approval {
        /// The options.
        options: Vec<PollOption>,
        /// Fewest approvals on a non-blank ballot.
        min: u32,
        /// Most approvals on a ballot.
        max: u32,
        /// Whether a blank vote is offered.
        blank_allowed: bool,
    },
    /// One mention per candidate (jugement majoritaire).
    MajorityJudgment {
        /// The candidates.
        candidates: Vec<PollOption>,
        /// Number of mentions, 5 to 7.
        grades: u8,
    },
    /// A ranking of candidates, counted by the Schulze method.
    Ranking {
        /// The candidates.
        candidates: Vec<PollOption>,
    },
    /// Approval of projects with costs, within a total budget (budget participatif).
    Budget {
        /// The projects.
        projects: Vec<Project>,
        /// The total available.
        budget: u64,
        /// How the budget is allocated.
        method: BudgetMethod,
    },
}

impl PollKind {
    /// A short machine name of the kind (`motion`, `single-choice`, …).
    pub fn name(&self) -> &'static str {
        match self {
            PollKind::Motion { .. } => "motion",
            PollKind::SingleChoice { .. } => "single-choice",
            PollKind::Approval { .. } => "approval",
            PollKind::MajorityJudgment { .. } => "majority-judgment",
            PollKind::Ranking { .. } => "ranking",
            PollKind::Budget { .. } => "budget",
        }
    }

    /// Whether a blank ballot is accepted.
    pub fn blank_allowed(&self) -> bool {
        match self {
            PollKind::Motion { blank_allowed, .. }
            | PollKind::SingleChoice { blank_allowed, .. }
            | PollKind::Approval { blank_allowed, .. } => *blank_allowed,
            // A ranking or a budget with nothing chosen is recorded as blank; a judgment without
            // grades is not meaningful, so it is not offered.
            PollKind::Ranking { .. } | PollKind::Budget { .. } => true,
            PollKind::MajorityJudgment { .. } => false,
        }
    }

    /// The most options, candidates or projects a poll of this kind may offer. The count's work
    /// grows with them (a ranking's pairwise matrix as their square, the Schulze paths as their
    /// cube, Equal Shares' rounds as projects times supporters), and a bundle is outside input:
    /// a 4,000-candidate ranking kept `urne verify` busy for 46 s and 730 MB. No ballot a voter
    /// can fill on a kiosk comes near these.
    pub fn max_options(&self) -> usize {
        match self {
            PollKind::Ranking { .. } => MAX_RANKED,
            PollKind::Budget { .. } => MAX_PROJECTS,
            PollKind::Motion { .. }
            | PollKind::SingleChoice { .. }
            | PollKind::Approval { .. }
            | PollKind::MajorityJudgment { .. } => MAX_OPTIONS,
        }
    }

    /// The ids of the options, candidates or projects, in the order they are presented.
    pub fn option_ids(&self) -> Vec<&OptionId> {
        match self {
            PollKind::Motion { .. } => Vec::new(),
            PollKind::SingleChoice { options, .. } | PollKind::Approval { options, .. } => {
                options.iter().map(|o| &o.id).collect()
            }
            PollKind::MajorityJudgment { candidates, .. } | PollKind::Ranking { candidates } => {
                candidates.iter().map(|o| &o.id).collect()
            }
            PollKind::Budget { projects, .. } => projects.iter().map(|p| &p.id).collect(),
        }
    }

    /// The label of an option, candidate or project.
    pub fn label_of(&self, id: &OptionId) -> Option<&str> {
        match self {
            PollKind::Motion { .. } => None,
            PollKind::SingleChoice { options, .. }
            | PollKind::Approval { options, .. }
            | PollKind::MajorityJudgment {
                candidates: options,
                ..
            }
            | PollKind::Ranking {
                candidates: options,
            } => options
                .iter()
                .find(|o| &o.id == id)
                .map(|o| o.label.as_str()),
            PollKind::Budget { projects, .. } => projects
                .iter()
                .find(|p| &p.id == id)
                .map(|p| p.label.as_str()),
        }
    }
}

/// A poll: a question put to the assembly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Poll {
    /// Stable identifier within the event.
    pub id: PollId,
    /// The question, as read out and shown.
    pub question: String,
    /// The kind of ballot and its options.
    pub kind: PollKind,
}

impl Poll {
    /// The label of an option, candidate or project, as every result shows it; its id when the
    /// poll has no label for it (a motion's `for` and `against`).
    pub fn option_label(&self, id: &OptionId) -> String {
        self.kind.label_of(id).unwrap_or(id.as_str()).to_owned()
    }

    /// SHA-256 of the poll's compact JSON: what the audit chain records when a poll is created
    /// or edited on the kiosk, so that an auditor can match it with the bundle's `event.json`.
    pub fn definition_digest(&self) -> crate::crypto::Sha256Digest {
        let json = serde_json::to_vec(self).expect("a poll always serialises");
        crate::crypto::Sha256Digest::of(&json)
    }

    /// Checks that the poll can be voted on and counted.
    pub fn validate(&self) -> Result<(), PollError> {
        let poll = || self.id.clone();
        if self.question.trim().is_empty() {
            return Err(PollError::EmptyQuestion { poll: poll() });
        }
        let labelled: Vec<(&OptionId, &str)> = match &self.kind {
            PollKind::Motion { .. } => Vec::new(),
            PollKind::SingleChoice { options, .. }
            | PollKind::Approval { options, .. }
            | PollKind::MajorityJudgment {
                candidates: options,
                ..
            }
            | PollKind::Ranking {
                candidates: options,
            } => options.iter().map(|o| (&o.id, o.label.as_str())).collect(),
            PollKind::Budget { projects, .. } => {
                projects.iter().map(|p| (&p.id, p.label.as_str())).collect()
            }
        };
        let needed = match self.kind {
            PollKind::Motion { .. } => 0,
            PollKind::Budget { .. } | PollKind::Approval { .. } => 1,
            _ => 2,
        };
        if labelled.len() < needed {
            return Err(PollError::TooFewOptions {
                poll: poll(),
                needed,
                found: labelled.len(),
            });
        }
        let max = self.kind.max_options();
        if labelled.len() > max {
            return Err(PollError::TooManyOptions {
                poll: poll(),
                max,
                found: labelled.len(),
            });
        }
        let mut seen = BTreeSet::new();
        for (id, label) in &labelled {
            if !seen.insert(*id) {
                return Err(PollError::DuplicateOption {
                    poll: poll(),
                    option: (*id).clone(),
                });
            }
            if label.trim().is_empty() {
                return Err(PollError::EmptyLabel {
                    poll: poll(),
                    option: (*id).clone(),
                });
            }
        }
        match &self.kind {
            PollKind::Approval {
                options, min, max, ..
            } => {
                let n = options.len();
                if *min < 1 || min > max || usize::try_from(*max).map_or(true, |m| m > n) {
                    return Err(PollError::BadApprovalBounds {
                        poll: poll(),
                        min: *min,
                        max: *max,
                        options: n,
                    });
                }
            }
            PollKind::MajorityJudgment { grades, .. } => {
                if !(5..=7).contains(grades) {
                    return Err(PollError::BadGradeScale {
                        poll: poll(),
                        grades: *grades,
                    });
                }
            }
            PollKind::Budget {
                projects, budget, ..
            } => {
                if *budget == 0 || projects.iter().any(|p| p.cost == 0) {
                    return Err(PollError::BadBudget { poll: poll() });
                }
            }
            PollKind::Motion { .. } | PollKind::SingleChoice { .. } | PollKind::Ranking { .. } => {}
        }
        Ok(())
    }
}

/// The mentions of a Majority Judgment scale, from the best (index 0 in this list) to the worst.
///
/// Grades in ballots are numbers where `0` is the worst mention and `grades - 1` the best, so
/// that a larger number is a better grade.
pub fn grade_labels_fr(grades: u8) -> &'static [&'static str] {
    match grades {
        5 => &["Très bien", "Bien", "Assez bien", "Passable", "Insuffisant"],
        6 => &[
            "Très bien",
            "Bien",
            "Assez bien",
            "Passable",
            "Insuffisant",
            "À rejeter",
        ],
        _ => &[
            "Excellent",
            "Très bien",
            "Bien",
            "Assez bien",
            "Passable",
            "Insuffisant",
            "À rejeter",
        ],
    }
}

/// The English names of the mentions, best first, as the kiosk's translation writes them.
pub fn grade_labels_en(grades: u8) -> &'static [&'static str] {
    match grades {
        5 => &["Very good", "Good", "Fairly good", "Fair", "Insufficient"],
        6 => &[
            "Very good",
            "Good",
            "Fairly good",
            "Fair",
            "Insufficient",
            "Reject",
        ],
        _ => &[
            "Excellent",
            "Very good",
            "Good",
            "Fairly good",
            "Fair",
            "Insufficient",
            "Reject",
        ],
    }
}

/// The names of the mentions of a scale of `grades`, best first, in `lang`.
pub fn grade_labels(grades: u8, lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::Fr => grade_labels_fr(grades),
        Lang::En => grade_labels_en(grades),
    }
}

/// One mention of a Majority Judgment scale: `grade` 0 is the worst of a scale of `grades`, as
/// in ballots and merit profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mention {
    /// The grade, `0` for the worst mention.
    pub grade: u8,
    /// The size of the scale (5 to 7).
    pub grades: u8,
}

impl Mention {
    /// Mention `grade` of a scale of `grades`.
    pub fn new(grade: u8, grades: u8) -> Self {
        Self { grade, grades }
    }

    /// Every mention of a scale, worst first: the order of merit profiles and of their charts.
    pub fn scale(grades: u8) -> impl DoubleEndedIterator<Item = Mention> {
        (0..grades).map(move |grade| Mention::new(grade, grades))
    }

    /// The mention's name in `lang`, when the scale has one for it.
    pub fn label(self, lang: Lang) -> Option<&'static str> {
        let index = self.grades.checked_sub(1)?.checked_sub(self.grade)?;
        grade_labels(self.grades, lang)
            .get(usize::from(index))
            .copied()
    }

    /// The mention's name in `lang` (« Très bien », « Very good »), or its grade as a number
    /// when the scale has no name for it.
    pub fn name(self, lang: Lang) -> String {
        self.label(lang)
            .map_or_else(|| self.grade.to_string(), str::to_owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opt(id: &str) -> PollOption {
        PollOption {
            id: OptionId::new(id).unwrap(),
            label: id.to_uppercase(),
        }
    }

    #[test]
    fn duplicate_options_and_bad_bounds_are_refused() {
        let poll = Poll {
            id: PollId::new("p").unwrap(),
            question: "Q ?".into(),
            kind: PollKind::SingleChoice {
                options: vec![opt("a"), opt("a")],
                blank_allowed: true,
            },
        };
        assert!(matches!(
            poll.validate(),
            Err(PollError::DuplicateOption { .. })
        ));
        let poll = Poll {
            kind: PollKind::Approval {
                options: vec![opt("a"), opt("b")],
                min: 1,
                max: 3,
                blank_allowed: true,
            },
            ..poll
        };
        assert!(matches!(
            poll.validate(),
            Err(PollError::BadApprovalBounds { .. })
        ));
    }

    #[test]
    fn options_are_capped_by_kind() {
        let ranking = |n: usize| Poll {
            id: PollId::new("p").unwrap(),
            question: "Q ?".into(),
            kind: PollKind::Ranking {
                candidates: (0..n).map(|i| opt(&format!("c{i}"))).collect(),
            },
        };
        assert_eq!(ranking(MAX_RANKED).validate(), Ok(()));
        assert_eq!(
            ranking(4000).validate(),
            Err(PollError::TooManyOptions {
                poll: PollId::new("p").unwrap(),
                max: MAX_RANKED,
                found: 4000
            })
        );
        let choice = Poll {
            kind: PollKind::SingleChoice {
                options: (0..=MAX_OPTIONS).map(|i| opt(&format!("o{i}"))).collect(),
                blank_allowed: false,
            },
            ..ranking(2)
        };
        assert!(matches!(
            choice.validate(),
            Err(PollError::TooManyOptions {
                max: MAX_OPTIONS,
                ..
            })
        ));
    }

    #[test]
    fn mentions_are_named_worst_first_in_both_languages() {
        let seven: Vec<String> = Mention::scale(7).map(|m| m.name(Lang::Fr)).collect();
        assert_eq!(
            seven,
            [
                "À rejeter",
                "Insuffisant",
                "Passable",
                "Assez bien",
                "Bien",
                "Très bien",
                "Excellent"
            ]
        );
        let five: Vec<String> = Mention::scale(5).map(|m| m.name(Lang::En)).collect();
        assert_eq!(
            five,
            ["Insufficient", "Fair", "Fairly good", "Good", "Very good"]
        );
        assert_eq!(Mention::new(0, 6).name(Lang::En), "Reject");
        assert_eq!(Mention::new(5, 6).name(Lang::Fr), "Très bien");
        // A grade beyond the scale has no name: its number stands for it.
        assert_eq!(Mention::new(9, 7).name(Lang::Fr), "9");
    }

    #[test]
    fn poll_json_is_tagged_by_kind() {
        let poll = Poll {
            id: PollId::new("charte").unwrap(),
            question: "Adopter la charte ?".into(),
            kind: PollKind::Motion {
                blank_allowed: true,
                rule: MajorityRule::SIMPLE,
            },
        };
        let json = serde_json::to_string(&poll).unwrap();
        assert!(json.contains(r#""type":"motion""#), "{json}");
        let back: Poll = serde_json::from_str(&json).unwrap();
        assert_eq!(back, poll);
    }
}
