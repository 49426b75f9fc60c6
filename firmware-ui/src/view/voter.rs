//! The voter's screens: a scan and its greeting (or refusal), the ballots of the visit held in a
//! [`VoterFlow`] until they are confirmed, the review, « A voté ! », and leaving the hall.

use slint::ComponentHandle;
use urne_core::event::Event;
use urne_core::figures;
use urne_core::ids::MemberId;
use urne_core::poll::PollKind;
use urne_core::tally::Lang;

use super::{
    Screens, ask, attendance, busy, codes, go_idle, go_to, local_time, model, with_window,
};
use crate::flow::{Item, Stage, VoterFlow};
use crate::generated::{AppWindow, Choice, GradeItem, Page, Problem, ReviewLine, VoterAdapter};
use crate::kiosk::{self, BallotCast, Due, Failure, Kiosk, ScanOutcome, VisitRefused};

/// The visit: the member greeted and what they can vote on, then the ballots being filled in.
#[derive(Debug, Default)]
pub(super) struct VoterState {
    greeting: Option<Greeting>,
    flow: Option<VoterFlow>,
}

/// A member just checked in by their scan.
#[derive(Debug, Clone)]
struct Greeting {
    member: MemberId,
    name: String,
    due: Vec<Due>,
}

impl VoterState {
    /// Whether the member greeted has ballots to cast (the welcome screen waits longer).
    pub(super) fn has_ballots_due(&self) -> bool {
        self.greeting.as_ref().is_some_and(|g| !g.due.is_empty())
    }
}

/// The outcome of casting a visit's ballots: all of them, or none.
struct VisitCast {
    /// The ballots sent.
    ballots: Vec<BallotCast>,
    /// Why none was stored, and which ballot, when one was to blame.
    refused: Option<(Option<usize>, Failure)>,
}

/// Forgets the visit: nothing is cast (on a voting kiosk of a hall, the lead is told, so that
/// the voter may go to another kiosk at once).
pub(super) fn forget(state: &Screens) {
    let had_visit = {
        let mut s = state.borrow_mut();
        s.voter.flow = None;
        s.voter.greeting.take().is_some()
    };
    if had_visit {
        super::tell(state, Kiosk::end_visit);
    }
    with_window(state, |w| {
        let voter = w.global::<VoterAdapter>();
        voter.set_name("".into());
        voter.set_choices(model(Vec::new()));
        voter.set_review(model(Vec::new()));
        voter.set_error(Problem::None);
    });
}

/// A badge was scanned (serial scanner, keyboard wedge or demo button).
pub(super) fn scan(state: &Screens, payload: String) {
    // On the attendance page a scan answers the organiser's current step (the absent member of
    // a proxy, its holder, a badge to revoke) and checks nobody in.
    if super::current_page(state) == Some(Page::Attendance) && attendance::waiting_for_scan(state) {
        if !payload.trim().is_empty() {
            attendance::identify(state, payload);
        }
        return;
    }
    // A registry's card sets the registry on the setup's registry step and on the settings
    // page, and is ignored anywhere else.
    if payload
        .trim()
        .starts_with(urne_codec::protocol::CARD_PREFIX)
    {
        if super::setup::takes_card(state) {
            super::setup::card(state, &payload);
        } else if super::settings::takes_card(state) {
            super::settings::card(state, &payload);
        }
        return;
    }
    // A lead kiosk's pairing card, on the hall page only.
    if super::hall::is_card(&payload) {
        if super::hall::takes_card(state) {
            super::hall::card(state, payload.trim());
        }
        return;
    }
    // On the PIN page a scan may be the organiser's PIN recovery order.
    if payload.trim().starts_with(urne_core::recovery::PREFIX) {
        if super::dashboard::takes_recovery_order(state) {
            super::dashboard::recovery_order(state, payload.trim().to_owned());
        }
        return;
    }
    // On the count page a scan is one of the bureau's shares of the tally key.
    if super::count::waiting(state) {
        super::count::share(state, payload);
        return;
    }
    // Otherwise a scan is taken only where nobody is in the middle of something: a voter
    // filling in a ballot or an organiser at work is never interrupted by the next badge.
    let accept = super::current_page(state).is_some_and(|p| {
        matches!(
            p,
            Page::Idle | Page::Welcome | Page::Refused | Page::Voted | Page::Goodbye
        )
    });
    if accept && !payload.trim().is_empty() {
        busy(state);
        // The event comes back with the answer: on a voting kiosk of a hall, the lead's grant
        // may carry polls written on the lead during the evening.
        ask(
            state,
            move |k| {
                k.scan(&payload)
                    .map(|outcome| {
                        let at_door = k.hall_role() == Some(urne_codec::hall::HallRole::Door);
                        (outcome, k.event().cloned(), at_door)
                    })
                    .map_err(Failure::from)
            },
            scanned,
        );
    }
}

fn scanned(state: &Screens, outcome: Result<(ScanOutcome, Option<Event>, bool), Failure>) {
    let outcome = outcome.map(|(outcome, event, at_door)| {
        if matches!(outcome, ScanOutcome::Welcome { .. }) {
            state.borrow_mut().event = event;
        }
        with_window(state, |w| w.global::<VoterAdapter>().set_at_door(at_door));
        outcome
    });
    match outcome {
        Ok(ScanOutcome::Welcome {
            member,
            name,
            already_since,
            due,
            unrecorded,
            voted,
            queued,
        }) => {
            with_window(state, |w| {
                let voter = w.global::<VoterAdapter>();
                voter.set_name(name.clone().into());
                voter.set_already_since(
                    already_since
                        .map(|t| local_time(t.0))
                        .unwrap_or_default()
                        .into(),
                );
                voter.set_polls_due(i32::try_from(due.len()).unwrap_or(0));
                voter.set_unrecorded(unrecorded);
                voter.set_all_voted(voted);
                voter.set_queued(queued);
            });
            {
                let mut s = state.borrow_mut();
                s.voter.flow = None;
                s.voter.greeting = Some(Greeting { member, name, due });
            }
            go_to(state, Page::Welcome);
        }
        Ok(ScanOutcome::Organiser { organiser, name }) => {
            super::dashboard::ask_pin(state, organiser, name);
        }
        Ok(ScanOutcome::Refused(refusal)) => {
            with_window(state, |w| {
                let voter = w.global::<VoterAdapter>();
                voter.set_refusal(codes::refusal(&refusal));
                voter.set_refusal_problem(Problem::None);
            });
            go_to(state, Page::Refused);
        }
        Err(failure) => {
            with_window(state, |w| {
                let voter = w.global::<VoterAdapter>();
                voter.set_refusal(codes::scan_failure(failure.problem));
                voter.set_refusal_problem(codes::problem(failure.problem));
            });
            go_to(state, Page::Refused);
        }
    }
}

/// Shows the ballot or the review the flow is at.
fn refresh_ballot(state: &Screens) {
    let s = state.borrow();
    let Some(flow) = &s.voter.flow else {
        return;
    };
    let Some(window) = s.window.upgrade() else {
        return;
    };
    let voter = window.global::<VoterAdapter>();
    match flow.stage() {
        Stage::Ballot(i) => show_ballot(&voter, flow, i, s.lang),
        Stage::Review => {
            voter.set_review(model(
                flow.review()
                    .into_iter()
                    .map(|r| ReviewLine {
                        question: r.question.into(),
                        on_behalf: r.on_behalf.into(),
                        answer: codes::answer(r.answer),
                        text: r.text.into(),
                        grades: model(
                            r.grades
                                .into_iter()
                                .map(|g| GradeItem {
                                    label: g.label.into(),
                                    grade: i32::from(g.grade),
                                })
                                .collect(),
                        ),
                        scale: i32::from(r.scale),
                    })
                    .collect(),
            ));
        }
    }
}

fn show_ballot(voter: &VoterAdapter<'_>, flow: &VoterFlow, i: usize, lang: Lang) {
    let poll = flow.current().cloned();
    voter.set_question(
        poll.as_ref()
            .map(|p| p.question.clone())
            .unwrap_or_default()
            .into(),
    );
    if let Some(poll) = &poll {
        voter.set_kind(codes::poll_kind(&poll.kind));
    }
    voter.set_position(i32::try_from(i + 1).unwrap_or(i32::MAX));
    voter.set_count(i32::try_from(flow.count()).unwrap_or(i32::MAX));
    voter.set_on_behalf(flow.proxy_for().unwrap_or_default().into());
    voter.set_choices(model(
        flow.choices(lang)
            .into_iter()
            .map(|c| Choice {
                id: c.id.into(),
                answer: codes::answer(c.answer),
                label: c.label.into(),
                detail: c.detail.into(),
                selected: c.selected,
                enabled: c.enabled,
                grade: c.grade.map_or(-1, i32::from),
                rank: c.rank.map_or(0, |r| i32::try_from(r).unwrap_or(i32::MAX)),
            })
            .collect(),
    ));
    voter.set_can_continue(flow.can_continue());
    let int = |n: u64| i32::try_from(n).unwrap_or(i32::MAX);
    voter.set_chosen(int(flow.chosen() as u64));
    let (min, max) = flow.bounds().unwrap_or((0, 0));
    voter.set_min(int(u64::from(min)));
    voter.set_max(int(u64::from(max)));
    let (spent, budget) = flow.spending().unwrap_or((0, 0));
    voter.set_spent(int(spent));
    voter.set_budget(int(budget));
    voter.set_spent_text(figures::euros(spent, lang).into());
    voter.set_budget_text(figures::euros(budget, lang).into());
    if let Some(PollKind::MajorityJudgment { grades, .. }) = poll.as_ref().map(|p| &p.kind) {
        voter.set_scale(i32::from(*grades));
    }
}

/// Goes to the page of the flow's stage.
fn stage_page(state: &Screens) {
    let stage = state.borrow().voter.flow.as_ref().map(VoterFlow::stage);
    refresh_ballot(state);
    match stage {
        Some(Stage::Ballot(_)) => go_to(state, Page::Ballot),
        Some(Stage::Review) => go_to(state, Page::Review),
        None => go_idle(state),
    }
}

/// Changes the flow and shows the ballot again.
fn on_ballot(state: &Screens, f: impl FnOnce(&mut VoterFlow)) {
    if let Some(flow) = state.borrow_mut().voter.flow.as_mut() {
        f(flow);
    }
    refresh_ballot(state);
    super::arm_timer(state, Page::Ballot);
}

/// Changes where the flow is and shows that page.
fn move_to(state: &Screens, f: impl FnOnce(&mut VoterFlow)) {
    if let Some(flow) = state.borrow_mut().voter.flow.as_mut() {
        f(flow);
    }
    stage_page(state);
}

/// The flow of the member greeted: their ballots due, in order.
fn start_flow(state: &Screens) {
    let flow = {
        let st = state.borrow();
        st.voter.greeting.as_ref().and_then(|g| {
            let event = st.event.as_ref()?;
            let items: Vec<Item> = g
                .due
                .iter()
                .filter_map(|d| {
                    Some(Item {
                        poll: event.poll(&d.poll)?.clone(),
                        member: d.member,
                        proxy_for: d.proxy_for.clone(),
                    })
                })
                .collect();
            VoterFlow::new(g.member, g.name.clone(), items)
        })
    };
    let voter = flow.as_ref().map(VoterFlow::member);
    state.borrow_mut().voter.flow = flow;
    // Noted before the first ballot, so that a visit never stored (a power cut, a voter who
    // walks away) is told at the next scan.
    if let Some(voter) = voter {
        ask(
            state,
            move |k| k.begin_visit(&voter).err().map(|e| e.to_string()),
            visit_begun,
        );
    }
    stage_page(state);
}

/// « Confirmer mon vote »: every ballot of the visit goes to the worker.
fn confirm(state: &Screens) {
    let cast = state
        .borrow()
        .voter
        .flow
        .as_ref()
        .and_then(|f| Some((f.member(), f.ballots()?)));
    let Some((voter, ballots)) = cast else {
        return;
    };
    busy(state);
    with_window(state, |w| {
        w.global::<VoterAdapter>().set_error(Problem::None)
    });
    // The timer must not clear the screen while the ballots are being stored.
    state.borrow().timer.stop();
    ask(state, move |k| cast_visit(k, &voter, ballots), visit_cast);
}

/// The voter goes on filling in their ballots either way: a start not noted only means that a
/// visit cut off would not be told at the next scan, which the log says.
fn visit_begun(_: &Screens, failed: Option<String>) {
    if let Some(error) = failed {
        tracing::warn!(%error, "the start of a visit was not noted");
    }
}

/// Casts the visit's ballots in one transaction.
fn cast_visit(kiosk: &mut Kiosk, voter: &MemberId, ballots: Vec<BallotCast>) -> VisitCast {
    let refused = kiosk
        .cast_visit(voter, &ballots)
        .err()
        .map(|VisitRefused { at, error }| (at, Failure::from(error)));
    VisitCast { ballots, refused }
}

/// « A voté ! » once every ballot is stored. Otherwise nothing was stored: the review again,
/// with why. A ballot that can no longer be cast (its poll closed meanwhile, it was cast on
/// another kiosk, or its proxy is no longer the voter's) leaves the visit, so that confirming
/// again casts the rest.
fn visit_cast(state: &Screens, outcome: VisitCast) {
    match outcome.refused {
        None => {
            {
                let mut s = state.borrow_mut();
                s.voter.flow = None;
                s.voter.greeting = None;
            }
            go_to(state, Page::Voted);
        }
        Some((_, failure))
            if failure.problem == kiosk::Problem::Hall(kiosk::HallProblem::VisitEnded) =>
        {
            // The lead no longer holds this visit (it lapsed, or this kiosk was removed): the
            // ballots filled in are void, and the voter is told to scan again.
            {
                let mut s = state.borrow_mut();
                s.voter.flow = None;
                s.voter.greeting = None;
            }
            with_window(state, |w| {
                let voter = w.global::<VoterAdapter>();
                voter.set_refusal(codes::scan_failure(failure.problem));
                voter.set_refusal_problem(codes::problem(failure.problem));
            });
            go_to(state, Page::Refused);
        }
        Some((at, failure)) => {
            // What can no longer be cast whatever the voter does: their vote or a proxy's already
            // in the box, a poll closed, a proxy no longer theirs (revoked, or its giver came).
            let gone = matches!(
                failure.problem,
                kiosk::Problem::AlreadyVoted
                    | kiosk::Problem::PollNotOpen
                    | kiosk::Problem::NoProxy
            );
            if let (true, Some(ballot)) = (gone, at.and_then(|i| outcome.ballots.get(i)))
                && let Some(flow) = state.borrow_mut().voter.flow.as_mut()
            {
                flow.drop_ballots(std::slice::from_ref(ballot));
            }
            let emptied = state
                .borrow()
                .voter
                .flow
                .as_ref()
                .is_some_and(|f| f.count() == 0);
            if emptied {
                // Nothing is left to cast: the greeting again, saying why ("already voted", or
                // no poll open any more), rather than a review of nothing.
                let voted = failure.problem == kiosk::Problem::AlreadyVoted;
                {
                    let mut s = state.borrow_mut();
                    s.voter.flow = None;
                    if let Some(g) = s.voter.greeting.as_mut() {
                        g.due.clear();
                    }
                }
                with_window(state, |w| {
                    let voter = w.global::<VoterAdapter>();
                    voter.set_polls_due(0);
                    voter.set_unrecorded(false);
                    voter.set_all_voted(voted);
                });
                go_to(state, Page::Welcome);
                return;
            }
            with_window(state, |w| {
                let voter = w.global::<VoterAdapter>();
                voter.set_error(codes::problem(failure.problem));
            });
            stage_page(state);
        }
    }
}

/// Wires the voter's screens.
pub(super) fn bind(window: &AppWindow, state: &Screens) {
    let voter = window.global::<VoterAdapter>();
    let s = state.clone();
    voter.on_start(move || start_flow(&s));
    let s = state.clone();
    voter.on_finish(move || go_idle(&s));
    let s = state.clone();
    voter.on_choose(move |id| on_ballot(&s, |f| f.choose(&id)));
    let s = state.clone();
    voter.on_grade(move |candidate, grade| {
        on_ballot(&s, |f| {
            f.grade(&candidate, u8::try_from(grade).unwrap_or(u8::MAX))
        });
    });
    let s = state.clone();
    voter.on_undo(move || on_ballot(&s, VoterFlow::undo));
    let s = state.clone();
    voter.on_next(move || move_to(&s, VoterFlow::next));
    let s = state.clone();
    voter.on_back(move || {
        let moved = s
            .borrow_mut()
            .voter
            .flow
            .as_mut()
            .is_some_and(VoterFlow::back);
        if moved {
            stage_page(&s);
        } else {
            s.borrow_mut().voter.flow = None;
            go_to(&s, Page::Welcome);
        }
    });
    let s = state.clone();
    voter.on_modify(move || move_to(&s, VoterFlow::modify));
    let s = state.clone();
    voter.on_confirm(move || confirm(&s));
    let s = state.clone();
    voter.on_leave(move || {
        let member = s.borrow().voter.greeting.as_ref().map(|g| g.member);
        if let Some(member) = member {
            busy(&s);
            ask(
                &s,
                move |k| k.check_out(&member).map_err(Failure::from),
                checked_out,
            );
        }
    });
}

fn checked_out(state: &Screens, _outcome: Result<bool, Failure>) {
    state.borrow_mut().voter.greeting = None;
    go_to(state, Page::Goodbye);
}
