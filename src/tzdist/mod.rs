//! Time zones as a service: the TZDist service of RFC 7808 (`service`, mounted without
//! login under `<prefix>/timezone`, with `/.well-known/timezone` leading there) and the
//! VTIMEZONE data that RFC 7809's time zones by reference fill into calendar objects.
//!
//! The data is the IANA tz database compiled into chrono-tz (`catalog`). chrono-tz gives
//! offsets per instant, so `transitions` probes a zone for its changes, `zone_data` groups
//! them into observances and finds the yearly rules the current ones follow (`rules`),
//! `vtimezone` and `jcal` write them, truncated to a range when asked. Computed zones
//! are kept in a bounded cache (`cache`).

mod cache;
mod catalog;
mod jcal;
mod problem;
mod rules;
mod service;
mod transitions;
mod vtimezone;
mod zone_data;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::{header, StatusCode};

use crate::dav::{KnownProp, Namespace, PropName, PropValue};
use crate::http::{AppState, DavPaths};

pub use service::handle;

/// The service's path: internal (where the router mounts it) or as clients see it.
pub fn service_path(paths: &DavPaths, external: bool) -> String {
    if external {
        paths.external("/timezone")
    } else {
        format!("{}/timezone", paths.mount_prefix())
    }
}

/// `/.well-known/timezone[/...]` answers 301 with the service's path (and the rest of the
/// request's path and query, so that a client appending an action lands on it).
pub async fn well_known(State(state): State<AppState>, request: Request) -> Response {
    let rest = request
        .uri()
        .path()
        .strip_prefix("/.well-known/timezone")
        .unwrap_or("");
    let mut location = format!("{}{rest}", service_path(&state.paths, true));
    if let Some(query) = request.uri().query() {
        location.push('?');
        location.push_str(query);
    }
    (
        StatusCode::MOVED_PERMANENTLY,
        [(header::LOCATION, location)],
    )
        .into_response()
}

/// The VTIMEZONE component (BEGIN:VTIMEZONE to END:VTIMEZONE, CRLF lines) for a TZID an
/// object uses, from `from` on (UTC epoch seconds) without end; None for a TZID that
/// names no known zone. Its TZID is the name asked for.
pub fn vtimezone_for(tzid: &str, from: Option<i64>) -> Option<String> {
    let name = catalog::resolve(tzid)?;
    let data = cache::zone_data(name.zone);
    Some(vtimezone::Vtimezone::build(&name, &data, from, None).component_text())
}

/// Whether a TZID names a zone the service knows (IANA or Windows name).
pub fn is_known_tzid(tzid: &str) -> bool {
    catalog::resolve(tzid).is_some()
}

/// CALDAV:timezone-service-set (RFC 7809 5.1) of the calendar home: this service.
pub fn timezone_service_set(paths: &DavPaths) -> (KnownProp, PropValue) {
    (
        KnownProp::TimezoneServiceSet,
        PropValue::Href(service_path(paths, true)),
    )
}

/// Whether `name` is CALDAV:calendar-timezone-id (RFC 7809 5.2), which a calendar keeps
/// as a dead property once its value names a known zone.
pub fn is_calendar_timezone_id(name: &PropName) -> bool {
    name.ns == Namespace::CalDav && name.local == "calendar-timezone-id"
}
