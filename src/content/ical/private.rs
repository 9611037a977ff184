//! Private and confidential calendar objects as users other than their owner see them:
//! busy time only. A component with `CLASS:PRIVATE` or `CLASS:CONFIDENTIAL` keeps what
//! places it in time (UID, DTSTAMP, DTSTART, DTEND, DUE, DURATION, the recurrence
//! properties, TRANSP, STATUS, CLASS, SEQUENCE) and is titled "Private"; its alarms,
//! attendees, organizer, description, location and every other property are left out.
//! VTIMEZONEs stay as they are, so that the times still mean what they meant.
//!
//! This works on the content lines of the stored bytes, not on a parsed object: reading
//! which objects are private is one pass over the lines, without parsing the object, and
//! an object that is not private costs nothing more. Lines are written back as they were
//! stored (folding included) unless parameters had to be dropped from them.

use std::borrow::Cow;

/// The properties a private component keeps.
const KEPT: &[&str] = &[
    "UID",
    "DTSTAMP",
    "DTSTART",
    "DTEND",
    "DUE",
    "DURATION",
    "RRULE",
    "RDATE",
    "EXDATE",
    "RECURRENCE-ID",
    "TRANSP",
    "STATUS",
    "CLASS",
    "SEQUENCE",
];

/// The parameters a kept property keeps: what its value means in time.
const KEPT_PARAMS: &[&str] = &["TZID", "VALUE", "RANGE"];

/// The properties of the VCALENDAR itself that are kept.
const KEPT_CALENDAR: &[&str] = &["VERSION", "PRODID", "CALSCALE"];

/// The components whose properties are filtered; VTIMEZONE is kept whole, every other
/// component (VFREEBUSY, VALARM, X- components) is left out.
const MAIN: &[&str] = &["VEVENT", "VTODO", "VJOURNAL"];

/// The title a private component shows.
pub const PRIVATE_SUMMARY: &str = "Private";

/// Whether the object holds a component classified PRIVATE or CONFIDENTIAL.
pub fn is_private(data: &[u8]) -> bool {
    logical_lines(data).any(|line| line.is_named("CLASS") && is_private_class(&line.parts().value))
}

fn is_private_class(value: &str) -> bool {
    let value = value.trim();
    value.eq_ignore_ascii_case("PRIVATE") || value.eq_ignore_ascii_case("CONFIDENTIAL")
}

/// The busy-only form of a private object; None when the object is not private (it is
/// then served as stored).
pub fn busy_only(data: &[u8]) -> Option<Vec<u8>> {
    if !is_private(data) {
        return None;
    }
    Some(anonymise(data))
}

/// What happens to the lines of the component being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// VCALENDAR: only its version, product and scale.
    Calendar,
    /// An event, task or journal: the kept properties.
    Main,
    /// A VTIMEZONE and what it holds: everything.
    Whole,
    /// Left out with everything it holds.
    Dropped,
}

fn anonymise(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 2);
    let mut stack: Vec<Mode> = Vec::new();
    for line in logical_lines(data) {
        let parts = line.parts();
        let parent = stack.last().copied();
        if parts.name.eq_ignore_ascii_case("BEGIN") {
            let component = parts.value.trim();
            let is = |names: &[&str]| names.iter().any(|n| component.eq_ignore_ascii_case(n));
            let mode = match parent {
                None if component.eq_ignore_ascii_case("VCALENDAR") => Mode::Calendar,
                Some(Mode::Calendar) if is(MAIN) => Mode::Main,
                Some(Mode::Calendar) if component.eq_ignore_ascii_case("VTIMEZONE") => Mode::Whole,
                Some(Mode::Whole) => Mode::Whole,
                _ => Mode::Dropped,
            };
            stack.push(mode);
            if mode != Mode::Dropped {
                out.extend_from_slice(line.raw);
            }
            continue;
        }
        if parts.name.eq_ignore_ascii_case("END") {
            let Some(mode) = stack.pop() else { continue };
            if mode == Mode::Main {
                out.extend_from_slice(b"SUMMARY:");
                out.extend_from_slice(PRIVATE_SUMMARY.as_bytes());
                out.extend_from_slice(b"\r\n");
            }
            if mode != Mode::Dropped {
                out.extend_from_slice(line.raw);
            }
            continue;
        }
        match parent {
            Some(Mode::Whole) => out.extend_from_slice(line.raw),
            Some(Mode::Calendar) if is_listed(&parts.name, KEPT_CALENDAR) => {
                out.extend_from_slice(line.raw)
            }
            Some(Mode::Main) if is_listed(&parts.name, KEPT) => {
                if parts
                    .params
                    .iter()
                    .all(|(name, _)| is_listed(name, KEPT_PARAMS))
                {
                    out.extend_from_slice(line.raw);
                } else {
                    write_folded(&mut out, &parts.without_other_params());
                }
            }
            _ => {}
        }
    }
    out
}

fn is_listed(name: &str, list: &[&str]) -> bool {
    list.iter().any(|n| name.eq_ignore_ascii_case(n))
}

/// One content line as stored (`raw`, with its folds and line ending).
struct LogicalLine<'a> {
    raw: &'a [u8],
}

/// A content line's name, parameters (name and the raw text of their values, quotes
/// included) and value.
struct Parts<'a> {
    name: Cow<'a, str>,
    params: Vec<(String, String)>,
    value: Cow<'a, str>,
}

impl LogicalLine<'_> {
    /// Whether the line's name is `name`: read from the stored bytes when the name ends
    /// before the first fold, as it nearly always does; unfolded otherwise.
    fn is_named(&self, name: &str) -> bool {
        let first = self.raw.split(|b| *b == b'\n').next().unwrap_or(self.raw);
        match first.iter().position(|b| *b == b';' || *b == b':') {
            Some(end) => first[..end].eq_ignore_ascii_case(name.as_bytes()),
            None => self.parts().name.eq_ignore_ascii_case(name),
        }
    }

    /// The line unfolded, without its line ending.
    fn unfolded(&self) -> Cow<'_, str> {
        let text = String::from_utf8_lossy(self.raw);
        let trimmed = text.trim_end_matches(['\r', '\n']);
        if !trimmed.contains('\n') {
            return match text {
                Cow::Borrowed(t) => Cow::Borrowed(t.trim_end_matches(['\r', '\n'])),
                Cow::Owned(_) => Cow::Owned(trimmed.to_owned()),
            };
        }
        let mut joined = String::with_capacity(trimmed.len());
        for (i, piece) in trimmed.split('\n').enumerate() {
            let piece = piece.strip_suffix('\r').unwrap_or(piece);
            if i == 0 {
                joined.push_str(piece);
            } else {
                // A continuation line begins with the one space or tab that folding added.
                joined.push_str(piece.get(1..).unwrap_or(""));
            }
        }
        Cow::Owned(joined)
    }

    fn parts(&self) -> Parts<'_> {
        split_line(self.unfolded())
    }
}

/// Splits an unfolded content line into name, parameters and value; a colon or
/// semicolon within a quoted parameter value belongs to the value.
fn split_line(text: Cow<'_, str>) -> Parts<'_> {
    let bytes = text.as_bytes();
    let name_end = bytes
        .iter()
        .position(|b| *b == b';' || *b == b':')
        .unwrap_or(bytes.len());
    let mut params = Vec::new();
    let mut at = name_end;
    while at < bytes.len() && bytes[at] == b';' {
        let start = at + 1;
        let mut end = start;
        let mut quoted = false;
        while end < bytes.len() {
            match bytes[end] {
                b'"' => quoted = !quoted,
                b';' | b':' if !quoted => break,
                _ => {}
            }
            end += 1;
        }
        let param = &text[start..end];
        let (name, value) = param.split_once('=').unwrap_or((param, ""));
        params.push((name.to_owned(), value.to_owned()));
        at = end;
    }
    let value_start = (at + 1).min(bytes.len());
    let (name, value) = match text {
        Cow::Borrowed(t) => (
            Cow::Borrowed(&t[..name_end]),
            Cow::Borrowed(&t[value_start..]),
        ),
        Cow::Owned(t) => (
            Cow::Owned(t[..name_end].to_owned()),
            Cow::Owned(t[value_start..].to_owned()),
        ),
    };
    Parts {
        name,
        params,
        value,
    }
}

impl Parts<'_> {
    /// The line unfolded with only the parameters that say what its value means in time.
    fn without_other_params(&self) -> String {
        let mut text = self.name.to_string();
        for (name, value) in self
            .params
            .iter()
            .filter(|(n, _)| is_listed(n, KEPT_PARAMS))
        {
            text.push(';');
            text.push_str(name);
            text.push('=');
            text.push_str(value);
        }
        text.push(':');
        text.push_str(&self.value);
        text
    }
}

/// Writes `line` folded at 75 octets (never inside a UTF-8 sequence), CRLF terminated.
fn write_folded(out: &mut Vec<u8>, line: &str) {
    let mut width = 0;
    for ch in line.chars() {
        let len = ch.len_utf8();
        if width + len > 75 {
            out.extend_from_slice(b"\r\n ");
            width = 1;
        }
        let mut buf = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
        width += len;
    }
    out.extend_from_slice(b"\r\n");
}

/// The content lines of `data`: each physical line with the continuation lines (those
/// beginning with a space or tab) that follow it.
fn logical_lines(data: &[u8]) -> impl Iterator<Item = LogicalLine<'_>> {
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < data.len() {
            let start = at;
            let mut end = next_line_end(data, start);
            while end < data.len() && matches!(data[end], b' ' | b'\t') {
                end = next_line_end(data, end);
            }
            at = end;
            let raw = &data[start..end];
            if raw.iter().all(|b| matches!(b, b'\r' | b'\n')) {
                continue;
            }
            return Some(LogicalLine { raw });
        }
        None
    })
}

/// Where the physical line starting at `from` ends: after its `\n`, or at the end.
fn next_line_end(data: &[u8], from: usize) -> usize {
    data[from..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(data.len(), |i| from + i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "BEGIN:VCALENDAR\r\n\
VERSION:2.0\r\n\
PRODID:-//Test//EN\r\n\
X-WR-CALNAME:Secret calendar\r\n\
BEGIN:VTIMEZONE\r\n\
TZID:Europe/Berlin\r\n\
BEGIN:STANDARD\r\n\
DTSTART:19701025T030000\r\n\
TZOFFSETFROM:+0200\r\n\
TZOFFSETTO:+0100\r\n\
END:STANDARD\r\n\
END:VTIMEZONE\r\n\
BEGIN:VEVENT\r\n\
UID:p1\r\n\
DTSTAMP:20260101T000000Z\r\n\
DTSTART;TZID=Europe/Berlin;X-HINT=\"Secret: hint\":20260105T100000\r\n\
DTEND;TZID=Europe/Berlin:20260105T110000\r\n\
RRULE:FREQ=DAILY;COUNT=3\r\n\
SUMMARY:Secret meeting with\r\n  the lawyers\r\n\
DESCRIPTION:Secret description\r\n\
LOCATION:Secret location\r\n\
ORGANIZER:mailto:alice@example.com\r\n\
ATTENDEE;CN=\"Secret; person\":mailto:lawyer@example.com\r\n\
CLASS:PRIVATE\r\n\
X-SECRET:Secret x\r\n\
BEGIN:VALARM\r\n\
ACTION:DISPLAY\r\n\
DESCRIPTION:Secret alarm\r\n\
TRIGGER:-PT15M\r\n\
END:VALARM\r\n\
END:VEVENT\r\n\
END:VCALENDAR\r\n";

    #[test]
    fn a_private_event_keeps_its_time_and_nothing_else() {
        let out = String::from_utf8(busy_only(SECRET.as_bytes()).expect("private")).unwrap();
        assert!(!out.to_ascii_lowercase().contains("secret"), "{out}");
        assert!(!out.contains("lawyer"), "{out}");
        assert!(
            !out.contains("VALARM") && !out.contains("ATTENDEE"),
            "{out}"
        );
        assert!(!out.contains("ORGANIZER") && !out.contains("X-"), "{out}");
        for kept in [
            "UID:p1\r\n",
            "DTSTAMP:20260101T000000Z\r\n",
            "DTSTART;TZID=Europe/Berlin:20260105T100000\r\n",
            "DTEND;TZID=Europe/Berlin:20260105T110000\r\n",
            "RRULE:FREQ=DAILY;COUNT=3\r\n",
            "CLASS:PRIVATE\r\n",
            "SUMMARY:Private\r\n",
            "TZOFFSETTO:+0100\r\n",
            "BEGIN:STANDARD\r\n",
            "VERSION:2.0\r\n",
        ] {
            assert!(out.contains(kept), "{kept:?} missing from {out}");
        }
        let limits = crate::limits::Limits::default().content;
        let parsed = crate::content::ical::CalendarObject::parse(out.as_bytes(), &limits)
            .expect("the busy-only form is a calendar object");
        assert_eq!(parsed.index().summary.as_deref(), Some("Private"));
    }

    #[test]
    fn confidential_counts_as_private_and_public_does_not() {
        let confidential = SECRET.replace("CLASS:PRIVATE", "CLASS:confidential");
        assert!(busy_only(confidential.as_bytes()).is_some());
        let public = SECRET.replace("CLASS:PRIVATE", "CLASS:PUBLIC");
        assert_eq!(busy_only(public.as_bytes()), None);
        let unclassified = SECRET.replace("CLASS:PRIVATE\r\n", "");
        assert_eq!(busy_only(unclassified.as_bytes()), None);
    }

    #[test]
    fn a_folded_class_line_is_read_unfolded() {
        let folded = SECRET.replace("CLASS:PRIVATE", "CLASS:PRIV\r\n ATE");
        assert!(is_private(folded.as_bytes()));
        let folded_name = SECRET.replace("CLASS:PRIVATE", "CLA\r\n SS:PRIVATE");
        assert!(is_private(folded_name.as_bytes()));
        let lf_only = SECRET.replace("\r\n", "\n");
        let out = String::from_utf8(busy_only(lf_only.as_bytes()).unwrap()).unwrap();
        assert!(!out.contains("Secret") && out.contains("UID:p1\n"), "{out}");
    }

    #[test]
    fn a_quoted_colon_does_not_end_the_parameters() {
        let parts = split_line(Cow::Borrowed("ATTENDEE;CN=\"a:b;c\";ROLE=CHAIR:mailto:x@y"));
        assert_eq!(parts.name, "ATTENDEE");
        assert_eq!(parts.params.len(), 2);
        assert_eq!(parts.value, "mailto:x@y");
    }
}
