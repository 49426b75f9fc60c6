//! The hall's projected screen (écran de salle), read as a projector's browser reads it: served
//! by the lead on the hall's network, rendered by headless Chromium. It shows attendance, the
//! quorum and each open poll's number of ballots, and a result only once its poll is closed and
//! the organiser has released it; nothing on it depends on a ballot of an open poll. It needs no
//! JavaScript, lets none run, and answers nothing but `GET /`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use urne_core::ballot::{Ballot, MotionChoice};
use urne_kiosk::kiosk::hall::wall::WallState;
use urne_kiosk::kiosk::{BallotCast, Closing, KioskError};
use urne_kiosk::ui_testing::demo::{self, Fixture};

use crate::support::worker::ServedLead;

/// Chromium as the tests start it: headless, with nothing reaching out to the internet.
fn chromium(profile: &Path) -> Command {
    let mut command = Command::new("chromium");
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ]);
    command.arg(format!("--user-data-dir={}", profile.display()));
    command
}

/// The page as Chromium renders it (its DOM after loading).
fn rendered(url: &str, profile: &Path) -> String {
    let out = chromium(profile)
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("Chromium runs (./dev test installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The page once the lead's change is on it: the lead serves a page again for up to a second
/// (so that many screens cost its worker one read a second), and a projector asks again every
/// few seconds.
fn rendered_after_change(url: &str, profile: &Path) -> String {
    std::thread::sleep(std::time::Duration::from_millis(1_100));
    rendered(url, profile)
}

/// One raw HTTP request, as any device on the hall's network may send it.
fn raw(address: std::net::SocketAddr, request: &str) -> String {
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

fn get(address: std::net::SocketAddr) -> String {
    raw(
        address,
        "GET / HTTP/1.1\r\nHost: urne\r\nConnection: close\r\n\r\n",
    )
}

/// The part of the page about the poll asking `question`.
fn section<'a>(page: &'a str, question: &str) -> &'a str {
    let start = page.find(question).expect("the poll is on the page");
    let end = page[start..]
        .find("</section>")
        .map_or(page.len(), |e| start + e);
    &page[start..end]
}

#[test]
fn the_projected_screen_shows_the_hall_and_only_the_results_released() {
    let dir = tempfile::tempdir().unwrap();
    let lead = ServedLead::start(
        Fixture::new(dir.path())
            .seed(4)
            .demo()
            .confirm_time()
            .open_polls(&[0, 1])
            .build(),
    );
    let polls = lead.on(|k| k.event().unwrap().polls.clone());
    let (first, second) = (polls[0].clone(), polls[1].clone());
    // Two members vote « pour » in both open polls.
    for n in [1, 2] {
        lead.on(move |k| {
            let voter = demo::members()[n].id;
            let _ = k.scan(&demo::members()[n].payload).unwrap();
            let ballots: Vec<BallotCast> = k
                .due(&voter)
                .unwrap()
                .into_iter()
                .map(|d| BallotCast {
                    member: d.member,
                    poll: d.poll,
                    ballot: Ballot::Motion(MotionChoice::For),
                })
                .collect();
            k.cast_visit(&voter, &ballots).unwrap();
        });
    }
    let address = lead.service.screen_address().expect("the screen is served");
    let url = format!("http://{address}/");
    let profile = tempfile::tempdir().unwrap();

    let page = rendered(&url, profile.path());
    assert!(page.contains(&first.question) && page.contains(&second.question));
    assert!(page.contains("présents"), "attendance: {page}");
    assert!(
        section(&page, &second.question).contains("Vote en cours · 2 bulletins"),
        "an open poll: its count of ballots"
    );
    assert!(
        !page.contains("<svg") && !page.contains("class=\"decision"),
        "no result of an open poll"
    );

    // The first poll closes: its result stays off the wall until the organiser releases it.
    let first_id = first.id.clone();
    let closing = lead.on(move |k| {
        demo::unlock(k);
        k.close_small_poll(&first_id)
    });
    assert!(matches!(closing, Ok(Closing::Counted(_))), "{closing:?}");
    let page = rendered_after_change(&url, profile.path());
    let closed = section(&page, &first.question);
    assert!(closed.contains("résultat bientôt annoncé"), "{closed}");
    assert!(!page.contains("<svg"), "not released: no chart");

    let second_id = second.id.clone();
    let refused = lead.on(move |k| k.show_on_wall(&second_id, true));
    assert!(
        matches!(refused, Err(KioskError::PollState(_))),
        "an open poll's result cannot be released: {refused:?}"
    );
    let first_id = first.id.clone();
    lead.on(move |k| k.show_on_wall(&first_id, true)).unwrap();
    let page = rendered_after_change(&url, profile.path());
    let released = section(&page, &first.question);
    assert!(released.contains("<svg"), "its chart: {released}");
    assert!(
        released.contains("class=\"decision"),
        "its decision: {released}"
    );
    assert!(!section(&page, &second.question).contains("<svg"));

    // As a projector keeps it: refreshing itself, no script; and the screenshot for the docs.
    let answer = get(address);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let lower = answer.to_lowercase();
    assert!(lower.contains("content-security-policy: default-src 'none'"));
    assert!(lower.contains("cache-control: no-store"));
    assert!(!lower.contains("<script"));
    assert!(answer.contains("<meta http-equiv=\"refresh\" content=\"5\">"));
    let shot = screenshot_path();
    let out = chromium(profile.path())
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1920,1080")
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(shot.exists());

    // A reset poll leaves the wall.
    let first_id = first.id.clone();
    lead.on(move |k| k.reset_poll(&first_id)).unwrap();
    let wall = lead.on(|k| k.wall()).unwrap();
    assert_eq!(wall.polls[0].state, WallState::Pending);
    assert!(lead.on(|k| k.released()).unwrap().is_empty());
}

#[test]
fn the_projected_screen_answers_nothing_but_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let lead = ServedLead::start(Fixture::new(dir.path()).seed(4).demo().build());
    let address = lead.service.screen_address().expect("the screen is served");
    let post = raw(
        address,
        "POST / HTTP/1.1\r\nHost: urne\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
    );
    assert!(post.starts_with("HTTP/1.1 405"), "{post}");
    let other = raw(
        address,
        "GET /../urne.sqlite HTTP/1.1\r\nHost: urne\r\nConnection: close\r\n\r\n",
    );
    assert!(other.starts_with("HTTP/1.1 404"), "{other}");
    // Anyone may read it, organiser or not, without organiser mode on the lead.
    assert!(get(address).starts_with("HTTP/1.1 200"));
    // Releasing a result is the organiser's.
    let poll = lead.on(|k| k.event().unwrap().polls[0].id.clone());
    let refused = lead.on(move |k| k.show_on_wall(&poll, true));
    assert!(matches!(refused, Err(KioskError::Locked)), "{refused:?}");
}

fn screenshot_path() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots/1920x1080");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("hall-screen.png")
}
