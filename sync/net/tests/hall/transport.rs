//! What a paired but hostile (or broken) kiosk can send over its TLS link: the same request id
//! twice, another protocol version, bytes that are no message, a header announcing 4 GiB, and
//! connections that never finish their handshake.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use urne_codec::hall::frame::{self, FrameReader};
use urne_codec::hall::{Answer, AnswerBody, HALL_VERSION, RefusalCode, Request};
use urne_core::crypto::SecretKey;
use urne_sync::hall::client::HallClient;
use urne_sync::hall::server::ServerLimits;
use urne_sync::hall::tls::client_config;
use urne_sync::hall::wire::{read_frame, write_message};

use crate::support::{RecordingLead, client, device, identity, serve, status};

/// A raw TLS link to the lead, as a paired kiosk's own code could drive it.
async fn link(member: &SecretKey, lead: &SecretKey, address: SocketAddr) -> TlsStream<TcpStream> {
    let config = client_config(&identity(member), lead.public().fingerprint()).unwrap();
    let tcp = TcpStream::connect(address).await.unwrap();
    TlsConnector::from(Arc::new(config))
        .connect(ServerName::IpAddress(address.ip().into()), tcp)
        .await
        .unwrap()
}

async fn answer_of(stream: &mut TlsStream<TcpStream>) -> Option<Answer> {
    let body = read_frame(stream, &mut FrameReader::new()).await.ok()??;
    Some(frame::decode(&body).unwrap())
}

#[tokio::test]
async fn a_request_sent_twice_is_applied_once_and_answered_the_same_on_any_connection() {
    let (lead_key, member) = (device(1), device(2));
    let lead = RecordingLead::admitting(&[&member]);
    // Slow enough that the retry arrives while the first is still being applied.
    *lead.work.lock().unwrap() = Duration::from_millis(300);
    let running = serve(&lead_key, lead.clone(), ServerLimits::default()).await;
    let request = Request {
        version: HALL_VERSION,
        id: HallClient::new_id(),
        body: status(),
    };
    let mut first = link(&member, &lead_key, running.address).await;
    write_message(&mut first, &request).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The first connection is lost before its answer; the retry goes on a new one.
    drop(first);
    let mut second = link(&member, &lead_key, running.address).await;
    write_message(&mut second, &request).await.unwrap();
    let again = answer_of(&mut second).await.unwrap();
    write_message(&mut second, &request).await.unwrap();
    let third = answer_of(&mut second).await.unwrap();
    assert_eq!(again, third);
    assert_eq!(again.id, request.id);
    let applied = lead.applied();
    assert_eq!(applied.len(), 1, "applied once");
    assert_eq!(again.body, applied[0].answer);
    assert_eq!(running.server.answered_again(), 2);

    // Another kiosk using the same id is another request.
    let other = device(3);
    lead.admit(&other);
    let mut theirs = link(&other, &lead_key, running.address).await;
    write_message(&mut theirs, &request).await.unwrap();
    answer_of(&mut theirs).await.unwrap();
    assert_eq!(lead.applied().len(), 2);
}

#[tokio::test]
async fn a_request_of_another_version_or_unreadable_is_refused_and_nothing_applied() {
    let (lead_key, member) = (device(1), device(2));
    let lead = RecordingLead::admitting(&[&member]);
    let running = serve(&lead_key, lead.clone(), ServerLimits::default()).await;
    let id = HallClient::new_id();

    let mut stream = link(&member, &lead_key, running.address).await;
    let future =
        serde_json::json!({"version": 2, "id": id.to_string(), "body": {"type": "status"}});
    write_message(&mut stream, &future).await.unwrap();
    let answer = answer_of(&mut stream).await.unwrap();
    assert_eq!(answer.id, id);
    assert_eq!(
        answer.body,
        AnswerBody::Refused {
            code: RefusalCode::Version,
            at: None
        }
    );

    let mut stream = link(&member, &lead_key, running.address).await;
    let odd =
        serde_json::json!({"version": 1, "id": id.to_string(), "body": {"type": "vote-twice"}});
    write_message(&mut stream, &odd).await.unwrap();
    let answer = answer_of(&mut stream).await.unwrap();
    assert_eq!(answer.id, id);
    assert!(matches!(
        answer.body,
        AnswerBody::Refused {
            code: RefusalCode::Malformed,
            ..
        }
    ));
    assert!(
        answer_of(&mut stream).await.is_none(),
        "then the lead hangs up"
    );

    let mut stream = link(&member, &lead_key, running.address).await;
    stream.write_all(b"\0\0\0\x05hello").await.unwrap();
    let answer = answer_of(&mut stream).await.unwrap();
    assert!(matches!(
        answer.body,
        AnswerBody::Refused {
            code: RefusalCode::Malformed,
            ..
        }
    ));
    assert!(lead.applied().is_empty());
}

#[tokio::test]
async fn a_frame_announcing_4_gib_is_refused_from_its_header_alone() {
    let (lead_key, member) = (device(1), device(2));
    let lead = RecordingLead::admitting(&[&member]);
    let running = serve(&lead_key, lead.clone(), ServerLimits::default()).await;
    let mut stream = link(&member, &lead_key, running.address).await;
    stream.write_all(&[0xff, 0xff, 0xff, 0xff]).await.unwrap();
    stream.flush().await.unwrap();
    // The lead hangs up without waiting for a body that would never fit.
    let mut byte = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut byte)).await;
    assert!(
        matches!(read, Ok(Ok(0)) | Ok(Err(_))),
        "the lead kept the connection open: {read:?}"
    );
    assert!(lead.applied().is_empty());
}

#[tokio::test]
async fn connections_that_never_finish_their_handshake_do_not_keep_a_kiosk_out() {
    let (lead_key, member) = (device(1), device(2));
    let lead = RecordingLead::admitting(&[&member]);
    let limits = ServerLimits {
        handshake_timeout: Duration::from_millis(400),
        ..ServerLimits::default()
    };
    let per_address = limits.connections_per_address;
    let running = serve(&lead_key, lead.clone(), limits).await;
    // Every connection this address may hold, opened and left silent.
    let mut silent = Vec::new();
    for _ in 0..per_address {
        silent.push(TcpStream::connect(running.address).await.unwrap());
    }
    let started = Instant::now();
    let answer = client(&member, &lead_key, running.address)
        .request(HallClient::new_id(), status(), Duration::from_secs(10))
        .await
        .unwrap();
    assert!(matches!(answer, AnswerBody::Status { .. }));
    assert!(started.elapsed() < Duration::from_secs(5));
    for mut stream in silent {
        let mut byte = [0u8; 1];
        let read = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut byte)).await;
        assert!(
            matches!(read, Ok(Ok(0)) | Ok(Err(_))),
            "a silent connection stayed open"
        );
    }
}

/// A lead whose pairing waits for an organiser: it answers a `Pair` only after `decision`, and
/// refuses it, closing its gate to the kiosk at that moment as the real lead does.
#[derive(Debug)]
struct PairingLead {
    admitted: std::sync::Mutex<bool>,
    decision: Duration,
    asked: std::sync::atomic::AtomicUsize,
}

impl urne_sync::hall::tls::KeyGate for PairingLead {
    fn admits(&self, _: &urne_core::crypto::Fingerprint) -> bool {
        *self.admitted.lock().unwrap()
    }
}

impl urne_sync::hall::server::HallLead for PairingLead {
    fn answer(
        &self,
        _: &urne_sync::hall::server::Peer,
        _: urne_codec::hall::RequestBody,
    ) -> AnswerBody {
        self.asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        std::thread::sleep(self.decision);
        *self.admitted.lock().unwrap() = false;
        AnswerBody::Refused {
            code: RefusalCode::PairingRejected,
            at: None,
        }
    }
}

#[tokio::test]
async fn a_pairing_waits_for_the_organiser_on_one_connection_and_hears_a_refusal_as_such() {
    let (lead_key, member) = (device(1), device(2));
    let lead = Arc::new(PairingLead {
        admitted: std::sync::Mutex::new(true),
        // Longer than the client's answer timeout (3 s), as an organiser reading fingerprints is.
        decision: Duration::from_secs(4),
        asked: std::sync::atomic::AtomicUsize::new(0),
    });
    let server = Arc::new(
        urne_sync::hall::server::LeadServer::new(
            &identity(&lead_key),
            lead.clone(),
            ServerLimits::default(),
        )
        .unwrap(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let serving = server.clone();
    tokio::spawn(async move { serving.serve(listener, std::future::pending()).await });

    let pair = urne_codec::hall::RequestBody::Pair {
        token: urne_codec::hall::PairingToken([5; 16]),
        device: member.public().fingerprint(),
        role: urne_codec::hall::HallRole::Voting,
        package: urne_core::crypto::Sha256Digest::of(b"manifest"),
    };
    let answer = client(&member, &lead_key, address)
        .request(HallClient::new_id(), pair, Duration::from_secs(20))
        .await
        .expect("the organiser's refusal arrives, not « not admitted »");
    assert_eq!(
        answer,
        AnswerBody::Refused {
            code: RefusalCode::PairingRejected,
            at: None
        }
    );
    assert_eq!(lead.asked.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(
        server.answered_again(),
        0,
        "waited for on its first connection, not retried meanwhile"
    );
}

#[tokio::test]
async fn no_attempt_outlasts_the_callers_deadline() {
    let (lead_key, member) = (device(1), device(2));
    let lead = RecordingLead::admitting(&[&member]);
    // Slower than the deadline below, faster than the client's answer timeout (3 s).
    *lead.work.lock().unwrap() = Duration::from_millis(2_500);
    let running = serve(&lead_key, lead.clone(), ServerLimits::default()).await;
    let started = Instant::now();
    let outcome = client(&member, &lead_key, running.address)
        .request(HallClient::new_id(), status(), Duration::from_millis(800))
        .await;
    let waited = started.elapsed();
    assert!(
        matches!(
            outcome,
            Err(urne_sync::hall::client::HallError::Unreachable { .. })
        ),
        "{outcome:?}"
    );
    assert!(
        waited < Duration::from_millis(2_000),
        "the caller waited {waited:?} for a deadline of 800 ms"
    );
}
