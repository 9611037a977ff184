//! Reading a VTIMEZONE back as a client would: each observance's onsets (DTSTART, RDATE
//! and RRULE expanded by calcard, the way it expands events), then the UTC offset in
//! effect at any instant.

use calcard::common::timezone::Tz;
use calcard::{Entry, Parser};
use chrono::NaiveDateTime;

/// One STANDARD or DAYLIGHT component.
#[derive(Debug, Clone)]
pub struct Observance {
    pub dst: bool,
    pub from: i32,
    pub to: i32,
    pub name: String,
    /// Local onsets (in `from`), as written (DTSTART, RDATE, RRULE).
    pub lines: Vec<String>,
}

/// The content lines of an iCalendar text, unfolded.
pub fn unfolded(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for raw in text.split("\r\n") {
        if let Some(rest) = raw.strip_prefix(' ') {
            lines.last_mut().expect("a line to continue").push_str(rest);
        } else if !raw.is_empty() {
            lines.push(raw.to_string());
        }
    }
    lines
}

/// `+0100`, `-0330`, `+005328` in seconds.
pub fn offset_seconds(text: &str) -> i32 {
    let sign = if text.starts_with('-') { -1 } else { 1 };
    let digits = &text[1..];
    let part = |range: std::ops::Range<usize>| -> i32 {
        digits.get(range).map(|d| d.parse().unwrap()).unwrap_or(0)
    };
    sign * (part(0..2) * 3600 + part(2..4) * 60 + part(4..6))
}

/// The observances of the first VTIMEZONE in `text`.
pub fn observances(text: &str) -> Vec<Observance> {
    let mut found = Vec::new();
    let mut current: Option<Observance> = None;
    for line in unfolded(text) {
        match line.as_str() {
            "BEGIN:STANDARD" | "BEGIN:DAYLIGHT" => {
                current = Some(Observance {
                    dst: line == "BEGIN:DAYLIGHT",
                    from: 0,
                    to: 0,
                    name: String::new(),
                    lines: Vec::new(),
                })
            }
            "END:STANDARD" | "END:DAYLIGHT" => found.push(current.take().unwrap()),
            _ => {
                let Some(observance) = current.as_mut() else {
                    continue;
                };
                let (name, value) = line.split_once(':').unwrap();
                match name {
                    "TZOFFSETFROM" => observance.from = offset_seconds(value),
                    "TZOFFSETTO" => observance.to = offset_seconds(value),
                    "TZNAME" => observance.name = value.to_string(),
                    _ => observance.lines.push(line.clone()),
                }
            }
        }
    }
    found
}

impl Observance {
    /// Every onset (UTC epoch seconds) up to `limit` of them: DTSTART, RDATE and RRULE
    /// read as an event's recurrence set by calcard, in floating time, then moved to UTC
    /// by TZOFFSETFROM.
    pub fn onsets(&self, limit: usize) -> Vec<i64> {
        let event = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VEVENT\r\n\
             UID:onsets\r\nDTSTAMP:20260101T000000Z\r\n{}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            self.lines
                .iter()
                .map(|line| self.floating_until(line))
                .collect::<Vec<_>>()
                .join("\r\n")
        );
        let mut parser = Parser::new(&event);
        let Entry::ICalendar(ical) = parser.entry() else {
            panic!("not iCalendar: {event}");
        };
        let expanded = ical.expand_dates(Tz::Floating, limit);
        assert!(expanded.errors.is_empty(), "{:?}: {event}", expanded.errors);
        let mut onsets: Vec<i64> = expanded
            .events
            .iter()
            .map(|e| local_seconds(e.start.naive_local()) - i64::from(self.from))
            .collect();
        onsets.sort_unstable();
        onsets
    }
}

impl Observance {
    /// An RRULE's UNTIL is UTC in a VTIMEZONE (RFC 5545 3.8.5.3); read as an event's in
    /// floating time it becomes the local time of that instant in TZOFFSETFROM.
    fn floating_until(&self, line: &str) -> String {
        let Some((head, until)) = line.split_once("UNTIL=") else {
            return line.to_string();
        };
        let (value, tail) = until.split_once(';').unwrap_or((until, ""));
        let utc = NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%SZ").expect("UTC UNTIL");
        let local = utc + chrono::Duration::seconds(i64::from(self.from));
        let tail = if tail.is_empty() {
            String::new()
        } else {
            format!(";{tail}")
        };
        format!("{head}UNTIL={}{tail}", local.format("%Y%m%dT%H%M%S"))
    }
}

fn local_seconds(local: NaiveDateTime) -> i64 {
    local.and_utc().timestamp()
}

/// Every onset of a VTIMEZONE in order: (UTC instant, offset before, offset after).
pub fn all_onsets(text: &str, limit: usize) -> Vec<(i64, i32, i32)> {
    let mut all: Vec<(i64, i32, i32)> = observances(text)
        .iter()
        .flat_map(|o| o.onsets(limit).into_iter().map(|at| (at, o.from, o.to)))
        .collect();
    all.sort_unstable();
    all
}

/// The offset a reader of the VTIMEZONE finds at `at`: the latest onset's, or before
/// the first onset its TZOFFSETFROM.
pub fn offset_at(onsets: &[(i64, i32, i32)], at: i64) -> i32 {
    match onsets.partition_point(|(onset, _, _)| *onset <= at) {
        0 => onsets.first().map(|o| o.1).unwrap_or(0),
        n => onsets[n - 1].2,
    }
}
