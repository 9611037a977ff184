//! Where failed and successful logins are counted for throttling: the `AttemptStore`
//! interface, and `LocalAttempts`, its per-process implementation with bounded memory.
//! A shared backend (Redis) implements the same interface to count across replicas.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use sha2::{Digest, Sha256};

/// What a count is kept for. Logins arrive normalised (`LoginThrottle` does it), addresses
/// as the prefix that stands for one client.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AttemptKey {
    Login(String),
    Address(IpAddr),
    LoginAtAddress(String, IpAddr),
}

impl AttemptKey {
    /// Feeds the key into `hasher`, each part tagged and length-prefixed so no two keys
    /// feed the same bytes.
    pub fn hash_into(&self, hasher: &mut Sha256) {
        let mut part = |kind: u8, text: &[u8]| {
            hasher.update([kind]);
            hasher.update((text.len() as u64).to_be_bytes());
            hasher.update(text);
        };
        match self {
            AttemptKey::Login(login) => part(b'l', login.as_bytes()),
            AttemptKey::Address(address) => part(b'a', address.to_string().as_bytes()),
            AttemptKey::LoginAtAddress(login, address) => {
                part(b'l', login.as_bytes());
                part(b'a', address.to_string().as_bytes());
            }
        }
    }
}

/// The failures counted against a key in its current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub failures: u32,
    /// Until the window closes and the count starts again at zero.
    pub remaining: Duration,
}

#[derive(Debug, thiserror::Error)]
#[error("login attempt store: {0}")]
pub struct AttemptStoreError(pub String);

/// Counts login failures per key in fixed windows (a key's window opens with its first
/// failure), and remembers successful logins for a while. A Redis backend maps
/// `add_failures` to INCR with an expiry set on the first increment, and `failures` to
/// MGET with the keys' TTLs.
#[async_trait]
pub trait AttemptStore: Send + Sync {
    /// The current window of each key, in the order given; None where none is open.
    async fn failures(&self, keys: &[AttemptKey])
        -> Result<Vec<Option<Window>>, AttemptStoreError>;

    /// Counts one failure against each key; a key without an open window gets one of
    /// length `window`.
    async fn add_failures(
        &self,
        keys: &[AttemptKey],
        window: Duration,
    ) -> Result<(), AttemptStoreError>;

    /// Remembers for `ttl` that `key` logged in successfully.
    async fn add_success(&self, key: &AttemptKey, ttl: Duration) -> Result<(), AttemptStoreError>;

    /// Whether `key` logged in successfully within the ttl given then.
    async fn succeeded(&self, key: &AttemptKey) -> Result<bool, AttemptStoreError>;
}

/// A digest of a key: fixed size whatever a client sends as its login.
type KeyDigest = [u8; 16];

/// The per-process `AttemptStore`: at most `max_keys` failure counts and as many
/// remembered successes. When full, expired entries go first; then failure counts with
/// the fewest failures (a spray of one-off logins cannot push out a count about to
/// block), and successes that expire soonest.
pub struct LocalAttempts {
    /// Random per process: the digests mean nothing outside it.
    salt: [u8; 32],
    max_keys: usize,
    maps: Mutex<Maps>,
}

#[derive(Default)]
struct Maps {
    failures: HashMap<KeyDigest, (u32, Instant)>,
    successes: HashMap<KeyDigest, Instant>,
}

impl LocalAttempts {
    pub fn new(max_keys: usize) -> Self {
        LocalAttempts {
            salt: rand::random(),
            max_keys: max_keys.max(1),
            maps: Mutex::new(Maps::default()),
        }
    }

    fn digest(&self, key: &AttemptKey) -> KeyDigest {
        let mut h = Sha256::new();
        h.update(self.salt);
        key.hash_into(&mut h);
        let full: [u8; 32] = h.finalize().into();
        full[..16].try_into().expect("16 of 32 bytes")
    }

    fn maps(&self) -> std::sync::MutexGuard<'_, Maps> {
        self.maps.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many failure counts and successes are held (for tests of the bound).
    pub fn len(&self) -> (usize, usize) {
        let maps = self.maps();
        (maps.failures.len(), maps.successes.len())
    }
}

/// Room for at least one more entry in a full map: expired entries first, then an
/// eighth of the map, those `rank` orders first, so the work is paid once per many
/// insertions.
fn make_room<V, R: Ord + Copy>(
    map: &mut HashMap<KeyDigest, V>,
    max: usize,
    expired: impl Fn(&V) -> bool,
    rank: impl Fn(&V) -> R,
) {
    if map.len() < max {
        return;
    }
    map.retain(|_, v| !expired(v));
    if map.len() < max {
        return;
    }
    let mut ranked: Vec<(R, KeyDigest)> = map.iter().map(|(k, v)| (rank(v), *k)).collect();
    let cut = (max / 8).clamp(1, ranked.len());
    ranked.select_nth_unstable_by_key(cut - 1, |(r, _)| *r);
    for (_, key) in &ranked[..cut] {
        map.remove(key);
    }
}

#[async_trait]
impl AttemptStore for LocalAttempts {
    async fn failures(
        &self,
        keys: &[AttemptKey],
    ) -> Result<Vec<Option<Window>>, AttemptStoreError> {
        let now = Instant::now();
        let digests: Vec<KeyDigest> = keys.iter().map(|k| self.digest(k)).collect();
        let maps = self.maps();
        Ok(digests
            .iter()
            .map(|d| {
                maps.failures
                    .get(d)
                    .filter(|(_, ends)| *ends > now)
                    .map(|(failures, ends)| Window {
                        failures: *failures,
                        remaining: *ends - now,
                    })
            })
            .collect())
    }

    async fn add_failures(
        &self,
        keys: &[AttemptKey],
        window: Duration,
    ) -> Result<(), AttemptStoreError> {
        let now = Instant::now();
        let digests: Vec<KeyDigest> = keys.iter().map(|k| self.digest(k)).collect();
        let mut maps = self.maps();
        for digest in digests {
            match maps.failures.get_mut(&digest) {
                Some((failures, ends)) if *ends > now => *failures = failures.saturating_add(1),
                Some(entry) => *entry = (1, now + window),
                None => {
                    make_room(
                        &mut maps.failures,
                        self.max_keys,
                        |(_, ends)| *ends <= now,
                        |(failures, _)| *failures,
                    );
                    maps.failures.insert(digest, (1, now + window));
                }
            }
        }
        Ok(())
    }

    async fn add_success(&self, key: &AttemptKey, ttl: Duration) -> Result<(), AttemptStoreError> {
        let now = Instant::now();
        let digest = self.digest(key);
        let mut maps = self.maps();
        if !maps.successes.contains_key(&digest) {
            make_room(
                &mut maps.successes,
                self.max_keys,
                |ends| *ends <= now,
                |ends| *ends,
            );
        }
        maps.successes.insert(digest, now + ttl);
        Ok(())
    }

    async fn succeeded(&self, key: &AttemptKey) -> Result<bool, AttemptStoreError> {
        let digest = self.digest(key);
        let now = Instant::now();
        Ok(self
            .maps()
            .successes
            .get(&digest)
            .is_some_and(|ends| *ends > now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login(name: &str) -> AttemptKey {
        AttemptKey::Login(name.to_string())
    }

    #[tokio::test]
    async fn failures_count_per_key_within_a_window() {
        let store = LocalAttempts::new(100);
        let window = Duration::from_secs(60);
        let address = AttemptKey::Address("192.0.2.1".parse().unwrap());
        store
            .add_failures(&[login("alice"), address.clone()], window)
            .await
            .unwrap();
        store.add_failures(&[login("alice")], window).await.unwrap();
        let windows = store
            .failures(&[login("alice"), address, login("bob")])
            .await
            .unwrap();
        assert_eq!(windows[0].map(|w| w.failures), Some(2));
        assert_eq!(windows[1].map(|w| w.failures), Some(1));
        assert_eq!(windows[2], None);
        assert!(windows[0].unwrap().remaining <= window);

        // A closed window starts counting again.
        store
            .add_failures(&[login("carol")], Duration::ZERO)
            .await
            .unwrap();
        assert_eq!(store.failures(&[login("carol")]).await.unwrap(), vec![None]);
        store.add_failures(&[login("carol")], window).await.unwrap();
        let carol = store.failures(&[login("carol")]).await.unwrap()[0].unwrap();
        assert_eq!(carol.failures, 1);
    }

    #[tokio::test]
    async fn successes_are_remembered_for_their_ttl() {
        let store = LocalAttempts::new(100);
        let pair = AttemptKey::LoginAtAddress("alice".into(), "192.0.2.1".parse().unwrap());
        assert!(!store.succeeded(&pair).await.unwrap());
        store
            .add_success(&pair, Duration::from_secs(60))
            .await
            .unwrap();
        assert!(store.succeeded(&pair).await.unwrap());
        let elsewhere = AttemptKey::LoginAtAddress("alice".into(), "192.0.2.2".parse().unwrap());
        assert!(!store.succeeded(&elsewhere).await.unwrap());
        store.add_success(&elsewhere, Duration::ZERO).await.unwrap();
        assert!(!store.succeeded(&elsewhere).await.unwrap());
    }

    #[tokio::test]
    async fn a_spray_of_new_keys_stays_bounded_and_spares_high_counts() {
        let store = LocalAttempts::new(64);
        let window = Duration::from_secs(60);
        for _ in 0..9 {
            store.add_failures(&[login("alice")], window).await.unwrap();
        }
        for n in 0..10_000 {
            store
                .add_failures(&[login(&format!("spray{n}"))], window)
                .await
                .unwrap();
            let pair =
                AttemptKey::LoginAtAddress(format!("spray{n}"), "192.0.2.1".parse().unwrap());
            store.add_success(&pair, window).await.unwrap();
        }
        let (failures, successes) = store.len();
        assert!(failures <= 64 && successes <= 64, "{failures}, {successes}");
        let alice = store.failures(&[login("alice")]).await.unwrap()[0];
        assert_eq!(
            alice.map(|w| w.failures),
            Some(9),
            "the count about to block survived"
        );
        let last = AttemptKey::LoginAtAddress("spray9999".into(), "192.0.2.1".parse().unwrap());
        assert!(
            store.succeeded(&last).await.unwrap(),
            "the newest success is kept"
        );
    }

    #[test]
    fn keys_of_any_length_take_the_same_room() {
        let store = LocalAttempts::new(1);
        let long = login(&"x".repeat(100_000));
        assert_eq!(store.digest(&long).len(), store.digest(&login("a")).len());
        // Kinds and parts are told apart.
        let address: IpAddr = "192.0.2.1".parse().unwrap();
        assert_ne!(
            store.digest(&login("192.0.2.1")),
            store.digest(&AttemptKey::Address(address))
        );
        assert_ne!(
            store.digest(&AttemptKey::LoginAtAddress("a".into(), address)),
            store.digest(&login("a"))
        );
    }
}
