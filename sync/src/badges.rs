//! Issuing badges: one signed credential per member (and per organiser) of a package.

use urne_core::credential::{Credential, Role};
use urne_core::crypto::SecretKey;
use urne_core::ids::MemberId;
use urne_core::package::EventPackage;

/// A badge ready to print or send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    /// Participant or organiser.
    pub role: Role,
    /// The member (or organiser badge) id.
    pub id: MemberId,
    /// The name printed and carried in the credential.
    pub name: String,
    /// The collective printed under the name.
    pub group: Option<String>,
    /// The text of the QR code.
    pub payload: String,
}

/// Issues every badge of the package: members first (roster order), then organisers.
pub fn issue_all(package: &EventPackage, key: &SecretKey) -> Vec<Badge> {
    let event = &package.event;
    let issue = |role, id: MemberId, name: &str| {
        Credential::new(
            role,
            &event.id,
            id,
            name,
            event.badges_valid_from,
            event.badges_valid_until,
        )
        .issue(key)
    };
    let members = package.roster.members.iter().map(|m| {
        let name = m.display_name();
        Badge {
            role: Role::Participant,
            id: m.id,
            payload: issue(Role::Participant, m.id, &name),
            name,
            group: m.group.clone(),
        }
    });
    let organisers = event.organisers.iter().map(|o| Badge {
        role: Role::Organiser,
        id: o.id,
        payload: issue(Role::Organiser, o.id, &o.name),
        name: o.name.clone(),
        group: None,
    });
    members.chain(organisers).collect()
}
