//! Where the lead kiosk can be reached on the hall's networks, for its pairing card: every
//! address of its interfaces that another kiosk could connect to — not the loopback, not IPv6
//! link-local addresses (which name an interface of the lead's own) — IPv4 first, as many as a
//! card holds.

use std::net::{IpAddr, SocketAddr};

use urne_codec::hall::pairing::MAX_ADDRESSES;

/// The lead's addresses with `port`, best first; empty when it has no network (then no kiosk
/// can join, and the pairing page says so).
pub fn hall_addresses(port: u16) -> Vec<SocketAddr> {
    let interfaces = match if_addrs::get_if_addrs() {
        Ok(interfaces) => interfaces,
        Err(error) => {
            tracing::warn!(%error, "hall: the network interfaces could not be listed");
            return Vec::new();
        }
    };
    choose(interfaces.iter().map(|i| i.ip()), port)
}

/// The addresses of `ips` another kiosk could reach, IPv4 first, without repeats.
fn choose(ips: impl Iterator<Item = IpAddr>, port: u16) -> Vec<SocketAddr> {
    let mut usable: Vec<IpAddr> = ips
        .filter(|ip| !ip.is_loopback() && !ip.is_unspecified() && !ip.is_multicast())
        .filter(|ip| match ip {
            IpAddr::V4(v4) => !v4.is_link_local() && !v4.is_broadcast(),
            IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) != 0xfe80,
        })
        .collect();
    usable.sort_by_key(|ip| ip.is_ipv6());
    let mut seen = Vec::new();
    usable.retain(|ip| {
        let first = !seen.contains(ip);
        seen.push(*ip);
        first
    });
    usable
        .into_iter()
        .take(MAX_ADDRESSES)
        .map(|ip| SocketAddr::new(ip, port))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_addresses_another_kiosk_could_reach_go_on_the_card_ipv4_first() {
        let ips = [
            "127.0.0.1",
            "::1",
            "fe80::1",
            "169.254.3.4",
            "2001:db8::7",
            "192.168.1.20",
            "10.0.0.5",
            "192.168.1.20",
        ]
        .iter()
        .map(|s| s.parse::<IpAddr>().unwrap());
        let chosen: Vec<String> = choose(ips, 4100).iter().map(ToString::to_string).collect();
        assert_eq!(
            chosen,
            ["192.168.1.20:4100", "10.0.0.5:4100", "[2001:db8::7]:4100"]
        );
    }

    #[test]
    fn a_card_holds_at_most_its_share_of_addresses() {
        let ips = (1..=20).map(|n| IpAddr::from([10, 0, 0, n]));
        assert_eq!(choose(ips, 4100).len(), MAX_ADDRESSES);
    }
}
