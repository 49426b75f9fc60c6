//! The hall's TLS: each kiosk's device key as an RFC 7250 raw public key, TLS 1.3 only, both
//! sides authenticated, and each side accepting exactly the keys it pinned — never a certificate
//! authority, never X.509, never a resumed session (which would skip these checks, so that a kiosk
//! removed from the hall would still get in).
//!
//! A member kiosk pins the lead's fingerprint from the pairing card before it sends a byte; the
//! lead admits the keys its [`KeyGate`] says (the paired kiosks, and any key while a pairing card
//! is shown, since a joining kiosk's key is learnt in its `Pair` request).

use std::fmt;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{AlwaysResolvesClientRawPublicKeys, Resumption};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms, ring};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, SubjectPublicKeyInfoDer,
    UnixTime,
};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{AlwaysResolvesServerRawPublicKeys, NoServerSessionStorage};
use rustls::sign::CertifiedKey;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, DistinguishedName, Error,
    PeerIncompatible, PeerMisbehaved, ServerConfig, SignatureScheme,
};
use urne_core::crypto::{Fingerprint, PublicKey, SecretKey, Sha256Digest};

/// The application protocol both sides name, so that a kiosk never talks the hall's frames to
/// some other TLS service on the same port.
pub const ALPN: &[u8] = b"urne-hall/1";

/// The DER header of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the 32 key bytes follow.
const ED25519_SPKI_HEADER: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// Why a TLS configuration could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    /// The device key did not load into the TLS provider.
    #[error("the device key cannot be used for TLS: {0}")]
    Key(Error),
    /// The provider refused the protocol versions.
    #[error("the TLS provider refused TLS 1.3: {0}")]
    Provider(Error),
}

/// A kiosk's TLS identity: its device key, presented as a raw public key.
#[derive(Clone)]
pub struct TlsIdentity {
    key: Arc<CertifiedKey>,
    fingerprint: Fingerprint,
}

impl fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TlsIdentity({})", self.fingerprint)
    }
}

impl TlsIdentity {
    /// The identity of the device key `key`.
    pub fn from_device_key(key: &SecretKey) -> Result<Self, TlsSetupError> {
        let pem = key.to_pem();
        let der = PrivatePkcs8KeyDer::from_pem_slice(pem.as_bytes())
            .map_err(|_| TlsSetupError::Key(Error::General("not a PKCS#8 key".into())))?;
        let signer = provider()
            .key_provider
            .load_private_key(PrivateKeyDer::Pkcs8(der))
            .map_err(TlsSetupError::Key)?;
        let spki = key.public().to_der();
        // The provider's view of the public key must be the one the fingerprint names.
        if signer.public_key().as_ref().map(|k| k.as_ref()) != Some(spki.as_slice()) {
            return Err(TlsSetupError::Key(Error::General(
                "the TLS provider derived another public key".into(),
            )));
        }
        Ok(Self {
            key: Arc::new(CertifiedKey::new(vec![CertificateDer::from(spki)], signer)),
            fingerprint: key.public().fingerprint(),
        })
    }

    /// The fingerprint of the device key: what the other side pins.
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }
}

/// Which device keys the lead lets finish a handshake. Asked on every connection, so that a
/// kiosk removed from the hall is refused at its next one.
pub trait KeyGate: Send + Sync + 'static {
    /// Whether the key with this fingerprint may connect.
    fn admits(&self, device: &Fingerprint) -> bool;
}

/// The ring provider: one TLS library on the Pi (the workspace builds no aws-lc).
fn provider() -> Arc<CryptoProvider> {
    Arc::new(ring::default_provider())
}

/// The key and fingerprint in a peer's raw public key, or `None` if it is not exactly an Ed25519
/// SubjectPublicKeyInfo with a valid point.
pub fn peer_fingerprint(spki: &[u8]) -> Option<Fingerprint> {
    let key: &[u8; 32] = spki.strip_prefix(&ED25519_SPKI_HEADER)?.try_into().ok()?;
    PublicKey::from_raw(key).ok()?;
    Some(Sha256Digest::of(spki))
}

/// Checks a peer's "certificate": one raw key, no chain, admitted by `admits`.
fn check_peer(
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    admits: impl FnOnce(&Fingerprint) -> bool,
) -> Result<(), Error> {
    if !intermediates.is_empty() {
        return Err(Error::InvalidCertificate(CertificateError::BadEncoding));
    }
    let fingerprint = peer_fingerprint(end_entity.as_ref())
        .ok_or(Error::InvalidCertificate(CertificateError::BadEncoding))?;
    if admits(&fingerprint) {
        Ok(())
    } else {
        Err(Error::InvalidCertificate(
            CertificateError::ApplicationVerificationFailure,
        ))
    }
}

/// Checks a TLS 1.3 handshake signature with the peer's raw key: Ed25519 only.
fn check_signature(
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
    algorithms: &WebPkiSupportedAlgorithms,
) -> Result<HandshakeSignatureValid, Error> {
    if dss.scheme != SignatureScheme::ED25519 {
        return Err(PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme.into());
    }
    let spki = SubjectPublicKeyInfoDer::from(cert.as_ref());
    rustls::crypto::verify_tls13_signature_with_raw_key(message, &spki, dss, algorithms)
}

/// The member kiosk's check of the lead: exactly the pinned key.
#[derive(Debug)]
struct PinnedLead {
    pin: Fingerprint,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PinnedLead {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        check_peer(end_entity, intermediates, |fp| *fp == self.pin)
            .map(|()| ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        Err(PeerIncompatible::Tls12NotOffered.into())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        check_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        vec![SignatureScheme::ED25519]
    }

    fn requires_raw_public_keys(&self) -> bool {
        true
    }
}

/// The lead's check of a member kiosk: a key its gate admits.
struct GatedMembers {
    gate: Arc<dyn KeyGate>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl fmt::Debug for GatedMembers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("GatedMembers")
    }
}

impl ClientCertVerifier for GatedMembers {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        check_peer(end_entity, intermediates, |fp| self.gate.admits(fp))
            .map(|()| ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        Err(PeerIncompatible::Tls12NotOffered.into())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        check_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        vec![SignatureScheme::ED25519]
    }

    fn requires_raw_public_keys(&self) -> bool {
        true
    }
}

/// The lead's server configuration.
pub fn server_config(
    identity: &TlsIdentity,
    gate: Arc<dyn KeyGate>,
) -> Result<ServerConfig, TlsSetupError> {
    let provider = provider();
    let verifier = GatedMembers {
        gate,
        algorithms: provider.signature_verification_algorithms,
    };
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(TlsSetupError::Provider)?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_cert_resolver(Arc::new(AlwaysResolvesServerRawPublicKeys::new(
            identity.key.clone(),
        )));
    config.session_storage = Arc::new(NoServerSessionStorage {});
    config.send_tls13_tickets = 0;
    config.alpn_protocols = vec![ALPN.to_vec()];
    Ok(config)
}

/// A member kiosk's client configuration, pinned to the lead's key.
pub fn client_config(
    identity: &TlsIdentity,
    lead: Fingerprint,
) -> Result<ClientConfig, TlsSetupError> {
    let provider = provider();
    let verifier = PinnedLead {
        pin: lead,
        algorithms: provider.signature_verification_algorithms,
    };
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(TlsSetupError::Provider)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_client_cert_resolver(Arc::new(AlwaysResolvesClientRawPublicKeys::new(
            identity.key.clone(),
        )));
    config.resumption = Resumption::disabled();
    config.alpn_protocols = vec![ALPN.to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_keys_raw_public_key_carries_its_fingerprint() {
        let key = SecretKey::from_seed(&[7; 32]);
        let identity = TlsIdentity::from_device_key(&key).unwrap();
        assert_eq!(identity.fingerprint(), key.public().fingerprint());
        let spki = identity.key.cert[0].as_ref();
        assert_eq!(peer_fingerprint(spki), Some(key.public().fingerprint()));
    }

    #[test]
    fn a_raw_key_that_is_not_exactly_an_ed25519_key_is_refused() {
        let spki = SecretKey::from_seed(&[7; 32]).public().to_der();
        let mut longer = spki.clone();
        longer.push(0);
        assert_eq!(peer_fingerprint(&longer), None);
        assert_eq!(peer_fingerprint(&spki[..43]), None);
        let mut other_algorithm = spki.clone();
        other_algorithm[8] = 0x71; // 1.3.101.113, Ed448's arc
        assert_eq!(peer_fingerprint(&other_algorithm), None);
    }
}
