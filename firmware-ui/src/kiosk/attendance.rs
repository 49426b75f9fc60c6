//! Attendance at the door: proxies, check-outs, check-ins undone, walk-ins registered with a
//! badge of this kiosk, badges revoked, and the organiser's attendance lists.

use std::collections::BTreeSet;

use urne_core::credential::{Credential, Role};
use urne_core::event::Member;
use urne_core::ids::MemberId;
use urne_core::proxy::ProxyError;
use urne_core::rules::Attendance;
use urne_core::timestamp::Timestamp;

use super::{Kiosk, KioskError, random_bytes};
use crate::clock::Clock;

/// Who is in the hall and who represents whom, for the organiser's attendance page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceLists {
    /// Members present, most recent first.
    pub present: Vec<PresentEntry>,
    /// Proxies in force.
    pub proxies: Vec<ProxyEntry>,
    /// Totals.
    pub attendance: Attendance,
    /// Members on the roster (walk-ins included).
    pub members: u64,
}

/// A member present, on the attendance page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentEntry {
    /// The member.
    pub member: MemberId,
    /// « Prénom Nom ».
    pub name: String,
    /// Their collective, if any.
    pub group: Option<String>,
    /// Their first check-in.
    pub since: Timestamp,
}

/// A proxy in force, on the attendance page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyEntry {
    /// The absent member who gave it.
    pub absent: MemberId,
    /// Their name.
    pub absent_name: String,
    /// The member present who carries it.
    pub holder: MemberId,
    /// Their name.
    pub holder_name: String,
}

/// A person registered at the door, and the badge the kiosk signed for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkIn {
    /// The new member.
    pub member: Member,
    /// The text of their badge's QR code, for them to photograph.
    pub badge: String,
}

impl Kiosk {
    /// Records that `absent` gives their proxy to `holder` (organiser, at the door).
    pub fn grant_proxy(&mut self, absent: &MemberId, holder: &MemberId) -> Result<(), KioskError> {
        self.require_organiser()?;
        self.require_records_here()?;
        let loaded = self.loaded()?;
        if self.roster.member(absent).is_none() || self.roster.member(holder).is_none() {
            return Err(KioskError::NotOnRoster);
        }
        let cap = loaded.package.event.proxies_per_holder;
        let present: BTreeSet<MemberId> =
            self.store.present()?.into_iter().map(|(m, _)| m).collect();
        self.proxy_book()?.check(absent, holder, &present, cap)?;
        self.store.grant_proxy(absent, holder, self.clock.now())?;
        Ok(())
    }

    /// Withdraws a proxy (organiser). Refused while a poll is open, and once a ballot was cast
    /// through it: a proxy can change only between polls.
    pub fn revoke_proxy(&mut self, absent: &MemberId) -> Result<(), KioskError> {
        self.require_organiser()?;
        self.require_records_here()?;
        let states = self.store.polls()?;
        if states.values().any(|row| !row.closed) {
            return Err(KioskError::ProxyFrozen);
        }
        for poll in states.keys() {
            if self.store.has_voted(poll, absent)? {
                return Err(KioskError::ProxyFrozen);
            }
        }
        if !self.store.revoke_proxy(absent, self.clock.now())? {
            return Err(KioskError::Proxy(ProxyError::NoProxy));
        }
        Ok(())
    }

    /// Checks a member out (they leave; a later scan checks them back in).
    pub fn check_out(&mut self, member: &MemberId) -> Result<bool, KioskError> {
        if self.hall_role().is_some() {
            return self.member_check_out(member);
        }
        Ok(self.store.check_out(member, self.clock.now())?)
    }

    /// Undoes a check-in made by mistake (organiser); refused once the member has voted.
    pub fn undo_check_in(&mut self, member: &MemberId) -> Result<bool, KioskError> {
        self.require_organiser()?;
        self.require_records_here()?;
        for poll in self.store.polls()?.keys() {
            if self.store.has_voted(poll, member)? {
                return Err(KioskError::UndoVoted);
            }
        }
        Ok(self.store.undo_check_in(member, self.clock.now())?)
    }

    /// Registers a person who is not on the roster (organiser, at the door): they get a new
    /// member id, are checked in, and receive a badge signed by this kiosk's key, returned as
    /// the text of its QR code for them to photograph. Such a badge is accepted by this kiosk only,
    /// and only for that person (a device key never vouches for an organiser or a listed member).
    pub fn register_walk_in(
        &mut self,
        last_name: &str,
        first_name: &str,
        group: &str,
    ) -> Result<WalkIn, KioskError> {
        self.require_organiser()?;
        self.require_records_here()?;
        let event = self.loaded()?.package.event.clone();
        let clean = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let member = Member {
            id: MemberId::from_bytes(random_bytes()),
            last_name: clean(last_name),
            first_name: clean(first_name),
            group: Some(clean(group)).filter(|g| !g.is_empty()),
            weight: 1,
        };
        if member.last_name.is_empty() {
            return Err(KioskError::MissingName);
        }
        self.store.register_walk_in(&member, self.clock.now())?;
        let badge = Credential::new(
            Role::Participant,
            &event.id,
            member.id,
            &member.display_name(),
            event.badges_valid_from,
            event.badges_valid_until,
        )
        .issue_walk_in(self.device.as_ref());
        self.roster.members.push(member.clone());
        Ok(WalkIn { member, badge })
    }

    /// Revokes a lost or stolen badge (organiser): it is refused from then on.
    pub fn revoke_badge(&mut self, member: &MemberId) -> Result<(), KioskError> {
        self.require_organiser()?;
        self.require_records_here()?;
        Ok(self.store.revoke_badge(member, self.clock.now())?)
    }

    /// The attendance lists (organiser).
    pub fn attendance_lists(&self) -> Result<AttendanceLists, KioskError> {
        self.require_organiser()?;
        self.require_records_here()?;
        let name = |id: &MemberId| {
            self.roster
                .member(id)
                .map(|m| m.display_name())
                .unwrap_or_default()
        };
        let mut present: Vec<PresentEntry> = self
            .store
            .present()?
            .into_iter()
            .map(|(id, at)| {
                let member = self.roster.member(&id);
                PresentEntry {
                    member: id,
                    name: member.map(|m| m.display_name()).unwrap_or_default(),
                    group: member.and_then(|m| m.group.clone()),
                    since: at,
                }
            })
            .collect();
        present.sort_by(|a, b| b.since.cmp(&a.since).then_with(|| a.name.cmp(&b.name)));
        let proxies = self
            .store
            .proxies()?
            .into_iter()
            .map(|(absent, holder)| ProxyEntry {
                absent,
                absent_name: name(&absent),
                holder,
                holder_name: name(&holder),
            })
            .collect();
        Ok(AttendanceLists {
            present,
            proxies,
            attendance: self.attendance()?,
            members: u64::try_from(self.roster.len()).unwrap_or(u64::MAX),
        })
    }
}
