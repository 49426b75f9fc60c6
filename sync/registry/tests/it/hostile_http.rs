//! Hostile traffic against a registry served on 127.0.0.1, as measured before: four uploads that
//! never finish their body blocked every real upload for as long as they lasted (the check slot
//! was taken before the body was read), and idle connections stayed open as long as their
//! senders wished. A real upload now goes in while slow senders trickle, slow bodies are cut
//! after the grace, idle connections are closed, and connections are capped.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use urne_registry::{Limits, Registry};

use super::forged::registry_with;
use super::registry_pages::sample;

/// The committed sample bundle, with its kiosk and the demo organiser enrolled.
fn sample_registry(dir: &Path, limits: Limits) -> (Registry, Vec<u8>) {
    (registry_with(dir, limits), sample())
}

/// Serves `registry` on a free loopback port from a runtime of its own; stops when dropped.
struct Served {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Served {
    fn start(registry: Registry) -> Self {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                urne_registry::serve(listener, registry, async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
            });
        });
        Self {
            addr: addr_rx.recv().unwrap(),
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.stop.take().unwrap().send(());
        let _ = self.thread.take().unwrap().join();
    }
}

/// Sends a request's head announcing `length` bytes of body, and `sent` of them.
fn trickle(addr: SocketAddr, length: usize, sent: usize) -> TcpStream {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST /api/v1/bundles HTTP/1.1\r\nhost: registre\r\ncontent-type: application/x-tar\r\ncontent-length: {length}\r\n\r\n"
    )
    .unwrap();
    stream.write_all(&vec![0; sent]).unwrap();
    stream
}

/// What the server sent on `stream` until it closed it or `wait` passed.
fn answer_of(stream: &mut TcpStream, wait: Duration) -> String {
    stream.set_read_timeout(Some(wait)).unwrap();
    let mut got = Vec::new();
    let mut buf = [0; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                break;
            }
            Err(_) => break,
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// One request on a fresh connection; the status line.
fn status_of(addr: SocketAddr, request: &[u8], wait: Duration) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(request).unwrap();
    answer_of(&mut stream, wait)
        .lines()
        .next()
        .unwrap_or("")
        .to_owned()
}

fn upload_request(bytes: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "POST /api/v1/bundles HTTP/1.1\r\nhost: registre\r\ncontent-type: application/x-tar\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        bytes.len()
    )
    .into_bytes();
    request.extend_from_slice(bytes);
    request
}

#[test]
fn a_real_upload_goes_in_while_slow_senders_trickle_and_the_slow_ones_are_cut() {
    let dir = tempfile::tempdir().unwrap();
    let (registry, sample) = sample_registry(
        dir.path(),
        Limits {
            // One check slot: before, the first slow sender took it for the whole timeout.
            concurrent_checks: 1,
            body_grace: Duration::from_secs(3),
            ..Limits::default()
        },
    );
    let served = Served::start(registry);
    let mut slow: Vec<TcpStream> = (0..4)
        .map(|_| trickle(served.addr, 1_000_000, 100))
        .collect();
    std::thread::sleep(Duration::from_millis(200));

    let started = Instant::now();
    let status = status_of(
        served.addr,
        &upload_request(&sample),
        Duration::from_secs(30),
    );
    let took = started.elapsed();
    assert!(
        status.starts_with("HTTP/1.1 201"),
        "{status:?} after {took:?}"
    );
    println!("a real upload answered in {took:?} while four slow senders trickled");

    // Past the grace, the slow senders are answered 408 and closed.
    for stream in &mut slow {
        let answer = answer_of(stream, Duration::from_secs(30));
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
        assert!(answer.contains("too-slow"), "{answer}");
    }
}

#[test]
fn idle_connections_are_closed_and_connections_are_capped() {
    let dir = tempfile::tempdir().unwrap();
    let (registry, _) = sample_registry(
        dir.path(),
        Limits {
            header_read_timeout: Duration::from_secs(1),
            max_connections: 3,
            connections_per_ip: 2,
            ..Limits::default()
        },
    );
    let served = Served::start(registry);
    let health = b"GET /api/v1/health HTTP/1.1\r\nhost: registre\r\nconnection: close\r\n\r\n";

    // Two idle connections fill this address's share: a third is closed on arrival, unread.
    let mut idle: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(served.addr).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(status_of(served.addr, health, Duration::from_secs(5)), "");

    // Past the header-read timeout the idle ones are closed, and requests are served again.
    for stream in &mut idle {
        let started = Instant::now();
        answer_of(stream, Duration::from_secs(10));
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "closed by the registry"
        );
    }
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        status_of(served.addr, health, Duration::from_secs(5)).starts_with("HTTP/1.1 200"),
        "served once the idle connections are gone"
    );
}

#[test]
fn past_the_connection_cap_a_request_waits_for_a_free_connection() {
    let dir = tempfile::tempdir().unwrap();
    let (registry, _) = sample_registry(
        dir.path(),
        Limits {
            max_connections: 2,
            ..Limits::default()
        },
    );
    let served = Served::start(registry);
    let health = b"GET /api/v1/health HTTP/1.1\r\nhost: registre\r\nconnection: close\r\n\r\n";
    let held: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(served.addr).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let mut waiting = TcpStream::connect(served.addr).unwrap();
    waiting.write_all(health).unwrap();
    assert_eq!(
        answer_of(&mut waiting, Duration::from_millis(500)),
        "",
        "not served while two connections are open"
    );
    drop(held);
    let answer = answer_of(&mut waiting, Duration::from_secs(10));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
}

/// The whole answer of one `GET` on a fresh connection.
fn get(addr: SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nhost: registre\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    answer_of(&mut stream, Duration::from_secs(10))
}

/// The value of header `name` in a raw answer, if there.
fn header_of<'a>(answer: &'a str, name: &str) -> Option<&'a str> {
    let head = &answer[..answer.find("\r\n\r\n").unwrap_or(answer.len())];
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// A browser that guesses a type could run a bundle's or a refusal's bytes as a page, and a
/// cache on the way could keep a package (a roster) or an answer the next bundle changes.
#[test]
fn every_answer_says_nosniff_and_how_long_to_cache_it() {
    let dir = tempfile::tempdir().unwrap();
    let (registry, bundle) = sample_registry(dir.path(), Limits::default());
    let served = Served::start(registry);
    assert!(
        status_of(
            served.addr,
            &upload_request(&bundle),
            Duration::from_secs(30)
        )
        .contains("201")
    );
    let digest = urne_core::crypto::Sha256Digest::of(&bundle).to_hex();
    let immutable = format!("/api/v1/bundles/{digest}");
    for (path, cache) in [
        ("/", "no-cache"),
        ("/events/bellevue-2026-12-05", "no-cache"),
        ("/api/v1/events", "no-cache"),
        ("/api/v1/events/bellevue-2026-12-05/results", "no-cache"),
        ("/api/v1/bundles", "no-cache"),
        (immutable.as_str(), "public, max-age=31536000, immutable"),
        ("/api/v1/events/bellevue-2026-12-05/package", "no-cache"),
        ("/api/v1/challenge?device=00", "no-cache"),
        ("/nulle-part", "no-cache"),
    ] {
        let answer = get(served.addr, path);
        assert_eq!(
            header_of(&answer, "x-content-type-options"),
            Some("nosniff"),
            "{path}: {answer}"
        );
        assert_eq!(header_of(&answer, "cache-control"), Some(cache), "{path}");
    }
}
