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
