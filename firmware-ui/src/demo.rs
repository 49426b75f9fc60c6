//! The built-in demo assembly: the Bellevue popular assembly of `demo/`, as the committed event
//! package `demo/assemblee-demo.urnepkg` signed with a published demo organiser key.
//!
//! The package is built once, by the organiser's tools, and embedded here: the kiosk reads it as
//! it reads any package and never parses the demo's TOML or CSV (urne-tests' `demo_package`
//! rebuilds it from `demo/assemblee-demo.toml` and `demo/roster.csv` and checks that it is the
//! same file). The demo key's seed is public (it is in this file), so anything signed with it
//! proves nothing: it exists so that the demo and its test deck work on any machine, offline.

use urne_codec::package::Signed;
use urne_core::crypto::SecretKey;

/// The demo event package (`.urnepkg`).
pub const PACKAGE: &[u8] = include_bytes!("../../demo/assemblee-demo.urnepkg");
/// The seed of the published, insecure organiser key that signed [`PACKAGE`].
pub const ORGANISER_SEED: &[u8; 32] = b"urne demo organiser key, public!";
/// The test deck (essai à blanc) of the demo assembly.
pub const TEST_DECK: &str = include_str!("../../demo/test-deck.toml");
/// The organiser PIN of the demo kiosk.
pub const PIN: &str = "123456";

/// The published, insecure organiser key of the demo.
pub fn organiser_key() -> SecretKey {
    SecretKey::from_seed(ORGANISER_SEED)
}

/// The demo event package, read and verified (against the demo organiser key) as the kiosk
/// reads any package.
pub fn package() -> Signed {
    let verified =
        urne_codec::package::read(PACKAGE, Some(&organiser_key().public().fingerprint()))
            .expect("the built-in demo package is valid");
    Signed {
        package: verified.package,
        bytes: PACKAGE.to_vec(),
    }
}
