//! urne-codec: what crosses the device boundary as bytes, and nothing that draws, parses an
//! organiser's spreadsheet or opens a socket.
//!
//! The canonical tar container ([`tarball`]); results bundles sealed and opened ([`bundle`]) and
//! verified end to end into a [`verify::Report`] ([`verify`]); event package files read and
//! written ([`package`]); the registry's signed receipts ([`receipt`]) and the paths, listings
//! and challenges of its protocol ([`protocol`]); the messages, frames, pairing card and
//! attestations of the hall's kiosks ([`hall`]); files written atomically ([`atomic`]); ids
//! made from labels ([`slug`]); and the operating system's clock and randomness for the binaries
//! ([`os`]). The content models and their checks are urne-core's; this crate is their bytes.

pub mod atomic;
pub mod bundle;
pub mod hall;
pub mod os;
pub mod package;
pub mod protocol;
pub mod receipt;
pub mod slug;
pub mod tarball;
pub mod verify;
