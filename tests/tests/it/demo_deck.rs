//! The demo assembly's test deck (essai à blanc): it passes through the real binary, its bundle
//! verifies as a test, a wrong expectation is reported, the README's demo command falls back to
//! it without a display, and the committed deck is what its generator produces.

use std::path::Path;
use std::process::Command;

use urne_tests::{binary, workspace};

fn run(cmd: &mut Command) -> (i32, String) {
    let out = cmd.output().expect("the command runs");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn bundle_in(dir: &Path) -> std::path::PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "urne"))
        .expect("a bundle was written")
}

#[test]
fn the_demo_deck_passes_and_its_bundle_verifies_as_a_test() {
    let data = tempfile::tempdir().unwrap();
    let usb = tempfile::tempdir().unwrap();
    let (code, out) = run(Command::new(binary("urne-kiosk"))
        .arg("test-deck")
        .arg(workspace().join("demo/test-deck.toml"))
        .arg("--data")
        .arg(data.path())
        .arg("--usb-dir")
        .arg(usb.path()));
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.matches("✔ ").count(), 7, "every poll matches:\n{out}");
    assert!(out.contains("64 émargements, 434 bulletins"), "{out}");
    assert!(
        out.contains("Résultat : chaque scrutin compte exactement"),
        "{out}"
    );

    let bundle = bundle_in(usb.path());
    let (code, report) = run(Command::new(binary("urne"))
        .args(["--lang", "fr", "verify"])
        .arg(&bundle));
    assert_eq!(code, 0, "{report}");
    assert!(report.contains("ESSAI À BLANC"), "{report}");
    assert!(report.contains("JAMAIS un résultat réel"), "{report}");
    let (code, json) = run(Command::new(binary("urne"))
        .args(["verify", "--json"])
        .arg(&bundle));
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["test"], true);
    assert_eq!(json["ok"], true);
}

#[test]
fn a_wrong_expectation_fails_the_deck_and_names_the_difference() {
    let deck = std::fs::read_to_string(workspace().join("demo/test-deck.toml")).unwrap();
    let wrong = deck.replacen(
        "[expected.charte]\nballots = 62\ndecision = \"adopted\"\nfor = 34",
        "[expected.charte]\nballots = 62\ndecision = \"adopted\"\nfor = 35",
        1,
    );
    assert_ne!(wrong, deck, "the deck states charte's count");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deck.toml");
    std::fs::write(&path, wrong).unwrap();
    let (code, out) = run(Command::new(binary("urne-kiosk"))
        .arg("test-deck")
        .arg(&path)
        .arg("--data")
        .arg(dir.path().join("data"))
        .arg("--usb-dir")
        .arg(dir.path().join("usb")));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("✘ charte / for : attendu 35, compté 34"),
        "{out}"
    );
    assert!(out.contains("ÉCHEC, 1 écart(s)"), "{out}");
}

#[test]
fn without_a_display_the_demo_command_runs_the_deck_instead() {
    let data = tempfile::tempdir().unwrap();
    let usb = tempfile::tempdir().unwrap();
    let (code, out) = run(Command::new(binary("urne-kiosk"))
        .arg("--demo")
        .arg("--data")
        .arg(data.path())
        .arg("--usb-dir")
        .arg(usb.path())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY"));
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("Pas d'écran disponible"), "{out}");
    assert!(!out.contains("panicked"), "{out}");
    assert!(out.contains("Bundle d'essai signé"), "{out}");
    assert!(bundle_in(usb.path()).exists());
}

#[test]
fn the_committed_deck_is_what_its_generator_produces() {
    let dir = tempfile::tempdir().unwrap();
    let package = dir.path().join("demo.urnepkg");
    let key = dir.path().join("demo.key");
    let (code, out) = run(Command::new(binary("urne"))
        .arg("demo")
        .arg("--package")
        .arg(&package)
        .arg("--key")
        .arg(&key));
    assert_eq!(code, 0, "{out}");
    let listing = Command::new(binary("urne"))
        .arg("badges")
        .arg("--package")
        .arg(&package)
        .arg("--key")
        .arg(&key)
        .output()
        .unwrap();
    assert!(listing.status.success());
    let badges = dir.path().join("badges.tsv");
    std::fs::write(&badges, &listing.stdout).unwrap();
    let generated = Command::new("python3")
        .current_dir(workspace())
        .arg("demo/make_deck.py")
        .arg(&badges)
        .output()
        .expect("python3 runs");
    assert!(
        generated.status.success(),
        "{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    let committed = std::fs::read(workspace().join("demo/test-deck.toml")).unwrap();
    assert!(
        generated.stdout == committed,
        "demo/test-deck.toml is out of date: regenerate it with demo/make_deck.py (see its header)"
    );
}
