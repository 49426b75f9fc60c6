//! Unit tests of the hall's wire format, and its test vectors (`docs/vectors/hall.json`).

use core::net::SocketAddr;

use urne_core::crypto::SecretKey;
use urne_core::poll::PollKind;
use urne_core::rules::MajorityRule;

use super::attestation::{Attestation, AttestationError, SignedAttestation};
use super::frame::{self, FrameError, FrameReader, MAX_FRAME};
use super::pairing::PairingCard;
use super::*;

fn key(seed: u8) -> SecretKey {
    SecretKey::from_seed(&[seed; 32])
}

fn charte() -> Poll {
    Poll {
        id: PollId::new("charte").unwrap(),
        question: "Adopter la charte".into(),
        kind: PollKind::Motion {
            blank_allowed: true,
            rule: MajorityRule::SIMPLE,
        },
    }
}

fn member(n: u8) -> MemberId {
    MemberId::from_bytes([n; 16])
}

/// One of each request, as a voting kiosk and a door kiosk send them.
fn requests() -> Vec<Request> {
    let bodies = vec![
        RequestBody::Pair {
            token: PairingToken([0x5a; 16]),
            device: key(2).public().fingerprint(),
            role: HallRole::Voting,
            package: Sha256Digest::of(b"manifest"),
        },
        RequestBody::CheckIn {
            badge: "URNE:AQ-badge".into(),
        },
        RequestBody::Claim {
            badge: "URNE:AQ-badge".into(),
        },
        RequestBody::Cast {
            claim: ClaimId([0xc1; 16]),
            ballots: vec![
                RemoteBallot {
                    poll: PollId::new("charte").unwrap(),
                    member: member(7),
                    sealed: vec![1, 2, 3, 250],
                },
                RemoteBallot {
                    poll: PollId::new("charte").unwrap(),
                    member: member(8),
                    sealed: vec![9; 40],
                },
            ],
        },
        RequestBody::Release {
            claim: ClaimId([0xc1; 16]),
        },
        RequestBody::CheckOut { member: member(7) },
        RequestBody::Status {},
    ];
    numbered(bodies, |id, body| Request {
        version: HALL_VERSION,
        id,
        body,
    })
}

/// Each body with an id of its own, as a client draws them.
fn numbered<B, M>(bodies: Vec<B>, wrap: impl Fn(RequestId, B) -> M) -> Vec<M> {
    bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| wrap(RequestId([u8::try_from(i).unwrap(); 16]), body))
        .collect()
}

/// One of each answer.
fn answers() -> Vec<Answer> {
    let grant = Grant {
        claim: ClaimId([0xc1; 16]),
        member: member(7),
        name: "Agnès Lemaître".into(),
        already_since: Some(Timestamp(1_796_000_000)),
        unrecorded: false,
        due: vec![
            DueBallot {
                poll: PollId::new("charte").unwrap(),
                member: member(7),
                proxy_for: None,
                weight: 1,
            },
            DueBallot {
                poll: PollId::new("charte").unwrap(),
                member: member(8),
                proxy_for: Some("Bruno Carvalho".into()),
                weight: 2,
            },
        ],
        polls: vec![DuePoll {
            poll: charte(),
            key: urne_core::sealed::TallySecretKey::test().public(),
        }],
        expires_in: 300,
    };
    let bodies = vec![
        AnswerBody::Paired {
            event: EventId::new("bellevue-2026-12-05").unwrap(),
        },
        AnswerBody::Welcome {
            member: member(7),
            name: "Agnès Lemaître".into(),
            already_since: None,
        },
        AnswerBody::Granted {
            grant: Box::new(grant),
        },
        AnswerBody::Busy {},
        AnswerBody::Voted {
            member: member(7),
            name: "Awa Diallo".into(),
        },
        AnswerBody::NothingDue {
            member: member(8),
            name: "Bruno Carvalho".into(),
        },
        AnswerBody::Stored { ballots: 2 },
        AnswerBody::Released {},
        AnswerBody::CheckedOut {},
        AnswerBody::Status {
            status: HallStatus {
                present: 80,
                represented: 6,
                open: vec![PollCount {
                    poll: PollId::new("charte").unwrap(),
                    ballots: 41,
                }],
            },
        },
        AnswerBody::Refused {
            code: RefusalCode::PollNotOpen,
            at: Some(1),
        },
        AnswerBody::Refused {
            code: RefusalCode::NotPaired,
            at: None,
        },
    ];
    numbered(bodies, |id, body| Answer {
        version: HALL_VERSION,
        id,
        body,
    })
}

#[test]
fn every_message_reads_back_from_its_frame() {
    for request in requests() {
        let framed = frame::encode(&request).unwrap();
        let mut reader = FrameReader::new();
        reader.push(&framed);
        let body = reader.next_frame().unwrap().unwrap();
        assert_eq!(frame::decode::<Request>(&body).unwrap(), request);
        assert_eq!(reader.next_frame().unwrap(), None);
        assert_eq!(reader.pending(), 0);
    }
    for answer in answers() {
        let framed = frame::encode(&answer).unwrap();
        let got: Answer = frame::decode(&framed[4..]).unwrap();
        assert_eq!(got, answer);
    }
}

#[test]
fn frames_cut_anywhere_or_run_together_read_the_same() {
    let stream: Vec<u8> = requests()
        .iter()
        .flat_map(|r| frame::encode(r).unwrap())
        .collect();
    for chunk in [1, 2, 3, 5, 64, stream.len()] {
        let mut reader = FrameReader::new();
        let mut got = Vec::new();
        for piece in stream.chunks(chunk) {
            reader.push(piece);
            while let Some(body) = reader.next_frame().unwrap() {
                got.push(frame::decode::<Request>(&body).unwrap());
            }
        }
        assert_eq!(got, requests(), "read {chunk} bytes at a time");
        assert_eq!(reader.pending(), 0);
    }
}

#[test]
fn an_oversized_or_empty_frame_is_refused_from_its_header() {
    // A hostile peer announces 4 GiB: refused as soon as the header is in, nothing buffered.
    let mut reader = FrameReader::new();
    reader.push(&u32::MAX.to_be_bytes());
    assert_eq!(
        reader.next_frame(),
        Err(FrameError::TooLarge(u64::from(u32::MAX)))
    );
    assert_eq!(reader.pending(), 0);
    // The stream is out of step: everything after is refused too.
    reader.push(&frame::encode(&requests()[5]).unwrap());
    assert!(reader.next_frame().is_err());
    assert_eq!(reader.pending(), 0);

    let just_over = u32::try_from(MAX_FRAME + 1).unwrap().to_be_bytes();
    let mut reader = FrameReader::new();
    reader.push(&just_over);
    assert!(matches!(reader.next_frame(), Err(FrameError::TooLarge(_))));

    let mut reader = FrameReader::new();
    reader.push(&[0, 0, 0, 0]);
    assert_eq!(reader.next_frame(), Err(FrameError::Empty));

    // A message too large is never sent.
    let huge = Request {
        version: HALL_VERSION,
        id: RequestId([0; 16]),
        body: RequestBody::CheckIn {
            badge: "x".repeat(MAX_FRAME),
        },
    };
    assert!(matches!(frame::encode(&huge), Err(FrameError::TooLarge(_))));
}

#[test]
fn unknown_fields_and_kinds_are_refused() {
    let good = serde_json::to_value(&requests()[5]).unwrap();
    let mut extra = good.clone();
    extra["kiosk"] = "door-1".into();
    assert!(serde_json::from_value::<Request>(extra).is_err());
    let mut in_body = good.clone();
    in_body["body"]["since"] = 3.into();
    assert!(serde_json::from_value::<Request>(in_body).is_err());
    let mut kind = good;
    kind["body"]["type"] = "drop-table".into();
    assert!(serde_json::from_value::<Request>(kind).is_err());
    for bad in [
        r#"{"version":1,"id":"00","body":{"type":"status"}}"#,
        r#"{"version":1,"id":"0000000000000000000000000000000g","body":{"type":"status"}}"#,
        r#"{"version":1,"body":{"type":"status"}}"#,
        "[]",
        "",
    ] {
        assert!(frame::decode::<Request>(bad.as_bytes()).is_err(), "{bad}");
    }
}

/// The field names of a JSON object, in order.
fn keys(value: &serde_json::Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[test]
fn a_cast_carries_no_kiosk_time_or_order_beside_a_ballot() {
    let cast = serde_json::to_value(&requests()[3]).unwrap();
    assert_eq!(keys(&cast["body"]), ["ballots", "claim", "type"]);
    for ballot in cast["body"]["ballots"].as_array().unwrap() {
        assert_eq!(keys(ballot), ["member", "poll", "sealed"]);
    }
}

fn card() -> PairingCard {
    PairingCard {
        lead: key(1).public().fingerprint(),
        token: PairingToken([0x5a; 16]),
        expires: Timestamp(1_796_000_300),
        addresses: vec![
            "192.168.8.20:47110".parse().unwrap(),
            "[fd00:8::20]:47110".parse().unwrap(),
        ],
    }
}

#[test]
fn a_pairing_card_reads_back_and_a_damaged_one_is_refused() {
    let card = card();
    let text = card.to_text();
    assert!(text.starts_with("URNE-HALL1:"));
    assert_eq!(PairingCard::parse(&text), Some(card.clone()));
    assert_eq!(
        PairingCard::parse(&format!(" {text}\n")),
        Some(card.clone())
    );
    let lead = card.lead.to_hex();
    let token = card.token.to_string();
    let many: Vec<String> = (1..=9).map(|n| format!("10.0.0.{n}:47110")).collect();
    for bad in [
        format!(
            "URNE-HALL1:{}:{token}:1796000300:10.0.0.1:47110",
            &lead[..63]
        ),
        format!(
            "URNE-HALL1:{lead}:{}:1796000300:10.0.0.1:47110",
            &token[..31]
        ),
        format!("URNE-HALL1:{lead}:{token}:-5:10.0.0.1:47110"),
        format!("URNE-HALL1:{lead}:{token}::10.0.0.1:47110"),
        format!("URNE-HALL1:{lead}:{token}:1796000300:"),
        format!("URNE-HALL1:{lead}:{token}:1796000300:10.0.0.1"),
        format!("URNE-HALL1:{lead}:{token}:1796000300:10.0.0.1:0"),
        format!("URNE-HALL1:{lead}:{token}:1796000300:0.0.0.0:47110"),
        format!("URNE-HALL1:{lead}:{token}:1796000300:255.255.255.255:47110"),
        format!("URNE-HALL1:{lead}:{token}:1796000300:224.0.0.251:5353"),
        format!("URNE-HALL1:{lead}:{token}:1796000300:[fe80::1]:47110"),
        format!("URNE-HALL1:{lead}:{token}:1796000300:[fe80::1%2]:47110"),
        format!("URNE-HALL1:{lead}:{token}:1796000300:[fd00::1%2]:47110"),
        format!("URNE-HALL1:{lead}:{token}:1796000300:[::]:47110"),
        format!("URNE-HALL1:{lead}:{token}:1796000300:kiosque.local:47110"),
        format!("URNE-HALL1:{lead}:{token}:1796000300:10.0.0.1:47110,10.0.0.1:47110"),
        format!("URNE-HALL1:{lead}:{token}:1796000300:10.0.0.1:47110, 10.0.0.2:47110"),
        format!("URNE-HALL1:{lead}:{token}:1796000300:{}", many.join(",")),
        format!("URNE-HALL2:{lead}:{token}:1796000300:10.0.0.1:47110"),
        format!("URNE-REGISTRY1:{lead}:https://r.example.org"),
    ] {
        assert_eq!(PairingCard::parse(&bad), None, "{bad}");
    }
    // On one machine (the tests, a rehearsal) the lead listens on loopback.
    let local = format!("URNE-HALL1:{lead}:{token}:1796000300:127.0.0.1:47110,[::1]:47110");
    assert_eq!(PairingCard::parse(&local).unwrap().addresses.len(), 2);
    let eight: Vec<SocketAddr> = many[..8].iter().map(|a| a.parse().unwrap()).collect();
    let full = PairingCard {
        addresses: eight,
        ..card
    };
    assert_eq!(PairingCard::parse(&full.to_text()), Some(full));
}

fn attestation(kiosk: &SecretKey) -> Attestation {
    Attestation {
        format: attestation::ATTESTATION_FORMAT.into(),
        event: EventId::new("bellevue-2026-12-05").unwrap(),
        lead: key(1).public().fingerprint(),
        kiosk: kiosk.public().fingerprint(),
        role: HallRole::Voting,
        bundle: Sha256Digest::of(b"bundle"),
        checkins: 12,
        visits: 40,
        delivered: vec![PollCount {
            poll: PollId::new("charte").unwrap(),
            ballots: 43,
        }],
    }
}

#[test]
fn an_attestation_holds_only_for_its_kiosk_and_its_bundle() {
    let kiosk = key(2);
    let fp = kiosk.public().fingerprint();
    let bundle = Sha256Digest::of(b"bundle");
    let signed = SignedAttestation::sign(&attestation(&kiosk), &kiosk);
    assert_eq!(signed.verify(&fp, &bundle).unwrap(), attestation(&kiosk));
    assert_eq!(
        signed.verify(&fp, &Sha256Digest::of(b"other")),
        Err(AttestationError::WrongBundle)
    );
    let other = key(3).public().fingerprint();
    assert!(matches!(
        signed.verify(&other, &bundle),
        Err(AttestationError::WrongKiosk(_))
    ));
    // Counts raised after signing.
    let mut raised = signed.clone();
    raised.attestation = raised
        .attestation
        .replace("\"ballots\":43", "\"ballots\":430");
    assert_eq!(
        raised.verify(&fp, &bundle),
        Err(AttestationError::BadSignature)
    );
    // Another kiosk's key signing counts in this kiosk's name.
    let forger = key(4);
    let forged = SignedAttestation::sign(&attestation(&kiosk), &forger);
    assert!(matches!(
        forged.verify(&fp, &bundle),
        Err(AttestationError::WrongKiosk(_))
    ));
    // A signature over the bare JSON (as receipts are signed) is not an attestation's.
    let mut bare = signed.clone();
    bare.signature = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        kiosk.sign(signed.attestation.as_bytes()),
    );
    assert_eq!(
        bare.verify(&fp, &bundle),
        Err(AttestationError::BadSignature)
    );
}

/// The vectors as this code writes them.
fn vectors() -> serde_json::Value {
    let hex = |bytes: &[u8]| hex::encode(bytes);
    let kiosk = key(2);
    serde_json::json!({
        "about": "Test vectors of Urne's hall protocol (urne-codec hall): each frame is a 4-byte big-endian length and a JSON body; the pairing card is the lead's QR code text; the attestation is signed with Ed25519 over \"urne-hall-attestation/1\\n\" followed by its JSON text. Device keys are Ed25519 keys from 32-byte seeds of one repeated byte.",
        "requests": requests().iter().map(|r| serde_json::json!({
            "message": r,
            "frame": hex(&frame::encode(r).unwrap()),
        })).collect::<Vec<_>>(),
        "answers": answers().iter().map(|a| serde_json::json!({
            "message": a,
            "frame": hex(&frame::encode(a).unwrap()),
        })).collect::<Vec<_>>(),
        "pairing": {
            "text": card().to_text(),
            "lead_seed_byte": 1,
        },
        "attestation": {
            "kiosk_seed_byte": 2,
            "bundle_sha256": Sha256Digest::of(b"bundle").to_hex(),
            "signed": SignedAttestation::sign(&attestation(&kiosk), &kiosk),
        },
    })
}

#[test]
fn the_test_vectors_are_what_the_code_writes() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/vectors/hall.json");
    let written = serde_json::to_string_pretty(&vectors()).unwrap() + "\n";
    if std::env::var_os("URNE_WRITE_VECTORS").is_some() {
        std::fs::write(path, &written).unwrap();
    }
    let on_disk = std::fs::read_to_string(path).expect("docs/vectors/hall.json exists");
    assert_eq!(
        on_disk, written,
        "docs/vectors/hall.json differs from the code: rewrite it with URNE_WRITE_VECTORS=1 \
         cargo test -p urne-codec hall, and say why in the commit"
    );
    // And each frame of the file reads back as its message.
    let file: serde_json::Value = serde_json::from_str(&on_disk).unwrap();
    for r in file["requests"].as_array().unwrap() {
        let bytes = hex::decode(r["frame"].as_str().unwrap()).unwrap();
        let got: Request = frame::decode(&bytes[4..]).unwrap();
        assert_eq!(serde_json::to_value(&got).unwrap(), r["message"]);
    }
}
