//! The packages page's registry source: asks the worker for the registry's events that have a
//! published package, for the package of the event the organiser picks, and shows that package
//! as a package on the stick is shown (verified, with its organiser key to compare) until the
//! organiser loads it.
//!
//! Each request is numbered: an answer to a request that another one overtook, or that was
//! made on a page since left, is dropped.

use slint::ComponentHandle;
use urne_codec::protocol::EventListing;
use urne_core::crypto::Fingerprint;

use super::packages::{self, offer_view};
use super::{Reply, Screens, Update, codes, grouped, model, submit, with_window};
use crate::fetch::{self, FetchError, Fetched};
use crate::generated::{
    self as ui, AppWindow, PackageSource, PackagesAdapter, Problem, RegistryEventRow,
};
use crate::kiosk::{Failure, Kiosk};
use crate::worker::Outbox;

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

pub(super) fn bind(window: &AppWindow, state: &Screens) {
    let packages = window.global::<PackagesAdapter>();
    let s = state.clone();
    packages.on_choose_package_source(move |source| {
        let registry = match source {
            PackageSource::Usb => false,
            PackageSource::Registry => true,
        };
        s.borrow_mut().registry.showing = registry;
        let untouched = with_adapter(&s, |k| {
            k.set_package_source(source);
            k.get_registry_state() == ui::RegistryState::None
        });
        // The first look at the registry asks it at once; afterwards « Chercher à nouveau »
        // does, so that a list or a downloaded package is not lost by looking at the stick.
        if registry && untouched == Some(true) {
            look_up(&s);
        }
    });
    let s = state.clone();
    packages.on_search_again(move || {
        let showing = s.borrow().registry.showing;
        if showing {
            look_up(&s);
        } else {
            packages::find(&s);
        }
    });
    let s = state.clone();
    packages.on_fetch_package(move |event| fetch(&s, event.to_string()));
    let s = state.clone();
    packages.on_load_fetched_package(move || {
        let fetched = s.borrow().registry.fetched.clone();
        if let Some((bytes, Some(shown))) = fetched {
            packages::load(&s, move |k| {
                k.load_package_from_registry(&bytes, &shown)
                    .map_err(Failure::from)
            });
        }
    });
}

/// Forgets the registry source (the page is opened afresh or left): the stick is shown, and
/// an answer still on its way will be dropped.
pub(super) fn reset(state: &Screens) {
    {
        let mut s = state.borrow_mut();
        let r = &mut s.registry;
        r.showing = false;
        r.request += 1;
        r.events.clear();
        r.fetched = None;
    }
    with_adapter(state, |k| {
        k.set_package_source(PackageSource::Usb);
        k.set_registry_state(ui::RegistryState::None);
        k.set_registry_detail("".into());
        k.set_registry_events(model(Vec::new()));
    });
}

/// A new request: answers to the ones before it are dropped.
fn next_request(state: &Screens) -> u64 {
    let mut s = state.borrow_mut();
    s.registry.request += 1;
    s.registry.fetched = None;
    s.registry.request
}

fn look_up(state: &Screens) {
    let request = next_request(state);
    state.borrow_mut().registry.events.clear();
    with_adapter(state, |k| {
        k.set_package_error(Problem::None);
        k.set_registry_state(ui::RegistryState::Searching);
        k.set_registry_detail("".into());
        k.set_registry_events(model(Vec::new()));
    });
    submit(
        state,
        Box::new(move |kiosk, outbox| look_up_events(kiosk, request, outbox)),
    );
}

fn fetch(state: &Screens, event: String) {
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
        k.set_package_error(Problem::None);
        k.set_registry_state(ui::RegistryState::Downloading);
        k.set_registry_detail("".into());
        k.set_registry_downloading(title.into());
    });
    submit(
        state,
        Box::new(move |kiosk, outbox| fetch_package(kiosk, request, event, outbox)),
    );
}

/// Whether `request` is the one awaited; otherwise its answer is dropped.
fn awaited(state: &Screens, request: u64) -> bool {
    let current = state.borrow().registry.request;
    if request != current {
        tracing::debug!(request, current, "late answer from the registry dropped");
    }
    request == current
}

/// The registry's answer to a request.
struct Answer<T> {
    /// The request answered.
    request: u64,
    /// The registry's address asked (empty when none is set).
    registry: String,
    outcome: Result<T, FetchError>,
}

/// The registry's list of events arrived.
fn events(state: &Screens, answer: Answer<Vec<EventListing>>) {
    let Answer {
        request,
        registry,
        outcome,
    } = answer;
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
                k.set_registry_state(ui::RegistryState::Listed);
            });
        }
        Err(e) => failed(state, registry, &e),
    }
}

/// A package arrived from the registry, checked by the kiosk.
fn package(state: &Screens, answer: Answer<Box<Fetched>>) {
    let Answer {
        request,
        registry,
        outcome,
    } = answer;
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
                k.set_registry_state(ui::RegistryState::Offered);
            });
        }
        Err(e) => failed(state, registry, &e),
    }
}

/// Says why the registry shows nothing, with what the organiser can do about it.
fn failed(state: &Screens, registry: String, error: &FetchError) {
    tracing::info!(error = %error, "the registry gave no package");
    let detail = match error {
        FetchError::NoAddress => String::new(),
        FetchError::Server(status) => format!("HTTP {status}"),
        FetchError::Refused { status, reason } => format!("HTTP {status} : {reason}"),
        FetchError::Unreachable(why) | FetchError::Failed(why) => why.clone(),
        FetchError::NotEnrolled { reason, .. }
        | FetchError::NotAssigned { reason, .. }
        | FetchError::NoPackage(reason) => reason.clone(),
    };
    let device = match error {
        FetchError::NotEnrolled { device, .. } | FetchError::NotAssigned { device, .. } => {
            grouped(device)
        }
        _ => String::new(),
    };
    with_adapter(state, |k| {
        k.set_registry_url(registry.into());
        k.set_registry_device(device.into());
        k.set_registry_detail(detail.into());
        k.set_registry_state(codes::registry_failure(error));
    });
}

fn with_adapter<T>(state: &Screens, f: impl FnOnce(&PackagesAdapter<'_>) -> T) -> Option<T> {
    let mut out = None;
    with_window(state, |w| out = Some(f(&w.global::<PackagesAdapter>())));
    out
}

/// The reply the download thread posts with the package of `request` (tests post a late one).
#[cfg(feature = "testing")]
pub fn package_answer(
    request: u64,
    registry: String,
    outcome: Result<Box<Fetched>, FetchError>,
) -> Reply {
    Reply::News(Update::new(
        package,
        Answer {
            request,
            registry,
            outcome,
        },
    ))
}

/// Posts the registry's answer to `request`: it answers nothing the screen is busy with (the
/// kiosk went on serving voters meanwhile).
fn post<T: Send + 'static>(
    outbox: &Outbox<Reply>,
    then: fn(&Screens, Answer<T>),
    (request, registry, outcome): (u64, String, Result<T, FetchError>),
) {
    let answer = Answer {
        request,
        registry,
        outcome,
    };
    outbox.post(Reply::News(Update::new(then, answer)));
}

/// The registry's address, or why there is none to ask.
fn registry_url(kiosk: &Kiosk) -> Result<String, FetchError> {
    match kiosk.registry_url() {
        Ok(Some(url)) => Ok(url),
        Ok(None) => Err(FetchError::NoAddress),
        Err(e) => Err(FetchError::Failed(e.to_string())),
    }
}

/// On the worker: starts the lookup of the registry's events; its thread replies.
fn look_up_events(kiosk: &mut Kiosk, request: u64, outbox: &Outbox<Reply>) {
    let url = match registry_url(kiosk) {
        Ok(url) => url,
        Err(e) => return post(outbox, events, (request, String::new(), Err(e))),
    };
    let out = outbox.clone();
    let registry = url.clone();
    let started = fetch::look_up_events(url.clone(), move |outcome| {
        post(&out, events, (request, registry, outcome));
    });
    if let Err(e) = started {
        tracing::error!(error = %e, "cannot start the registry lookup");
        post(
            outbox,
            events,
            (request, url, Err(FetchError::Failed(e.to_string()))),
        );
    }
}

/// On the worker: starts the download of an event's package; its thread checks it and replies.
fn fetch_package(kiosk: &mut Kiosk, request: u64, event: String, outbox: &Outbox<Reply>) {
    let url = match registry_url(kiosk) {
        Ok(url) => url,
        Err(e) => return post(outbox, package, (request, String::new(), Err(e))),
    };
    let pinned = match kiosk.pinned_organiser() {
        Ok(pinned) => pinned,
        Err(e) => {
            let failed = Err(FetchError::Failed(e.to_string()));
            return post(outbox, package, (request, url, failed));
        }
    };
    let out = outbox.clone();
    let registry = url.clone();
    let started = fetch::fetch_package(
        url.clone(),
        event,
        kiosk.device_key(),
        pinned,
        move |outcome| post(&out, package, (request, registry, outcome.map(Box::new))),
    );
    if let Err(e) = started {
        tracing::error!(error = %e, "cannot start the registry download");
        post(
            outbox,
            package,
            (request, url, Err(FetchError::Failed(e.to_string()))),
        );
    }
}
