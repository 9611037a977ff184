//! Password hashes: argon2id in the PHC string format, verified off the async runtime.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

/// A valid hash of a random password, checked when a login is unknown.
pub(super) const DECOY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0GfTJZLn2kN3o0fN8yTqOqkC3m6b3QWcyJwQkVvN6vE";

pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters accepts any password")
        .to_string()
}

/// Whether `password` matches the PHC string `hash`: one full argon2 computation, so it
/// runs only where `PasswordChecks` bounds it.
pub(super) fn verify_blocking(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let hash = hash_password("secret");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_blocking("secret", &hash));
        assert!(!verify_blocking("Secret", &hash));
        assert_ne!(hash, hash_password("secret"), "salted");
        assert!(!verify_blocking("anything", "not a hash"));
        assert!(!verify_blocking("anything", DECOY_HASH));
    }

    #[test]
    fn the_decoy_costs_what_a_real_hash_costs() {
        // An unparsable decoy would answer at once and tell unknown logins apart.
        let decoy = PasswordHash::new(DECOY_HASH).expect("the decoy is a PHC string");
        let real = hash_password("secret");
        let real = PasswordHash::new(&real).unwrap();
        assert_eq!(decoy.algorithm, real.algorithm);
        assert_eq!(decoy.version, real.version);
        assert_eq!(decoy.params, real.params);
        assert_eq!(
            decoy.hash.map(|h| h.len()),
            real.hash.map(|h| h.len()),
            "same output length"
        );
    }
}
