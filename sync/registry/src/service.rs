//! The registry as a service, without HTTP: the checks of an upload (canonical form, signature,
//! hashes, enrolled device and organiser, full re-count with urne-core) before a bundle is
//! stored exactly once with a signed receipt; packages published by enrolled organisers and
//! handed to enrolled kiosks; an event's results. A refused request is a [`Refusal`], in the
//! registry's own terms: `http` alone decides what HTTP status each one is.

use std::path::Path;
use std::sync::Arc;

use urne_codec::protocol::{self, EventListing};
use urne_codec::receipt::{RECEIPT_FORMAT, Receipt, SignedReceipt};
use urne_codec::tarball;
use urne_core::crypto::{Fingerprint, SecretKey, Sha256Digest};
use urne_core::package::EventPackage;
use urne_core::results;
use urne_core::timestamp::Timestamp;

use crate::limits::{Limits, RateLimiter};
use crate::model::{BundleSummary, EventHeader, EventResults, Standing};
use crate::refusal::RefusalLog;
pub use crate::refusal::{Refusal, Upload};
use crate::store::{self, BundleRow, RegistryStore, StoreError, Stored};

/// Why the registry could not start.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// Storage.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The registry key file.
    #[error("registry key {path}: {reason}")]
    Key {
        /// The key file.
        path: String,
        /// Why.
        reason: String,
    },
}

/// The registry's shared state.
#[derive(Clone)]
pub struct Registry {
    store: Arc<dyn RegistryStore>,
    key: Arc<SecretKey>,
    clock: fn() -> Timestamp,
    limits: Limits,
    rate: Arc<RateLimiter>,
    refusals: Arc<RefusalLog>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("key", &self.key)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// Loads the registry's signing key from `path`, creating it (mode 0600) on first start.
pub fn load_or_create_key(path: &Path) -> Result<SecretKey, RegistryError> {
    let fail = |reason: String| RegistryError::Key {
        path: path.display().to_string(),
        reason,
    };
    match std::fs::read_to_string(path) {
        Ok(pem) => SecretKey::from_pem(&pem).map_err(|e| fail(e.to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).map_err(|e| fail(e.to_string()))?;
            let key = SecretKey::from_seed(&seed);
            seed.fill(0);
            urne_codec::atomic::write(path, key.to_pem().as_bytes(), 0o600)
                .map_err(|e| fail(e.to_string()))?;
            Ok(key)
        }
        Err(e) => Err(fail(e.to_string())),
    }
}

/// A storage failure, logged here; the client is only told to try again.
pub fn storage_failed(e: &StoreError) -> Refusal {
    tracing::error!(error = %e, "registry storage failed");
    Refusal::Storage
}

/// A published package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The event.
    pub event: String,
    /// SHA-256 of the file.
    pub digest: Sha256Digest,
    /// Whether it was new (false: this very file was already published).
    pub new: bool,
}

impl Registry {
    /// A registry over a store, signing receipts with `key`.
    pub fn new(
        store: Arc<dyn RegistryStore>,
        key: SecretKey,
        clock: fn() -> Timestamp,
        limits: Limits,
    ) -> Self {
        Self {
            store,
            key: Arc::new(key),
            clock,
            rate: Arc::new(RateLimiter::new(&limits)),
            refusals: Arc::new(RefusalLog::new(&limits)),
            limits,
        }
    }

    /// The registry's public key, which kiosks pin.
    pub fn public_key(&self) -> urne_core::crypto::PublicKey {
        self.key.public()
    }

    /// The storage.
    pub fn store(&self) -> &Arc<dyn RegistryStore> {
        &self.store
    }

    /// The enrolled device with this fingerprint, as the storage holds it now; a revoked one is
    /// refused. Nothing is cached: a revocation or an enrolment by another process counts on
    /// the next request.
    fn unrevoked_device(
        &self,
        fingerprint: &Fingerprint,
    ) -> Result<Option<store::Device>, Refusal> {
        match self.store.device(fingerprint) {
            Err(e) => Err(storage_failed(&e)),
            Ok(Some(store::Device {
                revoked: Some(revoked),
                ..
            })) => Err(Refusal::DeviceRevoked {
                device: *fingerprint,
                at: revoked.at,
            }),
            Ok(found) => Ok(found),
        }
    }

    /// Whether `organiser` is enrolled for `event`, and whether any key is.
    fn organiser_enrolled(
        &self,
        event: &str,
        organiser: &Fingerprint,
    ) -> Result<(bool, bool), Refusal> {
        let enrolled = self
            .store
            .organisers(event)
            .map_err(|e| storage_failed(&e))?;
        Ok((
            enrolled.iter().any(|o| o.key.fingerprint() == *organiser),
            !enrolled.is_empty(),
        ))
    }

    fn refuse(&self, device: Option<&Fingerprint>, refusal: Refusal) -> Refusal {
        // Storage failures are not refusals of the upload and are not recorded as such.
        if !matches!(refusal, Refusal::Storage) {
            let now = (self.clock)().to_rfc3339();
            self.refusals
                .record(self.store.as_ref(), device, &refusal, &now);
        }
        refusal
    }

    /// The files of an uploaded tar, only in the exact form Urne writes.
    fn read_canonical(
        &self,
        bytes: &[u8],
        what: Upload,
    ) -> Result<Vec<(String, Vec<u8>)>, Refusal> {
        let files = tarball::read(bytes)
            .map_err(|error| self.refuse(None, Refusal::NotATar { what, error }))?;
        if !tarball::is_canonical(bytes, &files) {
            return Err(self.refuse(None, Refusal::NotCanonical { what }));
        }
        Ok(files)
    }

    /// Checks and stores one bundle; the HTTP handler's body, callable without HTTP.
    pub fn receive(&self, bytes: &[u8]) -> Result<Stored, Refusal> {
        let now = (self.clock)();
        let files = self.read_canonical(bytes, Upload::Bundle)?;
        let opened =
            urne_core::archive::open(urne_core::archive::ArchiveFormat::Bundle, &files, None)
                .map_err(|e| self.refuse(None, Refusal::Archive(e)))?;
        // From here the bundle is signed by the key it names.
        let device_fp = opened.manifest.signer;
        let device = Some(&device_fp);
        match self.unrevoked_device(&device_fp) {
            Err(refusal) => return Err(self.refuse(device, refusal)),
            Ok(Some(enrolled)) if enrolled.key == opened.signer => {}
            Ok(_) => {
                return Err(self.refuse(device, Refusal::DeviceNotEnrolled(device_fp)));
            }
        }
        self.check_assigned(opened.manifest.event.as_str(), &device_fp)
            .map_err(|r| self.refuse(device, r))?;
        if i64::try_from(opened.manifest.seq).is_err() {
            return Err(self.refuse(device, Refusal::SequenceTooLarge(opened.manifest.seq)));
        }
        if !self.rate.allow(&device_fp) {
            return Err(self.refuse(
                device,
                Refusal::DeviceTooFast {
                    device: device_fp,
                    per_minute: self.limits.uploads_per_minute,
                },
            ));
        }
        let roster = self.published_roster(opened.manifest.event.as_str(), &opened.files)?;
        let verified = results::verify_with_roster(&opened, roster.as_ref())
            .map_err(|e| self.refuse(device, Refusal::Content(e)))?;
        let event = opened.manifest.event.as_str();
        self.check_organiser(event, &verified.provenance)
            .map_err(|r| self.refuse(device, r))?;
        let digest = Sha256Digest::of(bytes);
        let receipt = SignedReceipt::sign(
            &Receipt {
                format: RECEIPT_FORMAT.into(),
                bundle: digest,
                device: device_fp,
                event: opened.manifest.event.clone(),
                seq: opened.manifest.seq,
                received: now,
                registry: self.key.public().fingerprint(),
            },
            &self.key,
        );
        let summary = serde_json::to_string(&BundleSummary::of(&verified, opened.manifest.created))
            .expect("summaries always serialise");
        let stored = self
            .store
            .store(&store::NewBundle {
                digest: &digest,
                device: &device_fp,
                event,
                seq: opened.manifest.seq,
                test: verified.test,
                bytes,
                receipt: &receipt,
                received: &now.to_rfc3339(),
                summary: &summary,
            })
            .map_err(|e| storage_failed(&e))?;
        if let Stored::Conflict { existing } = &stored {
            return Err(self.refuse(
                device,
                Refusal::Conflict {
                    device: device_fp,
                    existing: existing.clone(),
                    seq: opened.manifest.seq,
                },
            ));
        }
        Ok(stored)
    }

    /// The roster of the package a bundle says it ran, when this registry published that very
    /// package (the same manifest): then the verifier bounds who checked in and how much each
    /// poll weighs by the organiser's roster, not only by the kiosk's word.
    fn published_roster(
        &self,
        event: &str,
        files: &std::collections::BTreeMap<String, Vec<u8>>,
    ) -> Result<Option<urne_core::event::Roster>, Refusal> {
        // A bundle without its package proof is refused by the verifier, with the reason.
        let Ok(carried) = urne_core::package::PackageProof::from_files(files) else {
            return Ok(None);
        };
        let digest = carried.digest();
        for bytes in self.store.packages(event).map_err(|e| storage_failed(&e))? {
            let published = tarball::read(&bytes)
                .ok()
                .and_then(|files| EventPackage::open(&files, None).ok());
            if let Some(published) = published.filter(|p| p.proof.digest() == digest) {
                return Ok(Some(published.package.roster));
            }
        }
        Ok(None)
    }

    /// A kiosk fetches the package of, and sends results for, only the events the operator
    /// assigned it to (asked of the store on every request).
    fn check_assigned(&self, event: &str, device: &Fingerprint) -> Result<(), Refusal> {
        if self
            .store
            .is_assigned(event, device)
            .map_err(|e| storage_failed(&e))?
        {
            Ok(())
        } else {
            Err(Refusal::NotAssigned {
                device: *device,
                event: event.to_owned(),
            })
        }
    }

    /// A bundle is accepted only for an event with an enrolled organiser key, and only if the
    /// package it carries, which the kiosk's chain records loading (checked by
    /// [`results::verify`]), was signed by one: a kiosk's word on which package it ran is not
    /// enough, the organiser's signature is in the bundle.
    fn check_organiser(
        &self,
        event: &str,
        provenance: &urne_core::provenance::Provenance,
    ) -> Result<(), Refusal> {
        match self.organiser_enrolled(event, &provenance.organiser)? {
            (true, _) => Ok(()),
            (false, false) => Err(Refusal::EventNotEnrolled(event.to_owned())),
            (false, true) => Err(Refusal::ForeignPackage {
                event: event.to_owned(),
                signer: provenance.organiser,
            }),
        }
    }

    /// Checks and publishes an event package signed by an organiser key enrolled for its event.
    pub fn publish(&self, bytes: &[u8]) -> Result<Published, Refusal> {
        let now = (self.clock)();
        let files = self.read_canonical(bytes, Upload::Package)?;
        let verified =
            EventPackage::open(&files, None).map_err(|e| self.refuse(None, Refusal::Package(e)))?;
        let event = verified.package.event.id.as_str();
        let organiser = verified.organiser_fingerprint();
        let (enrolled, _) = self.organiser_enrolled(event, &organiser)?;
        if !enrolled {
            return Err(self.refuse(
                None,
                Refusal::OrganiserNotEnrolled {
                    organiser,
                    event: event.to_owned(),
                },
            ));
        }
        if !self.rate.allow(&organiser) {
            return Err(Refusal::OrganiserTooFast);
        }
        let digest = Sha256Digest::of(bytes);
        let e = &verified.package.event;
        let new = self
            .store
            .publish_package(&store::NewPackage {
                digest: &digest,
                event,
                title: &e.title,
                place: &e.place,
                date: &e.date,
                organiser: &organiser,
                created: &verified.created.to_rfc3339(),
                received: &now.to_rfc3339(),
                bytes,
            })
            .map_err(|e| storage_failed(&e))?;
        Ok(Published {
            event: event.to_owned(),
            digest,
            new,
        })
    }

    /// The device a package request or a challenge names, if it is enrolled and not revoked.
    fn requesting_device(&self, device: &str) -> Result<store::Device, Refusal> {
        let fingerprint = Fingerprint::parse(device).ok_or(Refusal::BadFingerprint)?;
        self.unrevoked_device(&fingerprint)?
            .ok_or(Refusal::UnknownDevice(fingerprint))
    }

    /// A fresh challenge for an enrolled kiosk that is about to ask for its package: a random
    /// nonce kept for it alone, good once and for [`protocol::CHALLENGE_LIFETIME_SECONDS`]. At
    /// most a few are kept per kiosk, so asking many times fills nothing.
    pub fn challenge(&self, device: &str) -> Result<String, Refusal> {
        const KEPT_PER_DEVICE: u32 = 4;
        let device = self.requesting_device(device)?;
        let mut nonce = [0u8; 32];
        getrandom::fill(&mut nonce).map_err(|e| {
            tracing::error!(error = %e, "no randomness for a challenge");
            Refusal::Storage
        })?;
        let nonce: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
        let now = (self.clock)().0;
        self.store
            .issue_challenge(
                &nonce,
                &device.fingerprint,
                now,
                now - protocol::CHALLENGE_LIFETIME_SECONDS,
                KEPT_PER_DEVICE,
            )
            .map_err(|e| storage_failed(&e))?;
        Ok(nonce)
    }

    /// The newest package of an event, for an enrolled kiosk that signed a challenge issued to
    /// it and not used yet.
    pub fn package_for(
        &self,
        event: &str,
        device: &str,
        challenge: &str,
        signature: &str,
    ) -> Result<Vec<u8>, Refusal> {
        use base64::Engine as _;
        let enrolled = self.requesting_device(device)?;
        let signature = base64::engine::general_purpose::STANDARD
            .decode(signature)
            .map_err(|_| Refusal::SignatureNotBase64)?;
        enrolled
            .key
            .verify(
                &protocol::package_request_message(event, challenge),
                &signature,
            )
            .map_err(|_| Refusal::BadSignature)?;
        self.check_assigned(event, &enrolled.fingerprint)?;
        // Used up only once the signature holds: nobody else can spend a kiosk's challenge.
        let now = (self.clock)().0;
        let fresh = self
            .store
            .take_challenge(
                challenge,
                &enrolled.fingerprint,
                now - protocol::CHALLENGE_LIFETIME_SECONDS,
            )
            .map_err(|e| storage_failed(&e))?;
        if !fresh {
            return Err(Refusal::StaleChallenge);
        }
        match self.store.package(event).map_err(|e| storage_failed(&e))? {
            Some((_, bytes)) => Ok(bytes),
            None => Err(Refusal::NoPackage(event.to_owned())),
        }
    }

    /// An event's results: 404 when the registry does not know the event.
    pub fn results(&self, event: &str) -> Result<EventResults, Refusal> {
        let events = self.store.events().map_err(|e| storage_failed(&e))?;
        let Some(row) = events.into_iter().find(|e| e.id == event) else {
            return Err(Refusal::UnknownEvent(event.to_owned()));
        };
        let rows = self
            .store
            .event_bundles(event)
            .map_err(|e| storage_failed(&e))?
            .into_iter()
            .map(|(row, json)| {
                serde_json::from_str::<BundleSummary>(&json)
                    .map(|s| (row, s))
                    .map_err(|e| storage_failed(&StoreError::Corrupt(e.to_string())))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let standing = |device: &str| {
            Fingerprint::parse(device)
                .and_then(|fp| self.store.device(&fp).ok().flatten())
                .map(Standing::from)
                .unwrap_or_default()
        };
        let header = EventHeader {
            id: row.id,
            title: row.title,
            place: row.place,
            date: row.date,
            organisation: None,
        };
        Ok(EventResults::assemble(header, rows, standing))
    }

    /// The limits the registry was started with (the HTTP layer applies the body cap, the
    /// timeout and the cap on checks at once).
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Every stored bundle, newest first.
    pub fn bundles(&self) -> Result<Vec<BundleRow>, Refusal> {
        self.store.bundles().map_err(|e| storage_failed(&e))
    }

    /// The events the registry knows.
    pub fn events(&self) -> Result<Vec<EventListing>, Refusal> {
        self.store.events().map_err(|e| storage_failed(&e))
    }

    /// A stored bundle's file, by its SHA-256 in hexadecimal.
    pub fn bundle_bytes(&self, digest: &str) -> Result<Option<Vec<u8>>, Refusal> {
        self.store
            .bundle_bytes(digest)
            .map_err(|e| storage_failed(&e))
    }
}
