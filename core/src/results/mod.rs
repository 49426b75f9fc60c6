//! The content of a results bundle, how the kiosk lays it out, and how a verifier re-counts it.
//!
//! Files of a bundle (besides the manifest, signature and `device.pem`):
//!
//! | file | content |
//! |---|---|
//! | `event.json` | the event: title, place, polls and their rules |
//! | `attendance.json` | who was present, with their names, and the totals |
//! | `polls.json` | each poll's state and when it opened and closed |
//! | `polls/<id>/ballots.json` | a closed poll's ballot classes: one per content, of their total weight, sorted by content |
//! | `polls/<id>/result.json` | the counting context and the result |
//! | `audit.jsonl` | the audit chain |
//! | `package/manifest.json`, `manifest.sig`, `organiser.pem`, `event.json` | the organiser-signed part of the event package the kiosk loaded ([`crate::provenance`]) |
//!
//! Ballots are sorted by their canonical bytes, so their order says nothing about when they were
//! cast. Names of members present are included (the attendance sheet is a public record of
//! the assembly); e-mail addresses are not.

pub mod bounds;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::archive::Opened;
use crate::audit::{self, AuditEntry, AuditError, AuditEvent};
use crate::ballot::WeightedBallot;
use crate::event::{Event, EventError};
use crate::ids::{MemberId, PollId};
use crate::rules::Attendance;
use crate::tally::{self, PollResult, TallyContext, TallyError};
use crate::timestamp::Timestamp;

/// Manifest `type` of a real results bundle.
pub const KIND_RESULTS: &str = "results";
/// Manifest `type` of a test-deck run: checked like any other, never a real result.
pub const KIND_TEST: &str = "test-results";

/// A member who checked in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresentMember {
    /// The member.
    pub id: MemberId,
    /// « Prénom Nom ».
    pub name: String,
    /// Collective, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// When they first checked in.
    pub checked_in_at: Timestamp,
}

/// A proxy (pouvoir) in force at export time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxyRecord {
    /// The absent member.
    pub absent: MemberId,
    /// Their name.
    pub absent_name: String,
    /// The member holding the proxy.
    pub holder: MemberId,
    /// Their name.
    pub holder_name: String,
}

/// The attendance sheet (émargement) at export time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttendanceSheet {
    /// Members on the roster.
    pub members: u64,
    /// Sum of their weights.
    pub member_weight: u64,
    /// Members checked in, by id.
    pub present: Vec<PresentMember>,
    /// Proxies given, by absent member.
    pub proxies: Vec<ProxyRecord>,
    /// Totals at export time.
    pub totals: Attendance,
}

/// Where a poll stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PollState {
    /// Not opened yet.
    Pending,
    /// Voting in progress.
    Open,
    /// Closed, its sealed box waiting for the bureau's shares of the tally key (en attente de
    /// dépouillement): no result yet.
    AwaitingCount,
    /// Closed and counted.
    Closed,
}

/// A poll's state in `polls.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollStatus {
    /// The poll.
    pub poll: PollId,
    /// Its state.
    pub state: PollState,
    /// When it opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_at: Option<Timestamp>,
    /// When it closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<Timestamp>,
}

/// `polls/<id>/result.json`: what was counted with, and what came out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollRecord {
    /// Roster size, quorum rule and attendance at open and close.
    pub context: TallyContext,
    /// The result.
    pub result: PollResult,
}

impl PollRecord {
    /// The exact bytes written to `result.json`.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).expect("records always serialise");
        out.push(b'\n');
        out
    }
}

/// A closed poll, ready for export.
#[derive(Debug, Clone)]
pub struct ClosedPoll {
    /// Its ballot classes ([`crate::tally::classes_of`]: one per content, of their total
    /// weight), in any order (they are sorted on export): never one ballot beside its weight.
    pub ballots: Vec<WeightedBallot>,
    /// Context and result.
    pub record: PollRecord,
}

/// Everything a results bundle holds, before signing.
#[derive(Debug, Clone)]
pub struct ResultsContent {
    /// The event.
    pub event: Event,
    /// The attendance sheet.
    pub attendance: AttendanceSheet,
    /// Every poll's state, in the event's order.
    pub polls: Vec<PollStatus>,
    /// Closed polls' ballots and results.
    pub closed: BTreeMap<PollId, ClosedPoll>,
    /// The audit chain.
    pub audit: Vec<AuditEntry>,
    /// The organiser-signed part of the package the kiosk loaded.
    pub package: crate::package::PackageProof,
}

fn pretty<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(value).expect("plain data always serialises");
    out.push(b'\n');
    out
}

/// Ballots sorted by content, one per line, as written to `ballots.json`.
pub fn ballots_file(ballots: &[WeightedBallot]) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = ballots.iter().map(|b| b.canonical_bytes()).collect();
    lines.sort_unstable();
    let mut out = b"[\n".to_vec();
    for (i, line) in lines.iter().enumerate() {
        out.extend_from_slice(line);
        if i + 1 < lines.len() {
            out.push(b',');
        }
        out.push(b'\n');
    }
    out.extend_from_slice(b"]\n");
    out
}

impl ResultsContent {
    /// The data files of the bundle.
    pub fn to_files(&self) -> BTreeMap<String, Vec<u8>> {
        let mut files = BTreeMap::new();
        files.insert("event.json".into(), pretty(&self.event));
        files.insert("attendance.json".into(), pretty(&self.attendance));
        files.insert("polls.json".into(), pretty(&self.polls));
        for (id, closed) in &self.closed {
            files.insert(
                format!("polls/{id}/ballots.json"),
                ballots_file(&closed.ballots),
            );
            files.insert(
                format!("polls/{id}/result.json"),
                closed.record.canonical_bytes(),
            );
        }
        files.insert(
            "audit.jsonl".into(),
            audit::to_jsonl(&self.audit).into_bytes(),
        );
        for (name, bytes) in self.package.files() {
            files.insert(name, bytes.to_vec());
        }
        files
    }
}

/// Why a bundle's content does not hold up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResultsError {
    /// A required file is missing.
    #[error("the bundle has no {0}")]
    Missing(String),
    /// A file that should not be there.
    #[error("the bundle holds an unexpected file {0}")]
    Unexpected(String),
    /// A file is not the JSON it should be.
    #[error("{file} is not readable: {reason}")]
    Unreadable {
        /// The file.
        file: String,
        /// Why.
        reason: String,
    },
    /// The event description is invalid.
    #[error("event.json is not valid: {0}")]
    Event(#[from] EventError),
    /// The manifest and the event disagree.
    #[error("the manifest is for event {manifest}, but event.json describes {event}")]
    EventMismatch {
        /// In the manifest.
        manifest: String,
        /// In event.json.
        event: String,
    },
    /// The audit chain is broken.
    #[error("the audit chain is broken: {0}")]
    Audit(#[from] AuditError),
    /// `polls.json` does not list the event's polls.
    #[error("polls.json does not match the event's polls")]
    PollList,
    /// A poll's ballots are not in canonical order (they could reveal casting order).
    #[error("the ballots of poll {0} are not sorted by content")]
    Unsorted(PollId),
    /// A poll's ballot classes repeat a content, or cannot hold the number of ballots stated.
    #[error(
        "poll {0}: the ballot classes repeat a content or cannot hold the number of ballots its result states"
    )]
    Classes(PollId),
    /// A ballot is malformed.
    #[error("poll {poll}: {error}")]
    Tally {
        /// The poll.
        poll: PollId,
        /// The engine's error.
        error: TallyError,
    },
    /// The stated result differs from the re-count.
    #[error("poll {0}: the stated result differs from the re-count")]
    ResultMismatch(PollId),
    /// The counting context disagrees with the audit chain.
    #[error("poll {poll}: {what} disagrees with the audit chain")]
    AuditMismatch {
        /// The poll.
        poll: PollId,
        /// What disagrees.
        what: &'static str,
    },
    /// The attendance sheet disagrees with itself or the audit chain.
    #[error("attendance.json: {0}")]
    Attendance(&'static str),
    /// The manifest's type is neither results nor a test-deck run.
    #[error("the manifest's type « {0} » is neither « results » nor « test-results »")]
    UnknownKind(String),
    /// The manifest's sequence number or type is not the export the audit chain ends with.
    #[error(
        "the manifest says export {seq} ({kind}), but the audit chain does not end with that export"
    )]
    ExportMismatch {
        /// The manifest's sequence number.
        seq: u64,
        /// The manifest's type.
        kind: String,
    },
    /// A member checked in (or a proxy given) who is neither on the organiser's roster nor
    /// registered at the door.
    #[error("member {0} is neither on the organiser's roster nor registered at the door")]
    NotOnRoster(MemberId),
    /// A poll's ballots weigh more than the members who could have cast them.
    #[error(
        "poll {poll}: its ballots weigh {weight}, but the members checked in or represented before it closed weigh {voters}"
    )]
    MoreWeightThanVoters {
        /// The poll.
        poll: PollId,
        /// The total weight of its ballots.
        weight: u64,
        /// The weight of the members who could vote.
        voters: u64,
    },
    /// The event is not shown to be the organiser's.
    #[error(transparent)]
    Provenance(#[from] crate::provenance::ProvenanceError),
    /// A poll holds more ballots than people could have cast.
    #[error(
        "poll {poll}: {ballots} ballots, but only {voters} members checked in or were represented before it closed"
    )]
    MoreBallotsThanVoters {
        /// The poll.
        poll: PollId,
        /// The ballots its result states.
        ballots: u64,
        /// Members checked in, and absent members whose proxy was granted, before its close.
        voters: u64,
    },
}

/// A bundle whose content was re-counted and found consistent.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The event.
    pub event: Event,
    /// Whether it is a test-deck run.
    pub test: bool,
    /// The attendance sheet.
    pub attendance: AttendanceSheet,
    /// Poll states.
    pub polls: Vec<PollStatus>,
    /// Re-counted results of closed polls.
    pub results: BTreeMap<PollId, PollRecord>,
    /// The audit chain.
    pub audit: Vec<AuditEntry>,
    /// The organiser's package the event comes from, and which polls the kiosk wrote.
    pub provenance: crate::provenance::Provenance,
}

fn parse<T: for<'de> Deserialize<'de>>(
    files: &BTreeMap<String, Vec<u8>>,
    name: &str,
) -> Result<T, ResultsError> {
    let bytes = files
        .get(name)
        .ok_or_else(|| ResultsError::Missing(name.into()))?;
    serde_json::from_slice(bytes).map_err(|e| ResultsError::Unreadable {
        file: name.into(),
        reason: e.to_string(),
    })
}

/// Re-checks a signature-verified bundle: event, audit chain, every ballot, every poll's count
/// and its quorum and majority arithmetic, and attendance against the audit chain.
pub fn verify(opened: &Opened) -> Result<Verified, ResultsError> {
    verify_with_roster(opened, None)
}

/// Re-checks a bundle as [`verify`] does and, when the verifier holds the roster of the package
/// the bundle ran (a registry that published it, `urne verify --package`), against it too
/// ([`bounds`]): who checked in, the roster's size and weight, and each poll's weight.
pub fn verify_with_roster(
    opened: &Opened,
    roster: Option<&crate::event::Roster>,
) -> Result<Verified, ResultsError> {
    let files = &opened.files;
    let event: Event = parse(files, "event.json")?;
    event.validate()?;
    if event.id != opened.manifest.event {
        return Err(ResultsError::EventMismatch {
            manifest: opened.manifest.event.to_string(),
            event: event.id.to_string(),
        });
    }
    let audit_text = files
        .get("audit.jsonl")
        .ok_or_else(|| ResultsError::Missing("audit.jsonl".into()))?;
    let audit_text = std::str::from_utf8(audit_text).map_err(|_| ResultsError::Unreadable {
        file: "audit.jsonl".into(),
        reason: "not UTF-8".into(),
    })?;
    let audit = audit::parse_jsonl(audit_text)?;
    audit::verify_chain(&audit)?;
    let test = check_export(&opened.manifest, &audit)?;
    let provenance = crate::provenance::check(files, &event, &audit)?;

    let attendance: AttendanceSheet = parse(files, "attendance.json")?;
    check_attendance(&attendance, &audit)?;
    if let Some(roster) = roster {
        bounds::check_roster(&attendance, &audit, roster)?;
    }

    let polls: Vec<PollStatus> = parse(files, "polls.json")?;
    let listed: Vec<&PollId> = polls.iter().map(|p| &p.poll).collect();
    let defined: Vec<&PollId> = event.polls.iter().map(|p| &p.id).collect();
    if listed != defined {
        return Err(ResultsError::PollList);
    }

    let mut expected_files: BTreeSet<String> = ["event.json", "attendance.json", "polls.json"]
        .into_iter()
        .chain(["audit.jsonl"])
        .map(String::from)
        .chain(crate::package::PackageProof::file_names())
        .collect();
    let mut results = BTreeMap::new();
    for status in polls.iter().filter(|s| s.state == PollState::Closed) {
        let id = &status.poll;
        let poll = event.poll(id).ok_or(ResultsError::PollList)?;
        let ballots_name = format!("polls/{id}/ballots.json");
        let result_name = format!("polls/{id}/result.json");
        let classes: Vec<WeightedBallot> = parse(files, &ballots_name)?;
        if files.get(&ballots_name).map(Vec::as_slice) != Some(ballots_file(&classes).as_slice()) {
            return Err(ResultsError::Unsorted(id.clone()));
        }
        let stated: PollRecord = parse(files, &result_name)?;
        // The number of ballots is the one the result states, which the audit chain's close
        // must confirm, and which no more people than could vote may have cast: both before any
        // re-count, whose work a forger chooses. The classes must be able to hold it.
        let voters = check_poll_against_audit(id, &stated, &attendance, &audit)?;
        if let Some(roster) = roster {
            bounds::check_weight(id, &classes, &voters, &audit, roster)?;
        }
        let recounted =
            tally::tally_classes(poll, &classes, stated.result.ballots, &stated.context).map_err(
                |e| match e {
                    tally::ClassesError::Tally(error) => ResultsError::Tally {
                        poll: id.clone(),
                        error,
                    },
                    tally::ClassesError::NotClasses => ResultsError::Classes(id.clone()),
                },
            )?;
        let record = PollRecord {
            context: stated.context,
            result: recounted,
        };
        if files.get(&result_name).map(Vec::as_slice) != Some(record.canonical_bytes().as_slice()) {
            return Err(ResultsError::ResultMismatch(id.clone()));
        }
        expected_files.insert(ballots_name);
        expected_files.insert(result_name);
        results.insert(id.clone(), record);
    }
    if let Some(extra) = files.keys().find(|f| !expected_files.contains(*f)) {
        return Err(ResultsError::Unexpected(extra.clone()));
    }
    Ok(Verified {
        event,
        test,
        attendance,
        polls,
        results,
        audit,
        provenance,
    })
}

/// Whether the bundle is a test-deck run: its manifest's type, which must be one of the two, and
/// which with its sequence number must be the export the signed audit chain ends with (the
/// kiosk records the export, then seals). A test-deck run re-signed as results, or an old
/// export re-signed with a new number, is refused.
fn check_export(
    manifest: &crate::archive::Manifest,
    audit: &[AuditEntry],
) -> Result<bool, ResultsError> {
    let test = match manifest.kind.as_str() {
        KIND_RESULTS => false,
        KIND_TEST => true,
        other => return Err(ResultsError::UnknownKind(other.to_owned())),
    };
    match audit.last().map(|e| &e.event) {
        Some(AuditEvent::Exported { seq, test: t }) if *seq == manifest.seq && *t == test => {
            Ok(test)
        }
        _ => Err(ResultsError::ExportMismatch {
            seq: manifest.seq,
            kind: manifest.kind.clone(),
        }),
    }
}

fn check_attendance(sheet: &AttendanceSheet, audit: &[AuditEntry]) -> Result<(), ResultsError> {
    let mut present = BTreeSet::new();
    let mut grants = BTreeMap::new();
    for entry in audit {
        match &entry.event {
            AuditEvent::CheckIn { member } => {
                present.insert(*member);
            }
            AuditEvent::CheckOut { member } | AuditEvent::CheckInUndone { member } => {
                present.remove(member);
            }
            AuditEvent::ProxyGranted { absent, holder } => {
                grants.insert(*absent, *holder);
            }
            AuditEvent::ProxyRevoked { absent } => {
                grants.remove(absent);
            }
            _ => {}
        }
    }
    let proxies = crate::proxy::ProxyBook::from_grants(grants);
    let listed: BTreeSet<MemberId> = sheet.present.iter().map(|m| m.id).collect();
    if listed.len() != sheet.present.len() {
        return Err(ResultsError::Attendance("a member is listed twice"));
    }
    if listed != present {
        return Err(ResultsError::Attendance(
            "the list of members present does not match the check-ins of the audit chain",
        ));
    }
    let listed_proxies: BTreeMap<MemberId, MemberId> =
        sheet.proxies.iter().map(|p| (p.absent, p.holder)).collect();
    if listed_proxies.len() != sheet.proxies.len() || &listed_proxies != proxies.grants() {
        return Err(ResultsError::Attendance(
            "the proxies listed do not match those of the audit chain",
        ));
    }
    if proxies.attendance(&present) != sheet.totals {
        return Err(ResultsError::Attendance(
            "the totals do not match the members present and the proxies",
        ));
    }
    Ok(())
}

/// Checks a poll's counting context and ballot count against the chain; returns who could
/// have voted in it.
fn check_poll_against_audit(
    id: &PollId,
    record: &PollRecord,
    sheet: &AttendanceSheet,
    audit: &[AuditEntry],
) -> Result<BTreeSet<MemberId>, ResultsError> {
    let mismatch = |what| ResultsError::AuditMismatch {
        poll: id.clone(),
        what,
    };
    if record.context.members != sheet.members
        || record.context.member_weight != sheet.member_weight
    {
        return Err(mismatch("the number of members"));
    }
    let opened = audit.iter().rev().find_map(|e| match &e.event {
        AuditEvent::PollOpened { poll, attendance } if poll == id => Some(*attendance),
        _ => None,
    });
    if opened != Some(record.context.at_open) {
        return Err(mismatch("the attendance at opening"));
    }
    let closed = audit
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, e)| match &e.event {
            AuditEvent::PollClosed {
                poll,
                attendance,
                ballots,
                ..
            } if poll == id => Some((i, *attendance, *ballots)),
            _ => None,
        });
    let Some((closed_at, attendance, ballots)) = closed else {
        return Err(mismatch("the attendance or ballot count at closing"));
    };
    if (attendance, ballots) != (record.context.at_close, record.result.ballots) {
        return Err(mismatch("the attendance or ballot count at closing"));
    }
    // Whoever checked in before the close (even if they left before it), and every absent
    // member whose proxy was granted before it: nobody else can have cast a ballot.
    let mut voters = BTreeSet::new();
    for entry in &audit[..closed_at] {
        match &entry.event {
            AuditEvent::CheckIn { member } => {
                voters.insert(*member);
            }
            AuditEvent::ProxyGranted { absent, .. } => {
                voters.insert(*absent);
            }
            _ => {}
        }
    }
    let count = u64::try_from(voters.len()).unwrap_or(u64::MAX);
    if record.result.ballots > count {
        return Err(ResultsError::MoreBallotsThanVoters {
            poll: id.clone(),
            ballots: record.result.ballots,
            voters: count,
        });
    }
    Ok(voters)
}
