//! `urne package --event E --roster R --key K --out P`: the organiser's files built into a signed
//! event package sealed to a fresh tally key, with the roster lines it rejected named, and the
//! bureau's part sheets of that key printed beside it (the key itself is never written).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use urne_codec::atomic;
use urne_core::tally::Lang;
use urne_organiser::kept_key;
use urne_organiser::package::{self, BuildError, Built, Sealing};

/// What `urne package` was asked.
#[derive(Debug)]
pub struct Request {
    /// The event description (TOML).
    pub event: PathBuf,
    /// The roster (CSV).
    pub roster: PathBuf,
    /// The organiser key.
    pub key: PathBuf,
    /// The package to write.
    pub out: PathBuf,
    /// Leave rejected roster lines out instead of refusing.
    pub skip_bad_lines: bool,
    /// Parts made (n).
    pub shares: u8,
    /// Parts needed (k).
    pub threshold: u8,
    /// The part sheets (PDF).
    pub parts: PathBuf,
    /// A folder for the parts as text files, if asked.
    pub parts_dir: Option<PathBuf>,
    /// Where to keep the tally key under a passphrase, if asked.
    pub keep_tally_key: Option<PathBuf>,
}

/// The part sheets' default place: beside the package, `<name>-parts.pdf`.
pub fn default_parts(out: &Path) -> PathBuf {
    let stem = out
        .file_stem()
        .map_or_else(|| "evenement".into(), |s| s.to_string_lossy().into_owned());
    out.with_file_name(format!("{stem}-parts.pdf"))
}

/// Builds, signs and writes the package and its part sheets; exits 2 when the roster or the
/// parts asked for are refused.
pub fn run(request: &Request, lang: Lang) -> Result<ExitCode> {
    let fr = lang == Lang::Fr;
    let threshold_ok = (2..=request.shares).contains(&request.threshold);
    if !threshold_ok {
        eprintln!(
            "{}",
            if fr {
                format!(
                    "--threshold {} --shares {} : il faut au moins 2 parts pour dépouiller, et pas plus que de parts créées.",
                    request.threshold, request.shares
                )
            } else {
                format!(
                    "--threshold {} --shares {}: counting needs at least 2 parts, and no more than the parts made.",
                    request.threshold, request.shares
                )
            }
        );
        return Ok(ExitCode::from(2));
    }
    // Asked before anything is built, so that a mistyped passphrase costs nothing.
    let passphrase = match &request.keep_tally_key {
        Some(_) => match super::passphrase::new(lang)? {
            Some(p) => Some(p),
            None => return Ok(ExitCode::from(2)),
        },
        None => None,
    };
    let event_text = std::fs::read_to_string(&request.event)
        .with_context(|| format!("cannot read {}", request.event.display()))?;
    let roster_bytes = super::read(&request.roster)?;
    let key = super::read_key(&request.key)?;
    let mut rng = urne_codec::os::os_rng();
    let now = urne_codec::os::system_clock();
    let sealing = Sealing::Bureau {
        threshold: request.threshold,
        shares: request.shares,
    };
    match package::build(
        &event_text,
        &roster_bytes,
        &key,
        &mut rng,
        now,
        request.skip_bad_lines,
        sealing,
    ) {
        Ok(built) => {
            for e in &built.import.errors {
                eprintln!("{}", e.message(lang));
            }
            write_parts(&request.parts, request.parts_dir.as_deref(), &built, lang)?;
            if let (Some(path), Some(passphrase)) = (&request.keep_tally_key, &passphrase) {
                keep_key(path, &built, request, passphrase)?;
            }
            atomic::write(&request.out, &built.bytes, 0o644)?;
            say_written(request, &built, &key, lang);
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

/// The tally key sealed under the organiser's passphrase, readable by the organiser only.
fn keep_key(path: &Path, built: &Built, request: &Request, passphrase: &str) -> Result<()> {
    let material = built
        .material
        .as_ref()
        .context("the package has no tally key of its own")?;
    let bytes = kept_key::seal(
        material,
        &built.package.event.id,
        request.threshold,
        request.shares,
        passphrase,
        &mut urne_codec::os::os_rng(),
    )?;
    atomic::write(path, &bytes, 0o600)?;
    Ok(())
}

/// The part sheets (and the parts as text files, if asked), written before the package: a
/// package whose parts were not written could never be counted.
fn write_parts(pdf_path: &Path, dir: Option<&Path>, built: &Built, lang: Lang) -> Result<()> {
    super::shares::write(
        pdf_path,
        dir,
        &built.package.event,
        &built.package.tally,
        &built.shares,
        lang,
    )
}

fn say_written(request: &Request, built: &Built, key: &urne_core::crypto::SecretKey, lang: Lang) {
    let fr = lang == Lang::Fr;
    let (members, polls) = (built.package.roster.len(), built.package.event.polls.len());
    if fr {
        println!(
            "Paquet écrit : {} — {members} membres, {polls} scrutins",
            request.out.display()
        );
        println!("Clé de l'organisateur : {}", key.public().fingerprint());
    } else {
        println!(
            "Package written: {} — {members} members, {polls} polls",
            request.out.display()
        );
        println!("Organiser key: {}", key.public().fingerprint());
    }
    let tally = &built.package.tally;
    let (k, n) = (request.threshold, built.shares.len());
    let parts = request.parts.display();
    if fr {
        println!("Clé de dépouillement : {}", tally.public.fingerprint());
        println!(
            "Parts du bureau : {parts} ({n} feuilles, {k} nécessaires pour dépouiller). Imprimez-les, \
             remettez une feuille à chaque membre du bureau, puis supprimez ce fichier."
        );
        match &request.keep_tally_key {
            None => println!("Cet ordinateur ne garde pas la clé."),
            Some(path) => println!(
                "La clé est gardée dans {}, protégée par votre phrase secrète : `urne shares` \
                 réimprime les mêmes parts. Sans la phrase, ce fichier n'ouvre rien.",
                path.display()
            ),
        }
    } else {
        println!("Tally key: {}", tally.public.fingerprint());
        println!(
            "The bureau's parts: {parts} ({n} sheets, {k} needed to count). Print them, give one \
             sheet to each member of the bureau, then delete this file."
        );
        match &request.keep_tally_key {
            None => println!("This computer keeps no copy of the key."),
            Some(path) => println!(
                "The key is kept in {}, protected by your passphrase: `urne shares` prints the \
                 same parts again. Without the passphrase this file opens nothing.",
                path.display()
            ),
        }
    }
}
