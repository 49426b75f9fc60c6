//! The box digest: an order-free summary of a poll's sealed ballots, kept since the poll opened,
//! so that a ciphertext edited, removed, added or swapped on the card between casts is found at
//! the count instead of being counted.
//!
//! It is the number of ciphertexts and the sum, modulo 2^256, of the SHA-256 of each one. A sum
//! forgets the order, as the box must. Its honest limit: someone able to rewrite the card can
//! rewrite the digest beside it; it catches a naive edit, corruption and a swap of rows, and,
//! held in the running kiosk's memory, any edit made behind its back during the evening.

use serde::{Deserialize, Serialize};

use crate::crypto::Sha256Digest;

const ITEM_CONTEXT: &[u8] = b"urne-box-item/1\0";

/// The digest of a box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoxDigest {
    /// Ciphertexts in the box.
    pub count: u64,
    /// The sum of their SHA-256, modulo 2^256, big-endian.
    pub sum: Sha256Digest,
}

impl BoxDigest {
    /// The digest of an empty box.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The digest of the box once `sealed` is added.
    #[must_use]
    pub fn with(self, sealed: &[u8]) -> Self {
        let item = Sha256Digest::of_parts(&[ITEM_CONTEXT, sealed]);
        Self {
            count: self.count + 1,
            sum: Sha256Digest(add(&self.sum.0, &item.0)),
        }
    }

    /// The digest of every ciphertext in `box_`.
    pub fn of<'a>(box_: impl IntoIterator<Item = &'a [u8]>) -> Self {
        box_.into_iter().fold(Self::empty(), Self::with)
    }
}

/// `a + b` modulo 2^256, both big-endian.
fn add(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let s = u16::from(a[i]) + u16::from(b[i]) + carry;
        out[i] = s.to_le_bytes()[0];
        carry = s >> 8;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_forgets_order_but_not_content() {
        let rows: [&[u8]; 3] = [b"alpha", b"beta", b"gamma"];
        let forward = BoxDigest::of(rows);
        let backward = BoxDigest::of(rows.iter().rev().copied());
        assert_eq!(forward, backward);
        assert_eq!(forward.count, 3);
        assert_ne!(
            forward,
            BoxDigest::of([b"alpha" as &[u8], b"beta", b"gammb"])
        );
        assert_ne!(forward, BoxDigest::of([b"alpha" as &[u8], b"beta"]));
        assert_ne!(
            forward,
            BoxDigest::of([b"alpha" as &[u8], b"beta", b"gamma", b"gamma"])
        );
    }

    #[test]
    fn the_sum_carries_across_bytes() {
        let mut a = [0u8; 32];
        a[31] = 0xff;
        let mut b = [0u8; 32];
        b[31] = 0x01;
        let mut expected = [0u8; 32];
        expected[30] = 1;
        assert_eq!(add(&a, &b), expected);
        assert_eq!(add(&[0xff; 32], &b), [0u8; 32]);
    }
}
