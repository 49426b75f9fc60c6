//! Connection caps for a server's accept loop, shared by the registry and the hall's lead: at
//! most so many connections at once (the next ones wait in the system's queue, so a flood cannot
//! exhaust file descriptors) and at most so many from one address (more are closed on arrival,
//! before anything is read).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The caps of one server.
#[derive(Debug, Clone)]
pub struct Admission {
    total: Arc<Semaphore>,
    per_address: Arc<PerAddress>,
    per_address_cap: usize,
}

/// The connections open from each address.
#[derive(Debug, Default)]
struct PerAddress(Mutex<HashMap<IpAddr, usize>>);

/// One connection admitted: its place in both caps, given back when dropped.
#[derive(Debug)]
pub struct Ticket {
    _permit: OwnedSemaphorePermit,
    _slot: AddressSlot,
}

/// One connection counted for its address, until dropped.
#[derive(Debug)]
struct AddressSlot {
    table: Arc<PerAddress>,
    ip: IpAddr,
}

impl Admission {
    /// At most `total` connections, and `per_address` from one address (each at least one).
    pub fn new(total: usize, per_address: usize) -> Self {
        Self {
            total: Arc::new(Semaphore::new(total.max(1))),
            per_address: Arc::default(),
            per_address_cap: per_address.max(1),
        }
    }

    /// Waits until a connection may be accepted at all.
    pub async fn room(&self) -> OwnedSemaphorePermit {
        self.total
            .clone()
            .acquire_owned()
            .await
            .expect("the connection semaphore is never closed")
    }

    /// Admits a connection accepted from `ip` with the room waited for, or `None` when that
    /// address holds its share already (the caller closes it).
    pub fn admit(&self, room: OwnedSemaphorePermit, ip: IpAddr) -> Option<Ticket> {
        let mut open = self.per_address.0.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(ip).or_insert(0);
        if *count >= self.per_address_cap {
            return None;
        }
        *count += 1;
        Some(Ticket {
            _permit: room,
            _slot: AddressSlot {
                table: self.per_address.clone(),
                ip,
            },
        })
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut open = self.table.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_address_gets_its_share_and_gets_it_back_when_a_connection_ends() {
        let admission = Admission::new(10, 2);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let first = admission.admit(admission.room().await, a).unwrap();
        let _second = admission.admit(admission.room().await, a).unwrap();
        assert!(admission.admit(admission.room().await, a).is_none());
        assert!(admission.admit(admission.room().await, b).is_some());
        drop(first);
        assert!(admission.admit(admission.room().await, a).is_some());
    }

    #[tokio::test]
    async fn no_room_is_given_beyond_the_total_until_one_is_given_back() {
        let admission = Admission::new(1, 5);
        let held = admission.room().await;
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(50), admission.room());
        assert!(waiting.await.is_err(), "the second connection waits");
        drop(held);
        let _ = admission.room().await;
    }
}
