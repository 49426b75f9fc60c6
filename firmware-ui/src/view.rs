//! The UI thread's side: binds the Slint screens to the worker. Taps and scans become
//! [`Command`]s; [`Reply`]s become what is on screen. The voter's answers are held in a
//! [`VoterFlow`] until confirmed; nothing here does I/O.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use slint::{ComponentHandle, ModelRc, SharedString, Timer, VecModel};
use urne_core::event::Event;
use urne_core::ids::{MemberId, OptionId, PollId};
use urne_core::poll::{Poll, PollKind};
use urne_core::tally::{
    self, BudgetDetails, Details, Lang, MajorityJudgmentDetails, MeritProfile, PollResult,
    ProjectOutcome, SchulzeDetails,
};

use crate::flow::{Item, Stage, VoterFlow, euros};
use crate::generated::{
    AppWindow, Bar, Choice, DemoBadge, Duel, GradeItem, KioskAdapter, MeritRow, Offer,
    OrganiserAdapter, Page, PollRow, PresentRow, ProjectBar, ProxyRow, RankRow, Refusal,
    ReviewLine, Segment, VoterAdapter,
};
use crate::kiosk::{
    Dashboard, Due, OfferInfo, PinOutcome, Problem, Refusal as KioskRefusal, ScanOutcome,
};
use crate::scanner::ScannerEvent;
use crate::stick::StickEvent;
use crate::worker::{Command, Failure, Inbox, Reply};
use urne_core::credential::BadgeError;
use urne_core::crypto::Fingerprint;
use urne_core::results::PollState;

mod editor;
mod registry;
mod settings;
mod setup;

/// Longest keyboard-wedge line kept (a badge is about 200 characters).
const MAX_WEDGE: usize = 1024;

/// How the view starts.
#[derive(Debug, Clone, Default)]
pub struct ViewOptions {
    /// Demo mode: badges to tap instead of scanning, and the demo PIN to show.
    pub demo: Option<(Vec<(String, String)>, String)>,
    /// The language at start.
    pub lang: Lang,
    /// Seconds of inactivity before a voter's screen clears itself.
    pub voter_timeout_secs: u64,
    /// Where exports go (shown on the export button).
    pub export_target: String,
    /// The device key's fingerprint (shown on the dashboard).
    pub device_fingerprint: String,
    /// Start with the first-boot setup (the kiosk has just made its device key).
    pub first_boot: bool,
}

struct State {
    window: slint::Weak<AppWindow>,
    commands: Sender<Command>,
    lang: Lang,
    /// The language the organiser chose: each visit starts in it.
    default_lang: Lang,
    event: Option<Event>,
    greeting: Option<(MemberId, String, Vec<Due>)>,
    flow: Option<VoterFlow>,
    organiser: Option<(MemberId, String)>,
    pin: String,
    wedge: String,
    timer: Timer,
    /// Refreshes the organiser's figures while the dashboard or the attendance page is shown.
    refresh: Timer,
    voter_timeout: Duration,
    /// The packages last found on the stick (file, organiser fingerprint).
    offers: Vec<(String, Option<Fingerprint>)>,
    /// Whether organiser mode is unlocked (the packages page returns to the dashboard).
    unlocked: bool,
    /// The walk-in form: family name, given name, collective; and the field being typed in.
    form: [String; 3],
    form_focus: usize,
    /// What the organiser's next scan on the attendance page is for.
    step: &'static str,
    /// The member read at the previous step.
    step_member: Option<(MemberId, String)>,
    /// The poll being written or corrected.
    editor: editor::EditorState,
    /// The settings page's values being changed.
    settings: settings::SettingsState,
    /// The packages page's registry source.
    registry: registry::RegistryState,
    /// The first-boot setup.
    setup: setup::SetupState,
}

/// The view: owns the UI-side state and the inbox of replies.
pub struct View {
    state: Rc<RefCell<State>>,
    inbox: Inbox,
}

impl std::fmt::Debug for View {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("View").finish_non_exhaustive()
    }
}

fn model<T: Clone + 'static>(items: Vec<T>) -> ModelRc<T> {
    ModelRc::new(VecModel::from(items))
}

impl View {
    /// Binds `window` to the worker (through `commands` and `inbox`).
    pub fn new(
        window: &AppWindow,
        commands: Sender<Command>,
        inbox: Inbox,
        options: ViewOptions,
    ) -> Self {
        let state = Rc::new(RefCell::new(State {
            window: window.as_weak(),
            commands,
            lang: options.lang,
            default_lang: options.lang,
            event: None,
            greeting: None,
            flow: None,
            organiser: None,
            pin: String::new(),
            wedge: String::new(),
            timer: Timer::default(),
            refresh: Timer::default(),
            voter_timeout: Duration::from_secs(options.voter_timeout_secs.max(10)),
            offers: Vec::new(),
            unlocked: false,
            form: Default::default(),
            form_focus: 0,
            step: "",
            step_member: None,
            editor: Default::default(),
            settings: Default::default(),
            registry: Default::default(),
            setup: Default::default(),
        }));
        let kiosk = window.global::<KioskAdapter>();
        // The adapters' preview values (made-up figures for the designer) must never reach a
        // real screen: the dashboard starts empty until the worker's first answer.
        let organiser = window.global::<OrganiserAdapter>();
        organiser.set_present(0);
        organiser.set_represented(0);
        organiser.set_members(0);
        organiser.set_has_quorum(false);
        organiser.set_quorum_required(0);
        organiser.set_polls(model(Vec::new()));
        organiser.set_name("".into());
        kiosk.set_demo(options.demo.is_some());
        if let Some((badges, pin)) = &options.demo {
            kiosk.set_demo_badges(model(
                badges
                    .iter()
                    .map(|(label, payload)| DemoBadge {
                        label: label.into(),
                        payload: payload.into(),
                    })
                    .collect(),
            ));
            kiosk.set_demo_pin(pin.into());
        }
        kiosk.set_has_event(false);
        kiosk.set_scanner_state("ok".into());
        let organiser = window.global::<OrganiserAdapter>();
        organiser.set_export_target(options.export_target.into());
        organiser.set_device_qr(qr_image(&options.device_fingerprint));
        // Shown in groups of four, easier to compare aloud with the registry's list.
        organiser.set_device_fingerprint(group_hex(&options.device_fingerprint).into());
        organiser.set_export_state("".into());
        set_language(window, options.lang);
        bind(window, &state);
        if options.first_boot {
            setup::start(&state);
        } else {
            show(window, Page::Idle);
        }
        Self { state, inbox }
    }

    /// Applies every reply waiting in the inbox; returns how many there were.
    pub fn pump(&self) -> usize {
        let mut n = 0;
        while let Ok(reply) = self.inbox.replies.try_recv() {
            apply(&self.state, reply);
            n += 1;
        }
        n
    }

    /// Waits up to `timeout` for one reply, applies it and any that follow. Returns false on
    /// timeout. For tests, which have no event loop to wake.
    pub fn wait(&self, timeout: Duration) -> bool {
        match self.inbox.replies.recv_timeout(timeout) {
            Ok(reply) => {
                apply(&self.state, reply);
                self.pump();
                true
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => false,
        }
    }

    /// The replies channel (the app's waker drains it on the event loop).
    pub fn replies(&self) -> &Receiver<Reply> {
        &self.inbox.replies
    }
}

fn with_window(state: &Rc<RefCell<State>>, f: impl FnOnce(&AppWindow)) {
    let window = state.borrow().window.upgrade();
    if let Some(w) = window {
        f(&w);
    }
}

fn show(window: &AppWindow, page: Page) {
    window.global::<KioskAdapter>().set_page(page);
}

fn set_language(window: &AppWindow, lang: Lang) {
    let code = match lang {
        Lang::Fr => "",
        Lang::En => "en",
    };
    // The source strings are French; "" selects them, "en" the English catalogue.
    if let Err(e) = slint::select_bundled_translation(code) {
        tracing::warn!(error = %e, "language not available");
    }
    window
        .global::<KioskAdapter>()
        .set_language(if lang == Lang::En { "en" } else { "fr" }.into());
}

fn send(state: &Rc<RefCell<State>>, command: Command) {
    let sent = state.borrow().commands.send(command).is_ok();
    if !sent {
        tracing::error!("the kiosk worker has stopped");
    }
}

/// Restarts the inactivity timer for the page now on screen.
fn arm_timer(state: &Rc<RefCell<State>>, page: Page) {
    let s = state.borrow();
    let after = match page {
        // The first-boot setup waits for the organiser however long it takes.
        Page::Idle | Page::Setup => None,
        Page::Voted | Page::Refused => Some(Duration::from_secs(6)),
        Page::Welcome => Some(if s.greeting.as_ref().is_some_and(|g| !g.2.is_empty()) {
            Duration::from_secs(30)
        } else {
            Duration::from_secs(8)
        }),
        Page::Ballot | Page::Review => Some(s.voter_timeout),
        Page::Pin => Some(Duration::from_secs(60)),
        Page::Dashboard
        | Page::Result
        | Page::Packages
        | Page::Attendance
        | Page::Walkin
        | Page::WalkinBadge
        | Page::Editor
        | Page::Settings => Some(Duration::from_secs(300)),
        Page::Goodbye => Some(Duration::from_secs(6)),
    };
    s.timer.stop();
    if let Some(after) = after {
        let weak = Rc::downgrade(state);
        s.timer.start(slint::TimerMode::SingleShot, after, move || {
            if let Some(state) = weak.upgrade() {
                go_idle(&state);
            }
        });
    }
}

fn go_to(state: &Rc<RefCell<State>>, page: Page) {
    with_window(state, |w| show(w, page));
    arm_timer(state, page);
    // Live counters: people keep arriving while the organiser looks at the figures.
    let s = state.borrow();
    match page {
        Page::Dashboard | Page::Attendance | Page::Settings | Page::Setup => {
            let weak = Rc::downgrade(state);
            s.refresh.start(
                slint::TimerMode::Repeated,
                Duration::from_secs(5),
                move || {
                    let Some(state) = weak.upgrade() else {
                        return;
                    };
                    match current_page(&state) {
                        Some(Page::Dashboard) => send(&state, Command::Refresh),
                        Some(Page::Attendance) => send(&state, Command::Attendance),
                        Some(Page::Settings | Page::Setup) => send(&state, Command::Settings),
                        _ => {}
                    }
                },
            );
        }
        _ => s.refresh.stop(),
    }
}

/// Back to the idle screen, forgetting the visit (nothing is cast) and locking organiser mode.
fn go_idle(state: &Rc<RefCell<State>>) {
    let default_lang = state.borrow().default_lang;
    if state.borrow().lang != default_lang {
        state.borrow_mut().lang = default_lang;
        with_window(state, |w| set_language(w, default_lang));
    }
    let was_organiser = {
        let mut s = state.borrow_mut();
        s.flow = None;
        s.greeting = None;
        s.pin.clear();
        s.unlocked = false;
        s.organiser.take().is_some()
    };
    // An answer from the registry still on its way is for a page no longer shown.
    registry::reset(state);
    with_window(state, |w| {
        // A voter's display choices (larger text, high contrast, language) end with their
        // visit: the next person finds the kiosk as the organiser set it.
        let theme = w.global::<crate::generated::Theme>();
        theme.set_large_text(false);
        theme.set_high_contrast(false);
        let voter = w.global::<VoterAdapter>();
        voter.set_name("".into());
        voter.set_choices(model(Vec::new()));
        voter.set_review(model(Vec::new()));
        voter.set_error("".into());
        let organiser = w.global::<OrganiserAdapter>();
        organiser.set_pin_length(0);
        organiser.set_export_state("".into());
    });
    if was_organiser
        || current_page(state).is_some_and(|p| matches!(p, Page::Dashboard | Page::Result))
    {
        send(state, Command::Lock);
    }
    go_to(state, Page::Idle);
}

fn current_page(state: &Rc<RefCell<State>>) -> Option<Page> {
    let window = state.borrow().window.upgrade()?;
    Some(window.global::<KioskAdapter>().get_page())
}

fn scan(state: &Rc<RefCell<State>>, payload: String) {
    // On the attendance page a scan answers the organiser's current step (the absent member of
    // a proxy, its holder, a badge to revoke) and checks nobody in.
    let waiting = state.borrow().step;
    if current_page(state) == Some(Page::Attendance) && !waiting.is_empty() {
        if !payload.trim().is_empty() {
            with_window(state, |w| w.global::<KioskAdapter>().set_busy(true));
            send(state, Command::Identify(payload));
        }
        return;
    }
    // Otherwise a scan is taken only where nobody is in the middle of something: a voter
    // filling in a ballot or an organiser at work is never interrupted by the next badge.
    let accept = current_page(state).is_some_and(|p| {
        matches!(
            p,
            Page::Idle | Page::Welcome | Page::Refused | Page::Voted | Page::Goodbye
        )
    });
    if accept && !payload.trim().is_empty() {
        with_window(state, |w| w.global::<KioskAdapter>().set_busy(true));
        send(state, Command::Scan(payload));
    }
}

fn key_typed(state: &Rc<RefCell<State>>, text: &str) {
    for c in text.chars() {
        if c == '\n' || c == '\r' {
            let line = std::mem::take(&mut state.borrow_mut().wedge);
            scan(state, line);
        } else if !c.is_control() && !('\u{F700}'..='\u{F8FF}').contains(&c) {
            let mut s = state.borrow_mut();
            if s.wedge.len() < MAX_WEDGE {
                s.wedge.push(c);
            }
        }
    }
}

fn refresh_ballot(state: &Rc<RefCell<State>>) {
    let s = state.borrow();
    let Some(flow) = &s.flow else {
        return;
    };
    let Some(window) = s.window.upgrade() else {
        return;
    };
    let voter = window.global::<VoterAdapter>();
    match flow.stage() {
        Stage::Ballot(i) => {
            let poll = flow.current().cloned();
            voter.set_question(
                poll.as_ref()
                    .map(|p| p.question.clone())
                    .unwrap_or_default()
                    .into(),
            );
            voter.set_kind(poll.as_ref().map_or("", |p| p.kind.name()).into());
            voter.set_position(i32::try_from(i + 1).unwrap_or(i32::MAX));
            voter.set_count(i32::try_from(flow.count()).unwrap_or(i32::MAX));
            voter.set_on_behalf(flow.proxy_for().unwrap_or_default().into());
            voter.set_choices(model(
                flow.choices()
                    .into_iter()
                    .map(|c| Choice {
                        id: c.id.into(),
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
            voter.set_spent_text(euros(spent).into());
            voter.set_budget_text(euros(budget).into());
            if let Some(PollKind::MajorityJudgment { grades, .. }) = poll.as_ref().map(|p| &p.kind)
            {
                voter.set_scale(i32::from(*grades));
            }
        }
        Stage::Review => {
            voter.set_review(model(
                flow.review()
                    .into_iter()
                    .map(|r| ReviewLine {
                        question: r.question.into(),
                        on_behalf: r.on_behalf.into(),
                        code: r.code.into(),
                        text: r.text.into(),
                        grades: model(
                            r.grades
                                .into_iter()
                                .map(|(label, grade)| GradeItem {
                                    label: label.into(),
                                    grade: i32::from(grade),
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

fn voter_stage_page(state: &Rc<RefCell<State>>) {
    let stage = state.borrow().flow.as_ref().map(VoterFlow::stage);
    refresh_ballot(state);
    match stage {
        Some(Stage::Ballot(_)) => go_to(state, Page::Ballot),
        Some(Stage::Review) => go_to(state, Page::Review),
        None => go_idle(state),
    }
}

fn bind(window: &AppWindow, state: &Rc<RefCell<State>>) {
    editor::bind(window, state);
    settings::bind(window, state);
    registry::bind(window, state);
    setup::bind(window, state);
    let kiosk = window.global::<KioskAdapter>();
    let s = state.clone();
    kiosk.on_scanned(move |payload| scan(&s, payload.to_string()));
    let s = state.clone();
    kiosk.on_key_typed(move |text| key_typed(&s, &text));
    let s = state.clone();
    kiosk.on_find_packages(move || {
        // The page opens on the stick, as it always did; the registry is one tap away.
        registry::reset(&s);
        find_packages(&s);
    });
    let s = state.clone();
    kiosk.on_load_package(move |file| {
        let shown = s
            .borrow()
            .offers
            .iter()
            .find(|(f, _)| f.as_str() == file.as_str())
            .and_then(|(_, fp)| *fp);
        if let Some(shown) = shown {
            with_window(&s, |w| w.global::<KioskAdapter>().set_busy(true));
            send(
                &s,
                Command::LoadPackage {
                    file: file.to_string(),
                    shown,
                },
            );
        }
    });
    let s = state.clone();
    kiosk.on_close_packages(move || {
        registry::reset(&s);
        if s.borrow().unlocked {
            send(&s, Command::Refresh);
            go_to(&s, Page::Dashboard);
        } else {
            go_idle(&s);
        }
    });
    let s = state.clone();
    kiosk.on_set_language(move |code| {
        let lang = if code == "en" { Lang::En } else { Lang::Fr };
        s.borrow_mut().lang = lang;
        with_window(&s, |w| set_language(w, lang));
        if let Some(page) = current_page(&s) {
            arm_timer(&s, page);
        }
        // The result's arithmetic and percentages are written in Rust: fetch them again in the
        // new language.
        if current_page(&s) == Some(Page::Result) {
            let mut shown = String::new();
            with_window(&s, |w| {
                shown = w.global::<OrganiserAdapter>().get_result_poll().into();
            });
            organiser_action(&s, &shown, Command::ShowResult);
        }
    });

    let voter = window.global::<VoterAdapter>();
    let s = state.clone();
    voter.on_start(move || {
        let flow = {
            let st = s.borrow();
            st.greeting.as_ref().and_then(|(member, name, due)| {
                let event = st.event.as_ref()?;
                let items: Vec<Item> = due
                    .iter()
                    .filter_map(|d| {
                        Some(Item {
                            poll: event.poll(&d.poll)?.clone(),
                            member: d.member,
                            proxy_for: d.proxy_for.clone(),
                        })
                    })
                    .collect();
                VoterFlow::new(*member, name.clone(), items)
            })
        };
        s.borrow_mut().flow = flow;
        voter_stage_page(&s);
    });
    let s = state.clone();
    voter.on_finish(move || go_idle(&s));
    let s = state.clone();
    voter.on_choose(move |id| {
        if let Some(flow) = s.borrow_mut().flow.as_mut() {
            flow.choose(&id);
        }
        refresh_ballot(&s);
        arm_timer(&s, Page::Ballot);
    });
    let s = state.clone();
    voter.on_grade(move |candidate, grade| {
        if let Some(flow) = s.borrow_mut().flow.as_mut() {
            flow.grade(&candidate, u8::try_from(grade).unwrap_or(u8::MAX));
        }
        refresh_ballot(&s);
        arm_timer(&s, Page::Ballot);
    });
    let s = state.clone();
    voter.on_undo(move || {
        if let Some(flow) = s.borrow_mut().flow.as_mut() {
            flow.undo();
        }
        refresh_ballot(&s);
        arm_timer(&s, Page::Ballot);
    });
    let s = state.clone();
    voter.on_next(move || {
        if let Some(flow) = s.borrow_mut().flow.as_mut() {
            flow.next();
        }
        voter_stage_page(&s);
    });
    let s = state.clone();
    voter.on_back(move || {
        let moved = s.borrow_mut().flow.as_mut().is_some_and(VoterFlow::back);
        if moved {
            voter_stage_page(&s);
        } else {
            s.borrow_mut().flow = None;
            go_to(&s, Page::Welcome);
        }
    });
    let s = state.clone();
    voter.on_modify(move || {
        if let Some(flow) = s.borrow_mut().flow.as_mut() {
            flow.modify();
        }
        voter_stage_page(&s);
    });
    let s = state.clone();
    voter.on_confirm(move || {
        let cast = s
            .borrow()
            .flow
            .as_ref()
            .and_then(|f| Some((f.member(), f.ballots()?)));
        if let Some((voter, ballots)) = cast {
            with_window(&s, |w| {
                w.global::<KioskAdapter>().set_busy(true);
                w.global::<VoterAdapter>().set_error("".into());
            });
            // The timer must not clear the screen while the ballots are being stored.
            s.borrow().timer.stop();
            send(&s, Command::Cast { voter, ballots });
        }
    });

    let organiser = window.global::<OrganiserAdapter>();
    let s = state.clone();
    organiser.on_pin_digit(move |d| {
        {
            let mut st = s.borrow_mut();
            if st.pin.len() < 6 {
                st.pin.push_str(&d);
            }
        }
        let n = s.borrow().pin.len();
        with_window(&s, |w| {
            w.global::<OrganiserAdapter>()
                .set_pin_length(i32::try_from(n).unwrap_or(0));
        });
        arm_timer(&s, Page::Pin);
    });
    let s = state.clone();
    organiser.on_pin_erase(move || {
        s.borrow_mut().pin.pop();
        let n = s.borrow().pin.len();
        with_window(&s, |w| {
            w.global::<OrganiserAdapter>()
                .set_pin_length(i32::try_from(n).unwrap_or(0));
        });
    });
    let s = state.clone();
    organiser.on_pin_submit(move || {
        let request = {
            let mut st = s.borrow_mut();
            let pin = std::mem::take(&mut st.pin);
            st.organiser.as_ref().map(|(id, _)| (*id, pin))
        };
        with_window(&s, |w| w.global::<OrganiserAdapter>().set_pin_length(0));
        if let Some((organiser, pin)) = request {
            with_window(&s, |w| w.global::<KioskAdapter>().set_busy(true));
            send(&s, Command::Pin { organiser, pin });
        }
    });
    let s = state.clone();
    organiser.on_pin_cancel(move || go_idle(&s));
    let s = state.clone();
    organiser.on_open_poll(move |id| organiser_action(&s, &id, Command::OpenPoll));
    let s = state.clone();
    organiser.on_close_poll(move |id| organiser_action(&s, &id, Command::ClosePoll));
    let s = state.clone();
    organiser.on_show_result(move |id| organiser_action(&s, &id, Command::ShowResult));
    let s = state.clone();
    organiser.on_back_to_dashboard(move || {
        send(&s, Command::Refresh);
        go_to(&s, Page::Dashboard);
    });
    let s = state.clone();
    organiser.on_export(move || {
        with_window(&s, |w| {
            w.global::<KioskAdapter>().set_busy(true);
            w.global::<OrganiserAdapter>().set_export_state("".into());
        });
        send(&s, Command::Export);
        arm_timer(&s, Page::Dashboard);
    });
    let s = state.clone();
    organiser.on_lock(move || go_idle(&s));

    let s = state.clone();
    organiser.on_show_attendance(move || {
        set_step(&s, "", None);
        clear_notice(&s);
        send(&s, Command::Attendance);
        go_to(&s, Page::Attendance);
    });
    let s = state.clone();
    organiser.on_start_proxy(move || {
        clear_notice(&s);
        set_step(&s, "proxy-absent", None);
    });
    let s = state.clone();
    organiser.on_start_revoke(move || {
        clear_notice(&s);
        set_step(&s, "revoke", None);
    });
    let s = state.clone();
    organiser.on_cancel_step(move || set_step(&s, "", None));
    let s = state.clone();
    organiser.on_confirm_revoke(move || {
        let member = s.borrow().step_member.as_ref().map(|(m, _)| *m);
        if let Some(member) = member {
            s.borrow_mut().step = "revoke-sent";
            send(&s, Command::RevokeBadge(member));
        }
        set_step(&s, "", None);
    });
    let s = state.clone();
    organiser.on_undo_checkin(move |id| {
        if let Ok(member) = MemberId::parse(&id) {
            s.borrow_mut().step = "undo-sent";
            send(&s, Command::UndoCheckIn(member));
        }
    });
    let s = state.clone();
    organiser.on_revoke_proxy(move |id| {
        if let Ok(member) = MemberId::parse(&id) {
            s.borrow_mut().step = "unproxy-sent";
            send(&s, Command::RevokeProxy(member));
        }
    });
    let s = state.clone();
    organiser.on_start_walkin(move || {
        {
            let mut st = s.borrow_mut();
            st.form = Default::default();
            st.form_focus = 0;
            st.step = "";
        }
        refresh_form(&s, "");
        go_to(&s, Page::Walkin);
    });
    let s = state.clone();
    organiser.on_form_focus_on(move |field| {
        s.borrow_mut().form_focus = usize::try_from(field).unwrap_or(0).min(2);
        refresh_form(&s, "");
    });
    let s = state.clone();
    organiser.on_form_key(move |key| {
        {
            let mut st = s.borrow_mut();
            let focus = st.form_focus;
            let field = &mut st.form[focus];
            if key == "⌫" {
                field.pop();
            } else if field.chars().count() < 60 {
                field.push_str(&key);
            }
        }
        refresh_form(&s, "");
        arm_timer(&s, Page::Walkin);
    });
    let s = state.clone();
    organiser.on_submit_walkin(move || {
        let [last_name, first_name, group] = s.borrow().form.clone();
        with_window(&s, |w| w.global::<KioskAdapter>().set_busy(true));
        send(
            &s,
            Command::WalkIn {
                last_name,
                first_name,
                group,
            },
        );
    });
    let s = state.clone();
    organiser.on_walkin_done(move || {
        send(&s, Command::Attendance);
        go_to(&s, Page::Attendance);
    });
    let s = state.clone();
    window.global::<VoterAdapter>().on_leave(move || {
        let member = s.borrow().greeting.as_ref().map(|g| g.0);
        if let Some(member) = member {
            with_window(&s, |w| w.global::<KioskAdapter>().set_busy(true));
            send(&s, Command::CheckOut(member));
        }
    });
}

fn set_step(state: &Rc<RefCell<State>>, step: &'static str, member: Option<(MemberId, String)>) {
    let name = member.as_ref().map(|(_, n)| n.clone()).unwrap_or_default();
    {
        let mut s = state.borrow_mut();
        s.step = step;
        s.step_member = member;
    }
    with_window(state, |w| {
        let o = w.global::<OrganiserAdapter>();
        o.set_step(step.into());
        o.set_step_name(name.into());
    });
}

fn clear_notice(state: &Rc<RefCell<State>>) {
    with_window(state, |w| {
        let o = w.global::<OrganiserAdapter>();
        o.set_notice_kind("".into());
        o.set_notice_detail("".into());
    });
}

fn notice(state: &Rc<RefCell<State>>, kind: &str, detail: &str) {
    with_window(state, |w| {
        let o = w.global::<OrganiserAdapter>();
        o.set_notice_kind(kind.into());
        o.set_notice_detail(detail.into());
    });
}

fn refresh_form(state: &Rc<RefCell<State>>, error: &str) {
    let (form, focus) = {
        let s = state.borrow();
        (s.form.clone(), s.form_focus)
    };
    with_window(state, |w| {
        let o = w.global::<OrganiserAdapter>();
        o.set_form_last(form[0].clone().into());
        o.set_form_first(form[1].clone().into());
        o.set_form_group(form[2].clone().into());
        o.set_form_focus(i32::try_from(focus).unwrap_or(0));
        o.set_form_error(error.into());
    });
}

/// A QR code as an image for the screen: 8 pixels per module and a quiet zone of 4 modules.
pub fn qr_image(text: &str) -> slint::Image {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M)
        .unwrap_or_else(|_| qrcode::QrCode::new(b"URNE").expect("a four-byte QR code always fits"));
    let modules = code.width();
    let colors = code.to_colors();
    let scale = 8usize;
    let quiet = 4usize;
    let side = (modules + 2 * quiet) * scale;
    let size = u32::try_from(side).unwrap_or(u32::MAX);
    let mut buffer = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::new(size, size);
    let pixels = buffer.make_mut_slice();
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = (x / scale, y / scale);
            let dark = mx >= quiet
                && my >= quiet
                && mx < quiet + modules
                && my < quiet + modules
                && colors[(my - quiet) * modules + (mx - quiet)] == qrcode::Color::Dark;
            let v = if dark { 0 } else { 255 };
            pixels[y * side + x] = slint::Rgb8Pixel { r: v, g: v, b: v };
        }
    }
    slint::Image::from_rgb8(buffer)
}

fn organiser_action(state: &Rc<RefCell<State>>, id: &str, make: fn(PollId) -> Command) {
    if let Ok(poll) = PollId::new(id) {
        action_failed(state, None);
        with_window(state, |w| w.global::<KioskAdapter>().set_busy(true));
        send(state, make(poll));
        if let Some(page) = current_page(state) {
            arm_timer(state, page);
        }
    }
}

/// Shows on the dashboard why the organiser's last action (open, close, show a result) did
/// not happen, or clears it (`None`). The dashboard sent after a refused action leaves it
/// standing: only the next action or the next unlock clears it.
fn action_failed(state: &Rc<RefCell<State>>, failure: Option<&Failure>) {
    with_window(state, |w| {
        let o = w.global::<OrganiserAdapter>();
        o.set_action_error(failure.map_or("", |f| problem_code(f.problem)).into());
        o.set_action_error_detail(failure.map_or("", |f| f.detail.as_str()).into());
    });
}

fn refusal_code(refusal: &KioskRefusal) -> Refusal {
    match refusal {
        KioskRefusal::NotOnRoster => Refusal::NotOnRoster,
        KioskRefusal::Badge(e) => match e {
            BadgeError::NotABadge | BadgeError::UnknownRole | BadgeError::BadName => {
                Refusal::NotABadge
            }
            BadgeError::Truncated => Refusal::Truncated,
            BadgeError::UnknownVersion(_) => Refusal::UnknownVersion,
            BadgeError::WrongEvent => Refusal::WrongEvent,
            BadgeError::BadSignature => Refusal::BadSignature,
            BadgeError::NotYetValid => Refusal::NotYetValid,
            BadgeError::Expired => Refusal::Expired,
            BadgeError::Revoked => Refusal::Revoked,
        },
    }
}

fn apply(state: &Rc<RefCell<State>>, reply: Reply) {
    with_window(state, |w| {
        // Other threads' news (the scanner, the stick, the registry) does not answer the
        // action the screen is waiting for.
        if !matches!(
            reply,
            Reply::Scanner(_)
                | Reply::Stick(_)
                | Reply::RegistryEvents { .. }
                | Reply::RegistryPackage { .. }
        ) {
            w.global::<KioskAdapter>().set_busy(false);
        }
    });
    match reply {
        Reply::Event(event) => {
            with_window(state, |w| {
                let kiosk = w.global::<KioskAdapter>();
                kiosk.set_has_event(event.is_some());
                if event.is_none() {
                    // No event yet (a kiosk just set up): the band says whose screen it is.
                    kiosk.set_event_title("Urne".into());
                    kiosk.set_event_place("".into());
                }
                if let Some(e) = &event {
                    kiosk.set_event_title(e.title.clone().into());
                    kiosk.set_event_place(e.place.clone().into());
                    // The date is `YYYY-MM-DD` (checked when the package was built).
                    let part = |i: usize| {
                        e.date
                            .split('-')
                            .nth(i)
                            .and_then(|p| p.parse::<i32>().ok())
                            .unwrap_or(0)
                    };
                    kiosk.set_event_year(part(0));
                    kiosk.set_event_month(part(1));
                    kiosk.set_event_day(part(2));
                }
            });
            state.borrow_mut().event = event.map(|e| *e);
        }
        Reply::Scanned(Ok(ScanOutcome::Welcome {
            member,
            name,
            already_since,
            due,
        })) => {
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
            });
            {
                let mut s = state.borrow_mut();
                s.flow = None;
                s.greeting = Some((member, name, due));
            }
            go_to(state, Page::Welcome);
        }
        Reply::Scanned(Ok(ScanOutcome::Organiser { organiser, name })) => {
            {
                let mut s = state.borrow_mut();
                s.organiser = Some((organiser, name.clone()));
                s.pin.clear();
            }
            with_window(state, |w| {
                let o = w.global::<OrganiserAdapter>();
                o.set_name(name.into());
                o.set_pin_length(0);
                o.set_pin_error("".into());
            });
            go_to(state, Page::Pin);
        }
        Reply::Scanned(Ok(ScanOutcome::Refused(refusal))) => {
            with_window(state, |w| {
                let voter = w.global::<VoterAdapter>();
                voter.set_refusal(refusal_code(&refusal));
                voter.set_refusal_detail("".into());
            });
            go_to(state, Page::Refused);
        }
        Reply::Scanned(Err(failure)) => {
            with_window(state, |w| {
                let voter = w.global::<VoterAdapter>();
                voter.set_refusal(match failure.problem {
                    Problem::NoEvent => Refusal::NoEvent,
                    Problem::StorageFull => Refusal::StorageFull,
                    Problem::StorageReadOnly => Refusal::StorageReadOnly,
                    Problem::StorageLocked => Refusal::StorageLocked,
                    Problem::StorageDamaged => Refusal::StorageDamaged,
                    _ => Refusal::Error,
                });
                voter.set_refusal_detail(failure.detail.into());
            });
            go_to(state, Page::Refused);
        }
        Reply::Cast { cast, failure } => match failure {
            None => {
                {
                    let mut s = state.borrow_mut();
                    s.flow = None;
                    s.greeting = None;
                }
                go_to(state, Page::Voted);
            }
            Some((_, failure)) => {
                if let Some(flow) = state.borrow_mut().flow.as_mut() {
                    flow.drop_cast(&cast);
                }
                with_window(state, |w| {
                    let voter = w.global::<VoterAdapter>();
                    voter.set_error(problem_code(failure.problem).into());
                    voter.set_error_detail(failure.detail.into());
                });
                voter_stage_page(state);
            }
        },
        Reply::Pin(Ok(PinOutcome::Unlocked)) => {
            state.borrow_mut().unlocked = true;
            // A refusal from an earlier organiser's session is no news to this one.
            action_failed(state, None);
            go_to(state, Page::Dashboard);
        }
        Reply::Pin(Ok(PinOutcome::Wrong { failures })) => {
            with_window(state, |w| {
                let o = w.global::<OrganiserAdapter>();
                o.set_pin_error("wrong".into());
                o.set_pin_failures(i32::try_from(failures).unwrap_or(i32::MAX));
            });
            arm_timer(state, Page::Pin);
        }
        Reply::Pin(Ok(PinOutcome::LockedOut { seconds })) => {
            with_window(state, |w| {
                let o = w.global::<OrganiserAdapter>();
                o.set_pin_error("locked-out".into());
                o.set_pin_wait(i32::try_from(seconds).unwrap_or(i32::MAX));
            });
            arm_timer(state, Page::Pin);
        }
        Reply::Pin(Err(failure)) => {
            // The PIN could not even be checked (the storage, most often): said on the PIN
            // page, which times out to the welcome screen as usual.
            with_window(state, |w| {
                let o = w.global::<OrganiserAdapter>();
                o.set_pin_error("failed".into());
                o.set_pin_problem(problem_code(failure.problem).into());
                o.set_pin_problem_detail(failure.detail.into());
            });
            arm_timer(state, Page::Pin);
        }
        Reply::Dashboard(Ok(d)) => show_dashboard(state, &d),
        Reply::PollDefined(outcome) => editor::defined(state, outcome),
        Reply::Settings { settings, saved } => {
            if let Ok(read) = &settings
                && current_page(state) == Some(Page::Setup)
            {
                setup::clock_read(state, read);
            }
            settings::apply(state, settings, saved)
        }
        Reply::Provisioned(outcome) => setup::done(state, outcome),
        Reply::DeviceKeyWritten(outcome) => setup::key_written(state, outcome),
        Reply::Dashboard(Err(failure)) | Reply::Failed(failure) => {
            action_failed(state, Some(&failure));
        }
        Reply::Result(Ok(shown)) => {
            let (poll, result) = *shown;
            let lang = state.borrow().lang;
            with_window(state, |w| show_result(w, &poll, &result, lang));
            go_to(state, Page::Result);
        }
        Reply::Result(Err(failure)) => action_failed(state, Some(&failure)),
        Reply::Exported(outcome) => with_window(state, |w| {
            let o = w.global::<OrganiserAdapter>();
            match outcome {
                Ok(e) => {
                    o.set_export_state("done".into());
                    o.set_export_detail(e.file_name.into());
                }
                Err(error) => {
                    o.set_export_state("failed".into());
                    o.set_export_detail(error.into());
                }
            }
        }),
        Reply::Offers(Ok(offers)) => {
            state.borrow_mut().offers = offers
                .iter()
                .map(|o| (o.file.clone(), o.outcome.as_ref().ok().map(|i| i.organiser)))
                .collect();
            with_window(state, |w| {
                let k = w.global::<KioskAdapter>();
                k.set_offers_searched(true);
                k.set_offers(model(
                    offers
                        .iter()
                        .map(|o| offer_view(&o.file, &o.outcome))
                        .collect(),
                ));
            });
            go_to(state, Page::Packages);
        }
        Reply::Offers(Err(failure)) => {
            with_window(state, |w| {
                let k = w.global::<KioskAdapter>();
                k.set_offers_searched(true);
                k.set_offers(model(Vec::new()));
                k.set_package_error(problem_code(failure.problem).into());
                k.set_package_error_detail(failure.detail.into());
            });
            go_to(state, Page::Packages);
        }
        Reply::PackageLoaded(Ok(())) => {
            with_window(state, |w| {
                w.global::<KioskAdapter>().set_package_error("".into())
            });
            go_idle(state);
        }
        Reply::PackageLoaded(Err(failure)) => {
            with_window(state, |w| {
                let k = w.global::<KioskAdapter>();
                k.set_package_error(problem_code(failure.problem).into());
                k.set_package_error_detail(failure.detail.into());
            });
        }
        Reply::Attendance(Ok(lists)) => with_window(state, |w| {
            let o = w.global::<OrganiserAdapter>();
            let int = |n: u64| i32::try_from(n).unwrap_or(i32::MAX);
            o.set_present(int(lists.attendance.present));
            o.set_represented(int(lists.attendance.represented));
            o.set_members(int(lists.members));
            o.set_present_list(model(
                lists
                    .present
                    .iter()
                    .map(|(id, name, group, at)| PresentRow {
                        id: id.to_string().into(),
                        name: name.clone().into(),
                        group: group.clone().unwrap_or_default().into(),
                        since: local_time(at.0).into(),
                    })
                    .collect(),
            ));
            o.set_proxy_list(model(
                lists
                    .proxies
                    .iter()
                    .map(|(absent, absent_name, _, holder_name)| ProxyRow {
                        absent_id: absent.to_string().into(),
                        absent: absent_name.clone().into(),
                        holder: holder_name.clone().into(),
                    })
                    .collect(),
            ));
        }),
        Reply::Attendance(Err(failure)) => notice(state, "refused", problem_code(failure.problem)),
        Reply::Identified(Ok(Ok((member, name)))) => {
            let (step, previous) = {
                let s = state.borrow();
                (s.step, s.step_member.clone())
            };
            match (step, previous) {
                ("proxy-absent", _) => set_step(state, "proxy-holder", Some((member, name))),
                ("proxy-holder", Some((absent, _))) => {
                    set_step(state, "", None);
                    state.borrow_mut().step = "proxy-sent";
                    send(
                        state,
                        Command::GrantProxy {
                            absent,
                            holder: member,
                        },
                    );
                }
                ("revoke", _) => set_step(state, "revoke", Some((member, name))),
                _ => {}
            }
        }
        Reply::Identified(Ok(Err(refusal))) => {
            set_step(state, "", None);
            with_window(state, |w| {
                let o = w.global::<OrganiserAdapter>();
                o.set_notice_refusal(refusal_code(&refusal));
                o.set_notice_kind("refused-badge".into());
                o.set_notice_detail("".into());
            });
        }
        Reply::Identified(Err(failure)) => {
            set_step(state, "", None);
            notice(state, "refused", problem_code(failure.problem));
        }
        Reply::AttendanceDone(outcome) => {
            let sent = std::mem::take(&mut state.borrow_mut().step);
            match outcome {
                Ok(()) => notice(
                    state,
                    match sent {
                        "proxy-sent" => "proxy-granted",
                        "unproxy-sent" => "proxy-revoked",
                        "undo-sent" => "undone",
                        _ => "revoked",
                    },
                    "",
                ),
                Err(failure) => notice(state, "refused", problem_code(failure.problem)),
            }
        }
        Reply::WalkedIn(Ok((name, badge))) => {
            with_window(state, |w| {
                let o = w.global::<OrganiserAdapter>();
                o.set_walkin_name(name.into());
                o.set_walkin_qr(qr_image(&badge));
            });
            go_to(state, Page::WalkinBadge);
        }
        Reply::WalkedIn(Err(failure)) => refresh_form(state, problem_code(failure.problem)),
        Reply::CheckedOut(_) => {
            state.borrow_mut().greeting = None;
            go_to(state, Page::Goodbye);
        }
        Reply::Scanner(ScannerEvent::Line(line)) => scan(state, line),
        Reply::Scanner(ScannerEvent::Connected) => with_window(state, |w| {
            w.global::<KioskAdapter>().set_scanner_state("ok".into());
        }),
        Reply::Scanner(ScannerEvent::Disconnected(_)) => with_window(state, |w| {
            w.global::<KioskAdapter>()
                .set_scanner_state("disconnected".into());
        }),
        Reply::RegistryEvents {
            request,
            registry,
            outcome,
        } => registry::events(state, request, registry, outcome),
        Reply::RegistryPackage {
            request,
            registry,
            outcome,
        } => registry::package(state, request, registry, outcome),
        Reply::Stick(event) => with_window(state, |w| {
            let o = w.global::<OrganiserAdapter>();
            match event {
                StickEvent::Inserted { label } => {
                    o.set_stick_label(label.into());
                    o.set_stick_state("present".into());
                }
                StickEvent::Removed => {
                    o.set_stick_label(SharedString::new());
                    o.set_stick_state("absent".into());
                }
            }
        }),
    }
}

/// Looks for packages on the stick; the packages page follows.
fn find_packages(state: &Rc<RefCell<State>>) {
    with_window(state, |w| {
        let k = w.global::<KioskAdapter>();
        k.set_busy(true);
        k.set_package_error("".into());
    });
    send(state, Command::FindPackages);
}

fn problem_code(problem: Problem) -> &'static str {
    match problem {
        Problem::StorageFull => "storage-full",
        Problem::StorageReadOnly => "storage-read-only",
        Problem::StorageLocked => "storage-locked",
        Problem::StorageDamaged => "storage-damaged",
        Problem::AlreadyVoted => "already-voted",
        Problem::PollNotOpen => "poll-not-open",
        Problem::Package(code) | Problem::Refused(code) => code,
        Problem::NoEvent | Problem::Other => "other",
    }
}

/// Hexadecimal digits in capitals, in groups of four, easier to compare aloud.
fn group_hex(hex: &str) -> String {
    let upper: Vec<char> = hex.to_uppercase().chars().collect();
    upper
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A fingerprint in groups of four hexadecimal digits, easier to compare aloud.
pub fn grouped(fingerprint: &Fingerprint) -> String {
    group_hex(&fingerprint.to_hex())
}

/// A package as the packages page shows it: `name` is its file on the stick, or its event id
/// when it came from the registry.
fn offer_view(name: &str, outcome: &Result<OfferInfo, (&'static str, String)>) -> Offer {
    match outcome {
        Ok(info) => Offer {
            file: name.into(),
            error: "".into(),
            detail: "".into(),
            title: info.title.clone().into(),
            place: info.place.clone().into(),
            date: info.date.clone().into(),
            members: i32::try_from(info.members).unwrap_or(i32::MAX),
            polls: i32::try_from(info.polls).unwrap_or(i32::MAX),
            fingerprint: grouped(&info.organiser).into(),
            first_load: info.first_load,
            foreign: info.foreign,
        },
        Err((code, detail)) => Offer {
            file: name.into(),
            error: (*code).into(),
            detail: detail.clone().into(),
            title: "".into(),
            place: "".into(),
            date: "".into(),
            members: 0,
            polls: 0,
            fingerprint: "".into(),
            first_load: false,
            foreign: false,
        },
    }
}

/// « 19:42 » in UTC; the kiosk's clock is set to local time by the organiser at provisioning.
fn local_time(unix: i64) -> String {
    let secs = unix.rem_euclid(86_400);
    format!("{:02}:{:02}", secs / 3600, (secs % 3600) / 60)
}

fn show_dashboard(state: &Rc<RefCell<State>>, d: &Dashboard) {
    with_window(state, |w| {
        let o = w.global::<OrganiserAdapter>();
        let int = |n: u64| i32::try_from(n).unwrap_or(i32::MAX);
        o.set_audit_problem(d.audit_problem.clone().unwrap_or_default().into());
        o.set_clock_trusted(d.clock_trusted);
        o.set_present(int(d.attendance.present));
        o.set_represented(int(d.attendance.represented));
        o.set_members(int(d.members));
        o.set_has_quorum(d.quorum_required.is_some());
        o.set_quorum_required(int(d.quorum_required.unwrap_or(0)));
        o.set_polls(model(
            d.polls
                .iter()
                .map(|p| PollRow {
                    id: p.poll.id.to_string().into(),
                    question: p.poll.question.clone().into(),
                    kind: p.poll.kind.name().into(),
                    state: match p.state {
                        PollState::Pending => "pending",
                        PollState::Open => "open",
                        PollState::Closed => "closed",
                    }
                    .into(),
                    voted: int(p.voted),
                    quorum: match p.quorum_at_open {
                        None => "",
                        Some(q) if q.reached => "reached",
                        Some(_) => "missed",
                    }
                    .into(),
                    quorum_counted: p.quorum_at_open.map_or(0, |q| int(q.counted)),
                    quorum_required: p.quorum_at_open.map_or(0, |q| int(q.required)),
                })
                .collect(),
        ));
    });
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

/// A figure for the screen, which holds 32-bit integers.
fn as_int(value: u64) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
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
    let o = window.global::<OrganiserAdapter>();
    o.set_result_poll(poll.id.as_str().into());
    o.set_result_question(poll.question.clone().into());
    o.set_result_kind(poll.kind.name().into());
    let decision = serde_json::to_value(result.decision)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    o.set_result_decision(decision.into());
    o.set_result_winner(
        result
            .winners
            .iter()
            .map(|id| option_label(poll, id))
            .collect::<Vec<_>>()
            .join(", ")
            .into(),
    );
    let (bars, marker, base) = result_bars(poll, result, lang);
    o.set_result_bars(model(bars));
    o.set_result_marker(marker);
    o.set_result_base(i32::try_from(base).unwrap_or(i32::MAX));
    if let Details::Motion(m) = &result.details {
        o.set_result_required(as_int(m.required));
    }
    if let Details::Budget(b) = &result.details {
        let (projects, line) = budget_bars(poll, result, b);
        o.set_result_funded(as_int(b.projects.iter().filter(|p| p.funded).count() as u64));
        o.set_result_projects(model(projects));
        o.set_result_budget_line(line);
        o.set_result_spent(euros(b.spent).into());
        o.set_result_budget(euros(b.budget).into());
        o.set_result_remaining(euros(b.remaining).into());
    } else {
        o.set_result_projects(model(Vec::new()));
    }
    if let Details::MajorityJudgment(d) = &result.details {
        o.set_result_scale(i32::from(d.grades));
        o.set_result_merits(model(merit_rows(poll, d, lang)));
    } else {
        o.set_result_merits(model(Vec::new()));
    }
    if let Details::Schulze(d) = &result.details {
        o.set_result_ranking(model(ranking_rows(poll, result, d)));
    } else {
        o.set_result_ranking(model(Vec::new()));
    }
    o.set_result_lines(model(
        tally::arithmetic(poll, result, lang)
            .into_iter()
            .map(SharedString::from)
            .collect(),
    ));
}
