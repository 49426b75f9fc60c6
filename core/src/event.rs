//! The event (an assembly, a banquet): its roster, its organisers, its polls and its settings.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::crypto::PublicKey;
use crate::ids::{EventId, MemberId, PollId};
use crate::poll::{Poll, PollError};
use crate::rules::Quorum;
use crate::timestamp::Timestamp;

/// Why an event definition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// The title is empty.
    #[error("the event has no title")]
    EmptyTitle,
    /// A badge key is not a public key.
    #[error("badge key {0} is not an Ed25519 public key in PEM form")]
    BadBadgeKey(usize),
    /// Two polls share an id.
    #[error("the poll id « {0} » is used twice")]
    DuplicatePoll(PollId),
    /// A poll is malformed.
    #[error(transparent)]
    Poll(#[from] PollError),
    /// Two members share an id.
    #[error("the member id {0} is used twice")]
    DuplicateMember(MemberId),
    /// A member without a name.
    #[error("member {0} has no name")]
    NamelessMember(MemberId),
    /// A member with a weight of zero.
    #[error("member {0} has a weight of zero")]
    ZeroWeight(MemberId),
}

/// A person on the roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// Random, unguessable identifier printed (signed) on the badge.
    pub id: MemberId,
    /// Family name (nom).
    pub last_name: String,
    /// Given name (prénom).
    pub first_name: String,
    /// The collective or group the member belongs to (collectif), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Voting weight; 1 unless the event weighs members (delegate assemblies).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub weight: u32,
}

fn one() -> u32 {
    1
}

fn is_one(w: &u32) -> bool {
    *w == 1
}

impl Member {
    /// « Prénom Nom », as greeted at the door.
    pub fn display_name(&self) -> String {
        match (self.first_name.trim(), self.last_name.trim()) {
            ("", last) => last.to_owned(),
            (first, "") => first.to_owned(),
            (first, last) => format!("{first} {last}"),
        }
    }
}

/// Someone allowed to unlock organiser mode, with a badge of the organiser role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organiser {
    /// The organiser badge's id (distinct from any member id: an organiser votes with their own
    /// participant badge).
    pub id: MemberId,
    /// The name shown when the badge is scanned.
    pub name: String,
}

/// Everything the kiosk needs to run an event, as signed by the organiser in the event package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Stable identifier, used in file names and by the registry.
    pub id: EventId,
    /// The event's name, shown on the idle screen.
    pub title: String,
    /// Where it takes place.
    pub place: String,
    /// The day it takes place, `YYYY-MM-DD`.
    pub date: String,
    /// The organising body, printed on the procès-verbal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// How many proxies (pouvoirs) one present member may hold.
    pub proxies_per_holder: u32,
    /// The quorum applied to every poll, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quorum: Option<Quorum>,
    /// First second the event's badges are accepted.
    pub badges_valid_from: Timestamp,
    /// Last second the event's badges are accepted.
    pub badges_valid_until: Timestamp,
    /// The people who may unlock organiser mode.
    pub organisers: Vec<Organiser>,
    /// Further keys whose badges are accepted besides the package's signer (SubjectPublicKeyInfo
    /// PEM): the organiser's previous or next key during a key rotation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub badge_keys: Vec<String>,
    /// Badges revoked before the event (lost, stolen, reissued): refused at the door.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revoked_badges: Vec<MemberId>,
    /// Below this many ballots (and above none), closing a poll needs the organiser to confirm
    /// that its result may reveal how some voted: with three ballots, « 3 pour » tells each
    /// voter's choice. `0` or `1` never asks.
    #[serde(
        default = "default_small_poll",
        skip_serializing_if = "is_default_small_poll"
    )]
    pub small_poll: u32,
    /// The polls, in the order they are presented.
    pub polls: Vec<Poll>,
}

/// The small-poll threshold when the event does not set one: fewer than 5 ballots.
pub const SMALL_POLL: u32 = 5;

fn default_small_poll() -> u32 {
    SMALL_POLL
}

// serde's `skip_serializing_if` passes a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_default_small_poll(n: &u32) -> bool {
    *n == SMALL_POLL
}

impl Event {
    /// Whether closing a poll with `ballots` ballots needs the organiser's confirmation that
    /// its result may reveal votes.
    pub fn is_small_poll(&self, ballots: u64) -> bool {
        ballots > 0 && ballots < u64::from(self.small_poll)
    }

    /// Checks ids, titles and every poll.
    pub fn validate(&self) -> Result<(), EventError> {
        if self.title.trim().is_empty() {
            return Err(EventError::EmptyTitle);
        }
        self.badge_public_keys()?;
        let mut ids = BTreeSet::new();
        for poll in &self.polls {
            if !ids.insert(&poll.id) {
                return Err(EventError::DuplicatePoll(poll.id.clone()));
            }
            poll.validate()?;
        }
        Ok(())
    }

    /// The further badge keys, parsed.
    pub fn badge_public_keys(&self) -> Result<Vec<PublicKey>, EventError> {
        self.badge_keys
            .iter()
            .enumerate()
            .map(|(i, pem)| PublicKey::from_pem(pem).map_err(|_| EventError::BadBadgeKey(i + 1)))
            .collect()
    }

    /// The poll with this id.
    pub fn poll(&self, id: &PollId) -> Option<&Poll> {
        self.polls.iter().find(|p| &p.id == id)
    }

    /// The organiser with this badge id.
    pub fn organiser(&self, id: &MemberId) -> Option<&Organiser> {
        self.organisers.iter().find(|o| &o.id == id)
    }
}

/// The members of an event.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roster {
    /// Members, in the order of the imported file.
    pub members: Vec<Member>,
}

impl Roster {
    /// Checks that ids are unique, names present and weights positive.
    pub fn validate(&self) -> Result<(), EventError> {
        let mut ids = BTreeSet::new();
        for m in &self.members {
            if !ids.insert(m.id) {
                return Err(EventError::DuplicateMember(m.id));
            }
            if m.display_name().is_empty() {
                return Err(EventError::NamelessMember(m.id));
            }
            if m.weight == 0 {
                return Err(EventError::ZeroWeight(m.id));
            }
        }
        Ok(())
    }

    /// The member with this id.
    pub fn member(&self, id: &MemberId) -> Option<&Member> {
        self.members.iter().find(|m| &m.id == id)
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether the roster is empty.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The sum of all members' weights (the base of an absolute majority).
    pub fn total_weight(&self) -> u64 {
        self.members.iter().map(|m| u64::from(m.weight)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_name_puts_the_first_name_first() {
        let m = Member {
            id: MemberId::from_bytes([1; 16]),
            last_name: "Lemaître".into(),
            first_name: "Agnès".into(),
            group: None,
            weight: 1,
        };
        assert_eq!(m.display_name(), "Agnès Lemaître");
        let json = serde_json::to_string(&m).unwrap();
        assert!(!json.contains("weight"), "weight 1 is implied: {json}");
    }
}
