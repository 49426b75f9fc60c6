//! The scanner on pseudo-terminal pairs, as a USB-CDC scanner appears to Linux: framing with
//! CR, LF and CRLF, garbage and overlong lines, and unplugging and plugging back in at the same
//! stable name (as the udev rule's `/dev/urne-scanner` does). The real serial opener and the fake
//! keep the same contract.

use std::io::Write;
use std::path::Path;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use serialport::{SerialPort, TTYPort};
use urne_kiosk::scanner::{FakeOpener, MAX_LINE, Scanner, ScannerEvent, SerialOpener};

const WAIT: Duration = Duration::from_secs(10);

fn next_line(events: &Receiver<ScannerEvent>) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match events
            .recv_timeout(left)
            .expect("an event before the deadline")
        {
            ScannerEvent::Line(line) => return line,
            ScannerEvent::Connected | ScannerEvent::Disconnected(_) => {}
        }
    }
}

fn wait_for(events: &Receiver<ScannerEvent>, want: fn(&ScannerEvent) -> bool) {
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = events.recv_timeout(left).expect("the awaited event");
        if want(&event) {
            return;
        }
    }
}

/// The contract both openers keep, checked on what the reader delivered for the same bytes.
fn contract(lines: &[String]) {
    assert_eq!(
        lines,
        [
            "URNE:first",
            "URNE:second",
            "URNE:third",
            "URNE:after-garbage",
            "URNE:after-overlong"
        ]
    );
}

fn script() -> Vec<Vec<u8>> {
    let mut overlong = vec![b'A'; MAX_LINE * 3];
    overlong.extend_from_slice(b"\r\nURNE:after-overlong\r\n");
    vec![
        b"URNE:first\r".to_vec(),
        b"URNE:sec".to_vec(),
        b"ond\nURNE:third\r\n".to_vec(),
        // Line noise from a half-plugged cable: control bytes and invalid UTF-8 on their own line.
        b"\x00\x1b\xff\xfe\r\nURNE:after-garbage\n".to_vec(),
        overlong,
    ]
}

#[test]
fn the_serial_and_fake_openers_frame_the_same_lines() {
    // The fake.
    let (tx, rx) = mpsc::channel();
    let fake = Scanner::spawn(FakeOpener::new(vec![script()]), move |e| {
        let _ = tx.send(e);
    })
    .unwrap();
    let lines: Vec<String> = (0..5).map(|_| next_line(&rx)).collect();
    fake.stop();
    contract(&lines);

    // The real serial port code on a pseudo-terminal.
    let (mut master, slave) = TTYPort::pair().unwrap();
    let (tx, rx) = mpsc::channel();
    let real = Scanner::spawn(
        SerialOpener {
            path: slave.name().unwrap(),
            baud: 9600,
        },
        move |e| {
            let _ = tx.send(e);
        },
    )
    .unwrap();
    wait_for(&rx, |e| *e == ScannerEvent::Connected);
    for chunk in script() {
        master.write_all(&chunk).unwrap();
        master.flush().unwrap();
        std::thread::sleep(Duration::from_millis(5));
    }
    let lines: Vec<String> = (0..5).map(|_| next_line(&rx)).collect();
    real.stop();
    contract(&lines);
}

fn plug(link: &Path) -> (TTYPort, TTYPort) {
    let (master, slave) = TTYPort::pair().unwrap();
    let _ = std::fs::remove_file(link);
    std::os::unix::fs::symlink(slave.name().unwrap(), link).unwrap();
    (master, slave)
}

#[test]
fn the_scanner_survives_being_unplugged_and_plugged_back() {
    let dir = tempfile::tempdir().unwrap();
    // A stable name, as udev gives the scanner (/dev/urne-scanner).
    let link = dir.path().join("urne-scanner");
    let (mut master, slave) = plug(&link);
    let (tx, rx) = mpsc::channel();
    let scanner = Scanner::spawn(
        SerialOpener {
            path: link.display().to_string(),
            baud: 9600,
        },
        move |e| {
            let _ = tx.send(e);
        },
    )
    .unwrap();
    wait_for(&rx, |e| *e == ScannerEvent::Connected);
    master.write_all(b"URNE:before\r\n").unwrap();
    assert_eq!(next_line(&rx), "URNE:before");

    // Unplugged: the device disappears.
    drop(master);
    drop(slave);
    std::fs::remove_file(&link).unwrap();
    wait_for(&rx, |e| matches!(e, ScannerEvent::Disconnected(_)));

    // Plugged back in: a new device behind the same name.
    let (mut master, _slave) = plug(&link);
    wait_for(&rx, |e| *e == ScannerEvent::Connected);
    master.write_all(b"URNE:after\r\n").unwrap();
    master.flush().unwrap();
    assert_eq!(next_line(&rx), "URNE:after");
    scanner.stop();
}

#[test]
fn a_scanner_that_is_absent_at_start_is_picked_up_when_plugged_in() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("urne-scanner");
    let (tx, rx) = mpsc::channel();
    let scanner = Scanner::spawn(
        SerialOpener {
            path: link.display().to_string(),
            baud: 9600,
        },
        move |e| {
            let _ = tx.send(e);
        },
    )
    .unwrap();
    wait_for(&rx, |e| matches!(e, ScannerEvent::Disconnected(_)));
    let (mut master, _slave) = plug(&link);
    wait_for(&rx, |e| *e == ScannerEvent::Connected);
    master.write_all(b"URNE:late\n").unwrap();
    assert_eq!(next_line(&rx), "URNE:late");
    scanner.stop();
}
