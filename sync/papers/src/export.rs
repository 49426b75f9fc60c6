//! The files of an export: a sealed bundle with the procès-verbal and the attendance sheet drawn
//! from it, after verifying it.

use urne_codec::bundle::SealedBundle;
use urne_codec::verify::{self, VerifyError};
use urne_core::tally::Lang;

use crate::badges::RenderError;
use crate::emargement::{self, CsvError};
use crate::pv;

/// Why the papers of an export (procès-verbal, attendance sheet) could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PapersError {
    /// The bundle just sealed does not verify: never print a paper for it.
    #[error("the bundle does not verify: {0}")]
    Verify(#[from] VerifyError),
    /// The procès-verbal could not be drawn.
    #[error("the procès-verbal could not be drawn: {0}")]
    Pv(#[from] RenderError),
    /// The attendance sheet could not be written.
    #[error(transparent)]
    Csv(#[from] CsvError),
}

/// The three files of an export, in the order they are written: the bundle, its procès-verbal
/// (PDF) and its attendance sheet (CSV). The papers are drawn from the bundle as `urne verify`
/// reads it, after verifying it, so they can never say something the signed bundle does not.
pub fn export_files(
    sealed: &SealedBundle,
    lang: Lang,
) -> Result<Vec<(String, Vec<u8>)>, PapersError> {
    let report = verify::verify(&sealed.bytes, None)?;
    let pv = pv::render(&report, &sealed.file_name, lang)?;
    let csv = emargement::render(&report.content.attendance, lang)?;
    Ok(vec![
        (sealed.file_name.clone(), sealed.bytes.clone()),
        (pv::file_name(&sealed.file_name), pv),
        (emargement::file_name(&sealed.file_name), csv),
    ])
}
