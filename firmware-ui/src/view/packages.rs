//! The packages page: the event packages found on the USB stick, each verified and described
//! with its organiser key to compare, loaded on the organiser's tap; the registry is the page's
//! second source ([`super::registry`]).

use slint::ComponentHandle;
use urne_core::crypto::Fingerprint;

use super::{Screens, ask, busy, codes, dashboard, go_idle, go_to, grouped, model, with_window};
use crate::generated::{AppWindow, Offer, PackagesAdapter, Page, Problem};
use crate::kiosk::{Failure, Kiosk, OfferInfo, PackageOffer, PackageProblem};

/// The packages last found on the stick: file, and the organiser key each was shown with.
#[derive(Debug, Default)]
pub(super) struct PackagesState {
    offers: Vec<(String, Option<Fingerprint>)>,
}

/// Looks for packages on the stick; the packages page follows.
pub(super) fn find(state: &Screens) {
    busy(state);
    with_window(state, |w| {
        w.global::<PackagesAdapter>()
            .set_package_error(Problem::None);
    });
    ask(state, |k| k.package_offers().map_err(Failure::from), found);
}

fn found(state: &Screens, offers: Result<Vec<PackageOffer>, Failure>) {
    match offers {
        Ok(offers) => {
            state.borrow_mut().packages.offers = offers
                .iter()
                .map(|o| (o.file.clone(), o.outcome.as_ref().ok().map(|i| i.organiser)))
                .collect();
            with_window(state, |w| {
                let k = w.global::<PackagesAdapter>();
                k.set_offers_searched(true);
                k.set_offers(model(
                    offers
                        .iter()
                        .map(|o| offer_view(&o.file, &o.outcome))
                        .collect(),
                ));
            });
        }
        Err(failure) => with_window(state, |w| {
            let k = w.global::<PackagesAdapter>();
            k.set_offers_searched(true);
            k.set_offers(model(Vec::new()));
            k.set_package_error(codes::problem(failure.problem));
        }),
    }
    go_to(state, Page::Packages);
}

/// Loads a package, from the stick or downloaded, signed by the key the screen showed.
pub(super) fn load(
    state: &Screens,
    job: impl FnOnce(&mut Kiosk) -> Result<(), Failure> + Send + 'static,
) {
    busy(state);
    with_window(state, |w| {
        w.global::<PackagesAdapter>()
            .set_package_error(Problem::None);
    });
    ask(state, job, loaded);
}

fn loaded(state: &Screens, outcome: Result<(), Failure>) {
    match outcome {
        Ok(()) => {
            with_window(state, |w| {
                w.global::<PackagesAdapter>()
                    .set_package_error(Problem::None)
            });
            super::reload_event(state);
            go_idle(state);
        }
        Err(failure) => with_window(state, |w| {
            let k = w.global::<PackagesAdapter>();
            k.set_package_error(codes::problem(failure.problem));
        }),
    }
}

/// A package as the packages page shows it: `name` is its file on the stick, or its event id
/// when it came from the registry.
pub(super) fn offer_view(
    name: &str,
    outcome: &Result<OfferInfo, (PackageProblem, String)>,
) -> Offer {
    match outcome {
        Ok(info) => Offer {
            file: name.into(),
            error: Problem::None,
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
            error: codes::package_problem(*code),
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

/// Wires the packages page's stick source (its opening and its way out are wired by the shell,
/// which also resets the registry source then).
pub(super) fn bind(window: &AppWindow, state: &Screens) {
    let packages = window.global::<PackagesAdapter>();
    let s = state.clone();
    packages.on_load_package(move |file| {
        let shown = s
            .borrow()
            .packages
            .offers
            .iter()
            .find(|(f, _)| f.as_str() == file.as_str())
            .and_then(|(_, fp)| *fp);
        if let Some(shown) = shown {
            let file = file.to_string();
            load(&s, move |k| {
                k.load_package_from_usb(&file, &shown)
                    .map_err(Failure::from)
            });
        }
    });
}

/// Leaves the packages page, back where the organiser came from: the controller knows whether
/// organiser mode is unlocked.
pub(super) fn close(state: &Screens) {
    busy(state);
    ask(
        state,
        |k| k.is_unlocked(),
        |state, unlocked| {
            if unlocked {
                dashboard::back(state);
            } else {
                go_idle(state);
            }
        },
    );
}
