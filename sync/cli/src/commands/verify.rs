//! `urne verify BUNDLE [--json] [--expect-device FP] [--package P]`: every check of a results
//! bundle (against the package its kiosk ran, when given), and the report (exit 1 when it fails).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use urne_codec::verify;
use urne_core::tally::Lang;

use crate::report;

/// Verifies the bundle and prints the report, as text or JSON.
pub fn run(
    bundle: &Path,
    json: bool,
    expect_device: Option<&str>,
    package: Option<&Path>,
    lang: Lang,
) -> Result<ExitCode> {
    let expected = super::expected_device(expect_device)?;
    let package = package
        .map(|p| -> Result<_> { Ok(urne_codec::package::read(&super::read(p)?, None)?) })
        .transpose()?;
    let bytes = super::read(bundle)?;
    match verify::verify_with_package(&bytes, expected.as_ref(), package.as_ref()) {
        Ok(verified) => {
            if json {
                println!("{}", report::render_json(&verified));
            } else {
                print!("{}", report::render(&verified, lang));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            if json {
                println!("{}", report::render_json_error(&error));
            } else {
                println!("{}", report::render_error(&error, lang));
            }
            Ok(ExitCode::from(1))
        }
    }
}
