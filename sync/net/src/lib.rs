//! urne-sync: the kiosk's and the organiser's side of the network — the registry's HTTP client
//! ([`uploader`]) to the addresses it accepts ([`address`]), the hall's links between kiosks
//! ([`hall`]), and the connection caps a server's accept loop applies ([`admission`]). With
//! urne-registry (the server), the only crate that opens sockets.

pub mod address;
pub mod admission;
pub mod hall;
pub mod uploader;
