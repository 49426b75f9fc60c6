//! Event packages: describing one found on the stick or downloaded from the registry, and
//! loading it under the kiosk's rules (the organiser key pinned on first load, the fingerprint
//! the organiser confirmed, nothing changed on refusal).

use urne_core::audit::AuditEvent;
use urne_core::crypto::{Fingerprint, Sha256Digest};

use super::{Kiosk, KioskError, PackageProblem, SETTING_ORGANISER_KEY, with_local_polls};
use crate::clock::Clock;

/// An event package found on the USB stick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageOffer {
    /// Its file name.
    pub file: String,
    /// What it holds, or why it cannot be used (and the technical detail).
    pub outcome: Result<OfferInfo, (PackageProblem, String)>,
}

/// The kind of problem with a package that does not read.
pub fn package_problem(error: &urne_codec::package::ReadError) -> PackageProblem {
    use urne_codec::package::ReadError as R;
    use urne_core::archive::ArchiveError as A;
    use urne_core::package::PackageError as P;
    match error {
        R::Tar(_) => PackageProblem::NotAPackage,
        R::Package(P::Archive(a)) => match a {
            A::Missing(name) if name == "manifest.sig" => PackageProblem::Unsigned,
            A::Missing(_) | A::BadManifest(_) | A::WrongFormat { .. } => {
                PackageProblem::NotAPackage
            }
            A::BadKey(_)
            | A::SignerMismatch { .. }
            | A::BadSignature
            | A::UnexpectedSigner { .. } => PackageProblem::BadSignature,
            A::HashMismatch(_) | A::Unlisted(_) | A::BadName(_) | A::NonCanonicalManifest => {
                PackageProblem::Altered
            }
        },
        R::Package(
            P::Unreadable { .. }
            | P::Invalid(_)
            | P::EventMismatch
            | P::Tally(_)
            | P::NotAPackage(_),
        ) => PackageProblem::Invalid,
        R::Package(P::Unsealed) => PackageProblem::Unsealed,
    }
}

/// Verifies an event package and describes it for the organiser, given the organiser key
/// pinned on the kiosk (if any). Pure: the registry's download thread calls it as well.
pub fn describe_package(
    bytes: &[u8],
    pinned: Option<Fingerprint>,
) -> Result<OfferInfo, (PackageProblem, String)> {
    let v =
        urne_codec::package::read(bytes, None).map_err(|e| (package_problem(&e), e.to_string()))?;
    let organiser = v.organiser_fingerprint();
    Ok(OfferInfo {
        event: v.package.event.id.to_string(),
        title: v.package.event.title.clone(),
        place: v.package.event.place.clone(),
        date: v.package.event.date.clone(),
        members: v.package.roster.len(),
        polls: v.package.event.polls.len(),
        organiser,
        first_load: pinned.is_none(),
        foreign: pinned.is_some_and(|p| p != organiser),
    })
}

/// What a verified package holds, for the organiser to check before loading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferInfo {
    /// Event id.
    pub event: String,
    /// Title.
    pub title: String,
    /// Place.
    pub place: String,
    /// Date, `YYYY-MM-DD`.
    pub date: String,
    /// Members on the roster.
    pub members: usize,
    /// Polls.
    pub polls: usize,
    /// The organiser key that signed it.
    pub organiser: Fingerprint,
    /// No key is pinned yet: loading it pins this one, so the organiser must confirm it.
    pub first_load: bool,
    /// Signed by another key than the pinned one: it will be refused.
    pub foreign: bool,
}

impl Kiosk {
    /// Verifies and loads an event package. The first package pins its organiser key (the
    /// touchscreen shows the key's fingerprint for the organiser to confirm before calling
    /// this); a later package must be signed by the same key. Loading the very same package
    /// again does nothing. A package may replace the loaded one only before any poll opened
    /// (same event) or while the kiosk holds no record of an evening (another event). A refused
    /// package changes nothing. No package is loaded before the organiser PIN is set (the
    /// first-boot setup): whoever sets the kiosk up chooses the PIN before any key is pinned.
    pub fn load_package(&mut self, bytes: &[u8]) -> Result<(), KioskError> {
        if self.store.package()?.as_deref() == Some(bytes) {
            return Ok(());
        }
        if !self.has_pin()? {
            return Err(KioskError::SetupFirst);
        }
        let pinned = self
            .store
            .setting(SETTING_ORGANISER_KEY)?
            .and_then(|hex| Fingerprint::parse(&hex));
        let verified = urne_codec::package::read(bytes, None)
            .map_err(|e| KioskError::Package(package_problem(&e), e.to_string()))?;
        let organiser = verified.organiser_fingerprint();
        if let Some(pinned) = pinned
            && pinned != organiser
        {
            return Err(KioskError::ForeignPackage {
                pinned,
                found: organiser,
            });
        }
        if let Some(current) = self.event() {
            let same_event = current.id == verified.package.event.id;
            if same_event && !self.store.polls()?.is_empty() {
                return Err(KioskError::PackageTooLate);
            }
            if !same_event && self.store.has_records()? {
                return Err(KioskError::OtherEventInProgress(current.id.to_string()));
            }
        }
        let event = verified.package.event.id.clone();
        let event_name = event.to_string();
        let organiser_hex = organiser.to_hex();
        self.store.load_package(
            bytes,
            &event_name,
            &organiser_hex,
            pinned
                .is_none()
                .then_some((SETTING_ORGANISER_KEY, organiser_hex.as_str())),
            self.clock.now(),
            AuditEvent::PackageLoaded {
                event,
                package: Sha256Digest::of(bytes),
                organiser,
                manifest: Some(verified.proof.digest()),
            },
        )?;
        self.roster = verified.package.roster.clone();
        self.roster.members.extend(self.store.walk_ins()?);
        self.event = Some(with_local_polls(
            &verified.package.event,
            self.store.local_polls()?,
        ));
        self.loaded = Some(verified);
        self.auth.lock();
        Ok(())
    }

    /// Takes the package the kiosk was started with (`--package`): loaded now when the kiosk
    /// is set up, else verified now (a bad file is refused at start) and kept until the
    /// first-boot setup has chosen the PIN. Returns whether it was loaded now.
    pub fn load_package_at_start(&mut self, bytes: Vec<u8>) -> Result<bool, KioskError> {
        if self.has_pin()? {
            self.load_package(&bytes)?;
            return Ok(true);
        }
        urne_codec::package::read(&bytes, None)
            .map_err(|e| KioskError::Package(package_problem(&e), e.to_string()))?;
        self.held_package = Some(bytes);
        Ok(false)
    }

    /// Loads the package held since the start, once the setup is done. A refusal now (the
    /// file was verified at start) is logged: the setup stays done, and the organiser loads
    /// an event from the packages page.
    pub(super) fn load_held_package(&mut self) {
        if let Some(bytes) = self.held_package.take()
            && let Err(e) = self.load_package(&bytes)
        {
            tracing::warn!(error = %e, "the package given at start was not loaded after the setup");
        }
    }

    /// The organiser key this kiosk trusts, once a package was loaded.
    pub fn pinned_organiser(&self) -> Result<Option<Fingerprint>, KioskError> {
        Ok(self
            .store
            .setting(SETTING_ORGANISER_KEY)?
            .and_then(|hex| Fingerprint::parse(&hex)))
    }

    /// The event packages on the USB stick, each verified and described for the organiser.
    pub fn package_offers(&self) -> Result<Vec<PackageOffer>, KioskError> {
        let pinned = self.pinned_organiser()?;
        let mut offers = Vec::new();
        for file in self.usb.list(".urnepkg")? {
            let outcome = self
                .usb
                .read(&file, urne_codec::tarball::MAX_TOTAL_BYTES)
                .map_err(|e| (PackageProblem::Unreadable, e.to_string()))
                .and_then(|bytes| describe_package(&bytes, pinned));
            offers.push(PackageOffer { file, outcome });
        }
        Ok(offers)
    }

    /// Loads a package from the USB stick. `shown` is the organiser fingerprint the screen
    /// showed and the organiser confirmed: the file must still carry that key. Once an event is
    /// loaded, only an unlocked organiser may load another package.
    pub fn load_package_from_usb(
        &mut self,
        file: &str,
        shown: &Fingerprint,
    ) -> Result<(), KioskError> {
        if self.loaded.is_some() {
            self.require_organiser()?;
        }
        let bytes = self.usb.read(file, urne_codec::tarball::MAX_TOTAL_BYTES)?;
        self.load_shown(
            &bytes,
            shown,
            (
                PackageProblem::Changed,
                "the file on the stick changed since it was shown",
            ),
        )
    }

    /// Loads a package downloaded from the registry (see [`crate::fetch`]), under the same
    /// rules as one from the USB stick: the organiser signature is checked, `shown` is the
    /// fingerprint the screen showed and the organiser confirmed, the pinned key must match,
    /// and once an event is loaded only an unlocked organiser may load another package. The
    /// registry is not trusted: it only carries the bytes.
    pub fn load_package_from_registry(
        &mut self,
        bytes: &[u8],
        shown: &Fingerprint,
    ) -> Result<(), KioskError> {
        if self.loaded.is_some() {
            self.require_organiser()?;
        }
        self.load_shown(
            bytes,
            shown,
            (
                PackageProblem::NotShown,
                "the package is not signed by the key that was shown",
            ),
        )
    }

    /// Loads `bytes` if they are signed by `shown`, the key the organiser compared; otherwise
    /// refuses with `mismatch` (the screen's code and the detail).
    pub(super) fn load_shown(
        &mut self,
        bytes: &[u8],
        shown: &Fingerprint,
        mismatch: (PackageProblem, &str),
    ) -> Result<(), KioskError> {
        let verified = urne_codec::package::read(bytes, None)
            .map_err(|e| KioskError::Package(package_problem(&e), e.to_string()))?;
        if verified.organiser_fingerprint() != *shown {
            return Err(KioskError::Package(mismatch.0, mismatch.1.into()));
        }
        self.load_package(bytes)
    }
}
