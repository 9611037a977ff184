//! Cross-site request forgery: every POST of the page carries the session's CSRF token
//! (a hidden form field, or the `X-CSRF-Token` header of a script's request), and a
//! browser's `Origin`, when it sends one, must be the page's own. The login form, before
//! any session, is held to a token in a cookie of its own (double submit).

use http::{header, HeaderMap};

use super::session::same_token;
use super::UiError;

/// Header a script sends the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The host (with port) the browser addressed: the proxy's `X-Forwarded-Host` when
/// there is one, else `Host`.
pub fn request_host(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("x-forwarded-host")
        .or_else(|| headers.get(header::HOST))
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// Refuses a request whose `Origin` names another site than the one addressed.
pub fn check_origin(headers: &HeaderMap) -> Result<(), UiError> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or("");
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'));
    match (origin_host, request_host(headers)) {
        (Some(from), Some(host)) if from.eq_ignore_ascii_case(host) => Ok(()),
        _ => Err(UiError::Forbidden(
            "the request came from another site (Origin); reload the page and try again".into(),
        )),
    }
}

/// Refuses a change whose token is not `expected` (the session's or the login cookie's),
/// or whose Origin is another site.
pub fn check(headers: &HeaderMap, sent: Option<&str>, expected: &str) -> Result<(), UiError> {
    check_origin(headers)?;
    let sent = sent.or_else(|| headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()));
    match sent {
        Some(sent) if !expected.is_empty() && same_token(sent, expected) => Ok(()),
        _ => Err(UiError::Forbidden(
            "the form's security token is missing or out of date; reload the page and try again"
                .into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_must_be_the_addressed_host() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, "dav.example.com".parse().unwrap());
        assert!(check_origin(&headers).is_ok());
        headers.insert(header::ORIGIN, "https://dav.example.com".parse().unwrap());
        assert!(check_origin(&headers).is_ok());
        headers.insert(header::ORIGIN, "https://evil.example.net".parse().unwrap());
        assert!(check_origin(&headers).is_err());
        headers.insert(header::ORIGIN, "null".parse().unwrap());
        assert!(check_origin(&headers).is_err());
    }

    #[test]
    fn the_token_must_match() {
        let headers = HeaderMap::new();
        assert!(check(&headers, Some("abc"), "abc").is_ok());
        assert!(check(&headers, Some("abd"), "abc").is_err());
        assert!(check(&headers, None, "abc").is_err());
        assert!(check(&headers, Some(""), "").is_err());
    }
}
