//! The bureau's shares at a count (dépouillement): each share scanned or typed is checked at
//! once and said by name when refused; when k are in, the key is rebuilt in memory, the box is
//! opened and counted, and the key and the shares are wiped.
//!
//! The shares read so far are kept in memory for the poll being counted only, and forgotten when
//! organiser mode locks, when another poll's count starts, and once the box is open.

use urne_core::audit::AuditEvent;
use urne_core::ids::PollId;
use urne_core::sealed::{ShareError, ShareSet, TallyInfo};
use urne_core::tally::PollResult;
use zeroize::Zeroizing;

use super::{Kiosk, KioskError};
use crate::clock::Clock;

/// A count under way: the poll, and how far the bureau got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountProgress {
    /// The poll being counted.
    pub poll: PollId,
    /// Its question.
    pub question: String,
    /// Shares needed.
    pub threshold: u8,
    /// The numbers of the shares read so far.
    pub read: Vec<u8>,
    /// The tally key's fingerprint, printed on every share sheet: the bureau checks that its
    /// sheets belong to this box before reading them.
    pub key: urne_core::crypto::Fingerprint,
}

/// What one share did.
#[derive(Debug, Clone, PartialEq)]
pub enum ShareOutcome {
    /// Read; more are needed.
    Read(CountProgress),
    /// It was the last one needed: the box was opened and counted.
    Counted(Box<PollResult>),
}

/// The shares read for the poll being counted.
#[derive(Default)]
pub(super) struct Gathered {
    poll: Option<PollId>,
    texts: Vec<Zeroizing<String>>,
}

impl std::fmt::Debug for Gathered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the shares themselves.
        f.debug_struct("Gathered")
            .field("poll", &self.poll)
            .field("shares", &self.texts.len())
            .finish()
    }
}

impl Kiosk {
    /// The count of `poll` as it stands (organiser): its threshold and the shares read so far.
    /// Starting another poll's count forgets the shares read for the previous one.
    pub fn count_progress(&mut self, poll: &PollId) -> Result<CountProgress, KioskError> {
        self.require_organiser()?;
        let info = self.awaiting_info(poll)?;
        if self.gathered.poll.as_ref() != Some(poll) {
            self.forget_shares();
            self.gathered.poll = Some(poll.clone());
        }
        let mut set = ShareSet::new(&info);
        for text in &self.gathered.texts {
            set.add(text).map_err(KioskError::Share)?;
        }
        self.progress(poll, &info, &set)
    }

    /// Reads one share for `poll`'s count (organiser). A refused share changes nothing but the
    /// audit chain, which records the refusal; the k-th share opens and counts the box.
    pub fn offer_share(&mut self, poll: &PollId, text: &str) -> Result<ShareOutcome, KioskError> {
        self.count_progress(poll)?;
        let info = self.awaiting_info(poll)?;
        let mut set = ShareSet::new(&info);
        for earlier in &self.gathered.texts {
            set.add(earlier).map_err(KioskError::Share)?;
        }
        let number = match set.add(text) {
            Ok(number) => number,
            Err(refused) => return Err(self.share_refused(poll, refused)?),
        };
        self.store.audit(
            self.clock.now(),
            AuditEvent::ShareRead {
                poll: poll.clone(),
                share: number,
            },
        )?;
        self.gathered.texts.push(Zeroizing::new(text.to_owned()));
        let key = match set.key() {
            Ok(None) => return Ok(ShareOutcome::Read(self.progress(poll, &info, &set)?)),
            Ok(Some(key)) => key,
            Err(refused) => {
                self.forget_shares();
                return Err(self.share_refused(poll, refused)?);
            }
        };
        // The key lives for the count only: dropped, and so wiped, when this returns.
        let counted = self.count_poll(poll, &key);
        self.forget_shares();
        Ok(ShareOutcome::Counted(Box::new(counted?)))
    }

    /// Forgets the shares read (wiping them).
    pub fn forget_shares(&mut self) {
        self.gathered = Gathered::default();
    }

    fn share_refused(
        &mut self,
        poll: &PollId,
        refused: ShareError,
    ) -> Result<KioskError, KioskError> {
        self.store.audit(
            self.clock.now(),
            AuditEvent::ShareRefused {
                poll: poll.clone(),
                reason: refused.to_string(),
            },
        )?;
        Ok(KioskError::Share(refused))
    }

    /// The package's description of the key `poll`'s box is sealed to, for a box that waits.
    fn awaiting_info(&self, poll: &PollId) -> Result<TallyInfo, KioskError> {
        let waiting = self
            .store
            .polls()?
            .get(poll)
            .is_some_and(crate::store::PollRow::awaiting_count);
        let sealed_to = self.boxes.get(poll).map(|(public, _)| *public);
        let info = &self.loaded()?.package.tally;
        if waiting && sealed_to == Some(info.public) && !info.test {
            Ok(info.clone())
        } else {
            Err(KioskError::PollState(poll.clone()))
        }
    }

    fn progress(
        &self,
        poll: &PollId,
        info: &TallyInfo,
        set: &ShareSet<'_>,
    ) -> Result<CountProgress, KioskError> {
        let question = self
            .current()?
            .poll(poll)
            .map(|p| p.question.clone())
            .ok_or_else(|| KioskError::UnknownPoll(poll.clone()))?;
        Ok(CountProgress {
            poll: poll.clone(),
            question,
            threshold: info.threshold,
            read: set.numbers(),
            key: info.public.fingerprint(),
        })
    }
}
