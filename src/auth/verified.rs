//! Remembers recently verified credentials, so a client's every request does not pay for
//! an argon2 verification. Keyed by a keyed digest of login, password and the stored
//! hash: a password change makes old entries unreachable, with nothing to invalidate.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

const TTL: Duration = Duration::from_secs(300);
const MAX_ENTRIES: usize = 10_000;

pub struct VerifiedCredentials {
    /// Random per process: the digests mean nothing outside it.
    key: [u8; 32],
    entries: Mutex<HashMap<[u8; 32], Instant>>,
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
    fn digest(&self, login: &str, password: &str, stored_hash: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.key);
        for part in [login, password, stored_hash] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        h.finalize().into()
    }

    /// Whether this login and password were verified against this stored hash lately.
    pub fn contains(&self, login: &str, password: &str, stored_hash: &str) -> bool {
        let digest = self.digest(login, password, stored_hash);
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(&digest).is_some_and(|at| at.elapsed() < TTL)
    }

    pub fn remember(&self, login: &str, password: &str, stored_hash: &str) {
        let digest = self.digest(login, password, stored_hash);
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, at| at.elapsed() < TTL);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(digest, Instant::now());
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
    }
}
