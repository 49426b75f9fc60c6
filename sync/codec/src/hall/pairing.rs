//! The pairing QR code the lead shows: `URNE-HALL1:<lead fingerprint>:<token>:<expiry>:<address>`
//! with one or more `address:port` separated by commas (IPv6 in brackets). The joining kiosk
//! scans it with its own scanner: the fingerprint pins the lead's key before any byte is sent,
//! the token is good once and until the expiry (seconds since 1970, on the lead's clock, which
//! the lead checks), and the addresses are where to reach it — mDNS is only a convenience, since
//! hotspots often keep clients from seeing each other.

// The address types only, from `core::net`: this crate opens no socket.
use core::net::{IpAddr, SocketAddr};

use urne_core::crypto::Fingerprint;
use urne_core::timestamp::Timestamp;

use super::PairingToken;

/// What a pairing card's text starts with.
pub const PAIRING_PREFIX: &str = "URNE-HALL1:";

/// The most addresses a card lists (a lead on a wired and a wireless network, IPv4 and IPv6).
pub const MAX_ADDRESSES: usize = 8;

/// A lead's pairing card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairingCard {
    /// The fingerprint of the lead's device key.
    pub lead: Fingerprint,
    /// The one-time token.
    pub token: PairingToken,
    /// When the token lapses.
    pub expires: Timestamp,
    /// Where the lead listens.
    pub addresses: Vec<SocketAddr>,
}

impl PairingCard {
    /// The card's text (what its QR code holds).
    pub fn to_text(&self) -> String {
        let addresses: Vec<String> = self.addresses.iter().map(ToString::to_string).collect();
        format!(
            "{PAIRING_PREFIX}{}:{}:{}:{}",
            self.lead.to_hex(),
            self.token,
            self.expires.0,
            addresses.join(",")
        )
    }

    /// Reads a card's text; `None` when it is not a well-formed card.
    pub fn parse(text: &str) -> Option<Self> {
        let rest = text.trim().strip_prefix(PAIRING_PREFIX)?;
        let mut parts = rest.splitn(4, ':');
        let lead = Fingerprint::parse(parts.next()?)?;
        let token = PairingToken::parse(parts.next()?)?;
        let expiry = parts.next()?;
        if expiry.is_empty() || !expiry.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let expires = Timestamp(expiry.parse().ok()?);
        let mut addresses = Vec::new();
        for address in parts.next()?.split(',') {
            let address: SocketAddr = address.parse().ok()?;
            if !reachable(&address) || addresses.contains(&address) {
                return None;
            }
            addresses.push(address);
        }
        (addresses.len() <= MAX_ADDRESSES).then_some(Self {
            lead,
            token,
            expires,
            addresses,
        })
    }
}

/// Whether another kiosk could connect to `address`: a port, one host (not unspecified,
/// broadcast or multicast), and no IPv6 link-local address or zone, which name an interface of
/// the lead's own that means nothing on the joining kiosk.
fn reachable(address: &SocketAddr) -> bool {
    if address.port() == 0 {
        return false;
    }
    match (address, address.ip()) {
        (SocketAddr::V6(v6), IpAddr::V6(ip)) => {
            let link_local = (ip.segments()[0] & 0xffc0) == 0xfe80;
            v6.scope_id() == 0 && !link_local && !ip.is_unspecified() && !ip.is_multicast()
        }
        (_, IpAddr::V4(ip)) => !ip.is_unspecified() && !ip.is_broadcast() && !ip.is_multicast(),
        (SocketAddr::V4(_), IpAddr::V6(_)) => false,
    }
}
