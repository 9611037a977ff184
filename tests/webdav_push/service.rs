//! A push service on loopback, written for the tests: it takes every POST, answers 201
//! (410 for resources whose path starts with `gone`, 500 for `fail`), and keeps what
//! came. The user
//! agent's half is here too: a P-256 key pair and auth secret per subscription, the
//! RFC 8291 decryption of what arrives, and the check of its VAPID token.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::Aes128Gcm;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hkdf::Hkdf;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::elliptic_curve::sec1::ToSec1Point;
use p256::{PublicKey, SecretKey};
use sha2::Sha256;

/// One POST the push service took.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

type Inbox = Arc<Mutex<Vec<Received>>>;

pub struct PushService {
    pub port: u16,
    inbox: Inbox,
    task: tokio::task::JoinHandle<()>,
}

async fn take(
    State(inbox): State<Inbox>,
    Path(path): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let status = if path.starts_with("gone") {
        StatusCode::GONE
    } else if path.starts_with("fail") {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::CREATED
    };
    inbox.lock().unwrap().push(Received {
        path,
        headers,
        body: body.to_vec(),
    });
    status
}

impl PushService {
    pub async fn start() -> PushService {
        let inbox = Inbox::default();
        let app = axum::Router::new()
            .route("/push/{*path}", axum::routing::post(take))
            .with_state(inbox.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        PushService { port, inbox, task }
    }

    pub fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/push/{name}", self.port)
    }

    /// What came for the resource `name` so far.
    pub fn received(&self, name: &str) -> Vec<Received> {
        let inbox = self.inbox.lock().unwrap();
        inbox.iter().filter(|r| r.path == name).cloned().collect()
    }

    /// Waits until `count` messages came for `name`; panics after `timeout`.
    pub async fn wait_for(&self, name: &str, count: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.received(name);
            if got.len() >= count {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "{count} messages for {name} expected within {timeout:?}, {} came",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for PushService {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A user agent's subscription keys (RFC 8291 section 2).
pub struct UserAgent {
    secret: SecretKey,
    pub auth: [u8; 16],
}

impl UserAgent {
    pub fn new() -> UserAgent {
        let secret = loop {
            if let Ok(key) = SecretKey::from_slice(&rand::random::<[u8; 32]>()) {
                break key;
            }
        };
        UserAgent {
            secret,
            auth: rand::random(),
        }
    }

    fn public_bytes(&self) -> Vec<u8> {
        self.secret
            .public_key()
            .to_sec1_point(false)
            .as_bytes()
            .to_vec()
    }

    pub fn public_b64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.public_bytes())
    }

    pub fn auth_b64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.auth)
    }

    /// The plaintext of an `aes128gcm` body encrypted for this user agent.
    pub fn decrypt(&self, body: &[u8]) -> Vec<u8> {
        assert!(body.len() > 21, "body too short for an aes128gcm header");
        let salt = &body[..16];
        let id_len = usize::from(body[20]);
        let key_id = &body[21..21 + id_len];
        let ciphertext = &body[21 + id_len..];
        let as_public =
            PublicKey::from_sec1_bytes(key_id).expect("key id is the server's P-256 key");
        let shared =
            p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), as_public.as_affine());
        let mut info = b"WebPush: info\0".to_vec();
        info.extend_from_slice(&self.public_bytes());
        info.extend_from_slice(key_id);
        let mut ikm = [0u8; 32];
        Hkdf::<Sha256>::new(Some(&self.auth), shared.raw_secret_bytes())
            .expand(&info, &mut ikm)
            .unwrap();
        let content = Hkdf::<Sha256>::new(Some(salt), &ikm);
        let mut cek = [0u8; 16];
        let mut nonce = [0u8; 12];
        content
            .expand(b"Content-Encoding: aes128gcm\0", &mut cek)
            .unwrap();
        content
            .expand(b"Content-Encoding: nonce\0", &mut nonce)
            .unwrap();
        let mut record = ciphertext.to_vec();
        Aes128Gcm::new(&cek.into())
            .decrypt_in_place(&nonce.into(), b"", &mut record)
            .expect("the record decrypts with the subscription's keys");
        // The last record ends with 0x02, then padding zeros.
        while record.last() == Some(&0) {
            record.pop();
        }
        assert_eq!(record.pop(), Some(2), "last-record delimiter");
        record
    }
}

/// Checks a message's `Authorization: vapid t=<jwt>, k=<key>` against the public key
/// the collection advertised: the key, the ES256 signature, the audience and expiry.
pub fn check_vapid(received: &Received, advertised_key: &str, origin: &str) {
    let value = received
        .headers
        .get("authorization")
        .expect("a VAPID Authorization header")
        .to_str()
        .unwrap();
    let rest = value.strip_prefix("vapid t=").expect("vapid scheme");
    let (token, key) = rest.split_once(", k=").expect("t= and k=");
    assert_eq!(key, advertised_key, "k= is the advertised VAPID key");
    let verifying = VerifyingKey::from_sec1_bytes(&URL_SAFE_NO_PAD.decode(key).unwrap()).unwrap();
    let (input, signature) = token.rsplit_once('.').unwrap();
    let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap()).unwrap();
    verifying
        .verify(input.as_bytes(), &signature)
        .expect("the JWT is signed with the advertised key");
    let mut parts = input.split('.');
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap();
    assert_eq!(header["alg"], "ES256");
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap();
    assert_eq!(claims["aud"], origin);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let exp = claims["exp"].as_i64().unwrap();
    assert!(
        exp > now && exp <= now + 24 * 3600,
        "exp within 24 hours: {exp}"
    );
    assert_eq!(claims["sub"], "mailto:ops@example.com");
    assert_eq!(
        received.headers.get("content-encoding").unwrap(),
        "aes128gcm"
    );
}
