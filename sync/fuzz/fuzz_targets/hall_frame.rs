//! Fuzz target: the hall's frame reader and message decoder, fed what a hostile peer on the
//! hall's network could send, cut into reads of any size. It never panics, never holds more
//! than one frame and one read, gives the same frames whatever the cuts, and every message it
//! reads encodes back to a frame that reads as the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urne_codec::hall::frame::{self, FrameError, FrameReader, MAX_FRAME};
use urne_codec::hall::{Answer, Request};

/// The frames of `data` read in pieces of `chunk` bytes, and whether the stream was refused.
fn frames(data: &[u8], chunk: usize) -> (Vec<Vec<u8>>, bool) {
    let mut reader = FrameReader::new();
    let mut out = Vec::new();
    for piece in data.chunks(chunk) {
        reader.push(piece);
        loop {
            match reader.next_frame() {
                Ok(Some(body)) => {
                    assert!(!body.is_empty() && body.len() <= MAX_FRAME);
                    out.push(body);
                }
                Ok(None) => break,
                Err(_) => return (out, true),
            }
            assert!(reader.pending() <= 4 + MAX_FRAME + chunk);
        }
    }
    (out, false)
}

/// A message read encodes to a frame that reads as the same message (or, at most, to one over
/// the size limit, which the sender refuses rather than sends).
fn round_trip<T>(message: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    match frame::encode(message) {
        Ok(again) => assert_eq!(frame::decode::<T>(&again[4..]).as_ref(), Ok(message)),
        Err(FrameError::TooLarge(_)) => {}
        Err(e) => panic!("a message read does not encode: {e}"),
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((&cut, data)) = input.split_first() else {
        return;
    };
    let chunk = usize::from(cut % 16) + 1;
    let whole = frames(data, data.len().max(1));
    assert_eq!(frames(data, chunk), whole, "the cuts change nothing");
    for body in &whole.0 {
        if let Ok(request) = frame::decode::<Request>(body) {
            round_trip(&request);
        }
        if let Ok(answer) = frame::decode::<Answer>(body) {
            round_trip(&answer);
        }
    }
});
