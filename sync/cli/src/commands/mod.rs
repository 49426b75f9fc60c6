//! One module per subcommand, each a function from its arguments to an exit code, and what they
//! share: the reader's language, reading files and keys, a pinned device fingerprint.

mod badges;
pub mod demo;
mod keygen;
mod package;
mod passphrase;
mod pin_reset;
mod publish;
mod pv;
mod shares;
mod tally;
mod verify;

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use urne_core::crypto::{Fingerprint, SecretKey};
use urne_core::tally::Lang;

use crate::args::{Cli, Command, LangArg};

/// Runs one command line: 0 when it did what was asked, 1 when a bundle does not verify or a
/// ballot file is refused, 2 for a usage or input mistake (an `Err` is printed and exits 2).
pub fn run(cli: Cli) -> Result<ExitCode> {
    let lang = lang(cli.lang);
    match cli.command {
        Command::Keygen { out } => keygen::run(&out),
        Command::Package {
            event,
            roster,
            key,
            out,
            skip_bad_lines,
            shares,
            threshold,
            parts,
            parts_dir,
            keep_tally_key,
        } => package::run(
            &package::Request {
                event,
                roster,
                key,
                parts: parts.unwrap_or_else(|| package::default_parts(&out)),
                out,
                skip_bad_lines,
                shares,
                threshold,
                parts_dir,
                keep_tally_key,
            },
            lang,
        ),
        Command::Shares {
            tally_key,
            package,
            out,
            parts_dir,
        } => shares::run(&tally_key, &package, &out, parts_dir.as_deref(), lang),
        Command::Badges {
            package,
            key,
            out,
            png_dir,
        } => badges::run(&package, &key, out.as_deref(), png_dir.as_deref(), lang),
        Command::Demo { package, key } => demo::run(&package, &key, lang),
        Command::PinReset { key, device, out } => {
            pin_reset::run(&key, &device, out.as_deref(), lang)
        }
        Command::Verify {
            bundle,
            json,
            expect_device,
            package,
        } => verify::run(
            &bundle,
            json,
            expect_device.as_deref(),
            package.as_deref(),
            lang,
        ),
        Command::Pv {
            bundle,
            out,
            csv,
            expect_device,
        } => pv::run(
            &bundle,
            out.as_deref(),
            csv.as_deref(),
            expect_device.as_deref(),
            lang,
        ),
        Command::Publish { package, registry } => publish::run(&package, &registry, lang),
        Command::Tally {
            file,
            method,
            human,
        } => Ok(tally::run(&file, method, human, lang)),
    }
}

/// `--lang`, or else the locale's language: French unless English is asked.
fn lang(arg: Option<LangArg>) -> Lang {
    match arg {
        Some(LangArg::Fr) => Lang::Fr,
        Some(LangArg::En) => Lang::En,
        None => {
            let env = ["LC_ALL", "LC_MESSAGES", "LANG"]
                .iter()
                .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
                .unwrap_or_default();
            if env.starts_with("en") {
                Lang::En
            } else {
                Lang::Fr
            }
        }
    }
}

fn expected_device(text: Option<&str>) -> Result<Option<Fingerprint>> {
    text.map(|t| {
        Fingerprint::parse(t.trim()).context("--expect-device takes 64 hexadecimal digits")
    })
    .transpose()
}

fn read_key(path: &Path) -> Result<SecretKey> {
    let pem = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the key {}", path.display()))?;
    Ok(SecretKey::from_pem(&pem)?)
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}
