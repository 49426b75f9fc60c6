//! Majority Judgment (jugement majoritaire): TEMPORARY STUB, replaced by the tally-engines work.

use serde::{Deserialize, Serialize};

use super::{Decision, Details, Lang, PollResult, draft};
use crate::ballot::WeightedBallot;
use crate::poll::{Poll, PollOption};

/// Stub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MajorityJudgmentDetails {}
/// Stub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeritProfile {}

pub(super) fn count(_: &[PollOption], _: u8, _: &[WeightedBallot]) -> PollResult {
    draft(
        Decision::NoVotes,
        Vec::new(),
        Details::MajorityJudgment(MajorityJudgmentDetails {}),
    )
}

pub(super) fn arithmetic(_: &Poll, _: &MajorityJudgmentDetails, _: Lang) -> Vec<String> {
    Vec::new()
}
