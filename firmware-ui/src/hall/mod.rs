//! The hall's services around the controller: the lead kiosk's service, answering the hall's
//! requests on the kiosk's worker ([`serve::LeadService`]); a member kiosk's [`heartbeat`],
//! which keeps it heard by its lead and sends the door's queue; and the in-process lead
//! ([`local::LocalLead`]), the fake that passes the same contract tests as
//! `crate::remote::client::RemoteLead`. Above `crate::kiosk`, which knows only the `Lead` trait.

pub mod heartbeat;
pub mod local;
pub mod serve;
pub mod wall;
