//! The committed sample bundle (`docs/vectors/sample/`, written by the kiosk, see
//! `firmware-ui/tests/export.rs`): `urne verify` accepts it; every single byte of every file
//! changed, one at a time, is refused; an attacker who changes a ballot and recomputes every
//! hash cannot sign; a signing kiosk that lies about a count, the quorum or the attendance is
//! caught by the re-count; and the command line reports it in French, English and JSON.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use urne_codec::{tarball, verify};
use urne_core::archive::{FileEntry, Manifest};
use urne_core::ballot::{Ballot, MotionChoice, WeightedBallot};
use urne_core::crypto::{SecretKey, Sha256Digest};
use urne_core::results::{PollRecord, ballots_file};

const SAMPLE: &str = "bellevue-2026-12-05-07ec609c-0001.urne";
/// The sample kiosk's (public) key seed, as in `firmware-ui/tests/export.rs`.
const SAMPLE_SEED: [u8; 32] = *b"urne sample bundle device key!!!";

fn sample_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/vectors/sample")
        .join(SAMPLE)
}

fn sample() -> Vec<u8> {
    std::fs::read(sample_path()).unwrap()
}

fn files_of(bundle: &[u8]) -> Vec<(String, Vec<u8>)> {
    tarball::read(bundle).unwrap()
}

fn repack(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    tarball::write(files, 0)
}

fn get<'a>(files: &'a [(String, Vec<u8>)], name: &str) -> &'a [u8] {
    &files.iter().find(|(n, _)| n == name).unwrap().1
}

fn set(files: &mut [(String, Vec<u8>)], name: &str, content: Vec<u8>) {
    files.iter_mut().find(|(n, _)| n == name).unwrap().1 = content;
}

/// Rewrites the manifest with every file's true size and SHA-256 (what anyone can do), and
/// signs it with `key` if given, else leaves the original signature.
fn rehash(files: &mut [(String, Vec<u8>)], key: Option<&SecretKey>) {
    let mut manifest: Manifest = serde_json::from_slice(get(files, "manifest.json")).unwrap();
    if let Some(key) = key {
        set(files, "device.pem", key.public().to_pem().into_bytes());
        manifest.signer = key.public().fingerprint();
    }
    manifest.files = manifest
        .files
        .iter()
        .map(|entry| {
            let content = get(files, &entry.name);
            FileEntry {
                name: entry.name.clone(),
                size: content.len() as u64,
                sha256: Sha256Digest::of(content),
            }
        })
        .collect();
    let mut bytes = serde_json::to_vec_pretty(&manifest).unwrap();
    bytes.push(b'\n');
    if let Some(key) = key {
        set(files, "manifest.sig", key.sign(&bytes).to_vec());
    }
    set(files, "manifest.json", bytes);
}

/// Turns one « pour » of the charter motion into « contre », keeps the ballots sorted, and, if
/// `recount`, rewrites the stated result from the engine so the content is self-consistent.
fn change_one_ballot(files: &mut [(String, Vec<u8>)], recount: bool) {
    // The ballots are classes (each content once, with its total weight): one ballot « pour »
    // turned « contre » moves one mandate from the one class to the other.
    let name = "polls/charte/ballots.json";
    let mut classes: Vec<WeightedBallot> = serde_json::from_slice(get(files, name)).unwrap();
    let against = Ballot::Motion(MotionChoice::Against);
    let one = classes
        .iter_mut()
        .find(|b| b.ballot == Ballot::Motion(MotionChoice::For))
        .unwrap();
    one.weight -= 1;
    match classes.iter_mut().find(|b| b.ballot == against) {
        Some(class) => class.weight += 1,
        None => classes.push(WeightedBallot::single(against)),
    }
    classes.retain(|c| c.weight > 0);
    set(files, name, ballots_file(&classes));
    if recount {
        let result_name = "polls/charte/result.json";
        let mut record: PollRecord = serde_json::from_slice(get(files, result_name)).unwrap();
        let event: urne_core::event::Event =
            serde_json::from_slice(get(files, "event.json")).unwrap();
        let poll = event
            .poll(&urne_core::ids::PollId::new("charte").unwrap())
            .unwrap();
        record.result =
            urne_core::tally::tally_classes(poll, &classes, record.result.ballots, &record.context)
                .unwrap();
        set(files, result_name, record.canonical_bytes());
    }
}

#[test]
fn the_sample_bundle_verifies() {
    let bytes = sample();
    let report = verify::verify(&bytes, None).unwrap();
    assert_eq!(report.seq, 1);
    assert!(!report.content.test);
    let device = SecretKey::from_seed(&SAMPLE_SEED).public().fingerprint();
    assert_eq!(report.device, device);
    assert!(verify::verify(&bytes, Some(&device)).is_ok());
    // Four polls closed, one open, two never opened; the motion was counted again here.
    assert_eq!(report.content.results.len(), 4);
    let charte = report.result("charte").unwrap();
    assert_eq!(charte.ballots, 52);
    // The file name is the one the format prescribes.
    assert_eq!(
        urne_codec::bundle::file_name("bellevue-2026-12-05", &device, 1),
        SAMPLE
    );
}

#[test]
fn ballots_are_in_canonical_order_and_carry_nothing_else() {
    let files = files_of(&sample());
    for (name, content) in files.iter().filter(|(n, _)| n.ends_with("ballots.json")) {
        let ballots: Vec<serde_json::Value> = serde_json::from_slice(content).unwrap();
        for b in &ballots {
            let keys: Vec<&String> = b.as_object().unwrap().keys().collect();
            assert_eq!(keys, ["ballot", "weight"], "{name}: {b}");
        }
        let lines: Vec<&[u8]> = content
            .split(|c| *c == b'\n')
            .filter(|l| l.starts_with(b"{"))
            .map(|l| l.strip_suffix(b",").unwrap_or(l))
            .collect();
        assert!(
            lines.windows(2).all(|w| w[0] <= w[1]),
            "{name} is not sorted"
        );
    }
}

#[test]
fn every_single_byte_change_of_every_file_is_refused() {
    let files = files_of(&sample());
    let total: usize = files.iter().map(|(_, c)| c.len()).sum();
    // Two threads: the machine has two cores, and each change is independent.
    let failures: Vec<String> = std::thread::scope(|s| {
        let halves: Vec<_> = (0..2)
            .map(|half| {
                let files = &files;
                s.spawn(move || {
                    let mut failures = Vec::new();
                    let mut tampered = files.clone();
                    for (i, (name, content)) in files.iter().enumerate() {
                        for pos in (half..content.len()).step_by(2) {
                            tampered[i].1[pos] ^= 0x01;
                            if verify::verify(&repack(&tampered), None).is_ok() {
                                failures.push(format!("{name} byte {pos}"));
                            }
                            tampered[i].1[pos] ^= 0x01;
                        }
                    }
                    failures
                })
            })
            .collect();
        halves.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    assert!(
        total > 10_000,
        "the sample is too small to mean much: {total}"
    );
    assert!(failures.is_empty(), "accepted after a change: {failures:?}");
}

#[test]
fn a_changed_ballot_with_recomputed_hashes_cannot_be_signed() {
    let mut files = files_of(&sample());
    change_one_ballot(&mut files, true);
    rehash(&mut files, None);
    let error = verify::verify(&repack(&files), None).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("signature of manifest.json is not valid"),
        "{error}"
    );

    // Signing with their own key makes a bundle of another device: refused when the device is
    // pinned (as the registry and the procès-verbal's fingerprint do).
    let attacker = SecretKey::from_seed(&[66; 32]);
    rehash(&mut files, Some(&attacker));
    let forged = repack(&files);
    let genuine = SecretKey::from_seed(&SAMPLE_SEED).public().fingerprint();
    let report = verify::verify(&forged, None).unwrap();
    assert_ne!(report.device, genuine);
    let error = verify::verify(&forged, Some(&genuine)).unwrap_err();
    assert!(error.to_string().contains("was expected"), "{error}");
}

#[test]
fn a_signing_kiosk_that_lies_is_caught_by_the_recount() {
    let key = SecretKey::from_seed(&SAMPLE_SEED);
    let original = files_of(&sample());

    // A ballot changed but the stated result kept.
    let mut files = original.clone();
    change_one_ballot(&mut files, false);
    rehash(&mut files, Some(&key));
    let error = verify::verify(&repack(&files), None).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("poll charte: the stated result differs"),
        "{error}"
    );

    // The quorum said reached at closing with fewer members counted.
    let mut files = original.clone();
    let name = "polls/lieu/result.json";
    let mut record: serde_json::Value = serde_json::from_slice(get(&files, name)).unwrap();
    record["result"]["quorum"]["at_close"]["counted"] = 12.into();
    set(
        &mut files,
        name,
        serde_json::to_vec_pretty(&record).unwrap(),
    );
    rehash(&mut files, Some(&key));
    assert!(verify::verify(&repack(&files), None).is_err());

    // The motion's required majority stated one vote lower.
    let mut files = original.clone();
    let name = "polls/charte/result.json";
    let mut record: PollRecord = serde_json::from_slice(get(&files, name)).unwrap();
    if let urne_core::tally::Details::Motion(m) = &mut record.result.details {
        m.required -= 1;
    }
    set(&mut files, name, record.canonical_bytes());
    rehash(&mut files, Some(&key));
    let error = verify::verify(&repack(&files), None).unwrap_err();
    assert!(
        error.to_string().contains("differs from the re-count"),
        "{error}"
    );

    // One more member present than the audit chain checked in.
    let mut files = original.clone();
    let mut sheet: serde_json::Value =
        serde_json::from_slice(get(&files, "attendance.json")).unwrap();
    sheet["totals"]["present"] = 49.into();
    set(
        &mut files,
        "attendance.json",
        serde_json::to_vec_pretty(&sheet).unwrap(),
    );
    rehash(&mut files, Some(&key));
    let error = verify::verify(&repack(&files), None).unwrap_err();
    assert!(error.to_string().contains("attendance.json"), "{error}");

    // Ballots in casting order instead of sorted by content.
    let mut files = original;
    let name = "polls/charte/ballots.json";
    let mut ballots: Vec<WeightedBallot> = serde_json::from_slice(get(&files, name)).unwrap();
    ballots.reverse();
    let mut text = b"[\n".to_vec();
    let lines: Vec<Vec<u8>> = ballots.iter().map(|b| b.canonical_bytes()).collect();
    text.extend(lines.join(&b",\n"[..]));
    text.extend(b"\n]\n");
    set(&mut files, name, text);
    rehash(&mut files, Some(&key));
    let error = verify::verify(&repack(&files), None).unwrap_err();
    assert!(error.to_string().contains("not sorted"), "{error}");
}

fn urne(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_urne"))
        .args(args)
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn urne_verify_reports_in_french_english_and_json_and_names_the_first_failure() {
    let path = sample_path();
    let path = path.to_str().unwrap();
    let device = SecretKey::from_seed(&SAMPLE_SEED)
        .public()
        .fingerprint()
        .to_hex();

    let (code, fr) = urne(&["verify", path]);
    assert_eq!(code, 0, "{fr}");
    assert!(fr.contains("Signature Ed25519 du manifeste valide"), "{fr}");
    assert!(fr.contains("recompté à l'identique"), "{fr}");
    assert!(fr.contains("Quorum à la clôture"), "{fr}");
    assert!(fr.contains("Résultat : bundle vérifié."), "{fr}");

    let (code, en) = urne(&["--lang", "en", "verify", "--expect-device", &device, path]);
    assert_eq!(code, 0, "{en}");
    assert!(en.contains("re-counted identically"), "{en}");
    assert!(en.contains("Result: bundle verified."), "{en}");

    let (code, json) = urne(&["verify", "--json", path]);
    assert_eq!(code, 0, "{json}");
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["device"], device.as_str());
    assert_eq!(
        json["sha256"],
        Sha256Digest::of(&std::fs::read(path).unwrap())
            .to_hex()
            .as_str()
    );

    let other = "0".repeat(64);
    let (code, out) = urne(&["verify", "--expect-device", &other, path]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("ÉCHEC de la vérification : signé par") && out.contains("était attendu"),
        "{out}"
    );

    let dir = tempfile::tempdir().unwrap();
    let mut files = files_of(&sample());
    change_one_ballot(&mut files, true);
    rehash(&mut files, None);
    let tampered = dir.path().join("tampered.urne");
    std::fs::write(&tampered, repack(&files)).unwrap();
    let (code, out) = urne(&["--lang", "en", "verify", tampered.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("Verification FAILED: the signature of manifest.json is not valid"),
        "{out}"
    );
    let (code, out) = urne(&["verify", tampered.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("ÉCHEC de la vérification : la signature de manifest.json n'est pas valide"),
        "{out}"
    );
    let (code, json) = urne(&["verify", "--json", tampered.to_str().unwrap()]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["ok"], false);
    assert!(json["error"].as_str().unwrap().contains("signature"));

    // No procès-verbal for a bundle that does not verify.
    let pv = dir.path().join("pv.pdf");
    let (code, out) = urne(&[
        "pv",
        tampered.to_str().unwrap(),
        "--out",
        pv.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(!pv.exists());
}

/// `urne verify --package`: an auditor who holds the package the kiosk ran bounds the bundle by
/// its roster; the organiser key is named either way, and another package is refused.
#[test]
fn urne_verify_names_the_organiser_and_checks_against_the_package_given() {
    let path = sample_path();
    let path = path.to_str().unwrap();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/assemblee-demo.urnepkg");
    let organiser = SecretKey::from_seed(b"urne demo organiser key, public!")
        .public()
        .fingerprint()
        .to_hex();

    let (code, out) = urne(&["verify", path]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!(
            "Événement signé par la clé d'organisation {organiser}"
        )),
        "{out}"
    );
    assert!(out.contains("Sans le paquet (--package)"), "{out}");

    let (code, out) = urne(&["verify", "--package", demo.to_str().unwrap(), path]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("bornés par la liste des membres du paquet (150 membres)"),
        "{out}"
    );
    let (code, json) = urne(&[
        "verify",
        "--json",
        "--package",
        demo.to_str().unwrap(),
        path,
    ]);
    assert_eq!(code, 0, "{json}");
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["organiser"], organiser.as_str());
    assert_eq!(json["roster_members"], 150);
    assert_eq!(json["kiosk_polls"], serde_json::json!([]));

    // Another package of the same event, signed by the same key: not the one the kiosk ran.
    let dir = tempfile::tempdir().unwrap();
    let toml = dir.path().join("evenement.toml");
    std::fs::write(
        &toml,
        std::fs::read_to_string(demo.with_file_name("assemblee-demo.toml"))
            .unwrap()
            .replacen("title = \"", "title = \"Autre version — ", 1),
    )
    .unwrap();
    let key = dir.path().join("organisateur.key");
    std::fs::write(
        &key,
        SecretKey::from_seed(b"urne demo organiser key, public!")
            .to_pem()
            .as_bytes(),
    )
    .unwrap();
    let other = dir.path().join("autre.urnepkg");
    let (code, out) = urne(&[
        "package",
        "--event",
        toml.to_str().unwrap(),
        "--roster",
        demo.with_file_name("roster.csv").to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--out",
        other.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = urne(&["verify", "--package", other.to_str().unwrap(), path]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("le paquet donné n'est pas celui qu'a chargé le kiosque"),
        "{out}"
    );
}

#[test]
fn the_bundle_verifies_with_openssl_alone() {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files_of(&sample()) {
        let path = dir.path().join(&name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    // The README's command, verbatim.
    let out = Command::new("openssl")
        .args(urne_codec::bundle::OPENSSL_VERIFY_ARGS)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("Signature Verified Successfully"), "{said}");
    // And each file's SHA-256 as sha256sum prints it.
    let manifest: Manifest =
        serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json")).unwrap()).unwrap();
    let names: Vec<&str> = manifest.files.iter().map(|f| f.name.as_str()).collect();
    let out = Command::new("sha256sum")
        .args(&names)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let sums: BTreeMap<String, String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let (sum, name) = l.split_once("  ").unwrap();
            (name.to_owned(), sum.to_owned())
        })
        .collect();
    for f in &manifest.files {
        assert_eq!(sums[&f.name], f.sha256.to_hex(), "{}", f.name);
    }
}
