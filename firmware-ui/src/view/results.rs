//! The result of a closed poll on the organiser's screen: the charts of every kind of poll
//! (motion answers against the majority, options, merit profiles, rankings with their duels,
//! budgets against the budget line) and the arithmetic of the decision.

use slint::{ComponentHandle, SharedString};
use urne_core::ids::{OptionId, PollId};
use urne_core::poll::Poll;
use urne_core::tally::{
    self, BudgetDetails, Details, Lang, MajorityJudgmentDetails, MeritProfile, PollResult,
    ProjectOutcome, SchulzeDetails,
};

use super::{Screens, as_int, ask, busy, current_page, dashboard, go_to, model, with_window};
use crate::flow::euros;
use crate::generated::{
    AppWindow, Bar, Duel, MeritRow, Page, ProjectBar, RankRow, ResultAdapter, Segment,
};
use crate::kiosk::{Failure, Kiosk, KioskError};

/// A closed poll's result, with its definition, on its way to the screen (boxed: results are
/// large and move between threads).
pub(super) type Shown = Box<(Poll, PollResult)>;

/// The definition of `poll` with its `result`, to be shown.
pub(super) fn shown_of(kiosk: &Kiosk, poll: &PollId, result: PollResult) -> Option<Shown> {
    let definition = kiosk.event().and_then(|e| e.poll(poll)).cloned()?;
    Some(Box::new((definition, result)))
}

/// Asks for a closed poll's result (« Résultats » on the dashboard).
pub(super) fn ask_result(state: &Screens, id: &str) {
    let Ok(poll) = PollId::new(id) else {
        return;
    };
    dashboard::action_failed(state, None);
    busy(state);
    ask(
        state,
        move |k| match k.result(&poll) {
            Ok(Some(result)) => shown_of(k, &poll, result)
                .ok_or_else(|| Failure::from(KioskError::UnknownPoll(poll))),
            // Only a closed poll has a result: the button was pressed on a stale dashboard.
            Ok(None) => Err(Failure::from(KioskError::PollState(poll))),
            Err(e) => Err(Failure::from(e)),
        },
        |state, outcome| match outcome {
            Ok(shown) => show(state, shown),
            Err(failure) => dashboard::action_failed(state, Some(&failure)),
        },
    );
    if let Some(page) = current_page(state) {
        super::arm_timer(state, page);
    }
}

/// The result shown asked again (the language changed: the arithmetic and the percentages
/// are written in Rust).
pub(super) fn show_again(state: &Screens) {
    let mut shown = String::new();
    with_window(state, |w| {
        shown = w.global::<ResultAdapter>().get_poll().into();
    });
    ask_result(state, &shown);
}

/// Shows a result on its page.
pub(super) fn show(state: &Screens, shown: Shown) {
    let (poll, result) = *shown;
    let lang = state.borrow().lang;
    with_window(state, |w| show_result(w, &poll, &result, lang));
    go_to(state, Page::Result);
}

/// `part` of `whole` as a percentage with one decimal, written for `lang` ("63,8 %" or
/// "63.8%"); empty when `whole` is zero. Rounded on integers, half up, so that the figure does
/// not depend on floating point.
pub fn percent(part: u64, whole: u64, lang: Lang) -> String {
    if whole == 0 {
        return String::new();
    }
    let tenths = (u128::from(part) * 1000 + u128::from(whole) / 2) / u128::from(whole);
    let (units, decimal) = (tenths / 10, tenths % 10);
    match lang {
        Lang::Fr => format!("{units},{decimal}\u{202F}%"),
        Lang::En => format!("{units}.{decimal}%"),
    }
}

/// `value` over `scale` as a bar length between 0 and 1 (display only: every decision was
/// taken on integers by urne-core).
fn fraction(value: u64, scale: u64) -> f32 {
    if scale == 0 {
        0.0
    } else {
        (value as f64 / scale as f64).clamp(0.0, 1.0) as f32
    }
}

fn option_label(poll: &Poll, id: &OptionId) -> String {
    poll.kind.label_of(id).unwrap_or(id.as_str()).to_owned()
}

/// The bar charts of a result: motion answers against the majority required, votes per option,
/// approvals per name. Returns the bars, the threshold on their scale (or -1) and the base of
/// the percentages (votes expressed, or voters). Majority Judgment, rankings and budgets have
/// charts of their own.
pub fn result_bars(poll: &Poll, result: &PollResult, lang: Lang) -> (Vec<Bar>, f32, u64) {
    match &result.details {
        Details::Motion(m) => {
            // The scale holds the base (so that the threshold sits where it is) and every bar.
            let scale = m
                .base
                .max(m.for_)
                .max(m.against)
                .max(m.abstain)
                .max(m.blank);
            let winner = |code: &str| result.winners.iter().any(|w| w.as_str() == code);
            let expressed_percent = |v: u64| percent(v, m.expressed, lang);
            let bars = vec![
                Bar {
                    label: SharedString::new(),
                    value: as_int(m.for_),
                    share: fraction(m.for_, scale),
                    tone: "for".into(),
                    percent: expressed_percent(m.for_).into(),
                    winner: winner("for"),
                },
                Bar {
                    label: SharedString::new(),
                    value: as_int(m.against),
                    share: fraction(m.against, scale),
                    tone: "against".into(),
                    percent: expressed_percent(m.against).into(),
                    winner: winner("against"),
                },
                Bar {
                    label: SharedString::new(),
                    value: as_int(m.abstain),
                    share: fraction(m.abstain, scale),
                    tone: "abstain".into(),
                    // Abstentions are never expressed: no share of the expressed votes.
                    percent: SharedString::new(),
                    winner: false,
                },
                Bar {
                    label: SharedString::new(),
                    value: as_int(m.blank),
                    share: fraction(m.blank, scale),
                    tone: "blank".into(),
                    percent: if m.rule.blank_is_expressed {
                        expressed_percent(m.blank).into()
                    } else {
                        SharedString::new()
                    },
                    winner: false,
                },
            ];
            let marker = if scale == 0 {
                -1.0
            } else {
                fraction(m.required, scale)
            };
            (bars, marker, m.expressed)
        }
        Details::Counts(c) => {
            // Single choice: a share of the non-blank ballots; approval: of the voters who
            // approved someone. Both are the weight of the non-blank ballots.
            let base = result.weight.saturating_sub(c.blank);
            let scale = c
                .options
                .iter()
                .map(|o| o.votes)
                .max()
                .unwrap_or(0)
                .max(c.blank);
            let mut bars: Vec<Bar> = c
                .options
                .iter()
                .map(|o| Bar {
                    label: option_label(poll, &o.id).into(),
                    value: as_int(o.votes),
                    share: fraction(o.votes, scale),
                    tone: "plain".into(),
                    percent: percent(o.votes, base, lang).into(),
                    winner: result.winners.contains(&o.id),
                })
                .collect();
            if poll.kind.blank_allowed() || c.blank > 0 {
                bars.push(Bar {
                    label: SharedString::new(),
                    value: as_int(c.blank),
                    share: fraction(c.blank, scale),
                    tone: "blank".into(),
                    percent: SharedString::new(),
                    winner: false,
                });
            }
            (bars, -1.0, base)
        }
        Details::MajorityJudgment(_) | Details::Schulze(_) | Details::Budget(_) => {
            (Vec::new(), -1.0, 0)
        }
    }
}

/// A participatory budget's chart: the funded projects in the order they were funded, each bar
/// starting where the previous one ended (the cumulative spending), then the projects left out
/// from the final spending, most approved first, so that a project that did not fit crosses
/// the budget line. Returns the bars and the budget line on their scale.
pub fn budget_bars(poll: &Poll, result: &PollResult, b: &BudgetDetails) -> (Vec<ProjectBar>, f32) {
    let order: Vec<&OptionId> = result
        .funded
        .as_ref()
        .map(|f| f.iter().collect())
        .unwrap_or_default();
    let mut funded: Vec<&ProjectOutcome> = b.projects.iter().filter(|p| p.funded).collect();
    funded.sort_by_key(|p| {
        order
            .iter()
            .position(|id| **id == p.id)
            .unwrap_or(usize::MAX)
    });
    let mut left_out: Vec<&ProjectOutcome> = b.projects.iter().filter(|p| !p.funded).collect();
    // Stable: equal approvals keep the poll's order.
    left_out.sort_by_key(|p| std::cmp::Reverse(p.approvals));
    // The engine's figure: the funded bars end there.
    let spent = b.spent;
    let scale = left_out
        .iter()
        .map(|p| spent.saturating_add(p.cost))
        .max()
        .unwrap_or(0)
        .max(b.budget)
        .max(spent);
    let mut bars = Vec::new();
    let mut start = 0u64;
    for p in funded {
        bars.push(ProjectBar {
            label: option_label(poll, &p.id).into(),
            cost: euros(p.cost).into(),
            approvals: as_int(p.approvals),
            start: fraction(start, scale),
            length: fraction(p.cost, scale),
            funded: true,
        });
        start = start.saturating_add(p.cost);
    }
    for p in left_out {
        bars.push(ProjectBar {
            label: option_label(poll, &p.id).into(),
            cost: euros(p.cost).into(),
            approvals: as_int(p.approvals),
            start: fraction(spent, scale),
            length: fraction(p.cost, scale),
            funded: false,
        });
    }
    (bars, fraction(b.budget, scale))
}

/// Majority Judgment's merit profiles, in ranked order (ties keep the poll's order).
pub fn merit_rows(poll: &Poll, d: &MajorityJudgmentDetails, lang: Lang) -> Vec<MeritRow> {
    let mut candidates: Vec<&MeritProfile> = d.candidates.iter().collect();
    candidates.sort_by_key(|c| c.rank);
    candidates
        .into_iter()
        .map(|c| {
            let total: u64 = c.profile.iter().sum();
            let mut before = 0u64;
            let segments: Vec<Segment> = c
                .profile
                .iter()
                .enumerate()
                .filter(|(_, w)| **w > 0)
                .map(|(grade, &w)| {
                    let segment = Segment {
                        grade: i32::try_from(grade).unwrap_or(0),
                        start: fraction(before, total),
                        share: fraction(w, total),
                        percent: whole_percent(w, total, lang).into(),
                    };
                    before += w;
                    segment
                })
                .collect();
            MeritRow {
                label: option_label(poll, &c.id).into(),
                rank: i32::try_from(c.rank).unwrap_or(i32::MAX),
                grade: c.majority_grade.map_or(-1, i32::from),
                segments: model(segments),
            }
        })
        .collect()
}

/// A percentage rounded to a whole number, for the narrow segments of a merit profile.
fn whole_percent(part: u64, whole: u64, lang: Lang) -> String {
    if whole == 0 {
        return String::new();
    }
    let p = (u128::from(part) * 100 + u128::from(whole) / 2) / u128::from(whole);
    match lang {
        Lang::Fr => format!("{p}\u{202F}%"),
        Lang::En => format!("{p}%"),
    }
}

/// A Schulze ranking: the candidates in ranked order (tiers share a rank), each with its row of
/// the pairwise matrix in that same order and its number of duels won.
pub fn ranking_rows(poll: &Poll, result: &PollResult, d: &SchulzeDetails) -> Vec<RankRow> {
    let index = |id: &OptionId| d.candidates.iter().position(|c| c == id);
    let mut order: Vec<(usize, i32)> = Vec::new();
    for (tier, ids) in result.ranking.iter().flatten().enumerate() {
        for id in ids {
            if let Some(i) = index(id) {
                order.push((i, i32::try_from(tier + 1).unwrap_or(i32::MAX)));
            }
        }
    }
    // A result without a ranking (no ballots) lists the candidates in the poll's order.
    if order.is_empty() {
        order = (0..d.candidates.len()).map(|i| (i, 1)).collect();
    }
    let d_at = |i: usize, j: usize| d.pairwise.get(i).and_then(|r| r.get(j)).copied();
    order
        .iter()
        .enumerate()
        .map(|(position, &(i, rank))| {
            let duels: Vec<Duel> = order
                .iter()
                .map(|&(j, _)| {
                    let (ij, ji) = (d_at(i, j).unwrap_or(0), d_at(j, i).unwrap_or(0));
                    Duel {
                        against: option_label(poll, &d.candidates[j]).into(),
                        value: as_int(ij),
                        tone: if i == j {
                            "self"
                        } else if ij > ji {
                            "win"
                        } else if ij < ji {
                            "loss"
                        } else {
                            "tie"
                        }
                        .into(),
                    }
                })
                .collect();
            // Read off the engine's matrix for the reader; the order itself is the engine's.
            let wins = duels.iter().filter(|c| c.tone == "win").count();
            RankRow {
                label: option_label(poll, &d.candidates[i]).into(),
                rank,
                key: column_key(position).into(),
                wins: i32::try_from(wins).unwrap_or(i32::MAX),
                duels: model(duels),
            }
        })
        .collect()
}

/// A, B, … Z, then AA, AB, …: names the matrix's columns.
fn column_key(mut position: usize) -> String {
    let mut key = String::new();
    loop {
        key.insert(0, char::from(b'A' + (position % 26) as u8));
        if position < 26 {
            return key;
        }
        position = position / 26 - 1;
    }
}

fn show_result(window: &AppWindow, poll: &Poll, result: &PollResult, lang: Lang) {
    let o = window.global::<ResultAdapter>();
    o.set_poll(poll.id.as_str().into());
    o.set_question(poll.question.clone().into());
    o.set_kind(poll.kind.name().into());
    let decision = serde_json::to_value(result.decision)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    o.set_decision(decision.into());
    o.set_winner(
        result
            .winners
            .iter()
            .map(|id| option_label(poll, id))
            .collect::<Vec<_>>()
            .join(", ")
            .into(),
    );
    let (bars, marker, base) = result_bars(poll, result, lang);
    o.set_bars(model(bars));
    o.set_marker(marker);
    o.set_base(i32::try_from(base).unwrap_or(i32::MAX));
    if let Details::Motion(m) = &result.details {
        o.set_required(as_int(m.required));
    }
    if let Details::Budget(b) = &result.details {
        let (projects, line) = budget_bars(poll, result, b);
        o.set_funded(as_int(b.projects.iter().filter(|p| p.funded).count() as u64));
        o.set_projects(model(projects));
        o.set_budget_line(line);
        o.set_spent(euros(b.spent).into());
        o.set_budget(euros(b.budget).into());
        o.set_remaining(euros(b.remaining).into());
    } else {
        o.set_projects(model(Vec::new()));
    }
    if let Details::MajorityJudgment(d) = &result.details {
        o.set_scale(i32::from(d.grades));
        o.set_merits(model(merit_rows(poll, d, lang)));
    } else {
        o.set_merits(model(Vec::new()));
    }
    if let Details::Schulze(d) = &result.details {
        o.set_ranking(model(ranking_rows(poll, result, d)));
    } else {
        o.set_ranking(model(Vec::new()));
    }
    o.set_lines(model(
        tally::arithmetic(poll, result, lang)
            .into_iter()
            .map(SharedString::from)
            .collect(),
    ));
}
