//! The count page (dépouillement): the bureau's shares of the tally key scanned on the kiosk's
//! QR reader or typed on the on-screen keyboard, each sent to the worker as it comes, the
//! refusals said by name, and the result shown once the k-th share opened the box.

use slint::ComponentHandle;
use urne_core::ids::PollId;
use zeroize::Zeroizing;

use super::{Screens, as_int, ask, busy, codes, dashboard, go_to, results, with_window};
use crate::generated::{AppWindow, CountAdapter, Page, Problem};
use crate::kiosk::{CountProgress, Failure, KioskError, ShareOutcome};

/// The longest share a person types (a share is 89 characters with its prefix).
const MAX_TYPED: usize = 120;

/// The poll being counted and the share being typed (wiped when replaced).
#[derive(Default)]
pub(super) struct CountState {
    poll: Option<PollId>,
    typed: Zeroizing<String>,
}

impl std::fmt::Debug for CountState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never a share, even half typed.
        f.debug_struct("CountState")
            .field("poll", &self.poll)
            .finish_non_exhaustive()
    }
}

/// What a share sent to the worker did: the count as it stands, or the result shown.
enum Answered {
    Progress(CountProgress),
    Counted(Option<results::Shown>),
}

/// Opens the count of `id` (« Dépouiller » on the dashboard, or right after its close).
pub(super) fn start(state: &Screens, id: &str) {
    let Ok(poll) = PollId::new(id) else {
        return;
    };
    dashboard::action_failed(state, None);
    busy(state);
    ask(
        state,
        move |k| k.count_progress(&poll).map_err(Failure::from),
        |state, outcome| match outcome {
            Ok(progress) => {
                {
                    let mut st = state.borrow_mut();
                    st.count.poll = Some(progress.poll.clone());
                    st.count.typed = Zeroizing::new(String::new());
                }
                show(state, &progress, Problem::None);
                go_to(state, Page::Count);
            }
            Err(failure) => dashboard::action_failed(state, Some(&failure)),
        },
    );
}

/// Whether the count page is waiting for shares (a scan goes to it, not to the badge reader).
pub(super) fn waiting(state: &Screens) -> bool {
    state.borrow().count.poll.is_some() && super::current_page(state) == Some(Page::Count)
}

/// A share scanned, or typed and validated.
pub(super) fn share(state: &Screens, text: String) {
    let Some(poll) = state.borrow().count.poll.clone() else {
        return;
    };
    let text = Zeroizing::new(text);
    if text.trim().is_empty() {
        return;
    }
    state.borrow_mut().count.typed = Zeroizing::new(String::new());
    busy(state);
    ask(
        state,
        move |k| {
            k.offer_share(&poll, &text)
                .map(|outcome| match outcome {
                    ShareOutcome::Read(progress) => Answered::Progress(progress),
                    ShareOutcome::Counted(result) => {
                        Answered::Counted(results::shown_of(k, &poll, *result))
                    }
                })
                .map_err(|failure| {
                    // A refused share leaves the count where it was; anything else ends it.
                    let progress = matches!(failure, KioskError::Share(_))
                        .then(|| k.count_progress(&poll).ok().map(Box::new))
                        .flatten();
                    (Failure::from(failure), progress)
                })
        },
        answered,
    );
    super::arm_timer(state, Page::Count);
}

/// A refused share and where the count stands, or why it ended (boxed: the error travels back
/// from the kiosk's worker).
type Refused = (Failure, Option<Box<CountProgress>>);

fn answered(state: &Screens, outcome: Result<Answered, Refused>) {
    match outcome {
        Ok(Answered::Progress(progress)) => show(state, &progress, Problem::None),
        Ok(Answered::Counted(shown)) => {
            forget(state);
            match shown {
                Some(shown) => results::show(state, shown),
                None => dashboard::back(state),
            }
        }
        Err((failure, Some(progress))) => {
            show(state, &progress, codes::problem(failure.problem));
        }
        // The count cannot go on (the box was refused, the poll is no longer waiting): the
        // dashboard says why.
        Err((failure, None)) => {
            forget(state);
            dashboard::back(state);
            dashboard::action_failed(state, Some(&failure));
        }
    }
}

/// A fingerprint as the share sheets print it: lower-case hexadecimal in groups of four.
fn sheet_fingerprint(key: &urne_core::crypto::Fingerprint) -> String {
    super::group_hex(&key.to_hex()).to_lowercase()
}

fn show(state: &Screens, progress: &CountProgress, error: Problem) {
    let typed = grouped(&state.borrow().count.typed);
    with_window(state, |w| {
        let c = w.global::<CountAdapter>();
        c.set_question(progress.question.clone().into());
        c.set_threshold(as_int(u64::from(progress.threshold)));
        c.set_read_count(as_int(u64::try_from(progress.read.len()).unwrap_or(0)));
        let numbers: Vec<String> = progress.read.iter().map(u8::to_string).collect();
        c.set_read_numbers(numbers.join(", ").into());
        c.set_key_fingerprint(sheet_fingerprint(&progress.key).into());
        c.set_typed(typed.as_str().into());
        c.set_error(error);
    });
}

/// What was typed, in groups of four after the prefix, as the share sheet prints it.
fn grouped(typed: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(typed.len() + typed.len() / 4));
    for (i, c) in typed.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// Forgets the count on screen (organiser mode locked, or the box opened).
pub(super) fn forget(state: &Screens) {
    {
        let mut st = state.borrow_mut();
        st.count.poll = None;
        st.count.typed = Zeroizing::new(String::new());
    }
    with_window(state, |w| {
        let c = w.global::<CountAdapter>();
        c.set_typed("".into());
        c.set_error(Problem::None);
    });
}

/// Wires the count page.
pub(super) fn bind(window: &AppWindow, state: &Screens) {
    let count = window.global::<CountAdapter>();
    let s = state.clone();
    count.on_key(move |key| {
        {
            let mut st = s.borrow_mut();
            let typed = &mut st.count.typed;
            if key == "⌫" {
                typed.pop();
            } else if typed.chars().count() < MAX_TYPED && key.trim() == key.as_str() {
                // Shares are upper case; a person typing on the touchscreen need not shift.
                typed.push_str(&key.to_uppercase());
            }
        }
        let typed = grouped(&s.borrow().count.typed);
        with_window(&s, |w| {
            w.global::<CountAdapter>().set_typed(typed.as_str().into());
        });
        super::arm_timer(&s, Page::Count);
    });
    let s = state.clone();
    count.on_submit(move || {
        let typed = std::mem::take(&mut *s.borrow_mut().count.typed);
        share(&s, typed);
    });
    let s = state.clone();
    count.on_later(move || {
        forget(&s);
        ask(&s, |k| k.forget_shares(), |_, ()| {});
        dashboard::back(&s);
    });
}
