//! `urne package` seals the event to a fresh tally key and prints the bureau's parts of it: the
//! package carries only the public key and a digest of each part; the part sheets (one A4 page
//! each, rendered by poppler) carry QR codes that an independent decoder (`rqrr`) reads back to
//! parts the kiosk accepts, any two of which rebuild the package's key; the text to type is on
//! the sheet too; `--parts-dir` writes the same parts as files; an impossible threshold is
//! refused in the organiser's language. With `URNE_UPDATE_SCREENSHOTS=1`, page 1 is copied to
//! `docs/screenshots/parts.png`. A key kept under a passphrase (`--keep-tally-key`) prints the
//! very same parts again with `urne shares`, and only with its passphrase and its package.

use std::path::{Path, PathBuf};
use std::process::Command;

use urne_core::sealed::{ShareError, ShareSet};

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn demo(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../demo")
        .join(file)
}

fn urne() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_urne"));
    cmd.env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES");
    cmd
}

/// Every QR code of a page rendered at 200 dpi.
fn codes_on(png: &Path) -> Vec<String> {
    let img = image::open(png).unwrap().to_luma8();
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
fn urne_package_prints_the_bureaus_parts_and_keeps_no_key() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("organiser.key");
    run(urne().args(["keygen", "--out"]).arg(&key));
    let out = dir.path().join("ag.urnepkg");
    let parts_dir = dir.path().join("parts");
    let stdout = run(urne()
        .arg("package")
        .arg("--event")
        .arg(demo("assemblee-demo.toml"))
        .arg("--roster")
        .arg(demo("roster.csv"))
        .arg("--key")
        .arg(&key)
        .arg("--out")
        .arg(&out)
        .args(["--shares", "3", "--threshold", "2", "--parts-dir"])
        .arg(&parts_dir));
    let sheets = dir.path().join("ag-parts.pdf");
    assert!(stdout.contains("Parts du bureau"), "{stdout}");
    assert!(stdout.contains(&sheets.display().to_string()), "{stdout}");

    // The package: the public key and a digest per part, nothing that opens the box.
    let bytes = std::fs::read(&out).unwrap();
    let package = urne_codec::package::read(&bytes, None).unwrap().package;
    let tally = package.tally;
    assert!(!tally.test);
    assert_eq!((tally.threshold, tally.shares.len()), (2, 3));
    assert!(stdout.contains(&tally.public.fingerprint().to_hex()));

    // Nothing in the folder but the package, the sheets, the key and the parts asked for.
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["ag-parts.pdf", "ag.urnepkg", "organiser.key", "parts"]
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&sheets).unwrap().permissions().mode();
    assert_eq!(
        mode & 0o077,
        0,
        "the sheets are readable by the organiser only"
    );

    // Three pages, one part each, read back from the printed codes.
    let info = run(Command::new("pdfinfo").arg(&sheets));
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.ends_with(" 3")),
        "{info}"
    );
    let text = run(Command::new("pdftotext").arg(&sheets).arg("-"));
    for n in 1..=3 {
        assert!(text.contains(&format!("Part n° {n} sur 3 de la clé de dépouillement")));
    }
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("il faut 2 parts sur 3"), "{flat}");
    assert!(flat.contains("détruisez cette feuille"), "{flat}");
    let mut read = Vec::new();
    for page in 1..=3 {
        let prefix = dir.path().join(format!("page-{page}"));
        run(Command::new("pdftoppm")
            .args(["-r", "200", "-png", "-singlefile", "-f"])
            .arg(page.to_string())
            .arg("-l")
            .arg(page.to_string())
            .arg(&sheets)
            .arg(&prefix));
        let png = prefix.with_extension("png");
        if page == 1 && std::env::var_os("URNE_UPDATE_SCREENSHOTS").is_some() {
            let shot =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots/parts.png");
            std::fs::copy(&png, shot).unwrap();
        }
        let codes = codes_on(&png);
        assert_eq!(codes.len(), 1, "page {page}: {codes:?}");
        read.push(codes[0].clone());
    }
    for (i, code) in read.iter().enumerate() {
        let file = std::fs::read_to_string(parts_dir.join(format!("part-{}.txt", i + 1))).unwrap();
        assert_eq!(file.trim(), code, "part-{}.txt is the sheet's part", i + 1);
    }

    // Any two parts rebuild the package's key; one alone does not; the same part twice is
    // refused by name.
    for pair in [[0, 1], [1, 2], [2, 0]] {
        let mut set = ShareSet::new(&tally);
        set.add(&read[pair[0]]).unwrap();
        assert!(set.key().unwrap().is_none());
        assert_eq!(
            set.add(&read[pair[0]]),
            Err(ShareError::Duplicate(set.numbers()[0]))
        );
        set.add(&read[pair[1]]).unwrap();
        assert_eq!(set.key().unwrap().unwrap().public(), tally.public);
    }

    // The text to type, as printed (spaces and line breaks between groups), is the same part.
    let typed: Vec<String> = text
        .lines()
        .skip_while(|l| !l.contains("Ou tapez"))
        .skip(1)
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty() && !l.contains("Empreinte"))
        .map(str::to_owned)
        .collect();
    let mut set = ShareSet::new(&tally);
    assert_eq!(set.add(&typed.join(" ")), Ok(1), "typed part: {typed:?}");
}

#[test]
fn an_impossible_threshold_is_refused_in_the_organisers_language() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("organiser.key");
    run(urne().args(["keygen", "--out"]).arg(&key));
    for (lang, words) in [
        ("fr", "il faut au moins 2 parts pour dépouiller"),
        ("en", "counting needs at least 2 parts"),
    ] {
        for (k, n) in [("1", "3"), ("4", "3")] {
            let out = urne()
                .args(["--lang", lang, "package", "--event"])
                .arg(demo("assemblee-demo.toml"))
                .arg("--roster")
                .arg(demo("roster.csv"))
                .arg("--key")
                .arg(&key)
                .arg("--out")
                .arg(dir.path().join("x.urnepkg"))
                .args(["--threshold", k, "--shares", n])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2));
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains(words), "{lang} {k}/{n}: {stderr}");
            assert!(!dir.path().join("x.urnepkg").exists(), "nothing written");
        }
    }
}

/// Runs `cmd` with `passphrase` as the one line of its standard input.
fn with_passphrase(mut cmd: Command, passphrase: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{passphrase}").unwrap();
    child.wait_with_output().unwrap()
}

/// `urne package` with the demo's files, the passphrase given on standard input.
fn package_keeping(dir: &Path, key: &Path, name: &str, passphrase: &str) -> std::process::Output {
    let mut cmd = urne();
    cmd.arg("package")
        .arg("--event")
        .arg(demo("assemblee-demo.toml"))
        .arg("--roster")
        .arg(demo("roster.csv"))
        .arg("--key")
        .arg(key)
        .arg("--out")
        .arg(dir.join(format!("{name}.urnepkg")))
        .arg("--parts-dir")
        .arg(dir.join(format!("{name}-parts")))
        .arg("--keep-tally-key")
        .arg(dir.join(format!("{name}.tallykey")));
    with_passphrase(cmd, passphrase)
}

/// `urne shares` again from a kept key, the passphrase on standard input.
fn shares_again(dir: &Path, key: &str, package: &str, passphrase: &str) -> std::process::Output {
    let mut cmd = urne();
    cmd.arg("shares")
        .arg("--tally-key")
        .arg(dir.join(format!("{key}.tallykey")))
        .arg("--package")
        .arg(dir.join(format!("{package}.urnepkg")))
        .arg("--out")
        .arg(dir.join("again.pdf"))
        .arg("--parts-dir")
        .arg(dir.join("again"));
    with_passphrase(cmd, passphrase)
}

fn parts_in(dir: &Path) -> Vec<String> {
    (1..=3)
        .map(|n| std::fs::read_to_string(dir.join(format!("part-{n}.txt"))).unwrap())
        .collect()
}

#[test]
fn a_kept_tally_key_prints_the_same_parts_again_with_its_passphrase_only() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = d.join("organiser.key");
    run(urne().args(["keygen", "--out"]).arg(&key));
    let phrase = "la mer monte vite ce soir";

    // A short passphrase is refused before anything is built.
    let short = package_keeping(d, &key, "short", "court");
    assert_eq!(short.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&short.stderr).contains("trop courte"));
    assert!(!d.join("short.urnepkg").exists() && !d.join("short.tallykey").exists());

    let made = package_keeping(d, &key, "ag", phrase);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let stdout = String::from_utf8_lossy(&made.stdout);
    assert!(
        stdout.contains("protégée par votre phrase secrète"),
        "{stdout}"
    );
    use std::os::unix::fs::PermissionsExt;
    let kept = d.join("ag.tallykey");
    assert_eq!(
        std::fs::metadata(&kept).unwrap().permissions().mode() & 0o077,
        0
    );
    // The file names its event and key, and holds neither the key nor a part in clear.
    let text = std::fs::read_to_string(&kept).unwrap();
    let first = parts_in(&d.join("ag-parts"));
    for part in &first {
        let body = part.trim().trim_start_matches("URNE-PART1:");
        assert!(!text.contains(&body[..20]), "a part in the key file");
    }

    // The same parts, from the key and its passphrase.
    let again = shares_again(d, "ag", "ag", phrase);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(parts_in(&d.join("again")), first);
    let info = run(Command::new("pdfinfo").arg(d.join("again.pdf")));
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.ends_with(" 3")),
        "{info}"
    );
    std::fs::remove_dir_all(d.join("again")).unwrap();
    std::fs::remove_file(d.join("again.pdf")).unwrap();

    // A wrong passphrase, or another event's package, prints nothing.
    let wrong = shares_again(d, "ag", "ag", "la mer monte vite ce matin");
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("Phrase secrète incorrecte"));
    let other = package_keeping(d, &key, "autre", phrase);
    assert!(other.status.success());
    let mismatched = shares_again(d, "ag", "autre", phrase);
    assert_eq!(mismatched.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&mismatched.stderr).contains("pas celle"),
        "{}",
        String::from_utf8_lossy(&mismatched.stderr)
    );
    assert!(!d.join("again.pdf").exists() && !d.join("again").exists());
}
