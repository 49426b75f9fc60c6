//! What the scenarios share: the demo assembly's files and how its package is built (for
//! variants signed by other keys, and for `demo_package`'s check of the committed one), real
//! kiosk evenings that export real bundles, and a registry served over HTTP on 127.0.0.1, in
//! this process or as the `urne-registry` binary.

#![allow(dead_code)] // Each scenario module uses its own part of this one.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use tempfile::TempDir;
use urne_codec::package::Signed;
use urne_core::credential::Role;
use urne_core::crypto::{Fingerprint, SecretKey};
use urne_core::timestamp::Timestamp;
use urne_kiosk::clock::FakeClock;
use urne_kiosk::keystore::MemoryKeyStore;
use urne_kiosk::kiosk::{Kiosk, ScanOutcome};
use urne_kiosk::usb::FolderTarget;
use urne_registry::{Limits, Registry, RegistryStore, SqliteStore};

/// The demo event description.
pub const DEMO_EVENT_TOML: &str = include_str!("../../../demo/assemblee-demo.toml");
/// The demo roster (150 members, UTF-8 with BOM, `;`).
pub const DEMO_ROSTER_CSV: &[u8] = include_bytes!("../../../demo/roster.csv");
/// The seed of the generator that draws the demo members' ids.
pub const DEMO_RNG_SEED: u64 = 0x00B1_E11E_5EED;
/// When the demo package was built: 2026-11-12, the date of the charter's draft.
pub const DEMO_CREATED: Timestamp = Timestamp(1_794_441_600);

/// One exported bundle.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// Its sequence number.
    pub seq: u64,
    /// SHA-256 of the file.
    pub digest: String,
    /// The file.
    pub bytes: Vec<u8>,
}

/// A kiosk that ran an evening and exported it `exports` times.
pub struct Evening {
    /// The kiosk (its store holds the outbox).
    pub kiosk: Kiosk,
    /// Its exports, in order.
    pub bundles: Vec<Bundle>,
    /// The kiosk's device key.
    pub device: SecretKey,
    _dir: TempDir,
}

/// A package of the demo assembly signed by `organiser` (the demo's own key, or a stranger's),
/// built from the demo's files as the committed package is (`demo_package`).
pub fn demo_package(organiser: &SecretKey) -> Signed {
    use urne_core::rand_core::SeedableRng;
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(DEMO_RNG_SEED);
    let built = urne_organiser::package::build(
        DEMO_EVENT_TOML,
        DEMO_ROSTER_CSV,
        organiser,
        &mut rng,
        DEMO_CREATED,
        false,
        urne_organiser::package::Sealing::TestKey,
    )
    .expect("the demo assembly is valid");
    Signed {
        package: built.package,
        bytes: built.bytes,
    }
}

/// A kiosk with device key `seed` loads `package`, checks in `present` members, and the
/// organiser exports the evening `exports` times (each export is a new bundle with the next
/// sequence number).
pub fn evening(
    seed: [u8; 32],
    package: &Signed,
    organiser: &SecretKey,
    present: usize,
    exports: usize,
) -> Evening {
    let dir = tempfile::tempdir().unwrap();
    let usb = dir.path().join("usb");
    std::fs::create_dir(&usb).unwrap();
    let clock = FakeClock::at(Timestamp(1_796_495_400));
    let mut kiosk = Kiosk::open(
        &dir.path().join("urne.sqlite"),
        &MemoryKeyStore::new(seed),
        Arc::new(clock.clone()),
        Box::new(FolderTarget::new(&usb)),
    )
    .unwrap();
    kiosk.set_pin(urne_kiosk::demo::PIN).unwrap();
    kiosk.load_package(&package.bytes).unwrap();
    let badges = urne_papers::badges::issue_all(&package.package, organiser);
    for badge in badges
        .iter()
        .filter(|b| b.role == Role::Participant)
        .take(present)
    {
        clock.advance(11);
        assert!(matches!(
            kiosk.scan(&badge.payload).unwrap(),
            ScanOutcome::Welcome { .. }
        ));
    }
    let badge = badges.iter().find(|b| b.role == Role::Organiser).unwrap();
    let ScanOutcome::Organiser { organiser, .. } = kiosk.scan(&badge.payload).unwrap() else {
        panic!("the organiser badge unlocks organiser mode")
    };
    kiosk.unlock(&organiser, urne_kiosk::demo::PIN).unwrap();
    let mut bundles = Vec::new();
    for _ in 0..exports {
        clock.advance(60);
        let exported = kiosk.export(false).unwrap();
        bundles.push(Bundle {
            seq: exported.seq,
            digest: exported.digest.to_hex(),
            bytes: std::fs::read(&exported.path).unwrap(),
        });
    }
    Evening {
        kiosk,
        bundles,
        device: SecretKey::from_seed(&seed),
        _dir: dir,
    }
}

/// A registry database with these devices enrolled and assigned to the demo event, and the
/// demo event's organiser key.
pub fn registry_db(path: &Path, devices: &[&SecretKey], organiser: &SecretKey) -> SqliteStore {
    let store = SqliteStore::open(path).unwrap();
    let event = urne_kiosk::demo::package().package.event.id;
    for (i, device) in devices.iter().enumerate() {
        store
            .enrol(&format!("kiosque {}", i + 1), &device.public())
            .unwrap();
        store
            .assign(
                event.as_str(),
                &device.public().fingerprint(),
                "2026-12-01T10:00:00Z",
            )
            .unwrap();
    }
    store
        .enrol_organiser(event.as_str(), "bureau de l'assemblée", &organiser.public())
        .unwrap();
    store
}

/// A registry served in this process on 127.0.0.1, on its own runtime thread.
pub struct InProcess {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The registry (its store, its key).
    pub registry: Registry,
    /// The runtime serving it; dropped with the value.
    pub runtime: tokio::runtime::Runtime,
}

fn fixed_clock() -> Timestamp {
    Timestamp(1_796_500_000)
}

/// Serves `store` with `limits` over HTTP.
pub fn serve_in_process(store: SqliteStore, limits: Limits) -> InProcess {
    serve_in_process_with_key(store, limits, SecretKey::from_seed(&[7; 32]))
}

/// Serves `store` with `limits` over HTTP, signing receipts with `key`.
pub fn serve_in_process_with_key(store: SqliteStore, limits: Limits, key: SecretKey) -> InProcess {
    urne_sync::uploader::install_crypto_provider();
    let registry = Registry::new(Arc::new(store), key, fixed_clock, limits);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let served = registry.clone();
    runtime
        .spawn(async move { urne_registry::serve(listener, served, std::future::pending()).await });
    InProcess {
        url,
        registry,
        runtime,
    }
}

/// The `urne-registry serve` process.
pub struct Process {
    /// The child.
    pub child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its key's fingerprint, as it printed it.
    pub key: Fingerprint,
}

impl Process {
    /// Starts `urne-registry serve` on a free port with these extra arguments.
    pub fn start(db: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(urne_tests::binary("urne-registry"))
            .args(["serve", "--listen", "127.0.0.1:0", "--db"])
            .arg(db)
            .args(extra)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .expect("the registry says where it listens")
            .parse()
            .unwrap();
        line.clear();
        out.read_line(&mut line).unwrap();
        let key = Fingerprint::parse(line.trim().strip_prefix("registry key ").unwrap()).unwrap();
        Self { child, addr, key }
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM: the graceful shutdown.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A scratch folder for a registry database.
pub fn scratch() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("registry.sqlite");
    (dir, db)
}
