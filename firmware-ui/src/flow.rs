//! The voter's visit, as business state in Rust: which polls are due, the answers being filled
//! in, review and correction. The screens only display it; nothing here touches the store.
//!
//! A flow holds the member's id only until the ballots are handed to the controller; it never
//! pairs that id with a ballot anywhere that outlives the visit.

use std::collections::{BTreeMap, BTreeSet};

use urne_core::ballot::{Ballot, MotionChoice};
use urne_core::figures;
use urne_core::ids::{MemberId, OptionId, PollId};
use urne_core::poll::{Poll, PollKind};
use urne_core::tally::Lang;

use crate::kiosk::BallotCast;

/// How the screen words an answer: the built-in answers in the voter's language, an option in
/// its own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// An option's label, or the review's text.
    Words,
    /// A motion's « pour ».
    For,
    /// A motion's « contre ».
    Against,
    /// A motion's abstention.
    Abstain,
    /// A blank vote.
    Blank,
    /// A Majority Judgment's mentions (review only).
    Grades,
}

/// One answer as shown on a ballot screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceView {
    /// `for`, `against`, `abstain`, `blank`, or an option id.
    pub id: String,
    /// How the screen words it.
    pub answer: Answer,
    /// The option's label (empty for motion answers, which the screen translates).
    pub label: String,
    /// A detail line (a project's cost, …).
    pub detail: String,
    /// Whether it is selected.
    pub selected: bool,
    /// Whether it can be tapped now (a project that would go over the budget cannot).
    pub enabled: bool,
    /// Majority Judgment: the grade given (0 = worst), if any.
    pub grade: Option<u8>,
    /// Ranking: the position given (1 = first), if ranked.
    pub rank: Option<usize>,
}

/// One line of the review screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewView {
    /// The poll's question.
    pub question: String,
    /// The represented member's name for a proxy ballot, empty for the voter's own.
    pub on_behalf: String,
    /// How the screen words the answer: translated, or `text` (empty when nothing was chosen).
    pub answer: Answer,
    /// The answer in words, for [`Answer::Words`].
    pub text: String,
    /// Majority Judgment ([`Answer::Grades`]): each candidate's mention, in the poll's order.
    pub grades: Vec<GradeGiven>,
    /// The number of mentions of the scale.
    pub scale: u8,
}

/// A candidate's mention on the review screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradeGiven {
    /// The candidate.
    pub label: String,
    /// The mention given (0 is the worst).
    pub grade: u8,
}

/// Where the visit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Filling in the ballot of poll number `n` (0-based).
    Ballot(usize),
    /// Reviewing every answer.
    Review,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Draft {
    Empty,
    Blank,
    Motion(MotionChoice),
    Options(BTreeSet<OptionId>),
    Grades(BTreeMap<OptionId, u8>),
    Ranked(Vec<OptionId>),
}

/// One ballot of the visit: a poll, and whom it is cast for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The poll.
    pub poll: Poll,
    /// The member the ballot is cast for (the voter, or a member they represent).
    pub member: MemberId,
    /// The represented member's name, for a proxy ballot.
    pub proxy_for: Option<String>,
}

/// A voter's visit to the ballot screens.
#[derive(Debug, Clone)]
pub struct VoterFlow {
    member: MemberId,
    name: String,
    items: Vec<Item>,
    drafts: Vec<Draft>,
    stage: Stage,
}

fn motion_code(choice: MotionChoice) -> &'static str {
    match choice {
        MotionChoice::For => "for",
        MotionChoice::Against => "against",
        MotionChoice::Abstain => "abstain",
    }
}

fn motion_answer(choice: MotionChoice) -> Answer {
    match choice {
        MotionChoice::For => Answer::For,
        MotionChoice::Against => Answer::Against,
        MotionChoice::Abstain => Answer::Abstain,
    }
}

impl VoterFlow {
    /// A visit for `member` over the ballots due, in order. Returns `None` when nothing is due.
    pub fn new(member: MemberId, name: String, items: Vec<Item>) -> Option<Self> {
        if items.is_empty() {
            return None;
        }
        let drafts = vec![Draft::Empty; items.len()];
        Some(Self {
            member,
            name,
            items,
            drafts,
            stage: Stage::Ballot(0),
        })
    }

    /// For a proxy ballot on screen, the represented member's name.
    pub fn proxy_for(&self) -> Option<&str> {
        match self.stage {
            Stage::Ballot(i) => self.items.get(i).and_then(|it| it.proxy_for.as_deref()),
            Stage::Review => None,
        }
    }

    /// The member voting.
    pub fn member(&self) -> MemberId {
        self.member
    }

    /// Their name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the visit stands.
    pub fn stage(&self) -> Stage {
        self.stage
    }

    /// How many ballots this visit covers.
    pub fn count(&self) -> usize {
        self.items.len()
    }

    /// The poll on screen (during the ballot stage).
    pub fn current(&self) -> Option<&Poll> {
        match self.stage {
            Stage::Ballot(i) => self.items.get(i).map(|it| &it.poll),
            Stage::Review => None,
        }
    }

    /// The answers of the poll on screen, their figures written for `lang` (a project's cost).
    pub fn choices(&self, lang: Lang) -> Vec<ChoiceView> {
        let Stage::Ballot(i) = self.stage else {
            return Vec::new();
        };
        let poll = &self.items[i].poll;
        let draft = &self.drafts[i];
        let plain = |id: String, label: String, detail: String, selected: bool| ChoiceView {
            id,
            answer: Answer::Words,
            label,
            detail,
            selected,
            enabled: true,
            grade: None,
            rank: None,
        };
        let mut out: Vec<ChoiceView> = match &poll.kind {
            PollKind::Motion { .. } => [
                MotionChoice::For,
                MotionChoice::Against,
                MotionChoice::Abstain,
            ]
            .into_iter()
            .map(|c| ChoiceView {
                answer: motion_answer(c),
                ..plain(
                    motion_code(c).into(),
                    String::new(),
                    String::new(),
                    *draft == Draft::Motion(c),
                )
            })
            .collect(),
            PollKind::SingleChoice { options, .. } | PollKind::Approval { options, .. } => options
                .iter()
                .map(|o| {
                    plain(
                        o.id.to_string(),
                        o.label.clone(),
                        String::new(),
                        matches!(draft, Draft::Options(set) if set.contains(&o.id)),
                    )
                })
                .collect(),
            PollKind::MajorityJudgment { candidates, .. } => candidates
                .iter()
                .map(|o| {
                    let grade = match draft {
                        Draft::Grades(g) => g.get(&o.id).copied(),
                        _ => None,
                    };
                    ChoiceView {
                        grade,
                        selected: grade.is_some(),
                        ..plain(o.id.to_string(), o.label.clone(), String::new(), false)
                    }
                })
                .collect(),
            PollKind::Ranking { candidates } => candidates
                .iter()
                .map(|o| {
                    let rank = match draft {
                        Draft::Ranked(order) => {
                            order.iter().position(|r| r == &o.id).map(|p| p + 1)
                        }
                        _ => None,
                    };
                    ChoiceView {
                        rank,
                        selected: rank.is_some(),
                        ..plain(o.id.to_string(), o.label.clone(), String::new(), false)
                    }
                })
                .collect(),
            PollKind::Budget {
                projects, budget, ..
            } => {
                let chosen: BTreeSet<OptionId> = match draft {
                    Draft::Options(set) => set.clone(),
                    _ => BTreeSet::new(),
                };
                let spent: u64 = projects
                    .iter()
                    .filter(|p| chosen.contains(&p.id))
                    .map(|p| p.cost)
                    .sum();
                projects
                    .iter()
                    .map(|p| {
                        let selected = chosen.contains(&p.id);
                        ChoiceView {
                            // A project that no longer fits next to those chosen is shown but
                            // cannot be added: the budget bar refuses to go over.
                            enabled: selected || spent.saturating_add(p.cost) <= *budget,
                            ..plain(
                                p.id.to_string(),
                                p.label.clone(),
                                figures::euros(p.cost, lang),
                                selected,
                            )
                        }
                    })
                    .collect()
            }
        };
        if poll.kind.blank_allowed()
            && matches!(
                poll.kind,
                PollKind::Motion { .. } | PollKind::SingleChoice { .. } | PollKind::Approval { .. }
            )
        {
            out.push(ChoiceView {
                answer: Answer::Blank,
                ..plain(
                    "blank".into(),
                    String::new(),
                    String::new(),
                    *draft == Draft::Blank,
                )
            });
        }
        out
    }

    /// Taps an answer: selects it (motion, single choice), or toggles it within the poll's limits
    /// (approval, budget). Blank excludes every other answer.
    pub fn choose(&mut self, id: &str) {
        let Stage::Ballot(i) = self.stage else {
            return;
        };
        let poll = &self.items[i].poll;
        let draft = &mut self.drafts[i];
        if id == "blank" {
            if poll.kind.blank_allowed() {
                *draft = if *draft == Draft::Blank {
                    Draft::Empty
                } else {
                    Draft::Blank
                };
            }
            return;
        }
        match &poll.kind {
            PollKind::Motion { .. } => {
                let choice = match id {
                    "for" => MotionChoice::For,
                    "against" => MotionChoice::Against,
                    "abstain" => MotionChoice::Abstain,
                    _ => return,
                };
                *draft = Draft::Motion(choice);
            }
            PollKind::SingleChoice { .. } => {
                if let Some(option) = known(poll, id) {
                    *draft = Draft::Options([option].into_iter().collect());
                }
            }
            PollKind::Approval { max, .. } => {
                let Some(option) = known(poll, id) else {
                    return;
                };
                let mut set = match draft {
                    Draft::Options(set) => set.clone(),
                    _ => BTreeSet::new(),
                };
                if !set.remove(&option) && u32::try_from(set.len()).unwrap_or(u32::MAX) < *max {
                    set.insert(option);
                }
                *draft = Draft::Options(set);
            }
            PollKind::Budget {
                projects, budget, ..
            } => {
                let Some(option) = known(poll, id) else {
                    return;
                };
                let mut set = match draft {
                    Draft::Options(set) => set.clone(),
                    _ => BTreeSet::new(),
                };
                if !set.remove(&option) {
                    // The running budget bar refuses to go over: a project that does not fit
                    // next to the ones already chosen cannot be added.
                    let spent: u64 = projects
                        .iter()
                        .filter(|p| set.contains(&p.id))
                        .map(|p| p.cost)
                        .sum();
                    let cost = projects
                        .iter()
                        .find(|p| p.id == option)
                        .map_or(u64::MAX, |p| p.cost);
                    if spent.saturating_add(cost) <= *budget {
                        set.insert(option);
                    }
                }
                *draft = Draft::Options(set);
            }
            PollKind::Ranking { .. } => {
                let Some(option) = known(poll, id) else {
                    return;
                };
                let mut order = match draft {
                    Draft::Ranked(order) => order.clone(),
                    _ => Vec::new(),
                };
                // Tapping a candidate puts it next in order; tapping it again is a no-op (the
                // « undo » button takes the last one back).
                if !order.contains(&option) {
                    order.push(option);
                }
                *draft = Draft::Ranked(order);
            }
            PollKind::MajorityJudgment { .. } => {}
        }
    }

    /// Majority Judgment: gives `candidate` the grade `grade` (0 = worst).
    pub fn grade(&mut self, candidate: &str, grade: u8) {
        let Stage::Ballot(i) = self.stage else {
            return;
        };
        let poll = &self.items[i].poll;
        let PollKind::MajorityJudgment { grades, .. } = &poll.kind else {
            return;
        };
        if grade >= *grades {
            return;
        }
        let Some(candidate) = known(poll, candidate) else {
            return;
        };
        let draft = &mut self.drafts[i];
        let mut given = match draft {
            Draft::Grades(g) => g.clone(),
            _ => BTreeMap::new(),
        };
        given.insert(candidate, grade);
        *draft = Draft::Grades(given);
    }

    /// Ranking: takes back the last candidate ranked.
    pub fn undo(&mut self) {
        let Stage::Ballot(i) = self.stage else {
            return;
        };
        if let Draft::Ranked(order) = &mut self.drafts[i] {
            order.pop();
            if order.is_empty() {
                self.drafts[i] = Draft::Empty;
            }
        }
    }

    /// Budget: what the projects chosen cost, and the budget.
    pub fn spending(&self) -> Option<(u64, u64)> {
        let Stage::Ballot(i) = self.stage else {
            return None;
        };
        let PollKind::Budget {
            projects, budget, ..
        } = &self.items[i].poll.kind
        else {
            return None;
        };
        let spent = match &self.drafts[i] {
            Draft::Options(set) => projects
                .iter()
                .filter(|p| set.contains(&p.id))
                .map(|p| p.cost)
                .sum(),
            _ => 0,
        };
        Some((spent, *budget))
    }

    /// Approval: the fewest and most options a ballot may approve.
    pub fn bounds(&self) -> Option<(u32, u32)> {
        match self.current().map(|p| &p.kind) {
            Some(PollKind::Approval { min, max, .. }) => Some((*min, *max)),
            _ => None,
        }
    }

    /// The ballot the current answers make, if they make a valid one.
    fn ballot(&self, i: usize) -> Option<Ballot> {
        let poll = &self.items[i].poll;
        let ballot = match (&self.drafts[i], &poll.kind) {
            (Draft::Empty, _) => return None,
            (Draft::Blank, _) => Ballot::Blank,
            (Draft::Motion(c), _) => Ballot::Motion(*c),
            (Draft::Options(set), PollKind::SingleChoice { .. }) => {
                Ballot::Single(set.iter().next()?.clone())
            }
            (Draft::Options(set), PollKind::Approval { .. }) => Ballot::Approval(set.clone()),
            (Draft::Options(set), PollKind::Budget { .. }) => {
                if set.is_empty() {
                    Ballot::Blank
                } else {
                    Ballot::Budget(set.clone())
                }
            }
            (Draft::Grades(grades), PollKind::MajorityJudgment { .. }) => {
                Ballot::Grades(grades.clone())
            }
            (Draft::Ranked(order), PollKind::Ranking { .. }) => {
                Ballot::Ranking(order.iter().map(|id| vec![id.clone()]).collect())
            }
            (Draft::Options(_) | Draft::Grades(_) | Draft::Ranked(_), _) => return None,
        };
        ballot.validate(poll).ok().map(|()| ballot)
    }

    /// Whether the current poll's answers make a valid ballot.
    pub fn can_continue(&self) -> bool {
        match self.stage {
            Stage::Ballot(i) => self.ballot(i).is_some(),
            Stage::Review => true,
        }
    }

    /// « 2 sur 3 »: how many options are chosen, for approval polls.
    pub fn chosen(&self) -> usize {
        match self.stage {
            Stage::Ballot(i) => match &self.drafts[i] {
                Draft::Options(set) => set.len(),
                Draft::Grades(g) => g.len(),
                Draft::Ranked(order) => order.len(),
                _ => 0,
            },
            Stage::Review => 0,
        }
    }

    /// Goes to the next poll, or to the review after the last one.
    pub fn next(&mut self) {
        if let Stage::Ballot(i) = self.stage
            && self.ballot(i).is_some()
        {
            self.stage = if i + 1 < self.items.len() {
                Stage::Ballot(i + 1)
            } else {
                Stage::Review
            };
        }
    }

    /// Goes back one poll. Returns false when already on the first one (the visit may end).
    pub fn back(&mut self) -> bool {
        match self.stage {
            Stage::Ballot(0) => false,
            Stage::Ballot(i) => {
                self.stage = Stage::Ballot(i - 1);
                true
            }
            Stage::Review => {
                self.stage = Stage::Ballot(self.items.len() - 1);
                true
            }
        }
    }

    /// From the review, back to the first ballot to change an answer.
    pub fn modify(&mut self) {
        self.stage = Stage::Ballot(0);
    }

    /// The review lines.
    pub fn review(&self) -> Vec<ReviewView> {
        self.items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let poll = &item.poll;
                let (answer, text) = match self.ballot(i) {
                    None => (Answer::Words, String::new()),
                    Some(Ballot::Blank) => (Answer::Blank, String::new()),
                    Some(Ballot::Motion(c)) => (motion_answer(c), String::new()),
                    Some(Ballot::Single(id)) => (Answer::Words, label(poll, &id)),
                    // In the order the poll presents them, as the voter saw them.
                    Some(Ballot::Approval(set) | Ballot::Budget(set)) => (
                        Answer::Words,
                        poll.kind
                            .option_ids()
                            .into_iter()
                            .filter(|id| set.contains(*id))
                            .map(|id| label(poll, id))
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                    // The screen writes the mentions in the voter's language.
                    Some(Ballot::Grades(_)) => (Answer::Grades, String::new()),
                    Some(Ballot::Ranking(tiers)) => (
                        Answer::Words,
                        tiers
                            .iter()
                            .flatten()
                            .map(|id| label(poll, id))
                            .collect::<Vec<_>>()
                            .join(" › "),
                    ),
                };
                let (grades, scale) = match (&poll.kind, self.ballot(i)) {
                    (
                        PollKind::MajorityJudgment {
                            candidates, grades, ..
                        },
                        Some(Ballot::Grades(given)),
                    ) => (
                        candidates
                            .iter()
                            .filter_map(|c| {
                                Some(GradeGiven {
                                    label: c.label.clone(),
                                    grade: *given.get(&c.id)?,
                                })
                            })
                            .collect(),
                        *grades,
                    ),
                    _ => (Vec::new(), 0),
                };
                ReviewView {
                    question: poll.question.clone(),
                    on_behalf: item.proxy_for.clone().unwrap_or_default(),
                    answer,
                    text,
                    grades,
                    scale,
                }
            })
            .collect()
    }

    /// The ballots to cast, when every one has a valid answer.
    pub fn ballots(&self) -> Option<Vec<BallotCast>> {
        (0..self.items.len())
            .map(|i| {
                let item = &self.items[i];
                Some(BallotCast {
                    member: item.member,
                    poll: item.poll.id.clone(),
                    ballot: self.ballot(i)?,
                })
            })
            .collect()
    }

    /// Drops ballots that can no longer be cast (already in the box, their poll closed, their
    /// proxy gone), keeping the others for the voter to confirm again.
    pub fn drop_ballots(&mut self, cast: &[BallotCast]) {
        let done: BTreeSet<(MemberId, &PollId)> =
            cast.iter().map(|c| (c.member, &c.poll)).collect();
        let mut items = Vec::new();
        let mut drafts = Vec::new();
        for (item, draft) in self.items.drain(..).zip(self.drafts.drain(..)) {
            if !done.contains(&(item.member, &item.poll.id)) {
                items.push(item);
                drafts.push(draft);
            }
        }
        self.items = items;
        self.drafts = drafts;
        self.stage = Stage::Review;
    }
}

fn known(poll: &Poll, id: &str) -> Option<OptionId> {
    let id = OptionId::new(id).ok()?;
    poll.kind.option_ids().contains(&&id).then_some(id)
}

fn label(poll: &Poll, id: &OptionId) -> String {
    poll.kind.label_of(id).unwrap_or(id.as_str()).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use urne_core::poll::{BudgetMethod, PollOption, Project};
    use urne_core::rules::MajorityRule;

    fn option(id: &str) -> PollOption {
        PollOption {
            id: OptionId::new(id).unwrap(),
            label: id.to_uppercase(),
        }
    }

    fn polls() -> Vec<Poll> {
        vec![
            Poll {
                id: PollId::new("charte").unwrap(),
                question: "Charte ?".into(),
                kind: PollKind::Motion {
                    blank_allowed: true,
                    rule: MajorityRule::SIMPLE,
                },
            },
            Poll {
                id: PollId::new("animation").unwrap(),
                question: "Animation ?".into(),
                kind: PollKind::Approval {
                    options: vec![option("a"), option("b"), option("c")],
                    min: 1,
                    max: 2,
                    blank_allowed: false,
                },
            },
            Poll {
                id: PollId::new("budget").unwrap(),
                question: "Budget ?".into(),
                kind: PollKind::Budget {
                    projects: vec![
                        Project {
                            id: OptionId::new("x").unwrap(),
                            label: "X".into(),
                            cost: 8000,
                        },
                        Project {
                            id: OptionId::new("y").unwrap(),
                            label: "Y".into(),
                            cost: 15000,
                        },
                    ],
                    budget: 20000,
                    method: BudgetMethod::Greedy,
                },
            },
        ]
    }

    fn flow() -> VoterFlow {
        let member = MemberId::from_bytes([1; 16]);
        let items = polls()
            .into_iter()
            .map(|poll| Item {
                poll,
                member,
                proxy_for: None,
            })
            .collect();
        VoterFlow::new(member, "Agnès".into(), items).unwrap()
    }

    #[test]
    fn a_visit_goes_through_every_poll_then_review() {
        let mut f = flow();
        assert!(!f.can_continue(), "nothing chosen yet");
        f.choose("for");
        f.next();
        assert_eq!(f.stage(), Stage::Ballot(1));
        f.choose("a");
        f.choose("b");
        f.choose("c");
        assert_eq!(
            f.chosen(),
            2,
            "the third approval is refused at the maximum"
        );
        f.next();
        f.choose("x");
        f.choose("y");
        assert_eq!(
            f.chosen(),
            1,
            "a project that would go over the budget is refused"
        );
        f.next();
        assert_eq!(f.stage(), Stage::Review);
        let ballots = f.ballots().unwrap();
        assert_eq!(ballots.len(), 3);
        assert_eq!(ballots[0].ballot, Ballot::Motion(MotionChoice::For));
        let review = f.review();
        assert_eq!(review[0].answer, Answer::For);
        assert_eq!(review[1].text, "A, B");
        assert_eq!(review[2].text, "X");
    }

    #[test]
    fn blank_excludes_other_answers_and_back_keeps_them() {
        let mut f = flow();
        f.choose("blank");
        assert!(f.can_continue());
        assert_eq!(f.ballots(), None, "later polls are still empty");
        f.choose("against");
        f.next();
        assert!(f.back());
        assert!(
            f.choices(Lang::Fr)[1].selected,
            "« contre » is still chosen"
        );
        assert!(!f.back(), "the first poll has nothing before it");
    }
}
