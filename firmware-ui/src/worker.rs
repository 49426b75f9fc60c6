//! The worker thread that owns the kiosk controller: every store write, signature and file
//! write happens here, so that the UI thread never waits on the SD card or the USB stick.
//!
//! The UI sends [`Command`]s; the worker answers with [`Reply`]s on a channel and wakes the UI
//! through a [`Waker`] (in the app: `slint::invoke_from_event_loop`; in tests: nothing, the test
//! drains the channel itself). The scanner thread posts its lines to the same channel, and so
//! do the short-lived threads that ask the registry for event packages ([`crate::fetch`]).

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

use urne_core::ballot::Ballot;
use urne_core::event::Event;
use urne_core::ids::{MemberId, PollId};
use urne_core::poll::Poll;
use urne_core::tally::PollResult;

use crate::fetch::{self, FetchError, Fetched};
use crate::kiosk::{
    AttendanceLists, Dashboard, Exported, Kiosk, KioskError, PackageOffer, PinOutcome, Problem,
    Refusal, ScanOutcome,
};
use crate::scanner::ScannerEvent;
use urne_codec::protocol::EventListing;
use urne_core::crypto::Fingerprint;

/// What the UI asks of the kiosk.
#[derive(Debug, Clone)]
pub enum Command {
    /// A badge was scanned (serial scanner, keyboard wedge or demo button).
    Scan(String),
    /// Cast a visit's ballots, in order.
    Cast {
        /// The voter (present in person).
        voter: MemberId,
        /// One ballot per poll and per member voted for (the voter, or a member they represent).
        ballots: Vec<(MemberId, PollId, Ballot)>,
    },
    /// Check an organiser PIN.
    Pin {
        /// The organiser badge scanned.
        organiser: MemberId,
        /// The PIN typed.
        pin: String,
    },
    /// Write a new poll or correct one not yet opened (organiser).
    DefinePoll(Box<Poll>),
    /// Open a poll.
    OpenPoll(PollId),
    /// Read the settings.
    Settings,
    /// Save the settings page (organiser).
    SaveSettings {
        /// `fr` or `en`.
        default_lang: String,
        /// Voter inactivity timeout, seconds.
        voter_timeout_secs: u64,
        /// The registry's address, or empty for none.
        registry_url: String,
    },
    /// The organiser confirmed the date and time, shifted by this many seconds from the system
    /// clock.
    ConfirmClock(i64),
    /// Write the device's public key to the stick, for enrolment at the registry.
    WriteDeviceKey,
    /// Complete the first-boot setup (mise en service).
    Provision(crate::kiosk::Provisioning),
    /// Close a poll.
    ClosePoll(PollId),
    /// Show a closed poll's result.
    ShowResult(PollId),
    /// Export the signed results.
    Export,
    /// Leave organiser mode.
    Lock,
    /// Refresh the dashboard.
    Refresh,
    /// Look for event packages on the USB stick.
    FindPackages,
    /// The attendance lists (organiser).
    Attendance,
    /// Check a badge without checking anyone in (the organiser's proxy and revocation steps).
    Identify(String),
    /// Record a proxy.
    GrantProxy {
        /// The absent member.
        absent: MemberId,
        /// The holder.
        holder: MemberId,
    },
    /// Withdraw a proxy.
    RevokeProxy(MemberId),
    /// Undo a check-in made by mistake.
    UndoCheckIn(MemberId),
    /// Revoke a lost or stolen badge.
    RevokeBadge(MemberId),
    /// Register a person at the door.
    WalkIn {
        /// Family name.
        last_name: String,
        /// Given name.
        first_name: String,
        /// Collective.
        group: String,
    },
    /// A member leaves the hall.
    CheckOut(MemberId),
    /// Load a package from the stick, signed by the key the screen showed.
    LoadPackage {
        /// The file on the stick.
        file: String,
        /// The organiser key's fingerprint that was shown and confirmed.
        shown: Fingerprint,
    },
    /// Look up the registry's events that have a published package (on a thread of its own).
    RegistryEvents {
        /// The view's number for this request, echoed in the reply.
        request: u64,
    },
    /// Download an event's package from the registry and check it (on a thread of its own).
    FetchPackage {
        /// The view's number for this request, echoed in the reply.
        request: u64,
        /// The event id.
        event: String,
    },
    /// Load a package downloaded from the registry, signed by the key the screen showed.
    LoadFetchedPackage {
        /// The package, as downloaded.
        bytes: Vec<u8>,
        /// The organiser key's fingerprint that was shown and confirmed.
        shown: Fingerprint,
    },
    /// Tests only: reproduce a storage fault on the worker's connection, or lift it.
    #[cfg(feature = "testing")]
    SimulateFault(Option<crate::store::Fault>),
}

/// A failure, with its kind for the screen and the detail for the log and the organiser.
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

/// What the kiosk answers, or what the scanner reports.
#[derive(Debug, Clone)]
pub enum Reply {
    /// The event on this kiosk (sent once at start and after a package is loaded).
    Event(Option<Box<Event>>),
    /// A scan's outcome, or why it could not be recorded.
    Scanned(Result<ScanOutcome, Failure>),
    /// The outcome of casting a visit: the ballots cast, and the first failure if any.
    Cast {
        /// (member, poll) of each ballot durably stored.
        cast: Vec<(MemberId, PollId)>,
        /// The first failure, which stopped the rest.
        failure: Option<((MemberId, PollId), Failure)>,
    },
    /// The PIN's outcome.
    Pin(Result<PinOutcome, Failure>),
    /// The dashboard, after an action or a refresh.
    Dashboard(Result<Dashboard, Failure>),
    /// A closed poll's result (boxed: results are large and replies are moved often).
    Result(Result<Box<(Poll, PollResult)>, Failure>),
    /// An export's outcome.
    Exported(Result<Exported, String>),
    /// An organiser action on the dashboard failed; the dashboard says why.
    Failed(Failure),
    /// The packages on the stick.
    Offers(Result<Vec<PackageOffer>, Failure>),
    /// The attendance lists.
    Attendance(Result<AttendanceLists, Failure>),
    /// A badge read for an organiser step: the member and their name, or why it was refused.
    Identified(Result<Result<(MemberId, String), Refusal>, Failure>),
    /// The outcome of an attendance action (proxy, undo, revocation); the lists follow.
    AttendanceDone(Result<(), Failure>),
    /// A walk-in was registered: their name and the text of their badge's QR code.
    WalkedIn(Result<(String, String), Failure>),
    /// A member checked out.
    CheckedOut(Result<bool, Failure>),
    /// The settings (at start, on the settings page, after a change); `saved` tells a change
    /// apart from a reading.
    Settings {
        /// The settings, or why they could not be read or saved.
        settings: Result<crate::kiosk::Settings, Failure>,
        /// Whether this answers a change.
        saved: bool,
    },
    /// The outcome of writing a poll (the event with it follows in `Event`).
    PollDefined(Result<PollId, Failure>),
    /// The outcome of loading a package (the new event follows in `Event`).
    PackageLoaded(Result<(), Failure>),
    /// The device's public key written to the stick: its file name, or why not.
    DeviceKeyWritten(Result<String, Failure>),
    /// The outcome of the first-boot setup (the settings follow).
    Provisioned(Result<(), Failure>),
    /// From the scanner thread.
    Scanner(ScannerEvent),
    /// From the stick watch thread: a USB stick put in or taken out.
    Stick(crate::stick::StickEvent),
    /// The registry's events that have a published package, or why there are none to show.
    RegistryEvents {
        /// The request answered.
        request: u64,
        /// The registry's address asked (empty when none is set).
        registry: String,
        /// The events, or why not.
        outcome: Result<Vec<EventListing>, FetchError>,
    },
    /// A package downloaded from the registry and checked, or why there is none.
    RegistryPackage {
        /// The request answered.
        request: u64,
        /// The registry's address asked (empty when none is set).
        registry: String,
        /// The package and what the kiosk's checks made of it, or why there is none.
        outcome: Result<Box<Fetched>, FetchError>,
    },
}

/// Wakes the UI thread when replies are waiting.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// Where replies go, from the worker and from the registry threads it starts.
#[derive(Clone)]
struct Outbox {
    replies: Sender<Reply>,
    wake: Waker,
}

impl Outbox {
    fn send(&self, reply: Reply) {
        if self.replies.send(reply).is_ok() {
            (self.wake)();
        }
    }
}

/// The worker and the channels to talk to it.
#[derive(Debug)]
pub struct Worker {
    commands: Sender<Command>,
    replies: Sender<Reply>,
    thread: Option<JoinHandle<()>>,
}

/// The UI's end: where replies arrive.
#[derive(Debug)]
pub struct Inbox {
    /// Replies, in order.
    pub replies: Receiver<Reply>,
}

impl Worker {
    /// Starts the worker thread around `kiosk`.
    pub fn spawn(kiosk: Kiosk, waker: Waker) -> std::io::Result<(Self, Inbox)> {
        let (commands, inbox) = mpsc::channel::<Command>();
        let (replies, out) = mpsc::channel::<Reply>();
        let outbox = Outbox {
            replies: replies.clone(),
            wake: waker.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("kiosk-worker".into())
            .spawn(move || {
                let mut kiosk = kiosk;
                outbox.send(Reply::Event(kiosk.event().cloned().map(Box::new)));
                // The language and timeout the organiser chose on an earlier evening.
                outbox.send(Reply::Settings {
                    settings: kiosk.settings().map_err(Failure::from),
                    saved: false,
                });
                for command in inbox {
                    handle(&mut kiosk, command, &outbox);
                }
            })?;
        Ok((
            Self {
                commands,
                replies,
                thread: Some(thread),
            },
            Inbox { replies: out },
        ))
    }

    /// A sender of commands for the UI.
    pub fn commands(&self) -> Sender<Command> {
        self.commands.clone()
    }

    /// A sender into the UI's inbox, for the scanner thread.
    pub fn inbox_sender(&self) -> Sender<Reply> {
        self.replies.clone()
    }
}

impl Worker {
    /// Waits for the worker to finish what it holds, once every command sender (this one and
    /// the UI's) is gone: a cast in progress is never cut short.
    pub fn join(mut self) {
        let thread = self.thread.take();
        drop(self);
        if let Some(t) = thread {
            let _ = t.join();
        }
    }
}

fn handle(kiosk: &mut Kiosk, command: Command, outbox: &Outbox) {
    let send = |reply: Reply| outbox.send(reply);
    let dashboard = |kiosk: &Kiosk| Reply::Dashboard(kiosk.dashboard().map_err(Failure::from));
    match command {
        Command::Scan(payload) => send(Reply::Scanned(kiosk.scan(&payload).map_err(Failure::from))),
        Command::Cast { voter, ballots } => {
            let mut cast = Vec::new();
            let mut failure = None;
            for (member, poll, ballot) in ballots {
                match kiosk.cast(&voter, &member, &poll, ballot) {
                    Ok(()) => cast.push((member, poll)),
                    Err(e) => {
                        failure = Some(((member, poll), Failure::from(e)));
                        break;
                    }
                }
            }
            send(Reply::Cast { cast, failure });
        }
        Command::Pin { organiser, pin } => {
            let outcome = kiosk.unlock(&organiser, &pin).map_err(Failure::from);
            let unlocked = outcome == Ok(PinOutcome::Unlocked);
            send(Reply::Pin(outcome));
            if unlocked {
                send(dashboard(kiosk));
            }
        }
        Command::DefinePoll(poll) => {
            let outcome = kiosk.define_poll(*poll).map_err(Failure::from);
            let defined = outcome.is_ok();
            send(Reply::PollDefined(outcome));
            if defined {
                send(Reply::Event(kiosk.event().cloned().map(Box::new)));
                send(dashboard(kiosk));
            }
        }
        Command::Settings => send(Reply::Settings {
            settings: kiosk.settings().map_err(Failure::from),
            saved: false,
        }),
        Command::SaveSettings {
            default_lang,
            voter_timeout_secs,
            registry_url,
        } => send(Reply::Settings {
            settings: kiosk
                .save_settings(&default_lang, voter_timeout_secs, &registry_url)
                .map_err(Failure::from),
            saved: true,
        }),
        Command::ConfirmClock(offset) => send(Reply::Settings {
            settings: kiosk.confirm_clock(offset).map_err(Failure::from),
            saved: true,
        }),
        Command::WriteDeviceKey => {
            send(Reply::DeviceKeyWritten(
                kiosk.write_device_key().map_err(Failure::from),
            ));
        }
        Command::Provision(setup) => {
            let outcome = kiosk.provision(&setup).map_err(Failure::from);
            let done = outcome.is_ok();
            send(Reply::Provisioned(outcome));
            if done {
                send(Reply::Settings {
                    settings: kiosk.settings().map_err(Failure::from),
                    saved: false,
                });
            }
        }
        Command::OpenPoll(poll) => {
            if let Err(e) = kiosk.open_poll(&poll) {
                send(Reply::Failed(Failure::from(e)));
            }
            send(dashboard(kiosk));
        }
        Command::ClosePoll(poll) => {
            match kiosk.close_poll(&poll) {
                Ok(result) => {
                    if let Some(definition) = kiosk.event().and_then(|e| e.poll(&poll)).cloned() {
                        send(Reply::Result(Ok(Box::new((definition, result)))));
                    }
                }
                Err(e) => send(Reply::Failed(Failure::from(e))),
            }
            send(dashboard(kiosk));
        }
        Command::ShowResult(poll) => {
            let reply = match (
                kiosk.result(&poll),
                kiosk.event().and_then(|e| e.poll(&poll)),
            ) {
                (Ok(Some(result)), Some(definition)) => Ok(Box::new((definition.clone(), result))),
                // Only a closed poll has a result: the button was pressed on a stale dashboard.
                (Ok(_), _) => Err(Failure::from(KioskError::PollState(poll))),
                (Err(e), _) => Err(Failure::from(e)),
            };
            send(Reply::Result(reply));
        }
        Command::Export => {
            send(Reply::Exported(kiosk.export(false).map_err(|e| match e {
                // The dashboard is in French; a stick's trouble is said in plain words there.
                KioskError::Usb(usb) => usb.message(urne_core::tally::Lang::Fr),
                KioskError::Unverifiable(reason) => format!(
                    "le bundle a été écrit sur la clé mais ne se vérifie pas ({reason}) ; aucun procès-verbal n'a été imprimé : prévenez le responsable du registre"
                ),
                other => other.to_string(),
            })));
            send(dashboard(kiosk));
        }
        Command::Lock => kiosk.lock(),
        Command::Refresh => {
            if kiosk.is_unlocked() {
                send(dashboard(kiosk));
            }
        }
        Command::Attendance => send(Reply::Attendance(
            kiosk.attendance_lists().map_err(Failure::from),
        )),
        Command::Identify(payload) => send(Reply::Identified(
            kiosk.identify(&payload).map_err(Failure::from),
        )),
        Command::GrantProxy { absent, holder } => {
            send(Reply::AttendanceDone(
                kiosk.grant_proxy(&absent, &holder).map_err(Failure::from),
            ));
            send(Reply::Attendance(
                kiosk.attendance_lists().map_err(Failure::from),
            ));
        }
        Command::RevokeProxy(absent) => {
            send(Reply::AttendanceDone(
                kiosk.revoke_proxy(&absent).map_err(Failure::from),
            ));
            send(Reply::Attendance(
                kiosk.attendance_lists().map_err(Failure::from),
            ));
        }
        Command::UndoCheckIn(member) => {
            send(Reply::AttendanceDone(
                kiosk
                    .undo_check_in(&member)
                    .map(|_| ())
                    .map_err(Failure::from),
            ));
            send(Reply::Attendance(
                kiosk.attendance_lists().map_err(Failure::from),
            ));
        }
        Command::RevokeBadge(member) => {
            send(Reply::AttendanceDone(
                kiosk.revoke_badge(&member).map_err(Failure::from),
            ));
            send(Reply::Attendance(
                kiosk.attendance_lists().map_err(Failure::from),
            ));
        }
        Command::WalkIn {
            last_name,
            first_name,
            group,
        } => send(Reply::WalkedIn(
            kiosk
                .register_walk_in(&last_name, &first_name, &group)
                .map(|(member, badge)| (member.display_name(), badge))
                .map_err(Failure::from),
        )),
        Command::CheckOut(member) => send(Reply::CheckedOut(
            kiosk.check_out(&member).map_err(Failure::from),
        )),
        Command::FindPackages => send(Reply::Offers(kiosk.package_offers().map_err(Failure::from))),
        Command::LoadPackage { file, shown } => {
            let outcome = kiosk.load_package_from_usb(&file, &shown);
            let loaded = outcome.is_ok();
            send(Reply::PackageLoaded(outcome.map_err(Failure::from)));
            if loaded {
                send(Reply::Event(kiosk.event().cloned().map(Box::new)));
            }
        }
        Command::RegistryEvents { request } => look_up_events(kiosk, request, outbox),
        Command::FetchPackage { request, event } => fetch_package(kiosk, request, event, outbox),
        Command::LoadFetchedPackage { bytes, shown } => {
            let outcome = kiosk.load_package_from_registry(&bytes, &shown);
            let loaded = outcome.is_ok();
            send(Reply::PackageLoaded(outcome.map_err(Failure::from)));
            if loaded {
                send(Reply::Event(kiosk.event().cloned().map(Box::new)));
            }
        }
        #[cfg(feature = "testing")]
        Command::SimulateFault(fault) => {
            if let Err(e) = kiosk.store().simulate_fault(fault) {
                send(Reply::Failed(Failure::from(KioskError::from(e))));
            }
        }
    }
}

/// The registry's address, or the reply that says why there is none to ask.
fn registry_url(kiosk: &Kiosk) -> Result<String, FetchError> {
    match kiosk.registry_url() {
        Ok(Some(url)) => Ok(url),
        Ok(None) => Err(FetchError::NoAddress),
        Err(e) => Err(FetchError::Failed(e.to_string())),
    }
}

/// Starts the lookup of the registry's events; its thread replies.
fn look_up_events(kiosk: &Kiosk, request: u64, outbox: &Outbox) {
    let url = match registry_url(kiosk) {
        Ok(url) => url,
        Err(e) => {
            return outbox.send(Reply::RegistryEvents {
                request,
                registry: String::new(),
                outcome: Err(e),
            });
        }
    };
    let out = outbox.clone();
    let registry = url.clone();
    let started = fetch::look_up_events(url.clone(), move |outcome| {
        out.send(Reply::RegistryEvents {
            request,
            registry,
            outcome,
        });
    });
    if let Err(e) = started {
        tracing::error!(error = %e, "cannot start the registry lookup");
        outbox.send(Reply::RegistryEvents {
            request,
            registry: url,
            outcome: Err(FetchError::Failed(e.to_string())),
        });
    }
}

/// Starts the download of an event's package; its thread checks it and replies.
fn fetch_package(kiosk: &Kiosk, request: u64, event: String, outbox: &Outbox) {
    let answer = |registry: String, outcome| Reply::RegistryPackage {
        request,
        registry,
        outcome,
    };
    let url = match registry_url(kiosk) {
        Ok(url) => url,
        Err(e) => return outbox.send(answer(String::new(), Err(e))),
    };
    let pinned = match kiosk.pinned_organiser() {
        Ok(pinned) => pinned,
        Err(e) => return outbox.send(answer(url, Err(FetchError::Failed(e.to_string())))),
    };
    let out = outbox.clone();
    let registry = url.clone();
    let started = fetch::fetch_package(
        url.clone(),
        event,
        kiosk.device_key(),
        pinned,
        move |outcome| {
            out.send(Reply::RegistryPackage {
                request,
                registry,
                outcome: outcome.map(Box::new),
            });
        },
    );
    if let Err(e) = started {
        tracing::error!(error = %e, "cannot start the registry download");
        outbox.send(answer(url, Err(FetchError::Failed(e.to_string()))));
    }
}
