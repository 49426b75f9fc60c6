//! The kiosks of a hall talking to their lead kiosk (kiosque principal): what a door or voting
//! kiosk asks ([`Lead`]), answered over pinned TLS by [`client::RemoteLead`]. An adapter below
//! the controller, like the USB target: the in-process fake and the lead's own service, which
//! need the controller, are in `crate::hall`.

pub mod client;

use urne_codec::hall::{AnswerBody, RefusalCode, RequestBody, RequestId};

/// Why a request got no answer from the lead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LeadError {
    /// The lead could not be reached, or did not answer, in time. The request may have been
    /// applied: ask again with the same id.
    #[error("the lead kiosk cannot be reached")]
    Unreachable,
    /// The kiosk at the lead's address has another key: not the paired lead.
    #[error("the kiosk at the lead's address is not the paired lead")]
    WrongLead,
    /// The lead refuses this kiosk's key: not paired, or removed from the hall.
    #[error("the lead kiosk no longer admits this kiosk")]
    NotAdmitted,
    /// This kiosk's TLS identity could not be set up.
    #[error("the hall connection cannot be set up: {0}")]
    Setup(String),
}

/// A member kiosk's lead.
pub trait Lead: Send + Sync {
    /// Sends `request` under `id` and waits for the answer. Asked again under the same id, a
    /// request the lead already applied is answered the same and not applied twice.
    fn ask(&self, id: RequestId, request: RequestBody) -> Result<AnswerBody, LeadError>;
}

/// A lead shared between owners (a kiosk and its tests, or a kiosk and its heartbeat).
impl<L: Lead + ?Sized> Lead for std::sync::Arc<L> {
    fn ask(&self, id: RequestId, request: RequestBody) -> Result<AnswerBody, LeadError> {
        (**self).ask(id, request)
    }
}

/// A new request id: 128 bits from the system's random source.
pub fn new_request_id() -> RequestId {
    let mut bytes = [0u8; 16];
    // The OS random source failing means request ids could repeat: stop loudly.
    getrandom::fill(&mut bytes).expect("the operating system's random source is unavailable");
    RequestId(bytes)
}

/// A lead that answers « not paired » does not admit this kiosk (removed while connected, or
/// asked while a pairing card let it through the handshake): one error, whichever lead.
pub(crate) fn not_paired_is_not_admitted(answer: AnswerBody) -> Result<AnswerBody, LeadError> {
    match answer {
        AnswerBody::Refused {
            code: RefusalCode::NotPaired,
            ..
        } => Err(LeadError::NotAdmitted),
        answer => Ok(answer),
    }
}
