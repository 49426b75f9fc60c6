//! `urne verify BUNDLE [--json] [--expect-device FP]`: every check of a results bundle, and the
//! report (exit 1 when it fails).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use urne_codec::verify;
use urne_core::tally::Lang;

use crate::report;

/// Verifies the bundle and prints the report, as text or JSON.
pub fn run(bundle: &Path, json: bool, expect_device: Option<&str>, lang: Lang) -> Result<ExitCode> {
    let expected = super::expected_device(expect_device)?;
    let bytes = super::read(bundle)?;
    match verify::verify(&bytes, expected.as_ref()) {
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
