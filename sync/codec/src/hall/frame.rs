//! Frames: a 4-byte big-endian length, then that many bytes of JSON. The reader takes bytes as
//! they come off the socket and refuses an oversized frame from its header alone, before its
//! body arrives, so that a hostile peer cannot make a kiosk buffer more than one frame.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The largest body accepted: a cast of a visit with proxies is a few KiB, a grant with every
/// poll definition some tens of KiB.
pub const MAX_FRAME: usize = 1 << 20;

/// Why a frame was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The header announces more than [`MAX_FRAME`] bytes.
    #[error("a frame of {0} bytes is larger than the hall protocol allows")]
    TooLarge(u64),
    /// The header announces an empty body.
    #[error("an empty frame")]
    Empty,
    /// The body is not the expected message.
    #[error("the frame is not a hall message: {0}")]
    Malformed(String),
}

/// A message as one frame.
pub fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, FrameError> {
    let body = serde_json::to_vec(message).map_err(|e| FrameError::Malformed(e.to_string()))?;
    if body.len() > MAX_FRAME {
        return Err(FrameError::TooLarge(body.len() as u64));
    }
    let len = u32::try_from(body.len()).map_err(|_| FrameError::TooLarge(body.len() as u64))?;
    let mut frame = Vec::with_capacity(4 + body.len());
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(&body);
    Ok(frame)
}

/// Reads a frame's body as a message.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, FrameError> {
    serde_json::from_slice(body).map_err(|e| FrameError::Malformed(e.to_string()))
}

/// Cuts a byte stream into frame bodies.
///
/// Feed it what each read returned with [`FrameReader::push`], then take the bodies with
/// [`FrameReader::next_frame`] until it gives `None`. It holds at most one frame and the bytes
/// of one read beyond it; after an error the stream is out of step and must be closed.
#[derive(Debug, Default)]
pub struct FrameReader {
    buffer: Vec<u8>,
    /// Where the next frame starts in `buffer`: frames taken are dropped once per push, not
    /// once per frame, so that a read holding many small frames costs no more than its length.
    start: usize,
    broken: Option<FrameError>,
}

impl FrameReader {
    /// An empty reader.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds bytes read from the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.broken.is_none() {
            self.buffer.drain(..self.start);
            self.start = 0;
            self.buffer.extend_from_slice(bytes);
        }
    }

    /// The next whole frame's body, `None` until one has arrived whole.
    pub fn next_frame(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        if let Some(e) = &self.broken {
            return Err(e.clone());
        }
        let held = &self.buffer[self.start..];
        let Some(header) = held.first_chunk::<4>() else {
            return Ok(None);
        };
        let len = u32::from_be_bytes(*header) as usize;
        let refused = if len == 0 {
            Some(FrameError::Empty)
        } else if len > MAX_FRAME {
            Some(FrameError::TooLarge(len as u64))
        } else {
            None
        };
        if let Some(e) = refused {
            self.buffer = Vec::new();
            self.start = 0;
            self.broken = Some(e.clone());
            return Err(e);
        }
        if held.len() < 4 + len {
            return Ok(None);
        }
        let body = held[4..4 + len].to_vec();
        self.start += 4 + len;
        Ok(Some(body))
    }

    /// Bytes held that do not make a whole frame yet (a stream that ends with some is cut).
    pub fn pending(&self) -> usize {
        self.buffer.len() - self.start
    }
}
