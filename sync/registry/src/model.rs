//! What the registry publishes about an event: a summary of each stored bundle worked out once at
//! upload (never a member's name: totals only), and an event's results assembled from them for
//! the JSON API and the HTML pages.

use serde::{Deserialize, Serialize};
use urne_core::poll::Poll;
use urne_core::results::{PollRecord, PollState, Verified};
use urne_core::tally::{self, Lang};
use urne_core::timestamp::Timestamp;

use crate::store::{BundleRow, Device, Revocation};

/// The public header of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventHeader {
    /// The event id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Where.
    pub place: String,
    /// When (`YYYY-MM-DD`).
    pub date: String,
    /// The organising body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
}

/// Attendance totals at export time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendanceTotals {
    /// Members on the roster.
    pub members: u64,
    /// Members present.
    pub present: u64,
    /// Absent members represented by a proxy.
    pub represented: u64,
}

/// One poll of a bundle: its definition, state and (when closed) re-counted result with the
/// sentences read out, in French and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollSummary {
    /// The poll as defined (question, kind, options).
    pub poll: Poll,
    /// Where it stood at export.
    pub state: PollState,
    /// When it opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_at: Option<Timestamp>,
    /// When it closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<Timestamp>,
    /// Context and re-counted result, for a closed poll.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<PollRecord>,
    /// The decision sentence in French (« La motion est adoptée »), for a closed poll.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_fr: Option<String>,
    /// The decision sentence in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_en: Option<String>,
    /// The arithmetic lines in French.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arithmetic_fr: Vec<String>,
    /// The arithmetic lines in English.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arithmetic_en: Vec<String>,
    /// Written or edited on the kiosk (« créé sur le kiosque »), not in the organiser's package:
    /// its definition is the one the kiosk's audit chain records.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub on_kiosk: bool,
}

/// What the registry keeps about one bundle besides its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleSummary {
    /// The event.
    pub event: EventHeader,
    /// When the kiosk signed it.
    pub created: Timestamp,
    /// A test-deck run (essai à blanc), never a real result.
    pub test: bool,
    /// Attendance totals.
    pub attendance: AttendanceTotals,
    /// Every poll, in the event's order.
    pub polls: Vec<PollSummary>,
}

impl BundleSummary {
    /// Summarises a verified bundle.
    pub fn of(verified: &Verified, created: Timestamp) -> Self {
        let event = &verified.event;
        // The header is the organiser's, as signed in the package the bundle carries (the
        // verifier has checked that the bundle's own header says the same).
        let header = &verified.provenance.event;
        let polls = verified
            .polls
            .iter()
            .filter_map(|status| {
                let poll = event.poll(&status.poll)?;
                let record = match status.state {
                    PollState::Closed => verified.results.get(&status.poll).cloned(),
                    _ => None,
                };
                let sentences = |lang| {
                    record
                        .as_ref()
                        .map(|r| tally::decision_sentence(poll, &r.result, lang))
                };
                let lines = |lang| {
                    record
                        .as_ref()
                        .map(|r| tally::arithmetic(poll, &r.result, lang))
                        .unwrap_or_default()
                };
                Some(PollSummary {
                    poll: poll.clone(),
                    state: status.state,
                    opened_at: status.opened_at,
                    closed_at: status.closed_at,
                    decision_fr: sentences(Lang::Fr),
                    decision_en: sentences(Lang::En),
                    arithmetic_fr: lines(Lang::Fr),
                    arithmetic_en: lines(Lang::En),
                    on_kiosk: verified.provenance.kiosk_polls.contains(&status.poll),
                    record,
                })
            })
            .collect();
        Self {
            event: EventHeader {
                id: header.id.to_string(),
                title: header.title.clone(),
                place: header.place.clone(),
                date: header.date.clone(),
                organisation: header.organisation.clone(),
            },
            created,
            test: verified.test,
            attendance: AttendanceTotals {
                members: verified.attendance.members,
                present: verified.attendance.totals.present,
                represented: verified.attendance.totals.represented,
            },
            polls,
        }
    }
}

/// The results one kiosk reported for an event: its newest real bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KioskResults {
    /// The kiosk's device fingerprint.
    pub device: String,
    /// The label it was enrolled with.
    pub label: String,
    /// SHA-256 of the bundle these results come from (downloadable, verifiable with OpenSSL).
    pub bundle: String,
    /// Its sequence number: later exports of the same kiosk supersede earlier ones.
    pub seq: u64,
    /// When it arrived.
    pub received: String,
    /// What it holds.
    #[serde(flatten)]
    pub summary: BundleSummary,
}

/// An event's published results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventResults {
    /// The event (from the newest real bundle, else from the events list).
    pub event: EventHeader,
    /// One entry per kiosk that sent real results, by device.
    pub kiosks: Vec<KioskResults>,
    /// Real exports not shown because a later export of the same kiosk supersedes them
    /// (test-deck runs are counted in `test_runs`, not here).
    pub superseded: u64,
    /// Test-deck bundles stored (never shown as results).
    pub test_runs: u64,
    /// Kiosks revoked by the operator, whose bundles are kept but never shown as results.
    pub revoked: Vec<RevokedKiosk>,
}

/// What the pages need to know of a kiosk's enrolment: its label and whether it was revoked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Standing {
    /// The label it was enrolled with (empty if unknown).
    pub label: String,
    /// Its revocation, if the operator revoked it.
    pub revoked: Option<Revocation>,
}

impl Standing {
    /// An enrolled kiosk in good standing.
    pub fn enrolled(label: &str) -> Self {
        Self {
            label: label.to_owned(),
            revoked: None,
        }
    }
}

impl From<Device> for Standing {
    fn from(device: Device) -> Self {
        Self {
            label: device.label,
            revoked: device.revoked,
        }
    }
}

/// A revoked kiosk that had sent bundles for the event (« kiosque révoqué »).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevokedKiosk {
    /// The kiosk's device fingerprint.
    pub device: String,
    /// The label it was enrolled with.
    pub label: String,
    /// When and why it was revoked.
    #[serde(flatten)]
    pub revocation: Revocation,
    /// How many of its bundles the registry holds for the event (test-deck runs included).
    pub bundles: u64,
}

impl EventResults {
    /// Assembles an event's results from its stored bundles: for each kiosk, its newest real
    /// bundle; test-deck runs are counted apart and never shown as results; the bundles of a
    /// revoked kiosk are listed under it, never as results. `standing_of` gives a device
    /// fingerprint's enrolment, as the storage holds it now.
    pub fn assemble(
        header: EventHeader,
        rows: Vec<(BundleRow, BundleSummary)>,
        standing_of: impl Fn(&str) -> Standing,
    ) -> Self {
        let mut kiosks: Vec<KioskResults> = Vec::new();
        let mut revoked: Vec<RevokedKiosk> = Vec::new();
        let mut superseded = 0;
        let mut test_runs = 0;
        for (row, summary) in rows {
            if let Some(listed) = revoked.iter_mut().find(|r| r.device == row.device) {
                listed.bundles += 1;
                continue;
            }
            let standing = standing_of(&row.device);
            if let Some(revocation) = standing.revoked {
                revoked.push(RevokedKiosk {
                    device: row.device,
                    label: standing.label,
                    revocation,
                    bundles: 1,
                });
                continue;
            }
            if row.test || summary.test {
                test_runs += 1;
                continue;
            }
            match kiosks.iter_mut().find(|k| k.device == row.device) {
                Some(k) if k.seq >= row.seq => superseded += 1,
                Some(k) => {
                    superseded += 1;
                    *k = kiosk(row, summary, standing.label);
                }
                None => kiosks.push(kiosk(row, summary, standing.label)),
            }
        }
        kiosks.sort_by(|a, b| a.device.cmp(&b.device));
        let event = kiosks
            .iter()
            .max_by(|a, b| a.received.cmp(&b.received))
            .map(|k| k.summary.event.clone())
            .unwrap_or(header);
        revoked.sort_by(|a, b| a.device.cmp(&b.device));
        Self {
            event,
            kiosks,
            superseded,
            test_runs,
            revoked,
        }
    }
}

fn kiosk(row: BundleRow, summary: BundleSummary, label: String) -> KioskResults {
    KioskResults {
        label,
        device: row.device,
        bundle: row.digest,
        seq: row.seq,
        received: row.received,
        summary,
    }
}
