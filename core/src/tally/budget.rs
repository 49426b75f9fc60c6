//! Participatory budget: TEMPORARY STUB, replaced by the tally-engines work.

use serde::{Deserialize, Serialize};

use super::{Decision, Details, Lang, PollResult, draft};
use crate::ballot::WeightedBallot;
use crate::poll::{BudgetMethod, Poll, Project};

/// Stub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetDetails {}
/// Stub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectOutcome {}
/// Stub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rational {}

pub(super) fn count(_: &[Project], _: u64, _: BudgetMethod, _: &[WeightedBallot]) -> PollResult {
    draft(
        Decision::NoVotes,
        Vec::new(),
        Details::Budget(BudgetDetails {}),
    )
}

pub(super) fn arithmetic(_: &Poll, _: &BudgetDetails, _: Lang) -> Vec<String> {
    Vec::new()
}
