//! Time zones by reference (RFC 7809): objects may name zones by TZID without a
//! VTIMEZONE when the TZID is one the time zone service knows; such objects are served
//! with the VTIMEZONEs filled in, or, to a client that sends `CalDAV-Timezones: F`,
//! without the VTIMEZONEs of known zones. Served data is changed as text, line by line, so the
//! stored bytes are otherwise served as they are.

use std::borrow::Cow;
use std::collections::HashSet;

use calcard::icalendar::{ICalendar, ICalendarComponentType, ICalendarProperty, ICalendarValue};

use super::CalendarError;
use crate::tzdist;

/// The most zones filled into one object; an object naming more keeps the rest as
/// references.
const MAX_FILLED_ZONES: usize = 16;

/// What the client asked for with `CalDAV-Timezones` (RFC 7809 3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimezoneRefs {
    /// `T` or no header: every zone an object uses comes with its VTIMEZONE.
    #[default]
    Include,
    /// `F`: no VTIMEZONE components for zones the service knows.
    Omit,
}

impl TimezoneRefs {
    /// From the header's value; anything but `F` is the default.
    pub fn from_header(value: Option<&str>) -> Self {
        match value.map(str::trim) {
            Some(value) if value.eq_ignore_ascii_case("F") => TimezoneRefs::Omit,
            _ => TimezoneRefs::Include,
        }
    }

    /// `data` as the client asked for it.
    pub fn apply(self, data: Vec<u8>) -> Vec<u8> {
        self.apply_to(Cow::Owned(data)).into_owned()
    }

    /// As `apply`, with data that is borrowed where it is served as it is.
    pub fn apply_to(self, data: Cow<'_, [u8]>) -> Cow<'_, [u8]> {
        // Most objects name no zone at all (UTC and floating times): they are served as
        // stored without looking at their lines.
        if !names_a_zone(&data) {
            return data;
        }
        let Ok(text) = std::str::from_utf8(&data) else {
            return data;
        };
        let changed = match self {
            TimezoneRefs::Omit => without_vtimezones(text),
            TimezoneRefs::Include => with_missing_vtimezones(text),
        };
        match changed {
            Some(text) => Cow::Owned(text.into_bytes()),
            None => data,
        }
    }
}

/// Every TZID a submitted object uses must have its VTIMEZONE in the object or name a zone
/// the time zone service knows (RFC 7809 3.2); otherwise no time could be placed.
pub(super) fn check_references(ical: &ICalendar) -> Result<(), CalendarError> {
    let defined: HashSet<&str> = ical
        .timezones()
        .flat_map(|component| component.entries.iter())
        .filter(|entry| entry.name == ICalendarProperty::Tzid)
        .filter_map(|entry| match entry.values.first() {
            Some(ICalendarValue::Text(tzid)) => Some(tzid.as_str()),
            _ => None,
        })
        .collect();
    for component in &ical.components {
        if matches!(
            component.component_type,
            ICalendarComponentType::VTimezone
                | ICalendarComponentType::Standard
                | ICalendarComponentType::Daylight
        ) {
            continue;
        }
        for entry in &component.entries {
            let Some(tzid) = entry.tz_id() else {
                continue;
            };
            if !defined.contains(tzid) && !tzdist::is_known_tzid(tzid) {
                let shown: String = tzid.chars().take(64).collect();
                return Err(CalendarError::InvalidData(format!(
                    "{} names the time zone \"{shown}\", which has no VTIMEZONE in the object \
                     and is no time zone this server knows",
                    entry.name.as_str()
                )));
            }
        }
    }
    Ok(())
}

/// Whether `text` holds `TZID` in any case. Served data is searched for each member of
/// a report, so candidates are found with `memchr2` on the `Z`, a letter that few
/// lines hold (the `T` starts every `DTSTART`), instead of comparing at every byte.
fn names_a_zone(text: &[u8]) -> bool {
    memchr::memchr2_iter(b'Z', b'z', text).any(|at| {
        at.checked_sub(1)
            .and_then(|start| text.get(start..start + 4))
            .is_some_and(|window| window.eq_ignore_ascii_case(b"TZID"))
    })
}

/// One content line as it is written (possibly folded over several physical lines).
struct Line<'a> {
    raw: &'a str,
    /// Borrowed unless the line was folded.
    unfolded: std::borrow::Cow<'a, str>,
}

fn lines(text: &str) -> Vec<Line<'_>> {
    let mut found: Vec<Line<'_>> = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut offset = 0;
    for physical in text.split_inclusive('\n') {
        let end = offset + physical.len();
        let content = physical.trim_end_matches(['\r', '\n']);
        let continues = matches!(content.as_bytes().first(), Some(b' ' | b'\t'));
        if continues && !found.is_empty() {
            let last = found.last_mut().expect("a line to continue");
            last.raw = &text[start..end];
            last.unfolded.to_mut().push_str(&content[1..]);
        } else {
            start = offset;
            found.push(Line {
                raw: &text[offset..end],
                unfolded: std::borrow::Cow::Borrowed(content),
            });
        }
        offset = end;
    }
    debug_assert_eq!(offset, bytes.len());
    found
}

fn is(line: &Line<'_>, expected: &str) -> bool {
    line.unfolded.trim_end().eq_ignore_ascii_case(expected)
}

/// The text without the VTIMEZONE components of zones the service knows; None when it
/// has none. A zone only the object defines stays: nothing else could place its times.
fn without_vtimezones(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut block: Option<(String, bool)> = None;
    let mut removed = false;
    for line in lines(text) {
        if block.is_none() && is(&line, "BEGIN:VTIMEZONE") {
            block = Some((String::new(), false));
        }
        let Some((kept, known)) = block.as_mut() else {
            out.push_str(line.raw);
            continue;
        };
        kept.push_str(line.raw);
        if let Some(tzid) = line.unfolded.strip_prefix("TZID:") {
            *known |= tzdist::is_known_tzid(tzid.trim());
        }
        if is(&line, "END:VTIMEZONE") {
            let (kept, known) = block.take().unwrap_or_default();
            if known {
                removed = true;
            } else {
                out.push_str(&kept);
            }
        }
    }
    if let Some((kept, _)) = block {
        out.push_str(&kept);
    }
    removed.then_some(out)
}

/// The name part of a content line (before the first `:` outside quotes) split into the
/// property name and its parameters, and the value.
fn split_line(line: &str) -> Option<(Vec<&str>, &str)> {
    let mut quoted = false;
    let mut parts = Vec::new();
    let mut part_start = 0;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => {
                parts.push(&line[part_start..i]);
                part_start = i + 1;
            }
            ':' if !quoted => {
                parts.push(&line[part_start..i]);
                return Some((parts, &line[i + 1..]));
            }
            _ => {}
        }
    }
    None
}

fn tzid_param<'a>(params: &[&'a str]) -> Option<&'a str> {
    params.iter().skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.eq_ignore_ascii_case("TZID")
            .then(|| value.trim_matches('"'))
    })
}

/// The text with a VTIMEZONE for each known zone it names without one (inserted before
/// its first component); None when nothing is missing.
fn with_missing_vtimezones(text: &str) -> Option<String> {
    let all = lines(text);
    let mut defined: HashSet<String> = HashSet::new();
    let mut referenced: Vec<String> = Vec::new();
    let mut earliest_year: Option<i32> = None;
    let mut depth = 0usize;
    let mut in_vtimezone = false;
    let mut insert_at = None;
    for (index, line) in all.iter().enumerate() {
        let upper = line.unfolded.trim_end().to_ascii_uppercase();
        if upper.starts_with("BEGIN:") {
            depth += 1;
            if depth == 2 && insert_at.is_none() {
                insert_at = Some(index);
            }
            in_vtimezone |= upper == "BEGIN:VTIMEZONE";
            continue;
        }
        if upper.starts_with("END:") {
            depth = depth.saturating_sub(1);
            if upper == "END:VTIMEZONE" {
                in_vtimezone = false;
            }
            if depth == 0 && insert_at.is_none() {
                insert_at = Some(index);
            }
            continue;
        }
        let Some((params, value)) = split_line(&line.unfolded) else {
            continue;
        };
        if in_vtimezone {
            if params.len() == 1 && params[0].eq_ignore_ascii_case("TZID") {
                defined.insert(value.trim().to_owned());
            }
            continue;
        }
        if let Some(tzid) = tzid_param(&params) {
            if !referenced.iter().any(|known| known == tzid) {
                referenced.push(tzid.to_owned());
            }
            if let Some(year) = value.get(..4).and_then(|y| y.parse::<i32>().ok()) {
                earliest_year = Some(earliest_year.map_or(year, |e| e.min(year)));
            }
        }
    }
    // From the year before the earliest date that names a zone: what the object needs.
    let from = earliest_year.and_then(|year| {
        let date = chrono::NaiveDate::from_ymd_opt((year - 1).clamp(1900, 2199), 1, 1)?;
        Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp())
    });
    let blocks: Vec<String> = referenced
        .iter()
        .filter(|tzid| !defined.contains(tzid.as_str()))
        .take(MAX_FILLED_ZONES)
        .filter_map(|tzid| tzdist::vtimezone_for(tzid, from))
        .collect();
    if blocks.is_empty() {
        return None;
    }
    let insert_at = insert_at?;
    let mut out = String::with_capacity(text.len() + blocks.iter().map(String::len).sum::<usize>());
    for (index, line) in all.iter().enumerate() {
        if index == insert_at {
            blocks.iter().for_each(|block| out.push_str(block));
        }
        out.push_str(line.raw);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BY_REFERENCE: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\n\
        UID:a\r\nDTSTART;TZID=Europe/Berlin:20260310T100000\r\nDTEND;TZID=\"Europe/Berlin\":2026\r\n \
        0310T110000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    #[test]
    fn filled_in_then_left_out() {
        let filled = TimezoneRefs::Include.apply(BY_REFERENCE.as_bytes().to_vec());
        let filled = String::from_utf8(filled).unwrap();
        assert_eq!(filled.matches("BEGIN:VTIMEZONE").count(), 1, "{filled}");
        assert!(filled.find("BEGIN:VTIMEZONE") < filled.find("BEGIN:VEVENT"));
        assert!(filled.contains("TZID:Europe/Berlin\r\n"));
        // The zone is defined now: nothing more to fill in.
        assert_eq!(
            TimezoneRefs::Include.apply(filled.clone().into_bytes()),
            filled.as_bytes()
        );
        let omitted = TimezoneRefs::Omit.apply(filled.into_bytes());
        assert_eq!(String::from_utf8(omitted).unwrap(), BY_REFERENCE);
        assert_eq!(TimezoneRefs::from_header(Some(" f ")), TimezoneRefs::Omit);
        assert_eq!(TimezoneRefs::from_header(None), TimezoneRefs::Include);
    }

    #[test]
    fn zone_names_are_found_in_any_case_and_place() {
        for text in ["TZID", "dtstart;tzid=x", "TTZID", "xx\r\n TzId", "tTzId:"] {
            assert!(names_a_zone(text.as_bytes()), "{text:?}");
        }
        for text in [
            "",
            "Z",
            "ZID",
            "TZI",
            "T ZID",
            "DTSTART:20260310T100000Z\r\ntzi",
        ] {
            assert!(!names_a_zone(text.as_bytes()), "{text:?}");
        }
    }
}
