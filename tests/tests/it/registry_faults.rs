//! Kiosks come back from the hall on a phone hotspot: their uploaders send every bundle through
//! a proxy that drops connections, resets them after the registry answered, delays, answers 500,
//! cuts answers in half, and once kills the registry (SIGKILL) in the middle of an upload and
//! keeps it down for a while. In the end every bundle is stored exactly once, no bundle was
//! refused, and every receipt the kiosks keep is valid and the registry's own.

use crate::support;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use urne_codec::receipt::SignedReceipt;
use urne_core::crypto::Sha256Digest;
use urne_kiosk::uploads::upload_pending;
use urne_registry::{RegistryStore, SqliteStore};
use urne_sync::uploader::Uploader;

/// What the proxy does to one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Forwards the request and the answer.
    Pass,
    /// Reads the request, then closes without a word.
    Drop,
    /// Forwards the request (the registry stores the bundle) and resets the connection instead
    /// of passing the answer on: the kiosk never sees its receipt.
    ResetAfterForward,
    /// Waits before forwarding.
    Delay,
    /// Answers 500 itself.
    Answer500,
    /// Passes only half of the answer's body, then closes.
    HalfAnswer,
    /// Sends half of the request's body, then kills the registry.
    KillMidRequest,
}

/// The proxy's shared state: where the registry is (None while it is down), what it did.
#[derive(Default)]
struct Network {
    backend: Option<SocketAddr>,
    connections: u64,
    log: Vec<Fault>,
    kill_requested: bool,
}

/// A small deterministic generator: the same faults in the same order on every run.
fn next_random(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn pick_fault(connection: u64, seed: &mut u64) -> Fault {
    // Every kind of fault early on, then a random mix.
    const FIRST: [Fault; 6] = [
        Fault::Drop,
        Fault::ResetAfterForward,
        Fault::Delay,
        Fault::Answer500,
        Fault::HalfAnswer,
        Fault::Pass,
    ];
    if let Some(fault) = usize::try_from(connection).ok().and_then(|c| FIRST.get(c)) {
        return *fault;
    }
    if connection == 9 {
        return Fault::KillMidRequest;
    }
    match next_random(seed) % 20 {
        0..=7 => Fault::Pass,
        8..=9 => Fault::Drop,
        10..=12 => Fault::ResetAfterForward,
        13 => Fault::Delay,
        14..=16 => Fault::Answer500,
        _ => Fault::HalfAnswer,
    }
}

/// Reads one HTTP/1.1 message (head and a `content-length` body).
async fn read_message(stream: &mut TcpStream) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse().unwrap_or(0))
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[head_end..head_end + length].to_vec();
    buf.truncate(head_end);
    Ok((buf, body))
}

/// Asks both ends to close after this message, so that one connection carries one request and
/// the fault chosen for it applies to exactly that request.
fn close_after(head: &[u8]) -> Vec<u8> {
    let mut out = head[..head.len() - 2].to_vec();
    out.extend_from_slice(b"connection: close\r\n\r\n");
    out
}

async fn handle(mut client: TcpStream, fault: Fault, network: Arc<Mutex<Network>>) {
    let Ok((head, body)) = read_message(&mut client).await else {
        return;
    };
    let backend = network.lock().unwrap().backend;
    let Some(backend) = backend else {
        // The registry is down: nobody answers.
        return;
    };
    match fault {
        Fault::Drop => return,
        Fault::Answer500 => {
            let _ = client
                .write_all(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .await;
            return;
        }
        Fault::Delay => tokio::time::sleep(Duration::from_millis(700)).await,
        _ => {}
    }
    let Ok(mut server) = TcpStream::connect(backend).await else {
        return;
    };
    if fault == Fault::KillMidRequest {
        let _ = server.write_all(&close_after(&head)).await;
        let _ = server.write_all(&body[..body.len() / 2]).await;
        let _ = server.flush().await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        network.lock().unwrap().kill_requested = true;
        return;
    }
    if server.write_all(&close_after(&head)).await.is_err()
        || server.write_all(&body).await.is_err()
    {
        return;
    }
    let Ok((answer_head, answer_body)) = read_message(&mut server).await else {
        return;
    };
    match fault {
        Fault::ResetAfterForward => {
            // SO_LINGER 0: closing sends a reset, as a dropped hotspot would. (The deprecation
            // warns of blocking on drop, which only a non-zero linger does.)
            #[allow(deprecated)]
            let _ = client.set_linger(Some(Duration::ZERO));
        }
        Fault::HalfAnswer => {
            let _ = client.write_all(&close_after(&answer_head)).await;
            let _ = client
                .write_all(&answer_body[..answer_body.len() / 2])
                .await;
        }
        _ => {
            let _ = client.write_all(&close_after(&answer_head)).await;
            let _ = client.write_all(&answer_body).await;
        }
    }
}

async fn proxy(listener: TcpListener, network: Arc<Mutex<Network>>) {
    let mut seed = 0x5EED_F00D_u64;
    loop {
        let Ok((client, _)) = listener.accept().await else {
            return;
        };
        let fault = {
            let mut n = network.lock().unwrap();
            let fault = pick_fault(n.connections, &mut seed);
            n.connections += 1;
            n.log.push(fault);
            fault
        };
        tokio::spawn(handle(client, fault, network.clone()));
    }
}

#[test]
fn every_bundle_arrives_exactly_once_through_a_hostile_network() {
    let started = std::time::Instant::now();
    let organiser = urne_kiosk::demo::organiser_key();
    let package = urne_kiosk::demo::package();
    let mut kiosks = [
        support::evening(
            *b"kiosk one of the faulty network!",
            &package,
            &organiser,
            12,
            6,
        ),
        support::evening(
            *b"kiosk two of the faulty network!",
            &package,
            &organiser,
            20,
            6,
        ),
    ];
    eprintln!("evenings ready after {:?}", started.elapsed());
    let (_dir, db) = support::scratch();
    drop(support::registry_db(
        &db,
        &[&kiosks[0].device, &kiosks[1].device],
        &organiser,
    ));
    // Rate limits are another test's subject: here every retry must reach the registry.
    let limits = ["--uploads-per-minute", "100000", "--burst", "10000"];
    let mut registry = Some(support::Process::start(&db, &limits));
    let registry_key = registry.as_ref().unwrap().key;

    let network = Arc::new(Mutex::new(Network {
        backend: registry.as_ref().map(|r| r.addr),
        ..Network::default()
    }));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    runtime.spawn(proxy(listener, network.clone()));
    let uploader = Uploader::new(&url).unwrap();

    let mut down_passes = 0;
    let mut passes = 0;
    loop {
        let mut pending = 0;
        for evening in &mut kiosks {
            let pass = runtime
                .block_on(upload_pending(
                    evening.kiosk.store_mut(),
                    &uploader,
                    &registry_key,
                ))
                .unwrap();
            assert_eq!(pass.refused, 0, "no bundle is refused for good");
            pending += evening.kiosk.store().pending_uploads().unwrap().len();
        }
        passes += 1;
        // The proxy asked for the registry to die in the middle of an upload: SIGKILL, and
        // it stays down for three passes before it is started again on the same database.
        let kill = std::mem::take(&mut network.lock().unwrap().kill_requested);
        if kill && let Some(r) = registry.take() {
            r.kill();
            network.lock().unwrap().backend = None;
        }
        if registry.is_none() {
            down_passes += 1;
            if down_passes > 3 {
                let restarted = support::Process::start(&db, &limits);
                assert_eq!(restarted.key, registry_key, "the registry keeps its key");
                network.lock().unwrap().backend = Some(restarted.addr);
                registry = Some(restarted);
            }
        }
        if pending == 0 && registry.is_some() {
            break;
        }
        assert!(passes < 400, "the uploads never finished");
    }
    eprintln!(
        "uploads done after {:?}, {passes} passes",
        started.elapsed()
    );
    let log = network.lock().unwrap().log.clone();
    for fault in [
        Fault::Pass,
        Fault::Drop,
        Fault::ResetAfterForward,
        Fault::Delay,
        Fault::Answer500,
        Fault::HalfAnswer,
        Fault::KillMidRequest,
    ] {
        assert!(
            log.contains(&fault),
            "the proxy never did {fault:?}: {log:?}"
        );
    }
    assert!(down_passes > 3, "the registry was killed and restarted");

    registry.take().unwrap().stop();
    let store = SqliteStore::open(&db).unwrap();
    let stored = store.bundles().unwrap();
    let mut sent: Vec<String> = kiosks
        .iter()
        .flat_map(|k| k.bundles.iter().map(|b| b.digest.clone()))
        .collect();
    sent.sort();
    let mut kept: Vec<String> = stored.iter().map(|b| b.digest.clone()).collect();
    kept.sort();
    assert_eq!(kept, sent, "every bundle stored, each exactly once");
    assert!(
        store.refusals(100).unwrap().is_empty(),
        "nothing was refused: {:?}",
        store.refusals(100).unwrap()
    );

    // Each kiosk keeps a valid receipt signed by this registry for each of its bundles, and it
    // is the registry's receipt for that bundle: a retry now gets the very same one.
    let again = support::Process::start(&db, &limits);
    let direct = Uploader::new(&format!("http://{}", again.addr)).unwrap();
    for evening in &kiosks {
        for bundle in &evening.bundles {
            let text = evening
                .kiosk
                .store()
                .upload_receipt(bundle.seq)
                .unwrap()
                .expect("synced with a receipt");
            let kept: SignedReceipt = serde_json::from_str(&text).unwrap();
            let digest = Sha256Digest::parse(&bundle.digest).unwrap();
            let receipt = kept.verify(&digest, Some(&registry_key)).unwrap();
            assert_eq!(receipt.seq, bundle.seq);
            assert_eq!(receipt.device, evening.device.public().fingerprint());
            let retry = runtime
                .block_on(direct.upload(bundle.bytes.clone(), Some(&registry_key)))
                .unwrap();
            assert_eq!(retry, kept, "a retry gets the receipt given the first time");
        }
    }
    again.stop();
}
