//! A real registry for the kiosk's tests: `urne-registry`'s server (its axum router
//! over its SQLite store) on 127.0.0.1 with a port chosen by the system, served from a thread
//! of its own and stopped when dropped.

pub mod reading;
pub mod worker;

use std::path::Path;
use std::sync::Arc;
use std::thread::JoinHandle;

use urne_core::crypto::{PublicKey, SecretKey};
use urne_registry::{Limits, Registry, SqliteStore, serve};

/// A registry answering at [`TestRegistry::url`].
pub struct TestRegistry {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    registry: Registry,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TestRegistry {
    /// Starts an empty registry with its database in `dir`.
    pub fn start(dir: &Path) -> Self {
        let store = SqliteStore::open(&dir.join("registry.sqlite")).expect("registry store");
        let registry = Registry::new(
            Arc::new(store),
            SecretKey::from_seed(&[0x5e; 32]),
            urne_codec::os::system_clock,
            Limits::default(),
        );
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let url = format!("http://{}", listener.local_addr().expect("its address"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = registry.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                serve(listener, served, async {
                    let _ = stopped.await;
                })
                .await
                .expect("the registry serves");
            });
        });
        Self {
            url,
            registry,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Enrols a kiosk's device key and assigns it to the demo event.
    pub fn enrol_kiosk(&self, device: &PublicKey) {
        self.registry
            .store()
            .enrol("kiosque de test", device)
            .expect("the kiosk is enrolled");
        self.registry
            .store()
            .assign(
                urne_kiosk::demo::package().package.event.id.as_str(),
                &device.fingerprint(),
                "2026-12-01T10:00:00Z",
            )
            .expect("the kiosk is assigned");
    }

    /// Enrols an organiser key for an event.
    pub fn enrol_organiser(&self, event: &str, organiser: &PublicKey) {
        self.registry
            .store()
            .enrol_organiser(event, "bureau de test", organiser)
            .expect("the organiser is enrolled");
    }

    /// Publishes a package (signed by an organiser key enrolled for its event).
    pub fn publish(&self, package: &[u8]) {
        self.registry
            .publish(package)
            .expect("the package is published");
    }

    /// The demo assembly's registry: its organiser enrolled and its package published.
    pub fn demo(dir: &Path) -> Self {
        let registry = Self::start(dir);
        let built = urne_kiosk::demo::package();
        registry.enrol_organiser(
            built.package.event.id.as_str(),
            &urne_kiosk::demo::organiser_key().public(),
        );
        registry.publish(&built.bytes);
        registry
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// An address where nothing listens: a port the system gave, then closed.
pub fn closed_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let address = listener.local_addr().expect("its address");
    drop(listener);
    format!("http://{address}")
}

/// The ballots of a demo poll: those written in clear once it was counted, and those still in
/// its sealed box, opened with the published test key the demo seals to (the demo's ballots are
/// no vote) — what the voters cast, read as the count would.
pub fn demo_box(
    store: &urne_kiosk::store::Store,
    poll: &str,
) -> Vec<urne_core::ballot::WeightedBallot> {
    use urne_core::sealed::{self, BoxId, TallySecretKey};
    let event = urne_kiosk::demo::package().package.event;
    let id = urne_core::ids::PollId::new(poll).unwrap();
    let definition = event.poll(&id).expect("a demo poll");
    let mut ballots = store.ballots(&id).unwrap();
    let Some(on_card) = store.sealed_box(&id).unwrap() else {
        return ballots;
    };
    let key = TallySecretKey::test();
    let box_id = BoxId::of(&event.id, definition);
    for c in &on_card.ciphertexts {
        ballots.push(sealed::open(&key, &box_id, c, sealed::padded_len(definition)).unwrap());
    }
    ballots
}
