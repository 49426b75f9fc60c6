//! The kiosk's word to systemd: the real notifier (a datagram to a socket this test binds itself,
//! by path and by abstract name) and the fake pass the same contract; the keep-alive interval is
//! half of `WATCHDOG_USEC`; without `NOTIFY_SOCKET` nothing is sent and nothing breaks; and on
//! the UI thread's event loop the kiosk says READY=1, then WATCHDOG=1 only while the loop
//! turns, then STOPPING=1.

use std::ffi::OsString;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::time::Duration;

use urne_kiosk::service::{
    FakeNotifier, Notice, Notifier, NotifyError, Service, ServiceEnv, SocketNotifier,
};
use urne_kiosk::ui_testing::init_headless;

/// A socket standing for systemd's: bound by the test, read with a timeout.
struct Manager {
    socket: UnixDatagram,
    address: OsString,
    _dir: Option<tempfile::TempDir>,
}

impl Manager {
    /// Bound to a path in a fresh temporary folder.
    fn at_path() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path: PathBuf = dir.path().join("notify");
        let socket = UnixDatagram::bind(&path).unwrap();
        Self::ready(socket, path.into_os_string(), Some(dir))
    }

    /// Bound to a name in Linux's abstract namespace, as `@name`.
    fn abstract_name() -> Self {
        use std::os::linux::net::SocketAddrExt;
        let name = format!(
            "urne-notify-test-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        let address = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let socket = UnixDatagram::bind_addr(&address).unwrap();
        Self::ready(socket, OsString::from(format!("@{name}")), None)
    }

    fn ready(socket: UnixDatagram, address: OsString, dir: Option<tempfile::TempDir>) -> Self {
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        Self {
            socket,
            address,
            _dir: dir,
        }
    }

    /// The next datagram, as text.
    fn receive(&self) -> String {
        let mut buffer = [0u8; 4096];
        let n = self.socket.recv(&mut buffer).expect("a notice arrives");
        String::from_utf8(buffer[..n].to_vec()).unwrap()
    }

    /// Whether a datagram is waiting, without waiting for one.
    fn anything_waiting(&self) -> bool {
        self.socket.set_nonblocking(true).unwrap();
        let mut buffer = [0u8; 4096];
        let waiting = self.socket.recv(&mut buffer).is_ok();
        self.socket.set_nonblocking(false).unwrap();
        waiting
    }
}

/// The contract every notifier keeps: each notice arrives whole, on its own, in order, with the
/// text sd_notify(3) defines. `received` reads back what the other side got.
fn contract(notifier: &dyn Notifier, received: &dyn Fn() -> String) {
    for (notice, text) in [
        (Notice::Ready, "READY=1"),
        (Notice::Watchdog, "WATCHDOG=1"),
        (Notice::Watchdog, "WATCHDOG=1"),
        (Notice::Stopping, "STOPPING=1"),
    ] {
        notifier.notify(notice).unwrap();
        assert_eq!(received(), text);
    }
}

#[test]
fn the_socket_notifier_keeps_the_contract_at_a_path() {
    let manager = Manager::at_path();
    let notifier = SocketNotifier::connect(&manager.address).unwrap();
    contract(&notifier, &|| manager.receive());
}

#[test]
fn the_socket_notifier_keeps_the_contract_at_an_abstract_address() {
    let manager = Manager::abstract_name();
    assert!(manager.address.to_str().unwrap().starts_with('@'));
    let notifier = SocketNotifier::connect(&manager.address).unwrap();
    contract(&notifier, &|| manager.receive());
}

#[test]
fn the_fake_notifier_keeps_the_contract() {
    let fake = FakeNotifier::default();
    let read = fake.clone();
    let seen = std::cell::Cell::new(0);
    contract(&fake, &|| {
        let sent = read.sent();
        let next = sent[seen.get()];
        seen.set(seen.get() + 1);
        assert_eq!(sent.len(), seen.get(), "one notice at a time");
        next.message().to_owned()
    });
}

#[test]
fn a_socket_notifier_refuses_what_is_not_a_socket_address() {
    for address in ["", "relative/notify", "notify"] {
        assert!(matches!(
            SocketNotifier::connect(&OsString::from(address)),
            Err(NotifyError::BadAddress(_))
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        SocketNotifier::connect(dir.path().join("nobody-listens").as_os_str()),
        Err(NotifyError::Io(_))
    ));
}

#[test]
fn a_vanished_manager_is_an_error_for_the_notifier_and_nothing_for_the_kiosk() {
    let manager = Manager::at_path();
    let notifier = SocketNotifier::connect(&manager.address).unwrap();
    let Manager { socket, _dir, .. } = manager;
    drop(socket);
    assert!(notifier.notify(Notice::Watchdog).is_err());
    // The kiosk's side logs it and goes on.
    Service::new(Box::new(notifier), None).notify(Notice::Watchdog);
}

fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
    let pairs: Vec<(String, OsString)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), OsString::from(v)))
        .collect();
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

#[test]
fn the_keepalive_interval_is_half_of_watchdog_usec() {
    let env = ServiceEnv::from_vars(
        vars(&[
            ("NOTIFY_SOCKET", "/run/systemd/notify"),
            ("WATCHDOG_USEC", "30000000"),
        ]),
        4242,
    );
    assert_eq!(env.socket, Some(OsString::from("/run/systemd/notify")));
    assert_eq!(env.watchdog, Some(Duration::from_secs(30)));
    assert_eq!(env.keepalive_interval(), Some(Duration::from_secs(15)));

    // WATCHDOG_PID naming this process, or another one (an inherited variable).
    let ours = ServiceEnv::from_vars(
        vars(&[
            ("NOTIFY_SOCKET", "@notify"),
            ("WATCHDOG_USEC", "5000000"),
            ("WATCHDOG_PID", "4242"),
        ]),
        4242,
    );
    assert_eq!(ours.keepalive_interval(), Some(Duration::from_millis(2500)));
    let theirs = ServiceEnv::from_vars(
        vars(&[
            ("NOTIFY_SOCKET", "@notify"),
            ("WATCHDOG_USEC", "5000000"),
            ("WATCHDOG_PID", "1"),
        ]),
        4242,
    );
    assert_eq!(theirs.watchdog, None);
    assert_eq!(theirs.keepalive_interval(), None);

    // Not a positive number of microseconds: no watchdog.
    for usec in ["0", "-5", "thirty", ""] {
        let env = ServiceEnv::from_vars(
            vars(&[("NOTIFY_SOCKET", "@notify"), ("WATCHDOG_USEC", usec)]),
            4242,
        );
        assert_eq!(env.keepalive_interval(), None, "WATCHDOG_USEC={usec}");
    }
    // A watchdog of a few microseconds does not make the UI thread spin.
    let tiny = ServiceEnv::from_vars(
        vars(&[("NOTIFY_SOCKET", "@notify"), ("WATCHDOG_USEC", "6")]),
        4242,
    );
    assert_eq!(tiny.keepalive_interval(), Some(Duration::from_millis(10)));

    // A watchdog but nowhere to send keep-alives to.
    let nowhere = ServiceEnv::from_vars(vars(&[("WATCHDOG_USEC", "30000000")]), 4242);
    assert_eq!(nowhere.keepalive_interval(), None);
}

#[test]
fn without_notify_socket_nothing_is_sent_and_nothing_breaks() {
    let desktop = ServiceEnv::from_vars(vars(&[]), 4242);
    assert_eq!(desktop, ServiceEnv::default());
    let service = Service::from_env(&desktop);
    assert_eq!(service.keepalive_interval(), None);
    service.notify(Notice::Ready);
    // On the event loop too: the timers run, send nothing, and the link drops quietly.
    init_headless();
    let link = service.attach_to_event_loop();
    for _ in 0..3 {
        i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(60));
    }
    drop(link);

    // An unreachable socket is logged, and the kiosk runs as on a desktop.
    let dir = tempfile::tempdir().unwrap();
    let gone = ServiceEnv {
        socket: Some(dir.path().join("nobody").into_os_string()),
        watchdog: Some(Duration::from_secs(30)),
    };
    let service = Service::from_env(&gone);
    assert_eq!(service.keepalive_interval(), None);
    service.notify(Notice::Ready);
}

#[test]
fn on_the_event_loop_ready_comes_after_a_turn_keepalives_follow_the_loop_and_stopping_ends() {
    init_headless();
    let fake = FakeNotifier::default();
    let link =
        Service::new(Box::new(fake.clone()), Some(Duration::from_secs(15))).attach_to_event_loop();
    assert_eq!(fake.sent(), vec![], "nothing before the loop turns");
    // First turn: its frame is drawn after its timers, so READY=1 waits for the second turn.
    i_slint_backend_testing::mock_elapsed_time(Duration::ZERO);
    assert_eq!(fake.sent(), vec![]);
    i_slint_backend_testing::mock_elapsed_time(Duration::ZERO);
    assert_eq!(fake.sent(), vec![Notice::Ready]);
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(14));
    assert_eq!(fake.sent(), vec![Notice::Ready]);
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(1));
    assert_eq!(fake.sent(), vec![Notice::Ready, Notice::Watchdog]);
    for _ in 0..3 {
        i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(15));
    }
    assert_eq!(
        fake.sent(),
        vec![
            Notice::Ready,
            Notice::Watchdog,
            Notice::Watchdog,
            Notice::Watchdog,
            Notice::Watchdog
        ]
    );
    drop(link);
    assert_eq!(fake.sent().last(), Some(&Notice::Stopping));
    let after = fake.sent().len();
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(60));
    assert_eq!(fake.sent().len(), after, "no keep-alive after stopping");
}

#[test]
fn through_a_real_socket_keepalives_come_only_while_the_ui_loop_turns() {
    init_headless();
    let manager = Manager::at_path();
    let env = ServiceEnv {
        socket: Some(manager.address.clone()),
        watchdog: Some(Duration::from_millis(100)),
    };
    let service = Service::from_env(&env);
    assert_eq!(
        service.keepalive_interval(),
        Some(Duration::from_millis(50))
    );
    let link = service.attach_to_event_loop();
    i_slint_backend_testing::mock_elapsed_time(Duration::ZERO);
    i_slint_backend_testing::mock_elapsed_time(Duration::ZERO);
    assert_eq!(manager.receive(), "READY=1");
    // A UI thread that does not come back to its event loop (a hang) sends nothing, however
    // long it lasts: no other thread speaks for it, so systemd's watchdog can fire.
    std::thread::sleep(Duration::from_millis(300));
    assert!(!manager.anything_waiting());
    // As soon as the loop turns again, the keep-alive goes out.
    i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(50));
    assert_eq!(manager.receive(), "WATCHDOG=1");
    i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(50));
    assert_eq!(manager.receive(), "WATCHDOG=1");
    drop(link);
    assert_eq!(manager.receive(), "STOPPING=1");
    assert!(!manager.anything_waiting());
}
