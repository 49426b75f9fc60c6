//! The hall's network: the lead kiosk's server and the member kiosks' client, over the hall's
//! own network (a router or switch the organisers bring, no internet). TLS 1.3 with each kiosk's
//! device key as a raw public key, pinned on both sides ([`tls`]); the codec's frames over it
//! ([`wire`]); request ids so that a retry is applied once ([`replay`]); the lead's accept loop
//! ([`server`]) and the members' retrying client ([`client`]). What the requests mean is the
//! kiosk's business: the lead answers them through [`server::HallLead`]. And the projected
//! screen's read-only page over HTTP ([`screen`]).

pub mod addresses;
pub mod client;
pub mod replay;
pub mod screen;
pub mod server;
pub mod tls;
pub mod wire;
