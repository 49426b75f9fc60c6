//! A voter's visit: the badge scanned, the check-in, the ballots due (their own and their
//! proxies'), and each ballot cast.

use urne_core::ballot::{Ballot, WeightedBallot};
use urne_core::credential::{BadgeCheck, BadgeError, Credential, Role, WalkInCheck};
use urne_core::ids::{MemberId, PollId};
use urne_core::timestamp::Timestamp;

use super::{Kiosk, KioskError, PackageProblem};
use crate::clock::Clock;
use crate::store::CheckIn;

/// One ballot of a visit, ready to be cast: the poll, the member it counts for (the voter, or
/// a member whose proxy they hold), and the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BallotCast {
    /// The member the ballot counts for.
    pub member: MemberId,
    /// The poll.
    pub poll: PollId,
    /// The answer.
    pub ballot: Ballot,
}

/// Why a visit's ballots were not cast: nothing of the visit was stored.
#[derive(Debug)]
pub struct VisitRefused {
    /// The place in the visit of the ballot refused (a poll closed meanwhile, a ballot already
    /// cast), or `None` when the whole write failed.
    pub at: Option<usize>,
    /// Why.
    pub error: KioskError,
}

/// Whether the ballot at `at` of a visit is for the same member in the same poll as an earlier
/// one: a second vote, refused whether the visit is stored here or sent to a lead.
pub(super) fn repeats_earlier(ballots: &[BallotCast], at: usize) -> bool {
    let b = &ballots[at];
    ballots[..at]
        .iter()
        .any(|o| o.member == b.member && o.poll == b.poll)
}

/// Why a scanned badge was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The credential itself (forged, expired, other event, …).
    Badge(BadgeError),
    /// A valid badge for a member who is not on this kiosk's roster.
    NotOnRoster,
    /// In a hall: another voting kiosk holds this member's visit (« vote en cours sur un autre
    /// isoloir »).
    Busy,
}

/// One ballot a voter can cast now: in their own name, or for a member whose proxy they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// The poll.
    pub poll: PollId,
    /// The member the ballot is cast for.
    pub member: MemberId,
    /// That member's name, when it is a proxy (`None` for the voter's own ballot).
    pub proxy_for: Option<String>,
}

/// A badge scanned and checked, its member checked in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum BadgeCheckIn {
    /// A member of the roster, now checked in.
    Member {
        /// The member.
        member: MemberId,
        /// « Prénom Nom ».
        name: String,
        /// `None` if checked in by this scan, or the time of the first check-in.
        already_since: Option<Timestamp>,
    },
    /// An organiser's badge.
    Organiser {
        /// The organiser.
        organiser: MemberId,
        /// Their name.
        name: String,
    },
    /// Refused.
    Refused(Refusal),
}

/// What a scan leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanOutcome {
    /// A member was checked in (or was already).
    Welcome {
        /// The member.
        member: MemberId,
        /// « Prénom Nom ».
        name: String,
        /// `None` if checked in by this scan, or the time of the first check-in.
        already_since: Option<Timestamp>,
        /// The ballots this member can cast now: theirs, then those of the members they
        /// represent, poll by poll in the event's order.
        due: Vec<Due>,
        /// Whether this member's last visit began and was never stored (a power cut, or a
        /// voter who walked away), while ballots are still due: told once, at this scan.
        unrecorded: bool,
        /// Whether polls are open, none is due, and the member voted in them: « Vous avez déjà
        /// voté » rather than « aucun scrutin ».
        voted: bool,
        /// At a door kiosk whose lead did not answer: checked in here and queued for the lead
        /// (« enregistré, transmission en attente »).
        queued: bool,
    },
    /// An organiser badge: ask for the PIN.
    Organiser {
        /// The organiser badge.
        organiser: MemberId,
        /// The organiser's name.
        name: String,
    },
    /// Refused, with the reason.
    Refused(Refusal),
}

impl Kiosk {
    /// The organiser keys whose badges this kiosk accepts: the package's signer and the event's
    /// further badge keys (key rotation). The kiosk's own key is not among them: it signs only
    /// walk-ins' badges, under their own domain tag (see [`Self::verify_badge`]).
    fn badge_keys(&self) -> Result<Vec<urne_core::crypto::PublicKey>, KioskError> {
        let loaded = self.loaded()?;
        let mut keys = vec![loaded.organiser];
        keys.extend(
            loaded
                .package
                .event
                .badge_public_keys()
                .map_err(|e| KioskError::Package(PackageProblem::Invalid, e.to_string()))?,
        );
        Ok(keys)
    }

    /// Checks a scanned badge: signed by an organiser key, or by this kiosk's key for someone it
    /// registered at the door; not revoked by the event nor on this kiosk.
    pub(super) fn verify_badge(
        &self,
        payload: &str,
    ) -> Result<Result<Credential, BadgeError>, KioskError> {
        let loaded = self.loaded()?;
        let keys = self.badge_keys()?;
        let device = self.device.public();
        let store = &self.store;
        let revoked = &loaded.package.event.revoked_badges;
        let check = BadgeCheck {
            event: &loaded.package.event.id,
            keys: &keys,
            walk_ins: Some(WalkInCheck {
                key: &device,
                // A database error refuses the walk-in's badge; it is never taken as a yes.
                is_walk_in: &|m| store.is_walk_in(m).unwrap_or(false),
            }),
            // A database error here is reported by the check-in that follows; a badge is never
            // refused as « revoked » because the question could not be asked.
            is_revoked: &|m| revoked.contains(m) || store.is_revoked(m).unwrap_or(false),
            now: self.clock.now(),
        };
        Ok(Credential::verify(payload, &check))
    }

    /// Checks a scanned badge without checking anyone in (the organiser reading an absent
    /// member's badge to record a proxy, or a badge to revoke). Returns the member and name.
    pub fn identify(
        &self,
        payload: &str,
    ) -> Result<Result<(MemberId, String), Refusal>, KioskError> {
        Ok(match self.verify_badge(payload)? {
            Err(e) => Err(Refusal::Badge(e)),
            Ok(c) => match self.roster.member(&c.member) {
                Some(m) if c.role == Role::Participant => Ok((m.id, m.display_name())),
                _ => Err(Refusal::NotOnRoster),
            },
        })
    }

    /// Checks a scanned badge and, for a member of the roster, checks them in.
    pub(super) fn check_in_badge(&mut self, payload: &str) -> Result<BadgeCheckIn, KioskError> {
        let now = self.clock.now();
        let credential = match self.verify_badge(payload)? {
            Ok(c) => c,
            Err(e) => return Ok(BadgeCheckIn::Refused(Refusal::Badge(e))),
        };
        let loaded = self.loaded()?;
        if credential.role == Role::Organiser {
            return Ok(match loaded.package.event.organiser(&credential.member) {
                Some(o) => BadgeCheckIn::Organiser {
                    organiser: o.id,
                    name: o.name.clone(),
                },
                None => BadgeCheckIn::Refused(Refusal::NotOnRoster),
            });
        }
        let Some(member) = self.roster.member(&credential.member) else {
            return Ok(BadgeCheckIn::Refused(Refusal::NotOnRoster));
        };
        let (member, name) = (member.id, member.display_name());
        let already_since = match self.store.check_in(&member, now)? {
            CheckIn::New | CheckIn::Returned(_) => None,
            CheckIn::Already(since) => Some(since),
        };
        Ok(BadgeCheckIn::Member {
            member,
            name,
            already_since,
        })
    }

    /// Handles a scanned badge: checks it, checks the member in, and says what they can vote on.
    pub fn scan(&mut self, payload: &str) -> Result<ScanOutcome, KioskError> {
        if self.member.is_some() {
            return self.member_scan(payload);
        }
        let (id, name, already_since) = match self.check_in_badge(payload)? {
            BadgeCheckIn::Member {
                member,
                name,
                already_since,
            } => (member, name, already_since),
            BadgeCheckIn::Organiser { organiser, name } => {
                return Ok(ScanOutcome::Organiser { organiser, name });
            }
            BadgeCheckIn::Refused(refusal) => return Ok(ScanOutcome::Refused(refusal)),
        };
        let due = self.due(&id)?;
        let unrecorded = self.told_unrecorded(&id, &due);
        let voted = due.is_empty() && self.voted_in_open_poll(&id)?;
        Ok(ScanOutcome::Welcome {
            member: id,
            due,
            name,
            already_since,
            unrecorded,
            voted,
            queued: false,
        })
    }

    /// Whether `member`'s last visit began and was never stored, while ballots are still due:
    /// taken at every scan, so that an old unrecorded visit is never told later. Best effort:
    /// the check-in is stored, and a note that cannot be taken now only goes untold.
    pub(super) fn told_unrecorded(&mut self, member: &MemberId, due: &[Due]) -> bool {
        match self.store.take_unrecorded_visit(member) {
            Ok(taken) => taken && !due.is_empty(),
            Err(error) => {
                tracing::warn!(%error, "an unrecorded visit could not be looked up");
                false
            }
        }
    }

    /// Whether `member` voted in at least one poll open now.
    pub(super) fn voted_in_open_poll(&self, member: &MemberId) -> Result<bool, KioskError> {
        for poll in self.store.open_polls()? {
            if self.store.has_voted(&poll, member)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The ballots `holder` can cast now: for each open poll in the event's order, their own
    /// (if not cast yet), then one for each absent member whose proxy they hold.
    pub fn due(&self, holder: &MemberId) -> Result<Vec<Due>, KioskError> {
        if self.member.is_some() {
            return Ok(self.member_due(holder));
        }
        let event = self.current()?;
        let open = self.store.open_polls()?;
        if open.is_empty() {
            return Ok(Vec::new());
        }
        let mut represented = Vec::new();
        for absent in self.store.represented_by(holder)? {
            // A member who came after all votes in person.
            if !self.store.is_present(&absent)? {
                represented.push(absent);
            }
        }
        let mut due = Vec::new();
        for poll in event.polls.iter().filter(|p| open.contains(&p.id)) {
            if !self.store.has_voted(&poll.id, holder)? {
                due.push(Due {
                    poll: poll.id.clone(),
                    member: *holder,
                    proxy_for: None,
                });
            }
            for absent in &represented {
                if !self.store.has_voted(&poll.id, absent)? {
                    due.push(Due {
                        poll: poll.id.clone(),
                        member: *absent,
                        proxy_for: Some(
                            self.roster
                                .member(absent)
                                .map(|m| m.display_name())
                                .unwrap_or_default(),
                        ),
                    });
                }
            }
        }
        Ok(due)
    }

    /// Casts a ballot in `poll` for `member`, by `voter` (the member themselves, or the present
    /// holder of their proxy): a visit of one ballot. Returns only once the ballot and the "has
    /// voted" mark are durably stored together.
    pub fn cast(
        &mut self,
        voter: &MemberId,
        member: &MemberId,
        poll: &PollId,
        ballot: Ballot,
    ) -> Result<(), KioskError> {
        let one = BallotCast {
            member: *member,
            poll: poll.clone(),
            ballot,
        };
        self.cast_visit(voter, std::slice::from_ref(&one))
            .map_err(|r| r.error)
    }

    /// Casts every ballot of `voter`'s visit — theirs and their proxies' — all or none: each is
    /// checked and sealed first, then every mark and ciphertext is written in one transaction.
    /// Returns only once that transaction is durable; on a refusal nothing was stored.
    pub fn cast_visit(
        &mut self,
        voter: &MemberId,
        ballots: &[BallotCast],
    ) -> Result<(), VisitRefused> {
        if self.member.is_some() {
            return self.member_cast(voter, ballots);
        }
        let mut sealed = Vec::with_capacity(ballots.len());
        for (at, b) in ballots.iter().enumerate() {
            let refused = |error| VisitRefused {
                at: Some(at),
                error,
            };
            if repeats_earlier(ballots, at) {
                return Err(refused(KioskError::AlreadyVoted));
            }
            let ballot = self
                .checked(voter, &b.member, &b.poll, b.ballot.clone())
                .map_err(refused)?;
            sealed.push(
                self.seal_for_box(&b.poll, &b.member, &ballot)
                    .map_err(refused)?,
            );
        }
        self.put_visit_in_box(voter, &sealed, None)
    }

    /// Notes that `voter` starts filling in their ballots, so that if they are never stored (a
    /// power cut, a voter who walks away) the next scan says so.
    pub fn begin_visit(&mut self, voter: &MemberId) -> Result<(), KioskError> {
        // On a voting kiosk of a hall, the lead noted it when it granted the visit.
        if self.member.is_some() {
            return Ok(());
        }
        Ok(self.store.begin_visit(voter)?)
    }

    /// A ballot checked against its poll, the roster and the proxies: weighted, ready to seal.
    fn checked(
        &self,
        voter: &MemberId,
        member: &MemberId,
        poll: &PollId,
        ballot: Ballot,
    ) -> Result<WeightedBallot, KioskError> {
        let definition = self
            .current()?
            .poll(poll)
            .ok_or_else(|| KioskError::UnknownPoll(poll.clone()))?;
        let weight = self
            .roster
            .member(member)
            .map(|m| m.weight)
            .ok_or(KioskError::NotPresent)?;
        let ballot = WeightedBallot { ballot, weight };
        ballot.validate(definition)?;
        if self.store.checked_in_at(voter)?.is_none() {
            return Err(KioskError::NotPresent);
        }
        if voter != member {
            // A proxy ballot: the voter must hold this member's proxy, and the member must not
            // be in the hall (then they vote in person).
            let holds = self.proxy_book()?.holder_of(member) == Some(*voter);
            if !holds || self.store.checked_in_at(member)?.is_some() {
                return Err(KioskError::NoProxy);
            }
        }
        Ok(ballot)
    }
}
