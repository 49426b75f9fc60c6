//! Which registry addresses the client talks to: `https://` anywhere, `http://` only to this
//! machine. A bundle, a package request or a receipt over plain HTTP on a hall's or a café's
//! network could be read and answered by anyone on it.

use std::net::IpAddr;

/// Why a registry address is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// Not an address with a scheme and a host.
    #[error("the registry's address is not a web address (https://…)")]
    NotAnAddress,
    /// Neither `https://` nor `http://`.
    #[error("the registry's address must start with https://")]
    Scheme,
    /// `http://` to another machine.
    #[error(
        "the registry's address must start with https://; http:// is accepted only for a \
         registry on this machine (localhost, 127.0.0.1, ::1)"
    )]
    PlainHttpRemote,
    /// No host name.
    #[error("the registry's address has no server name")]
    NoHost,
}

/// Checks a registry's address and returns it parsed.
pub fn check(address: &str) -> Result<reqwest::Url, AddressError> {
    let address = address.trim();
    let (scheme, rest) = address.split_once("://").ok_or(AddressError::Scheme)?;
    if !["https", "http"].contains(&scheme.to_ascii_lowercase().as_str()) {
        return Err(AddressError::Scheme);
    }
    let url = reqwest::Url::parse(address).map_err(|_| {
        if rest.split(['/', '?', '#']).next().unwrap_or("").is_empty() {
            AddressError::NoHost
        } else {
            AddressError::NotAnAddress
        }
    })?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or(AddressError::NoHost)?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(host) => Ok(url),
        "http" => Err(AddressError::PlainHttpRemote),
        _ => Err(AddressError::Scheme),
    }
}

/// `localhost`, an address of 127.0.0.0/8 or `::1`.
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_to_this_machine() {
        for ok in [
            "https://registre.example.org",
            "https://192.168.1.20:8443/",
            "http://127.0.0.1:8080",
            "http://localhost:3000",
            "http://[::1]:8080",
            "http://127.8.9.10",
        ] {
            assert!(check(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            check("http://192.168.1.20:8080"),
            Err(AddressError::PlainHttpRemote)
        );
        assert_eq!(
            check("http://registre.example.org"),
            Err(AddressError::PlainHttpRemote)
        );
        assert_eq!(
            check("http://localhost.evil.example"),
            Err(AddressError::PlainHttpRemote)
        );
        assert_eq!(
            check("ftp://registre.example.org"),
            Err(AddressError::Scheme)
        );
        assert_eq!(check("registre.example.org"), Err(AddressError::Scheme));
        assert_eq!(check("https://"), Err(AddressError::NoHost));
    }
}
