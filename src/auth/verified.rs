//! Remembers recently verified credentials, so a client's every request does not pay for
//! an argon2 verification, and a client at work is not held back by the throttle on
//! failed logins. Keyed by a keyed digest of login and password; the stored hash they
//! matched is kept beside it, so a password change makes old entries fail, with nothing
//! to invalidate.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// How long an entry is kept after its last use: a client that syncs every few minutes
/// stays remembered while it works.
const TTL: Duration = Duration::from_secs(300);
/// Entries held at most (about 100 bytes each); when full, the least recently used
/// eighth is forgotten.
const MAX_ENTRIES: usize = 50_000;

type Digest32 = [u8; 32];

struct Entry {
    /// Digest of the stored hash the password matched.
    hash: Digest32,
    used: Instant,
}

pub struct VerifiedCredentials {
    /// Random per process: the digests mean nothing outside it.
    key: [u8; 32],
    entries: Mutex<HashMap<Digest32, Entry>>,
}

impl Default for VerifiedCredentials {
    fn default() -> Self {
        VerifiedCredentials {
            key: rand::random(),
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl VerifiedCredentials {
    fn digest(&self, parts: &[&str]) -> Digest32 {
        let mut h = Sha256::new();
        h.update(self.key);
        for part in parts {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        h.finalize().into()
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<Digest32, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether this login and password were verified lately, against whatever hash:
    /// answered before the store is asked.
    pub fn knows(&self, login: &str, password: &str) -> bool {
        let key = self.digest(&[login, password]);
        self.entries()
            .get(&key)
            .is_some_and(|entry| entry.used.elapsed() < TTL)
    }

    /// Whether this login and password were verified lately against this stored hash;
    /// a hit keeps the entry for another TTL.
    pub fn contains(&self, login: &str, password: &str, stored_hash: &str) -> bool {
        let key = self.digest(&[login, password]);
        let hash = self.digest(&[stored_hash]);
        let mut entries = self.entries();
        match entries.get_mut(&key) {
            Some(entry) if entry.hash == hash && entry.used.elapsed() < TTL => {
                entry.used = Instant::now();
                true
            }
            _ => false,
        }
    }

    /// Forgets this login and password, whatever they were verified against.
    pub fn forget(&self, login: &str, password: &str) {
        let key = self.digest(&[login, password]);
        self.entries().remove(&key);
    }

    pub fn remember(&self, login: &str, password: &str, stored_hash: &str) {
        let key = self.digest(&[login, password]);
        let hash = self.digest(&[stored_hash]);
        let mut entries = self.entries();
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&key) {
            entries.retain(|_, entry| entry.used.elapsed() < TTL);
            if entries.len() >= MAX_ENTRIES {
                let mut by_use: Vec<(Instant, Digest32)> =
                    entries.iter().map(|(k, e)| (e.used, *k)).collect();
                let cut = MAX_ENTRIES / 8;
                by_use.select_nth_unstable_by_key(cut - 1, |(used, _)| *used);
                for (_, key) in &by_use[..cut] {
                    entries.remove(key);
                }
            }
        }
        let used = Instant::now();
        entries.insert(key, Entry { hash, used });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_bound_to_login_password_and_stored_hash() {
        let cache = VerifiedCredentials::default();
        cache.remember("alice", "pw", "$argon2id$one");
        assert!(cache.contains("alice", "pw", "$argon2id$one"));
        assert!(
            !cache.contains("alice", "pw", "$argon2id$two"),
            "a new password hash"
        );
        assert!(!cache.contains("alice", "pw2", "$argon2id$one"));
        assert!(!cache.contains("bob", "pw", "$argon2id$one"));
        // Length-prefixed parts: shifting characters between fields is another entry.
        assert!(!cache.contains("alicep", "w", "$argon2id$one"));
        assert!(cache.knows("alice", "pw"));
        assert!(!cache.knows("alice", "pw2"));
    }

    #[test]
    fn a_full_cache_forgets_the_least_recently_used() {
        let cache = VerifiedCredentials::default();
        cache.remember("first", "pw", "h");
        for n in 0..MAX_ENTRIES - 1 {
            cache.remember(&format!("user{n}"), "pw", "h");
        }
        // Used again, so it is not among the oldest any more.
        assert!(cache.contains("first", "pw", "h"));
        cache.remember("one more", "pw", "h");
        let len = cache.entries().len();
        assert!(len < MAX_ENTRIES, "room was made: {len}");
        assert!(
            len >= MAX_ENTRIES - MAX_ENTRIES / 8,
            "only an eighth went: {len}"
        );
        assert!(cache.knows("first", "pw"), "in use, kept");
        assert!(cache.knows("one more", "pw"));
        assert!(!cache.knows("user0", "pw"), "the oldest went first");
    }
}
