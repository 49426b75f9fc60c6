//! urne-registry: the central registry that receives bundles from enrolled kiosks, checks them
//! (canonical form, signature, hashes, enrolled device and organiser, full re-count with
//! urne-core), stores each exactly once and answers with a signed receipt; it also hands event
//! packages to enrolled kiosks and publishes results as JSON and as French HTML pages.
//!
//! [`service`] is the registry without HTTP (its refusals are its own [`Refusal`]s, each with a
//! code, kept for the operator under a rate by [`refusal`]); [`http`]
//! serves it with axum and maps each refusal to a status, [`listen`] accepts its connections; [`store`] keeps it (the storage trait
//! and its SQLite backend, with group commit); [`model`] is the results as the registry shows
//! them, [`pages`] their HTML; [`limits`] the rates and caps both apply. The binary
//! `urne-registry` (`main.rs`) serves it and enrols kiosks and organisers.

pub mod http;
pub mod limits;
pub mod listen;
pub mod model;
pub mod pages;
pub mod refusal;
pub mod service;
pub mod store;

pub use limits::Limits;
pub use listen::serve;
pub use service::{Published, Refusal, Registry, RegistryError, load_or_create_key};
pub use store::{RegistryStore, SqliteStore, StoreError, Stored};
