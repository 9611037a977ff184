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

pub async fn verify_password(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_string(), hash.to_string());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let hash = hash_password("secret");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("secret", &hash).await);
        assert!(!verify_password("Secret", &hash).await);
        assert_ne!(hash, hash_password("secret"), "salted");
        assert!(!verify_password("anything", "not a hash").await);
        assert!(!verify_password("anything", DECOY_HASH).await);
    }
}
