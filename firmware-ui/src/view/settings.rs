//! The settings page's side of the view: shows the kiosk's settings, keeps the changes being
//! made until the organiser saves them, and applies the saved language and timeout.

use std::time::Duration;

use slint::ComponentHandle;
use urne_codec::protocol::RegistryCard;
use urne_core::crypto::Fingerprint;
use urne_core::timestamp::Timestamp;

use super::{Screens, ask, busy, codes, current_page, dashboard, go_to, set_language, with_window};
use crate::generated::{AppWindow, Page, Problem, SettingsAdapter, SettingsOutcome, UploadRow};
use crate::kiosk::{Failure, Kiosk, KioskError, Settings, VOTER_TIMEOUT_RANGE};
use crate::store::UploadState;
use urne_core::tally::Lang;

/// Longest registry address typed on the keyboard.
const MAX_URL: usize = 200;
/// The timeout moves by this many seconds per tap.
const TIMEOUT_STEP: u64 = 10;

/// The settings page's values being edited.
#[derive(Debug, Default)]
pub(super) struct SettingsState {
    default_lang: Lang,
    timeout: u64,
    registry_url: String,
    /// The registry's receipt key, from its card.
    registry_key: Option<Fingerprint>,
    /// The kiosk's time when last read, and the offset it had.
    now: Timestamp,
    offset: i64,
    /// Synchronised from the network (nothing to adjust); confirmed since boot.
    synced: bool,
    confirmed: bool,
    /// Seconds of adjustment not confirmed yet.
    adjust: i64,
    typing_url: bool,
    /// The bundles exported, newest first: file, upload state, test or not.
    uploads: Vec<(String, UploadState, bool)>,
    /// Whether the page's values were read since it was shown: later readings (every few
    /// seconds, for the clock and the uploads) must not undo what the organiser is changing.
    loaded: bool,
    /// What the change on its way to the worker will have done (saved, the clock confirmed),
    /// or none.
    pending: SettingsOutcome,
    /// What the last change did, and why it was refused.
    outcome: (SettingsOutcome, Problem),
}

/// The language as the settings store it.
fn stored_lang(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "fr",
        Lang::En => "en",
    }
}

/// Applies one key of the on-screen keyboard to a registry address being typed: `⌫` erases,
/// spaces and control characters are dropped, the length is capped. False for the keyboard's
/// Enter, which ends the typing.
pub(super) fn type_url(url: &mut String, key: &str) -> bool {
    match key {
        "⌫" => {
            url.pop();
        }
        "\n" => return false,
        _ => {
            for c in key
                .chars()
                .filter(|c| !c.is_control() && !c.is_whitespace())
            {
                if url.chars().count() < MAX_URL {
                    url.push(c);
                }
            }
        }
    }
    true
}

/// « 2026-12-05 19:14 ».
pub(super) fn clock_text(at: Timestamp) -> String {
    let secs = at.0.rem_euclid(86_400);
    format!(
        "{} {:02}:{:02}",
        at.date_utc(),
        secs / 3600,
        (secs % 3600) / 60
    )
}

fn refresh(state: &Screens) {
    let s = state.borrow();
    let st = &s.settings;
    let clock = clock_text(st.now.plus_seconds(st.adjust));
    let uploads: Vec<UploadRow> = st
        .uploads
        .iter()
        .map(|(file, state, test)| UploadRow {
            file: file.into(),
            state: codes::upload_state(*state),
            test: *test,
        })
        .collect();
    let (synced, confirmed) = (st.synced, st.confirmed);
    let key = st
        .registry_key
        .as_ref()
        .map(super::grouped)
        .unwrap_or_default();
    let (lang, timeout, url, adjust, typing, outcome) = (
        st.default_lang,
        st.timeout,
        st.registry_url.clone(),
        st.adjust,
        st.typing_url,
        st.outcome,
    );
    drop(s);
    with_window(state, |w| {
        let a = w.global::<SettingsAdapter>();
        a.set_default_language(codes::language(lang));
        a.set_timeout(i32::try_from(timeout).unwrap_or(i32::MAX));
        a.set_registry_url(url.into());
        a.set_registry_key(key.into());
        a.set_clock(clock.into());
        a.set_adjust(i32::try_from(adjust).unwrap_or(i32::MAX));
        a.set_synced(synced);
        a.set_confirmed(confirmed);
        a.set_typing_url(typing);
        a.set_outcome(outcome.0);
        a.set_outcome_problem(outcome.1);
        a.set_uploads(super::model(uploads));
    });
}

fn change(state: &Screens, f: impl FnOnce(&mut SettingsState)) {
    {
        let mut s = state.borrow_mut();
        f(&mut s.settings);
        s.settings.outcome = Default::default();
    }
    refresh(state);
    super::arm_timer(state, Page::Settings);
}

/// Comes back to the settings page from another page (the PIN page, after a new PIN), saying
/// what happened there.
pub(super) fn back_with(state: &Screens, outcome: SettingsOutcome) {
    state.borrow_mut().settings.outcome = (outcome, Problem::None);
    refresh(state);
    go_to(state, Page::Settings);
}

/// Wires the settings page's callbacks.
pub(super) fn bind(window: &AppWindow, state: &Screens) {
    let a = window.global::<SettingsAdapter>();
    let s = state.clone();
    a.on_show(move || {
        {
            let mut st = s.borrow_mut();
            st.settings.outcome = Default::default();
            st.settings.loaded = false;
        }
        read(&s);
        go_to(&s, Page::Settings);
    });
    let s = state.clone();
    a.on_set_language(move |lang| change(&s, |st| st.default_lang = codes::lang(lang)));
    let s = state.clone();
    a.on_step_timeout(move |d| {
        change(&s, |st| {
            let (low, high) = VOTER_TIMEOUT_RANGE;
            st.timeout = if d < 0 {
                st.timeout.saturating_sub(TIMEOUT_STEP)
            } else {
                st.timeout.saturating_add(TIMEOUT_STEP)
            }
            .clamp(low, high);
        });
    });
    let s = state.clone();
    a.on_edit_url(move || change(&s, |st| st.typing_url = true));
    let s = state.clone();
    a.on_url_key(move |key| {
        change(&s, |st| {
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
    a.on_adjust_clock(move |seconds| change(&s, |st| st.adjust += i64::from(seconds)));
    let s = state.clone();
    a.on_confirm_clock(move || {
        let offset = {
            let st = &s.borrow().settings;
            st.offset.saturating_add(st.adjust)
        };
        s.borrow_mut().settings.pending = SettingsOutcome::ClockConfirmed;
        busy(&s);
        save(&s, move |k| k.confirm_clock(offset));
    });
    let s = state.clone();
    a.on_save(move || {
        let (lang, timeout, url, key) = {
            let st = &s.borrow().settings;
            (
                st.default_lang,
                st.timeout,
                st.registry_url.clone(),
                st.registry_key,
            )
        };
        s.borrow_mut().settings.pending = SettingsOutcome::Saved;
        busy(&s);
        save(&s, move |k| {
            k.save_settings(stored_lang(lang), timeout, &url, key.as_ref())
        });
    });
    let s = state.clone();
    a.on_back(move || dashboard::back(&s));
    let s = state.clone();
    a.on_change_pin(move || dashboard::choose_pin(&s));
}

/// Whether a scan now is a registry's card for the settings page.
pub(super) fn takes_card(state: &Screens) -> bool {
    current_page(state) == Some(Page::Settings)
}

/// A registry's card scanned on the settings page: its address and key replace the ones shown,
/// to be saved with « Enregistrer ».
pub(super) fn card(state: &Screens, text: &str) {
    {
        let st = &mut state.borrow_mut().settings;
        st.typing_url = false;
        st.outcome = match RegistryCard::parse(text) {
            Some(card) => {
                st.registry_url = card.url;
                st.registry_key = Some(card.key);
                Default::default()
            }
            None => (SettingsOutcome::Refused, Problem::RegistryCard),
        };
    }
    refresh(state);
    super::arm_timer(state, Page::Settings);
}

/// Reads the settings (at start, and every few seconds on the settings page).
pub(super) fn read(state: &Screens) {
    ask(
        state,
        |k| k.settings().map_err(Failure::from),
        |state, settings| apply(state, settings, false),
    );
}

/// Saves a change and shows the settings that result.
fn save(
    state: &Screens,
    change: impl FnOnce(&mut Kiosk) -> Result<Settings, KioskError> + Send + 'static,
) {
    ask(
        state,
        move |k| change(k).map_err(Failure::from),
        |state, settings| apply(state, settings, true),
    );
}

/// Applies the settings the worker read or saved: the language and timeout take effect for
/// the next visit; the page shows the values.
pub(super) fn apply(state: &Screens, settings: Result<Settings, Failure>, saved: bool) {
    let settings = match settings {
        Ok(settings) => settings,
        Err(failure) => {
            state.borrow_mut().settings.outcome =
                (SettingsOutcome::Refused, codes::problem(failure.problem));
            refresh(state);
            return;
        }
    };
    if !saved && state.borrow().settings.loaded {
        // A periodic reading: the time and the uploads move, the rest is the organiser's.
        {
            let mut s = state.borrow_mut();
            s.settings.now = settings.now;
            s.settings.synced = settings.clock_synced;
            s.settings.confirmed = settings.clock_confirmed;
            s.settings.uploads = settings
                .exports
                .iter()
                .map(|e| (e.file_name.clone(), e.upload, e.test))
                .collect();
        }
        refresh(state);
        return;
    }
    let on_page = current_page(state) == Some(Page::Settings);
    let on_idle = current_page(state) == Some(Page::Idle);
    let switch = {
        let mut s = state.borrow_mut();
        match settings.default_lang.as_deref() {
            Some("en") => s.default_lang = Lang::En,
            Some("fr") => s.default_lang = Lang::Fr,
            _ => {}
        }
        if let Some(secs) = settings.voter_timeout_secs {
            s.voter_timeout = Duration::from_secs(secs);
        }
        let default_lang = s.default_lang;
        let previous = std::mem::take(&mut s.settings);
        s.settings = SettingsState {
            default_lang,
            timeout: s.voter_timeout.as_secs(),
            registry_url: settings.registry_url.clone().unwrap_or_default(),
            registry_key: settings.registry_key,
            now: settings.now,
            offset: settings.clock_offset,
            synced: settings.clock_synced,
            confirmed: settings.clock_confirmed,
            adjust: 0,
            typing_url: false,
            loaded: on_page,
            uploads: settings
                .exports
                .iter()
                .map(|e| (e.file_name.clone(), e.upload, e.test))
                .collect(),
            // A reading (the page just shown) must not swallow the answer to a change on its
            // way.
            pending: if saved {
                SettingsOutcome::None
            } else {
                previous.pending
            },
            outcome: if saved {
                (previous.pending, Problem::None)
            } else {
                Default::default()
            },
        };
        (s.lang != default_lang && on_idle).then_some(default_lang)
    };
    if let Some(lang) = switch {
        state.borrow_mut().lang = lang;
        with_window(state, |w| set_language(w, lang));
    }
    refresh(state);
}
