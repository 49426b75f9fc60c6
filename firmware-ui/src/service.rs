//! The kiosk's word to systemd (deploy/urne-kiosk.service, `Type=notify`): « ready » once the
//! first frame is on screen, a keep-alive from the UI thread's event loop at half the watchdog
//! period, and « stopping » on the way out.
//!
//! The keep-alive is sent by a `slint::Timer`, on the thread that draws the screens, on purpose:
//! if that thread hangs — a deadlock, a render that never ends — the keep-alives stop, systemd's
//! watchdog fires and the kiosk is restarted, which is what a frozen touchscreen in a meeting
//! hall needs. A keep-alive sent from a thread of its own would keep a frozen screen alive.
//!
//! The channel sits behind the small [`Notifier`] trait: [`SocketNotifier`] writes datagrams to
//! `$NOTIFY_SOCKET` (the protocol of sd_notify(3): `KEY=VALUE` lines in one datagram, to a
//! Unix datagram socket whose address is a path or, starting with `@`, an abstract name);
//! [`FakeNotifier`] records what it was told. Both pass the same contract tests
//! (`firmware-ui/tests/service.rs`). On a desktop, without `NOTIFY_SOCKET`, nothing is sent and
//! nothing fails. This is a local socket to the service manager, never the network.

use std::ffi::{OsStr, OsString};
use std::os::unix::net::UnixDatagram;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the kiosk tells the service manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// Started: the first frame is on screen (`READY=1`).
    Ready,
    /// Still alive: the UI thread's event loop turned (`WATCHDOG=1`).
    Watchdog,
    /// On the way out (`STOPPING=1`).
    Stopping,
}

impl Notice {
    /// The datagram's text, as sd_notify(3) defines it.
    pub fn message(self) -> &'static str {
        match self {
            Self::Ready => "READY=1",
            Self::Watchdog => "WATCHDOG=1",
            Self::Stopping => "STOPPING=1",
        }
    }
}

/// Why a notice could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// `NOTIFY_SOCKET` holds no address a Unix socket can be aimed at.
    #[error("NOTIFY_SOCKET is not a socket address: {0:?}")]
    BadAddress(OsString),
    /// The socket could not be created, reached or written.
    #[error("cannot notify the service manager: {0}")]
    Io(#[from] std::io::Error),
}

/// Where notices go.
pub trait Notifier {
    /// Sends one notice.
    fn notify(&self, notice: Notice) -> Result<(), NotifyError>;
}

/// The service manager's notification socket.
#[derive(Debug)]
pub struct SocketNotifier {
    socket: UnixDatagram,
}

impl SocketNotifier {
    /// A notifier aimed at `address`, as `NOTIFY_SOCKET` gives it: an absolute path, or `@name`
    /// for a socket in Linux's abstract namespace.
    pub fn connect(address: &OsStr) -> Result<Self, NotifyError> {
        use std::os::unix::ffi::OsStrExt;
        let bytes = address.as_bytes();
        let socket = UnixDatagram::unbound()?;
        match bytes.first() {
            Some(b'/') => socket.connect(address)?,
            Some(b'@') => connect_abstract(&socket, &bytes[1..])?,
            _ => return Err(NotifyError::BadAddress(address.to_owned())),
        }
        Ok(Self { socket })
    }
}

#[cfg(target_os = "linux")]
fn connect_abstract(socket: &UnixDatagram, name: &[u8]) -> std::io::Result<()> {
    use std::os::linux::net::SocketAddrExt;
    let address = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
    socket.connect_addr(&address)
}

#[cfg(not(target_os = "linux"))]
fn connect_abstract(_socket: &UnixDatagram, _name: &[u8]) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "abstract socket addresses exist on Linux only",
    ))
}

impl Notifier for SocketNotifier {
    fn notify(&self, notice: Notice) -> Result<(), NotifyError> {
        let message = notice.message().as_bytes();
        let sent = self.socket.send(message)?;
        if sent == message.len() {
            Ok(())
        } else {
            Err(NotifyError::Io(std::io::Error::new(
                std::io::ErrorKind::WriteZero,
                "the notice was cut short",
            )))
        }
    }
}

/// A notifier that remembers what it was told (tests). Clones share the record.
#[derive(Debug, Clone, Default)]
pub struct FakeNotifier {
    sent: Arc<Mutex<Vec<Notice>>>,
}

impl FakeNotifier {
    /// The notices sent so far, in order.
    pub fn sent(&self) -> Vec<Notice> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Notifier for FakeNotifier {
    fn notify(&self, notice: Notice) -> Result<(), NotifyError> {
        self.sent
            .lock()
            .map_err(|_| NotifyError::Io(std::io::Error::other("the record was poisoned")))?
            .push(notice);
        Ok(())
    }
}

/// The shortest keep-alive interval: a watchdog of a few microseconds (a typo in a unit file)
/// must not turn the UI thread into a busy loop.
const SHORTEST_KEEPALIVE: Duration = Duration::from_millis(10);

/// What the service manager asked for, read from the environment it started the kiosk with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceEnv {
    /// `NOTIFY_SOCKET`: where notices go; none when not started by systemd with `Type=notify`.
    pub socket: Option<OsString>,
    /// `WATCHDOG_USEC`: the watchdog period, when it is meant for this process.
    pub watchdog: Option<Duration>,
}

impl ServiceEnv {
    /// Reads the variables through `var`, for the process `pid`. `WATCHDOG_USEC` counts only if
    /// `WATCHDOG_PID` is unset or names `pid` (sd_watchdog_enabled(3): a child that inherited the
    /// variables must not take the parent's watchdog for its own), and only if it is a positive
    /// whole number of microseconds.
    pub fn from_vars(var: impl Fn(&str) -> Option<OsString>, pid: u32) -> Self {
        let socket = var("NOTIFY_SOCKET").filter(|s| !s.is_empty());
        let for_us = var("WATCHDOG_PID").is_none_or(|p| p.to_str() == Some(&pid.to_string()));
        let watchdog = var("WATCHDOG_USEC")
            .and_then(|v| v.to_str().and_then(|v| v.parse::<u64>().ok()))
            .filter(|&usec| usec > 0 && for_us)
            .map(Duration::from_micros);
        Self { socket, watchdog }
    }

    /// Reads this process's environment.
    pub fn from_process() -> Self {
        Self::from_vars(|name| std::env::var_os(name), std::process::id())
    }

    /// How often to send `WATCHDOG=1`: half the period, as sd_watchdog_enabled(3) recommends, so
    /// that one late turn of the event loop does not get the kiosk killed. None without a
    /// socket to send it to or without a watchdog.
    pub fn keepalive_interval(&self) -> Option<Duration> {
        self.socket.as_ref()?;
        self.watchdog.map(|w| (w / 2).max(SHORTEST_KEEPALIVE))
    }
}

/// The kiosk's link to its service manager: a notifier (or none) and the keep-alive interval.
pub struct Service {
    notifier: Option<Box<dyn Notifier>>,
    keepalive: Option<Duration>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("notifies", &self.notifier.is_some())
            .field("keepalive", &self.keepalive)
            .finish()
    }
}

impl Service {
    /// A link through `notifier`, with keep-alives every `keepalive` if set.
    pub fn new(notifier: Box<dyn Notifier>, keepalive: Option<Duration>) -> Self {
        Self {
            notifier: Some(notifier),
            keepalive,
        }
    }

    /// No service manager (a desktop, a terminal): nothing is sent.
    pub fn none() -> Self {
        Self {
            notifier: None,
            keepalive: None,
        }
    }

    /// The link `env` describes. A socket that cannot be reached is logged and the kiosk runs
    /// without it: the screen matters more than the service manager's bookkeeping (and under
    /// `Type=notify` systemd will say the kiosk never became ready).
    pub fn from_env(env: &ServiceEnv) -> Self {
        let Some(address) = &env.socket else {
            return Self::none();
        };
        match SocketNotifier::connect(address) {
            Ok(notifier) => Self::new(Box::new(notifier), env.keepalive_interval()),
            Err(e) => {
                tracing::error!(error = %e, "cannot reach the service manager");
                Self::none()
            }
        }
    }

    /// The link this process was started with.
    pub fn from_process() -> Self {
        Self::from_env(&ServiceEnv::from_process())
    }

    /// How often keep-alives are sent, if at all.
    pub fn keepalive_interval(&self) -> Option<Duration> {
        self.keepalive
    }

    /// Sends `notice`; a failure is logged, never raised (see [`Service::from_env`]).
    pub fn notify(&self, notice: Notice) {
        if let Some(notifier) = &self.notifier
            && let Err(e) = notifier.notify(notice)
        {
            tracing::warn!(error = %e, notice = notice.message(), "service manager notice lost");
        }
    }

    /// Ties the link to the current thread's Slint event loop: `READY=1` at the loop's second
    /// turn — Slint's platforms draw a frame after the timers of a turn have run, so the second
    /// turn's timers run after the first frame was drawn —, `WATCHDOG=1` from a timer of this
    /// thread at the keep-alive interval, and `STOPPING=1` when the returned guard is dropped.
    /// Call it on the UI thread, before the event loop runs, and keep the guard until it ends.
    pub fn attach_to_event_loop(self) -> EventLoopLink {
        let service = Rc::new(self);
        let ready = Rc::clone(&service);
        slint::Timer::single_shot(Duration::ZERO, move || {
            slint::Timer::single_shot(Duration::ZERO, move || ready.notify(Notice::Ready));
        });
        let keepalive = slint::Timer::default();
        if let Some(interval) = service.keepalive {
            let alive = Rc::clone(&service);
            keepalive.start(slint::TimerMode::Repeated, interval, move || {
                alive.notify(Notice::Watchdog)
            });
        }
        EventLoopLink {
            service,
            _keepalive: keepalive,
        }
    }
}

/// The link tied to the UI thread's event loop (see [`Service::attach_to_event_loop`]). Dropping
/// it stops the keep-alives and sends `STOPPING=1`.
pub struct EventLoopLink {
    service: Rc<Service>,
    _keepalive: slint::Timer,
}

impl std::fmt::Debug for EventLoopLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventLoopLink")
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

impl Drop for EventLoopLink {
    fn drop(&mut self) {
        self.service.notify(Notice::Stopping);
    }
}
