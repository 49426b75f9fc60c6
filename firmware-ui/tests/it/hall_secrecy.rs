//! The attacker holding the lead kiosk's card after a hall evening: no claim id reaches the
//! card at all (claims live in memory), and no page of the database or frame of its WAL that
//! holds a sealed ballot also holds the fingerprint of the kiosk that sent it.

use std::path::Path;

use urne_codec::hall::{AnswerBody, HallRole, RequestBody};
use urne_core::crypto::Fingerprint;

use crate::hall_lead::{answer, badge, cast, grant, lead, pair, seal_all};

/// Every place `needle` occurs in `haystack`.
fn places(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

fn page_size(database: &Path) -> usize {
    let conn = rusqlite::Connection::open(database).unwrap();
    conn.pragma_query_value(None, "page_size", |r| r.get::<_, i64>(0))
        .unwrap() as usize
}

#[test]
fn the_lead_card_keeps_no_claim_and_no_kiosk_beside_a_sealed_ballot() {
    let dir = tempfile::tempdir().unwrap();
    let (mut lead, _clock) = lead(dir.path());
    let kiosks: Vec<Fingerprint> = (20..23)
        .map(|s| pair(&mut lead, s, HallRole::Voting))
        .collect();
    let mut claims = Vec::new();
    let mut ciphertexts = Vec::new();
    for voter in 0..9 {
        let kiosk = kiosks[voter % kiosks.len()];
        let granted = grant(answer(
            &mut lead,
            &kiosk,
            RequestBody::Claim {
                badge: badge(voter),
            },
        ));
        let ballots = seal_all(&lead, &granted);
        ciphertexts.extend(ballots.iter().map(|b| b.sealed.clone()));
        claims.push(granted.claim);
        let stored = answer(&mut lead, &kiosk, cast(granted.claim, ballots));
        assert!(matches!(stored, AnswerBody::Stored { .. }), "{stored:?}");
    }
    // A voter who walked away, and one whose visit is still under way.
    let walked = grant(answer(
        &mut lead,
        &kiosks[0],
        RequestBody::Claim { badge: badge(10) },
    ));
    answer(
        &mut lead,
        &kiosks[0],
        RequestBody::Release {
            claim: walked.claim,
        },
    );
    claims.push(walked.claim);
    let open = grant(answer(
        &mut lead,
        &kiosks[1],
        RequestBody::Claim { badge: badge(11) },
    ));
    claims.push(open.claim);

    let database = dir.path().join("urne.sqlite");
    let size = page_size(&database);
    let db = std::fs::read(&database).unwrap();
    let wal = std::fs::read(dir.path().join("urne.sqlite-wal")).unwrap_or_default();
    assert!(
        !wal.is_empty(),
        "the evening is in the WAL, as on a card pulled mid-evening"
    );
    for claim in &claims {
        for file in [&db, &wal] {
            assert!(places(file, &claim.0).is_empty(), "a claim id on the card");
            assert!(places(file, claim.to_string().as_bytes()).is_empty());
        }
    }
    // The database's pages, and the WAL's frames (a 32-byte header, then frames of a 24-byte
    // header and one page).
    let db_page = |at: usize| &db[at / size * size..(at / size + 1) * size];
    let frame = 24 + size;
    let wal_frame = |at: usize| {
        let start = 32 + (at - 32) / frame * frame;
        &wal[start..(start + frame).min(wal.len())]
    };
    let mut seen = 0;
    for ciphertext in &ciphertexts {
        let needle = &ciphertext[..32];
        for at in places(&db, needle) {
            seen += 1;
            for kiosk in &kiosks {
                assert!(
                    places(db_page(at), &kiosk.0).is_empty(),
                    "a kiosk beside a ballot"
                );
            }
        }
        for at in places(&wal, needle).into_iter().filter(|at| *at >= 32) {
            seen += 1;
            for kiosk in &kiosks {
                assert!(
                    places(wal_frame(at), &kiosk.0).is_empty(),
                    "a kiosk beside a ballot"
                );
            }
        }
    }
    assert!(
        seen >= ciphertexts.len(),
        "every sealed ballot was found on the card"
    );
}
