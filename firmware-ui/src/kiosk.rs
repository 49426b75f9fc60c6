//! The kiosk controller: the entry points that the touchscreen callbacks, the scanner and the
//! test deck all go through — scan a badge, cast a ballot, unlock organiser mode, open and close
//! polls, export results.
//!
//! It owns the store, the device key, the clock and the export target, and does the I/O; the UI
//! layer calls it from a worker thread and only displays what it returns. Every answer that
//! acknowledges something («  enregistré », « A voté ! ») is returned after the store committed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use urne_core::audit::AuditEvent;
use urne_core::ballot::{Ballot, BallotError, WeightedBallot};
use urne_core::credential::{BadgeCheck, BadgeError, Credential, Role};
use urne_core::crypto::{Fingerprint, SecretKey, Sha256Digest};
use urne_core::event::{Event, Member, Roster};
use urne_core::ids::{MemberId, PollId};
use urne_core::package::VerifiedPackage;
use urne_core::poll::Poll;
use urne_core::proxy::{ProxyBook, ProxyError};
use urne_core::results::{
    AttendanceSheet, ClosedPoll, PollRecord, PollState, PollStatus, PresentMember, ProxyRecord,
    ResultsContent,
};
use urne_core::rules::Attendance;
use urne_core::tally::{self, Lang, PollResult, TallyContext};
use urne_core::timestamp::Timestamp;

use crate::clock::{Clock, OffsetClock};
use crate::keystore::{KeyStore, KeyStoreError};
use crate::store::{CastError, CheckIn, Store, StoreError};
use crate::usb::{UsbError, UsbTarget};

/// Why the kiosk could not do what was asked. Nothing was acknowledged.
#[derive(Debug, thiserror::Error)]
pub enum KioskError {
    /// Storage failed (full, read-only, locked, damaged).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The device key could not be had.
    #[error(transparent)]
    Key(#[from] KeyStoreError),
    /// No event is loaded.
    #[error("no event is loaded on this kiosk")]
    NoEvent,
    /// The package was refused: why, as a code for the screen (see [`package_problem`]), and
    /// the detail.
    #[error("the event package was refused: {1}")]
    Package(&'static str, String),
    /// The package is for another organiser than the one pinned on this kiosk.
    #[error("this package is signed by {found}, not by the organiser key of this kiosk ({pinned})")]
    ForeignPackage {
        /// The pinned key.
        pinned: Fingerprint,
        /// The key that signed the package.
        found: Fingerprint,
    },
    /// A poll id that the event does not have.
    #[error("unknown poll « {0} »")]
    UnknownPoll(PollId),
    /// The poll is not in the right state for this action.
    #[error("poll « {0} » cannot do that now (opened already, not open, or closed)")]
    PollState(PollId),
    /// The ballot is malformed.
    #[error("invalid ballot: {0}")]
    Ballot(#[from] BallotError),
    /// The member already voted in this poll.
    #[error("already voted in this poll")]
    AlreadyVoted,
    /// The member is not checked in.
    #[error("this member is not checked in")]
    NotPresent,
    /// Organiser mode is locked.
    #[error("organiser mode is locked")]
    Locked,
    /// The event's polls have started: its package can no longer be replaced.
    #[error("polls have already been opened: this package can no longer replace the event")]
    PackageTooLate,
    /// Another event's records are on this kiosk.
    #[error(
        "this kiosk holds the records of another event ({0}); export them and reset the kiosk first"
    )]
    OtherEventInProgress(String),
    /// A member id that is not on the roster.
    #[error("this member is not on the roster")]
    NotOnRoster,
    /// A member who voted cannot have their check-in undone.
    #[error("this member has already voted: the check-in stays")]
    UndoVoted,
    /// A walk-in without a family name.
    #[error("a family name is needed")]
    MissingName,
    /// The proxy was refused.
    #[error("proxy refused: {0}")]
    Proxy(#[from] ProxyError),
    /// The voter does not hold this member's proxy.
    #[error("the voter does not hold this member's proxy")]
    NoProxy,
    /// Proxies are frozen while a poll is open or once used.
    #[error(
        "a proxy cannot be withdrawn while a poll is open or once a ballot was cast through it"
    )]
    ProxyFrozen,
    /// Writing the export failed; the results are kept on the kiosk.
    #[error("{0}; the results are kept on the kiosk")]
    Usb(#[from] UsbError),
    /// Sealing the bundle failed.
    #[error("the bundle could not be signed: {0}")]
    Seal(String),
    /// A setting was refused (`language`, `timeout`, `registry-scheme`, `registry-host`,
    /// `clock`).
    #[error("this setting cannot be saved: {0}")]
    Setting(&'static str),
    /// The date and time have not been confirmed since the kiosk booted, nor synchronised from
    /// the network: a poll opened now could carry a wrong date into the signed results.
    #[error(
        "the date and time have not been confirmed since the kiosk started: confirm them on the settings page before opening a poll"
    )]
    ClockUnconfirmed,
    /// The first-boot setup was asked for a kiosk already set up.
    #[error("this kiosk has already been set up")]
    AlreadyProvisioned,
    /// A poll written on the kiosk was refused by urne-core's checks.
    #[error("this poll cannot be voted on: {0}")]
    Poll(#[from] urne_core::poll::PollError),
    /// The bundle was written but does not verify (its records were altered): no
    /// procès-verbal was printed for it.
    #[error(
        "the bundle was written to the stick but does not verify ({0}); no procès-verbal was printed — tell the registry's operator"
    )]
    Unverifiable(String),
}

/// What went wrong, in the terms the screen explains to a voter or an organiser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// The SD card is full.
    StorageFull,
    /// The storage is read-only.
    StorageReadOnly,
    /// Another program holds the database.
    StorageLocked,
    /// The database is damaged.
    StorageDamaged,
    /// No event is loaded.
    NoEvent,
    /// Already voted in this poll.
    AlreadyVoted,
    /// The poll was closed (or reset) in the meantime.
    PollNotOpen,
    /// An event package was refused; the code says why (see [`package_problem`], and
    /// `foreign`, `too-late`, `other-event`, `changed`, `not-shown`).
    Package(&'static str),
    /// An organiser's action was refused; the code says why (`proxy-self`,
    /// `proxy-giver-present`, `proxy-holder-absent`, `proxy-holder-full`, `proxy-already`,
    /// `proxy-chain`, `proxy-frozen`, `not-on-roster`, `undo-voted`, `missing-name`).
    Refused(&'static str),
    /// Anything else (the detail says what).
    Other,
}

impl KioskError {
    /// The kind of problem, for the screen.
    pub fn problem(&self) -> Problem {
        match self {
            KioskError::Store(StoreError::Full) => Problem::StorageFull,
            KioskError::Store(StoreError::ReadOnly) => Problem::StorageReadOnly,
            KioskError::Store(StoreError::Locked) => Problem::StorageLocked,
            KioskError::Store(StoreError::Corrupt(_) | StoreError::TooNew(_)) => {
                Problem::StorageDamaged
            }
            KioskError::NoEvent => Problem::NoEvent,
            KioskError::AlreadyVoted => Problem::AlreadyVoted,
            KioskError::PollState(_) => Problem::PollNotOpen,
            KioskError::Package(code, _) => Problem::Package(code),
            KioskError::ForeignPackage { .. } => Problem::Package("foreign"),
            KioskError::PackageTooLate => Problem::Package("too-late"),
            KioskError::OtherEventInProgress(_) => Problem::Package("other-event"),
            KioskError::Proxy(p) => Problem::Refused(match p {
                ProxyError::SelfProxy => "proxy-self",
                ProxyError::GiverPresent => "proxy-giver-present",
                ProxyError::HolderAbsent => "proxy-holder-absent",
                ProxyError::HolderFull(_) => "proxy-holder-full",
                ProxyError::AlreadyRepresented => "proxy-already",
                ProxyError::Chain => "proxy-chain",
                ProxyError::NoProxy => "proxy-none",
            }),
            KioskError::ProxyFrozen => Problem::Refused("proxy-frozen"),
            KioskError::NotOnRoster => Problem::Refused("not-on-roster"),
            KioskError::UndoVoted => Problem::Refused("undo-voted"),
            KioskError::MissingName => Problem::Refused("missing-name"),
            KioskError::Setting(code) => Problem::Refused(code),
            KioskError::ClockUnconfirmed => Problem::Refused("clock-unconfirmed"),
            _ => Problem::Other,
        }
    }
}

/// An event package found on the USB stick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageOffer {
    /// Its file name.
    pub file: String,
    /// What it holds, or why it cannot be used: a problem code for the screen (see
    /// [`package_problem`]) and the technical detail.
    pub outcome: Result<OfferInfo, (&'static str, String)>,
}

/// The kind of problem with a package, as a code the screen translates: `not-a-package`,
/// `unsigned`, `bad-signature`, `altered`, `invalid`, `unreadable`.
pub fn package_problem(error: &urne_codec::package::ReadError) -> &'static str {
    use urne_codec::package::ReadError as R;
    use urne_core::archive::ArchiveError as A;
    use urne_core::package::PackageError as P;
    match error {
        R::Tar(_) => "not-a-package",
        R::Package(P::Archive(a)) => match a {
            A::Missing(name) if name == "manifest.sig" => "unsigned",
            A::Missing(_) | A::BadManifest(_) | A::WrongFormat { .. } => "not-a-package",
            A::BadKey(_)
            | A::SignerMismatch { .. }
            | A::BadSignature
            | A::UnexpectedSigner { .. } => "bad-signature",
            A::HashMismatch(_) | A::Unlisted(_) | A::BadName(_) => "altered",
        },
        R::Package(P::Unreadable { .. } | P::Invalid(_) | P::EventMismatch) => "invalid",
    }
}

/// Verifies an event package and describes it for the organiser, given the organiser key
/// pinned on the kiosk (if any). Pure: the registry's download thread calls it as well.
pub fn describe_package(
    bytes: &[u8],
    pinned: Option<Fingerprint>,
) -> Result<OfferInfo, (&'static str, String)> {
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

/// Why a scanned badge was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The credential itself (forged, expired, other event, …).
    Badge(BadgeError),
    /// A valid badge for a member who is not on this kiosk's roster.
    NotOnRoster,
}

/// One ballot a voter can cast now: in their own name, or for a member whose proxy they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// The poll.
    pub poll: PollId,
    /// The member the ballot is cast for.
    pub member: MemberId,
    /// That member's name, when it is a proxy (`None` for the voter's own ballot).
    pub proxy_for: Option<String>,
}

/// What a scan leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanOutcome {
    /// A member was checked in (or was already).
    Welcome {
        /// The member.
        member: MemberId,
        /// « Prénom Nom ».
        name: String,
        /// `None` if checked in by this scan, or the time of the first check-in.
        already_since: Option<Timestamp>,
        /// The ballots this member can cast now: theirs, then those of the members they
        /// represent, poll by poll in the event's order.
        due: Vec<Due>,
    },
    /// An organiser badge: ask for the PIN.
    Organiser {
        /// The organiser badge.
        organiser: MemberId,
        /// The organiser's name.
        name: String,
    },
    /// Refused, with the reason.
    Refused(Refusal),
}

/// The answer to a PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinOutcome {
    /// Organiser mode is unlocked.
    Unlocked,
    /// Wrong PIN; consecutive failures so far.
    Wrong {
        /// Failures so far.
        failures: u32,
    },
    /// Too many wrong PINs: no PIN is checked before this many seconds have passed.
    LockedOut {
        /// Seconds left.
        seconds: u64,
    },
}

/// Wrong PINs allowed before each further try has to wait.
pub const PIN_FREE_TRIES: u32 = 5;

/// How long to wait after `failures` consecutive wrong PINs: nothing for the first five, then
/// 30 s, doubling with each further failure, at most an hour.
pub fn pin_delay(failures: u32) -> u64 {
    if failures < PIN_FREE_TRIES {
        return 0;
    }
    let doublings = (failures - PIN_FREE_TRIES).min(7);
    (30u64 << doublings).min(3600)
}

/// One poll on the organiser's dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollSummary {
    /// The poll.
    pub poll: Poll,
    /// Pending, open or closed.
    pub state: PollState,
    /// Members who voted.
    pub voted: u64,
    /// For a poll opened under the event's quorum: the quorum as it stood when it opened.
    pub quorum_at_open: Option<urne_core::rules::QuorumCheck>,
}

/// Who is in the hall and who represents whom, for the organiser's attendance page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceLists {
    /// Members present: id, name, collective, first check-in; most recent first.
    pub present: Vec<(MemberId, String, Option<String>, Timestamp)>,
    /// Proxies: absent member and holder, with their names.
    pub proxies: Vec<(MemberId, String, MemberId, String)>,
    /// Totals.
    pub attendance: Attendance,
    /// Members on the roster (walk-ins included).
    pub members: u64,
}

/// The organiser's view of the evening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dashboard {
    /// Why the audit chain does not hold, if it does not (checked at start-up).
    pub audit_problem: Option<String>,
    /// Members on the roster.
    pub members: u64,
    /// Present and represented now.
    pub attendance: Attendance,
    /// The quorum required, if the event has one.
    pub quorum_required: Option<u64>,
    /// Every poll.
    pub polls: Vec<PollSummary>,
    /// Whether the date and time can be trusted (confirmed since boot, or synchronised):
    /// polls open only then.
    pub clock_trusted: bool,
}

/// A finished export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    /// Where the bundle was written.
    pub path: PathBuf,
    /// Its file name.
    pub file_name: String,
    /// SHA-256 of the file.
    pub digest: Sha256Digest,
    /// Its sequence number.
    pub seq: u64,
    /// Every file written: the bundle, the procès-verbal, the attendance sheet.
    pub files: Vec<PathBuf>,
}

const SETTING_PIN: &str = "organiser_pin";
const SETTING_PIN_FAILURES: &str = "organiser_pin_failures";
const SETTING_PIN_LAST_FAILURE: &str = "organiser_pin_last_failure";
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

/// Shortest and longest voter inactivity timeout the settings page offers, in seconds.
pub const VOTER_TIMEOUT_RANGE: (u64, u64) = (20, 300);

/// What the organiser set on the settings page; `None` keeps what the kiosk was started with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// The language each visit starts in: `fr` or `en`.
    pub default_lang: Option<String>,
    /// Seconds of inactivity before a voter's screen clears itself.
    pub voter_timeout_secs: Option<u64>,
    /// The registry bundles are uploaded to.
    pub registry_url: Option<String>,
    /// Seconds added to the system clock.
    pub clock_offset: i64,
    /// Whether the operating system synchronised its clock from the network (then the offset
    /// does not apply and there is nothing to adjust).
    pub clock_synced: bool,
    /// Whether the organiser confirmed the date and time since the kiosk booted.
    pub clock_confirmed: bool,
    /// The kiosk's time now (with the offset).
    pub now: Timestamp,
    /// Every export with its upload state (`pending`, `synced`, `refused`), newest first.
    pub exports: Vec<crate::store::ExportRow>,
}

/// The first-boot setup, as the organiser entered it.
#[derive(Clone, PartialEq, Eq)]
pub struct Provisioning {
    /// The organiser PIN: six digits.
    pub pin: String,
    /// The registry's address, or empty for none.
    pub registry_url: String,
    /// Seconds the organiser added to the system clock, or `None` when the clock is
    /// synchronised from the network.
    pub clock_offset: Option<i64>,
}

impl std::fmt::Debug for Provisioning {
    // The PIN stays out of logs and panics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provisioning")
            .field("registry_url", &self.registry_url)
            .field("clock_offset", &self.clock_offset)
            .finish_non_exhaustive()
    }
}

/// Digits in the organiser PIN.
pub const PIN_LENGTH: usize = 6;

/// An offset of the clock the organiser confirmed, unless it is implausible: ten years either
/// way is a typo, not a clock that drifted.
fn check_clock_offset(offset: i64) -> Result<i64, KioskError> {
    if offset.unsigned_abs() > 10 * 366 * 86_400 {
        return Err(KioskError::Setting("clock"));
    }
    Ok(offset)
}

/// Why a setting was refused.
pub fn check_registry_url(url: &str) -> Result<(), &'static str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("registry-scheme")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err("registry-host");
    }
    Ok(())
}

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
    default_registry: Option<String>,
    loaded: Option<VerifiedPackage>,
    /// The package's event with the polls written or corrected on the kiosk.
    event: Option<Event>,
    /// The package's roster plus the people registered at the door.
    roster: Roster,
    organiser: Option<MemberId>,
    audit_problem: Option<String>,
    /// Whether the date and time were confirmed during this boot (or the kiosk was told the
    /// time does not matter: the demo and test decks).
    clock_confirmed: bool,
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
        Ok(Self {
            store,
            clock,
            device: Arc::new(device),
            usb,
            default_registry: None,
            loaded,
            event,
            roster,
            organiser: None,
            audit_problem,
            clock_confirmed,
        })
    }

    /// Whether the date and time can be trusted: synchronised from the network, or confirmed
    /// by an organiser since the kiosk booted.
    pub fn clock_trusted(&self) -> bool {
        self.clock_confirmed || self.clock.synced()
    }

    /// Lets polls open without a confirmed date and time. For the demo assembly and test decks
    /// (essais à blanc) only: nothing is voted for real there, and their bundles say so.
    pub fn accept_unconfirmed_clock(&mut self) {
        self.clock_confirmed = true;
    }

    /// Whether the first-boot setup (mise en service) is still to be done: the setup was never
    /// completed for the current device key, which was just created or replaced. A replaced key
    /// (someone with the SD card in hand) brings the setup back, PIN included, on purpose: the
    /// new key must be enrolled again anyway.
    pub fn needs_provisioning(&self) -> Result<bool, KioskError> {
        let done = self.store.setting(SETTING_PROVISIONED)?;
        Ok(done.as_deref() != Some(self.device_fingerprint().to_hex().as_str()))
    }

    /// Completes the first-boot setup in one transaction: the organiser PIN, the registry's
    /// address if given, and the date and time — `clock_offset` is the organiser's correction
    /// of the system clock, or `None` when the clock is synchronised from the network. Checked
    /// first: a bad value changes nothing.
    pub fn provision(&mut self, setup: &Provisioning) -> Result<(), KioskError> {
        if !self.needs_provisioning()? {
            return Err(KioskError::AlreadyProvisioned);
        }
        if setup.pin.len() != PIN_LENGTH || !setup.pin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(KioskError::Setting("pin"));
        }
        let registry_url = setup.registry_url.trim();
        if !registry_url.is_empty() {
            check_registry_url(registry_url).map_err(KioskError::Setting)?;
        }
        let offset = match setup.clock_offset {
            Some(offset) => Some(check_clock_offset(offset)?),
            None if self.clock.synced() => None,
            // Not synchronised and not confirmed: the setup is not finished.
            None => return Err(KioskError::ClockUnconfirmed),
        };
        let salt: [u8; 16] = random_bytes();
        let pin = format!("{}${}", hex_of(&salt), hex_of(&pin_hash(&setup.pin, &salt)));
        let device = self.device_fingerprint();
        let device_hex = device.to_hex();
        let offset_text = offset.map(|o| o.to_string());
        let boot = self.clock.boot_id();
        let mut values: Vec<(&str, Option<&str>)> = vec![
            (SETTING_PIN, Some(pin.as_str())),
            (SETTING_PIN_FAILURES, None),
            (SETTING_PIN_LAST_FAILURE, None),
            (
                SETTING_REGISTRY_URL,
                (!registry_url.is_empty()).then_some(registry_url),
            ),
            (SETTING_PROVISIONED, Some(device_hex.as_str())),
        ];
        let mut events = Vec::new();
        if let Some(offset_text) = &offset_text {
            values.push((SETTING_CLOCK_OFFSET, Some(offset_text)));
            values.push((SETTING_CLOCK_BOOT, Some(boot.as_str())));
        }
        // The entries carry the corrected time: the organiser has just said what it is.
        let at = Timestamp(self.clock.base().0.saturating_add(offset.unwrap_or(0)));
        if let Some(offset) = offset {
            events.push(AuditEvent::ClockConfirmed { offset });
        }
        events.push(AuditEvent::Provisioned {
            device,
            registry: !registry_url.is_empty(),
        });
        self.store.set_settings_audited(&values, events, at)?;
        if let Some(offset) = offset {
            self.clock.set_offset(offset);
            self.clock_confirmed = true;
        }
        Ok(())
    }

    /// The device key's fingerprint (shown for enrolment at the registry).
    pub fn device_fingerprint(&self) -> Fingerprint {
        self.device.public().fingerprint()
    }

    /// The device's public key.
    pub fn device_public_key(&self) -> urne_core::crypto::PublicKey {
        self.device.public()
    }

    /// The device key, for the thread that proves to the registry that this kiosk is enrolled
    /// (it signs the registry's challenge and nothing else).
    pub(crate) fn device_key(&self) -> Arc<SecretKey> {
        Arc::clone(&self.device)
    }

    /// Writes the device's public key to the stick (`urne-kiosk-<fingerprint>.pem`), for the
    /// registry's operator to enrol this kiosk before it has exported anything. Returns the file
    /// name. The key is public: no organiser is needed.
    pub fn write_device_key(&mut self) -> Result<String, KioskError> {
        let hex = self.device_fingerprint().to_hex();
        let name = format!("urne-kiosk-{}.pem", &hex[..16]);
        self.usb
            .write_file(&name, self.device.public().to_pem().as_bytes())?;
        Ok(name)
    }

    /// Sets the registry's address the kiosk was started with (`--registry`).
    pub fn set_default_registry(&mut self, url: Option<String>) {
        self.default_registry = url.filter(|u| !u.trim().is_empty());
    }

    /// The registry's address: the one set on the settings page, else the one the kiosk was
    /// started with, else none (the upload loop chooses the same way).
    pub fn registry_url(&self) -> Result<Option<String>, KioskError> {
        Ok(self
            .store
            .setting(SETTING_REGISTRY_URL)?
            .or_else(|| self.default_registry.clone()))
    }

    /// The loaded event.
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

    /// Verifies and loads an event package. The first package pins its organiser key (the
    /// touchscreen shows the key's fingerprint for the organiser to confirm before calling
    /// this); a later package must be signed by the same key. Loading the very same package
    /// again does nothing. A package may replace the loaded one only before any poll opened
    /// (same event) or while the kiosk holds no record of an evening (another event). A refused
    /// package changes nothing.
    pub fn load_package(&mut self, bytes: &[u8]) -> Result<(), KioskError> {
        if self.store.package()?.as_deref() == Some(bytes) {
            return Ok(());
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
            },
        )?;
        self.roster = verified.package.roster.clone();
        self.roster.members.extend(self.store.walk_ins()?);
        self.event = Some(with_local_polls(
            &verified.package.event,
            self.store.local_polls()?,
        ));
        self.loaded = Some(verified);
        self.organiser = None;
        Ok(())
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
                .map_err(|e| ("unreadable", e.to_string()))
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
                "changed",
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
                "not-shown",
                "the package is not signed by the key that was shown",
            ),
        )
    }

    /// Loads `bytes` if they are signed by `shown`, the key the organiser compared; otherwise
    /// refuses with `mismatch` (the screen's code and the detail).
    fn load_shown(
        &mut self,
        bytes: &[u8],
        shown: &Fingerprint,
        mismatch: (&'static str, &str),
    ) -> Result<(), KioskError> {
        let verified = urne_codec::package::read(bytes, None)
            .map_err(|e| KioskError::Package(package_problem(&e), e.to_string()))?;
        if verified.organiser_fingerprint() != *shown {
            return Err(KioskError::Package(mismatch.0, mismatch.1.into()));
        }
        self.load_package(bytes)
    }

    fn loaded(&self) -> Result<&VerifiedPackage, KioskError> {
        self.loaded.as_ref().ok_or(KioskError::NoEvent)
    }

    /// The event as voted on: the package's, with the polls written on the kiosk.
    fn current(&self) -> Result<&Event, KioskError> {
        self.event.as_ref().ok_or(KioskError::NoEvent)
    }

    /// The keys whose badges this kiosk accepts: the package's signer, the event's further
    /// badge keys (key rotation), and this kiosk's own key (badges it issued to walk-ins).
    fn badge_keys(&self) -> Result<Vec<urne_core::crypto::PublicKey>, KioskError> {
        let loaded = self.loaded()?;
        let mut keys = vec![loaded.organiser, self.device.public()];
        keys.extend(
            loaded
                .package
                .event
                .badge_public_keys()
                .map_err(|e| KioskError::Package("invalid", e.to_string()))?,
        );
        Ok(keys)
    }

    /// Checks a scanned badge without checking anyone in (the organiser reading an absent
    /// member's badge to record a proxy, or a badge to revoke). Returns the member and name.
    pub fn identify(
        &self,
        payload: &str,
    ) -> Result<Result<(MemberId, String), Refusal>, KioskError> {
        let loaded = self.loaded()?;
        let keys = self.badge_keys()?;
        let store = &self.store;
        let revoked = &loaded.package.event.revoked_badges;
        let check = BadgeCheck {
            event: &loaded.package.event.id,
            keys: &keys,
            is_revoked: &|m| revoked.contains(m) || store.is_revoked(m).unwrap_or(false),
            now: self.clock.now(),
        };
        Ok(match Credential::verify(payload, &check) {
            Err(e) => Err(Refusal::Badge(e)),
            Ok(c) => match self.roster.member(&c.member) {
                Some(m) if c.role == Role::Participant => Ok((m.id, m.display_name())),
                _ => Err(Refusal::NotOnRoster),
            },
        })
    }

    /// Handles a scanned badge: checks it, checks the member in, and says what they can vote on.
    pub fn scan(&mut self, payload: &str) -> Result<ScanOutcome, KioskError> {
        let loaded = self.loaded()?;
        let keys = self.badge_keys()?;
        let now = self.clock.now();
        let store = &self.store;
        let revoked = &loaded.package.event.revoked_badges;
        let check = BadgeCheck {
            event: &loaded.package.event.id,
            keys: &keys,
            // A database error here is reported by the check-in that follows; a badge is never
            // refused as « revoked » because the question could not be asked.
            is_revoked: &|m| revoked.contains(m) || store.is_revoked(m).unwrap_or(false),
            now,
        };
        let credential = match Credential::verify(payload, &check) {
            Ok(c) => c,
            Err(e) => return Ok(ScanOutcome::Refused(Refusal::Badge(e))),
        };
        if credential.role == Role::Organiser {
            return Ok(match loaded.package.event.organiser(&credential.member) {
                Some(o) => ScanOutcome::Organiser {
                    organiser: o.id,
                    name: o.name.clone(),
                },
                None => ScanOutcome::Refused(Refusal::NotOnRoster),
            });
        }
        let Some(member) = self.roster.member(&credential.member) else {
            return Ok(ScanOutcome::Refused(Refusal::NotOnRoster));
        };
        let (id, name) = (member.id, member.display_name());
        let already_since = match self.store.check_in(&id, now)? {
            CheckIn::New | CheckIn::Returned(_) => None,
            CheckIn::Already(since) => Some(since),
        };
        Ok(ScanOutcome::Welcome {
            member: id,
            due: self.due(&id)?,
            name,
            already_since,
        })
    }

    /// The proxies in force.
    pub fn proxy_book(&self) -> Result<ProxyBook, KioskError> {
        Ok(ProxyBook::from_grants(self.store.proxies()?))
    }

    /// The ballots `holder` can cast now: for each open poll in the event's order, their own
    /// (if not cast yet), then one for each absent member whose proxy they hold.
    pub fn due(&self, holder: &MemberId) -> Result<Vec<Due>, KioskError> {
        let event = self.current()?;
        let open = self.store.open_polls()?;
        if open.is_empty() {
            return Ok(Vec::new());
        }
        let mut represented = Vec::new();
        for absent in self.store.represented_by(holder)? {
            // A member who came after all votes in person.
            if !self.store.is_present(&absent)? {
                represented.push(absent);
            }
        }
        let mut due = Vec::new();
        for poll in event.polls.iter().filter(|p| open.contains(&p.id)) {
            if !self.store.has_voted(&poll.id, holder)? {
                due.push(Due {
                    poll: poll.id.clone(),
                    member: *holder,
                    proxy_for: None,
                });
            }
            for absent in &represented {
                if !self.store.has_voted(&poll.id, absent)? {
                    due.push(Due {
                        poll: poll.id.clone(),
                        member: *absent,
                        proxy_for: Some(
                            self.roster
                                .member(absent)
                                .map(|m| m.display_name())
                                .unwrap_or_default(),
                        ),
                    });
                }
            }
        }
        Ok(due)
    }

    /// Casts a ballot in `poll` for `member`, by `voter` (the member themselves, or the present
    /// holder of their proxy). Returns only once the ballot and the "has voted" mark are durably
    /// stored together.
    pub fn cast(
        &mut self,
        voter: &MemberId,
        member: &MemberId,
        poll: &PollId,
        ballot: Ballot,
    ) -> Result<(), KioskError> {
        let definition = self
            .current()?
            .poll(poll)
            .ok_or_else(|| KioskError::UnknownPoll(poll.clone()))?;
        let weight = self
            .roster
            .member(member)
            .map(|m| m.weight)
            .ok_or(KioskError::NotPresent)?;
        let ballot = WeightedBallot { ballot, weight };
        ballot.validate(definition)?;
        if self.store.checked_in_at(voter)?.is_none() {
            return Err(KioskError::NotPresent);
        }
        if voter != member {
            // A proxy ballot: the voter must hold this member's proxy, and the member must not
            // be in the hall (then they vote in person).
            let holds = self.proxy_book()?.holder_of(member) == Some(*voter);
            if !holds || self.store.checked_in_at(member)?.is_some() {
                return Err(KioskError::NoProxy);
            }
        }
        match self.store.cast(poll, member, &ballot, random_bytes()) {
            Ok(()) => Ok(()),
            Err(CastError::AlreadyVoted) => Err(KioskError::AlreadyVoted),
            Err(CastError::NotOpen) => Err(KioskError::PollState(poll.clone())),
            Err(CastError::Store(e)) => Err(e.into()),
        }
    }

    /// Records that `absent` gives their proxy to `holder` (organiser, at the door).
    pub fn grant_proxy(&mut self, absent: &MemberId, holder: &MemberId) -> Result<(), KioskError> {
        self.require_organiser()?;
        let loaded = self.loaded()?;
        if self.roster.member(absent).is_none() || self.roster.member(holder).is_none() {
            return Err(KioskError::NotOnRoster);
        }
        let cap = loaded.package.event.proxies_per_holder;
        let present: BTreeSet<MemberId> =
            self.store.present()?.into_iter().map(|(m, _)| m).collect();
        self.proxy_book()?.check(absent, holder, &present, cap)?;
        self.store.grant_proxy(absent, holder, self.clock.now())?;
        Ok(())
    }

    /// Withdraws a proxy (organiser). Refused while a poll is open, and once a ballot was cast
    /// through it: a proxy can change only between polls.
    pub fn revoke_proxy(&mut self, absent: &MemberId) -> Result<(), KioskError> {
        self.require_organiser()?;
        let states = self.store.polls()?;
        if states.values().any(|row| !row.closed) {
            return Err(KioskError::ProxyFrozen);
        }
        for poll in states.keys() {
            if self.store.has_voted(poll, absent)? {
                return Err(KioskError::ProxyFrozen);
            }
        }
        if !self.store.revoke_proxy(absent, self.clock.now())? {
            return Err(KioskError::Proxy(ProxyError::NoProxy));
        }
        Ok(())
    }

    /// Checks a member out (they leave; a later scan checks them back in).
    pub fn check_out(&mut self, member: &MemberId) -> Result<bool, KioskError> {
        Ok(self.store.check_out(member, self.clock.now())?)
    }

    /// Undoes a check-in made by mistake (organiser); refused once the member has voted.
    pub fn undo_check_in(&mut self, member: &MemberId) -> Result<bool, KioskError> {
        self.require_organiser()?;
        for poll in self.store.polls()?.keys() {
            if self.store.has_voted(poll, member)? {
                return Err(KioskError::UndoVoted);
            }
        }
        Ok(self.store.undo_check_in(member, self.clock.now())?)
    }

    /// Registers a person who is not on the roster (organiser, at the door): they get a new
    /// member id, are checked in, and receive a badge signed by this kiosk's key, returned as
    /// the text of its QR code for them to photograph. Such a badge is accepted by this kiosk.
    pub fn register_walk_in(
        &mut self,
        last_name: &str,
        first_name: &str,
        group: &str,
    ) -> Result<(Member, String), KioskError> {
        self.require_organiser()?;
        let event = self.loaded()?.package.event.clone();
        let clean = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let member = Member {
            id: MemberId::from_bytes(random_bytes()),
            last_name: clean(last_name),
            first_name: clean(first_name),
            group: Some(clean(group)).filter(|g| !g.is_empty()),
            weight: 1,
        };
        if member.last_name.is_empty() {
            return Err(KioskError::MissingName);
        }
        self.store.register_walk_in(&member, self.clock.now())?;
        let badge = Credential::new(
            Role::Participant,
            &event.id,
            member.id,
            &member.display_name(),
            event.badges_valid_from,
            event.badges_valid_until,
        )
        .issue(self.device.as_ref());
        self.roster.members.push(member.clone());
        Ok((member, badge))
    }

    /// Revokes a lost or stolen badge (organiser): it is refused from then on.
    pub fn revoke_badge(&mut self, member: &MemberId) -> Result<(), KioskError> {
        self.require_organiser()?;
        Ok(self.store.revoke_badge(member, self.clock.now())?)
    }

    /// Discards an open or closed poll's ballots and puts it back to not opened (organiser).
    pub fn reset_poll(&mut self, poll: &PollId) -> Result<u64, KioskError> {
        self.require_organiser()?;
        if !self.store.polls()?.contains_key(poll) {
            return Err(KioskError::PollState(poll.clone()));
        }
        Ok(self.store.reset_poll(poll, self.clock.now())?)
    }

    /// Sets the organiser PIN (6 digits), stored as an Argon2id hash.
    pub fn set_pin(&mut self, pin: &str) -> Result<(), KioskError> {
        let salt: [u8; 16] = random_bytes();
        let hash = pin_hash(pin, &salt);
        self.store
            .set_setting(SETTING_PIN, &format!("{}${}", hex_of(&salt), hex_of(&hash)))?;
        Ok(())
    }

    /// Whether a PIN has been set.
    pub fn has_pin(&self) -> Result<bool, KioskError> {
        Ok(self.store.setting(SETTING_PIN)?.is_some())
    }

    /// Checks the PIN for an organiser badge; unlocks organiser mode when right. Every failure
    /// and every unlock is audited.
    pub fn unlock(&mut self, organiser: &MemberId, pin: &str) -> Result<PinOutcome, KioskError> {
        if self.loaded()?.package.event.organiser(organiser).is_none() {
            return Err(KioskError::Locked);
        }
        let stored = self.store.setting(SETTING_PIN)?.ok_or(KioskError::Locked)?;
        let now = self.clock.now();
        let failures = self
            .store
            .setting(SETTING_PIN_FAILURES)?
            .and_then(|f| f.parse::<u32>().ok())
            .unwrap_or(0);
        let last_failure = self
            .store
            .setting(SETTING_PIN_LAST_FAILURE)?
            .and_then(|f| f.parse::<i64>().ok())
            .unwrap_or(0);
        // After five wrong PINs each try waits longer: a 6-digit PIN cannot be guessed at the
        // kiosk in an evening.
        let ready_at =
            last_failure.saturating_add(i64::try_from(pin_delay(failures)).unwrap_or(i64::MAX));
        if now.0 < ready_at {
            return Ok(PinOutcome::LockedOut {
                seconds: u64::try_from(ready_at - now.0).unwrap_or(0),
            });
        }
        let right = stored
            .split_once('$')
            .and_then(|(salt, hash)| Some((hex_decode(salt)?, hex_decode(hash)?)))
            .is_some_and(|(salt, hash)| {
                pin.len() == 6
                    && pin.bytes().all(|b| b.is_ascii_digit())
                    && pin_hash(pin, &salt).as_slice() == hash.as_slice()
            });
        if right {
            self.store.set_setting(SETTING_PIN_FAILURES, "0")?;
            self.store.audit(
                now,
                AuditEvent::OrganiserUnlocked {
                    organiser: *organiser,
                },
            )?;
            self.organiser = Some(*organiser);
            Ok(PinOutcome::Unlocked)
        } else {
            let failures = failures.saturating_add(1);
            self.store
                .set_setting(SETTING_PIN_FAILURES, &failures.to_string())?;
            self.store
                .set_setting(SETTING_PIN_LAST_FAILURE, &now.0.to_string())?;
            self.store.audit(
                now,
                AuditEvent::PinRejected {
                    organiser: *organiser,
                    failures,
                },
            )?;
            Ok(PinOutcome::Wrong { failures })
        }
    }

    /// Leaves organiser mode.
    pub fn lock(&mut self) {
        self.organiser = None;
    }

    /// Whether organiser mode is unlocked.
    pub fn is_unlocked(&self) -> bool {
        self.organiser.is_some()
    }

    fn require_organiser(&self) -> Result<(), KioskError> {
        if self.organiser.is_some() {
            Ok(())
        } else {
            Err(KioskError::Locked)
        }
    }

    /// Attendance now: members present, and absent members represented by a present holder.
    pub fn attendance(&self) -> Result<Attendance, KioskError> {
        let present: BTreeSet<MemberId> =
            self.store.present()?.into_iter().map(|(m, _)| m).collect();
        Ok(self.proxy_book()?.attendance(&present))
    }

    /// The attendance lists (organiser).
    pub fn attendance_lists(&self) -> Result<AttendanceLists, KioskError> {
        self.require_organiser()?;
        let name = |id: &MemberId| {
            self.roster
                .member(id)
                .map(|m| m.display_name())
                .unwrap_or_default()
        };
        let mut present: Vec<(MemberId, String, Option<String>, Timestamp)> = self
            .store
            .present()?
            .into_iter()
            .map(|(id, at)| {
                let member = self.roster.member(&id);
                (
                    id,
                    member.map(|m| m.display_name()).unwrap_or_default(),
                    member.and_then(|m| m.group.clone()),
                    at,
                )
            })
            .collect();
        present.sort_by(|a, b| b.3.cmp(&a.3).then_with(|| a.1.cmp(&b.1)));
        let proxies = self
            .store
            .proxies()?
            .into_iter()
            .map(|(absent, holder)| (absent, name(&absent), holder, name(&holder)))
            .collect();
        Ok(AttendanceLists {
            present,
            proxies,
            attendance: self.attendance()?,
            members: u64::try_from(self.roster.len()).unwrap_or(u64::MAX),
        })
    }

    /// The organiser's dashboard.
    pub fn dashboard(&self) -> Result<Dashboard, KioskError> {
        let event = self.current()?;
        let members = u64::try_from(self.roster.len()).unwrap_or(u64::MAX);
        let states = self.store.polls()?;
        let polls = event
            .polls
            .iter()
            .map(|p| {
                let row = states.get(&p.id);
                Ok(PollSummary {
                    poll: p.clone(),
                    state: match row {
                        None => PollState::Pending,
                        Some(row) if row.closed => PollState::Closed,
                        Some(_) => PollState::Open,
                    },
                    voted: self.store.voted_count(&p.id)?,
                    quorum_at_open: event
                        .quorum
                        .zip(row)
                        .map(|(q, row)| q.check(members, row.opened_with)),
                })
            })
            .collect::<Result<Vec<_>, KioskError>>()?;
        Ok(Dashboard {
            audit_problem: self.audit_problem.clone(),
            members,
            attendance: self.attendance()?,
            quorum_required: event.quorum.map(|q| q.required(members)),
            polls,
            clock_trusted: self.clock_trusted(),
        })
    }

    /// Opens a poll (organiser).
    pub fn open_poll(&mut self, poll: &PollId) -> Result<(), KioskError> {
        self.require_organiser()?;
        if self.current()?.poll(poll).is_none() {
            return Err(KioskError::UnknownPoll(poll.clone()));
        }
        if self.store.polls()?.contains_key(poll) {
            return Err(KioskError::PollState(poll.clone()));
        }
        if !self.clock_trusted() {
            return Err(KioskError::ClockUnconfirmed);
        }
        let attendance = self.attendance()?;
        self.store.open_poll(poll, self.clock.now(), attendance)?;
        Ok(())
    }

    fn context(
        &self,
        at_open: Attendance,
        at_close: Attendance,
    ) -> Result<TallyContext, KioskError> {
        let loaded = self.loaded()?;
        Ok(TallyContext {
            members: u64::try_from(self.roster.len()).unwrap_or(u64::MAX),
            member_weight: self.roster.total_weight(),
            quorum: loaded.package.event.quorum,
            at_open,
            at_close,
        })
    }

    /// Closes a poll (organiser) and counts it with urne-core.
    pub fn close_poll(&mut self, poll: &PollId) -> Result<PollResult, KioskError> {
        self.require_organiser()?;
        let row = self
            .store
            .polls()?
            .remove(poll)
            .filter(|row| !row.closed)
            .ok_or_else(|| KioskError::PollState(poll.clone()))?;
        let context = self.context(row.opened_with, self.attendance()?)?;
        // Count before closing, so that a ballot the engine refuses never leads to a closed poll
        // without a result.
        let result = self.count(poll, &context)?;
        self.store.close_poll(poll, self.clock.now(), &context)?;
        Ok(result)
    }

    fn count(&self, poll: &PollId, context: &TallyContext) -> Result<PollResult, KioskError> {
        let definition = self
            .current()?
            .poll(poll)
            .ok_or_else(|| KioskError::UnknownPoll(poll.clone()))?;
        let ballots = self.store.ballots(poll)?;
        tally::tally(definition, &ballots, context)
            .map_err(|e| KioskError::Store(StoreError::Corrupt(e.to_string())))
    }

    /// The result of a closed poll.
    pub fn result(&self, poll: &PollId) -> Result<Option<PollResult>, KioskError> {
        match self.store.polls()?.remove(poll) {
            Some(row) if row.closed => {
                let context = row
                    .context
                    .ok_or_else(|| StoreError::Corrupt("closed poll without context".into()))?;
                Ok(Some(self.count(poll, &context)?))
            }
            _ => Ok(None),
        }
    }

    /// Builds everything a bundle holds, from the store (the export seals it; benchmarks seal it
    /// many times over).
    pub fn results_content(&self) -> Result<ResultsContent, KioskError> {
        let event = self.current()?.clone();
        let roster = &self.roster;
        let present = self
            .store
            .present()?
            .into_iter()
            .map(|(id, at)| {
                let member = roster.member(&id);
                PresentMember {
                    id,
                    name: member.map(|m| m.display_name()).unwrap_or_default(),
                    group: member.and_then(|m| m.group.clone()),
                    checked_in_at: at,
                }
            })
            .collect::<Vec<_>>();
        let name_of = |id: &MemberId| {
            roster
                .member(id)
                .map(|m| m.display_name())
                .unwrap_or_default()
        };
        let proxies = self
            .store
            .proxies()?
            .into_iter()
            .map(|(absent, holder)| ProxyRecord {
                absent,
                absent_name: name_of(&absent),
                holder,
                holder_name: name_of(&holder),
            })
            .collect();
        let attendance = AttendanceSheet {
            members: u64::try_from(roster.len()).unwrap_or(u64::MAX),
            member_weight: roster.total_weight(),
            totals: self.attendance()?,
            present,
            proxies,
        };
        let states = self.store.polls()?;
        let mut polls = Vec::new();
        let mut closed = std::collections::BTreeMap::new();
        for poll in &event.polls {
            let row = states.get(&poll.id);
            polls.push(PollStatus {
                poll: poll.id.clone(),
                state: match row {
                    None => PollState::Pending,
                    Some(r) if r.closed => PollState::Closed,
                    Some(_) => PollState::Open,
                },
                opened_at: row.map(|r| r.opened_at),
                closed_at: row.and_then(|r| r.closed_at),
            });
            if let Some(row) = row.filter(|r| r.closed) {
                let context = row
                    .context
                    .ok_or_else(|| StoreError::Corrupt("closed poll without context".into()))?;
                let ballots = self.store.ballots(&poll.id)?;
                let result = tally::tally(poll, &ballots, &context)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                closed.insert(
                    poll.id.clone(),
                    ClosedPoll {
                        ballots,
                        record: PollRecord { context, result },
                    },
                );
            }
        }
        Ok(ResultsContent {
            event,
            attendance,
            polls,
            closed,
            audit: self.store.audit_chain()?,
        })
    }

    /// Writes a new poll, or corrects one that has not been opened (organiser). The poll is
    /// checked with urne-core first; the definition and its audit entry are stored together.
    /// Returns the poll's id.
    pub fn define_poll(&mut self, poll: Poll) -> Result<PollId, KioskError> {
        self.require_organiser()?;
        poll.validate()?;
        let event = self.current()?;
        let created = event.poll(&poll.id).is_none();
        if self.store.polls()?.contains_key(&poll.id) {
            return Err(KioskError::PollState(poll.id.clone()));
        }
        self.store.define_poll(&poll, created, self.clock.now())?;
        let loaded = self.loaded()?;
        self.event = Some(with_local_polls(
            &loaded.package.event,
            self.store.local_polls()?,
        ));
        Ok(poll.id)
    }

    /// The settings page's values (organiser).
    pub fn settings(&self) -> Result<Settings, KioskError> {
        Ok(Settings {
            default_lang: self.store.setting(SETTING_DEFAULT_LANG)?,
            voter_timeout_secs: self
                .store
                .setting(SETTING_VOTER_TIMEOUT)?
                .and_then(|v| v.parse().ok()),
            registry_url: self.store.setting(SETTING_REGISTRY_URL)?,
            clock_offset: self.clock.offset(),
            clock_synced: self.clock.synced(),
            clock_confirmed: self.clock_confirmed,
            now: self.clock.now(),
            exports: self.store.exports()?,
        })
    }

    /// Saves the language, the timeout and the registry's address (organiser). Checked first:
    /// a bad value changes nothing.
    pub fn save_settings(
        &mut self,
        default_lang: &str,
        voter_timeout_secs: u64,
        registry_url: &str,
    ) -> Result<Settings, KioskError> {
        self.require_organiser()?;
        if !matches!(default_lang, "fr" | "en") {
            return Err(KioskError::Setting("language"));
        }
        let (low, high) = VOTER_TIMEOUT_RANGE;
        if !(low..=high).contains(&voter_timeout_secs) {
            return Err(KioskError::Setting("timeout"));
        }
        let registry_url = registry_url.trim();
        if !registry_url.is_empty() {
            check_registry_url(registry_url).map_err(KioskError::Setting)?;
        }
        self.store.set_settings(&[
            (SETTING_DEFAULT_LANG, Some(default_lang)),
            (SETTING_VOTER_TIMEOUT, Some(&voter_timeout_secs.to_string())),
            (
                SETTING_REGISTRY_URL,
                (!registry_url.is_empty()).then_some(registry_url),
            ),
        ])?;
        self.settings()
    }

    /// Records that the organiser checked the date and time, shifted by `offset` seconds from
    /// the system clock (audited; every later time follows it).
    pub fn confirm_clock(&mut self, offset: i64) -> Result<Settings, KioskError> {
        self.require_organiser()?;
        let offset = check_clock_offset(offset)?;
        let at = Timestamp(self.clock.base().0.saturating_add(offset));
        let (offset_text, boot) = (offset.to_string(), self.clock.boot_id());
        self.store.set_settings_audited(
            &[
                (SETTING_CLOCK_OFFSET, Some(&offset_text)),
                (SETTING_CLOCK_BOOT, Some(&boot)),
            ],
            vec![AuditEvent::ClockConfirmed { offset }],
            at,
        )?;
        self.clock.set_offset(offset);
        self.clock_confirmed = true;
        self.settings()
    }

    /// Exports the signed results bundle, its procès-verbal (PDF, in French) and its
    /// attendance sheet (CSV) to the export target (organiser). See [`Kiosk::export_in`].
    pub fn export(&mut self, test: bool) -> Result<Exported, KioskError> {
        self.export_in(test, Lang::Fr)
    }

    /// Exports the signed results bundle, then its procès-verbal and attendance sheet in `lang`.
    /// The export is recorded, with its upload queued, before any file is written: if the
    /// stick is full, read-only or pulled out, the results are still on the kiosk, the error
    /// says so, and a later export (with the next sequence number) writes everything again.
    /// The bundle goes first, so that the signed record is on the stick even if the papers do
    /// not fit; every file is written atomically and read back.
    pub fn export_in(&mut self, test: bool, lang: Lang) -> Result<Exported, KioskError> {
        self.require_organiser()?;
        let now = self.clock.now();
        let seq = self.next_export_seq()?;
        self.store.audit(now, AuditEvent::Exported { seq, test })?;
        let content = self.results_content()?;
        let sealed = urne_codec::bundle::seal(&content, self.device.as_ref(), seq, now, test)
            .map_err(|e| KioskError::Seal(e.to_string()))?;
        // The kiosk verifies its own bundle (as `urne verify` would) before printing anything
        // from it. A bundle that does not verify (a database edited behind the kiosk's back)
        // still goes to the stick and the registry — hiding it would hide the tampering — but
        // no procès-verbal is printed for it.
        let (files, unverifiable) = match urne_papers::export::export_files(&sealed, lang) {
            Ok(files) => (files, None),
            Err(e) => {
                tracing::error!(seq, error = %e, "the exported bundle does not verify");
                (
                    vec![(sealed.file_name.clone(), sealed.bytes.clone())],
                    Some(e.to_string()),
                )
            }
        };
        self.store.record_export(
            seq,
            &sealed.file_name,
            &sealed.digest.to_hex(),
            test,
            now,
            &sealed.bytes,
        )?;
        let mut paths = Vec::with_capacity(files.len());
        for (name, bytes) in &files {
            match self.usb.write_file(name, bytes) {
                Ok(path) => paths.push(path),
                Err(e) => {
                    // Only what happened to the files is logged, never their content.
                    tracing::warn!(seq, file = %name, error = %e, "export not completed");
                    return Err(e.into());
                }
            }
        }
        if let Some(reason) = unverifiable {
            return Err(KioskError::Unverifiable(reason));
        }
        tracing::info!(seq, digest = %sealed.digest, "export written");
        Ok(Exported {
            path: paths[0].clone(),
            file_name: sealed.file_name,
            digest: sealed.digest,
            seq,
            files: paths,
        })
    }

    fn next_export_seq(&self) -> Result<u64, KioskError> {
        let audited = self
            .store
            .audit_chain()?
            .iter()
            .filter_map(|e| match e.event {
                AuditEvent::Exported { seq, .. } => Some(seq),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        Ok(self.store.next_export_seq()?.max(audited + 1))
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

fn pin_hash(pin: &str, salt: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    // Argon2id with its default cost (19 MiB, 2 passes): a few tens of milliseconds on a Pi, so
    // that a copied database does not give the PIN away instantly.
    argon2::Argon2::default()
        .hash_password_into(pin.as_bytes(), salt, &mut out)
        .expect("a 16-byte salt and 32-byte output are valid Argon2 parameters");
    out
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pin_delay_starts_after_five_wrong_tries_and_doubles_up_to_an_hour() {
        let delays: Vec<u64> = (0..14).map(pin_delay).collect();
        assert_eq!(
            delays,
            [0, 0, 0, 0, 0, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
        );
        assert_eq!(pin_delay(u32::MAX), 3600);
    }
}
