//! urne-registry's integration tests in one test binary (linked once, as rust-analyzer keeps its
//! tests): the results pages drawn from real bundles, and served over real HTTP. The registry's
//! scenarios with real kiosks are urne-tests' (`registry`, `registry_faults`, `thread`).

mod challenges;
mod forged;
mod hostile_http;
mod refusals;
mod registry_pages;
mod revocation;
