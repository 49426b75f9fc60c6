//! `urne badges` end to end on the demo assembly: the PDF sheet is rasterised by poppler's
//! `pdftoppm`, every QR code on every page is read back by an independent decoder (`rqrr`), and
//! each decoded text must be exactly an issued badge and pass the kiosk's own check; the same
//! for every PNG picture. `pdftotext` proves the names are real Unicode text.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use urne_cli::commands::demo;
use urne_core::credential::{BadgeCheck, Credential, Role};
use urne_core::timestamp::Timestamp;
use urne_papers::badges::{self, Badge};

/// A second inside the demo's validity window (2026-12-05, the demo event's day… give or take).
const NOW: Timestamp = Timestamp(1_796_500_000);

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("cannot run {cmd:?} ({e}); poppler-utils is needed: ./dev test installs it")
    });
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Every QR code `rqrr` finds in a greyscale picture; each must be a badge's code: version 10
/// at most, level M.
fn decode_all(img: &image::GrayImage) -> Vec<String> {
    let (width, raw) = (img.width() as usize, img.as_raw());
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(width, img.height() as usize, |x, y| {
            raw[y * width + x]
        });
    prepared
        .detect_grids()
        .iter()
        .map(|grid| {
            let (meta, text) = grid
                .decode()
                .unwrap_or_else(|e| panic!("a QR code was found but not read: {e:?}"));
            assert!(
                meta.version.0 <= 10,
                "version {} for {text}",
                meta.version.0
            );
            // The format information's two level bits: 00 is M.
            assert_eq!(meta.ecc_level, 0, "level M for {text}");
            text
        })
        .collect()
}

/// The demo package, as `urne demo` writes it.
fn demo_package() -> urne_core::package::EventPackage {
    urne_codec::package::read(demo::PACKAGE, None)
        .expect("the demo package is valid")
        .package
}

/// What the kiosk's `scan` checks: the event, the organiser key, revocation, the clock.
struct Kiosk {
    event: urne_core::ids::EventId,
    keys: [urne_core::crypto::PublicKey; 1],
}

impl Kiosk {
    fn demo() -> Self {
        Self {
            event: demo_package().event.id,
            keys: [demo::organiser_key().public()],
        }
    }

    fn accepts(&self, text: &str) -> Credential {
        let check = BadgeCheck {
            event: &self.event,
            keys: &self.keys,
            walk_ins: None,
            is_revoked: &|_| false,
            now: NOW,
        };
        Credential::verify(text, &check).unwrap_or_else(|e| panic!("the kiosk refuses {text}: {e}"))
    }
}

/// The badge cells of a rasterised page, left to right then top to bottom, from the layout's
/// published dimensions (the grid is centred on the A4 page).
fn cells(page: &image::GrayImage) -> Vec<image::GrayImage> {
    use badges::pdf::{BADGE_HEIGHT_MM, BADGE_WIDTH_MM, COLUMNS, ROWS};
    let px_per_mm = page.width() as f32 / 210.0;
    let left = (210.0 - COLUMNS as f32 * BADGE_WIDTH_MM) / 2.0;
    let top = (297.0 - ROWS as f32 * BADGE_HEIGHT_MM) / 2.0;
    (0..COLUMNS * ROWS)
        .map(|i| {
            let x = left + (i % COLUMNS) as f32 * BADGE_WIDTH_MM;
            let y = top + (i / COLUMNS) as f32 * BADGE_HEIGHT_MM;
            image::imageops::crop_imm(
                page,
                (x * px_per_mm) as u32,
                (y * px_per_mm) as u32,
                (BADGE_WIDTH_MM * px_per_mm) as u32,
                (BADGE_HEIGHT_MM * px_per_mm) as u32,
            )
            .to_image()
        })
        .collect()
}

/// Reads a binary greyscale PNM file (P5, 8 bits), as `pdftoppm -gray` writes.
fn load_pgm(path: &Path) -> image::GrayImage {
    let bytes = std::fs::read(path).unwrap();
    // The header: magic, width, height, maximum value, each followed by one whitespace byte.
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        let start = at;
        while !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(std::str::from_utf8(&bytes[start..at]).unwrap().to_owned());
        at += 1;
    }
    assert_eq!(
        (fields[0].as_str(), fields[3].as_str()),
        ("P5", "255"),
        "{}",
        path.display()
    );
    let (width, height) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    image::GrayImage::from_raw(width, height, bytes[at..].to_vec()).expect("a whole picture")
}

fn load_gray(path: &Path) -> image::GrayImage {
    image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_luma8()
}

/// Writes the demo package and its key with `urne demo`; returns their paths.
fn demo_files(dir: &Path) -> (PathBuf, PathBuf) {
    let package = dir.join("demo.urnepkg");
    let key = dir.join("organiser.key");
    run(Command::new(env!("CARGO_BIN_EXE_urne"))
        .args(["demo", "--package"])
        .arg(&package)
        .arg("--key")
        .arg(&key));
    (package, key)
}

/// `urne --lang en badges --package … --key … <extra>`, returning what it printed.
fn urne_badges(dir: &Path, extra: &[&std::ffi::OsStr]) -> String {
    let (package, key) = demo_files(dir);
    run(Command::new(env!("CARGO_BIN_EXE_urne"))
        .args(["--lang", "en", "badges", "--package"])
        .arg(&package)
        .arg("--key")
        .arg(&key)
        .args(extra))
}

/// What was issued: the same texts the command printed, Ed25519 signatures being
/// deterministic.
fn issued() -> Vec<Badge> {
    let issued = badges::issue_all(&demo_package(), &demo::organiser_key());
    assert_eq!(issued.len(), 151, "150 members and 1 organiser");
    issued
}

#[test]
fn every_badge_of_the_printed_sheet_scans_and_is_accepted_by_the_kiosk() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("badges.pdf");
    let said = urne_badges(dir.path(), &["--out".as_ref(), pdf.as_os_str()]);
    assert!(said.contains("151 badges, 16 pages"), "{said}");
    let issued = issued();
    let expected: BTreeSet<String> = issued.iter().map(|b| b.payload.clone()).collect();
    let kiosk = Kiosk::demo();

    // 151 badges at 10 a page, on A4.
    let info = run(Command::new("pdfinfo").arg(&pdf));
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.ends_with(" 16")),
        "{info}"
    );
    assert!(info.contains("595.276 x 841.89"), "A4: {info}");
    // 200 dpi: about 4.8 pixels per module at version 10, what rqrr needs to find the finder
    // patterns reliably (at 150 dpi it misses some). Greyscale PGM pages rather than PNG:
    // the same pixels, without the PNG compression that takes most of pdftoppm's time.
    run(Command::new("pdftoppm")
        .args(["-r", "200", "-gray"])
        .arg(&pdf)
        .arg(dir.path().join("page")));
    let mut pages: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("page-")
        })
        .collect();
    pages.sort();
    assert_eq!(pages.len(), 16);
    let mut decoded = BTreeSet::new();
    let mut organisers_on = Vec::new();
    let mut printed = issued.iter();
    for (i, page) in pages.iter().enumerate() {
        // One badge cell at a time: rqrr pairs finder patterns of neighbouring codes when a
        // whole page of codes in a grid is searched at once.
        let cells = cells(&load_pgm(page));
        let want = if i < 15 { 10 } else { 1 };
        for (c, cell) in cells.iter().enumerate() {
            let texts = decode_all(cell);
            if c >= want {
                assert!(
                    texts.is_empty(),
                    "page {}, cell {}: an extra code",
                    i + 1,
                    c + 1
                );
                continue;
            }
            assert_eq!(texts.len(), 1, "page {}, cell {}: {texts:?}", i + 1, c + 1);
            let text = texts.into_iter().next().unwrap();
            // In print order: the roster's order, the organiser last.
            let badge = printed.next().unwrap();
            assert_eq!(
                text,
                badge.payload,
                "page {}, cell {}: {}",
                i + 1,
                c + 1,
                badge.name
            );
            let credential = kiosk.accepts(&text);
            assert_eq!(credential.name, badge.name);
            if credential.role == Role::Organiser {
                organisers_on.push(i + 1);
            }
            assert!(decoded.insert(text), "a badge printed twice");
        }
    }
    assert_eq!(
        decoded, expected,
        "the sheet holds exactly the issued badges"
    );
    assert_eq!(organisers_on, [16], "the organiser badge comes last");

    // The names are text in an embedded Unicode font, accents included.
    let text = run(Command::new("pdftotext")
        .args(["-f", "1", "-l", "1", "-layout"])
        .arg(&pdf)
        .arg("-"));
    assert!(text.contains("Agnès Lemaître"), "{text}");
    assert!(text.contains("ConvergenceS 44"), "{text}");
    assert!(
        text.contains("Banquet citoyen de Bellevue — Assemblée populaire du 5 décembre"),
        "{text}"
    );
    let fonts = run(Command::new("pdffonts").arg(&pdf));
    let noto: Vec<&str> = fonts.lines().filter(|l| l.contains("NotoSans")).collect();
    assert_eq!(noto.len(), 2, "{fonts}");
    assert!(
        noto.iter().all(|l| l.contains(" yes yes yes ")),
        "embedded, subset, with a Unicode map: {fonts}"
    );
    let last = run(Command::new("pdftotext")
        .args(["-f", "16", "-l", "16"])
        .arg(&pdf)
        .arg("-"));
    assert!(
        last.contains("Organiser"),
        "the organiser mark in English: {last}"
    );
}

#[test]
fn every_emailed_picture_scans_and_is_accepted_by_the_kiosk() {
    let dir = tempfile::tempdir().unwrap();
    let pngs = dir.path().join("png");
    let said = urne_badges(dir.path(), &["--png-dir".as_ref(), pngs.as_os_str()]);
    assert!(said.contains("151 pictures"), "{said}");
    let issued = issued();
    let kiosk = Kiosk::demo();

    // One per badge, in print order, each holding its own badge.
    let mut files: Vec<String> = std::fs::read_dir(&pngs)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files.len(), 151);
    assert_eq!(files[0], "001-agnes-lemaitre.png");
    assert_eq!(files[150], "151-bureau-de-l-assemblee.png");
    let mut decoded = BTreeSet::new();
    for (file, badge) in files.iter().zip(&issued) {
        let img = load_gray(&pngs.join(file));
        // At least 8 pixels per module: 8 × (21 + 8) for the smallest code.
        assert!(img.width() >= 8 * 29, "{file}");
        let texts = decode_all(&img);
        assert_eq!(texts.len(), 1, "{file}");
        assert_eq!(texts[0], badge.payload, "{file} holds its own badge");
        assert_eq!(kiosk.accepts(&texts[0]).name, badge.name);
        decoded.insert(texts[0].clone());
    }
    let expected: BTreeSet<String> = issued.iter().map(|b| b.payload.clone()).collect();
    assert_eq!(decoded, expected);
}

#[test]
fn without_out_or_png_dir_the_badges_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let listing = urne_badges(dir.path(), &[]);
    let lines: Vec<&str> = listing.lines().collect();
    assert_eq!(lines.len(), 151);
    let first: Vec<&str> = lines[0].split('\t').collect();
    assert_eq!(first[1], "Agnès Lemaître");
    assert_eq!(first[2], "Participant");
    Kiosk::demo().accepts(first[3]);
    assert!(lines[150].contains("\tOrganiser\t"));
}

#[test]
fn the_organiser_mark_is_in_french_by_default() {
    let issued = badges::issue_all(&demo_package(), &demo::organiser_key());
    let settings = badges::PrintSettings {
        event_title: "Banquet citoyen de Bellevue",
        lang: urne_core::tally::Lang::Fr,
    };
    // Only the organiser's page: quick, and it carries the mark.
    let organiser: Vec<Badge> = issued
        .iter()
        .filter(|b| b.role == Role::Organiser)
        .cloned()
        .collect();
    let pdf = badges::pdf::render(&organiser, &settings).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("o.pdf");
    std::fs::write(&path, pdf).unwrap();
    let text = run(Command::new("pdftotext").arg(&path).arg("-"));
    assert!(text.contains("Organisateur"), "{text}");
    assert!(text.contains("Bureau de l'assemblée"), "{text}");
}
