//! The poll editor's side of the view: keeps the draft being written, shows it on the editor
//! page after every tap, and sends the finished poll to the worker.

use slint::{ComponentHandle, SharedString};
use urne_core::ids::PollId;
use urne_core::poll::BudgetMethod;

use super::{Screens, ask, busy, codes, dashboard, go_to, model, with_window};
use crate::editor::{DraftKind, DraftProblem, Field, PollDraft, RULES};
use crate::generated::{AppWindow, EditorAdapter, EditorOption, Page};
use crate::kiosk::{Failure, Problem};

/// The draft on the editor page, and the field the keyboard types into.
#[derive(Debug, Default)]
pub(super) struct EditorState {
    draft: PollDraft,
    field: Option<Field>,
    /// What keeps the draft from being saved, shown until the next change.
    problem: Option<(String, usize)>,
}

/// Shows the draft on the editor page.
fn refresh(state: &Screens) {
    let (draft, field, problem) = {
        let s = state.borrow();
        (
            s.editor.draft.clone(),
            s.editor.field,
            s.editor.problem.clone(),
        )
    };
    with_window(state, |w| {
        let e = w.global::<EditorAdapter>();
        e.set_creating(draft.editing.is_none());
        e.set_question(draft.question.clone().into());
        e.set_kind(i32::try_from(draft.kind.index()).unwrap_or(0));
        e.set_rule(
            RULES
                .iter()
                .position(|r| *r == draft.rule)
                .and_then(|i| i32::try_from(i).ok())
                .unwrap_or(-1),
        );
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
        e.set_method(match draft.method {
            BudgetMethod::EqualShares => 0,
            BudgetMethod::Greedy => 1,
        });
        e.set_max_options(i32::try_from(crate::editor::MAX_OPTIONS).unwrap_or(12));
        let (name, index) = match field {
            None => ("", 0),
            Some(Field::Question) => ("question", 0),
            Some(Field::Label(i)) => ("label", i),
            Some(Field::Cost(i)) => ("cost", i),
            Some(Field::Budget) => ("budget", 0),
        };
        e.set_field(name.into());
        e.set_field_index(i32::try_from(index).unwrap_or(0));
        e.set_field_text(field.map_or("", |f| draft.field(f)).into());
        let (code, at) = problem.unwrap_or_default();
        e.set_problem(code.into());
        e.set_problem_index(i32::try_from(at).unwrap_or(0));
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
        let index = as_index(index);
        let field = match name.as_str() {
            "question" => Some(Field::Question),
            "label" => Some(Field::Label(index)),
            "cost" => Some(Field::Cost(index)),
            "budget" => Some(Field::Budget),
            _ => None,
        };
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
            let kind = DraftKind::ALL
                .get(as_index(kind))
                .copied()
                .unwrap_or(DraftKind::Motion);
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
            if let Some(rule) = RULES.get(as_index(rule)) {
                ed.draft.rule = *rule;
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
    e.on_set_method(move |m| {
        change(&s, |ed| {
            ed.draft.method = if m == 1 {
                BudgetMethod::Greedy
            } else {
                BudgetMethod::EqualShares
            };
        });
    });
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
                let (code, at) = problem.code();
                s.borrow_mut().editor.problem = Some((code.to_owned(), at));
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
            let code = match failure.problem {
                Problem::PollNotOpen => DraftProblem::AlreadyOpen.code().0.to_owned(),
                other => codes::problem_code(other).to_owned(),
            };
            state.borrow_mut().editor.problem = Some((code, 0));
            refresh(state);
        }
    }
}
