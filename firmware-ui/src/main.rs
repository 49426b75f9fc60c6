//! `urne-kiosk`: the appliance binary — the touchscreen kiosk, and its test deck.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use urne_core::tally::Lang;
use urne_kiosk::app::{self, Options};

#[derive(Parser)]
#[command(
    name = "urne-kiosk",
    version,
    about = "Urne: check-in by QR badge and secret ballot"
)]
struct Cli {
    /// Run the built-in demo assembly (Bellevue) with sample badges to tap.
    #[arg(long)]
    demo: bool,
    /// Data folder (database, device key). Default: ~/.local/share/urne (urne-demo for --demo).
    #[arg(long, global = true)]
    data: Option<PathBuf>,
    /// Folder standing for the USB stick (exports). Default: <data>/export.
    #[arg(long, global = true)]
    usb_dir: Option<PathBuf>,
    /// Write exports to the inserted USB stick through udisks2 (the Pi appliance; needs the
    /// `udisks` feature) instead of --usb-dir.
    #[arg(long)]
    udisks: bool,
    /// Event package (.urnepkg) to load at start.
    #[arg(long)]
    package: Option<PathBuf>,
    /// Serial QR scanner device, e.g. /dev/ttyACM0 or /dev/urne-scanner.
    #[arg(long)]
    scanner: Option<String>,
    /// Scanner baud rate.
    #[arg(long, default_value_t = 9600)]
    baud: u32,
    /// Registry to upload signed bundles to, e.g. https://registre.example.org.
    #[arg(long)]
    registry: Option<String>,
    /// The fingerprint of that registry's receipt key (64 hexadecimal digits, as
    /// `urne-registry card` prints it): nothing is uploaded without it.
    #[arg(long, requires = "registry")]
    registry_key: Option<String>,
    /// Language at start.
    #[arg(long, value_enum, default_value_t = LangArg::Fr, global = true)]
    lang: LangArg,
    /// Seconds of inactivity before a voter's screen clears itself.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Clone, Copy, ValueEnum)]
enum LangArg {
    Fr,
    En,
}

#[derive(Subcommand)]
enum Command {
    /// Run a test deck (essai à blanc) through the kiosk and compare the counts.
    TestDeck {
        /// The deck (TOML). Default: the demo assembly's deck.
        deck: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    urne_codec::os::init_logging();
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("urne-kiosk: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// The `--registry-key` given, read.
fn registry_key(text: Option<&str>) -> Result<Option<urne_core::crypto::Fingerprint>> {
    text.map(|hex| {
        urne_core::crypto::Fingerprint::parse(hex.trim()).ok_or_else(|| {
            anyhow::anyhow!(
                "--registry-key takes the 64 hexadecimal digits that urne-registry card prints"
            )
        })
    })
    .transpose()
}

fn run(cli: Cli) -> Result<ExitCode> {
    let lang = match cli.lang {
        LangArg::Fr => Lang::Fr,
        LangArg::En => Lang::En,
    };
    let demo = cli.demo;
    let data = cli.data.unwrap_or_else(|| app::default_data_dir(demo));
    let usb_dir = cli.usb_dir.unwrap_or_else(|| data.join("export"));
    if let Some(Command::TestDeck { deck }) = cli.command {
        let passed = app::run_deck(deck.as_deref(), &data, &usb_dir, lang)?;
        return Ok(if passed {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let options = Options {
        data,
        usb_dir,
        udisks: cli.udisks,
        package: cli.package,
        demo,
        scanner: cli.scanner,
        baud: cli.baud,
        registry: match cli.registry {
            Some(url) => Some((url, registry_key(cli.registry_key.as_deref())?)),
            None => None,
        },
        lang,
        voter_timeout_secs: cli.timeout,
    };
    if !app::window_platform_available() {
        if !demo {
            if cfg!(feature = "pi") {
                // The Pi draws straight to the screen: no display server is involved.
                anyhow::bail!(
                    "the screen cannot be opened (DRM/KMS and libinput through Slint's linuxkms backend): check that a screen is connected and that the kiosk's user is in the video, input and render groups"
                );
            }
            anyhow::bail!(
                "no display is available (DISPLAY and WAYLAND_DISPLAY are unset or unusable); the kiosk needs a screen"
            );
        }
        println!(
            "{}",
            if lang == Lang::Fr {
                "Pas d'écran disponible (ni DISPLAY ni WAYLAND_DISPLAY) : l'essai à blanc de l'assemblée de démonstration est lancé sans fenêtre."
            } else {
                "No display available (neither DISPLAY nor WAYLAND_DISPLAY): running the demo assembly's test deck without a window."
            }
        );
        let passed = app::run_deck(None, &options.data, &options.usb_dir, lang)?;
        return Ok(if passed {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    app::run_window(&options)?;
    Ok(ExitCode::SUCCESS)
}
