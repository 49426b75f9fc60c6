//! Schulze: TEMPORARY STUB, replaced by the tally-engines work.

use serde::{Deserialize, Serialize};

use super::{Decision, Details, Lang, PollResult, draft};
use crate::ballot::WeightedBallot;
use crate::poll::{Poll, PollOption};

/// Stub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchulzeDetails {}

pub(super) fn count(_: &[PollOption], _: &[WeightedBallot]) -> PollResult {
    draft(
        Decision::NoVotes,
        Vec::new(),
        Details::Schulze(SchulzeDetails {}),
    )
}

pub(super) fn arithmetic(_: &Poll, _: &SchulzeDetails, _: Lang) -> Vec<String> {
    Vec::new()
}
