//! Voters in the hall, on the lead: check-ins relayed from the door, the claim that makes a
//! voter's visit exclusive to one voting kiosk (« vote en cours sur un autre isoloir » on any
//! other), the visit's sealed ballots stored all or none with the « has voted » marks and the
//! sending kiosk's delivered counts, and the claim's end — cast, released, lapsed, or its kiosk
//! removed.

use urne_codec::hall::{
    AnswerBody, ClaimId, DueBallot, DuePoll, Grant, HallStatus, PollCount, RefusalCode,
    RemoteBallot,
};
use urne_core::crypto::Fingerprint;
use urne_core::ids::{MemberId, PollId};
use urne_core::sealed::{self, SealedBallot};
use urne_core::timestamp::Timestamp;

use super::{CLAIM_LAPSE_SECS, Claim, refused};
use crate::kiosk::visit::BadgeCheckIn;
use crate::kiosk::{Kiosk, KioskError, Refusal, VisitRefused};
use crate::store::SealedCast;

/// A refusal of the ballot at `at` of a cast.
fn refused_at(code: RefusalCode, at: usize) -> AnswerBody {
    AnswerBody::Refused {
        code,
        at: Some(u32::try_from(at).unwrap_or(u32::MAX)),
    }
}

/// What a badge refused at the lead is told as.
fn badge_refusal(refusal: &Refusal) -> RefusalCode {
    match refusal {
        Refusal::Badge(_) => RefusalCode::Badge,
        Refusal::NotOnRoster => RefusalCode::NotOnRoster,
        // The lead's own badge checks never say this (it answers `Busy` itself).
        Refusal::Busy => RefusalCode::Malformed,
    }
}

impl Kiosk {
    /// A badge scanned at a door kiosk: the member checked in here, on the lead.
    pub(super) fn relayed_check_in(&mut self, badge: &str) -> Result<AnswerBody, KioskError> {
        Ok(match self.check_in_badge(badge)? {
            BadgeCheckIn::Member {
                member,
                name,
                already_since,
            } => AnswerBody::Welcome {
                member,
                name,
                already_since,
            },
            // An organiser's badge opens organiser mode on the kiosk that read it, not here.
            BadgeCheckIn::Organiser { .. } => refused(RefusalCode::NotOnRoster),
            BadgeCheckIn::Refused(refusal) => refused(badge_refusal(&refusal)),
        })
    }

    /// A badge scanned at a voting kiosk: checks the member in if needed and grants the visit,
    /// unless another kiosk holds one for them.
    pub(super) fn claim(
        &mut self,
        kiosk: &Fingerprint,
        badge: &str,
        now: Timestamp,
    ) -> Result<AnswerBody, KioskError> {
        let member = match self.check_in_badge(badge)? {
            BadgeCheckIn::Member {
                member,
                name,
                already_since,
            } => (member, name, already_since),
            BadgeCheckIn::Organiser { .. } => return Ok(refused(RefusalCode::NotOnRoster)),
            BadgeCheckIn::Refused(refusal) => return Ok(refused(badge_refusal(&refusal))),
        };
        let (member, name, already_since) = member;
        // A voting kiosk serves one voter at a time: its new claim ends its previous one (a
        // voter who walked away, or the same voter scanning again after a restart).
        self.hall.claims.retain(|_, c| c.kiosk != *kiosk);
        if self.hall.claims.values().any(|c| c.member == member) {
            return Ok(AnswerBody::Busy {});
        }
        let due = self.due(&member)?;
        if due.is_empty() {
            return Ok(if self.voted_in_open_poll(&member)? {
                AnswerBody::Voted { member, name }
            } else {
                AnswerBody::NothingDue { member, name }
            });
        }
        let polls = self.due_polls(&due)?;
        let mut ballots = Vec::with_capacity(due.len());
        for d in &due {
            let weight = self
                .roster
                .member(&d.member)
                .map(|m| m.weight)
                .ok_or(KioskError::NotOnRoster)?;
            ballots.push(DueBallot {
                poll: d.poll.clone(),
                member: d.member,
                proxy_for: d.proxy_for.clone(),
                weight,
            });
        }
        // The claim last, once nothing can fail before the grant is answered: a claim without
        // its grant would keep the voter « busy » until it lapsed.
        let unrecorded = self.told_unrecorded(&member, &due);
        self.store.begin_visit(&member)?;
        let claim = self.new_claim_id();
        self.hall.claims.insert(
            claim,
            Claim {
                member,
                kiosk: *kiosk,
                due,
                expires: Timestamp(now.0 + CLAIM_LAPSE_SECS),
            },
        );
        let due = ballots;
        Ok(AnswerBody::Granted {
            grant: Box::new(Grant {
                claim,
                member,
                name,
                already_since,
                unrecorded,
                due,
                polls,
                expires_in: u32::try_from(CLAIM_LAPSE_SECS).unwrap_or(u32::MAX),
            }),
        })
    }

    /// Each poll of `due` once, in order, with the key its box is sealed to.
    fn due_polls(&self, due: &[crate::kiosk::Due]) -> Result<Vec<DuePoll>, KioskError> {
        let event = self.current()?;
        let mut polls: Vec<DuePoll> = Vec::new();
        for d in due {
            if polls.iter().any(|p| p.poll.id == d.poll) {
                continue;
            }
            let poll = event
                .poll(&d.poll)
                .ok_or_else(|| KioskError::UnknownPoll(d.poll.clone()))?;
            let (key, _) = self
                .boxes
                .get(&d.poll)
                .copied()
                .ok_or_else(|| KioskError::PollState(d.poll.clone()))?;
            polls.push(DuePoll {
                poll: poll.clone(),
                key,
            });
        }
        Ok(polls)
    }

    /// The sealed ballots of a visit granted to `kiosk`: every mark and ciphertext stored in
    /// one transaction, with the kiosk's delivered counts, and answered only after the commit.
    pub(super) fn remote_cast(
        &mut self,
        kiosk: &Fingerprint,
        claim: ClaimId,
        ballots: &[RemoteBallot],
    ) -> Result<AnswerBody, KioskError> {
        if ballots.is_empty() {
            return Ok(refused(RefusalCode::Malformed));
        }
        let Some(held) = self
            .hall
            .claims
            .get(&claim)
            .filter(|c| c.kiosk == *kiosk)
            .cloned()
        else {
            return self.cast_without_claim(ballots);
        };
        let mut casts = Vec::with_capacity(ballots.len());
        for (at, ballot) in ballots.iter().enumerate() {
            if let Err(code) = self.check_remote(&held, ballots, at) {
                return Ok(refused_at(code, at));
            }
            casts.push(SealedCast {
                poll: ballot.poll.clone(),
                member: ballot.member,
                ballot: SealedBallot(ballot.sealed.clone()),
                id: self.draw::<16>(),
            });
        }
        match self.put_visit_in_box(&held.member, &casts, Some(kiosk)) {
            Ok(()) => {
                self.hall.claims.remove(&claim);
                tracing::info!(ballots = casts.len(), "hall: cast stored");
                Ok(AnswerBody::Stored {
                    ballots: u32::try_from(casts.len()).unwrap_or(u32::MAX),
                })
            }
            Err(VisitRefused { at, error }) => Ok(AnswerBody::Refused {
                code: super::refusal_of(&error),
                at: at.map(|a| u32::try_from(a).unwrap_or(u32::MAX)),
            }),
        }
    }

    /// A cast whose claim this lead does not hold: after a restart of the lead (claims live in
    /// memory), its ballots may be stored already — then the voting kiosk is told so, since its
    /// voter's ballots are in the box; otherwise the voter starts again.
    fn cast_without_claim(&self, ballots: &[RemoteBallot]) -> Result<AnswerBody, KioskError> {
        for ballot in ballots {
            if !self.store.has_voted(&ballot.poll, &ballot.member)? {
                return Ok(refused(RefusalCode::NoClaim));
            }
        }
        Ok(AnswerBody::Stored {
            ballots: u32::try_from(ballots.len()).unwrap_or(u32::MAX),
        })
    }

    /// Checks the ballot at `at` of a cast against its claim, the polls open and the proxies,
    /// without reading it (it is sealed): due in this claim, once, its poll open, its
    /// ciphertext the length of its poll's, and a proxy still held by the voter.
    fn check_remote(
        &self,
        claim: &Claim,
        ballots: &[RemoteBallot],
        at: usize,
    ) -> Result<(), RefusalCode> {
        let ballot = &ballots[at];
        let same = |o: &RemoteBallot| o.poll == ballot.poll && o.member == ballot.member;
        if !claim
            .due
            .iter()
            .any(|d| d.poll == ballot.poll && d.member == ballot.member)
        {
            return Err(RefusalCode::NotDue);
        }
        if ballots[..at].iter().any(same) {
            return Err(RefusalCode::AlreadyVoted);
        }
        if !self.boxes.contains_key(&ballot.poll) {
            return Err(RefusalCode::PollNotOpen);
        }
        let definition = self
            .current()
            .ok()
            .and_then(|e| e.poll(&ballot.poll))
            .ok_or(RefusalCode::PollNotOpen)?;
        if ballot.sealed.len() != sealed::sealed_len(definition) {
            return Err(RefusalCode::Malformed);
        }
        let present = |m: &MemberId| {
            self.store
                .checked_in_at(m)
                .map(|at| at.is_some())
                .map_err(|_| RefusalCode::Storage)
        };
        if !present(&claim.member)? {
            return Err(RefusalCode::NoClaim);
        }
        if ballot.member != claim.member {
            let holder = self
                .proxy_book()
                .map_err(|_| RefusalCode::Storage)?
                .holder_of(&ballot.member);
            if holder != Some(claim.member) || present(&ballot.member)? {
                return Err(RefusalCode::NoProxy);
            }
        }
        Ok(())
    }

    /// The voter left the voting kiosk without casting: the claim ends, and another kiosk may
    /// take them.
    pub(super) fn release(
        &mut self,
        kiosk: &Fingerprint,
        claim: ClaimId,
    ) -> Result<AnswerBody, KioskError> {
        if self
            .hall
            .claims
            .get(&claim)
            .is_some_and(|c| c.kiosk == *kiosk)
        {
            self.hall.claims.remove(&claim);
        }
        Ok(AnswerBody::Released {})
    }

    /// « Je pars » on a member kiosk: the member is checked out here, and any visit of theirs
    /// under way ends.
    pub(super) fn relayed_check_out(
        &mut self,
        member: &MemberId,
    ) -> Result<AnswerBody, KioskError> {
        self.hall.claims.retain(|_, c| c.member != *member);
        self.check_out(member)?;
        Ok(AnswerBody::CheckedOut {})
    }

    /// Attendance and the ballots cast so far in each open poll (counts, as on the dashboard).
    pub(super) fn hall_status(&self) -> Result<AnswerBody, KioskError> {
        let attendance = self.attendance()?;
        let mut open = Vec::new();
        for poll in self.store.open_polls()? {
            let ballots = self.store.voted_count(&poll)?;
            open.push(PollCount { poll, ballots });
        }
        Ok(AnswerBody::Status {
            status: HallStatus {
                present: attendance.present,
                represented: attendance.represented,
                open,
            },
        })
    }

    /// Ends the claims whose time is up: their voters may go to another kiosk.
    pub(super) fn forget_lapsed_claims(&mut self, now: Timestamp) {
        self.hall.claims.retain(|_, c| c.expires > now);
    }

    /// How many visits under way include a ballot in `poll` (the close guard).
    pub(crate) fn visits_including(&mut self, poll: &PollId) -> u32 {
        let now = crate::clock::Clock::now(&self.clock);
        self.forget_lapsed_claims(now);
        let n = self
            .hall
            .claims
            .values()
            .filter(|c| c.due.iter().any(|d| d.poll == *poll))
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }
}
