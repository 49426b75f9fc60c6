//! `urne pv BUNDLE [--out PDF] [--csv CSV] [--expect-device FP]`: the procès-verbal of a bundle
//! that verifies, and optionally its attendance sheet; nothing for one that does not.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use urne_codec::{atomic, verify};
use urne_core::tally::Lang;
use urne_papers::{emargement, pv};

use crate::report;

/// Verifies the bundle, then writes its papers (exit 1, and no paper, when it does not verify).
pub fn run(
    bundle: &Path,
    out: Option<&Path>,
    csv: Option<&Path>,
    expect_device: Option<&str>,
    lang: Lang,
) -> Result<ExitCode> {
    let fr = lang == Lang::Fr;
    let expected = super::expected_device(expect_device)?;
    let bytes = super::read(bundle)?;
    let verified = match verify::verify(&bytes, expected.as_ref()) {
        Ok(verified) => verified,
        Err(error) => {
            eprintln!("{}", report::render_error(&error, lang));
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
    let out = out.map_or_else(|| PathBuf::from(pv::file_name(&name)), Path::to_path_buf);
    atomic::write(&out, &pv::render(&verified, &name, lang)?, 0o644)?;
    println!("{}", out.display());
    if let Some(csv) = csv {
        let sheet = emargement::render(&verified.content.attendance, lang)?;
        atomic::write(csv, &sheet, 0o644)?;
        println!("{}", csv.display());
    }
    Ok(ExitCode::SUCCESS)
}
