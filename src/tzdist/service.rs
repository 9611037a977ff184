//! The TZDist service (RFC 7808) under `<prefix>/timezone`, without login: the actions
//! capabilities, list, find, get and expand, with ETags and conditional GET.

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate};
use http::{header, HeaderMap, HeaderValue, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::cache::zone_data;
use super::catalog::{self, Pattern};
use super::problem::Problem;
use super::vtimezone::Vtimezone;
use super::zone_data::{DATA_END, DATA_START};
use super::{jcal, service_path};
use crate::http::paths::decode_path;
use crate::http::AppState;

/// The longest query string read; longer ones are refused before any parsing.
const MAX_QUERY_LENGTH: usize = 1024;

/// Every action, by the path below the service and the query.
pub async fn handle(State(state): State<AppState>, request: Request) -> Response {
    let base = service_path(&state.paths, false);
    let path = request.uri().path();
    let rest = path.strip_prefix(&base).unwrap_or("");
    let rest = rest.trim_start_matches('/');
    let query = request.uri().query().unwrap_or("");
    if query.len() > MAX_QUERY_LENGTH {
        return Problem::InvalidAction.respond("The query is too long.");
    }
    let Some(params) = Params::parse(query) else {
        return Problem::InvalidAction.respond("The query is not well-formed.");
    };
    let headers = request.headers();
    match rest {
        "" | "capabilities" => json_answer(headers, capabilities(&state)),
        "zones" => match params.get("pattern") {
            Some(pattern) => find(headers, pattern),
            None => list(headers, params.get("changedsince")),
        },
        _ => match rest.strip_prefix("zones/") {
            Some(zone) => match zone.strip_suffix("/observances") {
                Some(tzid) => expand(headers, tzid, &params),
                None => get(headers, zone, &params),
            },
            None => Problem::InvalidAction.respond("No such action."),
        },
    }
}

fn capabilities(state: &AppState) -> Value {
    let base = state.paths.external("/timezone");
    let param =
        |name: &str, required: bool| json!({"name": name, "required": required, "multi": false});
    json!({
        "version": 1,
        "info": {
            "primary-source": format!("IANA:{}", catalog::version()),
            "formats": ["text/calendar", "application/calendar+json"],
            // Any range within DATA_START..DATA_END; untruncated data too.
            "truncated": {"any": true, "untruncated": true},
            "contacts": [],
        },
        "actions": [
            {"name": "capabilities", "uri-template": format!("{base}/capabilities"), "parameters": []},
            {"name": "list", "uri-template": format!("{base}/zones{{?changedsince}}"),
             "parameters": [param("changedsince", false)]},
            {"name": "get", "uri-template": format!("{base}/zones{{/tzid}}{{?start,end}}"),
             "parameters": [param("start", false), param("end", false)]},
            {"name": "expand", "uri-template": format!("{base}/zones{{/tzid}}/observances{{?start,end}}"),
             "parameters": [param("start", false), param("end", false)]},
            {"name": "find", "uri-template": format!("{base}/zones{{?pattern}}"),
             "parameters": [param("pattern", true)]},
        ],
    })
}

fn list(headers: &HeaderMap, changed_since: Option<&str>) -> Response {
    let unchanged = match changed_since {
        None => false,
        Some(token) if is_version(token) => token == catalog::version(),
        Some(_) => {
            return Problem::InvalidChangedSince
                .respond("changedsince is not a synctoken this service gave out.")
        }
    };
    let zones: Vec<Value> = if unchanged {
        Vec::new()
    } else {
        catalog::all().map(|tz| zone_entry(tz.name())).collect()
    };
    json_answer(
        headers,
        json!({"synctoken": catalog::version(), "timezones": zones}),
    )
}

fn find(headers: &HeaderMap, pattern: &str) -> Response {
    let Some(pattern) = Pattern::parse(pattern) else {
        return Problem::InvalidPattern.respond(&format!(
            "The pattern must be 1 to {} characters without control characters.",
            catalog::MAX_PATTERN_LENGTH
        ));
    };
    let zones: Vec<Value> = catalog::all()
        .filter(|tz| pattern.matches(tz.name()))
        .map(|tz| zone_entry(tz.name()))
        .collect();
    json_answer(
        headers,
        json!({"synctoken": catalog::version(), "timezones": zones}),
    )
}

/// The tz database gives no date per zone: each carries the start of its version's year.
fn zone_entry(tzid: &str) -> Value {
    let year = catalog::version().get(..4).unwrap_or("1970");
    json!({"tzid": tzid, "last-modified": format!("{year}-01-01T00:00:00Z")})
}

fn get(headers: &HeaderMap, raw_tzid: &str, params: &Params) -> Response {
    let tzid = match decode_path(raw_tzid) {
        Ok(tzid) => tzid,
        Err(_) => return tzid_not_found(),
    };
    let Some(name) = catalog::resolve(&tzid) else {
        return tzid_not_found();
    };
    let (start, end) = match params.range(false) {
        Ok(range) => range,
        Err(response) => return response,
    };
    let json_wanted = wants_jcal(headers);
    let etag = etag(&[
        &tzid,
        &format!("{start:?}{end:?}"),
        if json_wanted { "json" } else { "ical" },
    ]);
    if let Some(not_modified) = not_modified(headers, &etag) {
        return not_modified;
    }
    let vtimezone = Vtimezone::build(&name, &zone_data(name.zone), start, end);
    let (content_type, body) = if json_wanted {
        (
            "application/calendar+json; charset=utf-8",
            jcal::calendar(&vtimezone).to_string(),
        )
    } else {
        ("text/calendar; charset=utf-8", vtimezone.calendar_text())
    };
    answer(content_type, &etag, body)
}

fn expand(headers: &HeaderMap, raw_tzid: &str, params: &Params) -> Response {
    let Some(tzid) = decode_path(raw_tzid).ok() else {
        return tzid_not_found();
    };
    let Some(name) = catalog::resolve(&tzid) else {
        return tzid_not_found();
    };
    let (start, end) = match params.range(true) {
        Ok((Some(start), Some(end))) => (start, end),
        Ok(_) => return Problem::InvalidStart.respond("start and end are needed."),
        Err(response) => return response,
    };
    let etag = etag(&[&tzid, &format!("{start}-{end}"), "expand"]);
    if let Some(not_modified) = not_modified(headers, &etag) {
        return not_modified;
    }
    let data = zone_data(name.zone);
    let at_start = data.state_at(start);
    let mut observances = vec![json!({
        "name": at_start.name,
        "onset": jcal::utc_extended(start),
        "utc-offset-from": at_start.offset,
        "utc-offset-to": at_start.offset,
    })];
    observances.extend(
        data.onsets_between(start + 1, end)
            .into_iter()
            .map(|onset| {
                let observance = &data.observances[onset.observance];
                json!({
                    "name": observance.to.name,
                    "onset": jcal::utc_extended(onset.at),
                    "utc-offset-from": observance.from,
                    "utc-offset-to": observance.to.offset,
                })
            }),
    );
    let body = json!({
        "synctoken": catalog::version(),
        "tzid": tzid,
        "start": jcal::utc_extended(start),
        "end": jcal::utc_extended(end),
        "observances": observances,
    });
    answer("application/json", &etag, body.to_string())
}

fn tzid_not_found() -> Response {
    Problem::TzidNotFound.respond("No time zone of that name is known.")
}

/// Query parameters, each decoded; at most a few, each once.
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(query: &str) -> Option<Params> {
        let mut pairs = Vec::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode_path(&value.replace('+', " ")).ok()?;
            let name = decode_path(name).ok()?;
            if pairs.iter().any(|(known, _)| *known == name) || pairs.len() >= 8 {
                return None;
            }
            pairs.push((name, value));
        }
        Some(Params(pairs))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(known, _)| known == name)
            .map(|(_, value)| value.as_str())
    }

    /// `start` and `end` within the data's bounds, `end` after `start`. With `defaults`,
    /// a missing start is today (UTC midnight) and a missing end a year after the start.
    #[allow(clippy::result_large_err)]
    fn range(&self, defaults: bool) -> Result<(Option<i64>, Option<i64>), Response> {
        let bound = |name: &str, problem: Problem| -> Result<Option<i64>, Response> {
            let Some(raw) = self.get(name) else {
                return Ok(None);
            };
            match parse_instant(raw) {
                Some(at) if (DATA_START..=DATA_END).contains(&at) => Ok(Some(at)),
                Some(_) => Err(problem.respond(&format!(
                    "{name} must lie between {} and {}.",
                    jcal::utc_extended(DATA_START),
                    jcal::utc_extended(DATA_END)
                ))),
                None => Err(problem.respond(&format!(
                    "{name} must be an RFC 3339 UTC date-time such as 2026-01-01T00:00:00Z."
                ))),
            }
        };
        let mut start = bound("start", Problem::InvalidStart)?;
        let mut end = bound("end", Problem::InvalidEnd)?;
        if defaults {
            let today = chrono::Utc::now().date_naive();
            let start_at = start.unwrap_or_else(|| super::zone_data::midnight(today));
            start = Some(start_at);
            end = Some(end.unwrap_or((start_at + 366 * 86_400).min(DATA_END)));
        }
        if let (Some(start), Some(end)) = (start, end) {
            if end <= start {
                return Err(Problem::InvalidEnd.respond("end must be after start."));
            }
        }
        Ok((start, end))
    }
}

/// An RFC 3339 date-time (any offset), or a date taken as its UTC midnight.
fn parse_instant(raw: &str) -> Option<i64> {
    if raw.len() > 40 {
        return None;
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Some(at.timestamp());
    }
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok()?;
    Some(super::zone_data::midnight(date))
}

/// A tz database version as `list` gives it out as synctoken (`2025b`).
fn is_version(token: &str) -> bool {
    let bytes = token.as_bytes();
    (5..=6).contains(&bytes.len())
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4..].iter().all(u8::is_ascii_lowercase)
}

fn wants_jcal(headers: &HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accept.contains("application/calendar+json") && !accept.contains("text/calendar")
}

/// A strong ETag for an answer: the data version and what the request chose.
fn etag(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(catalog::version().as_bytes());
    for part in parts {
        hasher.update([0]);
        hasher.update(part.as_bytes());
    }
    format!("\"{}\"", &hex::encode(hasher.finalize())[..24])
}

fn not_modified(headers: &HeaderMap, etag: &str) -> Option<Response> {
    let condition = headers.get(header::IF_NONE_MATCH)?.to_str().ok()?;
    let matches = condition
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag == etag || tag.strip_prefix("W/") == Some(etag));
    matches.then(|| {
        (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, header_value(etag))],
        )
            .into_response()
    })
}

fn json_answer(headers: &HeaderMap, body: Value) -> Response {
    let body = body.to_string();
    let etag = etag(&[&body]);
    if let Some(not_modified) = not_modified(headers, &etag) {
        return not_modified;
    }
    answer("application/json", &etag, body)
}

fn answer(content_type: &'static str, etag: &str, body: String) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::ETAG, header_value(etag)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
        ],
        body,
    )
        .into_response()
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("\"\""))
}
