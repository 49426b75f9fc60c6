//! The registry's wire protocol, shared by the kiosk's client and the server: paths, header
//! names, and the exact messages signed when a kiosk asks for its event package.
//!
//! A package holds the whole roster (every member's name and collective), so the registry gives
//! it only to an enrolled kiosk: the kiosk fetches a fresh challenge signed by the registry, then
//! asks for the package with its device fingerprint and its signature over the event id and that
//! challenge. The challenge carries the registry's own time, so a kiosk whose clock is wrong (a
//! Raspberry Pi has no battery clock) can still prove it is fresh.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use urne_core::crypto::{PublicKey, SecretKey};

/// Upload a bundle (`POST`), list bundles (`GET`).
pub const BUNDLES: &str = "/api/v1/bundles";
/// Publish a package (`POST`, signed by an enrolled organiser key).
pub const PACKAGES: &str = "/api/v1/packages";
/// The events the registry knows (`GET`).
pub const EVENTS: &str = "/api/v1/events";
/// A fresh challenge for a package request (`GET`).
pub const CHALLENGE: &str = "/api/v1/challenge";
/// Liveness.
pub const HEALTH: &str = "/api/v1/health";

/// The path of an event's newest package.
pub fn package_path(event: &str) -> String {
    format!("{EVENTS}/{event}/package")
}

/// An event as `GET /api/v1/events` lists it: written by the registry, read by the kiosk.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EventListing {
    /// The event id.
    pub id: String,
    /// Its title, from the newest package or bundle (empty until one arrives).
    pub title: String,
    /// The day it takes place (`YYYY-MM-DD`, empty until a package or bundle arrives).
    pub date: String,
    /// Where it takes place.
    pub place: String,
    /// SHA-256 of the newest published package, if any.
    pub package: Option<String>,
    /// Stored result bundles (test-deck runs included).
    pub bundles: u64,
    /// Of which test-deck runs (essais à blanc), never results: the events page counts them
    /// apart.
    #[serde(default)]
    pub test_runs: u64,
}

/// Header: the requesting kiosk's device fingerprint (64 hexadecimal digits).
pub const HEADER_DEVICE: &str = "urne-device";
/// Header: the challenge, as the registry gave it.
pub const HEADER_CHALLENGE: &str = "urne-challenge";
/// Header: base64 of the device's Ed25519 signature over [`package_request_message`].
pub const HEADER_SIGNATURE: &str = "urne-signature";

/// How long a challenge stays valid, in seconds.
pub const CHALLENGE_LIFETIME_SECONDS: i64 = 300;

fn challenge_message(issued: i64) -> Vec<u8> {
    format!("urne-challenge/1\n{issued}").into_bytes()
}

/// A challenge issued at `issued` (Unix seconds, the registry's clock): `<seconds>.<signature>`.
pub fn issue_challenge(key: &SecretKey, issued: i64) -> String {
    format!(
        "{issued}.{}",
        STANDARD.encode(key.sign(&challenge_message(issued)))
    )
}

/// Whether a challenge was issued by `key` no longer than [`CHALLENGE_LIFETIME_SECONDS`] before
/// `now` (and not in the future).
pub fn challenge_is_fresh(challenge: &str, key: &PublicKey, now: i64) -> bool {
    let Some((issued, signature)) = challenge.split_once('.') else {
        return false;
    };
    let Ok(issued) = issued.parse::<i64>() else {
        return false;
    };
    let Ok(signature) = STANDARD.decode(signature) else {
        return false;
    };
    key.verify(&challenge_message(issued), &signature).is_ok()
        && issued <= now
        && now - issued <= CHALLENGE_LIFETIME_SECONDS
}

/// What a kiosk signs to ask for an event's package.
pub fn package_request_message(event: &str, challenge: &str) -> Vec<u8> {
    format!("urne-package-request/1\n{event}\n{challenge}").into_bytes()
}

/// The signature header's value for a package request.
pub fn sign_package_request(device: &SecretKey, event: &str, challenge: &str) -> String {
    STANDARD.encode(device.sign(&package_request_message(event, challenge)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_expire_and_cannot_be_forged() {
        let registry = SecretKey::from_seed(&[1; 32]);
        let other = SecretKey::from_seed(&[2; 32]);
        let c = issue_challenge(&registry, 1_000);
        assert!(challenge_is_fresh(&c, &registry.public(), 1_000));
        assert!(challenge_is_fresh(&c, &registry.public(), 1_300));
        assert!(!challenge_is_fresh(&c, &registry.public(), 1_301));
        assert!(!challenge_is_fresh(&c, &registry.public(), 999));
        assert!(!challenge_is_fresh(&c, &other.public(), 1_000));
        let forged = format!("2000.{}", c.split_once('.').unwrap().1);
        assert!(!challenge_is_fresh(&forged, &registry.public(), 2_000));
        assert!(!challenge_is_fresh("garbage", &registry.public(), 1_000));
    }
}
