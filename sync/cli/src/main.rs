//! `urne`: the organiser's command line — keys, event packages, badges, and bundle verification.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use urne_core::crypto::{Fingerprint, SecretKey};
use urne_core::tally::Lang;
use urne_sync::{atomic, badges, package, verify};

#[derive(Parser)]
#[command(
    name = "urne",
    version,
    about = "Urne: prepare an event, make badges, verify results"
)]
struct Cli {
    /// Language of messages and reports (default: from LANG, French unless English is asked).
    #[arg(long, global = true, value_enum)]
    lang: Option<LangArg>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LangArg {
    Fr,
    En,
}

#[derive(Subcommand)]
enum Command {
    /// Make an organiser key (PKCS#8 PEM, readable by you only).
    Keygen {
        /// Where to write the key.
        #[arg(long)]
        out: PathBuf,
    },
    /// Build a signed event package from an event description and a roster CSV.
    Package {
        /// The event description (TOML), see demo/assemblee-demo.toml.
        #[arg(long)]
        event: PathBuf,
        /// The roster exported from a spreadsheet (CSV).
        #[arg(long)]
        roster: PathBuf,
        /// The organiser key.
        #[arg(long)]
        key: PathBuf,
        /// Where to write the package (.urnepkg).
        #[arg(long)]
        out: PathBuf,
        /// Import the roster even if some lines are rejected (they are listed and skipped).
        #[arg(long)]
        skip_bad_lines: bool,
    },
    /// Make the badges of a package: an A4 PDF to print, one PNG per member to e-mail, or
    /// (with neither) a list of every badge with the text of its QR code.
    Badges {
        /// The event package.
        #[arg(long)]
        package: PathBuf,
        /// The organiser key that signed the package.
        #[arg(long)]
        key: PathBuf,
        /// Write the printable sheet here (A4, ten badges a page).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write one picture per badge into this folder.
        #[arg(long)]
        png_dir: Option<PathBuf>,
    },
    /// Write the built-in demo assembly's package and its published (insecure) organiser key.
    Demo {
        /// Where to write the demo package (.urnepkg).
        #[arg(long)]
        package: PathBuf,
        /// Where to write the demo organiser key (public: for trying `urne badges` only).
        #[arg(long)]
        key: PathBuf,
    },
    /// Verify a results bundle: signature, hashes, audit chain, and a full re-count.
    Verify {
        /// The bundle (.urne).
        bundle: PathBuf,
        /// Print a JSON report instead of text.
        #[arg(long)]
        json: bool,
        /// Require this device key fingerprint (64 hexadecimal digits).
        #[arg(long)]
        expect_device: Option<String>,
    },
    /// Print the procès-verbal (A4 PDF) of a results bundle, after verifying it, and optionally
    /// its attendance sheet (CSV).
    Pv {
        /// The bundle (.urne).
        bundle: PathBuf,
        /// Where to write the PDF (default: the bundle's name with -pv.pdf, in the current folder).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Also write the attendance sheet (émargement) here.
        #[arg(long)]
        csv: Option<PathBuf>,
        /// Require this device key fingerprint (64 hexadecimal digits).
        #[arg(long)]
        expect_device: Option<String>,
    },
    /// Publish an event package at the registry, so that enrolled kiosks can fetch it when they
    /// are online (its organiser key must be enrolled for the event there).
    #[cfg(feature = "client")]
    Publish {
        /// The event package (.urnepkg).
        package: PathBuf,
        /// The registry's address, e.g. https://registre.example.org.
        #[arg(long)]
        registry: String,
    },
    /// Count a ballot file: Urne JSON (.json), PrefLib (.soc .soi .toc .toi) or pabulib (.pb).
    Tally {
        /// The ballot file.
        file: PathBuf,
        /// How to count it (default: what the file says).
        #[arg(long, value_enum)]
        method: Option<urne_sync::ballot_files::Method>,
        /// Print a readable report instead of JSON.
        #[arg(long)]
        human: bool,
    },
}

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

fn expected_device(text: Option<String>) -> Result<Option<Fingerprint>> {
    text.map(|t| {
        Fingerprint::parse(t.trim()).context("--expect-device takes 64 hexadecimal digits")
    })
    .transpose()
}

fn now() -> urne_core::timestamp::Timestamp {
    urne_sync::system_clock()
}

fn read_key(path: &PathBuf) -> Result<SecretKey> {
    let pem = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the key {}", path.display()))?;
    Ok(SecretKey::from_pem(&pem)?)
}

fn run(cli: Cli) -> Result<ExitCode> {
    let lang = lang(cli.lang);
    let fr = lang == Lang::Fr;
    match cli.command {
        Command::Keygen { out } => {
            if out.exists() {
                bail!(
                    "{} exists already: refusing to overwrite a key",
                    out.display()
                );
            }
            let mut rng = urne_sync::os_rng();
            let key = SecretKey::generate(&mut rng);
            atomic::write(&out, key.to_pem().as_bytes(), 0o600)?;
            println!("{}", key.public().fingerprint());
            Ok(ExitCode::SUCCESS)
        }
        Command::Package {
            event,
            roster,
            key,
            out,
            skip_bad_lines,
        } => {
            let event_text = std::fs::read_to_string(&event)
                .with_context(|| format!("cannot read {}", event.display()))?;
            let roster_bytes = std::fs::read(&roster)
                .with_context(|| format!("cannot read {}", roster.display()))?;
            let key = read_key(&key)?;
            let mut rng = urne_sync::os_rng();
            match package::build(
                &event_text,
                &roster_bytes,
                &key,
                &mut rng,
                now(),
                skip_bad_lines,
            ) {
                Ok(built) => {
                    for e in &built.import.errors {
                        eprintln!("{}", e.message(lang));
                    }
                    atomic::write(&out, &built.bytes, 0o644)?;
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
                Err(package::BuildError::RosterLines(import)) => {
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
                Err(package::BuildError::RosterFile(e)) => {
                    eprintln!("{}", e.message(lang));
                    Ok(ExitCode::from(2))
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Badges {
            package,
            key,
            out,
            png_dir,
        } => {
            let bytes = std::fs::read(&package)
                .with_context(|| format!("cannot read {}", package.display()))?;
            let key = read_key(&key)?;
            let verified = package::read(&bytes, Some(&key.public().fingerprint()))?;
            let issued = badges::issue_all(&verified.package, &key);
            let settings = badges::PrintSettings {
                event_title: &verified.package.event.title,
                lang,
            };
            if out.is_none() && png_dir.is_none() {
                for badge in &issued {
                    println!(
                        "{}\t{}\t{:?}\t{}",
                        badge.id, badge.name, badge.role, badge.payload
                    );
                }
            }
            if let Some(out) = out {
                atomic::write(&out, &badges::pdf::render(&issued, &settings)?, 0o644)?;
                let pages = badges::pdf::page_count(issued.len());
                if fr {
                    println!("{} badges, {pages} pages : {}", issued.len(), out.display());
                } else {
                    println!("{} badges, {pages} pages: {}", issued.len(), out.display());
                }
            }
            if let Some(dir) = png_dir {
                let written = badges::png::write_dir(&dir, &issued, &settings)?;
                if fr {
                    println!("{} images : {}", written.len(), dir.display());
                } else {
                    println!("{} pictures: {}", written.len(), dir.display());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { package, key } => {
            let built = urne_sync::demo::package();
            atomic::write(&package, &built.bytes, 0o644)?;
            atomic::write(
                &key,
                urne_sync::demo::organiser_key().to_pem().as_bytes(),
                0o600,
            )?;
            println!(
                "{} {}",
                if fr {
                    "Paquet de démonstration écrit :"
                } else {
                    "Demo package written:"
                },
                package.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Pv {
            bundle,
            out,
            csv,
            expect_device,
        } => {
            let expected = expected_device(expect_device)?;
            let bytes = std::fs::read(&bundle)
                .with_context(|| format!("cannot read {}", bundle.display()))?;
            let report = match verify::verify(&bytes, expected.as_ref()) {
                Ok(report) => report,
                Err(error) => {
                    eprintln!("{}", verify::render_error(&error, lang));
                    eprintln!(
                        "{}",
                        if fr {
                            "Aucun procès-verbal n'est imprimé pour un bundle qui ne se vérifie pas."
                        } else {
                            "No minutes are printed for a bundle that does not verify."
                        }
                    );
                    return Ok(ExitCode::from(1));
                }
            };
            let name = bundle
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let out = out.unwrap_or_else(|| PathBuf::from(urne_sync::pv::file_name(&name)));
            atomic::write(&out, &urne_sync::pv::render(&report, &name, lang)?, 0o644)?;
            println!("{}", out.display());
            if let Some(csv) = csv {
                let sheet = urne_sync::emargement::render(&report.content.attendance, lang)?;
                atomic::write(&csv, &sheet, 0o644)?;
                println!("{}", csv.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify {
            bundle,
            json,
            expect_device,
        } => {
            let expected = expected_device(expect_device)?;
            let bytes = std::fs::read(&bundle)
                .with_context(|| format!("cannot read {}", bundle.display()))?;
            match verify::verify(&bytes, expected.as_ref()) {
                Ok(report) => {
                    if json {
                        println!("{}", verify::render_json(&report));
                    } else {
                        print!("{}", verify::render(&report, lang));
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => {
                    if json {
                        println!("{}", verify::render_json_error(&error));
                    } else {
                        println!("{}", verify::render_error(&error, lang));
                    }
                    Ok(ExitCode::from(1))
                }
            }
        }
        #[cfg(feature = "client")]
        Command::Publish { package, registry } => {
            let bytes = std::fs::read(&package)
                .with_context(|| format!("cannot read {}", package.display()))?;
            // Check it here first: a clear message beats a refusal from the far end.
            let verified = package::read(&bytes, None)
                .with_context(|| format!("{} is not a valid package", package.display()))?;
            let uploader = urne_sync::uploader::Uploader::new(&registry)?;
            let digest = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?
                .block_on(uploader.publish(bytes))?;
            println!(
                "{} {} ({digest})",
                match lang {
                    Lang::Fr => "Paquet publié pour l'événement",
                    Lang::En => "Package published for event",
                },
                verified.package.event.id
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Tally {
            file,
            method,
            human,
        } => {
            let out = urne_sync::ballot_files::run_tally(&file, method, human, lang);
            print!("{}", out.stdout);
            eprint!("{}", out.stderr);
            Ok(ExitCode::from(out.code))
        }
    }
}

fn main() -> ExitCode {
    urne_sync::init_logging();
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("urne: {e:#}");
            ExitCode::from(2)
        }
    }
}
