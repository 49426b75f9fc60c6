//! `urne shares --tally-key K --package P --out PDF`: the bureau's part sheets printed again
//! from a tally key the organiser kept under a passphrase — the very parts the package lists, so
//! that a sheet lost before the evening is replaced, not a new key made. Also the writing of
//! part sheets that `urne package` shares.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use urne_codec::atomic;
use urne_core::event::Event;
use urne_core::sealed::{Share, TallyInfo};
use urne_core::tally::Lang;
use urne_organiser::kept_key::{self, KeptKeyError};

/// Writes the part sheets (PDF, readable by the owner only) and, if asked, one text file per part.
pub fn write(
    pdf_path: &Path,
    dir: Option<&Path>,
    event: &Event,
    tally: &TallyInfo,
    shares: &[Share],
    lang: Lang,
) -> Result<()> {
    let pdf = urne_papers::shares::share_sheets(event, tally, shares, lang)?;
    atomic::write(pdf_path, &pdf, 0o600)?;
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        for share in shares {
            let path = dir.join(format!("part-{}.txt", share.number()));
            let mut text = zeroize::Zeroizing::new(share.text().to_string());
            text.push('\n');
            atomic::write(&path, text.as_bytes(), 0o600)?;
        }
    }
    Ok(())
}

/// Prints the part sheets again; exits 2, writing nothing, when the key file, its passphrase or
/// the package do not go together.
pub fn run(
    key_path: &Path,
    package_path: &Path,
    out: &Path,
    parts_dir: Option<&Path>,
    lang: Lang,
) -> Result<ExitCode> {
    let fr = lang == Lang::Fr;
    let refuse = |fr_text: String, en_text: String| {
        eprintln!("{}", if fr { fr_text } else { en_text });
        Ok(ExitCode::from(2))
    };
    let package = urne_codec::package::read(&super::read(package_path)?, None)
        .with_context(|| format!("{} is not a valid event package", package_path.display()))?
        .package;
    let Some(tally) = Some(&package.tally).filter(|t| !t.is_test_key()) else {
        return refuse(
            "Ce paquet n'a pas de clé de dépouillement propre (paquet de démonstration) : il n'a pas de parts à imprimer.".into(),
            "This package has no tally key of its own (a demo package): it has no parts to print.".into(),
        );
    };
    let bytes = super::read(key_path)?;
    let header = match kept_key::header(&bytes) {
        Ok(header) => header,
        Err(e) => return refuse(message(&e, Lang::Fr), message(&e, Lang::En)),
    };
    if header.event != package.event.id {
        return refuse(
            format!(
                "Cette clé est celle de l'événement « {} », pas de « {} ». Rien n'a été écrit.",
                header.event, package.event.id
            ),
            format!(
                "This key is event '{}''s, not '{}''s. Nothing was written.",
                header.event, package.event.id
            ),
        );
    }
    let passphrase = super::passphrase::existing(lang)?;
    let shares = kept_key::open(&bytes, &passphrase)
        .and_then(|(_, material)| kept_key::parts_again(&material, tally));
    let shares = match shares {
        Ok(shares) => shares,
        Err(e) => return refuse(message(&e, Lang::Fr), message(&e, Lang::En)),
    };
    write(out, parts_dir, &package.event, tally, &shares, lang)?;
    let n = shares.len();
    if fr {
        println!(
            "Parts du bureau réimprimées : {} ({n} feuilles, {} nécessaires), clé de dépouillement {}.",
            out.display(),
            tally.threshold,
            tally.public.fingerprint()
        );
    } else {
        println!(
            "The bureau's parts printed again: {} ({n} sheets, {} needed), tally key {}.",
            out.display(),
            tally.threshold,
            tally.public.fingerprint()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// What went wrong with a kept key, said to the organiser with what to do.
fn message(e: &KeptKeyError, lang: Lang) -> String {
    let fr = lang == Lang::Fr;
    let text = match e {
        KeptKeyError::ShortPassphrase | KeptKeyError::WrongPassphrase => {
            if fr {
                "Phrase secrète incorrecte, ou fichier de clé modifié. Rien n'a été écrit : réessayez avec la phrase choisie à la création du paquet."
            } else {
                "Wrong passphrase, or the key file was altered. Nothing was written: try again with the passphrase chosen when the package was built."
            }
        }
        KeptKeyError::NotAKeyFile | KeptKeyError::Parameters => {
            if fr {
                "Ce fichier n'est pas une clé de dépouillement gardée par `urne package --keep-tally-key`."
            } else {
                "This file is not a tally key kept by `urne package --keep-tally-key`."
            }
        }
        KeptKeyError::OtherKey => {
            if fr {
                "Cette clé n'est pas celle à laquelle ce paquet scelle l'urne : prenez le paquet construit avec elle."
            } else {
                "This key is not the one this package seals the ballot box to: take the package built with it."
            }
        }
        KeptKeyError::OtherParts | KeptKeyError::Shares(_) => {
            if fr {
                "Les parts refaites avec cette clé ne sont pas celles que le paquet liste : prenez le paquet construit avec elle."
            } else {
                "The parts made again from this key are not those the package lists: take the package built with it."
            }
        }
    };
    text.to_string()
}
