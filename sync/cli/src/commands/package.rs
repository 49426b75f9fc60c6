//! `urne package --event E --roster R --key K --out P`: the organiser's files built into a signed
//! event package, with the roster lines it rejected named.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use urne_codec::atomic;
use urne_core::tally::Lang;
use urne_organiser::package::{self, BuildError};

/// Builds, signs and writes the package; exits 2 when the roster is refused.
pub fn run(
    event: &Path,
    roster: &Path,
    key: &Path,
    out: &Path,
    skip_bad_lines: bool,
    lang: Lang,
) -> Result<ExitCode> {
    let fr = lang == Lang::Fr;
    let event_text = std::fs::read_to_string(event)
        .with_context(|| format!("cannot read {}", event.display()))?;
    let roster_bytes = super::read(roster)?;
    let key = super::read_key(key)?;
    let mut rng = urne_codec::os::os_rng();
    let now = urne_codec::os::system_clock();
    match package::build(
        &event_text,
        &roster_bytes,
        &key,
        &mut rng,
        now,
        skip_bad_lines,
    ) {
        Ok(built) => {
            for e in &built.import.errors {
                eprintln!("{}", e.message(lang));
            }
            atomic::write(out, &built.bytes, 0o644)?;
            println!(
                "{} {} — {} {}, {} {}",
                if fr {
                    "Paquet écrit :"
                } else {
                    "Package written:"
                },
                out.display(),
                built.package.roster.len(),
                if fr { "membres" } else { "members" },
                built.package.event.polls.len(),
                if fr { "scrutins" } else { "polls" },
            );
            println!(
                "{} {}",
                if fr {
                    "Clé de l'organisateur :"
                } else {
                    "Organiser key:"
                },
                key.public().fingerprint()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(BuildError::RosterLines(import)) => {
            for e in &import.errors {
                eprintln!("{}", e.message(lang));
            }
            eprintln!(
                "{}",
                if fr {
                    "Rien n'a été importé. Corrigez ces lignes, ou relancez avec --skip-bad-lines pour les ignorer."
                } else {
                    "Nothing was imported. Fix these lines, or run again with --skip-bad-lines to leave them out."
                }
            );
            Ok(ExitCode::from(2))
        }
        Err(BuildError::RosterFile(e)) => {
            eprintln!("{}", e.message(lang));
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(e.into()),
    }
}
