//! The sealed ballot box (urne scellée): ballots encrypted at cast to the event's tally key,
//! which no kiosk holds while a poll is open.
//!
//! `urne package` makes one tally key pair per event ([`key`]). The package carries only the
//! public key ([`TallyInfo`]); the private key is split into k-of-n shares for the bureau
//! ([`shares`]). At cast the kiosk seals each ballot with HPKE (RFC 9180, base mode,
//! DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305; a fresh ephemeral key per ballot)
//! to that public key, bound to its event, poll and poll definition ([`ballot`]), and stores only
//! the ciphertext. Closing a poll takes k shares: the key is rebuilt in memory, the box opened and
//! checked against its running digest ([`digest`]), and the key wiped.
//!
//! Pure like the rest of urne-core: every random byte (the key, the shares' polynomials, each
//! ballot's ephemeral key) comes from the caller.

pub mod ballot;
pub mod digest;
pub mod key;
pub mod shares;

pub use ballot::{BoxId, SealError, SealedBallot, open, padded_len, seal, sealed_len};
pub use digest::BoxDigest;
pub use key::{TallyInfo, TallyInfoError, TallyPublicKey, TallySecretKey};
pub use shares::{Share, ShareError, ShareSet, split};
