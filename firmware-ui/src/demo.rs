//! The built-in demo assembly: the Bellevue popular assembly of `demo/`, packaged
//! deterministically with a published demo organiser key.
//!
//! The demo key's seed is public (it is in this file), so anything signed with it proves
//! nothing: it exists so that the demo and its test deck work on any machine, offline.

use rand_chacha::ChaCha20Rng;
use urne_core::crypto::SecretKey;
use urne_core::rand_core::SeedableRng;
use urne_core::timestamp::Timestamp;

use crate::package::{self, Built};

/// The demo event description.
pub const EVENT_TOML: &str = include_str!("../../demo/assemblee-demo.toml");
/// The demo roster (150 members, UTF-8 with BOM, `;`), a copy of the shared fixture.
pub const ROSTER_CSV: &[u8] = include_bytes!("../../demo/roster.csv");
/// The test deck (essai à blanc) of the demo assembly.
pub const TEST_DECK: &str = include_str!("../../demo/test-deck.toml");
/// The organiser PIN of the demo kiosk.
pub const PIN: &str = "123456";

/// The published, insecure organiser key of the demo.
pub fn organiser_key() -> SecretKey {
    SecretKey::from_seed(b"urne demo organiser key, public!")
}

/// The demo event package, identical on every machine (member ids come from a seeded generator).
pub fn package() -> Built {
    let mut rng = ChaCha20Rng::seed_from_u64(0x00B1_E11E_5EED);
    // 2026-11-12, the date of the charter's draft.
    let created = Timestamp(1_794_441_600);
    package::build(
        EVENT_TOML,
        ROSTER_CSV,
        &organiser_key(),
        &mut rng,
        created,
        false,
    )
    .expect("the built-in demo assembly is valid")
}
