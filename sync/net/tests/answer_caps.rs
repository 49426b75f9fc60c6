//! A hostile registry answering 1 GiB: the client reads every answer under a cap, so that the
//! kiosk's uploader and `urne publish` (the same client) stay small whatever a server sends.
//! This test binary holds this test only, so that the process's peak memory is the client's.
//! The peak is compared with the peak before the hostile answers, because under qemu-user (the
//! Pi's tests in CI) the process's resident size also counts the emulator and its code cache.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

use urne_codec::protocol;
use urne_core::crypto::SecretKey;
use urne_sync::uploader::{UploadError, Uploader};

const GIB: u64 = 1024 * 1024 * 1024;

/// Answers one request: a small valid challenge or (under `/small`) event list, else 1 GiB of
/// spaces, announced or not.
fn answer(stream: TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    reader.read_line(&mut request_line).unwrap();
    // Read the headers, and a body if one is announced.
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap();
        }
        if line == "\r\n" || line.is_empty() {
            break;
        }
    }
    std::io::copy(&mut (&mut reader).take(length as u64), &mut std::io::sink()).unwrap();
    let mut stream = stream;
    let small: Option<&[u8]> = if request_line.contains(protocol::CHALLENGE) {
        Some(br#"{"challenge":"1796400000.00"}"#)
    } else if request_line.contains("/small") {
        Some(br#"{"events":[]}"#)
    } else {
        None
    };
    if let Some(body) = small {
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(body);
        return;
    }
    // Half the answers announce their size, half run until the connection closes.
    let announced = request_line.contains("announced");
    let head = if announced {
        format!("HTTP/1.1 200 OK\r\ncontent-length: {GIB}\r\nconnection: close\r\n\r\n")
    } else {
        "HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n".to_owned()
    };
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    let block = vec![b' '; 64 * 1024];
    let mut sent = 0u64;
    while sent < GIB && stream.write_all(&block).is_ok() {
        sent += block.len() as u64;
    }
}

fn peak_memory_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("Linux reports the peak resident size");
    let kib: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap();
    kib * 1024
}

fn refused_as_too_large(result: Result<impl std::fmt::Debug, UploadError>) {
    match result {
        Err(UploadError::Unreachable(reason)) => {
            assert!(reason.contains("larger than"), "{reason}");
        }
        other => panic!("a 1 GiB answer was not refused: {other:?}"),
    }
}

#[test]
fn a_registry_answering_a_gibibyte_is_dropped_and_the_client_stays_small() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let stream = stream.unwrap();
            std::thread::spawn(move || answer(stream));
        }
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let device = SecretKey::from_seed(&[5; 32]);
    // A small answer first, so that the runtime, the TLS and HTTP stacks are in the baseline.
    let warm = Uploader::new(&format!("http://127.0.0.1:{port}/small")).unwrap();
    let listed = runtime
        .block_on(warm.events())
        .expect("a small answer is read");
    assert!(listed.is_empty());
    let before = peak_memory_bytes();
    for base in ["", "/announced"] {
        let uploader = Uploader::new(&format!("http://127.0.0.1:{port}{base}")).unwrap();
        runtime.block_on(async {
            // A receipt, the event list, an event package: each read under its own cap.
            refused_as_too_large(uploader.upload(b"a bundle".to_vec(), None).await);
            refused_as_too_large(uploader.events().await);
            refused_as_too_large(uploader.fetch_package("assemblee", &device).await);
            refused_as_too_large(uploader.publish(b"a package".to_vec()).await);
        });
    }
    // The largest cap is 32 MiB (a package); a client that read the answers whole would grow by
    // a gibibyte.
    let growth = peak_memory_bytes().saturating_sub(before);
    assert!(
        growth < 64 * 1024 * 1024,
        "the client's process grew by {} MiB while refusing 1 GiB answers",
        growth / (1024 * 1024)
    );
}
