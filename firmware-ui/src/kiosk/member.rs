//! A member kiosk of a hall. A door kiosk checks members in through the lead kiosk — and, while
//! the lead does not answer, here, queued for it (presence is a set: a repeat is harmless). A
//! voting kiosk asks the lead for each voter's visit, seals the ballots to the keys the grant
//! carries, and sends them with the claim; it keeps nothing of a visit on its card (the grant
//! and the sealed cast live in memory), and says « A voté ! » only once the lead has stored them.
//!
//! The same entry points as a single kiosk's ([`Kiosk::scan`], [`Kiosk::due`],
//! [`Kiosk::cast_visit`]…) come here when the kiosk has joined a hall, so that the screens run
//! one flow on either back end.

use urne_codec::hall::{
    AnswerBody, Grant, HallRole, RefusalCode, RemoteBallot, RequestBody, RequestId,
};
use urne_core::ballot::WeightedBallot;
use urne_core::credential::{BadgeError, Credential, Role};
use urne_core::ids::MemberId;

use super::{
    BallotCast, Due, HallProblem, Kiosk, KioskError, Refusal, ScanOutcome, VisitRefused,
    with_local_polls,
};
use crate::clock::Clock;
use crate::remote::{Lead, LeadError, new_request_id};
use crate::store::CheckIn;

/// The most queued check-ins sent to the lead before a scan is answered (the rest go with the
/// next scans), so that a door coming back online does not keep its next member waiting.
const FLUSH_AT_ONCE: usize = 20;

/// This kiosk's place in a hall.
pub(super) struct Membership {
    role: HallRole,
    lead: Box<dyn Lead>,
    visit: Option<RemoteVisit>,
}

impl std::fmt::Debug for Membership {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Membership")
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// The visit the lead granted to this voting kiosk.
struct RemoteVisit {
    grant: Grant,
    /// The cast sent and not answered yet: sent again as it was, under its id, when the voter
    /// confirms again, so that the lead stores it once.
    sent: Option<SentCast>,
}

struct SentCast {
    id: RequestId,
    request: RequestBody,
}

fn lead_error(error: &LeadError) -> KioskError {
    KioskError::Hall(match error {
        LeadError::Unreachable => HallProblem::Unreachable,
        LeadError::WrongLead | LeadError::NotAdmitted | LeadError::Setup(_) => {
            HallProblem::NotAdmitted
        }
    })
}

/// What a refusal of the lead means on this kiosk, for a request other than a cast.
fn refused(
    code: RefusalCode,
    local: &Result<Credential, BadgeError>,
) -> Result<ScanOutcome, KioskError> {
    match code {
        RefusalCode::Badge => Ok(ScanOutcome::Refused(Refusal::Badge(
            local.as_ref().err().cloned().unwrap_or(BadgeError::Revoked),
        ))),
        RefusalCode::NotOnRoster => Ok(ScanOutcome::Refused(Refusal::NotOnRoster)),
        RefusalCode::NotPaired | RefusalCode::WrongRole => {
            Err(KioskError::Hall(HallProblem::NotAdmitted))
        }
        RefusalCode::Storage => Err(KioskError::Hall(HallProblem::LeadStorage)),
        RefusalCode::NoClaim | RefusalCode::NotDue => {
            Err(KioskError::Hall(HallProblem::VisitEnded))
        }
        RefusalCode::Version
        | RefusalCode::Malformed
        | RefusalCode::BadToken
        | RefusalCode::TokenExpired
        | RefusalCode::WrongPackage
        | RefusalCode::WrongDevice
        | RefusalCode::PairingRejected
        | RefusalCode::PollNotOpen
        | RefusalCode::AlreadyVoted
        | RefusalCode::NoProxy => Err(KioskError::Hall(HallProblem::Refused)),
    }
}

/// A welcome with nothing to vote on (a door kiosk's, or a voter with nothing due).
fn greeting(member: MemberId, name: String, voted: bool, queued: bool) -> ScanOutcome {
    ScanOutcome::Welcome {
        member,
        name,
        already_since: None,
        due: Vec::new(),
        unrecorded: false,
        voted,
        queued,
    }
}

impl Kiosk {
    /// Joins a hall as a door or voting kiosk whose lead is `lead` (after the pairing).
    pub fn join_hall(&mut self, role: HallRole, lead: Box<dyn Lead>) {
        self.member = Some(Membership {
            role,
            lead,
            visit: None,
        });
    }

    /// Refuses, on a door or voting kiosk, an organiser's action on the hall's records: the lead
    /// is their one writer, and a proxy, walk-in, revoked badge or poll written here would be
    /// unknown to the hall (and a voting kiosk keeps nothing that lasts).
    pub(super) fn require_records_here(&self) -> Result<(), KioskError> {
        match self.member {
            Some(_) => Err(KioskError::Hall(HallProblem::OnLead)),
            None => Ok(()),
        }
    }

    /// This kiosk's role in a hall, if it has joined one.
    pub fn hall_role(&self) -> Option<HallRole> {
        self.member.as_ref().map(|m| m.role)
    }

    /// A badge scanned on a member kiosk. Organiser badges are recognised here (organiser mode
    /// is this kiosk's own); members are the lead's.
    pub(super) fn member_scan(&mut self, payload: &str) -> Result<ScanOutcome, KioskError> {
        let local = self.verify_badge(payload)?;
        if let Ok(credential) = &local
            && credential.role == Role::Organiser
        {
            let loaded = self.loaded()?;
            return Ok(match loaded.package.event.organiser(&credential.member) {
                Some(o) => ScanOutcome::Organiser {
                    organiser: o.id,
                    name: o.name.clone(),
                },
                None => ScanOutcome::Refused(Refusal::NotOnRoster),
            });
        }
        match self.hall_role() {
            Some(HallRole::Door) => self.door_scan(payload, &local),
            Some(HallRole::Voting) => self.voting_scan(payload, &local),
            None => Err(KioskError::Hall(HallProblem::NotAdmitted)),
        }
    }

    fn ask_lead(&self, request: RequestBody) -> Result<AnswerBody, LeadError> {
        match &self.member {
            Some(m) => m.lead.ask(new_request_id(), request),
            None => Err(LeadError::NotAdmitted),
        }
    }

    fn door_scan(
        &mut self,
        payload: &str,
        local: &Result<Credential, BadgeError>,
    ) -> Result<ScanOutcome, KioskError> {
        let asked = self.ask_lead(RequestBody::CheckIn {
            badge: payload.to_owned(),
        });
        // The queue goes once the lead answers, after this member's own check-in: a lead that
        // does not answer keeps the member waiting once, not once per queued check-in.
        if asked.is_ok() {
            self.flush_door_queue();
        }
        match asked {
            Ok(AnswerBody::Welcome {
                member,
                name,
                already_since,
            }) => Ok(ScanOutcome::Welcome {
                member,
                name,
                already_since,
                due: Vec::new(),
                unrecorded: false,
                voted: false,
                queued: false,
            }),
            Ok(AnswerBody::Refused { code, .. }) => refused(code, local),
            Ok(_) => Err(KioskError::Hall(HallProblem::Refused)),
            Err(LeadError::Unreachable) => self.queue_at_door(payload, local),
            Err(e) => Err(lead_error(&e)),
        }
    }

    /// The lead does not answer: a member this kiosk can check by itself (on the package's
    /// roster) is checked in here and queued for the lead; anyone else waits for the lead.
    fn queue_at_door(
        &mut self,
        payload: &str,
        local: &Result<Credential, BadgeError>,
    ) -> Result<ScanOutcome, KioskError> {
        let credential = match local {
            Ok(credential) => credential,
            Err(BadgeError::BadSignature) => {
                // Perhaps a badge the lead made for someone registered at the door.
                return Err(KioskError::Hall(HallProblem::Unreachable));
            }
            Err(e) => return Ok(ScanOutcome::Refused(Refusal::Badge(e.clone()))),
        };
        let Some(member) = self.roster.member(&credential.member) else {
            return Err(KioskError::Hall(HallProblem::Unreachable));
        };
        let (id, name) = (member.id, member.display_name());
        let checked = self.store.queue_check_in(&id, payload, self.clock.now())?;
        tracing::info!("hall: the lead does not answer; check-in queued");
        let already_since = match checked {
            CheckIn::Already(since) => Some(since),
            CheckIn::New | CheckIn::Returned(_) => None,
        };
        Ok(ScanOutcome::Welcome {
            member: id,
            name,
            already_since,
            due: Vec::new(),
            unrecorded: false,
            voted: false,
            queued: true,
        })
    }

    /// Sends the lead the check-ins queued while it did not answer, a few at a time (in the
    /// table's order: presence is a set, the order does not matter); stops at the first it
    /// does not take.
    pub fn flush_door_queue(&mut self) -> usize {
        let queued = match self.store.queued_check_ins() {
            Ok(queued) => queued,
            Err(error) => {
                tracing::warn!(%error, "hall: the queued check-ins could not be read");
                return 0;
            }
        };
        let mut sent = 0;
        for badge in queued.into_iter().take(FLUSH_AT_ONCE) {
            let taken = match self.ask_lead(RequestBody::CheckIn {
                badge: badge.clone(),
            }) {
                // A badge the lead refuses (revoked there meanwhile) is not sent again; any
                // other refusal (its storage, say) keeps it queued.
                Ok(AnswerBody::Welcome { .. })
                | Ok(AnswerBody::Refused {
                    code: RefusalCode::Badge | RefusalCode::NotOnRoster,
                    ..
                }) => true,
                Ok(_) | Err(_) => false,
            };
            if !taken || self.store.unqueue_check_in(&badge).is_err() {
                break;
            }
            sent += 1;
        }
        sent
    }

    fn voting_scan(
        &mut self,
        payload: &str,
        local: &Result<Credential, BadgeError>,
    ) -> Result<ScanOutcome, KioskError> {
        // A kiosk takes one voter at a time: its next claim ends the previous one on the lead.
        if let Some(m) = self.member.as_mut() {
            m.visit = None;
        }
        let asked = self.ask_lead(RequestBody::Claim {
            badge: payload.to_owned(),
        });
        match asked {
            Ok(AnswerBody::Granted { grant }) => Ok(self.granted(*grant)),
            Ok(AnswerBody::Busy {}) => Ok(ScanOutcome::Refused(Refusal::Busy)),
            Ok(AnswerBody::Voted { member, name }) => Ok(greeting(member, name, true, false)),
            Ok(AnswerBody::NothingDue { member, name }) => Ok(greeting(member, name, false, false)),
            Ok(AnswerBody::Refused { code, .. }) => refused(code, local),
            Ok(_) => Err(KioskError::Hall(HallProblem::Refused)),
            Err(e) => Err(lead_error(&e)),
        }
    }

    /// Keeps a grant for the visit, and its polls' definitions (a poll written on the lead
    /// during the evening is in no package).
    fn granted(&mut self, grant: Grant) -> ScanOutcome {
        if let Some(event) = &self.event {
            let polls = grant.polls.iter().map(|p| p.poll.clone()).collect();
            self.event = Some(with_local_polls(event, polls));
        }
        let due = grant
            .due
            .iter()
            .map(|d| Due {
                poll: d.poll.clone(),
                member: d.member,
                proxy_for: d.proxy_for.clone(),
            })
            .collect();
        let outcome = ScanOutcome::Welcome {
            member: grant.member,
            name: grant.name.clone(),
            already_since: grant.already_since,
            due,
            unrecorded: grant.unrecorded,
            voted: false,
            queued: false,
        };
        if let Some(m) = self.member.as_mut() {
            m.visit = Some(RemoteVisit { grant, sent: None });
        }
        outcome
    }

    /// The ballots `holder` can cast now on this voting kiosk: those of the grant.
    pub(super) fn member_due(&self, holder: &MemberId) -> Vec<Due> {
        let Some(visit) = self.member.as_ref().and_then(|m| m.visit.as_ref()) else {
            return Vec::new();
        };
        if visit.grant.member != *holder {
            return Vec::new();
        }
        visit
            .grant
            .due
            .iter()
            .map(|d| Due {
                poll: d.poll.clone(),
                member: d.member,
                proxy_for: d.proxy_for.clone(),
            })
            .collect()
    }

    /// The voter's visit ends without a cast (« Plus tard », the timeout): the lead is told, so
    /// that the voter may go to another kiosk at once.
    pub fn end_visit(&mut self) {
        let Some(visit) = self.member.as_mut().and_then(|m| m.visit.take()) else {
            return;
        };
        let release = RequestBody::Release {
            claim: visit.grant.claim,
        };
        if let Err(error) = self.ask_lead(release) {
            tracing::info!(%error, "hall: the lead was not told the visit ended; it lapses there");
        }
    }

    /// « Je pars » on a member kiosk: the member checks out on the lead.
    pub(super) fn member_check_out(&mut self, member: &MemberId) -> Result<bool, KioskError> {
        if let Some(m) = self.member.as_mut() {
            m.visit = None;
        }
        match self.ask_lead(RequestBody::CheckOut { member: *member }) {
            Ok(AnswerBody::CheckedOut {}) => Ok(true),
            Ok(AnswerBody::Refused { code, .. }) => {
                refused(code, &Err(BadgeError::NotABadge)).map(|_| false)
            }
            Ok(_) => Err(KioskError::Hall(HallProblem::Refused)),
            Err(e) => Err(lead_error(&e)),
        }
    }

    /// Casts a visit through the lead: every ballot checked against its poll and sealed to its
    /// box's key here, then sent with the claim; returns once the lead has stored them all.
    pub(super) fn member_cast(
        &mut self,
        voter: &MemberId,
        ballots: &[BallotCast],
    ) -> Result<(), VisitRefused> {
        let whole = |error| VisitRefused { at: None, error };
        let resend = self
            .member
            .as_ref()
            .and_then(|m| m.visit.as_ref())
            .filter(|v| v.grant.member == *voter)
            .ok_or_else(|| whole(KioskError::Hall(HallProblem::VisitEnded)))?
            .sent
            .as_ref()
            // A cast sent and never answered may be stored: it is sent again as it was (the
            // same id, the same sealed ballots), never replaced by ballots changed since, so
            // that « A voté » always speaks of the ballots stored.
            .map(|s| (s.id, s.request.clone()));
        let (id, request) = match resend {
            Some(sent) => sent,
            None => {
                let request = self.sealed_cast(ballots)?;
                let id = new_request_id();
                if let Some(visit) = self.member.as_mut().and_then(|m| m.visit.as_mut()) {
                    visit.sent = Some(SentCast {
                        id,
                        request: request.clone(),
                    });
                }
                (id, request)
            }
        };
        let asked = match &self.member {
            Some(m) => m.lead.ask(id, request),
            None => Err(LeadError::NotAdmitted),
        };
        match asked {
            Ok(AnswerBody::Stored { .. }) => {
                if let Some(m) = self.member.as_mut() {
                    m.visit = None;
                }
                tracing::info!(ballots = ballots.len(), "hall: visit stored by the lead");
                Ok(())
            }
            Ok(AnswerBody::Refused { code, at }) => {
                let at = at.and_then(|a| usize::try_from(a).ok());
                let error = cast_refusal(code, at.and_then(|a| ballots.get(a)));
                if let Some(m) = self.member.as_mut() {
                    if matches!(error, KioskError::Hall(HallProblem::VisitEnded)) {
                        // The lead no longer holds this visit (lapsed, or the poll closed): the
                        // grant is void, and the voter starts again from a scan.
                        m.visit = None;
                    } else if let Some(visit) = m.visit.as_mut() {
                        // Nothing was stored: confirming again is a new request.
                        visit.sent = None;
                    }
                }
                Err(VisitRefused { at, error })
            }
            Ok(_) => Err(whole(KioskError::Hall(HallProblem::Refused))),
            Err(e) => Err(whole(lead_error(&e))),
        }
    }

    /// The cast of `ballots`, each checked against the grant's poll and sealed to its key.
    fn sealed_cast(&mut self, ballots: &[BallotCast]) -> Result<RequestBody, VisitRefused> {
        let grant = self
            .member
            .as_ref()
            .and_then(|m| m.visit.as_ref())
            .map(|v| v.grant.clone())
            .ok_or(VisitRefused {
                at: None,
                error: KioskError::Hall(HallProblem::VisitEnded),
            })?;
        let event = self
            .current()
            .map(|e| e.id.clone())
            .map_err(|error| VisitRefused { at: None, error })?;
        let mut sealed_ballots = Vec::with_capacity(ballots.len());
        for (at, b) in ballots.iter().enumerate() {
            let refused = |error| VisitRefused {
                at: Some(at),
                error,
            };
            if super::visit::repeats_earlier(ballots, at) {
                return Err(refused(KioskError::AlreadyVoted));
            }
            let due = grant
                .due
                .iter()
                .find(|d| d.poll == b.poll && d.member == b.member)
                .ok_or_else(|| refused(KioskError::NoProxy))?;
            let poll = grant
                .polls
                .iter()
                .find(|p| p.poll.id == b.poll)
                .ok_or_else(|| refused(KioskError::UnknownPoll(b.poll.clone())))?;
            let ballot = WeightedBallot {
                ballot: b.ballot.clone(),
                weight: due.weight,
            };
            ballot
                .validate(&poll.poll)
                .map_err(|e| refused(KioskError::Ballot(e)))?;
            let seed = self.draw::<32>();
            let sealed = super::count::seal_ballot(&poll.key, &event, &poll.poll, &ballot, seed)
                .map_err(refused)?;
            sealed_ballots.push(RemoteBallot {
                poll: b.poll.clone(),
                member: b.member,
                sealed: sealed.0,
            });
        }
        Ok(RequestBody::Cast {
            claim: grant.claim,
            ballots: sealed_ballots,
        })
    }
}

/// What the lead's refusal of a cast means for the ballot it names.
fn cast_refusal(code: RefusalCode, ballot: Option<&BallotCast>) -> KioskError {
    match (code, ballot) {
        (RefusalCode::AlreadyVoted, _) => KioskError::AlreadyVoted,
        (RefusalCode::PollNotOpen, Some(b)) => KioskError::PollState(b.poll.clone()),
        (RefusalCode::NoProxy, _) => KioskError::NoProxy,
        (RefusalCode::NoClaim | RefusalCode::NotDue | RefusalCode::PollNotOpen, _) => {
            KioskError::Hall(HallProblem::VisitEnded)
        }
        (RefusalCode::Storage, _) => KioskError::Hall(HallProblem::LeadStorage),
        (RefusalCode::NotPaired | RefusalCode::WrongRole, _) => {
            KioskError::Hall(HallProblem::NotAdmitted)
        }
        (
            RefusalCode::Version
            | RefusalCode::Malformed
            | RefusalCode::BadToken
            | RefusalCode::TokenExpired
            | RefusalCode::WrongPackage
            | RefusalCode::WrongDevice
            | RefusalCode::PairingRejected
            | RefusalCode::Badge
            | RefusalCode::NotOnRoster,
            _,
        ) => KioskError::Hall(HallProblem::Refused),
    }
}
