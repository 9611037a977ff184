//! Password hashes: argon2id in the PHC string format, verified in working memory that
//! the verifying thread keeps.

use argon2::password_hash::{rand_core::OsRng, Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

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

/// Argon2's working memory (19 MiB for the default parameters), kept by a thread that
/// verifies one password after another. Allocating it for each verification, as the
/// crate's own verifier does, leaves the process with hundreds of MiB: once glibc has
/// seen such a block freed, it serves the next ones from its heap and keeps them.
#[derive(Default)]
pub(super) struct Scratch {
    blocks: Vec<Block>,
}

impl Scratch {
    /// `count` blocks: the kept ones up to the default parameters' size, a temporary
    /// buffer for a hash with a larger memory cost.
    fn blocks(&mut self, count: usize) -> ScratchBlocks<'_> {
        let kept = Params::default().block_count();
        if count > kept {
            return ScratchBlocks::Temporary(vec![Block::default(); count]);
        }
        if self.blocks.len() < count {
            self.blocks.resize(kept, Block::default());
        }
        ScratchBlocks::Kept(&mut self.blocks[..count])
    }
}

enum ScratchBlocks<'a> {
    Kept(&'a mut [Block]),
    Temporary(Vec<Block>),
}

impl AsMut<[Block]> for ScratchBlocks<'_> {
    fn as_mut(&mut self) -> &mut [Block] {
        match self {
            ScratchBlocks::Kept(blocks) => blocks,
            ScratchBlocks::Temporary(blocks) => blocks,
        }
    }
}

/// Whether `password` matches the PHC string `hash`: one full argon2 computation with
/// the hash's algorithm, version and parameters, compared in constant time. It runs
/// only where `PasswordChecks` bounds it.
pub(super) fn verify_with(scratch: &mut Scratch, password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let Ok(version) = parsed
        .version
        .map_or(Ok(Version::default()), Version::try_from)
    else {
        return false;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let mut salt_buffer = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buffer) else {
        return false;
    };
    let blocks = scratch.blocks(params.block_count());
    let mut computed = [0u8; Output::MAX_LENGTH];
    let computed = &mut computed[..expected.len()];
    let argon2 = Argon2::new(algorithm, version, params);
    if argon2
        .hash_password_into_with_memory(password.as_bytes(), salt, computed, blocks)
        .is_err()
    {
        return false;
    }
    // `Output` compares in constant time.
    Output::new(computed).is_ok_and(|computed| computed == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verify(password: &str, hash: &str) -> bool {
        verify_with(&mut Scratch::default(), password, hash)
    }

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let hash = hash_password("secret");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify("secret", &hash));
        assert!(!verify("Secret", &hash));
        assert_ne!(hash, hash_password("secret"), "salted");
        assert!(!verify("anything", "not a hash"));
        assert!(!verify("anything", DECOY_HASH));
        assert!(
            !verify("secret", hash.rsplit_once('$').unwrap().0),
            "no hash part"
        );
    }

    #[test]
    fn kept_memory_verifies_hashes_of_any_parameters_one_after_another() {
        use argon2::password_hash::PasswordVerifier;
        // Other algorithms, versions and costs than davgate's own, as a groupware
        // database may hold from older software.
        let salt = SaltString::generate(&mut OsRng);
        let hashes: Vec<String> = [
            Argon2::default(),
            Argon2::new(
                Algorithm::Argon2i,
                Version::V0x10,
                Params::new(256, 3, 1, Some(16)).unwrap(),
            ),
            Argon2::new(
                Algorithm::Argon2d,
                Version::V0x13,
                Params::new(32 * 1024, 1, 2, None).unwrap(),
            ),
        ]
        .iter()
        .map(|argon2| argon2.hash_password(b"secret", &salt).unwrap().to_string())
        .collect();
        let mut scratch = Scratch::default();
        for _ in 0..2 {
            for hash in &hashes {
                let parsed = PasswordHash::new(hash).unwrap();
                assert!(Argon2::default()
                    .verify_password(b"secret", &parsed)
                    .is_ok());
                assert!(verify_with(&mut scratch, "secret", hash), "{hash}");
                assert!(!verify_with(&mut scratch, "secreT", hash), "{hash}");
            }
        }
        assert_eq!(
            scratch.blocks.len(),
            Params::default().block_count(),
            "kept, not grown"
        );
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
