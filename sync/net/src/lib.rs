//! urne-sync: the kiosk's and the organiser's side of the network — the registry's HTTP client
//! ([`uploader`]), to the addresses it accepts ([`address`]). With urne-registry (the server), the only crate that opens sockets; the
//! hall's LAN between kiosks will live here too.

pub mod address;
pub mod uploader;
