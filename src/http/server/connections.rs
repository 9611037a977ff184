//! The open connections as the limit sees them: how many, which has a request under way,
//! and which has been idle longest, so that a new connection can take its place.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// The open connections, for the limit and for finding the longest idle one.
pub(super) struct Connections {
    max: usize,
    next_id: AtomicU64,
    epoch: Instant,
    open: Mutex<HashMap<u64, Arc<Connection>>>,
}

/// One open connection as the limit sees it.
pub(super) struct Connection {
    id: u64,
    registry: Weak<Connections>,
    epoch: Instant,
    /// Requests under way (HTTP/2 may have several).
    in_flight: AtomicUsize,
    /// When the last request ended (or the connection opened), in ms after `epoch`.
    idle_since_ms: AtomicU64,
    /// Told to close because a new connection needs its place.
    pub(super) evicted: Notify,
}

impl Connections {
    pub(super) fn new(max: usize) -> Self {
        Connections {
            max: max.max(1),
            next_id: AtomicU64::new(0),
            epoch: Instant::now(),
            open: Mutex::new(HashMap::new()),
        }
    }

    /// A place for a new connection: free, or made by closing the connection idle
    /// longest; None when every connection has a request under way.
    pub(super) fn admit(self: &Arc<Self>) -> Option<Arc<Connection>> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.len() >= self.max {
            let idlest = open
                .values()
                .filter(|c| c.in_flight.load(Ordering::Acquire) == 0)
                .min_by_key(|c| c.idle_since_ms.load(Ordering::Acquire))
                .map(|c| c.id)?;
            if let Some(victim) = open.remove(&idlest) {
                victim.evicted.notify_one();
            }
        }
        let connection = Arc::new(Connection {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            registry: Arc::downgrade(self),
            epoch: self.epoch,
            in_flight: AtomicUsize::new(0),
            idle_since_ms: AtomicU64::new(self.epoch.elapsed().as_millis() as u64),
            evicted: Notify::new(),
        });
        open.insert(connection.id, connection.clone());
        Some(connection)
    }

    fn release(&self, id: u64) {
        self.open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }
}

impl Connection {
    /// Gives the connection's place back: it has closed.
    pub(super) fn leave(&self) {
        if let Some(registry) = self.registry.upgrade() {
            registry.release(self.id);
        }
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// How long no request has been under way; zero while one is.
    pub(super) fn idle_for(&self) -> Duration {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return Duration::ZERO;
        }
        let since = self.idle_since_ms.load(Ordering::Acquire);
        Duration::from_millis(self.now_ms().saturating_sub(since))
    }

    /// When to look again whether the connection has been idle for `timeout`.
    pub(super) fn idle_check_in(&self, timeout: Duration) -> Duration {
        timeout
            .saturating_sub(self.idle_for())
            .max(Duration::from_millis(50))
    }
}

/// A request under way on a connection, from its header until its response body has
/// been sent or dropped.
pub(super) struct InFlight(Arc<Connection>);

impl InFlight {
    pub(super) fn start(connection: &Arc<Connection>) -> Self {
        connection.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight(connection.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0
            .idle_since_ms
            .store(self.0.now_ms(), Ordering::Release);
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_registry_closes_the_longest_idle_connection() {
        let connections = Arc::new(Connections::new(2));
        let first = connections.admit().unwrap();
        std::thread::sleep(Duration::from_millis(5));
        let second = connections.admit().unwrap();
        let busy = InFlight::start(&first);
        // `first` has a request under way, so `second` makes room.
        let third = connections.admit().unwrap();
        assert!(connections.open.lock().unwrap().contains_key(&third.id));
        assert!(!connections.open.lock().unwrap().contains_key(&second.id));
        // Now both are busy: no room.
        let _busy_third = InFlight::start(&third);
        assert!(connections.admit().is_none());
        drop(busy);
        assert!(connections.admit().is_some(), "first is idle again");
    }
}
