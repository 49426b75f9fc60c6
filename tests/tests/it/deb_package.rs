//! What the Raspberry Pi package holds, read back from the built `urne-kiosk_<version>_arm64.deb`
//! with dpkg-deb: the control fields, both arm64 binaries, the systemd unit (and `systemd-analyze
//! verify` of it), the udev rule, the polkit rule evaluated with node for every udisks2 action,
//! the maintainer scripts, and no file anyone may write.
//!
//! Run by deploy/test-deb.sh, which builds the package and passes its path in `URNE_DEB`:
//! `URNE_DEB=… cargo test -p urne-tests --features deb --test it deb_package::`. Without `URNE_DEB`
//! every test fails: a check of a package that was not given must not pass.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use urne_tests::workspace;

/// The package, extracted once for all the tests.
struct Package {
    deb: PathBuf,
    /// `dpkg-deb --extract`: the files as installed, under this root.
    root: PathBuf,
    /// `dpkg-deb --control`: the control file and the maintainer scripts.
    control_dir: PathBuf,
    _dir: tempfile::TempDir,
}

fn package() -> &'static Package {
    static PACKAGE: OnceLock<Package> = OnceLock::new();
    PACKAGE.get_or_init(|| {
        let deb = PathBuf::from(std::env::var_os("URNE_DEB").expect(
            "URNE_DEB must name the .deb to check (deploy/test-deb.sh builds it and sets it)",
        ));
        assert!(deb.is_file(), "{} is not a file", deb.display());
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        let control_dir = dir.path().join("DEBIAN");
        run(
            "dpkg-deb",
            &["--extract".as_ref(), deb.as_os_str(), root.as_os_str()],
        );
        run(
            "dpkg-deb",
            &[
                "--control".as_ref(),
                deb.as_os_str(),
                control_dir.as_os_str(),
            ],
        );
        Package {
            deb,
            root,
            control_dir,
            _dir: dir,
        }
    })
}

/// Runs `program` and returns its standard output; fails the test if it fails.
fn run(program: &str, args: &[&std::ffi::OsStr]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The control file's fields (continuation lines joined).
fn control() -> BTreeMap<String, String> {
    let text = read(&package().control_dir.join("control"));
    let mut fields = BTreeMap::new();
    let mut last: Option<String> = None;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if line.starts_with(' ') {
            if let Some(key) = &last {
                fields
                    .entry(key.clone())
                    .and_modify(|v: &mut String| v.push_str(line));
            }
            continue;
        }
        let (key, value) = line.split_once(':').expect("a control field");
        fields.insert(key.to_owned(), value.trim().to_owned());
        last = Some(key.to_owned());
    }
    fields
}

/// The workspace's version ([workspace.package] in Cargo.toml).
fn workspace_version() -> String {
    let manifest: toml::Table = toml::from_str(&read(&workspace().join("Cargo.toml"))).unwrap();
    manifest["workspace"]["package"]["version"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The Depends field as its alternatives: `a, b | c` → [[a], [b, c]], versions dropped.
fn depends() -> Vec<Vec<String>> {
    control()["Depends"]
        .split(',')
        .map(|group| {
            group
                .split('|')
                .map(|alt| alt.split_whitespace().next().unwrap_or_default().to_owned())
                .collect()
        })
        .collect()
}

#[test]
fn control_fields_name_the_package_for_raspberry_pi_os_bookworm_arm64() {
    let control = control();
    assert_eq!(control["Package"], "urne-kiosk");
    assert_eq!(control["Architecture"], "arm64");
    assert_eq!(control["Version"], workspace_version());
    assert!(control["Maintainer"].contains('@'), "a maintainer address");
    assert!(!control["Description"].is_empty());
    let name = package().deb.file_name().unwrap().to_str().unwrap();
    assert_eq!(
        name,
        format!("urne-kiosk_{}_arm64.deb", workspace_version())
    );

    let depends = depends();
    let has = |alternatives: &[&str]| {
        depends.iter().any(|group| {
            group
                .iter()
                .map(String::as_str)
                .eq(alternatives.iter().copied())
        })
    };
    // What the binaries link (see also the NEEDED check below), and what the package uses
    // without linking it.
    for package in [
        "libc6",
        "libfontconfig1",
        "libinput10",
        "libudev1",
        "libxkbcommon0",
        "adduser",
        "udisks2",
        "udev",
        "systemd",
    ] {
        assert!(has(&[package]), "Depends lacks {package}: {depends:?}");
    }
    assert!(
        has(&["polkitd", "policykit-1"]),
        "Depends lacks polkitd | policykit-1: {depends:?}"
    );
}

/// An ELF file's facts the tests check.
struct Elf {
    machine: u16,
    sections: Vec<String>,
    needed: Vec<String>,
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(bytes[at..at + 2].try_into().unwrap())
}
fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}
fn u64_at(bytes: &[u8], at: usize) -> usize {
    usize::try_from(u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap())).unwrap()
}
fn c_string(bytes: &[u8], at: usize) -> String {
    let end = bytes[at..].iter().position(|&b| b == 0).unwrap() + at;
    String::from_utf8(bytes[at..end].to_vec()).unwrap()
}

/// Reads a 64-bit little-endian ELF file's machine, section names and DT_NEEDED libraries.
fn elf(path: &Path) -> Elf {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(
        &bytes[..4],
        b"\x7fELF",
        "{} is not an ELF file",
        path.display()
    );
    assert_eq!(bytes[4], 2, "{} is not a 64-bit ELF file", path.display());
    assert_eq!(bytes[5], 1, "{} is not little-endian", path.display());
    let machine = u16_at(&bytes, 18);
    let section_table = u64_at(&bytes, 0x28);
    let entry_size = usize::from(u16_at(&bytes, 0x3a));
    let count = usize::from(u16_at(&bytes, 0x3c));
    let names_index = usize::from(u16_at(&bytes, 0x3e));
    // (name offset, type, file offset, size, link) of each section header.
    let headers: Vec<(usize, u32, usize, usize, usize)> = (0..count)
        .map(|i| {
            let h = section_table + i * entry_size;
            (
                u32_at(&bytes, h) as usize,
                u32_at(&bytes, h + 4),
                u64_at(&bytes, h + 0x18),
                u64_at(&bytes, h + 0x20),
                u32_at(&bytes, h + 0x28) as usize,
            )
        })
        .collect();
    let names_at = headers[names_index].2;
    let sections: Vec<String> = headers
        .iter()
        .map(|h| c_string(&bytes, names_at + h.0))
        .collect();
    let mut needed = Vec::new();
    // SHT_DYNAMIC: (tag, value) pairs; DT_NEEDED (1) values are offsets in the linked string
    // table (.dynstr).
    for &(_, kind, offset, size, link) in &headers {
        if kind != 6 {
            continue;
        }
        let strings = headers[link].2;
        for entry in (offset..offset + size).step_by(16) {
            let tag = u64_at(&bytes, entry);
            if tag == 0 {
                break;
            }
            if tag == 1 {
                needed.push(c_string(&bytes, strings + u64_at(&bytes, entry + 8)));
            }
        }
    }
    Elf {
        machine,
        sections,
        needed,
    }
}

/// Which Debian package (bookworm, arm64) holds each shared library the binaries may link.
/// A library missing here fails the test: a new one must be looked at and added to Depends.
const LIBRARY_PACKAGES: &[(&str, &str)] = &[
    ("libc.so.6", "libc6"),
    ("libm.so.6", "libc6"),
    ("libdl.so.2", "libc6"),
    ("libpthread.so.0", "libc6"),
    ("librt.so.1", "libc6"),
    ("ld-linux-aarch64.so.1", "libc6"),
    // Priority: required in Debian, so always installed; cargo-deb leaves it out of Depends.
    ("libgcc_s.so.1", "libgcc-s1"),
    ("libfontconfig.so.1", "libfontconfig1"),
    // Not linked today (fontconfig brings it), listed for the day a crate links it directly.
    ("libfreetype.so.6", "libfreetype6"),
    ("libinput.so.10", "libinput10"),
    ("libudev.so.1", "libudev1"),
    ("libxkbcommon.so.0", "libxkbcommon0"),
];

#[test]
fn both_binaries_are_stripped_aarch64_programs_whose_libraries_are_in_depends() {
    let root = &package().root;
    let depends = depends();
    for (name, limit) in [("urne-kiosk", 20 * 1024 * 1024), ("urne", 20 * 1024 * 1024)] {
        let path = root.join("usr/bin").join(name);
        let metadata = std::fs::metadata(&path)
            .unwrap_or_else(|e| panic!("/usr/bin/{name} is not in the package: {e}"));
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            metadata.permissions().mode() & 0o7777,
            0o755,
            "/usr/bin/{name}"
        );
        let elf = elf(&path);
        assert_eq!(
            elf.machine, 183,
            "/usr/bin/{name} is not an AArch64 program"
        );
        for section in [".symtab", ".debug_info", ".debug_line"] {
            assert!(
                !elf.sections.iter().any(|s| s == section),
                "/usr/bin/{name} is not stripped: it has {section}"
            );
        }
        assert!(
            metadata.len() <= limit,
            "/usr/bin/{name} is {} bytes, over {limit}",
            metadata.len()
        );
        assert!(
            !elf.needed.is_empty(),
            "/usr/bin/{name} is dynamically linked"
        );
        for library in &elf.needed {
            let (_, holder) = LIBRARY_PACKAGES
                .iter()
                .find(|(l, _)| l == library)
                .unwrap_or_else(|| {
                    panic!("/usr/bin/{name} links {library}: which package holds it on bookworm?")
                });
            assert!(
                *holder == "libgcc-s1" || depends.iter().any(|g| g.iter().any(|p| p == holder)),
                "/usr/bin/{name} links {library} ({holder}), which Depends does not name"
            );
        }
    }
    // The kiosk is the appliance build: the Pi's DRM/KMS backend with libinput, not a desktop
    // window.
    let kiosk = elf(&root.join("usr/bin/urne-kiosk"));
    for library in ["libinput.so.10", "libudev.so.1", "libxkbcommon.so.0"] {
        assert!(
            kiosk.needed.iter().any(|l| l == library),
            "the kiosk does not link {library}: not built with --features pi? {:?}",
            kiosk.needed
        );
    }
}

#[test]
fn the_packaged_binaries_start_on_arm64() {
    // Under qemu-aarch64-static, with the arm64 libraries of the build machine's multiarch.
    let version = workspace_version();
    for name in ["urne-kiosk", "urne"] {
        let path = package().root.join("usr/bin").join(name);
        let out = run(
            "qemu-aarch64-static",
            &[path.as_os_str(), "--version".as_ref()],
        );
        assert_eq!(out.trim(), format!("{name} {version}"));
    }
}

/// A unit file's `Key=value` lines, by section (a key may repeat).
fn unit_file(text: &str) -> BTreeMap<String, Vec<(String, String)>> {
    let mut sections: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut current = String::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = name.to_owned();
            continue;
        }
        let (key, value) = line.split_once('=').expect("Key=value");
        sections
            .entry(current.clone())
            .or_default()
            .push((key.trim().to_owned(), value.trim().to_owned()));
    }
    sections
}

const UNIT: &str = "usr/lib/systemd/system/urne-kiosk.service";

#[test]
fn the_unit_runs_the_kiosk_as_urne_under_the_watchdog_and_starts_at_boot() {
    let root = &package().root;
    let unit = unit_file(&read(&root.join(UNIT)));
    let get = |section: &str, key: &str| -> Vec<String> {
        unit.get(section)
            .map(|kv| {
                kv.iter()
                    .filter(|(k, _)| k == key)
                    .map(|(_, v)| v.clone())
                    .collect()
            })
            .unwrap_or_default()
    };
    let one = |section: &str, key: &str| -> String {
        let values = get(section, key);
        assert_eq!(values.len(), 1, "[{section}] {key}= {values:?}");
        values[0].clone()
    };
    assert_eq!(one("Service", "User"), "urne");
    assert_eq!(one("Service", "Group"), "urne");
    assert_eq!(one("Service", "Type"), "notify");
    assert_eq!(one("Service", "NotifyAccess"), "main");
    assert_eq!(one("Service", "Restart"), "always");
    assert_eq!(one("Service", "StateDirectory"), "urne");
    assert_eq!(one("Service", "StateDirectoryMode"), "0700");
    let watchdog = one("Service", "WatchdogSec");
    let seconds: u64 = watchdog
        .strip_suffix('s')
        .unwrap_or(&watchdog)
        .parse()
        .unwrap_or_else(|_| panic!("WatchdogSec={watchdog} in whole seconds"));
    assert!(
        (10..=120).contains(&seconds),
        "WatchdogSec={watchdog}: a frozen screen must come back soon, and a slow frame must not be killed"
    );
    assert_eq!(one("Service", "LimitCORE"), "0", "no core dump of ballots");
    assert_eq!(one("Service", "NoNewPrivileges"), "yes");
    // A ballot before it is sealed and the tally key during a count live in memory only.
    assert_eq!(one("Service", "MemorySwapMax"), "0");
    assert_eq!(one("Service", "ProtectSystem"), "strict");
    assert_eq!(one("Unit", "Conflicts"), "getty@tty1.service");
    // Never started with its data partition missing (ballots would go to the overlay's RAM).
    assert_eq!(one("Unit", "RequiresMountsFor"), "/var/lib/urne");
    assert_eq!(one("Install", "WantedBy"), "multi-user.target");

    let exec = one("Service", "ExecStart");
    let mut words = exec.split_whitespace();
    let program = words.next().unwrap();
    assert_eq!(program, "/usr/bin/urne-kiosk");
    let in_package = root.join(program.trim_start_matches('/'));
    assert!(
        in_package.is_file(),
        "ExecStart's {program} is in the package"
    );
    let args: Vec<&str> = words.collect();
    for pair in [
        ["--data", "/var/lib/urne"],
        ["--scanner", "/dev/urne-scanner"],
    ] {
        assert!(
            args.windows(2).any(|w| w == pair),
            "ExecStart lacks {pair:?}: {exec}"
        );
    }
    assert!(args.contains(&"--udisks"), "ExecStart: {exec}");

    // Enabled at install (so it starts at boot) and started, by the script cargo-deb generated.
    let postinst = read(&package().control_dir.join("postinst"));
    assert_eq!(
        postinst
            .matches("deb-systemd-helper enable urne-kiosk.service")
            .count(),
        1
    );
    // Started at install, restarted on upgrade.
    assert_eq!(
        postinst
            .matches("deb-systemd-invoke $_dh_action urne-kiosk.service")
            .count(),
        1
    );
    assert!(postinst.contains("_dh_action=start"));
}

#[test]
fn systemd_analyze_verifies_the_unit() {
    // A root holding the package's files and this machine's own units (the targets the unit
    // is ordered against): verify finds every unit it names and checks that ExecStart's
    // program exists there. Warnings do not change its exit code, so any output fails too.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let units = root.join("usr/lib/systemd/system");
    std::fs::create_dir_all(&units).unwrap();
    for host in ["/usr/lib/systemd/system", "/lib/systemd/system"] {
        let Ok(entries) = std::fs::read_dir(host) else {
            continue;
        };
        for entry in entries.flatten() {
            let target = units.join(entry.file_name());
            if !target.exists() && entry.path().is_file() {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    assert!(units.join("multi-user.target").exists(), "the host's units");
    std::fs::copy(package().root.join(UNIT), units.join("urne-kiosk.service")).unwrap();
    std::fs::create_dir_all(root.join("usr/bin")).unwrap();
    for name in ["urne-kiosk", "urne"] {
        std::fs::copy(
            package().root.join("usr/bin").join(name),
            root.join("usr/bin").join(name),
        )
        .unwrap();
    }
    let output = Command::new("systemd-analyze")
        .arg("verify")
        .arg(format!("--root={}", root.display()))
        .args(["--man=no", "urne-kiosk.service"])
        .output()
        .expect("systemd-analyze runs");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success() && said.trim().is_empty(),
        "systemd-analyze verify: {said}"
    );
}

#[test]
fn the_udev_rule_names_the_scanner_for_the_urne_group() {
    let text = read(
        &package()
            .root
            .join("usr/lib/udev/rules.d/99-urne-scanner.rules"),
    );
    let rules: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(rules.len(), 1, "{rules:?}");
    let keys: Vec<&str> = rules[0].split(", ").collect();
    for key in [
        r#"SUBSYSTEM=="tty""#,
        r#"SYMLINK+="urne-scanner""#,
        r#"GROUP="urne""#,
        r#"MODE="0660""#,
    ] {
        assert!(keys.contains(&key), "the rule lacks {key}: {}", rules[0]);
    }
}

/// Every action udisks2 2.9.4 (bookworm) declares, from its
/// /usr/share/polkit-1/actions/org.freedesktop.UDisks2.policy.
const UDISKS2_ACTIONS: &[&str] = &[
    "org.freedesktop.udisks2.filesystem-mount",
    "org.freedesktop.udisks2.filesystem-mount-system",
    "org.freedesktop.udisks2.filesystem-mount-other-seat",
    "org.freedesktop.udisks2.filesystem-fstab",
    "org.freedesktop.udisks2.filesystem-unmount-others",
    "org.freedesktop.udisks2.filesystem-take-ownership",
    "org.freedesktop.udisks2.encrypted-unlock",
    "org.freedesktop.udisks2.encrypted-unlock-system",
    "org.freedesktop.udisks2.encrypted-unlock-other-seat",
    "org.freedesktop.udisks2.encrypted-unlock-crypttab",
    "org.freedesktop.udisks2.encrypted-lock-others",
    "org.freedesktop.udisks2.encrypted-change-passphrase",
    "org.freedesktop.udisks2.encrypted-change-passphrase-system",
    "org.freedesktop.udisks2.loop-setup",
    "org.freedesktop.udisks2.loop-delete-others",
    "org.freedesktop.udisks2.loop-modify-others",
    "org.freedesktop.udisks2.manage-swapspace",
    "org.freedesktop.udisks2.manage-md-raid",
    "org.freedesktop.udisks2.power-off-drive",
    "org.freedesktop.udisks2.power-off-drive-system",
    "org.freedesktop.udisks2.power-off-drive-other-seat",
    "org.freedesktop.udisks2.eject-media",
    "org.freedesktop.udisks2.eject-media-system",
    "org.freedesktop.udisks2.eject-media-other-seat",
    "org.freedesktop.udisks2.modify-device",
    "org.freedesktop.udisks2.modify-device-system",
    "org.freedesktop.udisks2.modify-device-other-seat",
    "org.freedesktop.udisks2.rescan",
    "org.freedesktop.udisks2.open-device",
    "org.freedesktop.udisks2.open-device-system",
    "org.freedesktop.udisks2.modify-system-configuration",
    "org.freedesktop.udisks2.read-system-configuration-secrets",
    "org.freedesktop.udisks2.modify-drive-settings",
    "org.freedesktop.udisks2.ata-smart-update",
    "org.freedesktop.udisks2.ata-smart-simulate",
    "org.freedesktop.udisks2.ata-smart-selftest",
    "org.freedesktop.udisks2.ata-smart-enable-disable",
    "org.freedesktop.udisks2.ata-check-power",
    "org.freedesktop.udisks2.ata-standby",
    "org.freedesktop.udisks2.ata-standby-system",
    "org.freedesktop.udisks2.ata-standby-other-seat",
    "org.freedesktop.udisks2.ata-secure-erase",
    "org.freedesktop.udisks2.cancel-job",
    "org.freedesktop.udisks2.cancel-job-other-user",
];

/// Loads the rule file the way polkitd does — one script calling `polkit.addRule` — into node
/// with a stand-in `polkit` object, and asks each rule about each case. polkitd's
/// `polkit.Result.NOT_HANDLED` is null: the next rule, then the action's defaults, decide.
const POLKIT_HARNESS: &str = r#"
const fs = require("fs");
const rules = [];
const polkit = {
  Result: { NO: "no", YES: "yes", AUTH_SELF: "auth_self", AUTH_SELF_KEEP: "auth_self_keep",
            AUTH_ADMIN: "auth_admin", AUTH_ADMIN_KEEP: "auth_admin_keep", NOT_HANDLED: null },
  addRule: (rule) => rules.push(rule),
  addAdminRule: () => { throw new Error("the rule file must not change who the administrators are"); },
  log: () => {},
  spawn: () => { throw new Error("the rule file must not run programs"); },
};
new Function("polkit", fs.readFileSync(process.argv[2], "utf8"))(polkit);
const cases = JSON.parse(fs.readFileSync(0, "utf8"));
const answers = cases.map((c) => {
  const action = { id: c.action, lookup: (key) => c.details[key] };
  const subject = { user: c.user, groups: [c.user], local: false, active: false,
                    isInGroup: (g) => g === c.user, isInNetGroup: () => false };
  for (const rule of rules) {
    const result = rule(action, subject);
    if (result !== null && result !== undefined) return result;
  }
  return null;
});
console.log(JSON.stringify({ rules: rules.length, answers }));
"#;

#[test]
fn the_polkit_rule_lets_urne_mount_usb_sticks_and_nothing_else() {
    let rule = package()
        .root
        .join("usr/share/polkit-1/rules.d/50-urne-udisks.rules");
    assert!(
        rule.is_file(),
        "the polkit rule is installed where polkitd reads it"
    );
    let usb_stick = serde_json::json!({
        "drive.removable": "true", "drive.removable.bus": "usb", "id.type": "vfat",
        "device": "/dev/sda1",
    });
    let sd_card = serde_json::json!({
        "drive.removable": "true", "drive.removable.bus": "sdio", "device": "/dev/mmcblk0p2",
    });
    let fixed_disk = serde_json::json!({ "device": "/dev/nvme0n1p1" });
    let granted = [
        "org.freedesktop.udisks2.filesystem-mount",
        "org.freedesktop.udisks2.filesystem-mount-other-seat",
        "org.freedesktop.udisks2.filesystem-unmount-others",
    ];
    let others = [
        "org.freedesktop.login1.reboot",
        "org.freedesktop.login1.power-off",
        "org.freedesktop.systemd1.manage-units",
        "org.freedesktop.NetworkManager.settings.modify.system",
        "org.freedesktop.timedate1.set-time",
        "org.freedesktop.packagekit.package-install",
        "org.freedesktop.udisks2.filesystem-mount-evil",
        "org.freedesktop.udisks2",
        "",
    ];
    let mut cases = Vec::new();
    let mut expected = Vec::new();
    for user in ["urne", "pi", "root", "nobody", "urne2", "Urne"] {
        for action in UDISKS2_ACTIONS.iter().chain(others.iter()) {
            for (drive, details) in [
                ("usb", &usb_stick),
                ("sd", &sd_card),
                ("fixed", &fixed_disk),
            ] {
                cases.push(serde_json::json!({
                    "user": user, "action": action, "details": details,
                }));
                let yes = user == "urne" && drive == "usb" && granted.contains(action);
                expected.push(if yes {
                    serde_json::json!("yes")
                } else {
                    serde_json::Value::Null
                });
            }
        }
    }
    for action in granted {
        assert!(
            UDISKS2_ACTIONS.contains(&action),
            "{action} is a real udisks2 action"
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let harness = dir.path().join("harness.js");
    std::fs::write(&harness, POLKIT_HARNESS).unwrap();
    let mut child = Command::new("node")
        .arg(&harness)
        .arg(&rule)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs (deploy/test-deb.sh installs nodejs)");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(
                serde_json::Value::Array(cases.clone())
                    .to_string()
                    .as_bytes(),
            )
            .unwrap();
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "node: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let said: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(said["rules"], 1, "one rule");
    let answers = said["answers"].as_array().unwrap();
    assert_eq!(answers.len(), cases.len());
    for ((case, answer), want) in cases.iter().zip(answers).zip(&expected) {
        assert_eq!(answer, want, "for {case}");
    }
    assert_eq!(
        expected.iter().filter(|e| !e.is_null()).count(),
        3,
        "exactly three (action, user, drive) cases are granted"
    );
}

#[test]
fn the_maintainer_scripts_create_urne_and_never_touch_var_lib_urne() {
    let control_dir = &package().control_dir;
    let mut scripts = BTreeMap::new();
    for name in ["postinst", "prerm", "postrm"] {
        let path = control_dir.join(name);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)
            .unwrap_or_else(|e| panic!("no {name}: {e}"))
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755, "{name} is executable");
        let text = read(&path);
        assert!(text.starts_with("#!/bin/sh\n"), "{name} is a sh script");
        assert!(
            !text.contains("#DEBHELPER#"),
            "{name}: cargo-deb filled its hook in"
        );
        // cargo-deb replaces every occurrence of the hook, comments included: its code must
        // appear once per fragment, after `set -e`.
        let generated = text.find("# Automatically added by cargo-deb");
        let strict = text.find("\nset -e\n");
        assert!(
            strict.is_some() && generated.is_none_or(|g| Some(g) > strict),
            "{name}: generated code before set -e"
        );
        run("sh", &["-n".as_ref(), path.as_os_str()]);
        scripts.insert(name, text);
    }

    let postinst = &scripts["postinst"];
    let adduser = postinst
        .lines()
        .skip_while(|l| !l.contains("adduser --system"))
        .take_while(|l| !l.trim().is_empty() && !l.contains("fi"))
        .collect::<Vec<_>>()
        .join(" ");
    for part in [
        "--system",
        "--ingroup urne",
        "--home /var/lib/urne",
        "--no-create-home",
        "--shell /usr/sbin/nologin",
        " urne",
    ] {
        assert!(adduser.contains(part), "adduser lacks {part}: {adduser}");
    }
    assert!(postinst.contains("addgroup --system --quiet urne"));
    assert!(postinst.contains("for group in video input render"));
    assert!(postinst.contains(r#"adduser --quiet urne "$group""#));
    assert!(postinst.contains("udevadm control --reload-rules"));
    // The user exists before the unit is enabled and started.
    let created = postinst.find("adduser --system").unwrap();
    let started = postinst.find("deb-systemd-invoke").unwrap();
    assert!(created < started);

    // /var/lib/urne holds ballots and the device key: the scripts name it only as the user's
    // home and in the purge message, and delete no user and nothing recursively.
    for (name, text) in &scripts {
        for line in text.lines().map(str::trim) {
            if line.starts_with('#') {
                continue;
            }
            if line.contains("/var/lib/urne") {
                assert!(
                    line.contains("--home /var/lib/urne")
                        || line.starts_with(r#"if [ "$1" = purge ] && [ -d /var/lib/urne ]"#)
                        || line.starts_with(r#"echo "urne-kiosk: /var/lib/urne is kept"#),
                    "{name} touches /var/lib/urne: {line}"
                );
            }
            for word in [
                "rm ", "deluser", "userdel", "delgroup", "chown", "chmod", "find ",
            ] {
                assert!(!line.contains(word), "{name} runs « {word} »: {line}");
            }
        }
    }
}

#[test]
fn no_file_is_world_writable_and_root_owns_everything() {
    let listing = run(
        "dpkg-deb",
        &["--contents".as_ref(), package().deb.as_os_str()],
    );
    let mut paths = Vec::new();
    for line in listing.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (mode, owner, path) = (fields[0], fields[1], fields[5]);
        // dpkg-deb shows the owner by name or, when the archive holds none, by number.
        assert!(
            owner == "root/root" || owner == "0/0",
            "{path} belongs to {owner}"
        );
        if !mode.starts_with('l') {
            assert_eq!(&mode[8..9], "-", "{path} is world-writable: {mode}");
        }
        assert!(!mode.contains('s') && !mode.contains('S'), "{path}: {mode}");
        paths.push(path.trim_start_matches('.').to_owned());
    }
    for expected in [
        "/usr/bin/urne-kiosk",
        "/usr/bin/urne",
        "/usr/lib/systemd/system/urne-kiosk.service",
        "/usr/lib/udev/rules.d/99-urne-scanner.rules",
        "/usr/share/polkit-1/rules.d/50-urne-udisks.rules",
        "/usr/share/doc/urne-kiosk/copyright",
        "/usr/share/doc/urne-kiosk/README.md",
    ] {
        assert!(paths.iter().any(|p| p == expected), "{expected} is missing");
    }
    // Nothing under /var/lib/urne (systemd creates it for the service) and nothing in /etc
    // (no conffile to merge on upgrades).
    assert!(
        !paths
            .iter()
            .any(|p| p.starts_with("/var/lib/urne") || p.starts_with("/etc")),
        "{paths:?}"
    );
}
