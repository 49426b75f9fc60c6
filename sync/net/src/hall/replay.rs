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
    fn forget_old(&mut self, now: Instant) {
        while let Some((at, key)) = self.order.front().copied() {
            let stale = now.saturating_duration_since(at) > KEPT_FOR;
            if !stale && self.order.len() < CAPACITY {
                break;
            }
            self.order.pop_front();
            self.answers.remove(&key);
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
}
