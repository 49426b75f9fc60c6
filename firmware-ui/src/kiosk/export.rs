//! The export: everything a bundle holds, gathered from the store, sealed with the device key,
//! verified, and written to the stick with its procès-verbal and attendance sheet.

use std::path::PathBuf;

use urne_core::audit::AuditEvent;
use urne_core::crypto::Sha256Digest;
use urne_core::ids::MemberId;
use urne_core::results::{
    AttendanceSheet, ClosedPoll, PollRecord, PollState, PollStatus, PresentMember, ProxyRecord,
    ResultsContent,
};
use urne_core::tally::Lang;

use super::{Kiosk, KioskError};
use crate::clock::Clock;
use crate::store::StoreError;

/// A finished export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    /// Where the bundle was written.
    pub path: PathBuf,
    /// Its file name.
    pub file_name: String,
    /// SHA-256 of the file.
    pub digest: Sha256Digest,
    /// Its sequence number.
    pub seq: u64,
    /// Every file written: the bundle, the procès-verbal, the attendance sheet.
    pub files: Vec<PathBuf>,
}

impl Kiosk {
    /// Builds everything a bundle holds, from the store (the export seals it; benchmarks seal it
    /// many times over).
    pub fn results_content(&self) -> Result<ResultsContent, KioskError> {
        let event = self.current()?.clone();
        let roster = &self.roster;
        let present = self
            .store
            .present()?
            .into_iter()
            .map(|(id, at)| {
                let member = roster.member(&id);
                PresentMember {
                    id,
                    name: member.map(|m| m.display_name()).unwrap_or_default(),
                    group: member.and_then(|m| m.group.clone()),
                    checked_in_at: at,
                }
            })
            .collect::<Vec<_>>();
        let name_of = |id: &MemberId| {
            roster
                .member(id)
                .map(|m| m.display_name())
                .unwrap_or_default()
        };
        let proxies = self
            .store
            .proxies()?
            .into_iter()
            .map(|(absent, holder)| ProxyRecord {
                absent,
                absent_name: name_of(&absent),
                holder,
                holder_name: name_of(&holder),
            })
            .collect();
        let attendance = AttendanceSheet {
            members: u64::try_from(roster.len()).unwrap_or(u64::MAX),
            member_weight: roster.total_weight(),
            totals: self.attendance()?,
            present,
            proxies,
        };
        let states = self.store.polls()?;
        let mut polls = Vec::new();
        let mut closed = std::collections::BTreeMap::new();
        for poll in &event.polls {
            let row = states.get(&poll.id);
            polls.push(PollStatus {
                poll: poll.id.clone(),
                state: row.map_or(PollState::Pending, crate::store::PollRow::state),
                opened_at: row.map(|r| r.opened_at),
                closed_at: row.and_then(|r| r.closed_at),
            });
            if let Some(row) = row.filter(|r| r.closed && !r.awaiting_count()) {
                let context = row
                    .context
                    .ok_or_else(|| StoreError::Corrupt("closed poll without context".into()))?;
                let (ballots, result) = self.counted_box(&poll.id, &context)?;
                closed.insert(
                    poll.id.clone(),
                    ClosedPoll {
                        ballots,
                        record: PollRecord { context, result },
                    },
                );
            }
        }
        Ok(ResultsContent {
            event,
            attendance,
            polls,
            closed,
            audit: self.store.audit_chain()?,
            package: self.loaded()?.proof.clone(),
        })
    }

    /// Exports the signed results bundle, its procès-verbal (PDF, in French) and its
    /// attendance sheet (CSV) to the export target (organiser). See [`Kiosk::export_in`].
    pub fn export(&mut self, test: bool) -> Result<Exported, KioskError> {
        self.export_in(test, Lang::Fr)
    }

    /// Exports the signed results bundle, then its procès-verbal and attendance sheet in `lang`.
    /// The export is recorded, with its upload queued, before any file is written: if the
    /// stick is full, read-only or pulled out, the results are still on the kiosk, the error
    /// says so, and a later export (with the next sequence number) writes everything again.
    /// The bundle goes first, so that the signed record is on the stick even if the papers do
    /// not fit; every file is written atomically and read back.
    pub fn export_in(&mut self, test: bool, lang: Lang) -> Result<Exported, KioskError> {
        self.require_organiser()?;
        self.require_records_here()?;
        let now = self.clock.now();
        let seq = self.next_export_seq()?;
        self.store.audit(now, AuditEvent::Exported { seq, test })?;
        let content = self.results_content()?;
        let sealed = urne_codec::bundle::seal(&content, self.device.as_ref(), seq, now, test)
            .map_err(|e| KioskError::Seal(e.to_string()))?;
        // The kiosk verifies its own bundle (as `urne verify` would) before printing anything
        // from it. A bundle that does not verify (a database edited behind the kiosk's back)
        // still goes to the stick and the registry — hiding it would hide the tampering — but
        // no procès-verbal is printed for it.
        let (files, unverifiable) = match urne_papers::export::export_files(&sealed, lang) {
            Ok(files) => (files, None),
            Err(e) => {
                tracing::error!(seq, error = %e, "the exported bundle does not verify");
                (
                    vec![(sealed.file_name.clone(), sealed.bytes.clone())],
                    Some(e.to_string()),
                )
            }
        };
        self.store.record_export(
            seq,
            &sealed.file_name,
            &sealed.digest.to_hex(),
            test,
            now,
            &sealed.bytes,
        )?;
        let mut paths = Vec::with_capacity(files.len());
        for (name, bytes) in &files {
            match self.usb.write_file(name, bytes) {
                Ok(path) => paths.push(path),
                Err(e) => {
                    // Only what happened to the files is logged, never their content.
                    tracing::warn!(seq, file = %name, error = %e, "export not completed");
                    return Err(e.into());
                }
            }
        }
        if let Some(reason) = unverifiable {
            return Err(KioskError::Unverifiable(reason));
        }
        tracing::info!(seq, digest = %sealed.digest, "export written");
        Ok(Exported {
            path: paths[0].clone(),
            file_name: sealed.file_name,
            digest: sealed.digest,
            seq,
            files: paths,
        })
    }

    pub(super) fn next_export_seq(&self) -> Result<u64, KioskError> {
        let audited = self
            .store
            .audit_chain()?
            .iter()
            .filter_map(|e| match e.event {
                AuditEvent::Exported { seq, .. } => Some(seq),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        Ok(self.store.next_export_seq()?.max(audited + 1))
    }
}
