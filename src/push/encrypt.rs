//! Message encryption for Web Push (RFC 8291): the `aes128gcm` content coding of RFC 8188
//! with one record, keyed by ECDH between a fresh application-server key and the
//! subscription's P-256 key, and HKDF with the subscription's authentication secret.

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::Aes128Gcm;
use hkdf::Hkdf;
use p256::elliptic_curve::sec1::ToSec1Point;
use p256::{PublicKey, SecretKey};
use sha2::Sha256;

/// The record size written in the header: one record holds any message davgate sends.
const RECORD_SIZE: u32 = 4096;
/// Bytes of a message's plaintext at most: the record less the delimiter and the tag.
pub const MAX_PLAINTEXT: usize = RECORD_SIZE as usize - 17;
/// Length of an uncompressed P-256 point.
pub const PUBLIC_KEY_LEN: usize = 65;
/// Length of a subscription's authentication secret.
pub const AUTH_SECRET_LEN: usize = 16;

/// Why a message could not be encrypted for a subscription.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncryptError {
    #[error("the subscription's public key is not an uncompressed P-256 point")]
    PublicKey,
    #[error("the authentication secret is not 16 bytes")]
    AuthSecret,
    #[error("the message is longer than one record")]
    TooLong,
}

/// A subscription's keys as RFC 8291 names them: the user agent's public key
/// (`ua_public`, uncompressed) and the authentication secret.
#[derive(Debug, Clone)]
pub struct SubscriptionKeys {
    ua_public: PublicKey,
    ua_public_bytes: [u8; PUBLIC_KEY_LEN],
    auth_secret: [u8; AUTH_SECRET_LEN],
}

impl SubscriptionKeys {
    pub fn new(ua_public: &[u8], auth_secret: &[u8]) -> Result<Self, EncryptError> {
        let ua_public_bytes: [u8; PUBLIC_KEY_LEN] =
            ua_public.try_into().map_err(|_| EncryptError::PublicKey)?;
        if ua_public_bytes[0] != 0x04 {
            return Err(EncryptError::PublicKey);
        }
        let key =
            PublicKey::from_sec1_bytes(&ua_public_bytes).map_err(|_| EncryptError::PublicKey)?;
        let auth_secret = auth_secret
            .try_into()
            .map_err(|_| EncryptError::AuthSecret)?;
        Ok(SubscriptionKeys {
            ua_public: key,
            ua_public_bytes,
            auth_secret,
        })
    }
}

/// The uncompressed SEC1 form of a public key.
pub fn uncompressed(key: &PublicKey) -> [u8; PUBLIC_KEY_LEN] {
    let point = key.to_sec1_point(false);
    point
        .as_bytes()
        .try_into()
        .expect("an uncompressed P-256 point is 65 bytes")
}

/// Encrypts `plaintext` for `keys` with a fresh key pair and salt.
pub fn encrypt(plaintext: &[u8], keys: &SubscriptionKeys) -> Result<Vec<u8>, EncryptError> {
    let as_private = random_secret_key();
    let salt: [u8; 16] = rand::random();
    encrypt_with(plaintext, keys, &as_private, &salt)
}

/// A P-256 secret key from the operating system's randomness.
pub fn random_secret_key() -> SecretKey {
    loop {
        let bytes: [u8; 32] = rand::random();
        // Out of range with a probability of about 2^-32.
        if let Ok(key) = SecretKey::from_slice(&bytes) {
            return key;
        }
    }
}

/// `encrypt` with the application server's key pair and salt given (RFC 8291 section 3).
pub fn encrypt_with(
    plaintext: &[u8],
    keys: &SubscriptionKeys,
    as_private: &SecretKey,
    salt: &[u8; 16],
) -> Result<Vec<u8>, EncryptError> {
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(EncryptError::TooLong);
    }
    let as_public = uncompressed(&as_private.public_key());
    let shared = as_private.diffie_hellman(&keys.ua_public);
    // IKM = HKDF(auth_secret, ecdh_secret, "WebPush: info" || 0x00 || ua_public || as_public, 32)
    let mut key_info = Vec::with_capacity(14 + 2 * PUBLIC_KEY_LEN);
    key_info.extend_from_slice(b"WebPush: info\0");
    key_info.extend_from_slice(&keys.ua_public_bytes);
    key_info.extend_from_slice(&as_public);
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(&keys.auth_secret), shared.raw_secret_bytes())
        .expand(&key_info, &mut ikm)
        .expect("32 bytes is a valid HKDF-SHA-256 length");
    // CEK and nonce from the salt (RFC 8188 section 2.2, 2.3).
    let content = Hkdf::<Sha256>::new(Some(salt), &ikm);
    let mut cek = [0u8; 16];
    let mut nonce = [0u8; 12];
    content
        .expand(b"Content-Encoding: aes128gcm\0", &mut cek)
        .expect("16 bytes is a valid HKDF-SHA-256 length");
    content
        .expand(b"Content-Encoding: nonce\0", &mut nonce)
        .expect("12 bytes is a valid HKDF-SHA-256 length");
    // One record, the last: the plaintext and the delimiter 0x02, no padding.
    let mut record = Vec::with_capacity(plaintext.len() + 17);
    record.extend_from_slice(plaintext);
    record.push(0x02);
    let cipher = Aes128Gcm::new(&cek.into());
    cipher
        .encrypt_in_place(&nonce.into(), b"", &mut record)
        .expect("a record within the size encrypts");
    // Header: salt, record size, key id length, key id (the server's public key).
    let mut body = Vec::with_capacity(16 + 4 + 1 + PUBLIC_KEY_LEN + record.len());
    body.extend_from_slice(salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(PUBLIC_KEY_LEN as u8);
    body.extend_from_slice(&as_public);
    body.extend_from_slice(&record);
    Ok(body)
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;

    use super::*;

    fn b64(text: &str) -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(text).unwrap()
    }

    /// RFC 8291 section 5 and appendix A: the example's keys and salt give its message.
    #[test]
    fn rfc8291_example() {
        let as_private =
            SecretKey::from_slice(&b64("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw")).unwrap();
        assert_eq!(
            uncompressed(&as_private.public_key()).to_vec(),
            b64("BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8")
        );
        let keys = SubscriptionKeys::new(
            &b64("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"),
            &b64("BTBZMqHH6r4Tts7J_aSIgg"),
        )
        .unwrap();
        let salt: [u8; 16] = b64("DGv6ra1nlYgDCS1FRnbzlw").try_into().unwrap();
        let body = encrypt_with(
            b"When I grow up, I want to be a watermelon",
            &keys,
            &as_private,
            &salt,
        )
        .unwrap();
        assert_eq!(
            URL_SAFE_NO_PAD.encode(body),
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
        );
    }

    #[test]
    fn keys_of_the_wrong_shape_are_refused() {
        let point = b64("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4");
        assert_eq!(
            SubscriptionKeys::new(&point[..33], &[0; 16]).unwrap_err(),
            EncryptError::PublicKey
        );
        let mut off_curve = point.clone();
        off_curve[64] ^= 1;
        assert!(SubscriptionKeys::new(&off_curve, &[0; 16]).is_err());
        assert_eq!(
            SubscriptionKeys::new(&point, &[0; 15]).unwrap_err(),
            EncryptError::AuthSecret
        );
        let keys = SubscriptionKeys::new(&point, &[0; 16]).unwrap();
        assert_eq!(
            encrypt(&vec![0; MAX_PLAINTEXT + 1], &keys).unwrap_err(),
            EncryptError::TooLong
        );
    }
}
