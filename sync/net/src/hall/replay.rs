//! The lead's book of recent answers, by the asking kiosk and the request's id: a retry after a
//! lost answer gets the same answer, and a request is applied at most once even when its retry
//! arrives on a new connection while the first is still being applied.
//!
//! The book lives in memory only: it holds answers for [`KEPT_FOR`] and at most [`CAPACITY`] of
//! them. After a restart of the lead, a retried request meets the lead's durable state instead
//! (a cast whose claim was consumed is answered from the « has voted » marks).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use urne_codec::hall::{AnswerBody, RequestId};
use urne_core::crypto::Fingerprint;

/// How long an answer is kept for a retry: longer than any client's retry deadline.
pub const KEPT_FOR: Duration = Duration::from_secs(600);

/// The most answers kept; the oldest go first. A hall sends a few thousand requests an evening.
pub const CAPACITY: usize = 20_000;

type Key = (Fingerprint, RequestId);

/// Where a request stands in the book.
#[derive(Debug)]
pub enum Entry {
    /// First seen: apply it and publish the answer on this sender.
    First(watch::Sender<Option<AnswerBody>>),
    /// Seen before: its answer comes (or came) on this receiver.
    Again(watch::Receiver<Option<AnswerBody>>),
}

/// The recent answers.
#[derive(Debug, Default)]
pub struct AnswerBook {
    inner: Mutex<Book>,
    repeats: AtomicU64,
}

#[derive(Debug, Default)]
struct Book {
    answers: HashMap<Key, watch::Receiver<Option<AnswerBody>>>,
    order: VecDeque<(Instant, Key)>,
}

impl AnswerBook {
    /// An empty book.
    pub fn new() -> Self {
        Self::default()
    }

    /// Looks a request up, entering it if it is new.
    pub fn enter(&self, device: Fingerprint, id: RequestId, now: Instant) -> Entry {
        let mut book = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        book.forget_old(now);
        let key = (device, id);
        if let Some(answer) = book.answers.get(&key) {
            self.repeats.fetch_add(1, Ordering::Relaxed);
            return Entry::Again(answer.clone());
        }
        let (sender, receiver) = watch::channel(None);
        book.answers.insert(key, receiver);
        book.order.push_back((now, key));
        Entry::First(sender)
    }

    /// How many answers are kept.
    pub fn len(&self) -> usize {
        let book = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        book.answers.len()
    }

    /// How many requests were seen again.
    pub fn repeats(&self) -> u64 {
        self.repeats.load(Ordering::Relaxed)
    }

    /// Whether no answer is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Book {
    /// Forgets the answers older than [`KEPT_FOR`], and the oldest beyond [`CAPACITY`]; never a
    /// request still being applied (its retry would be applied a second time), which goes back
    /// in the queue instead.
    fn forget_old(&mut self, now: Instant) {
        let mut looked = 0;
        let queued = self.order.len();
        while let Some((at, key)) = self.order.front().copied() {
            let stale = now.saturating_duration_since(at) > KEPT_FOR;
            if looked == queued || (!stale && self.order.len() < CAPACITY) {
                break;
            }
            looked += 1;
            self.order.pop_front();
            let in_flight = self
                .answers
                .get(&key)
                .is_some_and(|answer| answer.has_changed().is_ok() && answer.borrow().is_none());
            if in_flight {
                self.order.push_back((now, key));
            } else {
                self.answers.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(n: u8) -> Fingerprint {
        Fingerprint::of(&[n])
    }

    #[test]
    fn a_repeated_id_from_the_same_kiosk_is_recognised_and_from_another_is_not() {
        let book = AnswerBook::new();
        let now = Instant::now();
        let id = RequestId([1; 16]);
        let Entry::First(sender) = book.enter(device(1), id, now) else {
            panic!("a new request must be applied");
        };
        let Entry::Again(receiver) = book.enter(device(1), id, now) else {
            panic!("a retry must not be applied again");
        };
        assert!(receiver.borrow().is_none(), "not answered yet");
        sender.send_replace(Some(AnswerBody::Released {}));
        assert_eq!(*receiver.borrow(), Some(AnswerBody::Released {}));
        assert!(matches!(book.enter(device(2), id, now), Entry::First(_)));
    }

    #[test]
    fn answers_are_forgotten_after_their_time_and_beyond_the_capacity() {
        let book = AnswerBook::new();
        let start = Instant::now();
        let id = RequestId([2; 16]);
        let _ = book.enter(device(1), id, start);
        let later = start + KEPT_FOR + Duration::from_secs(1);
        assert!(matches!(book.enter(device(1), id, later), Entry::First(_)));
        for n in 0..CAPACITY as u32 + 10 {
            let mut bytes = [0u8; 16];
            bytes[..4].copy_from_slice(&n.to_be_bytes());
            let _ = book.enter(device(3), RequestId(bytes), later);
        }
        assert_eq!(book.len(), CAPACITY);
    }

    #[test]
    fn a_request_still_being_applied_is_never_forgotten() {
        let book = AnswerBook::new();
        let start = Instant::now();
        let slow = RequestId([4; 16]);
        let Entry::First(applying) = book.enter(device(1), slow, start) else {
            panic!("a new request must be applied");
        };
        let later = start + KEPT_FOR + Duration::from_secs(1);
        for n in 0..CAPACITY as u32 + 10 {
            let mut bytes = [0u8; 16];
            bytes[..4].copy_from_slice(&n.to_be_bytes());
            let _ = book.enter(device(3), RequestId(bytes), later);
        }
        assert!(
            matches!(book.enter(device(1), slow, later), Entry::Again(_)),
            "its retry waits for the first application"
        );
        applying.send_replace(Some(AnswerBody::Released {}));
        let much_later = later + KEPT_FOR + KEPT_FOR;
        assert!(
            matches!(book.enter(device(1), slow, much_later), Entry::First(_)),
            "answered, it goes in its time"
        );
    }
}
