//! urne-tests: the end-to-end scenarios across Urne's crates and the architecture's mechanical
//! checks, one module per scenario in one test binary (linked once, as rust-analyzer keeps its
//! tests); `support` holds the set-ups the registry scenarios share.

mod architecture;
// The Debian package's checks need a built package: deploy/test-deb.sh turns them on.
#[cfg(feature = "deb")]
mod deb_package;
mod demo_deck;
mod demo_package;
mod presenters;
mod registry;
mod registry_faults;
mod registry_pinning;
mod shape;
mod support;
mod thread;
