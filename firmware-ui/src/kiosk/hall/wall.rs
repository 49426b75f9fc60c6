//! What the hall's projected screen (écran de salle) shows, as data: the event, attendance and
//! quorum as they stand, each poll's state with the number of ballots in an open one, and the
//! results the organiser chose to show. Nothing in it depends on a single ballot of an open
//! poll: an open poll is only its count of ballots, and a result appears only once its poll is
//! closed, counted, and released by the organiser on this kiosk.
//!
//! The released polls are kept in a setting, so that the wall shows the same after a restart;
//! their result models are worked out once and kept in memory (a sealed box is not opened
//! again at every refresh of the page).

use std::collections::{BTreeMap, BTreeSet};

use urne_core::chart::ResultChart;
use urne_core::ids::PollId;
use urne_core::results::PollState;
use urne_core::rules::Attendance;
use urne_core::timestamp::Timestamp;

use super::Kiosk;
use crate::kiosk::KioskError;

/// The setting holding the released polls, each with its opening, space-separated.
const SETTING_RELEASED: &str = "wall_released";

/// The wall as it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Wall {
    /// The event's title.
    pub title: String,
    /// Where it takes place.
    pub place: String,
    /// Members on the roster.
    pub members: u64,
    /// Present and represented now.
    pub attendance: Attendance,
    /// The quorum required, if the event has one.
    pub quorum_required: Option<u64>,
    /// Every poll, in the event's order.
    pub polls: Vec<WallPoll>,
}

/// One poll on the wall.
#[derive(Debug, Clone, PartialEq)]
pub struct WallPoll {
    /// Its question.
    pub question: String,
    /// Where it stands.
    pub state: WallState,
}

/// Where a poll stands, as the wall may say it.
#[derive(Debug, Clone, PartialEq)]
pub enum WallState {
    /// Not opened yet.
    Pending,
    /// Voting in progress: how many have voted, nothing else.
    Open {
        /// Ballots cast so far.
        ballots: u64,
    },
    /// Closed; its sealed box waits for the bureau's shares.
    AwaitingCount,
    /// Closed and counted, its result not released (yet).
    Closed,
    /// Closed, counted, and released by the organiser: its result.
    Released(Box<ResultChart>),
}

impl Kiosk {
    /// The wall as it stands now (anyone may read it: it is projected for the whole hall).
    pub fn wall(&mut self) -> Result<Wall, KioskError> {
        let dashboard = self.dashboard()?;
        let released = self.released()?;
        let event = self.current()?;
        let (title, place) = (event.title.clone(), event.place.clone());
        let mut polls = Vec::with_capacity(dashboard.polls.len());
        for summary in dashboard.polls {
            let id = summary.poll.id.clone();
            let state = match summary.state {
                PollState::Pending => WallState::Pending,
                PollState::Open => WallState::Open {
                    ballots: summary.voted,
                },
                PollState::AwaitingCount => WallState::AwaitingCount,
                PollState::Closed if released.contains(&id) => match self.wall_chart(&id)? {
                    Some(chart) => WallState::Released(Box::new(chart)),
                    None => WallState::Closed,
                },
                PollState::Closed => WallState::Closed,
            };
            polls.push(WallPoll {
                question: summary.poll.question,
                state,
            });
        }
        Ok(Wall {
            title,
            place,
            members: dashboard.members,
            attendance: dashboard.attendance,
            quorum_required: dashboard.quorum_required,
            polls,
        })
    }

    /// Shows a closed and counted poll's result on the wall, or takes it down (organiser, on
    /// the lead).
    pub fn show_on_wall(&mut self, poll: &PollId, shown: bool) -> Result<(), KioskError> {
        self.require_organiser()?;
        self.require_records_here()?;
        let mut released = self.released_entries()?;
        if shown {
            let opened = match self.store.polls()?.get(poll) {
                Some(row) if self.result(poll)?.is_some() => row.opened_at,
                _ => return Err(KioskError::PollState(poll.clone())),
            };
            released.insert(poll.clone(), opened);
        } else {
            released.remove(poll);
        }
        self.keep_released(&released)
    }

    /// The polls whose result the organiser released to the wall. A release names the poll's
    /// opening, so that a poll reset and opened again is never shown on an old release, even
    /// if the reset was cut off before the release was taken back.
    pub fn released(&self) -> Result<BTreeSet<PollId>, KioskError> {
        let rows = self.store.polls()?;
        Ok(self
            .released_entries()?
            .into_iter()
            .filter(|(poll, opened)| rows.get(poll).is_some_and(|r| r.opened_at == *opened))
            .map(|(poll, _)| poll)
            .collect())
    }

    /// The setting as written: `poll:opened-at` entries, space-separated.
    fn released_entries(&self) -> Result<BTreeMap<PollId, Timestamp>, KioskError> {
        let text = self.store.setting(SETTING_RELEASED)?.unwrap_or_default();
        Ok(text
            .split_whitespace()
            .filter_map(|entry| {
                let (poll, opened) = entry.split_once(':')?;
                Some((PollId::new(poll).ok()?, Timestamp(opened.parse().ok()?)))
            })
            .collect())
    }

    fn keep_released(&mut self, released: &BTreeMap<PollId, Timestamp>) -> Result<(), KioskError> {
        let text: Vec<String> = released
            .iter()
            .map(|(poll, opened)| format!("{poll}:{}", opened.0))
            .collect();
        self.store.set_setting(SETTING_RELEASED, &text.join(" "))?;
        Ok(())
    }

    /// Takes a poll whose ballots were discarded off the wall, and forgets its result model: a
    /// poll closed again is released again, with its new result.
    pub(in crate::kiosk) fn forget_on_wall(&mut self, poll: &PollId) -> Result<(), KioskError> {
        self.hall.charts.remove(poll);
        let mut released = self.released_entries()?;
        if released.remove(poll).is_some() {
            self.keep_released(&released)?;
        }
        Ok(())
    }

    /// A released poll's result model, worked out once.
    fn wall_chart(&mut self, poll: &PollId) -> Result<Option<ResultChart>, KioskError> {
        if let Some(chart) = self.hall.charts.get(poll) {
            return Ok(Some(chart.clone()));
        }
        let Some(result) = self.result(poll)? else {
            return Ok(None);
        };
        let Some(definition) = self.current()?.poll(poll).cloned() else {
            return Ok(None);
        };
        let chart = ResultChart::of(&definition, &result);
        self.hall.charts.insert(poll.clone(), chart.clone());
        Ok(Some(chart))
    }
}
