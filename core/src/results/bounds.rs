//! What a bundle may claim, given the organiser's roster: a verifier that holds the package the
//! kiosk ran (a registry that published it, `urne verify --package`) bounds what a copied device
//! key could forge beyond the chain's own consistency. Everyone checked in or represented is on
//! the roster or was registered at the door (a walk-in, of weight 1); the roster's size and
//! weight are the organiser's; no poll's ballots weigh more than the members who could cast them.

use std::collections::BTreeSet;

use super::{AttendanceSheet, ResultsError};
use crate::audit::{AuditEntry, AuditEvent};
use crate::ballot::WeightedBallot;
use crate::event::Roster;
use crate::ids::{MemberId, PollId};

/// The members the chain registered at the door.
fn walk_ins(audit: &[AuditEntry]) -> BTreeSet<MemberId> {
    audit
        .iter()
        .filter_map(|e| match &e.event {
            AuditEvent::WalkInRegistered { member, .. } => Some(*member),
            _ => None,
        })
        .collect()
}

/// A member's weight: the roster's, or 1 for a walk-in; `None` for anyone else.
fn weight(member: &MemberId, roster: &Roster, walk_ins: &BTreeSet<MemberId>) -> Option<u64> {
    match roster.member(member) {
        Some(m) => Some(u64::from(m.weight)),
        None => walk_ins.contains(member).then_some(1),
    }
}

/// Everyone the chain checked in or named in a proxy is on the roster or a walk-in, and the
/// attendance sheet's roster is the organiser's plus the walk-ins.
pub fn check_roster(
    sheet: &AttendanceSheet,
    audit: &[AuditEntry],
    roster: &Roster,
) -> Result<(), ResultsError> {
    let walk_ins = walk_ins(audit);
    for entry in audit {
        let named: &[MemberId] = match &entry.event {
            AuditEvent::CheckIn { member } => std::slice::from_ref(member),
            AuditEvent::ProxyGranted { absent, holder } => &[*absent, *holder],
            _ => &[],
        };
        if let Some(stranger) = named
            .iter()
            .find(|m| weight(m, roster, &walk_ins).is_none())
        {
            return Err(ResultsError::NotOnRoster(*stranger));
        }
    }
    let extra = u64::try_from(walk_ins.len()).unwrap_or(u64::MAX);
    let members = u64::try_from(roster.members.len()).unwrap_or(u64::MAX);
    if sheet.members != members.saturating_add(extra)
        || sheet.member_weight != roster.total_weight().saturating_add(extra)
    {
        return Err(ResultsError::Attendance(
            "the number or weight of members is not the organiser's roster's",
        ));
    }
    Ok(())
}

/// A poll's ballots weigh no more than `voters`, the members who could cast them.
pub fn check_weight(
    poll: &PollId,
    classes: &[WeightedBallot],
    voters: &BTreeSet<MemberId>,
    audit: &[AuditEntry],
    roster: &Roster,
) -> Result<(), ResultsError> {
    let walk_ins = walk_ins(audit);
    let cast = classes
        .iter()
        .fold(0u64, |sum, c| sum.saturating_add(u64::from(c.weight)));
    let could = voters.iter().fold(0u64, |sum, m| {
        sum.saturating_add(weight(m, roster, &walk_ins).unwrap_or(0))
    });
    if cast > could {
        return Err(ResultsError::MoreWeightThanVoters {
            poll: poll.clone(),
            weight: cast,
            voters: could,
        });
    }
    Ok(())
}
