//! The poll editor's side of the view: keeps the draft being written, shows it on the editor
//! page after every tap, and sends the finished poll to the worker.

use slint::{ComponentHandle, SharedString};
use urne_core::ids::PollId;

use super::{Screens, ask, busy, codes, dashboard, go_to, model, with_window};
use crate::editor::{DraftProblem, Field, PollDraft};
use crate::generated::{self as ui, AppWindow, EditorAdapter, EditorOption, Page};
use crate::kiosk::{Failure, Problem};

/// The draft on the editor page, and the field the keyboard types into.
#[derive(Debug, Default)]
pub(super) struct EditorState {
    draft: PollDraft,
    field: Option<Field>,
    /// What keeps the draft from being saved, shown until the next change.
    problem: Option<Refused>,
}

/// Why the draft was not saved.
#[derive(Debug, Clone, Copy)]
enum Refused {
    /// It is not a poll yet.
    Draft(DraftProblem),
    /// The kiosk refused the poll.
    Kiosk(Problem),
}

/// Shows the draft on the editor page.
fn refresh(state: &Screens) {
    let (draft, field, problem) = {
        let s = state.borrow();
        (s.editor.draft.clone(), s.editor.field, s.editor.problem)
    };
    with_window(state, |w| {
        let e = w.global::<EditorAdapter>();
        e.set_creating(draft.editing.is_none());
        e.set_question(draft.question.clone().into());
        e.set_kind(codes::draft_kind_code(draft.kind));
        e.set_rule(codes::motion_rule_code(&draft.rule));
        e.set_blank(draft.blank);
        e.set_options(model(
            draft
                .options
                .iter()
                .map(|o| EditorOption {
                    label: o.label.clone().into(),
                    cost: o.cost.clone().into(),
                })
                .collect(),
        ));
        e.set_approval_max(i32::try_from(draft.effective_approval_max()).unwrap_or(0));
        e.set_grades(i32::from(draft.grades));
        e.set_budget(draft.budget.clone().into());
        e.set_method(codes::budget_method_code(draft.method));
        e.set_max_options(i32::try_from(crate::editor::MAX_OPTIONS).unwrap_or(12));
        let (name, index) = codes::editor_field_code(field);
        e.set_field(name);
        e.set_field_index(i32::try_from(index).unwrap_or(0));
        e.set_field_text(field.map_or("", |f| draft.field(f)).into());
        let ((code, at), refused) = match problem {
            None => ((ui::DraftProblem::None, 0), ui::Problem::None),
            Some(Refused::Draft(p)) => (codes::draft_problem(p), ui::Problem::None),
            Some(Refused::Kiosk(p)) => ((ui::DraftProblem::Refused, 0), codes::problem(p)),
        };
        e.set_problem(code);
        e.set_problem_index(i32::try_from(at).unwrap_or(0));
        e.set_save_problem(refused);
    });
}

/// Changes the draft, clears the last problem, shows the result and keeps the page awake.
fn change(state: &Screens, f: impl FnOnce(&mut EditorState)) {
    {
        let mut s = state.borrow_mut();
        f(&mut s.editor);
        s.editor.problem = None;
    }
    refresh(state);
    super::arm_timer(state, Page::Editor);
}

fn as_index(value: i32) -> usize {
    usize::try_from(value).unwrap_or(0)
}

/// Wires the editor page's callbacks.
pub(super) fn bind(window: &AppWindow, state: &Screens) {
    let e = window.global::<EditorAdapter>();
    let s = state.clone();
    e.on_start(move |id: SharedString| {
        let existing = PollId::new(id.as_str()).ok().and_then(|id| {
            s.borrow()
                .event
                .as_ref()
                .and_then(|ev| ev.poll(&id).cloned())
        });
        {
            let mut st = s.borrow_mut();
            st.editor = EditorState {
                draft: existing
                    .as_ref()
                    .map(PollDraft::from_poll)
                    .unwrap_or_default(),
                // A new poll starts with its question: that is what the organiser has in mind.
                field: existing.is_none().then_some(Field::Question),
                problem: None,
            };
        }
        refresh(&s);
        go_to(&s, Page::Editor);
    });
    let s = state.clone();
    e.on_edit(move |name, index| {
        let field = codes::editor_field(name, as_index(index));
        change(&s, |ed| ed.field = field);
    });
    let s = state.clone();
    e.on_key(move |key| {
        change(&s, |ed| {
            if let Some(field) = ed.field {
                if key == "\n" {
                    ed.field = None;
                } else {
                    ed.draft.type_key(field, &key);
                }
            }
        });
    });
    let s = state.clone();
    e.on_field_done(move || change(&s, |ed| ed.field = None));
    let s = state.clone();
    e.on_set_kind(move |kind| {
        change(&s, |ed| {
            let kind = codes::draft_kind(kind);
            ed.draft.kind = kind;
            // Offer the rows the kind needs, to be filled in.
            while ed.draft.options.len() < kind.fewest_options().max(2) && kind.has_options() {
                ed.draft.add_option();
            }
        });
    });
    let s = state.clone();
    e.on_set_rule(move |rule| {
        change(&s, |ed| {
            if let Some(rule) = codes::motion_rule(rule) {
                ed.draft.rule = rule;
            }
        });
    });
    let s = state.clone();
    e.on_toggle_blank(move || change(&s, |ed| ed.draft.blank = !ed.draft.blank));
    let s = state.clone();
    e.on_add_option(move || {
        change(&s, |ed| {
            // The new option's label is typed straight away.
            if let Some(i) = ed.draft.add_option() {
                ed.field = Some(Field::Label(i));
            }
        });
    });
    let s = state.clone();
    e.on_remove_option(move |i| change(&s, |ed| ed.draft.remove_option(as_index(i))));
    let s = state.clone();
    e.on_step_approval(move |d| change(&s, |ed| ed.draft.step_approval_max(d)));
    let s = state.clone();
    e.on_step_grades(move |d| change(&s, |ed| ed.draft.step_grades(d)));
    let s = state.clone();
    e.on_set_method(move |m| change(&s, |ed| ed.draft.method = codes::budget_method(m)));
    let s = state.clone();
    e.on_save(move || {
        let taken: Vec<PollId> = s
            .borrow()
            .event
            .as_ref()
            .map(|ev| ev.polls.iter().map(|p| p.id.clone()).collect())
            .unwrap_or_default();
        let poll = s.borrow().editor.draft.to_poll(&taken);
        match poll {
            Ok(poll) => {
                busy(&s);
                ask(
                    &s,
                    move |k| k.define_poll(poll).map_err(Failure::from),
                    defined,
                );
            }
            Err(problem) => {
                s.borrow_mut().editor.problem = Some(Refused::Draft(problem));
                refresh(&s);
            }
        }
    });
    let s = state.clone();
    e.on_cancel(move || {
        s.borrow_mut().editor = EditorState::default();
        dashboard::back(&s);
    });
}

/// The worker's answer to a saved poll: back to the dashboard (with the event that holds the
/// poll), or why it was refused.
fn defined(state: &Screens, outcome: Result<PollId, Failure>) {
    match outcome {
        Ok(_) => {
            state.borrow_mut().editor = EditorState::default();
            super::reload_event(state);
            dashboard::back(state);
        }
        Err(failure) => {
            // A poll opened meanwhile is the editor's own problem, said as such.
            let refused = if failure.problem == Problem::PollNotOpen {
                Refused::Draft(DraftProblem::AlreadyOpen)
            } else {
                Refused::Kiosk(failure.problem)
            };
            state.borrow_mut().editor.problem = Some(refused);
            refresh(state);
        }
    }
}
