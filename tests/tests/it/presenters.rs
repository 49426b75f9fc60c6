//! One result model, every presenter: for each kind of poll, the procès-verbal (urne-papers,
//! read back with poppler's `pdftotext`) and the registry's pages (urne-registry) show the
//! figures of urne-core's result model — the same counts and percentages, euros, majority
//! mentions and duels won — in the model's order: bars in the poll's order, candidates in ranked
//! order, each merit profile and its legend from the worst mention to the best, funded projects
//! in the order they were funded.
//!
//! The evening is the committed sample with its three polls left open or never opened closed
//! and counted by urne-core, so that every kind has a result.

use std::path::Path;
use std::process::Command;

use urne_codec::verify::{self, Report};
use urne_core::ballot::{Ballot, MotionChoice, WeightedBallot};
use urne_core::chart::{Bar, Chart, ResultChart};
use urne_core::figures::{euros, number};
use urne_core::poll::PollKind;
use urne_core::results::{PollRecord, PollState};
use urne_core::tally::{self, Lang, TallyContext};
use urne_registry::model::{BundleSummary, EventHeader, EventResults, Standing};
use urne_registry::pages;
use urne_registry::store::BundleRow;
use urne_tests::workspace;

const SAMPLE: &str = "docs/vectors/sample/bellevue-2026-12-05-07ec609c-0001.urne";

fn repeat(ballot: Ballot, n: usize) -> Vec<WeightedBallot> {
    vec![WeightedBallot::single(ballot); n]
}

/// Ballots of the poll's kind, built from its own options.
fn ballots_for(kind: &PollKind) -> Vec<WeightedBallot> {
    match kind {
        PollKind::Motion { .. } => [
            repeat(Ballot::Motion(MotionChoice::For), 30),
            repeat(Ballot::Motion(MotionChoice::Against), 14),
            repeat(Ballot::Motion(MotionChoice::Abstain), 4),
        ]
        .concat(),
        PollKind::Approval { options, .. } => {
            let ids: Vec<_> = options.iter().map(|o| o.id.clone()).collect();
            let set = |range: std::ops::Range<usize>| ids[range].iter().cloned().collect();
            [
                repeat(Ballot::Approval(set(0..2)), 21),
                repeat(Ballot::Approval(set(2..3)), 14),
                repeat(Ballot::Approval(set(1..4)), 11),
            ]
            .concat()
        }
        PollKind::Ranking { candidates } => {
            let order: Vec<Vec<_>> = candidates.iter().map(|c| vec![c.id.clone()]).collect();
            let mut reversed = order.clone();
            reversed.reverse();
            [
                repeat(Ballot::Ranking(order), 27),
                repeat(Ballot::Ranking(reversed), 22),
            ]
            .concat()
        }
        other => panic!("the sample leaves no {} poll to close", other.name()),
    }
}

/// The sample's verified report with every poll closed and counted.
fn full_evening() -> Report {
    let bytes = std::fs::read(workspace().join(SAMPLE)).unwrap();
    let mut report = verify::verify(&bytes, None).unwrap();
    let c = &mut report.content;
    let context = TallyContext {
        members: c.attendance.members,
        member_weight: c.attendance.member_weight,
        quorum: c.event.quorum,
        at_open: c.attendance.totals,
        at_close: c.attendance.totals,
    };
    for status in &mut c.polls {
        if status.state == PollState::Closed {
            continue;
        }
        let poll = c.event.poll(&status.poll).unwrap();
        let result = tally::tally(poll, &ballots_for(&poll.kind), &context).unwrap();
        c.results
            .insert(status.poll.clone(), PollRecord { context, result });
        status.state = PollState::Closed;
        status.opened_at = status.opened_at.or(Some(report.created));
        status.closed_at = Some(report.created);
    }
    report
}

/// Every poll's result model, in the event's order.
fn models(report: &Report) -> Vec<ResultChart> {
    let c = &report.content;
    c.polls
        .iter()
        .map(|s| ResultChart::of(c.event.poll(&s.poll).unwrap(), &c.results[&s.poll].result))
        .collect()
}

/// A bar's figure: its count, and its share of the base when it has one.
fn bar_figures(bars: &[Bar], lang: Lang) -> Vec<String> {
    bars.iter()
        .map(|b| match b.percent {
            Some(share) => format!("{} · {}", number(b.value, lang), share.percent(lang)),
            None => number(b.value, lang),
        })
        .collect()
}

/// What a presenter shows of `model`'s rows, in the order it shows them.
fn figures(model: &ResultChart, lang: Lang) -> Vec<String> {
    match &model.chart {
        Chart::Motion(m) => bar_figures(&m.bars, lang),
        Chart::Counts(c) => bar_figures(&c.bars, lang),
        // Each segment wide enough to hold it carries its whole percentage; the majority
        // mention follows the bar.
        Chart::Merit(m) => m
            .rows
            .iter()
            .flat_map(|row| {
                row.segments
                    .iter()
                    .filter(|s| s.length.ratio() >= 0.125)
                    .map(|s| s.length.whole_percent(lang))
                    .chain([row.majority.unwrap().name(lang)])
            })
            .collect(),
        Chart::Ranking(r) => r
            .rows
            .iter()
            .flat_map(|row| {
                [
                    format!("{}. {}", row.rank, row.label),
                    format!("{} / {}", number(row.wins, lang), number(r.others, lang)),
                ]
            })
            .collect(),
        Chart::Budget(b) => b.rows.iter().map(|p| euros(p.cost, lang)).collect(),
    }
}

/// What a presenter says below a chart, in French: the spending of a budget.
fn summary_fr(model: &ResultChart) -> Option<String> {
    match &model.chart {
        Chart::Budget(b) => Some(format!(
            "{} engagés sur {} · reste {}",
            euros(b.spent, Lang::Fr),
            euros(b.budget, Lang::Fr),
            euros(b.remaining, Lang::Fr)
        )),
        _ => None,
    }
}

/// The mentions of a merit chart, in the model's order (worst first).
fn mention_order(model: &ResultChart, lang: Lang) -> Option<Vec<String>> {
    match &model.chart {
        Chart::Merit(m) => Some(m.mentions.iter().map(|g| g.name(lang)).collect()),
        _ => None,
    }
}

/// `text` with every run of whitespace one plain space: `pdftotext` writes the figures' narrow
/// no-break spaces as spaces, and wraps long lines.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Checks that `needles` occur in `haystack` one after the other, in that order.
fn in_order(haystack: &str, needles: &[String], what: &str) {
    let haystack = flat(haystack);
    let mut from = 0;
    for needle in needles {
        let needle = flat(needle);
        match haystack[from..].find(&needle) {
            Some(at) => from += at + needle.len(),
            None => panic!(
                "{what}: « {needle} » is missing or out of order after:\n{}",
                &haystack[from..]
            ),
        }
    }
}

fn pv_text(report: &Report, dir: &Path, lang: Lang) -> String {
    let pdf = dir.join(format!("pv-{lang:?}.pdf"));
    std::fs::write(
        &pdf,
        urne_papers::pv::render(report, "sample.urne", lang).unwrap(),
    )
    .unwrap();
    let out = Command::new("pdftotext")
        .arg("-raw")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// The text of one part of a page: tags removed, the pages' entities decoded.
fn html_text(html: &str) -> String {
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
    text.replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Each closed poll's `<figure>` on the results page, in the event's order.
fn page_figures(report: &Report) -> Vec<String> {
    let row = BundleRow {
        digest: report.digest.to_hex(),
        device: report.device.to_hex(),
        event: report.content.event.id.to_string(),
        seq: report.seq,
        test: false,
        received: "2026-12-06T09:30:00Z".into(),
    };
    let header = EventHeader {
        id: row.event.clone(),
        title: String::new(),
        place: String::new(),
        date: String::new(),
        organisation: None,
    };
    let summary = BundleSummary::of(&report.content, report.created);
    let html = pages::results(&EventResults::assemble(
        header,
        vec![(row, summary)],
        |_| Standing::enrolled("Kiosque"),
    ));
    html.split("<figure>")
        .skip(1)
        .map(|f| f.split("</figure>").next().unwrap().to_owned())
        .collect()
}

#[test]
fn the_pv_and_the_pages_show_the_models_figures_in_its_order_for_every_kind() {
    let report = full_evening();
    let models = models(&report);
    let kinds: Vec<&str> = models
        .iter()
        .map(|m| match m.chart {
            Chart::Motion(_) => "motion",
            Chart::Counts(_) => "counts",
            Chart::Merit(_) => "merit",
            Chart::Ranking(_) => "ranking",
            Chart::Budget(_) => "budget",
        })
        .collect();
    for kind in ["motion", "counts", "merit", "ranking", "budget"] {
        assert!(kinds.contains(&kind), "no {kind} chart in {kinds:?}");
    }

    // The procès-verbal, in both languages: each poll's figures after its question, in order.
    let dir = tempfile::tempdir().unwrap();
    for lang in [Lang::Fr, Lang::En] {
        let text = pv_text(&report, dir.path(), lang);
        let mut expected = Vec::new();
        for (status, model) in report.content.polls.iter().zip(&models) {
            expected.push(
                report
                    .content
                    .event
                    .poll(&status.poll)
                    .unwrap()
                    .question
                    .clone(),
            );
            expected.extend(figures(model, lang));
            if let Some(mentions) = mention_order(model, lang) {
                expected.push(mentions.join(" · "));
            }
            expected.extend(summary_fr(model).filter(|_| lang == Lang::Fr));
        }
        in_order(&text, &expected, &format!("the procès-verbal ({lang:?})"));
    }

    // The registry's pages: one figure per poll, showing the same figures in the same order,
    // and the mentions' legend and table in the model's order.
    let figures_on_page = page_figures(&report);
    assert_eq!(figures_on_page.len(), models.len());
    for (figure, model) in figures_on_page.iter().zip(&models) {
        // The rows, after the label a screen reader reads (which says them too).
        let (svg, rest) = figure.split_once("</svg>").unwrap();
        let rows = svg.split_once("</title>").unwrap().1;
        in_order(
            &html_text(rows),
            &figures(model, Lang::Fr),
            "the pages' chart",
        );
        if let Some(mentions) = mention_order(model, Lang::Fr) {
            let legend = rest.split_once("<ul class=\"legend\">").unwrap().1;
            let legend = legend.split_once("</ul>").unwrap().0;
            in_order(&html_text(legend), &mentions, "the pages' legend");
            let header = rest.split_once("<thead>").unwrap().1;
            let header = header.split_once("</thead>").unwrap().0;
            in_order(&html_text(header), &mentions, "the pages' table");
        }
        if let Some(summary) = summary_fr(model) {
            in_order(&html_text(rest), &[summary], "the pages' spending");
        }
    }
}
