//! The stick watch: the fake and udisks2 over a private D-Bus (a `dbus-daemon` started for the
//! test, with a stand-in udisks2 object manager served by zbus) report the same events for the
//! same sticks put in and taken out, and an internal disk never counts as a stick.

use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use urne_kiosk::stick::{FakeSticks, StickEvent, StickHand, StickWatch, StickWatcher};

const WAIT: Duration = Duration::from_secs(10);

/// What a test does to sticks, whoever stands for udisks2.
trait Hand {
    /// Puts a removable USB stick in.
    fn insert(&mut self, id: &str, label: &str);
    /// Adds a file system that is not a USB stick (the SD card the system runs from).
    fn insert_internal(&mut self, id: &str, label: &str);
    /// Takes the file system `id` out.
    fn remove(&mut self, id: &str);
}

impl Hand for StickHand {
    fn insert(&mut self, id: &str, label: &str) {
        StickHand::insert(self, id, label);
    }

    fn insert_internal(&mut self, _id: &str, _label: &str) {
        // The fake holds removable sticks only: an internal disk is not one of them.
    }

    fn remove(&mut self, id: &str) {
        StickHand::remove(self, id);
    }
}

fn next(events: &Receiver<StickEvent>) -> StickEvent {
    events.recv_timeout(WAIT).expect("a stick event")
}

fn inserted(label: &str) -> StickEvent {
    StickEvent::Inserted {
        label: label.into(),
    }
}

/// The contract every watcher keeps: the state at start, then one event per change of the
/// first stick, ignoring internal disks.
fn contract(watcher: impl StickWatcher, hand: &mut dyn Hand) {
    let (tx, events) = mpsc::channel();
    let _watch = StickWatch::spawn(watcher, move |e| {
        let _ = tx.send(e);
    })
    .unwrap();
    assert_eq!(next(&events), StickEvent::Removed, "the state at start");
    hand.insert("sda1", "URNE");
    assert_eq!(next(&events), inserted("URNE"));
    hand.insert_internal("mmcblk0p2", "rootfs");
    hand.remove("sda1");
    // Removed, not « rootfs »: the internal disk is not a stick.
    assert_eq!(next(&events), StickEvent::Removed);
    hand.insert("sdb1", "");
    assert_eq!(next(&events), inserted(""));
    hand.remove("sdb1");
    assert_eq!(next(&events), StickEvent::Removed);
}

#[test]
fn the_fake_keeps_the_contract() {
    let (sticks, mut hand) = FakeSticks::new();
    contract(sticks, &mut hand);
}

#[cfg(feature = "udisks")]
mod udisks2 {
    //! A private bus with a stand-in udisks2.

    use std::io::{BufRead, BufReader};
    use std::process::{Child, Command, Stdio};

    use zbus::blocking::Connection;
    use zbus::blocking::connection::Builder;
    use zbus::zvariant::OwnedObjectPath;

    use super::{Hand, contract};
    use urne_kiosk::udisks::SystemSticks;

    const ROOT: &str = "/org/freedesktop/UDisks2";

    /// A `dbus-daemon` of our own, stopped when dropped.
    struct Bus {
        daemon: Child,
        address: String,
    }

    impl Bus {
        fn start() -> Self {
            let mut daemon = Command::new("dbus-daemon")
                .args(["--session", "--nofork", "--print-address"])
                .stdout(Stdio::piped())
                .spawn()
                .expect("dbus-daemon is installed");
            let mut address = String::new();
            BufReader::new(daemon.stdout.take().unwrap())
                .read_line(&mut address)
                .unwrap();
            Self {
                daemon,
                address: address.trim().to_owned(),
            }
        }

        fn connect(&self) -> Builder<'static> {
            Builder::address(self.address.as_str()).unwrap()
        }
    }

    impl Drop for Bus {
        fn drop(&mut self) {
            let _ = self.daemon.kill();
            let _ = self.daemon.wait();
        }
    }

    struct Block {
        label: String,
        drive: OwnedObjectPath,
    }

    #[zbus::interface(name = "org.freedesktop.UDisks2.Block")]
    impl Block {
        #[zbus(property)]
        fn id_label(&self) -> String {
            self.label.clone()
        }
        #[zbus(property)]
        fn drive(&self) -> OwnedObjectPath {
            self.drive.clone()
        }
        #[zbus(property)]
        fn hint_system(&self) -> bool {
            false
        }
        #[zbus(property)]
        fn hint_ignore(&self) -> bool {
            false
        }
    }

    struct Filesystem;

    #[zbus::interface(name = "org.freedesktop.UDisks2.Filesystem")]
    impl Filesystem {
        #[zbus(property)]
        fn mount_points(&self) -> Vec<Vec<u8>> {
            Vec::new()
        }
    }

    struct Drive {
        bus: &'static str,
        removable: bool,
    }

    #[zbus::interface(name = "org.freedesktop.UDisks2.Drive")]
    impl Drive {
        #[zbus(property)]
        fn connection_bus(&self) -> String {
            self.bus.into()
        }
        #[zbus(property)]
        fn removable(&self) -> bool {
            self.removable
        }
        #[zbus(property)]
        fn media_removable(&self) -> bool {
            self.removable
        }
    }

    /// udisks2 as the kiosk sees it: a drive object, then its partition's block, then the file
    /// system on it, each announced by `InterfacesAdded` as the real daemon does.
    struct FakeUdisks {
        server: Connection,
    }

    impl FakeUdisks {
        fn add(&self, id: &str, label: &str, bus: &'static str, removable: bool) {
            let objects = self.server.object_server();
            let drive = format!("{ROOT}/drives/{id}");
            let block = format!("{ROOT}/block_devices/{id}");
            objects
                .at(drive.as_str(), Drive { bus, removable })
                .unwrap();
            objects
                .at(
                    block.as_str(),
                    Block {
                        label: label.into(),
                        drive: OwnedObjectPath::try_from(drive).unwrap(),
                    },
                )
                .unwrap();
            objects.at(block.as_str(), Filesystem).unwrap();
        }
    }

    impl Hand for FakeUdisks {
        fn insert(&mut self, id: &str, label: &str) {
            self.add(id, label, "usb", true);
        }

        fn insert_internal(&mut self, id: &str, label: &str) {
            self.add(id, label, "sdio", false);
        }

        fn remove(&mut self, id: &str) {
            let objects = self.server.object_server();
            let block = format!("{ROOT}/block_devices/{id}");
            objects.remove::<Filesystem, _>(block.as_str()).unwrap();
            objects.remove::<Block, _>(block.as_str()).unwrap();
            objects
                .remove::<Drive, _>(format!("{ROOT}/drives/{id}").as_str())
                .unwrap();
        }
    }

    #[test]
    fn udisks2_over_a_private_bus_keeps_the_contract() {
        let bus = Bus::start();
        let server = bus
            .connect()
            .name("org.freedesktop.UDisks2")
            .unwrap()
            .serve_at(ROOT, zbus::fdo::ObjectManager)
            .unwrap()
            .build()
            .unwrap();
        let kiosk = bus.connect().build().unwrap();
        let sticks = SystemSticks::on(kiosk).unwrap();
        contract(sticks, &mut FakeUdisks { server });
    }
}
