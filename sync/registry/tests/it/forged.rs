//! What a copied device key could forge, tried against `urne verify` and the registry alike:
//! both run urne-core's one verifier. Measured before: a test-deck run re-signed as `results` was
//! published as real results (its chain still said `exported {test: true}`), an old export
//! re-signed with a new sequence number went in, 500 ballots in a poll of an evening where
//! 52 people could vote verified and were published, and an event the organiser never wrote
//! (« Assemblée annulée », a motion to dissolve the association) was published under the
//! enrolled organiser's name once the chain's `package-loaded` entry named their fingerprint.

use std::sync::Arc;

use urne_codec::{bundle, verify};
use urne_core::archive;
use urne_core::audit::{AuditEntry, AuditEvent};
use urne_core::ballot::{Ballot, MotionChoice, WeightedBallot};
use urne_core::crypto::SecretKey;
use urne_core::ids::PollId;
use urne_core::provenance::ProvenanceError;
use urne_core::results::ResultsError;
use urne_core::tally;
use urne_registry::{Limits, Refusal, Registry, RegistryStore, SqliteStore};

use super::registry_pages::{
    clock, content_of, edit_on_kiosk, organiser_key, package_signed_by, rechain, sample,
    sample_key, seal,
};

const EVENT: &str = "bellevue-2026-12-05";

/// A registry with the sample kiosk and the demo organiser enrolled.
pub(super) fn registry(dir: &std::path::Path) -> Registry {
    registry_with(dir, Limits::default())
}

/// The same, with `limits`.
pub(super) fn registry_with(dir: &std::path::Path, limits: Limits) -> Registry {
    let store = Arc::new(SqliteStore::open(&dir.join("registry.sqlite")).unwrap());
    store.enrol("Kiosque", &sample_key().public()).unwrap();
    store
        .assign(
            EVENT,
            &sample_key().public().fingerprint(),
            "2026-12-01T10:00:00Z",
        )
        .unwrap();
    store
        .enrol_organiser(EVENT, "Bureau", &organiser_key().public())
        .unwrap();
    Registry::new(store, SecretKey::from_seed(&[7; 32]), clock, limits)
}

/// The same refusal from `urne verify` and from the registry, which stores nothing.
fn refused_by_both(bytes: &[u8]) -> ResultsError {
    let by_verify = match verify::verify(bytes, None) {
        Err(verify::VerifyError::Content(e)) => e,
        other => panic!("urne verify accepted a forgery: {:?}", other.map(|r| r.seq)),
    };
    let dir = tempfile::tempdir().unwrap();
    let registry = registry(dir.path());
    match registry.receive(bytes) {
        Err(Refusal::Content(e)) => assert_eq!(e, by_verify),
        other => panic!("the registry accepted a forgery: {other:?}"),
    }
    assert_eq!(registry.store().bundle_count().unwrap(), 0);
    by_verify
}

#[test]
fn the_sample_and_honest_reseals_still_verify() {
    let dir = tempfile::tempdir().unwrap();
    let registry = registry(dir.path());
    registry.receive(&sample()).unwrap();
    let (content, _) = content_of(&sample());
    let again = seal(&content, 2, false);
    registry.receive(&again).unwrap();
    assert!(
        verify::verify(&seal(&content, 3, true), None)
            .unwrap()
            .content
            .test
    );
}

#[test]
fn a_test_deck_run_resigned_as_results_is_refused() {
    let (content, _) = content_of(&sample());
    // The honest test deck: its chain ends with `exported {seq: 3, test: true}`.
    let deck = seal(&content, 3, true);
    let (deck_content, created) = content_of(&deck);
    assert!(matches!(
        deck_content.audit.last().unwrap().event,
        AuditEvent::Exported { seq: 3, test: true }
    ));
    // Re-signed with a copied device key as real results.
    let forged = bundle::seal(&deck_content, &sample_key(), 3, created, false)
        .unwrap()
        .bytes;
    let error = refused_by_both(&forged);
    assert!(
        matches!(error, ResultsError::ExportMismatch { seq: 3, .. }),
        "{error}"
    );
}

#[test]
fn an_export_resigned_with_another_sequence_number_is_refused() {
    let (content, created) = content_of(&sample());
    let forged = bundle::seal(&content, &sample_key(), 7, created, false)
        .unwrap()
        .bytes;
    let error = refused_by_both(&forged);
    assert_eq!(
        error,
        ResultsError::ExportMismatch {
            seq: 7,
            kind: "results".into()
        }
    );
}

#[test]
fn more_ballots_than_people_who_could_vote_are_refused() {
    let (mut content, _) = content_of(&sample());
    let poll = PollId::new("charte").unwrap();
    let definition = content.event.poll(&poll).unwrap().clone();
    // 500 « pour » in one class, the result counted from them and the close rewritten to match:
    // everything agrees with itself, and 52 people could vote.
    let closed = content.closed.get_mut(&poll).unwrap();
    closed.ballots = vec![WeightedBallot {
        ballot: Ballot::Motion(MotionChoice::For),
        weight: 500,
    }];
    closed.record.result =
        tally::tally_classes(&definition, &closed.ballots, 500, &closed.record.context).unwrap();
    for entry in &mut content.audit {
        if let AuditEvent::PollClosed {
            poll: p, ballots, ..
        } = &mut entry.event
            && *p == poll
        {
            *ballots = 500;
        }
    }
    rechain(&mut content);
    let error = refused_by_both(&seal(&content, 2, false));
    assert_eq!(
        error,
        ResultsError::MoreBallotsThanVoters {
            poll,
            ballots: 500,
            voters: 52
        }
    );
}

#[test]
fn a_ranking_of_four_thousand_candidates_is_refused_before_any_count() {
    let (mut content, _) = content_of(&sample());
    let ranking = content
        .event
        .polls
        .iter_mut()
        .find(|p| matches!(p.kind, urne_core::poll::PollKind::Ranking { .. }))
        .unwrap();
    let urne_core::poll::PollKind::Ranking { candidates } = &mut ranking.kind else {
        unreachable!()
    };
    let first = candidates[0].clone();
    *candidates = (0..4000)
        .map(|i| urne_core::poll::PollOption {
            id: urne_core::ids::OptionId::new(format!("c{i}")).unwrap(),
            label: first.label.clone(),
        })
        .collect();
    let started = std::time::Instant::now();
    let error = refused_by_both(&seal(&content, 2, false));
    assert!(
        error.to_string().contains("at most 64 options"),
        "{error} after {:?}",
        started.elapsed()
    );
}

/// The attack of the issue: the event's header and a motion rewritten, the chain re-hashed,
/// signed with the copied device key. The organiser's signed package in the bundle says
/// otherwise.
#[test]
fn an_event_the_organiser_never_wrote_is_refused() {
    let (content, _) = content_of(&sample());
    let mut cancelled = content.clone();
    cancelled.event.title = "Assemblée annulée — les résultats officiels sont sur http://…".into();
    rechain(&mut cancelled);
    assert_eq!(
        refused_by_both(&seal(&cancelled, 2, false)),
        ResultsError::Provenance(ProvenanceError::Header)
    );

    let mut dissolved = content.clone();
    dissolved.event.polls[0].question = "Dissoudre l'association".into();
    rechain(&mut dissolved);
    assert_eq!(
        refused_by_both(&seal(&dissolved, 2, false)),
        ResultsError::Provenance(ProvenanceError::Poll(dissolved.event.polls[0].id.clone()))
    );

    // Another event's package carried instead, or none: the chain must record loading it.
    let mut stripped = content.clone();
    stripped.package.event = b"{}".to_vec();
    assert!(matches!(
        refused_by_both(&seal(&stripped, 2, false)),
        ResultsError::Provenance(ProvenanceError::Package(_))
    ));
}

/// The forger signs a package of their own with the wording they want, and points the chain's
/// `package-loaded` entry at it: `urne verify` names that key (it is not the organiser's), and
/// the registry, which knows the enrolled organiser, refuses it.
#[test]
fn a_package_signed_by_another_key_is_named_and_refused_by_the_registry() {
    let (mut content, _) = content_of(&sample());
    let forger = SecretKey::from_seed(&[0x66; 32]);
    content.event.title = "Assemblée annulée".into();
    package_signed_by(&mut content, &forger);
    let forged = seal(&content, 2, false);
    let report = verify::verify(&forged, None).unwrap();
    assert_eq!(
        report.content.provenance.organiser,
        forger.public().fingerprint(),
        "urne verify names the key that signed the event"
    );
    let dir = tempfile::tempdir().unwrap();
    let registry = registry(dir.path());
    assert!(matches!(
        registry.receive(&forged),
        Err(Refusal::ForeignPackage { signer, .. }) if signer == forger.public().fingerprint()
    ));
    assert_eq!(registry.store().bundle_count().unwrap(), 0);
}

/// A poll written on the kiosk before it opened counts, and is known as the kiosk's; the same
/// poll changed after it opened does not.
#[test]
fn a_poll_written_on_the_kiosk_counts_only_as_recorded_before_it_opened() {
    let (mut content, _) = content_of(&sample());
    edit_on_kiosk(&mut content, 0, |p| {
        p.question = "Adopter la charte amendée ?".into()
    });
    let bytes = seal(&content, 2, false);
    let report = verify::verify(&bytes, None).unwrap();
    let id = content.event.polls[0].id.clone();
    assert!(report.content.provenance.kiosk_polls.contains(&id));
    assert_eq!(report.content.provenance.kiosk_polls.len(), 1);
    // The page says so beside that poll, and only that one.
    let dir = tempfile::tempdir().unwrap();
    let registry = registry(dir.path());
    registry.receive(&bytes).unwrap();
    let html = urne_registry::pages::results(&registry.results(EVENT).unwrap());
    assert_eq!(html.matches("créé sur le kiosque").count(), 1, "{html}");
    let article = &html[html.find("Adopter la charte amendée ?").unwrap()..];
    let next = article.find("<article").unwrap_or(article.len());
    assert!(article[..next].contains("créé sur le kiosque"));

    // The same edit recorded after the poll opened: the wording voted on is not that one.
    let (mut late, _) = content_of(&sample());
    late.event.polls[0].question = "Adopter la charte amendée ?".into();
    let definition = late.event.polls[0].definition_digest();
    let at = late.audit.last().unwrap().at;
    late.audit.push(AuditEntry::next(
        late.audit.last(),
        at,
        AuditEvent::PollEdited {
            poll: id.clone(),
            definition,
        },
    ));
    assert_eq!(
        refused_by_both(&seal(&late, 2, false)),
        ResultsError::Provenance(ProvenanceError::Poll(id))
    );
}

/// Measured before: a sequence number above what SQLite's signed integers hold failed the
/// store, and the registry answered 500.
#[test]
fn a_sequence_number_past_what_the_store_holds_is_refused() {
    let (content, _) = content_of(&sample());
    let bytes = seal(&content, u64::MAX, false);
    assert!(
        verify::verify(&bytes, None).is_ok(),
        "the bundle itself holds"
    );
    let dir = tempfile::tempdir().unwrap();
    let registry = registry(dir.path());
    assert!(matches!(
        registry.receive(&bytes),
        Err(Refusal::SequenceTooLarge(u64::MAX))
    ));
    assert_eq!(registry.store().bundle_count().unwrap(), 0);
}

/// The files of the sample bundle, as the kiosk wrote them.
fn sample_files() -> Vec<(String, Vec<u8>)> {
    urne_codec::tarball::read(&sample()).unwrap()
}

/// `files` in a tar written by the `tar` crate's defaults, with `prefix` before every name and,
/// if asked, a directory entry first: a container any tar reads, but not the kiosk's.
fn retarred(files: &[(String, Vec<u8>)], prefix: &str, directory: bool) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    if directory {
        let mut header = tar::Header::new_ustar();
        header.set_entry_type(tar::EntryType::Directory);
        header.set_size(0);
        header.set_mode(0o755);
        header.set_cksum();
        builder
            .append_data(&mut header, "polls/", std::io::empty())
            .unwrap();
    }
    for (name, bytes) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, format!("{prefix}{name}"), bytes.as_slice())
            .unwrap();
    }
    builder.into_inner().unwrap()
}

/// One content, one SHA-256: the same signed files in another container are refused by
/// `urne verify` and the registry alike, and so is a manifest re-spaced and re-signed.
#[test]
fn only_the_canonical_container_and_manifest_are_accepted() {
    let files = sample_files();
    let mut trailing = sample();
    trailing.extend_from_slice(b"and then some bytes nobody signed");
    let mut padded = sample();
    padded.extend_from_slice(&[0; 1024]);
    for (what, bytes) in [
        ("./ names", retarred(&files, "./", false)),
        ("a directory entry", retarred(&files, "", true)),
        ("other headers", retarred(&files, "", false)),
        ("trailing bytes", trailing),
        ("trailing zero blocks", padded),
    ] {
        assert!(
            matches!(
                verify::verify(&bytes, None),
                Err(verify::VerifyError::Open(bundle::OpenError::NotCanonical))
                    | Err(verify::VerifyError::Open(bundle::OpenError::Tar(_)))
            ),
            "urne verify accepts {what}"
        );
        let dir = tempfile::tempdir().unwrap();
        let registry = registry(dir.path());
        assert!(
            matches!(
                registry.receive(&bytes),
                Err(Refusal::NotCanonical { .. } | Refusal::NotATar { .. })
            ),
            "the registry accepts {what}"
        );
    }

    // The manifest as compact JSON, signed again with the (copied) device key.
    let mut respaced = files.clone();
    let manifest: archive::Manifest = serde_json::from_slice(&files[0].1).unwrap();
    let compact = serde_json::to_vec(&manifest).unwrap();
    respaced[1].1 = sample_key().sign(&compact).to_vec();
    respaced[0].1 = compact;
    let bytes = urne_codec::tarball::write(&respaced, 1_796_501_643);
    assert!(matches!(
        verify::verify(&bytes, None),
        Err(verify::VerifyError::Open(bundle::OpenError::Archive(
            archive::ArchiveError::NonCanonicalManifest
        )))
    ));
}

/// An enrolled kiosk sends results only for the events it is assigned to.
#[test]
fn a_bundle_for_an_event_the_kiosk_is_not_assigned_to_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let registry = registry(dir.path());
    let device = sample_key().public().fingerprint();
    assert!(registry.store().unassign(EVENT, &device).unwrap());
    match registry.receive(&sample()) {
        Err(Refusal::NotAssigned { device: d, event }) => {
            assert_eq!((d, event.as_str()), (device, EVENT));
        }
        other => panic!("an unassigned kiosk's bundle was answered {other:?}"),
    }
    assert_eq!(registry.store().bundle_count().unwrap(), 0);
}

/// The demo package the sample ran, as its organiser published it.
fn demo_package() -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/assemblee-demo.urnepkg"),
    )
    .unwrap()
}

/// With the package the kiosk ran published, the registry bounds a bundle by the organiser's
/// roster: measured before, ten times the weight of the people who could vote went in, and so
/// did a check-in of someone on no roster, as long as the chain agreed with itself.
#[test]
fn with_the_published_package_the_roster_bounds_the_weights_and_the_check_ins() {
    let dir = tempfile::tempdir().unwrap();
    let registry = registry(dir.path());
    registry.publish(&demo_package()).unwrap();
    registry.receive(&sample()).unwrap();

    // Each ballot class of a closed poll weighs ten times more; the number of ballots, the
    // chain's close and the re-count all agree.
    let (mut heavy, _) = content_of(&sample());
    let poll = PollId::new("charte").unwrap();
    let definition = heavy.event.poll(&poll).unwrap().clone();
    let closed = heavy.closed.get_mut(&poll).unwrap();
    for class in &mut closed.ballots {
        class.weight *= 10;
    }
    closed.record.result = tally::tally_classes(
        &definition,
        &closed.ballots,
        closed.record.result.ballots,
        &closed.record.context,
    )
    .unwrap();
    let bytes = seal(&heavy, 2, false);
    assert!(
        verify::verify(&bytes, None).is_ok(),
        "alone, the bundle agrees with itself"
    );
    match registry.receive(&bytes) {
        Err(Refusal::Content(ResultsError::MoreWeightThanVoters {
            poll: p,
            weight,
            voters,
        })) => {
            assert_eq!(p, poll);
            assert!(weight > voters, "{weight} > {voters}");
        }
        other => panic!("ten times the weight went in: {other:?}"),
    }

    // Someone on no roster checked in at the door without being registered there.
    let (mut stranger, _) = content_of(&sample());
    let nobody = urne_core::ids::MemberId::from_bytes([0xEE; 16]);
    let at = stranger.audit[3].at;
    stranger.audit.insert(
        3,
        AuditEntry::next(None, at, AuditEvent::CheckIn { member: nobody }),
    );
    stranger.audit.insert(
        4,
        AuditEntry::next(None, at, AuditEvent::CheckOut { member: nobody }),
    );
    rechain(&mut stranger);
    match registry.receive(&seal(&stranger, 3, false)) {
        Err(Refusal::Content(ResultsError::NotOnRoster(m))) => assert_eq!(m, nobody),
        other => panic!("a stranger's check-in went in: {other:?}"),
    }
    assert_eq!(registry.store().bundle_count().unwrap(), 1);
}
