//! How users may log in: bearer tokens (server scope: where the keys come from and what
//! a token must say) and, per context through the cascade, which login methods are on.
//! `docs/logins.md` describes them.

use std::path::PathBuf;

use super::super::registry::{Kind, Property, PropertyDef};
use super::super::values::{self, ValueError};

/// An HS256 secret of at least 32 bytes, or the empty string for none.
fn parse_hmac_secret(raw: &str) -> Result<Option<String>, ValueError> {
    let secret = values::parse_optional_text(raw)?;
    match &secret {
        Some(s) if s.len() < crate::auth::tokens::MIN_HMAC_SECRET_BYTES => {
            Err(ValueError(format!(
                "an HS256 secret needs at least {} bytes",
                crate::auth::tokens::MIN_HMAC_SECRET_BYTES
            )))
        }
        _ => Ok(secret),
    }
}

/// A file path, or the empty string for none.
fn parse_optional_path(raw: &str) -> Result<Option<PathBuf>, ValueError> {
    Ok(values::parse_optional_text(raw)?.map(PathBuf::from))
}

/// Seconds of at least one.
fn parse_positive_seconds(raw: &str) -> Result<u32, ValueError> {
    match values::parse_u32(raw)? {
        0 => Err(ValueError("expected at least 1 second".into())),
        seconds => Ok(seconds),
    }
}

/// A JSON claim name.
fn parse_claim(raw: &str) -> Result<String, ValueError> {
    let claim = values::parse_text(raw)?;
    if claim.is_empty() {
        return Err(ValueError("expected a claim name such as email".into()));
    }
    Ok(claim)
}

properties! {
    static LOGINS;

    TokensJwksUrl {
        name: "davgate.tokens.jwksUrl",
        value: Option<String>,
        parse: values::parse_optional_http_url,
        kind: Kind::Text,
        default: "",
        cascade: false,
        env: Some("DAVGATE_TOKENS_JWKS_URL"),
        doc: "URL of the JWKS document with the public keys bearer tokens are signed with (the identity provider's jwks_uri); kept for its Cache-Control max-age. Empty: no keys from a URL.",
    }
    TokensJwksFile {
        name: "davgate.tokens.jwksFile",
        value: Option<PathBuf>,
        parse: parse_optional_path,
        kind: Kind::Path,
        default: "",
        cascade: false,
        env: None,
        doc: "A JWKS file with the public keys bearer tokens are signed with, read again every 5 minutes; used when jwksUrl is empty.",
    }
    TokensHmacSecret {
        name: "davgate.tokens.hmacSecret",
        value: Option<String>,
        parse: parse_hmac_secret,
        kind: Kind::Text,
        default: "",
        cascade: false,
        env: Some("DAVGATE_TOKENS_HMAC_SECRET"),
        doc: "A shared secret (at least 32 bytes) for HS256-signed bearer tokens. Empty: HS256 tokens are refused.",
    }
    TokensIssuer {
        name: "davgate.tokens.issuer",
        value: Option<String>,
        parse: values::parse_optional_text,
        kind: Kind::Text,
        default: "",
        cascade: false,
        env: None,
        doc: "The iss claim a bearer token must carry; empty: not checked.",
    }
    TokensAudience {
        name: "davgate.tokens.audience",
        value: Option<String>,
        parse: values::parse_optional_text,
        kind: Kind::Text,
        default: "",
        cascade: false,
        env: None,
        doc: "The aud claim a bearer token must carry (or list); empty: not checked.",
    }
    TokensLoginClaim {
        name: "davgate.tokens.loginClaim",
        value: String,
        parse: parse_claim,
        kind: Kind::Text,
        default: "email",
        cascade: false,
        env: None,
        doc: "The claim whose value is the login, resolved like a Basic login (login, login@mapping, mail address or alias): email, preferred_username, sub, ...",
    }
    TokensLeewaySeconds {
        name: "davgate.tokens.leewaySeconds",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "60",
        cascade: false,
        env: None,
        doc: "Seconds of clock skew allowed when checking a token's exp and nbf.",
    }
    TokensJwksMinRefetchSeconds {
        name: "davgate.tokens.jwksMinRefetchSeconds",
        value: u32,
        parse: parse_positive_seconds,
        kind: Kind::Integer,
        default: "60",
        cascade: false,
        env: None,
        doc: "Least seconds between two fetches of the JWKS document caused by tokens naming an unknown key id, or after a failed fetch.",
    }
    MaxAppPasswordsPerUser {
        name: "davgate.limits.maxAppPasswordsPerUser",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "20",
        cascade: false,
        env: None,
        doc: "App passwords one user may have; creating one more is refused until one is revoked.",
    }
    LoginPassword {
        name: "davgate.login.password",
        value: bool,
        parse: values::parse_bool,
        kind: Kind::Bool,
        default: "true",
        cascade: true,
        env: None,
        doc: "Whether the user may log in with the main password (HTTP Basic); off, it is refused like a wrong one.",
    }
    LoginAppPasswords {
        name: "davgate.login.appPasswords",
        value: bool,
        parse: values::parse_bool,
        kind: Kind::Bool,
        default: "true",
        cascade: true,
        env: None,
        doc: "Whether the user may log in with app passwords (HTTP Basic); off, they are refused like wrong ones.",
    }
    LoginTokens {
        name: "davgate.login.tokens",
        value: bool,
        parse: values::parse_bool,
        kind: Kind::Bool,
        default: "true",
        cascade: true,
        env: None,
        doc: "Whether the user may log in with bearer tokens; off, they are refused like invalid ones.",
    }
}
