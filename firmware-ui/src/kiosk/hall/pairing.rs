//! Joining the hall: the lead shows a pairing card (its addresses, its key's fingerprint, a
//! one-time token with an expiry), a kiosk that scanned it asks to pair with the token, both
//! screens show the two fingerprints, and an organiser confirms on the lead (organiser mode:
//! badge and PIN). Only kiosks of the same event package pair; a token serves one kiosk once.

use core::net::SocketAddr;

use urne_codec::hall::pairing::PairingCard;
use urne_codec::hall::{AnswerBody, HallRole, PairingToken, RefusalCode};
use urne_core::crypto::{Fingerprint, Sha256Digest};
use urne_core::ids::EventId;
use urne_core::timestamp::Timestamp;

use super::{PAIRING_LAPSE_SECS, refused};
use crate::clock::Clock;
use crate::kiosk::{Kiosk, KioskError};
use crate::store::KioskRole;

/// A kiosk's request to join, as it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairingAsk {
    /// The token from the card it scanned.
    pub token: PairingToken,
    /// The fingerprint it says is its own (the handshake's key must have it).
    pub device: Fingerprint,
    /// The role it asks for.
    pub role: HallRole,
    /// SHA-256 of its package's manifest.
    pub package: Sha256Digest,
}

/// The pairing card shown now.
#[derive(Debug, Clone)]
pub(super) struct OpenPairing {
    token: PairingToken,
    pub(super) expires: Timestamp,
    /// The kiosk that asked with this card's token, waiting for the organiser.
    pending: Option<(Fingerprint, HallRole)>,
}

/// The organiser's decision on a pairing, kept until the asking kiosk hears it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairingOutcome {
    /// Paired.
    Paired,
    /// Refused by the organiser.
    Rejected,
}

/// A paired kiosk as the lead's hall page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HallKiosk {
    /// Its device key's fingerprint.
    pub device: Fingerprint,
    /// What it does.
    pub role: KioskRole,
    /// When it was paired.
    pub paired_at: Timestamp,
    /// Whether it was removed from the hall.
    pub removed: bool,
    /// When it was last heard from since this kiosk started.
    pub last_heard: Option<Timestamp>,
    /// Whether it was heard within [`CONNECTED_WITHIN`] (its heartbeat comes every 15 s).
    pub connected: bool,
    /// Ballots it delivered, all polls together.
    pub delivered: u64,
    /// Visits under way on it now.
    pub visits: usize,
}

/// A kiosk heard within this many seconds counts as connected: three heartbeats.
pub const CONNECTED_WITHIN: i64 = 45;

impl Kiosk {
    /// Shows a new pairing card (organiser): a one-time token good for
    /// [`PAIRING_LAPSE_SECS`], with the addresses this kiosk listens on. A card shown before is
    /// void from now on.
    pub fn open_pairing(&mut self, addresses: Vec<SocketAddr>) -> Result<PairingCard, KioskError> {
        self.require_organiser()?;
        self.loaded()?;
        let token = self.new_pairing_token();
        let expires = Timestamp(self.clock.now().0 + PAIRING_LAPSE_SECS);
        self.hall.pairing = Some(OpenPairing {
            token,
            expires,
            pending: None,
        });
        self.refresh_gate();
        Ok(PairingCard {
            lead: self.device.public().fingerprint(),
            token,
            expires,
            addresses,
        })
    }

    /// Takes the pairing card down: its token is refused from now on.
    pub fn close_pairing(&mut self) {
        self.hall.pairing = None;
        self.refresh_gate();
    }

    /// Checks a pairing asked by the kiosk whose handshake proved `peer`, and holds it for the
    /// organiser's decision. Nothing is written until the organiser confirms.
    pub(super) fn ask_pairing(
        &mut self,
        peer: &Fingerprint,
        ask: &PairingAsk,
        now: Timestamp,
    ) -> Result<(), RefusalCode> {
        let package = self.package_digest().ok_or(RefusalCode::WrongPackage)?;
        let Some(open) = self.hall.pairing.as_mut() else {
            return Err(RefusalCode::BadToken);
        };
        if ask.token != open.token {
            return Err(RefusalCode::BadToken);
        }
        if open.expires <= now {
            return Err(RefusalCode::TokenExpired);
        }
        if ask.device != *peer {
            return Err(RefusalCode::WrongDevice);
        }
        if ask.package != package {
            return Err(RefusalCode::WrongPackage);
        }
        // One card, one kiosk, one role: a second kiosk with the same token is refused, and so
        // is the same kiosk asking for another role than the one the organiser is shown.
        if open
            .pending
            .is_some_and(|(asked, role)| asked != *peer || role != ask.role)
        {
            return Err(RefusalCode::BadToken);
        }
        open.pending = Some((*peer, ask.role));
        self.hall.decided.remove(peer);
        Ok(())
    }

    /// The kiosk waiting for the organiser's confirmation, and the role it asks for: the lead's
    /// screen shows its fingerprint beside this kiosk's.
    pub fn pending_pairing(&self) -> Option<(Fingerprint, HallRole)> {
        let open = self.hall.pairing.as_ref()?;
        (open.expires > self.clock.now())
            .then_some(open.pending)
            .flatten()
    }

    /// The organiser's decision on the pending pairing (organiser mode). Either way the card's
    /// token is spent; a confirmed kiosk is written and audited.
    pub fn decide_pairing(&mut self, accept: bool) -> Result<(), KioskError> {
        self.require_organiser()?;
        let Some((device, role)) = self.pending_pairing() else {
            return Err(KioskError::PairingGone);
        };
        if accept {
            self.store
                .pair_kiosk(&device, role.into(), self.clock.now())?;
        }
        self.hall.pairing = None;
        self.refresh_gate();
        let outcome = if accept {
            PairingOutcome::Paired
        } else {
            PairingOutcome::Rejected
        };
        self.hall.decided.insert(device, outcome);
        Ok(())
    }

    /// What the kiosk `device` that asked to pair is answered: `None` while the organiser has
    /// not decided and its card holds.
    pub fn pairing_outcome(&mut self, device: &Fingerprint) -> Option<AnswerBody> {
        if let Some(outcome) = self.hall.decided.remove(device) {
            return Some(match (outcome, self.event_id()) {
                (PairingOutcome::Paired, Some(event)) => AnswerBody::Paired { event },
                (PairingOutcome::Paired, None) => refused(RefusalCode::WrongPackage),
                (PairingOutcome::Rejected, _) => refused(RefusalCode::PairingRejected),
            });
        }
        match self.pending_pairing() {
            Some((pending, _)) if pending == *device => None,
            _ => Some(refused(RefusalCode::TokenExpired)),
        }
    }

    /// This kiosk's TLS identity in the hall: its device key as a raw public key.
    pub fn hall_identity(
        &self,
    ) -> Result<urne_sync::hall::tls::TlsIdentity, urne_sync::hall::tls::TlsSetupError> {
        urne_sync::hall::tls::TlsIdentity::from_device_key(&self.device)
    }

    /// SHA-256 of the loaded package's manifest: what a joining kiosk sends, and the lead
    /// compares with its own.
    pub fn package_digest(&self) -> Option<Sha256Digest> {
        self.loaded.as_ref().map(|p| p.proof.digest())
    }

    fn event_id(&self) -> Option<EventId> {
        self.loaded.as_ref().map(|p| p.package.event.id.clone())
    }

    /// The kiosks paired to this lead, removed ones included, for the hall page.
    pub fn hall_kiosks(&self) -> Result<Vec<HallKiosk>, KioskError> {
        let delivered = self.store.delivered()?;
        let kiosks = self.store.paired_kiosks()?;
        let now = self.clock.now();
        Ok(kiosks
            .into_iter()
            .map(|k| HallKiosk {
                connected: k.removed_at.is_none()
                    && self
                        .hall
                        .heard
                        .get(&k.device)
                        .is_some_and(|t| now.0 - t.0 <= CONNECTED_WITHIN),
                device: k.device,
                role: k.role,
                paired_at: k.paired_at,
                removed: k.removed_at.is_some(),
                last_heard: self.hall.heard.get(&k.device).copied(),
                delivered: delivered
                    .iter()
                    .filter(|d| d.device == k.device)
                    .map(|d| d.ballots)
                    .sum(),
                visits: self
                    .hall
                    .claims
                    .values()
                    .filter(|c| c.kiosk == k.device)
                    .count(),
            })
            .collect())
    }

    /// Ends the visits under way on a voting kiosk (organiser): a kiosk that died mid-visit
    /// keeps its voters out until their claims lapse, unless the organiser releases them.
    /// Audited; a cast the kiosk sends for them later is refused. Returns how many were ended.
    pub fn release_visits(&mut self, device: &Fingerprint) -> Result<u32, KioskError> {
        self.require_organiser()?;
        self.require_records_here()?;
        let visits = self
            .hall
            .claims
            .values()
            .filter(|c| c.kiosk == *device)
            .count();
        let visits = u32::try_from(visits).unwrap_or(u32::MAX);
        if visits == 0 {
            return Ok(0);
        }
        self.store.audit(
            self.clock.now(),
            urne_core::audit::AuditEvent::VisitsReleased {
                device: *device,
                visits,
            },
        )?;
        self.hall.claims.retain(|_, c| c.kiosk != *device);
        Ok(visits)
    }

    /// Removes a kiosk from the hall (organiser): refused from its next request, its visits
    /// under way ended. Audited. Returns false if it was not paired.
    pub fn remove_kiosk(&mut self, device: &Fingerprint) -> Result<bool, KioskError> {
        self.require_organiser()?;
        let removed = self.store.remove_kiosk(device, self.clock.now())?;
        self.hall.claims.retain(|_, c| c.kiosk != *device);
        self.hall.heard.remove(device);
        self.refresh_gate();
        Ok(removed)
    }
}
