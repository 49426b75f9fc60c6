//! The registry's French pages, drawn from real bundles: the committed sample export of the demo
//! assembly (`docs/vectors/sample/`), the same evening with every poll closed (re-signed with
//! the sample kiosk's public test key), and a test-deck run. Checks what a reader depends on:
//! each poll's question, state and decision, every figure of every chart as text, charts that a
//! screen reader can read, test-deck runs never shown as results, hostile text escaped, and
//! well-formed pages; then the same pages through real HTTP.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use urne_codec::protocol::EventListing;
use urne_codec::{bundle, tarball, verify};
use urne_core::archive::{self, ArchiveFormat, ManifestHeader};
use urne_core::audit::{AuditEntry, AuditEvent};
use urne_core::ballot::{Ballot, MotionChoice, WeightedBallot};
use urne_core::crypto::{SecretKey, Sha256Digest};
use urne_core::figures::number;
use urne_core::ids::OptionId;
use urne_core::package::PackageProof;
use urne_core::poll::PollKind;
use urne_core::results::{ClosedPoll, PollRecord, PollState, ResultsContent};
use urne_core::tally::{self, Details, Lang, TallyContext};
use urne_core::timestamp::Timestamp;
use urne_registry::model::{BundleSummary, EventHeader, EventResults, Standing};
use urne_registry::pages;
use urne_registry::store::BundleRow;
use urne_registry::{Limits, Registry, RegistryStore, SqliteStore};

const SAMPLE: &str = "bellevue-2026-12-05-07ec609c-0001.urne";
/// The sample kiosk's (public) key seed, as in `firmware-ui/tests/export.rs`.
const SAMPLE_SEED: [u8; 32] = *b"urne sample bundle device key!!!";
/// The demo organiser's (public) key seed, as in `firmware-ui/src/demo.rs`: the sample's kiosk
/// ran the demo package it signed.
const DEMO_ORGANISER_SEED: &[u8; 32] = b"urne demo organiser key, public!";
const EVENT: &str = "bellevue-2026-12-05";
/// What only the test-deck run says: it must never reach a results page.
const TEST_ONLY: &str = "Question posée pendant l'essai à blanc";

pub(super) fn sample() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../docs/vectors/sample")
            .join(SAMPLE),
    )
    .unwrap()
}

pub(super) fn sample_key() -> SecretKey {
    SecretKey::from_seed(&SAMPLE_SEED)
}

fn id(text: &str) -> OptionId {
    OptionId::new(text).unwrap()
}

/// A verified bundle's content, ready to be changed and signed again.
pub(super) fn content_of(bytes: &[u8]) -> (ResultsContent, Timestamp) {
    let report = verify::verify(bytes, None).unwrap();
    let files: BTreeMap<String, Vec<u8>> = tarball::read(bytes).unwrap().into_iter().collect();
    let c = report.content;
    let closed = c
        .results
        .iter()
        .map(|(poll, record)| {
            let ballots: Vec<WeightedBallot> =
                serde_json::from_slice(&files[&format!("polls/{poll}/ballots.json")]).unwrap();
            (
                poll.clone(),
                ClosedPoll {
                    ballots,
                    record: record.clone(),
                },
            )
        })
        .collect();
    let content = ResultsContent {
        event: c.event,
        attendance: c.attendance,
        polls: c.polls,
        closed,
        audit: c.audit,
        package: PackageProof::from_files(&files).unwrap(),
    };
    (content, report.created)
}

fn repeat(ballot: Ballot, n: usize) -> Vec<WeightedBallot> {
    vec![WeightedBallot::single(ballot); n]
}

/// Ballots for a poll left open or never opened in the sample, one kind each.
fn ballots_for(kind: &PollKind) -> Vec<WeightedBallot> {
    let set = |ids: &[&str]| ids.iter().map(|s| id(s)).collect::<BTreeSet<_>>();
    let tiers = |ids: &[&str]| ids.iter().map(|s| vec![id(s)]).collect::<Vec<_>>();
    match kind {
        // Two thirds of 44 expressed: 30 « pour » adopt it, exactly.
        PollKind::Motion { .. } => [
            repeat(Ballot::Motion(MotionChoice::For), 30),
            repeat(Ballot::Motion(MotionChoice::Against), 14),
            repeat(Ballot::Motion(MotionChoice::Abstain), 4),
        ]
        .concat(),
        PollKind::Approval { .. } => [
            repeat(Ballot::Approval(set(&["tanguy", "quere"])), 21),
            repeat(Ballot::Approval(set(&["ben-salah"])), 14),
            repeat(Ballot::Approval(set(&["diallo", "moreau", "tanguy"])), 11),
        ]
        .concat(),
        PollKind::Ranking { .. } => [
            repeat(
                Ballot::Ranking(tiers(&[
                    "logement",
                    "democratie",
                    "education",
                    "emploi",
                    "exclusion",
                    "genre",
                    "justice",
                ])),
                27,
            ),
            repeat(
                Ballot::Ranking(tiers(&[
                    "democratie",
                    "justice",
                    "logement",
                    "genre",
                    "exclusion",
                    "emploi",
                    "education",
                ])),
                22,
            ),
        ]
        .concat(),
        other => panic!("the sample leaves no {} poll to close", other.name()),
    }
}

/// The sample evening with every poll closed and counted, as the kiosk would have exported it
/// later in the evening: the poll openings and closings go on the audit chain.
fn full_evening() -> ResultsContent {
    evening(ballots_for, false)
}

/// The sample evening with its polls closed with `ballots`: those left open or never opened,
/// or every one (`all`: the closed ones are counted again, as after a reset on the kiosk).
fn evening(ballots_for: fn(&PollKind) -> Vec<WeightedBallot>, all: bool) -> ResultsContent {
    let (mut c, _) = content_of(&sample());
    let attendance = c.attendance.totals;
    let mut at = c.audit.last().unwrap().at;
    for i in 0..c.polls.len() {
        if c.polls[i].state == PollState::Closed {
            if !all {
                continue;
            }
            c.polls[i].state = PollState::Open;
        }
        let poll_id = c.polls[i].poll.clone();
        let poll = c.event.poll(&poll_id).unwrap().clone();
        let mut append = |event: AuditEvent, at: Timestamp| {
            let entry = AuditEntry::next(c.audit.last(), at, event);
            c.audit.push(entry);
        };
        if c.polls[i].state == PollState::Pending {
            at = at.plus_seconds(60);
            append(
                AuditEvent::PollOpened {
                    poll: poll_id.clone(),
                    attendance,
                },
                at,
            );
            c.polls[i].opened_at = Some(at);
        }
        let at_open = c
            .audit
            .iter()
            .rev()
            .find_map(|e| match &e.event {
                AuditEvent::PollOpened { poll, attendance } if *poll == poll_id => {
                    Some(*attendance)
                }
                _ => None,
            })
            .unwrap();
        let ballots = ballots_for(&poll.kind);
        let context = TallyContext {
            members: c.attendance.members,
            member_weight: c.attendance.member_weight,
            quorum: c.event.quorum,
            at_open,
            at_close: attendance,
        };
        let result = tally::tally(&poll, &ballots, &context).unwrap();
        at = at.plus_seconds(600);
        let entry = AuditEntry::next(
            c.audit.last(),
            at,
            AuditEvent::PollClosed {
                poll: poll_id.clone(),
                attendance,
                ballots: result.ballots,
                small_poll: None,
            },
        );
        c.audit.push(entry);
        c.polls[i].state = PollState::Closed;
        c.polls[i].closed_at = Some(at);
        c.closed.insert(
            poll_id,
            ClosedPoll {
                ballots: tally::classes_of(&ballots).unwrap(),
                record: PollRecord { context, result },
            },
        );
    }
    c
}

/// Seals `content` as the sample kiosk would export it: the export goes on the audit chain,
/// then the bundle is signed.
pub(super) fn seal(content: &ResultsContent, seq: u64, test: bool) -> Vec<u8> {
    let mut content = content.clone();
    let created = content.audit.last().unwrap().at.plus_seconds(30);
    let exported = AuditEntry::next(
        content.audit.last(),
        created,
        AuditEvent::Exported { seq, test },
    );
    content.audit.push(exported);
    bundle::seal(&content, &sample_key(), seq, created, test)
        .unwrap()
        .bytes
}

/// The audit chain hashed again from its events, as a forger holding the key would.
pub(super) fn rechain(content: &mut ResultsContent) {
    let mut chain: Vec<AuditEntry> = Vec::new();
    for entry in &content.audit {
        let next = AuditEntry::next(chain.last(), entry.at, entry.event.clone());
        chain.push(next);
    }
    content.audit = chain;
}

/// Rewrites poll `index` as an organiser would on the kiosk before opening it: the new
/// definition, and its digest recorded right after the package was loaded.
pub(super) fn edit_on_kiosk(
    content: &mut ResultsContent,
    index: usize,
    edit: impl FnOnce(&mut urne_core::poll::Poll),
) {
    let poll = &mut content.event.polls[index];
    edit(poll);
    let edited = AuditEvent::PollEdited {
        poll: poll.id.clone(),
        definition: poll.definition_digest(),
    };
    let loaded = content
        .audit
        .iter()
        .position(|e| matches!(e.event, AuditEvent::PackageLoaded { .. }))
        .unwrap();
    let at = content.audit[loaded].at;
    content
        .audit
        .insert(loaded + 1, AuditEntry::next(None, at, edited));
    rechain(content);
}

/// The content's event as a package `key` signed, carried in the bundle, with the chain saying
/// the kiosk loaded that package: what a kiosk running that organiser's event exports.
pub(super) fn package_signed_by(content: &mut ResultsContent, key: &SecretKey) {
    let mut event_json = serde_json::to_vec_pretty(&content.event).unwrap();
    event_json.push(b'\n');
    let data = BTreeMap::from([("event.json".to_owned(), event_json.clone())]);
    let header = ManifestHeader {
        format: ArchiveFormat::Package,
        kind: urne_core::package::KIND_PACKAGE.into(),
        event: content.event.id.clone(),
        seq: 1,
        created: content.audit[0].at,
    };
    let files: BTreeMap<String, Vec<u8>> = archive::seal(&header, &data, key)
        .unwrap()
        .into_iter()
        .collect();
    content.package = PackageProof {
        manifest: files["manifest.json"].clone(),
        signature: files["manifest.sig"].clone(),
        organiser: files["organiser.pem"].clone(),
        event: event_json,
    };
    for entry in &mut content.audit {
        if let AuditEvent::PackageLoaded {
            organiser,
            manifest,
            ..
        } = &mut entry.event
        {
            *organiser = key.public().fingerprint();
            *manifest = Some(content.package.digest());
        }
    }
    rechain(content);
}

/// The demo organiser's key (its seed is public: it signs the demo and the sample).
pub(super) fn organiser_key() -> SecretKey {
    SecretKey::from_seed(b"urne demo organiser key, public!")
}

/// A test-deck run (essai à blanc) of the same event, saying something no real export says.
fn test_deck_run() -> Vec<u8> {
    let (mut c, _) = content_of(&sample());
    edit_on_kiosk(&mut c, 0, |p| p.question = TEST_ONLY.into());
    seal(&c, 3, true)
}

/// The stored row and summary of a bundle, as the registry keeps them.
fn stored(bytes: &[u8], received: &str) -> (BundleRow, BundleSummary) {
    let report = verify::verify(bytes, None).unwrap();
    let row = BundleRow {
        digest: Sha256Digest::of(bytes).to_hex(),
        device: report.device.to_hex(),
        event: report.content.event.id.to_string(),
        seq: report.seq,
        test: report.content.test,
        received: received.into(),
    };
    (row, BundleSummary::of(&report.content, report.created))
}

fn header() -> EventHeader {
    EventHeader {
        id: EVENT.into(),
        title: String::new(),
        place: String::new(),
        date: String::new(),
        organisation: None,
    }
}

fn assemble(bundles: &[&[u8]], label: &str) -> EventResults {
    let rows = bundles
        .iter()
        .enumerate()
        .map(|(i, b)| stored(b, &format!("2026-12-06T09:3{i}:00Z")))
        .collect();
    let label = label.to_owned();
    EventResults::assemble(header(), rows, move |_| Standing::enrolled(&label))
}

/// What a reader sees: the text without tags and style, entities decoded, spaces collapsed.
fn text_of(html: &str) -> String {
    let html = match (html.find("<style>"), html.find("</style>")) {
        (Some(a), Some(b)) => format!("{}{}", &html[..a], &html[b..]),
        _ => html.to_owned(),
    };
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    text.split([' ', '\n'])
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The elements the pages emit; anything else in a page was injected.
const ELEMENTS: &[&str] = &[
    "html", "head", "meta", "title", "style", "body", "header", "main", "a", "p", "h1", "h2", "h3",
    "h4", "ul", "li", "section", "dl", "div", "dt", "dd", "article", "span", "code", "figure",
    "svg", "text", "rect", "line", "table", "caption", "thead", "tbody", "tr", "th", "td", "abbr",
];
const VOID: &[&str] = &["meta"];

/// A tiny well-formedness check: only known elements, every one closed in order (SVG ones may
/// close themselves), no stray `<` or `>` (which unescaped text would leave).
fn well_formed(html: &str) -> Result<(), String> {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html.strip_prefix("<!DOCTYPE html>\n").ok_or("no doctype")?;
    while let Some(start) = rest.find(['<', '>']) {
        if rest[start..].starts_with('>') {
            return Err(format!(
                "stray > near {:?}",
                &rest[start.saturating_sub(40)..start]
            ));
        }
        rest = &rest[start + 1..];
        let end = rest.find('>').ok_or("a tag is not closed")?;
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.contains('<') {
            return Err(format!("stray < in {tag:?}"));
        }
        if let Some(name) = tag.strip_prefix('/') {
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
            continue;
        }
        let name = tag
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or_default();
        if !ELEMENTS.contains(&name) {
            return Err(format!("unexpected element <{name}>"));
        }
        if !(tag.ends_with('/') || VOID.contains(&name)) {
            stack.push(name.to_owned());
        }
    }
    if stack.is_empty() {
        Ok(())
    } else {
        Err(format!("never closed: {stack:?}"))
    }
}

/// The opening tags of the charts.
fn charts(html: &str) -> Vec<&str> {
    html.match_indices("<svg class=\"chart\"")
        .map(|(i, _)| {
            let end = html[i..].find('>').unwrap();
            &html[i..i + end + 1]
        })
        .collect()
}

/// The figures each chart draws, as the page must also say them in words.
fn figures(c: &ResultsContent) -> Vec<(String, Vec<String>)> {
    c.polls
        .iter()
        .filter_map(|s| c.closed.get(&s.poll).map(|closed| (s, closed)))
        .map(|(s, closed)| {
            let poll = c.event.poll(&s.poll).unwrap();
            let label = |id: &OptionId| poll.kind.label_of(id).unwrap().to_owned();
            let r = &closed.record.result;
            let figures = match &r.details {
                Details::Motion(m) => vec![format!(
                    "Pour : {} · Contre : {} · Abstention : {} · Blanc : {}",
                    m.for_, m.against, m.abstain, m.blank
                )],
                Details::Counts(d) => d
                    .options
                    .iter()
                    .map(|o| format!("{} : {}", label(&o.id), o.votes))
                    .collect(),
                Details::MajorityJudgment(d) => d
                    .candidates
                    .iter()
                    .map(|cand| {
                        // The table's row: rank, name, then the count of every mention.
                        let counts: Vec<String> =
                            cand.profile.iter().map(|w| number(*w, Lang::Fr)).collect();
                        format!("{} {} {}", cand.rank, label(&cand.id), counts.join(" "))
                    })
                    .collect(),
                Details::Schulze(d) => d
                    .candidates
                    .iter()
                    .enumerate()
                    .flat_map(|(i, a)| {
                        d.candidates
                            .iter()
                            .enumerate()
                            .filter(move |(j, _)| *j > i)
                            .map(move |(j, b)| {
                                format!(
                                    "{} – {} : {} / {}",
                                    label(a),
                                    label(b),
                                    d.pairwise[i][j],
                                    d.pairwise[j][i]
                                )
                            })
                    })
                    .collect(),
                // The arithmetic lines, as the procès-verbal prints them.
                Details::Budget(b) => b
                    .projects
                    .iter()
                    .map(|p| {
                        format!(
                            "{} : coût {}, approbations {}",
                            label(&p.id),
                            p.cost,
                            p.approvals
                        )
                    })
                    .collect(),
            };
            (poll.question.clone(), figures)
        })
        .collect()
}

#[test]
fn a_full_evening_shows_every_poll_with_its_decision_chart_and_figures() {
    let full = full_evening();
    let full_bytes = seal(&full, 2, false);
    let results = assemble(
        &[&sample(), &full_bytes, &test_deck_run()],
        "Kiosque de la grande salle",
    );
    assert_eq!((results.superseded, results.test_runs), (1, 1));
    let html = pages::results(&results);
    well_formed(&html).unwrap();
    let text = text_of(&html);
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"fr\">"));

    // The header and where the results come from.
    for expected in [
        "Banquet citoyen de Bellevue — Assemblée populaire du 5 décembre",
        "Assemblée populaire de Bellevue",
        "5 décembre 2026 · Centre social de Bellevue, Saint-Herblain",
        "1 essai à blanc reçu, jamais compté comme résultat",
        "1 export antérieur remplacé par un plus récent",
        "Export n°\u{00A0}2 du kiosque « Kiosque de la grande salle »",
        "reçu par le registre le 6 décembre 2026 à 09\u{00A0}h\u{00A0}31 UTC",
        "urne verify --expect-device",
        "openssl pkeyutl -verify -pubin -inkey device.pem -rawin -in manifest.json -sigfile manifest.sig",
    ] {
        assert!(
            text.contains(expected),
            "missing « {expected} » in:\n{text}"
        );
    }
    let digest = Sha256Digest::of(&full_bytes).to_hex();
    assert!(html.contains(&format!("<a href=\"/api/v1/bundles/{digest}\"")));
    let device = sample_key().public().fingerprint();
    let file = bundle::file_name(EVENT, &device, 2);
    assert!(html.contains(&format!("download=\"{file}\"")), "{file}");

    // Attendance.
    let a = &full.attendance;
    for expected in [
        format!("Présents {}", a.totals.present),
        format!("Représentés {}", a.totals.represented),
        format!("Inscrits {}", a.members),
    ] {
        assert!(text.contains(&expected), "missing « {expected} »");
    }

    // Every poll closed: its question, its decision as a sentence, its quorum, and the figures
    // of its chart as text.
    let summary = &results.kiosks[0].summary;
    assert_eq!(summary.polls.len(), 7);
    for poll in &summary.polls {
        assert!(text.contains(&poll.poll.question), "{}", poll.poll.question);
        let decision = poll.decision_fr.as_ref().unwrap();
        assert!(
            html.contains(&format!(">{}</p>", urne_papers::html::escape(decision))),
            "{decision}"
        );
    }
    assert_eq!(
        text.matches("Quorum atteint à l'ouverture et à la clôture du scrutin.")
            .count(),
        7
    );
    for (question, expected) in figures(&full) {
        for figure in expected {
            assert!(text.contains(&figure), "{question}: missing « {figure} »");
        }
    }
    assert!(text.contains("Décision : adoptée."));
    assert!(text.contains(
        "13\u{202F}200\u{00A0}€ engagés sur 20\u{202F}000\u{00A0}€ · reste 6\u{202F}800\u{00A0}€"
    ));

    // One chart per poll, each an image with a label saying its figures.
    let svgs = charts(&html);
    assert_eq!(svgs.len(), 7);
    for svg in &svgs {
        assert!(svg.contains("role=\"img\""), "{svg}");
        let label = svg.split("aria-label=\"").nth(1).unwrap();
        assert!(label.len() > 40, "{svg}");
    }
    assert_eq!(html.matches("<title>").count(), 1 + 7);
    assert!(svgs[0].contains("Pour : 24 (66,7\u{202F}% des suffrages exprimés)"));
    assert!(svgs[0].contains("Seuil d&#39;adoption : 19 voix pour sur 36 suffrages exprimés"));
    assert!(
        svgs.iter()
            .any(|s| s.contains("La langue bretonne, mention majoritaire Bien"))
    );
    assert!(
        svgs.iter()
            .any(|s| s.contains("Budget participatif de 20\u{202F}000\u{00A0}€"))
    );

    // The test-deck run never shows.
    assert!(!text.contains(TEST_ONLY));
}

#[test]
fn empty_ballot_boxes_draw_empty_charts() {
    let c = evening(|_| Vec::new(), true);
    let results = assemble(&[&seal(&c, 2, false)], "Kiosque");
    let html = pages::results(&results);
    well_formed(&html).unwrap();
    let text = text_of(&html);
    assert_eq!(charts(&html).len(), 7);
    let polls = &results.kiosks[0].summary.polls;
    assert!(
        polls
            .iter()
            .all(|p| p.record.as_ref().unwrap().result.ballots == 0)
    );
    for poll in polls {
        assert!(text.contains(poll.decision_fr.as_ref().unwrap()));
    }
    assert_eq!(
        text.matches("Décision : aucun suffrage exprimé.").count(),
        14
    );
    assert!(
        text.contains(
            "0\u{00A0}€ engagés sur 20\u{202F}000\u{00A0}€ · reste 20\u{202F}000\u{00A0}€"
        )
    );
    // No share of nothing, no bar longer than the track.
    assert!(!html.contains("NaN") && !html.contains("inf%"));
    assert!(!text.contains("\u{202F}%"));
}

#[test]
fn polls_not_closed_say_where_they_stood() {
    let results = assemble(&[&sample()], "");
    let html = pages::results(&results);
    well_formed(&html).unwrap();
    let text = text_of(&html);
    // Four closed polls, one still open at export, two never opened.
    assert_eq!(charts(&html).len(), 4);
    assert_eq!(text.matches("Encore ouvert lors de l'export").count(), 1);
    assert_eq!(text.matches("Non ouvert").count(), 2);
    assert_eq!(text.matches(" Clos ").count(), 4);
    assert!(text.contains("Modifier les statuts : une assemblée générale par trimestre"));
    assert!(!text.contains("essai à blanc"));
    assert!(!text.contains("remplacé"));
    // An unlabelled kiosk is named by its fingerprint.
    let device = sample_key().public().fingerprint().to_hex();
    assert!(text.contains(&format!(
        "Résultats du kiosque « kiosque {} »",
        &device[..8]
    )));
}

#[test]
fn only_test_deck_runs_are_no_results() {
    let results = assemble(&[&test_deck_run()], "Kiosque");
    let html = pages::results(&results);
    well_formed(&html).unwrap();
    let text = text_of(&html);
    assert!(text.contains("Aucun résultat n'a encore été reçu pour cet événement."));
    assert!(text.contains("1 essai à blanc reçu, jamais compté comme résultat"));
    assert!(!text.contains(TEST_ONLY));
    assert!(charts(&html).is_empty());
}

#[test]
fn hostile_text_is_escaped_everywhere() {
    const HOSTILE: &str = "<script>alert(\"x\")</script>";
    let mut c = full_evening();
    c.event.title = format!("{HOSTILE} & Cie");
    c.event.place = "<img src=x onerror=alert(1)>".into();
    c.event.organisation = Some("\"><svg onload=alert(2)>".into());
    c.event.polls[0].question = format!("{HOSTILE} ?");
    for p in &mut c.event.polls {
        match &mut p.kind {
            PollKind::SingleChoice { options, .. }
            | PollKind::Approval { options, .. }
            | PollKind::MajorityJudgment {
                candidates: options,
                ..
            }
            | PollKind::Ranking {
                candidates: options,
            } => options[0].label = format!("{HOSTILE} {}", options[0].label),
            PollKind::Budget { projects, .. } => {
                projects[0].label = format!("<b onmouseover=alert(3)>{}", projects[0].label);
            }
            PollKind::Motion { .. } => {}
        }
    }
    // A hostile organiser (or a careless one pasting from the web) signed all that.
    package_signed_by(&mut c, &organiser_key());
    let bytes = seal(&c, 2, false);
    let results = assemble(&[&bytes], "</h2><script>alert(4)</script>");
    let html = pages::results(&results);
    well_formed(&html).unwrap();
    for injected in ["<script", "<img", "<svg onload", "<b onmouseover"] {
        assert!(!html.contains(injected), "{injected} got through");
    }
    let text = text_of(&html);
    assert!(text.contains(&format!("{HOSTILE} & Cie")));
    assert!(text.contains(&format!("{HOSTILE} ?")));
    assert!(text.contains("Résultats du kiosque « </h2><script>alert(4)</script> »"));

    let rows = [EventListing {
        id: "x\"><script>".into(),
        title: HOSTILE.into(),
        date: "<i>".into(),
        place: "<img src=x>".into(),
        package: None,
        bundles: 1,
        test_runs: 0,
    }];
    let list = pages::events(&rows);
    well_formed(&list).unwrap();
    assert!(!list.contains("<script") && !list.contains("<img") && !list.contains("<i>"));
    let error = pages::error(404, HOSTILE);
    well_formed(&error).unwrap();
    assert!(!error.contains("<script"));
}

#[test]
fn the_events_list_counts_results_and_test_runs_apart() {
    let row = |id: &str, title: &str, bundles, test_runs| EventListing {
        id: id.into(),
        title: title.into(),
        date: "2026-12-05".into(),
        place: "Centre social de Bellevue".into(),
        package: None,
        bundles,
        test_runs,
    };
    let html = pages::events(&[
        row(EVENT, "Assemblée de Bellevue", 4, 2),
        row("banquet-2027-01-20", "", 1, 1),
        row("atelier-2027-02-03", "Ateliers", 1, 0),
    ]);
    well_formed(&html).unwrap();
    let text = text_of(&html);
    assert!(text.contains(
        "Assemblée de Bellevue 5 décembre 2026 · Centre social de Bellevue 2 résultats reçus \
         (et 2 essais à blanc, jamais comptés comme résultats)"
    ));
    // An event known only by its id is listed under it.
    assert!(text.contains(
        "banquet-2027-01-20 5 décembre 2026 · Centre social de Bellevue Aucun résultat reçu \
         (et 1 essai à blanc, jamais compté comme résultat)"
    ));
    assert!(text.contains("Ateliers 5 décembre 2026 · Centre social de Bellevue 1 résultat reçu"));
    assert!(html.contains("<a href=\"/events/banquet-2027-01-20\">"));
    let empty = pages::events(&[]);
    well_formed(&empty).unwrap();
    assert!(text_of(&empty).contains("Aucun événement n'est encore inscrit."));
}

pub(super) fn clock() -> Timestamp {
    Timestamp::parse_rfc3339("2026-12-06T09:30:00Z").unwrap()
}

/// A registry on 127.0.0.1 with the sample kiosk and the demo organiser enrolled, holding the
/// sample, the full evening and a test-deck run.
#[test]
fn the_pages_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("registry.sqlite")).unwrap());
    store
        .enrol("Kiosque de la grande salle", &sample_key().public())
        .unwrap();
    store
        .assign(
            EVENT,
            &sample_key().public().fingerprint(),
            "2026-12-01T10:00:00Z",
        )
        .unwrap();
    store
        .enrol_organiser(
            EVENT,
            "Bureau de l'assemblée",
            &SecretKey::from_seed(DEMO_ORGANISER_SEED).public(),
        )
        .unwrap();
    let registry = Registry::new(
        store.clone(),
        SecretKey::from_seed(&[7; 32]),
        clock,
        Limits::default(),
    );
    let full = seal(&full_evening(), 2, false);
    for bytes in [sample(), full.clone(), test_deck_run()] {
        registry.receive(&bytes).unwrap();
    }
    assert_eq!(store.bundle_count().unwrap(), 3);

    urne_sync::uploader::install_crypto_provider();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(urne_registry::serve(listener, registry, async {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::new();
        let get = |path: &str| client.get(format!("{base}{path}")).send();

        let list = get("/").await.unwrap();
        assert_eq!(list.status(), 200);
        let html_type = |r: &reqwest::Response| {
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        };
        assert!(html_type(&list));
        assert!(
            list.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .starts_with("default-src 'none'")
        );
        let list = list.text().await.unwrap();
        well_formed(&list).unwrap();
        let text = text_of(&list);
        assert!(text.contains("Banquet citoyen de Bellevue — Assemblée populaire du 5 décembre"));
        assert!(
            text.contains("2 résultats reçus (et 1 essai à blanc, jamais compté comme résultat)")
        );
        assert!(list.contains(&format!("<a href=\"/events/{EVENT}\">")));

        let page = get(&format!("/events/{EVENT}")).await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(html_type(&page));
        let page = page.text().await.unwrap();
        well_formed(&page).unwrap();
        let text = text_of(&page);
        assert!(text.contains("Ordre de passage des propositions des ateliers"));
        assert!(text.contains("Animateurs et animatrices du groupe Énergie"));
        assert!(text.contains("1 essai à blanc reçu, jamais compté comme résultat"));
        assert!(!text.contains(TEST_ONLY));
        assert_eq!(charts(&page).len(), 7);

        // The bundle the page links to is the one it shows.
        let digest = Sha256Digest::of(&full).to_hex();
        assert!(page.contains(&format!("/api/v1/bundles/{digest}")));
        let download = get(&format!("/api/v1/bundles/{digest}")).await.unwrap();
        assert_eq!(download.status(), 200);
        assert_eq!(download.bytes().await.unwrap().as_ref(), full.as_slice());

        let missing = get("/events/inconnu").await.unwrap();
        assert_eq!(missing.status(), 404);
        assert!(html_type(&missing));
        let missing = missing.text().await.unwrap();
        well_formed(&missing).unwrap();
        assert!(text_of(&missing).contains("Erreur 404"));

        let _ = stop.send(());
        server.await.unwrap().unwrap();
    });
}
