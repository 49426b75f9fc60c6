//! The lead's TLS gate as a snapshot: which device keys may finish a handshake, kept beside the
//! kiosk and updated by it whenever pairing or removal changes the answer, so that the
//! handshake reads it without waiting for the kiosk's worker (busy with a count, say). The
//! kiosk's own check, on every request, stays the authority; this only decides who may talk.

use std::collections::BTreeSet;
use std::sync::{Arc, PoisonError, RwLock};

use urne_core::crypto::Fingerprint;
use urne_core::timestamp::Timestamp;

use crate::clock::{Clock, OffsetClock};

/// Who may finish a TLS handshake with this lead, readable from any thread.
#[derive(Clone)]
pub struct HallGate {
    view: Arc<RwLock<GateView>>,
    clock: OffsetClock,
}

impl std::fmt::Debug for HallGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HallGate").finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct GateView {
    /// The kiosks paired now (removed ones left out).
    paired: BTreeSet<Fingerprint>,
    /// While a pairing card is shown, until when: any kiosk may then connect to ask.
    card_until: Option<Timestamp>,
}

impl HallGate {
    pub(super) fn new(clock: OffsetClock) -> Self {
        Self {
            view: Arc::new(RwLock::new(GateView::default())),
            clock,
        }
    }

    /// Whether `device` may finish a handshake now: a paired kiosk, or any kiosk while a
    /// pairing card holds (its key is then checked in its `Pair` request).
    pub fn admits(&self, device: &Fingerprint) -> bool {
        let view = self.view.read().unwrap_or_else(PoisonError::into_inner);
        view.paired.contains(device) || view.card_until.is_some_and(|t| t > self.clock.now())
    }

    /// Replaces what the gate admits: the paired kiosks (unchanged if `None`) and the card.
    pub(super) fn set(&self, paired: Option<BTreeSet<Fingerprint>>, card_until: Option<Timestamp>) {
        let mut view = self.view.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(paired) = paired {
            view.paired = paired;
        }
        view.card_until = card_until;
    }
}
