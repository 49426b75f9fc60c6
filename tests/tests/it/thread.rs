//! The thread through every real component: a badge arrives on a serial port, is checked in in
//! SQLite and greeted on the Slint screen; the member votes « Pour »; the organiser closes the
//! poll and exports a signed bundle to a USB folder; OpenSSL and `urne verify` check it; the
//! kiosk's uploader delivers it to `urne-registry` over HTTP.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serialport::{SerialPort, TTYPort};
use urne_core::credential::Role;
use urne_kiosk::clock::SystemClock;
use urne_kiosk::generated::Page;
use urne_kiosk::keystore::FileKeyStore;
use urne_kiosk::kiosk::Kiosk;
use urne_kiosk::scanner::{Scanner, SerialOpener};
use urne_kiosk::ui_testing::Harness;
use urne_kiosk::uploads::UploadLoop;
use urne_kiosk::usb::FolderTarget;
use urne_kiosk::view::Reply;
use urne_kiosk::view::ViewOptions;
use urne_papers::badges::issue_all;
use urne_tests::binary;

const WAIT: Duration = Duration::from_secs(15);
const CHARTE: &str = "Adopter la charte de l'Assemblée populaire (version du 12 novembre)";

fn scan_on_serial(port: &mut TTYPort, payload: &str) {
    port.write_all(payload.as_bytes()).unwrap();
    port.write_all(b"\r\n").unwrap();
    port.flush().unwrap();
}

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().expect("the command runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn openssl_verifies(dir: &Path) -> bool {
    run(Command::new("openssl")
        .current_dir(dir)
        .args(urne_codec::bundle::OPENSSL_VERIFY_ARGS))
    .0
}

fn urne_verify(bundle: &Path) -> (bool, String) {
    run(Command::new(binary("urne"))
        .args(["--lang", "fr", "verify"])
        .arg(bundle))
}

#[test]
fn a_badge_becomes_a_greeting_a_ballot_a_signed_bundle_and_a_registry_entry() {
    let data = tempfile::tempdir().unwrap();
    let usb = tempfile::tempdir().unwrap();
    let database = data.path().join("urne.sqlite");

    // The kiosk: real SQLite store, device key in a file, USB stick as a folder.
    let mut kiosk = Kiosk::open(
        &database,
        &FileKeyStore::in_folder(data.path()),
        Arc::new(SystemClock),
        Box::new(FolderTarget::new(usb.path())),
    )
    .unwrap();
    kiosk.set_pin("123456").unwrap();
    kiosk
        .load_package(&urne_kiosk::demo::package().bytes)
        .unwrap();
    let h = Harness::new(kiosk, ViewOptions::default(), 1024, 600);

    // The scanner: a pseudo-terminal pair; the kiosk opens the slave side by its path.
    let (mut master, slave) = TTYPort::pair().expect("a pseudo-terminal pair");
    let path = slave.name().expect("the slave has a path");
    let post = h.outbox();
    let scanner = Scanner::spawn(SerialOpener { path, baud: 9600 }, move |event| {
        post.post(Reply::Scanner(event));
    })
    .unwrap();

    let badges = issue_all(
        &urne_kiosk::demo::package().package,
        &urne_kiosk::demo::organiser_key(),
    );
    let members: Vec<_> = badges
        .iter()
        .filter(|b| b.role == Role::Participant)
        .collect();
    let organiser = badges.iter().find(|b| b.role == Role::Organiser).unwrap();

    // 1. At the door: badges arrive on the serial port and each member is greeted by name.
    for member in members.iter().take(52) {
        scan_on_serial(&mut master, &member.payload);
        assert!(
            h.wait_for(&format!("Bonjour {} !", member.name), WAIT),
            "{} is greeted after a serial scan",
            member.name
        );
    }
    h.tap("Terminer");

    // The organiser opens the first motion.
    scan_on_serial(&mut master, &organiser.payload);
    assert!(h.wait_for_page(Page::Pin, WAIT));
    for d in "123456".chars() {
        h.tap(&d.to_string());
    }
    h.tap("Valider");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
    // A machine whose clock the network did not synchronise is a Pi booted offline: the
    // dashboard asks the organiser to check the time, and they do.
    h.settle();
    if h.shows("Vérifier l'heure") {
        h.tap("Vérifier l'heure");
        assert!(h.wait_for_page(Page::Settings, WAIT));
        h.tap("La date et l'heure sont justes");
        assert!(h.wait_for("Date et heure confirmées.", WAIT));
        h.tap("Retour au tableau de bord");
        assert!(h.wait_for_page(Page::Dashboard, WAIT));
        h.settle();
    }
    h.tap(&format!("Ouvrir le scrutin : {CHARTE}"));
    assert!(h.wait_for(&format!("Clore le scrutin : {CHARTE}"), WAIT));
    h.tap("Verrouiller");

    // 2. Agnès votes « Pour » on the touchscreen.
    let agnes = members[0];
    scan_on_serial(&mut master, &agnes.payload);
    assert!(h.wait_for("Bonjour Agnès Lemaître !", WAIT));
    h.tap("Voter");
    h.tap("Pour");
    h.tap("Continuer");
    h.tap("Confirmer mon vote");
    assert!(
        h.wait_for("A voté !", WAIT),
        "« A voté ! » after the commit"
    );
    h.tap("Terminer");

    // The ballot is stored with no link to her: the ballots table has no member column, and
    // the "has voted" table has no ballot column.
    {
        let conn = rusqlite_columns(&database);
        assert_eq!(conn.0, vec!["poll", "id", "ballot"]);
        assert_eq!(conn.1, vec!["poll", "member"]);
    }

    // 3. The organiser closes the poll and exports the signed bundle to the USB folder.
    scan_on_serial(&mut master, &organiser.payload);
    assert!(h.wait_for_page(Page::Pin, WAIT));
    for d in "123456".chars() {
        h.tap(&d.to_string());
    }
    h.tap("Valider");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
    h.tap(&format!("Clore le scrutin : {CHARTE}"));
    // One ballot would show how its voter voted: the dashboard asks before closing.
    assert!(h.wait_for("Clore quand même ce scrutin à peu de bulletins", WAIT));
    assert!(h.shows_containing(&format!("« {CHARTE} » n'a que 1 bulletin(s), moins de 5")));
    assert_eq!(h.page(), Page::Dashboard);
    h.tap("Clore quand même ce scrutin à peu de bulletins");
    assert!(h.wait_for_page(Page::Result, WAIT));
    assert!(
        h.shows("Adoptée"),
        "1 pour, 0 contre, quorum reached: adopted"
    );
    h.tap("Retour au tableau de bord");
    h.tap("Exporter sur clé USB");
    let start = Instant::now();
    let bundle = loop {
        let found = std::fs::read_dir(usb.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "urne"));
        if let Some(b) = found {
            break b;
        }
        assert!(start.elapsed() < WAIT, "the bundle is written");
        h.view.wait(Duration::from_millis(50));
    };
    let name = bundle.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("bellevue-2026-12-05-") && name.ends_with("-0001.urne"),
        "{name}"
    );
    scanner.stop();
    drop(master);
    drop(slave);

    // 4. OpenSSL alone verifies the signature; `urne verify` re-counts and exits 0.
    let extracted = tempfile::tempdir().unwrap();
    assert!(
        run(Command::new("tar")
            .arg("-xf")
            .arg(&bundle)
            .arg("-C")
            .arg(extracted.path()))
        .0
    );
    for file in ["manifest.json", "manifest.sig", "device.pem"] {
        assert!(
            extracted.path().join(file).exists(),
            "{file} is in the bundle"
        );
    }
    assert_eq!(
        std::fs::metadata(extracted.path().join("manifest.sig"))
            .unwrap()
            .len(),
        64
    );
    assert!(
        openssl_verifies(extracted.path()),
        "OpenSSL verifies the manifest"
    );
    let (ok, report) = urne_verify(&bundle);
    assert!(ok, "urne verify accepts the bundle:\n{report}");
    assert!(report.contains("Pour : 1 · Contre : 0"), "{report}");
    assert!(report.contains("Décision : adoptée."), "{report}");

    // Flipping one byte of any member file makes `urne verify` fail; of manifest.json, OpenSSL
    // too.
    let members_of_tar = list_tar(&bundle);
    for member in &members_of_tar {
        let copy = tempfile::tempdir().unwrap();
        assert!(
            run(Command::new("tar")
                .arg("-xf")
                .arg(&bundle)
                .arg("-C")
                .arg(copy.path()))
            .0
        );
        let target = copy.path().join(member);
        let mut bytes = std::fs::read(&target).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
        std::fs::write(&target, &bytes).unwrap();
        let tampered = copy.path().join("tampered.urne");
        assert!(
            run(Command::new("tar")
                .current_dir(copy.path())
                .arg("--format=ustar")
                .arg("-cf")
                .arg(&tampered)
                .args(&members_of_tar))
            .0
        );
        let (ok, report) = urne_verify(&tampered);
        assert!(!ok, "flipping a byte of {member} went unnoticed:\n{report}");
        if member == "manifest.json" {
            assert!(
                !openssl_verifies(copy.path()),
                "OpenSSL rejects a changed manifest"
            );
        }
    }

    // 5. The registry, on 127.0.0.1 with a port chosen by the system, accepts the bundle from
    // the kiosk's uploader and lists it.
    let registry_db = data.path().join("registry.sqlite");
    let (ok, out) = run(Command::new(binary("urne-registry"))
        .args(["enrol", "--label", "kiosque de test", "--db"])
        .arg(&registry_db)
        .arg("--pubkey")
        .arg(extracted.path().join("device.pem"))
        .args([
            "--event",
            urne_kiosk::demo::package().package.event.id.as_str(),
        ]));
    assert!(ok, "{out}");
    // The event's organiser key, as found in its package, is enrolled for the event.
    let organiser_pem = data.path().join("organiser.pem");
    std::fs::write(
        &organiser_pem,
        urne_kiosk::demo::organiser_key().public().to_pem(),
    )
    .unwrap();
    let (ok, out) = run(Command::new(binary("urne-registry"))
        .args([
            "enrol-organiser",
            "--label",
            "bureau de l'assemblée",
            "--db",
        ])
        .arg(&registry_db)
        .args([
            "--event",
            urne_kiosk::demo::package().package.event.id.as_str(),
        ])
        .arg("--pubkey")
        .arg(&organiser_pem));
    assert!(ok, "{out}");
    let mut server = Server(
        Command::new(binary("urne-registry"))
            .args(["serve", "--listen", "127.0.0.1:0", "--db"])
            .arg(&registry_db)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut first_line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(server.0.stdout.as_mut().unwrap()),
        &mut first_line,
    )
    .unwrap();
    let url = first_line
        .trim()
        .strip_prefix("listening on ")
        .expect("the registry says where it listens")
        .to_owned();

    // The registry's card, as its operator prints it for the organiser: the kiosk takes
    // receipts under this key only. Its QR code reads back as the same text.
    let qr = data.path().join("card.png");
    let card = Command::new(binary("urne-registry"))
        .args(["card", "--url", &url, "--db"])
        .arg(&registry_db)
        .arg("--qr")
        .arg(&qr)
        .output()
        .unwrap();
    assert!(card.status.success(), "{card:?}");
    let text = String::from_utf8(card.stdout).unwrap();
    let card = urne_codec::protocol::RegistryCard::parse(&text).expect("a registry card");
    assert_eq!(card.url, url);
    let image = image::open(&qr).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "the card's QR code is found");
    assert_eq!(grids[0].decode().unwrap().1, text.trim());
    // A mistyped --db makes no new key (its card would match no registry).
    let elsewhere = data.path().join("registre-typo.sqlite");
    let (ok, out) = run(Command::new(binary("urne-registry"))
        .args(["card", "--url", &url, "--db"])
        .arg(&elsewhere));
    assert!(!ok && out.contains("no registry key"), "{out}");
    assert!(!data.path().join("registre-typo.sqlite.key").exists());

    h.shutdown();
    // The kiosk has stopped: nothing else uses the database, the gate is the loop's alone.
    let uploads = UploadLoop::spawn(
        database.clone(),
        Some((card.url.clone(), Some(card.key))),
        Default::default(),
    )
    .unwrap();
    let digest = urne_core::crypto::Sha256Digest::of(&std::fs::read(&bundle).unwrap()).to_hex();
    urne_sync::uploader::install_crypto_provider();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let listed = runtime.block_on(async {
        let start = Instant::now();
        loop {
            let body: serde_json::Value = reqwest::get(format!("{url}/api/v1/bundles"))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let bundles = body["bundles"].as_array().cloned().unwrap_or_default();
            if !bundles.is_empty() || start.elapsed() > WAIT {
                break bundles;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    uploads.stop();
    drop(server);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["digest"], digest.as_str());
    assert_eq!(listed[0]["event"], "bellevue-2026-12-05");

    // The kiosk recorded the registry's receipt.
    let store = urne_kiosk::store::Store::open(&database).unwrap();
    assert_eq!(store.exports().unwrap()[0].upload, "synced");
}

/// A child server that is stopped however the test ends.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn list_tar(bundle: &Path) -> Vec<String> {
    let (ok, out) = run(Command::new("tar").arg("-tf").arg(bundle));
    assert!(ok);
    out.lines().map(String::from).collect()
}

fn rusqlite_columns(database: &Path) -> (Vec<String>, Vec<String>) {
    let store = urne_kiosk::store::Store::open(database).unwrap();
    (
        store.columns("ballots").unwrap(),
        store.columns("voted").unwrap(),
    )
}
