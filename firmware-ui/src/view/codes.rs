//! The controller's outcomes as the screens' codes: every kind of problem and refusal mapped
//! exhaustively, so that a new one cannot reach a screen without its sentence.

use urne_core::credential::BadgeError;

use crate::generated::Refusal;
use crate::kiosk::{
    PackageProblem, Problem, ProxyProblem, Refusal as KioskRefusal, SettingProblem, UsbProblem,
};

/// Why a badge was refused, for the refusal screen.
pub(super) fn refusal(refusal: &KioskRefusal) -> Refusal {
    match refusal {
        KioskRefusal::NotOnRoster => Refusal::NotOnRoster,
        KioskRefusal::Badge(e) => match e {
            BadgeError::NotABadge | BadgeError::UnknownRole | BadgeError::BadName => {
                Refusal::NotABadge
            }
            BadgeError::Truncated => Refusal::Truncated,
            BadgeError::UnknownVersion(_) => Refusal::UnknownVersion,
            BadgeError::WrongEvent => Refusal::WrongEvent,
            BadgeError::BadSignature => Refusal::BadSignature,
            BadgeError::NotYetValid => Refusal::NotYetValid,
            BadgeError::Expired => Refusal::Expired,
            BadgeError::Revoked => Refusal::Revoked,
        },
    }
}

/// Why a scan could not be recorded, for the refusal screen: the storage's troubles are said
/// plainly, the rest with its detail.
pub(super) fn scan_failure(problem: Problem) -> Refusal {
    match problem {
        Problem::NoEvent => Refusal::NoEvent,
        Problem::StorageFull => Refusal::StorageFull,
        Problem::StorageReadOnly => Refusal::StorageReadOnly,
        Problem::StorageLocked => Refusal::StorageLocked,
        Problem::StorageDamaged => Refusal::StorageDamaged,
        Problem::StorageFailed
        | Problem::KeyUnavailable
        | Problem::Locked
        | Problem::UnknownPoll
        | Problem::PollNotOpen
        | Problem::AlreadyVoted
        | Problem::NotPresent
        | Problem::NoProxy
        | Problem::InvalidBallot
        | Problem::InvalidPoll
        | Problem::NotOnRoster
        | Problem::UndoVoted
        | Problem::MissingName
        | Problem::ClockUnconfirmed
        | Problem::AlreadyProvisioned
        | Problem::SealFailed
        | Problem::Unverifiable
        | Problem::Package(_)
        | Problem::Proxy(_)
        | Problem::Setting(_)
        | Problem::Usb(_) => Refusal::Error,
    }
}

/// The code a screen translates for a problem (see `Texts.problem`).
pub(super) fn problem_code(problem: Problem) -> &'static str {
    match problem {
        Problem::StorageFull => "storage-full",
        Problem::StorageReadOnly => "storage-read-only",
        Problem::StorageLocked => "storage-locked",
        Problem::StorageDamaged => "storage-damaged",
        Problem::StorageFailed => "storage-failed",
        Problem::KeyUnavailable => "key-unavailable",
        Problem::NoEvent => "no-event",
        Problem::Locked => "locked",
        Problem::UnknownPoll => "unknown-poll",
        Problem::PollNotOpen => "poll-not-open",
        Problem::AlreadyVoted => "already-voted",
        Problem::NotPresent => "not-present",
        Problem::NoProxy => "no-proxy",
        Problem::InvalidBallot => "invalid-ballot",
        Problem::InvalidPoll => "invalid-poll",
        Problem::NotOnRoster => "not-on-roster",
        Problem::UndoVoted => "undo-voted",
        Problem::MissingName => "missing-name",
        Problem::ClockUnconfirmed => "clock-unconfirmed",
        Problem::AlreadyProvisioned => "already-provisioned",
        Problem::SealFailed => "seal-failed",
        Problem::Unverifiable => "unverifiable",
        Problem::Package(p) => package_code(p),
        Problem::Proxy(p) => match p {
            ProxyProblem::SelfProxy => "proxy-self",
            ProxyProblem::GiverPresent => "proxy-giver-present",
            ProxyProblem::HolderAbsent => "proxy-holder-absent",
            ProxyProblem::HolderFull => "proxy-holder-full",
            ProxyProblem::Already => "proxy-already",
            ProxyProblem::Chain => "proxy-chain",
            ProxyProblem::None => "proxy-none",
            ProxyProblem::Frozen => "proxy-frozen",
        },
        Problem::Setting(p) => setting_code(p),
        Problem::Usb(p) => match p {
            UsbProblem::Absent => "usb-absent",
            UsbProblem::Full => "usb-full",
            UsbProblem::ReadOnly => "usb-read-only",
            UsbProblem::Refused => "usb-refused",
            UsbProblem::Corrupted => "usb-corrupted",
            UsbProblem::Failed => "usb-failed",
        },
    }
}

/// The code the packages page translates.
pub(super) fn package_code(problem: PackageProblem) -> &'static str {
    match problem {
        PackageProblem::NotAPackage => "not-a-package",
        PackageProblem::Unsigned => "unsigned",
        PackageProblem::BadSignature => "bad-signature",
        PackageProblem::Altered => "altered",
        PackageProblem::Invalid => "invalid",
        PackageProblem::Unreadable => "unreadable",
        PackageProblem::Foreign => "foreign",
        PackageProblem::TooLate => "too-late",
        PackageProblem::OtherEvent => "other-event",
        PackageProblem::Changed => "changed",
        PackageProblem::NotShown => "not-shown",
    }
}

/// The code the settings and setup pages translate.
pub(super) fn setting_code(problem: SettingProblem) -> &'static str {
    match problem {
        SettingProblem::Language => "language",
        SettingProblem::Timeout => "timeout",
        SettingProblem::RegistryScheme => "registry-scheme",
        SettingProblem::RegistryHost => "registry-host",
        SettingProblem::Clock => "clock",
        SettingProblem::Pin => "pin",
    }
}
