//! The export to the USB stick: the sample bundle of `docs/vectors/sample/` is exactly what the
//! kiosk writes (bundle, procès-verbal, attendance sheet); a full, read-only or absent stick
//! gives a clear message while the kiosk keeps every record, and the next export writes again.
//!
//! `URNE_UPDATE_SAMPLE=1 cargo test -p urne-kiosk --test export` rewrites the sample after a
//! deliberate change of the format.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use urne_core::ballot::{Ballot, MotionChoice};
use urne_core::credential::Role;
use urne_core::ids::{MemberId, OptionId, PollId};
use urne_core::timestamp::Timestamp;
use urne_kiosk::clock::FakeClock;
use urne_kiosk::kiosk::{Kiosk, KioskError, Problem, ScanOutcome, UsbProblem};
use urne_kiosk::ui_testing::Harness;
use urne_kiosk::ui_testing::demo::Fixture;
use urne_kiosk::usb::{FolderTarget, UsbError, UsbTarget};
use urne_kiosk::view::ViewOptions;

/// The sample kiosk's key seed: public, for the sample only.
const SAMPLE_SEED: [u8; 32] = *b"urne sample bundle device key!!!";
const WAIT: Duration = Duration::from_secs(10);

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/vectors/sample")
}

fn option(id: &str) -> OptionId {
    OptionId::new(id).unwrap()
}

/// The sample evening on the demo assembly: 48 members check in and four absent members give
/// proxies (52 counted, quorum 50); four polls are voted and closed (a motion, a single choice,
/// a Majority Judgment, a participatory budget), one is left open, the others are never opened.
fn sample_evening(usb: Box<dyn UsbTarget>, dir: &Path) -> (Kiosk, FakeClock) {
    // 2026-12-05T18:30:00Z, the demo's evening.
    let clock = FakeClock::at(Timestamp(1_796_495_400));
    let badges = urne_papers::badges::issue_all(
        &urne_kiosk::demo::package().package,
        &urne_kiosk::demo::organiser_key(),
    );
    let mut kiosk = Fixture::new(dir)
        .key_seed(SAMPLE_SEED)
        .clock(Arc::new(clock.clone()))
        .usb(usb)
        .demo()
        .build();
    let members: Vec<MemberId> = badges
        .iter()
        .filter(|b| b.role == Role::Participant)
        .take(52)
        .map(|b| b.id)
        .collect();
    for badge in badges
        .iter()
        .filter(|b| b.role == Role::Participant)
        .take(48)
    {
        clock.advance(37);
        assert!(matches!(
            kiosk.scan(&badge.payload).unwrap(),
            ScanOutcome::Welcome { .. }
        ));
    }
    let organiser = badges.iter().find(|b| b.role == Role::Organiser).unwrap();
    let ScanOutcome::Organiser { organiser, .. } = kiosk.scan(&organiser.payload).unwrap() else {
        panic!("organiser badge")
    };
    kiosk.unlock(&organiser, "123456").unwrap();
    // Members 48 to 51 are absent and give their proxies to members 0 to 3.
    for i in 48..52 {
        kiosk.grant_proxy(&members[i], &members[i - 48]).unwrap();
    }

    let charte = PollId::new("charte").unwrap();
    let lieu = PollId::new("lieu").unwrap();
    let priorites = PollId::new("priorites").unwrap();
    let statuts = PollId::new("statuts").unwrap();
    let budget = PollId::new("budget").unwrap();
    for poll in [&charte, &lieu, &priorites, &budget, &statuts] {
        clock.advance(60);
        kiosk.open_poll(poll).unwrap();
    }
    let lieu_options = ["bourderie", "hermeland", "bellevue"];
    let priorites_kind = &kiosk
        .event()
        .unwrap()
        .poll(&priorites)
        .unwrap()
        .kind
        .clone();
    let candidates: Vec<OptionId> = priorites_kind.option_ids().into_iter().cloned().collect();
    let budget_kind = kiosk.event().unwrap().poll(&budget).unwrap().kind.clone();
    let projects: Vec<OptionId> = budget_kind.option_ids().into_iter().cloned().collect();
    for (i, member) in members.iter().enumerate() {
        // Voters 0 to 3 also vote for the members they represent.
        let voter = if i >= 48 { members[i - 48] } else { *member };
        clock.advance(20);
        let motion = match i % 4 {
            0 | 1 => MotionChoice::For,
            2 => MotionChoice::Against,
            _ => MotionChoice::Abstain,
        };
        let motion = if i % 13 == 7 {
            Ballot::Blank
        } else {
            Ballot::Motion(motion)
        };
        kiosk.cast(&voter, member, &charte, motion).unwrap();
        let place = Ballot::Single(option(lieu_options[[0, 0, 1, 1, 2][i % 5]]));
        kiosk.cast(&voter, member, &lieu, place).unwrap();
        let grades = candidates
            .iter()
            .enumerate()
            // Spread differently for each candidate, so that the majority grades differ.
            .map(|(c, id)| {
                (
                    id.clone(),
                    u8::try_from(((i * 5 + c * 3) % 4 + c) % 7).unwrap(),
                )
            })
            .collect();
        kiosk
            .cast(&voter, member, &priorites, Ballot::Grades(grades))
            .unwrap();
        let approved = projects
            .iter()
            .enumerate()
            .filter(|(p, _)| (i + p) % 3 == 0 || (i * p) % 5 == 1)
            .map(|(_, id)| id.clone())
            .collect();
        kiosk
            .cast(&voter, member, &budget, Ballot::Budget(approved))
            .unwrap();
        if i < 5 {
            kiosk
                .cast(&voter, member, &statuts, Ballot::Motion(MotionChoice::For))
                .unwrap();
        }
    }
    for poll in [&charte, &lieu, &priorites, &budget] {
        clock.advance(300);
        kiosk.close_poll(poll).unwrap();
    }
    clock.advance(600);
    (kiosk, clock)
}

#[test]
fn the_committed_sample_is_what_the_kiosk_exports() {
    let dir = tempfile::tempdir().unwrap();
    let stick = dir.path().join("stick");
    std::fs::create_dir(&stick).unwrap();
    let (mut kiosk, _) = sample_evening(Box::new(FolderTarget::new(&stick)), dir.path());
    let exported = kiosk.export(false).unwrap();
    assert_eq!(exported.seq, 1);

    let mut names: Vec<String> = std::fs::read_dir(&stick)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let stem = exported.file_name.trim_end_matches(".urne");
    assert_eq!(
        names,
        [
            format!("{stem}-emargement.csv"),
            format!("{stem}-pv.pdf"),
            format!("{stem}.urne")
        ],
        "exactly the three files, and no temporary file left behind"
    );

    let sample = sample_dir();
    if std::env::var_os("URNE_UPDATE_SAMPLE").is_some() {
        if sample.exists() {
            std::fs::remove_dir_all(&sample).unwrap();
        }
        std::fs::create_dir_all(&sample).unwrap();
        for name in &names {
            std::fs::copy(stick.join(name), sample.join(name)).unwrap();
        }
    }
    for name in &names {
        let committed = std::fs::read(sample.join(name)).unwrap_or_else(|e| {
            panic!("docs/vectors/sample/{name}: {e} (URNE_UPDATE_SAMPLE=1 writes it)")
        });
        assert!(
            committed == std::fs::read(stick.join(name)).unwrap(),
            "docs/vectors/sample/{name} is not what the kiosk exports now"
        );
    }
}

/// A stick that takes `room` more files, then fails as `fail` says.
struct FlakyStick {
    inner: FolderTarget,
    room: usize,
    fail: fn() -> UsbError,
}

impl UsbTarget for FlakyStick {
    fn write_file(&mut self, name: &str, content: &[u8]) -> Result<PathBuf, UsbError> {
        if self.room == 0 {
            return Err((self.fail)());
        }
        self.room -= 1;
        self.inner.write_file(name, content)
    }
    fn list(&self, extension: &str) -> Result<Vec<String>, UsbError> {
        self.inner.list(extension)
    }
    fn read(&self, name: &str, limit: u64) -> Result<Vec<u8>, UsbError> {
        self.inner.read(name, limit)
    }
    fn describe(&self) -> String {
        "flaky stick".into()
    }
}

#[test]
fn a_full_or_read_only_stick_says_so_and_the_kiosk_keeps_every_record() {
    for (room, fail, problem) in [
        (1, (|| UsbError::Full) as fn() -> UsbError, UsbProblem::Full),
        (0, || UsbError::ReadOnly, UsbProblem::ReadOnly),
        (0, || UsbError::Absent, UsbProblem::Absent),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let stick = dir.path().join("stick");
        std::fs::create_dir(&stick).unwrap();
        let usb = FlakyStick {
            inner: FolderTarget::new(&stick),
            room,
            fail,
        };
        let (mut kiosk, _) = sample_evening(Box::new(usb), dir.path());
        let before = kiosk.dashboard().unwrap();
        let error = kiosk.export(false).unwrap_err();
        assert!(matches!(error, KioskError::Usb(_)), "{error:?}");
        // The dashboard says which (see `a_failed_export_is_said_in_the_organisers_language`).
        assert_eq!(error.problem(), Problem::Usb(problem));
        assert!(error.to_string().contains("kept on the kiosk"), "{error}");
        // Only whole files under final names: the bundle when there was room for one file.
        let written: Vec<String> = std::fs::read_dir(&stick)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(written.len(), room, "{written:?}");
        for name in &written {
            assert!(name.ends_with(".urne") && !name.starts_with('.'), "{name}");
            urne_codec::verify::verify(&std::fs::read(stick.join(name)).unwrap(), None).unwrap();
        }
        // Every record is still there, and the failed export is queued for upload.
        assert_eq!(kiosk.dashboard().unwrap(), before);
        assert_eq!(kiosk.store().next_export_seq().unwrap(), 2);
    }
}

#[test]
fn a_later_export_supersedes_and_each_verifies_on_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let stick = dir.path().join("stick");
    std::fs::create_dir(&stick).unwrap();
    let (mut kiosk, clock) = sample_evening(Box::new(FolderTarget::new(&stick)), dir.path());
    let first = kiosk.export(false).unwrap();
    clock.advance(60);
    kiosk.close_poll(&PollId::new("statuts").unwrap()).unwrap();
    let second = kiosk.export(false).unwrap();
    assert_eq!((first.seq, second.seq), (1, 2));
    assert_eq!(second.files.len(), 3);
    let a = urne_codec::verify::verify(&std::fs::read(&first.path).unwrap(), None).unwrap();
    let b = urne_codec::verify::verify(&std::fs::read(&second.path).unwrap(), None).unwrap();
    assert_eq!((a.seq, b.seq), (1, 2));
    assert_eq!(a.device, b.device);
    assert_eq!(a.content.results.len() + 1, b.content.results.len());
}

#[test]
fn a_bundle_from_an_edited_database_still_leaves_but_gets_no_pv() {
    let dir = tempfile::tempdir().unwrap();
    let stick = dir.path().join("stick");
    std::fs::create_dir(&stick).unwrap();
    let (kiosk, _) = sample_evening(Box::new(FolderTarget::new(&stick)), dir.path());
    drop(kiosk);
    // Someone with the SD card moves a check-in's time.
    let conn = rusqlite::Connection::open(dir.path().join("urne.sqlite")).unwrap();
    let entry: String = conn
        .query_row("SELECT entry FROM audit WHERE seq = 3", [], |r| r.get(0))
        .unwrap();
    let mut edited: serde_json::Value = serde_json::from_str(&entry).unwrap();
    edited["at"] = "2026-12-05T18:00:00Z".into();
    conn.execute(
        "UPDATE audit SET entry = ?1 WHERE seq = 3",
        [edited.to_string()],
    )
    .unwrap();
    drop(conn);

    let mut kiosk = Fixture::new(dir.path())
        .key_seed(SAMPLE_SEED)
        .clock(Arc::new(FakeClock::at(Timestamp(1_796_510_000))))
        .usb_folder(&stick)
        .build();
    let badges = urne_papers::badges::issue_all(
        &urne_kiosk::demo::package().package,
        &urne_kiosk::demo::organiser_key(),
    );
    let organiser = badges.iter().find(|b| b.role == Role::Organiser).unwrap();
    let ScanOutcome::Organiser { organiser, .. } = kiosk.scan(&organiser.payload).unwrap() else {
        panic!("organiser badge")
    };
    kiosk.unlock(&organiser, "123456").unwrap();
    let error = kiosk.export(false).unwrap_err();
    assert!(matches!(error, KioskError::Unverifiable(_)), "{error}");
    let written: Vec<PathBuf> = std::fs::read_dir(&stick)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(written.len(), 1, "{written:?}");
    let bytes = std::fs::read(&written[0]).unwrap();
    let failure = urne_codec::verify::verify(&bytes, None).unwrap_err();
    assert!(failure.to_string().contains("audit chain"), "{failure}");
}

#[test]
fn a_failed_export_is_said_in_the_organisers_language() {
    let dir = tempfile::tempdir().unwrap();
    let stick = dir.path().join("stick");
    std::fs::create_dir(&stick).unwrap();
    let usb = FlakyStick {
        inner: FolderTarget::new(&stick),
        room: 0,
        fail: || UsbError::Absent,
    };
    let (kiosk, _) = sample_evening(Box::new(usb), dir.path());
    let h = Harness::new(kiosk, ViewOptions::default(), 1280, 800);
    h.unlock();
    h.tap("Exporter sur clé USB");
    assert!(h.wait_for(
        "Export impossible : aucune clé USB n'est branchée. Les résultats restent enregistrés sur le kiosque.",
        WAIT
    ));
    // The whole sentence in English, the stick's trouble included: nothing built in French by
    // the kiosk's worker is put inside it.
    h.tap("English");
    h.tap("Export to USB stick");
    assert!(h.wait_for(
        "Export failed: no USB stick is plugged in. The results are still stored on the kiosk.",
        WAIT
    ));
    h.shutdown();
}
