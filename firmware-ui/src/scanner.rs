//! The QR scanner: a USB-CDC serial device that types each scanned code as a line.
//!
//! A reader thread opens the port, frames bytes into lines (CR, LF or CRLF), drops garbage and
//! overlong lines with a bounded buffer, and reopens the port when it is unplugged. Lines are
//! handed to a callback; the UI thread is never blocked by the port. The port itself sits
//! behind [`PortOpener`] so that the same loop runs on a real device, a pseudo-terminal in tests
//! and an in-memory fake.

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Longest line kept; a badge is about 200 characters, so anything longer is noise.
pub const MAX_LINE: usize = 1024;

/// What the scanner reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScannerEvent {
    /// The port is open.
    Connected,
    /// The port could not be opened or was lost; the reader keeps trying.
    Disconnected(String),
    /// A scanned code.
    Line(String),
}

/// Splits a byte stream into lines, bounding memory.
#[derive(Debug, Default)]
pub struct LineFramer {
    buf: Vec<u8>,
    overflowed: bool,
}

impl LineFramer {
    /// Feeds bytes; returns the complete lines they end. Empty lines are dropped, as are lines
    /// longer than [`MAX_LINE`], control characters and invalid UTF-8 sequences.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut lines = Vec::new();
        for &b in bytes {
            if b == b'\r' || b == b'\n' {
                if !self.overflowed && !self.buf.is_empty() {
                    let text = String::from_utf8_lossy(&self.buf);
                    let clean: String = text
                        .chars()
                        .filter(|c| !c.is_control() && *c != '\u{FFFD}')
                        .collect();
                    let clean = clean.trim();
                    if !clean.is_empty() {
                        lines.push(clean.to_owned());
                    }
                }
                self.buf.clear();
                self.overflowed = false;
            } else if self.buf.len() >= MAX_LINE {
                self.overflowed = true;
                self.buf.clear();
            } else if !self.overflowed {
                self.buf.push(b);
            }
        }
        lines
    }
}

/// Opens the byte stream of a scanner.
pub trait PortOpener: Send + 'static {
    /// Opens the port; reads should time out regularly (returning `TimedOut` or `WouldBlock`)
    /// so that the reader can notice when it is asked to stop.
    fn open(&mut self) -> io::Result<Box<dyn Read + Send>>;
    /// A description for the screen (`/dev/ttyACM0 à 9600 bauds`).
    fn describe(&self) -> String;
}

/// A serial port through the `serialport` crate.
#[derive(Debug, Clone)]
pub struct SerialOpener {
    /// Device path, e.g. `/dev/ttyACM0` or `/dev/urne-scanner`.
    pub path: String,
    /// Baud rate (USB-CDC devices ignore it; 9600 is the usual default).
    pub baud: u32,
}

impl PortOpener for SerialOpener {
    fn open(&mut self) -> io::Result<Box<dyn Read + Send>> {
        let port = serialport::new(&self.path, self.baud)
            .timeout(Duration::from_millis(100))
            .open()
            .map_err(|e| io::Error::other(e.to_string()))?;
        Ok(Box::new(port))
    }

    fn describe(&self) -> String {
        format!("{} ({} bauds)", self.path, self.baud)
    }
}

/// A running reader thread; dropping it stops the thread.
#[derive(Debug)]
pub struct Scanner {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Scanner {
    /// Starts reading from `opener`, calling `sink` for every event, on the reader thread.
    pub fn spawn(
        mut opener: impl PortOpener,
        sink: impl Fn(ScannerEvent) + Send + 'static,
    ) -> io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("scanner".into())
            .spawn(move || run(&mut opener, &sink, &flag))?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }

    /// Stops the reader and waits for it.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Scanner {
    fn drop(&mut self) {
        self.halt();
    }
}

fn run(opener: &mut dyn PortOpener, sink: &dyn Fn(ScannerEvent), stop: &AtomicBool) {
    let mut connected: Option<bool> = None;
    while !stop.load(Ordering::SeqCst) {
        let mut port = match opener.open() {
            Ok(port) => port,
            Err(e) => {
                if connected != Some(false) {
                    tracing::warn!(scanner = %opener.describe(), error = %e, "scanner unavailable");
                    sink(ScannerEvent::Disconnected(e.to_string()));
                    connected = Some(false);
                }
                sleep_unless_stopped(Duration::from_millis(500), stop);
                continue;
            }
        };
        tracing::info!(scanner = %opener.describe(), "scanner connected");
        sink(ScannerEvent::Connected);
        connected = Some(true);
        let mut framer = LineFramer::default();
        let mut buf = [0u8; 256];
        while !stop.load(Ordering::SeqCst) {
            match port.read(&mut buf) {
                Ok(0) => {
                    // End of stream: the device went away.
                    sink(ScannerEvent::Disconnected("end of stream".into()));
                    connected = Some(false);
                    break;
                }
                Ok(n) => {
                    for line in framer.push(&buf[..n]) {
                        sink(ScannerEvent::Line(line));
                    }
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::TimedOut
                            | io::ErrorKind::WouldBlock
                            | io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "scanner lost");
                    sink(ScannerEvent::Disconnected(e.to_string()));
                    connected = Some(false);
                    break;
                }
            }
        }
        sleep_unless_stopped(Duration::from_millis(200), stop);
    }
}

fn sleep_unless_stopped(total: Duration, stop: &AtomicBool) {
    let step = Duration::from_millis(20);
    let mut waited = Duration::ZERO;
    while waited < total && !stop.load(Ordering::SeqCst) {
        std::thread::sleep(step);
        waited += step;
    }
}

/// An in-memory scanner for tests: each `open` serves the next scripted session (a list of byte
/// chunks); between sessions the port is "unplugged".
#[derive(Debug, Default)]
pub struct FakeOpener {
    sessions: std::collections::VecDeque<Vec<Vec<u8>>>,
}

impl FakeOpener {
    /// A fake that serves these sessions in turn.
    pub fn new(sessions: Vec<Vec<Vec<u8>>>) -> Self {
        Self {
            sessions: sessions.into(),
        }
    }
}

struct FakePort {
    chunks: std::collections::VecDeque<Vec<u8>>,
}

impl Read for FakePort {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        match self.chunks.pop_front() {
            Some(chunk) => {
                let n = chunk.len().min(out.len());
                out[..n].copy_from_slice(&chunk[..n]);
                if n < chunk.len() {
                    self.chunks.push_front(chunk[n..].to_vec());
                }
                Ok(n)
            }
            None => Err(io::Error::new(io::ErrorKind::BrokenPipe, "unplugged")),
        }
    }
}

impl PortOpener for FakeOpener {
    fn open(&mut self) -> io::Result<Box<dyn Read + Send>> {
        match self.sessions.pop_front() {
            Some(chunks) => Ok(Box::new(FakePort {
                chunks: chunks.into(),
            })),
            None => Err(io::Error::new(io::ErrorKind::NotFound, "no scanner")),
        }
    }

    fn describe(&self) -> String {
        "fake scanner".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_handles_cr_lf_crlf_and_split_chunks() {
        let mut f = LineFramer::default();
        assert_eq!(f.push(b"URNE:abc"), Vec::<String>::new());
        assert_eq!(f.push(b"def\r\n"), vec!["URNE:abcdef"]);
        assert_eq!(
            f.push(b"one\rtwo\nthree\r\n\r\n"),
            vec!["one", "two", "three"]
        );
    }

    #[test]
    fn garbage_and_overlong_lines_are_dropped() {
        let mut f = LineFramer::default();
        let mut noise = vec![b'x'; MAX_LINE + 10];
        noise.extend_from_slice(b"\nURNE:ok\n\x00\x01\xff\n");
        assert_eq!(f.push(&noise), vec!["URNE:ok"]);
    }
}
