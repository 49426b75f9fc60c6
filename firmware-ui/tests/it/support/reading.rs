//! Reading what a person would read: the QR codes on a rendered screen (with rqrr, as a phone
//! or a scanner would), the bundle an export wrote, and the text of a printed PDF (with pdftotext, words joined by single
//! spaces so that a line break does not split a sentence the test looks for).

use std::path::Path;

/// The texts of the QR codes on a rendered screen.
pub fn qr_codes(shot: image::RgbaImage) -> Vec<String> {
    let gray = image::DynamicImage::ImageRgba8(shot).to_luma8();
    let (width, raw) = (gray.width() as usize, gray.as_raw());
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(width, gray.height() as usize, |x, y| {
            raw[y * width + x]
        });
    prepared
        .detect_grids()
        .iter()
        .filter_map(|g| g.decode().ok().map(|(_, t)| t))
        .collect()
}

/// The bundle an export wrote, as the kiosk keeps it for the registry.
pub fn exported_bundle(kiosk: &urne_kiosk::kiosk::Kiosk, seq: u64) -> Vec<u8> {
    kiosk
        .store()
        .pending_uploads()
        .unwrap()
        .into_iter()
        .find(|(s, _)| *s == seq)
        .map(|(_, bundle)| bundle)
        .expect("the export is waiting for the registry")
}

/// The words of a PDF written to `path`, one space between each.
pub fn pdf_words(pdf: &[u8], path: &Path) -> String {
    std::fs::write(path, pdf).unwrap();
    let text = std::process::Command::new("pdftotext")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    String::from_utf8_lossy(&text.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
