//! The hall's wire format: what the kiosks of one hall say to the lead kiosk (kiosque principal),
//! as bytes. No socket here: `urne-hall` carries these frames over pinned mutual TLS.
//!
//! Every request carries a protocol version and an id of 128 random bits drawn by the client, so
//! that a retry after a lost answer is recognised and applied once; the answer repeats the id.
//! A cast carries only what the « has voted » marks and the sealed box need — the poll, the
//! member and the ciphertext — never the sending kiosk, a time or an order. The pairing QR
//! payload is [`pairing`], the frames [`frame`], the counts a kiosk signs for the hall's bundle
//! [`attestation`].

pub mod attestation;
pub mod frame;
pub mod pairing;

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use urne_core::crypto::{Fingerprint, Sha256Digest};
use urne_core::ids::{EventId, MemberId, PollId};
use urne_core::poll::Poll;
use urne_core::sealed::TallyPublicKey;
use urne_core::timestamp::Timestamp;

/// The protocol version this code speaks; a frame of another version is answered
/// [`RefusalCode::Version`].
pub const HALL_VERSION: u32 = 1;

/// 128 bits written as 32 lowercase hexadecimal digits: request ids, claims, pairing tokens.
macro_rules! hex_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub [u8; 16]);

        impl $name {
            /// Reads 32 hexadecimal digits.
            pub fn parse(text: &str) -> Option<Self> {
                let mut bytes = [0u8; 16];
                hex::decode_to_slice(text, &mut bytes).ok()?;
                Some(Self(bytes))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&hex::encode(self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_string())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                Self::parse(&text)
                    .ok_or_else(|| serde::de::Error::custom("expected 32 hexadecimal digits"))
            }
        }
    };
}

hex_id!(
    /// A request's id, drawn by the client: a retry carries the same id.
    RequestId
);
hex_id!(
    /// A claim: the lead's grant of one voter's visit to one kiosk, until cast, released or
    /// timed out.
    ClaimId
);
hex_id!(
    /// The one-time token of a pairing QR code.
    PairingToken
);

/// What a paired kiosk does in the hall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HallRole {
    /// Checks members in at the door (and keeps a queue while the lead cannot be reached).
    Door,
    /// Takes voters' visits and sends their sealed ballots to the lead.
    Voting,
}

/// A request from a member kiosk to the lead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// [`HALL_VERSION`].
    pub version: u32,
    /// Drawn by the client; the same on a retry.
    pub id: RequestId,
    /// What is asked.
    pub body: RequestBody,
}

/// What a member kiosk asks of the lead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum RequestBody {
    /// Joins the hall with the token of the lead's pairing QR code. The lead pins the key the
    /// TLS handshake proved, which must have this fingerprint, once an organiser confirms.
    Pair {
        /// From the pairing QR code.
        token: PairingToken,
        /// The joining kiosk's device key fingerprint.
        device: Fingerprint,
        /// The role it asks for.
        role: HallRole,
        /// SHA-256 of the event package's manifest it runs: only kiosks of one package pair.
        package: Sha256Digest,
    },
    /// A badge scanned at the door: check the member in.
    CheckIn {
        /// The badge's text, as scanned (the lead checks it).
        badge: String,
    },
    /// A badge scanned at a voting kiosk: check the member in if needed, and grant a visit.
    Claim {
        /// The badge's text, as scanned.
        badge: String,
    },
    /// The sealed ballots of a granted visit, stored all or none.
    Cast {
        /// The claim granted.
        claim: ClaimId,
        /// Each ballot of the visit: the voter's and their proxies'.
        ballots: Vec<RemoteBallot>,
    },
    /// The voter left without casting: the claim ends.
    Release {
        /// The claim granted.
        claim: ClaimId,
    },
    /// The member leaves the hall (« Je pars » on a member kiosk): checked out on the lead.
    CheckOut {
        /// The member.
        member: MemberId,
    },
    /// Attendance and ballot counts, for the member kiosk's screen. (Braces, not a unit
    /// variant, so that unknown fields are refused here too.)
    Status {},
}

/// One sealed ballot of a cast: what the lead's box stores, nothing more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoteBallot {
    /// The poll.
    pub poll: PollId,
    /// The member it counts for (the voter, or a member whose proxy they hold).
    pub member: MemberId,
    /// The ciphertext, sealed on the voting kiosk to the poll's box key (base64).
    #[serde(with = "base64_bytes")]
    pub sealed: Vec<u8>,
}

/// The lead's answer to a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// [`HALL_VERSION`].
    pub version: u32,
    /// The request's id.
    pub id: RequestId,
    /// The answer.
    pub body: AnswerBody,
}

/// What the lead answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum AnswerBody {
    /// Paired: the organiser confirmed on the lead.
    Paired {
        /// The event the hall runs.
        event: EventId,
    },
    /// The member is checked in (or already was).
    Welcome {
        /// The member.
        member: MemberId,
        /// « Prénom Nom ».
        name: String,
        /// `None` if checked in by this request, else the time of the first check-in.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        already_since: Option<Timestamp>,
    },
    /// A visit is granted to the asking kiosk.
    Granted {
        /// The visit.
        grant: Box<Grant>,
    },
    /// Another kiosk holds a claim for this member: « vote en cours sur un autre isoloir ».
    Busy {},
    /// Polls are open and the member has cast every ballot due.
    Voted {
        /// The member (checked in by this request if they were not).
        member: MemberId,
        /// « Prénom Nom ».
        name: String,
    },
    /// No poll is open for this member now.
    NothingDue {
        /// The member (checked in by this request if they were not).
        member: MemberId,
        /// « Prénom Nom ».
        name: String,
    },
    /// Every ballot of the cast is stored (answered after the commit).
    Stored {
        /// How many ballots.
        ballots: u32,
    },
    /// The claim is released.
    Released {},
    /// The member is checked out (or was not present).
    CheckedOut {},
    /// The hall's counts.
    Status {
        /// The counts.
        status: HallStatus,
    },
    /// Refused; nothing changed.
    Refused {
        /// Why.
        code: RefusalCode,
        /// For a cast: the place of the ballot to blame.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<u32>,
    },
}

/// A visit granted: what the voting kiosk needs to show and seal the ballots due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// The claim, to send with the cast or the release.
    pub claim: ClaimId,
    /// The voter.
    pub member: MemberId,
    /// « Prénom Nom ».
    pub name: String,
    /// `None` if checked in by this request, else the time of the first check-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub already_since: Option<Timestamp>,
    /// The voter's last visit began and was never stored: told once.
    pub unrecorded: bool,
    /// The ballots due: the voter's, then their proxies', poll by poll in the event's order.
    pub due: Vec<DueBallot>,
    /// Each poll of `due`, with the key its box is sealed to (a poll written on the lead during
    /// the evening is in no package).
    pub polls: Vec<DuePoll>,
    /// Seconds until the claim lapses without a cast (counted on the lead's clock).
    pub expires_in: u32,
}

/// One ballot due in a grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DueBallot {
    /// The poll.
    pub poll: PollId,
    /// The member the ballot counts for.
    pub member: MemberId,
    /// That member's name, when it is a proxy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_for: Option<String>,
    /// The weight the ballot is sealed with: the member's on the lead's roster, which knows the
    /// people registered at the door that the voting kiosk's package does not.
    pub weight: u32,
}

/// A poll of a grant and its box key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DuePoll {
    /// The poll's definition.
    pub poll: Poll,
    /// The key its box was opened with.
    pub key: TallyPublicKey,
}

/// Attendance and counts, as a member kiosk shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HallStatus {
    /// Members present.
    pub present: u64,
    /// Members represented by a proxy.
    pub represented: u64,
    /// The open polls and their ballots cast so far.
    pub open: Vec<PollCount>,
}

/// A count of ballots in one poll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollCount {
    /// The poll.
    pub poll: PollId,
    /// How many ballots.
    pub ballots: u64,
}

/// Why the lead refused a request. A closed set: each one is explained on the asking kiosk's
/// screen, in the voter's or the organiser's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RefusalCode {
    /// The frame's version is not this lead's.
    Version,
    /// The request could not be read.
    Malformed,
    /// The asking kiosk is not paired to this hall (or was removed).
    NotPaired,
    /// The pairing token is unknown or already used.
    BadToken,
    /// The pairing token has expired.
    TokenExpired,
    /// The joining kiosk runs another event package.
    WrongPackage,
    /// The key the handshake proved is not the one the pairing names.
    WrongDevice,
    /// The organiser refused the pairing on the lead.
    PairingRejected,
    /// The asking kiosk's role does not do this (a door kiosk asking for a visit).
    WrongRole,
    /// The badge does not hold (signature, event, validity window, revoked).
    Badge,
    /// The badge's member is not on the roster, or it is an organiser's badge.
    NotOnRoster,
    /// The claim is unknown: released, timed out, or already cast.
    NoClaim,
    /// A ballot's poll is not open (any more).
    PollNotOpen,
    /// A ballot was already cast for that member in that poll.
    AlreadyVoted,
    /// A ballot is for a member whose proxy the voter does not hold.
    NoProxy,
    /// A ballot is not due in this claim.
    NotDue,
    /// The lead could not store it (full, read-only or damaged storage): try again or call an
    /// organiser.
    Storage,
}

/// Serde for bytes as standard base64.
mod base64_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD
            .decode(text.as_bytes())
            .map_err(|_| serde::de::Error::custom("expected base64"))
    }
}

#[cfg(test)]
mod tests;
