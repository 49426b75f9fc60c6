//! A voter's cast on a voting kiosk of a hall, from « Confirmer mon vote » to « A voté ! »: the
//! ballots sealed on the voting kiosk, sent over pinned TLS 1.3 on loopback to the lead kiosk,
//! checked against the visit's claim and written there in one durable transaction, then
//! answered. Measured interleaved with a bare SQLite insert + commit on the same disk (a virtual
//! machine's fsync swings tenfold within a minute).
//!
//! Two settings: one voting kiosk alone; then three voting kiosks casting at once while a door
//! kiosk relays check-ins, each a thread with its own link to the lead.
//!
//! Run: `cargo bench -p urne-kiosk --bench hall_cast` (`URNE_BENCH_ROUNDS`, default 600 casts
//! alone and as many busy). Each round is a visit of the demo's two open motions; the lead's
//! polls are reset whenever every member has voted.

#[path = "support/disk.rs"]
mod disk;
use disk::{bare, bench_dir, percentile};

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rusqlite::params;
use urne_codec::hall::{AnswerBody, HallRole, RequestBody};
use urne_core::ballot::{Ballot, MotionChoice};
use urne_core::crypto::SecretKey;
use urne_kiosk::hall::serve::{LeadKeys, LeadService};
use urne_kiosk::kiosk::hall::HallReply;
use urne_kiosk::kiosk::{BallotCast, Kiosk, ScanOutcome};
use urne_kiosk::remote::client::RemoteLead;
use urne_kiosk::ui_testing::demo::{self, Fixture};
use urne_kiosk::worker::{Job, Worker};

/// Pairs the kiosk whose device key is made from `seed` to `lead`, as the organiser would.
fn pair(lead: &mut Kiosk, seed: u8, role: HallRole) {
    let peer = SecretKey::from_seed(&[seed; 32]).public().fingerprint();
    demo::unlock(lead);
    let card = lead.open_pairing(Vec::new()).unwrap();
    let ask = RequestBody::Pair {
        token: card.token,
        device: peer,
        role,
        package: lead.package_digest().unwrap(),
    };
    assert_eq!(lead.hall_answer(&peer, ask), HallReply::AwaitOrganiser);
    lead.decide_pairing(true).unwrap();
    assert!(matches!(
        lead.pairing_outcome(&peer),
        Some(AnswerBody::Paired { .. })
    ));
    lead.lock();
}

/// Runs `f` on the lead's worker and waits for it.
fn on<T: Send + 'static>(
    jobs: &std::sync::mpsc::Sender<Job<()>>,
    f: impl FnOnce(&mut Kiosk) -> T + Send + 'static,
) -> T {
    let (done, result) = std::sync::mpsc::sync_channel(1);
    jobs.send(Box::new(move |k, _| {
        let _ = done.send(f(k));
    }))
    .unwrap();
    result.recv().unwrap()
}

/// A member kiosk of the hall served at `address`.
fn member(
    dir: &Path,
    seed: u8,
    role: HallRole,
    lead: &LeadKeys,
    address: std::net::SocketAddr,
) -> Kiosk {
    let mut kiosk = Fixture::new(dir).seed(seed).demo().confirm_time().build();
    let link = RemoteLead::new(
        &SecretKey::from_seed(&[seed; 32]),
        lead.identity.fingerprint(),
        vec![address],
        Duration::from_secs(10),
    )
    .unwrap();
    kiosk.join_hall(role, Box::new(link));
    kiosk
}

/// One voter's visit on `kiosk`: the scan (not timed), then the cast, timed.
fn visit(kiosk: &mut Kiosk, badge: &str) -> Option<Duration> {
    let ScanOutcome::Welcome { member, due, .. } = kiosk.scan(badge).unwrap() else {
        return None;
    };
    if due.is_empty() {
        return None;
    }
    let ballots: Vec<BallotCast> = due
        .iter()
        .map(|d| BallotCast {
            member: d.member,
            poll: d.poll.clone(),
            ballot: Ballot::Motion(MotionChoice::For),
        })
        .collect();
    let start = Instant::now();
    kiosk.cast_visit(&member, &ballots).unwrap();
    Some(start.elapsed())
}

/// Puts the lead's two motions back to not opened and opens them again: every member may vote.
fn new_evening(jobs: &std::sync::mpsc::Sender<Job<()>>) {
    on(jobs, |k| {
        demo::unlock(k);
        let motions: Vec<_> = k.event().unwrap().polls[..2]
            .iter()
            .map(|p| p.id.clone())
            .collect();
        for poll in motions {
            k.reset_poll(&poll).unwrap();
            k.open_poll(&poll).unwrap();
        }
        k.lock();
    });
}

fn report(name: &str, samples: &mut [Duration], bare: Duration) {
    samples.sort();
    let p50 = percentile(samples, 0.5);
    println!(
        "{name:<55} n={:>5}  p50 {:>9.1?}  p90 {:>9.1?}  p99 {:>9.1?}  p50 − bare {:>8.1?}",
        samples.len(),
        p50,
        percentile(samples, 0.9),
        percentile(samples, 0.99),
        p50.saturating_sub(bare)
    );
}

fn main() {
    let rounds: usize = std::env::var("URNE_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(600);
    let dirs: Vec<_> = (0..6).map(|_| bench_dir()).collect();
    let conn = bare(&dirs[0].path().join("bare.sqlite"));
    let mut lead = Fixture::new(dirs[1].path())
        .seed(4)
        .demo()
        .confirm_time()
        .open_polls(&[0, 1])
        .build();
    for (seed, role) in [
        (20, HallRole::Voting),
        (21, HallRole::Voting),
        (23, HallRole::Voting),
        (22, HallRole::Door),
    ] {
        pair(&mut lead, seed, role);
    }
    let keys = LeadKeys {
        identity: lead.hall_identity().unwrap(),
        gate: lead.hall_gate(),
    };
    let (worker, _inbox) = Worker::<()>::spawn(lead, Arc::new(|| {})).unwrap();
    let jobs = worker.jobs();
    let service = LeadService::start(jobs.clone(), &keys, "127.0.0.1:0".parse().unwrap()).unwrap();
    let address = service.address();
    let badges: Vec<String> = demo::members().iter().map(|m| m.payload.clone()).collect();

    // One voting kiosk alone, each cast beside a bare commit.
    let mut alone = member(dirs[2].path(), 20, HallRole::Voting, &keys, address);
    let (mut bare_times, mut cast_times) = (Vec::new(), Vec::new());
    let mut next = 0usize;
    for round in 0..rounds {
        if next == badges.len() {
            new_evening(&jobs);
            next = 0;
        }
        let mut key = [0u8; 16];
        key[..8].copy_from_slice(&(round as u64).to_le_bytes());
        let mut commit = || {
            let start = Instant::now();
            conn.execute(
                "INSERT INTO t (id, v) VALUES (?1, ?2)",
                params![&key[..], &[7u8; 40][..]],
            )
            .unwrap();
            bare_times.push(start.elapsed());
        };
        if round % 2 == 0 {
            commit();
        }
        if let Some(took) = visit(&mut alone, &badges[next]) {
            cast_times.push(took);
        }
        if round % 2 == 1 {
            commit();
        }
        next += 1;
    }
    bare_times.sort();
    let bare_p50 = percentile(&bare_times, 0.5);
    println!("{rounds} rounds, lead and kiosks on this machine over loopback TLS 1.3:");
    report("bare SQLite insert + commit", &mut bare_times, bare_p50);
    report(
        "cast of a visit of two, one voting kiosk",
        &mut cast_times,
        bare_p50,
    );

    // Three voting kiosks at once, and a door kiosk relaying check-ins meanwhile.
    new_evening(&jobs);
    let stop = Arc::new(AtomicBool::new(false));
    let door = {
        let mut door = member(dirs[3].path(), 22, HallRole::Door, &keys, address);
        let (badges, stop) = (badges.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut relayed = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let _ = door.scan(&badges[relayed % badges.len()]).unwrap();
                relayed += 1;
            }
            relayed
        })
    };
    let per_kiosk = rounds / 3;
    let mut busy = Vec::new();
    let mut done = 0;
    while done < per_kiosk {
        // An evening's members shared among the three kiosks, as a hall's queue would.
        let batch = (per_kiosk - done).min(badges.len() / 3);
        let threads: Vec<_> = [(20u8, 2usize), (21, 4), (23, 5)]
            .into_iter()
            .enumerate()
            .map(|(k, (seed, d))| {
                let mut kiosk = member(dirs[d].path(), seed, HallRole::Voting, &keys, address);
                let mine: Vec<String> = badges
                    .iter()
                    .skip(k)
                    .step_by(3)
                    .take(batch)
                    .cloned()
                    .collect();
                std::thread::spawn(move || {
                    mine.iter()
                        .filter_map(|b| visit(&mut kiosk, b))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for thread in threads {
            busy.extend(thread.join().unwrap());
        }
        done += batch;
        new_evening(&jobs);
    }
    stop.store(true, Ordering::Relaxed);
    let relayed = door.join().unwrap();
    report(
        "cast of a visit of two, 3 voting kiosks + a busy door",
        &mut busy,
        bare_p50,
    );
    println!("(the door relayed {relayed} check-ins meanwhile)");
    drop(service);
}
