//! Which hall this kiosk belongs to, kept in its settings so that a restart finds it again: it
//! leads one (and serves it on a port), or it joined one as a door or voting kiosk (with the
//! lead's pairing card: its key's fingerprint and addresses), or it is alone.
//!
//! Joining is two steps, because the lead's organiser confirms while the joining kiosk waits:
//! [`Kiosk::join_request`] hands out what the pairing request needs (the device key, shared as
//! with the registry's challenge), the request runs on a thread of its own, and
//! [`Kiosk::joined`] keeps the membership once the lead has said « paired ».

use std::sync::Arc;
use std::time::Duration;

use urne_codec::hall::pairing::PairingCard;
use urne_codec::hall::{AnswerBody, HallRole, RequestBody};
use urne_core::audit::AuditEvent;
use urne_core::crypto::{SecretKey, Sha256Digest};

use super::{HallProblem, Kiosk, KioskError};
use crate::clock::Clock;
use crate::remote::client::RemoteLead;
use crate::remote::{Lead, LeadError, new_request_id};

/// The setting that says which hall this kiosk belongs to.
pub const SETTING_HALL: &str = "hall";

/// The port a lead kiosk serves its hall on unless told otherwise.
pub const HALL_PORT: u16 = 4180;

/// How long a member kiosk waits for each answer of its lead (a cast is retried meanwhile
/// under its id).
pub const ASK_DEADLINE: Duration = Duration::from_secs(8);

/// How long a joining kiosk waits for the lead's organiser: the card's lapse and a margin.
const PAIR_DEADLINE: Duration =
    Duration::from_secs(super::hall::PAIRING_LAPSE_SECS.unsigned_abs() + 30);

/// This kiosk's place in a hall, as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HallSetting {
    /// No hall: a kiosk on its own.
    Alone,
    /// It leads a hall, served on this port.
    Lead {
        /// The port.
        port: u16,
    },
    /// It joined a hall.
    Member {
        /// Door or voting.
        role: HallRole,
        /// The lead's pairing card (its token spent): the lead's key and addresses.
        card: PairingCard,
    },
}

fn role_word(role: HallRole) -> &'static str {
    match role {
        HallRole::Door => "door",
        HallRole::Voting => "voting",
    }
}

impl HallSetting {
    fn to_text(&self) -> Option<String> {
        match self {
            HallSetting::Alone => None,
            HallSetting::Lead { port } => Some(format!("lead {port}")),
            HallSetting::Member { role, card } => {
                Some(format!("{} {}", role_word(*role), card.to_text()))
            }
        }
    }

    fn parse(text: &str) -> Option<Self> {
        let (word, rest) = text.split_once(' ')?;
        match word {
            "lead" => Some(HallSetting::Lead {
                port: rest.parse().ok()?,
            }),
            "door" | "voting" => Some(HallSetting::Member {
                role: if word == "door" {
                    HallRole::Door
                } else {
                    HallRole::Voting
                },
                card: PairingCard::parse(rest)?,
            }),
            _ => None,
        }
    }
}

/// The hall as its page shows it.
#[derive(Debug, Clone)]
pub struct HallView {
    /// This kiosk's device key fingerprint, which the other kiosk's organiser compares.
    pub device: urne_core::crypto::Fingerprint,
    /// This kiosk's place.
    pub setting: HallSetting,
    /// On a lead: the kiosk asking to join, with the role it asks for.
    pub pending: Option<(urne_core::crypto::Fingerprint, HallRole)>,
    /// On a lead: the kiosks paired to it.
    pub kiosks: Vec<super::hall::HallKiosk>,
}

/// What a joining kiosk's pairing request needs, for the thread that sends it.
#[derive(Debug, Clone)]
pub struct JoinRequest {
    device: Arc<SecretKey>,
    role: HallRole,
    package: Sha256Digest,
    card: PairingCard,
}

impl JoinRequest {
    /// Asks the lead to pair, and waits for its organiser's decision; returns the lead to ask
    /// from now on and the answer (`Paired`, or the refusal).
    pub fn pair(&self) -> Result<(RemoteLead, AnswerBody), LeadError> {
        let lead = RemoteLead::new(
            &self.device,
            self.card.lead,
            self.card.addresses.clone(),
            PAIR_DEADLINE,
        )?;
        let answer = lead.ask(
            new_request_id(),
            RequestBody::Pair {
                token: self.card.token,
                device: self.device.public().fingerprint(),
                role: self.role,
                package: self.package,
            },
        )?;
        let lead = RemoteLead::new(
            &self.device,
            self.card.lead,
            self.card.addresses.clone(),
            ASK_DEADLINE,
        )?;
        Ok((lead, answer))
    }
}

impl Kiosk {
    /// This kiosk's place in a hall, as kept (an unreadable setting counts as none).
    pub fn hall_setting(&self) -> Result<HallSetting, KioskError> {
        Ok(self
            .store
            .setting(SETTING_HALL)?
            .and_then(|text| HallSetting::parse(&text))
            .unwrap_or(HallSetting::Alone))
    }

    /// The hall for its page.
    pub fn hall_view(&self) -> Result<HallView, KioskError> {
        let setting = self.hall_setting()?;
        let lead = matches!(setting, HallSetting::Lead { .. });
        Ok(HallView {
            device: self.device.public().fingerprint(),
            pending: if lead { self.pending_pairing() } else { None },
            kiosks: if lead {
                self.hall_kiosks()?
            } else {
                Vec::new()
            },
            setting,
        })
    }

    /// Makes this kiosk the lead of a hall served on `port` (organiser), kept for the next
    /// starts. Refused on a kiosk that joined another hall.
    pub fn lead_hall(&mut self, port: u16) -> Result<(), KioskError> {
        self.require_organiser()?;
        self.loaded()?;
        if matches!(self.hall_setting()?, HallSetting::Member { .. }) {
            return Err(KioskError::Hall(HallProblem::IsMember));
        }
        let text = HallSetting::Lead { port }.to_text();
        self.store
            .set_setting(SETTING_HALL, text.as_deref().unwrap_or_default())?;
        Ok(())
    }

    /// What the pairing request to the lead of `card` needs (organiser). Refused on a lead.
    pub fn join_request(
        &self,
        card: PairingCard,
        role: HallRole,
    ) -> Result<JoinRequest, KioskError> {
        self.require_organiser()?;
        if matches!(self.hall_setting()?, HallSetting::Lead { .. }) {
            return Err(KioskError::Hall(HallProblem::IsLead));
        }
        let package = self.package_digest().ok_or(KioskError::NoEvent)?;
        Ok(JoinRequest {
            device: self.device.clone(),
            role,
            package,
            card,
        })
    }

    /// The lead paired this kiosk: it asks `lead` from now on, and finds it again after a
    /// restart. Audited.
    pub fn joined(&mut self, request: &JoinRequest, lead: Box<dyn Lead>) -> Result<(), KioskError> {
        let setting = HallSetting::Member {
            role: request.role,
            card: request.card.clone(),
        };
        let text = setting.to_text().unwrap_or_default();
        self.store.set_settings_audited(
            &[(SETTING_HALL, Some(&text))],
            vec![AuditEvent::JoinedHall {
                lead: request.card.lead,
                role: role_word(request.role).to_owned(),
            }],
            self.clock.now(),
        )?;
        self.join_hall(request.role, lead);
        Ok(())
    }

    /// A link to the lead of the hall this kiosk joined, if it joined one (for the heartbeat,
    /// which asks on a thread of its own).
    pub fn hall_link(&self) -> Result<Option<RemoteLead>, KioskError> {
        let HallSetting::Member { card, .. } = self.hall_setting()? else {
            return Ok(None);
        };
        RemoteLead::new(&self.device, card.lead, card.addresses, ASK_DEADLINE)
            .map(Some)
            .map_err(|_| KioskError::Hall(HallProblem::NotAdmitted))
    }

    /// At start: a kiosk that joined a hall asks its lead again, over the network.
    pub fn rejoin_hall(&mut self) -> Result<bool, KioskError> {
        let HallSetting::Member { role, .. } = self.hall_setting()? else {
            return Ok(false);
        };
        let Some(lead) = self.hall_link()? else {
            return Ok(false);
        };
        self.join_hall(role, Box::new(lead));
        Ok(true)
    }

    /// Leaves the hall (organiser): this kiosk is on its own again (the lead removes it from
    /// its list on its side).
    pub fn leave_hall(&mut self) -> Result<(), KioskError> {
        self.require_organiser()?;
        self.store.set_settings(&[(SETTING_HALL, None)])?;
        self.member = None;
        Ok(())
    }
}
