//! Proxies (pouvoirs, procurations): an absent member gives their vote to a present one.
//!
//! The rules are the usual ones of associations' statutes: a holder is present and carries at
//! most `cap` proxies (the event's `proxies_per_holder`, 1 by default); nobody holds their own
//! proxy; a proxy cannot be passed on (a member who gave theirs away does not hold others');
//! a member represents no one and is represented by no one while present in person. Each
//! represented member casts a separate ballot, with their own weight, through their holder.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::ids::MemberId;
use crate::rules::Attendance;

/// Why a proxy was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyError {
    /// A member cannot hold their own proxy.
    #[error("a member cannot hold their own proxy")]
    SelfProxy,
    /// The member giving the proxy is present in person.
    #[error("this member is present and votes in person")]
    GiverPresent,
    /// The holder is not checked in.
    #[error("the proxy holder is not present")]
    HolderAbsent,
    /// The holder already carries as many proxies as allowed.
    #[error("the proxy holder already carries {0} proxy/proxies, the most allowed")]
    HolderFull(u32),
    /// The member already gave a proxy.
    #[error("this member has already given a proxy")]
    AlreadyRepresented,
    /// The holder gave their own proxy away, or the giver holds others' proxies: proxies are
    /// not passed on.
    #[error("proxies cannot be passed on")]
    Chain,
    /// No such proxy to revoke.
    #[error("this member has given no proxy")]
    NoProxy,
}

/// The proxies given for an event: absent member → holder.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProxyBook {
    grants: BTreeMap<MemberId, MemberId>,
}

impl ProxyBook {
    /// A book from stored grants (absent → holder), unchecked.
    pub fn from_grants(grants: impl IntoIterator<Item = (MemberId, MemberId)>) -> Self {
        Self {
            grants: grants.into_iter().collect(),
        }
    }

    /// Every grant, absent member → holder.
    pub fn grants(&self) -> &BTreeMap<MemberId, MemberId> {
        &self.grants
    }

    /// The members `holder` represents.
    pub fn represented_by(&self, holder: &MemberId) -> Vec<MemberId> {
        self.grants
            .iter()
            .filter(|(_, h)| *h == holder)
            .map(|(absent, _)| *absent)
            .collect()
    }

    /// The holder of `absent`'s proxy.
    pub fn holder_of(&self, absent: &MemberId) -> Option<MemberId> {
        self.grants.get(absent).copied()
    }

    /// Checks that `absent` may give their proxy to `holder` given who is present.
    pub fn check(
        &self,
        absent: &MemberId,
        holder: &MemberId,
        present: &BTreeSet<MemberId>,
        cap: u32,
    ) -> Result<(), ProxyError> {
        if absent == holder {
            return Err(ProxyError::SelfProxy);
        }
        if present.contains(absent) {
            return Err(ProxyError::GiverPresent);
        }
        if !present.contains(holder) {
            return Err(ProxyError::HolderAbsent);
        }
        if self.grants.contains_key(absent) {
            return Err(ProxyError::AlreadyRepresented);
        }
        if self.grants.contains_key(holder) || self.grants.values().any(|h| h == absent) {
            return Err(ProxyError::Chain);
        }
        let carried = u32::try_from(self.represented_by(holder).len()).unwrap_or(u32::MAX);
        if carried >= cap {
            return Err(ProxyError::HolderFull(carried));
        }
        Ok(())
    }

    /// Records a proxy after [`ProxyBook::check`].
    pub fn grant(
        &mut self,
        absent: MemberId,
        holder: MemberId,
        present: &BTreeSet<MemberId>,
        cap: u32,
    ) -> Result<(), ProxyError> {
        self.check(&absent, &holder, present, cap)?;
        self.grants.insert(absent, holder);
        Ok(())
    }

    /// Withdraws `absent`'s proxy.
    pub fn revoke(&mut self, absent: &MemberId) -> Result<MemberId, ProxyError> {
        self.grants.remove(absent).ok_or(ProxyError::NoProxy)
    }

    /// Present and represented members now. A proxy counts only while its holder is present
    /// and its giver is not (a giver who arrives after all votes in person).
    pub fn attendance(&self, present: &BTreeSet<MemberId>) -> Attendance {
        let represented = self
            .grants
            .iter()
            .filter(|(absent, holder)| !present.contains(*absent) && present.contains(*holder))
            .count();
        Attendance {
            present: u64::try_from(present.len()).unwrap_or(u64::MAX),
            represented: u64::try_from(represented).unwrap_or(u64::MAX),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(n: u8) -> MemberId {
        MemberId::from_bytes([n; 16])
    }

    fn present(ids: &[u8]) -> BTreeSet<MemberId> {
        ids.iter().map(|n| m(*n)).collect()
    }

    #[test]
    fn a_holder_carries_up_to_the_cap() {
        let mut book = ProxyBook::default();
        let here = present(&[1, 2]);
        book.grant(m(10), m(1), &here, 1).unwrap();
        assert_eq!(
            book.grant(m(11), m(1), &here, 1),
            Err(ProxyError::HolderFull(1))
        );
        book.grant(m(11), m(2), &here, 1).unwrap();
        assert_eq!(
            book.attendance(&here),
            Attendance {
                present: 2,
                represented: 2
            }
        );
        assert_eq!(book.represented_by(&m(1)), vec![m(10)]);
    }

    #[test]
    fn the_usual_refusals() {
        let mut book = ProxyBook::default();
        let here = present(&[1, 2]);
        assert_eq!(
            book.check(&m(1), &m(1), &here, 2),
            Err(ProxyError::SelfProxy)
        );
        assert_eq!(
            book.check(&m(2), &m(1), &here, 2),
            Err(ProxyError::GiverPresent)
        );
        assert_eq!(
            book.check(&m(10), &m(9), &here, 2),
            Err(ProxyError::HolderAbsent)
        );
        book.grant(m(10), m(1), &here, 2).unwrap();
        assert_eq!(
            book.check(&m(10), &m(2), &here, 2),
            Err(ProxyError::AlreadyRepresented)
        );
        assert_eq!(book.revoke(&m(10)), Ok(m(1)));
        assert_eq!(book.revoke(&m(10)), Err(ProxyError::NoProxy));
    }

    #[test]
    fn a_giver_who_arrives_is_no_longer_represented() {
        let mut book = ProxyBook::default();
        book.grant(m(10), m(1), &present(&[1]), 1).unwrap();
        let now = present(&[1, 10]);
        assert_eq!(
            book.attendance(&now),
            Attendance {
                present: 2,
                represented: 0
            }
        );
    }
}
