//! The packages page's registry source: asks the worker for the registry's events that have a
//! published package, for the package of the event the organiser picks, and shows that package
//! as a package on the stick is shown (verified, with its organiser key to compare) until the
//! organiser loads it.
//!
//! Each request is numbered: an answer to a request that another one overtook, or that was
//! made on a page since left, is dropped.

use std::cell::RefCell;
use std::rc::Rc;

use slint::ComponentHandle;
use urne_codec::protocol::EventListing;
use urne_core::crypto::Fingerprint;

use super::{State, find_packages, grouped, model, offer_view, send, with_window};
use crate::fetch::{FetchError, Fetched};
use crate::generated::{AppWindow, KioskAdapter, RegistryEventRow};
use crate::worker::Command;

/// What the registry source holds.
#[derive(Debug, Default)]
pub(super) struct RegistryState {
    /// Whether the packages page shows the registry rather than the stick.
    showing: bool,
    /// The number of the request whose answer is awaited.
    request: u64,
    /// The events last listed.
    events: Vec<EventListing>,
    /// The package downloaded, and the organiser key it was shown with (none when the kiosk's
    /// checks refused it: it cannot be loaded).
    fetched: Option<(Vec<u8>, Option<Fingerprint>)>,
}

pub(super) fn bind(window: &AppWindow, state: &Rc<RefCell<State>>) {
    let kiosk = window.global::<KioskAdapter>();
    let s = state.clone();
    kiosk.on_choose_package_source(move |source| {
        let registry = source == "registry";
        s.borrow_mut().registry.showing = registry;
        let untouched = with_adapter(&s, |k| {
            k.set_package_source(if registry { "registry" } else { "usb" }.into());
            k.get_registry_state().is_empty()
        });
        // The first look at the registry asks it at once; afterwards « Chercher à nouveau »
        // does, so that a list or a downloaded package is not lost by looking at the stick.
        if registry && untouched == Some(true) {
            look_up(&s);
        }
    });
    let s = state.clone();
    kiosk.on_search_again(move || {
        let showing = s.borrow().registry.showing;
        if showing {
            look_up(&s);
        } else {
            find_packages(&s);
        }
    });
    let s = state.clone();
    kiosk.on_fetch_package(move |event| fetch(&s, event.to_string()));
    let s = state.clone();
    kiosk.on_load_fetched_package(move || {
        let fetched = s.borrow().registry.fetched.clone();
        if let Some((bytes, Some(shown))) = fetched {
            with_adapter(&s, |k| {
                k.set_busy(true);
                k.set_package_error("".into());
            });
            send(&s, Command::LoadFetchedPackage { bytes, shown });
        }
    });
}

/// Forgets the registry source (the page is opened afresh or left): the stick is shown, and
/// an answer still on its way will be dropped.
pub(super) fn reset(state: &Rc<RefCell<State>>) {
    {
        let mut s = state.borrow_mut();
        let r = &mut s.registry;
        r.showing = false;
        r.request += 1;
        r.events.clear();
        r.fetched = None;
    }
    with_adapter(state, |k| {
        k.set_package_source("usb".into());
        k.set_registry_state("".into());
        k.set_registry_detail("".into());
        k.set_registry_events(model(Vec::new()));
    });
}

/// A new request: answers to the ones before it are dropped.
fn next_request(state: &Rc<RefCell<State>>) -> u64 {
    let mut s = state.borrow_mut();
    s.registry.request += 1;
    s.registry.fetched = None;
    s.registry.request
}

fn look_up(state: &Rc<RefCell<State>>) {
    let request = next_request(state);
    state.borrow_mut().registry.events.clear();
    with_adapter(state, |k| {
        k.set_package_error("".into());
        k.set_registry_state("searching".into());
        k.set_registry_detail("".into());
        k.set_registry_events(model(Vec::new()));
    });
    send(state, Command::RegistryEvents { request });
}

fn fetch(state: &Rc<RefCell<State>>, event: String) {
    let title = state
        .borrow()
        .registry
        .events
        .iter()
        .find(|e| e.id == event)
        .map(|e| {
            if e.title.is_empty() {
                e.id.clone()
            } else {
                e.title.clone()
            }
        })
        .unwrap_or_else(|| event.clone());
    let request = next_request(state);
    with_adapter(state, |k| {
        k.set_package_error("".into());
        k.set_registry_state("downloading".into());
        k.set_registry_detail("".into());
        k.set_registry_downloading(title.into());
    });
    send(state, Command::FetchPackage { request, event });
}

/// Whether `request` is the one awaited; otherwise its answer is dropped.
fn awaited(state: &Rc<RefCell<State>>, request: u64) -> bool {
    let current = state.borrow().registry.request;
    if request != current {
        tracing::debug!(request, current, "late answer from the registry dropped");
    }
    request == current
}

/// The registry's list of events arrived.
pub(super) fn events(
    state: &Rc<RefCell<State>>,
    request: u64,
    registry: String,
    outcome: Result<Vec<EventListing>, FetchError>,
) {
    if !awaited(state, request) {
        return;
    }
    match outcome {
        Ok(events) => {
            let rows: Vec<RegistryEventRow> = events
                .iter()
                .map(|e| RegistryEventRow {
                    id: e.id.clone().into(),
                    title: e.title.clone().into(),
                    place: e.place.clone().into(),
                    date: e.date.clone().into(),
                })
                .collect();
            state.borrow_mut().registry.events = events;
            with_adapter(state, |k| {
                k.set_registry_url(registry.into());
                k.set_registry_events(model(rows));
                k.set_registry_state("listed".into());
            });
        }
        Err(e) => failed(state, registry, &e),
    }
}

/// A package arrived from the registry, checked by the kiosk.
pub(super) fn package(
    state: &Rc<RefCell<State>>,
    request: u64,
    registry: String,
    outcome: Result<Box<Fetched>, FetchError>,
) {
    if !awaited(state, request) {
        return;
    }
    match outcome {
        Ok(fetched) => {
            let Fetched {
                event,
                bytes,
                outcome,
            } = *fetched;
            let shown = outcome.as_ref().ok().map(|info| info.organiser);
            let offer = offer_view(&event, &outcome);
            state.borrow_mut().registry.fetched = Some((bytes, shown));
            with_adapter(state, |k| {
                k.set_registry_url(registry.into());
                k.set_registry_offer(offer);
                k.set_registry_state("offered".into());
            });
        }
        Err(e) => failed(state, registry, &e),
    }
}

/// Says why the registry shows nothing, with what the organiser can do about it.
fn failed(state: &Rc<RefCell<State>>, registry: String, error: &FetchError) {
    tracing::info!(error = %error, "the registry gave no package");
    let detail = match error {
        FetchError::NoAddress => String::new(),
        FetchError::Server(status) => format!("HTTP {status}"),
        FetchError::Refused { status, reason } => format!("HTTP {status} : {reason}"),
        FetchError::Unreachable(why) | FetchError::Failed(why) => why.clone(),
        FetchError::NotEnrolled { reason, .. } | FetchError::NoPackage(reason) => reason.clone(),
    };
    let device = match error {
        FetchError::NotEnrolled { device, .. } => grouped(device),
        _ => String::new(),
    };
    with_adapter(state, |k| {
        k.set_registry_url(registry.into());
        k.set_registry_device(device.into());
        k.set_registry_detail(detail.into());
        k.set_registry_state(error.code().into());
    });
}

fn with_adapter<T>(
    state: &Rc<RefCell<State>>,
    f: impl FnOnce(&KioskAdapter<'_>) -> T,
) -> Option<T> {
    let mut out = None;
    with_window(state, |w| out = Some(f(&w.global::<KioskAdapter>())));
    out
}
