//! The server's identity towards push services (VAPID, RFC 8292): its P-256 key from the
//! configuration, the public key clients restrict their subscriptions to, and the signed
//! token (ES256 JWT) each push request carries. The same key seeds the collections'
//! topics, so they stay stable while the key does and cannot be guessed without it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hkdf::hmac::{Hmac, Mac};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::SecretKey;
use sha2::{Digest, Sha256};

use super::encrypt::{random_secret_key, uncompressed};

/// How long a token is valid; RFC 8292 allows at most 24 hours.
const TOKEN_LIFETIME_SECONDS: i64 = 12 * 3600;

/// Why the configured key cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("davgate.push.vapidPrivateKey: {0}")]
pub struct KeyError(String);

/// The server's VAPID key pair.
#[derive(Clone)]
pub struct VapidKey {
    signing: SigningKey,
    /// The public key, uncompressed, base64url: what collections advertise and `k=` says.
    public_b64: String,
    /// HMAC key for topics, derived from the private key.
    topic_key: [u8; 32],
}

impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VapidKey")
            .field("public", &self.public_b64)
            .finish_non_exhaustive()
    }
}

impl VapidKey {
    /// A key from its configured text: a PEM private key (PKCS #8 or SEC1), or the raw
    /// 32-byte scalar in base64url.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        let secret = if text.contains("-----BEGIN") {
            use p256::pkcs8::DecodePrivateKey as _;
            SecretKey::from_pkcs8_pem(text)
                .or_else(|_| SecretKey::from_sec1_pem(text))
                .map_err(|_| KeyError("not a P-256 private key in PEM".into()))?
        } else {
            let raw = URL_SAFE_NO_PAD
                .decode(text.trim_end_matches('='))
                .map_err(|_| KeyError("neither PEM nor base64url".into()))?;
            let raw: [u8; 32] = raw
                .try_into()
                .map_err(|_| KeyError("not 32 bytes".into()))?;
            SecretKey::from_slice(&raw).map_err(|_| KeyError("not a P-256 private key".into()))?
        };
        Ok(Self::from_secret(&secret))
    }

    /// A new random key, and its configuration text (base64url scalar).
    pub fn generate() -> (Self, String) {
        let secret = random_secret_key();
        let text = URL_SAFE_NO_PAD.encode(secret.to_bytes());
        (Self::from_secret(&secret), text)
    }

    fn from_secret(secret: &SecretKey) -> Self {
        let public_b64 = URL_SAFE_NO_PAD.encode(uncompressed(&secret.public_key()));
        let mut topic_seed = Sha256::new();
        topic_seed.update(b"davgate webdav-push topic\0");
        topic_seed.update(secret.to_bytes());
        VapidKey {
            signing: SigningKey::from(secret),
            public_b64,
            topic_key: topic_seed.finalize().into(),
        }
    }

    /// The public key, uncompressed and base64url.
    pub fn public_key(&self) -> &str {
        &self.public_b64
    }

    /// The topic of a folder's collection: 16 bytes of an HMAC over context and folder,
    /// base64url (22 characters, within RFC 8030's 32 for the `Topic` header).
    pub fn topic(&self, context: i64, folder: i64) -> String {
        self.hashed_topic(&format!("{context}/{folder}"))
    }

    /// The topic of a user's aggregated address book (`/carddav/Contacts/`), made as a
    /// folder's is from an input no folder's can be (`<context>/u<user>/Contacts`): stable
    /// for that user, apart from every other topic, and naming no id in clear.
    pub fn aggregated_contacts_topic(&self, context: i64, user: i64) -> String {
        self.hashed_topic(&format!("{context}/u{user}/Contacts"))
    }

    fn hashed_topic(&self, input: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.topic_key)
            .expect("HMAC takes a key of any length");
        mac.update(input.as_bytes());
        URL_SAFE_NO_PAD.encode(&mac.finalize().into_bytes()[..16])
    }

    /// The `Authorization` header value for a push request to `origin` (scheme, host and
    /// port of the push resource) at `now` (epoch seconds).
    pub fn authorization(&self, origin: &str, subject: &str, now: i64) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({
            "aud": origin,
            "exp": now + TOKEN_LIFETIME_SECONDS,
            "sub": subject,
        });
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
        let input = format!("{header}.{claims}");
        let signature: Signature = self.signing.sign(input.as_bytes());
        let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()));
        format!("vapid t={token}, k={}", self.public_b64)
    }
}

#[cfg(test)]
mod tests {
    use p256::ecdsa::signature::Verifier;
    use p256::ecdsa::VerifyingKey;

    use super::*;

    #[test]
    fn the_token_verifies_with_the_advertised_key() {
        let (key, text) = VapidKey::generate();
        let again = VapidKey::parse(&text).unwrap();
        assert_eq!(again.public_key(), key.public_key());
        let value = key.authorization("https://push.example.net", "mailto:ops@example.com", 1000);
        let rest = value.strip_prefix("vapid t=").unwrap();
        let (token, k) = rest.split_once(", k=").unwrap();
        assert_eq!(k, key.public_key());
        let (input, signature) = token.rsplit_once('.').unwrap();
        let verifying = VerifyingKey::from_sec1_bytes(&URL_SAFE_NO_PAD.decode(k).unwrap()).unwrap();
        let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap()).unwrap();
        verifying.verify(input.as_bytes(), &signature).unwrap();
        let claims = input.split('.').nth(1).unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
        assert_eq!(claims["aud"], "https://push.example.net");
        assert_eq!(claims["sub"], "mailto:ops@example.com");
        assert!(claims["exp"].as_i64().unwrap() <= 1000 + 24 * 3600);
    }

    #[test]
    fn topics_are_stable_per_key_and_apart_per_folder() {
        let (key, text) = VapidKey::generate();
        let (other, _) = VapidKey::generate();
        let topic = key.topic(1, 20);
        assert_eq!(topic.len(), 22);
        assert_eq!(VapidKey::parse(&text).unwrap().topic(1, 20), topic);
        assert_ne!(key.topic(1, 21), topic);
        assert_ne!(key.topic(2, 20), topic);
        assert_ne!(other.topic(1, 20), topic);
    }

    #[test]
    fn aggregated_topics_are_per_user_and_apart_from_folder_topics() {
        let (key, text) = VapidKey::generate();
        let topic = key.aggregated_contacts_topic(1, 20);
        assert_eq!(topic.len(), 22);
        assert_eq!(
            VapidKey::parse(&text)
                .unwrap()
                .aggregated_contacts_topic(1, 20),
            topic
        );
        assert_ne!(key.aggregated_contacts_topic(1, 21), topic);
        assert_ne!(key.aggregated_contacts_topic(2, 20), topic);
        assert_ne!(key.topic(1, 20), topic);
    }

    #[test]
    fn keys_that_are_not_p256_are_refused() {
        assert!(VapidKey::parse("not a key").is_err());
        assert!(VapidKey::parse(&URL_SAFE_NO_PAD.encode([0u8; 32])).is_err());
        assert!(VapidKey::parse(&URL_SAFE_NO_PAD.encode([1u8; 31])).is_err());
    }
}
