//! The Rust side's states and outcomes as the screens' typed codes (the `export enum`s of
//! `ui/adapters/`): every kind of problem, refusal and state mapped exhaustively, so that a new
//! one cannot reach a screen without a code, and a code cannot be mistyped.

use urne_core::chart::Tone;
use urne_core::credential::BadgeError;
use urne_core::poll::{BudgetMethod, PollKind};
use urne_core::results::PollState;
use urne_core::rules::{MajorityRule, QuorumCheck};
use urne_core::tally::{Decision, Lang};

use crate::editor::{DraftKind, DraftProblem, Field};
use crate::fetch::FetchError;
use crate::flow::Answer;
use crate::generated as ui;
use crate::kiosk::{
    Failure, HallProblem, PackageProblem, PinResetProblem, Problem, ProxyProblem, Refusal,
    SettingProblem, ShareProblem, UsbProblem,
};
use crate::store::UploadState;

/// Why a badge was refused, for the refusal screen.
pub(super) fn refusal(refusal: &Refusal) -> ui::Refusal {
    match refusal {
        Refusal::NotOnRoster => ui::Refusal::NotOnRoster,
        Refusal::Busy => ui::Refusal::Busy,
        Refusal::Badge(e) => match e {
            BadgeError::NotABadge | BadgeError::UnknownRole | BadgeError::BadName => {
                ui::Refusal::NotABadge
            }
            BadgeError::Truncated => ui::Refusal::Truncated,
            BadgeError::UnknownVersion(_) => ui::Refusal::UnknownVersion,
            BadgeError::WrongEvent => ui::Refusal::WrongEvent,
            BadgeError::BadSignature => ui::Refusal::BadSignature,
            BadgeError::NotYetValid => ui::Refusal::NotYetValid,
            BadgeError::Expired => ui::Refusal::Expired,
            BadgeError::Revoked => ui::Refusal::Revoked,
        },
    }
}

/// Why a scan could not be recorded, for the refusal screen: the storage's troubles are said
/// plainly, the rest as `Refusal.error` beside the problem it is.
pub(super) fn scan_failure(problem: Problem) -> ui::Refusal {
    match problem {
        Problem::NoEvent => ui::Refusal::NoEvent,
        Problem::StorageFull => ui::Refusal::StorageFull,
        Problem::StorageReadOnly => ui::Refusal::StorageReadOnly,
        Problem::StorageLocked => ui::Refusal::StorageLocked,
        Problem::StorageDamaged => ui::Refusal::StorageDamaged,
        Problem::Hall(HallProblem::VisitEnded) => ui::Refusal::VisitEnded,
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
        | Problem::SetupFirst
        | Problem::SealFailed
        | Problem::Unverifiable
        | Problem::BoxRefused
        | Problem::SmallPoll
        | Problem::VisitsUnderWay
        | Problem::PairingGone
        | Problem::Hall(
            HallProblem::Unreachable
            | HallProblem::NotAdmitted
            | HallProblem::LeadStorage
            | HallProblem::Refused
            | HallProblem::IsMember
            | HallProblem::IsLead
            | HallProblem::OnLead,
        )
        | Problem::Share(_)
        | Problem::PinReset(_)
        | Problem::Package(_)
        | Problem::Proxy(_)
        | Problem::Setting(_)
        | Problem::Usb(_) => ui::Refusal::Error,
    }
}

/// Why a failure happened, or `none` when there was none.
pub(super) fn failure(failure: Option<&Failure>) -> ui::Problem {
    failure.map_or(ui::Problem::None, |f| problem(f.problem))
}

/// A problem as the screens say it (see `Texts.problem`).
pub(super) fn problem(problem: Problem) -> ui::Problem {
    match problem {
        Problem::StorageFull => ui::Problem::StorageFull,
        Problem::StorageReadOnly => ui::Problem::StorageReadOnly,
        Problem::StorageLocked => ui::Problem::StorageLocked,
        Problem::StorageDamaged => ui::Problem::StorageDamaged,
        Problem::StorageFailed => ui::Problem::StorageFailed,
        Problem::KeyUnavailable => ui::Problem::KeyUnavailable,
        Problem::NoEvent => ui::Problem::NoEvent,
        Problem::Locked => ui::Problem::Locked,
        Problem::UnknownPoll => ui::Problem::UnknownPoll,
        Problem::PollNotOpen => ui::Problem::PollNotOpen,
        Problem::AlreadyVoted => ui::Problem::AlreadyVoted,
        Problem::NotPresent => ui::Problem::NotPresent,
        Problem::NoProxy => ui::Problem::NoProxy,
        Problem::InvalidBallot => ui::Problem::InvalidBallot,
        Problem::InvalidPoll => ui::Problem::InvalidPoll,
        Problem::NotOnRoster => ui::Problem::NotOnRoster,
        Problem::UndoVoted => ui::Problem::UndoVoted,
        Problem::MissingName => ui::Problem::MissingName,
        Problem::ClockUnconfirmed => ui::Problem::ClockUnconfirmed,
        Problem::AlreadyProvisioned => ui::Problem::AlreadyProvisioned,
        Problem::SetupFirst => ui::Problem::SetupFirst,
        Problem::SealFailed => ui::Problem::SealFailed,
        Problem::Unverifiable => ui::Problem::Unverifiable,
        Problem::BoxRefused => ui::Problem::BoxRefused,
        Problem::SmallPoll => ui::Problem::SmallPoll,
        Problem::VisitsUnderWay => ui::Problem::VisitsUnderWay,
        Problem::PairingGone => ui::Problem::PairingGone,
        Problem::Hall(p) => hall_problem(p),
        Problem::Share(p) => share_problem(p),
        Problem::PinReset(p) => pin_reset_problem(p),
        Problem::Package(p) => package_problem(p),
        Problem::Proxy(p) => proxy_problem(p),
        Problem::Setting(p) => setting_problem(p),
        Problem::Usb(p) => usb_problem(p),
    }
}

/// Why an event package cannot be used.
pub(super) fn package_problem(problem: PackageProblem) -> ui::Problem {
    match problem {
        PackageProblem::NotAPackage => ui::Problem::PackageNotAPackage,
        PackageProblem::Unsigned => ui::Problem::PackageUnsigned,
        PackageProblem::BadSignature => ui::Problem::PackageBadSignature,
        PackageProblem::Altered => ui::Problem::PackageAltered,
        PackageProblem::Invalid => ui::Problem::PackageInvalid,
        PackageProblem::Unreadable => ui::Problem::PackageUnreadable,
        PackageProblem::Foreign => ui::Problem::PackageForeign,
        PackageProblem::TooLate => ui::Problem::PackageTooLate,
        PackageProblem::OtherEvent => ui::Problem::PackageOtherEvent,
        PackageProblem::Changed => ui::Problem::PackageChanged,
        PackageProblem::NotShown => ui::Problem::PackageNotShown,
        PackageProblem::Unsealed => ui::Problem::PackageUnsealed,
    }
}

fn pin_reset_problem(problem: PinResetProblem) -> ui::Problem {
    match problem {
        PinResetProblem::NotAnOrder => ui::Problem::PinResetNotAnOrder,
        PinResetProblem::BadSignature => ui::Problem::PinResetBadSignature,
        PinResetProblem::NotTheOrganiser => ui::Problem::PinResetNotTheOrganiser,
        PinResetProblem::OtherKiosk => ui::Problem::PinResetOtherKiosk,
        PinResetProblem::Used => ui::Problem::PinResetUsed,
        PinResetProblem::NoOrganiser => ui::Problem::PinResetNoOrganiser,
    }
}

fn share_problem(problem: ShareProblem) -> ui::Problem {
    match problem {
        ShareProblem::NotAShare => ui::Problem::ShareNotAShare,
        ShareProblem::Mistyped => ui::Problem::ShareMistyped,
        ShareProblem::OtherEvent => ui::Problem::ShareOtherEvent,
        ShareProblem::Unknown => ui::Problem::ShareUnknown,
        ShareProblem::Duplicate => ui::Problem::ShareDuplicate,
        ShareProblem::Mismatch => ui::Problem::ShareMismatch,
    }
}

fn proxy_problem(problem: ProxyProblem) -> ui::Problem {
    match problem {
        ProxyProblem::SelfProxy => ui::Problem::ProxySelf,
        ProxyProblem::GiverPresent => ui::Problem::ProxyGiverPresent,
        ProxyProblem::HolderAbsent => ui::Problem::ProxyHolderAbsent,
        ProxyProblem::HolderFull => ui::Problem::ProxyHolderFull,
        ProxyProblem::Already => ui::Problem::ProxyAlready,
        ProxyProblem::Chain => ui::Problem::ProxyChain,
        ProxyProblem::None => ui::Problem::ProxyNone,
        ProxyProblem::Frozen => ui::Problem::ProxyFrozen,
    }
}

/// Why a setting was refused (the settings and setup pages).
pub(super) fn setting_problem(problem: SettingProblem) -> ui::Problem {
    match problem {
        SettingProblem::Language => ui::Problem::SettingLanguage,
        SettingProblem::Timeout => ui::Problem::SettingTimeout,
        SettingProblem::RegistryScheme => ui::Problem::SettingRegistryScheme,
        SettingProblem::RegistryHost => ui::Problem::SettingRegistryHost,
        SettingProblem::RegistryKey => ui::Problem::SettingRegistryKey,
        SettingProblem::Clock => ui::Problem::SettingClock,
        SettingProblem::Pin => ui::Problem::SettingPin,
    }
}

fn usb_problem(problem: UsbProblem) -> ui::Problem {
    match problem {
        UsbProblem::Absent => ui::Problem::UsbAbsent,
        UsbProblem::Full => ui::Problem::UsbFull,
        UsbProblem::ReadOnly => ui::Problem::UsbReadOnly,
        UsbProblem::Refused => ui::Problem::UsbRefused,
        UsbProblem::Corrupted => ui::Problem::UsbCorrupted,
        UsbProblem::Failed => ui::Problem::UsbFailed,
    }
}

fn hall_problem(problem: HallProblem) -> ui::Problem {
    match problem {
        HallProblem::Unreachable => ui::Problem::HallUnreachable,
        HallProblem::NotAdmitted => ui::Problem::HallNotAdmitted,
        HallProblem::VisitEnded => ui::Problem::HallVisitEnded,
        HallProblem::LeadStorage => ui::Problem::HallLeadStorage,
        HallProblem::Refused => ui::Problem::HallRefused,
        HallProblem::IsMember => ui::Problem::HallIsMember,
        HallProblem::IsLead => ui::Problem::HallIsLead,
        HallProblem::OnLead => ui::Problem::HallOnLead,
    }
}

/// Why the registry shows nothing.
pub(super) fn registry_failure(error: &FetchError) -> ui::RegistryState {
    match error {
        FetchError::NoAddress => ui::RegistryState::NoAddress,
        FetchError::Unreachable(_) => ui::RegistryState::Unreachable,
        FetchError::Server(_) => ui::RegistryState::Server,
        FetchError::NotEnrolled { .. } => ui::RegistryState::NotEnrolled,
        FetchError::NotAssigned { .. } => ui::RegistryState::NotAssigned,
        FetchError::NoPackage(_) => ui::RegistryState::NoPackage,
        FetchError::Refused { .. } => ui::RegistryState::Refused,
        FetchError::Failed(_) => ui::RegistryState::Failed,
    }
}

/// The language of the screens.
pub(super) fn language(lang: Lang) -> ui::Language {
    match lang {
        Lang::Fr => ui::Language::Fr,
        Lang::En => ui::Language::En,
    }
}

/// The language a screen chose.
pub(super) fn lang(language: ui::Language) -> Lang {
    match language {
        ui::Language::Fr => Lang::Fr,
        ui::Language::En => Lang::En,
    }
}

/// The kind of a poll.
pub(super) fn poll_kind(kind: &PollKind) -> ui::PollKind {
    match kind {
        PollKind::Motion { .. } => ui::PollKind::Motion,
        PollKind::SingleChoice { .. } => ui::PollKind::SingleChoice,
        PollKind::Approval { .. } => ui::PollKind::Approval,
        PollKind::MajorityJudgment { .. } => ui::PollKind::MajorityJudgment,
        PollKind::Ranking { .. } => ui::PollKind::Ranking,
        PollKind::Budget { .. } => ui::PollKind::Budget,
    }
}

/// A colour role of the result model, for the result screen's charts.
pub(super) fn chart_tone(tone: Tone) -> ui::ChartTone {
    match tone {
        Tone::For => ui::ChartTone::For,
        Tone::Against => ui::ChartTone::Against,
        Tone::Abstain => ui::ChartTone::Abstain,
        Tone::Blank => ui::ChartTone::Blank,
        Tone::Plain => ui::ChartTone::Plain,
        Tone::Winner => ui::ChartTone::Winner,
        Tone::Funded => ui::ChartTone::Funded,
        Tone::LeftOut => ui::ChartTone::LeftOut,
        Tone::Mention(_) => ui::ChartTone::Mention,
        Tone::DuelWin => ui::ChartTone::DuelWin,
        Tone::DuelLoss => ui::ChartTone::DuelLoss,
        Tone::DuelTie => ui::ChartTone::DuelTie,
        Tone::DuelSelf => ui::ChartTone::DuelSelf,
        Tone::Marker => ui::ChartTone::Marker,
    }
}

/// What the tally decided, for the result screen.
pub(super) fn decision(decision: Decision) -> ui::Decision {
    match decision {
        Decision::Adopted => ui::Decision::Adopted,
        Decision::Rejected => ui::Decision::Rejected,
        Decision::Decided => ui::Decision::Decided,
        Decision::Tie => ui::Decision::Tie,
        Decision::NoVotes => ui::Decision::NoVotes,
        Decision::QuorumNotReached => ui::Decision::QuorumNotReached,
    }
}

/// Where a poll stands, on the dashboard.
pub(super) fn poll_state(state: PollState) -> ui::PollState {
    match state {
        PollState::Pending => ui::PollState::Pending,
        PollState::Open => ui::PollState::Open,
        PollState::AwaitingCount => ui::PollState::AwaitingCount,
        PollState::Closed => ui::PollState::Closed,
    }
}

/// The quorum as it stood when a poll opened, if the event has one.
pub(super) fn quorum_at_open(quorum: Option<QuorumCheck>) -> ui::QuorumAtOpen {
    match quorum {
        None => ui::QuorumAtOpen::None,
        Some(q) if q.reached => ui::QuorumAtOpen::Reached,
        Some(_) => ui::QuorumAtOpen::Missed,
    }
}

/// How a ballot screen or the review words an answer.
pub(super) fn answer(answer: Answer) -> ui::Answer {
    match answer {
        Answer::Words => ui::Answer::Words,
        Answer::For => ui::Answer::For,
        Answer::Against => ui::Answer::Against,
        Answer::Abstain => ui::Answer::Abstain,
        Answer::Blank => ui::Answer::Blank,
        Answer::Grades => ui::Answer::Grades,
    }
}

/// Where an exported bundle's upload stands.
pub(super) fn upload_state(state: UploadState) -> ui::UploadState {
    match state {
        UploadState::Pending => ui::UploadState::Pending,
        UploadState::Synced => ui::UploadState::Synced,
        UploadState::Refused => ui::UploadState::Refused,
    }
}

/// The editor's kind of ballot.
pub(super) fn draft_kind_code(kind: DraftKind) -> ui::PollKind {
    match kind {
        DraftKind::Motion => ui::PollKind::Motion,
        DraftKind::Single => ui::PollKind::SingleChoice,
        DraftKind::Approval => ui::PollKind::Approval,
        DraftKind::Judgment => ui::PollKind::MajorityJudgment,
        DraftKind::Ranking => ui::PollKind::Ranking,
        DraftKind::Budget => ui::PollKind::Budget,
    }
}

/// The kind of ballot the editor's button chose.
pub(super) fn draft_kind(kind: ui::PollKind) -> DraftKind {
    match kind {
        ui::PollKind::Motion => DraftKind::Motion,
        ui::PollKind::SingleChoice => DraftKind::Single,
        ui::PollKind::Approval => DraftKind::Approval,
        ui::PollKind::MajorityJudgment => DraftKind::Judgment,
        ui::PollKind::Ranking => DraftKind::Ranking,
        ui::PollKind::Budget => DraftKind::Budget,
    }
}

/// The motion rule the editor's button chose; `None` for `other` (the rule kept).
pub(super) fn motion_rule(rule: ui::MotionRule) -> Option<MajorityRule> {
    match rule {
        ui::MotionRule::Simple => Some(MajorityRule::SIMPLE),
        ui::MotionRule::Absolute => Some(MajorityRule::ABSOLUTE),
        ui::MotionRule::TwoThirds => Some(MajorityRule::TWO_THIRDS),
        ui::MotionRule::Other => None,
    }
}

/// A motion's rule, among the editor's buttons (`other` when none of them).
pub(super) fn motion_rule_code(rule: &MajorityRule) -> ui::MotionRule {
    [
        ui::MotionRule::Simple,
        ui::MotionRule::Absolute,
        ui::MotionRule::TwoThirds,
    ]
    .into_iter()
    .find(|code| motion_rule(*code).as_ref() == Some(rule))
    .unwrap_or(ui::MotionRule::Other)
}

/// How a participatory budget is shared out.
pub(super) fn budget_method_code(method: BudgetMethod) -> ui::BudgetMethod {
    match method {
        BudgetMethod::EqualShares => ui::BudgetMethod::EqualShares,
        BudgetMethod::Greedy => ui::BudgetMethod::Greedy,
    }
}

/// The budget method the editor's button chose.
pub(super) fn budget_method(method: ui::BudgetMethod) -> BudgetMethod {
    match method {
        ui::BudgetMethod::EqualShares => BudgetMethod::EqualShares,
        ui::BudgetMethod::Greedy => BudgetMethod::Greedy,
    }
}

/// The field the editor's keyboard types into, and the option's position for a label or a
/// cost.
pub(super) fn editor_field_code(field: Option<Field>) -> (ui::EditorField, usize) {
    match field {
        None => (ui::EditorField::None, 0),
        Some(Field::Question) => (ui::EditorField::Question, 0),
        Some(Field::Label(i)) => (ui::EditorField::Label, i),
        Some(Field::Cost(i)) => (ui::EditorField::Cost, i),
        Some(Field::Budget) => (ui::EditorField::Budget, 0),
    }
}

/// The field the editor's page tapped.
pub(super) fn editor_field(field: ui::EditorField, index: usize) -> Option<Field> {
    match field {
        ui::EditorField::None => None,
        ui::EditorField::Question => Some(Field::Question),
        ui::EditorField::Label => Some(Field::Label(index)),
        ui::EditorField::Cost => Some(Field::Cost(index)),
        ui::EditorField::Budget => Some(Field::Budget),
    }
}

/// Why a draft is not a poll yet, and the option concerned (or the fewest options needed).
pub(super) fn draft_problem(problem: DraftProblem) -> (ui::DraftProblem, usize) {
    match problem {
        DraftProblem::NoQuestion => (ui::DraftProblem::NoQuestion, 0),
        DraftProblem::TooFewOptions { needed } => (ui::DraftProblem::TooFewOptions, needed),
        DraftProblem::EmptyLabel(i) => (ui::DraftProblem::EmptyLabel, i),
        DraftProblem::SameLabel(i) => (ui::DraftProblem::SameLabel, i),
        DraftProblem::BadCost(i) => (ui::DraftProblem::BadCost, i),
        DraftProblem::BadBudget => (ui::DraftProblem::BadBudget, 0),
        DraftProblem::AlreadyOpen => (ui::DraftProblem::AlreadyOpen, 0),
    }
}
