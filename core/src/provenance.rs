//! Whether a results bundle counts the organiser's event: the package proof it carries (the
//! organiser-signed manifest and `event.json`), the kiosk's record of loading that package, and
//! every poll either the organiser's or one the kiosk's chain records as written on the spot.
//!
//! A device key copied off a card signs anything, so nothing the kiosk says is taken on its
//! word here: the event's header and its polls must be the organiser's, byte for byte in
//! meaning, and a poll written on the kiosk must have its definition's digest in the chain.

use std::collections::BTreeSet;

use crate::audit::{AuditEntry, AuditEvent};
use crate::crypto::{Fingerprint, Sha256Digest};
use crate::event::Event;
use crate::ids::PollId;
use crate::package::{PackageError, PackageProof};

/// What the package proof of a bundle establishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// The organiser key that signed the package.
    pub organiser: Fingerprint,
    /// SHA-256 of the package's manifest.
    pub package: Sha256Digest,
    /// The event as the organiser signed it (header and polls).
    pub event: Event,
    /// The polls of the bundle written or edited on the kiosk (« créé sur le kiosque »), whose
    /// definitions the audit chain records.
    pub kiosk_polls: BTreeSet<PollId>,
}

/// Why a bundle's event is not shown to be the organiser's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProvenanceError {
    /// A file of the package proof is missing.
    #[error("the bundle does not carry its event package's {0}")]
    Missing(String),
    /// The package proof does not hold.
    #[error("the event package the bundle carries does not hold: {0}")]
    Package(#[from] PackageError),
    /// The package is for another event.
    #[error("the event package the bundle carries is for another event ({0})")]
    OtherEvent(String),
    /// The chain does not record loading that package.
    #[error(
        "the audit chain does not record loading the event package the bundle carries (another \
         organiser key or another package)"
    )]
    NotLoaded,
    /// The header (title, place, date, settings) differs from the package's.
    #[error("event.json: the title, place, date or settings differ from the organiser's package")]
    Header,
    /// A poll is neither the package's nor recorded as written on the kiosk.
    #[error(
        "poll {0} is neither the organiser's nor one written on the kiosk (its definition is not \
         in the audit chain)"
    )]
    Poll(PollId),
    /// A poll of the package is missing from the bundle's event.
    #[error("poll {0} of the organiser's package is missing from event.json")]
    PollMissing(PollId),
}

/// Checks the bundle's `event` against the package proof among its `files`, and the chain's
/// record of loading it.
pub fn check(
    files: &std::collections::BTreeMap<String, Vec<u8>>,
    event: &Event,
    audit: &[AuditEntry],
) -> Result<Provenance, ProvenanceError> {
    let proof = PackageProof::from_files(files).map_err(ProvenanceError::Missing)?;
    let proven = proof.verify()?;
    if proven.event.id != event.id {
        return Err(ProvenanceError::OtherEvent(proven.event.id.to_string()));
    }
    let organiser = proven.organiser.fingerprint();
    let loaded = audit.iter().rev().find_map(|e| match &e.event {
        AuditEvent::PackageLoaded {
            event: id,
            organiser,
            manifest,
            ..
        } if *id == event.id => Some((*organiser, *manifest)),
        _ => None,
    });
    if loaded != Some((organiser, Some(proven.digest))) {
        return Err(ProvenanceError::NotLoaded);
    }
    let header = |e: &Event| Event {
        polls: Vec::new(),
        ..e.clone()
    };
    if header(event) != header(&proven.event) {
        return Err(ProvenanceError::Header);
    }
    let mut kiosk_polls = BTreeSet::new();
    for poll in &event.polls {
        if proven.event.poll(&poll.id) == Some(poll) {
            continue;
        }
        if written_before_opening(audit, poll) != Some(poll.definition_digest()) {
            return Err(ProvenanceError::Poll(poll.id.clone()));
        }
        kiosk_polls.insert(poll.id.clone());
    }
    if let Some(missing) = proven
        .event
        .polls
        .iter()
        .find(|p| event.poll(&p.id).is_none())
    {
        return Err(ProvenanceError::PollMissing(missing.id.clone()));
    }
    Ok(Provenance {
        organiser,
        package: proven.digest,
        event: proven.event,
        kiosk_polls,
    })
}

/// The last definition the chain records for `poll` (created or edited on the kiosk), if it
/// was written before the poll's last opening (a reset poll may be corrected, then opened
/// again; a poll never changes while voting is open).
fn written_before_opening(audit: &[AuditEntry], poll: &crate::poll::Poll) -> Option<Sha256Digest> {
    let opened = audit.iter().rposition(
        |e| matches!(&e.event, AuditEvent::PollOpened { poll: id, .. } if *id == poll.id),
    );
    let (at, definition) = audit
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, e)| match &e.event {
            AuditEvent::PollCreated {
                poll: id,
                definition,
            }
            | AuditEvent::PollEdited {
                poll: id,
                definition,
            } if *id == poll.id => Some((i, *definition)),
            _ => None,
        })?;
    opened.is_none_or(|o| at < o).then_some(definition)
}
