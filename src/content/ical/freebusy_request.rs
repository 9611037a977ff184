//! The VFREEBUSY request of an iTIP free/busy lookup (RFC 5546 3.3.2, RFC 6638 5.1): who
//! asks, about whom, and for which range.

use calcard::icalendar::{ICalendarComponentType, ICalendarEntry, ICalendarProperty};
use calcard::{Entry, Parser};

use super::parse::children;
use super::zones::Zones;
use crate::content::limits::ContentLimits;
use crate::content::structure;

/// A free/busy request as a calendar user sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeBusyRequest {
    /// The ORGANIZER: the calendar user asking.
    pub organizer: String,
    /// The ATTENDEEs asked about, as sent, each once (compared without case).
    pub attendees: Vec<String>,
    /// DTSTART and DTEND in UTC epoch seconds; `start < end`.
    pub start: i64,
    pub end: i64,
    pub uid: Option<String>,
}

/// Why a free/busy request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FreeBusyRequestError {
    /// Not iCalendar text (answered with `CALDAV:valid-calendar-data`).
    #[error("invalid calendar data: {0}")]
    InvalidData(String),
    /// iCalendar, but not a VFREEBUSY request (`CALDAV:valid-scheduling-message`).
    #[error("not a free/busy request: {0}")]
    NotARequest(String),
}

impl FreeBusyRequest {
    /// Reads a VCALENDAR with METHOD:REQUEST and one VFREEBUSY holding one ORGANIZER, one
    /// or more ATTENDEEs, DTSTART and a later DTEND (VTIMEZONEs may come along). The
    /// text is held to the structure `limits` set for submitted calendar data.
    pub fn parse(data: &[u8], limits: &ContentLimits) -> Result<Self, FreeBusyRequestError> {
        use FreeBusyRequestError::{InvalidData, NotARequest};
        let text = std::str::from_utf8(data)
            .map_err(|_| InvalidData("calendar data is not UTF-8".into()))?;
        structure::check(text, limits).map_err(InvalidData)?;
        let mut parser = Parser::new(text);
        let ical = loop {
            match parser.entry() {
                Entry::ICalendar(ical) => break ical,
                Entry::InvalidLine(line) if line.trim().is_empty() => continue,
                _ => return Err(InvalidData("no VCALENDAR".into())),
            }
        };
        loop {
            match parser.entry() {
                Entry::Eof => break,
                Entry::InvalidLine(line) if line.trim().is_empty() => continue,
                _ => return Err(NotARequest("more than one VCALENDAR".into())),
            }
        }
        let calendar = ical
            .components
            .first()
            .filter(|c| c.component_type == ICalendarComponentType::VCalendar)
            .ok_or_else(|| InvalidData("no VCALENDAR".into()))?;
        let method = calendar
            .property(&ICalendarProperty::Method)
            .and_then(|entry| entry.values.first())
            .and_then(|value| value.as_text());
        if !method.is_some_and(|m| m.eq_ignore_ascii_case("REQUEST")) {
            return Err(NotARequest("the VCALENDAR needs METHOD:REQUEST".into()));
        }
        let mut components = children(&ical)
            .map(|(_, component)| component)
            .filter(|c| c.component_type != ICalendarComponentType::VTimezone);
        let freebusy = match (components.next(), components.next()) {
            (Some(one), None) if one.component_type == ICalendarComponentType::VFreebusy => one,
            _ => {
                return Err(NotARequest(
                    "the request needs exactly one VFREEBUSY".into(),
                ))
            }
        };
        let address = |entry: &ICalendarEntry| {
            entry
                .values
                .first()
                .and_then(|value| value.as_text())
                .map(str::trim)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        let mut organizers = freebusy.properties(&ICalendarProperty::Organizer);
        let organizer = match (organizers.next(), organizers.next()) {
            (Some(one), None) => address(one),
            _ => None,
        }
        .ok_or_else(|| NotARequest("the VFREEBUSY needs one ORGANIZER".into()))?;
        let mut attendees: Vec<String> = Vec::new();
        for entry in freebusy.properties(&ICalendarProperty::Attendee) {
            let attendee =
                address(entry).ok_or_else(|| NotARequest("an ATTENDEE without address".into()))?;
            if !attendees.iter().any(|a| a.eq_ignore_ascii_case(&attendee)) {
                attendees.push(attendee);
            }
        }
        if attendees.is_empty() {
            return Err(NotARequest("the VFREEBUSY needs an ATTENDEE".into()));
        }
        let zones = Zones::new(&ical);
        let time = |property: ICalendarProperty, name: &str| {
            let mut entries = freebusy.properties(&property);
            match (entries.next(), entries.next()) {
                (Some(entry), None) => zones.entry(entry).map(|value| zones.utc(&value)),
                _ => None,
            }
            .ok_or_else(|| NotARequest(format!("the VFREEBUSY needs one {name} date-time")))
        };
        let start = time(ICalendarProperty::Dtstart, "DTSTART")?;
        let end = time(ICalendarProperty::Dtend, "DTEND")?;
        if end <= start {
            return Err(NotARequest("DTEND is not after DTSTART".into()));
        }
        Ok(FreeBusyRequest {
            organizer,
            attendees,
            start,
            end,
            uid: freebusy.uid().map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> ContentLimits {
        ContentLimits {
            max_nesting: 4,
            max_components: 100,
            max_properties_per_component: 100,
            max_attendees_per_event: 100,
            max_alarms_per_event: 10,
            max_uid_bytes: 255,
            max_instances: 100,
        }
    }

    fn request(method: &str, inner: &str) -> String {
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//x//EN\r\n{method}BEGIN:VFREEBUSY\r\n\
             {inner}END:VFREEBUSY\r\nEND:VCALENDAR\r\n"
        )
    }

    const GOOD: &str = "UID:fb-1\r\nDTSTAMP:20261201T000000Z\r\nORGANIZER:mailto:a@x.org\r\n\
                        ATTENDEE:mailto:b@x.org\r\nATTENDEE:MAILTO:B@x.org\r\n\
                        ATTENDEE:mailto:c@x.org\r\n\
                        DTSTART:20261203T000000Z\r\nDTEND:20261204T000000Z\r\n";

    #[test]
    fn a_request_names_organizer_attendees_and_range() {
        let parsed =
            FreeBusyRequest::parse(request("METHOD:REQUEST\r\n", GOOD).as_bytes(), &limits())
                .unwrap();
        assert_eq!(parsed.organizer, "mailto:a@x.org");
        assert_eq!(parsed.attendees, ["mailto:b@x.org", "mailto:c@x.org"]);
        assert_eq!(parsed.end - parsed.start, 86_400);
        assert_eq!(parsed.uid.as_deref(), Some("fb-1"));
    }

    #[test]
    fn what_is_not_a_request_is_refused() {
        let not_request = |body: String| {
            matches!(
                FreeBusyRequest::parse(body.as_bytes(), &limits()),
                Err(FreeBusyRequestError::NotARequest(_))
            )
        };
        assert!(not_request(request("", GOOD)));
        assert!(not_request(request("METHOD:PUBLISH\r\n", GOOD)));
        assert!(not_request(request(
            "METHOD:REQUEST\r\n",
            &GOOD.replace("DTEND:20261204T000000Z\r\n", "")
        )));
        assert!(not_request(request(
            "METHOD:REQUEST\r\n",
            &GOOD.replace("DTEND:20261204", "DTEND:20261202")
        )));
        assert!(not_request(request(
            "METHOD:REQUEST\r\n",
            &GOOD.replace("ORGANIZER:mailto:a@x.org\r\n", "")
        )));
        let no_attendee: String = GOOD
            .lines()
            .filter(|l| !l.starts_with("ATTENDEE"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(not_request(request("METHOD:REQUEST\r\n", &no_attendee)));
        assert!(matches!(
            FreeBusyRequest::parse(b"hello", &limits()),
            Err(FreeBusyRequestError::InvalidData(_))
        ));
    }
}
