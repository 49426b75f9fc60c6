//! Why the kiosk could not do what was asked: the controller's error, and the kinds of problem
//! the screens explain — a closed set, mapped exhaustively, so that a new error cannot reach a
//! screen without a sentence written for it.

use urne_core::proxy::ProxyError;

use crate::keystore::KeyStoreError;
use crate::store::StoreError;
use crate::usb::UsbError;

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
    /// The package was refused: why, for the screen, and the detail.
    #[error("the event package was refused: {1}")]
    Package(PackageProblem, String),
    /// The package is for another organiser than the one pinned on this kiosk.
    #[error("this package is signed by {found}, not by the organiser key of this kiosk ({pinned})")]
    ForeignPackage {
        /// The pinned key.
        pinned: urne_core::crypto::Fingerprint,
        /// The key that signed the package.
        found: urne_core::crypto::Fingerprint,
    },
    /// The event's polls have started: its package can no longer be replaced.
    #[error("polls have already been opened: this package can no longer replace the event")]
    PackageTooLate,
    /// Another event's records are on this kiosk.
    #[error(
        "this kiosk holds the records of another event ({0}); export them and reset the kiosk first"
    )]
    OtherEventInProgress(String),
    /// A poll id that the event does not have.
    #[error("unknown poll « {0} »")]
    UnknownPoll(urne_core::ids::PollId),
    /// The poll is not in the right state for this action.
    #[error("poll « {0} » cannot do that now (opened already, not open, or closed)")]
    PollState(urne_core::ids::PollId),
    /// The ballot is malformed.
    #[error("invalid ballot: {0}")]
    Ballot(#[from] urne_core::ballot::BallotError),
    /// The member already voted in this poll.
    #[error("already voted in this poll")]
    AlreadyVoted,
    /// The member is not checked in.
    #[error("this member is not checked in")]
    NotPresent,
    /// Organiser mode is locked.
    #[error("organiser mode is locked")]
    Locked,
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
    /// A setting was refused.
    #[error("this setting cannot be saved: {0:?}")]
    Setting(SettingProblem),
    /// The date and time have not been confirmed since the kiosk booted, nor synchronised from
    /// the network: a poll opened now could carry a wrong date into the signed results.
    #[error(
        "the date and time have not been confirmed since the kiosk started: confirm them on the settings page before opening a poll"
    )]
    ClockUnconfirmed,
    /// The first-boot setup was asked for a kiosk already set up.
    #[error("this kiosk has already been set up")]
    AlreadyProvisioned,
    /// An event package was offered to a kiosk with no organiser PIN: the first package pins
    /// the organiser key, so the setup (which chooses the PIN) comes first.
    #[error("set this kiosk up first (its organiser PIN): no event is loaded before")]
    SetupFirst,
    /// A poll written on the kiosk was refused by urne-core's checks.
    #[error("this poll cannot be voted on: {0}")]
    Poll(#[from] urne_core::poll::PollError),
    /// The bundle was written but does not verify (its records were altered): no
    /// procès-verbal was printed for it.
    #[error(
        "the bundle was written to the stick but does not verify ({0}); no procès-verbal was printed — tell the registry's operator"
    )]
    Unverifiable(String),
    /// A sealed box did not hold at its count (a ballot altered, removed or added on the
    /// card): nothing was counted, and the refusal is in the audit chain.
    #[error("the sealed ballot box does not hold, nothing was counted: {0}")]
    BoxRefused(String),
    /// A share of the tally key was refused.
    #[error("{0}")]
    Share(urne_core::sealed::ShareError),
    /// A PIN recovery order was refused.
    #[error("the PIN recovery order was refused: {0:?}")]
    PinReset(PinResetProblem),
    /// The poll has fewer ballots than the event's small-poll threshold: closing it needs the
    /// organiser's confirmation that the result may reveal votes. Nothing changed.
    #[error(
        "the poll has only {ballots} ballot(s), fewer than {threshold}: its result may reveal votes"
    )]
    SmallPoll {
        /// Ballots in the box.
        ballots: u64,
        /// The event's threshold.
        threshold: u32,
    },
    /// Voters' visits that include the poll are under way on voting kiosks of the hall:
    /// closing it needs the organiser's confirmation (their ballots in it are then refused).
    /// Nothing changed.
    #[error("{visits} voter(s) are voting on this poll at a voting kiosk right now")]
    VisitsUnderWay {
        /// Visits under way.
        visits: u32,
    },
    /// This kiosk is a member of a hall and its lead could not do what was asked.
    #[error("the lead kiosk of the hall could not do it ({})", hall_problem_text(*.0))]
    Hall(HallProblem),
    /// The pairing to decide on is gone (its card lapsed or was taken down).
    #[error("no kiosk is waiting to join the hall (the pairing card lapsed)")]
    PairingGone,
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
    /// The database is damaged (or was written by a newer Urne).
    StorageDamaged,
    /// Any other failure of the database.
    StorageFailed,
    /// The device key could not be read or written.
    KeyUnavailable,
    /// No event is loaded.
    NoEvent,
    /// Organiser mode is locked (the PIN was not given, or timed out).
    Locked,
    /// The poll is not part of the event.
    UnknownPoll,
    /// The poll was opened, closed or reset in the meantime.
    PollNotOpen,
    /// Already voted in this poll.
    AlreadyVoted,
    /// The voter is not checked in.
    NotPresent,
    /// The voter does not hold the proxy they vote with.
    NoProxy,
    /// The ballot does not fit its poll.
    InvalidBallot,
    /// A poll written on the kiosk cannot be voted on.
    InvalidPoll,
    /// The member is not on the roster.
    NotOnRoster,
    /// The member voted: their check-in stays.
    UndoVoted,
    /// A walk-in needs a family name.
    MissingName,
    /// The date and time are not confirmed since boot.
    ClockUnconfirmed,
    /// The first-boot setup was already done.
    AlreadyProvisioned,
    /// No package before the setup's PIN.
    SetupFirst,
    /// The bundle could not be signed.
    SealFailed,
    /// The bundle written does not verify.
    Unverifiable,
    /// A sealed box did not hold at its count.
    BoxRefused,
    /// A share of the tally key was refused.
    Share(ShareProblem),
    /// A PIN recovery order was refused.
    PinReset(PinResetProblem),
    /// Visits under way on voting kiosks include the poll to close.
    VisitsUnderWay,
    /// The pairing to decide on lapsed.
    PairingGone,
    /// The lead kiosk of the hall could not do it.
    Hall(HallProblem),
    /// A poll too small to close without the organiser's confirmation.
    SmallPoll,
    /// An event package was refused.
    Package(PackageProblem),
    /// A proxy was refused.
    Proxy(ProxyProblem),
    /// A setting was refused.
    Setting(SettingProblem),
    /// The USB stick could not be used.
    Usb(UsbProblem),
}

/// Why an event package cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageProblem {
    /// Not an Urne event package at all.
    NotAPackage,
    /// It carries no signature.
    Unsigned,
    /// The organiser's signature does not hold.
    BadSignature,
    /// A file was changed after signing.
    Altered,
    /// Signed, but its content is not a valid event.
    Invalid,
    /// The file cannot be read on the stick.
    Unreadable,
    /// Signed by another organiser key than the one this kiosk trusts.
    Foreign,
    /// Polls of this event have opened: the package can no longer replace it.
    TooLate,
    /// The kiosk holds another event's records.
    OtherEvent,
    /// The file on the stick changed since it was shown.
    Changed,
    /// The downloaded package is not signed by the key that was shown.
    NotShown,
    /// Made before the sealed ballot box: it carries no tally key, and its ballots would sit in
    /// clear on the card.
    Unsealed,
}

/// Why a PIN recovery order was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinResetProblem {
    /// Not a PIN recovery order.
    NotAnOrder,
    /// Its signature does not hold.
    BadSignature,
    /// Signed by another key than the organiser's this kiosk pinned.
    NotTheOrganiser,
    /// Made for another kiosk.
    OtherKiosk,
    /// Already used once on this kiosk.
    Used,
    /// No organiser key is pinned yet (no package was ever loaded).
    NoOrganiser,
}

impl From<urne_core::recovery::PinResetError> for PinResetProblem {
    fn from(e: urne_core::recovery::PinResetError) -> Self {
        use urne_core::recovery::PinResetError as E;
        match e {
            E::NotAnOrder => PinResetProblem::NotAnOrder,
            E::BadSignature => PinResetProblem::BadSignature,
            E::NotTheOrganiser => PinResetProblem::NotTheOrganiser,
            E::OtherKiosk => PinResetProblem::OtherKiosk,
        }
    }
}

/// Why a share of the tally key was refused at a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareProblem {
    /// Not a share of an Urne key.
    NotAShare,
    /// Mistyped or misread.
    Mistyped,
    /// Another event's.
    OtherEvent,
    /// Not one of the shares made for this event.
    Unknown,
    /// Already read.
    Duplicate,
    /// The shares do not rebuild the key.
    Mismatch,
}

impl From<&urne_core::sealed::ShareError> for ShareProblem {
    fn from(e: &urne_core::sealed::ShareError) -> Self {
        use urne_core::sealed::ShareError as E;
        match e {
            E::NotAShare => ShareProblem::NotAShare,
            E::Mistyped => ShareProblem::Mistyped,
            E::OtherEvent => ShareProblem::OtherEvent,
            E::Unknown => ShareProblem::Unknown,
            E::Duplicate(_) => ShareProblem::Duplicate,
            // Splitting errors never come from reading shares; said as shares that do not fit.
            E::Mismatch | E::Parameters => ShareProblem::Mismatch,
        }
    }
}

/// Why a proxy was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyProblem {
    /// A member cannot hold their own proxy.
    SelfProxy,
    /// The member giving it is present.
    GiverPresent,
    /// The holder is not present.
    HolderAbsent,
    /// The holder carries the most proxies allowed.
    HolderFull,
    /// The member already gave a proxy.
    Already,
    /// Proxies are not passed on.
    Chain,
    /// There is no such proxy.
    None,
    /// A proxy cannot change while a poll is open or once used.
    Frozen,
}

/// Why a setting was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingProblem {
    /// A language the kiosk does not speak.
    Language,
    /// A timeout outside the range offered.
    Timeout,
    /// A registry address without `https://` (`http://` only to this machine).
    RegistryScheme,
    /// A registry address without a host.
    RegistryHost,
    /// A registry address without the key from its card.
    RegistryKey,
    /// A clock correction of more than ten years.
    Clock,
    /// A PIN that is not six digits.
    Pin,
}

/// The English words of a hall problem, for the log and the organiser's detail line.
fn hall_problem_text(problem: HallProblem) -> &'static str {
    match problem {
        HallProblem::Unreachable => "it does not answer",
        HallProblem::NotAdmitted => "it no longer admits this kiosk",
        HallProblem::VisitEnded => "the visit ended there",
        HallProblem::LeadStorage => "its storage failed",
        HallProblem::Refused => "it refused the request",
        HallProblem::IsMember => "this kiosk is a member of a hall",
        HallProblem::IsLead => "this kiosk leads a hall",
        HallProblem::OnLead => "the hall's records are kept on its lead kiosk",
    }
}

/// Why the lead kiosk of the hall could not do what a member kiosk asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HallProblem {
    /// The lead does not answer (the hall's network, or the lead is off).
    Unreachable,
    /// The lead no longer admits this kiosk (removed from the hall), or has another key.
    NotAdmitted,
    /// The voter's visit ended on the lead (lapsed, or replaced): the badge must be scanned again.
    VisitEnded,
    /// The lead could not store it.
    LeadStorage,
    /// The lead refused the request as unreadable or of another version.
    Refused,
    /// This kiosk joined a hall: it cannot lead one before leaving it.
    IsMember,
    /// This kiosk leads a hall: it cannot join another.
    IsLead,
    /// This kiosk is a door or voting kiosk: the hall's check-ins, proxies, badges and polls are
    /// kept on the lead, where the organiser acts on them.
    OnLead,
}

/// Why the USB stick could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsbProblem {
    /// No stick is plugged in.
    Absent,
    /// The stick is full.
    Full,
    /// The stick is write-protected.
    ReadOnly,
    /// A file on it cannot be used (too large, or not a plain name).
    Refused,
    /// It did not keep a file intact.
    Corrupted,
    /// Anything else.
    Failed,
}

impl From<&UsbError> for UsbProblem {
    fn from(e: &UsbError) -> Self {
        match e {
            UsbError::Absent => UsbProblem::Absent,
            UsbError::Full => UsbProblem::Full,
            UsbError::ReadOnly => UsbProblem::ReadOnly,
            UsbError::Refused(_) => UsbProblem::Refused,
            UsbError::Corrupted(_) => UsbProblem::Corrupted,
            UsbError::Other(_) => UsbProblem::Failed,
        }
    }
}

impl From<&ProxyError> for ProxyProblem {
    fn from(e: &ProxyError) -> Self {
        match e {
            ProxyError::SelfProxy => ProxyProblem::SelfProxy,
            ProxyError::GiverPresent => ProxyProblem::GiverPresent,
            ProxyError::HolderAbsent => ProxyProblem::HolderAbsent,
            ProxyError::HolderFull(_) => ProxyProblem::HolderFull,
            ProxyError::AlreadyRepresented => ProxyProblem::Already,
            ProxyError::Chain => ProxyProblem::Chain,
            ProxyError::NoProxy => ProxyProblem::None,
        }
    }
}

impl StoreError {
    /// The kind of problem, for the screen.
    pub fn problem(&self) -> Problem {
        match self {
            StoreError::Full => Problem::StorageFull,
            StoreError::ReadOnly => Problem::StorageReadOnly,
            StoreError::Locked => Problem::StorageLocked,
            StoreError::Corrupt(_) | StoreError::TooNew(_) => Problem::StorageDamaged,
            StoreError::Other(_) => Problem::StorageFailed,
        }
    }
}

impl KioskError {
    /// The kind of problem, for the screen.
    pub fn problem(&self) -> Problem {
        match self {
            KioskError::Store(e) => e.problem(),
            KioskError::Key(_) => Problem::KeyUnavailable,
            KioskError::NoEvent => Problem::NoEvent,
            KioskError::Package(code, _) => Problem::Package(*code),
            KioskError::ForeignPackage { .. } => Problem::Package(PackageProblem::Foreign),
            KioskError::PackageTooLate => Problem::Package(PackageProblem::TooLate),
            KioskError::OtherEventInProgress(_) => Problem::Package(PackageProblem::OtherEvent),
            KioskError::UnknownPoll(_) => Problem::UnknownPoll,
            KioskError::PollState(_) => Problem::PollNotOpen,
            KioskError::Ballot(_) => Problem::InvalidBallot,
            KioskError::AlreadyVoted => Problem::AlreadyVoted,
            KioskError::NotPresent => Problem::NotPresent,
            KioskError::Locked => Problem::Locked,
            KioskError::NotOnRoster => Problem::NotOnRoster,
            KioskError::UndoVoted => Problem::UndoVoted,
            KioskError::MissingName => Problem::MissingName,
            KioskError::Proxy(p) => Problem::Proxy(p.into()),
            KioskError::NoProxy => Problem::NoProxy,
            KioskError::ProxyFrozen => Problem::Proxy(ProxyProblem::Frozen),
            KioskError::Usb(e) => Problem::Usb(e.into()),
            KioskError::Seal(_) => Problem::SealFailed,
            KioskError::Setting(code) => Problem::Setting(*code),
            KioskError::ClockUnconfirmed => Problem::ClockUnconfirmed,
            KioskError::AlreadyProvisioned => Problem::AlreadyProvisioned,
            KioskError::SetupFirst => Problem::SetupFirst,
            KioskError::Poll(_) => Problem::InvalidPoll,
            KioskError::Unverifiable(_) => Problem::Unverifiable,
            KioskError::BoxRefused(_) => Problem::BoxRefused,
            KioskError::Share(e) => Problem::Share(e.into()),
            KioskError::SmallPoll { .. } => Problem::SmallPoll,
            KioskError::PinReset(p) => Problem::PinReset(*p),
            KioskError::VisitsUnderWay { .. } => Problem::VisitsUnderWay,
            KioskError::PairingGone => Problem::PairingGone,
            KioskError::Hall(p) => Problem::Hall(*p),
        }
    }
}

/// A failure, with its kind for the screen and the technical detail for the log and the
/// organiser (shown under the translated sentence, never instead of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What kind of problem.
    pub problem: Problem,
    /// The detail.
    pub detail: String,
}

impl From<KioskError> for Failure {
    fn from(e: KioskError) -> Self {
        tracing::warn!(error = %e, "kiosk action failed");
        Self {
            problem: e.problem(),
            detail: e.to_string(),
        }
    }
}
