//! The attendance page and the door: who is present and who represents whom, a proxy recorded
//! by scanning the absent member's badge then the holder's, a lost badge revoked, a check-in
//! undone, a proxy withdrawn; and a person not on the roster registered with a badge of this
//! kiosk (walk-in).

use slint::ComponentHandle;
use urne_core::ids::MemberId;

use super::{Screens, as_int, ask, busy, codes, go_to, local_time, model, qr_image, with_window};
use crate::generated::{
    AppWindow, AttendanceAdapter, AttendanceStep as Step, FormField, Notice, OrganiserAdapter,
    Page, PresentRow, Problem, ProxyRow,
};
use crate::kiosk::{AttendanceLists, Failure, Kiosk, KioskError, Refusal, WalkIn};

/// The attendance page's steps and the walk-in form.
#[derive(Debug, Default)]
pub(super) struct AttendanceState {
    /// What the organiser's next scan is for (none: a scan there checks nobody in).
    step: Step,
    /// The member read at the previous step (the absent member of a proxy, a badge to revoke).
    step_member: Option<(MemberId, String)>,
    /// The walk-in form: family name, given name, collective; and the field being typed in.
    form: [String; 3],
    form_focus: FormField,
}

/// A field's place in the walk-in form.
fn form_index(field: FormField) -> usize {
    match field {
        FormField::FamilyName => 0,
        FormField::GivenName => 1,
        FormField::Collective => 2,
    }
}

/// Whether the organiser's next scan answers a step (and checks nobody in).
pub(super) fn waiting_for_scan(state: &Screens) -> bool {
    state.borrow().attendance.step != Step::None
}

/// Asks for the attendance lists again.
pub(super) fn refresh(state: &Screens) {
    ask(
        state,
        |k| k.attendance_lists().map_err(Failure::from),
        show_lists,
    );
}

/// A badge read for the current step.
pub(super) fn identify(state: &Screens, payload: String) {
    busy(state);
    ask(
        state,
        move |k| k.identify(&payload).map_err(Failure::from),
        identified,
    );
}

fn identified(state: &Screens, outcome: Result<Result<(MemberId, String), Refusal>, Failure>) {
    match outcome {
        Ok(Ok((member, name))) => {
            let (step, previous) = {
                let s = state.borrow();
                (s.attendance.step, s.attendance.step_member.clone())
            };
            match (step, previous) {
                (Step::ProxyAbsent, _) => set_step(state, Step::ProxyHolder, Some((member, name))),
                (Step::ProxyHolder, Some((absent, _))) => {
                    set_step(state, Step::None, None);
                    act(state, Notice::ProxyGranted, move |k| {
                        k.grant_proxy(&absent, &member)
                    });
                }
                (Step::Revoke, _) => set_step(state, Step::Revoke, Some((member, name))),
                (Step::None | Step::ProxyHolder, _) => {}
            }
        }
        Ok(Err(refusal)) => {
            set_step(state, Step::None, None);
            with_window(state, |w| {
                let o = w.global::<AttendanceAdapter>();
                o.set_notice_refusal(codes::refusal(&refusal));
                o.set_notice(Notice::RefusedBadge);
                o.set_notice_problem(Problem::None);
            });
        }
        Err(failure) => {
            set_step(state, Step::None, None);
            refused(state, &failure);
        }
    }
}

/// Runs an attendance action; its outcome is said (`done` once done), and the lists follow.
fn act(
    state: &Screens,
    done: Notice,
    action: impl FnOnce(&mut Kiosk) -> Result<(), KioskError> + Send + 'static,
) {
    ask(
        state,
        move |k| {
            let outcome = action(k).map_err(Failure::from);
            (done, outcome, k.attendance_lists().map_err(Failure::from))
        },
        |state, (done, outcome, lists)| {
            match outcome {
                Ok(()) => notice(state, done, Problem::None),
                Err(failure) => refused(state, &failure),
            }
            show_lists(state, lists);
        },
    );
}

fn show_lists(state: &Screens, lists: Result<AttendanceLists, Failure>) {
    let lists = match lists {
        Ok(lists) => lists,
        Err(failure) => return refused(state, &failure),
    };
    with_window(state, |w| {
        // The figures are the dashboard's, shown on both pages.
        let figures = w.global::<OrganiserAdapter>();
        figures.set_present(as_int(lists.attendance.present));
        figures.set_represented(as_int(lists.attendance.represented));
        figures.set_members(as_int(lists.members));
        let o = w.global::<AttendanceAdapter>();
        o.set_present_list(model(
            lists
                .present
                .iter()
                .map(|p| PresentRow {
                    id: p.member.to_string().into(),
                    name: p.name.clone().into(),
                    group: p.group.clone().unwrap_or_default().into(),
                    since: local_time(p.since.0).into(),
                })
                .collect(),
        ));
        o.set_proxy_list(model(
            lists
                .proxies
                .iter()
                .map(|p| ProxyRow {
                    absent_id: p.absent.to_string().into(),
                    absent: p.absent_name.clone().into(),
                    holder: p.holder_name.clone().into(),
                })
                .collect(),
        ));
    });
}

fn set_step(state: &Screens, step: Step, member: Option<(MemberId, String)>) {
    let name = member.as_ref().map(|(_, n)| n.clone()).unwrap_or_default();
    {
        let mut s = state.borrow_mut();
        s.attendance.step = step;
        s.attendance.step_member = member;
    }
    with_window(state, |w| {
        let o = w.global::<AttendanceAdapter>();
        o.set_step(step);
        o.set_step_name(name.into());
    });
}

fn clear_notice(state: &Screens) {
    notice(state, Notice::None, Problem::None);
}

fn refused(state: &Screens, failure: &Failure) {
    notice(state, Notice::Refused, codes::problem(failure.problem));
}

fn notice(state: &Screens, notice: Notice, problem: Problem) {
    with_window(state, |w| {
        let o = w.global::<AttendanceAdapter>();
        o.set_notice(notice);
        o.set_notice_problem(problem);
    });
}

fn refresh_form(state: &Screens, error: Problem) {
    let (form, focus) = {
        let s = state.borrow();
        (s.attendance.form.clone(), s.attendance.form_focus)
    };
    with_window(state, |w| {
        let o = w.global::<AttendanceAdapter>();
        o.set_form_last(form[0].clone().into());
        o.set_form_first(form[1].clone().into());
        o.set_form_group(form[2].clone().into());
        o.set_form_focus(focus);
        o.set_form_error(error);
    });
}

fn walked_in(state: &Screens, outcome: Result<WalkIn, Failure>) {
    match outcome {
        Ok(walk_in) => {
            with_window(state, |w| {
                let o = w.global::<AttendanceAdapter>();
                o.set_walkin_name(walk_in.member.display_name().into());
                o.set_walkin_qr(qr_image(&walk_in.badge));
            });
            go_to(state, Page::WalkinBadge);
        }
        Err(failure) => refresh_form(state, codes::problem(failure.problem)),
    }
}

fn show_page(state: &Screens) {
    refresh(state);
    go_to(state, Page::Attendance);
}

/// Wires the attendance page and the walk-in pages.
pub(super) fn bind(window: &AppWindow, state: &Screens) {
    let organiser = window.global::<AttendanceAdapter>();
    let s = state.clone();
    organiser.on_show_attendance(move || {
        set_step(&s, Step::None, None);
        clear_notice(&s);
        show_page(&s);
    });
    let s = state.clone();
    organiser.on_start_proxy(move || {
        clear_notice(&s);
        set_step(&s, Step::ProxyAbsent, None);
    });
    let s = state.clone();
    organiser.on_start_revoke(move || {
        clear_notice(&s);
        set_step(&s, Step::Revoke, None);
    });
    let s = state.clone();
    organiser.on_cancel_step(move || set_step(&s, Step::None, None));
    let s = state.clone();
    organiser.on_confirm_revoke(move || {
        let member = s.borrow().attendance.step_member.as_ref().map(|(m, _)| *m);
        set_step(&s, Step::None, None);
        if let Some(member) = member {
            act(&s, Notice::Revoked, move |k| k.revoke_badge(&member));
        }
    });
    let s = state.clone();
    organiser.on_undo_checkin(move |id| {
        if let Ok(member) = MemberId::parse(&id) {
            act(&s, Notice::Undone, move |k| {
                k.undo_check_in(&member).map(|_| ())
            });
        }
    });
    let s = state.clone();
    organiser.on_revoke_proxy(move |id| {
        if let Ok(member) = MemberId::parse(&id) {
            act(&s, Notice::ProxyRevoked, move |k| k.revoke_proxy(&member));
        }
    });
    let s = state.clone();
    organiser.on_start_walkin(move || {
        {
            let mut st = s.borrow_mut();
            st.attendance.form = Default::default();
            st.attendance.form_focus = FormField::FamilyName;
            st.attendance.step = Step::None;
        }
        refresh_form(&s, Problem::None);
        go_to(&s, Page::Walkin);
    });
    let s = state.clone();
    organiser.on_form_focus_on(move |field| {
        s.borrow_mut().attendance.form_focus = field;
        refresh_form(&s, Problem::None);
    });
    let s = state.clone();
    organiser.on_form_key(move |key| {
        {
            let mut st = s.borrow_mut();
            let focus = form_index(st.attendance.form_focus);
            let field = &mut st.attendance.form[focus];
            if key == "⌫" {
                field.pop();
            } else if field.chars().count() < 60 {
                field.push_str(&key);
            }
        }
        refresh_form(&s, Problem::None);
        super::arm_timer(&s, Page::Walkin);
    });
    let s = state.clone();
    organiser.on_submit_walkin(move || {
        let [last_name, first_name, group] = s.borrow().attendance.form.clone();
        busy(&s);
        ask(
            &s,
            move |k| {
                k.register_walk_in(&last_name, &first_name, &group)
                    .map_err(Failure::from)
            },
            walked_in,
        );
    });
    let s = state.clone();
    organiser.on_walkin_done(move || show_page(&s));
}
