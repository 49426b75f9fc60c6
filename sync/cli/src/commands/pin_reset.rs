//! `urne pin-reset --key K --device FP [--out PNG]`: a PIN recovery order for one kiosk, signed
//! with the organiser key, printed as the text of its QR code and written as a picture.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use urne_codec::atomic;
use urne_core::crypto::Fingerprint;
use urne_core::rand_core::Rng as _;
use urne_core::tally::Lang;

/// Signs an order for the kiosk `device` (its fingerprint, grouped or not) with `key`.
pub fn run(key: &Path, device: &str, out: Option<&Path>, lang: Lang) -> Result<ExitCode> {
    let fr = lang == Lang::Fr;
    let compact: String = device.split_whitespace().collect();
    let device = Fingerprint::parse(&compact).with_context(|| {
        if fr {
            "--device attend l'empreinte du kiosque : 64 chiffres hexadécimaux, comme sa page \
             du code PIN les affiche"
        } else {
            "--device takes the kiosk's fingerprint: 64 hexadecimal digits, as its PIN page \
             shows them"
        }
    })?;
    let key = super::read_key(key)?;
    let mut nonce = [0u8; 16];
    urne_codec::os::os_rng().fill_bytes(&mut nonce);
    let order = urne_core::recovery::issue(&key, &device, nonce);
    println!("{order}");
    if let Some(out) = out {
        let png =
            urne_papers::badges::png::qr_alone(&order).context("the order fits no QR code")??;
        atomic::write(out, &png, 0o600)?;
        eprintln!(
            "{}",
            if fr {
                format!(
                    "QR code écrit dans {} : montrez-le au lecteur du kiosque sur sa page du code \
                     PIN. Il ne sert qu'une fois, et seulement sur ce kiosque.",
                    out.display()
                )
            } else {
                format!(
                    "QR code written to {}: show it to the kiosk's scanner on its PIN page. It \
                     works once, and only on that kiosk.",
                    out.display()
                )
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
