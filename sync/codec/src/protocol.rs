//! The registry's wire protocol, shared by the kiosk's client and the server: paths, header
//! names, and the exact messages signed when a kiosk asks for its event package.
//!
//! A package holds the whole roster (every member's name and collective), so the registry gives
//! it only to an enrolled kiosk: the kiosk asks for a challenge for its device fingerprint (a
//! random nonce the registry keeps, bound to that device, good once and for five minutes of the
//! registry's own clock, so a kiosk whose clock is wrong — a Raspberry Pi has no battery clock —
//! is not affected), then asks for the package with its device fingerprint and its signature
//! over the event id and that challenge. A captured request cannot be replayed.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use urne_core::crypto::{Fingerprint, SecretKey};

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

/// How long a challenge stays valid, in seconds. A challenge is also single-use and bound to the
/// device it was issued to: the registry keeps it until it is used or expires.
pub const CHALLENGE_LIFETIME_SECONDS: i64 = 300;

/// The path and query that ask the registry for a challenge for `device` (only an enrolled
/// kiosk gets one).
pub fn challenge_request(device: &Fingerprint) -> String {
    format!("{CHALLENGE}?device={}", device.to_hex())
}

/// What a kiosk signs to ask for an event's package.
pub fn package_request_message(event: &str, challenge: &str) -> Vec<u8> {
    format!("urne-package-request/1\n{event}\n{challenge}").into_bytes()
}

/// The signature header's value for a package request.
pub fn sign_package_request(device: &SecretKey, event: &str, challenge: &str) -> String {
    STANDARD.encode(device.sign(&package_request_message(event, challenge)))
}

/// What a registry's card starts with.
pub const CARD_PREFIX: &str = "URNE-REGISTRY1:";

/// A registry's card: its address and the fingerprint of the key it signs receipts with, as
/// `urne-registry card` prints it and as its QR code carries it
/// (`URNE-REGISTRY1:{64 hex digits}:{address}`). A kiosk's setup scans it, so that the key is
/// pinned by the organiser who set the kiosk up, never taken from whoever answers first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryCard {
    /// The registry's address (`https://…`).
    pub url: String,
    /// The fingerprint of the registry's receipt key.
    pub key: Fingerprint,
}

impl RegistryCard {
    /// The card's text (what its QR code holds).
    pub fn to_text(&self) -> String {
        format!("{CARD_PREFIX}{}:{}", self.key.to_hex(), self.url)
    }

    /// Reads a card's text; `None` when it is not a well-formed card (the address itself is
    /// checked where it is used).
    pub fn parse(text: &str) -> Option<Self> {
        let rest = text.trim().strip_prefix(CARD_PREFIX)?;
        let (hex, url) = rest.split_once(':')?;
        let key = Fingerprint::parse(hex)?;
        let url_ok = !url.is_empty() && !url.chars().any(|c| c.is_whitespace() || c.is_control());
        url_ok.then(|| Self {
            url: url.to_owned(),
            key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_reads_back_and_a_damaged_one_is_refused() {
        let key = SecretKey::from_seed(&[7; 32]).public().fingerprint();
        let card = RegistryCard {
            url: "https://registre.example.org:8443/urne".into(),
            key,
        };
        let text = card.to_text();
        assert_eq!(RegistryCard::parse(&text), Some(card.clone()));
        assert_eq!(RegistryCard::parse(&format!("  {text}\n")), Some(card));
        let hex = key.to_hex();
        for bad in [
            format!("URNE-REGISTRY1:{}:https://r.example.org", &hex[..63]),
            format!("URNE-REGISTRY1:{hex}:"),
            format!("URNE-REGISTRY1:{hex}:https://r.example.org/a b"),
            format!("URNE-REGISTRY2:{hex}:https://r.example.org"),
            format!("{hex}:https://r.example.org"),
        ] {
            assert_eq!(RegistryCard::parse(&bad), None, "{bad}");
        }
    }
}
