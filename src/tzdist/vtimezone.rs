//! A zone as a VTIMEZONE: its observances (STANDARD and DAYLIGHT) over the range asked
//! for, truncated as RFC 7808 describes (an observance for the state at the start, TZUNTIL
//! and UNTIL at the end), written as iCalendar text here and as jCal in `jcal`.

use std::fmt::Write as _;

use chrono::{NaiveDate, NaiveDateTime};

use super::catalog::ZoneName;
use super::rules::YearlyRule;
use super::zone_data::{local, midnight, ZoneData, DATA_END, DATA_START};

/// One STANDARD or DAYLIGHT component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part {
    pub dst: bool,
    /// Local time in the offset before the change (`from`).
    pub dtstart: NaiveDateTime,
    pub rdates: Vec<NaiveDateTime>,
    /// A yearly rule, with its last onset (UTC) when the data is truncated.
    pub rrule: Option<(YearlyRule, Option<i64>)>,
    pub from: i32,
    pub to: i32,
    pub name: String,
}

/// A VTIMEZONE ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Vtimezone {
    pub tzid: String,
    pub alias_of: Option<&'static str>,
    /// TZUNTIL: the end of a truncated range (UTC).
    pub until: Option<i64>,
    pub parts: Vec<Part>,
}

impl Vtimezone {
    /// The observances of `data` in `[start, end)`; either bound open when None.
    pub fn build(
        name: &ZoneName<'_>,
        data: &ZoneData,
        start: Option<i64>,
        end: Option<i64>,
    ) -> Self {
        let lower = start.unwrap_or(DATA_START);
        let upper = end.unwrap_or(DATA_END);
        let mut parts: Vec<Part> = Vec::new();
        if let Some(start) = start {
            let state = data.state_at(start);
            parts.push(Part {
                dst: state.dst,
                dtstart: local(start, state.offset),
                rdates: Vec::new(),
                rrule: None,
                from: state.offset,
                to: state.offset,
                name: state.name,
            });
        }
        // Onsets strictly after a truncation start: the one at it is in its state.
        let first_listed = if start.is_some() { lower + 1 } else { lower };
        let mut listed: Vec<(usize, Part)> = Vec::new();
        for onset in data
            .onsets
            .iter()
            .filter(|o| o.at >= first_listed && o.at < upper)
        {
            let observance = &data.observances[onset.observance];
            let at_local = local(onset.at, observance.from);
            match listed
                .iter_mut()
                .find(|(index, _)| *index == onset.observance)
            {
                Some((_, part)) => part.rdates.push(at_local),
                None => listed.push((
                    onset.observance,
                    Part {
                        dst: observance.to.dst,
                        dtstart: at_local,
                        rdates: Vec::new(),
                        rrule: None,
                        from: observance.from,
                        to: observance.to.offset,
                        name: observance.to.name.clone(),
                    },
                )),
            }
        }
        parts.extend(listed.into_iter().map(|(_, part)| part));
        for recurring in &data.recurring {
            let observance = &data.observances[recurring.observance];
            let instants = match end {
                Some(end) => data.recurring_instants(recurring, first_listed, end),
                // The first onset is enough when the rule runs on without end.
                None => {
                    let rule_start = NaiveDate::from_ymd_opt(recurring.first_year, 1, 1)
                        .map(|date| midnight(date) - 2 * 86_400)
                        .unwrap_or(first_listed);
                    let from = first_listed.max(rule_start);
                    data.recurring_instants(recurring, from, from + 3 * 366 * 86_400)
                        .into_iter()
                        .take(1)
                        .collect()
                }
            };
            let (Some(first), last) = (instants.first(), instants.last()) else {
                continue;
            };
            parts.push(Part {
                dst: observance.to.dst,
                dtstart: local(*first, observance.from),
                rdates: Vec::new(),
                rrule: Some((recurring.rule, end.and(last.copied()))),
                from: observance.from,
                to: observance.to.offset,
                name: observance.to.name.clone(),
            });
        }
        if parts.is_empty() {
            // A zone without changes in the range: its one state throughout.
            let state = data.state_at(lower);
            parts.push(Part {
                dst: state.dst,
                dtstart: local(lower, state.offset),
                rdates: Vec::new(),
                rrule: None,
                from: state.offset,
                to: state.offset,
                name: state.name,
            });
        }
        parts.sort_by_key(|part| part.dtstart);
        Vtimezone {
            tzid: name.tzid.to_owned(),
            alias_of: name.alias_of,
            until: end,
            parts,
        }
    }

    /// The VTIMEZONE component's content lines (BEGIN to END, CRLF, folded).
    pub fn component_text(&self) -> String {
        let mut out = String::new();
        line(&mut out, "BEGIN:VTIMEZONE");
        line(&mut out, &format!("TZID:{}", escape_text(&self.tzid)));
        if let Some(alias_of) = self.alias_of {
            line(
                &mut out,
                &format!("TZID-ALIAS-OF:{}", escape_text(alias_of)),
            );
        }
        if let Some(until) = self.until {
            line(&mut out, &format!("TZUNTIL:{}", utc_basic(until)));
        }
        for part in &self.parts {
            let kind = if part.dst { "DAYLIGHT" } else { "STANDARD" };
            line(&mut out, &format!("BEGIN:{kind}"));
            line(&mut out, &format!("DTSTART:{}", local_basic(part.dtstart)));
            if let Some((rule, until)) = &part.rrule {
                line(&mut out, &format!("RRULE:{}", recur_text(rule, *until)));
            }
            // RDATE lines of at most 4 values each, short enough to need no folding.
            for chunk in part.rdates.chunks(4) {
                let values: Vec<String> = chunk.iter().map(|d| local_basic(*d)).collect();
                line(&mut out, &format!("RDATE:{}", values.join(",")));
            }
            line(
                &mut out,
                &format!("TZOFFSETFROM:{}", offset_text(part.from)),
            );
            line(&mut out, &format!("TZOFFSETTO:{}", offset_text(part.to)));
            line(&mut out, &format!("TZNAME:{}", escape_text(&part.name)));
            line(&mut out, &format!("END:{kind}"));
        }
        line(&mut out, "END:VTIMEZONE");
        out
    }

    /// A whole iCalendar object holding this VTIMEZONE alone.
    pub fn calendar_text(&self) -> String {
        let mut out = String::new();
        line(&mut out, "BEGIN:VCALENDAR");
        line(&mut out, "VERSION:2.0");
        line(&mut out, "PRODID:-//davgate//TZDist//EN");
        out.push_str(&self.component_text());
        line(&mut out, "END:VCALENDAR");
        out
    }
}

/// `FREQ=YEARLY;BYMONTH=..;BYDAY=..[;UNTIL=..]`.
pub(crate) fn recur_text(rule: &YearlyRule, until: Option<i64>) -> String {
    let mut text = String::from("FREQ=YEARLY");
    for (name, value) in rule.by_parts() {
        let _ = write!(text, ";{name}={value}");
    }
    if let Some(until) = until {
        let _ = write!(text, ";UNTIL={}", utc_basic(until));
    }
    text
}

/// `+0100`, `-0330`, `+005328` (seconds only where there are some).
pub(crate) fn offset_text(offset: i32) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let abs = offset.abs();
    let (hours, minutes, seconds) = (abs / 3600, abs / 60 % 60, abs % 60);
    if seconds == 0 {
        format!("{sign}{hours:02}{minutes:02}")
    } else {
        format!("{sign}{hours:02}{minutes:02}{seconds:02}")
    }
}

pub(crate) fn local_basic(at: NaiveDateTime) -> String {
    at.format("%Y%m%dT%H%M%S").to_string()
}

pub(crate) fn utc_basic(at: i64) -> String {
    format!("{}Z", local_basic(local(at, 0)))
}

fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | ';' | ',' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a content line folded at 75 octets (RFC 5545 3.1), never inside a character.
fn line(out: &mut String, text: &str) {
    let mut width = 0;
    for c in text.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tzdist::catalog::resolve;

    #[test]
    fn berlin_open_ended_and_truncated() {
        let name = resolve("Europe/Berlin").unwrap();
        let data = ZoneData::compute(name.zone);
        let text = Vtimezone::build(&name, &data, None, None).calendar_text();
        assert!(
            text.contains("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"),
            "{text}"
        );
        assert!(text.contains("RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"));
        assert!(text.lines().all(|l| l.trim_end_matches('\r').len() <= 75));
        // 2020-01-01 to 2022-01-01: the state at the start and four changes.
        let start = 1_577_836_800;
        let end = 1_640_995_200;
        let cut = Vtimezone::build(&name, &data, Some(start), Some(end));
        assert_eq!(cut.parts[0].dtstart, local(start, 3600));
        assert_eq!((cut.parts[0].from, cut.parts[0].to), (3600, 3600));
        let text = cut.component_text();
        assert!(text.contains("TZUNTIL:20220101T000000Z"), "{text}");
        assert!(text.contains("UNTIL=20211031T010000Z"), "{text}");
        assert!(text.contains("DTSTART:20200329T020000"), "{text}");
        assert_eq!(offset_text(3208), "+005328");
        assert_eq!(offset_text(-12_600), "-0330");
    }
}
