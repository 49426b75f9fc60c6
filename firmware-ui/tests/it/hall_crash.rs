//! The lead kiosk killed with SIGKILL in the middle of casts from three voting kiosks, then
//! restarted on the same card: every ballot a voting kiosk acknowledged (« A voté ! ») is there
//! once, none is doubled, every visit is whole, and the database passes SQLite's integrity
//! check. The lead runs in a child process (this test binary started again with
//! `URNE_HALL_LEAD=<folder>`), the voting kiosks in this one, each on its own thread with its
//! own device key and pinned TLS link; a cast whose answer the kill swallowed is sent again
//! under its id, and a visit the restarted lead no longer holds is started again from a scan.
//!
//! `URNE_HALL_KILLS` sets the number of kills (3 by default), spread over the evening by the
//! number of voters told « A voté ! ».

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use urne_codec::hall::HallRole;
use urne_core::ballot::{Ballot, MotionChoice};
use urne_core::crypto::SecretKey;
use urne_core::ids::{MemberId, PollId};
use urne_kiosk::hall::serve::{LeadKeys, LeadService};
use urne_kiosk::kiosk::{BallotCast, HallProblem, Kiosk, KioskError, ScanOutcome};
use urne_kiosk::remote::client::RemoteLead;
use urne_kiosk::store::Store;
use urne_kiosk::ui_testing::demo::{self, Fixture};

const VOTING: [u8; 3] = [20, 21, 23];

/// Longer than any request to a running lead on loopback, shorter than the lead's restart
/// (killed, 150 ms, then a process start): a request that took this long met a restart.
const RESTART: Duration = Duration::from_millis(120);

fn open_lead(dir: &Path) -> Kiosk {
    Fixture::new(dir).key_file().build()
}

/// The lead's work: serve the hall from `URNE_HALL_LEAD` on `URNE_HALL_PORT` until killed.
#[test]
fn lead_child() {
    let (Some(dir), Some(port)) = (
        std::env::var_os("URNE_HALL_LEAD"),
        std::env::var("URNE_HALL_PORT").ok(),
    ) else {
        return;
    };
    let kiosk = open_lead(Path::new(&dir));
    let keys = LeadKeys {
        identity: kiosk.hall_identity().unwrap(),
        gate: kiosk.hall_gate(),
    };
    let (worker, _inbox) = urne_kiosk::worker::Worker::<()>::spawn(kiosk, Arc::new(|| {})).unwrap();
    let address = format!("127.0.0.1:{port}").parse().unwrap();
    let _service = LeadService::start(worker.jobs(), &keys, address).unwrap();
    println!("ready");
    loop {
        std::thread::sleep(Duration::from_secs(60));
    }
}

/// The lead's card with the demo loaded, both motions open and the three voting kiosks paired.
fn prepared(dir: &Path) -> urne_core::crypto::Fingerprint {
    let mut lead = open_lead(dir);
    lead.set_pin(urne_kiosk::demo::PIN).unwrap();
    lead.load_package(&urne_kiosk::demo::package().bytes)
        .unwrap();
    demo::unlock(&mut lead);
    lead.confirm_clock(0).unwrap();
    for poll in ["charte", "statuts"] {
        lead.open_poll(&PollId::new(poll).unwrap()).unwrap();
    }
    for seed in VOTING {
        crate::hall_lead::pair(&mut lead, seed, HallRole::Voting);
    }
    lead.hall_identity().unwrap().fingerprint()
}

/// The lead's process, killed when dropped (a failing test leaves no lead behind).
struct Lead(Child);

impl Lead {
    fn stop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Lead {
    fn drop(&mut self) {
        self.stop();
    }
}

fn start(dir: &Path, port: u16) -> Child {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "hall_crash::lead_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("URNE_HALL_LEAD", dir)
        .env("URNE_HALL_PORT", port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Serving once it says so.
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("ready") {
        line.clear();
        if std::io::BufRead::read_line(&mut out, &mut line).unwrap() == 0 {
            panic!("the lead did not start");
        }
    }
    child
}

/// One voting kiosk's evening: each of its voters scans and casts until the lead says
/// « A voté ! » (the cast sent again after a lost answer, the visit started again when the
/// restarted lead no longer holds it). Returns the members acknowledged, and how many scans or
/// casts rode out a restart of the lead (the client retries under the same id meanwhile, so
/// they come back late rather than failed).
fn voting_kiosk(
    dir: &Path,
    seed: u8,
    lead: urne_core::crypto::Fingerprint,
    port: u16,
    voters: Vec<String>,
    told: &AtomicUsize,
) -> (Vec<MemberId>, usize) {
    let mut kiosk = Fixture::new(dir).seed(seed).demo().confirm_time().build();
    let link = RemoteLead::new(
        &SecretKey::from_seed(&[seed; 32]),
        lead,
        vec![format!("127.0.0.1:{port}").parse().unwrap()],
        Duration::from_secs(20),
    )
    .unwrap();
    kiosk.join_hall(HallRole::Voting, Box::new(link));
    let mut acknowledged = Vec::new();
    let mut interrupted = 0;
    for badge in voters {
        let give_up = Instant::now() + Duration::from_secs(120);
        'visit: loop {
            assert!(Instant::now() < give_up, "a voter could not vote");
            let asked = Instant::now();
            let scanned = kiosk.scan(&badge);
            if asked.elapsed() > RESTART {
                interrupted += 1;
            }
            let (member, due) = match scanned {
                Ok(ScanOutcome::Welcome {
                    member, due, voted, ..
                }) => {
                    if due.is_empty() {
                        // Stored before a kill swallowed the answer, and not retried: the lead
                        // says so (the voter was never told « A voté ! »).
                        assert!(voted, "nothing due for a voter who has not voted");
                        break 'visit;
                    }
                    (member, due)
                }
                Ok(other) => panic!("{other:?}"),
                Err(_) => {
                    interrupted += 1;
                    std::thread::sleep(Duration::from_millis(50));
                    continue 'visit;
                }
            };
            let ballots: Vec<BallotCast> = due
                .iter()
                .map(|d| BallotCast {
                    member: d.member,
                    poll: d.poll.clone(),
                    ballot: Ballot::Motion(MotionChoice::For),
                })
                .collect();
            loop {
                let asked = Instant::now();
                let cast = kiosk.cast_visit(&member, &ballots);
                if asked.elapsed() > RESTART {
                    interrupted += 1;
                }
                match cast {
                    Ok(()) => {
                        acknowledged.push(member);
                        told.fetch_add(1, Ordering::SeqCst);
                        break 'visit;
                    }
                    Err(refused)
                        if matches!(refused.error, KioskError::Hall(HallProblem::VisitEnded)) =>
                    {
                        continue 'visit;
                    }
                    Err(_) => {
                        interrupted += 1;
                        std::thread::sleep(Duration::from_millis(50));
                    }
                }
            }
        }
        std::thread::sleep(Duration::from_millis(30));
    }
    (acknowledged, interrupted)
}

#[test]
fn acknowledged_casts_survive_the_lead_killed_mid_evening() {
    let kills: u32 = std::env::var("URNE_HALL_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let lead_dir = tempfile::tempdir().unwrap();
    let lead = prepared(lead_dir.path());
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let mut child = Lead(start(lead_dir.path(), port));
    let told = Arc::new(AtomicUsize::new(0));
    let badges: Vec<String> = demo::members().iter().map(|m| m.payload.clone()).collect();
    let dirs: Vec<_> = VOTING
        .iter()
        .map(|_| tempfile::tempdir().unwrap())
        .collect();
    let kiosks: Vec<_> = VOTING
        .iter()
        .zip(&dirs)
        .enumerate()
        .map(|(k, (&seed, dir))| {
            let voters: Vec<String> = badges
                .iter()
                .skip(k)
                .step_by(VOTING.len())
                .cloned()
                .collect();
            let dir = dir.path().to_owned();
            let told = told.clone();
            std::thread::spawn(move || voting_kiosk(&dir, seed, lead, port, voters, &told))
        })
        .collect();
    // Each kill once a further share of the voters has been told « A voté ! »: mid-evening
    // whatever the machine's speed.
    for kill in 1..=kills as usize {
        let due = badges.len() * kill / (kills as usize + 1);
        let give_up = Instant::now() + Duration::from_secs(60);
        while told.load(Ordering::SeqCst) < due {
            assert!(Instant::now() < give_up, "the voting kiosks stopped");
            std::thread::sleep(Duration::from_millis(5));
        }
        child.stop();
        std::thread::sleep(Duration::from_millis(150));
        child = Lead(start(lead_dir.path(), port));
    }
    let mut acknowledged: Vec<MemberId> = Vec::new();
    let mut interrupted = 0;
    for kiosk in kiosks {
        let (members, cut) = kiosk.join().unwrap();
        acknowledged.extend(members);
        interrupted += cut;
    }
    assert!(
        interrupted > 0,
        "the kills landed while the voting kiosks were asking the lead"
    );
    drop(child);

    let store = Store::open(&lead_dir.path().join("urne.sqlite")).unwrap();
    store
        .integrity_check()
        .expect("PRAGMA integrity_check is ok");
    let unique: BTreeSet<_> = acknowledged.iter().collect();
    assert_eq!(
        unique.len(),
        acknowledged.len(),
        "no voter acknowledged twice"
    );
    assert!(
        acknowledged.len() > badges.len() / 2,
        "most voters were told « A voté ! » ({} of {})",
        acknowledged.len(),
        badges.len()
    );
    for poll in ["charte", "statuts"] {
        let id = PollId::new(poll).unwrap();
        let marks = store.voted_count(&id).unwrap();
        let ballots = store.sealed_box(&id).unwrap().unwrap().ciphertexts.len() as u64;
        assert_eq!(
            marks, ballots,
            "{poll}: every mark has its ballot, none doubled"
        );
        assert_eq!(
            marks,
            badges.len() as u64,
            "{poll}: every member voted once, kills or not"
        );
        for member in &acknowledged {
            assert!(
                store.has_voted(&id, member).unwrap(),
                "an acknowledged cast is stored"
            );
        }
    }
    println!(
        "{kills} kills of the lead, {interrupted} requests cut, {} of {} voters acknowledged, \
         every ballot once",
        acknowledged.len(),
        badges.len()
    );
}
