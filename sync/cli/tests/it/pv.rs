//! The procès-verbal of the committed sample bundle: `urne pv` prints exactly the PDF the kiosk
//! exported with it; page 1, rendered by poppler's `pdftoppm` to `docs/screenshots/pv.png`,
//! carries two QR codes that an independent decoder (`rqrr`) reads back to the bundle file's
//! SHA-256 (as `sha256sum` computes it) and to the device fingerprint (as OpenSSL computes
//! it); `pdftotext` finds the event, the quorum, the decisions and the signature lines, in
//! French, and in English with `--lang en`.

use std::path::{Path, PathBuf};
use std::process::Command;

const SAMPLE: &str = "bellevue-2026-12-05-07ec609c-0001";

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/vectors/sample")
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn urne_pv(dir: &Path, lang: &str) -> PathBuf {
    let out = dir.join(format!("pv-{lang}.pdf"));
    run(Command::new(env!("CARGO_BIN_EXE_urne"))
        .args(["--lang", lang, "pv"])
        .arg(sample_dir().join(format!("{SAMPLE}.urne")))
        .arg("--out")
        .arg(&out)
        .arg("--csv")
        .arg(dir.join(format!("emargement-{lang}.csv"))));
    out
}

fn text_of(pdf: &Path) -> String {
    run(Command::new("pdftotext").arg(pdf).arg("-"))
}

fn decode(img: &image::GrayImage) -> Vec<String> {
    let (width, raw) = (img.width() as usize, img.as_raw());
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(width, img.height() as usize, |x, y| {
            raw[y * width + x]
        });
    prepared
        .detect_grids()
        .iter()
        .filter_map(|grid| grid.decode().ok().map(|(_, text)| text))
        .collect()
}

#[test]
fn page_one_carries_the_bundle_digest_and_the_device_fingerprint_as_qr_codes() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = urne_pv(dir.path(), "fr");
    assert!(
        std::fs::read(&pdf).unwrap()
            == std::fs::read(sample_dir().join(format!("{SAMPLE}-pv.pdf"))).unwrap(),
        "urne pv and the kiosk's export print different procès-verbaux"
    );
    assert!(
        std::fs::read(dir.path().join("emargement-fr.csv")).unwrap()
            == std::fs::read(sample_dir().join(format!("{SAMPLE}-emargement.csv"))).unwrap()
    );

    // Page 1 at 120 dpi: about 4 pixels per module of the 32 mm codes.
    let screenshot = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots/pv");
    run(Command::new("pdftoppm")
        .args(["-f", "1", "-l", "1", "-r", "120", "-png", "-singlefile"])
        .arg(&pdf)
        .arg(&screenshot));
    let png = screenshot.with_extension("png");
    let page = image::open(&png).unwrap().to_luma8();
    let (width, height) = (page.width(), page.height());
    // 210 × 297 mm at 120 dpi, rounded up by pdftoppm.
    assert_eq!((width, height), (993, 1404));

    // The codes are read from a 200 dpi render (about 7 pixels per module, what a phone's
    // camera sees at arm's length): rqrr misses some codes at 4 pixels per module that a phone
    // reads. Each half of the page on its own, so that the decoder never pairs the finder
    // patterns of the two codes.
    let fine = tempfile::tempdir().unwrap();
    let fine_png = fine.path().join("page");
    run(Command::new("pdftoppm")
        .args(["-f", "1", "-l", "1", "-r", "200", "-png", "-singlefile"])
        .arg(&pdf)
        .arg(&fine_png));
    let page = image::open(fine_png.with_extension("png"))
        .unwrap()
        .to_luma8();
    let (width, height) = (page.width(), page.height());
    let mut texts = Vec::new();
    for half in 0..2 {
        let crop =
            image::imageops::crop_imm(&page, half * width / 2, 0, width / 2, height / 2).to_image();
        texts.extend(decode(&crop));
    }
    let bundle = sample_dir().join(format!("{SAMPLE}.urne"));
    let sha256sum = run(Command::new("sha256sum").arg(&bundle));
    let digest = sha256sum.split_whitespace().next().unwrap();

    let extracted = tempfile::tempdir().unwrap();
    run(Command::new("tar")
        .args(["-xmf"])
        .arg(&bundle)
        .current_dir(extracted.path()));
    let der = Command::new("openssl")
        .args(["pkey", "-pubin", "-in", "device.pem", "-outform", "DER"])
        .current_dir(extracted.path())
        .output()
        .unwrap()
        .stdout;
    let fingerprint = urne_core::crypto::Sha256Digest::of(&der).to_hex();

    assert_eq!(texts, [digest.to_owned(), fingerprint.clone()]);

    // The same figures as text, in groups of four.
    let text = text_of(&pdf);
    let grouped = |hex: &str| {
        hex.as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for hex in [digest, fingerprint.as_str()] {
        for row in grouped(hex).split(' ').collect::<Vec<_>>().chunks(4) {
            assert!(flat.contains(&row.join(" ")), "{row:?} not printed");
        }
    }
}

#[test]
fn the_pv_states_the_event_attendance_quorum_decisions_and_signature_lines() {
    let dir = tempfile::tempdir().unwrap();
    let fr = text_of(&urne_pv(dir.path(), "fr"));
    for words in [
        "Procès-verbal",
        "Banquet citoyen de Bellevue",
        "5 décembre 2026",
        "Centre social de Bellevue",
        "Membres inscrits : 150",
        "présents à l'export : 48",
        "représentés par un pouvoir : 4",
        "a donné pouvoir à",
        "Quorum à l'ouverture : 52 membres comptés pour 50 requis — atteint",
        "Décision : adoptée.",
        "Encore ouvert lors de l'export",
        "Non ouvert.",
        "Projets financés",
        "Signatures du bureau",
        "Président·e de séance",
        "Secrétaire",
    ] {
        assert!(fr.contains(words), "« {words} » missing from:\n{fr}");
    }
    let en = text_of(&urne_pv(dir.path(), "en"));
    for words in [
        "Minutes",
        "5 December 2026",
        "present at export: 48",
        "Quorum at opening: 52 members counted, 50 required — reached",
        "Decision: adopted.",
        "Signatures of the bureau",
    ] {
        assert!(en.contains(words), "« {words} » missing from:\n{en}");
    }
    let csv = std::fs::read_to_string(dir.path().join("emargement-en.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "\u{feff}Name;Collective;Status;Check-in (UTC);Proxy for;Id"
    );
    assert_eq!(lines.count(), 52, "48 present and 4 represented");
}
