//! What a copied device key could forge, tried against `urne verify` and the registry alike:
//! both run urne-core's one verifier. Measured before: a test-deck run re-signed as `results` was
//! published as real results (its chain still said `exported {test: true}`), an old export
//! re-signed with a new sequence number went in, and 500 ballots in a poll of an evening where
//! 52 people could vote verified and were published.

use std::sync::Arc;

use urne_codec::{bundle, verify};
use urne_core::audit::{AuditEntry, AuditEvent};
use urne_core::ballot::{Ballot, MotionChoice, WeightedBallot};
use urne_core::crypto::SecretKey;
use urne_core::ids::PollId;
use urne_core::results::{ResultsContent, ResultsError};
use urne_core::tally;
use urne_registry::{Limits, Refusal, Registry, RegistryStore, SqliteStore};

use super::registry_pages::{clock, content_of, sample, sample_key, seal};

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
        .enrol_organiser(
            EVENT,
            "Bureau",
            &SecretKey::from_seed(b"urne demo organiser key, public!").public(),
        )
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

/// The audit chain hashed again from its events, as a forger holding the key would.
fn rechain(content: &mut ResultsContent) {
    let mut chain: Vec<AuditEntry> = Vec::new();
    for entry in &content.audit {
        let next = AuditEntry::next(chain.last(), entry.at, entry.event.clone());
        chain.push(next);
    }
    content.audit = chain;
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
