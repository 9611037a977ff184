//! Bearer tokens: `Authorization: Bearer <JWT>` checked against an issuer's public keys
//! (RS256, ES256, EdDSA and the other RSA/EC algorithms a JWKS key names) or a shared
//! HS256 secret, with its `exp`, `nbf`, `iss` and `aud`; a configured claim names the
//! login, resolved like a Basic login. Tokens are off unless a key source is configured.

mod jwks;

pub use jwks::{JwksSource, KeySet, KeysError, VerifyingKey};

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use crate::config::{props, ServerConfig};

/// The longest token accepted; a longer one is refused before it is decoded.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// The shortest HS256 secret accepted (256 bits, the size of the hash).
pub const MIN_HMAC_SECRET_BYTES: usize = 32;

/// What checking tokens needs, read from the server configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSettings {
    pub jwks: Option<JwksSource>,
    pub hmac_secret: Option<Vec<u8>>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    pub login_claim: String,
    pub leeway: Duration,
    pub min_refetch: Duration,
}

impl TokenSettings {
    /// The configured settings; None when no key source is set (tokens are off).
    pub fn from_config(config: &ServerConfig) -> Option<TokenSettings> {
        let jwks = match (
            config.get::<props::TokensJwksUrl>(),
            config.get::<props::TokensJwksFile>(),
        ) {
            (Some(url), _) => Some(JwksSource::Url(url)),
            (None, Some(file)) => Some(JwksSource::File(file)),
            (None, None) => None,
        };
        let hmac_secret = config
            .get::<props::TokensHmacSecret>()
            .map(|secret| secret.into_bytes());
        if jwks.is_none() && hmac_secret.is_none() {
            return None;
        }
        Some(TokenSettings {
            jwks,
            hmac_secret,
            issuer: config.get::<props::TokensIssuer>(),
            audience: config.get::<props::TokensAudience>(),
            login_claim: config.get::<props::TokensLoginClaim>(),
            leeway: Duration::from_secs(config.get::<props::TokensLeewaySeconds>().into()),
            min_refetch: Duration::from_secs(
                config.get::<props::TokensJwksMinRefetchSeconds>().into(),
            ),
        })
    }
}

impl TokenSettings {
    /// Where the keys come from, in one line for the start-up output.
    pub fn describe(&self) -> String {
        let mut sources = Vec::new();
        match &self.jwks {
            Some(JwksSource::Url(url)) => sources.push(format!("JWKS from {url}")),
            Some(JwksSource::File(file)) => sources.push(format!("JWKS file {}", file.display())),
            None => {}
        }
        if self.hmac_secret.is_some() {
            sources.push("an HS256 secret".into());
        }
        format!(
            "{}, login claim {:?}",
            sources.join(" and "),
            self.login_claim
        )
    }
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token is longer than {MAX_TOKEN_BYTES} bytes")]
    TooLarge,
    #[error("the token is not a JWT")]
    Malformed,
    #[error("tokens signed with {0:?} are not accepted")]
    Algorithm(Algorithm),
    #[error("no key is known for the token")]
    UnknownKey,
    #[error("the token is not valid: {0}")]
    Invalid(String),
    #[error("the token does not carry the login claim {0:?}")]
    NoLogin(String),
    /// The keys cannot be had now (their source is down): not the client's fault.
    #[error(transparent)]
    Keys(#[from] KeysError),
}

/// Checks bearer tokens; one per process.
pub struct TokenVerifier {
    settings: TokenSettings,
    keys: Option<KeySet>,
    hmac: Option<DecodingKey>,
}

impl TokenVerifier {
    pub fn new(settings: TokenSettings) -> Self {
        let keys = settings
            .jwks
            .clone()
            .map(|source| KeySet::new(source, settings.min_refetch));
        let hmac = settings
            .hmac_secret
            .as_deref()
            .and_then(|secret| DecodingKey::from_secret(secret).ok());
        TokenVerifier {
            settings,
            keys,
            hmac,
        }
    }

    /// The verifier the configuration asks for, if tokens are on.
    pub fn configured(config: &ServerConfig) -> Option<Self> {
        TokenSettings::from_config(config).map(Self::new)
    }

    /// The key set, when keys come from a JWKS document.
    pub fn key_set(&self) -> Option<&KeySet> {
        self.keys.as_ref()
    }

    /// The login `token` names, if its signature, algorithm and claims hold.
    pub async fn login_of(&self, token: &str) -> Result<String, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        let algorithm = header.alg;
        let keys: Vec<DecodingKey> = match algorithm {
            Algorithm::HS256 => self.hmac.iter().cloned().collect(),
            Algorithm::HS384 | Algorithm::HS512 => Vec::new(),
            _ => match &self.keys {
                Some(keys) => keys
                    .candidates(header.kid.as_deref(), algorithm)
                    .await?
                    .into_iter()
                    .map(|k| k.key)
                    .collect(),
                None => Vec::new(),
            },
        };
        if keys.is_empty() {
            return Err(match (algorithm, &header.kid) {
                (Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512, _) | (_, None) => {
                    TokenError::Algorithm(algorithm)
                }
                _ => TokenError::UnknownKey,
            });
        }
        let validation = self.validation(algorithm);
        let mut last = TokenError::UnknownKey;
        for key in &keys {
            match jsonwebtoken::decode::<serde_json::Value>(token, key, &validation) {
                Ok(data) => return self.login_claim(&data.claims),
                Err(err) => last = TokenError::Invalid(describe(&err)),
            }
        }
        Err(last)
    }

    /// The checks for a token signed with `algorithm` (the one its key allows).
    fn validation(&self, algorithm: Algorithm) -> Validation {
        let mut validation = Validation::new(algorithm);
        validation.leeway = self.settings.leeway.as_secs();
        validation.validate_exp = true;
        validation.validate_nbf = true;
        let mut required = vec!["exp"];
        match &self.settings.issuer {
            Some(issuer) => {
                validation.set_issuer(&[issuer]);
                required.push("iss");
            }
            None => validation.iss = None,
        }
        match &self.settings.audience {
            Some(audience) => {
                validation.set_audience(&[audience]);
                required.push("aud");
            }
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&required);
        validation
    }

    fn login_claim(&self, claims: &serde_json::Value) -> Result<String, TokenError> {
        let name = &self.settings.login_claim;
        match claims.get(name).and_then(|v| v.as_str()).map(str::trim) {
            Some(login) if !login.is_empty() => Ok(login.to_owned()),
            _ => Err(TokenError::NoLogin(name.clone())),
        }
    }
}

/// What failed, in words a log reader understands; never the token.
fn describe(err: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match err.kind() {
        ErrorKind::InvalidSignature => "bad signature".into(),
        ErrorKind::ExpiredSignature => "expired".into(),
        ErrorKind::ImmatureSignature => "not yet valid (nbf)".into(),
        ErrorKind::InvalidIssuer => "wrong issuer".into(),
        ErrorKind::InvalidAudience => "wrong audience".into(),
        ErrorKind::InvalidAlgorithm => "algorithm not allowed for the key".into(),
        ErrorKind::MissingRequiredClaim(claim) => format!("no {claim} claim"),
        _ => "malformed".into(),
    }
}
