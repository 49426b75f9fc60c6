//! The kiosk controller: the entry points that the touchscreen callbacks, the scanner and the
//! test deck all go through — scan a badge, cast a ballot, unlock organiser mode, open and close
//! polls, export results.
//!
//! It owns the store, the device key, the clock and the export target, and does the I/O; the UI
//! layer calls it from a worker thread and only displays what it returns. Every answer that
//! acknowledges something (« enregistré », « A voté ! ») is returned after the store committed.
//!
//! One concern per submodule: [`visit`] (a scan, the ballots due, a cast), [`attendance`]
//! (proxies, check-outs, walk-ins, badges), [`packages`] (loading an event), [`device`] (setup,
//! clock, settings, device key), [`polls`] (defining, opening, closing, the dashboard),
//! [`count`] (the sealed ballot box: sealing at cast, the count with the bureau's key),
//! [`shares`] (the bureau's shares gathered at a count), [`hall`] (the lead kiosk of a hall:
//! pairing, claims, the visits voting kiosks send), [`member`] (a door or voting kiosk of a
//! hall, asking its lead), [`link`] (which hall the kiosk belongs to, kept across restarts),
//! [`export`] (the signed bundle and its papers), [`auth`] (the organiser's PIN), [`error`].

mod attendance;
mod auth;
mod count;
mod device;
mod error;
mod export;
pub mod hall;
pub mod link;
mod member;
mod packages;
mod polls;
mod shares;
mod visit;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use urne_core::audit::AuditEvent;
use urne_core::crypto::{Fingerprint, SecretKey};
use urne_core::event::{Event, Roster};
use urne_core::ids::MemberId;
use urne_core::package::VerifiedPackage;
use urne_core::poll::Poll;
use urne_core::proxy::ProxyBook;
use urne_core::rules::Attendance;

use crate::clock::{Clock, OffsetClock};
use crate::entropy::{Entropy, OsEntropy};
use crate::keystore::KeyStore;
use crate::store::Store;
use crate::usb::UsbTarget;

pub use attendance::{AttendanceLists, PresentEntry, ProxyEntry, WalkIn};
pub use auth::{PIN_FREE_TRIES, PIN_LENGTH, PinOutcome, pin_delay};
pub use count::Closing;
pub use device::{Provisioning, Settings, check_registry, check_registry_url};
pub use error::{
    Failure, HallProblem, KioskError, PackageProblem, PinResetProblem, Problem, ProxyProblem,
    SettingProblem, ShareProblem, UsbProblem,
};
pub use export::Exported;
pub use packages::{OfferInfo, PackageOffer, describe_package, package_problem};
pub use polls::{Dashboard, HallLine, PollSummary};
pub use shares::{CountProgress, ShareOutcome};
pub use visit::{BallotCast, Due, Refusal, ScanOutcome, VisitRefused};

const SETTING_ORGANISER_KEY: &str = "organiser_key";
const SETTING_CLOCK_OFFSET: &str = "clock_offset";
/// The boot during which the clock offset was confirmed: it holds for that boot only.
const SETTING_CLOCK_BOOT: &str = "clock_boot";
/// The device fingerprint the first-boot setup was completed for.
const SETTING_PROVISIONED: &str = "provisioned_device";
const SETTING_DEFAULT_LANG: &str = "default_language";
const SETTING_VOTER_TIMEOUT: &str = "voter_timeout_secs";
/// The registry's address chosen on the settings page (the upload loop reads it too).
pub const SETTING_REGISTRY_URL: &str = "registry_url";
/// The fingerprint of the registry's receipt key, from its card (set with the address; the
/// upload loop sends nothing without it). Not `registry_key`: that name held the key an older
/// kiosk took from the first receipt it got, which is not trusted.
pub const SETTING_REGISTRY_KEY: &str = "registry_card_key";

/// Shortest and longest voter inactivity timeout the settings page offers, in seconds.
pub const VOTER_TIMEOUT_RANGE: (u64, u64) = (20, 300);

/// The kiosk.
pub struct Kiosk {
    store: Store,
    /// The system clock plus the offset the organiser confirmed.
    clock: OffsetClock,
    /// Shared with the short-lived thread that fetches a package from the registry, which
    /// signs the registry's challenge with it.
    device: Arc<SecretKey>,
    usb: Box<dyn UsbTarget>,
    /// The registry's address given when the kiosk was started (`--registry`); the one set on
    /// the settings page wins.
    default_registry: Option<(String, Option<Fingerprint>)>,
    /// A package given at start (`--package`) to a kiosk not set up yet: loaded once the
    /// first-boot setup has chosen the organiser PIN.
    held_package: Option<Vec<u8>>,
    loaded: Option<VerifiedPackage>,
    /// The package's event with the polls written or corrected on the kiosk.
    event: Option<Event>,
    /// The package's roster plus the people registered at the door.
    roster: Roster,
    /// Organiser mode.
    auth: auth::OrganiserAuth,
    audit_problem: Option<String>,
    /// Whether the date and time were confirmed during this boot (or the kiosk was told the
    /// time does not matter: the demo and test decks).
    clock_confirmed: bool,
    /// Seal to the published test key whatever the package says (demo and test deck).
    test_tally: bool,
    /// The running digests of the sealed boxes not yet counted.
    boxes: count::Boxes,
    /// Seeds each sealed ballot's ephemeral key and names its row.
    entropy: Box<dyn Entropy>,
    /// The bureau's shares read for the count under way.
    gathered: shares::Gathered,
    /// The hall, when this kiosk leads one: the pairing card, the claims, who was heard.
    hall: hall::HallState,
    /// The hall's lead, when this kiosk is a door or voting kiosk of a hall.
    member: Option<member::Membership>,
}

impl std::fmt::Debug for Kiosk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kiosk")
            .field("store", &self.store.path())
            .field("device", &self.device)
            .field("event", &self.event().map(|e| e.id.as_str()))
            .finish_non_exhaustive()
    }
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The OS random source failing means the kiosk cannot keep ballots secret: stop loudly.
    getrandom::fill(&mut bytes).expect("the operating system's random source is unavailable");
    bytes
}

impl Kiosk {
    /// Opens the kiosk's database at `database`, with its device key, clock and export target,
    /// and reloads the event package it holds, if any.
    pub fn open(
        database: &Path,
        keys: &dyn KeyStore,
        clock: Arc<dyn Clock>,
        usb: Box<dyn UsbTarget>,
    ) -> Result<Self, KioskError> {
        let mut store = Store::open(database)?;
        // An offset confirmed during an earlier boot means nothing now: a Pi without a battery
        // clock restarts from whatever time it saved last.
        let confirmed_boot = store.setting(SETTING_CLOCK_BOOT)?;
        let clock_confirmed = confirmed_boot.as_deref() == Some(clock.boot_id().as_str());
        let offset = if clock_confirmed {
            store
                .setting(SETTING_CLOCK_OFFSET)?
                .and_then(|o| o.parse::<i64>().ok())
                .unwrap_or(0)
        } else {
            0
        };
        let clock = OffsetClock::new(clock, offset);
        let (device, created) = keys.load_or_create()?;
        if created {
            store.audit(
                clock.now(),
                AuditEvent::DeviceKeyCreated {
                    device: device.public().fingerprint(),
                },
            )?;
        }
        let loaded = match store.package()? {
            None => None,
            // The package was verified when loaded; verify again, since the SD card may have
            // been tampered with while the kiosk was off.
            Some(bytes) => Some(
                urne_codec::package::read(&bytes, None)
                    .map_err(|e| KioskError::Package(package_problem(&e), e.to_string()))?,
            ),
        };
        // The chain is checked at every start: a broken chain (an edited or truncated database)
        // is shown on the organiser's dashboard; the kiosk keeps working so that the evening
        // is not lost, and every bundle it exports will fail verification as it should.
        let audit_problem = match urne_core::audit::verify_chain(&store.audit_chain()?) {
            Ok(()) => None,
            Err(e) => {
                tracing::error!(error = %e, "the audit chain is broken");
                Some(e.to_string())
            }
        };
        let mut roster = loaded
            .as_ref()
            .map(|p| p.package.roster.clone())
            .unwrap_or_default();
        roster.members.extend(store.walk_ins()?);
        let event = match &loaded {
            Some(p) => Some(with_local_polls(&p.package.event, store.local_polls()?)),
            None => None,
        };
        // From the card at start; from then on moved by this kiosk's own casts only.
        let mut boxes = count::Boxes::new();
        for (poll, row) in store.polls()? {
            if row.sealed
                && !row.counted
                && let Some(on_card) = store.sealed_box(&poll)?
            {
                boxes.insert(poll, (on_card.public, on_card.digest));
            }
        }
        let hall = hall::HallState::new(clock.clone());
        Ok(Self {
            store,
            clock,
            device: Arc::new(device),
            usb,
            default_registry: None,
            held_package: None,
            loaded,
            event,
            roster,
            auth: auth::OrganiserAuth::default(),
            audit_problem,
            clock_confirmed,
            test_tally: false,
            boxes,
            entropy: Box::new(OsEntropy),
            gathered: shares::Gathered::default(),
            hall,
            member: None,
        })
    }

    /// Draws the sealing randomness from `entropy` instead of the OS (the tests that compare an
    /// export with a committed sample byte for byte).
    pub fn set_entropy(&mut self, entropy: Box<dyn Entropy>) {
        self.entropy = entropy;
    }

    /// Random bytes for the sealed box.
    pub(super) fn draw<const N: usize>(&mut self) -> [u8; N] {
        let mut bytes = [0u8; N];
        self.entropy.fill(&mut bytes);
        bytes
    }

    /// The loaded event, with the polls written or corrected on the kiosk.
    pub fn event(&self) -> Option<&Event> {
        self.event.as_ref()
    }

    /// The roster: the package's members and the people registered at the door.
    pub fn roster(&self) -> Option<&Roster> {
        self.loaded.as_ref().map(|_| &self.roster)
    }

    /// Where exports go.
    pub fn export_target(&self) -> String {
        self.usb.describe()
    }

    /// Direct access to the store (benchmarks, tests, the uploader).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Mutable access to the store (the uploader records outcomes).
    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    pub(super) fn loaded(&self) -> Result<&VerifiedPackage, KioskError> {
        self.loaded.as_ref().ok_or(KioskError::NoEvent)
    }

    /// The event as voted on: the package's, with the polls written on the kiosk.
    pub(super) fn current(&self) -> Result<&Event, KioskError> {
        self.event.as_ref().ok_or(KioskError::NoEvent)
    }

    /// The proxies in force.
    pub fn proxy_book(&self) -> Result<ProxyBook, KioskError> {
        Ok(ProxyBook::from_grants(self.store.proxies()?))
    }

    /// Attendance now: members present, and absent members represented by a present holder.
    pub fn attendance(&self) -> Result<Attendance, KioskError> {
        let present: BTreeSet<MemberId> =
            self.store.present()?.into_iter().map(|(m, _)| m).collect();
        Ok(self.proxy_book()?.attendance(&present))
    }
}

/// The package's event with the polls written on the kiosk: a local definition replaces the
/// package poll of the same id in place; new polls follow, in the order they were written.
fn with_local_polls(package: &Event, local: Vec<Poll>) -> Event {
    let mut event = package.clone();
    for poll in local {
        match event.polls.iter_mut().find(|p| p.id == poll.id) {
            Some(existing) => *existing = poll,
            None => event.polls.push(poll),
        }
    }
    event
}
