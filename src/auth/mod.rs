//! Authentication: HTTP Basic against argon2id hashes, login resolution per context.
