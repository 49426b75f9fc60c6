//! urne-kiosk: the appliance — the controller between urne-core and the touchscreen, and the
//! adapters for the SQLite store, the serial scanner, the USB target, the key store, the clock
//! and the random source.
//!
//! [`kiosk::Kiosk`] is the controller every input goes through (scanner, touchscreen, test
//! deck); [`view`] binds it to the Slint UI from a worker thread so the UI never blocks.

pub mod app;
pub mod clock;
pub mod deck;
pub mod demo;
pub mod editor;
pub mod entropy;
pub mod fetch;
pub mod flow;
pub mod hall;
pub mod keystore;
pub mod kiosk;
pub mod remote;
pub mod scanner;
pub mod service;
pub mod stick;
pub mod store;
pub mod udisks;
#[cfg(feature = "testing")]
pub mod ui_testing;
pub mod uploads;
pub mod usb;
pub mod view;
pub mod worker;

/// The Slint components generated from `ui/`.
#[allow(
    missing_docs,
    missing_debug_implementations,
    unused_qualifications,
    clippy::all,
    // Slint's generated code has a `todo!` for a feature Urne does not use.
    clippy::todo,
    clippy::unimplemented
)]
pub mod generated {
    slint::include_modules!();
}
