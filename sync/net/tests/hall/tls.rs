//! The pinned TLS, attacked: a lead with another key, a kiosk the lead does not admit (or no
//! longer), a certificate signed by a CA around the very key that is pinned, and TLS 1.2. In
//! every refused case the lead applies nothing.

use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::ring;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, ServerConfig, SignatureScheme};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::{TlsAcceptor, TlsConnector};
use urne_codec::hall::frame::FrameReader;
use urne_codec::hall::{AnswerBody, HALL_VERSION, Request};
use urne_core::crypto::SecretKey;
use urne_sync::hall::client::{HallClient, HallError};
use urne_sync::hall::server::ServerLimits;
use urne_sync::hall::wire::{read_frame, write_message};

use crate::support::{RecordingLead, client, device, serve, status};

const SHORT: Duration = Duration::from_secs(2);

#[tokio::test]
async fn a_paired_kiosk_and_the_lead_talk_and_the_lead_knows_which_kiosk_asked() {
    let (lead_key, member) = (device(1), device(2));
    let lead = RecordingLead::admitting(&[&member]);
    let running = serve(&lead_key, lead.clone(), ServerLimits::default()).await;
    let answer = client(&member, &lead_key, running.address)
        .request(HallClient::new_id(), status(), SHORT)
        .await
        .unwrap();
    assert!(matches!(answer, AnswerBody::Status { .. }), "{answer:?}");
    let applied = lead.applied();
    assert_eq!(applied.len(), 1);
    assert_eq!(applied[0].device, member.public().fingerprint());
}

#[tokio::test]
async fn a_kiosk_refuses_a_lead_whose_key_is_not_the_one_on_the_card() {
    let (impostor, member, real_lead) = (device(9), device(2), device(1));
    let lead = RecordingLead::admitting(&[&member]);
    let running = serve(&impostor, lead.clone(), ServerLimits::default()).await;
    let outcome = client(&member, &real_lead, running.address)
        .request(HallClient::new_id(), status(), SHORT)
        .await;
    assert!(matches!(outcome, Err(HallError::WrongLead)), "{outcome:?}");
    assert!(lead.applied().is_empty());
}

#[tokio::test]
async fn the_lead_refuses_a_kiosk_it_does_not_admit_and_one_removed_on_its_next_request() {
    let (lead_key, member, stranger) = (device(1), device(2), device(3));
    let lead = RecordingLead::admitting(&[&member]);
    let running = serve(&lead_key, lead.clone(), ServerLimits::default()).await;

    let outcome = client(&stranger, &lead_key, running.address)
        .request(HallClient::new_id(), status(), SHORT)
        .await;
    assert!(
        matches!(outcome, Err(HallError::NotAdmitted)),
        "{outcome:?}"
    );
    assert!(lead.applied().is_empty());

    // Paired and connected, then removed: the open connection does not outlive the removal,
    // and no resumed session lets it back in.
    let paired = client(&member, &lead_key, running.address);
    paired
        .request(HallClient::new_id(), status(), SHORT)
        .await
        .unwrap();
    lead.remove(&member);
    let outcome = paired.request(HallClient::new_id(), status(), SHORT).await;
    assert!(
        matches!(
            &outcome,
            Ok(AnswerBody::Refused { .. }) | Err(HallError::NotAdmitted)
        ),
        "{outcome:?}"
    );
    let outcome = paired.request(HallClient::new_id(), status(), SHORT).await;
    assert!(
        matches!(outcome, Err(HallError::NotAdmitted)),
        "{outcome:?}"
    );
    assert_eq!(lead.applied().len(), 1, "nothing applied after the removal");
}

/// A certificate authority, and a certificate it signs around `key` (a kiosk's very own key).
fn ca_signed(key: &SecretKey) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
    let ca_key = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::from_pem(&key.to_pem()).unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let private = PrivateKeyDer::from_pem_slice(key.to_pem().as_bytes()).unwrap();
    (vec![leaf.der().clone(), ca.der().clone()], private)
}

#[tokio::test]
async fn a_kiosk_refuses_a_ca_signed_certificate_even_around_the_pinned_key() {
    let (lead_key, member) = (device(1), device(2));
    let (chain, private) = ca_signed(&lead_key);
    let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let served = tokio::spawn(async move {
        let mut handshakes = 0;
        while let Ok(Ok((tcp, _))) =
            tokio::time::timeout(Duration::from_secs(3), listener.accept()).await
        {
            if acceptor.accept(tcp).await.is_ok() {
                handshakes += 1;
            }
        }
        handshakes
    });
    let outcome = client(&member, &lead_key, address)
        .request(HallClient::new_id(), status(), SHORT)
        .await;
    assert!(outcome.is_err(), "{outcome:?}");
    assert_eq!(served.await.unwrap(), 0, "no handshake completed");
}

/// A hostile client's check of the server: anything goes.
#[derive(Debug)]
struct TrustsAnything;

impl ServerCertVerifier for TrustsAnything {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        vec![SignatureScheme::ED25519]
    }
}

/// Connects with `config` and tries one status request; `Ok` only if the lead answered.
async fn hostile_exchange(
    config: ClientConfig,
    address: std::net::SocketAddr,
) -> Result<(), String> {
    let tcp = TcpStream::connect(address)
        .await
        .map_err(|e| e.to_string())?;
    let connector = TlsConnector::from(Arc::new(config));
    let name = ServerName::IpAddress(address.ip().into());
    let mut tls = connector
        .connect(name, tcp)
        .await
        .map_err(|e| e.to_string())?;
    let request = Request {
        version: HALL_VERSION,
        id: HallClient::new_id(),
        body: status(),
    };
    write_message(&mut tls, &request)
        .await
        .map_err(|e| e.to_string())?;
    match read_frame(&mut tls, &mut FrameReader::new()).await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err("closed".into()),
        Err(e) => Err(e.to_string()),
    }
}

#[tokio::test]
async fn the_lead_refuses_a_ca_signed_client_certificate_even_around_a_paired_key() {
    let (lead_key, member) = (device(1), device(2));
    let lead = RecordingLead::admitting(&[&member]);
    let running = serve(&lead_key, lead.clone(), ServerLimits::default()).await;
    let (chain, private) = ca_signed(&member);
    let config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(TrustsAnything))
        .with_client_auth_cert(chain, private)
        .unwrap();
    let outcome = hostile_exchange(config, running.address).await;
    assert!(outcome.is_err(), "the lead answered an X.509 client");
    assert!(lead.applied().is_empty());
}

#[tokio::test]
async fn the_lead_speaks_no_tls_1_2() {
    let (lead_key, member) = (device(1), device(2));
    let lead = RecordingLead::admitting(&[&member]);
    let running = serve(&lead_key, lead.clone(), ServerLimits::default()).await;
    let config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_protocol_versions(&[&rustls::version::TLS12])
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(TrustsAnything))
        .with_no_client_auth();
    let outcome = hostile_exchange(config, running.address).await;
    assert!(outcome.is_err(), "the lead answered over TLS 1.2");
    assert!(lead.applied().is_empty());
}
