//! The organiser's side from the badge to the dashboard: the PIN page, the dashboard (attendance,
//! quorum, each poll with its actions), refusals said on it, the export to the stick, and the
//! stick as the stick watch sees it.

use slint::{ComponentHandle, SharedString};
use urne_core::ids::{MemberId, PollId};

use super::{
    Screens, ViewOptions, as_int, ask, busy, codes, current_page, go_idle, go_to, group_hex, model,
    qr_image, results, with_window,
};
use crate::generated::{
    AppWindow, ExportState, OrganiserAdapter, Page, PinError, PinPurpose, PollRow, Problem,
    SettingsOutcome, StickState,
};
use crate::kiosk::{
    Closing, Dashboard, Exported, Failure, Kiosk, KioskError, PIN_LENGTH, PinOutcome,
};
use crate::stick::StickEvent;

/// The organiser badge read and the PIN being typed (the PIN goes to the worker on
/// « Valider » and is forgotten here).
#[derive(Default)]
pub(super) struct DashboardState {
    organiser: Option<MemberId>,
    pin: String,
    /// A new PIN being chosen (from the settings page, or after a recovery order): `Some(None)`
    /// while it is typed the first time, `Some(Some(first))` while it is typed again.
    choosing: Option<Option<String>>,
    /// The PIN recovery order scanned on the PIN page, while the new PIN is chosen.
    recovering: Option<String>,
    /// The poll the organiser confirmed closing over visits under way: its small-poll
    /// confirmation, if asked next, closes it over them too.
    over_visits: Option<PollId>,
}

impl std::fmt::Debug for DashboardState {
    // The PIN stays out of logs and panics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DashboardState")
            .field("organiser", &self.organiser)
            .finish_non_exhaustive()
    }
}

/// What an organiser's action on a poll did: why it was refused, if it was, and the result of
/// a poll just closed.
#[derive(Default)]
struct Done {
    failure: Option<Failure>,
    closed: Option<results::Shown>,
    /// A poll just closed whose sealed box waits for the bureau's shares: its count opens.
    awaiting: Option<PollId>,
    /// A poll not closed because it has too few ballots: the organiser is asked to confirm.
    small: Option<SmallPoll>,
    /// A poll not closed because voters' visits that include it are under way on the hall's
    /// voting kiosks: the organiser is asked to confirm.
    busy: Option<BusyPoll>,
}

/// A poll whose close waits for the organiser's confirmation that the visits under way lose
/// their ballot in it.
struct BusyPoll {
    poll: PollId,
    question: String,
    visits: u32,
}

/// A poll whose close waits for the organiser's confirmation that its result may reveal votes.
struct SmallPoll {
    poll: PollId,
    /// Its question, so that the organiser knows which poll is asked about.
    question: String,
    ballots: u64,
    threshold: u32,
}

/// What the dashboard shows after an organiser's action: what it did, and the figures.
struct Acted {
    done: Done,
    dashboard: Result<Dashboard, Failure>,
}

/// The organiser's adapter before any answer: the preview values (made-up figures for the
/// designer) must never reach a real screen, so the dashboard starts empty.
pub(super) fn init(window: &AppWindow, options: &ViewOptions) {
    let organiser = window.global::<OrganiserAdapter>();
    organiser.set_present(0);
    organiser.set_represented(0);
    organiser.set_members(0);
    organiser.set_has_quorum(false);
    organiser.set_quorum_required(0);
    organiser.set_polls(model(Vec::new()));
    organiser.set_name("".into());
    organiser.set_export_target(options.export_target.clone().into());
    organiser.set_device_qr(qr_image(&options.device_fingerprint));
    // Shown in groups of four, easier to compare aloud with the registry's list.
    organiser.set_device_fingerprint(group_hex(&options.device_fingerprint).into());
    organiser.set_export_state(ExportState::None);
}

/// Forgets the badge read and the PIN typed.
pub(super) fn forget(state: &Screens) {
    {
        let mut s = state.borrow_mut();
        s.dashboard.organiser = None;
        s.dashboard.pin.clear();
        s.dashboard.choosing = None;
        s.dashboard.recovering = None;
    }
    with_window(state, |w| {
        let organiser = w.global::<OrganiserAdapter>();
        organiser.set_pin_length(0);
        organiser.set_pin_purpose(PinPurpose::Unlock);
        organiser.set_pin_reset_done(false);
        organiser.set_export_state(ExportState::None);
    });
}

/// An organiser badge was scanned: ask for the PIN.
pub(super) fn ask_pin(state: &Screens, organiser: MemberId, name: String) {
    {
        let mut s = state.borrow_mut();
        s.dashboard.organiser = Some(organiser);
        s.dashboard.pin.clear();
        s.dashboard.choosing = None;
        s.dashboard.recovering = None;
    }
    with_window(state, |w| {
        let o = w.global::<OrganiserAdapter>();
        o.set_name(name.into());
        o.set_pin_length(0);
        o.set_pin_error(PinError::None);
        o.set_pin_purpose(PinPurpose::Unlock);
        o.set_pin_reset_done(false);
    });
    go_to(state, Page::Pin);
}

/// The organiser asked, from the settings page, for a new PIN: the PIN page takes it, twice.
pub(super) fn choose_pin(state: &Screens) {
    {
        let mut s = state.borrow_mut();
        s.dashboard.pin.clear();
        s.dashboard.choosing = Some(None);
    }
    with_window(state, |w| {
        let o = w.global::<OrganiserAdapter>();
        o.set_pin_length(0);
        o.set_pin_error(PinError::None);
        o.set_pin_purpose(PinPurpose::Choose);
    });
    go_to(state, Page::Pin);
}

/// Whether a scan on the PIN page may be a PIN recovery order: the PIN page asks for the PIN
/// that unlocks, not for a new one.
pub(super) fn takes_recovery_order(state: &Screens) -> bool {
    current_page(state) == Some(Page::Pin) && state.borrow().dashboard.choosing.is_none()
}

/// A PIN recovery order was scanned on the PIN page: once the kiosk has checked it, the PIN
/// page takes the new PIN, twice.
pub(super) fn recovery_order(state: &Screens, order: String) {
    ask(
        state,
        move |k| {
            let checked = k.check_pin_reset(&order).map_err(Failure::from);
            (order, checked)
        },
        recovery_checked,
    );
}

fn recovery_checked(state: &Screens, (order, outcome): (String, Result<(), Failure>)) {
    match outcome {
        Ok(()) => {
            {
                let mut s = state.borrow_mut();
                s.dashboard.pin.clear();
                s.dashboard.choosing = Some(None);
                s.dashboard.recovering = Some(order);
            }
            with_window(state, |w| {
                let o = w.global::<OrganiserAdapter>();
                o.set_pin_length(0);
                o.set_pin_error(PinError::None);
                o.set_pin_reset_done(false);
                o.set_pin_purpose(PinPurpose::Choose);
            });
        }
        Err(failure) => with_window(state, |w| {
            let o = w.global::<OrganiserAdapter>();
            o.set_pin_error(PinError::ResetRefused);
            o.set_pin_problem(codes::problem(failure.problem));
        }),
    }
    super::arm_timer(state, Page::Pin);
}

/// A new PIN typed: the first time it is kept, the second it must match, then it is stored.
fn chosen_pin(state: &Screens, pin: String) {
    let first = state
        .borrow_mut()
        .dashboard
        .choosing
        .replace(None)
        .flatten();
    match first {
        None => {
            state.borrow_mut().dashboard.choosing = Some(Some(pin));
            with_window(state, |w| {
                let o = w.global::<OrganiserAdapter>();
                o.set_pin_error(PinError::None);
                o.set_pin_purpose(PinPurpose::Confirm);
            });
            super::arm_timer(state, Page::Pin);
        }
        Some(first) if first != pin => {
            with_window(state, |w| {
                let o = w.global::<OrganiserAdapter>();
                o.set_pin_error(PinError::Mismatch);
                o.set_pin_purpose(PinPurpose::Choose);
            });
            super::arm_timer(state, Page::Pin);
        }
        Some(_) => {
            busy(state);
            let order = state.borrow_mut().dashboard.recovering.take();
            ask(
                state,
                move |k| {
                    let outcome = match &order {
                        Some(order) => k.reset_pin(order, &pin),
                        None => k.change_pin(&pin),
                    };
                    (order, outcome.map_err(Failure::from))
                },
                pin_stored,
            );
        }
    }
}

/// The new PIN was stored (or not): after a recovery order the PIN page asks for it, to unlock;
/// after a change from the settings page, the settings page says so.
fn pin_stored(state: &Screens, (order, outcome): (Option<String>, Result<(), Failure>)) {
    match outcome {
        Ok(()) if order.is_some() => {
            stop_choosing(state);
            with_window(state, |w| {
                w.global::<OrganiserAdapter>().set_pin_reset_done(true);
            });
            super::arm_timer(state, Page::Pin);
        }
        Ok(()) => {
            stop_choosing(state);
            super::back_to_settings(state, SettingsOutcome::PinChanged);
        }
        Err(failure) => {
            // Chosen again from the start, with the same order if there was one.
            state.borrow_mut().dashboard.recovering = order;
            with_window(state, |w| {
                let o = w.global::<OrganiserAdapter>();
                o.set_pin_error(PinError::Failed);
                o.set_pin_problem(codes::problem(failure.problem));
                o.set_pin_purpose(PinPurpose::Choose);
            });
            super::arm_timer(state, Page::Pin);
        }
    }
}

fn stop_choosing(state: &Screens) {
    state.borrow_mut().dashboard.choosing = None;
    with_window(state, |w| {
        let o = w.global::<OrganiserAdapter>();
        o.set_pin_error(PinError::None);
        o.set_pin_purpose(PinPurpose::Unlock);
    });
}

fn show_pin_length(state: &Screens) {
    let n = state.borrow().dashboard.pin.len();
    with_window(state, |w| {
        w.global::<OrganiserAdapter>()
            .set_pin_length(i32::try_from(n).unwrap_or(0));
    });
}

fn submit_pin(state: &Screens) {
    let (pin, organiser, choosing) = {
        let mut st = state.borrow_mut();
        let pin = std::mem::take(&mut st.dashboard.pin);
        (pin, st.dashboard.organiser, st.dashboard.choosing.is_some())
    };
    with_window(state, |w| w.global::<OrganiserAdapter>().set_pin_length(0));
    if choosing {
        chosen_pin(state, pin);
        return;
    }
    let request = organiser.map(|id| (id, pin));
    let Some((organiser, pin)) = request else {
        return;
    };
    busy(state);
    ask(
        state,
        move |k| {
            let outcome = k.unlock(&organiser, &pin).map_err(Failure::from);
            let dashboard =
                (outcome == Ok(PinOutcome::Unlocked)).then(|| k.dashboard().map_err(Failure::from));
            (outcome, dashboard)
        },
        pin_checked,
    );
}

fn pin_checked(
    state: &Screens,
    (outcome, dashboard): (
        Result<PinOutcome, Failure>,
        Option<Result<Dashboard, Failure>>,
    ),
) {
    match outcome {
        Ok(PinOutcome::Unlocked) => {
            // A refusal from an earlier organiser's session is no news to this one.
            action_failed(state, None);
            go_to(state, Page::Dashboard);
        }
        Ok(PinOutcome::Wrong { failures }) => {
            with_window(state, |w| {
                let o = w.global::<OrganiserAdapter>();
                o.set_pin_error(PinError::Wrong);
                o.set_pin_failures(i32::try_from(failures).unwrap_or(i32::MAX));
            });
            super::arm_timer(state, Page::Pin);
        }
        Ok(PinOutcome::LockedOut { seconds }) => {
            with_window(state, |w| {
                let o = w.global::<OrganiserAdapter>();
                o.set_pin_error(PinError::LockedOut);
                o.set_pin_wait(i32::try_from(seconds).unwrap_or(i32::MAX));
            });
            super::arm_timer(state, Page::Pin);
        }
        Err(failure) => {
            // The PIN could not even be checked (the storage, most often): said on the PIN
            // page, which times out to the welcome screen as usual.
            with_window(state, |w| {
                let o = w.global::<OrganiserAdapter>();
                o.set_pin_error(PinError::Failed);
                o.set_pin_problem(codes::problem(failure.problem));
            });
            super::arm_timer(state, Page::Pin);
        }
    }
    if let Some(dashboard) = dashboard {
        shown(state, dashboard);
    }
}

/// Asks for the dashboard's figures again (while it is on screen, every few seconds); a locked
/// kiosk has none to show.
pub(super) fn refresh(state: &Screens) {
    ask(
        state,
        |k| {
            k.is_unlocked()
                .then(|| k.dashboard().map_err(Failure::from))
        },
        |state, dashboard| {
            if let Some(dashboard) = dashboard {
                shown(state, dashboard);
            }
        },
    );
}

/// Back to the dashboard from another organiser page.
pub(super) fn back(state: &Screens) {
    refresh(state);
    go_to(state, Page::Dashboard);
}

/// The dashboard's figures, or why they could not be read.
fn shown(state: &Screens, dashboard: Result<Dashboard, Failure>) {
    match dashboard {
        Ok(d) => show_dashboard(state, &d),
        Err(failure) => action_failed(state, Some(&failure)),
    }
}

/// Runs an organiser's action on a poll, then shows what happened.
fn act(state: &Screens, id: &str, action: fn(&mut Kiosk, &PollId) -> Done) {
    on_poll(state, id, |state, poll| {
        ask(
            state,
            move |k| Acted {
                done: action(k, &poll),
                dashboard: k.dashboard().map_err(Failure::from),
            },
            acted,
        );
    });
}

/// An organiser's tap on a poll of the dashboard: the last refusal cleared, the screen waiting,
/// `send` asking the worker, and the page's timer started again (the organiser is there).
fn on_poll(state: &Screens, id: &str, send: impl FnOnce(&Screens, PollId)) {
    let Ok(poll) = PollId::new(id) else {
        return;
    };
    action_failed(state, None);
    busy(state);
    send(state, poll);
    if let Some(page) = current_page(state) {
        super::arm_timer(state, page);
    }
}

fn acted(state: &Screens, acted: Acted) {
    if let Some(failure) = &acted.done.failure {
        action_failed(state, Some(failure));
    }
    if let Some(closed) = acted.done.closed {
        results::show(state, closed);
    }
    if let Some(small) = acted.done.small {
        with_window(state, |w| {
            let organiser = w.global::<OrganiserAdapter>();
            organiser.set_small_poll_ballots(as_int(small.ballots));
            organiser.set_small_poll_threshold(as_int(u64::from(small.threshold)));
            organiser.set_small_poll_question(small.question.as_str().into());
            organiser.set_small_poll(small.poll.as_str().into());
        });
    }
    if let Some(busy) = acted.done.busy {
        with_window(state, |w| {
            let organiser = w.global::<OrganiserAdapter>();
            organiser.set_busy_poll_visits(as_int(u64::from(busy.visits)));
            organiser.set_busy_poll_question(busy.question.as_str().into());
            organiser.set_busy_poll(busy.poll.as_str().into());
        });
    }
    if let Some(poll) = acted.done.awaiting {
        // As if « Dépouiller » were tapped: the shell opens the count page.
        with_window(state, |w| {
            w.global::<OrganiserAdapter>()
                .invoke_count_poll(poll.as_str().into());
        });
    }
    shown(state, acted.dashboard);
}

fn open_poll(k: &mut Kiosk, poll: &PollId) -> Done {
    Done {
        failure: k.open_poll(poll).err().map(Failure::from),
        ..Done::default()
    }
}

fn close_poll(k: &mut Kiosk, poll: &PollId) -> Done {
    let closing = k.close_poll(poll);
    closed(k, poll, closing)
}

/// « Clore quand même »: the organiser confirmed closing a poll with few ballots.
fn close_small_poll(k: &mut Kiosk, poll: &PollId) -> Done {
    let closing = k.close_small_poll(poll);
    closed(k, poll, closing)
}

/// « Clore quand même » on a poll with few ballots that the organiser also confirmed closing
/// over the visits under way.
fn close_small_poll_during_visits(k: &mut Kiosk, poll: &PollId) -> Done {
    let closing = k.close_small_poll_during_visits(poll);
    closed(k, poll, closing)
}

/// « Clore maintenant »: the organiser confirmed closing a poll while visits that include it
/// are under way.
fn close_poll_during_visits(k: &mut Kiosk, poll: &PollId) -> Done {
    let closing = k.close_poll_during_visits(poll);
    closed(k, poll, closing)
}

fn question_of(k: &Kiosk, poll: &PollId) -> String {
    k.event()
        .and_then(|e| e.poll(poll).map(|p| p.question.clone()))
        .unwrap_or_default()
}

fn closed(k: &mut Kiosk, poll: &PollId, closing: Result<Closing, KioskError>) -> Done {
    match closing {
        Ok(Closing::Counted(result)) => Done {
            closed: results::shown_of(k, poll, *result),
            ..Done::default()
        },
        // The count page opens; the dashboard shows it « en attente de dépouillement ».
        Ok(Closing::AwaitingShares { .. }) => Done {
            awaiting: Some(poll.clone()),
            ..Done::default()
        },
        Err(KioskError::SmallPoll { ballots, threshold }) => Done {
            small: Some(SmallPoll {
                poll: poll.clone(),
                question: question_of(k, poll),
                ballots,
                threshold,
            }),
            ..Done::default()
        },
        Err(KioskError::VisitsUnderWay { visits }) => Done {
            busy: Some(BusyPoll {
                poll: poll.clone(),
                question: question_of(k, poll),
                visits,
            }),
            ..Done::default()
        },
        Err(e) => Done {
            failure: Some(Failure::from(e)),
            ..Done::default()
        },
    }
}

/// Asks for a closed poll's result (« Résultats » on the dashboard); a refusal is said on
/// the dashboard.
pub(super) fn ask_result(state: &Screens, id: &str) {
    on_poll(state, id, |state, poll| {
        ask(
            state,
            move |k| match k.result(&poll) {
                Ok(Some(result)) => results::shown_of(k, &poll, result)
                    .ok_or_else(|| Failure::from(KioskError::UnknownPoll(poll))),
                // Only a closed poll has a result: the button was pressed on a stale dashboard.
                Ok(None) => Err(Failure::from(KioskError::PollState(poll))),
                Err(e) => Err(Failure::from(e)),
            },
            |state, outcome| match outcome {
                Ok(shown) => results::show(state, shown),
                Err(failure) => action_failed(state, Some(&failure)),
            },
        );
    });
}

/// The result on screen asked again (the language changed: the arithmetic and the
/// percentages are written in Rust).
pub(super) fn show_result_again(state: &Screens) {
    let poll = results::shown_poll(state);
    ask_result(state, &poll);
}

/// Shows on the dashboard why the organiser's last action (open, close, show a result) did
/// not happen, or clears it (`None`). The dashboard sent after a refused action leaves it
/// standing: only the next action or the next unlock clears it.
pub(super) fn action_failed(state: &Screens, failure: Option<&Failure>) {
    with_window(state, |w| {
        let organiser = w.global::<OrganiserAdapter>();
        organiser.set_action_error(codes::failure(failure));
        // Any new action, or its refusal, puts a pending confirmation away.
        organiser.set_small_poll(SharedString::new());
        organiser.set_busy_poll(SharedString::new());
    });
}

fn export(state: &Screens) {
    busy(state);
    with_window(state, |w| {
        w.global::<OrganiserAdapter>()
            .set_export_state(ExportState::None);
    });
    ask(
        state,
        |k| {
            let exported = k.export(false).map_err(Failure::from);
            (exported, k.dashboard().map_err(Failure::from))
        },
        exported,
    );
    super::arm_timer(state, Page::Dashboard);
}

fn exported(
    state: &Screens,
    (outcome, dashboard): (Result<Exported, Failure>, Result<Dashboard, Failure>),
) {
    with_window(state, |w| {
        let o = w.global::<OrganiserAdapter>();
        match outcome {
            Ok(e) => {
                o.set_export_state(ExportState::Done);
                o.set_export_detail(e.file_name.into());
                o.set_export_problem(Problem::None);
            }
            Err(failure) => {
                o.set_export_state(ExportState::Failed);
                o.set_export_detail(SharedString::new());
                o.set_export_problem(codes::problem(failure.problem));
            }
        }
    });
    shown(state, dashboard);
}

/// The stick watch saw a USB stick put in or taken out.
pub(super) fn stick(state: &Screens, event: StickEvent) {
    with_window(state, |w| {
        let o = w.global::<OrganiserAdapter>();
        match event {
            StickEvent::Inserted { label } => {
                o.set_stick_label(label.into());
                o.set_stick_state(StickState::Present);
            }
            StickEvent::Removed => {
                o.set_stick_label(SharedString::new());
                o.set_stick_state(StickState::Absent);
            }
        }
    });
}

fn show_dashboard(state: &Screens, d: &Dashboard) {
    with_window(state, |w| {
        let o = w.global::<OrganiserAdapter>();
        o.set_audit_problem(d.audit_problem.clone().unwrap_or_default().into());
        o.set_clock_trusted(d.clock_trusted);
        let hall = d.hall.unwrap_or(crate::kiosk::HallLine {
            kiosks: 0,
            connected: 0,
            visits: 0,
        });
        let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        o.set_leads_hall(d.hall.is_some());
        o.set_hall_kiosks(count(hall.kiosks));
        o.set_hall_connected(count(hall.connected));
        o.set_hall_visits(count(hall.visits));
        o.set_present(as_int(d.attendance.present));
        o.set_represented(as_int(d.attendance.represented));
        o.set_members(as_int(d.members));
        o.set_has_quorum(d.quorum_required.is_some());
        o.set_quorum_required(as_int(d.quorum_required.unwrap_or(0)));
        o.set_polls(model(
            d.polls
                .iter()
                .map(|p| PollRow {
                    id: p.poll.id.to_string().into(),
                    question: p.poll.question.clone().into(),
                    kind: codes::poll_kind(&p.poll.kind),
                    state: codes::poll_state(p.state),
                    voted: as_int(p.voted),
                    quorum: codes::quorum_at_open(p.quorum_at_open),
                    quorum_counted: p.quorum_at_open.map_or(0, |q| as_int(q.counted)),
                    quorum_required: p.quorum_at_open.map_or(0, |q| as_int(q.required)),
                })
                .collect(),
        ));
    });
}

/// Wires the PIN page and the dashboard.
pub(super) fn bind(window: &AppWindow, state: &Screens) {
    let organiser = window.global::<OrganiserAdapter>();
    let s = state.clone();
    organiser.on_pin_digit(move |d| {
        {
            let mut st = s.borrow_mut();
            if st.dashboard.pin.len() < PIN_LENGTH {
                st.dashboard.pin.push_str(&d);
            }
        }
        show_pin_length(&s);
        super::arm_timer(&s, Page::Pin);
    });
    let s = state.clone();
    organiser.on_pin_erase(move || {
        s.borrow_mut().dashboard.pin.pop();
        show_pin_length(&s);
    });
    let s = state.clone();
    organiser.on_pin_submit(move || submit_pin(&s));
    let s = state.clone();
    organiser.on_pin_cancel(move || {
        let recovering = s.borrow_mut().dashboard.recovering.take().is_some();
        if recovering {
            // Back to the PIN that unlocks, with the old PIN still in force.
            stop_choosing(&s);
            super::arm_timer(&s, Page::Pin);
        } else if s.borrow().dashboard.choosing.is_some() {
            stop_choosing(&s);
            super::back_to_settings(&s, SettingsOutcome::None);
        } else {
            go_idle(&s);
        }
    });
    let s = state.clone();
    organiser.on_open_poll(move |id| {
        // Any other action puts a confirmation given earlier away.
        s.borrow_mut().dashboard.over_visits = None;
        act(&s, &id, open_poll);
    });
    let s = state.clone();
    organiser.on_close_poll(move |id| {
        s.borrow_mut().dashboard.over_visits = None;
        act(&s, &id, close_poll);
    });
    let s = state.clone();
    organiser.on_close_small_poll(move |id| {
        let over_visits = s.borrow_mut().dashboard.over_visits.take();
        if over_visits.is_some_and(|p| p.as_str() == id.as_str()) {
            act(&s, &id, close_small_poll_during_visits);
        } else {
            act(&s, &id, close_small_poll);
        }
    });
    let s = state.clone();
    organiser.on_keep_poll_open(move || {
        s.borrow_mut().dashboard.over_visits = None;
        action_failed(&s, None);
    });
    let s = state.clone();
    organiser.on_close_poll_during_visits(move |id| {
        s.borrow_mut().dashboard.over_visits = PollId::new(id.as_str()).ok();
        act(&s, &id, close_poll_during_visits);
    });
    let s = state.clone();
    organiser.on_show_result(move |id| ask_result(&s, &id));

    let s = state.clone();
    organiser.on_back_to_dashboard(move || back(&s));
    let s = state.clone();
    organiser.on_export(move || export(&s));
    let s = state.clone();
    organiser.on_lock(move || {
        s.borrow_mut().dashboard.over_visits = None;
        go_idle(&s);
    });
}
