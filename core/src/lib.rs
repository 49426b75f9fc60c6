//! urne-core: Urne's voting domain — pure, with no I/O, no clock and no global randomness.
//!
//! Everything that decides an outcome lives here and is shared by the kiosk, the `urne` command
//! and the registry: badges ([`credential`]), events and rosters ([`event`]), polls and ballots
//! ([`poll`], [`ballot`]), the one tally engine ([`tally`]) with its quorum and majority rules
//! ([`rules`]), proxies ([`proxy`]), the audit chain ([`audit`]), and the one codec of signed archives
//! ([`archive`]) used for event packages ([`package`]) and results bundles ([`results`]), which
//! must count the organiser's event ([`provenance`]) and stay within its roster ([`results::bounds`]).
//! The one result model ([`chart`]) turns a result into what the kiosk's screens, the registry's
//! pages and the procès-verbal draw, with figures written in one way ([`figures`], [`lang`]).
//! The sealed ballot box ([`sealed`]) encrypts each ballot to a key only the bureau can rebuild.
//! Text from outside is shown escaped and cut ([`untrusted`]). A forgotten organiser PIN is
//! replaced with an order the organiser key signs ([`recovery`]).
//! Callers pass in the time ([`timestamp::Timestamp`]) and a random source.

pub mod archive;
pub mod audit;
pub mod ballot;
pub mod chart;
pub mod credential;
pub mod crypto;
pub mod event;
pub mod figures;
pub mod ids;
pub mod lang;
pub mod package;
pub mod poll;
pub mod provenance;
pub mod proxy;
pub mod recovery;
pub mod results;
pub mod rules;
pub mod sealed;
pub mod tally;
pub mod timestamp;
pub mod untrusted;

pub use rand_core;
