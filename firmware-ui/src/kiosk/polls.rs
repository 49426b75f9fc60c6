//! Polls on the organiser's side: written or corrected on the kiosk, opened, closed and counted
//! with urne-core, reset, and the dashboard that shows them.

use urne_core::audit::AuditEvent;
use urne_core::ids::PollId;
use urne_core::poll::Poll;
use urne_core::results::PollState;
use urne_core::rules::Attendance;
use urne_core::tally::{self, PollResult, TallyContext};

use super::{Closing, Kiosk, KioskError, with_local_polls};
use crate::clock::Clock;
use crate::store::StoreError;

/// One poll on the organiser's dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollSummary {
    /// The poll.
    pub poll: Poll,
    /// Pending, open or closed.
    pub state: PollState,
    /// Members who voted.
    pub voted: u64,
    /// For a poll opened under the event's quorum: the quorum as it stood when it opened.
    pub quorum_at_open: Option<urne_core::rules::QuorumCheck>,
}

/// The organiser's view of the evening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dashboard {
    /// Why the audit chain does not hold, if it does not (checked at start-up).
    pub audit_problem: Option<String>,
    /// Members on the roster.
    pub members: u64,
    /// Present and represented now.
    pub attendance: Attendance,
    /// The quorum required, if the event has one.
    pub quorum_required: Option<u64>,
    /// Every poll.
    pub polls: Vec<PollSummary>,
    /// Whether the date and time can be trusted (confirmed since boot, or synchronised):
    /// polls open only then.
    pub clock_trusted: bool,
    /// The hall this kiosk leads, if it leads one.
    pub hall: Option<HallLine>,
}

/// The hall at a glance, on its lead's dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HallLine {
    /// Kiosks paired and not removed.
    pub kiosks: usize,
    /// Of those, heard from lately.
    pub connected: usize,
    /// Voters' visits under way on the voting kiosks.
    pub visits: usize,
}

impl Kiosk {
    /// Discards an open or closed poll's ballots and puts it back to not opened (organiser).
    pub fn reset_poll(&mut self, poll: &PollId) -> Result<u64, KioskError> {
        self.require_organiser()?;
        self.require_records_here()?;
        if !self.store.polls()?.contains_key(poll) {
            return Err(KioskError::PollState(poll.clone()));
        }
        let discarded = self.store.reset_poll(poll, self.clock.now())?;
        self.forget_on_wall(poll)?;
        Ok(discarded)
    }

    /// The organiser's dashboard.
    pub fn dashboard(&self) -> Result<Dashboard, KioskError> {
        let event = self.current()?;
        let members = u64::try_from(self.roster.len()).unwrap_or(u64::MAX);
        let states = self.store.polls()?;
        let polls = event
            .polls
            .iter()
            .map(|p| {
                let row = states.get(&p.id);
                Ok(PollSummary {
                    poll: p.clone(),
                    state: row.map_or(PollState::Pending, crate::store::PollRow::state),
                    voted: self.store.voted_count(&p.id)?,
                    quorum_at_open: event
                        .quorum
                        .zip(row)
                        .map(|(q, row)| q.check(members, row.opened_with)),
                })
            })
            .collect::<Result<Vec<_>, KioskError>>()?;
        Ok(Dashboard {
            audit_problem: self.audit_problem.clone(),
            members,
            attendance: self.attendance()?,
            quorum_required: event.quorum.map(|q| q.required(members)),
            polls,
            clock_trusted: self.clock_trusted(),
            hall: self.hall_line()?,
        })
    }

    fn hall_line(&self) -> Result<Option<HallLine>, KioskError> {
        if !matches!(self.hall_setting()?, super::link::HallSetting::Lead { .. }) {
            return Ok(None);
        }
        let kiosks: Vec<_> = self
            .hall_kiosks()?
            .into_iter()
            .filter(|k| !k.removed)
            .collect();
        Ok(Some(HallLine {
            kiosks: kiosks.len(),
            connected: kiosks.iter().filter(|k| k.connected).count(),
            visits: kiosks.iter().map(|k| k.visits).sum(),
        }))
    }

    /// Opens a poll (organiser).
    pub fn open_poll(&mut self, poll: &PollId) -> Result<(), KioskError> {
        self.require_organiser()?;
        self.require_records_here()?;
        if self.current()?.poll(poll).is_none() {
            return Err(KioskError::UnknownPoll(poll.clone()));
        }
        if self.store.polls()?.contains_key(poll) {
            return Err(KioskError::PollState(poll.clone()));
        }
        if !self.clock_trusted() {
            return Err(KioskError::ClockUnconfirmed);
        }
        let attendance = self.attendance()?;
        let public = self.sealing()?;
        self.store
            .open_poll(poll, self.clock.now(), attendance, public)?;
        self.box_for_new_poll(poll, public);
        Ok(())
    }

    pub(super) fn context(
        &self,
        at_open: Attendance,
        at_close: Attendance,
    ) -> Result<TallyContext, KioskError> {
        let loaded = self.loaded()?;
        Ok(TallyContext {
            members: u64::try_from(self.roster.len()).unwrap_or(u64::MAX),
            member_weight: self.roster.total_weight(),
            quorum: loaded.package.event.quorum,
            at_open,
            at_close,
        })
    }

    /// Closes a poll (organiser). A box sealed to the published test key is counted with
    /// urne-core at once; a box sealed to the event's tally key then waits for the bureau's
    /// shares ([`Kiosk::count_poll`]). A poll with fewer ballots than the event's small-poll threshold
    /// is refused with [`KioskError::SmallPoll`], changing nothing, until the organiser confirms
    /// with [`Kiosk::close_small_poll`].
    ///
    /// On the lead kiosk of a hall, a poll that voters' visits under way on voting kiosks
    /// include is refused with [`KioskError::VisitsUnderWay`], changing nothing, until the
    /// organiser confirms with [`Kiosk::close_poll_during_visits`].
    pub fn close_poll(&mut self, poll: &PollId) -> Result<Closing, KioskError> {
        self.close(poll, false, false)
    }

    /// Closes a poll with fewer ballots than the small-poll threshold, the organiser having
    /// confirmed that its result may reveal votes: the audit chain and the procès-verbal say so.
    pub fn close_small_poll(&mut self, poll: &PollId) -> Result<Closing, KioskError> {
        self.close(poll, true, false)
    }

    /// Closes a poll while voters' visits that include it are under way on voting kiosks, the
    /// organiser having confirmed: audited; those visits' ballots in it are refused at their
    /// cast. (The small-poll guard still applies.)
    pub fn close_poll_during_visits(&mut self, poll: &PollId) -> Result<Closing, KioskError> {
        self.close(poll, false, true)
    }

    /// Closes a poll the organiser confirmed twice: over the visits under way, then with few
    /// ballots.
    pub fn close_small_poll_during_visits(&mut self, poll: &PollId) -> Result<Closing, KioskError> {
        self.close(poll, true, true)
    }

    fn close(
        &mut self,
        poll: &PollId,
        confirmed: bool,
        over_visits: bool,
    ) -> Result<Closing, KioskError> {
        self.require_organiser()?;
        self.require_records_here()?;
        let visits = self.visits_including(poll);
        if visits > 0 && !over_visits {
            return Err(KioskError::VisitsUnderWay { visits });
        }
        let row = self
            .store
            .polls()?
            .remove(poll)
            .filter(|row| !row.closed)
            .ok_or_else(|| KioskError::PollState(poll.clone()))?;
        // The "has voted" marks are as many as the ballots, and need no key to count.
        let ballots = self.store.voted_count(poll)?;
        let event = self.current()?;
        let threshold = event.small_poll;
        let small_poll = match (event.is_small_poll(ballots), confirmed) {
            (false, _) => None,
            (true, true) => Some(threshold),
            (true, false) => return Err(KioskError::SmallPoll { ballots, threshold }),
        };
        let context = self.context(row.opened_with, self.attendance()?)?;
        let now = self.clock.now();
        if !row.sealed {
            return Err(
                StoreError::Corrupt(format!("poll {poll} is open without a sealed box")).into(),
            );
        }
        if visits > 0 {
            self.store.audit(
                now,
                AuditEvent::PollClosedDuringVisits {
                    poll: poll.clone(),
                    visits,
                },
            )?;
        }
        // Nobody can count a sealed box before it is closed; it is checked and counted next.
        self.store.close_poll(poll, now, &context, small_poll)?;
        self.after_close(poll)
    }

    pub(super) fn count(
        &self,
        poll: &PollId,
        context: &TallyContext,
    ) -> Result<PollResult, KioskError> {
        Ok(self.counted_box(poll, context)?.1)
    }

    /// Counts `ballots` of `poll` with urne-core.
    pub(super) fn tally_ballots(
        &self,
        poll: &PollId,
        ballots: &[urne_core::ballot::WeightedBallot],
        context: &TallyContext,
    ) -> Result<PollResult, KioskError> {
        let definition = self
            .current()?
            .poll(poll)
            .ok_or_else(|| KioskError::UnknownPoll(poll.clone()))?;
        tally::tally(definition, ballots, context)
            .map_err(|e| KioskError::Store(StoreError::Corrupt(e.to_string())))
    }

    /// The result of a closed and counted poll.
    pub fn result(&self, poll: &PollId) -> Result<Option<PollResult>, KioskError> {
        match self.store.polls()?.remove(poll) {
            Some(row) if row.closed && !row.awaiting_count() => {
                let context = row
                    .context
                    .ok_or_else(|| StoreError::Corrupt("closed poll without context".into()))?;
                Ok(Some(self.count(poll, &context)?))
            }
            _ => Ok(None),
        }
    }

    /// Writes a new poll, or corrects one that has not been opened (organiser). The poll is
    /// checked with urne-core first; the definition and its audit entry are stored together.
    /// Returns the poll's id.
    pub fn define_poll(&mut self, poll: Poll) -> Result<PollId, KioskError> {
        self.require_organiser()?;
        self.require_records_here()?;
        poll.validate()?;
        let event = self.current()?;
        let created = event.poll(&poll.id).is_none();
        if self.store.polls()?.contains_key(&poll.id) {
            return Err(KioskError::PollState(poll.id.clone()));
        }
        self.store.define_poll(&poll, created, self.clock.now())?;
        let loaded = self.loaded()?;
        self.event = Some(with_local_polls(
            &loaded.package.event,
            self.store.local_polls()?,
        ));
        Ok(poll.id)
    }
}
