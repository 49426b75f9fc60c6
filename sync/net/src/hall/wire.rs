//! Frames over an async stream: one message written whole and flushed, one read under the
//! codec's cap (an oversized header is refused before its body is read).

use std::io;

use serde::Serialize;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use urne_codec::hall::frame::{self, FrameError, FrameReader};

/// Why a frame could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// The socket failed.
    #[error("the connection failed: {0}")]
    Io(#[from] io::Error),
    /// The peer closed the stream in the middle of a frame.
    #[error("the connection was closed in the middle of a message")]
    Cut,
    /// The frame broke the protocol (too large, empty, not a message).
    #[error(transparent)]
    Frame(#[from] FrameError),
}

/// Writes `message` as one frame and flushes it.
pub async fn write_message<W, T>(stream: &mut W, message: &T) -> Result<(), WireError>
where
    W: AsyncWrite + Unpin,
    T: Serialize,
{
    let bytes = frame::encode(message)?;
    stream.write_all(&bytes).await?;
    stream.flush().await?;
    Ok(())
}

/// Reads the next frame's body; `None` when the peer closed the stream between frames.
pub async fn read_frame<R>(
    stream: &mut R,
    reader: &mut FrameReader,
) -> Result<Option<Vec<u8>>, WireError>
where
    R: AsyncRead + Unpin,
{
    let mut buffer = [0u8; 8192];
    loop {
        if let Some(body) = reader.next_frame()? {
            return Ok(Some(body));
        }
        let n = stream.read(&mut buffer).await?;
        if n == 0 {
            return if reader.pending() == 0 {
                Ok(None)
            } else {
                Err(WireError::Cut)
            };
        }
        reader.push(&buffer[..n]);
    }
}
