//! The keys Urne writes, read by other tools: OpenSSL derives the same public key from an
//! organiser key `urne keygen` wrote, as the README's recipe does (`openssl pkey -in … -pubout`).

use std::process::Command;

use urne_core::crypto::{SecretKey, Sha256Digest};

#[test]
fn openssl_reads_the_organiser_key_urne_keygen_writes() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("organisateur.key");
    let out = Command::new(env!("CARGO_BIN_EXE_urne"))
        .args(["keygen", "--out"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let printed = String::from_utf8(out.stdout).unwrap();

    let openssl = Command::new("openssl")
        .args(["pkey", "-pubout", "-outform", "DER", "-in"])
        .arg(&key)
        .output()
        .expect("openssl is installed (./dev test installs it)");
    assert!(
        openssl.status.success(),
        "OpenSSL refused the key: {}",
        String::from_utf8_lossy(&openssl.stderr)
    );
    // The fingerprint is SHA-256 of the SubjectPublicKeyInfo DER: OpenSSL's public key is the
    // one `urne keygen` announced.
    assert_eq!(
        Sha256Digest::of(&openssl.stdout).to_hex(),
        printed.trim(),
        "OpenSSL derives another public key"
    );
    // And Urne reads its own file back to the same key.
    let pem = std::fs::read_to_string(&key).unwrap();
    let again = SecretKey::from_pem(&pem).unwrap();
    assert_eq!(again.public().fingerprint().to_hex(), printed.trim());
}

/// `urne pin-reset` signs a recovery order with the organiser key for the kiosk whose
/// fingerprint it is given as the PIN page shows it (grouped by four), and writes its QR code:
/// what the kiosk's scanner reads is the order printed, and it holds for that kiosk only.
#[test]
fn urne_pin_reset_writes_an_order_for_one_kiosk_that_its_qr_code_carries() {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("organisateur.key");
    let organiser = SecretKey::from_seed(&[0x31; 32]);
    std::fs::write(&key_file, organiser.to_pem().as_bytes()).unwrap();
    let kiosk = SecretKey::from_seed(&[0x32; 32]).public().fingerprint();
    let hex = kiosk.to_hex().to_uppercase();
    let grouped: Vec<&str> = (0..16).map(|i| &hex[i * 4..i * 4 + 4]).collect();
    let png = dir.path().join("ordre.png");
    let out = Command::new(env!("CARGO_BIN_EXE_urne"))
        .args(["--lang", "fr", "pin-reset", "--key"])
        .arg(&key_file)
        .args(["--device", &grouped.join(" "), "--out"])
        .arg(&png)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let order = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(order.starts_with(urne_core::recovery::PREFIX));
    urne_core::recovery::verify(&order, &organiser.public().fingerprint(), &kiosk).unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("ne sert qu'une fois"));

    let gray = image::open(&png).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(gray);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1);
    assert_eq!(grids[0].decode().unwrap().1, order);

    // A mistyped fingerprint is refused, in French, before anything is signed.
    let out = Command::new(env!("CARGO_BIN_EXE_urne"))
        .args(["--lang", "fr", "pin-reset", "--key"])
        .arg(&key_file)
        .args(["--device", "07ec 609c"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("64 chiffres hexadécimaux"));
    assert!(out.stdout.is_empty());
}
