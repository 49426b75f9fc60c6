//! The hall page (salle): on the lead kiosk, its pairing card, the kiosk asking to join with
//! both fingerprints to compare, and the kiosks paired to it (connected or not, last heard,
//! what each delivered, removing one after a confirmation); on a kiosk that joins, the lead's
//! card scanned, the role chosen, and the wait for the lead's organiser — the pairing request
//! runs on a thread of its own, so that the screen stays live.
//!
//! The view owns the lead's service and the member's heartbeat, started at start-up from the
//! kiosk's settings ([`restore`]) or when the organiser leads or joins a hall.

use slint::ComponentHandle;
use urne_codec::hall::pairing::{PAIRING_PREFIX, PairingCard};
use urne_codec::hall::{AnswerBody, HallRole, RefusalCode};
use urne_core::crypto::Fingerprint;
use urne_sync::hall::addresses::hall_addresses;

use super::{
    Reply, Screens, Update, ask, codes, current_page, go_to, local_time, model, with_window,
};
use crate::generated::{HallAdapter, HallKioskRow, HallMode, JoinRefusal, JoinStep, Page, Problem};
use crate::hall::heartbeat::{EVERY, Heartbeat};
use crate::hall::serve::{LeadKeys, LeadService};
use crate::kiosk::link::{HallSetting, HallView, JoinRequest};
use crate::kiosk::{Failure, Kiosk};
use crate::remote::LeadError;
use crate::remote::client::RemoteLead;
use crate::worker::{Job, Outbox};

/// What the hall page holds between taps.
#[derive(Debug, Default)]
pub(super) struct HallState {
    service: Option<LeadService>,
    heartbeat: Option<Heartbeat>,
    /// The lead's card scanned on a kiosk that joins, before its role is chosen.
    scanned: Option<PairingCard>,
    /// The fingerprints of the paired kiosks, in the order of the page's rows.
    rows: Vec<Fingerprint>,
    /// The kiosk whose removal waits for the organiser's confirmation.
    removing: Option<Fingerprint>,
    /// The voting kiosk whose vote under way waits for the organiser's confirmation to be
    /// released.
    releasing: Option<Fingerprint>,
    /// The port a hall is served on when this kiosk becomes its lead.
    port: u16,
}

impl HallState {
    pub(super) fn set_port(&mut self, port: u16) {
        self.port = port;
    }
}

/// A fingerprint as two people compare it aloud: its first 16 digits in groups of four.
fn spoken(fingerprint: &Fingerprint) -> String {
    let hex = fingerprint.to_hex();
    hex.as_bytes()
        .chunks(4)
        .take(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn adapter<T>(state: &Screens, f: impl FnOnce(&HallAdapter<'_>) -> T) -> Option<T> {
    let mut out = None;
    with_window(state, |w| out = Some(f(&w.global::<HallAdapter>())));
    out
}

/// At start-up: a lead serves its hall again, a member keeps itself heard by its lead.
pub(super) fn restore(state: &Screens) {
    ask(
        state,
        |k| {
            let keys = k.hall_identity().map(|identity| LeadKeys {
                identity,
                gate: k.hall_gate(),
            });
            (k.hall_setting(), keys, k.hall_link())
        },
        restored,
    );
}

type Restored = (
    Result<HallSetting, crate::kiosk::KioskError>,
    Result<LeadKeys, urne_sync::hall::tls::TlsSetupError>,
    Result<Option<RemoteLead>, crate::kiosk::KioskError>,
);

fn restored(state: &Screens, (setting, identity, link): Restored) {
    match (setting, identity) {
        (Ok(HallSetting::Lead { port }), Ok(keys)) => serve(state, &keys, port),
        (Ok(HallSetting::Member { .. }), _) => {
            if let Ok(Some(link)) = link {
                beat(state, link);
            }
        }
        (Ok(HallSetting::Alone), _) => {}
        (Err(error), _) => tracing::warn!(%error, "hall: the setting could not be read"),
        (Ok(HallSetting::Lead { .. }), Err(error)) => {
            tracing::error!(%error, "hall: the device key cannot serve the hall");
        }
    }
}

fn serve(state: &Screens, keys: &LeadKeys, port: u16) {
    if state.borrow().hall.service.is_some() {
        return;
    }
    let jobs = state.borrow().jobs.clone();
    match LeadService::everywhere(jobs, keys, port) {
        Ok(service) => {
            // The address a projector's browser opens: this kiosk's first on the hall's network.
            let url = service
                .screen_address()
                .and_then(|screen| hall_addresses(screen.port()).first().copied())
                .map(|a| format!("http://{a}/"))
                .unwrap_or_default();
            adapter(state, |a| a.set_screen_url(url.into()));
            state.borrow_mut().hall.service = Some(service);
        }
        Err(error) => {
            tracing::error!(%error, port, "hall: cannot serve the hall");
            adapter(state, |a| a.set_problem(Problem::HallUnreachable));
        }
    }
}

fn beat(state: &Screens, link: RemoteLead) {
    let jobs = state.borrow().jobs.clone();
    match Heartbeat::spawn(Box::new(link), jobs, EVERY) {
        Ok(heartbeat) => state.borrow_mut().hall.heartbeat = Some(heartbeat),
        Err(error) => tracing::warn!(%error, "hall: the heartbeat could not start"),
    }
}

/// Shows the hall page.
pub(super) fn show(state: &Screens) {
    adapter(state, |a| a.set_problem(Problem::None));
    refresh(state);
    go_to(state, Page::Hall);
}

/// Reads the hall again (the page's timer, and after each action).
pub(super) fn refresh(state: &Screens) {
    ask(state, |k| k.hall_view().map_err(Failure::from), shown);
}

fn shown(state: &Screens, view: Result<HallView, Failure>) {
    let view = match view {
        Ok(view) => view,
        Err(failure) => {
            adapter(state, |a| a.set_problem(codes::problem(failure.problem)));
            return;
        }
    };
    let mode = match &view.setting {
        HallSetting::Alone => HallMode::Alone,
        HallSetting::Lead { .. } => HallMode::Lead,
        HallSetting::Member {
            role: HallRole::Door,
            ..
        } => HallMode::Door,
        HallSetting::Member {
            role: HallRole::Voting,
            ..
        } => HallMode::Voting,
    };
    let rows: Vec<HallKioskRow> = view
        .kiosks
        .iter()
        .map(|k| HallKioskRow {
            fingerprint: spoken(&k.device).into(),
            voting: k.role == crate::store::KioskRole::Voting,
            connected: k.connected,
            last_heard: k
                .last_heard
                .map(|t| local_time(t.0))
                .unwrap_or_default()
                .into(),
            delivered: super::as_int(k.delivered),
            visits: i32::try_from(k.visits).unwrap_or(i32::MAX),
            removed: k.removed,
        })
        .collect();
    state.borrow_mut().hall.rows = view.kiosks.iter().map(|k| k.device).collect();
    let removing = state
        .borrow()
        .hall
        .removing
        .map(|f| spoken(&f))
        .unwrap_or_default();
    let releasing = state
        .borrow()
        .hall
        .releasing
        .map(|f| spoken(&f))
        .unwrap_or_default();
    adapter(state, |a| {
        a.set_fingerprint(spoken(&view.device).into());
        a.set_mode(mode);
        a.set_kiosks(model(rows));
        a.set_removing(removing.into());
        a.set_releasing(releasing.into());
        match view.pending {
            Some((device, role)) => {
                a.set_pending(spoken(&device).into());
                a.set_pending_voting(role == HallRole::Voting);
            }
            None => a.set_pending("".into()),
        }
        if let HallSetting::Member { card, .. } = &view.setting {
            a.set_lead_fingerprint(spoken(&card.lead).into());
        }
    });
}

/// « Accueillir des kiosques »: this kiosk leads a hall, serves it and shows a card.
fn lead(state: &Screens) {
    let port = state.borrow().hall.port;
    ask(
        state,
        move |k| lead_here(k, port).map_err(Failure::from),
        led,
    );
}

fn lead_here(kiosk: &mut Kiosk, port: u16) -> Result<(LeadKeys, u16), crate::kiosk::KioskError> {
    kiosk.lead_hall(port)?;
    let identity = kiosk.hall_identity().map_err(|e| {
        crate::kiosk::KioskError::Key(crate::keystore::KeyStoreError::Io(e.to_string()))
    })?;
    let gate = kiosk.hall_gate();
    Ok((LeadKeys { identity, gate }, port))
}

fn led(state: &Screens, keys: Result<(LeadKeys, u16), Failure>) {
    match keys {
        Ok((keys, port)) => {
            serve(state, &keys, port);
            new_card(state);
        }
        Err(failure) => {
            adapter(state, |a| a.set_problem(codes::problem(failure.problem)));
        }
    }
}

/// A new pairing card, with the addresses this kiosk listens on.
fn new_card(state: &Screens) {
    let port = state
        .borrow()
        .hall
        .service
        .as_ref()
        .map(|s| s.address().port());
    let Some(port) = port else {
        adapter(state, |a| a.set_problem(Problem::HallUnreachable));
        return;
    };
    let addresses = hall_addresses(port);
    ask(
        state,
        move |k| k.open_pairing(addresses).map_err(Failure::from),
        card_shown,
    );
}

fn card_shown(state: &Screens, card: Result<PairingCard, Failure>) {
    match card {
        Ok(card) => {
            let text = card.to_text();
            let addresses: Vec<String> = card.addresses.iter().map(ToString::to_string).collect();
            adapter(state, |a| {
                a.set_card_qr(super::qr_image(&text));
                a.set_card(text.into());
                a.set_card_until(local_time(card.expires.0).into());
                a.set_addresses(addresses.join(", ").into());
                a.set_problem(Problem::None);
            });
            refresh(state);
        }
        Err(failure) => {
            adapter(state, |a| a.set_problem(codes::problem(failure.problem)));
        }
    }
}

fn decided(state: &Screens, outcome: Result<(), Failure>) {
    // The card is spent either way.
    adapter(state, |a| {
        a.set_card("".into());
        a.set_problem(
            outcome
                .err()
                .map_or(Problem::None, |f| codes::problem(f.problem)),
        );
    });
    refresh(state);
}

/// The paired kiosk of the page's row whose fingerprint reads `shown`.
fn row_device(state: &Screens, shown: &str) -> Option<Fingerprint> {
    state
        .borrow()
        .hall
        .rows
        .iter()
        .copied()
        .find(|f| spoken(f) == shown)
}

/// After a removal or a release: the page again, or why it failed.
fn removed(state: &Screens, outcome: Result<bool, Failure>) {
    state.borrow_mut().hall.removing = None;
    state.borrow_mut().hall.releasing = None;
    if let Err(failure) = outcome {
        adapter(state, |a| a.set_problem(codes::problem(failure.problem)));
    }
    refresh(state);
}

/// Whether a scanned text is a lead's pairing card for this page.
pub(super) fn takes_card(state: &Screens) -> bool {
    current_page(state) == Some(Page::Hall)
}

/// A lead's pairing card scanned on the hall page: its fingerprint to compare, then the role.
pub(super) fn card(state: &Screens, payload: &str) {
    let parsed = PairingCard::parse(payload);
    adapter(state, |a| match &parsed {
        Some(card) => {
            a.set_lead_fingerprint(spoken(&card.lead).into());
            a.set_join_step(JoinStep::Card);
            a.set_problem(Problem::None);
        }
        None => {
            a.set_join_step(JoinStep::Refused);
            a.set_join_refusal(JoinRefusal::BadToken);
        }
    });
    state.borrow_mut().hall.scanned = parsed;
}

/// The role chosen: the pairing request goes out on a thread, and waits for the lead's
/// organiser.
fn join(state: &Screens, voting: bool) {
    let Some(card) = state.borrow_mut().hall.scanned.take() else {
        return;
    };
    let role = if voting {
        HallRole::Voting
    } else {
        HallRole::Door
    };
    adapter(state, |a| a.set_join_step(JoinStep::Waiting));
    let job: Job<Reply> = Box::new(move |kiosk: &mut Kiosk, outbox: &Outbox<Reply>| {
        let request = match kiosk.join_request(card, role) {
            Ok(request) => request,
            Err(error) => {
                outbox.post(Reply::News(Update::new(join_refused, Failure::from(error))));
                return;
            }
        };
        let outbox = outbox.clone();
        let spawned = std::thread::Builder::new()
            .name("hall-pairing".into())
            .spawn(move || {
                let paired = request.pair();
                outbox.post(Reply::News(Update::new(paired_answer, (request, paired))));
            });
        if let Err(error) = spawned {
            tracing::error!(%error, "hall: the pairing request could not start");
        }
    });
    super::submit(state, job);
}

fn join_refused(state: &Screens, failure: Failure) {
    adapter(state, |a| {
        a.set_join_step(JoinStep::None);
        a.set_problem(codes::problem(failure.problem));
    });
}

type Paired = (JoinRequest, Result<(RemoteLead, AnswerBody), LeadError>);

fn paired_answer(state: &Screens, (request, paired): Paired) {
    let refusal = match paired {
        Ok((link, AnswerBody::Paired { .. })) => {
            ask(
                state,
                move |k| {
                    k.joined(&request, Box::new(link))
                        .and_then(|()| k.hall_link())
                        .map_err(Failure::from)
                },
                joined,
            );
            return;
        }
        Ok((_, AnswerBody::Refused { code, .. })) => match code {
            RefusalCode::PairingRejected => JoinRefusal::Rejected,
            RefusalCode::TokenExpired => JoinRefusal::Expired,
            RefusalCode::BadToken => JoinRefusal::BadToken,
            RefusalCode::WrongPackage => JoinRefusal::WrongPackage,
            RefusalCode::Version
            | RefusalCode::Malformed
            | RefusalCode::NotPaired
            | RefusalCode::WrongDevice
            | RefusalCode::WrongRole
            | RefusalCode::Badge
            | RefusalCode::NotOnRoster
            | RefusalCode::NoClaim
            | RefusalCode::PollNotOpen
            | RefusalCode::AlreadyVoted
            | RefusalCode::NoProxy
            | RefusalCode::NotDue
            | RefusalCode::Storage => JoinRefusal::Other,
        },
        Ok(_) => JoinRefusal::Other,
        Err(LeadError::Unreachable) => JoinRefusal::Unreachable,
        Err(LeadError::WrongLead) => JoinRefusal::WrongLead,
        Err(LeadError::NotAdmitted | LeadError::Setup(_)) => JoinRefusal::Other,
    };
    adapter(state, |a| {
        a.set_join_step(JoinStep::Refused);
        a.set_join_refusal(refusal);
    });
}

fn joined(state: &Screens, outcome: Result<Option<RemoteLead>, Failure>) {
    match outcome {
        Ok(link) => {
            if let Some(link) = link {
                beat(state, link);
            }
            adapter(state, |a| a.set_join_step(JoinStep::Joined));
        }
        Err(failure) => join_refused(state, failure),
    }
    refresh(state);
}

fn left(state: &Screens, outcome: Result<(), Failure>) {
    state.borrow_mut().hall.heartbeat = None;
    adapter(state, |a| {
        a.set_join_step(JoinStep::None);
        a.set_problem(
            outcome
                .err()
                .map_or(Problem::None, |f| codes::problem(f.problem)),
        );
    });
    refresh(state);
}

/// Wires the hall page.
pub(super) fn bind(window: &crate::generated::AppWindow, state: &Screens) {
    let a = window.global::<HallAdapter>();
    let s = state.clone();
    a.on_show(move || show(&s));
    let s = state.clone();
    a.on_back(move || {
        super::back_to_settings(&s, crate::generated::SettingsOutcome::None);
    });
    let s = state.clone();
    a.on_lead(move || lead(&s));
    let s = state.clone();
    a.on_new_card(move || new_card(&s));
    let s = state.clone();
    a.on_confirm_pairing(move || {
        ask(
            &s,
            |k| k.decide_pairing(true).map_err(Failure::from),
            decided,
        );
    });
    let s = state.clone();
    a.on_refuse_pairing(move || {
        ask(
            &s,
            |k| k.decide_pairing(false).map_err(Failure::from),
            decided,
        );
    });
    let s = state.clone();
    a.on_ask_remove(move |shown| {
        let device = row_device(&s, &shown);
        s.borrow_mut().hall.removing = device;
        adapter(&s, |a| a.set_removing(shown));
    });
    let s = state.clone();
    a.on_release_visits(move |shown| {
        let device = row_device(&s, &shown);
        s.borrow_mut().hall.releasing = device;
        adapter(&s, |a| a.set_releasing(shown));
    });
    let s = state.clone();
    a.on_confirm_release(move || {
        let Some(device) = s.borrow().hall.releasing else {
            return;
        };
        ask(
            &s,
            move |k| {
                k.release_visits(&device)
                    .map(|_| true)
                    .map_err(Failure::from)
            },
            removed,
        );
    });
    let s = state.clone();
    a.on_keep_kiosk(move || {
        s.borrow_mut().hall.removing = None;
        s.borrow_mut().hall.releasing = None;
        adapter(&s, |a| {
            a.set_removing("".into());
            a.set_releasing("".into());
        });
    });
    let s = state.clone();
    a.on_confirm_remove(move || {
        let Some(device) = s.borrow().hall.removing else {
            return;
        };
        ask(
            &s,
            move |k| k.remove_kiosk(&device).map_err(Failure::from),
            removed,
        );
    });
    let s = state.clone();
    a.on_join(move |voting| join(&s, voting));
    let s = state.clone();
    a.on_cancel_join(move || {
        s.borrow_mut().hall.scanned = None;
        adapter(&s, |a| a.set_join_step(JoinStep::None));
    });
    let s = state.clone();
    a.on_leave(move || {
        ask(&s, |k| k.leave_hall().map_err(Failure::from), left);
    });
}

/// Whether a scanned text is a pairing card at all (it is ignored anywhere but the hall page).
pub(super) fn is_card(payload: &str) -> bool {
    payload.trim().starts_with(PAIRING_PREFIX)
}
