//! Date and date-time values of an object turned into UTC: TZIDs resolved through the
//! object's VTIMEZONEs, IANA and Windows names, floating values in the floating zone.

use std::collections::HashMap;
use std::str::FromStr;

use calcard::common::timezone::Tz;
use calcard::common::PartialDateTime;
use calcard::icalendar::{ICalendar, ICalendarEntry, ICalendarValue};
use chrono::{Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone};

/// Seconds in a day, the length of an all-day instance.
pub(crate) const DAY: i64 = 86_400;

/// Where a local time is anchored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// A UTC or fixed-offset value: seconds east of UTC.
    Offset(i32),
    /// A named zone.
    Zone(Tz),
    /// A floating date-time or a date.
    Floating,
}

/// A DATE or DATE-TIME value with what is needed to place it in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DateValue {
    pub local: NaiveDateTime,
    pub anchor: Anchor,
    pub is_date: bool,
}

/// The time zones an object can refer to.
#[derive(Debug, Clone)]
pub(crate) struct Zones {
    defined: HashMap<String, Tz>,
    floating: Option<Tz>,
}

impl Zones {
    /// The zones of `ical`'s VTIMEZONEs; floating values in UTC until `set_floating`.
    pub fn new(ical: &ICalendar) -> Self {
        let defined = ical
            .timezones()
            .filter_map(|component| component.timezone())
            .map(|(name, tz)| (name.to_string(), tz))
            .collect();
        Zones {
            defined,
            floating: None,
        }
    }

    /// Evaluates floating values in the zone `name` (IANA or Windows); an unknown name
    /// leaves them in UTC.
    pub fn set_floating(&mut self, name: &str) {
        self.floating = Tz::from_str(name).ok().filter(|tz| !tz.is_floating());
    }

    /// The zone a TZID names; None when it is unknown (the value is then floating).
    pub fn resolve(&self, tzid: &str) -> Option<Tz> {
        self.defined
            .get(tzid)
            .copied()
            .or_else(|| Tz::from_str(tzid).ok())
            .filter(|tz| !tz.is_floating())
    }

    /// A date value from a parsed value and the TZID parameter of its property.
    pub fn value(&self, value: &PartialDateTime, tzid: Option<&str>) -> Option<DateValue> {
        if !value.has_date() {
            return None;
        }
        let result = value.to_date_time()?;
        let is_date = !value.has_time();
        let anchor = match result.offset {
            Some(offset) => Anchor::Offset(offset.local_minus_utc()),
            None if is_date => Anchor::Floating,
            None => match tzid.and_then(|tzid| self.resolve(tzid)) {
                Some(tz) => Anchor::Zone(tz),
                None => Anchor::Floating,
            },
        };
        Some(DateValue {
            local: result.date_time,
            anchor,
            is_date,
        })
    }

    /// The first value of a property as a date value.
    pub fn entry(&self, entry: &ICalendarEntry) -> Option<DateValue> {
        match entry.values.first() {
            Some(ICalendarValue::PartialDateTime(value)) => self.value(value, entry.tz_id()),
            _ => None,
        }
    }

    /// UTC epoch seconds of a value.
    pub fn utc(&self, value: &DateValue) -> i64 {
        self.local_to_utc(value.local, value.anchor)
    }

    /// UTC epoch seconds of a local time at `anchor`. A time skipped by a daylight-saving
    /// change is read with the offset before the change (RFC 5545 3.3.5); a repeated time
    /// is the first one.
    pub fn local_to_utc(&self, local: NaiveDateTime, anchor: Anchor) -> i64 {
        match anchor {
            Anchor::Offset(offset) => local.and_utc().timestamp() - i64::from(offset),
            Anchor::Zone(tz) => zone_local_to_utc(tz, local),
            Anchor::Floating => match self.floating {
                Some(tz) => zone_local_to_utc(tz, local),
                None => local.and_utc().timestamp(),
            },
        }
    }

    /// The local time at `anchor` of a UTC instant.
    pub fn utc_to_local(&self, utc: i64, anchor: Anchor) -> NaiveDateTime {
        let instant = chrono::DateTime::from_timestamp(utc, 0)
            .unwrap_or_default()
            .naive_utc();
        match anchor {
            Anchor::Offset(offset) => instant + Duration::seconds(i64::from(offset)),
            Anchor::Zone(tz) => tz.from_utc_datetime(&instant).naive_local(),
            Anchor::Floating => match self.floating {
                Some(tz) => tz.from_utc_datetime(&instant).naive_local(),
                None => instant,
            },
        }
    }
}

pub(crate) fn zone_local_to_utc(tz: Tz, local: NaiveDateTime) -> i64 {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(time) => time.timestamp(),
        LocalResult::Ambiguous(first, _) => first.timestamp(),
        LocalResult::None => {
            let before = local - Duration::hours(3);
            let offset = match tz.from_local_datetime(&before) {
                LocalResult::Single(time) | LocalResult::Ambiguous(time, _) => {
                    i64::from(time.offset().fix().local_minus_utc())
                }
                LocalResult::None => 0,
            };
            local.and_utc().timestamp() - offset
        }
    }
}

/// A UTC instant as a calcard date-time value ending in `Z`.
pub(crate) fn utc_value(utc: i64) -> PartialDateTime {
    let local = chrono::DateTime::from_timestamp(utc, 0)
        .unwrap_or_default()
        .naive_utc();
    PartialDateTime {
        tz_hour: Some(0),
        tz_minute: Some(0),
        ..local_value(local, false)
    }
}

/// A local time as a calcard floating date-time (or date) value. iCalendar writes
/// four-digit years, so a time beyond them (the end of an instance of a millennia-long
/// event) is written as the last or first moment they hold.
pub(crate) fn local_value(local: NaiveDateTime, is_date: bool) -> PartialDateTime {
    use chrono::{Datelike, Timelike};
    let moment = |year, month, day, hour, minute, second| {
        NaiveDate::from_ymd_opt(year, month, day)
            .and_then(|date| date.and_hms_opt(hour, minute, second))
            .unwrap_or_default()
    };
    let local = local.clamp(moment(0, 1, 1, 0, 0, 0), moment(9999, 12, 31, 23, 59, 59));
    PartialDateTime {
        year: Some(local.year() as u16),
        month: Some(local.month() as u8),
        day: Some(local.day() as u8),
        hour: (!is_date).then_some(local.hour() as u8),
        minute: (!is_date).then_some(local.minute() as u8),
        second: (!is_date).then_some(local.second() as u8),
        ..Default::default()
    }
}

/// UTC epoch seconds at midnight (UTC) of a date.
pub(crate) fn date_utc(year: i32, month: u32, day: u32) -> i64 {
    NaiveDate::from_ymd_opt(year, month, day)
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|time| time.and_utc().timestamp())
        .unwrap_or_default()
}

/// A UTC date-time in iCalendar form, `20060104T140000Z` (also CALDAV:min-date-time).
pub fn ical_utc(epoch: i64) -> String {
    chrono::DateTime::from_timestamp(epoch, 0)
        .unwrap_or_default()
        .format("%Y%m%dT%H%M%SZ")
        .to_string()
}
