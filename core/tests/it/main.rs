//! urne-core's integration tests, one module per subject, in one test binary (linked once, as
//! rust-analyzer keeps its tests): everything here goes through urne-core's public API only.

mod arithmetic;
mod badge_vectors;
mod literature;
mod properties;
