//! The public keys bearer tokens are checked against: a JWKS document from a file or an
//! http(s) URL, kept for as long as its Cache-Control max-age says (within a floor and a
//! ceiling), fetched again early when a token names a key id the set lacks, but at most
//! once per `min_refetch`, so tokens with made-up key ids cannot make davgate fetch per
//! request. One fetch runs at a time; the others wait for it and use its result.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};

/// How long a key set is kept when its source names no max-age (and for a file).
pub const DEFAULT_TTL: Duration = Duration::from_secs(300);
/// The shortest time a fetched key set is kept, whatever max-age says.
pub const MIN_TTL: Duration = Duration::from_secs(30);
/// The longest time a fetched key set is kept, whatever max-age says.
pub const MAX_TTL: Duration = Duration::from_secs(86_400);
/// The largest JWKS document read.
pub const MAX_DOCUMENT_BYTES: usize = 256 * 1024;
/// The most keys taken from one document; the rest are ignored.
pub const MAX_KEYS: usize = 64;
/// How long one fetch from a URL may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the key set comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksSource {
    Url(String),
    File(PathBuf),
}

/// One usable key: what it is called, the one algorithm it verifies, the key.
#[derive(Clone)]
pub struct VerifyingKey {
    pub kid: Option<String>,
    pub algorithm: Algorithm,
    pub key: DecodingKey,
}

struct Loaded {
    keys: Vec<VerifyingKey>,
    /// When the set should be fetched again.
    expires: Instant,
}

pub struct KeySet {
    source: JwksSource,
    http: Option<reqwest::Client>,
    min_refetch: Duration,
    loaded: RwLock<Option<Arc<Loaded>>>,
    /// When the last fetch started, and whether it failed.
    last_fetch: std::sync::Mutex<Option<(Instant, bool)>>,
    fetching: tokio::sync::Mutex<()>,
    fetches: std::sync::atomic::AtomicU64,
}

/// Why no key could be had.
#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    #[error("the token signing keys cannot be loaded: {0}")]
    Unavailable(String),
}

impl KeySet {
    pub fn new(source: JwksSource, min_refetch: Duration) -> Self {
        let http = match &source {
            JwksSource::Url(_) => {
                crate::tls::install_provider();
                reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::limited(3))
                    .connect_timeout(FETCH_TIMEOUT)
                    .timeout(FETCH_TIMEOUT)
                    .user_agent(concat!("davgate/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .ok()
            }
            JwksSource::File(_) => None,
        };
        KeySet {
            source,
            http,
            min_refetch,
            loaded: RwLock::new(None),
            last_fetch: std::sync::Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
            fetches: Default::default(),
        }
    }

    /// How many times the source was read (for tests and metrics).
    pub fn fetches(&self) -> u64 {
        self.fetches.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn current(&self) -> Option<Arc<Loaded>> {
        self.loaded
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The keys that may have signed a token with `kid` and `algorithm`: the key of that
    /// id, or without an id every key for the algorithm. An unknown id makes the set be
    /// fetched again if the last fetch is at least `min_refetch` ago.
    pub async fn candidates(
        &self,
        kid: Option<&str>,
        algorithm: Algorithm,
    ) -> Result<Vec<VerifyingKey>, KeysError> {
        let loaded = match self.current() {
            Some(loaded) if loaded.expires > Instant::now() => loaded,
            stale => match self.refresh(stale.clone(), true).await {
                Ok(fresh) => fresh,
                // Keys a moment past their time are better than none while the source
                // is down.
                Err(err) => stale.ok_or(err)?,
            },
        };
        let found = matching(&loaded.keys, kid, algorithm);
        if !found.is_empty() || kid.is_none() {
            return Ok(found);
        }
        // A key id the set lacks: perhaps the issuer rotated its keys.
        match self.refresh(Some(loaded), false).await {
            Ok(fresh) => Ok(matching(&fresh.keys, kid, algorithm)),
            Err(_) => Ok(Vec::new()),
        }
    }

    /// Fetches the set again unless another task did since `seen` was current. An
    /// expired set is fetched at once unless a fetch failed within `min_refetch`; a set
    /// still valid (a token names an unknown key id) at most once per `min_refetch`.
    async fn refresh(
        &self,
        seen: Option<Arc<Loaded>>,
        expired: bool,
    ) -> Result<Arc<Loaded>, KeysError> {
        let _one_at_a_time = self.fetching.lock().await;
        let now = self.current();
        if let Some(now) = &now {
            let changed = seen.as_ref().is_none_or(|seen| !Arc::ptr_eq(now, seen));
            if changed {
                return Ok(now.clone());
            }
        }
        let last = *self.last_fetch.lock().unwrap_or_else(|e| e.into_inner());
        let recent = last.is_some_and(|(at, _)| at.elapsed() < self.min_refetch);
        let failed_lately = recent && last.is_some_and(|(_, failed)| failed);
        if (expired && failed_lately) || (!expired && recent) {
            return now.ok_or_else(|| {
                KeysError::Unavailable("the last attempt to load them failed moments ago".into())
            });
        }
        self.fetches
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let started = Instant::now();
        let outcome = match self.fetch().await {
            Ok((document, ttl)) => parse_key_set(&document).map(|keys| (keys, ttl)),
            Err(err) => Err(err),
        };
        *self.last_fetch.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((started, outcome.is_err()));
        match outcome {
            Ok((keys, ttl)) => {
                let loaded = Arc::new(Loaded {
                    keys,
                    expires: Instant::now() + ttl,
                });
                *self.loaded.write().unwrap_or_else(|e| e.into_inner()) = Some(loaded.clone());
                Ok(loaded)
            }
            Err(err) => {
                tracing::warn!(error = %err, "token signing keys could not be loaded");
                Err(err)
            }
        }
    }

    /// The document and how long to keep it.
    async fn fetch(&self) -> Result<(Vec<u8>, Duration), KeysError> {
        match &self.source {
            JwksSource::File(path) => {
                let bytes = tokio::fs::read(path).await.map_err(|err| {
                    KeysError::Unavailable(format!("cannot read {}: {err}", path.display()))
                })?;
                if bytes.len() > MAX_DOCUMENT_BYTES {
                    return Err(too_large());
                }
                Ok((bytes, DEFAULT_TTL))
            }
            JwksSource::Url(url) => {
                let http = self.http.as_ref().ok_or_else(|| {
                    KeysError::Unavailable("no HTTP client could be set up".into())
                })?;
                let unavailable = |err: reqwest::Error| KeysError::Unavailable(err.to_string());
                let mut response = http.get(url).send().await.map_err(unavailable)?;
                if !response.status().is_success() {
                    return Err(KeysError::Unavailable(format!(
                        "{url} answered {}",
                        response.status()
                    )));
                }
                let ttl = response
                    .headers()
                    .get_all(reqwest::header::CACHE_CONTROL)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .find_map(max_age)
                    .map_or(DEFAULT_TTL, |ttl| ttl.clamp(MIN_TTL, MAX_TTL));
                let mut body = Vec::new();
                while let Some(chunk) = response.chunk().await.map_err(unavailable)? {
                    if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                        return Err(too_large());
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok((body, ttl))
            }
        }
    }
}

fn too_large() -> KeysError {
    KeysError::Unavailable(format!(
        "the JWKS document is larger than {MAX_DOCUMENT_BYTES} bytes"
    ))
}

/// The keys a token of `algorithm` naming `kid` may be checked against. A token naming
/// no key is checked only when one key of its algorithm is there: trying every key of a
/// large set would let any client buy that many signature checks with one request.
fn matching(keys: &[VerifyingKey], kid: Option<&str>, algorithm: Algorithm) -> Vec<VerifyingKey> {
    let found: Vec<VerifyingKey> = keys
        .iter()
        .filter(|key| key.algorithm == algorithm)
        .filter(|key| kid.is_none() || key.kid.as_deref() == kid)
        .cloned()
        .collect();
    if kid.is_none() && found.len() > 1 {
        return Vec::new();
    }
    found
}

/// The `max-age` of a Cache-Control value, if it names one.
fn max_age(value: &str) -> Option<Duration> {
    value.split(',').find_map(|directive| {
        let (name, seconds) = directive.trim().split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("max-age") {
            return None;
        }
        seconds
            .trim()
            .trim_matches('"')
            .parse()
            .ok()
            .map(Duration::from_secs)
    })
}

/// The signature keys of a JWKS document, each pinned to one algorithm: the one its
/// `alg` names, or else the one its type implies (RSA: RS256, EC P-256: ES256, EC P-384:
/// ES384, Ed25519: EdDSA). Shared secrets (`oct`), encryption keys and keys of other
/// types are left out.
pub fn parse_key_set(document: &[u8]) -> Result<Vec<VerifyingKey>, KeysError> {
    let set: JwkSet = serde_json::from_slice(document)
        .map_err(|err| KeysError::Unavailable(format!("the JWKS document is not valid: {err}")))?;
    let mut keys = Vec::new();
    for jwk in set.keys.iter() {
        if keys.len() == MAX_KEYS {
            tracing::warn!(
                "the JWKS document holds more than {MAX_KEYS} keys; the rest are ignored"
            );
            break;
        }
        if matches!(&jwk.common.public_key_use, Some(usage) if *usage != PublicKeyUse::Signature) {
            continue;
        }
        let implied = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => Algorithm::RS256,
            AlgorithmParameters::EllipticCurve(ec) => match ec.curve {
                EllipticCurve::P256 => Algorithm::ES256,
                EllipticCurve::P384 => Algorithm::ES384,
                _ => continue,
            },
            AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => {
                Algorithm::EdDSA
            }
            _ => continue,
        };
        let algorithm = match jwk.common.key_algorithm {
            None => implied,
            Some(named) => match public_key_algorithm(named) {
                Some(named) if named.family() == implied.family() => named,
                _ => continue,
            },
        };
        let Ok(key) = DecodingKey::from_jwk(jwk) else {
            continue;
        };
        keys.push(VerifyingKey {
            kid: jwk.common.key_id.clone(),
            algorithm,
            key,
        });
    }
    Ok(keys)
}

fn public_key_algorithm(named: KeyAlgorithm) -> Option<Algorithm> {
    Some(match named {
        KeyAlgorithm::RS256 => Algorithm::RS256,
        KeyAlgorithm::RS384 => Algorithm::RS384,
        KeyAlgorithm::RS512 => Algorithm::RS512,
        KeyAlgorithm::PS256 => Algorithm::PS256,
        KeyAlgorithm::PS384 => Algorithm::PS384,
        KeyAlgorithm::PS512 => Algorithm::PS512,
        KeyAlgorithm::ES256 => Algorithm::ES256,
        KeyAlgorithm::ES384 => Algorithm::ES384,
        KeyAlgorithm::EdDSA => Algorithm::EdDSA,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_age_is_read_from_cache_control() {
        assert_eq!(
            max_age("public, max-age=600"),
            Some(Duration::from_secs(600))
        );
        assert_eq!(max_age("MAX-AGE = 5"), Some(Duration::from_secs(5)));
        assert_eq!(max_age("no-cache"), None);
        assert_eq!(max_age("max-age=soon"), None);
    }

    #[test]
    fn keys_are_pinned_to_one_algorithm_and_secrets_left_out() {
        let document = br#"{"keys": [
            {"kty": "oct", "kid": "shared", "k": "c2VjcmV0c2VjcmV0c2VjcmV0"},
            {"kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
            {"kty": "OKP", "crv": "Ed25519", "kid": "enc", "use": "enc", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
            {"kty": "OKP", "crv": "Ed25519", "kid": "confused", "alg": "RS256", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
        ]}"#;
        let keys = parse_key_set(document).unwrap();
        assert_eq!(keys.len(), 1, "only the Ed25519 signature key");
        assert_eq!(keys[0].kid.as_deref(), Some("ed"));
        assert_eq!(keys[0].algorithm, Algorithm::EdDSA);
        assert!(parse_key_set(b"not json").is_err());
    }
}
