//! The result of a closed poll on the organiser's screen: urne-core's one result model
//! ([`ResultChart`]) handed to the Slint charts as it is — bars, merit profiles, rankings with
//! their duels, budgets against the budget line — with its figures written for the language and
//! the arithmetic of the decision. Nothing here computes a share or a percentage: the registry's
//! pages and the procès-verbal draw the same model.

use slint::{ComponentHandle, SharedString};
use urne_core::chart::{self, Chart, Label, ResultChart, Share};
use urne_core::figures;
use urne_core::ids::PollId;
use urne_core::poll::Poll;
use urne_core::tally::{self, Lang, PollResult};

use super::{Screens, as_int, ask, codes, go_to, model, with_window};
use crate::generated::{
    AppWindow, Bar, Duel, MeritRow, Page, ProjectBar, RankRow, ResultAdapter, Segment,
};
use crate::kiosk::Kiosk;
use crate::kiosk::link::HallSetting;

/// A closed poll's result, with its definition, on its way to the screen (boxed: results are
/// large and move between threads).
pub(super) type Shown = Box<(Poll, PollResult)>;

/// The definition of `poll` with its `result`, to be shown.
pub(super) fn shown_of(kiosk: &Kiosk, poll: &PollId, result: PollResult) -> Option<Shown> {
    let definition = kiosk.event().and_then(|e| e.poll(poll)).cloned()?;
    Some(Box::new((definition, result)))
}

/// The poll whose result is on screen (to ask for it again in another language).
pub(super) fn shown_poll(state: &Screens) -> String {
    let mut shown = String::new();
    with_window(state, |w| {
        shown = w.global::<ResultAdapter>().get_poll().into();
    });
    shown
}

/// Shows a result on its page.
pub(super) fn show(state: &Screens, shown: Shown) {
    let (poll, result) = *shown;
    let lang = state.borrow().lang;
    with_window(state, |w| {
        let adapter = w.global::<ResultAdapter>();
        adapter.set_leads_hall(false);
        show_result(w, &poll, &result, lang);
    });
    go_to(state, Page::Result);
    // On the lead of a hall, whether the projected screen shows it.
    let id = poll.id;
    ask(
        state,
        move |k| {
            let leads = matches!(k.hall_setting(), Ok(HallSetting::Lead { .. }));
            let on_wall = k.released().is_ok_and(|r| r.contains(&id));
            (leads, on_wall)
        },
        wall_state,
    );
}

fn wall_state(state: &Screens, (leads, on_wall): (bool, bool)) {
    with_window(state, |w| {
        let adapter = w.global::<ResultAdapter>();
        adapter.set_leads_hall(leads);
        adapter.set_on_wall(on_wall);
    });
}

/// « Projeter dans la salle » / « Retirer de l'écran de salle » on a result.
fn show_on_wall(state: &Screens, poll: &str, shown: bool) {
    let Ok(poll) = PollId::new(poll) else {
        return;
    };
    ask(
        state,
        move |k| {
            let done = k.show_on_wall(&poll, shown);
            if let Err(error) = &done {
                tracing::warn!(%error, "the result could not be put on the hall's screen");
            }
            (true, k.released().is_ok_and(|r| r.contains(&poll)))
        },
        wall_state,
    );
}

/// Wires the result page.
pub(super) fn bind(window: &AppWindow, state: &Screens) {
    let s = state.clone();
    window
        .global::<ResultAdapter>()
        .on_show_on_wall(move |poll, shown| show_on_wall(&s, &poll, shown));
}

/// A share of the model as a length between 0 and 1 (display only: every decision was taken
/// on integers by urne-core).
fn length(share: Share) -> f32 {
    share.ratio() as f32
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The model's bars as the chart's. A built-in answer goes without a label: the chart names it
/// from its tone in the screen's language.
fn bars(bars: &[chart::Bar], lang: Lang) -> Vec<Bar> {
    bars.iter()
        .map(|b| Bar {
            label: match &b.label {
                Label::Option(label) => label.as_str().into(),
                Label::For | Label::Against | Label::Abstain | Label::Blank => SharedString::new(),
            },
            value: as_int(b.value),
            share: length(b.length),
            tone: codes::chart_tone(b.tone),
            percent: b
                .percent
                .map(|p| p.percent(lang))
                .unwrap_or_default()
                .into(),
            winner: b.winner,
        })
        .collect()
}

/// The bar chart of a result — motion answers against the majority required, votes per
/// option, approvals per name — with the threshold on its scale (or -1) and the base of the
/// percentages (votes expressed, or voters). Majority Judgment, rankings and budgets have
/// charts of their own (no bars, no threshold, base 0).
pub fn result_bars(poll: &Poll, result: &PollResult, lang: Lang) -> (Vec<Bar>, f32, u64) {
    chart_bars(&ResultChart::of(poll, result).chart, lang)
}

fn chart_bars(chart: &Chart, lang: Lang) -> (Vec<Bar>, f32, u64) {
    match chart {
        Chart::Motion(m) => (
            bars(&m.bars, lang),
            m.threshold.map_or(-1.0, length),
            m.expressed,
        ),
        Chart::Counts(c) => (bars(&c.bars, lang), -1.0, c.base),
        Chart::Merit(_) | Chart::Ranking(_) | Chart::Budget(_) => (Vec::new(), -1.0, 0),
    }
}

fn projects(b: &chart::BudgetChart, lang: Lang) -> Vec<ProjectBar> {
    b.rows
        .iter()
        .map(|p| ProjectBar {
            label: p.label.as_str().into(),
            cost: figures::euros(p.cost, lang).into(),
            approvals: as_int(p.approvals),
            start: length(p.start),
            length: length(p.length),
            funded: p.funded,
        })
        .collect()
}

fn merits(m: &chart::MeritChart, lang: Lang) -> Vec<MeritRow> {
    m.rows
        .iter()
        .map(|row| MeritRow {
            label: row.label.as_str().into(),
            rank: i32::try_from(row.rank).unwrap_or(i32::MAX),
            grade: row.majority.map_or(-1, |mention| i32::from(mention.grade)),
            segments: model(
                row.segments
                    .iter()
                    .map(|s| Segment {
                        grade: i32::from(s.mention.grade),
                        start: length(s.start),
                        share: length(s.length),
                        percent: s.length.whole_percent(lang).into(),
                    })
                    .collect(),
            ),
        })
        .collect()
}

fn ranking(r: &chart::RankingChart) -> Vec<RankRow> {
    r.rows
        .iter()
        .map(|row| RankRow {
            label: row.label.as_str().into(),
            rank: i32::try_from(row.rank).unwrap_or(i32::MAX),
            key: row.key.as_str().into(),
            wins: as_int(row.wins),
            duels: model(
                row.duels
                    .iter()
                    .map(|d| Duel {
                        against: d.against.as_str().into(),
                        value: as_int(d.value),
                        tone: codes::chart_tone(d.tone),
                    })
                    .collect(),
            ),
        })
        .collect()
}

fn show_result(window: &AppWindow, poll: &Poll, result: &PollResult, lang: Lang) {
    let shown = ResultChart::of(poll, result);
    let o = window.global::<ResultAdapter>();
    o.set_poll(poll.id.as_str().into());
    o.set_question(poll.question.clone().into());
    o.set_kind(codes::poll_kind(&poll.kind));
    o.set_decision(codes::decision(shown.decision));
    o.set_winner(shown.winners.join(", ").into());
    if let Chart::Motion(m) = &shown.chart {
        o.set_required(as_int(m.required));
    }
    let (bars, marker, base) = chart_bars(&shown.chart, lang);
    o.set_bars(model(bars));
    o.set_marker(marker);
    o.set_base(i32::try_from(base).unwrap_or(i32::MAX));
    let (project_bars, merit_rows, rank_rows) = match &shown.chart {
        Chart::Budget(b) => {
            o.set_funded(count(b.funded));
            o.set_budget_line(length(b.line));
            o.set_spent(figures::euros(b.spent, lang).into());
            o.set_budget(figures::euros(b.budget, lang).into());
            o.set_remaining(figures::euros(b.remaining, lang).into());
            (projects(b, lang), Vec::new(), Vec::new())
        }
        Chart::Merit(m) => {
            o.set_scale(i32::from(m.grades));
            (Vec::new(), merits(m, lang), Vec::new())
        }
        Chart::Ranking(r) => (Vec::new(), Vec::new(), ranking(r)),
        Chart::Motion(_) | Chart::Counts(_) => (Vec::new(), Vec::new(), Vec::new()),
    };
    o.set_projects(model(project_bars));
    o.set_merits(model(merit_rows));
    o.set_ranking(model(rank_rows));
    o.set_lines(model(
        tally::arithmetic(poll, result, lang)
            .into_iter()
            .map(SharedString::from)
            .collect(),
    ));
}
