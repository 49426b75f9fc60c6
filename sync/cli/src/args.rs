//! The command line's grammar: `urne [--lang fr|en] <subcommand> …`, as clap reads it (the
//! help texts are the ones `urne --help` prints).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use urne_organiser::ballot_files::Method;

#[derive(Debug, Parser)]
#[command(
    name = "urne",
    version,
    about = "Urne: prepare an event, make badges, verify results"
)]
pub struct Cli {
    /// Language of messages and reports (default: from LANG, French unless English is asked).
    #[arg(long, global = true, value_enum)]
    pub lang: Option<LangArg>,
    #[command(subcommand)]
    pub command: Command,
}

// No doc comments on the values: clap would print them in `--help`, which stays as it was.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LangArg {
    Fr,
    En,
}

#[derive(Debug, Subcommand)]
pub enum Command {
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
        /// Parts of the tally key made for the bureau (n): one sheet each.
        #[arg(long, default_value_t = 3)]
        shares: u8,
        /// Parts needed to count a poll (k).
        #[arg(long, default_value_t = 2)]
        threshold: u8,
        /// Where to write the bureau's part sheets (A4 PDF, one page per part); by default
        /// beside the package, as <package>-parts.pdf.
        #[arg(long)]
        parts: Option<PathBuf>,
        /// Also write each part as a text file in this folder (part-1.txt, …).
        #[arg(long)]
        parts_dir: Option<PathBuf>,
        /// Keep the tally key in this file, sealed under a passphrase (asked twice), so that
        /// lost part sheets can be printed again with `urne shares`. By default nothing is kept.
        #[arg(long)]
        keep_tally_key: Option<PathBuf>,
    },
    /// Print the bureau's part sheets again from a tally key kept with
    /// `urne package --keep-tally-key`: the same parts, which the package lists.
    Shares {
        /// The kept tally key file.
        #[arg(long)]
        tally_key: PathBuf,
        /// The event package the key seals.
        #[arg(long)]
        package: PathBuf,
        /// Where to write the part sheets (A4 PDF, one page per part).
        #[arg(long)]
        out: PathBuf,
        /// Also write each part as a text file in this folder (part-1.txt, …).
        #[arg(long)]
        parts_dir: Option<PathBuf>,
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
    /// Make a PIN recovery order for one kiosk whose organiser PIN was forgotten: its QR code,
    /// scanned on the kiosk's PIN page, lets a new PIN be chosen (once).
    PinReset {
        /// The organiser key (the one whose packages the kiosk loaded).
        #[arg(long)]
        key: PathBuf,
        /// The kiosk's fingerprint, as its PIN page shows it (spaces allowed).
        #[arg(long)]
        device: String,
        /// Write the QR code here as a PNG picture (to show on a phone or print).
        #[arg(long)]
        out: Option<PathBuf>,
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
        /// The event package the kiosk ran (.urnepkg): the attendance and every poll's weight
        /// are then bounded by its roster too.
        #[arg(long)]
        package: Option<PathBuf>,
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
        method: Option<Method>,
        /// Print a readable report instead of JSON.
        #[arg(long)]
        human: bool,
    },
}
