//! urne-sync: the kiosk's and the organiser's side of the network — the registry's HTTP client
//! ([`uploader`]) to the addresses it accepts ([`address`]), the hall's links between kiosks
//! ([`hall`]), the connection caps a server's accept loop applies ([`admission`]), and that accept loop for
//! HTTP ([`http_server`]: the registry's, and the hall's projected screen). With
//! urne-registry (the server), the only crate that opens sockets.

pub mod address;
pub mod admission;
pub mod hall;
pub mod http_server;
pub mod uploader;
