//! The fake lead: a lead kiosk in the same process, asked directly with the member's device
//! key, keeping answers by request id as the real server does. The view's tests use it; the
//! contract tests hold it to what the real lead does over TLS.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use urne_codec::hall::{AnswerBody, RefusalCode, RequestBody, RequestId};
use urne_core::crypto::Fingerprint;

use crate::kiosk::Kiosk;
use crate::kiosk::hall::{HallReply, PAIRING_LAPSE_SECS};
use crate::remote::{Lead, LeadError};

/// A lead kiosk asked in-process by the member kiosk `device`.
#[derive(Debug)]
pub struct LocalLead {
    kiosk: Arc<Mutex<Kiosk>>,
    device: Fingerprint,
    reachable: AtomicBool,
    /// The next answer is lost on its way back, after the lead applied the request.
    lose_answer: AtomicBool,
    answers: Mutex<HashMap<RequestId, AnswerBody>>,
    /// How many times the member asked, answered or not: each is a wait for its voter.
    asked: AtomicUsize,
}

impl LocalLead {
    /// The lead `kiosk`, asked by the kiosk whose device key has fingerprint `device`.
    pub fn new(kiosk: Arc<Mutex<Kiosk>>, device: Fingerprint) -> Self {
        Self {
            kiosk,
            device,
            reachable: AtomicBool::new(true),
            lose_answer: AtomicBool::new(false),
            answers: Mutex::default(),
            asked: AtomicUsize::new(0),
        }
    }

    /// Cuts the hall's network off (or restores it): asked meanwhile, the lead is unreachable.
    pub fn set_reachable(&self, reachable: bool) {
        self.reachable.store(reachable, Ordering::SeqCst);
    }

    /// Loses the next answer after the lead applied its request, as a network cut between the
    /// lead's commit and its answer does: the kiosk sees no answer.
    pub fn lose_next_answer(&self) {
        self.lose_answer.store(true, Ordering::SeqCst);
    }

    /// How many requests the member sent, answered or not.
    pub fn asked(&self) -> usize {
        self.asked.load(Ordering::SeqCst)
    }

    fn lead(&self) -> std::sync::MutexGuard<'_, Kiosk> {
        self.kiosk.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Lead for LocalLead {
    fn ask(&self, id: RequestId, request: RequestBody) -> Result<AnswerBody, LeadError> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        if !self.reachable.load(Ordering::SeqCst) {
            return Err(LeadError::Unreachable);
        }
        if !self.lead().hall_admits(&self.device) {
            return Err(LeadError::NotAdmitted);
        }
        let mut answers = self.answers.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(answer) = answers.get(&id) {
            return Ok(answer.clone());
        }
        let reply = self.lead().hall_answer(&self.device, request);
        let answer = match reply {
            HallReply::Answer(answer) => answer,
            HallReply::AwaitOrganiser => {
                let give_up = Instant::now() + Duration::from_secs(PAIRING_LAPSE_SECS as u64 + 5);
                loop {
                    if let Some(answer) = self.lead().pairing_outcome(&self.device) {
                        break answer;
                    }
                    if Instant::now() > give_up {
                        break AnswerBody::Refused {
                            code: RefusalCode::TokenExpired,
                            at: None,
                        };
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        };
        answers.insert(id, answer.clone());
        if self.lose_answer.swap(false, Ordering::SeqCst) {
            return Err(LeadError::Unreachable);
        }
        crate::remote::not_paired_is_not_admitted(answer)
    }
}
