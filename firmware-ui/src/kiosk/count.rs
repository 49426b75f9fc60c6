//! The sealed ballot box on the kiosk: sealing each ballot to the event's tally key at cast, and
//! the count (dépouillement) — the box opened with the key the bureau's shares rebuild, checked
//! against its digest, written in clear sorted by content, and the key wiped.
//!
//! While a poll is open the kiosk holds nothing that can read its ballots: only the public key.
//! The demo and the test deck seal to the published test key, which the kiosk opens by itself;
//! their results are no vote.

use std::collections::BTreeMap;

use urne_core::audit::AuditEvent;
use urne_core::ballot::WeightedBallot;
use urne_core::ids::PollId;
use urne_core::sealed::{self, BoxDigest, BoxId, TallyPublicKey, TallySecretKey};
use urne_core::tally::{self, PollResult, TallyContext};

use super::{Kiosk, KioskError, VisitRefused};
use crate::clock::Clock;
use crate::store::{CastError, SealedCast, StoreError, VisitCastError};

/// What closing a poll did.
#[derive(Debug, Clone, PartialEq)]
pub enum Closing {
    /// The poll was counted: its result.
    Counted(Box<PollResult>),
    /// The poll is closed and its box sealed: it waits for this many of the bureau's shares.
    AwaitingShares {
        /// Shares needed.
        threshold: u8,
    },
}

/// The sealed boxes of open and closed-but-uncounted polls: the key each is sealed to, and its
/// digest in memory, moved on at every cast, against which the card is checked at the count.
pub(super) type Boxes = BTreeMap<PollId, (TallyPublicKey, BoxDigest)>;

/// Seals a validated ballot of `poll` to its box's key, padded to the poll's length: one way of
/// sealing for the single kiosk and for a voting kiosk of a hall. `seed` is 32 fresh random
/// bytes.
pub(super) fn seal_ballot(
    key: &TallyPublicKey,
    event: &urne_core::ids::EventId,
    poll: &urne_core::poll::Poll,
    ballot: &WeightedBallot,
    seed: [u8; 32],
) -> Result<sealed::SealedBallot, KioskError> {
    sealed::seal(
        key,
        &BoxId::of(event, poll),
        ballot,
        sealed::padded_len(poll),
        seed,
    )
    .map_err(|e| KioskError::Seal(e.to_string()))
}

impl Kiosk {
    /// Seals the ballots of this kiosk's runs to the published test key, whatever key the
    /// package carries (the test deck and the demo: their results are no vote).
    pub fn use_test_tally_key(&mut self) {
        self.test_tally = true;
    }

    /// The key a poll opened now is sealed to: the package's tally key, or the published test
    /// key for the test deck and the demo. Every package carries a tally key (one made before
    /// the sealed box is refused at loading), so no ballot is ever stored in clear.
    pub(super) fn sealing(&self) -> Result<TallyPublicKey, KioskError> {
        if self.test_tally {
            return Ok(TallySecretKey::test().public());
        }
        Ok(self.loaded()?.package.tally.public)
    }

    /// Seals a validated ballot to its poll's key, with a fresh row id.
    pub(super) fn seal_for_box(
        &mut self,
        poll: &PollId,
        member: &urne_core::ids::MemberId,
        ballot: &WeightedBallot,
    ) -> Result<SealedCast, KioskError> {
        let id = self.draw::<16>();
        let seed = self.draw::<32>();
        let Some((public, _)) = self.boxes.get(poll).copied() else {
            return Err(KioskError::PollState(poll.clone()));
        };
        let event = self.current()?;
        let definition = event
            .poll(poll)
            .ok_or_else(|| KioskError::UnknownPoll(poll.clone()))?;
        let sealed = seal_ballot(&public, &event.id, definition, ballot, seed)?;
        Ok(SealedCast {
            poll: poll.clone(),
            member: *member,
            ballot: sealed,
            id,
        })
    }

    /// Stores a visit's sealed ballots in one transaction (with, for a visit a voting kiosk of
    /// the hall took, the count of ballots it delivered), then moves the boxes' in-memory
    /// digests on. Returns once the store committed; on a refusal nothing was stored, and the
    /// error names the ballot refused.
    pub(super) fn put_visit_in_box(
        &mut self,
        voter: &urne_core::ids::MemberId,
        casts: &[SealedCast],
        delivered_by: Option<&urne_core::crypto::Fingerprint>,
    ) -> Result<(), VisitRefused> {
        match self.store.cast_delivered_visit(voter, casts, delivered_by) {
            Ok(digests) => {
                for (poll, digest) in digests {
                    if let Some((_, kept)) = self.boxes.get_mut(&poll) {
                        *kept = digest;
                    }
                }
                Ok(())
            }
            Err(VisitCastError { at, error }) => {
                let poll = at.and_then(|i| casts.get(i)).map(|c| c.poll.clone());
                let error = match (error, poll) {
                    (CastError::AlreadyVoted, _) => KioskError::AlreadyVoted,
                    (CastError::NotOpen, Some(poll)) => KioskError::PollState(poll),
                    (CastError::NotOpen, None) => {
                        KioskError::Store(StoreError::Other("a poll closed during a visit".into()))
                    }
                    (CastError::Store(e), _) => e.into(),
                };
                Err(VisitRefused { at, error })
            }
        }
    }

    /// Records that a poll opened now with an empty box sealed to `public`.
    pub(super) fn box_for_new_poll(&mut self, poll: &PollId, public: TallyPublicKey) {
        self.boxes
            .insert(poll.clone(), (public, BoxDigest::empty()));
    }

    /// After a sealed poll closed: counted at once if sealed to the published test key, or
    /// left for the bureau's shares.
    pub(super) fn after_close(&mut self, poll: &PollId) -> Result<Closing, KioskError> {
        let test = TallySecretKey::test();
        match self.boxes.get(poll).map(|(public, _)| *public) {
            Some(public) if public == test.public() => Ok(Closing::Counted(Box::new(
                self.open_box(poll, &test, true)?,
            ))),
            _ => Ok(Closing::AwaitingShares {
                threshold: self.loaded()?.package.tally.threshold,
            }),
        }
    }

    /// Counts a closed poll whose sealed box waits (organiser), with the tally key the bureau's
    /// shares rebuilt. The key is dropped — and so wiped — by the caller right after.
    pub fn count_poll(
        &mut self,
        poll: &PollId,
        key: &TallySecretKey,
    ) -> Result<PollResult, KioskError> {
        self.require_organiser()?;
        self.require_records_here()?;
        self.open_box(poll, key, key.public() == TallySecretKey::test().public())
    }

    /// Opens, checks and counts a closed poll's sealed box, then writes its clear ballots sorted
    /// by content in place of the ciphertexts. A box that does not hold is refused, audited,
    /// and left as it is: nothing is counted silently.
    fn open_box(
        &mut self,
        poll: &PollId,
        key: &TallySecretKey,
        test_key: bool,
    ) -> Result<PollResult, KioskError> {
        let row = self.store.polls()?.remove(poll);
        let Some(row) = row.filter(|r| r.awaiting_count()) else {
            return Err(KioskError::PollState(poll.clone()));
        };
        let context = row
            .context
            .ok_or_else(|| StoreError::Corrupt("closed poll without context".into()))?;
        let ballots = match self.checked_box(poll, key) {
            Ok(ballots) => ballots,
            Err(problem) => {
                self.store.audit(
                    self.clock.now(),
                    AuditEvent::BoxRefused {
                        poll: poll.clone(),
                        problem: problem.clone(),
                    },
                )?;
                return Err(KioskError::BoxRefused(problem));
            }
        };
        let digest = self.boxes.get(poll).map(|(_, d)| *d).unwrap_or_default();
        let result = self.tally_ballots(poll, &ballots, &context)?;
        let mut classes = tally::classes_of(&ballots)
            .map_err(|e| KioskError::Store(StoreError::Corrupt(e.to_string())))?;
        self.store.count_box(
            poll,
            &mut classes,
            result.ballots,
            digest,
            test_key,
            self.clock.now(),
        )?;
        self.boxes.remove(poll);
        Ok(result)
    }

    /// Every ballot of a sealed box, opened and checked; or what is wrong with the box, in
    /// English for the audit chain.
    fn checked_box(
        &self,
        poll: &PollId,
        key: &TallySecretKey,
    ) -> Result<Vec<WeightedBallot>, String> {
        let failed = |e: &dyn std::fmt::Display| format!("the box could not be read: {e}");
        let event = self.current().map_err(|e| failed(&e))?;
        let definition = event.poll(poll).ok_or_else(|| failed(&"unknown poll"))?;
        let on_card = self
            .store
            .sealed_box(poll)
            .map_err(|e| failed(&e))?
            .ok_or_else(|| failed(&"no sealed box"))?;
        if on_card.public != key.public() {
            return Err("the box is sealed to another tally key than the one rebuilt".into());
        }
        let found = BoxDigest::of(on_card.ciphertexts.iter().map(Vec::as_slice));
        let marks = self.store.voted_count(poll).map_err(|e| failed(&e))?;
        if found.count != marks {
            return Err(format!(
                "{} sealed ballots for {marks} voters marked as having voted",
                found.count
            ));
        }
        if found != on_card.digest {
            return Err("the sealed ballots do not match the box's digest on the card".into());
        }
        if self.boxes.get(poll).is_some_and(|(_, kept)| *kept != found) {
            return Err(
                "the sealed ballots changed on the card since they were cast on this kiosk".into(),
            );
        }
        let id = BoxId::of(&event.id, definition);
        let pad = sealed::padded_len(definition);
        let open_one = |i: usize, sealed: &[u8]| {
            let ballot = sealed::open(key, &id, sealed, pad)
                .map_err(|e| format!("sealed ballot {} of {}: {e}", i + 1, found.count))?;
            ballot
                .validate(definition)
                .map_err(|e| format!("sealed ballot {} of {}: {e}", i + 1, found.count))?;
            Ok::<_, String>(ballot)
        };
        // Opening is independent per ballot: one thread per core, each on a run of the box, so
        // that the bureau waits half as long on the Pi's cores.
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let run = on_card.ciphertexts.len().div_ceil(threads).max(64);
        let ballots = std::thread::scope(|scope| {
            let handles: Vec<_> = on_card
                .ciphertexts
                .chunks(run)
                .enumerate()
                .map(|(n, chunk)| {
                    let open_one = &open_one;
                    scope.spawn(move || {
                        chunk
                            .iter()
                            .enumerate()
                            .map(|(i, sealed)| open_one(n * run + i, sealed))
                            .collect::<Result<Vec<_>, String>>()
                    })
                })
                .collect();
            let mut ballots = Vec::with_capacity(on_card.ciphertexts.len());
            for handle in handles {
                let opened = handle
                    .join()
                    .map_err(|_| "a thread opening the box stopped".to_string())??;
                ballots.extend(opened);
            }
            Ok::<_, String>(ballots)
        })?;
        Ok(ballots)
    }
}

impl Kiosk {
    /// A closed and counted poll's ballot classes and result: from the classes the count wrote,
    /// with the number of ciphertexts the box held.
    pub(super) fn counted_box(
        &self,
        poll: &PollId,
        context: &TallyContext,
    ) -> Result<(Vec<WeightedBallot>, PollResult), KioskError> {
        let definition = self
            .current()?
            .poll(poll)
            .ok_or_else(|| KioskError::UnknownPoll(poll.clone()))?;
        let in_store = self.store.ballots(poll)?;
        let sealed = self
            .store
            .sealed_box(poll)?
            .ok_or_else(|| StoreError::Corrupt(format!("poll {poll} has no sealed box")))?;
        let result = tally::tally_classes(definition, &in_store, sealed.digest.count, context)
            .map_err(|e| KioskError::Store(StoreError::Corrupt(e.to_string())))?;
        Ok((in_store, result))
    }
}
