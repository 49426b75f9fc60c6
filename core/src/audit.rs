//! The audit chain: an append-only, hash-chained journal of what an auditor must be able to see.
//!
//! Each entry carries the hash of the previous one, so removing, reordering or editing an entry
//! breaks every hash after it. It records check-ins, polls opened and closed with their counts,
//! exports and organiser logins — never ballot content and never which member cast which
//! ballot. Entry hash: SHA-256 of `"urne-audit/1\0"` followed by the entry's canonical JSON
//! without its `hash` field.

use serde::{Deserialize, Serialize};

use crate::crypto::{Fingerprint, Sha256Digest};
use crate::ids::{EventId, MemberId, PollId};
use crate::rules::Attendance;
use crate::sealed::BoxDigest;
use crate::timestamp::Timestamp;

const HASH_CONTEXT: &[u8] = b"urne-audit/1\0";

/// Something that happened, as recorded in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "kebab-case", deny_unknown_fields)]
pub enum AuditEvent {
    /// The kiosk generated its device key.
    DeviceKeyCreated {
        /// The new key's fingerprint.
        device: Fingerprint,
    },
    /// An event package was loaded.
    PackageLoaded {
        /// The event.
        event: EventId,
        /// SHA-256 of the package file.
        package: Sha256Digest,
        /// The organiser key that signed it.
        organiser: Fingerprint,
        /// SHA-256 of the package's `manifest.json`, which every results bundle carries with
        /// its signature: absent from chains written before bundles carried it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        manifest: Option<Sha256Digest>,
    },
    /// A member was checked in (émargement).
    CheckIn {
        /// The member.
        member: MemberId,
    },
    /// A member left and scanned out.
    CheckOut {
        /// The member.
        member: MemberId,
    },
    /// A poll was opened, with the attendance at that moment.
    PollOpened {
        /// The poll.
        poll: PollId,
        /// Attendance when it opened.
        attendance: Attendance,
    },
    /// A poll was closed, with the attendance and number of ballots at that moment.
    PollClosed {
        /// The poll.
        poll: PollId,
        /// Attendance when it closed.
        attendance: Attendance,
        /// Ballots in the box.
        ballots: u64,
        /// Closed with fewer ballots than this, the event's small-poll threshold: the organiser
        /// confirmed that the result may reveal votes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        small_poll: Option<u32>,
    },
    /// A poll's ballots and "has voted" marks were discarded (opened by mistake, or to be held
    /// again); the poll is back to not opened.
    PollReset {
        /// The poll.
        poll: PollId,
        /// Ballots discarded.
        ballots: u64,
    },
    /// An absent member gave their proxy (pouvoir) to a present one.
    ProxyGranted {
        /// The absent member.
        absent: MemberId,
        /// The holder.
        holder: MemberId,
    },
    /// A proxy was withdrawn.
    ProxyRevoked {
        /// The absent member.
        absent: MemberId,
    },
    /// A badge was revoked (lost or stolen); it is refused from then on.
    BadgeRevoked {
        /// The member whose badge it was.
        member: MemberId,
    },
    /// A person not on the roster was registered at the door (walk-in) and checked in; the kiosk
    /// issued their badge.
    WalkInRegistered {
        /// Their new member id.
        member: MemberId,
        /// « Prénom Nom ».
        name: String,
    },
    /// An organiser undid a check-in made by mistake.
    CheckInUndone {
        /// The member.
        member: MemberId,
    },
    /// Results were exported.
    Exported {
        /// The bundle's sequence number.
        seq: u64,
        /// Whether it was a test-deck run (essai à blanc).
        test: bool,
    },
    /// Organiser mode was unlocked.
    OrganiserUnlocked {
        /// The organiser badge used.
        organiser: MemberId,
    },
    /// A wrong PIN was entered.
    PinRejected {
        /// The organiser badge used.
        organiser: MemberId,
        /// Consecutive failures so far.
        failures: u32,
    },
    /// The organiser PIN was changed from organiser mode (never the PIN itself).
    PinChanged {
        /// The organiser badge that was unlocked.
        organiser: MemberId,
    },
    /// A forgotten organiser PIN was replaced with an order the organiser key signed for this
    /// kiosk (never the PIN).
    PinReset {
        /// The organiser key that signed the order.
        organiser: Fingerprint,
        /// The order's nonce, in hexadecimal: an order is good once.
        order: String,
    },
    /// An organiser put a new poll on the spot (a question raised during the evening).
    PollCreated {
        /// The new poll.
        poll: PollId,
        /// SHA-256 of the poll's definition as written in the bundle's `event.json` (compact
        /// JSON of the `Poll`), so that an auditor can tell which wording was voted on.
        definition: Sha256Digest,
    },
    /// An organiser confirmed the kiosk's date and time (a Raspberry Pi has no battery clock:
    /// offline, it may start with the wrong time). Every later time is the system clock plus
    /// this offset.
    ClockConfirmed {
        /// Seconds added to the system clock (0 when it was right).
        offset: i64,
    },
    /// The kiosk was put into service at its first boot (mise en service): the organiser PIN
    /// was set, and the registry's address if one was given.
    Provisioned {
        /// The device key's fingerprint the organiser was shown, for enrolment at the registry.
        device: Fingerprint,
        /// Whether a registry address was given.
        registry: bool,
    },
    /// An organiser changed a poll that had not been opened yet.
    PollEdited {
        /// The poll.
        poll: PollId,
        /// SHA-256 of the new definition (compact JSON of the `Poll`).
        definition: Sha256Digest,
    },
    /// A share of the tally key was read for a poll's count (scanned or typed): which one, never
    /// its content.
    ShareRead {
        /// The poll being counted.
        poll: PollId,
        /// The share's number.
        share: u8,
    },
    /// A share offered for a count was refused (another event's, mistyped, unknown, repeated).
    ShareRefused {
        /// The poll being counted.
        poll: PollId,
        /// Why, in English (the kiosk showed it in the bureau's language).
        reason: String,
    },
    /// A sealed box did not hold at its count: a ciphertext altered, removed or added since the
    /// casts. Nothing was counted.
    BoxRefused {
        /// The poll.
        poll: PollId,
        /// What was found, in English.
        problem: String,
    },
    /// A kiosk joined the hall of this lead kiosk, confirmed by an organiser.
    KioskPaired {
        /// Its device key's fingerprint.
        device: Fingerprint,
        /// « door » or « voting ».
        role: String,
    },
    /// This kiosk joined a hall as a door or voting kiosk, its lead having confirmed it: from
    /// now on its check-ins and ballots are the lead's, not in this chain.
    JoinedHall {
        /// The lead kiosk's device key fingerprint.
        lead: Fingerprint,
        /// « door » or « voting ».
        role: String,
    },
    /// A kiosk was removed from the hall: the lead refuses it from its next request.
    KioskRemoved {
        /// Its device key's fingerprint.
        device: Fingerprint,
    },
    /// The organiser ended the visits under way on a voting kiosk (one that stopped answering,
    /// say), so that its voters may vote on another: a cast it sends for them later is refused.
    VisitsReleased {
        /// The voting kiosk's device key fingerprint.
        device: Fingerprint,
        /// How many visits were ended.
        visits: u32,
    },
    /// A poll was closed while voters' visits that include it were under way on voting kiosks:
    /// the organiser overrode the guard, and those ballots are refused.
    PollClosedDuringVisits {
        /// The poll.
        poll: PollId,
        /// How many visits were under way.
        visits: u32,
    },
    /// A closed poll's sealed box was opened and its ballots counted; the tally key was wiped.
    PollCounted {
        /// The poll.
        poll: PollId,
        /// Ballots opened.
        ballots: u64,
        /// The box's digest as checked.
        digest: BoxDigest,
        /// Whether the box was sealed to the published test key (a demo or test deck).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        test_key: bool,
    },
}

/// One link of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub seq: u64,
    /// When it was recorded, by the kiosk's clock.
    pub at: Timestamp,
    /// Hash of the previous entry (all zeros for the first).
    pub prev: Sha256Digest,
    /// What happened.
    pub event: AuditEvent,
    /// Hash of this entry.
    pub hash: Sha256Digest,
}

#[derive(Serialize)]
struct Body<'a> {
    seq: u64,
    at: Timestamp,
    prev: Sha256Digest,
    event: &'a AuditEvent,
}

fn entry_hash(seq: u64, at: Timestamp, prev: Sha256Digest, event: &AuditEvent) -> Sha256Digest {
    let body = serde_json::to_vec(&Body {
        seq,
        at,
        prev,
        event,
    })
    .expect("audit entries always serialise");
    Sha256Digest::of_parts(&[HASH_CONTEXT, &body])
}

impl AuditEntry {
    /// The entry that follows `previous` (or starts the chain).
    pub fn next(previous: Option<&AuditEntry>, at: Timestamp, event: AuditEvent) -> Self {
        let (seq, prev) = match previous {
            Some(p) => (p.seq + 1, p.hash),
            None => (1, Sha256Digest::default()),
        };
        let hash = entry_hash(seq, at, prev, &event);
        Self {
            seq,
            at,
            prev,
            event,
            hash,
        }
    }

    /// One line of `audit.jsonl`.
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).expect("audit entries always serialise")
    }
}

/// Why a chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    /// Sequence numbers must run 1, 2, 3, …
    #[error("audit entry {found} is out of sequence (expected {expected})")]
    Sequence {
        /// The expected number.
        expected: u64,
        /// The number found.
        found: u64,
    },
    /// The entry does not point at the previous one.
    #[error("audit entry {0} does not follow the previous entry")]
    BrokenLink(u64),
    /// The entry was altered.
    #[error("audit entry {0} has been altered (its hash does not match)")]
    BadHash(u64),
    /// A line that is not an entry.
    #[error("audit line {line} is not readable: {reason}")]
    Unreadable {
        /// 1-based line number.
        line: usize,
        /// Why.
        reason: String,
    },
}

/// Checks a whole chain, from its first entry.
pub fn verify_chain(entries: &[AuditEntry]) -> Result<(), AuditError> {
    let mut prev = Sha256Digest::default();
    for (i, e) in entries.iter().enumerate() {
        let expected = u64::try_from(i).unwrap_or(u64::MAX).saturating_add(1);
        if e.seq != expected {
            return Err(AuditError::Sequence {
                expected,
                found: e.seq,
            });
        }
        if e.prev != prev {
            return Err(AuditError::BrokenLink(e.seq));
        }
        if entry_hash(e.seq, e.at, e.prev, &e.event) != e.hash {
            return Err(AuditError::BadHash(e.seq));
        }
        prev = e.hash;
    }
    Ok(())
}

/// Parses `audit.jsonl` (one entry per line; a final newline is allowed).
pub fn parse_jsonl(text: &str) -> Result<Vec<AuditEntry>, AuditError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| AuditError::Unreadable {
                line: i + 1,
                reason: e.to_string(),
            })
        })
        .collect()
}

/// Writes `audit.jsonl`.
pub fn to_jsonl(entries: &[AuditEntry]) -> String {
    let mut out = String::new();
    for e in entries {
        out.push_str(&e.to_json_line());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain() -> Vec<AuditEntry> {
        let mut entries: Vec<AuditEntry> = Vec::new();
        for (i, member) in [[1u8; 16], [2; 16], [3; 16]].into_iter().enumerate() {
            let e = AuditEntry::next(
                entries.last(),
                Timestamp(1000 + i64::try_from(i).unwrap()),
                AuditEvent::CheckIn {
                    member: MemberId::from_bytes(member),
                },
            );
            entries.push(e);
        }
        entries
    }

    #[test]
    fn a_fresh_chain_verifies_and_round_trips() {
        let entries = chain();
        verify_chain(&entries).unwrap();
        let text = to_jsonl(&entries);
        assert_eq!(parse_jsonl(&text).unwrap(), entries);
    }

    #[test]
    fn editing_removing_or_reordering_is_detected() {
        let mut edited = chain();
        edited[1].at = Timestamp(5);
        assert_eq!(verify_chain(&edited), Err(AuditError::BadHash(2)));
        let mut removed = chain();
        removed.remove(1);
        assert!(matches!(
            verify_chain(&removed),
            Err(AuditError::Sequence { .. })
        ));
        let mut swapped = chain();
        swapped.swap(1, 2);
        assert!(verify_chain(&swapped).is_err());
    }
}
