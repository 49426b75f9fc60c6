//! The real lead: urne-sync's hall client over pinned mutual TLS, driven from the kiosk's
//! threads on a small runtime of its own.

use core::net::SocketAddr;
use std::time::Duration;

use urne_codec::hall::{AnswerBody, RequestBody, RequestId};
use urne_core::crypto::{Fingerprint, SecretKey};
use urne_sync::hall::client::{ClientPolicy, HallClient, HallError};
use urne_sync::hall::tls::TlsIdentity;

use super::{Lead, LeadError};

/// The lead reached over the hall's network.
pub struct RemoteLead {
    runtime: tokio::runtime::Runtime,
    client: HallClient,
    deadline: Duration,
}

impl std::fmt::Debug for RemoteLead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteLead")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl RemoteLead {
    /// The lead with fingerprint `lead` at `addresses` (its pairing card's), asked with this
    /// kiosk's device key; each request is tried until `deadline`.
    pub fn new(
        device: &SecretKey,
        lead: Fingerprint,
        addresses: Vec<SocketAddr>,
        deadline: Duration,
    ) -> Result<Self, LeadError> {
        let setup = |e: &dyn std::fmt::Display| LeadError::Setup(e.to_string());
        let identity = TlsIdentity::from_device_key(device).map_err(|e| setup(&e))?;
        let client = HallClient::new(&identity, lead, addresses, ClientPolicy::default())
            .map_err(|e| setup(&e))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("hall-client")
            .enable_all()
            .build()
            .map_err(|e| setup(&e))?;
        Ok(Self {
            runtime,
            client,
            deadline,
        })
    }
}

impl Lead for RemoteLead {
    fn ask(&self, id: RequestId, request: RequestBody) -> Result<AnswerBody, LeadError> {
        let asked = self.client.request(id, request, self.deadline);
        let answer = self.runtime.block_on(asked).map_err(|e| match e {
            HallError::Unreachable { .. } => LeadError::Unreachable,
            HallError::WrongLead => LeadError::WrongLead,
            HallError::NotAdmitted => LeadError::NotAdmitted,
        })?;
        super::not_paired_is_not_admitted(answer)
    }
}
