//! The hall's network, tested over real sockets on 127.0.0.1: the pinned TLS both ways, what a
//! hostile kiosk can send, and requests through a proxy that drops, cuts, delays and partitions.

mod faults;
mod support;
mod tls;
mod transport;
