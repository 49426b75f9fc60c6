//! `urne badges --package P --key K [--out PDF] [--png-dir DIR]`: a package's badges as an A4
//! sheet, as one picture each, or listed with the text of their QR codes.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use urne_codec::{atomic, package};
use urne_core::tally::Lang;
use urne_papers::badges;

/// Issues every badge of the package (signed by `key`, which must be the package's) and prints
/// or writes them.
pub fn run(
    package: &Path,
    key: &Path,
    out: Option<&Path>,
    png_dir: Option<&Path>,
    lang: Lang,
) -> Result<ExitCode> {
    let fr = lang == Lang::Fr;
    let bytes = super::read(package)?;
    let key = super::read_key(key)?;
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
        atomic::write(out, &badges::pdf::render(&issued, &settings)?, 0o644)?;
        let pages = badges::pdf::page_count(issued.len());
        if fr {
            println!("{} badges, {pages} pages : {}", issued.len(), out.display());
        } else {
            println!("{} badges, {pages} pages: {}", issued.len(), out.display());
        }
    }
    if let Some(dir) = png_dir {
        let written = badges::png::write_dir(dir, &issued, &settings)?;
        if fr {
            println!("{} images : {}", written.len(), dir.display());
        } else {
            println!("{} pictures: {}", written.len(), dir.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
