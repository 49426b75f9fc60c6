//! Ballot classes: every ballot of the same content merged into one, of their total weight.
//!
//! A weighted poll's ballots are never published beside their weights: in a delegate assembly
//! where one federation carries 12 mandates, a ballot of weight 12 says how it voted. A class
//! says only « this content, this much weight », which 12 members of weight 1 or the federation
//! alone could have given. Every engine is additive in the weight of identical ballots (a motion's
//! and a choice's sums, Majority Judgment's weighted medians, Schulze's pairwise matrix, a
//! budget's approvals and Equal Shares' per-weight budgets), so counting the classes gives the
//! result of counting the ballots — with the number of ballots given apart.

use crate::ballot::WeightedBallot;
use crate::poll::Poll;

use super::{PollResult, TallyContext, TallyError, tally};

/// Why ballot classes could not be counted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClassesError {
    /// The engine refused them (an invalid ballot, an overflow).
    #[error(transparent)]
    Tally(#[from] TallyError),
    /// Two classes of the same content, or a number of ballots they cannot hold.
    #[error("the ballot classes repeat a content or cannot hold the number of ballots stated")]
    NotClasses,
}

/// The classes of `ballots`: one per content, of their total weight, sorted by content.
pub fn classes_of(ballots: &[WeightedBallot]) -> Result<Vec<WeightedBallot>, TallyError> {
    let mut sorted: Vec<&WeightedBallot> = ballots.iter().collect();
    sorted.sort_by(|a, b| a.ballot.cmp(&b.ballot));
    let mut classes: Vec<WeightedBallot> = Vec::new();
    for b in sorted {
        match classes.last_mut() {
            Some(last) if last.ballot == b.ballot => {
                last.weight = last
                    .weight
                    .checked_add(b.weight)
                    .ok_or(TallyError::Overflow)?;
            }
            _ => classes.push(b.clone()),
        }
    }
    Ok(classes)
}

/// Counts `poll` from its classes and the number of ballots they hold. Refused when the classes
/// are not classes (two of the same content) or cannot hold `ballots` ballots (fewer ballots
/// than classes, or more than their weight: every ballot weighs at least 1).
pub fn tally_classes(
    poll: &Poll,
    classes: &[WeightedBallot],
    ballots: u64,
    context: &TallyContext,
) -> Result<PollResult, ClassesError> {
    if classes.windows(2).any(|w| w[0].ballot == w[1].ballot) {
        return Err(ClassesError::NotClasses);
    }
    // Checked before the count, whose work grows with what a forger sends.
    let held = u64::try_from(classes.len()).unwrap_or(u64::MAX);
    let weight: u64 = classes.iter().map(|c| u64::from(c.weight)).sum();
    if ballots < held || ballots > weight {
        return Err(ClassesError::NotClasses);
    }
    let mut result = tally(poll, classes, context)?;
    result.ballots = ballots;
    Ok(result)
}
