//! Where the kiosk's random bytes come from: the operating system's random source, behind a
//! small trait so that the tests that compare an export byte for byte with a committed sample
//! can use a seeded stream instead.
//!
//! The bytes seal ballots (each ballot's ephemeral key) and name them (their random row ids):
//! the OS source failing means the kiosk cannot keep ballots secret, so it stops loudly.

use urne_core::crypto::Sha256Digest;

/// A source of random bytes.
pub trait Entropy: Send {
    /// Fills `bytes` with random bytes.
    fn fill(&mut self, bytes: &mut [u8]);
}

/// The operating system's random source (`getrandom`).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&mut self, bytes: &mut [u8]) {
        getrandom::fill(bytes).expect("the operating system's random source is unavailable");
    }
}

/// A reproducible stream for tests and samples: SHA-256 of a seed and a counter. Never used by
/// the kiosk's binary (nothing sealed with it is secret).
#[derive(Debug, Clone)]
pub struct SeededEntropy {
    seed: [u8; 32],
    counter: u64,
}

impl SeededEntropy {
    /// The stream of `seed`.
    pub fn new(seed: [u8; 32]) -> Self {
        Self { seed, counter: 0 }
    }
}

impl Entropy for SeededEntropy {
    fn fill(&mut self, bytes: &mut [u8]) {
        for chunk in bytes.chunks_mut(32) {
            self.counter += 1;
            let block = Sha256Digest::of_parts(&[&self.seed, &self.counter.to_be_bytes()]);
            chunk.copy_from_slice(&block.0[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The contract both sources keep: every draw of every length is filled and differs from
    /// the ones before.
    fn keeps_the_contract(source: &mut dyn Entropy) {
        let mut seen = std::collections::BTreeSet::new();
        for len in [16usize, 32, 33, 100] {
            for _ in 0..50 {
                let mut bytes = vec![0u8; len];
                source.fill(&mut bytes);
                assert!(bytes.iter().any(|&b| b != 0), "{len} bytes left empty");
                assert!(seen.insert(bytes), "a draw repeated");
            }
        }
    }

    #[test]
    fn the_os_source_and_the_seeded_stream_keep_the_same_contract() {
        keeps_the_contract(&mut OsEntropy);
        keeps_the_contract(&mut SeededEntropy::new([3; 32]));
    }

    #[test]
    fn a_seeded_stream_repeats_itself_and_only_for_its_seed() {
        let draw = |seed| {
            let mut bytes = [0u8; 48];
            SeededEntropy::new(seed).fill(&mut bytes);
            bytes
        };
        assert_eq!(draw([1; 32]), draw([1; 32]));
        assert_ne!(draw([1; 32]), draw([2; 32]));
    }
}
