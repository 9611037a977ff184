//! Internet free/busy: `GET <prefix>/freebusy/<mail address>[/<folder id>]` answers a
//! VCALENDAR (METHOD:PUBLISH) with the user's busy time, for clients that look busy time
//! up by URL (Outlook's Internet free/busy, calendar web views). Whether a user's busy
//! time is there, who may read it and how far it reaches follow the cascade of that
//! user (`com.openexchange.calendar.publishInternetFreeBusy`,
//! `davgate.freebusy.requireLogin`, `internetFreeBusyMaximumTimerange*`). An address
//! that names nobody, or someone who does not publish, answers as no published address
//! does: 404 with credentials, 401 without, so the URL never tells whether an address
//! exists.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, NaiveDateTime};
use http::{header, HeaderValue, Method, StatusCode, Uri};

use super::error::DavError;
use super::login_methods::{self, LoginView};
use super::outbox_post::too_much;
use super::AppState;
use crate::config::props;
use crate::content::ical::FreeBusyHeader;
use crate::content::query::TimeRange;
use crate::scheduling::freebusy::{busy_time, user_calendars};
use crate::store::User;

/// The first path segment below the prefix.
pub(super) const SEGMENT: &str = "freebusy";

const DAY: i64 = 86_400;
const WEEK: i64 = 7 * DAY;
/// OX's defaults: from a week back to four weeks ahead.
const DEFAULT_WEEKS_PAST: i64 = 1;
const DEFAULT_WEEKS_FUTURE: i64 = 4;

/// Whether a request may reach the handler without credentials: GET or HEAD of an
/// Internet free/busy URL (the handler decides whether the user asked for needs them).
pub(super) fn open_without_login(state: &AppState, method: &Method, path: &str) -> bool {
    (method == Method::GET || method == Method::HEAD)
        && state.paths.strip_internal(path).is_some_and(|sub| {
            sub.trim_start_matches('/')
                .split('/')
                .next()
                .is_some_and(|first| first == SEGMENT)
        })
}

/// GET or HEAD of `/freebusy/<rest>` (other methods find no resource there); a 401 carries the challenges of every login
/// method configured, as the auth layer's do.
pub(super) async fn get(
    state: &AppState,
    login: Option<&LoginView>,
    method: &Method,
    uri: &Uri,
    rest: &[String],
) -> Result<Response, DavError> {
    match answer(state, login, method, uri, rest).await {
        Err(DavError::Unauthorized) => Ok(login_methods::unauthorized(state)),
        other => other,
    }
}

async fn answer(
    state: &AppState,
    login: Option<&LoginView>,
    method: &Method,
    uri: &Uri,
    rest: &[String],
) -> Result<Response, DavError> {
    // What an address nobody publishes gets.
    let hidden = || match login {
        Some(_) => DavError::NotFound,
        None => DavError::Unauthorized,
    };
    let (mail, folder) = match rest {
        [mail] => (mail, None),
        [mail, folder] => (mail, Some(folder)),
        _ => return Err(hidden()),
    };
    let Some(target) = target(state, login, mail).await? else {
        return Err(hidden());
    };
    let (_, subject) = state.shared.cache().profile(&state.store, &target).await?;
    let view = state.config.view(&subject);
    if !view.get::<props::PublishInternetFreeBusy>() {
        return Err(hidden());
    }
    if view.get::<props::FreeBusyRequireLogin>() {
        match login {
            None => return Err(DavError::Unauthorized),
            Some(login) if login.login.user.context_id != target.context_id => {
                return Err(DavError::NotFound)
            }
            Some(_) => {}
        }
    }
    let mut folders = user_calendars(&state.store, &target).await?;
    if let Some(folder) = folder {
        let id = folder
            .parse::<i64>()
            .ok()
            .filter(|id| id.to_string() == *folder);
        folders.retain(|f| Some(*f) == id);
        if folders.is_empty() {
            return Err(hidden());
        }
    }
    let now = chrono::Utc::now().timestamp();
    let today = now - now.rem_euclid(DAY);
    let bounds = Bounds {
        earliest: today
            - i64::from(view.get::<props::InternetFreeBusyMaximumTimerangePast>()) * WEEK,
        latest: today
            + i64::from(view.get::<props::InternetFreeBusyMaximumTimerangeFuture>()) * WEEK,
        max_span: i64::try_from(state.limits.freebusy.max_range_days)
            .unwrap_or(i64::MAX / DAY)
            .saturating_mul(DAY),
    };
    let (start, end) =
        requested_range(uri.query().unwrap_or(""), today, &bounds).map_err(DavError::BadRequest)?;
    let range = TimeRange {
        start: Some(start),
        end: Some(end),
    };
    let max = state.limits.max_report_calendar_data_bytes;
    let busy = busy_time(
        &state.store,
        &state.limits.content,
        target.context_id,
        &folders,
        &range,
        max,
    )
    .await
    .map_err(|error| too_much(error, max))?;
    let organizer = format!("mailto:{}", target.mail);
    let header = FreeBusyHeader {
        method: Some("PUBLISH"),
        organizer: Some(&organizer),
        attendee: None,
        uid: None,
    };
    let body = busy.into_message(&header, &range);
    let length = body.len();
    let head = method == Method::HEAD;
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
        if head {
            Body::empty()
        } else {
            Body::from(body)
        },
    )
        .into_response();
    if head {
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    Ok(response)
}

/// The enabled user whose mail address or alias `mail` is: the one of the caller's
/// context, or else the only one there is.
async fn target(
    state: &AppState,
    login: Option<&LoginView>,
    mail: &str,
) -> Result<Option<User>, DavError> {
    let mut users: Vec<User> = state
        .store
        .users_by_mail(mail)
        .await?
        .into_iter()
        .filter(|user| user.enabled)
        .collect();
    if let Some(login) = login {
        let context = login.login.user.context_id;
        if let Some(at) = users.iter().position(|user| user.context_id == context) {
            return Ok(Some(users.swap_remove(at)));
        }
    }
    Ok(match users.len() {
        1 => users.pop(),
        _ => None,
    })
}

/// How far a requested range may reach, in UTC epoch seconds.
struct Bounds {
    earliest: i64,
    latest: i64,
    max_span: i64,
}

/// The range the query asks for (`start`, and `end` or `period`; OX's default of a week
/// back to four weeks ahead for what it leaves out), cut to `bounds`.
fn requested_range(query: &str, today: i64, bounds: &Bounds) -> Result<(i64, i64), String> {
    let (mut start, mut end, mut period) = (None, None, None);
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match name {
            "start" => start = Some(date_time(value).ok_or(format!("start: {value:?}"))?),
            "end" => end = Some(date_time(value).ok_or(format!("end: {value:?}"))?),
            "period" => period = Some(duration(value).ok_or(format!("period: {value:?}"))?),
            _ => {}
        }
    }
    let start = start.unwrap_or(today - DEFAULT_WEEKS_PAST * WEEK);
    let end = match (end, period) {
        (Some(_), Some(_)) => return Err("give end or period, not both".into()),
        (Some(end), None) => end,
        (None, Some(period)) => start.saturating_add(period),
        (None, None) => today + DEFAULT_WEEKS_FUTURE * WEEK,
    };
    if end <= start {
        return Err("the range ends before it starts".into());
    }
    let start = start.max(bounds.earliest);
    let end = end
        .min(bounds.latest)
        .min(start.saturating_add(bounds.max_span));
    if end <= start {
        return Err("the range lies outside the published time".into());
    }
    Ok((start, end))
}

/// A UTC date-time `20261203T000000Z` or a date `20261203` (midnight UTC).
fn date_time(value: &str) -> Option<i64> {
    if let Some(utc) = value.strip_suffix('Z') {
        return NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S")
            .ok()
            .map(|time| time.and_utc().timestamp());
    }
    if value.len() != 8 {
        return None;
    }
    NaiveDate::parse_from_str(value, "%Y%m%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|time| time.and_utc().timestamp())
}

/// A positive duration in seconds: `P2W`, `P7D`, `PT12H`, `P1DT30M` (RFC 5545 3.3.6).
fn duration(value: &str) -> Option<i64> {
    let rest = value.strip_prefix('P')?;
    let (days, time) = match rest.split_once('T') {
        Some((days, time)) => (days, Some(time)),
        None => (rest, None),
    };
    let mut seconds: i64 = 0;
    let mut any = false;
    let mut add = |text: &str, units: &[(char, i64)]| -> Option<()> {
        let mut number = String::new();
        let mut allowed = units.iter();
        for c in text.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            // Units in their order, each at most once.
            let &(_, size) = allowed.by_ref().find(|(unit, _)| *unit == c)?;
            let n: i64 = number.parse().ok()?;
            seconds = seconds.checked_add(n.checked_mul(size)?)?;
            number.clear();
            any = true;
        }
        number.is_empty().then_some(())
    };
    add(days, &[('W', WEEK), ('D', DAY)])?;
    if let Some(time) = time {
        add(time, &[('H', 3600), ('M', 60), ('S', 1)])?;
    }
    (any && seconds > 0).then_some(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: i64 = 1_796_256_000; // 2026-12-03T00:00:00Z

    fn bounds() -> Bounds {
        Bounds {
            earliest: TODAY - 12 * WEEK,
            latest: TODAY + 26 * WEEK,
            max_span: 366 * DAY,
        }
    }

    #[test]
    fn dates_and_durations() {
        assert_eq!(date_time("20261203T000000Z"), Some(TODAY));
        assert_eq!(date_time("20261203"), Some(TODAY));
        assert_eq!(date_time("20261203T000000"), None);
        assert_eq!(date_time("2026-12-03"), None);
        assert_eq!(duration("P7D"), Some(WEEK));
        assert_eq!(duration("P2W"), Some(2 * WEEK));
        assert_eq!(duration("P1DT1H30M"), Some(DAY + 5400));
        assert_eq!(duration("PT"), None);
        assert_eq!(duration("P1H"), None);
        assert_eq!(duration("P1D1W"), None);
        assert_eq!(duration("7D"), None);
    }

    #[test]
    fn ranges_default_like_ox_and_stay_within_bounds() {
        assert_eq!(
            requested_range("", TODAY, &bounds()),
            Ok((TODAY - WEEK, TODAY + 4 * WEEK))
        );
        assert_eq!(
            requested_range("start=20261203&period=P7D", TODAY, &bounds()),
            Ok((TODAY, TODAY + WEEK))
        );
        assert_eq!(
            requested_range(
                "start=20261203T000000Z&end=20261205T000000Z",
                TODAY,
                &bounds()
            ),
            Ok((TODAY, TODAY + 2 * DAY))
        );
        assert_eq!(
            requested_range("start=20200101&end=20400101", TODAY, &bounds()),
            Ok((TODAY - 12 * WEEK, TODAY + 26 * WEEK))
        );
        assert!(requested_range("start=20261205&end=20261203", TODAY, &bounds()).is_err());
        assert!(requested_range("end=20261205&period=P1D", TODAY, &bounds()).is_err());
        assert!(requested_range("start=20200101&end=20200201", TODAY, &bounds()).is_err());
        assert!(requested_range("start=tomorrow", TODAY, &bounds()).is_err());
    }
}
