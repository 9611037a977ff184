//! Free/busy test helpers: iCalendar text, its unfolded content lines and FREEBUSY
//! periods, and bob's calendar of busy, tentative, transparent, cancelled, recurring and
//! private events.

use davgate::store::FolderModule;
use http::StatusCode;

use super::caldav::*;
use super::http::*;

pub fn vcalendar(method: &str, inner: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate tests//EN\r\n{method}{inner}\
         END:VCALENDAR\r\n"
    )
}

/// The content lines of iCalendar text, unfolded.
pub fn lines(data: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in data.lines() {
        let line = line.trim_end_matches('\r');
        match (line.strip_prefix(' '), out.last_mut()) {
            (Some(rest), Some(last)) => last.push_str(rest),
            _ if !line.is_empty() => out.push(line.to_owned()),
            _ => {}
        }
    }
    out
}

pub fn freebusy_lines(data: &str) -> Vec<String> {
    lines(data)
        .into_iter()
        .filter(|l| l.starts_with("FREEBUSY"))
        .collect()
}

/// `FREEBUSY;FBTYPE=<kind>:<day>T<from>Z/<day>T<to>Z`.
pub fn period(kind: &str, days: i64, from: &str, to: &str) -> String {
    let d = day(days);
    format!("FREEBUSY;FBTYPE={kind}:{d}T{from}Z/{d}T{to}Z")
}

pub fn timed_event(uid: &str, days: i64, from: &str, to: &str, extra: &str) -> String {
    let d = day(days);
    vcalendar(
        "",
        &format!(
            "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{d}T{from}Z\r\n\
             DTEND:{d}T{to}Z\r\n{extra}END:VEVENT\r\n"
        ),
    )
}

pub async fn put_as(site: &Site, login: &str, password: &str, path: &str, body: &str) {
    let answer = send(
        &site.app,
        Call::new("PUT", path)
            .auth(login, password)
            .header("content-type", "text/calendar; charset=utf-8")
            .body(body.as_bytes().to_vec()),
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::CREATED,
        "PUT {path}: {}",
        String::from_utf8_lossy(&answer.body)
    );
}

/// Bob's calendar: busy, tentative, transparent, cancelled, recurring and private events.
pub async fn fill_bobs_calendar(site: &Site) -> String {
    let calendar =
        calendar_path(&default_folder(&site.store, &site.bob, FolderModule::Calendar).await);
    let events = [
        (
            "busy",
            timed_event("busy", 2, "100000", "110000", "SUMMARY:Bob busy\r\n"),
        ),
        (
            "tentative",
            timed_event("tentative", 2, "140000", "150000", "STATUS:TENTATIVE\r\n"),
        ),
        (
            "transparent",
            timed_event(
                "transparent",
                3,
                "100000",
                "110000",
                "TRANSP:TRANSPARENT\r\n",
            ),
        ),
        (
            "cancelled",
            timed_event("cancelled", 3, "120000", "130000", "STATUS:CANCELLED\r\n"),
        ),
        (
            "daily",
            timed_event(
                "daily",
                4,
                "080000",
                "090000",
                "RRULE:FREQ=DAILY;COUNT=3\r\n",
            ),
        ),
        (
            "private",
            timed_event(
                "private",
                7,
                "100000",
                "110000",
                "CLASS:PRIVATE\r\nSUMMARY:Secret surgery\r\n",
            ),
        ),
    ];
    for (name, body) in events {
        put_as(
            site,
            "bob",
            BOB_PASSWORD,
            &format!("{calendar}{name}.ics"),
            &body,
        )
        .await;
    }
    calendar
}

pub fn bobs_periods() -> Vec<String> {
    vec![
        period("BUSY", 2, "100000", "110000"),
        period("BUSY-TENTATIVE", 2, "140000", "150000"),
        period("BUSY", 4, "080000", "090000"),
        period("BUSY", 5, "080000", "090000"),
        period("BUSY", 6, "080000", "090000"),
        period("BUSY", 7, "100000", "110000"),
    ]
}
