//! urne-organiser: what the organiser brings, read and checked before anything is signed.
//!
//! The event description written by hand ([`event_toml`]), the roster exported from a
//! spreadsheet ([`roster_csv`]), and the event package built from both and signed
//! ([`package`], written by urne-codec); ballot files from elsewhere — Urne JSON, PrefLib,
//! pabulib — read into a poll and its ballots for `urne tally` ([`ballot_files`]). Nothing here
//! runs on the kiosk: it loads the finished package.

pub mod ballot_files;
pub mod event_toml;
pub mod kept_key;
pub mod package;
pub mod roster_csv;
