//! urne-cli: `urne`, the organiser's command line. [`args`] is its grammar; [`commands`] holds
//! one module per subcommand, each a function from its arguments to an exit code; [`report`]
//! tells a verified bundle (or why it failed) in French, English or JSON. Everything they do
//! is the crates' below: urne-organiser reads the organiser's files, urne-codec writes and
//! verifies packages and bundles, urne-papers draws badges and papers, urne-sync talks to the
//! registry.

pub mod args;
pub mod commands;
pub mod report;

pub use commands::run;
