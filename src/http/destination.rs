//! Where a COPY or MOVE goes: the `Destination` as the path segments of a resource of
//! this server, or 502 Bad Gateway when it names another server or lies outside the DAV
//! namespace (RFC 4918 9.8.5, 9.9.4).

use http::{HeaderMap, StatusCode, Uri};

use super::error::DavError;
use super::request_path;
use super::AppState;
use crate::config::props;
use crate::dav::headers::{destination, names_host};

const X_FORWARDED_HOST: &str = "x-forwarded-host";

/// The decoded segments (below the DAV prefix) of the request's `Destination`. A path
/// is on this server; an absolute URL must name the host the request was sent to: its
/// `Host` header, the authority of its target (HTTP/2 sends `:authority` there), and,
/// with `davgate.trustForwardedHost`, the last `X-Forwarded-Host` value.
pub(super) fn destination_segments(
    state: &AppState,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Vec<String>, DavError> {
    let target = destination(headers)?
        .ok_or_else(|| DavError::BadRequest("COPY and MOVE need a Destination header".into()))?;
    if let Some(authority) = &target.authority {
        let hosts = request_hosts(state, uri, headers);
        if !hosts.iter().any(|host| names_host(authority, host)) {
            return Err(DavError::Status(
                StatusCode::BAD_GATEWAY,
                format!(
                    "the Destination is on {}, another server than this request's ({})",
                    authority.host(),
                    if hosts.is_empty() {
                        "which names no host".to_owned()
                    } else {
                        hosts.join(", ")
                    }
                ),
            ));
        }
    }
    let sub = state.paths.strip_external(&target.path).ok_or_else(|| {
        DavError::Status(
            StatusCode::BAD_GATEWAY,
            "the Destination lies outside this server's DAV namespace".into(),
        )
    })?;
    request_path::segments(&sub).map_err(|e| DavError::BadRequest(format!("Destination: {e}")))
}

/// The names this request's client knows this server by.
fn request_hosts(state: &AppState, uri: &Uri, headers: &HeaderMap) -> Vec<String> {
    let mut hosts: Vec<String> = uri.authority().map(|a| a.to_string()).into_iter().collect();
    hosts.extend(
        headers
            .get_all(http::header::HOST)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .map(str::to_owned),
    );
    if state.config.get::<props::TrustForwardedHost>() {
        // Proxies append to the header, so the last value is the one the proxy in
        // front of davgate set; earlier ones came from the client.
        let forwarded = headers
            .get_all(X_FORWARDED_HOST)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .rfind(|value| !value.is_empty());
        hosts.extend(forwarded.map(str::to_owned));
    }
    hosts
}
