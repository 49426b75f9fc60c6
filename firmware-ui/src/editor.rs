//! The organiser's poll editor: a draft poll as the touchscreen edits it (texts typed so far,
//! the kind chosen, the rules), turned into a checked [`Poll`] on saving.
//!
//! At a banquet questions are put during the evening, so the organiser writes them on the
//! kiosk. The draft keeps what is half typed (a cost of « 12 » on its way to « 1200 »); only
//! [`PollDraft::to_poll`] decides whether it makes a poll, and says what is missing.

use std::collections::BTreeSet;

use urne_core::ids::{OptionId, PollId};
use urne_core::poll::{BudgetMethod, Poll, PollKind, PollOption, Project};
use urne_core::rules::MajorityRule;

/// Longest question, in characters (a question read out to a room is shorter).
pub const MAX_QUESTION: usize = 300;
/// Longest option label, in characters.
pub const MAX_LABEL: usize = 80;
/// Most options a poll may get on the kiosk (the ballot screens stay readable).
pub const MAX_OPTIONS: usize = 12;
/// Digits of a cost or a budget (up to 999 999 999 €).
pub const MAX_AMOUNT_DIGITS: usize = 9;

/// The kind of ballot, as offered by the editor, in the order of its buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftKind {
    /// Pour / contre / abstention.
    Motion,
    /// One option among several.
    Single,
    /// Several options.
    Approval,
    /// Majority Judgment.
    Judgment,
    /// A ranking (Schulze).
    Ranking,
    /// A participatory budget.
    Budget,
}

impl DraftKind {
    /// Whether the kind has options (every kind but the motion).
    pub fn has_options(self) -> bool {
        self != DraftKind::Motion
    }

    /// Whether a blank vote can be offered or not (the others decide it themselves).
    pub fn blank_is_a_choice(self) -> bool {
        matches!(
            self,
            DraftKind::Motion | DraftKind::Single | DraftKind::Approval
        )
    }

    /// The fewest options a poll of this kind needs.
    pub fn fewest_options(self) -> usize {
        match self {
            DraftKind::Motion => 0,
            DraftKind::Approval | DraftKind::Budget => 1,
            DraftKind::Single | DraftKind::Judgment | DraftKind::Ranking => 2,
        }
    }
}

/// One option, candidate or project being edited.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftOption {
    /// The id it had before editing (kept, so that nothing refers to a vanished id).
    pub id: Option<OptionId>,
    /// The label typed.
    pub label: String,
    /// The cost typed, for a project (digits only).
    pub cost: String,
}

/// Which text the on-screen keyboard is typing into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The question.
    Question,
    /// An option's label.
    Label(usize),
    /// A project's cost.
    Cost(usize),
    /// The total budget.
    Budget,
}

impl Field {
    /// Whether the field takes digits only.
    pub fn numeric(self) -> bool {
        matches!(self, Field::Cost(_) | Field::Budget)
    }
}

/// Why a draft is not a poll yet; the screen says it in the organiser's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftProblem {
    /// No question.
    NoQuestion,
    /// Fewer options than the kind needs.
    TooFewOptions {
        /// The fewest the kind needs.
        needed: usize,
    },
    /// An option without a label (1-based position).
    EmptyLabel(usize),
    /// Two options with the same label (1-based position of the second).
    SameLabel(usize),
    /// A project without a cost, or costing nothing (1-based position).
    BadCost(usize),
    /// No budget, or a budget of zero.
    BadBudget,
    /// The poll was opened meanwhile (on another screen): it can no longer change.
    AlreadyOpen,
}

/// A poll being written on the kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollDraft {
    /// The poll being edited, or `None` for a new one.
    pub editing: Option<PollId>,
    /// The question.
    pub question: String,
    /// The kind of ballot.
    pub kind: DraftKind,
    /// Options, candidates or projects.
    pub options: Vec<DraftOption>,
    /// A motion's rule.
    pub rule: MajorityRule,
    /// Whether a blank vote is offered (motion, single, approval).
    pub blank: bool,
    /// Fewest approvals on a non-blank approval ballot (kept from the poll being edited).
    pub approval_min: u32,
    /// Most approvals on an approval ballot (`0`: as many as there are options).
    pub approval_max: u32,
    /// Mentions of a Majority Judgment scale (5 to 7).
    pub grades: u8,
    /// The total budget typed (digits only).
    pub budget: String,
    /// How the budget is allocated.
    pub method: BudgetMethod,
}

impl Default for PollDraft {
    fn default() -> Self {
        Self {
            editing: None,
            question: String::new(),
            kind: DraftKind::Motion,
            options: Vec::new(),
            rule: MajorityRule::SIMPLE,
            blank: true,
            approval_min: 1,
            approval_max: 0,
            grades: 6,
            budget: String::new(),
            method: BudgetMethod::EqualShares,
        }
    }
}

fn draft_options(options: &[PollOption]) -> Vec<DraftOption> {
    options
        .iter()
        .map(|o| DraftOption {
            id: Some(o.id.clone()),
            label: o.label.clone(),
            cost: String::new(),
        })
        .collect()
}

impl PollDraft {
    /// A draft of an existing poll, to edit it.
    pub fn from_poll(poll: &Poll) -> Self {
        let mut draft = PollDraft {
            editing: Some(poll.id.clone()),
            question: poll.question.clone(),
            ..PollDraft::default()
        };
        match &poll.kind {
            PollKind::Motion {
                blank_allowed,
                rule,
            } => {
                draft.kind = DraftKind::Motion;
                draft.blank = *blank_allowed;
                draft.rule = *rule;
            }
            PollKind::SingleChoice {
                options,
                blank_allowed,
            } => {
                draft.kind = DraftKind::Single;
                draft.options = draft_options(options);
                draft.blank = *blank_allowed;
            }
            PollKind::Approval {
                options,
                min,
                max,
                blank_allowed,
            } => {
                draft.kind = DraftKind::Approval;
                draft.approval_min = *min;
                draft.options = draft_options(options);
                draft.blank = *blank_allowed;
                draft.approval_max = if usize::try_from(*max).ok() == Some(options.len()) {
                    0
                } else {
                    *max
                };
            }
            PollKind::MajorityJudgment { candidates, grades } => {
                draft.kind = DraftKind::Judgment;
                draft.options = draft_options(candidates);
                draft.grades = *grades;
            }
            PollKind::Ranking { candidates } => {
                draft.kind = DraftKind::Ranking;
                draft.options = draft_options(candidates);
            }
            PollKind::Budget {
                projects,
                budget,
                method,
            } => {
                draft.kind = DraftKind::Budget;
                draft.options = projects
                    .iter()
                    .map(|p| DraftOption {
                        id: Some(p.id.clone()),
                        label: p.label.clone(),
                        cost: p.cost.to_string(),
                    })
                    .collect();
                draft.budget = budget.to_string();
                draft.method = *method;
            }
        }
        draft
    }

    /// The text of a field.
    pub fn field(&self, field: Field) -> &str {
        match field {
            Field::Question => &self.question,
            Field::Label(i) => self.options.get(i).map_or("", |o| o.label.as_str()),
            Field::Cost(i) => self.options.get(i).map_or("", |o| o.cost.as_str()),
            Field::Budget => &self.budget,
        }
    }

    /// Types a key into a field: `⌫` erases the last character; a numeric field takes digits
    /// only; every field has a length limit. Control characters are never typed.
    pub fn type_key(&mut self, field: Field, key: &str) {
        let (text, limit) = match field {
            Field::Question => (&mut self.question, MAX_QUESTION),
            Field::Label(i) => match self.options.get_mut(i) {
                Some(o) => (&mut o.label, MAX_LABEL),
                None => return,
            },
            Field::Cost(i) => match self.options.get_mut(i) {
                Some(o) => (&mut o.cost, MAX_AMOUNT_DIGITS),
                None => return,
            },
            Field::Budget => (&mut self.budget, MAX_AMOUNT_DIGITS),
        };
        if key == "⌫" {
            text.pop();
            return;
        }
        for c in key.chars() {
            // No leading zero in an amount, no leading space in a text.
            let allowed = if field.numeric() {
                c.is_ascii_digit() && !(text.is_empty() && c == '0')
            } else {
                !(c.is_control() || text.is_empty() && c == ' ')
            };
            if allowed && text.chars().count() < limit {
                text.push(c);
            }
        }
    }

    /// Adds an empty option at the end (up to [`MAX_OPTIONS`]); returns its position.
    pub fn add_option(&mut self) -> Option<usize> {
        if self.options.len() >= MAX_OPTIONS {
            return None;
        }
        self.options.push(DraftOption::default());
        Some(self.options.len() - 1)
    }

    /// Removes an option.
    pub fn remove_option(&mut self, index: usize) {
        if index < self.options.len() {
            self.options.remove(index);
        }
        let n = u32::try_from(self.options.len()).unwrap_or(u32::MAX);
        self.approval_max = self.approval_max.min(n);
    }

    /// The approval maximum actually applied: every option when none was chosen.
    pub fn effective_approval_max(&self) -> u32 {
        let n = u32::try_from(self.options.len()).unwrap_or(u32::MAX);
        if self.approval_max == 0 || self.approval_max > n {
            n
        } else {
            self.approval_max
        }
    }

    /// Moves the approval maximum by `delta`, between 1 and the number of options.
    pub fn step_approval_max(&mut self, delta: i32) {
        let n = i64::try_from(self.options.len()).unwrap_or(i64::MAX);
        let now = i64::from(self.effective_approval_max());
        let next = (now + i64::from(delta)).clamp(1, n.max(1));
        self.approval_max = if next >= n {
            0
        } else {
            u32::try_from(next).unwrap_or(0)
        };
    }

    /// Moves the Majority Judgment scale by `delta`, between 5 and 7 mentions.
    pub fn step_grades(&mut self, delta: i32) {
        let next = (i32::from(self.grades) + delta).clamp(5, 7);
        self.grades = u8::try_from(next).unwrap_or(6);
    }

    /// The first problem that keeps the draft from being a poll, if any.
    pub fn problem(&self) -> Option<DraftProblem> {
        if self.question.trim().is_empty() {
            return Some(DraftProblem::NoQuestion);
        }
        if !self.kind.has_options() {
            return None;
        }
        let needed = self.kind.fewest_options();
        if self.options.len() < needed {
            return Some(DraftProblem::TooFewOptions { needed });
        }
        let mut seen = BTreeSet::new();
        for (i, option) in self.options.iter().enumerate() {
            let label = option.label.trim();
            if label.is_empty() {
                return Some(DraftProblem::EmptyLabel(i + 1));
            }
            if !seen.insert(label.to_lowercase()) {
                return Some(DraftProblem::SameLabel(i + 1));
            }
            if self.kind == DraftKind::Budget && amount(&option.cost).is_none() {
                return Some(DraftProblem::BadCost(i + 1));
            }
        }
        if self.kind == DraftKind::Budget && amount(&self.budget).is_none() {
            return Some(DraftProblem::BadBudget);
        }
        None
    }

    /// The poll the draft describes. A new poll's id is derived from its question and differs
    /// from every id in `taken`; new options get ids derived from their labels.
    pub fn to_poll(&self, taken: &[PollId]) -> Result<Poll, DraftProblem> {
        if let Some(problem) = self.problem() {
            return Err(problem);
        }
        let id = match &self.editing {
            Some(id) => id.clone(),
            None => unique_poll_id(&self.question, taken),
        };
        let options = self.option_ids();
        let labelled = || -> Vec<PollOption> {
            self.options
                .iter()
                .zip(&options)
                .map(|(o, id)| PollOption {
                    id: id.clone(),
                    label: o.label.trim().to_owned(),
                })
                .collect()
        };
        let kind = match self.kind {
            DraftKind::Motion => PollKind::Motion {
                blank_allowed: self.blank,
                rule: self.rule,
            },
            DraftKind::Single => PollKind::SingleChoice {
                options: labelled(),
                blank_allowed: self.blank,
            },
            DraftKind::Approval => PollKind::Approval {
                options: labelled(),
                min: self
                    .approval_min
                    .clamp(1, self.effective_approval_max().max(1)),
                max: self.effective_approval_max(),
                blank_allowed: self.blank,
            },
            DraftKind::Judgment => PollKind::MajorityJudgment {
                candidates: labelled(),
                grades: self.grades,
            },
            DraftKind::Ranking => PollKind::Ranking {
                candidates: labelled(),
            },
            DraftKind::Budget => PollKind::Budget {
                projects: self
                    .options
                    .iter()
                    .zip(&options)
                    .map(|(o, id)| Project {
                        id: id.clone(),
                        label: o.label.trim().to_owned(),
                        cost: amount(&o.cost).unwrap_or(0),
                    })
                    .collect(),
                budget: amount(&self.budget).unwrap_or(0),
                method: self.method,
            },
        };
        Ok(Poll {
            id,
            question: self.question.trim().to_owned(),
            kind,
        })
    }

    /// Ids for the options: the ids they had, then ids derived from the new labels.
    fn option_ids(&self) -> Vec<OptionId> {
        let mut used: BTreeSet<String> = self
            .options
            .iter()
            .filter_map(|o| o.id.as_ref().map(|id| id.as_str().to_owned()))
            .collect();
        self.options
            .iter()
            .map(|o| match &o.id {
                Some(id) => id.clone(),
                None => {
                    let id = unique_slug(&o.label, &used, "option");
                    used.insert(id.clone());
                    OptionId::new(id).expect("unique_slug makes valid ids")
                }
            })
            .collect()
    }
}

/// A whole positive amount, or `None`.
fn amount(text: &str) -> Option<u64> {
    text.parse::<u64>().ok().filter(|v| *v > 0)
}

/// A slug of `text` that is not in `used`: `base`, `base-2`, `base-3`… within 32 characters.
fn unique_slug(text: &str, used: &BTreeSet<String>, fallback: &str) -> String {
    let mut base = urne_codec::slug::slugify(text);
    if base == "option" {
        base = fallback.to_owned();
    }
    if !used.contains(&base) {
        return base;
    }
    for n in 2.. {
        let suffix = format!("-{n}");
        let keep = OptionId::MAX_LEN - suffix.len();
        let stem: String = base.chars().take(keep).collect();
        let candidate = format!("{}{suffix}", stem.trim_end_matches('-'));
        if !used.contains(&candidate) {
            return candidate;
        }
    }
    unreachable!("some suffix is always free")
}

/// A new poll's id, from its question, unlike every id in `taken`.
pub fn unique_poll_id(question: &str, taken: &[PollId]) -> PollId {
    let used: BTreeSet<String> = taken.iter().map(|p| p.as_str().to_owned()).collect();
    PollId::new(unique_slug(question, &used, "scrutin")).expect("unique_slug makes valid ids")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(draft: &mut PollDraft, field: Field, text: &str) {
        for c in text.chars() {
            draft.type_key(field, &c.to_string());
        }
    }

    #[test]
    fn a_motion_typed_on_the_spot_becomes_a_valid_poll() {
        let mut draft = PollDraft::default();
        typed(
            &mut draft,
            Field::Question,
            "Faut-il acheter un nouveau barbecue ?",
        );
        draft.rule = MajorityRule::TWO_THIRDS;
        let poll = draft.to_poll(&[]).unwrap();
        poll.validate().unwrap();
        assert_eq!(poll.id.as_str(), "faut-il-acheter-un-nouveau");
        assert_eq!(poll.question, "Faut-il acheter un nouveau barbecue ?");
        assert_eq!(
            poll.kind,
            PollKind::Motion {
                blank_allowed: true,
                rule: MajorityRule::TWO_THIRDS
            }
        );
    }

    #[test]
    fn a_new_poll_never_takes_an_existing_id() {
        let taken = [
            PollId::new("barbecue").unwrap(),
            PollId::new("barbecue-2").unwrap(),
        ];
        let draft = PollDraft {
            question: "Barbecue".into(),
            ..PollDraft::default()
        };
        assert_eq!(draft.to_poll(&taken).unwrap().id.as_str(), "barbecue-3");
        let odd = PollDraft {
            question: "???".into(),
            ..PollDraft::default()
        };
        assert_eq!(odd.to_poll(&[]).unwrap().id.as_str(), "scrutin");
    }

    #[test]
    fn each_missing_piece_is_named() {
        let mut draft = PollDraft {
            kind: DraftKind::Single,
            ..PollDraft::default()
        };
        assert_eq!(draft.problem(), Some(DraftProblem::NoQuestion));
        draft.question = "Quel lieu pour la fête ?".into();
        draft.add_option();
        assert_eq!(
            draft.problem(),
            Some(DraftProblem::TooFewOptions { needed: 2 })
        );
        draft.add_option();
        typed(&mut draft, Field::Label(0), "Salle des fêtes");
        assert_eq!(draft.problem(), Some(DraftProblem::EmptyLabel(2)));
        typed(&mut draft, Field::Label(1), "salle des fêtes ");
        assert_eq!(draft.problem(), Some(DraftProblem::SameLabel(2)));
        draft.options[1].label = "Parc".into();
        assert_eq!(draft.problem(), None);
        draft.kind = DraftKind::Budget;
        assert_eq!(draft.problem(), Some(DraftProblem::BadCost(1)));
        typed(&mut draft, Field::Cost(0), "1200");
        typed(&mut draft, Field::Cost(1), "800");
        assert_eq!(draft.problem(), Some(DraftProblem::BadBudget));
        typed(&mut draft, Field::Budget, "1500");
        let poll = draft.to_poll(&[]).unwrap();
        poll.validate().unwrap();
        assert_eq!(
            poll.kind.option_ids(),
            [
                &OptionId::new("salle-des-fetes").unwrap(),
                &OptionId::new("parc").unwrap()
            ]
        );
    }

    #[test]
    fn texts_take_any_letter_but_no_control_or_leading_space() {
        let mut draft = PollDraft::default();
        typed(&mut draft, Field::Question, " 0 € pour\u{7}\tÉlise ?");
        assert_eq!(draft.question, "0 € pourÉlise ?");
    }

    #[test]
    fn amounts_take_digits_only_and_no_leading_zero() {
        let mut draft = PollDraft::default();
        typed(&mut draft, Field::Budget, "0 1a2,5€0");
        assert_eq!(draft.budget, "1250");
        draft.type_key(Field::Budget, "⌫");
        assert_eq!(draft.budget, "125");
        typed(&mut draft, Field::Budget, "123456789");
        assert_eq!(draft.budget.len(), MAX_AMOUNT_DIGITS);
    }

    #[test]
    fn editing_keeps_every_existing_id_and_setting() {
        let demo = crate::demo::package().package.event;
        for poll in &demo.polls {
            let draft = PollDraft::from_poll(poll);
            assert_eq!(&draft.to_poll(&[]).unwrap(), poll, "{}", poll.id);
        }
    }

    #[test]
    fn options_added_while_editing_get_fresh_ids() {
        let demo = crate::demo::package().package.event;
        let single = demo
            .polls
            .iter()
            .find(|p| p.kind.name() == "single-choice")
            .unwrap();
        let mut draft = PollDraft::from_poll(single);
        let first = draft.options[0].label.clone();
        let i = draft.add_option().unwrap();
        typed(&mut draft, Field::Label(i), &format!("{first} bis"));
        let poll = draft.to_poll(&[]).unwrap();
        poll.validate().unwrap();
        let ids = poll.kind.option_ids();
        assert_eq!(ids.len(), draft.options.len());
        assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), ids.len());
    }

    #[test]
    fn the_approval_maximum_stays_between_one_and_every_option() {
        let mut draft = PollDraft {
            question: "Quels ateliers ?".into(),
            kind: DraftKind::Approval,
            ..PollDraft::default()
        };
        for label in ["Cuisine", "Jardin", "Vélo"] {
            let i = draft.add_option().unwrap();
            typed(&mut draft, Field::Label(i), label);
        }
        assert_eq!(draft.effective_approval_max(), 3);
        draft.step_approval_max(1);
        assert_eq!(draft.effective_approval_max(), 3);
        draft.step_approval_max(-1);
        draft.step_approval_max(-1);
        draft.step_approval_max(-1);
        assert_eq!(draft.effective_approval_max(), 1);
        draft.step_approval_max(1);
        draft.remove_option(0);
        draft.remove_option(0);
        assert_eq!(draft.effective_approval_max(), 1);
        let PollKind::Approval { max, min, .. } = draft.to_poll(&[]).unwrap().kind else {
            panic!("an approval poll");
        };
        assert_eq!((min, max), (1, 1));
    }

    #[test]
    fn the_judgment_scale_stays_within_five_to_seven() {
        let mut draft = PollDraft::default();
        draft.step_grades(5);
        assert_eq!(draft.grades, 7);
        draft.step_grades(-9);
        assert_eq!(draft.grades, 5);
    }

    #[test]
    fn no_more_options_than_the_screen_can_show() {
        let mut draft = PollDraft::default();
        for _ in 0..MAX_OPTIONS {
            assert!(draft.add_option().is_some());
        }
        assert_eq!(draft.add_option(), None);
    }
}
