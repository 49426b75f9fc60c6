//! The first-boot setup's side of the view (mise en service): walks the organiser through the
//! device key's fingerprint, the organiser PIN typed twice, the registry's address and the date
//! and time, then hands everything to the worker at once, so that a setup is stored whole or not
//! at all. The PIN is held here only until then.

use slint::ComponentHandle;
use urne_codec::protocol::RegistryCard;
use urne_core::crypto::Fingerprint;
use urne_core::timestamp::Timestamp;

use super::settings::{self, clock_text, type_url};
use super::{Screens, ask, busy, codes, current_page, go_idle, go_to, with_window};
use crate::generated::{AppWindow, Page, Problem, SetupAdapter, SetupError, SetupStep as Step};
use crate::kiosk::{Failure, PIN_LENGTH, Provisioning, Settings, check_registry};

/// What the organiser has entered so far.
#[derive(Default)]
pub(super) struct SetupState {
    /// The step on screen: the device key's fingerprint, the PIN, the same PIN again, the
    /// registry's address (or none), the date and time.
    step: Step,
    /// The digits being typed, and the PIN chosen at the first of the two PIN steps.
    pin: String,
    chosen_pin: String,
    registry_url: String,
    /// The registry's receipt key, from its card.
    registry_key: Option<Fingerprint>,
    typing_url: bool,
    /// The kiosk's time when last read, the offset it had, whether it is synchronised.
    now: Timestamp,
    offset: i64,
    synced: bool,
    /// Seconds of correction the organiser added.
    adjust: i64,
    /// The device key's file written on the stick, or why it could not be.
    key_file: String,
    key_problem: Problem,
    /// Why the step could not go on, and why the kiosk refused it.
    error: SetupError,
    problem: Problem,
    /// The setup is with the worker: a second tap on « Terminer » waits for its answer (the
    /// clock's refresh clears the busy flag, not this).
    submitted: bool,
}

impl std::fmt::Debug for SetupState {
    // The PIN stays out of logs and panics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetupState")
            .field("step", &self.step)
            .field("registry_url", &self.registry_url)
            .field("adjust", &self.adjust)
            .finish_non_exhaustive()
    }
}

fn refresh(state: &Screens) {
    let s = state.borrow();
    let st = &s.setup;
    let step = st.step;
    let pin_length = i32::try_from(st.pin.chars().count()).unwrap_or(0);
    let clock = clock_text(if st.synced {
        st.now
    } else {
        st.now.plus_seconds(st.adjust)
    });
    let (url, typing, adjust, synced) =
        (st.registry_url.clone(), st.typing_url, st.adjust, st.synced);
    let key = st
        .registry_key
        .as_ref()
        .map(super::grouped)
        .unwrap_or_default();
    let (error, problem) = (st.error, st.problem);
    let (key_file, key_problem) = (st.key_file.clone(), st.key_problem);
    drop(s);
    with_window(state, |w| {
        let a = w.global::<SetupAdapter>();
        a.set_step(step);
        a.set_pin_length(pin_length);
        a.set_registry_url(url.into());
        a.set_registry_key(key.into());
        a.set_typing_url(typing);
        a.set_clock(clock.into());
        a.set_adjust(i32::try_from(adjust).unwrap_or(i32::MAX));
        a.set_synced(synced);
        a.set_error(error);
        a.set_problem(problem);
        a.set_key_file(key_file.into());
        a.set_key_problem(key_problem);
    });
}

fn change(state: &Screens, f: impl FnOnce(&mut SetupState)) {
    f(&mut state.borrow_mut().setup);
    refresh(state);
}

/// Shows the setup's first step (the kiosk has just made its device key).
pub(super) fn start(state: &Screens) {
    state.borrow_mut().setup = SetupState::default();
    refresh(state);
    go_to(state, Page::Setup);
    // The clock step shows the kiosk's time: read it now, and every few seconds after.
    read(state);
}

/// Wires the setup page's callbacks.
pub(super) fn bind(window: &AppWindow, state: &Screens) {
    let a = window.global::<SetupAdapter>();
    let s = state.clone();
    a.on_next(move || change(&s, next));
    let s = state.clone();
    a.on_back(move || change(&s, back));
    let s = state.clone();
    a.on_pin_digit(move |digit| {
        change(&s, |st| {
            if st.pin.len() < PIN_LENGTH
                && digit.len() == 1
                && digit.bytes().all(|b| b.is_ascii_digit())
            {
                st.pin.push_str(&digit);
                clear_error(st);
            }
        });
    });
    let s = state.clone();
    a.on_pin_erase(move || {
        change(&s, |st| {
            st.pin.pop();
        })
    });
    let s = state.clone();
    a.on_edit_url(move || change(&s, |st| st.typing_url = true));
    let s = state.clone();
    a.on_url_key(move |key| {
        change(&s, |st| {
            clear_error(st);
            let before = st.registry_url.clone();
            if !type_url(&mut st.registry_url, &key) {
                st.typing_url = false;
            }
            // The key belongs to the card's address: another address needs its own card.
            if st.registry_url != before {
                st.registry_key = None;
            }
        });
    });
    let s = state.clone();
    a.on_url_done(move || change(&s, |st| st.typing_url = false));
    let s = state.clone();
    a.on_adjust_clock(move |seconds| {
        change(&s, |st| {
            st.adjust = st.adjust.saturating_add(i64::from(seconds));
            clear_error(st);
        })
    });
    let s = state.clone();
    a.on_finish(move || finish(&s));
    let s = state.clone();
    a.on_write_key(move || {
        change(&s, |st| {
            st.key_file.clear();
            st.key_problem = Problem::None;
        });
        busy(&s);
        ask(
            &s,
            |k| k.write_device_key().map_err(Failure::from),
            key_written,
        );
    });
}

fn clear_error(st: &mut SetupState) {
    st.error = SetupError::None;
    st.problem = Problem::None;
}

/// Why the step could not go on.
fn refused(st: &mut SetupState, problem: Problem) {
    st.error = SetupError::Refused;
    st.problem = problem;
}

/// The next step, when this one is complete.
fn next(st: &mut SetupState) {
    clear_error(st);
    match st.step {
        Step::Key => st.step = Step::Pin,
        Step::Pin if st.pin.len() == PIN_LENGTH => {
            st.chosen_pin = std::mem::take(&mut st.pin);
            st.step = Step::PinAgain;
        }
        Step::PinAgain if st.pin.len() == PIN_LENGTH => {
            if st.pin == st.chosen_pin {
                st.pin.clear();
                st.step = Step::Registry;
            } else {
                // Start the PIN over: which of the two was mistyped cannot be known.
                st.pin.clear();
                st.chosen_pin.clear();
                st.step = Step::Pin;
                st.error = SetupError::PinMismatch;
            }
        }
        Step::Registry => match check_registry(&st.registry_url, st.registry_key.as_ref()) {
            Ok(()) => st.step = Step::Clock,
            Err(code) => refused(st, codes::setting_problem(code)),
        },
        Step::Pin | Step::PinAgain | Step::Clock => {}
    }
}

/// The previous step; going back over the PIN starts it over.
fn back(st: &mut SetupState) {
    clear_error(st);
    st.pin.clear();
    st.step = match st.step {
        Step::Key | Step::Pin => Step::Key,
        Step::PinAgain => {
            st.chosen_pin.clear();
            Step::Pin
        }
        Step::Registry => {
            st.chosen_pin.clear();
            Step::Pin
        }
        Step::Clock => Step::Registry,
    };
}

/// Hands the whole setup to the worker.
fn finish(state: &Screens) {
    let setup = {
        let st = &mut state.borrow_mut().setup;
        if st.submitted || st.step != Step::Clock || st.chosen_pin.len() != PIN_LENGTH {
            return;
        }
        st.submitted = true;
        Provisioning {
            pin: st.chosen_pin.clone(),
            registry_url: st.registry_url.trim().to_owned(),
            registry_key: st.registry_key,
            // A synchronised clock is right as it is; otherwise the organiser's reading of it,
            // adjusted or not, is the confirmation.
            clock_offset: (!st.synced).then(|| st.offset.saturating_add(st.adjust)),
        }
    };
    busy(state);
    ask(
        state,
        move |k| {
            let outcome = k.provision(&setup).map_err(Failure::from);
            let settings = outcome.is_ok().then(|| k.settings().map_err(Failure::from));
            (outcome, settings)
        },
        done,
    );
}

/// Whether a scan now is the registry's card for the setup's registry step.
pub(super) fn takes_card(state: &Screens) -> bool {
    current_page(state) == Some(Page::Setup) && state.borrow().setup.step == Step::Registry
}

/// The registry's card, scanned on the registry step: its address and its key, shown for the
/// organiser to compare with what the registry's operator gave.
pub(super) fn card(state: &Screens, text: &str) {
    change(state, |st| scanned_card(st, text));
}

fn scanned_card(st: &mut SetupState, text: &str) {
    clear_error(st);
    st.typing_url = false;
    match RegistryCard::parse(text) {
        Some(card) => {
            st.registry_url = card.url;
            st.registry_key = Some(card.key);
        }
        None => refused(st, Problem::RegistryCard),
    }
}

/// Reads the settings for the setup page (on its first step, and every few seconds after): the
/// clock step shows the kiosk's time as the worker read it.
pub(super) fn read(state: &Screens) {
    ask(
        state,
        |k| k.settings().map_err(Failure::from),
        |state, settings| {
            if let Ok(read) = &settings
                && current_page(state) == Some(Page::Setup)
            {
                clock_read(state, read);
            }
            settings::apply(state, settings, false);
        },
    );
}

/// The kiosk's clock as the worker read it: shown on the clock step.
fn clock_read(state: &Screens, settings: &Settings) {
    change(state, |st| {
        st.now = settings.now;
        st.offset = settings.clock_offset;
        st.synced = settings.clock_synced;
    });
}

/// The device key written to the stick, or why not.
fn key_written(state: &Screens, outcome: Result<String, Failure>) {
    change(state, |st| match outcome {
        Ok(file) => st.key_file = file,
        Err(failure) => st.key_problem = codes::problem(failure.problem),
    });
}

/// The worker's answer to the setup: the kiosk is ready (to the idle screen, where an event is
/// loaded, with the settings now stored), or the setup stays on screen with the reason.
fn done(
    state: &Screens,
    (outcome, settings): (Result<(), Failure>, Option<Result<Settings, Failure>>),
) {
    match outcome {
        Ok(()) => {
            state.borrow_mut().setup = SetupState::default();
            refresh(state);
            go_idle(state);
            // A package given at start is loaded once the setup is done.
            super::reload_event(state);
        }
        Err(failure) => change(state, |st| {
            st.submitted = false;
            refused(st, codes::problem(failure.problem));
        }),
    }
    // Afterwards, as on any reading: the idle screen takes the language chosen.
    if let Some(settings) = settings {
        settings::apply(state, settings, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(st: &mut SetupState, pin: &str) {
        st.pin = pin.to_owned();
        next(st);
    }

    #[test]
    fn the_pin_must_be_typed_twice_the_same() {
        let mut st = SetupState::default();
        next(&mut st);
        assert_eq!(st.step, Step::Pin);
        // Five digits do not go on.
        typed(&mut st, "12345");
        assert_eq!(st.step, Step::Pin);
        typed(&mut st, "123456");
        assert_eq!(st.step, Step::PinAgain);
        typed(&mut st, "123465");
        assert_eq!(st.step, Step::Pin);
        assert_eq!(st.error, SetupError::PinMismatch);
        assert!(st.chosen_pin.is_empty() && st.pin.is_empty());
        typed(&mut st, "246810");
        typed(&mut st, "246810");
        assert_eq!(st.step, Step::Registry);
        assert_eq!(st.chosen_pin, "246810");
        assert_eq!(st.error, SetupError::None);
    }

    #[test]
    fn a_bad_registry_address_stops_on_its_step_and_none_is_fine() {
        let mut st = SetupState {
            step: Step::Registry,
            registry_url: "registre.example.org".into(),
            ..SetupState::default()
        };
        next(&mut st);
        assert_eq!(st.step, Step::Registry);
        assert_eq!(
            (st.error, st.problem),
            (SetupError::Refused, Problem::SettingRegistryScheme)
        );
        st.registry_url = "https://registre.example.org".into();
        next(&mut st);
        // An address alone is not enough: the key comes from the registry's card.
        assert_eq!(st.step, Step::Registry);
        assert_eq!(
            (st.error, st.problem),
            (SetupError::Refused, Problem::SettingRegistryKey)
        );
        scanned_card(&mut st, "URNE-REGISTRY1:12:https://registre.example.org");
        assert_eq!(
            (st.error, st.problem, st.registry_key),
            (SetupError::Refused, Problem::RegistryCard, None)
        );
        let key = urne_core::crypto::SecretKey::from_seed(&[3; 32])
            .public()
            .fingerprint();
        let card = RegistryCard {
            url: "https://urne.federation.example:8443".into(),
            key,
        };
        scanned_card(&mut st, &card.to_text());
        assert_eq!(st.error, SetupError::None);
        assert_eq!(st.registry_url, "https://urne.federation.example:8443");
        // A damaged card afterwards is refused and leaves the good one in place.
        scanned_card(&mut st, "URNE-REGISTRY1:zz:https://ailleurs.example");
        assert_eq!(st.problem, Problem::RegistryCard);
        assert_eq!(st.registry_key, Some(key));
        assert_eq!(st.registry_url, "https://urne.federation.example:8443");
        next(&mut st);
        assert_eq!(st.step, Step::Clock);
        back(&mut st);
        st.registry_url.clear();
        next(&mut st);
        assert_eq!(st.step, Step::Clock);
    }

    #[test]
    fn the_pin_never_shows_in_debug_output() {
        let st = SetupState {
            pin: "918273".into(),
            chosen_pin: "918273".into(),
            ..SetupState::default()
        };
        assert!(!format!("{st:?}").contains("918273"));
        let setup = Provisioning {
            pin: "918273".into(),
            registry_url: String::new(),
            registry_key: None,
            clock_offset: None,
        };
        assert!(!format!("{setup:?}").contains("918273"));
    }
}
