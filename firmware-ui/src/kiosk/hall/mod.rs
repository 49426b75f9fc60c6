//! The lead kiosk (kiosque principal) of a hall: the one writer of check-ins, « has voted »
//! marks and ballots for the kiosks paired to it. A member kiosk's request, with the device key
//! its TLS handshake proved, comes in through [`Kiosk::hall_answer`] and is answered from this
//! kiosk's store, in the transaction that acknowledges it.
//!
//! One concern per submodule: [`pairing`] (the pairing card, the organiser's confirmation, the
//! paired kiosks), [`visits`] (check-ins relayed from the door, the claims that make a voter's
//! visit exclusive to one voting kiosk, the casts, releases and lapses), [`wall`] (what the
//! projected screen shows).
//!
//! What lives only in memory here, never on the card: the pairing token, the claims (a claim
//! names the member and the kiosk; after a restart of the lead the voting kiosk's cast is
//! answered from the « has voted » marks instead), and when each kiosk was last heard.

mod gate;
mod pairing;
mod visits;
pub mod wall;

use std::collections::BTreeMap;

use urne_codec::hall::{AnswerBody, ClaimId, HallRole, PairingToken, RefusalCode, RequestBody};
use urne_core::crypto::Fingerprint;
use urne_core::ids::MemberId;
use urne_core::timestamp::Timestamp;

use super::{Due, Kiosk, KioskError};
use crate::clock::Clock;
use crate::store::{KioskRole, StoreError};

pub use gate::HallGate;
pub use pairing::{HallKiosk, PairingAsk, PairingOutcome};

/// How long a pairing card's token holds.
pub const PAIRING_LAPSE_SECS: i64 = 300;

/// How long a voter's visit may take on a voting kiosk before its claim lapses and another
/// kiosk may take the voter: longer than any real visit of eight polls with proxies, short
/// enough that a voting kiosk that died does not keep its voter out for the evening.
pub const CLAIM_LAPSE_SECS: i64 = 600;

/// What the lead answers a request: at once, or once the organiser has decided on a pairing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HallReply {
    /// The answer.
    Answer(AnswerBody),
    /// A pairing asked with a good token: the organiser must confirm it on this kiosk's screen.
    /// Ask [`Kiosk::pairing_outcome`] until it is decided.
    AwaitOrganiser,
}

/// The hall as the lead holds it in memory.
#[derive(Debug)]
pub(super) struct HallState {
    /// Who may finish a TLS handshake, for the lead's server to read without the worker.
    gate: HallGate,
    /// The pairing card shown now, if any.
    pairing: Option<pairing::OpenPairing>,
    /// The decisions on pairings asked, by the asking kiosk, until it has heard them.
    decided: BTreeMap<Fingerprint, PairingOutcome>,
    /// The visits under way on voting kiosks.
    claims: BTreeMap<ClaimId, Claim>,
    /// When each paired kiosk was last heard from.
    heard: BTreeMap<Fingerprint, Timestamp>,
    /// The result models of the polls released to the wall, worked out once.
    charts: BTreeMap<urne_core::ids::PollId, urne_core::chart::ResultChart>,
}

/// A voter's visit granted to one voting kiosk.
#[derive(Debug, Clone)]
struct Claim {
    member: MemberId,
    kiosk: Fingerprint,
    due: Vec<Due>,
    expires: Timestamp,
}

impl HallState {
    pub(super) fn new(clock: crate::clock::OffsetClock) -> Self {
        Self {
            gate: HallGate::new(clock),
            pairing: None,
            decided: BTreeMap::new(),
            claims: BTreeMap::new(),
            heard: BTreeMap::new(),
            charts: BTreeMap::new(),
        }
    }
}

impl From<HallRole> for KioskRole {
    fn from(role: HallRole) -> Self {
        match role {
            HallRole::Door => KioskRole::Door,
            HallRole::Voting => KioskRole::Voting,
        }
    }
}

impl Kiosk {
    /// Whether a device key may finish a TLS handshake with this lead: a kiosk paired now, or
    /// any kiosk while a pairing card is shown (its key is checked in its `Pair` request).
    pub fn hall_admits(&self, device: &Fingerprint) -> bool {
        if self.pairing_open() {
            return true;
        }
        match self.store.paired_role(device) {
            Ok(role) => role.is_some(),
            Err(error) => {
                tracing::warn!(%error, "the paired kiosks could not be read");
                false
            }
        }
    }

    /// The TLS gate for this lead's server, brought up to date: it follows every pairing and
    /// removal from then on.
    pub fn hall_gate(&self) -> HallGate {
        self.refresh_gate();
        self.hall.gate.clone()
    }

    /// Tells the gate what [`Kiosk::hall_admits`] says now.
    pub(super) fn refresh_gate(&self) {
        let card_until = self.hall.pairing.as_ref().map(|p| p.expires);
        match self.store.paired_kiosks() {
            Ok(kiosks) => {
                let paired = kiosks
                    .into_iter()
                    .filter(|k| k.removed_at.is_none())
                    .map(|k| k.device)
                    .collect();
                self.hall.gate.set(Some(paired), card_until);
            }
            Err(error) => {
                // Keep the kiosks admitted so far: one failed read must not cut the whole hall
                // off (a refused key is final on the member's side). A removal is still
                // enforced by the check on every request.
                tracing::warn!(%error, "the paired kiosks could not be read");
                self.hall.gate.set(None, card_until);
            }
        }
    }

    /// Answers one request of a member kiosk whose TLS handshake proved the key `peer`.
    pub fn hall_answer(&mut self, peer: &Fingerprint, request: RequestBody) -> HallReply {
        let now = self.clock.now();
        if let RequestBody::Pair {
            token,
            device,
            role,
            package,
        } = request
        {
            let ask = PairingAsk {
                token,
                device,
                role,
                package,
            };
            return match self.ask_pairing(peer, &ask, now) {
                Ok(()) => HallReply::AwaitOrganiser,
                Err(code) => HallReply::Answer(refused(code)),
            };
        }
        let role = match self.store.paired_role(peer) {
            Ok(Some(role)) => role,
            Ok(None) => return HallReply::Answer(refused(RefusalCode::NotPaired)),
            Err(_) => return HallReply::Answer(refused(RefusalCode::Storage)),
        };
        self.hall.heard.insert(*peer, now);
        self.forget_lapsed_claims(now);
        let answer = match (request, role) {
            (RequestBody::Pair { .. }, _) => Ok(refused(RefusalCode::Malformed)),
            (RequestBody::Status {}, _) => self.hall_status(),
            (RequestBody::CheckIn { badge }, _) => self.relayed_check_in(&badge),
            (RequestBody::CheckOut { member }, _) => self.relayed_check_out(&member),
            (RequestBody::Claim { badge }, KioskRole::Voting) => self.claim(peer, &badge, now),
            (RequestBody::Cast { claim, ballots }, KioskRole::Voting) => {
                self.remote_cast(peer, claim, &ballots)
            }
            (RequestBody::Release { claim }, KioskRole::Voting) => self.release(peer, claim),
            (
                RequestBody::Claim { .. } | RequestBody::Cast { .. } | RequestBody::Release { .. },
                KioskRole::Door,
            ) => Ok(refused(RefusalCode::WrongRole)),
        };
        let answer = answer.unwrap_or_else(|e| refused(refusal_of(&e)));
        HallReply::Answer(answer)
    }

    fn pairing_open(&self) -> bool {
        self.hall
            .pairing
            .as_ref()
            .is_some_and(|p| p.expires > self.clock.now())
    }

    /// A new random token for a pairing card or a claim.
    fn draw_id(&mut self) -> [u8; 16] {
        self.draw::<16>()
    }

    fn new_claim_id(&mut self) -> ClaimId {
        ClaimId(self.draw_id())
    }

    fn new_pairing_token(&mut self) -> PairingToken {
        PairingToken(self.draw_id())
    }
}

/// A refusal with no ballot to blame.
fn refused(code: RefusalCode) -> AnswerBody {
    AnswerBody::Refused { code, at: None }
}

/// What a member kiosk is told of a failure on the lead.
fn refusal_of(error: &KioskError) -> RefusalCode {
    match error {
        KioskError::Store(StoreError::Full)
        | KioskError::Store(StoreError::ReadOnly)
        | KioskError::Store(StoreError::Locked)
        | KioskError::Store(StoreError::Corrupt(_))
        | KioskError::Store(StoreError::TooNew(_))
        | KioskError::Store(StoreError::Other(_))
        | KioskError::Key(_)
        | KioskError::Seal(_)
        | KioskError::Usb(_)
        | KioskError::Unverifiable(_)
        | KioskError::BoxRefused(_) => RefusalCode::Storage,
        KioskError::PollState(_) | KioskError::UnknownPoll(_) => RefusalCode::PollNotOpen,
        KioskError::AlreadyVoted | KioskError::UndoVoted => RefusalCode::AlreadyVoted,
        KioskError::NoProxy | KioskError::Proxy(_) | KioskError::ProxyFrozen => {
            RefusalCode::NoProxy
        }
        KioskError::NotOnRoster | KioskError::NotPresent | KioskError::MissingName => {
            RefusalCode::NotOnRoster
        }
        KioskError::Ballot(_) | KioskError::Poll(_) => RefusalCode::Malformed,
        KioskError::NoEvent
        | KioskError::Package(..)
        | KioskError::ForeignPackage { .. }
        | KioskError::PackageTooLate
        | KioskError::OtherEventInProgress(_)
        | KioskError::SetupFirst
        | KioskError::AlreadyProvisioned => RefusalCode::WrongPackage,
        // Not met while answering a member kiosk; should one ever be, its screen says to try
        // again or call an organiser, which is what it needs.
        KioskError::Locked
        | KioskError::Setting(_)
        | KioskError::ClockUnconfirmed
        | KioskError::Share(_)
        | KioskError::PinReset(_)
        | KioskError::SmallPoll { .. }
        | KioskError::VisitsUnderWay { .. }
        | KioskError::PairingGone
        | KioskError::Hall(_) => RefusalCode::Storage,
    }
}
