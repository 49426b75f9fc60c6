//! The USB stick on the Pi: found and mounted through udisks2 (D-Bus), written, read back, and
//! unmounted before anything is said to be done.
//!
//! [`UdisksTarget`] is the [`UsbTarget`] the appliance uses; it keeps the stick mounted only
//! while it works on it, with `nosuid,nodev,noexec` (a stick is somebody else's file system),
//! and reads every written file back after a fresh mount, so that what is compared is what
//! the stick holds, not what the page cache remembers. The D-Bus side sits behind the small
//! [`Volumes`] trait: [`SystemVolumes`] (feature `udisks`) talks to udisks2; [`FolderVolumes`]
//! stands for it in tests, and both targets pass the same contract tests as the folder.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::usb::{FolderTarget, UsbError, UsbTarget, Volume, plain_name};

/// The mount options asked of udisks2: no programs, no set-user-id, no device files from a stick.
pub const MOUNT_OPTIONS: &str = "nosuid,nodev,noexec";

/// What the kiosk needs of udisks2.
pub trait Volumes: Send {
    /// The file systems of removable USB drives present now, in a stable order.
    fn list(&self) -> Result<Vec<Volume>, UsbError>;
    /// Mounts `volume` with `options` and returns where.
    fn mount(&self, volume: &Volume, options: &str) -> Result<PathBuf, UsbError>;
    /// Unmounts it; every write has reached the stick when this returns.
    fn unmount(&self, volume: &Volume) -> Result<(), UsbError>;
}

/// The stick through udisks2.
#[derive(Debug)]
pub struct UdisksTarget<V: Volumes> {
    volumes: V,
}

impl<V: Volumes> UdisksTarget<V> {
    /// A target on the first removable volume `volumes` lists at each operation.
    pub fn new(volumes: V) -> Self {
        Self { volumes }
    }

    /// Mounts the stick, runs `work` in its folder, and unmounts it, also after a failure: a
    /// stick left mounted cannot be pulled out safely.
    fn mounted<T>(&self, work: impl FnOnce(&Path) -> Result<T, UsbError>) -> Result<T, UsbError> {
        let volume = self
            .volumes
            .list()?
            .into_iter()
            .next()
            .ok_or(UsbError::Absent)?;
        let dir = self.volumes.mount(&volume, MOUNT_OPTIONS)?;
        let outcome = work(&dir);
        let unmounted = self.volumes.unmount(&volume);
        let value = outcome?;
        unmounted?;
        Ok(value)
    }
}

impl<V: Volumes> UsbTarget for UdisksTarget<V> {
    fn write_file(&mut self, name: &str, content: &[u8]) -> Result<PathBuf, UsbError> {
        if !plain_name(name) {
            return Err(UsbError::Refused(name.into()));
        }
        // Temporary name, fsync, rename, fsync of the folder (FolderTarget), then unmount.
        self.mounted(|dir| FolderTarget::new(dir).write_file(name, content))?;
        // Read back from a fresh mount: the bytes on the stick, not the page cache's.
        self.mounted(|dir| {
            let path = dir.join(name);
            let back = std::fs::read(&path).map_err(|e| UsbError::Corrupted(e.to_string()))?;
            if back == content {
                Ok(path)
            } else {
                Err(UsbError::Corrupted(name.into()))
            }
        })
    }

    fn list(&self, extension: &str) -> Result<Vec<String>, UsbError> {
        self.mounted(|dir| FolderTarget::new(dir).list(extension))
    }

    fn read(&self, name: &str, limit: u64) -> Result<Vec<u8>, UsbError> {
        self.mounted(|dir| FolderTarget::new(dir).read(name, limit))
    }

    fn describe(&self) -> String {
        match self.volumes.list().ok().and_then(|v| v.into_iter().next()) {
            Some(v) if !v.label.is_empty() => format!("USB « {} »", v.label),
            _ => "USB".into(),
        }
    }
}

/// A folder standing for a stick that udisks2 would mount (tests): present while the folder
/// exists; it records the mount options and refuses to be mounted twice.
#[derive(Debug)]
pub struct FolderVolumes {
    dir: PathBuf,
    state: Mutex<FakeState>,
}

/// What the fake saw.
#[derive(Debug, Default, Clone)]
pub struct FakeState {
    /// Mounted now.
    pub mounted: bool,
    /// The options of every mount.
    pub mounts: Vec<String>,
    /// Unmounts so far.
    pub unmounts: usize,
}

impl FolderVolumes {
    /// A stick whose files live in `dir`.
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.into(),
            state: Mutex::new(FakeState::default()),
        }
    }

    /// What happened so far.
    pub fn state(&self) -> FakeState {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Volumes for FolderVolumes {
    fn list(&self) -> Result<Vec<Volume>, UsbError> {
        Ok(if self.dir.is_dir() {
            vec![Volume {
                id: "/org/freedesktop/UDisks2/block_devices/sda1".into(),
                label: "URNE".into(),
            }]
        } else {
            Vec::new()
        })
    }

    fn mount(&self, _volume: &Volume, options: &str) -> Result<PathBuf, UsbError> {
        let mut state = self
            .state
            .lock()
            .map_err(|_| UsbError::Other("poisoned".into()))?;
        if state.mounted {
            return Err(UsbError::Other("already mounted".into()));
        }
        state.mounted = true;
        state.mounts.push(options.into());
        Ok(self.dir.clone())
    }

    fn unmount(&self, _volume: &Volume) -> Result<(), UsbError> {
        let mut state = self
            .state
            .lock()
            .map_err(|_| UsbError::Other("poisoned".into()))?;
        state.mounted = false;
        state.unmounts += 1;
        Ok(())
    }
}

#[cfg(feature = "udisks")]
pub use system::{SystemSticks, SystemVolumes};

#[cfg(feature = "udisks")]
mod system {
    //! udisks2 over the system D-Bus (zbus, blocking).

    use std::collections::HashMap;
    use std::path::PathBuf;

    use zbus::MatchRule;
    use zbus::blocking::{Connection, MessageIterator, Proxy};
    use zbus::message::Type;
    use zbus::zvariant::{ObjectPath, OwnedValue, Value};

    use super::Volumes;
    use crate::stick::{StickError, StickWatcher};
    use crate::usb::{UsbError, Volume};

    const SERVICE: &str = "org.freedesktop.UDisks2";
    const MANAGER_PATH: &str = "/org/freedesktop/UDisks2";
    const OBJECT_MANAGER: &str = "org.freedesktop.DBus.ObjectManager";
    const BLOCK: &str = "org.freedesktop.UDisks2.Block";
    const FILESYSTEM: &str = "org.freedesktop.UDisks2.Filesystem";
    const DRIVE: &str = "org.freedesktop.UDisks2.Drive";

    type Objects =
        HashMap<zbus::zvariant::OwnedObjectPath, HashMap<String, HashMap<String, OwnedValue>>>;

    fn dbus(e: zbus::Error) -> UsbError {
        UsbError::Other(format!("udisks2: {e}"))
    }

    /// The system's udisks2 daemon.
    #[derive(Debug)]
    pub struct SystemVolumes {
        conn: Connection,
    }

    impl SystemVolumes {
        /// Connects to the system bus.
        pub fn connect() -> Result<Self, UsbError> {
            Ok(Self::on(Connection::system().map_err(dbus)?))
        }

        /// udisks2 (or a stand-in) on the bus of `conn`.
        pub fn on(conn: Connection) -> Self {
            Self { conn }
        }

        fn filesystem(&self, volume: &Volume) -> Result<Proxy<'static>, UsbError> {
            Proxy::new_owned(self.conn.clone(), SERVICE, volume.id.clone(), FILESYSTEM)
                .map_err(dbus)
        }
    }

    fn flag(props: &HashMap<String, OwnedValue>, key: &str) -> bool {
        props
            .get(key)
            .and_then(|v| bool::try_from(&**v).ok())
            .unwrap_or(false)
    }

    fn text(props: &HashMap<String, OwnedValue>, key: &str) -> String {
        props
            .get(key)
            .and_then(|v| <&str>::try_from(&**v).ok().map(str::to_owned))
            .unwrap_or_default()
    }

    impl Volumes for SystemVolumes {
        fn list(&self) -> Result<Vec<Volume>, UsbError> {
            let manager =
                Proxy::new(&self.conn, SERVICE, MANAGER_PATH, OBJECT_MANAGER).map_err(dbus)?;
            let objects: Objects = manager.call("GetManagedObjects", &()).map_err(dbus)?;
            let mut volumes: Vec<Volume> = objects
                .iter()
                .filter(|(_, ifaces)| ifaces.contains_key(FILESYSTEM))
                .filter_map(|(path, ifaces)| {
                    let block = ifaces.get(BLOCK)?;
                    if flag(block, "HintSystem") || flag(block, "HintIgnore") {
                        return None;
                    }
                    let drive_path = block
                        .get("Drive")
                        .and_then(|v| ObjectPath::try_from(&**v).ok())?;
                    let drive = objects
                        .iter()
                        .find(|(p, _)| p.as_str() == drive_path.as_str())
                        .and_then(|(_, i)| i.get(DRIVE))?;
                    let usb = text(drive, "ConnectionBus") == "usb";
                    (usb && (flag(drive, "Removable") || flag(drive, "MediaRemovable"))).then(
                        || Volume {
                            id: path.as_str().to_owned(),
                            label: text(block, "IdLabel"),
                        },
                    )
                })
                .collect();
            volumes.sort_by(|a, b| a.id.cmp(&b.id));
            Ok(volumes)
        }

        fn mount(&self, volume: &Volume, options: &str) -> Result<PathBuf, UsbError> {
            let fs = self.filesystem(volume)?;
            // Mounted already (by the desktop, or a previous crash): unmount first, so that
            // our options apply.
            let points: Vec<Vec<u8>> = fs.get_property("MountPoints").map_err(dbus)?;
            if !points.is_empty() {
                self.unmount(volume)?;
            }
            let mut args: HashMap<&str, Value<'_>> = HashMap::new();
            args.insert("options", Value::from(options));
            let path: String = fs.call("Mount", &(args,)).map_err(dbus)?;
            Ok(PathBuf::from(path))
        }

        fn unmount(&self, volume: &Volume) -> Result<(), UsbError> {
            let fs = self.filesystem(volume)?;
            let args: HashMap<&str, Value<'_>> = HashMap::new();
            fs.call::<_, _, ()>("Unmount", &(args,)).map_err(dbus)
        }
    }

    fn watch_error(e: impl std::fmt::Display) -> StickError {
        StickError::Watch(format!("udisks2: {e}"))
    }

    /// The sticks as udisks2 sees them: every `InterfacesAdded` or `InterfacesRemoved` of its
    /// object manager (a drive, a partition, a file system coming or going) lists them again,
    /// with the same filter as [`SystemVolumes`]: file systems of removable USB drives only.
    pub struct SystemSticks {
        volumes: SystemVolumes,
        signals: MessageIterator,
    }

    impl std::fmt::Debug for SystemSticks {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("SystemSticks").finish_non_exhaustive()
        }
    }

    impl SystemSticks {
        /// Watches the system's udisks2.
        pub fn connect() -> Result<Self, StickError> {
            Self::on(Connection::system().map_err(watch_error)?)
        }

        /// Watches udisks2 (or a stand-in) on the bus of `conn`. The subscription is in place
        /// when this returns, so a stick put in afterwards is never missed.
        pub fn on(conn: Connection) -> Result<Self, StickError> {
            let rule = MatchRule::builder()
                .msg_type(Type::Signal)
                .interface(OBJECT_MANAGER)
                .and_then(|b| b.path(MANAGER_PATH))
                .map_err(watch_error)?
                .build();
            let signals =
                MessageIterator::for_match_rule(rule, &conn, None).map_err(watch_error)?;
            Ok(Self {
                volumes: SystemVolumes::on(conn),
                signals,
            })
        }
    }

    impl StickWatcher for SystemSticks {
        fn present(&mut self) -> Result<Vec<Volume>, StickError> {
            self.volumes.list().map_err(watch_error)
        }

        fn wait(&mut self) -> Result<bool, StickError> {
            match self.signals.next() {
                Some(Ok(_)) => Ok(true),
                Some(Err(e)) => Err(watch_error(e)),
                None => Ok(false),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_udisks_target_keeps_the_folder_contract_and_unmounts_after_every_operation() {
        let dir = tempfile::tempdir().unwrap();
        let mut target = UdisksTarget::new(FolderVolumes::new(dir.path()));
        crate::usb::contract(&mut target);
        let state = target.volumes.state();
        assert!(!state.mounted, "left mounted");
        assert_eq!(state.unmounts, state.mounts.len());
        assert!(state.mounts.iter().all(|o| o == MOUNT_OPTIONS));
        assert_eq!(std::fs::read(dir.path().join("a.urne")).unwrap(), b"second");
        assert_eq!(target.describe(), "USB « URNE »");
    }

    #[test]
    fn no_stick_is_reported_and_nothing_is_mounted() {
        let mut target = UdisksTarget::new(FolderVolumes::new(Path::new("/nonexistent-stick")));
        assert!(matches!(
            target.write_file("a.urne", b"x"),
            Err(UsbError::Absent)
        ));
        assert!(target.volumes.state().mounts.is_empty());
    }

    #[test]
    fn a_failed_write_still_unmounts() {
        let dir = tempfile::tempdir().unwrap();
        let mut target = UdisksTarget::new(FolderVolumes::new(dir.path()));
        assert!(matches!(
            target.write_file("../escape", b"x"),
            Err(UsbError::Refused(_))
        ));
        // A write that fails on the stick (a folder where the file should go).
        std::fs::create_dir(dir.path().join("b.urne")).unwrap();
        assert!(target.write_file("b.urne", b"x").is_err());
        assert!(!target.volumes.state().mounted);
        assert_eq!(target.volumes.state().mounts.len(), 1);
    }
}
