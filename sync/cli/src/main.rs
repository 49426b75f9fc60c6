//! `urne`: the organiser's command line — keys, event packages, badges, and bundle verification.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    urne_codec::os::init_logging();
    match urne_cli::run(urne_cli::args::Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("urne: {e:#}");
            ExitCode::from(2)
        }
    }
}
