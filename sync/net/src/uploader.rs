//! The registry's HTTP client: the kiosk sends a bundle and checks the signed receipt, fetches
//! its event package; the organiser's `urne publish` sends a package.
//!
//! The retry loop around uploads (which bundles are pending, when to try again) belongs to the
//! kiosk, which owns the outbox; this module makes one attempt and says whether trying again can
//! help.

use std::time::Duration;

use urne_core::crypto::{Fingerprint, SecretKey, Sha256Digest};

use urne_codec::protocol::{self, EventListing};
use urne_codec::receipt::{ReceiptError, SignedReceipt};

/// The most the client reads of a small answer: a receipt, a challenge, a refusal's reason.
pub const SMALL_ANSWER: usize = 64 * 1024;
/// The most the client reads of the registry's event list (hundreds of events fit in a few
/// hundred KiB).
pub const EVENT_LIST_ANSWER: usize = 4 * 1024 * 1024;
/// The most the client reads of an event package: the registry's own default body limit.
pub const PACKAGE_ANSWER: usize = 32 * 1024 * 1024;

/// Why an upload did not end with a valid receipt.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The registry could not be reached, or the connection dropped: try again later.
    #[error("the registry could not be reached: {0}")]
    Unreachable(String),
    /// The registry failed (5xx) or asked to slow down (408 timeout, 429 rate limit): try
    /// again later.
    #[error("the registry answered {0}")]
    Server(u16),
    /// The registry refused the bundle (4xx): trying again will not help.
    #[error("the registry refused the bundle ({status}): {reason}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The registry's reason.
        reason: String,
        /// The registry's fixed code for it (`not-assigned`, `device-revoked`, …), when it
        /// gave one.
        code: Option<String>,
    },
    /// The receipt does not hold.
    #[error("the registry's receipt is not valid: {0}")]
    BadReceipt(#[from] ReceiptError),
    /// The registry's address is refused (plain HTTP to another machine, no host, …).
    #[error(transparent)]
    Address(#[from] crate::address::AddressError),
}

impl UploadError {
    /// Whether a later attempt may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, UploadError::Unreachable(_) | UploadError::Server(_))
    }
}

/// An HTTP client for one registry.
#[derive(Debug, Clone)]
pub struct Uploader {
    client: reqwest::Client,
    base: String,
}

/// Installs the TLS crypto provider once per process (ring: small, and cross-builds for the Pi
/// with a plain C compiler). Any HTTP client of the process needs it.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Uploader {
    /// A client for the registry at `base_url` (e.g. `https://registre.example.org`; `http://`
    /// only to this machine, see [`crate::address`]).
    pub fn new(base_url: &str) -> Result<Self, UploadError> {
        crate::address::check(base_url)?;
        install_crypto_provider();
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| UploadError::Unreachable(e.to_string()))?;
        Ok(Self {
            client,
            base: base_url.trim().trim_end_matches('/').to_owned(),
        })
    }

    /// Sends a request and reads the answer, at most `cap` bytes of it: a server that answers
    /// more (a hostile one, or not a registry at all) is dropped as soon as it passes the cap,
    /// never held in memory. 5xx and transport failures are transient, other non-success
    /// answers are refusals with the registry's reason.
    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        cap: usize,
    ) -> Result<Vec<u8>, UploadError> {
        let response = request
            .send()
            .await
            .map_err(|e| UploadError::Unreachable(e.to_string()))?;
        let status = response.status();
        // A refusal's reason is a sentence: never more than a small answer.
        let cap = if status.is_success() {
            cap
        } else {
            cap.min(SMALL_ANSWER)
        };
        let body = read_capped(response, cap).await?;
        if status.is_server_error()
            || status == reqwest::StatusCode::TOO_MANY_REQUESTS
            || status == reqwest::StatusCode::REQUEST_TIMEOUT
        {
            return Err(UploadError::Server(status.as_u16()));
        }
        if !status.is_success() {
            let answer = serde_json::from_slice::<serde_json::Value>(&body).ok();
            let field = |name: &str| {
                answer
                    .as_ref()
                    .and_then(|v| v.get(name).and_then(|e| e.as_str()).map(String::from))
            };
            return Err(UploadError::Refused {
                status: status.as_u16(),
                reason: field("error")
                    .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned()),
                code: field("code"),
            });
        }
        Ok(body)
    }

    /// Uploads one bundle and verifies the receipt (against `pinned_registry` when given).
    pub async fn upload(
        &self,
        bytes: Vec<u8>,
        pinned_registry: Option<&Fingerprint>,
    ) -> Result<SignedReceipt, UploadError> {
        let digest = Sha256Digest::of(&bytes);
        let body = self
            .send(
                self.client
                    .post(format!("{}{}", self.base, protocol::BUNDLES))
                    .header("content-type", "application/x-tar")
                    .body(bytes),
                SMALL_ANSWER,
            )
            .await?;
        let receipt: SignedReceipt =
            serde_json::from_slice(&body).map_err(|_| ReceiptError::Unreadable)?;
        receipt.verify(&digest, pinned_registry)?;
        Ok(receipt)
    }

    /// Publishes an event package (signed by an organiser key enrolled for its event); returns
    /// the package's SHA-256 as the registry reports it.
    pub async fn publish(&self, bytes: Vec<u8>) -> Result<String, UploadError> {
        let body = self
            .send(
                self.client
                    .post(format!("{}{}", self.base, protocol::PACKAGES))
                    .header("content-type", "application/x-tar")
                    .body(bytes),
                SMALL_ANSWER,
            )
            .await?;
        text_field(&body, "package")
    }

    /// The events the registry knows, with whether a package is published for each.
    pub async fn events(&self) -> Result<Vec<EventListing>, UploadError> {
        let body = self
            .send(
                self.client
                    .get(format!("{}{}", self.base, protocol::EVENTS)),
                EVENT_LIST_ANSWER,
            )
            .await?;
        #[derive(serde::Deserialize)]
        struct Events {
            events: Vec<EventListing>,
        }
        serde_json::from_slice::<Events>(&body)
            .map(|e| e.events)
            .map_err(|_| UploadError::Unreachable("the registry's answer is unreadable".into()))
    }

    /// Fetches the newest package of `event`, proving with the device key that this kiosk is
    /// enrolled. The bytes are not trusted: the caller verifies the organiser's signature as it
    /// does for a package from a USB stick.
    pub async fn fetch_package(
        &self,
        event: &str,
        device: &SecretKey,
    ) -> Result<Vec<u8>, UploadError> {
        let body = self
            .send(
                self.client.get(format!(
                    "{}{}",
                    self.base,
                    protocol::challenge_request(&device.public().fingerprint())
                )),
                SMALL_ANSWER,
            )
            .await?;
        let challenge = text_field(&body, "challenge")?;
        self.send(
            self.client
                .get(format!("{}{}", self.base, protocol::package_path(event)))
                .header(
                    protocol::HEADER_DEVICE,
                    device.public().fingerprint().to_hex(),
                )
                .header(protocol::HEADER_CHALLENGE, &challenge)
                .header(
                    protocol::HEADER_SIGNATURE,
                    protocol::sign_package_request(device, event, &challenge),
                ),
            PACKAGE_ANSWER,
        )
        .await
    }
}

/// Reads an answer's body chunk by chunk, refusing it once it passes `cap` bytes (or when its
/// announced length already does).
async fn read_capped(mut response: reqwest::Response, cap: usize) -> Result<Vec<u8>, UploadError> {
    let too_large = || {
        UploadError::Unreachable(format!(
            "the answer is larger than {cap} bytes: this is not a registry's answer"
        ))
    };
    let announced = response.content_length().unwrap_or(0);
    if announced > u64::try_from(cap).unwrap_or(u64::MAX) {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(usize::try_from(announced).unwrap_or(0));
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| UploadError::Unreachable(e.to_string()))?
    {
        if body.len() + chunk.len() > cap {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A text field of the registry's JSON answer; an answer without it is not the registry's.
fn text_field(body: &[u8], name: &str) -> Result<String, UploadError> {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get(name).and_then(|f| f.as_str()).map(String::from))
        .ok_or_else(|| UploadError::Unreachable("the registry's answer is unreadable".into()))
}

/// How long to wait before attempt number `attempt` (0 for the first retry): exponential from
/// 2 s, capped at 5 minutes, with "full jitter" drawn from `random` so that kiosks coming back
/// online together do not retry in lockstep.
pub fn backoff(attempt: u32, random: u64) -> Duration {
    let cap_ms: u64 = 5 * 60 * 1000;
    let ceiling = 2_000u64.saturating_mul(1u64 << attempt.min(16)).min(cap_ms);
    // Between half the ceiling and the ceiling: never retry immediately.
    Duration::from_millis(ceiling / 2 + random % (ceiling / 2 + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_bounded() {
        assert!(backoff(0, 0) >= Duration::from_secs(1));
        assert!(backoff(0, u64::MAX) <= Duration::from_secs(2));
        assert!(backoff(3, 0) >= Duration::from_secs(8));
        assert!(backoff(40, u64::MAX) <= Duration::from_secs(300));
    }
}
