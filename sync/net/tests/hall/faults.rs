//! Kiosks talking to the lead through a hostile hall network: a proxy between them drops
//! connections, cuts them after a random number of bytes in either direction (before the
//! request arrives, or after the lead applied it and before its answer gets back), delays, and
//! once partitions the hall for 30 seconds. In the end every request is answered, each applied
//! exactly once, and each kiosk holds the answer the lead gave when it applied it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use urne_codec::hall::{AnswerBody, RequestBody};
use urne_sync::hall::client::HallClient;
use urne_sync::hall::server::ServerLimits;

use crate::support::{RecordingLead, client, device, serve};

/// What the proxy does to one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Fault {
    /// Passes this many bytes each way, then cuts: a kiosk keeps its connection open between
    /// requests, so that even a good connection ends some time.
    Pass(usize),
    /// Closes at once.
    Drop,
    /// Passes this many bytes from the kiosk, then cuts.
    CutUp(usize),
    /// Passes this many bytes from the lead, then cuts: past the handshake, the lead has the
    /// request and applies it, and its answer is lost.
    CutDown(usize),
    /// Holds the connection this long before passing anything.
    Delay(u64),
}

impl Fault {
    fn kind(self) -> &'static str {
        match self {
            Fault::Pass(_) => "pass",
            Fault::Drop => "drop",
            Fault::CutUp(_) => "cut-up",
            Fault::CutDown(_) => "cut-down",
            Fault::Delay(_) => "delay",
        }
    }
}

/// A small deterministic generator: the same faults in the same order on every run.
fn next_random(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn pick(connection: u32, seed: &mut u64) -> Fault {
    // Every kind early on, then a random mix.
    const FIRST: [Fault; 5] = [
        Fault::Drop,
        Fault::CutDown(1200),
        Fault::Delay(300),
        Fault::CutUp(100),
        Fault::Pass(2000),
    ];
    if let Some(fault) = FIRST.get(connection as usize) {
        return *fault;
    }
    match next_random(seed) % 20 {
        0..=7 => Fault::Pass(800 + (next_random(seed) % 2500) as usize),
        8..=9 => Fault::Drop,
        10..=12 => Fault::CutUp((next_random(seed) % 1500) as usize),
        13..=17 => Fault::CutDown((next_random(seed) % 1500) as usize),
        _ => Fault::Delay(next_random(seed) % 800),
    }
}

struct Network {
    seed: u64,
    /// The hall is partitioned until then: connections are held and pass nothing.
    partitioned_until: Option<Instant>,
    connections: u32,
    log: Vec<Fault>,
    partitions: u32,
}

/// Copies `from` to `to`, at most `budget` bytes (then cuts), unless the hall is partitioned.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    budget: Option<usize>,
    network: Arc<Mutex<Network>>,
) {
    let mut left = budget.unwrap_or(usize::MAX);
    let mut buffer = [0u8; 4096];
    loop {
        let n = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let partitioned = network
            .lock()
            .unwrap()
            .partitioned_until
            .is_some_and(|until| Instant::now() < until);
        if partitioned {
            // A partition swallows everything in flight.
            break;
        }
        let n = n.min(left);
        if to.write_all(&buffer[..n]).await.is_err() {
            break;
        }
        left -= n;
        if left == 0 {
            break;
        }
    }
    let _ = to.shutdown().await;
}

async fn handle(kiosk: TcpStream, lead: SocketAddr, network: Arc<Mutex<Network>>) {
    let (fault, partition_left) = {
        let mut net = network.lock().unwrap();
        net.connections += 1;
        if net.connections == 12 && net.partitions == 0 {
            net.partitions += 1;
            net.partitioned_until = Some(Instant::now() + Duration::from_secs(30));
        }
        let fault = pick(net.connections - 1, &mut net.seed);
        net.log.push(fault);
        let left = net
            .partitioned_until
            .map(|until| until.saturating_duration_since(Instant::now()));
        (fault, left)
    };
    if let Some(left) = partition_left.filter(|d| !d.is_zero()) {
        // Cut off: the connection is accepted and nothing comes back, as when a hotspot isolates
        // clients. Held until the partition ends, then closed.
        tokio::time::sleep(left).await;
        return;
    }
    let (up, down) = match fault {
        Fault::Drop => return,
        Fault::Delay(ms) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            (Some(4000), Some(4000))
        }
        Fault::CutUp(n) => (Some(n), None),
        Fault::CutDown(n) => (None, Some(n)),
        Fault::Pass(n) => (Some(n), Some(n)),
    };
    let Ok(server) = TcpStream::connect(lead).await else {
        return;
    };
    let (kiosk_read, kiosk_write) = kiosk.into_split();
    let (server_read, server_write) = server.into_split();
    let upward = tokio::spawn(pump(kiosk_read, server_write, up, network.clone()));
    let downward = tokio::spawn(pump(server_read, kiosk_write, down, network));
    // Either direction cut ends the connection.
    tokio::select! {
        _ = upward => {}
        _ = downward => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_request_is_applied_once_and_answered_through_a_hostile_hall_network() {
    let lead_key = device(1);
    let kiosks: Vec<_> = (10..14).map(device).collect();
    let lead = RecordingLead::admitting(&kiosks.iter().collect::<Vec<_>>());
    *lead.work.lock().unwrap() = Duration::from_millis(5);
    let running = serve(&lead_key, lead.clone(), ServerLimits::default()).await;

    let proxy = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_address = proxy.local_addr().unwrap();
    let network = Arc::new(Mutex::new(Network {
        seed: 0x5eed_4a11,
        partitioned_until: None,
        connections: 0,
        log: Vec::new(),
        partitions: 0,
    }));
    let lead_address = running.address;
    let proxying = network.clone();
    tokio::spawn(async move {
        while let Ok((kiosk, _)) = proxy.accept().await {
            tokio::spawn(handle(kiosk, lead_address, proxying.clone()));
        }
    });

    const PER_KIOSK: usize = 30;
    let mut senders = Vec::new();
    for key in &kiosks {
        let hall = client(key, &lead_key, proxy_address);
        senders.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            for n in 0..PER_KIOSK {
                let id = HallClient::new_id();
                let body = RequestBody::CheckIn {
                    badge: format!("badge-{n}"),
                };
                // Longer than the partition: a kiosk keeps trying while the hall is cut off.
                let answer = hall
                    .request(id, body, Duration::from_secs(90))
                    .await
                    .unwrap();
                answers.push(answer);
            }
            answers
        }));
    }
    let mut answered: Vec<AnswerBody> = Vec::new();
    for sender in senders {
        answered.extend(sender.await.unwrap());
    }

    let applied = lead.applied();
    assert_eq!(
        answered.len(),
        kiosks.len() * PER_KIOSK,
        "every request answered"
    );
    assert_eq!(applied.len(), answered.len(), "each applied exactly once");
    let mut given: Vec<_> = applied.iter().map(|a| format!("{:?}", a.answer)).collect();
    let mut received: Vec<_> = answered.iter().map(|a| format!("{a:?}")).collect();
    given.sort();
    received.sort();
    assert_eq!(given, received, "each kiosk holds the answer the lead gave");
    let mut per_kiosk: HashMap<_, usize> = HashMap::new();
    for a in &applied {
        *per_kiosk.entry(a.device).or_default() += 1;
    }
    assert!(per_kiosk.values().all(|&n| n == PER_KIOSK));
    let mut badges: Vec<_> = applied.iter().filter_map(|a| a.badge()).collect();
    badges.sort_unstable();
    badges.dedup();
    assert_eq!(
        badges.len(),
        PER_KIOSK,
        "the requests applied are the ones sent"
    );

    let net = network.lock().unwrap();
    let kinds: std::collections::HashSet<_> = net.log.iter().map(|f| f.kind()).collect();
    assert_eq!(kinds.len(), 5, "every fault happened: {kinds:?}");
    eprintln!("{} connections through the proxy", net.connections);
    assert_eq!(net.partitions, 1, "the hall was partitioned once");
    assert!(
        running.server.answered_again() > 0,
        "some answers were lost after the lead applied the request, and given again"
    );
}
